"""Seed run: seconds from ``factlake run`` to a published version, first run and rerun, A/B in one run.

For each repetition and each setup in turn (so that the machine's load falls on all of them alike), three
runs of the real command line on the five seed articles, each in a fresh process with no server running:

- ``fresh machine``: a new dataset folder and a new, empty Prefect home (its server creates and migrates
  its SQLite database, as on a machine that never ran factlake);
- ``first run``: a new dataset folder, the Prefect home of the run before (its database exists);
- ``rerun``: the same dataset again (inputs and code unchanged: nothing is published).

A setup is a Python interpreter (its environment, with or without compiled bytecode) and a checkout of
the project (its ``flows`` and root put first on ``PYTHONPATH``), so one run can compare the code of two
commits, and an environment whose packages were installed with ``uv sync --compile-bytecode`` against
one without. ``PYTHONDONTWRITEBYTECODE=1`` is set for every run, so no run leaves bytecode for the next.

Run with ``uv run python bench/startup.py [--repetitions 3] [--setup LABEL=PYTHON:CHECKOUT ...]``
(default: this interpreter and this checkout); prints the machine, then per setup and case the median
wall time (and the range), the median CPU seconds (user + system of the command and the children it
waited for, the Prefect server among them: less distorted by other load than wall time), the start-up
(launch to the flow's start) and the seconds per stage, as Markdown tables; ``--json FILE`` also writes
every measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import (
    PROJECT_ROOT,
    check,
    cleanup,
    latest_manifest,
    machine_info,
    print_machine,
    print_table,
    run_measured,
    stage_seconds,
    work_dir,
)

CASES = ["fresh machine", "first run", "rerun"]
STAGES = ["startup", "parse", "extract", "link", "dedup", "validate", "publish+exit"]


@dataclass(frozen=True)
class Setup:
    """An interpreter (with its installed packages) and a checkout of the project to run."""

    label: str
    python: Path
    checkout: Path


def parse_setup(text: str) -> Setup:
    """``LABEL=PYTHON:CHECKOUT`` as a :class:`Setup`."""
    label, _, rest = text.partition("=")
    python, _, checkout = rest.partition(":")
    if not (label and python and checkout):
        raise argparse.ArgumentTypeError(f"--setup {text!r}: expected LABEL=PYTHON:CHECKOUT")
    return Setup(label, Path(python), Path(checkout).resolve())


def run_seeds(setup: Setup, dataset: Path, prefect_home: Path) -> dict[str, Any]:
    """One ``factlake run`` of the seeds into ``dataset``; its wall time and, when it published, stages."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    environment.update(
        PREFECT_HOME=str(prefect_home),
        PYTHONPATH=os.pathsep.join([str(setup.checkout / "flows"), str(setup.checkout)]),
        PYTHONDONTWRITEBYTECODE="1",
    )
    command = [str(setup.python), "-m", "factlake.cli", "run", str(setup.checkout / "seeds" / "articles")]
    command += ["--dataset", str(dataset)]
    measured = check(run_measured(command, env=environment, cwd=setup.checkout), f"{setup.label} run")
    published = "published:" in measured.stdout
    stages = stage_seconds(measured, latest_manifest(dataset)) if published else {"total": measured.wall}
    return {"wall": measured.wall, "cpu": measured.cpu, "published": published, "stages": stages}


def measure_repetition(setup: Setup) -> dict[str, dict[str, Any]]:
    """The three cases of one repetition of one setup (see the module docstring)."""
    folder = work_dir("startup")
    try:
        home = folder / "prefect-home"
        results = {"fresh machine": run_seeds(setup, folder / "fresh", home)}
        results["first run"] = run_seeds(setup, folder / "dataset", home)
        results["rerun"] = run_seeds(setup, folder / "dataset", home)
    finally:
        cleanup(folder)
    if results["rerun"]["published"] or not results["first run"]["published"]:
        raise SystemExit(f"{setup.label}: the first run must publish and the rerun must not")
    return results


def summary_rows(setups: list[Setup], results: dict[str, list[dict[str, dict[str, Any]]]]) -> list[list[Any]]:
    """One row per setup and case: median wall, its range, median CPU, and median seconds per stage."""
    rows = []
    for setup in setups:
        for case in CASES:
            runs = [repetition[case] for repetition in results[setup.label]]
            walls = [run["wall"] for run in runs]
            published = runs[0]["published"]
            stages = [
                statistics.median(run["stages"].get(stage, 0.0) for run in runs) if published else None
                for stage in STAGES
            ]
            cpu = statistics.median(run["cpu"] for run in runs)
            wall_range = f"{min(walls):.1f}–{max(walls):.1f}"
            rows.append([setup.label, case, statistics.median(walls), wall_range, cpu, *stages])
    return rows


def main() -> None:
    """Parse the options, run the repetitions and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument(
        "--setup",
        type=parse_setup,
        action="append",
        help="LABEL=PYTHON:CHECKOUT (repeatable; default: this interpreter and checkout).",
    )
    parser.add_argument("--json", type=Path, help="Also write every measurement to this file.")
    args = parser.parse_args()
    setups = args.setup or [Setup("this checkout", Path(sys.executable), PROJECT_ROOT)]

    print(f"# Seed run: seconds to a published version ({args.repetitions} repetitions)\n")
    print_machine(machine_info())
    results: dict[str, list[dict[str, dict[str, Any]]]] = {setup.label: [] for setup in setups}
    for repetition in range(1, args.repetitions + 1):
        for setup in setups:
            results[setup.label].append(measure_repetition(setup))
            walls = ", ".join(f"{case} {run['wall']:.1f} s" for case, run in results[setup.label][-1].items())
            print(f"repetition {repetition}, {setup.label}: {walls}", file=sys.stderr, flush=True)
    print(f"- load average (1/5/15 min) at the end: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}\n")
    headers = ["setup", "case", "median wall s", "range s", "median CPU s"]
    headers += [f"{stage} s" for stage in STAGES]
    print_table(headers, summary_rows(setups, results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
