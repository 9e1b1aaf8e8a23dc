"""Event themes: what an event is about, read from the parse, and when two themes are two occurrences."""

from __future__ import annotations

import datetime as dt

import pytest

from factlake.config import FactlakeConfig
from factlake.extract import ArticleContext, entities, events
from factlake.extract.event_themes import compatible_themes, theme_key

CONFIG = FactlakeConfig()
ARTICLE_ID = "0123456789abcdef"


@pytest.fixture(scope="module")
def extract_events(nlp, reference):
    def run(body: str) -> list[dict]:
        context = ArticleContext(ARTICLE_ID, body, dt.date(2023, 5, 2), nlp(body))
        context.entity_mentions = entities.extract(context, CONFIG.extract, reference)
        return events.extract(context, CONFIG.extract, reference)

    return run


@pytest.mark.parametrize(
    ("body", "action", "theme"),
    [
        # The head noun phrase of the direct object, without its determiner.
        ("Chile and Peru are preparing to sign a fisheries agreement.", "sign", "fisheries agreement"),
        # A possessor and a predeterminer are not part of it.
        ("Ottawa announced all its new tariffs.", "announce", "new tariffs"),
        # Coordinated modifiers and quotes before the plain ones are left out.
        (
            "Chile and Peru vowed to sign a lasting and “fair” fisheries agreement.",
            "sign",
            "fisheries agreement",
        ),
        ("Ottawa announced Canada's new tariffs.", "announce", "new tariffs"),
        # An ordinal stays: it tells one edition from another.
        ("Mayor Anne Hidalgo hosted the 12th Paris Book Fair.", "host", "12th Paris Book Fair"),
        # The subject of a passive trigger is what was acted on.
        ("The fisheries accord was signed by Chile.", "sign", "fisheries accord"),
        # A noun trigger's "for" complement.
        ("Chile held talks for a new copper deal with Peru.", "talk", "new copper deal"),
        # A person or a country acted upon is a target actor, not a theme.
        ("Emmanuel Macron met Olaf Scholz in Berlin.", "meet", None),
        ("Chile accused Peru of spying.", "accuse", None),
        # A nationality naming a target actor makes the object a patient ("withdraw Peruvian troops").
        ("Chile urged Lima to withdraw Peruvian troops.", "withdraw", None),
    ],
)
def test_theme_is_the_head_noun_phrase_of_the_object(extract_events, body, action, theme):
    records = [record for record in extract_events(body) if record["action"] == action]
    assert [record["theme"] for record in records] == [theme]


def test_themes_tell_occurrences_apart_by_head_noun_and_numbers():
    assert not compatible_themes(theme_key("79th Film Festival"), theme_key("80th Film Festival"))
    assert not compatible_themes(theme_key("2019 budget"), theme_key("2020 budget"))
    assert not compatible_themes(theme_key("second round"), theme_key("3rd round"))
    assert not compatible_themes(theme_key("peace treaty"), theme_key("trade deal"))
    # A missing number or theme fits any; a plural is its singular; case does not count.
    assert compatible_themes(theme_key("Film Festival"), theme_key("79th film festival"))
    assert compatible_themes(theme_key("peace treaties"), theme_key("treaty"))
    assert compatible_themes(theme_key("new taxes"), theme_key("tax"))
    assert compatible_themes(theme_key("second round"), theme_key("2nd round"))
    assert compatible_themes(None, theme_key("peace treaty"))
    assert theme_key(None) is None and theme_key("") is None
