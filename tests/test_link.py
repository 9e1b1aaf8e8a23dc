"""Dataset-wide entity linking."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from factlake.config import DEFAULT_REFERENCE_DIR
from factlake.extract.entities import longest_person_name
from factlake.link import _FullNameIndex, canonicalize_mentions, link_entities
from factlake.records import new_record, stable_id
from factlake.reference import load_reference
from schemas.tables import Entities

REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)


def mention(
    article: str, text: str, entity_type: str, name: str | None = None, role: str | None = None
) -> dict:
    return {
        "article_id": article,
        "text": text,
        "char_start": 0,
        "char_end": len(text),
        "label": "PERSON",
        "entity_type": entity_type,
        "name": name or text,
        "role": role,
    }


MENTIONS = [
    mention("a" * 16, "Vladimir Putin", "person", role="Russian President"),
    mention("a" * 16, "Putin", "person", name="Vladimir Putin"),
    mention("b" * 16, "Putin", "person"),  # an article that never names him fully
    mention("b" * 16, "Karabakh", "place"),
    mention("c" * 16, "Nagorno-Karabakh", "place"),
    mention("c" * 16, "Kremlin", "organization"),
    mention("c" * 16, "Moscow", "place"),
]


def test_surname_titles_and_roles_link_to_one_person():
    table, names = link_entities(MENTIONS, REFERENCE)
    Entities.validate(table)
    putin = table[table["name"] == "Vladimir Putin"].iloc[0]
    assert putin["n_mentions"] == 3 and putin["n_articles"] == 2
    assert "Russian President Vladimir Putin" in putin["aliases"] and "Putin" in putin["aliases"]
    assert putin["entity_id"] == stable_id("person", "Vladimir Putin")
    assert names["Putin"] == names["Russian President"] == names["Russian leader"] == "Vladimir Putin"


def test_curated_alias_merges_but_metonymy_does_not():
    table, names = link_entities(MENTIONS, REFERENCE)
    assert names["Karabakh"] == "Nagorno-Karabakh"
    assert {"Kremlin", "Moscow"} <= set(table["name"]) and names["Kremlin"] == "Kremlin"
    assert table[table["name"] == "Nagorno-Karabakh"].iloc[0]["n_articles"] == 2


def test_linking_is_deterministic_and_order_independent():
    first, first_names = link_entities(MENTIONS, REFERENCE)
    second, second_names = link_entities(list(reversed(MENTIONS)), REFERENCE)
    assert first.equals(second) and first_names == second_names


def test_canonicalize_mentions_rewrites_names_in_new_dicts():
    _, names = link_entities(MENTIONS, REFERENCE)
    quote = new_record("mentions", speaker="Putin", fact_type="quote")
    event = new_record("mentions", actors=["Putin", "Vladimir Putin"], location="Karabakh", fact_type="event")
    body = new_record(
        "mentions", speaker="joint statement of Armenia, Azerbaijan and Russia", fact_type="quote"
    )
    result = canonicalize_mentions([quote, event, body], names)
    assert result[0]["speaker"] == "Vladimir Putin" and quote["speaker"] == "Putin"
    assert result[1]["actors"] == ["Vladimir Putin"] and result[1]["location"] == "Nagorno-Karabakh"
    assert result[2]["speaker"] == body["speaker"]


WORDS = st.sampled_from(["Putin", "Vladimir", "Biden", "Joe", "Lee", "Kim", "Jong", "Un", "Hunter"])


@given(
    full_names=st.lists(st.lists(WORDS, min_size=2, max_size=3).map(" ".join), max_size=8).map(
        lambda names: sorted(set(names))
    ),
    word=WORDS,
)
def test_full_name_index_answers_like_a_scan_of_all_full_names(full_names: list[str], word: str) -> None:
    assert _FullNameIndex(full_names)(word) == longest_person_name(word, full_names)
