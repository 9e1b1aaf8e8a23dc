"""Tests of the fact-kind registry and the declared working frame of fact dedup (issue #12)."""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from typing import Any

import pandas as pd
import pytest

from factlake import kinds
from factlake.config import DedupConfig
from factlake.dedup import build_facts
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.clustering import Clusters, identical_variants
from factlake.dedup.frames import CanonicalMentions, canonical_frame
from factlake.incremental import extractor_versions
from factlake.records import stable_id, to_frame
from factlake.reference import Reference
from schemas.tables import FACT_TYPES, Facts, Mentions
from tests.test_dedup import CONFIG, REFERENCE, article, articles_frame, mention, quantity, quote

#: Extractor of the test kind below (this module stands in for its extraction module).
NAME = "places"
VERSION = "0.1"


class PlaceKind(kinds.FactKind):
    """A fourth kind for the test: mentions naming one place are one fact."""

    name = "place"
    extractor = sys.modules[__name__]

    def cluster(
        self,
        part: pd.DataFrame,
        config: DedupConfig,
        reference: Reference,
        union_find: UnionFind,
        rules: Counter[str],
    ) -> Clusters:
        keyed = pd.DataFrame({"location": part["location"].fillna("")}, index=part.index)
        identical_variants(keyed, ["location"], union_find, rules, "place_identical")
        return Clusters()

    def statement(self, fact: dict[str, Any]) -> str:
        return f"place: {fact['location']}"


KIND = PlaceKind()


@pytest.fixture
def place_registered(monkeypatch: pytest.MonkeyPatch):
    """The registry with the place kind added after the others (its one line), restored afterwards."""
    monkeypatch.setitem(kinds.FACT_KINDS, PlaceKind.name, __name__)
    kinds.fact_kinds.cache_clear()
    yield
    kinds.fact_kinds.cache_clear()


def test_registry_is_what_schemas_extraction_and_manifest_read():
    assert FACT_TYPES == list(kinds.FACT_KINDS) == [kind.name for kind in kinds.fact_kinds()]
    assert Facts.to_schema().columns["fact_type"].description == "quote, quantity or event."
    assert kinds.fact_kind("quantity").name == "quantity"
    assert kinds.fact_kind("event").gold_by_sentence and not kinds.fact_kind("quote").gold_by_sentence
    with pytest.raises(KeyError):
        kinds.fact_kind("entity")
    # Entities are no fact kind, but their extractor comes first, as it always did in the manifest.
    assert list(extractor_versions()) == ["entities", "quotes", "quantities", "events"]


def test_a_fourth_kind_needs_only_its_registry_line_and_its_module(place_registered):
    paris = [article(number, f"Talks in Paris {number}.", dt.date(2024, 5, number)) for number in (1, 2)]
    mentions = [
        mention(paris[0]["article_id"], "place", "Paris", 9, location="Paris"),
        mention(paris[1]["article_id"], "place", "Paris", 9, location="Paris"),
        quote(paris[0]["article_id"], "we will meet again in Paris next year", start=20),
    ]
    fact_set = build_facts(to_frame("mentions", mentions), articles_frame(*paris), CONFIG, REFERENCE)

    places = fact_set.facts[fact_set.facts["fact_type"] == "place"]
    assert places["statement"].tolist() == ["place: Paris"]
    # Named by its earliest mention (the article of May 1).
    assert places["fact_id"].tolist() == [stable_id("place", mentions[0]["mention_id"])]
    assert places["n_articles"].tolist() == [2]
    assert sorted(fact_set.facts["fact_type"]) == ["place", "quote"]
    assert fact_set.stats["merges_by_rule"]["place_identical"] == 1
    assert extractor_versions()["places"] == "0.1"


def test_canonical_frame_adds_exactly_the_declared_working_columns():
    first = article(1, "221 people were killed.", dt.date(2022, 9, 14))
    second = article(2, "221 people were killed.", None)
    mentions = to_frame(
        "mentions",
        [
            quantity(first["article_id"], 221, "killed", "people", None),
            quantity(second["article_id"], 221, "killed", "people", None),
        ],
    )
    frame = canonical_frame(mentions, articles_frame(first, second))

    declared = set(CanonicalMentions.to_schema().columns)
    added = set(frame.columns) - set(Mentions.to_schema().columns)
    assert added == declared
    CanonicalMentions.validate(frame)
    assert frame[CanonicalMentions.no_date].tolist() == [False, True]
    assert frame[CanonicalMentions.date_key].tolist() == [dt.date(2022, 9, 14).toordinal(), 0]
