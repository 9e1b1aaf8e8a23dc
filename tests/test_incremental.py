"""Incremental runs in one process: changed, removed and re-extracted inputs, against full rebuilds.

Runs the real flow in-process (one Prefect ephemeral API and one spaCy model for the whole module).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from factlake import assemble, publish
from factlake.config import PROJECT_ROOT, DedupConfig, ExtractConfig, FactlakeConfig
from factlake.diff import diff_versions
from factlake.integrity import version_problems
from factlake.reference import load_reference
from factlake.runner import run_build
from schemas.tables import TABLES

pytestmark = pytest.mark.slow  # runs the build through Prefect (a server or subprocesses)

SEEDS = PROJECT_ROOT / "seeds" / "articles"


def manifest_of(dataset: Path, number: int) -> dict:
    return json.loads((dataset / f"v{number}" / "manifest.json").read_text())


def read_version_table(version_dir: Path, table: str) -> pd.DataFrame:
    return publish.read_table(publish.PublishedVersion(int(version_dir.name[1:]), version_dir), table)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """v1 from the seeds, v2 after one file changed, v3 after one file was removed, v4 after a settings
    change that alters extraction; plus a full rebuild of v3's inputs in another dataset."""
    root = tmp_path_factory.mktemp("incremental")
    source = root / "articles"
    shutil.copytree(SEEDS, source)
    dataset = root / "news"
    config = replace(FactlakeConfig(), sources=(source,), dataset=dataset)
    summaries = [run_build(config)]
    changed = source / "004_6c03248996c69e0c.txt"
    addition = "\n\nAt least 40 soldiers were wounded.\n"
    changed.write_text(changed.read_text(encoding="utf-8") + addition, encoding="utf-8")
    summaries.append(run_build(config))
    (source / "003_4ccb2aa6aaea8161.txt").unlink()
    summaries.append(run_build(config))
    rebuilt = replace(config, dataset=root / "rebuilt")
    summaries.append(run_build(rebuilt))
    summaries.append(run_build(replace(config, extract=ExtractConfig(min_quote_words=5))))
    return {"dataset": dataset, "rebuilt": root / "rebuilt", "source": source, "summaries": summaries}


def test_changed_file_is_the_only_one_extracted_again(history: dict) -> None:
    manifest = manifest_of(history["dataset"], 2)
    assert manifest["extraction_cache"] == {"articles": 5, "extracted": 1, "carried_over": 4}
    old, new = publish.resolve_version(history["dataset"], 1), publish.resolve_version(history["dataset"], 2)
    changes = diff_versions(old, new)
    assert list(changes.added["articles"]["source_uri"]) == ["004_6c03248996c69e0c.txt"]
    assert list(changes.removed["articles"]["source_uri"]) == ["004_6c03248996c69e0c.txt"]


def test_only_changed_input_files_are_parsed_again(history: dict) -> None:
    """The parse cache carries unchanged files over; other settings (another code fingerprint) parse
    everything; the tables of the run that carried files over equal a full rebuild's (tested below)."""
    assert manifest_of(history["dataset"], 2)["parse_cache"] == {"inputs": 5, "parsed": 1, "carried_over": 4}
    assert manifest_of(history["dataset"], 3)["parse_cache"] == {"inputs": 4, "parsed": 0, "carried_over": 4}
    assert manifest_of(history["dataset"], 4)["parse_cache"] == {"inputs": 4, "parsed": 4, "carried_over": 0}
    assert manifest_of(history["rebuilt"], 1)["parse_cache"]["carried_over"] == 0


def test_only_bodies_not_seen_before_are_signed_for_near_duplicates(history: dict) -> None:
    dataset = history["dataset"]
    signed = [manifest_of(dataset, number)["signature_cache"] for number in (1, 2, 3, 4)]
    assert signed == [
        {"bodies": 5, "signed": 5, "from_cache": 0},
        {"bodies": 5, "signed": 1, "from_cache": 4},  # the changed file
        {"bodies": 4, "signed": 0, "from_cache": 4},  # a file removed
        {"bodies": 4, "signed": 0, "from_cache": 4},  # extraction settings do not change signatures
    ]
    rebuilt = manifest_of(history["rebuilt"], 1)["signature_cache"]
    assert rebuilt == {"bodies": 4, "signed": 4, "from_cache": 0}


def test_only_texts_not_seen_before_are_cut_into_story_terms(history: dict) -> None:
    dataset = history["dataset"]
    cut = [manifest_of(dataset, number)["story_term_cache"] for number in (1, 2, 3, 4)]
    assert cut == [
        {"texts": 5, "cut": 5, "from_cache": 0},
        {"texts": 5, "cut": 1, "from_cache": 4},  # the changed file
        {"texts": 4, "cut": 0, "from_cache": 4},  # a file removed
        {"texts": 4, "cut": 0, "from_cache": 4},  # extraction settings do not change terms
    ]
    assert manifest_of(history["rebuilt"], 1)["story_term_cache"] == {"texts": 4, "cut": 4, "from_cache": 0}


def test_only_rows_not_validated_by_this_code_before_are_validated(history: dict) -> None:
    dataset = history["dataset"]
    counts = [manifest_of(dataset, number)["validated_rows"] for number in (1, 2, 3, 4)]
    assert counts[0]["already_valid"] == 0
    assert 0 < counts[1]["already_valid"] < counts[1]["rows"]  # the changed file's rows are validated
    assert counts[2]["already_valid"] > 0
    assert counts[3]["already_valid"] == 0  # other extraction settings: other code_sha256
    assert manifest_of(history["rebuilt"], 1)["validated_rows"]["already_valid"] == 0


def test_fact_dedup_reuses_the_blocks_the_change_did_not_touch(history: dict) -> None:
    blocks = [manifest_of(history["dataset"], number)["fact_blocks"] for number in (1, 2, 3, 4)]
    assert blocks[0]["from_cache"] == 0 and blocks[0]["computed"] == blocks[0]["blocks"] > 0
    # The changed file (a new figure) and the removed one: only their blocks are clustered again.
    for changed in blocks[1:3]:
        assert 0 < changed["computed"] < changed["blocks"] and changed["from_cache"] > 0
    # Other extraction settings are another code fingerprint: every block is clustered again.
    assert blocks[3]["from_cache"] == 0


def test_removed_file_is_dropped_from_the_next_version(history: dict) -> None:
    manifest = manifest_of(history["dataset"], 3)
    assert manifest["input_counts"]["total"] == 4
    assert manifest["extraction_cache"] == {"articles": 4, "extracted": 0, "carried_over": 4}
    old, new = publish.resolve_version(history["dataset"], 2), publish.resolve_version(history["dataset"], 3)
    assert list(diff_versions(old, new).removed["articles"]["source_uri"]) == ["003_4ccb2aa6aaea8161.txt"]


#: Tables whose rows depend on the run history by design: when an article first appeared
#: (``first_version``), which story it joined (arrival order decides: published stories never merge or
#: split), and what follows from its story: the story ids of facts, dates inferred from the story and
#: the relative dates resolved against them (which enter event facts' identity).
HISTORY_TABLES = ("articles", "mentions", "facts", "stories")
HISTORY_COLUMNS = {
    "articles": ["first_version", "story_id", "inferred_date", "inferred_date_last", "inferred_date_source"],
    "mentions": ["fact_id", "event_date", "date_precision", "date_note"],
}


def test_incremental_result_equals_a_full_rebuild(history: dict) -> None:
    """Same rows in every table that history does not decide. The parts' bytes may differ: rows are
    grouped into parts by the version in which they last changed, which a rebuild does not share."""
    incremental, rebuilt = history["dataset"] / "v3", history["rebuilt"] / "v1"
    for name in (name for name in TABLES if name not in HISTORY_TABLES):
        frames = [read_version_table(folder, name) for folder in (incremental, rebuilt)]
        pd.testing.assert_frame_equal(*frames, obj=name)


def test_incremental_result_differs_from_a_rebuild_only_in_history(history: dict) -> None:
    """Same articles and mentions but for what their story decides.

    Here the changed 004 joined 003's story in v2 and stays there after 003 is removed, while a rebuild
    without 003 sees 004 beside 000 and 001 only; so the undated 001 takes its date from another story.
    """
    incremental, rebuilt = history["dataset"] / "v3", history["rebuilt"] / "v1"
    for table, history_columns in HISTORY_COLUMNS.items():
        frames = [read_version_table(folder, table) for folder in (incremental, rebuilt)]
        pd.testing.assert_frame_equal(*(frame.drop(columns=history_columns) for frame in frames))
    first_versions = read_version_table(incremental, "articles").set_index("source_uri")["first_version"]
    assert first_versions.to_dict() == {
        "000_a39906a452efb437.txt": 1,
        "001_46d7c8e5359c534f.txt": 1,
        "002_63c94ff82197c892.txt": 1,
        "004_6c03248996c69e0c.txt": 2,
    }


def test_extraction_settings_change_reprocesses_everything(history: dict) -> None:
    manifest = manifest_of(history["dataset"], 4)
    assert manifest["extraction_cache"] == {"articles": 4, "extracted": 4, "carried_over": 0}
    assert manifest["settings"]["extract"]["min_quote_words"] == 5


def test_every_version_is_complete_and_latest_is_the_last(history: dict) -> None:
    dataset = history["dataset"]
    assert [version.name for version in publish.version_dirs(dataset)] == ["v1", "v2", "v3", "v4"]
    assert publish.latest_version(dataset).name == "v4"
    for version in publish.version_dirs(dataset):
        assert version_problems(version, full=True) == [], version.name


def test_unchanged_source_files_are_recognised_without_parsing(history: dict, tmp_path: Path) -> None:
    source = tmp_path / "articles"
    shutil.copytree(history["source"], source)
    config = replace(FactlakeConfig(), sources=(source,), dataset=history["rebuilt"])
    reference = load_reference(config.reference_dir)
    assert manifest_of(history["rebuilt"], 1)["sources_sha256"]
    assert assemble.unchanged_version(config, reference) == 1
    other_settings = replace(config, dedup=DedupConfig(story_min_pair_similarity=0.06))
    assert assemble.unchanged_version(other_settings, reference) is None
    (source / "new.txt").write_text("A new article\n\nA new article body.\n", encoding="utf-8")
    assert assemble.unchanged_version(config, reference) is None
    (source / "new.txt").unlink()
    edited = source / "004_6c03248996c69e0c.txt"
    edited.write_bytes(edited.read_bytes() + b" ")
    assert assemble.unchanged_version(config, reference) is None


def test_the_flow_itself_publishes_nothing_for_unchanged_inputs(history: dict) -> None:
    from factlake.flow import build_dataset

    config = replace(FactlakeConfig(), sources=(history["source"],), dataset=history["rebuilt"])
    summary = build_dataset(config=config)
    assert summary.up_to_date and summary.version == 1
    assert publish.latest_version(history["rebuilt"]).number == 1
