"""The DuckDB catalog of a dataset: a view per table over ``latest`` and a schema per version.

Views use paths relative to the dataset folder, so ``cd DIR && duckdb catalog.duckdb`` works wherever the
folder is copied; :func:`connect` sets DuckDB's ``file_search_path`` to the folder so the same views work
from anywhere through ``factlake sql``.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from factlake.publish import LATEST, TEMP_PREFIX, latest_version, version_dirs
from schemas.tables import TABLES

CATALOG_FILE = "catalog.duckdb"


def _views_sql(schema: str, folder: str) -> list[str]:
    statements = []
    for table in TABLES:
        path = f"{folder}/{table}.parquet"
        statements.append(f"CREATE OR REPLACE VIEW {schema}.{table} AS SELECT * FROM read_parquet('{path}')")
    return statements


def refresh_catalog(dataset: Path) -> Path:
    """Rebuild ``catalog.duckdb`` from the versions on disk (atomically replaced; the caller holds the lock).

    Returns:
        Path of the catalog file.
    """
    temporary = dataset / f"{TEMP_PREFIX}catalog-{os.getpid()}.duckdb"
    temporary.unlink(missing_ok=True)
    connection = duckdb.connect(str(temporary))
    try:
        connection.execute(f"SET file_search_path = '{_quote(str(dataset))}'")
        for version in version_dirs(dataset):
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {version.name}")
            for statement in _views_sql(version.name, version.name):
                connection.execute(statement)
        if latest_version(dataset) is not None:
            for statement in _views_sql("main", LATEST):
                connection.execute(statement)
        connection.execute("CHECKPOINT")
    finally:
        connection.close()
    target = dataset / CATALOG_FILE
    os.replace(temporary, target)
    Path(f"{temporary}.wal").unlink(missing_ok=True)
    return target


def _quote(text: str) -> str:
    return text.replace("'", "''")


def connect(dataset: Path, version: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection laid out like the catalog: the tables of ``version`` (default
    ``latest``) as views in ``main`` and every version as a schema (``v3.facts``).

    In-memory, so any number of readers can query while a run publishes.
    """
    connection = duckdb.connect()
    connection.execute(f"SET file_search_path = '{_quote(str(dataset.resolve()))}'")
    for published in version_dirs(dataset):
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {published.name}")
        for statement in _views_sql(published.name, published.name):
            connection.execute(statement)
    for statement in _views_sql("main", version or LATEST):
        connection.execute(statement)
    return connection
