"""A diff reads only the parts two versions do not share, and finds what reading every row finds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from factlake import diff, parts, publish
from tests.factories import valid_tables
from tests.test_storage_generations import facts


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "PART_ROWS", {"facts": 4, "mentions": 4, "articles": 4})


def tables(n_facts: int, changed: dict[int, int], n_articles: int) -> dict[str, pd.DataFrame]:
    found = valid_tables(12)
    found["facts"] = facts(n_facts, changed)
    found["articles"] = found["articles"].iloc[:n_articles].reset_index(drop=True)
    return found


def frames(found: diff.VersionDiff) -> dict[str, pd.DataFrame]:
    return {
        f"{kind}.{table}": frame.reset_index(drop=True)
        for kind, by_table in (("added", found.added), ("removed", found.removed), ("changed", found.changed))
        for table, frame in by_table.items()
    }


def assert_same(mine: diff.VersionDiff, theirs: diff.VersionDiff) -> None:
    ours, full = frames(mine), frames(theirs)
    assert ours.keys() == full.keys()
    for name, frame in full.items():
        pd.testing.assert_frame_equal(ours[name], frame, check_dtype=False, obj=name)


def test_a_diff_without_the_shared_parts_is_the_diff_of_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    diffs: dict[str, diff.VersionDiff] = {}

    def render(version: publish.PublishedVersion, parent: publish.PublishedVersion | None) -> str:
        if parent is not None:  # the version being written: its rows read from memory
            diffs["written"] = diff.diff_versions(parent, version)
        return "<html></html>"

    with publish.writer_lock(tmp_path):
        first = publish.write_version(tmp_path, tables(60, {}, 12), {}, render_report=render)
        second = publish.write_version(tmp_path, tables(61, {5: 3, 40: 3}, 11), {}, render_report=render)
    assert publish.shared_parts(first, second, "facts"), "the versions share parts"
    mine = diff.diff_versions(first, second)
    assert len(mine.added["facts"]) == 1 and len(mine.changed["facts"]) == 2
    assert len(mine.removed["articles"]) == 1
    monkeypatch.setattr(diff, "shared_parts", lambda old, new, table: frozenset())
    full = diff.diff_versions(first, second)
    assert_same(mine, full)
    assert_same(diffs["written"], full)


def test_reading_a_table_without_every_part_gives_its_columns_and_no_rows(tmp_path: Path) -> None:
    with publish.writer_lock(tmp_path):
        version = publish.write_version(tmp_path, tables(60, {}, 12), {})
    every_part = publish.shared_parts(version, version, "facts")
    empty = publish.read_table(version, "facts", ["fact_id", "n_articles"], every_part)
    assert list(empty.columns) == ["fact_id", "n_articles"] and empty.empty
    assert len(publish.read_table(version, "facts", ["fact_id"], frozenset())) == 60
