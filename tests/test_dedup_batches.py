"""Bounded memory of fact dedup: batches of units, quote pairs by batch and fact records as columns
give what one pass over everything gives."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from factlake.config import DEFAULT_REFERENCE_DIR, DedupConfig
from factlake.dedup import build_facts, fact_blocks, fact_columns, quotes
from factlake.dedup.fact_blocks import unit_batches
from factlake.dedup.frames import compact_mentions
from factlake.records import columns_to_frame, to_frame
from factlake.reference import load_reference

CONFIG = DedupConfig()
REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)
BENCH = Path(__file__).resolve().parents[1] / "bench" / "dedup_million.py"


@pytest.fixture(scope="module")
def synthetic():
    """6,000 synthetic mentions of the dedup benchmark and their one-pass build."""
    spec = importlib.util.spec_from_file_location("dedup_million", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    mentions, articles = bench.synthetic_mentions(6000, np.random.default_rng(bench.SEED))
    return mentions, articles, build_facts(mentions, articles, CONFIG, REFERENCE)


def assert_same_build(expected, result) -> None:
    pd.testing.assert_frame_equal(expected.facts, result.facts, check_exact=True)
    pd.testing.assert_frame_equal(expected.conflicts, result.conflicts, check_exact=True)
    pd.testing.assert_frame_equal(expected.mentions, result.mentions, check_exact=True)
    assert expected.stats == result.stats


def test_unit_batches_hold_whole_units_in_order_of_first_row():
    codes = np.array([2, 2, 0, 1, 2, 0, 3, 3, 3, 1])
    batches = unit_batches(codes, 3)
    # Unit 2 (3 rows) fills the first batch; 0 and 1 (2 rows each) the second; 3 is the last.
    assert [batch.tolist() for batch in batches] == [[0, 1, 4], [2, 3, 5, 9], [6, 7, 8]]
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(codes)))
    assert [batch.tolist() for batch in unit_batches(codes, 100)] == [list(range(len(codes)))]
    assert unit_batches(np.array([], dtype=np.int64), 3) == []


def test_clustering_in_small_batches_gives_the_one_pass_build(synthetic, monkeypatch):
    mentions, articles, expected = synthetic
    monkeypatch.setattr(fact_blocks, "BATCH_MENTIONS", 50)
    assert len(unit_batches(mentions["fact_type"].to_numpy(), 50)) > 1
    assert_same_build(expected, build_facts(mentions, articles, CONFIG, REFERENCE))


def test_quote_pairs_matched_in_small_batches_give_the_one_pass_build(synthetic, monkeypatch):
    mentions, articles, expected = synthetic
    assert expected.stats["merges_by_rule"].get("quote_containment", 0) > 0
    monkeypatch.setattr(quotes, "_PROBE_CHUNK", 7)
    assert_same_build(expected, build_facts(mentions, articles, CONFIG, REFERENCE))


def test_fact_columns_hold_records_with_missing_fields_as_none():
    columns: fact_columns.FactColumns = {}
    fact_columns.append(columns, {"fact_id": "a", "value": 1.5})
    fact_columns.append(columns, {"fact_id": "b", "theme": "peace"})
    assert columns == {"fact_id": ["a", "b"], "value": [1.5, None], "theme": [None, "peace"]}
    assert fact_columns.n_facts(columns) == 2
    assert fact_columns.records(columns, [1]) == [{"fact_id": "b", "value": None, "theme": "peace"}]
    assert fact_columns.take(columns, [1, 0])["fact_id"] == ["b", "a"]
    other = {"fact_id": ["c"], "speaker": ["Putin"]}
    joined = fact_columns.concat([columns, {}, other])
    assert joined == {
        "fact_id": ["a", "b", "c"],
        "value": [1.5, None, None],
        "theme": [None, "peace", None],
        "speaker": [None, None, "Putin"],
    }


def test_columns_make_the_frame_records_make(synthetic):
    facts = synthetic[2].facts
    records = facts.to_dict("records")
    columns = {name: facts[name].tolist() for name in facts.columns if name != "story_id"}
    from_columns = columns_to_frame("facts", columns)
    pd.testing.assert_frame_equal(to_frame("facts", records), from_columns, check_exact=True)
    assert from_columns["story_id"].isna().all()
    assert math.isnan(from_columns["value"].iloc[facts["value"].isna().argmax()])


def test_compact_mentions_give_the_build_of_the_contract_frame(synthetic):
    mentions, articles, expected = synthetic
    compact = compact_mentions(mentions)
    assert isinstance(compact["fact_type"].dtype, pd.CategoricalDtype)
    result = build_facts(compact, articles, CONFIG, REFERENCE)
    # The mentions come back in the contract's dtypes, as they come from a contract frame.
    assert result.mentions.dtypes.to_dict() == expected.mentions.dtypes.to_dict()
    assert_same_build(expected, result)
