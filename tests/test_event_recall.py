"""Events: plural anaphors, years named before, event nouns, and dates that are part of a name."""

from __future__ import annotations

import datetime as dt

import pytest

from factlake.config import FactlakeConfig
from factlake.extract import ArticleContext, entities, events
from factlake.extract.event_roles import ActorFinder

CONFIG = FactlakeConfig()
ARTICLE_ID = "00112233445566aa"
PUBLISHED = dt.date(2023, 5, 4)
#: Sentences that name no group of actors, to put distance between an anaphor and its antecedent.
FILLER = (
    "The meeting lasted four hours. Officials described the atmosphere as tense. "
    "Reporters waited outside the building. A statement was expected later in the evening. "
)


@pytest.fixture(scope="module")
def extract_events(nlp, reference):
    def run(body: str) -> list[dict]:
        context = ArticleContext(ARTICLE_ID, body, PUBLISHED, nlp(body))
        context.entity_mentions = entities.extract(context, CONFIG.extract, reference)
        return events.extract(context, CONFIG.extract, reference)

    return run


def actions(records: list[dict], action: str) -> list[dict]:
    return [record for record in records if record["action"] == action]


def test_a_definite_plural_noun_names_the_pair_before_it(extract_events):
    body = "Greece and Turkey exchanged letters on Monday. The rivals pledged to ease tensions in the Aegean."
    (pledge,) = actions(extract_events(body), "pledge")
    assert pledge["source_actors"] == ["Greece", "Turkey"]


def test_a_noun_anaphor_reaches_the_one_pair_named_far_back(extract_events):
    """Beyond three sentences only a noun anaphor looks back, and only to a sentence naming one pair."""
    body = (
        "Ethiopia and Eritrea sent envoys to Riyadh. " + FILLER + "The two sides agreed to reopen the border."
    )
    (agree,) = actions(extract_events(body), "agree")
    assert agree["source_actors"] == ["Ethiopia", "Eritrea"]
    two_pairs = body.replace("Riyadh.", "Riyadh, while Sudan and Chad sent envoys to Cairo.")
    assert actions(extract_events(two_pairs), "agree") == []
    pronoun = body.replace("The two sides agreed", "They agreed")
    assert actions(extract_events(pronoun), "agree") == []


def test_of_that_year_is_read_in_the_last_year_named(extract_events):
    body = (
        "The border stayed closed from 1998 until 2018. In July of that year, Ethiopia signed a peace "
        "agreement with Eritrea."
    )
    (sign,) = actions(extract_events(body), "sign")
    assert (sign["event_date"], sign["date_precision"]) == (dt.date(2018, 7, 1), "month")
    assert "2018" in sign["date_note"]


def test_event_nouns_take_their_possessor_or_the_subject_that_responds_with_them(extract_events):
    (invasion,) = actions(extract_events("Iraq's invasion of Kuwait shocked the region."), "attack")
    assert (invasion["source_actors"], invasion["target_actors"]) == (["Iraq"], ["Kuwait"])
    (offer,) = actions(extract_events("Chile responded with an offer of its own."), "offer")
    assert offer["source_actors"] == ["Chile"]


def test_a_year_in_a_name_is_not_the_event_date(extract_events):
    body = "Egypt and Israel agreed to honour the 1979 Camp David Accords."
    (agree,) = actions(extract_events(body), "agree")
    assert agree["event_date"] is None and agree["date_text"] is None


def test_a_hyphenated_pair_of_countries_names_both(nlp, reference):
    """The parser may read "Turkey-Iran" as one organization: its actors are the two countries."""
    body = "Shelling was reported along the Turkey-Iran border."
    doc = nlp(body)
    start = body.index("Turkey")
    pair = {
        "char_start": start,
        "char_end": start + 11,
        "entity_type": "organization",
        "name": body[start:][:11],
    }
    finder = ActorFinder(doc, [pair], reference)
    (border,) = [token for token in doc if token.text == "border"]
    assert finder.names(border) == ["Turkey", "Iran"]
    assert finder.country_pair("Bosnia-Herzegovina Football Federation") == [
        "Bosnia-Herzegovina Football Federation"
    ]


def test_an_event_noun_takes_the_partners_of_its_verb_of_occurring(extract_events):
    (fight,) = actions(
        extract_events("Heavy clashes broke out between Sudan and Chad in September."), "fight"
    )
    assert fight["source_actors"] == ["Sudan", "Chad"]


def test_the_two_after_one_actor_met_another_are_those_two(extract_events):
    body = "Emmanuel Macron called Olaf Scholz on Friday. The two leaders discussed energy prices."
    (talk,) = actions(extract_events(body), "talk")
    assert talk["source_actors"] == ["Emmanuel Macron", "Olaf Scholz"]
