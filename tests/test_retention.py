"""Tags and garbage collection of versions, on hand-built versions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from factlake import catalog, dataset_files, publish
from factlake.cli import app
from factlake.errors import DatasetLockedError, RunError
from factlake.retention import collect_garbage, delete_tag, plan_collection, set_tag
from tests.factories import valid_tables


def publish_versions(dataset: Path, count: int) -> None:
    for index in range(count):
        with publish.writer_lock(dataset):
            publish.write_version(dataset, valid_tables(2 + index), {"note": f"test {index}"})
            catalog.refresh_catalog(dataset)


def version_names(dataset: Path) -> list[str]:
    return [version.name for version in publish.version_dirs(dataset)]


def catalog_schemas(dataset: Path) -> set[str]:
    connection = duckdb.connect(str(dataset / catalog.CATALOG_FILE), read_only=True)
    try:
        rows = connection.execute("SELECT schema_name FROM information_schema.schemata").fetchall()
    finally:
        connection.close()
    return {row[0] for row in rows if row[0].startswith("v")}


def test_gc_keeps_the_newest_versions_and_follows_with_the_catalog(tmp_path: Path) -> None:
    publish_versions(tmp_path, 4)
    result = collect_garbage(tmp_path, keep=2)
    assert result.removed == ["v1", "v2"]
    assert result.kept == ["v3", "v4"]
    assert version_names(tmp_path) == ["v3", "v4"]
    assert catalog_schemas(tmp_path) == {"v3", "v4"}
    assert not [
        entry.name for entry in tmp_path.iterdir() if entry.name.startswith(dataset_files.TEMP_PREFIX)
    ]
    assert os.readlink(tmp_path / "latest") == "v4"


def test_gc_never_removes_latest_or_tagged_versions(tmp_path: Path) -> None:
    publish_versions(tmp_path, 4)
    set_tag(tmp_path, "release", "v1")
    publish.switch_latest(tmp_path, "v2")
    result = collect_garbage(tmp_path, keep=0)
    assert result.removed == ["v3", "v4"]
    assert result.protected == {"v1": ["tag release"], "v2": ["latest"]}
    assert version_names(tmp_path) == ["v1", "v2"]


def test_version_numbers_are_not_reused_after_gc(tmp_path: Path) -> None:
    publish_versions(tmp_path, 3)
    publish.switch_latest(tmp_path, "v1")
    collect_garbage(tmp_path, keep=0)
    assert version_names(tmp_path) == ["v1"]
    publish_versions(tmp_path, 1)
    assert version_names(tmp_path) == ["v1", "v4"]
    manifest = json.loads((tmp_path / "v4" / "manifest.json").read_text())
    assert manifest["parent"] == 1


def test_dry_run_removes_nothing(tmp_path: Path) -> None:
    publish_versions(tmp_path, 3)
    result = collect_garbage(tmp_path, keep=1, dry_run=True)
    assert result.removed == ["v1", "v2"]
    assert version_names(tmp_path) == ["v1", "v2", "v3"]


def test_gc_waits_for_nobody_while_a_run_holds_the_lock(tmp_path: Path) -> None:
    publish_versions(tmp_path, 2)
    with publish.writer_lock(tmp_path), pytest.raises(DatasetLockedError, match="another factlake run"):
        collect_garbage(tmp_path, keep=1)
    assert version_names(tmp_path) == ["v1", "v2"]


def test_gc_of_an_interrupted_removal_leaves_only_leftovers(tmp_path: Path) -> None:
    publish_versions(tmp_path, 2)
    # what a crash between the rename and the delete leaves behind
    os.rename(tmp_path / "v1", tmp_path / f"{dataset_files.TEMP_PREFIX}gc-v1-1")
    assert version_names(tmp_path) == ["v2"]
    collect_garbage(tmp_path, keep=5)
    assert not [
        entry.name for entry in tmp_path.iterdir() if entry.name.startswith(dataset_files.TEMP_PREFIX)
    ]
    assert version_names(tmp_path) == ["v2"]


def test_bad_keep_and_missing_dataset_are_errors(tmp_path: Path) -> None:
    publish_versions(tmp_path, 1)
    with pytest.raises(RunError, match="--keep"):
        plan_collection(tmp_path, keep=-1)
    with pytest.raises(RunError, match="does not exist"):
        collect_garbage(tmp_path / "missing", keep=1)


def test_tags_name_versions_and_resolve(tmp_path: Path) -> None:
    publish_versions(tmp_path, 2)
    assert set_tag(tmp_path, "first", "1").name == "v1"
    assert set_tag(tmp_path, "newest").name == "v2"
    assert set_tag(tmp_path, "again", "first").name == "v1"
    assert json.loads((tmp_path / "tags.json").read_text()) == {"again": 1, "first": 1, "newest": 2}
    assert publish.resolve_version(tmp_path, "first").name == "v1"
    assert delete_tag(tmp_path, "first") == 1
    assert publish.read_tags(tmp_path) == {"again": 1, "newest": 2}


@pytest.mark.parametrize("name", ["latest", "v3", "3", "-x", "a b", ""])
def test_tag_names_that_would_shadow_versions_are_refused(tmp_path: Path, name: str) -> None:
    publish_versions(tmp_path, 1)
    with pytest.raises(RunError, match="bad tag name"):
        set_tag(tmp_path, name)


def test_tagging_a_missing_version_or_deleting_a_missing_tag_fails(tmp_path: Path) -> None:
    publish_versions(tmp_path, 1)
    with pytest.raises(RunError, match="no version"):
        set_tag(tmp_path, "nope", "v9")
    with pytest.raises(RunError, match="no tag"):
        delete_tag(tmp_path, "nope")
    assert not (tmp_path / "tags.json").exists()


def test_tag_and_gc_commands(tmp_path: Path) -> None:
    publish_versions(tmp_path, 3)
    runner = CliRunner()
    tagged = runner.invoke(app, ["tag", "keepme", "v1", "--dataset", str(tmp_path)])
    assert tagged.exit_code == 0, tagged.output
    assert "tagged v1 as keepme" in tagged.output
    collected = runner.invoke(app, ["gc", "--keep", "1", "--dataset", str(tmp_path)])
    assert collected.exit_code == 0, collected.output
    assert "removed: v2" in collected.output
    assert "v1 (tag keepme)" in collected.output
    assert version_names(tmp_path) == ["v1", "v3"]
    deleted = runner.invoke(app, ["tag", "keepme", "--delete", "--dataset", str(tmp_path)])
    assert deleted.exit_code == 0 and "deleted tag keepme (was v1)" in deleted.output
    missing = runner.invoke(app, ["tag", "keepme", "--delete", "--dataset", str(tmp_path)])
    assert missing.exit_code == 1
