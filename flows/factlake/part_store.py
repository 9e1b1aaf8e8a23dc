"""The bytes of a part and the dataset's store of parts, named by their content and linked into versions.

A part (:mod:`factlake.parts` decides which rows it holds) is encoded the same way every time
(:func:`parquet_bytes`), named by the SHA-256 of its bytes, written once into
``DIR/parts/<table>/<sha256>.parquet`` (:func:`store_parts`: a temporary file, fsynced, renamed) and
hard-linked into every version folder that has it (:func:`link_part`; a copy where the file system refuses
links). ``factlake gc`` removes the stored parts no remaining version lists (:func:`remove_unused_parts`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from factlake.dataset_files import TEMP_PREFIX

PARTS_DIR = "parts"
PART_SUFFIX = ".parquet"
PARQUET_COMPRESSION = "zstd"
#: zstd level of parts: 6 makes parts 4-5% smaller than the default level (1) for 40% more encoding time
#: (+0.3 s CPU over every part of 4,500 Reuters stories); level 19 saves 8% but costs 7 s more.
COMPRESSION_LEVEL = 6
ROW_GROUP_SIZE = 128 * 1024
#: Free-text columns, never given min/max statistics (see :data:`KEY_STATISTICS`).
TEXT_COLUMNS = frozenset(
    {"body", "title", "text", "sentence", "statement", "quote_text", "label"}
    | {"date_text", "date_note", "detail"}
)
#: Which columns a part keeps min/max statistics for (:func:`statistics_columns`): ids, kinds and dates
#: (the filters that can skip a part), every column but free text and lists (the layout before), or all.
KEY_STATISTICS = "keys"
UNTEXT_STATISTICS = "all but text"
ALL_STATISTICS = "all"
#: Columns besides ids (``*_id``) and dates that keep statistics under :data:`KEY_STATISTICS`.
KIND_COLUMNS = frozenset({"fact_type", "entity_type", "status", "stage", "duplicate_of", "first_version"})
#: Link errors after which a part is copied instead (file systems without hard links, or across devices).
COPY_INSTEAD = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES}


def statistics_columns(schema: pa.Schema, statistics: str = KEY_STATISTICS) -> list[str]:
    """Columns whose min/max statistics a part keeps.

    Under :data:`KEY_STATISTICS` (the default): ids (``*_id``), kinds (:data:`KIND_COLUMNS`) and dates,
    the filters that can skip a part (a fact, an article, a type, a period). Statistics cost bytes in
    the footer of every part, rewritten parts included, and skip nothing on free text, lists, counts,
    offsets, confidences, values or names: parts hold rows of one generation and story in no order of
    those, so the range of 32 to 128 rows spans nearly the whole table. Dropping them made rewritten
    parts 2 to 9% smaller (Reuters, 4,500 stories). :data:`UNTEXT_STATISTICS` keeps every column but free
    text (:data:`TEXT_COLUMNS`) and lists, :data:`ALL_STATISTICS` every column.
    """
    if statistics == ALL_STATISTICS:
        return list(schema.names)
    kept = []
    for column in schema:
        if statistics == UNTEXT_STATISTICS:
            keep = column.name not in TEXT_COLUMNS and not (
                pa.types.is_list(column.type) or pa.types.is_large_list(column.type)
            )
        else:
            keep = (
                column.name.endswith("_id")
                or column.name in KIND_COLUMNS
                or pa.types.is_date(column.type)
                or pa.types.is_timestamp(column.type)
            )
        if keep:
            kept.append(column.name)
    return kept


def parquet_bytes(
    arrow_table: pa.Table,
    statistics: str = KEY_STATISTICS,
    compression_level: int | None = COMPRESSION_LEVEL,
) -> bytes:
    """One part as Parquet bytes (zstd at ``compression_level``, statistics as
    :func:`statistics_columns` says): the same rows always give the same bytes.

    The Arrow schema is not stored in the footer (``store_schema=False``): the Parquet types already give
    back the contract's types (dates, lists of strings, nullability), and the serialized Arrow schema
    with every column's description cost about 5 KB per part, more than a small part's rows. The
    descriptions are in ``docs/tables.md`` and, as column comments, in ``catalog.duckdb``. No dictionary
    pages either: under zstd they saved nothing and cost a page per column, 4 to 11% of a table's parts
    (Reuters, 4,500 stories).
    """
    sink = pa.BufferOutputStream()
    pq.write_table(
        arrow_table,
        sink,
        compression=PARQUET_COMPRESSION,
        compression_level=compression_level,
        row_group_size=ROW_GROUP_SIZE,
        write_statistics=statistics_columns(arrow_table.schema, statistics),
        store_schema=False,
        use_dictionary=False,
    )
    return sink.getvalue().to_pybytes()


def store_dir(dataset: Path, table: str) -> Path:
    """The store folder of a table's parts."""
    return dataset / PARTS_DIR / table


def store_part(dataset: Path, table: str, data: bytes) -> tuple[Path, bool]:
    """Put one part into the store (fsynced, renamed into place) unless it is there already.

    Returns:
        Its path in the store, and whether it was written now.
    """
    return store_parts(dataset, table, [data])[0]


def store_parts(dataset: Path, table: str, contents: list[bytes]) -> list[tuple[Path, bool]]:
    """Put parts into the store unless they are there already: each is written under a temporary name,
    fsynced and renamed into place, so a part in the store is always whole.

    All are written before the first is fsynced: the file system then flushes them together, where a
    flush per part made a run wait for the disk once per new part.

    Returns:
        Per part, its path in the store and whether it was written now.
    """
    folder = store_dir(dataset, table)
    stored: list[tuple[Path, bool]] = []
    pending: dict[Path, Path] = {}  # store path → temporary
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        for data in contents:
            path = folder / (hashlib.sha256(data).hexdigest() + PART_SUFFIX)
            present = path.is_file() and not path.is_symlink() and path.stat().st_size == len(data)
            if present or path in pending:
                stored.append((path, False))
                continue
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f"{TEMP_PREFIX}{path.name}.{os.getpid()}"
            temporary.unlink(missing_ok=True)
            pending[path] = temporary
            with os.fdopen(os.open(temporary, flags, 0o444), "wb") as handle:
                handle.write(data)
            stored.append((path, True))
        for temporary in pending.values():
            _fsync_file(temporary)
        for path, temporary in pending.items():
            os.replace(temporary, path)
    except BaseException:
        for temporary in pending.values():
            temporary.unlink(missing_ok=True)
        raise
    return stored


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def link_part(stored: Path, target: Path) -> None:
    """Hard-link a stored part into a version folder (a copy where the file system refuses links)."""
    try:
        os.link(stored, target, follow_symlinks=False)
    except OSError as error:
        if error.errno not in COPY_INSTEAD:
            raise
        shutil.copyfile(stored, target, follow_symlinks=False)
        os.chmod(target, 0o444)
        with open(target, "rb") as handle:
            os.fsync(handle.fileno())


def stored_parts(dataset: Path) -> dict[tuple[str, str], Path]:
    """Every part in the store, by (table, file name)."""
    root = dataset / PARTS_DIR
    if not root.is_dir():
        return {}
    found = {}
    for table_folder in sorted(root.iterdir()):
        if not table_folder.is_dir() or table_folder.is_symlink():
            continue
        for path in sorted(table_folder.iterdir()):
            if path.name.endswith(PART_SUFFIX) and not path.name.startswith(TEMP_PREFIX):
                found[(table_folder.name, path.name)] = path
    return found


def listed_parts(manifest: dict[str, Any]) -> set[tuple[str, str]]:
    """(table, file name) of every part a version's manifest lists (none for a single-file version)."""
    listed = set()
    for table, entry in (manifest.get("tables") or {}).items():
        if isinstance(entry, dict):
            for part in entry.get("parts") or []:
                if isinstance(part, dict) and isinstance(part.get("file"), str):
                    listed.add((table, part["file"]))
    return listed


def remove_unused_parts(dataset: Path, used: set[tuple[str, str]]) -> list[str]:
    """Remove stored parts no remaining version lists, and temporary parts of crashed runs.

    Call only while holding the writer lock (a run links parts from the store).

    Returns:
        ``table/file`` of every removed part.
    """
    removed = []
    for (table, name), path in stored_parts(dataset).items():
        if (table, name) not in used:
            path.unlink(missing_ok=True)
            removed.append(f"{table}/{name}")
    remove_temporaries(dataset)
    return removed


def remove_temporaries(dataset: Path) -> list[str]:
    """Remove temporary part files of crashed runs from the store (under the writer lock)."""
    root = dataset / PARTS_DIR
    removed = []
    if not root.is_dir():
        return removed
    for table_folder in root.iterdir():
        if table_folder.is_dir() and not table_folder.is_symlink():
            for path in table_folder.iterdir():
                if path.name.startswith(TEMP_PREFIX):
                    path.unlink(missing_ok=True)
                    removed.append(f"{PARTS_DIR}/{table_folder.name}/{path.name}")
    return removed
