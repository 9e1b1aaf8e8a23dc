"""Versioned publishing, the DuckDB catalog and version diffs, on hand-built tables."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from factlake import catalog, publish
from factlake.diff import diff_versions
from factlake.errors import DatasetLockedError, RunError
from tests.factories import valid_tables


def publish_once(dataset: Path, n_articles: int = 2) -> publish.PublishedVersion:
    with publish.writer_lock(dataset):
        version = publish.write_version(dataset, valid_tables(n_articles), {"note": "test"})
        catalog.refresh_catalog(dataset)
    return version


def test_version_layout_and_manifest(tmp_path: Path) -> None:
    version = publish_once(tmp_path)
    assert version.name == "v1"
    assert os.readlink(tmp_path / "latest") == "v1"
    manifest = json.loads((tmp_path / "v1" / "manifest.json").read_text())
    assert manifest["version"] == 1 and manifest["parent"] is None
    assert manifest["tables"]["mentions"]["rows"] == 2
    for table in ("articles", "mentions", "facts", "entities", "conflicts", "rejects"):
        (path,) = publish.table_files(version, table)
        assert path.parent == tmp_path / "v1" / table
        assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"


def test_arrow_types_follow_the_contract(tmp_path: Path) -> None:
    version = publish_once(tmp_path)
    schema = publish.table_schema(version, "facts")
    assert schema.field("sources").type.value_type == "string"
    assert str(schema.field("first_published").type) == "date32[day]"
    assert not schema.field("fact_id").nullable
    stored = duckdb.connect(str(tmp_path / "catalog.duckdb"), read_only=True)
    comments = dict(
        stored.execute(
            "SELECT column_name, comment FROM duckdb_columns() "
            "WHERE schema_name = 'v1' AND table_name = 'facts'"
        ).fetchall()
    )
    assert (
        comments["fact_id"]
        == publish.arrow_schema("facts").field("fact_id").metadata[b"description"].decode()
    )


def test_new_version_leaves_old_one_byte_identical(tmp_path: Path) -> None:
    publish_once(tmp_path)
    before = {str(path): path.read_bytes() for path in (tmp_path / "v1").rglob("*") if path.is_file()}
    publish_once(tmp_path, n_articles=3)
    after = {str(path): path.read_bytes() for path in (tmp_path / "v1").rglob("*") if path.is_file()}
    assert before == after
    assert os.readlink(tmp_path / "latest") == "v2"
    assert json.loads((tmp_path / "v2" / "manifest.json").read_text())["parent"] == 1


def test_same_tables_give_same_parquet_bytes(tmp_path: Path) -> None:
    one, two = publish_once(tmp_path / "one"), publish_once(tmp_path / "two")
    for table in ("articles", "mentions", "facts", "stories", "rejects"):
        first = [path.read_bytes() for path in publish.table_files(one, table)]
        assert first == [path.read_bytes() for path in publish.table_files(two, table)]
    assert publish.read_manifest(one)["tables"] == publish.read_manifest(two)["tables"]


@pytest.mark.slow
def test_catalog_uses_relative_paths_and_survives_a_copy(tmp_path: Path) -> None:
    publish_once(tmp_path / "data")
    publish_once(tmp_path / "data", n_articles=3)
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(tmp_path / "data", moved, symlinks=True)
    shutil.rmtree(tmp_path / "data")
    script = (
        "import duckdb; c = duckdb.connect('catalog.duckdb', read_only=True);"
        "print(c.execute('select count(*) from articles').fetchone()[0],"
        " c.execute('select count(*) from v1.articles').fetchone()[0])"
    )
    command = [sys.executable, "-c", script]
    result = subprocess.run(command, cwd=moved, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["3", "2"]


def test_connect_reads_latest_and_versions(tmp_path: Path) -> None:
    publish_once(tmp_path)
    publish_once(tmp_path, n_articles=3)
    connection = catalog.connect(tmp_path)
    assert connection.execute("select count(*) from articles").fetchone()[0] == 3
    assert connection.execute("select count(*) from v1.mentions").fetchone()[0] == 2
    assert connection.execute("select n_articles from facts").fetchone()[0] == 3
    pinned = catalog.connect(tmp_path, "v1")
    assert pinned.execute("select count(*) from articles").fetchone()[0] == 2


def test_duckdb_reads_latest_parquet_directly(tmp_path: Path) -> None:
    publish_once(tmp_path)
    count = duckdb.sql(f"select count(*) from '{tmp_path}/latest/facts/*.parquet'").fetchall()[0][0]
    assert count == 1


def test_diff_reports_facts_that_gained_sources(tmp_path: Path) -> None:
    first = publish_once(tmp_path)
    second = publish_once(tmp_path, n_articles=3)
    result = diff_versions(first, second)
    changed = result.changed["facts"]
    assert len(changed) == 1 and "gained articles: 2 → 3" in changed.iloc[0]["change"]
    assert len(result.added["articles"]) == 1 and len(result.removed["articles"]) == 0


def test_second_writer_is_refused(tmp_path: Path) -> None:
    with (
        publish.writer_lock(tmp_path),
        pytest.raises(DatasetLockedError, match="another factlake run"),
        publish.writer_lock(tmp_path),
    ):
        pass


def test_leftovers_of_a_crashed_run_are_cleaned_and_never_listed(tmp_path: Path) -> None:
    publish_once(tmp_path)
    partial = tmp_path / ".tmp-v2-999"
    partial.mkdir()
    (partial / "articles.parquet").write_bytes(b"half")
    assert [version.name for version in publish.version_dirs(tmp_path)] == ["v1"]
    with publish.writer_lock(tmp_path):
        assert publish.clean_leftovers(tmp_path) == [".tmp-v2-999"]
    assert not partial.exists()


def test_version_numbers_are_never_reused(tmp_path: Path) -> None:
    publish_once(tmp_path)
    publish_once(tmp_path)
    shutil.rmtree(tmp_path / "v1")
    assert publish_once(tmp_path).name == "v3"


def test_corrupt_latest_gives_a_clear_error(tmp_path: Path) -> None:
    publish_once(tmp_path)
    (tmp_path / "v1" / "manifest.json").unlink()
    with pytest.raises(RunError, match="corrupt"):
        publish.latest_version(tmp_path)


def test_resolve_version_by_number_name_and_tag(tmp_path: Path) -> None:
    publish_once(tmp_path)
    publish_once(tmp_path)
    (tmp_path / "tags.json").write_text(json.dumps({"baseline": 1}))
    assert publish.resolve_version(tmp_path, 1).name == "v1"
    assert publish.resolve_version(tmp_path, "v2").name == "v2"
    assert publish.resolve_version(tmp_path, "baseline").name == "v1"
    assert publish.resolve_version(tmp_path, None).name == "v2"
    with pytest.raises(RunError, match="no version"):
        publish.resolve_version(tmp_path, 7)
