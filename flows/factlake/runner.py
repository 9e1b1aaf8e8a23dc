"""Choosing the task runner and running the build flow (the bridge between the CLI and Prefect)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from factlake.config import FactlakeConfig

if TYPE_CHECKING:
    from factlake.assemble import RunSummary
    from factlake.prefect_server import LocalPrefectServer

#: The link to the latest version in a dataset folder (``factlake.publish.LATEST``, which this module
#: does not import: it is read before the server is launched, and publish imports pandas and Arrow).
LATEST_LINK = "latest"
#: Modules a run imports only when it publishes (the report page and its charts, with matplotlib):
#: imported while the local server boots, when it still does once the flow's modules are imported.
PUBLISH_MODULES = ("factlake.report",)


def prefect_defaults() -> None:
    """Embedded-mode defaults for Prefect, set before it is imported; the user's own settings win.

    Quiet logs, no telemetry (there is no network), and a start-up timeout for the ephemeral API that a
    busy 2-core machine can meet.
    """
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def quiet_run_failures() -> None:
    """Keep Prefect from logging the traceback of a failed run; the command line prints one line instead
    (``--debug`` keeps the traceback).

    A filter rather than a level: Prefect sets these loggers' levels again when it configures logging on
    import (after this call), but keeps the filters a logger already has.
    """
    import logging

    # The events worker's "Still processing items" progress warning, written while the process exits,
    # would follow the one-line error.
    for name in ("prefect.flow_runs", "prefect.task_runs", "EventsWorker"):
        run_logger = logging.getLogger(name)
        if not any(isinstance(existing, _BelowCritical) for existing in run_logger.filters):
            run_logger.addFilter(_BelowCritical())


class _BelowCritical:
    """A logging filter that drops every record below CRITICAL."""

    def filter(self, record: Any) -> bool:
        import logging

        return record.levelno >= logging.CRITICAL


def task_runner_for(config: FactlakeConfig) -> Any:
    """The Prefect task runner the run settings ask for.

    ``default`` runs tasks in threads of this process, extraction in a pool of ``run.workers`` processes
    (:mod:`factlake.workers`); ``dask`` runs them on a Dask cluster through
    ``prefect-dask``: an existing one at ``dask_address``, or a local cluster of worker processes.
    """
    run = config.run
    if run.task_runner == "default":
        from prefect.task_runners import ThreadPoolTaskRunner

        from factlake.workers import worker_count

        # one thread per extraction worker process (factlake.workers), each waiting for its batch
        return ThreadPoolTaskRunner(max_workers=worker_count(run))
    if run.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if run.dask_address:
            return DaskTaskRunner(address=run.dask_address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": run.dask_workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    raise ValueError(f"unknown task runner {run.task_runner!r}: use 'default' or 'dask'")


def launch_server_early(config: FactlakeConfig) -> LocalPrefectServer | None:
    """Launch the run's local Prefect server now, when the run will surely need one; else None.

    A run needs one when no Prefect API is configured and the dataset has no latest version (a first
    run: there is nothing it could be up to date with). Called before the command line imports pandas,
    Prefect or spaCy, so that the server's boot overlaps them. Only the environment is read: a Prefect
    API configured in a profile or settings file is found later, by :func:`run_build`, which then stops
    this server. The server keeps its database in Prefect's home (``PREFECT_HOME``, else ``~/.prefect``),
    where Prefect's ephemeral API would keep it: created and migrated once, reused by the next runs.
    """
    if os.environ.get("PREFECT_API_URL"):
        return None
    latest = Path(config.dataset) / LATEST_LINK
    if latest.is_symlink() or latest.exists():
        return None
    server = _local_server()
    server.launch()
    return server


def run_build(
    config: FactlakeConfig,
    progress: Callable[[str, int, int], None] | None = None,
    deployment_name: str | None = None,
    server: LocalPrefectServer | None = None,
) -> RunSummary:
    """Run ``build_dataset`` with the task runner of ``config`` and return its summary.

    When the source files and the code are exactly those of the latest version, nothing is started: the
    summary says the dataset is up to date without paying for Prefect's start-up (the flow itself makes
    the same decision, after parsing, for runs started by a schedule).

    Without a configured Prefect API, a local Prefect server is launched (no services, no UI; the
    database in Prefect's home, where its ephemeral API keeps it) as soon as the run is known to build,
    and boots on the other core while this process imports Prefect and the flow's modules; it is stopped
    by its process id when the run ends. Prefect's ephemeral API would start only when the flow is
    called, after importing the whole server into this process. ``server`` is one
    :func:`launch_server_early` launched already: this function stops it in every case.
    """
    try:
        return _build(config, progress, deployment_name, server)
    finally:
        if server is not None:
            server.stop()


def _build(
    config: FactlakeConfig,
    progress: Callable[[str, int, int], None] | None,
    deployment_name: str | None,
    server: LocalPrefectServer | None,
) -> RunSummary:
    """:func:`run_build`: launches the local server once the run is known to build (when none was launched
    early) and stops whichever server it ran with."""
    from factlake import assemble, catalog, workers
    from factlake.prefect_server import configured_api_url
    from factlake.reference import load_reference

    unchanged = assemble.unchanged_version(config, load_reference(config.reference_dir))
    if unchanged is not None:
        catalog.refresh_catalog(config.dataset)
        return assemble.RunSummary(str(config.dataset), unchanged, up_to_date=True)
    if server is None and not os.environ.get("PREFECT_API_URL"):
        # the run builds: the server boots while Prefect and the flow's modules are imported
        server = _local_server()
        server.launch()
    try:
        if configured_api_url():
            if server is not None:
                server.stop()  # launched early, before a profile's API was known
            return _run_flow(config, progress, deployment_name)
        return _run_with_local_server(config, progress, deployment_name, server)
    finally:
        if server is not None:
            server.stop()
        workers.shut_down()


def _local_server() -> LocalPrefectServer:
    """The run's local Prefect server (not launched yet): API only, its database in Prefect's home."""
    from factlake.prefect_server import LocalPrefectServer, home_from_environment

    return LocalPrefectServer(home_from_environment(), services=False, ui=False)


def _run_with_local_server(
    config: FactlakeConfig,
    progress: Callable[[str, int, int], None] | None,
    deployment_name: str | None,
    server: LocalPrefectServer | None,
) -> RunSummary:
    """Run the flow against a local Prefect server started for this run (see :func:`run_build`)."""
    from factlake.prefect_server import deliver_pending_events, prefect_api

    if server is None:
        server = _local_server()
        server.launch()
    try:
        import factlake.flow  # noqa: F401  (imported while the server boots)

        _import_while_booting(server, PUBLISH_MODULES)
        server.wait_until_ready()
        with prefect_api(server.api_url):
            try:
                return _run_flow(config, progress, deployment_name)
            finally:
                deliver_pending_events()
    finally:
        server.stop()


def _import_while_booting(server: LocalPrefectServer, modules: tuple[str, ...]) -> None:
    """Import ``modules`` one by one, as long as ``server`` is still booting (time the run would wait)."""
    import importlib

    for module in modules:
        if server.is_ready():
            return
        importlib.import_module(module)


def _run_flow(
    config: FactlakeConfig, progress: Callable[[str, int, int], None] | None, deployment_name: str | None
) -> RunSummary:
    from factlake.flow import build_dataset, set_progress_callback

    flow = build_dataset.with_options(task_runner=task_runner_for(config))
    set_progress_callback(progress)
    try:
        return flow(config=config, deployment_name=deployment_name)
    finally:
        set_progress_callback(None)
