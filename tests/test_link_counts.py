"""Entity linking by counted mentions gives what the mention-by-mention rules give.

:func:`factlake.link.link_entities` counts the mentions by name, type, text and role and links each
distinct one once, with the votes summed as arrays. ``link_mention_by_mention`` below is the rule
applied to one mention at a time (the implementation it replaced); both must give the same table and the
same mapping, in the same order, for any mentions.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from factlake.config import DEFAULT_REFERENCE_DIR
from factlake.extract.entities import TYPE_PRIORITY, normalize_key
from factlake.link import (
    _FullNameIndex,
    _plain_names,
    canonicalize_mention_frame,
    canonicalize_mentions,
    link_entities,
)
from factlake.records import new_record, stable_id, to_frame
from factlake.reference import load_reference
from schemas.tables import SORT_KEYS

REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)
MIDDLE_INITIAL = re.compile(r"[A-Z]\.")


def link_mention_by_mention(
    entity_mentions: list[dict[str, Any]], aliases: dict[str, str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The linking rules applied to one mention at a time (the reference the counted form must match)."""
    full_names = sorted(
        {
            aliases.get(normalize_key(mention["name"]), mention["name"])
            for mention in entity_mentions
            if mention["entity_type"] == "person" and " " in mention["name"]
        }
    )
    plain_name_of = _plain_names(full_names)
    full_name_of = _FullNameIndex(sorted({plain_name_of.get(name, name) for name in full_names}))
    written_types: dict[str, Counter[str]] = defaultdict(Counter)
    for mention in entity_mentions:
        written_types[mention["text"]][mention["entity_type"]] += 1

    def majority(votes: Counter[str]) -> str:
        return min(votes, key=lambda kind: (-votes[kind], TYPE_PRIORITY.index(kind)))

    def canonical_of(mention: dict[str, Any]) -> str:
        name = aliases.get(normalize_key(mention["name"]), mention["name"])
        written = written_types.get(name)
        if " " not in name and (
            mention["entity_type"] == "person" or (bool(written) and majority(written) == "person")
        ):
            name = full_name_of(name)
        return plain_name_of.get(name, name)

    form_votes: dict[str, Counter[str]] = defaultdict(Counter)
    type_votes: dict[str, Counter[str]] = defaultdict(Counter)
    forms: dict[str, set[str]] = defaultdict(set)
    articles: dict[str, set[str]] = defaultdict(set)
    for mention in entity_mentions:
        canonical = canonical_of(mention)
        type_votes[canonical][mention["entity_type"]] += 1
        articles[canonical].add(mention["article_id"])
        surface_forms = {mention["text"], mention["name"]}
        if mention.get("role"):
            surface_forms.add(f"{mention['role']} {mention['text']}")
        for form in surface_forms:
            forms[canonical].add(form)
            form_votes[form][canonical] += 1
    mapping = {
        form: min(votes, key=lambda name: (-votes[name], name)) for form, votes in sorted(form_votes.items())
    }
    for alias, name in sorted(aliases.items()):
        mapping.setdefault(alias, name)
    for canonical in forms:
        mapping[canonical] = canonical
    records = []
    for canonical in sorted(forms):
        if " " not in canonical and canonical in written_types:
            entity_type = majority(written_types[canonical])
        else:
            entity_type = majority(type_votes[canonical])
        records.append(
            {
                "entity_id": stable_id(entity_type, canonical),
                "name": canonical,
                "entity_type": entity_type,
                "aliases": sorted(forms[canonical] - {canonical}),
                "n_mentions": sum(type_votes[canonical].values()),
                "n_articles": len(articles[canonical]),
            }
        )
    frame = to_frame("entities", records).sort_values(SORT_KEYS["entities"], kind="stable")
    return frame.reset_index(drop=True), mapping


#: Names that exercise every rule: surnames of one or of several full names, middle initials, curated
#: aliases ("EU", "Karabakh"), one-word names typed differently by different mentions.
NAMES = [
    "Putin",
    "Vladimir Putin",
    "Trump",
    "Donald Trump",
    "Donald J. Trump",
    "Ivanka Trump",
    "George Bush",
    "George W. Bush",
    "George H. W. Bush",
    "Bush",
    "EU",
    "European Union",
    "Karabakh",
    "Nagorno-Karabakh",
    "Kremlin",
    "Exxon",
]
ROLES = [None, "", "Russian President", "U.S. President", "Kremlin spokesman"]


@st.composite
def entity_mentions(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for _ in range(draw(st.integers(0, 30))):
        name = draw(st.sampled_from(NAMES))
        text = draw(st.sampled_from([name, name.split()[-1], f"{name}'s"]))
        rows.append(
            {
                "article_id": draw(st.sampled_from(["a" * 16, "b" * 16, "c" * 16, "d" * 16])),
                "text": text,
                "char_start": 0,
                "char_end": len(text),
                "label": "PERSON",
                "entity_type": draw(st.sampled_from(TYPE_PRIORITY)),
                "name": name,
                "role": draw(st.sampled_from(ROLES)),
            }
        )
    return rows


def aliases_of(reference: Any) -> dict[str, str]:
    return {normalize_key(row["alias"]): row["name"] for row in reference.table("aliases")}


@settings(max_examples=300, deadline=None)
@given(mentions=entity_mentions())
def test_counted_linking_equals_linking_mention_by_mention(mentions: list[dict[str, Any]]) -> None:
    table, mapping = link_entities(mentions, REFERENCE)
    expected_table, expected_mapping = link_mention_by_mention(mentions, aliases_of(REFERENCE))
    pd.testing.assert_frame_equal(table, expected_table)
    assert list(mapping.items()) == list(expected_mapping.items())


def test_no_mentions_give_an_empty_table_and_the_curated_aliases() -> None:
    table, mapping = link_entities([], REFERENCE)
    expected_table, expected_mapping = link_mention_by_mention([], aliases_of(REFERENCE))
    assert table.empty
    pd.testing.assert_frame_equal(table, expected_table)
    assert list(mapping.items()) == list(expected_mapping.items())


@settings(max_examples=100, deadline=None)
@given(
    mentions=entity_mentions(),
    speakers=st.lists(st.sampled_from([None, "Putin", "Kremlin", "joint statement"]), max_size=6),
    actors=st.lists(
        st.lists(st.sampled_from(["Putin", "Vladimir Putin", "EU", "Bush"]), max_size=3), max_size=6
    ),
)
def test_canonicalize_mention_frame_equals_the_frame_of_canonicalized_dicts(
    mentions: list[dict[str, Any]], speakers: list[str | None], actors: list[list[str]]
) -> None:
    _, mapping = link_entities(mentions, REFERENCE)
    facts = [
        new_record(
            "mentions",
            fact_type="quote",
            char_start=0,
            char_end=1,
            speaker=speaker,
            location=speaker,
            actors=list(names),
            target_actors=list(reversed(names)),
        )
        for speaker, names in zip(speakers, actors, strict=False)
    ]
    expected = to_frame("mentions", canonicalize_mentions(facts, mapping))
    frame = canonicalize_mention_frame(to_frame("mentions", facts), mapping)
    pd.testing.assert_frame_equal(frame, expected)
    assert [facts_row["speaker"] for facts_row in facts] == speakers[: len(facts)]  # inputs left alone
