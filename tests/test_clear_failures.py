"""Run failures a user can act on: one readable line on stderr, exit code 1, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from factlake.config import PROJECT_ROOT

pytestmark = pytest.mark.slow  # runs the build through Prefect (a server or subprocesses)

SEEDS = PROJECT_ROOT / "seeds" / "articles"


def factlake_run(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "factlake.cli", "run", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=dict(os.environ))


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]


def test_dataset_folder_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert_one_line_error(factlake_run(str(SEEDS), "--dataset", str(blocker / "news")), "cannot write")


def test_corrupt_previous_version(tmp_path: Path) -> None:
    dataset = tmp_path / "news"
    (dataset / "v1").mkdir(parents=True)
    (dataset / "latest").symlink_to("v1")
    assert_one_line_error(factlake_run(str(SEEDS), "--dataset", str(dataset)), "corrupt", "v1")


def test_missing_source_folder(tmp_path: Path) -> None:
    result = factlake_run(str(tmp_path / "nowhere"), "--dataset", str(tmp_path / "news"))
    assert_one_line_error(result, "does not exist", "nowhere")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = factlake_run(str(tmp_path / "nowhere"), "--dataset", str(tmp_path / "news"), "--debug")
    assert result.returncode != 0 and "Traceback" in result.stderr


@pytest.mark.slow
def test_a_run_failing_inside_the_flow_prints_one_line(tmp_path: Path) -> None:
    """Prefect logs a failed flow run with its traceback; the command line keeps only its own line.

    A regular file where the extraction cache's folder goes makes the flow fail after the stages ran.
    """
    dataset = tmp_path / "news"
    dataset.mkdir()
    (dataset / ".cache").write_text("a stray file where the cache folder goes\n")
    result = factlake_run(str(SEEDS), "--dataset", str(dataset))
    assert_one_line_error(result, "run failed")
    assert not (dataset / "latest").exists()
