"""Scheduled builds: a Prefect deployment of the build flow, served by this process.

``factlake serve`` registers a deployment with a cron or interval schedule on a Prefect server and runs
its flow runs here (Prefect's ``Runner``; every flow run is a child process). A deployment's parameters
must be JSON, so the deployed flow is :func:`scheduled_build`, a thin flow that takes the configuration as
plain JSON (:func:`config_to_parameters` / :func:`config_from_parameters`) and runs the body of
:func:`factlake.flow.build_dataset` inside its own flow run: the manifest then records the id of the
scheduled flow run, its deployment and the deployment name.

When no Prefect API is configured, :class:`LocalPrefectServer` starts ``prefect server start`` on
127.0.0.1 with its own home (SQLite) under the dataset folder, and stops it again by process id.
"""

from __future__ import annotations

import _thread
import dataclasses
import datetime as dt
import signal
import threading
import types
import typing
from pathlib import Path
from typing import Any

from prefect import flow

from factlake.assemble import RunSummary
from factlake.config import FactlakeConfig
from factlake.errors import RunError
from factlake.prefect_server import (
    PREFECT_HOME_DIR,
    LocalPrefectServer,
    configured_api_url,
    prefect_api,
)

# --- configuration as deployment parameters ---------------------------------------------------------------


def config_to_parameters(config: FactlakeConfig) -> dict[str, Any]:
    """The configuration as JSON-compatible values (paths as strings, tuples as lists)."""
    return _to_json(config)


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _to_json(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_to_json(item) for item in value]
    return value


def config_from_parameters(parameters: dict[str, Any]) -> FactlakeConfig:
    """Rebuild a :class:`FactlakeConfig` from :func:`config_to_parameters` output.

    Missing keys take their defaults, so a deployment keeps working when a setting is added.

    Raises:
        RunError: on an unknown key or a value of the wrong shape.
    """
    return _from_json(FactlakeConfig, parameters, "config")


def _from_json(kind: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise RunError(f"deployment parameter {where} must be an object, not {value!r}")
        hints = typing.get_type_hints(kind)
        names = {field.name for field in dataclasses.fields(kind)}
        unknown = sorted(set(value) - names)
        if unknown:
            raise RunError(f"deployment parameter {where} has unknown keys: {', '.join(unknown)}")
        return kind(
            **{name: _from_json(hints[name], item, f"{where}.{name}") for name, item in value.items()}
        )
    origin = typing.get_origin(kind)
    arguments = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in arguments:
            return None
        chosen = [argument for argument in arguments if argument is not type(None)]
        return _from_json(chosen[0], value, where)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise RunError(f"deployment parameter {where} must be a list, not {value!r}")
        return tuple(_from_json(arguments[0], item, where) for item in value)
    if kind is Path:
        return Path(value)
    if kind is float and isinstance(value, int):
        return float(value)
    return value


@flow(name="build-dataset", log_prints=False)
def scheduled_build(config: dict[str, Any], deployment_name: str | None = None) -> RunSummary:
    """The build flow as a deployment runs it: the configuration arrives as JSON.

    Args:
        config: Output of :func:`config_to_parameters`.
        deployment_name: Name of the deployment, recorded in the manifest.

    Returns:
        The run summary (version published, or up to date).
    """
    from factlake.flow import build_dataset

    return build_dataset.fn(config=config_from_parameters(config), deployment_name=deployment_name)


# --- serving ---------------------------------------------------------------------------------------------


def build_deployment(
    config: FactlakeConfig,
    name: str,
    cron: str | None = None,
    interval: float | None = None,
) -> Any:
    """The deployment of :func:`scheduled_build` for ``config`` with a cron or interval schedule.

    The task runner is chosen here from ``config.run`` (it is part of the served flow, not a parameter).

    Raises:
        RunError: unless exactly one of ``cron`` and ``interval`` is given, or for a bad schedule.
    """
    from factlake.runner import task_runner_for

    if (cron is None) == (interval is None):
        raise RunError("give exactly one schedule: --cron EXPRESSION or --interval SECONDS")
    if interval is not None and interval <= 0:
        raise RunError(f"--interval must be a positive number of seconds, not {interval}")
    served_flow = scheduled_build.with_options(task_runner=task_runner_for(config))
    try:
        return served_flow.to_deployment(
            name=name,
            cron=cron,
            interval=dt.timedelta(seconds=interval) if interval is not None else None,
            parameters={"config": config_to_parameters(config), "deployment_name": name},
            description=f"Build {config.dataset} from {', '.join(map(str, config.sources))}",
            tags=["factlake"],
        )
    except ValueError as error:
        raise RunError(f"bad schedule: {error}") from error


def serve_deployment(deployment: Any) -> None:
    """Serve ``deployment`` until SIGTERM or Ctrl-C, one flow run at a time (runs of a dataset never
    overlap: a second one would only find the writer lock taken)."""
    import prefect

    prefect.serve(deployment, limit=1)


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
    deployment = build_deployment(config, name, cron=cron, interval=interval)
    if configured_api_url():
        serve_deployment(deployment)
        return
    server = LocalPrefectServer(Path(config.dataset) / PREFECT_HOME_DIR)
    announce(f"starting a local Prefect server (home {server.home}) ...")
    try:
        with ExitOnSigterm() as sigterm, server:
            announce(f"Prefect server (pid {server.pid}) at {server.url}; API {server.api_url}")
            try:
                with prefect_api(server.api_url):
                    serve_deployment(deployment)
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

    def __enter__(self) -> ExitOnSigterm:
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
