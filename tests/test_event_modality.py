"""Events: modality and polarity from the parse, source and target actors, and where dates come from."""

from __future__ import annotations

import datetime as dt

import pytest

from factlake.config import FactlakeConfig
from factlake.extract import ArticleContext, entities, events

CONFIG = FactlakeConfig()
ARTICLE_ID = "0123456789abcdef"
TUESDAY = dt.date(2022, 11, 1)


@pytest.fixture(scope="module")
def extract_events(nlp, reference):
    def run(body: str, published: dt.date | None = TUESDAY) -> list[dict]:
        context = ArticleContext(ARTICLE_ID, body, published, nlp(body))
        context.entity_mentions = entities.extract(context, CONFIG.extract, reference)
        return events.extract(context, CONFIG.extract, reference)

    return run


def one(records: list[dict], action: str) -> dict:
    (record,) = [record for record in records if record["action"] == action]
    return record


@pytest.mark.parametrize(
    ("body", "action", "modality", "polarity"),
    [
        (
            "Armenia and Azerbaijan are actively preparing to sign a peace treaty.",
            "sign",
            "planned",
            "positive",
        ),
        ("Armenia and Azerbaijan signed a peace treaty.", "sign", "asserted", "positive"),
        ("Armenia and Azerbaijan will sign a peace treaty.", "sign", "planned", "positive"),
        (
            "Pashinyan wants Azerbaijan to withdraw all troops from the zone.",
            "withdraw",
            "demanded",
            "positive",
        ),
        ("Aliyev urged Russia to withdraw its peacekeepers.", "withdraw", "demanded", "positive"),
        ("Russia did not withdraw its peacekeepers.", "withdraw", "negated", "negative"),
        ("Azerbaijan refused to sign the treaty.", "sign", "negated", "negative"),
        ("Lavrov accused Armenia of attacking the border posts.", "attack", "alleged", "positive"),
        ("Azerbaijan reportedly attacked the border posts.", "attack", "alleged", "positive"),
        ("Azerbaijan could attack the border posts.", "attack", "conditional", "positive"),
        ("If Azerbaijan attacks the border posts, Russia will respond.", "attack", "conditional", "positive"),
    ],
)
def test_modality_and_polarity_come_from_the_parse(extract_events, body, action, modality, polarity):
    record = one(extract_events(body), action)
    assert (record["modality"], record["polarity"]) == (modality, polarity)


def test_an_adjunct_does_not_pass_on_its_governor_modality(extract_events):
    body = "Armenia wants to return its soldiers captured after the clashes with Azerbaijan on Nov 16."
    clashes = one(extract_events(body, dt.date(2021, 11, 26)), "fight")
    assert clashes["modality"] == "asserted"
    assert (clashes["event_date"], clashes["date_precision"]) == (dt.date(2021, 11, 16), "day")


def test_source_and_target_actors(extract_events):
    accuse = one(extract_events("Sergei Lavrov accused Armenia of sabotaging the agreements."), "accuse")
    assert (accuse["source_actors"], accuse["target_actors"]) == (["Sergei Lavrov"], ["Armenia"])
    received = one(extract_events("Vladimir Putin received Ilham Aliyev in Sochi."), "meet")
    assert (received["source_actors"], received["target_actors"]) == (["Vladimir Putin"], ["Ilham Aliyev"])
    assert received["actors"] == ["Vladimir Putin", "Ilham Aliyev"]


def test_the_topic_of_a_meeting_is_not_its_counterpart(extract_events):
    body = "Vladimir Putin and Ilham Aliyev discussed the Karabakh conflict."
    talk = one(extract_events(body), "talk")
    assert (talk["source_actors"], talk["target_actors"]) == (["Vladimir Putin", "Ilham Aliyev"], [])


def test_reciprocal_actors_are_sources_and_targets(extract_events):
    record = one(extract_events("Yerevan and Baku accuse each other of violating the ceasefire."), "accuse")
    assert record["source_actors"] == ["Yerevan", "Baku"]
    assert sorted(record["target_actors"]) == ["Baku", "Yerevan"]


def test_nationality_adjectives_are_never_bare_actors(extract_events):
    ministers = one(
        extract_events("The Armenian and Azerbaijani foreign ministers met on October 3 in Geneva."), "meet"
    )
    assert ministers["source_actors"] == ["Armenia", "Azerbaijan"]
    occupied = one(extract_events("Azerbaijani forces have occupied ten square kilometers."), "occupy")
    assert occupied["source_actors"] == ["Azerbaijan"]
    separatists = one(extract_events("Armenian separatists attacked the post."), "attack")
    assert separatists["source_actors"] == ["Armenian separatists"]


def test_a_clause_without_a_date_takes_its_sentence_date(extract_events):
    deploy = one(extract_events("Officials said on Monday that Russia sent troops to the border."), "deploy")
    assert (deploy["event_date"], deploy["date_source"]) == (dt.date(2022, 10, 31), "sentence")


def test_a_controlling_object_is_the_source(extract_events):
    withdraw = one(extract_events("Ilham Aliyev urged Russia to withdraw its peacekeepers."), "withdraw")
    assert withdraw["source_actors"] == ["Russia"]
    attack = one(extract_events("Sergei Lavrov accused Armenia of attacking the border posts."), "attack")
    assert (attack["source_actors"], attack["modality"]) == (["Armenia"], "alleged")


def test_an_undated_noun_mention_takes_the_article_date_of_its_occurrence(extract_events):
    body = (
        "A statement released after a trilateral meeting between Nikol Pashinyan and Ilham Aliyev in Sochi "
        "said the sides plan a settlement. Vladimir Putin said Monday's meeting created a basis for a deal."
    )
    meeting = one([r for r in extract_events(body) if r["actors"]], "meet")
    assert (meeting["event_date"], meeting["date_source"]) == (dt.date(2022, 10, 31), "article")
    assert meeting["location"] == "Sochi"


def test_a_current_report_of_a_meeting_takes_the_publication_date(extract_events):
    body = "Vladimir Putin, Ilham Aliyev and Nikol Pashinyan have met to discuss the conflict."
    meeting = one(extract_events(body, dt.date(2021, 11, 26)), "meet")
    assert (meeting["event_date"], meeting["date_precision"], meeting["date_source"]) == (
        dt.date(2021, 11, 26),
        "day",
        "published",
    )
    assert one(extract_events(body, None), "meet")["event_date"] is None


def test_offsets_stay_exact(extract_events):
    body = "Pashinyan said he wants Azerbaijan to withdraw all troops. Russia will not deploy more forces."
    for record in extract_events(body):
        assert body[record["char_start"] : record["char_end"]] == record["text"]
        assert record["extractor"] == "events/2.2"


def test_actorless_definite_meeting_nouns_are_story_references(extract_events):
    """ "The summit", "after bilateral talks" name an occurrence told elsewhere: kept without actor or date
    of their own, to be placed by their story; "a meeting" and "talks were held" are not references."""
    body = (
        "Serbian President Aleksandar Vucic and Kosovo Prime Minister Albin Kurti met in Brussels on "
        "Thursday. "
        "The summit ended without a deal. Kurti flew home after bilateral talks. "
        "A meeting is expected next month, diplomats said, while talks were held in Ohrid."
    )
    references = [record for record in extract_events(body) if record["date_source"] == "story"]
    assert [record["text"] for record in references] == ["The summit", "bilateral talks"]
    for record in references:
        assert record["actors"] == [] and record["event_date"] is None and record["modality"] == "asserted"
        assert body[record["char_start"] : record["char_end"]] == record["text"]
