"""The ``factlake`` command line: run, sql, versions, verify, diff, tag, gc, serve, eval, docs.

Every failure is one line on stderr and exit code 1: errors the user can act on (a missing source, a locked
or corrupt dataset, a contract violation) say what to do, and unexpected exceptions name their type;
``--debug`` shows the traceback instead. Warnings (a damaged version left out of a query) are one line each.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd

    from evaluation import MetricRow

from factlake.config import DEFAULT_DATASET, DEFAULT_SOURCE, FactlakeConfig, RunConfig

app = typer.Typer(
    name="factlake",
    help="Turn raw news articles into versioned, queryable datasets of facts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)
#: Tables keep their columns readable when piped to a file or another program.
PIPED_OUTPUT_WIDTH = 200
output = Console(soft_wrap=True, width=None if sys.stdout.isatty() else PIPED_OUTPUT_WIDTH)

DatasetOption = Annotated[Path, typer.Option("--dataset", "-d", help="Dataset folder.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
SourcesArgument = Annotated[list[Path] | None, typer.Argument(help="Source folders (default: the seeds).")]
TaskRunnerOption = Annotated[str, typer.Option(help="default (threads) or dask.")]
DaskAddressOption = Annotated[str | None, typer.Option(help="Existing Dask scheduler, tcp://HOST:PORT.")]
DaskWorkersOption = Annotated[int, typer.Option(help="Worker processes of a local Dask cluster.")]
BatchSizeOption = Annotated[int, typer.Option(help="Articles per parse/extract task.")]


def _fail(error: BaseException, debug: bool) -> None:
    if debug:
        raise
    console.print(f"error: {one_line(error)}", markup=False, highlight=False)
    raise typer.Exit(code=1)


def one_line(error: BaseException | str) -> str:
    """An error as one printable line: its first line, with unprintable characters escaped."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@contextlib.contextmanager
def failures_as_one_line(debug: bool, command: str) -> Iterator[None]:
    """Turn any failure inside the block into one line on stderr and exit code 1 (``--debug``: raise)."""
    from factlake.errors import FactlakeError

    try:
        yield
    except (typer.Exit, click.exceptions.ClickException, KeyboardInterrupt):
        raise
    except FactlakeError as error:
        _fail(error, debug)
    except Exception as error:
        _fail(RuntimeError(f"{command} failed: {type(error).__name__}: {one_line(error)}"), debug)


class _WarningLines(logging.Handler):
    """Prints factlake's warnings as ``warning: …`` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        console.print(f"warning: {one_line(record.getMessage())}", markup=False, highlight=False)


def show_warnings() -> None:
    """Route the warnings of factlake's modules (``factlake.*`` loggers) to stderr, one line each."""
    package_logger = logging.getLogger("factlake")
    if not any(isinstance(handler, _WarningLines) for handler in package_logger.handlers):
        package_logger.addHandler(_WarningLines(logging.WARNING))
    package_logger.propagate = False


def warn(message: str) -> None:
    """One warning line on stderr."""
    console.print(f"warning: {one_line(message)}", markup=False, highlight=False)


def _config(sources: list[Path] | None, dataset: Path, **run_settings: object) -> FactlakeConfig:
    """The run's configuration from the command line's sources, dataset and run options."""
    chosen = tuple(source.resolve() for source in (sources or [DEFAULT_SOURCE]))
    return replace(FactlakeConfig(), sources=chosen, dataset=dataset.resolve(), run=RunConfig(**run_settings))


@app.command()
def run(
    sources: SourcesArgument = None,
    dataset: DatasetOption = DEFAULT_DATASET,
    task_runner: TaskRunnerOption = "default",
    dask_address: DaskAddressOption = None,
    dask_workers: DaskWorkersOption = 2,
    batch_size: BatchSizeOption = 200,
    wait: Annotated[float, typer.Option(help="Seconds to wait for another run's lock.")] = 0.0,
    workers: Annotated[
        int | None,
        typer.Option(help="Extraction processes (default: one per core; 0 or 1: this process only)."),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Build a new version of DATASET from SOURCES (publishes nothing when nothing changed)."""
    from factlake.runner import launch_server_early, prefect_defaults

    prefect_defaults()
    show_warnings()
    config = _config(
        sources,
        dataset,
        task_runner=task_runner,
        dask_address=dask_address,
        dask_workers=dask_workers,
        batch_size=batch_size,
        lock_timeout=wait,
        workers=workers,
    )
    # launched before the imports below (pandas, Arrow; then Prefect and spaCy), which it overlaps
    server = launch_server_early(config) if all(source.is_dir() for source in config.sources) else None
    from factlake.errors import FactlakeError, RunError
    from factlake.publish import check_dataset_ready
    from factlake.runner import quiet_run_failures, run_build

    progress = Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    stages: dict[str, int] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in stages:
            stages[stage] = progress.add_task(stage, total=total)
        progress.update(stages[stage], completed=done, total=total)

    try:
        for source in config.sources:
            if not source.is_dir():
                raise RunError(f"source folder does not exist: {source}")
        if not debug:
            quiet_run_failures()
        check_dataset_ready(config.dataset, wait=bool(wait))
        with progress:
            summary = run_build(config, progress=report, server=server)
    except FactlakeError as error:
        _fail(error, debug)
    except Exception as error:
        _fail(RuntimeError(f"run failed: {type(error).__name__}: {error}"), debug)
    finally:
        if server is not None:
            server.stop()
    for line in summary.lines():
        output.print(line, highlight=False)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL over the tables (articles, facts, ...), or v3.facts.")],
    dataset: DatasetOption = DEFAULT_DATASET,
    version: Annotated[str | None, typer.Option(help="Version number, vN or tag (default latest).")] = None,
    output_format: Annotated[
        str | None, typer.Option("--format", help="table, csv or json (with --output: csv, json or parquet).")
    ] = None,
    output_file: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the results to FILE (.csv, .json, .parquet).")
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Run a read-only SQL query on a version of the dataset through DuckDB.

    Only queries run (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE): statements that write files or change
    settings are refused, and the query can read the dataset's tables and nothing else.
    """
    import duckdb

    from factlake.catalog import connect
    from factlake.query import QueryRefused, refused_access, run_read_only, write_results
    from factlake.query import output_format as format_for

    with failures_as_one_line(debug, "sql"):
        if output_file is None and output_format not in (None, "table", "csv", "json"):
            raise QueryRefused(f"--format {output_format}: use table, csv or json (or --output FILE)")
        chosen = version if version is not None else _latest_or_fallback(dataset)
        connection = connect(dataset, chosen, warn=warn)
        try:
            results = run_read_only(connection, query)
            if output_file is not None:
                file_format = format_for(output_file, output_format)
                write_results(results, output_file, file_format, dataset)
            else:
                frame = results.df()
        except duckdb.PermissionException as error:
            raise refused_access(error) from error
    if output_file is not None:
        console.print(f"wrote {len(results)} rows to {output_file}", markup=False, highlight=False)
        return
    print_frame(frame, output_format or "table")


def _latest_or_fallback(dataset: Path) -> str | None:
    """None (query ``latest``) when the link exists; else the newest healthy version, said on stderr."""
    from factlake.integrity import newest_healthy_version
    from factlake.publish import latest_version, resolve_version

    if latest_version(dataset) is not None:
        return None
    fallback = newest_healthy_version(dataset)
    if fallback is None:
        resolve_version(dataset, None)  # raises: no published version yet
        return None
    warn(f"'latest' is missing in {dataset}; querying {fallback.name}, the newest complete version")
    return fallback.name


def print_frame(frame: pd.DataFrame, output_format: str) -> None:
    """Print a DataFrame as a table, CSV or JSON lines."""
    if output_format == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    elif output_format == "json":
        sys.stdout.write(frame.to_json(orient="records", lines=True, date_format="iso", force_ascii=False))
    else:
        table = Table(show_lines=False)
        for column in frame.columns:
            table.add_column(str(column), overflow="fold")
        for row in frame.itertuples(index=False):
            table.add_row(*("" if value is None else str(value) for value in row))
        output.print(table)


@app.command()
def versions(dataset: DatasetOption = DEFAULT_DATASET, debug: DebugOption = False) -> None:
    """List the versions of a dataset with their row counts and health (a quick check; see verify)."""
    import pandas as pd

    from factlake.errors import FactlakeError
    from factlake.integrity import version_problems
    from factlake.publish import latest_version, read_manifest, read_tags, version_dirs

    with failures_as_one_line(debug, "versions"):
        latest = latest_version(dataset)
        tags = read_tags(dataset)
        rows = []
        for version in version_dirs(dataset):
            problems = version_problems(version)
            try:
                manifest = read_manifest(version)
            except FactlakeError:
                manifest = {}
            counts = manifest.get("tables", {}) if isinstance(manifest.get("tables"), dict) else {}
            rows.append(
                {
                    "version": version.name
                    + (" (latest)" if latest and latest.number == version.number else ""),
                    "created_at": manifest.get("created_at"),
                    "inputs": manifest.get("input_counts", {}).get("total"),
                    **{name: entry.get("rows") for name, entry in counts.items() if isinstance(entry, dict)},
                    "tags": ", ".join(
                        sorted(tag for tag, number in tags.items() if number == version.number)
                    ),
                    "health": f"DAMAGED: {problems[0]}" if problems else "ok",
                }
            )
        if rows and latest is None:
            warn(f"'latest' is missing in {dataset}; the next run publishes a new latest version")
    if not rows:
        output.print(f"no versions in {dataset}", markup=False, highlight=False)
        return
    print_frame(pd.DataFrame(rows), "table")


@app.command()
def verify(
    version: Annotated[str | None, typer.Argument(help="Version number, vN or tag (default: all).")] = None,
    dataset: DatasetOption = DEFAULT_DATASET,
    debug: DebugOption = False,
) -> None:
    """Check every table of every version (or VERSION) against its manifest: SHA-256, size and row count.

    Prints one line per version that is ok and one per problem; exits 1 when any version is damaged.
    """
    from factlake.errors import RunError
    from factlake.integrity import version_problems
    from factlake.publish import resolve_version, version_dirs

    with failures_as_one_line(debug, "verify"):
        targets = [resolve_version(dataset, version)] if version is not None else version_dirs(dataset)
        if not targets:
            raise RunError(f"dataset {dataset} has no published version to verify")
        damaged = []
        for target in targets:
            problems = version_problems(target, full=True)
            for problem in problems:
                output.print(f"{target.name}: {problem}", markup=False, highlight=False)
            if problems:
                damaged.append(target.name)
            else:
                output.print(f"{target.name}: ok", markup=False, highlight=False)
        if damaged:
            raise RunError(f"{len(damaged)} of {len(targets)} versions damaged: {', '.join(damaged)}")


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="Older version (number, vN or tag).")],
    new: Annotated[str, typer.Argument(help="Newer version (number, vN, tag or latest).")] = "latest",
    dataset: DatasetOption = DEFAULT_DATASET,
    debug: DebugOption = False,
) -> None:
    """Show facts, articles and rejects added, removed or changed between two versions."""
    from factlake.diff import diff_versions
    from factlake.publish import resolve_version

    with failures_as_one_line(debug, "diff"):
        old_version = resolve_version(dataset, old)
        new_version = resolve_version(dataset, None if new == "latest" else new)
        result = diff_versions(old_version, new_version)
    output.print(f"{old_version.name} → {new_version.name}")
    print_frame(result.counts(), "table")
    facts = result.changed["facts"]
    if len(facts):
        output.print("changed facts:")
        print_frame(facts[["fact_id", "fact_type", "change", "statement"]], "table")
    for label, frames in (("added", result.added), ("removed", result.removed)):
        for table, key in (("facts", "fact_id"), ("articles", "source_uri"), ("rejects", "source_uri")):
            frame = frames[table]
            if len(frame):
                columns = [key, "statement"] if table == "facts" else [key]
                output.print(f"{label} {table}:")
                print_frame(frame[columns].head(50), "table")


@app.command()
def report(
    version: Annotated[str | None, typer.Option(help="Version number, vN or tag (default latest).")] = None,
    dataset: DatasetOption = DEFAULT_DATASET,
    output_file: Annotated[
        Path | None, typer.Option("--output", "-o", help="HTML file to write (default report-vN.html).")
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Write a version's report: one self-contained HTML page (run summary, facts, conflicts, stories)."""
    from factlake.report import write_report_file

    with failures_as_one_line(debug, "report"):
        written = write_report_file(dataset, version, output_file)
    console.print(f"wrote {written}", markup=False, highlight=False)


@app.command()
def docs(
    out: Annotated[Path, typer.Option(help="Where to write the data dictionary.")] = Path("docs/tables.md"),
) -> None:
    """Generate the data dictionary (docs/tables.md) from the pandera models."""
    from factlake.datadict import render_data_dictionary

    with failures_as_one_line(False, "docs"):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_data_dictionary(), encoding="utf-8")
    output.print(f"wrote {out}", markup=False, highlight=False)


@app.command(name="eval")
def evaluate(
    corpora: Annotated[
        Path | None, typer.Option(help="Folder of public corpora (default ../shared/corpora).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Documents per corpus (default: all).")] = None,
    only: Annotated[
        list[str] | None, typer.Option(help="Run only these modules (quotes, quantities, ...).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Score extraction and deduplication against gold data (offline)."""
    from evaluation.runner import run_evaluation

    with failures_as_one_line(False, "eval"):
        rows = run_evaluation(corpora_dir=corpora, limit=limit, only=only)
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row.__dict__) + "\n")
        return
    sys.stdout.write(metrics_markdown(rows))


def metrics_markdown(rows: list[MetricRow]) -> str:
    """Evaluation figures as a Markdown table (pasted as is into the README)."""
    lines = [
        "| task | dataset | metric | value | target | support | note |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        target = "" if row.target is None else f"{'≤' if row.lower_is_better else '≥'} {row.target}"
        support = "" if row.support is None else str(row.support)
        cells = [row.task, row.dataset, row.metric, f"{row.value:.3f}", target, support, row.note]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@app.command()
def serve(
    sources: SourcesArgument = None,
    dataset: DatasetOption = DEFAULT_DATASET,
    cron: Annotated[str | None, typer.Option(help="Cron schedule, e.g. '*/30 * * * *'.")] = None,
    interval: Annotated[float | None, typer.Option(help="Seconds between scheduled runs.")] = None,
    name: Annotated[
        str | None, typer.Option(help="Deployment name (default: the dataset folder's name).")
    ] = None,
    task_runner: TaskRunnerOption = "default",
    dask_address: DaskAddressOption = None,
    dask_workers: DaskWorkersOption = 2,
    batch_size: BatchSizeOption = 200,
    wait: Annotated[float, typer.Option(help="Seconds a scheduled run waits for another run's lock.")] = 0.0,
    debug: DebugOption = False,
) -> None:
    """Build DATASET from SOURCES on a schedule, served by this process (Ctrl-C stops).

    Uses the Prefect server of PREFECT_API_URL; without one, starts a local server for as long as this
    command runs (its database lives in DATASET/.prefect).
    """
    from factlake.runner import prefect_defaults

    prefect_defaults()
    from factlake.errors import FactlakeError
    from factlake.serve import serve_dataset

    config = _config(
        sources,
        dataset,
        task_runner=task_runner,
        dask_address=dask_address,
        dask_workers=dask_workers,
        batch_size=batch_size,
        lock_timeout=wait,
    )
    deployment_name = name or config.dataset.name
    try:
        serve_dataset(
            config,
            deployment_name,
            cron=cron,
            interval=interval,
            announce=lambda line: console.print(line, highlight=False, soft_wrap=True),
        )
    except (FactlakeError, ValueError) as error:
        _fail(error, debug)


@app.command()
def gc(
    keep: Annotated[int, typer.Option(help="How many of the newest versions to keep.")],
    dataset: DatasetOption = DEFAULT_DATASET,
    dry_run: Annotated[bool, typer.Option(help="Only show what would be removed.")] = False,
    wait: Annotated[float, typer.Option(help="Seconds to wait for a running build's lock.")] = 0.0,
    debug: DebugOption = False,
) -> None:
    """Remove versions beyond the newest KEEP (never latest, never a tagged version)."""
    from factlake.retention import collect_garbage

    show_warnings()
    with failures_as_one_line(debug, "gc"):
        result = collect_garbage(dataset, keep, dry_run=dry_run, wait=wait)
    verb = "would remove" if dry_run else "removed"
    output.print(f"{verb}: {', '.join(result.removed) or 'nothing'}", highlight=False)
    kept = [
        f"{version} ({', '.join(result.protected[version])})" if version in result.protected else version
        for version in result.kept
    ]
    output.print(f"kept: {', '.join(kept) or 'nothing'}", highlight=False)


@app.command()
def tag(
    tag_name: Annotated[str, typer.Argument(metavar="NAME", help="Tag name, e.g. 'q3-report'.")],
    version: Annotated[str | None, typer.Argument(help="Version number, vN or tag (default latest).")] = None,
    dataset: DatasetOption = DEFAULT_DATASET,
    delete: Annotated[bool, typer.Option("--delete", help="Remove the tag.")] = False,
    debug: DebugOption = False,
) -> None:
    """Name a version (kept by gc; usable wherever a version is asked for), or --delete a name."""
    from factlake.retention import delete_tag, set_tag

    with failures_as_one_line(debug, "tag"):
        if delete:
            if version is not None:
                raise typer.BadParameter("--delete takes only the tag name")
            number = delete_tag(dataset, tag_name)
            output.print(f"deleted tag {tag_name} (was v{number})", highlight=False)
            return
        tagged = set_tag(dataset, tag_name, version)
    output.print(f"tagged {tagged.name} as {tag_name}", highlight=False)


def main() -> None:
    """Entry point of the console script: the command, then the end of the process.

    The process ends without finalizing the interpreter: a run imports some 3,500 modules, whose
    teardown took a second after every run, with nothing left to do by then (versions are written and
    fsynced, Prefect's events sent, its server and the extraction workers stopped). Output and logs are
    flushed first and the exit code is the command's. An exception other than an exit (a bug) ends the
    process the usual way, with its traceback.
    """
    try:
        app()
    except SystemExit as stop:
        _end_process(stop.code)
    _end_process(0)


def _end_process(code: int | str | None) -> None:
    """Flush output and logs, then end the process with ``code`` as ``sys.exit`` would."""
    if isinstance(code, str):
        sys.stderr.write(f"{code}\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
