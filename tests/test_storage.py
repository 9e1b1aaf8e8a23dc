"""Versions that share storage: tables as folders of content-addressed Parquet parts (factlake.parts)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factlake import assemble, catalog, part_store, parts, publish, retention
from factlake.integrity import version_problems
from schemas.tables import TABLES
from tests.factories import valid_tables

#: Small parts, so a few dozen rows span several of them.
SMALL_PARTS = {"articles": 4, "mentions": 4, "facts": 4, "inputs": 4}


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "PART_ROWS", SMALL_PARTS)


def feed(n_old: int, n_new: int = 0) -> dict[str, pd.DataFrame]:
    """Tables of ``n_old`` articles first seen in v1 and ``n_new`` first seen in v2."""
    tables = valid_tables(n_old + n_new)
    first_versions = [1] * n_old + [2] * n_new
    articles = tables["articles"].sort_values(
        "source_uri", key=lambda uris: uris.str.extract(r"(\d+)")[0].astype(int)
    )
    tables["articles"] = articles.assign(first_version=pd.array(first_versions, dtype="Int64"))
    return tables


def publish_tables(dataset: Path, tables: dict[str, pd.DataFrame]) -> publish.PublishedVersion:
    with publish.writer_lock(dataset):
        version = publish.write_version(dataset, tables, {"note": "test"})
        catalog.refresh_catalog(dataset)
    return version


def part_names(version: publish.PublishedVersion, table: str) -> list[str]:
    return [part["file"] for part in publish.read_manifest(version)["tables"][table]["parts"]]


def test_a_version_adding_few_articles_links_the_unchanged_parts(tmp_path: Path) -> None:
    first = publish_tables(tmp_path, feed(40))
    second = publish_tables(tmp_path, feed(40, 1))
    old_articles, new_articles = part_names(first, "articles"), part_names(second, "articles")
    assert len(old_articles) > 3
    assert set(old_articles) < set(new_articles) and len(new_articles) == len(old_articles) + 1
    for name in old_articles:  # one file on disk: the same inode in both versions and the store
        inode = (tmp_path / "v1" / "articles" / name).stat().st_ino
        assert (tmp_path / "v2" / "articles" / name).stat().st_ino == inode
        assert (tmp_path / "parts" / "articles" / name).stat().st_ino == inode
    storage = publish.read_manifest(second)["storage"]
    assert 0 < storage["new_bytes"] < storage["bytes"] / 4
    assert storage["new_parts"] < storage["parts"] / 4
    assert (
        publish.read_manifest(first)["storage"]["new_bytes"]
        == publish.read_manifest(first)["storage"]["bytes"]
    )
    pd.testing.assert_frame_equal(
        publish.read_table(second, "articles"),
        publish.read_table(second, "articles").sort_values("article_id", ignore_index=True),
    )
    assert len(publish.read_table(second, "articles")) == 41


def test_rows_of_one_group_keep_their_parts_when_a_row_is_removed() -> None:
    """Content-defined cuts: removing a row changes the one part it was in, not the cut of the others."""
    hashes = [7, 4, 9, 8, 5, 12, 3, 16, 1, 20, 11, 24]
    groups = [1] * len(hashes)
    ends = parts.part_boundaries(groups, hashes, 4)
    cuts = [hashes[start:end] for start, end in zip([0, *ends], ends, strict=False)]
    assert cuts == [[7, 4], [9, 8], [5, 12], [3, 16], [1, 20], [11, 24]]
    without = hashes[:6] + hashes[7:]  # the row hashing to 3 is gone
    ends = parts.part_boundaries([1] * len(without), without, 4)
    after = [without[start:end] for start, end in zip([0, *ends], ends, strict=False)]
    assert after == [[7, 4], [9, 8], [5, 12], [16], [1, 20], [11, 24]]
    assert parts.part_boundaries([1, 1, 2, 2], [1, 1, 1, 1], 4) == [2, 4]


def test_cuts_over_all_rows_at_once_end_where_each_row_alone_says() -> None:
    """Part ends computed over whole arrays: after a forced row, the last row, or a row whose hash (any
    64-bit value) is 0 modulo its target (a target of 0 counting as 1), as a row-by-row reading gives."""
    rng = np.random.default_rng(7)
    for rows in (0, 1, 2, 57, 400):
        hashes = rng.integers(0, 2**64 - 1, size=rows, dtype=np.uint64, endpoint=True)
        hashes[: rows // 3] = rng.integers(0, 12, size=rows // 3).astype(np.uint64)
        targets = rng.integers(0, 6, size=rows).tolist()
        forced = (rng.random(rows) < 0.1).tolist()
        expected = [
            position + 1
            for position in range(rows)
            if forced[position]
            or position + 1 == rows
            or int(hashes[position]) % max(1, targets[position]) == 0
        ]
        assert parts.cut_ends(hashes, targets, forced) == expected
        assert parts.cut_ends([int(value) for value in hashes], targets, forced) == expected
    with pytest.raises(ValueError):
        parts.cut_ends([1, 2], [4], [False, False])


def test_facts_mentions_and_stories_are_grouped_by_their_earliest_article() -> None:
    tables = feed(3, 2)
    newest = tables["articles"]["article_id"].iloc[-1]
    tables["mentions"] = pd.concat([tables["mentions"], tables["mentions"].iloc[[0]].assign(fact_id="f-new")])
    tables["mentions"].iloc[-1, tables["mentions"].columns.get_loc("article_id")] = newest
    facts = pd.concat([tables["facts"], tables["facts"].assign(fact_id="f-new")], ignore_index=True)
    assert parts.row_groups("facts", facts, tables).tolist() == [1, 2]
    assert parts.row_groups("mentions", tables["mentions"], tables).tolist() == [1, 1, 1, 2, 2, 2]
    assert parts.row_groups("stories", tables["stories"], tables).tolist() == [1]
    assert parts.row_groups("rejects", tables["rejects"], tables).tolist() == [parts.NO_GROUP]


def test_analysts_read_a_version_folder_with_plain_pandas_polars_and_duckdb(tmp_path: Path) -> None:
    publish_tables(tmp_path, feed(40))
    version = publish_tables(tmp_path, feed(40, 1))
    expected = publish.read_table(version, "articles").sort_values("article_id", ignore_index=True)
    folder = tmp_path / "latest" / "articles"
    assert len(list(folder.iterdir())) > 3
    by_pandas = pd.read_parquet(folder).sort_values("article_id", ignore_index=True)
    assert by_pandas["article_id"].tolist() == expected["article_id"].tolist()
    by_polars = pl.read_parquet(folder / "*.parquet").sort("article_id")
    assert by_polars["article_id"].to_list() == expected["article_id"].tolist()
    query = f"SELECT count(*), count(DISTINCT article_id) FROM '{folder}/*.parquet'"
    assert duckdb.sql(query).fetchall() == [(41, 41)]
    assert catalog.connect(tmp_path).execute("SELECT count(*) FROM v1.articles").fetchone() == (40,)


def test_gc_removes_only_the_parts_no_kept_version_uses(tmp_path: Path) -> None:
    first = publish_tables(tmp_path, feed(40))
    only_first = {("facts", name) for name in part_names(first, "facts")}
    second = publish_tables(tmp_path, feed(40, 1))
    shared = {("articles", name) for name in part_names(first, "articles")}
    kept = part_store.listed_parts(publish.read_manifest(second))
    assert shared <= kept and not only_first & kept
    orphan, _ = part_store.store_part(tmp_path, "facts", b"bytes of a crashed run's part")
    result = retention.collect_garbage(tmp_path, keep=1)
    assert result.removed == ["v1"]
    assert set(part_store.stored_parts(tmp_path)) == kept
    assert f"facts/{orphan.name}" in result.removed_parts
    assert version_problems(publish.resolve_version(tmp_path, 2), full=True) == []


def test_removing_a_part_from_the_store_never_damages_a_version(tmp_path: Path) -> None:
    version = publish_tables(tmp_path, feed(8))
    for path in part_store.stored_parts(tmp_path).values():
        path.unlink()
    assert version_problems(version, full=True) == []
    again = publish_tables(tmp_path, feed(8))
    assert part_names(again, "articles") == part_names(version, "articles")
    assert (
        publish.read_manifest(again)["storage"]["new_parts"]
        == publish.read_manifest(again)["storage"]["parts"]
    )


def test_a_part_damaged_in_the_store_is_written_again_not_linked(tmp_path: Path) -> None:
    version = publish_tables(tmp_path, feed(8))
    damaged = tmp_path / "v1" / "articles" / part_names(version, "articles")[0]
    damaged.write_bytes(damaged.read_bytes()[:10])  # in place: the store's link is damaged too
    again = publish_tables(tmp_path, feed(8))
    assert version_problems(again, full=True) == []


def test_leftover_temporary_parts_are_removed_under_the_lock(tmp_path: Path) -> None:
    publish_tables(tmp_path, feed(4))
    leftover = tmp_path / "parts" / "articles" / ".tmp-abc.parquet.999"
    leftover.write_bytes(b"half")
    with publish.writer_lock(tmp_path):
        assert "parts/articles/.tmp-abc.parquet.999" in publish.clean_leftovers(tmp_path)
    assert not leftover.exists()


def test_the_inputs_list_is_a_table_not_part_of_the_manifest(tmp_path: Path) -> None:
    tables = feed(3)
    articles = tables["articles"].to_dict("records")
    rejects = [{"source_uri": "bad.bin", "content_sha256": "0" * 64, "stage": "parse", "error": "empty"}]
    entries = assemble.input_entries(articles, rejects)
    tables[publish.INPUTS_TABLE] = assemble.inputs_frame(entries)
    manifest = assemble.build_manifest(
        config=assemble.FactlakeConfig(),
        code_sha256="c",
        inputs_sha256=assemble.input_fingerprint(entries),
        sources_sha256=None,
        inputs=entries,
        extractors={},
        dedup_stats={},
        flow_run={},
        created_at=pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime(),
    )
    with publish.writer_lock(tmp_path):
        version = publish.write_version(tmp_path, tables, manifest)
    written = json.loads((version.path / "manifest.json").read_text())
    assert "inputs" not in written and written["input_counts"]["total"] == 4
    inputs = publish.read_table(version, "inputs")
    assert inputs["outcome"].tolist() == ["article"] * 3 + ["rejected"]
    assert inputs.loc[3, "error"] == "empty" and inputs["article_id"].notna().sum() == 3
    assert catalog.connect(tmp_path).execute("SELECT count(*) FROM inputs").fetchone() == (4,)


def test_versions_of_the_single_file_layout_stay_readable(tmp_path: Path) -> None:
    """A dataset published before parts: one ``<table>.parquet`` per table, with its SHA-256."""
    folder = tmp_path / "v1"
    folder.mkdir()
    entries = {}
    for table, frame in valid_tables(2).items():
        path = folder / f"{table}.parquet"
        pq.write_table(publish.to_arrow(table, frame), path)
        entries[table] = {"rows": len(frame), "bytes": path.stat().st_size, "sha256": parts_sha256(path)}
    (folder / "manifest.json").write_text(json.dumps({"version": 1, "tables": entries}))
    os.symlink("v1", tmp_path / "latest")
    version = publish.resolve_version(tmp_path, 1)
    assert version_problems(version, full=True) == []
    assert len(publish.read_table(version, "articles")) == 2
    assert catalog.connect(tmp_path).execute("SELECT count(*) FROM mentions").fetchone() == (2,)
    assert set(publish.read_manifest(version)["tables"]) == set(TABLES)
    second = publish_tables(tmp_path, feed(3))
    assert len(publish.read_table(second, "articles")) == 3


def parts_sha256(path: Path) -> str:
    from factlake.integrity import file_sha256

    return file_sha256(path)


def test_empty_tables_are_one_part_with_the_schema(tmp_path: Path) -> None:
    version = publish_tables(tmp_path, feed(2))
    (conflicts,) = publish.table_files(version, "conflicts")
    assert pq.read_metadata(conflicts).num_rows == 0
    assert pq.read_schema(conflicts).names == publish.arrow_schema("conflicts").names
    assert isinstance(pq.read_table(conflicts), pa.Table)


def test_parts_reach_the_store_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts are stored together: the ones already there are not written again, identical ones are one
    file, and a failure before they are flushed leaves neither a part nor a temporary file."""
    contents = [b"first part", b"second part", b"first part"]
    stored = part_store.store_parts(tmp_path, "facts", contents)
    assert [new for _, new in stored] == [True, True, False]
    assert [path.read_bytes() for path, _ in stored] == contents
    again = part_store.store_parts(tmp_path, "facts", [b"second part", b"third part"])
    assert again[0] == (stored[1][0], False) and again[1][1]

    def failing_flush(path: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(part_store, "_fsync_file", failing_flush)
    with pytest.raises(OSError):
        part_store.store_parts(tmp_path, "facts", [b"fourth part", b"fifth part"])
    names = sorted(path.name for path in (tmp_path / part_store.PARTS_DIR / "facts").iterdir())
    assert names == sorted(path.name for path, _ in [*stored[:2], again[1]])  # nothing of the failed call
