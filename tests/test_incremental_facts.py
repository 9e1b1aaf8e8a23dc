"""Incremental fact dedup: blocks whose rows did not change reuse their persisted output, and the result
equals a full rebuild of the same inputs (:mod:`factlake.dedup.fact_blocks`).

Versions are built from random splits of the synthetic mentions of ``bench/dedup_million.py`` (quotes,
quantities and events with realistic repetition, duplicate articles and stories): v1 from some articles,
v2 from v1's articles with some added, some removed and one changed, the second build given the first's
blocks. Every output (the ``facts``, ``conflicts`` and ``mentions`` tables, bytes of their Parquet files
included, and the manifest statistics) must equal that of a build from nothing.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factlake.cache import CACHE_DIR
from factlake.dedup import build_facts, fact_blocks
from factlake.dedup.fact_blocks import (
    FactBlocks,
    block_keys,
    fact_blocks_key,
    load_fact_blocks,
    save_fact_blocks,
)
from factlake.dedup.frames import canonical_frame
from factlake.dedup.quantities import QuantityKind
from factlake.records import to_frame
from tests.test_dedup import quote
from tests.test_dedup_facts import ARTICLES, CONFIG, DATED, OTHER_UNDATED, REFERENCE, UNDATED, _bench_module

KEY = fact_blocks_key("code")


def synthetic(n_mentions: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    bench = _bench_module()
    return bench.synthetic_mentions(n_mentions, np.random.default_rng(seed))


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer)
    return buffer.getvalue()


def assert_same_build(incremental, full) -> None:
    """Equal tables (values, dtypes, row order and Parquet bytes) and equal statistics."""
    for name in ("facts", "conflicts", "mentions"):
        expected, actual = getattr(full, name), getattr(incremental, name)
        pd.testing.assert_frame_equal(actual, expected, check_exact=True, obj=name)
        assert parquet_bytes(actual) == parquet_bytes(expected), name
    assert incremental.stats == full.stats


def select(mentions: pd.DataFrame, articles: pd.DataFrame, keep: np.ndarray) -> tuple[pd.DataFrame, ...]:
    kept = articles[keep].reset_index(drop=True)
    return mentions[mentions["article_id"].isin(kept["article_id"])].reset_index(drop=True), kept


def changed_article(mentions: pd.DataFrame, article_id: str) -> pd.DataFrame:
    """``mentions`` with every figure of one article doubled and one of its mentions dropped: an article
    whose text was edited."""
    of_article = mentions["article_id"] == article_id
    changed = mentions.copy()
    changed.loc[of_article, "value"] = changed.loc[of_article, "value"] * 2
    return changed.drop(index=changed.index[of_article][:1]).reset_index(drop=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_build_equals_a_full_rebuild_of_the_same_inputs(seed: int, tmp_path: Path) -> None:
    mentions, articles = synthetic(6000, seed)
    rng = np.random.default_rng(seed)
    first = rng.random(len(articles)) < 0.9
    v1_mentions, v1_articles = select(mentions, articles, first)
    v1 = build_facts(v1_mentions, v1_articles, CONFIG, REFERENCE, FactBlocks(KEY))
    assert v1.blocks.stats()["from_cache"] == 0
    assert_same_build(v1, build_facts(v1_mentions, v1_articles, CONFIG, REFERENCE))

    # v2: 1% of v1's articles removed, the other 10% added, one article changed.
    second = (~first) | (first & (rng.random(len(articles)) >= 0.01))
    v2_mentions, v2_articles = select(mentions, articles, second)
    edited = v2_articles["article_id"].iloc[int(rng.integers(0, len(v2_articles)))]
    v2_mentions = changed_article(v2_mentions, edited)
    shuffled = v2_mentions.sample(frac=1, random_state=seed).reset_index(drop=True)
    # The state as the next run reads it: through its files (Parquet names list items otherwise).
    save_fact_blocks(tmp_path, v1.blocks)
    incremental = build_facts(shuffled, v2_articles, CONFIG, REFERENCE, load_fact_blocks(tmp_path, KEY))
    full = build_facts(shuffled, v2_articles, CONFIG, REFERENCE)
    assert_same_build(incremental, full)
    stats = incremental.blocks.stats()
    assert stats["from_cache"] > 0 and stats["computed"] > 0
    assert len(incremental.blocks.fingerprints) == stats["blocks"]


def test_small_change_reuses_most_blocks_and_keeps_untouched_facts() -> None:
    mentions, articles = synthetic(6000, 7)
    v1 = build_facts(mentions, articles, CONFIG, REFERENCE, FactBlocks(KEY))
    added = synthetic(6000, 8)
    # One new article: the first article of another synthetic corpus, under a new id.
    new_article = added[1].iloc[[0]].assign(article_id="new-article", duplicate_of=None, story_id="new-story")
    new_mentions = added[0][added[0]["article_id"] == added[1]["article_id"].iloc[0]].assign(
        article_id="new-article"
    )
    new_mentions = new_mentions.assign(mention_id=[f"new-{index}" for index in range(len(new_mentions))])
    v2_mentions = pd.concat([mentions, new_mentions], ignore_index=True)
    v2_articles = pd.concat([articles, new_article], ignore_index=True)
    incremental = build_facts(v2_mentions, v2_articles, CONFIG, REFERENCE, v1.blocks)
    assert_same_build(incremental, build_facts(v2_mentions, v2_articles, CONFIG, REFERENCE))
    stats = incremental.blocks.stats()
    assert stats["computed"] <= len(new_mentions) < stats["from_cache"]
    # Facts the new article does not touch keep their rows (same id, same values; statuses are found over
    # all facts, after the blocks: a conflict may involve a new figure).
    v1_rows = {row_text(row) for row in v1.facts.drop(columns="status").to_dict("records")}
    v2_rows = {row_text(row) for row in incremental.facts.drop(columns="status").to_dict("records")}
    assert len(v1_rows & v2_rows) >= len(v1_rows) - 2 * len(new_mentions)


def row_text(row: dict) -> str:
    return json.dumps(
        row,
        sort_keys=True,
        default=lambda value: repr(list(value)) if hasattr(value, "__len__") else str(value),
    )


def outputs_text(blocks: FactBlocks) -> str:
    """Every value of the blocks' outputs, with its Python type (NaN equal to NaN)."""
    output = blocks.output()
    typed = {
        "facts": {
            name: [[type(value).__name__, value] for value in values] for name, values in output.facts.items()
        },
        "fact_ids": output.fact_ids,
        "rules": output.rules,
        "scope": output.scope,
    }
    return json.dumps(typed, sort_keys=True, default=str)


def test_blocks_survive_a_save_and_load(tmp_path: Path) -> None:
    mentions, articles = synthetic(3000, 4)
    v1 = build_facts(mentions, articles, CONFIG, REFERENCE, FactBlocks(KEY))
    save_fact_blocks(tmp_path, v1.blocks)
    loaded = load_fact_blocks(tmp_path, KEY)
    assert loaded.fingerprints == v1.blocks.fingerprints
    assert outputs_text(loaded) == outputs_text(v1.blocks)
    assert loaded.subjects == v1.blocks.subjects and loaded.subjects
    rebuilt = build_facts(mentions, articles, CONFIG, REFERENCE, loaded)
    assert rebuilt.blocks.stats() == {
        "blocks": len(loaded.fingerprints),
        "computed": 0,
        "from_cache": len(loaded.fingerprints),
    }
    assert_same_build(rebuilt, v1)


def test_a_code_or_settings_change_or_a_damaged_file_discards_the_blocks(tmp_path: Path) -> None:
    mentions, articles = synthetic(2000, 5)
    save_fact_blocks(tmp_path, build_facts(mentions, articles, CONFIG, REFERENCE, FactBlocks(KEY)).blocks)
    assert load_fact_blocks(tmp_path, KEY).fingerprints
    # Another code fingerprint (source, settings or reference data changed): nothing is reused.
    other = fact_blocks_key("other code")
    assert other != KEY
    assert load_fact_blocks(tmp_path, other).fingerprints == set()
    # A write interrupted before its rename leaves a temporary file that the next run never reads.
    path = tmp_path / CACHE_DIR / fact_blocks.FACT_BLOCKS_FILE
    (tmp_path / CACHE_DIR / f".tmp-{fact_blocks.FACT_BLOCKS_FILE}.{os.getpid()}").write_bytes(
        path.read_bytes()[:100]
    )
    assert load_fact_blocks(tmp_path, KEY).fingerprints
    # A damaged cache file is ignored: every block is clustered again.
    path.write_bytes(path.read_bytes()[:100])
    assert load_fact_blocks(tmp_path, KEY).fingerprints == set()
    fresh = build_facts(mentions, articles, CONFIG, REFERENCE, load_fact_blocks(tmp_path, KEY))
    assert fresh.blocks.stats()["from_cache"] == 0
    assert_same_build(fresh, build_facts(mentions, articles, CONFIG, REFERENCE))


def test_one_new_article_reclusters_only_the_blocks_of_its_speakers_and_stories() -> None:
    """Blocks are a speaker's quotes and the connected parts of a leader block (mentions sharing a story
    or what joins two stories): one new article touches few mentions' blocks, not whole kinds."""
    mentions, articles = synthetic(6000, 9)
    frame = canonical_frame(mentions, articles)
    keys = block_keys(frame, REFERENCE)
    article_id = articles["article_id"].iloc[len(articles) // 2]
    touched = set(keys[(frame["article_id"] == article_id).to_numpy()].tolist())
    reclustered = pd.Series(keys).isin(touched).to_numpy()
    assert 0 < reclustered.sum() < 0.1 * len(frame)
    for kind in ("quote", "quantity", "event"):
        of_kind = (frame["fact_type"] == kind).to_numpy()
        assert len(set(keys[of_kind].tolist())) > 1, kind


def test_a_shorter_later_wording_held_in_a_longer_earlier_one_merges_whatever_the_other_speakers() -> None:
    """The earlier, longer wording's prefix is its rarest words (sized for shares of itself), all outside
    the shorter wording; the shorter one finds it by probing its own prefix backwards. The speaker's
    facts are the same with or without other speakers' quotes, whose words change the ranking."""
    shared = "alpha bravo charlie delta"
    own = " ".join(f"word{index:02d}" for index in range(16))
    base = [
        quote(DATED["article_id"], f"{shared} {own}", speaker="Speaker A", start=10),
        quote(UNDATED["article_id"], shared, speaker="Speaker A", start=10),
    ]
    others = [
        quote(OTHER_UNDATED["article_id"], f"{shared} other{index}", speaker=f"Speaker {index}", start=index)
        for index in range(5)
    ]
    alone = build_facts(to_frame("mentions", base), ARTICLES, CONFIG, REFERENCE)
    with_others = build_facts(to_frame("mentions", base + others), ARTICLES, CONFIG, REFERENCE)
    assert alone.mentions["fact_id"].nunique() == 1
    assert alone.stats["merges_by_rule"]["quote_containment"] == 1
    speaker_a = with_others.mentions[with_others.mentions["speaker"] == "Speaker A"]
    assert speaker_a["fact_id"].tolist() == alone.mentions["fact_id"].tolist()


def test_conflicts_are_searched_again_only_among_the_facts_a_change_touched(monkeypatch) -> None:
    """Conflict units (:mod:`factlake.dedup.conflict_units`) untouched by the change keep their conflicts;
    removing an article of a conflicting fact and editing another gives the conflicts of a full rebuild."""
    mentions, articles = synthetic(6000, 11)
    v1 = build_facts(mentions, articles, CONFIG, REFERENCE, FactBlocks(KEY))
    assert len(v1.conflicts) and v1.blocks.conflicts
    in_conflict = v1.mentions[v1.mentions["fact_id"].isin(v1.conflicts["fact_id"])]
    removed = in_conflict["article_id"].iloc[0]
    keep = (articles["article_id"] != removed).to_numpy()
    v2_mentions, v2_articles = select(mentions, articles, keep)
    v2_mentions = changed_article(v2_mentions, v2_articles["article_id"].iloc[len(v2_articles) // 3])
    searched: list[int] = []
    original = QuantityKind.conflicts

    def counting(self, facts, frame, config, reference):
        searched.append(len(facts))
        return original(self, facts, frame, config, reference)

    monkeypatch.setattr(QuantityKind, "conflicts", counting)
    incremental = build_facts(v2_mentions, v2_articles, CONFIG, REFERENCE, v1.blocks)
    quantity_facts = int((incremental.facts["fact_type"] == "quantity").sum())
    assert 0 < searched[0] < quantity_facts / 4
    full = build_facts(v2_mentions, v2_articles, CONFIG, REFERENCE)
    assert_same_build(incremental, full)
    assert set(v1.conflicts["conflict_id"]) != set(full.conflicts["conflict_id"])
    # Built again from the state it left, nothing changed: no conflict is searched.
    again = build_facts(v2_mentions, v2_articles, CONFIG, REFERENCE, incremental.blocks)
    assert len(searched) == 2  # the incremental build's and the full rebuild's
    assert_same_build(again, full)
