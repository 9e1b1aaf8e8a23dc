"""The generational layout: rows grouped by the version in which they last changed (factlake.parts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from factlake import part_generations, part_store, parts, publish, retention
from factlake.errors import TransientError
from factlake.integrity import parts_problems
from factlake.records import stable_id
from tests.factories import valid_tables


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "PART_ROWS", {"facts": 4, "mentions": 4, "articles": 4})


def facts(n_facts: int, changed: dict[int, int] | None = None) -> pd.DataFrame:
    """``n_facts`` facts of seven stories; ``changed`` gives some facts (by number) another n_articles."""
    template = valid_tables(2)["facts"].iloc[0].to_dict()
    rows = []
    for number in range(n_facts):
        n_articles = (changed or {}).get(number, 2)
        rows.append(
            {
                **template,
                "fact_id": stable_id("fact", number),
                "story_id": stable_id("story", number % 7),
                "n_articles": n_articles,
                "n_mentions": n_articles,
            }
        )
    return pd.DataFrame(rows)


def publish_facts(dataset: Path, frame: pd.DataFrame, layout: parts.Layout = parts.DEFAULT_LAYOUT):
    with publish.writer_lock(dataset):
        return publish.write_version(dataset, {"facts": frame}, {"note": "test"}, layout=layout)


def facts_parts(version: publish.PublishedVersion) -> list[dict]:
    return publish.read_manifest(version)["tables"]["facts"]["parts"]


def generation_of(version: publish.PublishedVersion) -> dict[str, int]:
    """fact_id → generation, from the manifest's runs and the parts' rows."""
    found = {}
    for part in facts_parts(version):
        ids = pq.read_table(version.path / "facts" / part["file"])["fact_id"].to_pylist()
        expanded = [generation for generation, rows in part["generations"] for _ in range(rows)]
        found.update(zip(ids, expanded, strict=True))
    return found


def test_a_changed_row_moves_to_the_new_generation_and_the_others_keep_theirs(tmp_path: Path) -> None:
    publish_facts(tmp_path, facts(60))
    second = publish_facts(tmp_path, facts(61, changed={5: 3, 40: 3}))
    generations = generation_of(second)
    moved = {stable_id("fact", number) for number in (5, 40, 60)}
    assert {fact_id for fact_id, generation in generations.items() if generation == 2} == moved
    assert all(generation == 1 for fact_id, generation in generations.items() if fact_id not in moved)
    back = publish.read_table(second, "facts").set_index("fact_id")
    assert back.loc[stable_id("fact", 5), "n_articles"] == 3 and len(back) == 61


def test_rows_that_keep_changing_rewrite_only_recent_parts(tmp_path: Path) -> None:
    """Updated rows leave their cold parts once; later updates of them rewrite no cold part."""
    hot = {3: 3, 17: 3, 29: 3, 44: 3, 58: 3}
    publish_facts(tmp_path, facts(60))
    second = publish_facts(tmp_path, facts(60, changed=hot))
    third = publish_facts(tmp_path, facts(60, changed={number: 4 for number in hot}))
    cold = {part["file"] for part in facts_parts(second) if {run[0] for run in part["generations"]} == {1}}
    assert len(cold) >= 8
    assert cold <= {part["file"] for part in facts_parts(third)}
    second_files = {part["file"] for part in facts_parts(second)}
    rewritten = [part for part in facts_parts(third) if part["file"] not in second_files]
    assert rewritten and all(run[0] == 3 for part in rewritten for run in part["generations"])
    assert sum(part["rows"] for part in rewritten) == len(hot)


def test_hot_generations_get_small_parts_that_merge_when_they_cool(tmp_path: Path) -> None:
    layout = parts.Layout(hot_versions=1, hot_divisor=4)
    changed = {number: 3 for number in range(0, 60, 5)}
    first = publish_facts(tmp_path, facts(60), layout)
    second = publish_facts(tmp_path, facts(60, changed=changed), layout)
    third = publish_facts(tmp_path, facts(60, changed=changed), layout)

    def parts_of(version: publish.PublishedVersion, generation: int) -> list[dict]:
        return [part for part in facts_parts(version) if part["generations"][-1][0] == generation]

    assert len(parts_of(second, 2)) > len(parts_of(third, 2)) >= 1  # hot in v2, cooled in v3
    assert all(part["generations"][0][0] == 2 for part in parts_of(second, 2))  # its own parts while hot
    cold = {part["file"] for part in facts_parts(first)} & {part["file"] for part in facts_parts(second)}
    assert len(cold) >= len(facts_parts(first)) - len(changed)
    assert len(cold - {part["file"] for part in facts_parts(third)}) <= 1  # only the one before it merges
    assert publish.read_table(third, "facts")["n_articles"].tolist().count(3) == len(changed)


def test_a_first_version_is_never_hot() -> None:
    assert not parts.hot_rows(np.array([1, 1, 1, 1]), 1, 2).any()
    generations = np.array([1] * 12 + [2, 2])
    assert parts.hot_rows(generations, 2, 2).tolist() == [False] * 12 + [True, True]
    assert not parts.hot_rows(generations, 4, 2).any()


def test_a_row_read_back_from_its_part_has_the_fingerprint_it_was_written_with() -> None:
    for table, frame in valid_tables(3).items():
        arrow_table = publish.to_arrow(table, frame)
        written = pq.read_table(pa_buffer(part_store.parquet_bytes(arrow_table)))
        assert (
            part_generations.row_fingerprints(written).tolist()
            == part_generations.row_fingerprints(arrow_table).tolist()
        ), table
    frame = facts(3)
    changed = frame.assign(sources=[["A"], ["Outlet"], ["B"]])
    before, after = (
        dict(
            zip(
                arrow_table["fact_id"].to_pylist(),
                part_generations.row_fingerprints(arrow_table).tolist(),
                strict=True,
            )
        )
        for arrow_table in (publish.to_arrow("facts", frame), publish.to_arrow("facts", changed))
    )
    assert [before[fact_id] == after[fact_id] for fact_id in frame["fact_id"]] == [False, True, False]


def pa_buffer(data: bytes):
    import pyarrow as pa

    return pa.BufferReader(data)


def test_the_same_versions_give_the_same_parts_in_another_dataset(tmp_path: Path) -> None:
    """Byte-identical reruns: the layout depends on the versions' rows and their order, nothing else."""
    for dataset in (tmp_path / "one", tmp_path / "two"):
        publish_facts(dataset, facts(40))
        publish_facts(dataset, facts(41, changed={7: 5}))
    for number in (1, 2):
        one, two = (publish.resolve_version(tmp_path / name, number) for name in ("one", "two"))
        assert facts_parts(one) == facts_parts(two)
        files = [(one.path / "facts" / part["file"]).read_bytes() for part in facts_parts(one)]
        assert files == [(two.path / "facts" / part["file"]).read_bytes() for part in facts_parts(two)]
    again = publish_facts(tmp_path / "one", facts(41, changed={7: 5}))
    assert publish.read_manifest(again)["storage"]["new_parts"] == 0


def test_a_version_after_one_of_the_first_parts_layout_rewrites_once_then_shares(tmp_path: Path) -> None:
    first = publish_facts(tmp_path, facts(40), parts.FIRST_VERSION_LAYOUT)
    assert all("generations" not in part for part in facts_parts(first))
    second = publish_facts(tmp_path, facts(40, changed={1: 3}))
    assert set(generation_of(second).values()) == {2}  # nothing recorded to keep: every row is new
    third = publish_facts(tmp_path, facts(40, changed={1: 4}))
    assert publish.read_manifest(third)["storage"]["new_parts"] <= 2
    assert len(publish.read_table(first, "facts")) == len(publish.read_table(third, "facts")) == 40


def test_a_version_after_a_change_of_part_format_rewrites_once_and_keeps_generations(tmp_path: Path) -> None:
    earlier = parts.Layout(statistics=part_store.UNTEXT_STATISTICS, compression_level=None)
    first = publish_facts(tmp_path, facts(40), earlier)
    second = publish_facts(tmp_path, facts(40, changed={1: 3}))
    assert not {part["file"] for part in facts_parts(first)} & {part["file"] for part in facts_parts(second)}
    assert sorted(generation_of(second).values()) == [1] * 39 + [2]  # the rows keep their generations
    third = publish_facts(tmp_path, facts(40, changed={1: 4}))
    assert publish.read_manifest(third)["storage"]["new_parts"] <= 2


def test_a_crash_while_writing_leaves_the_parent_and_its_generations_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish_facts(tmp_path, facts(40))
    real_store = part_store.store_parts

    def crash_after_the_first_part(dataset: Path, table: str, contents: list[bytes]):
        real_store(dataset, table, contents[:1])
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(parts, "store_parts", crash_after_the_first_part)
    with pytest.raises(TransientError):
        publish_facts(tmp_path, facts(40, changed={1: 3}))
    monkeypatch.setattr(parts, "store_parts", real_store)
    assert [version.name for version in publish.version_dirs(tmp_path)] == ["v1"]
    second = publish_facts(tmp_path, facts(40, changed={1: 3}))
    shared = {part["file"] for part in facts_parts(first)} & {part["file"] for part in facts_parts(second)}
    assert len(shared) >= len(facts_parts(first)) - 1
    result = retention.collect_garbage(tmp_path, keep=1)
    assert result.removed == ["v1"]
    assert {name for table, name in part_store.stored_parts(tmp_path)} == {
        part["file"] for part in facts_parts(second)
    }
    assert parts_problems(second.path / "facts", facts_parts(second), full=True) == []
    assert publish.read_table(second, "facts")["n_articles"].tolist().count(3) == 1


def test_small_cold_generations_share_parts_within_a_block_never_with_a_large_one() -> None:
    generations = np.array([1] * 8 + [2, 2, 3, 9])
    cold = np.zeros(len(generations), dtype=bool)
    expected = [False] * 7 + [True] + [False, False, True, False]
    assert parts.generation_cuts(generations, cold, base_rows=4).tolist() == expected
    hot = generations == 3
    assert parts.generation_cuts(generations, hot, base_rows=4).tolist()[9] is True


def part_statistics(path: Path) -> dict[str, bool]:
    """Whether each column of a part's first row group has min/max statistics."""
    metadata = pq.ParquetFile(path).metadata.row_group(0)
    return {
        metadata.column(index).path_in_schema: metadata.column(index).is_stats_set
        for index in range(metadata.num_columns)
    }


def test_parts_keep_statistics_on_ids_kinds_and_dates_only(tmp_path: Path) -> None:
    """Min/max of statements, source lists and counts prune nothing and were part of every rewritten part."""
    import duckdb

    version = publish_facts(tmp_path, facts(40))
    files = [version.path / "facts" / part["file"] for part in facts_parts(version)]
    statistics = part_statistics(files[0])
    assert statistics["fact_id"] and statistics["story_id"] and statistics["first_published"]
    assert statistics["fact_type"] and statistics["status"] and statistics["event_date"]
    assert not statistics["statement"] and not statistics["sources.list.element"]
    assert not statistics["n_articles"] and not statistics["confidence"] and not statistics["speaker"]
    assert part_store.statistics_columns(publish.arrow_schema("facts")) == [
        "fact_id",
        "fact_type",
        "event_date",
        "first_published",
        "last_published",
        "story_id",
        "status",
    ]
    assert "n_articles" in part_store.statistics_columns(
        publish.arrow_schema("facts"), part_store.UNTEXT_STATISTICS
    )
    # Plain DuckDB still reads and filters the folder.
    wanted = stable_id("fact", 7)
    found = duckdb.sql(
        f"select count(*) from '{version.path / 'facts'}/*.parquet' where fact_id = '{wanted}'"
    )
    assert found.fetchall() == [(1,)]
    arrow_table = publish.to_arrow("facts", facts(40))
    with_statistics = part_store.parquet_bytes(arrow_table, part_store.ALL_STATISTICS)
    assert len(part_store.parquet_bytes(arrow_table)) < len(with_statistics)


def test_the_layout_decides_the_parts_format(tmp_path: Path) -> None:
    """A layout's statistics and zstd level reach the parts it writes; both read back the same rows."""
    earlier = parts.Layout(statistics=part_store.UNTEXT_STATISTICS, compression_level=None)
    first = publish_facts(tmp_path / "earlier", facts(40), earlier)
    second = publish_facts(tmp_path / "default", facts(40))
    first_files = sorted((first.path / "facts").iterdir())
    second_files = sorted((second.path / "facts").iterdir())
    assert part_statistics(first_files[0])["n_articles"]
    assert not part_statistics(second_files[0])["n_articles"]
    sizes = [sum(path.stat().st_size for path in files) for files in (first_files, second_files)]
    assert sizes[1] < sizes[0]
    pd.testing.assert_frame_equal(publish.read_table(first, "facts"), publish.read_table(second, "facts"))


def test_a_version_matched_against_the_kept_rows_has_the_parts_of_one_that_reads_its_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generations kept in the cache folder give the same parts as reading the parent's parts back,
    and the parent's parts are not read when they are kept."""
    histories = [facts(40), facts(40, {3: 3, 17: 4}), facts(38, {3: 3, 17: 5, 30: 6})]
    kept_run, read_run = tmp_path / "kept", tmp_path / "read"
    for frame in histories[:2]:
        publish_facts(kept_run, frame)
        publish_facts(read_run, frame)
    (read_run / ".cache" / part_generations.GENERATIONS_FILE).unlink()
    read_parents = []
    original = part_generations.known_generations
    monkeypatch.setattr(
        part_generations, "known_generations", lambda *args: read_parents.append(args) or original(*args)
    )
    from_kept = publish_facts(kept_run, histories[2])
    assert read_parents == []
    from_parts = publish_facts(read_run, histories[2])
    assert len(read_parents) == 1
    assert facts_parts(from_kept) == facts_parts(from_parts)
    assert facts_parts(from_kept) != facts_parts(publish.resolve_version(kept_run, 2))


def test_kept_rows_of_other_parts_or_another_hash_are_not_used(tmp_path: Path) -> None:
    publish_facts(tmp_path, facts(12))
    folder = tmp_path / ".cache"
    kept = part_generations.load_generations(folder)["facts"]
    parent = publish.resolve_version(tmp_path, 1)
    assert kept.parts_sha256 == part_generations.parts_digest(facts_parts(parent))
    assert kept.generations.tolist() == [1] * 12
    other = part_generations.KeptGenerations("0" * 64, kept.fingerprints, np.full(12, 7))
    arrow_table = publish.to_arrow("facts", facts(12))
    reread = part_generations.generations_of(
        "facts", arrow_table, 2, parent.path / "facts", facts_parts(parent), other
    )
    assert reread.tolist() == [1] * 12  # read from the parent's parts, not the record of other parts
    table = pq.read_table(folder / part_generations.GENERATIONS_FILE)
    pq.write_table(
        table.replace_schema_metadata({part_generations.SCHEME_KEY: b"another hash"}), folder / "x.parquet"
    )
    (folder / "x.parquet").replace(folder / part_generations.GENERATIONS_FILE)
    assert part_generations.load_generations(folder) == {}
