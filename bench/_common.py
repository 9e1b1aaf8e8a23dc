"""Shared helpers of the benchmarks: machine info, measured subprocesses, corpus slices, tables.

Every measured command runs as a subprocess; its wall time, CPU time (user + system of the process and
its waited-for children, from ``wait4``) and peak memory are recorded. Peak memory is the largest sum of
the resident set sizes of the process and all its descendants, sampled from ``/proc`` every 0.1 s, so a
run with worker processes (spaCy ``n_process``, Dask workers) counts every worker.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
CORPORA_DIR = PROJECT_ROOT.parent / "shared" / "corpora"
CORPORA = {"bbc": "bbc_news.jsonl", "reuters": "reuters21578.jsonl"}
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
#: Stages of a run's profile tables, as :func:`stage_seconds` derives them from its manifest (``stories``
#: is part of ``dedup`` in runs of code that does not time it apart).
STAGES = (
    "startup",
    "parse",
    "fingerprint",
    "extract",
    "link",
    "stories",
    "dedup",
    "validate",
    "publish+exit",
)


@dataclass
class Measured:
    """What one measured subprocess cost.

    Attributes:
        wall: Seconds from start to exit.
        cpu: CPU seconds (user + system) of the process and its children.
        peak_rss_mb: Largest resident memory of the process tree, in MiB.
        stdout: Its standard output.
        stderr: Its standard error.
        returncode: Exit status.
        started_at: Unix time at which it was started.
    """

    wall: float
    cpu: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    returncode: int
    started_at: float


def machine_info() -> dict[str, str]:
    """Cores, RAM, Python, spaCy, date and load of this machine, for the header of a table."""
    import spacy

    memory_kb = 0
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    cpu_model = ""
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(os.cpu_count()),
        "cpu": cpu_model or platform.processor(),
        "ram": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "spacy": spacy.__version__,
        "load average (1/5/15 min) at start": " / ".join(f"{value:.1f}" for value in load),
    }


def print_machine(info: dict[str, str]) -> None:
    """Print the machine info as a small Markdown list."""
    for key, value in info.items():
        print(f"- {key}: {value}")
    print()


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a Markdown table."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(header), *(len(row[index]) for row in cells)]) for index, header in enumerate(headers)]
    print(
        "| " + " | ".join(header.ljust(width) for header, width in zip(headers, widths, strict=True)) + " |"
    )
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row, raw_row in zip(cells, rows, strict=True):
        aligned = [
            value.rjust(width) if isinstance(raw, int | float) or raw is None else value.ljust(width)
            for value, raw, width in zip(row, raw_row, widths, strict=True)
        ]
        print("| " + " | ".join(aligned) + " |")
    print()
    sys.stdout.flush()


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants (0 when it has exited)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry), int(fields[1])
        children.setdefault(parent, []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_SIZE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_measured(
    command: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> Measured:
    """Run ``command`` to completion and measure it (see the module docstring)."""
    started_at = time.time()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(list(command), stdout=out, stderr=err, env=env, cwd=cwd)
        peak = 0
        done = threading.Event()

        def poll() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss_bytes(process.pid))
                done.wait(0.1)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        poller.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    peak = max(peak, usage.ru_maxrss * 1024)
    return Measured(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peak / 1024 / 1024,
        stdout=stdout,
        stderr=stderr,
        returncode=process.returncode,
        started_at=started_at,
    )


def check(measured: Measured, what: str) -> Measured:
    """Stop the benchmark with the command's error output when it failed."""
    if measured.returncode != 0:
        sys.stderr.write(measured.stdout + measured.stderr)
        raise SystemExit(f"{what} failed with exit status {measured.returncode}")
    return measured


def corpus_lines(corpus: str) -> list[str]:
    """Non-blank JSONL lines of a corpus that have a non-empty ``text``, in file order."""
    lines = []
    with open(CORPORA_DIR / CORPORA[corpus], encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and str(json.loads(line).get("text") or "").strip():
                lines.append(line if line.endswith("\n") else line + "\n")
    return lines


#: Records per JSONL input file written by :func:`write_source`: a whole corpus in one file would pass
#: the input size limit (``ParseConfig.max_file_bytes``), and feeds arrive as many files anyway.
RECORDS_PER_FILE = 1000


def write_source(folder: Path, lines: Sequence[str], name: str = "articles.jsonl") -> Path:
    """Write ``lines`` as JSONL inputs named after ``name`` in a source folder (outside the project).

    ``articles.jsonl`` with 2,500 lines becomes ``articles-0001.jsonl`` … ``articles-0003.jsonl``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(name).stem
    for number, start in enumerate(range(0, len(lines), RECORDS_PER_FILE), start=1):
        chunk = lines[start : start + RECORDS_PER_FILE]
        (folder / f"{stem}-{number:04d}.jsonl").write_text("".join(chunk), encoding="utf-8")
    return folder


def work_dir(prefix: str) -> Path:
    """A fresh temporary folder outside the project (removed by :func:`cleanup`)."""
    return Path(tempfile.mkdtemp(prefix=f"factlake-{prefix}-"))


def cleanup(folder: Path) -> None:
    """Remove a folder made by :func:`work_dir`."""
    shutil.rmtree(folder, ignore_errors=True)


def factlake_command(source: Path, dataset: Path, processes: int, runner: str | None = None) -> list[str]:
    """The ``factlake run`` command line with ``processes`` extraction processes: the default runner's
    ``--workers`` (the default), or Dask workers with ``runner="dask"``."""
    executable = Path(sys.executable).parent / "factlake"
    command = [str(executable), "run", str(source), "--dataset", str(dataset)]
    if runner == "dask":
        command += ["--task-runner", "dask", "--dask-workers", str(processes)]
    else:
        command += ["--workers", str(processes)]
    return command


def latest_manifest(dataset: Path) -> dict[str, Any]:
    """The manifest of the latest version of a dataset."""
    from factlake.publish import latest_version, read_manifest

    version = latest_version(dataset)
    if version is None:
        raise SystemExit(f"no version published in {dataset}")
    return read_manifest(version)


def stage_seconds(measured: Measured, manifest: dict[str, Any]) -> dict[str, float]:
    """Seconds per stage of a measured ``factlake run`` (from the manifest's ``timings``).

    ``startup`` is from launching the command to the start of the flow (Python, imports, Prefect's
    local server, the task runner); ``publish+exit`` is what follows the last timed stage (writing
    Parquet, the catalog and the cache, Prefect's shutdown).
    """
    timings = dict(manifest.get("timings", {}))
    started = timings.pop("started_at_unix", None)
    if started is None:
        return {"total": measured.wall}
    stages = {"startup": started - measured.started_at, **timings}
    stages["publish+exit"] = measured.wall - sum(stages.values())
    stages["total"] = measured.wall
    return stages
