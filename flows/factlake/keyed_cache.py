"""Parquet files kept between runs under a key: read back only while the key matches, replaced atomically.

The accelerators a dataset keeps beside its versions (near-duplicate signatures, story terms, fact
blocks, validated rows, the record of generations) are each one Parquet table whose content holds only
for what produced it: a code or settings version, a hash scheme. Each records that *key* in one field of
its schema metadata. A run reads such a file only when the key matches (and the columns are those
expected); a missing, unreadable or otherwise keyed file reads as missing, which costs the run time,
never correctness. A file is replaced by writing a temporary file in the same folder and renaming it,
so a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from factlake.dataset_files import TEMP_PREFIX

CACHE_COMPRESSION = "zstd"


def _encoded(key: str | bytes) -> bytes:
    return key if isinstance(key, bytes) else key.encode()


def read_keyed_table(
    path: Path, key_field: bytes, key: str | bytes, expected_columns: Iterable[str] | None = None
) -> pa.Table | None:
    """The table of a cache file when its metadata field ``key_field`` holds ``key``, else None.

    Args:
        path: The Parquet file.
        key_field: The schema metadata field recording the file's key.
        key: The key the file must have been written with.
        expected_columns: The exact set of columns the file must have (None: any).

    Returns:
        The table as read (schema metadata included), or None when the file is missing, unreadable,
        keyed otherwise or has other columns.
    """
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException):
        return None
    if (table.schema.metadata or {}).get(key_field) != _encoded(key):
        return None
    if expected_columns is not None and set(table.column_names) != set(expected_columns):
        return None
    return table


def write_table_atomic(path: Path, table: pa.Table) -> None:
    """Replace ``path`` with ``table`` (zstd Parquet): written to a temporary file in the same folder,
    then renamed, so readers see the old file or the new one. The folder must exist."""
    temporary = path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}")
    try:
        pq.write_table(table, temporary, compression=CACHE_COMPRESSION)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_keyed_table(path: Path, table: pa.Table, key_field: bytes, key: str | bytes) -> None:
    """Replace ``path`` with ``table`` keyed ``key`` (its schema metadata becomes ``{key_field: key}``),
    atomically; the folder is created when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_table_atomic(path, table.replace_schema_metadata({key_field: _encoded(key)}))
