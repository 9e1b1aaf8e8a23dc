"""Immutable, versioned publishing of the tables as Parquet, with a manifest and an atomic ``latest``.

Layout of a dataset folder::

    DIR/
      v1/  v2/ ...             one folder per version: <table>/<sha256>.parquet parts + manifest.json
                               (never modified; parts shared with other versions, see factlake.parts)
      parts/<table>/           the store of content-addressed parts (hard-linked into the versions)
      latest -> v2             relative symlink, switched by an atomic rename once a version is complete
      catalog.duckdb           views over latest and one schema per version (see factlake.catalog)
      tags.json                names given to versions by `factlake tag` (kept by `factlake gc`)
      .lock                    writer lock (one run at a time)
      .history                 the highest version number ever published (numbers are never reused)
      .tmp-*                   a version being written; a crashed run's leftovers are removed by the next

A version folder is written under a hidden temporary name, every file and the folder are fsynced, and the
folder is renamed into place: a crash at any moment leaves either no new version or a complete one.

factlake never follows a symbolic link planted among its own files: ``.lock``, ``.history`` and
``tags.json`` are opened with ``O_NOFOLLOW`` (a link is refused with a message saying what to delete), and
every file it writes is replaced by a rename, which replaces a link rather than its target.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from factlake import part_generations, part_store, parts
from factlake.dataset_files import (
    TEMP_PREFIX,
    fsync_dir,
    lock_exclusively,
    open_lock_file,
    read_dataset_file,
    refusal,
    write_json_atomic,
    write_text_atomic,
)
from factlake.errors import RunError, TransientError
from schemas.tables import LIST_OF_STRINGS, SORT_KEYS, TABLES, typed_columns

VERSION_PATTERN = re.compile(r"^v(\d+)$")
MANIFEST = "manifest.json"
LATEST = "latest"
LOCK_FILE = ".lock"
HISTORY_FILE = ".history"
TAGS_FILE = "tags.json"
PARQUET_COMPRESSION = part_store.PARQUET_COMPRESSION
ROW_GROUP_SIZE = part_store.ROW_GROUP_SIZE
#: The per-input list of a version (what became of every input file or JSONL line): a table of its own,
#: published beside the contract's tables rather than inline in ``manifest.json``.
INPUTS_TABLE = "inputs"
INPUTS_SCHEMA = pa.schema(
    [
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("sha256", pa.string()),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("article_id", pa.string()),
        pa.field("stage", pa.string()),
        pa.field("error", pa.string()),
    ],
    metadata={"table": INPUTS_TABLE},
)
#: Every table a version can hold: the contract's tables and the inputs table.
PUBLISHED_TABLES = (*TABLES, INPUTS_TABLE)


@dataclass(frozen=True)
class PublishedVersion:
    """A version that exists on disk."""

    number: int
    path: Path

    @property
    def name(self) -> str:
        """Folder name, e.g. ``v3``."""
        return f"v{self.number}"


def sort_keys(table: str) -> list[str]:
    """The columns a published table is sorted by."""
    return SORT_KEYS.get(table, ["source_uri", "outcome"])


def arrow_schema(table: str) -> pa.Schema:
    """Arrow schema of a published table, derived from its pandera model (never written twice)."""
    if table == INPUTS_TABLE:
        return INPUTS_SCHEMA
    model = TABLES[table]
    schema = model.to_schema()
    list_columns = set(typed_columns(model, LIST_OF_STRINGS))
    date_columns = set(typed_columns(model, "date32"))
    fields = []
    for name, column in schema.columns.items():
        dtype = str(column.dtype)
        if name in list_columns:
            arrow_type = pa.list_(pa.string())
        elif name in date_columns:
            arrow_type = pa.date32()
        elif dtype.lower().startswith("int"):
            arrow_type = pa.int64()
        elif dtype.startswith("float"):
            arrow_type = pa.float64()
        elif dtype.startswith("bool"):
            arrow_type = pa.bool_()
        else:
            arrow_type = pa.string()
        description = (column.description or "").encode()
        fields.append(
            pa.field(name, arrow_type, nullable=column.nullable, metadata={"description": description})
        )
    return pa.schema(fields, metadata={"table": table})


def column_descriptions(table: str) -> dict[str, str]:
    """Column name → description of a published table, as its pandera model states them.

    Read from the model's fields rather than from :func:`arrow_schema`: building the pandera schema
    imports pandera's validation engines (seconds), which a catalog refresh should not pay.
    """
    if table not in TABLES:
        return {}
    fields = TABLES[table]._collect_fields()
    return {name: info.description for name, (_, info) in fields.items() if info.description}


def to_arrow(table: str, frame: pd.DataFrame, groups: pd.Series | None = None) -> pa.Table:
    """Sort a table by its keys (for compression and pruning) and convert it with its exact Arrow schema.

    ``groups`` (one integer per row, see :func:`factlake.parts.row_groups`) sorts by group first.
    """
    schema = arrow_schema(table)
    if groups is None:
        ordered = frame.sort_values(sort_keys(table), kind="stable").reset_index(drop=True)
    else:
        ordered = frame.assign(_part_group=groups.to_numpy())
        ordered = ordered.sort_values(["_part_group", *sort_keys(table)], kind="stable")
        ordered = ordered.reset_index(drop=True)
    columns = [column_array(ordered[field.name], field.type) for field in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def column_array(values: pd.Series, arrow_type: pa.DataType) -> pa.Array:
    """One column as an Arrow array of ``arrow_type``, every missing value (None, NaN, NA, NaT) a null.

    Arrow converts the column whole; a column it cannot convert so (a value of another type than its
    neighbours) goes value by value, which gives the same array, only slower.
    """
    try:
        return pa.array(values, type=arrow_type, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return pa.array([None if _is_missing(value) else value for value in values.tolist()], type=arrow_type)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value


def version_dirs(dataset: Path) -> list[PublishedVersion]:
    """Complete versions of a dataset, oldest first (temporary folders are never listed)."""
    if not dataset.is_dir():
        return []
    versions = []
    for entry in dataset.iterdir():
        match = VERSION_PATTERN.match(entry.name)
        if match and entry.is_dir() and (entry / MANIFEST).is_file():
            versions.append(PublishedVersion(int(match.group(1)), entry))
    return sorted(versions, key=lambda version: version.number)


def latest_version(dataset: Path) -> PublishedVersion | None:
    """The version ``latest`` points to, or None for a dataset with no version yet.

    Raises:
        RunError: when ``latest`` exists but points to no complete version.
    """
    link = dataset / LATEST
    if not link.is_symlink() and not link.exists():
        return None
    target = os.readlink(link) if link.is_symlink() else link.name
    match = VERSION_PATTERN.match(target)
    if not match or not (dataset / target / MANIFEST).is_file():
        raise RunError(f"dataset {dataset} is corrupt: 'latest' points to {target!r}, which is not a version")
    return PublishedVersion(int(match.group(1)), dataset / target)


def resolve_version(dataset: Path, version: int | str | None) -> PublishedVersion:
    """A version by number (``3``), folder name (``v3``), tag name, or None for latest.

    Raises:
        RunError: when the version does not exist.
    """
    if version is None or version == LATEST:
        found = latest_version(dataset)
        if found is None:
            raise RunError(f"dataset {dataset} has no published version yet; run `factlake run` first")
        return found
    text = str(version)
    tags = read_tags(dataset)
    if text in tags:
        text = f"v{tags[text]}"
    number = int(text[1:]) if text.startswith("v") and text[1:].isdigit() else None
    if number is None and text.isdigit():
        number = int(text)
    for candidate in version_dirs(dataset):
        if candidate.number == number:
            return candidate
    raise RunError(f"dataset {dataset} has no version {version!r}")


def read_manifest(version: PublishedVersion) -> dict[str, Any]:
    """The manifest of a version.

    Raises:
        RunError: when it cannot be read (a corrupted version).
    """
    try:
        return json.loads((version.path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise RunError(f"version {version.name} is corrupt: cannot read its manifest ({error})") from error


def read_table(
    version: PublishedVersion,
    table: str,
    columns: list[str] | None = None,
    skip_parts: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """A published table as a pandas DataFrame (list columns as Python lists, dates as ``datetime.date``).

    ``columns`` reads only those columns (all when None). A table of several parts comes back in its sort
    order (when ``columns`` include the sort keys), whatever parts the rows were stored in. A version this
    process is writing (its report being rendered) is read from the rows just written to its parts.
    ``skip_parts`` leaves out the rows of those parts (file names; see :func:`shared_parts`).
    """
    written = _being_written.get(version.path, {}).get(table)
    try:
        if written is not None:
            arrow_table = written.select(columns) if columns is not None else written
            if skip_parts:
                arrow_table = _without_parts(arrow_table, _part_entries(version, table), skip_parts)
        else:
            paths = [path for path in table_files(version, table) if path.name not in skip_parts]
            pieces = [_read_part(path, columns) for path in paths]
            if not pieces:  # every part skipped: no rows, the table's columns
                schema = arrow_schema(table)
                if columns is not None:
                    schema = pa.schema([schema.field(name) for name in columns])
                pieces = [schema.empty_table()]
            arrow_table = pa.concat_tables(pieces) if len(pieces) != 1 else pieces[0]
    except (OSError, pa.ArrowException) as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RunError(
            f"{version.name}/{table} cannot be read ({detail}); factlake verify lists the damage"
        ) from error
    keys = sort_keys(table)
    if set(keys) <= set(arrow_table.column_names):
        arrow_table = arrow_table.sort_by([(key, "ascending") for key in keys])
    return arrow_table.to_pandas(types_mapper=None, date_as_object=True, maps_as_pydicts="strict")


def _part_entries(version: PublishedVersion, table: str) -> list[dict[str, Any]]:
    """The manifest's parts of one table of a version (empty for a version of one file per table)."""
    entry = (read_manifest(version).get("tables") or {}).get(table)
    if isinstance(entry, dict) and isinstance(entry.get("parts"), list):
        return [part for part in entry["parts"] if isinstance(part, dict)]
    return []


def _without_parts(arrow_table: pa.Table, entries: list[dict[str, Any]], skip: frozenset[str]) -> pa.Table:
    """The rows of a table in part order (``entries``) that are in none of the parts ``skip`` names.

    Raises:
        RunError: when the parts do not hold the table's rows (never for a table as written with them).
    """
    if sum(int(part.get("rows", 0)) for part in entries) != arrow_table.num_rows:
        raise RunError("a table being written does not match its manifest's parts")
    kept, start = [], 0
    for part in entries:
        rows = int(part.get("rows", 0))
        if part.get("file") not in skip:
            kept.append(arrow_table.slice(start, rows))
        start += rows
    return pa.concat_tables(kept) if kept else arrow_table.slice(0, 0)


def shared_parts(old: PublishedVersion, new: PublishedVersion, table: str) -> frozenset[str]:
    """The parts (file names) of a table that both versions list: the same bytes, so the same rows.

    Empty when either version is of the layout with one file per table, or a manifest cannot be read.
    """
    try:
        old_files = {part.get("file") for part in _part_entries(old, table)}
        new_files = {part.get("file") for part in _part_entries(new, table)}
    except RunError:
        return frozenset()
    return frozenset(name for name in old_files & new_files if isinstance(name, str))


def _read_part(path: Path, columns: list[str] | None) -> pa.Table:
    """One Parquet file of a table, in this thread (a part is small: per-file set-up is most of the
    cost, a third of it spent by ``pq.read_table``'s dataset machinery and thread pool)."""
    with pq.ParquetFile(path) as part:
        return part.read(columns=columns, use_threads=False)


def table_files(version: PublishedVersion, table: str) -> list[Path]:
    """The Parquet files of one table of a version, in the order its manifest lists them.

    A version of the parts layout lists ``<table>/<sha256>.parquet`` parts; a version published before
    it has one ``<table>.parquet`` file.

    Raises:
        RunError: when the manifest cannot be read.
    """
    entry = (read_manifest(version).get("tables") or {}).get(table)
    if isinstance(entry, dict) and isinstance(entry.get("parts"), list):
        return [version.path / table / part["file"] for part in entry["parts"]]
    return [version.path / f"{table}.parquet"]


def table_schema(version: PublishedVersion, table: str) -> pa.Schema:
    """The Arrow schema of one table of a version (read from its first file's footer)."""
    return pq.read_schema(table_files(version, table)[0])


def read_tags(dataset: Path) -> dict[str, int]:
    """Tag name → version number.

    Raises:
        RunError: when ``tags.json`` is not a JSON object of names to version numbers (or is a link).
    """
    path = dataset / TAGS_FILE
    text = read_dataset_file(path)
    if text is None:
        return {}
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise RunError(f"{path} is not valid JSON: {error}; fix or delete it") from error
    if not isinstance(payload, dict) or not all(
        isinstance(number, int) and not isinstance(number, bool) for number in payload.values()
    ):
        raise RunError(f'{path} must map tag names to version numbers, like {{"q3": 2}}; fix or delete it')
    return dict(payload)


@contextlib.contextmanager
def writer_lock(dataset: Path, timeout: float = 0.0) -> Iterator[None]:
    """Hold the dataset's exclusive writer lock (an ``flock`` that dies with its process).

    Args:
        dataset: Dataset folder (created if missing).
        timeout: Seconds to wait for another run to finish; 0 fails at once.

    Raises:
        DatasetLockedError: when another run holds the lock past ``timeout``.
        RunError: when the dataset folder cannot be created or written.
    """
    try:
        dataset.mkdir(parents=True, exist_ok=True)
        handle = open_lock_file(dataset / LOCK_FILE)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise RunError(refusal(dataset / LOCK_FILE, error)) from error
        raise RunError(f"cannot write to dataset folder {dataset}: {error.strerror or error}") from error
    try:
        lock_exclusively(
            handle,
            timeout,
            f"another factlake run is writing {dataset}; try again when it has finished "
            f"(or pass --wait SECONDS)",
        )
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def check_dataset_ready(dataset: Path, wait: bool = False) -> None:
    """Fail early, before a run starts, when it could not publish: a dataset folder that cannot be
    written, a corrupt ``latest``, or (unless ``wait``) another run holding the writer lock.

    Raises:
        RunError: for an unwritable folder or a corrupt previous version.
        DatasetLockedError: when the lock is taken and ``wait`` is false.
    """
    try:
        dataset.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RunError(f"cannot write to dataset folder {dataset}: {error.strerror or error}") from error
    if not os.access(dataset, os.W_OK | os.X_OK):
        raise RunError(f"cannot write to dataset folder {dataset}: permission denied")
    latest = latest_version(dataset)
    if latest is not None:
        read_manifest(latest)
    next_version_number(dataset)
    if not wait:
        with writer_lock(dataset, timeout=0.0):
            pass


def clean_leftovers(dataset: Path) -> list[str]:
    """Remove temporary folders and files of crashed runs. Call only while holding the writer lock."""
    removed = []
    if not dataset.is_dir():
        return removed
    for entry in sorted(dataset.iterdir()):
        if entry.name.startswith(TEMP_PREFIX):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry.name)
    removed += part_store.remove_temporaries(dataset)
    return removed


def next_version_number(dataset: Path) -> int:
    """One more than the highest version ever published (numbers are never reused, even after gc)."""
    numbers = [version.number for version in version_dirs(dataset)]
    history = dataset / HISTORY_FILE
    text = read_dataset_file(history)
    if text is not None and text.strip():
        if not text.strip().isdigit():
            raise RunError(
                f"{history} should hold the highest version number ever published, "
                f"not {text.strip()[:40]!r}; fix it or delete it"
            )
        numbers.append(int(text.strip()))
    return max(numbers, default=0) + 1


#: The tables of the version this process is writing, by its temporary folder, in part order: while its
#: report is rendered, :func:`read_table` takes them from here rather than reading back the parts it has
#: just written (the same rows; reading every part back cost a fifth of publishing a version).
_being_written: dict[Path, dict[str, pa.Table]] = {}
#: Renders a version's report page from the version (still in its temporary folder) and its parent.
ReportRenderer = Callable[[PublishedVersion, "PublishedVersion | None"], str]
REPORT_FILE = "report.html"


def write_version(
    dataset: Path,
    tables: dict[str, pd.DataFrame],
    manifest: dict[str, Any],
    render_report: ReportRenderer | None = None,
    layout: parts.Layout = parts.DEFAULT_LAYOUT,
) -> PublishedVersion:
    """Write a complete new version and switch ``latest`` to it; the caller holds the writer lock.

    Every table becomes a folder of content-addressed parts shared with earlier versions
    (:mod:`factlake.parts`). ``manifest`` is completed with ``version``, ``parent``, every table's rows,
    bytes and parts, and ``storage`` (parts and bytes this version shares and writes anew).
    ``render_report`` (when given) writes ``report.html`` from the tables and manifest just written, before
    the version becomes visible: a crash leaves no version without its report. ``layout`` places rows
    into parts (the default groups them by the version in which they last changed).

    Raises:
        TransientError: on an I/O error (nothing visible has changed; the temporary folder is removed).
        RunError: when the disk is full or the folder is not writable.
    """
    number = next_version_number(dataset)
    parent = latest_version(dataset)
    name = f"v{number}"
    temporary = dataset / f"{TEMP_PREFIX}{name}-{os.getpid()}"
    try:
        temporary.mkdir(parents=True)
        code_sha256 = (manifest.get("code_version") or {}).get("code_sha256")
        table_entries, storage, written = write_tables(
            dataset, temporary, tables, number, parent, layout, code_sha256
        )
        full_manifest = {
            **manifest,
            "version": number,
            "parent": parent.number if parent else None,
            "tables": table_entries,
            "storage": storage,
        }
        write_json_atomic(temporary / MANIFEST, full_manifest)
        if render_report is not None:
            _being_written[temporary] = written
            try:
                page = render_report(PublishedVersion(number, temporary), parent)
            finally:
                del _being_written[temporary]
            write_text_atomic(temporary / REPORT_FILE, page)
        del written
        fsync_dir(temporary)
        # recorded before the version appears: a crash in between skips a number, never reuses one
        write_text_atomic(dataset / HISTORY_FILE, f"{number}\n")
        os.rename(temporary, dataset / name)
        fsync_dir(dataset)
        switch_latest(dataset, name)
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise RunError(f"disk full while writing {dataset}: nothing was published") from error
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise RunError(f"cannot write to dataset folder {dataset}: {error.strerror}") from error
        raise TransientError(f"I/O error while writing {dataset}: {error}") from error
    return PublishedVersion(number, dataset / name)


def write_tables(
    dataset: Path,
    folder: Path,
    tables: dict[str, pd.DataFrame],
    version: int = 1,
    parent: PublishedVersion | None = None,
    layout: parts.Layout = parts.DEFAULT_LAYOUT,
    code_sha256: str | None = None,
) -> tuple[dict[str, Any], dict[str, int], dict[str, pa.Table]]:
    """Write every table into the version folder being built, as parts shared through the store.

    Args:
        dataset: The dataset folder.
        folder: The version folder being built.
        tables: The version's tables.
        version: Its number (the generation of its new and changed rows).
        parent: The version it follows (its parts' generations place the unchanged rows).
        layout: How rows are placed into parts (:class:`factlake.parts.Layout`).
        code_sha256: The code writing the version: a part the parent has with the same rows, written by
            the same code, is linked without being encoded again
            (:func:`factlake.part_generations.reusable_parts`; None encodes every part).

    Returns:
        The manifest's ``tables`` entries (rows, bytes, parts) and ``storage`` counts: parts and bytes of
        the version, and those written anew (the rest are links to parts of earlier versions); and every
        table as written, its rows in part order. The rows' generations are kept in the dataset's cache
        folder (:func:`factlake.part_generations.save_generations`), so the next version matches its rows
        without reading these parts back.
    """
    from factlake.cache import CACHE_DIR  # the run's caches; reading a dataset never needs them

    entries: dict[str, Any] = {}
    storage = {"parts": 0, "bytes": 0, "new_parts": 0, "new_bytes": 0}
    parent_tables = parent_table_entries(parent)
    kept = part_generations.load_generations(dataset / CACHE_DIR) if layout.generational and parent else {}
    written_rows: dict[str, part_generations.KeptGenerations] = {}
    arrow_tables: dict[str, pa.Table] = {}
    for table, frame in tables.items():
        placement, reusable, encoding = None, None, ""
        if layout.generational:
            parent_parts = (parent_tables.get(table) or {}).get("parts")
            parent_folder = parent.path / table if parent is not None else None
            arrow_table, groups, placement = parts.place_table(
                table,
                to_arrow(table, frame),
                sort_keys(table),
                version,
                parent_folder,
                parent_parts,
                layout,
                kept.get(table),
            )
            encoding = part_generations.encoding_identity(arrow_table.schema, layout, code_sha256)
            reusable = part_generations.reusable_parts(kept.get(table), parent_parts, encoding)
        else:
            first_versions = parts.row_groups(table, frame, tables)
            arrow_table, groups = to_arrow(table, frame, first_versions), sorted(first_versions.tolist())
        written = parts.write_table_parts(
            dataset,
            table,
            arrow_table,
            groups,
            sort_keys(table),
            folder / table,
            placement,
            layout.part_rows.get(table),
            layout,
            reusable,
        )
        fsync_dir(folder / table)
        if layout.generational:
            written_rows[table] = part_generations.kept_generations(
                placement.fingerprints, groups, written.parts, encoding
            )
        entries[table] = {"rows": written.rows, "bytes": written.bytes, "parts": written.parts}
        arrow_tables[table] = arrow_table
        storage["parts"] += len(written.parts)
        storage["bytes"] += written.bytes
        storage["new_parts"] += written.new_parts
        storage["new_bytes"] += written.new_bytes
    for table_folder in {dataset / part_store.PARTS_DIR / table for table in tables}:
        if table_folder.is_dir():
            fsync_dir(table_folder)
    if written_rows:
        part_generations.save_generations(dataset / CACHE_DIR, written_rows)
    return entries, storage, arrow_tables


def parent_table_entries(parent: PublishedVersion | None) -> dict[str, Any]:
    """The parent manifest's ``tables`` (empty for no parent or one that cannot be read: its rows then
    count as changed, which costs bytes, never correctness)."""
    if parent is None:
        return {}
    try:
        entries = read_manifest(parent).get("tables")
    except RunError:
        return {}
    if not isinstance(entries, dict):
        return {}
    return {table: entry for table, entry in entries.items() if isinstance(entry, dict)}


def switch_latest(dataset: Path, name: str) -> None:
    """Point ``latest`` at ``name`` with an atomic rename of a fresh relative symlink."""
    temporary = dataset / f"{TEMP_PREFIX}latest-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    os.symlink(name, temporary)
    os.replace(temporary, dataset / LATEST)
    fsync_dir(dataset)
