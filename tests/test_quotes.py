"""Quotes with speakers: tricky layouts, speaker resolution, robustness and the seed gold."""

from __future__ import annotations

import pytest

from factlake.config import DEFAULT_REFERENCE_DIR, ExtractConfig, FactlakeConfig
from factlake.evaluation import EvaluationContext
from factlake.evaluation import quotes as quote_evaluation
from factlake.extract import ArticleContext, build_nlp, entities, quotes
from factlake.records import stable_id
from factlake.reference import load_reference

CONFIG = ExtractConfig()
ARTICLE_ID = "0" * 16


@pytest.fixture(scope="module")
def nlp():
    return build_nlp(CONFIG)


@pytest.fixture(scope="module")
def reference():
    return load_reference(DEFAULT_REFERENCE_DIR)


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
        assert mention["extractor"] == "quotes/1.0"
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
