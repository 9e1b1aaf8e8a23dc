"""Publishing without encoding unchanged parts again: a part the parent has with the same rows and
generations, written by the same code, is linked from the store (factlake.part_generations.reusable_parts)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from factlake import part_generations, part_store, parts, publish
from factlake.cache import CACHE_DIR
from tests.test_storage_generations import facts, facts_parts

CODE = "c" * 64


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "PART_ROWS", {"facts": 4, "mentions": 4, "articles": 4})


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows of every part encoded (by ``part_store.parquet_bytes``) from now on."""
    calls: list[int] = []
    original = part_store.parquet_bytes

    def counting(arrow_table, *args, **kwargs):
        calls.append(arrow_table.num_rows)
        return original(arrow_table, *args, **kwargs)

    monkeypatch.setattr(parts, "parquet_bytes", counting)
    return calls


def publish_coded(dataset: Path, frame: pd.DataFrame, code: str | None = CODE) -> publish.PublishedVersion:
    manifest = {"code_version": {"code_sha256": code}} if code else {"note": "no code"}
    with publish.writer_lock(dataset):
        return publish.write_version(dataset, {"facts": frame}, manifest)


def versions(dataset: Path, code: str | None = CODE) -> list[publish.PublishedVersion]:
    """Three versions: 60 facts, two of them changed and one added, then one more changed."""
    return [
        publish_coded(dataset, facts(60), code),
        publish_coded(dataset, facts(61, changed={5: 3, 40: 3}), code),
        publish_coded(dataset, facts(61, changed={5: 3, 40: 3, 22: 5}), code),
    ]


def test_a_version_encodes_only_the_parts_its_changed_rows_are_in(tmp_path: Path, encoded: list[int]) -> None:
    first = publish_coded(tmp_path, facts(60))
    assert len(encoded) == len(facts_parts(first))
    encoded.clear()
    second = publish_coded(tmp_path, facts(61, changed={5: 3, 40: 3}))
    assert 0 < len(encoded) <= len(facts_parts(second)) // 3
    assert sum(encoded) < 61 // 3
    back = publish.read_table(second, "facts").set_index("fact_id")
    assert back.loc[facts(61).fact_id[5], "n_articles"] == 3 and len(back) == 61


def test_reused_parts_are_those_every_part_encoded_again_gives(tmp_path: Path, encoded: list[int]) -> None:
    reused = versions(tmp_path / "reused")
    n_reusing = len(encoded)
    encoded.clear()
    full = versions(tmp_path / "full", code=None)
    assert len(encoded) == sum(len(facts_parts(version)) for version in full) > n_reusing
    for mine, theirs in zip(reused, full, strict=True):
        assert publish.read_manifest(mine)["tables"] == publish.read_manifest(theirs)["tables"]
        assert sorted(path.name for path in (mine.path / "facts").iterdir()) == sorted(
            path.name for path in (theirs.path / "facts").iterdir()
        )


def test_a_record_without_encoding_or_of_other_code_encodes_every_part(
    tmp_path: Path, encoded: list[int]
) -> None:
    """State kept by earlier code (no encoding identity) or other code is not trusted for reuse."""
    dataset = tmp_path / "ds"
    first = publish_coded(dataset, facts(60))
    kept = part_generations.load_generations(dataset / CACHE_DIR)
    assert kept["facts"].encoding
    part_generations.save_generations(
        dataset / CACHE_DIR, {"facts": dataclasses.replace(kept["facts"], encoding="")}
    )
    encoded.clear()
    second = publish_coded(dataset, facts(61, changed={5: 3}))
    assert len(encoded) == len(facts_parts(second))
    encoded.clear()
    third = publish_coded(dataset, facts(61, changed={5: 3, 40: 3}), code="d" * 64)
    assert len(encoded) == len(facts_parts(third))
    assert {part["file"] for part in facts_parts(first)} & {part["file"] for part in facts_parts(third)}


def test_a_reusable_part_lost_from_the_store_is_encoded_and_stored_again(
    tmp_path: Path, encoded: list[int]
) -> None:
    other = tmp_path / "other"
    shared = {part["file"] for part in facts_parts(publish_coded(other, facts(60)))}
    shared &= {part["file"] for part in facts_parts(publish_coded(other, facts(61, changed={40: 3})))}
    dataset = tmp_path / "ds"
    publish_coded(dataset, facts(60))
    lost = sorted(shared)[0]
    (part_store.store_dir(dataset, "facts") / lost).unlink()
    encoded.clear()
    second = publish_coded(dataset, facts(61, changed={40: 3}))
    assert lost in {part["file"] for part in facts_parts(second)}
    assert (part_store.store_dir(dataset, "facts") / lost).is_file()
    assert len(publish.read_table(second, "facts")) == 61
    assert 0 < len(encoded) < len(facts_parts(second))
