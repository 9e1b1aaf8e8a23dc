"""Scheduled builds: a Prefect deployment of the build flow, served by this process.

``factlake serve`` registers a deployment with a cron or interval schedule on a Prefect server and runs
its flow runs here (Prefect's ``Runner``; every flow run is a child process that receives the served flow
object). The served flow is made by :func:`pinned_build` for one configuration and one deployment name:
anyone who can reach the Prefect API can start a run of the deployment with other parameters, so a run
whose parameters differ from what was configured (other sources, another dataset, other settings) fails
without reading anything. The pinned values travel with the flow object into the run's process, not
through the API, so editing the deployment's parameters on the server does not change them either.

When no Prefect API is configured, :class:`LocalPrefectServer` starts ``prefect server start`` on
127.0.0.1 with its own home (SQLite) under the dataset folder, and stops it again by process id.
"""

# No ``from __future__ import annotations``: the served flow is pickled by value into each run's process,
# with only the globals its code names, so its annotations must be the classes themselves, not names.
import _thread
import datetime as dt
import signal
import threading
import typing
from pathlib import Path
from typing import Any, Self

from prefect import Flow, flow

from factlake.assemble import RunSummary
from factlake.config import FactlakeConfig
from factlake.errors import RunError
from factlake.prefect_server import (
    PREFECT_HOME_DIR,
    LocalPrefectServer,
    configured_api_url,
    prefect_api,
)


def pinned_build(config: FactlakeConfig, name: str) -> Flow[..., RunSummary]:
    """The build flow of deployment ``name``, which builds ``config`` and nothing else.

    Its parameters are still ``config`` and ``deployment_name`` (the Prefect UI shows them, and Prefect
    validates them as a :class:`FactlakeConfig`), but a run accepts only the configured values.

    Raises (in the flow run):
        RunError: when a run's parameters differ from the configured ones.
    """
    pinned = config

    @flow(name="build-dataset", log_prints=False)
    def scheduled_build(config: FactlakeConfig, deployment_name: str) -> RunSummary:
        """The build flow as the deployment runs it: only with the parameters it was served with."""
        from factlake.flow import build_dataset

        if deployment_name != name or config != pinned:
            raise RunError(
                f"deployment {name!r} builds {', '.join(map(str, pinned.sources))} into {pinned.dataset} "
                "only: a run with other parameters is refused (serve another deployment for other folders)"
            )
        return build_dataset.fn(config=pinned, deployment_name=name)

    return scheduled_build


# --- serving ---------------------------------------------------------------------------------------------


def _deployment_options(
    config: FactlakeConfig, name: str, cron: str | None, interval: float | None
) -> dict[str, Any]:
    """What Prefect needs to register the deployment: name, schedule, parameters and description.

    Raises:
        RunError: unless exactly one of ``cron`` and ``interval`` is given, or for a bad interval.
    """
    if (cron is None) == (interval is None):
        raise RunError("give exactly one schedule: --cron EXPRESSION or --interval SECONDS")
    if interval is not None and interval <= 0:
        raise RunError(f"--interval must be a positive number of seconds, not {interval}")
    return {
        "name": name,
        "cron": cron,
        "interval": dt.timedelta(seconds=interval) if interval is not None else None,
        "parameters": {"config": config, "deployment_name": name},
        "description": f"Build {config.dataset} from {', '.join(map(str, config.sources))}",
        "tags": ["factlake"],
    }


def _served_flow(config: FactlakeConfig, name: str) -> Flow[..., RunSummary]:
    """:func:`pinned_build` with the task runner of ``config.run`` (part of the served flow, not a
    parameter)."""
    from factlake.runner import task_runner_for

    return pinned_build(config, name).with_options(task_runner=task_runner_for(config))


def build_deployment(
    config: FactlakeConfig,
    name: str,
    cron: str | None = None,
    interval: float | None = None,
) -> Any:
    """The deployment of :func:`pinned_build` for ``config`` with a cron or interval schedule.

    Raises:
        RunError: unless exactly one of ``cron`` and ``interval`` is given, or for a bad schedule.
    """
    options = _deployment_options(config, name, cron, interval)
    try:
        return _served_flow(config, name).to_deployment(**options)
    except ValueError as error:
        raise RunError(f"bad schedule: {error}") from error


def serve_deployment(config: FactlakeConfig, name: str, cron: str | None, interval: float | None) -> None:
    """Register the deployment and serve it until SIGTERM or Ctrl-C, one flow run at a time (runs of a
    dataset never overlap: a second one would only find the writer lock taken).

    ``Flow.serve`` keeps the flow object for the deployment, and every flow run's process receives that
    object (pickled with the pinned configuration), rather than importing the flow from its entry point.
    """
    _served_flow(config, name).serve(**_deployment_options(config, name, cron, interval), limit=1)


def serve_dataset(
    config: FactlakeConfig,
    name: str,
    cron: str | None = None,
    interval: float | None = None,
    announce: typing.Callable[[str], None] = print,
) -> None:
    """Register and serve the scheduled build of ``config``; start a local Prefect server if no API is set.

    Args:
        config: What to build (sources, dataset, task runner).
        name: Deployment name (recorded in every manifest it publishes).
        cron: Cron expression, or None.
        interval: Seconds between runs, or None.
        announce: Where to print the server address.

    Raises:
        RunError: for a bad schedule or when the local server cannot start.
    """
    build_deployment(config, name, cron=cron, interval=interval)  # a bad schedule fails before any server
    if configured_api_url():
        serve_deployment(config, name, cron, interval)
        return
    server = LocalPrefectServer(Path(config.dataset) / PREFECT_HOME_DIR)
    announce(f"starting a local Prefect server (home {server.home}) ...")
    try:
        with ExitOnSigterm() as sigterm, server:
            announce(f"Prefect server (pid {server.pid}) at {server.url}; API {server.api_url}")
            try:
                with prefect_api(server.api_url):
                    serve_deployment(config, name, cron, interval)
            finally:
                sigterm.disarm()
    finally:
        if server.pid is not None:
            announce("stopped the local Prefect server")


class ExitOnSigterm:
    """Turn SIGTERM into ``SystemExit(0)`` so the process leaves through its ``finally`` blocks.

    Python runs a signal handler between two bytecodes of the main thread, which may be inside a weakref
    callback or a ``__del__``; an exception raised there is printed as "Exception ignored" and lost, and
    the process would go on serving. So after the first SIGTERM a daemon thread delivers it again every
    ``repeat_seconds`` until :meth:`disarm` is called (the cleanup that follows must not be interrupted).
    Prefect's runner installs its own SIGTERM handler while it runs; the repeated delivery reaches that
    one then, which exits the same way.
    """

    def __init__(self, repeat_seconds: float = 2.0) -> None:
        self.repeat_seconds = repeat_seconds
        self._stop_requested = threading.Event()
        self._disarmed = threading.Event()
        self._previous_handler: Any = None

    def __enter__(self) -> Self:
        self._previous_handler = signal.signal(signal.SIGTERM, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.disarm()
        signal.signal(signal.SIGTERM, self._previous_handler)

    def disarm(self) -> None:
        """Stop raising and stop the repeated delivery (called once serving has ended)."""
        self._disarmed.set()

    def _handle(self, signal_number: int, frame: Any) -> None:
        if self._disarmed.is_set():
            return
        if not self._stop_requested.is_set():
            self._stop_requested.set()
            threading.Thread(target=self._deliver_again, name="factlake-sigterm", daemon=True).start()
        raise SystemExit(0)

    def _deliver_again(self) -> None:
        while not self._disarmed.wait(self.repeat_seconds):
            _thread.interrupt_main(signal.SIGTERM)
