"""Fast start of ``factlake run``: its own Prefect server launched first, serving only what a run needs.

The server of a run without a configured Prefect API is launched before the command line imports
anything heavy (so its boot overlaps those imports), is a real Prefect API that records the run, skips
registering block types, and is stopped by process id when the run ends.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from factlake import runner
from factlake.config import FactlakeConfig
from factlake.prefect_server import LocalPrefectServer, home_from_environment
from tests.helpers_process import RUN_TIMEOUT, client_environment, copy_seeds, factlake_command

HEAVY_MODULES = ("pandas", "pyarrow", "prefect", "spacy", "pandera", "duckdb")


def processes_with_home(home: Path) -> list[int]:
    """Ids of live processes whose environment has ``PREFECT_HOME=home``."""
    marker = f"PREFECT_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            variables = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue
        if marker in variables and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


@pytest.mark.slow  # a fresh interpreter
def test_the_command_line_imports_nothing_heavy_before_it_launches_the_server() -> None:
    code = (
        "import sys, factlake.cli, factlake.runner, factlake.prefect_server;"
        f"print([name for name in {HEAVY_MODULES!r} if name in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_no_early_server_when_the_dataset_has_a_version_or_an_api_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both cases return before launching anything (a rerun asks the up-to-date check first)."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    dataset = tmp_path / "news"
    (dataset / "v1").mkdir(parents=True)
    (dataset / "latest").symlink_to("v1")
    assert runner.launch_server_early(replace(FactlakeConfig(), dataset=dataset)) is None
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    fresh = replace(FactlakeConfig(), dataset=tmp_path / "fresh")
    assert runner.launch_server_early(fresh) is None


def test_prefect_home_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    assert home_from_environment() == tmp_path / "home"
    monkeypatch.delenv("PREFECT_HOME")
    assert home_from_environment() == Path.home() / ".prefect"


@pytest.mark.slow  # the real command line, its Prefect server and the model
def test_a_first_run_records_its_flow_on_its_own_server_then_stops_it(tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"
    source, dataset = copy_seeds(tmp_path / "articles"), tmp_path / "news"
    command = factlake_command("run", str(source), "--dataset", str(dataset))
    environment = client_environment(None, home)

    first = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=RUN_TIMEOUT)
    assert first.returncode == 0, first.stderr
    assert "published:" in first.stdout
    assert processes_with_home(home) == []  # the server was stopped with the run
    flow_run_id = json.loads((dataset / "v1" / "manifest.json").read_text())["prefect"]["flow_run_id"]
    with sqlite3.connect(home / "prefect.db") as database:
        states = database.execute("select state_type from flow_run where id = ?", (flow_run_id,)).fetchall()
        block_types = database.execute("select count(*) from block_type").fetchone()[0]
        flow_runs = database.execute("select count(*) from flow_run").fetchone()[0]
    assert states == [("COMPLETED",)]
    assert block_types == 0  # a run's server registers no block types

    rerun = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=RUN_TIMEOUT)
    assert rerun.returncode == 0, rerun.stderr
    assert "up to date" in rerun.stdout
    with sqlite3.connect(home / "prefect.db") as database:
        assert database.execute("select count(*) from flow_run").fetchone()[0] == flow_runs
    assert processes_with_home(home) == []

    # a run with something new launches its server once the up-to-date check says it builds
    first_input = sorted(source.iterdir())[0]
    (source / f"new-{first_input.name}").write_text(first_input.read_text() + "\nOne more line.\n")
    second = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=RUN_TIMEOUT)
    assert second.returncode == 0, second.stderr
    assert "published:" in second.stdout and "/v2" in second.stdout
    with sqlite3.connect(home / "prefect.db") as database:
        assert database.execute("select count(*) from flow_run").fetchone()[0] == flow_runs + 1
    assert processes_with_home(home) == []


def test_publish_modules_are_imported_only_while_the_server_boots() -> None:
    """A server that does not answer (here: never launched) leaves time to import; one that answers
    does not (see the first-run test, whose server answers)."""
    booting = LocalPrefectServer(Path("unused"))
    assert not booting.is_ready()
    sys.modules.pop("colorsys", None)
    runner._import_while_booting(booting, ("colorsys",))
    assert "colorsys" in sys.modules
