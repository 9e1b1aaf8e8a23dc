"""Is a published version still what was published? (``factlake versions`` and ``factlake verify``).

Every manifest records, per table, its parts (file name = SHA-256 of its bytes, rows, size); versions
published before tables were split into parts record one ``<table>.parquet`` file with its rows, size and
SHA-256. Two checks compare a version with its manifest:

- the *quick* check (``factlake versions``, the catalog, ``factlake sql``): every file is present and a
  regular file, has the recorded size, and a table's folder holds no file its manifest does not list
  (analysts read the folder whole); a single-file table's Parquet footer must also count the recorded
  rows. It costs a ``stat`` per part (and a few kilobytes per single file), so it runs on every listing
  and query;
- the *full* check (``factlake verify``) adds the SHA-256 of every byte, which catches any change at all
  (a flipped bit inside a page, a file rewritten with the same row count) but reads the whole version.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from factlake.errors import RunError
from factlake.publish import PublishedVersion, read_manifest, version_dirs
from schemas.tables import TABLES

#: Bytes read at a time when hashing a table file.
HASH_CHUNK_BYTES = 1 << 20


def version_problems(version: PublishedVersion, full: bool = False) -> list[str]:
    """What is wrong with a version compared with its manifest, one sentence each (empty when healthy).

    Args:
        version: The version to check.
        full: Also compare the SHA-256 of every table file (reads every byte).
    """
    if version.path.is_symlink():
        return [f"{version.name} is a symbolic link, not a folder factlake published"]
    try:
        manifest = read_manifest(version)
    except RunError as error:
        return [f"cannot read {version.name}/manifest.json ({error.__cause__ or error})"]
    tables = manifest.get("tables")
    if not isinstance(tables, dict):
        return ["manifest.json lists no tables"]
    problems = [f"manifest.json has no entry for table {name}" for name in TABLES if name not in tables]
    for table, entry in sorted(tables.items()):
        if not isinstance(entry, dict):
            problems.append(f"manifest.json entry of table {table} is not an object")
        elif "parts" in entry:
            problems += parts_problems(version.path / table, entry["parts"], full)
        else:
            problems += table_problems(version.path / f"{table}.parquet", entry, full)
    return problems


def parts_problems(folder: Path, parts: Any, full: bool) -> list[str]:
    """What is wrong with one table folder of parts compared with the parts its manifest lists."""
    name = f"{folder.parent.name}/{folder.name}"
    if not isinstance(parts, list) or not all(isinstance(part, dict) and "file" in part for part in parts):
        return [f"manifest.json lists the parts of {folder.name} wrongly"]
    if folder.is_symlink() or not folder.is_dir():
        return [f"{name} is not a folder" if folder.exists() else f"{name} is missing"]
    problems = []
    listed = {part["file"] for part in parts}
    extra = sorted(entry.name for entry in folder.iterdir() if entry.name not in listed)
    if extra:
        problems.append(f"{name} holds {len(extra)} file(s) its manifest does not list, e.g. {extra[0]}")
    for part in parts:
        expected = {"rows": part.get("rows"), "bytes": part.get("bytes")}
        expected["sha256"] = str(part["file"]).removesuffix(".parquet")
        label = f"{name}/{short_name(part['file'])}"
        problems += table_problems(folder / part["file"], expected, full, label, footer=full)
    return problems


def table_problems(
    path: Path, entry: dict[str, Any], full: bool, name: str | None = None, footer: bool = True
) -> list[str]:
    """What is wrong with one table file compared with its manifest entry (``rows``, ``bytes``,
    ``sha256``); ``name`` is how messages name the file (default: its folder and file name).

    ``footer`` reads the Parquet footer for the row count. The quick check of a part skips it: a part's
    name is its SHA-256, its size is checked, and a version of many parts (hundreds, each listed by
    every query's catalog) costs one ``stat`` per part instead of a read.
    """
    name = name or f"{path.parent.name}/{path.name}"
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return [f"{name} is not a regular file"]
    if not path.exists():
        return [f"{name} is missing"]
    problems = []
    size = path.stat().st_size
    if "bytes" in entry and size != entry["bytes"]:
        problems.append(f"{name} has {size} bytes, the manifest says {entry['bytes']}")
    if not footer:
        return problems
    try:
        rows = pq.read_metadata(path).num_rows
    except (OSError, pa.ArrowException) as error:
        problems.append(f"{name} is not a readable Parquet file ({_first_line(error)})")
    else:
        if rows != entry.get("rows"):
            problems.append(f"{name} has {rows} rows, the manifest says {entry.get('rows')}")
    if full and entry.get("sha256") != file_sha256(path):
        problems.append(f"{name} does not have the SHA-256 of its manifest (changed after publishing)")
    return problems


def short_name(file_name: str) -> str:
    """A part's file name in messages: the first 12 hex digits of its SHA-256 (enough to find it)."""
    stem = file_name.removesuffix(".parquet")
    return f"{stem[:12]}….parquet" if len(stem) > 12 else file_name


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def newest_healthy_version(dataset: Path) -> PublishedVersion | None:
    """The newest version that passes the quick check (what to read when ``latest`` is missing)."""
    for version in reversed(version_dirs(dataset)):
        if not version_problems(version):
            return version
    return None
