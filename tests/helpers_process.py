"""Subprocess helpers for the end-to-end tests: run the real CLI, a real Prefect server, and check datasets.

Every child is started in its own session (process group), so a test can stop it, and everything it
started, by the group id; nothing is looked up by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factlake.config import DEFAULT_SOURCE
from factlake.integrity import version_problems
from factlake.prefect_server import LocalPrefectServer, stop_process_group
from factlake.publish import PublishedVersion
from schemas.tables import TABLES

VERSION_NAME = re.compile(r"^v\d+$")
RUN_TIMEOUT = 300.0
RETRYABLE_STATUS = frozenset({429, 502, 503})
API_ATTEMPTS = 6


def factlake_command(*arguments: str) -> list[str]:
    """The command line of ``factlake ARGUMENTS`` with this interpreter."""
    return [sys.executable, "-m", "factlake.cli", *arguments]


def client_environment(api_url: str | None, home: Path) -> dict[str, str]:
    """Environment of a child: our own ``PREFECT_HOME``, and ``PREFECT_API_URL`` when given."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    environment.update(
        PREFECT_HOME=str(home),
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        COLUMNS="200",
    )
    if api_url:
        environment["PREFECT_API_URL"] = api_url
    return environment


@dataclass
class Child:
    """A started child process with its output files."""

    process: subprocess.Popen
    stdout_path: Path
    stderr_path: Path

    @property
    def pid(self) -> int:
        """Process id (and process group id)."""
        return self.process.pid

    def stdout(self) -> str:
        """Standard output so far."""
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        """Standard error so far."""
        return self.stderr_path.read_text(errors="replace")

    def wait(self, timeout: float = RUN_TIMEOUT) -> int:
        """Wait for the exit code; on timeout the process group is stopped and the test fails."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(
                f"{self.process.args} did not finish in {timeout} s:\n{self.stderr()}"
            ) from None

    def kill(self) -> None:
        """SIGKILL the whole process group at once (a crash: no clean-up code runs)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=60)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL the process group."""
        stop_process_group(self.process, timeout=30)

    def describe(self) -> str:
        """Exit code and output, for assertion messages."""
        return f"exit {self.process.returncode}\nstdout:\n{self.stdout()}\nstderr:\n{self.stderr()}"


def start(command: list[str], environment: dict[str, str], log_dir: Path, label: str) -> Child:
    """Start ``command`` in a new session with its output in ``log_dir/label.{out,err}``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path = log_dir / f"{label}.out"
    stderr_path = log_dir / f"{label}.err"
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            command,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    return Child(process, stdout_path, stderr_path)


def run_factlake(arguments: list[str], environment: dict[str, str], log_dir: Path, label: str) -> Child:
    """Run ``factlake ARGUMENTS`` to the end."""
    child = start(factlake_command(*arguments), environment, log_dir, label)
    child.wait()
    return child


def wait_until(
    condition: Callable[[], object], timeout: float, interval: float = 0.2, what: str = ""
) -> object:
    """Poll ``condition`` until it returns something true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what or condition}")


def api_call(api_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """GET (no body) or POST a JSON request to a Prefect API and decode its answer.

    A Prefect server answers 503 when its SQLite database is busy and the request was rolled back;
    Prefect's own client retries those (and 429, 502), so the tests' client does too, with backoff.
    """
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{api_url}{path}",
        data=data,
        headers={"Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    for attempt in range(API_ATTEMPTS):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code not in RETRYABLE_STATUS or attempt == API_ATTEMPTS - 1:
                raise
            time.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


def live_processes_in_group(group: int) -> list[int]:
    """Ids of running (not zombie) processes of a process group (Linux ``/proc``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        state, process_group = fields[0], int(fields[2])
        if process_group == group and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def process_is_alive(pid: int) -> bool:
    """Whether ``pid`` runs (zombies count as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def copy_seeds(destination: Path) -> Path:
    """A private copy of the seed articles (tests may add files to it)."""
    shutil.copytree(DEFAULT_SOURCE, destination)
    return destination


def check_dataset(dataset: Path) -> list[str]:
    """Assert the dataset holds only complete versions; return their names, oldest first.

    Every ``vN`` folder has a manifest and the six Parquet files whose SHA-256 and row counts match it;
    ``latest`` (when present) points to one of them.
    """
    names = sorted(
        (entry.name for entry in dataset.iterdir() if VERSION_NAME.match(entry.name)),
        key=lambda name: int(name[1:]),
    )
    for name in names:
        folder = dataset / name
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["version"] == int(name[1:])
        assert set(manifest["tables"]) == set(TABLES) | {"inputs"}, name
        version = PublishedVersion(int(name[1:]), folder)
        assert version_problems(version, full=True) == [], name
    latest = dataset / "latest"
    if latest.is_symlink() or latest.exists():
        assert os.readlink(latest) in names, f"latest -> {os.readlink(latest)}, versions {names}"
    return names


def leftovers(dataset: Path) -> list[str]:
    """Temporary entries of interrupted runs."""
    return sorted(entry.name for entry in dataset.iterdir() if entry.name.startswith(".tmp-"))


def prefect_server(home: Path) -> Iterator[str]:
    """A real ``prefect server start`` for the duration of a fixture; yields its API address."""
    server = LocalPrefectServer(home)
    with server:
        yield server.api_url
    assert server.pid is not None and not live_processes_in_group(server.pid)
