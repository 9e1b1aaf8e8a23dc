"""Fact dedup holds one object per distinct value, not one per mention or fact: in the canonical frame,
the lookups of the leader rules, the quote vocabularies, the scopes the conflict rules read, and the fact
records (columns taken as they are, fields written to views kept as shared columns)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from factlake.config import DEFAULT_REFERENCE_DIR, DedupConfig
from factlake.dedup import build_facts, conflicts, fact_blocks, fact_columns, facts, quotes, units
from factlake.dedup.frames import CanonicalMentions, canonical_frame, compact_mentions
from factlake.extract.events import event_classes
from factlake.records import contract_frame, to_frame
from factlake.reference import load_reference
from tests.test_dedup import article, articles_frame, event, quantity, quote
from tests.test_dedup_scaling import _event_leaders, _quantity_leaders, _random_mentions

FIRST = article(0, "first body " * 5, dt.date(2022, 11, 1), "Outlet A")
SECOND = article(1, "second body " * 5, dt.date(2022, 11, 2), "Outlet B")
ARTICLES = articles_frame(FIRST, SECOND).assign(story_id="one story")
WORDS = "we discussed the border delimitation and the future of the transport corridor"


def frame_of(mentions: list[dict]):
    """The canonical frame of ``mentions`` as the flow hands them over (Arrow-backed string columns)."""
    return canonical_frame(to_frame("mentions", mentions), ARTICLES)


def test_equal_strings_of_many_mentions_are_one_object_and_read_as_given():
    mentions = [
        quote(record["article_id"], WORDS, speaker=speaker, start=start + offset)
        for record in (FIRST, SECOND)
        for offset, speaker in ((0, "Vladimir Putin"), (1000, None))
        for start in (10, 200)
    ] + [quantity(FIRST["article_id"], 221, "killed", "deaths", dt.date(2022, 9, 12), "day", start=900)]
    frame = frame_of(mentions)
    for name in ("speaker", "quote_text", "fact_type", "article_id", CanonicalMentions.story):
        values = frame[name].dropna().tolist()
        assert len({id(value) for value in values}) == len(set(values)), name
    by_id = frame.set_index("mention_id")
    for record in mentions:
        row = by_id.loc[record["mention_id"]]
        for name in ("speaker", "quote_text", "measure", "unit", "fact_type", "article_id"):
            if record[name] is None:
                assert pd.isna(row[name]), name
            else:
                assert row[name] == record[name], name


def test_mentions_that_are_not_quantities_share_one_empty_subject():
    mentions = [
        quote(FIRST["article_id"], WORDS, start=10),
        quote(SECOND["article_id"], WORDS, start=10),
        event(FIRST["article_id"], ["Putin", "Aliyev"], "Sochi", dt.date(2022, 10, 31)),
    ]
    subjects = frame_of(mentions)[CanonicalMentions.subject].tolist()
    assert subjects == [frozenset()] * 3
    assert len({id(subject) for subject in subjects}) == 1


def test_columns_dedup_never_reads_are_left_out():
    mentions = [event(FIRST["article_id"], ["Putin", "Aliyev"], "Sochi", dt.date(2022, 10, 31))]
    columns = set(frame_of(mentions).columns)
    unread = {"sentence", "extractor", "source_actors", "target_actors", "polarity"}
    assert not columns & unread
    assert {"actors", "action", "location", "modality", "event_date", "date_source", "theme"} <= columns


def test_compact_mentions_hold_repeated_values_once_and_give_the_contract_frame_back():
    mentions = [
        quote(record["article_id"], WORDS, speaker="Vladimir Putin", start=start)
        for record in (FIRST, SECOND)
        for start in (10, 200)
    ] + [
        event(record["article_id"], ["Putin", "Aliyev"], "Sochi", dt.date(2022, 10, 31), start=start)
        for record in (FIRST, SECOND)
        for start in (500, 700)
    ]
    contract = to_frame("mentions", mentions)
    compact = compact_mentions(contract)
    for name in ("fact_type", "speaker", "article_id", "action"):
        assert isinstance(compact[name].dtype, pd.CategoricalDtype), name
    for name in ("mention_id", "fact_id"):
        assert compact[name].dtype == contract[name].dtype, name
    for name in ("event_date", "actors"):
        values = compact.loc[compact["fact_type"] == "event", name].tolist()
        assert len({id(value) for value in values}) == 1, name
    pd.testing.assert_frame_equal(contract_frame("mentions", compact), contract, check_exact=True)
    assert canonical_frame(compact, ARTICLES).equals(canonical_frame(contract, ARTICLES))


def test_the_lookups_of_leader_rules_share_one_int_object_per_position():
    mentions, articles = _random_mentions(0)
    frame = canonical_frame(mentions, articles)
    for kind, leaders in (("quantity", _quantity_leaders), ("event", _event_leaders)):
        _, leader, _ = leaders(frame[frame["fact_type"] == kind])()
        positions = list(leader.period_at)
        # Ints above 256 are made anew each time they are read from an index: these must not be.
        assert max(positions) > 256, kind
        for lookup in [leader.story_at] + ([leader.interval_at] if kind == "quantity" else []):
            assert all(key is position for key, position in zip(lookup, positions, strict=True)), kind


def test_scopes_of_facts_of_one_value_share_one_frozenset():
    fact_ids = np.array(["f1", "f1", "f2", "f3", "f3"], dtype=object)
    stories = np.array(["story 1", "story 2", "story 1", "story 1", "story 1"], dtype=object)
    by_fact = conflicts._distinct_by_fact(fact_ids, stories)
    assert by_fact == {"f1": {"story 1", "story 2"}, "f2": {"story 1"}, "f3": {"story 1"}}
    assert by_fact["f2"] is by_fact["f3"]
    assert by_fact["no such fact"] == frozenset()

    armenia, baku = frozenset({"Armenia"}), frozenset({"Baku", "Armenia"})
    subjects = np.array([armenia, baku, baku, frozenset(), frozenset()], dtype=object)
    by_fact = conflicts._distinct_by_fact(fact_ids, subjects, union=True)
    assert by_fact == {"f1": {"Armenia", "Baku"}, "f2": baku, "f3": frozenset()}
    assert by_fact["f2"] is baku


def test_fields_written_to_fact_records_are_kept_apart_as_shared_columns():
    columns = {"fact_id": ["a", "b", "c"], "value": [1.0, None, 3.0]}
    first, second = fact_columns.records(columns, [2, 0])
    first["_recent"] = None
    first["value"] = 4.0
    second["_scope"] = "soldiers"
    assert columns == {"fact_id": ["a", "b", "c"], "value": [1.0, None, 3.0]}
    assert dict(first) == {"fact_id": "c", "value": 4.0, "_recent": None}
    assert dict(second) == {"fact_id": "a", "value": 1.0, "_scope": "soldiers"}
    # No dict per record: the written fields are one list per field for all records made together.
    assert not hasattr(first, "__dict__")
    assert first._written is second._written
    assert second._written.fields["_recent"][1] is not None


def test_fact_columns_are_the_lists_of_the_representatives_and_totals(monkeypatch):
    made = {}
    real_facts = facts._facts

    def spying(frame, positions, fact_ids, rows, totals, kinds, clusters):
        made.update(
            rows=rows,
            totals=totals,
            facts=real_facts(frame, positions, fact_ids, rows, totals, kinds, clusters),
        )
        return made["facts"]

    monkeypatch.setattr(facts, "_facts", spying)
    mentions, articles = _random_mentions(1)
    build_facts(mentions, articles, DedupConfig(), load_reference(DEFAULT_REFERENCE_DIR))
    for name in ("fact_type", "speaker", "value", "unit", "measure", "action", "date_text"):
        assert made["facts"][name if name != "date_text" else "_date_text"] is made["rows"][name], name
    for name in ("n_mentions", "n_articles", "sources", "first_published", "confidence", "value_low"):
        assert made["facts"][name] is made["totals"][name], name


def test_quote_wordings_share_one_object_per_bigram():
    wording_words = [["border", "talks", "resumed"], ["the", "border", "talks", "stalled"]]
    variants = quotes._QuoteVariants.of(
        np.array([0, 1]), np.array([0, 0]), np.array([0, 1]), wording_words, np.array([True])
    )
    first, second = (
        next(bigram for bigram in bigrams if bigram == "border talks") for bigrams in variants.bigrams
    )
    assert first is second


def test_shared_floats_hold_one_object_per_distinct_bits_and_read_back_exactly():
    values = np.array([0.5, 0.5, np.nan, -0.0, 0.0, np.nan, math.inf, -math.inf, 0.5])
    shared = fact_columns.shared_floats(values)
    assert [type(value) for value in shared] == [float] * len(values)
    np.testing.assert_array_equal(np.array(shared), values)
    assert shared[0] is shared[1] is shared[8]
    assert shared[2] is shared[5]
    # -0.0 and 0.0 are equal but not the same value: each keeps its sign.
    assert shared[3] is not shared[4]
    assert math.copysign(1, shared[3]) == -1 and math.copysign(1, shared[4]) == 1
    assert fact_columns.shared_floats(np.array([])) == []


def test_shared_tuples_and_lists_hold_equal_values_once():
    periods = fact_columns.shared_tuples([(1, 31), None, (1, 31), (2, 2)])
    assert periods == [(1, 31), None, (1, 31), (2, 2)]
    assert periods[0] is periods[2]
    sources = fact_columns.shared_lists([["A", "B"], ["A"], ["A", "B"], [], []])
    assert sources == [["A", "B"], ["A"], ["A", "B"], [], []]
    assert sources[0] is sources[2] and sources[3] is sources[4]
    assert sources[0] is not sources[1]


def test_facts_of_a_build_share_equal_floats_periods_and_sources(monkeypatch):
    made = {}
    real_facts = facts._facts

    def spying(*arguments):
        made["facts"] = real_facts(*arguments)
        return made["facts"]

    monkeypatch.setattr(facts, "_facts", spying)
    mentions, articles = _random_mentions(2)
    build_facts(mentions, articles, DedupConfig(), load_reference(DEFAULT_REFERENCE_DIR))
    columns = made["facts"]
    for name in ("confidence", "value_low", "value_high", "_low", "_high", "_period", "sources"):
        values = [value for value in columns[name] if value is not None]
        distinct = {repr(value) for value in values}
        assert len(values) > len(distinct), name
        assert len({id(value) for value in values}) == len(distinct), name
    # Facts without actors (all but events) share one empty list.
    empty = [actors for actors in columns["actors"] if actors == []]
    assert len(empty) > 1 and len({id(actors) for actors in empty}) == 1


def test_leader_parts_hold_whole_leader_blocks_of_every_kind():
    mentions, articles = _random_mentions(3)
    more = [
        quote(article_id, WORDS, speaker=speaker, start=start)
        for article_id in articles["article_id"].tolist()[:2]
        for speaker in ("Vladimir Putin", "Ilham Aliyev", None)
        for start in (10, 200)
    ]
    # Events of another action class than the random ones ("meet").
    more += [
        {**event(article_id, ["Putin"], "Sochi", dt.date(2022, 1, 5), start=900), "action": "sign"}
        for article_id in articles["article_id"].tolist()[:2]
    ]
    frame = canonical_frame(pd.concat([mentions, to_frame("mentions", more)], ignore_index=True), articles)
    reference = load_reference(DEFAULT_REFERENCE_DIR)
    parts = fact_blocks.leader_parts(frame, reference)
    kinds = frame["fact_type"].to_numpy(dtype=object)
    classes = units.unit_classes(reference)
    leaders = {
        "quote": lambda part: fact_blocks._quote_blocks(part),
        "quantity": lambda part: fact_blocks._quantity_blocks(part, fact_blocks._periods(part), classes),
        "event": lambda part: fact_blocks._event_blocks(part, event_classes(reference)),
    }
    for kind, blocks_of in leaders.items():
        rows = kinds == kind
        blocks = blocks_of(frame[rows])
        # Every leader block lies in one part, and a kind has several parts to batch.
        by_block = pd.Series(parts[rows]).groupby(blocks).nunique()
        assert (by_block == 1).all(), kind
        assert len(set(parts[rows].tolist())) > 1, kind
    # Parts never hold two kinds.
    assert pd.Series(kinds).groupby(parts).nunique().max() == 1


def test_a_build_of_everything_in_batches_of_leader_parts_gives_the_one_pass_build(monkeypatch):
    mentions, articles = _random_mentions(4, n_articles=60, n_stories=8)
    reference = load_reference(DEFAULT_REFERENCE_DIR)
    expected = build_facts(mentions, articles, DedupConfig(), reference)
    monkeypatch.setattr(fact_blocks, "BATCH_MENTIONS", 5)
    result = build_facts(mentions, articles, DedupConfig(), reference)
    pd.testing.assert_frame_equal(expected.facts, result.facts, check_exact=True)
    pd.testing.assert_frame_equal(expected.conflicts, result.conflicts, check_exact=True)
    pd.testing.assert_frame_equal(expected.mentions, result.mentions, check_exact=True)
    assert expected.stats == result.stats
