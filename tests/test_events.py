"""Events: action vocabulary, actors from entity mentions, location, resolved date, offsets."""

from __future__ import annotations

import datetime as dt

import pytest

from factlake.config import FactlakeConfig
from factlake.extract import ArticleContext, entities, events
from factlake.records import stable_id, to_frame
from schemas.tables import Mentions

CONFIG = FactlakeConfig()
ARTICLE_ID = "fedcba9876543210"
TUESDAY = dt.date(2022, 11, 1)


@pytest.fixture(scope="module")
def extract_events(nlp, reference):
    def run(body: str, published: dt.date | None = TUESDAY) -> list[dict]:
        context = ArticleContext(ARTICLE_ID, body, published, nlp(body))
        context.entity_mentions = entities.extract(context, CONFIG.extract, reference)
        return events.extract(context, CONFIG.extract, reference)

    return run


def test_call_with_weekday(extract_events):
    body = "Russian President Vladimir Putin called Azerbaijani President Ilham Aliyev on Wednesday."
    (event,) = extract_events(body, dt.date(2024, 8, 30))
    assert event["action"] == "call"
    assert event["actors"] == ["Vladimir Putin", "Ilham Aliyev"]
    assert (event["event_date"], event["date_precision"], event["date_text"]) == (
        dt.date(2024, 8, 28),
        "day",
        "Wednesday",
    )


def test_meeting_in_a_place_on_monday(extract_events):
    body = (
        "Azerbaijani President Ilham Aliyev and Armenian Prime Minister Nikol Pashinyan met in the Russian "
        "resort city of Sochi on Monday."
    )
    (event,) = extract_events(body)
    assert event["action"] == "meet"
    assert event["actors"] == ["Ilham Aliyev", "Nikol Pashinyan"]
    assert event["location"] == "Sochi"
    assert event["event_date"] == dt.date(2022, 10, 31)


def test_symmetric_action_counts_its_object(extract_events):
    (event,) = extract_events("Vladimir Putin received Ilham Aliyev in Sochi.")
    assert (event["action"], event["actors"], event["location"]) == (
        "meet",
        ["Vladimir Putin", "Ilham Aliyev"],
        "Sochi",
    )


def test_noun_trigger_with_partners(extract_events):
    body = "Putin made the offer during his meeting with Ilham Aliyev in Baku on August 19, 2024."
    (event,) = [event for event in extract_events(body) if event["action"] == "meet"]
    assert event["actors"] == ["Ilham Aliyev"]
    assert event["location"] == "Baku"
    assert event["event_date"] == dt.date(2024, 8, 19)


def test_unresolved_date_keeps_its_text_and_note(extract_events):
    (event,) = extract_events("Vladimir Putin called Ilham Aliyev on Wednesday.", published=None)
    assert event["event_date"] is None and event["date_precision"] is None
    assert event["date_text"] == "Wednesday"
    assert event["date_note"] == "no publication date to resolve 'Wednesday' against"


def test_anaphoric_year_is_not_guessed(extract_events):
    (event,) = extract_events("In September of that year, Azerbaijan launched an offensive.")
    assert event["action"] == "launch" and event["actors"] == ["Azerbaijan"]
    assert event["event_date"] is None and "named earlier" in event["date_note"]


def test_appeal_is_not_a_call(extract_events):
    assert extract_events("Ilham Aliyev called on Russia to pressure Armenia.") == []


def test_victims_of_a_passive_are_not_actors(extract_events):
    assert extract_events("Seven Azerbaijani soldiers were killed on Monday.") == []


def test_no_actor_no_event(extract_events):
    assert extract_events("The latest round of violence erupted and talks were held.") == []


def test_offsets_ids_and_contract(extract_events):
    body = (
        "Armenia and Azerbaijan on Monday vowed to work together. "
        "Azerbaijan blocked the Lachin corridor in November 2022."
    )
    records = extract_events(body)
    assert [(record["action"], record["actors"]) for record in records] == [
        ("pledge", ["Armenia", "Azerbaijan"]),
        ("block", ["Azerbaijan", "Lachin"]),
    ]
    assert (records[1]["source_actors"], records[1]["target_actors"]) == (["Azerbaijan"], ["Lachin"])
    assert records[1]["event_date"] == dt.date(2022, 11, 1) and records[1]["date_precision"] == "month"
    for record in records:
        assert body[record["char_start"] : record["char_end"]] == record["text"]
        assert record["mention_id"] == stable_id(
            ARTICLE_ID, "event", record["char_start"], record["char_end"]
        )
        assert record["extractor"] == "events/2.2"
    frame = to_frame("mentions", records)
    frame["fact_id"] = "e" * 16
    Mentions.validate(frame)
    assert extract_events(body) == records
