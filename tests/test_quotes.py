"""Quotes with speakers: tricky layouts, speaker resolution, robustness and the seed gold."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation import EvaluationContext
from evaluation import quotes as quote_evaluation
from factlake.config import ExtractConfig, FactlakeConfig
from factlake.extract import ArticleContext, entities, quotes
from factlake.records import stable_id

CONFIG = ExtractConfig()
ARTICLE_ID = "0" * 16


def quotes_of(body: str, nlp, reference, published_date: dt.date | None = None) -> list[dict]:
    context = ArticleContext(article_id=ARTICLE_ID, body=body, published_date=published_date, doc=nlp(body))
    context.entity_mentions = entities.extract(context, CONFIG, reference)
    found = quotes.extract(context, CONFIG, reference)
    for mention in found:
        assert body[mention["char_start"] : mention["char_end"]] == mention["text"]
        assert mention["mention_id"] == stable_id(
            ARTICLE_ID, "quote", mention["char_start"], mention["char_end"]
        )
        assert mention["fact_type"] == "quote" and mention["fact_id"] is None
        assert mention["extractor"] == quotes.EXTRACTOR == "quotes/1.4"
    return found


def speakers_of(body: str, nlp, reference) -> list[str | None]:
    return [quote["speaker"] for quote in quotes_of(body, nlp, reference)]


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


KREMLIN_SPOKESMAN = "“The agenda of the talks will be published soon,” the Kremlin spokesman said."


def test_role_speaker_falls_back_to_the_dated_reference_row_in_force(nlp, reference):
    [quote] = quotes_of(KREMLIN_SPOKESMAN, nlp, reference, dt.date(2022, 10, 31))
    assert quote["speaker"] == "Dmitry Peskov"


@pytest.mark.parametrize(
    "published_date",
    [pytest.param(None, id="undated"), pytest.param(dt.date(2010, 3, 1), id="before_the_holder_took_office")],
)
def test_role_speaker_stays_the_role_outside_the_reference_rows_period(nlp, reference, published_date):
    [quote] = quotes_of(KREMLIN_SPOKESMAN, nlp, reference, published_date)
    assert quote["speaker"] == "Kremlin spokesman"


def test_an_unqualified_spokesman_is_never_a_reference_role_holder(nlp, reference):
    body = (
        "The campaign disputed the report on Tuesday.\n\n"
        "“We have never seen those documents,” a spokesman said."
    )
    [quote] = quotes_of(body, nlp, reference, dt.date(2016, 9, 14))
    assert quote["speaker"] != "Dmitry Peskov"


def test_the_role_holder_changes_with_the_article_date(nlp, reference):
    body = "“Our relations with Washington are at a low point,” the Russian president said."
    [in_2010] = quotes_of(body, nlp, reference, dt.date(2010, 6, 1))
    [in_2016] = quotes_of(body, nlp, reference, dt.date(2016, 6, 1))
    assert (in_2010["speaker"], in_2016["speaker"]) == ("Dmitry Medvedev", "Vladimir Putin")


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


def test_signature_line_under_a_quote(nlp, reference):
    body = (
        "quotable.\n\n"
        "“The whole idea of a ‘Crooked Hillary’ is something that we hear about all the time, and it needs "
        "to stop.”\n\n"
        "-Michelle Marks, Philadelphia.\n\n"
        "– An immigrant himself –.\n\n"
        "“There is resistance among many Americans against seeing their country change.”\n\n"
        "– Ready to quiz Trump –."
    )
    first, second = speakers_of(body, nlp, reference)
    assert first == "Michelle Marks" and second != "Ready"


def test_polnear_source_connectors_and_cues():
    name = quote_evaluation.polnear_speaker_name
    assert name("a longtime adviser to both Clintons") is None
    assert name("According to Bob Woodward") == "Bob Woodward"


#: Attribution cases from real news sentences: the body and the speakers of its quotes, in order.
SPEAKER_CASES = [
    pytest.param(
        "Richard Viguerie backs Cruz.\n\n"
        "“His position is basically the same as Trump, it’s just that Trump articulates it differently,” "
        "Viguerie notes.",
        ["Richard Viguerie"],
        id="attribution_prefers_the_subject_written_after_the_quote",
    ),
    pytest.param(
        "Speaking earlier Tuesday in Florida, Trump insisted that he has “expanded the Republican party,” "
        "claiming that he is responsible for higher voter turnout in the primary states.",
        ["Trump"],
        id="participle_after_the_quote_attributes_nothing",
    ),
    pytest.param(
        "Mark Gilbert runs the host committee.\n\n"
        "“There's a sense of stability now,” and donations began to pick up again last week, Gilbert said.",
        ["Mark Gilbert"],
        id="speaker_late_in_a_long_attribution",
    ),
    pytest.param(
        "“Yes, I support Ted Cruz,” Brent Bozell III, founder of the Media Research Center, tells Breitbart "
        "News in an exclusive interview.",
        ["Brent Bozell III"],
        id="name_opening_an_attribution_whose_verb_has_no_subject",
    ),
    pytest.param(
        "Donald Trump spoke at a news conference in Florida.\n\n"
        "“Russia, if you’re listening, I hope you’re able to find the 30,000 emails that are missing.” "
        "Trump said.",
        ["Donald Trump"],
        id="bare_attribution_after_a_quote_closed_by_a_period",
    ),
    pytest.param(
        "6:50 p.m.\n\nHillary Clinton has told her supporters that “we are in this together, all of us.”",
        ["Hillary Clinton"],
        id="verb_with_two_subjects_keeps_the_one_of_its_paragraph",
    ),
    pytest.param(
        "When the moderators yielded to the temptation of snark, Ted Cruz called them on it:\n\n"
        "“The questions asked in this debate illustrate why the American people don’t trust the media.”",
        ["Ted Cruz"],
        id="lead_in_paragraph_ending_with_a_colon",
    ),
    pytest.param(
        "Former Rep. George Miller helped write the law.\n\n"
        "Miller said he is hopeful the new bill can be “the best of both worlds,” giving states more power, "
        "but still protecting the civil rights of poor, mostly minority children.",
        ["George Miller"],
        id="verb_conjunct_does_not_make_a_group_of_speakers",
    ),
    pytest.param(
        "“Very good reporter, very good reporter this guy,” Trump, the GOP presidential frontrunner "
        "nationally and current polling leader in South Carolina, said when Boyle asked him a question.",
        ["Trump"],
        id="description_after_an_apposition_is_not_a_second_speaker",
    ),
    pytest.param(
        "But Bill Skelly, a longtime RNC data operative, vouched for both of them.\n\n"
        "“Having access to the RNC file and two people who understand it is valuable,” said Skelly, "
        "explaining he worked more closely with one of them.",
        ["Bill Skelly"],
        id="surname_the_tagger_missed_names_the_person",
    ),
    pytest.param(
        "But even as Trump claimed on Tuesday that “General Petraeus got in trouble for far less,” one of "
        "the former prosecutors for David Petraeus said the two cases were quite different.",
        ["Trump"],
        id="nearest_speech_verb_with_a_named_subject_governs",
    ),
    pytest.param(
        "In the depths of the Great Recession, Paul Ryan worried that the social safety net was becoming "
        "“a hammock that lulls able-bodied people to lives of dependency and complacency.”",
        ["Paul Ryan"],
        id="clause_climbs_to_a_subject_that_names_someone",
    ),
    pytest.param(
        "Win Htein, a member of the party's central executive committee, said Tuesday morning that "
        "according to its analysis, the party has won 82 percent of the vote, but “we are still counting "
        "the seats.”",
        ["Win Htein"],
        id="according_to_a_common_noun_yields_to_a_named_speaker",
    ),
    pytest.param(
        "“I don't see how Orlando would cause us to change our strategy,” said Pentagon spokesman Navy "
        "Capt. Jeff Davis, who was asked about the need for a different war strategy.",
        ["Jeff Davis"],
        id="title_read_as_the_subject_leads_to_the_name",
    ),
    pytest.param(
        "While discussing a controversial tweet from Donald Trump featuring an image of Hillary Clinton, "
        "Speaker of the House Rep. Paul Ryan (R-WI) said “anti-Semitic images, they’ve got no place in a "
        "presidential campaign.”",
        ["Paul Ryan"],
        id="name_before_the_verb_when_the_parser_takes_a_subject_from_the_quote",
    ),
    pytest.param(
        "“Campaigns are having trouble raising money. Super PACs have the money. They don't have a choice” "
        "but to take the lead in advertising, says Evan Tracey, a Republican media consultant.",
        ["Evan Tracey"],
        id="speech_verb_later_in_the_sentence_of_a_quote_without_comma",
    ),
    pytest.param(
        "Donald Trump issued a statement saying the late justice was “a remarkable person and a brilliant "
        "Supreme Court Justice.”",
        ["Donald Trump"],
        id="statement_speaks_for_who_issued_it",
    ),
    pytest.param(
        "Sherman studied under Wayne Barrett, the legendary investigative reporter; Barrett’s dictum to his "
        "interns was, “It’s not a good story if you don’t get a death threat.”",
        ["Wayne Barrett"],
        id="possessed_utterance_speaks_for_its_owner",
    ),
    pytest.param(
        "IOWA POLLS NOT NECESSARILY WRONG, JUST TOO EARLY - Mark Blumenthal and Jon Cohen: “Although the "
        "polls failed to predict the Iowa win on Tuesday night, it isn’t because they were dead wrong.”",
        ["Mark Blumenthal"],
        id="label_after_a_dash_in_a_colon_lead_in",
    ),
    pytest.param(
        "Steven Brill has argued that the law was crippled from the outset by political tradeoffs. As a "
        "result, there's still “a very powerful industry that has the freedom to charge whatever.”",
        ["Steven Brill"],
        id="paragraph_speaker_goes_on_into_a_quote_of_a_later_sentence",
    ),
    pytest.param(
        "Donald Trump spoke on ABC.\n\n"
        "Trump also embraced enhanced interrogation techniques -- “I think waterboarding is peanuts compared "
        "to what they'd do to us.”",
        ["Donald Trump"],
        id="quote_alone_takes_the_person_subject_of_its_paragraph",
    ),
    pytest.param(
        "When Trump later referred to the recent massacre at a gay nightclub in Orlando and said he would "
        "“protect our LGBTQ citizens from the violence,” the crowd applauded.",
        ["Trump"],
        id="common_noun_clause_after_a_quote_is_not_its_attribution",
    ),
    pytest.param(
        "Instead, Trump told CNN, his policy would merely be “to go after them” if he wins the White House.",
        ["Trump"],
        id="common_noun_of_a_weak_rule_yields_to_a_named_speaker_of_its_sentence",
    ),
    pytest.param(
        "But after Tuesday night’s appearance, conservative commentator Jonah Goldberg of the anti-Trump "
        "National Review imagined Christie was thinking: “My God what have I done?”",
        ["Jonah Goldberg"],
        id="main_clause_of_a_lead_in_speaks",
    ),
    pytest.param(
        "In a statement released shortly after the Florida senator suspended his campaign, Cruz said he’s "
        "certain Rubio will continue to be “a champion for limitless opportunity in America.”",
        ["Cruz"],
        id="speech_verb_taking_an_infinitive_does_not_govern_the_quote",
    ),
]


@pytest.mark.parametrize(("body", "expected"), SPEAKER_CASES)
def test_speaker_of_real_attributions(body: str, expected: list[str | None], nlp, reference):
    assert speakers_of(body, nlp, reference) == expected


def test_a_statement_is_dated_by_the_date_of_its_speech_verb_not_by_dates_inside_the_quote(nlp, reference):
    body = (
        "“The joint statement dated November 2020 says everything,” Vladimir Putin said on Monday, "
        "according to TASS. Russian President Vladimir Putin said on Monday he hoped for a “normalization” "
        "of ties. “We will meet again in December,” Putin said."
    )
    first, second, third = quotes_of(body, nlp, reference, dt.date(2022, 11, 1))
    for dated in (first, second):
        assert (dated["event_date"], dated["date_precision"]) == (dt.date(2022, 10, 31), "day")
        assert dated["date_text"] == "Monday"
    assert third["event_date"] is None and third["date_text"] is None
    [undated] = quotes_of(body.split(" Russian")[0], nlp, reference)
    assert undated["event_date"] is None
    assert undated["date_note"] == "no publication date to resolve 'Monday' against"


# ---- quote conventions beyond curly and straight double marks: real sentences ---------------------------


def quoted(body: str) -> list[str]:
    """The outer quotations ``find_quotes`` finds, marks included."""
    return [body[quote.start : quote.end] for quote in quotes.find_quotes(body)]


def test_typewriter_double_apostrophes_of_the_new_york_times(nlp, reference):
    """PolNeAR's NYT articles write every quote ''…'' (nyt_2016-09-16_clinton-plan-for-taxes-is-expans)."""
    body = (
        "Hillary Clinton has come up with one.\n\n''This isn't tax reform,'' said Douglas Holtz-Eakin, an "
        "economist who served as director of the Congressional Budget Office. ''It's anti-reform. She's "
        "layering on even more complexity.''\n\nHis views were echoed by a number of tax experts."
    )
    [quote] = quotes_of(body, nlp, reference)
    assert (
        quote["quote_text"]
        == "This isn't tax reform, It's anti-reform. She's layering on even more complexity."
    )
    assert quote["speaker"] == "Douglas Holtz-Eakin"
    assert quoted("the campaign was ''taking a close look'' at provisions") == ["''taking a close look''"]


def test_backtick_openings_closed_by_two_apostrophes(nlp, reference):
    """AQUAINT and MEANTIME wire copy opens with `` and closes with ''."""
    body = (
        "``We extend our heartfelt sympathies to the victims of these outrages and to their families in "
        "Kenya, Tanzania and the United States,'' Estrada said in a statement."
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["text"].startswith("``We extend") and quote["text"].endswith("United States,''")
    assert quote["speaker"] == "Estrada"
    assert quoted(
        "``It was definitely a bomb,'' said a U.S. Embassy official. ``You can see a huge crater.''"
    ) == ["``It was definitely a bomb,''", "``You can see a huge crater.''"]


def test_straight_single_quotes_are_quotes_and_apostrophes_are_not(nlp, reference):
    """Reuters (reuters-17870) and BBC sentences quoted in single marks, among apostrophes."""
    body = (
        "'We can say that we are achieving the recuperation of credit, but that cannot be done overnight,' "
        "Azpurua said in a television interview."
    )
    [quote] = quotes_of(body, nlp, reference)
    assert quote["quote_text"] == (
        "We can say that we are achieving the recuperation of credit, but that cannot be done overnight"
    )
    assert quote["speaker"] == "Azpurua"
    assert quoted(
        "Last year's Janet Jackson 'wardrobe malfunction' encouraged the FCC to impose tougher rules."
    ) == ["'wardrobe malfunction'"]
    for no_quote in (
        "The players' union said it didn't expect the '90s rules to return.",
        "Rock 'n' roll fans filled the Joneses' garden in the summer of '97.",
        "China‘s People’s Liberation Army flew 56 planes on Monday.",
    ):
        assert quoted(no_quote) == [], no_quote


def test_british_curly_single_quotes_and_nesting_both_ways(nlp, reference):
    body = "‘We have to try and establish a realistic level playing field,’ Tessa Jowell said on Monday."
    [quote] = quotes_of(body, nlp, reference)
    assert quote["speaker"] == "Tessa Jowell"
    # Single marks nested in double ones (bbc-politics-034) and double marks nested in single ones.
    american = (
        "He said: \"It's not surprising Gordon Brown told him: 'There's nothing you could say to me now "
        "that I could ever believe.'\""
    )
    assert quoted(american) == [american[american.index('"') :]]
    british = "‘He told me “there is no way” and walked out,’ she said of the Joneses’ landlord."
    assert quoted(british) == ["‘He told me “there is no way” and walked out,’"]
    assert quoted("– ‘Besieged in my head’ –.") == ["‘Besieged in my head’"]


GUILLEMETS_AND_LOW_HIGH = [
    (
        "Emmanuel Macron a déclaré : « Nous sommes en guerre », lundi soir à la télévision.",
        "« Nous sommes en guerre »",
    ),
    ("Merkel sagte: »Wir schaffen das«, und verteidigte ihre Politik.", "»Wir schaffen das«"),
    ("Merkel sagte: „Wir schaffen das“, und verteidigte ihre Politik.", "„Wir schaffen das“"),
    ("Lech Wałęsa powiedział: „Nie chcę, ale muszę”, i został prezydentem.", "„Nie chcę, ale muszę”"),
    (
        "Der Minister sagte: „Das ist ein ‚historischer‘ Tag für uns alle“, und lächelte.",
        "„Das ist ein ‚historischer‘ Tag für uns alle“",
    ),
]


def test_guillemets_either_way_round_and_low_high_marks():
    """French «…», German »…« and „…“ (with a nested ‚…‘), Polish „…”: a body's first guillemet and a „
    in it tell which way its marks point."""
    for body, quotation in GUILLEMETS_AND_LOW_HIGH:
        assert quoted(body) == [quotation], body
