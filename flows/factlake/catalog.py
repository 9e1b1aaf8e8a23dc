"""The DuckDB catalog of a dataset: a view per table over ``latest`` and a schema per version.

``catalog.duckdb`` uses paths relative to the dataset folder, so ``cd DIR && duckdb catalog.duckdb`` works
wherever the folder is copied. It is derived data: rebuilt after every publish and gc, and never needed by
``factlake sql``, so failing to rebuild it is a warning, not a failed run.

:func:`connect` lays out the same views in memory on a connection that can only read the dataset's
published tables (handed over as Arrow datasets): the connection opens no file itself, so nothing can be
read outside them or written anywhere, and the configuration is locked so no statement can lift this.

A damaged version (a table file missing, truncated or not what its manifest records) is left out of both,
with a warning, so it never blocks a run or queries on the other versions.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as arrow_dataset

from factlake.errors import FactlakeError, RunError
from factlake.integrity import version_problems
from factlake.publish import (
    LATEST,
    PUBLISHED_TABLES,
    TEMP_PREFIX,
    PublishedVersion,
    column_descriptions,
    latest_version,
    read_manifest,
    resolve_version,
    table_files,
    version_dirs,
)

CATALOG_FILE = "catalog.duckdb"
CATALOG_TEMP_PREFIX = f"{TEMP_PREFIX}catalog-"

logger = logging.getLogger(__name__)


@dataclass
class CatalogRefresh:
    """What a catalog refresh did.

    Attributes:
        path: The refreshed catalog, or None when it could not be written (the old one is left as it was).
        skipped: Damaged versions left out (version name → reason).
        error: Why the catalog could not be written, when it could not.
    """

    path: Path | None
    skipped: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def _quote(text: str) -> str:
    return text.replace("'", "''")


def version_tables(version: PublishedVersion) -> list[str]:
    """The tables a version holds, in contract order (the inputs table only in versions that have it)."""
    listed = read_manifest(version).get("tables") or {}
    return [table for table in PUBLISHED_TABLES if table in listed]


def _comment_statements(schema: str, version: PublishedVersion) -> list[str]:
    """``COMMENT ON COLUMN`` for every column the contract describes: the data dictionary travels with
    the catalog (``duckdb_columns().comment``), not in every Parquet part's footer."""
    statements = []
    for table in version_tables(version):
        for column, description in column_descriptions(table).items():
            statements.append(f"COMMENT ON COLUMN {schema}.{table}.{column} IS '{_quote(description)}'")
    return statements


def _view_statements(schema: str, folder: str, version: PublishedVersion) -> list[str]:
    statements = []
    for table in version_tables(version):
        files = [f"{folder}/{path.relative_to(version.path)}" for path in table_files(version, table)]
        listed = ", ".join(f"'{_quote(name)}'" for name in files)
        statements.append(
            f"CREATE OR REPLACE VIEW {schema}.{table} AS SELECT * FROM read_parquet([{listed}])"
        )
    return statements


def _add_version(
    connection: duckdb.DuckDBPyConnection, schema: str, folder: str, version: PublishedVersion
) -> str | None:
    """Create the views of ``version`` in ``schema``; the reason it is damaged instead (nothing created).

    One transaction per version, sent as one script: committed statement by statement, the views and
    their column comments cost a commit each, three quarters of a refresh's time.
    """
    problems = version_problems(version)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        return problems[0] + more
    statements = [f"CREATE SCHEMA IF NOT EXISTS {schema}"] if schema != "main" else []
    statements += _view_statements(schema, folder, version) + _comment_statements(schema, version)
    try:
        connection.execute("BEGIN TRANSACTION")
        if statements:
            connection.execute(";\n".join(statements))
        connection.execute("COMMIT")
    except duckdb.Error as error:
        connection.execute("ROLLBACK")
        return str(error).strip().splitlines()[0]
    return None


def refresh_catalog(dataset: Path) -> CatalogRefresh:
    """Rebuild ``catalog.duckdb`` from the versions on disk (atomically replaced).

    Never raises for a damaged version (left out) or a failure to write the catalog (the old catalog stays;
    temporary files are removed): both are logged as warnings on the ``factlake.catalog`` logger.
    """
    temporary = dataset / f"{CATALOG_TEMP_PREFIX}{os.getpid()}.duckdb"
    write_ahead_log = Path(f"{temporary}.wal")
    result = CatalogRefresh(None)
    try:
        remove_stale_temporaries(dataset)
        temporary.unlink(missing_ok=True)
        write_ahead_log.unlink(missing_ok=True)
        _build_catalog(dataset, temporary, result.skipped)
        target = dataset / CATALOG_FILE
        os.replace(temporary, target)
        result.path = target
    except (OSError, duckdb.Error, FactlakeError) as error:
        result.error = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        logger.warning(
            "catalog.duckdb was not refreshed (%s); published versions are not affected, and the next run "
            "or gc rebuilds it (factlake sql does not need it)",
            result.error,
        )
    finally:
        temporary.unlink(missing_ok=True)
        write_ahead_log.unlink(missing_ok=True)
    for name, reason in result.skipped.items():
        logger.warning("catalog: left out damaged version %s: %s (see factlake verify)", name, reason)
    return result


def _build_catalog(dataset: Path, temporary: Path, skipped: dict[str, str]) -> None:
    try:
        latest = latest_version(dataset)
    except RunError as error:
        latest = None
        skipped[LATEST] = str(error)
    connection = duckdb.connect(str(temporary))
    try:
        connection.execute(f"SET file_search_path = '{_quote(str(dataset))}'")
        for version in version_dirs(dataset):
            problem = _add_version(connection, version.name, version.name, version)
            if problem:
                skipped[version.name] = problem
        if latest is not None and latest.name not in skipped:
            _add_version(connection, "main", LATEST, latest)
        connection.execute("CHECKPOINT")
    finally:
        connection.close()


def remove_stale_temporaries(dataset: Path) -> list[str]:
    """Remove temporary catalog files left by processes that no longer run (a crash or a killed run)."""
    removed = []
    if not dataset.is_dir():
        return removed
    for entry in dataset.iterdir():
        if not entry.name.startswith(CATALOG_TEMP_PREFIX):
            continue
        pid_text = entry.name[len(CATALOG_TEMP_PREFIX) :].split(".", 1)[0]
        if pid_text.isdigit() and (int(pid_text) == os.getpid() or _process_alive(int(pid_text))):
            continue
        entry.unlink(missing_ok=True)
        removed.append(entry.name)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def connect(
    dataset: Path, version: str | None = None, warn: Callable[[str], None] | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only, in-memory DuckDB connection laid out like the catalog: the tables of ``version``
    (default ``latest``) as views in ``main`` and every healthy version as a schema (``v3.facts``).

    In memory, so any number of readers can query while a run publishes. The tables are handed to DuckDB
    as Arrow datasets scanned by this process, then ``enable_external_access = false`` and
    ``lock_configuration = true``: the connection itself can open no file at all, neither to read nor to
    write (``allowed_paths`` would have let it write the files it may read), and no statement can undo this.

    Args:
        dataset: Dataset folder.
        version: Version number, ``vN`` or tag for ``main``; None for ``latest``.
        warn: Called with one sentence per damaged version left out (default: a logged warning).

    Raises:
        RunError: when the chosen version is damaged or does not exist, or ``latest`` is corrupt.
    """
    warn = warn or logger.warning
    root = dataset.resolve()
    chosen = resolve_version(root, version) if version is not None else latest_version(root)
    connection = duckdb.connect()
    for published in version_dirs(root):
        problem = _register_version(connection, published)
        if problem is None:
            continue
        if chosen is not None and published.number == chosen.number:
            connection.close()
            raise RunError(
                f"version {published.name} is damaged: {problem}; query another one with --version "
                "(factlake verify lists the damage)"
            )
        warn(f"left out damaged version {published.name}: {problem} (see factlake verify)")
    if chosen is not None:
        for table in version_tables(chosen):
            connection.execute(
                f"CREATE OR REPLACE VIEW main.{table} AS SELECT * FROM {_arrow_name(chosen, table)}"
            )
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def _arrow_name(version: PublishedVersion, table: str) -> str:
    return f"_{version.name}_{table}"


def _register_version(connection: duckdb.DuckDBPyConnection, version: PublishedVersion) -> str | None:
    """Register the tables of ``version`` as Arrow datasets with views in its schema; the reason it is
    damaged instead (nothing registered)."""
    problems = version_problems(version)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        return problems[0] + more
    try:
        datasets = {
            table: arrow_dataset.dataset(
                [str(path) for path in table_files(version, table)], format="parquet"
            )
            for table in version_tables(version)
        }
    except (OSError, pa.ArrowException) as error:
        return str(error).strip().splitlines()[0]
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {version.name}")
    for table, scanned in datasets.items():
        connection.register(_arrow_name(version, table), scanned)
        connection.execute(
            f"CREATE OR REPLACE VIEW {version.name}.{table} AS SELECT * FROM {_arrow_name(version, table)}"
        )
    return None
