"""A damaged, planted or half-refreshed dataset: never a blocked run, a followed link or a traceback."""

from __future__ import annotations

import errno
import json
import logging
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factlake import catalog, publish, retention
from factlake.cli import app
from factlake.errors import RunError
from tests.factories import valid_tables


def publish_once(dataset: Path, n_articles: int = 2) -> publish.PublishedVersion:
    with publish.writer_lock(dataset):
        version = publish.write_version(dataset, valid_tables(n_articles), {"note": "test"})
        catalog.refresh_catalog(dataset)
    return version


def factlake(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def one_error_line(stderr: str, *words: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for word in words:
        assert word in lines[0], stderr
    return lines[0]


def part_of(dataset: Path, number: int, table: str) -> Path:
    """The first Parquet part of ``table`` in version ``number``."""
    return publish.table_files(publish.resolve_version(dataset, number), table)[0]


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    publish_once(folder)
    publish_once(folder, n_articles=3)
    return folder


def test_verify_finds_a_changed_byte_and_versions_a_truncated_table(dataset: Path) -> None:
    from factlake.integrity import version_problems

    code, stdout, _ = factlake("verify", "--dataset", str(dataset))
    assert code == 0 and stdout.split() == ["v1:", "ok", "v2:", "ok"]
    facts = part_of(dataset, 1, "facts")
    data = bytearray(facts.read_bytes())
    data[8] ^= 0xFF  # inside the first column chunk: same size, readable footer; only the checksum tells
    facts.write_bytes(bytes(data))
    assert version_problems(publish.resolve_version(dataset, 1)) == []
    code, stdout, stderr = factlake("verify", "--dataset", str(dataset))
    assert code == 1, stdout
    assert f"v1: v1/facts/{facts.name[:12]}….parquet does not have the SHA-256 of its manifest" in stdout
    assert "v2: ok" in stdout
    one_error_line(stderr, "1 of 2 versions damaged", "v1")
    assert factlake("verify", "2", "--dataset", str(dataset))[0] == 0

    truncate(part_of(dataset, 1, "articles"))
    code, stdout, _ = factlake("versions", "--dataset", str(dataset))
    assert code == 0
    (v1_row,) = [line for line in stdout.splitlines() if "v1" in line]
    (v2_row,) = [line for line in stdout.splitlines() if "v2" in line]
    assert "DAMAGED" in v1_row and "v1/articles/" in v1_row
    assert "DAMAGED" not in v2_row and "ok" in v2_row


def test_a_rewritten_table_with_other_rows_is_damaged(dataset: Path) -> None:
    """What a `COPY … TO` over a part left behind: a valid Parquet file with the wrong rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from factlake.integrity import version_problems

    pq.write_table(pa.table({"x": [1]}), part_of(dataset, 1, "articles"))
    version = publish.resolve_version(dataset, 1)
    assert any("bytes, the manifest says" in problem for problem in version_problems(version))
    assert any(
        "has 1 rows, the manifest says 2" in problem for problem in version_problems(version, full=True)
    )


def test_a_file_added_to_a_table_folder_is_damage(dataset: Path) -> None:
    """Analysts read a table's folder whole, so a file its manifest does not list changes the table."""
    import shutil

    from factlake.integrity import version_problems

    shutil.copy(part_of(dataset, 2, "articles"), dataset / "v1" / "articles" / "extra.parquet")
    problems = version_problems(publish.resolve_version(dataset, 1))
    assert problems == ["v1/articles holds 1 file(s) its manifest does not list, e.g. extra.parquet"]
    assert version_problems(publish.resolve_version(dataset, 2)) == []


def test_a_damaged_old_version_blocks_neither_the_catalog_nor_queries(
    dataset: Path, caplog: pytest.LogCaptureFixture
) -> None:
    truncate(part_of(dataset, 1, "facts"))
    with caplog.at_level(logging.WARNING, logger="factlake"):
        refreshed = catalog.refresh_catalog(dataset)
    assert refreshed.path == dataset / "catalog.duckdb" and refreshed.error is None
    assert set(refreshed.skipped) == {"v1"}
    assert "left out damaged version v1" in caplog.text
    assert [entry.name for entry in dataset.iterdir() if entry.name.startswith(".tmp-")] == []

    import duckdb

    stored = duckdb.connect(str(dataset / "catalog.duckdb"), read_only=True)
    stored.execute(f"SET file_search_path = '{dataset}'")
    assert stored.execute("SELECT count(*) FROM articles").fetchone() == (3,)
    assert stored.execute("SELECT count(*) FROM v2.articles").fetchone() == (3,)
    stored.close()

    code, stdout, stderr = factlake(
        "sql", "SELECT count(*) AS n FROM articles", "--format", "json", "-d", str(dataset)
    )
    assert code == 0, stderr
    assert json.loads(stdout) == {"n": 3}
    assert "left out damaged version v1" in stderr

    code, _, stderr = factlake("sql", "SELECT 1", "--version", "1", "-d", str(dataset))
    assert code == 1
    one_error_line(stderr, "v1 is damaged")


def test_a_version_duckdb_cannot_read_leaves_nothing_of_it_in_the_catalog(dataset: Path) -> None:
    """A part of the recorded size but garbage bytes passes the quick check; DuckDB refuses its views,
    and the version's schema is rolled back whole while the other versions stay."""
    for table in catalog.version_tables(publish.resolve_version(dataset, 1)):
        path = part_of(dataset, 1, table)
        size = path.stat().st_size
        path.unlink()  # a new file: the part stays whole in the store and in v2
        path.write_bytes(b"\0" * size)
    refreshed = catalog.refresh_catalog(dataset)
    assert set(refreshed.skipped) == {"v1"} and refreshed.error is None
    import duckdb

    stored = duckdb.connect(str(dataset / "catalog.duckdb"), read_only=True)
    schemas = {row[0] for row in stored.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
    views = stored.execute("SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    stored.close()
    assert "v1" not in schemas and "v2" in schemas
    assert {schema for schema, _ in views} == {"main", "v2"}


def test_publishing_after_a_damaged_old_version_succeeds(dataset: Path) -> None:
    from factlake.flow import publish_task

    truncate(part_of(dataset, 1, "facts"))
    number = publish_task.fn(dataset, valid_tables(4), {"note": "test"})
    assert number == 3 and os.readlink(dataset / "latest") == "v3"
    assert [entry.name for entry in dataset.iterdir() if entry.name.startswith(".tmp-")] == []


def test_a_failed_catalog_refresh_after_publishing_is_a_warning(
    dataset: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The disk fills while the catalog is replaced: the version is published, the run goes on."""
    from factlake.flow import publish_task

    real_replace = os.replace

    def disk_full_for_the_catalog(source: str | Path, target: str | Path) -> None:
        if Path(target).name == catalog.CATALOG_FILE:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real_replace(source, target)

    before = (dataset / "catalog.duckdb").read_bytes()
    monkeypatch.setattr(os, "replace", disk_full_for_the_catalog)
    with caplog.at_level(logging.WARNING, logger="factlake"):
        number = publish_task.fn(dataset, valid_tables(4), {"note": "test"})
    assert number == 3 and os.readlink(dataset / "latest") == "v3"
    assert "catalog.duckdb was not refreshed" in caplog.text and "No space left" in caplog.text
    assert (dataset / "catalog.duckdb").read_bytes() == before
    assert [entry.name for entry in dataset.iterdir() if entry.name.startswith(".tmp-")] == []


def test_an_unreplaceable_catalog_leaves_no_temporary_files(dataset: Path) -> None:
    """A real failure: the catalog's place is taken by a folder, so the rename fails."""
    (dataset / "catalog.duckdb").unlink()
    (dataset / "catalog.duckdb").mkdir()
    (dataset / "catalog.duckdb" / "keep").write_text("x")
    refreshed = catalog.refresh_catalog(dataset)
    assert refreshed.path is None and refreshed.error
    assert [entry.name for entry in dataset.iterdir() if entry.name.startswith(".tmp-")] == []


def test_stale_temporary_catalogs_of_dead_processes_are_removed(dataset: Path) -> None:
    dead = dataset / ".tmp-catalog-999999999.duckdb"
    dead.write_bytes(b"half")
    Path(f"{dead}.wal").write_bytes(b"half")
    catalog.refresh_catalog(dataset)
    assert not dead.exists() and not Path(f"{dead}.wal").exists()


@pytest.mark.parametrize("name", [".lock", ".tags.lock"])
def test_a_planted_lock_link_is_refused_and_its_target_untouched(
    dataset: Path, tmp_path: Path, name: str
) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("precious\n")
    (dataset / name).unlink(missing_ok=True)
    (dataset / name).symlink_to(target)
    code, _, stderr = factlake("gc", "--keep", "1", "--dataset", str(dataset))
    assert code == 1
    one_error_line(stderr, name, "symbolic link", "delete it")
    lock = publish.writer_lock(dataset) if name == ".lock" else retention.tags_lock(dataset)
    with pytest.raises(RunError, match="symbolic link"), lock:
        pass
    assert target.read_text() == "precious\n"
    assert sorted(version.name for version in publish.version_dirs(dataset)) == ["v1", "v2"]


def test_a_planted_history_link_is_never_written_through(dataset: Path, tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("precious\n")
    (dataset / ".history").unlink()
    (dataset / ".history").symlink_to(target)
    with pytest.raises(RunError, match=r"\.history is a symbolic link"):
        publish_once(dataset)
    assert target.read_text() == "precious\n"
    assert os.readlink(dataset / "latest") == "v2"


def test_history_is_replaced_not_written_in_place(dataset: Path) -> None:
    inode = (dataset / ".history").stat().st_ino
    publish_once(dataset)
    assert (dataset / ".history").read_text() == "3\n"
    assert (dataset / ".history").stat().st_ino != inode


def test_corrupt_tags_and_history_are_one_line_with_a_way_out(dataset: Path) -> None:
    (dataset / "tags.json").write_text("{not json")
    for command in (
        ["versions"],
        ["tag", "keep"],
        ["gc", "--keep", "1"],
        ["sql", "SELECT 1", "--version", "x"],
    ):
        code, _, stderr = factlake(*command, "--dataset", str(dataset))
        assert code == 1, command
        one_error_line(stderr, "tags.json is not valid JSON", "fix or delete it")
    (dataset / "tags.json").write_text('["v1"]')
    one_error_line(factlake("versions", "--dataset", str(dataset))[2], "tags.json must map tag names")
    (dataset / "tags.json").unlink()

    (dataset / ".history").write_text("garbage\n")
    with pytest.raises(RunError, match="fix it or delete it"):
        publish.check_dataset_ready(dataset)
    with pytest.raises(RunError, match="fix it or delete it"):
        publish_once(dataset)


def test_diff_on_a_corrupt_table_is_one_line(dataset: Path) -> None:
    truncate(part_of(dataset, 1, "facts"))
    code, _, stderr = factlake("diff", "1", "2", "--dataset", str(dataset))
    assert code == 1
    one_error_line(stderr, "v1/facts cannot be read", "verify")


def test_missing_latest_is_reported_by_versions(dataset: Path) -> None:
    (dataset / "latest").unlink()
    code, stdout, stderr = factlake("versions", "--dataset", str(dataset))
    assert code == 0 and "v2" in stdout
    assert "'latest' is missing" in stderr
