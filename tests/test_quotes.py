"""Quotes with speakers: tricky layouts, speaker resolution, robustness and the seed gold."""

from __future__ import annotations

from factlake.config import ExtractConfig, FactlakeConfig
from factlake.evaluation import EvaluationContext
from factlake.evaluation import quotes as quote_evaluation
from factlake.extract import ArticleContext, entities, quotes
from factlake.records import stable_id

CONFIG = ExtractConfig()
ARTICLE_ID = "0" * 16


def quotes_of(body: str, nlp, reference) -> list[dict]:
    context = ArticleContext(article_id=ARTICLE_ID, body=body, published_date=None, doc=nlp(body))
    context.entity_mentions = entities.extract(context, CONFIG, reference)
    found = quotes.extract(context, CONFIG, reference)
    for mention in found:
        assert body[mention["char_start"] : mention["char_end"]] == mention["text"]
        assert mention["mention_id"] == stable_id(
            ARTICLE_ID, "quote", mention["char_start"], mention["char_end"]
        )
        assert mention["fact_type"] == "quote" and mention["fact_id"] is None
        assert mention["extractor"] == quotes.EXTRACTOR == "quotes/1.1"
    return found


def test_split_quote_becomes_one_mention(nlp, reference):
    body = (
        "Vladimir Putin hosted the talks. “We all agree that this was a very useful meeting,” Putin said. "
        "“In my opinion, it created a very good atmosphere for agreements.”"
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["text"].startswith("“We all agree") and quote["text"].endswith("agreements.”")
    assert quote["quote_text"] == (
        "We all agree that this was a very useful meeting, In my opinion, it created a very good atmosphere "
        "for agreements."
    )
    assert quote["speaker"] == "Vladimir Putin" and quote["confidence"] >= 0.8


def test_multi_paragraph_quote_reopens_without_closing(nlp, reference):
    body = (
        "Russian President Vladimir Putin spoke on Monday.\n\n"
        "“It is in everyone’s interest to normalize relations.\n\n"
        "“We will stay in touch and continue the dialogue,” Putin said."
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["quote_text"] == (
        "It is in everyone’s interest to normalize relations. We will stay in touch and continue the dialogue"
    )
    assert quote["speaker"] == "Vladimir Putin"


def test_pronoun_speaker_is_the_latest_person_subject(nlp, reference):
    body = (
        "Putin met separately with Armenian Prime Minister Nikol Pashinyan and Azerbaijani President "
        "Ilham Aliyev.\n\n“The most important thing is to secure peace and create conditions,” "
        "he told Pashinyan."
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] == "Putin"


def test_role_speaker_resolves_through_apposition(nlp, reference):
    body = (
        "Russian President Vladimir Putin and Azerbaijani President Ilham Aliyev met in Sochi. "
        "“It was a very useful meeting for everybody,” the Russian president told reporters."
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] == "Vladimir Putin"


def test_role_speaker_falls_back_to_reference_roles(nlp, reference):
    body = "“The agenda of the talks will be published soon,” the Kremlin spokesperson said."
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] == "Dmitry Peskov"


def test_quote_alone_takes_the_speaker_of_the_previous_paragraph(nlp, reference):
    body = (
        "Ilham Aliyev offered his condolences and announced that Azerbaijan was ready to begin.\n\n"
        "Photo Agency/Photo Agency\n\n"
        "“We have publicly offered to start working on a peace treaty with Armenia.”"
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] == "Ilham Aliyev"


def test_statement_bodies_are_speakers(nlp, reference):
    body = (
        "According to a statement from the Kremlin, the two leaders talked about “the preparation of the "
        "peace treaty and unblocking transport links.”\n\n"
        "“The Russian side reaffirmed its readiness to provide all possible assistance,” the statement added."
    )
    found = quotes_of(body, nlp, reference)
    assert [quote["speaker"] for quote in found] == ["Kremlin", "Kremlin"]


def test_joint_statement_names_its_parties(nlp, reference):
    body = (
        "In a joint statement after the Russian-mediated talks, Armenia and Azerbaijan “agreed not to use "
        "force” to resolve their dispute."
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] == "joint statement of Armenia, Azerbaijan and Russia"


def test_fragments_and_scare_quotes_have_low_confidence(nlp, reference):
    body = (
        "Putin said he hoped for a “normalization” of ties. The sides agreed to “strictly observe” the deal."
    )
    found = quotes_of(body, nlp, reference)
    assert [quote["quote_text"] for quote in found] == ["normalization", "strictly observe"]
    assert all(quote["confidence"] <= 0.3 for quote in found)


def test_straight_and_nested_marks(nlp, reference):
    body = 'Maria Zakharova said "attempts to challenge them are extremely dangerous" on Wednesday.'
    [quote] = quotes_of(body, nlp, reference)
    assert quote["quote_text"] == "attempts to challenge them are extremely dangerous"
    nested = quotes.find_quotes("They stated, “today’s “Straw vote” is not a step towards integration.”")
    assert len(nested) == 1 and nested[0].parts


def test_unbalanced_marks_over_a_huge_paragraph_are_dropped_quickly():
    body = "“" + "word " * 200_000 + "“ more text ” and “ a closed quote here ”"
    found = quotes.find_quotes(body)
    assert all(quote.end - quote.start <= quotes.MAX_QUOTE_CHARS + 2 for quote in found)
    assert body[found[-1].start : found[-1].end] == "“ a closed quote here ”"
    assert quotes.find_quotes("“never closed\n\nnext paragraph") == []


def test_seed_gold_is_met(nlp, reference):
    config = FactlakeConfig()
    context = EvaluationContext(config=config, reference=reference, nlp=nlp)
    predicted, gold = quote_evaluation.seed_predictions(context)
    counts = quote_evaluation.score(predicted, gold, config.extract.min_quote_words)
    matched_predictions, n_predictions, matched_gold, n_gold, correct, n_speakers = counts
    assert n_gold >= 30
    assert matched_predictions / n_predictions >= quote_evaluation.QUOTE_PRECISION_TARGET
    assert matched_gold / n_gold >= quote_evaluation.QUOTE_RECALL_TARGET
    assert correct / n_speakers >= quote_evaluation.SPEAKER_ACCURACY_TARGET


def test_attribution_after_with_inverted_order_and_new_speech_verbs(nlp, reference):
    body = (
        "Hillary Clinton spoke in Iowa.\n\n"
        "“Safe abortion should be a right, not just on paper,” Clinton tweeted shortly after the ruling.\n\n"
        "“Voters consistently reject establishment Republicans,” said Richard Viguerie."
    )
    found = quotes_of(body, nlp, reference)
    assert [quote["speaker"] for quote in found] == ["Hillary Clinton", "Richard Viguerie"]


def test_attribution_after_a_long_apposition(nlp, reference):
    body = (
        "“It is not the position that everything is hunky-dory,” Gene Sperling, a top outside Clinton "
        "adviser, said at a recent event on the economy in Iowa."
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] == "Gene Sperling"


def test_attribution_after_a_nested_closing_mark(nlp, reference):
    body = (
        "The event “was the first time I walked away with the idea that maybe it’s not as simple as, "
        "‘He’s the ringleader,’” Sexton said in a phone interview."
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] == "Sexton"


def test_lead_in_with_a_colon_or_a_comma(nlp, reference):
    body = (
        "The police union also pushed for a ban. Ohio Gov. John Kasich resisted: “Ohio governors do not "
        "have the power to arbitrarily suspend constitutional rights.”\n\n"
        "Emphasizing the urgency of the matter, Trump said, “If we do not get tough and smart real fast, we "
        "are not going to have a country anymore.”"
    )
    found = quotes_of(body, nlp, reference)
    assert [quote["speaker"] for quote in found] == ["John Kasich", "Trump"]


def test_according_to_an_outlet(nlp, reference):
    body = "“There has been a constant drip of declarations for months now,” according to Politico."
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] == "Politico"


def test_later_quote_of_a_paragraph_keeps_its_speaker(nlp, reference):
    body = (
        "“We thought only Trump was an insensitive guy,” said Aida, who recently published a book in Japan "
        "on the Trump phenomenon. Biden “kind of misspoke. This is not something he should talk about.”"
    )
    found = quotes_of(body, nlp, reference)
    assert [quote["speaker"] for quote in found] == ["Aida", "Aida"]


def test_quote_alone_takes_the_speech_verb_subject_of_its_paragraph(nlp, reference):
    body = (
        "Loretta Lynch announced on Monday the lawsuit against the state of North Carolina. “We are seeking "
        "a court order declaring the restriction impermissibly discriminatory.”"
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] == "Loretta Lynch"


def test_subject_is_not_taken_across_a_paragraph_break(nlp, reference):
    body = "6:50 p.m.\n\nHillary Clinton has told her supporters that “we are in this together, all of us.”"
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] != "p.m."


def test_same_speaker_is_lenient_on_surnames_but_not_on_given_names():
    same = quote_evaluation.same_speaker
    assert same("Donald Trump", "Trump") and same("Donald Trump", "Mr. Trump") and same("Trump", "Sen. Trump")
    assert same("The New York Times", "the Times") and same("D’Souza", "D’Souza")
    assert not same("Eric Trump", "Donald Trump") and not same("Bill Clinton", "Hillary Clinton")
    assert not same("Hillary Clinton", "Robby Mook") and not same(None, "Trump")


def test_polnear_source_names():
    name = quote_evaluation.polnear_speaker_name
    assert name("Clinton campaign manager Robby Mook") == "Robby Mook"
    assert name("Sen. Bernie Sanders (I-Vt.)") == "Bernie Sanders"
    assert name("George Zornick of The Nation") == "George Zornick"
    assert name("Secretary of State John Kerry") == "State John Kerry"
    assert name("he") is None and name("a spokesman for Platte River") is None
    assert name("an Associated Press-GfK poll released Thursday") is None
