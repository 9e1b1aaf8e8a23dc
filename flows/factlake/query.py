"""Read-only queries for ``factlake sql``: only SELECT statements run, and results go where the user asks.

Two independent guards keep a query from touching a dataset: the connection of
:func:`factlake.catalog.connect` can read only the published table files and write nothing, and this module
refuses every statement that is not a plain query (``COPY … TO``, ``ATTACH``, ``INSTALL``/``LOAD``,
``EXPORT DATABASE``, ``SET``, ``CREATE``, ``EXPLAIN ANALYZE COPY`` …) before anything runs. Saving results is
done here, in Python (``--output``), never by DuckDB.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from factlake.errors import FactlakeError

#: The statement types ``factlake sql`` runs (``SELECT``, ``FROM …``, ``WITH``, ``VALUES``, ``DESCRIBE``,
#: ``SHOW``, ``SUMMARIZE`` are all parsed as SELECT).
ALLOWED_STATEMENTS = frozenset({duckdb.StatementType.SELECT})
#: ``--output`` formats by file extension.
OUTPUT_FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json", ".parquet": "parquet"}


class QueryRefused(FactlakeError):
    """A statement that could change a file or a setting, or read outside the dataset."""


def check_read_only(query: str) -> None:
    """Refuse ``query`` unless every statement in it is a plain query.

    Raises:
        QueryRefused: naming the first statement that is not (nothing has run).
        duckdb.ParserException: when ``query`` is not valid SQL.
    """
    statements = duckdb.extract_statements(query)
    if not statements:
        raise QueryRefused("no SQL statement given")
    for statement in statements:
        if statement.type not in ALLOWED_STATEMENTS:
            kind = statement.type.name.replace("_", " ")
            raise QueryRefused(
                f"refused: {kind} statements are not allowed; factlake sql only reads the dataset "
                "(SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE); save results with --output FILE"
            )


def run_read_only(connection: duckdb.DuckDBPyConnection, query: str) -> duckdb.DuckDBPyRelation:
    """Check ``query`` with :func:`check_read_only` and run it; the result of its last statement.

    Raises:
        QueryRefused: for a statement that is not a query, or a query reading a file it may not read.
    """
    check_read_only(query)
    try:
        return connection.sql(query)
    except duckdb.PermissionException as error:
        raise refused_access(error) from error


def refused_access(error: duckdb.PermissionException) -> QueryRefused:
    """The refusal of a query that reads a file outside the dataset's tables."""
    detail = str(error).strip().splitlines()[0]
    return QueryRefused(f"refused: {detail} (factlake sql reads only the dataset's published tables)")


def output_format(path: Path, requested: str | None) -> str:
    """The format to write ``path`` in: ``requested`` when given, else by its extension.

    Raises:
        QueryRefused: when neither names csv, json or parquet.
    """
    chosen = requested or OUTPUT_FORMATS.get(path.suffix.lower())
    if chosen not in ("csv", "json", "parquet"):
        raise QueryRefused(
            f"cannot tell the format of {path.name}: name it .csv, .json or .parquet, or pass --format"
        )
    return chosen


def write_results(results: duckdb.DuckDBPyRelation, path: Path, file_format: str, dataset: Path) -> None:
    """Write query results to ``path`` (through a temporary file and a rename: all or nothing).

    Raises:
        QueryRefused: when ``path`` lies inside the dataset folder (published versions are never written
            by a query).
    """
    target = path.resolve()
    if target.is_relative_to(dataset.resolve()):
        raise QueryRefused(
            f"refused to write {path}: it is inside the dataset folder; choose a path outside it"
        )
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        if file_format == "parquet":
            pq.write_table(results.to_arrow_table(), temporary, compression="zstd")
        else:
            frame = results.df()
            with open(temporary, "w", encoding="utf-8", newline="") as handle:
                if file_format == "csv":
                    frame.to_csv(handle, index=False)
                else:
                    frame.to_json(handle, orient="records", lines=True, date_format="iso", force_ascii=False)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
