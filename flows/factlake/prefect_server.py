"""A Prefect server on 127.0.0.1 as a child process of this one, started and stopped by its process id.

``factlake run`` starts one when no Prefect API is configured (instead of Prefect's ephemeral API, so the
server boots while this process imports its modules and loads the model), and ``factlake serve`` starts one
with the scheduler for as long as it serves. Only the standard library is imported here, so a server can
be launched before anything heavy is.

The run's server serves the API only (``python -m factlake.prefect_server``: Prefect's API app under
uvicorn, as ``prefect server start --no-services --no-ui`` serves it, without importing Prefect's command
line) and skips registering Prefect's block types, which a run does not use and which would import every
installed Prefect collection (``prefect-dask`` and Dask's ``distributed``) at each boot.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from factlake.errors import RunError

PREFECT_HOME_DIR = ".prefect"
SERVER_LOG = "server.log"
SERVER_STARTUP_TIMEOUT = 180.0
SERVER_STOP_TIMEOUT = 20.0
HEALTH_POLL_SECONDS = 0.1
#: Settings of a server without services: no block types registered at boot, and no memo of them either
#: (computing the memo's hash is what imports every Prefect collection).
API_ONLY_SETTINGS = {
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}
_PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_for_health(api_url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Wait until ``{api_url}/health`` answers.

    Raises:
        RunError: when ``process`` exits first or ``timeout`` seconds pass.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RunError(f"the Prefect server exited with code {process.returncode} while starting")
        if answers(api_url):
            return
        time.sleep(HEALTH_POLL_SECONDS)
    raise RunError(f"the Prefect server at {api_url} did not answer within {timeout:.0f} s")


def answers(api_url: str) -> bool:
    """Whether ``{api_url}/health`` answers now."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the parent dies (Linux), even if it is killed."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_process_group(process: subprocess.Popen, timeout: float = SERVER_STOP_TIMEOUT) -> None:
    """Stop a child started with ``start_new_session=True``.

    Sends SIGTERM to its process group, then SIGKILL when it is still running after ``timeout`` seconds.
    """
    for signal_number, wait_seconds in ((signal.SIGTERM, timeout), (signal.SIGKILL, timeout)):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal_number)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait_seconds)
    # children of the server (if any) that outlived it
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


class LocalPrefectServer:
    """``prefect server start`` on 127.0.0.1 as a child process, with its own home and SQLite database.

    Use as a context manager: entering starts the server and waits for its health endpoint, leaving stops
    it (SIGTERM, then SIGKILL after a timeout), also on Ctrl-C. Or :meth:`launch` it, do other work while
    it boots, and :meth:`wait_until_ready`. The server also gets SIGTERM when this process dies.

    Args:
        home: ``PREFECT_HOME`` of the server (database, log); created if missing.
        port: TCP port (default: a free one).
        startup_timeout: Seconds to wait for the health endpoint.
        services: Run Prefect's services (the scheduler among them); a server that only records the runs
            of this process needs none.
        ui: Serve the web UI.
    """

    def __init__(
        self,
        home: Path,
        port: int | None = None,
        startup_timeout: float = SERVER_STARTUP_TIMEOUT,
        services: bool = True,
        ui: bool = True,
    ):
        self.home = home
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.services = services
        self.ui = ui
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Address of the UI."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """Value for ``PREFECT_API_URL``."""
        return f"{self.url}/api"

    @property
    def pid(self) -> int | None:
        """Process id of the server, once started."""
        return self.process.pid if self.process else None

    def start(self) -> None:
        """Start the server and wait until it answers.

        Raises:
            RunError: when it exits or does not answer in time (it is stopped; see ``server.log``).
        """
        self.launch()
        self.wait_until_ready()

    def launch(self) -> None:
        """Start the server process without waiting for it."""
        self.home.mkdir(parents=True, exist_ok=True)
        environment = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
        environment.update(
            PREFECT_HOME=str(self.home),
            PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{self.home / 'prefect.db'}",
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_SERVER_LOGGING_LEVEL=os.environ.get("PREFECT_SERVER_LOGGING_LEVEL", "WARNING"),
            # The UI calls the API at the address the server gives it in /ui-settings, which Prefect
            # derives from its default port (4200), not from --port: point it at this server's own API.
            PREFECT_SERVER_UI_API_URL=self.api_url,
        )
        if self.services:
            command = [sys.executable, "-m", "prefect", "server", "start"]
            command += ["--host", "127.0.0.1", "--port", str(self.port)]
            command += [] if self.ui else ["--no-ui"]
        else:
            environment.update(API_ONLY_SETTINGS, PREFECT_SERVER_UI_ENABLED=str(self.ui).lower())
            command = [sys.executable, "-m", "factlake.prefect_server", "127.0.0.1", str(self.port)]
        with open(self.home / SERVER_LOG, "ab") as log:
            self.process = subprocess.Popen(
                command,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    def wait_until_ready(self) -> None:
        """Wait for the health endpoint of the launched server.

        Raises:
            RunError: when it exits or does not answer in time (it is stopped; see ``server.log``).
        """
        try:
            wait_for_health(self.api_url, self.startup_timeout, self.process)
        except BaseException as error:
            self.stop()
            if isinstance(error, RunError):
                raise RunError(f"{error}; see {self.home / SERVER_LOG}") from error
            raise

    def is_ready(self) -> bool:
        """Whether the launched server answers already (False while it boots)."""
        return self.process is not None and self.process.poll() is None and answers(self.api_url)

    def stop(self) -> None:
        """Stop the server by its process id (no-op when it is not running)."""
        if self.process is not None:
            stop_process_group(self.process)

    def __enter__(self) -> LocalPrefectServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def home_from_environment() -> Path:
    """Prefect's home as the environment gives it (``PREFECT_HOME``, else ``~/.prefect``), read without
    importing Prefect, so that the run's server can be launched before anything heavy is imported."""
    return Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()


def configured_api_url() -> str | None:
    """The Prefect API this process talks to (environment or profile), or None."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def deliver_pending_events(timeout: float = 60.0) -> None:
    """Send the events and logs Prefect's client still queues in this process, and stop its senders.

    They are delivered in the background over one connection per process; before the server they talk to
    is stopped they must be sent, or the senders would keep retrying a server that is gone (and the next
    run would wait for them).
    """
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for service in (EventsWorker, APILogWorker):
        service.drain_all(timeout=timeout, at_exit=False)


@contextlib.contextmanager
def prefect_api(api_url: str) -> Iterator[None]:
    """Point this process and its flow-run children at ``api_url``."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = api_url
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous


def serve_api(host: str, port: int) -> None:
    """Serve Prefect's API (no services) on ``host:port`` until SIGTERM, in this process.

    What ``prefect server start --no-services`` runs, without importing Prefect's command line first.
    """
    import uvicorn
    from prefect.server.api.server import create_app
    from prefect.settings import get_current_settings

    log_level = get_current_settings().server.logging_level
    uvicorn.run(
        create_app(final=True, webserver_only=True),
        host=host,
        port=port,
        log_level=str(log_level).lower(),
    )


if __name__ == "__main__":
    serve_api(sys.argv[1], int(sys.argv[2]))
