"""``factlake sql`` only reads: no statement writes a file, changes a setting or reads outside the dataset."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from factlake import catalog, publish
from factlake.cli import app
from tests.factories import valid_tables


def publish_once(dataset: Path, n_articles: int = 2) -> publish.PublishedVersion:
    with publish.writer_lock(dataset):
        version = publish.write_version(dataset, valid_tables(n_articles), {"note": "test"})
        catalog.refresh_catalog(dataset)
    return version


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links as their target text) → its bytes."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            files[str(path.relative_to(folder))] = str(path.readlink()).encode()
        elif path.is_file():
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


def factlake_sql(dataset: Path, *arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["sql", *arguments, "--dataset", str(dataset)])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    publish_once(folder)
    publish_once(folder, n_articles=3)
    return folder


def first_part(dataset: Path, table: str) -> Path:
    """The first Parquet part of ``table`` in v1."""
    return publish.table_files(publish.resolve_version(dataset, 1), table)[0]


def hostile_statements(dataset: Path, outside: Path) -> list[str]:
    v1_articles = first_part(dataset, "articles")
    return [
        f"COPY (SELECT 1) TO '{v1_articles}' (FORMAT parquet)",
        f"COPY (SELECT 1) TO '{v1_articles}' (FORMAT parquet, USE_TMP_FILE false)",
        "COPY (SELECT 1) TO 'v1/articles.parquet' (FORMAT parquet)",
        f"COPY (SELECT 1 AS x) TO '{outside}'",
        f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{v1_articles}' (FORMAT parquet, USE_TMP_FILE false)",
        f"SELECT 1; COPY (SELECT 1) TO '{outside}'",
        f"ATTACH '{dataset / 'catalog.duckdb'}' AS c; CREATE TABLE c.planted AS SELECT 1 AS x",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_text('/proc/self/environ')",
        f"SELECT * FROM read_text('{dataset / 'planted'}')",
        "SELECT * FROM glob('/etc/*')",
        "INSTALL httpfs",
        "LOAD httpfs",
        f"EXPORT DATABASE '{outside.parent / 'export'}'",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "CREATE TABLE t AS SELECT 1 AS x",
        "CALL pragma_version()",
    ]


def test_hostile_statements_are_refused_and_change_nothing(dataset: Path, tmp_path: Path) -> None:
    (dataset / "planted").symlink_to("/etc/passwd")
    outside = tmp_path / "elsewhere" / "out.csv"
    outside.parent.mkdir()
    before = snapshot(dataset)
    for statement in hostile_statements(dataset, outside):
        code, stdout, stderr = factlake_sql(dataset, statement)
        assert code == 1, (statement, stdout, stderr)
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (statement, stderr)
        assert "root:" not in stdout + stderr
        assert snapshot(dataset) == before, statement
        assert list(outside.parent.iterdir()) == [], statement
    assert pq.read_metadata(first_part(dataset, "articles")).num_rows == 2
    assert_queries_still_run(dataset)


def assert_queries_still_run(dataset: Path) -> None:
    code, stdout, _ = factlake_sql(dataset, "SELECT count(*) AS n FROM articles", "--format", "json")
    assert code == 0 and json.loads(stdout) == {"n": 3}
    for statement in (
        "DESCRIBE facts",
        "SHOW TABLES",
        "SUMMARIZE articles",
        "WITH x AS (SELECT * FROM v1.facts) SELECT count(*) FROM x",
        "FROM mentions",
    ):
        code, stdout, stderr = factlake_sql(dataset, statement, "--format", "csv")
        assert code == 0, (statement, stderr)
        assert stdout.strip(), statement


def test_the_connection_itself_cannot_write_or_read_outside(dataset: Path, tmp_path: Path) -> None:
    """The sandbox holds even for a statement the command line would have refused."""
    target = first_part(dataset, "articles")
    before = target.read_bytes()
    connection = catalog.connect(dataset)
    for statement in (
        f"COPY (SELECT 1) TO '{target}' (FORMAT parquet, USE_TMP_FILE false)",
        f"COPY (SELECT 1) TO '{tmp_path / 'x.csv'}'",
        "SELECT * FROM read_text('/etc/passwd')",
        f"SELECT * FROM read_text('{dataset / 'tags.json'}')",
        "SET enable_external_access = true",
        "SET allowed_directories = ['/']",
    ):
        with pytest.raises(duckdb.Error):
            connection.execute(statement).fetchall()
    assert target.read_bytes() == before
    assert not (tmp_path / "x.csv").exists()
    assert connection.execute("SELECT count(*) FROM v1.articles").fetchone() == (2,)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_output_writes_the_results_where_asked(dataset: Path, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"facts{suffix}"
    code, _, stderr = factlake_sql(
        dataset, "SELECT source_uri FROM articles ORDER BY source_uri", "--output", str(target)
    )
    assert code == 0, stderr
    if suffix == ".parquet":
        uris = pq.read_table(target).column("source_uri").to_pylist()
    elif suffix == ".json":
        uris = [json.loads(line)["source_uri"] for line in target.read_text().splitlines()]
    else:
        uris = target.read_text().splitlines()[1:]
    assert uris == ["a0.txt", "a1.txt", "a2.txt"]
    assert "wrote 3 rows" in stderr


def test_output_inside_the_dataset_is_refused(dataset: Path) -> None:
    before = snapshot(dataset)
    code, _, stderr = factlake_sql(
        dataset, "SELECT 1 AS x", "--output", str(dataset / "v1" / "articles.parquet")
    )
    assert code == 1 and "inside the dataset" in stderr
    assert snapshot(dataset) == before


def test_missing_latest_falls_back_to_the_newest_complete_version(dataset: Path) -> None:
    (dataset / "latest").unlink()
    code, stdout, stderr = factlake_sql(dataset, "SELECT count(*) AS n FROM articles", "--format", "json")
    assert code == 0, stderr
    assert json.loads(stdout) == {"n": 3}
    assert "'latest' is missing" in stderr and "v2" in stderr
