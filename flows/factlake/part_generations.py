"""Which rows of a version are unchanged from its parent, and which parts need no encoding again.

The generational layout (:mod:`factlake.parts`) places every row by its *generation*: the version in
which it last changed. A row is matched to its parent's by a fingerprint (a hash of the row's whole
content); after writing a version, the fingerprints and generations of its rows are kept in
``DIR/.cache/generations.parquet`` (:func:`save_generations`), so the next version matches its rows
without reading its parent's parts back. A part whose rows and generations are those of a parent's part,
encoded by the same code and settings (:func:`encoding_identity`), is linked from the store rather than
encoded again (:func:`reusable_parts`). Both are accelerators only: without them the parent's parts are
read and every part encoded, with the same bytes as the outcome.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from factlake.keyed_cache import read_keyed_table, write_table_atomic
from factlake.part_store import PARQUET_COMPRESSION, ROW_GROUP_SIZE, store_dir

if TYPE_CHECKING:
    from factlake.parts import Layout

#: Seed of :func:`row_fingerprints`, and what a fingerprint kept across runs is valid with (the hash
#: changes with Polars' version).
FINGERPRINT_SEED = 0
FINGERPRINT_SCHEME = f"polars-{pl.__version__}-hash_rows-{FINGERPRINT_SEED}"
#: The fingerprint and generation of every row of the last version written, by table: the next version
#: matches its rows against them instead of reading its parent's parts back (:class:`KeptGenerations`).
GENERATIONS_FILE = "generations.parquet"
SCHEME_KEY = b"fingerprint_scheme"
IDENTITY_KEY_PREFIX = "parts_sha256:"
#: Metadata key prefix of a table's :func:`encoding_identity` in the record of generations.
ENCODING_KEY_PREFIX = "encoding:"
#: Parts' ``generations`` in the manifest: runs of ``[generation, rows]`` in the part's row order.
GENERATIONS = "generations"


def row_fingerprints(arrow_table: pa.Table) -> np.ndarray:
    """A 64-bit hash of every row's whole content: equal rows, whatever part they came from, hash equal.

    Polars hashes the columns natively (a tenth of the time of hashing them as Python strings). Its hash
    is stable within one Polars version only: a fingerprint kept across runs is kept with
    :data:`FINGERPRINT_SCHEME`. Only placement and skipped checks depend on it (a collision could put a
    row in the wrong generation, never change a value).
    """
    if arrow_table.num_rows == 0:
        return np.zeros(0, dtype="uint64")
    return pl.from_arrow(arrow_table).hash_rows(seed=FINGERPRINT_SEED).to_numpy()


def known_generations(folder: Path, entries: list[dict[str, Any]]) -> pd.Series:
    """Generation of every row of a parent version's table, by row fingerprint.

    Args:
        folder: The parent version's table folder.
        entries: Its manifest's parts (with ``generations``; parts without them are skipped).

    Returns:
        Generation by fingerprint (empty when the parent has none recorded or cannot be read: its rows
        then count as changed, which costs bytes, never correctness).
    """
    pieces, generations = [], []
    for entry in entries:
        runs = entry.get(GENERATIONS) if isinstance(entry, dict) else None
        if not runs:
            continue
        try:
            part = pq.read_table(folder / entry["file"])
        except (OSError, pa.ArrowException):
            return pd.Series(dtype="int64")
        expanded = np.repeat([run[0] for run in runs], [run[1] for run in runs])
        if len(expanded) == part.num_rows:
            pieces.append(part)
            generations.append(expanded)
    if not pieces:
        return pd.Series(dtype="int64")
    try:  # one hash pass over the whole table: per part, pandas' fixed costs dominated
        fingerprints = row_fingerprints(pa.concat_tables(pieces))
    except pa.ArrowInvalid:  # parts of different schemas
        fingerprints = np.concatenate([row_fingerprints(piece) for piece in pieces])
    known = pd.Series(np.concatenate(generations), index=fingerprints, dtype="int64")
    return known[~known.index.duplicated(keep="first")]


@dataclass(frozen=True)
class KeptGenerations:
    """The rows of one table of a written version, as the next version matches rows against them.

    Attributes:
        parts_sha256: :func:`parts_digest` of the table's manifest parts: the record holds for a parent
            whose manifest lists exactly these parts (files named by their content, and generations).
        fingerprints: :func:`row_fingerprints` of the rows in part order.
        generations: The generation of every row, in the same order.
        encoding: :func:`encoding_identity` of the table's parts ("" when not recorded: a record of
            earlier code, whose parts are encoded again rather than reused).
    """

    parts_sha256: str
    fingerprints: np.ndarray
    generations: np.ndarray
    encoding: str = ""

    def known(self) -> pd.Series:
        """Generation by fingerprint, as :func:`known_generations` reads it from the parts."""
        known = pd.Series(self.generations, index=self.fingerprints, dtype="int64")
        return known[~known.index.duplicated(keep="first")]


def parts_digest(entries: Any) -> str:
    """The SHA-256 of a table's manifest parts (files, rows, bytes, generations) as canonical JSON."""
    return hashlib.sha256(json.dumps(entries, sort_keys=True, default=str).encode()).hexdigest()


def kept_generations(
    fingerprints: np.ndarray, groups: list[int], entries: list[dict[str, Any]], encoding: str = ""
) -> KeptGenerations:
    """What the next version needs of a table just written: its rows' fingerprints and generations (in
    part order), the digest of its manifest parts and how they were encoded."""
    return KeptGenerations(parts_digest(entries), fingerprints, np.asarray(groups, dtype="int64"), encoding)


def encoding_identity(schema: pa.Schema, layout: Layout, code_sha256: str | None) -> str:
    """What decides a part's bytes besides its rows: the code (``code_sha256``, which covers
    :func:`factlake.part_store.parquet_bytes`), the Arrow library that encodes, the layout's format
    settings and the table's schema. "" without ``code_sha256``: parts are then never reused without
    encoding."""
    if not code_sha256:
        return ""
    payload = [
        code_sha256,
        pa.__version__,
        PARQUET_COMPRESSION,
        layout.compression_level,
        layout.statistics,
        ROW_GROUP_SIZE,
        schema.remove_metadata().to_string(show_field_metadata=False),
    ]
    return hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()


def part_key(fingerprints: np.ndarray, runs: list[list[int]]) -> bytes:
    """What identifies a part's content for reuse: its rows' fingerprints in order and their
    generations (both decide its bytes under one :func:`encoding_identity`)."""
    return np.ascontiguousarray(fingerprints, dtype="<u8").tobytes() + json.dumps(runs).encode()


def reusable_parts(
    kept: KeptGenerations | None, parent_parts: list[dict[str, Any]] | None, encoding: str
) -> dict[bytes, dict[str, Any]]:
    """The parent's parts that a part of this version with the same :func:`part_key` can reuse without
    encoding it, by key.

    Only when the record of generations describes exactly the parent's parts and they were encoded as
    this version's would be (same :func:`encoding_identity`): a part is then the same bytes as the
    encoding of its rows would give. Rows are matched by their 64-bit fingerprints, as generations are.
    """
    if kept is None or not encoding or kept.encoding != encoding or not parent_parts:
        return {}
    if kept.parts_sha256 != parts_digest(parent_parts):
        return {}
    reusable: dict[bytes, dict[str, Any]] = {}
    start = 0
    for entry in parent_parts:
        rows, runs = int(entry.get("rows", 0)), entry.get(GENERATIONS)
        if runs and rows:
            reusable.setdefault(part_key(kept.fingerprints[start : start + rows], runs), entry)
        start += rows
    return reusable if start == len(kept.fingerprints) else {}


def stored_reusable(
    dataset: Path,
    table: str,
    fingerprints: np.ndarray,
    runs: list[list[int]],
    reusable: dict[bytes, dict[str, Any]],
) -> tuple[Path, int] | None:
    """The stored part (path, bytes) a part of these rows can be instead of encoding them, or None
    when the parent has no such part or the store lost it (it is then encoded and stored again)."""
    entry = reusable.get(part_key(fingerprints, runs))
    if entry is None:
        return None
    path = store_dir(dataset, table) / str(entry["file"])
    try:
        present = path.is_file() and not path.is_symlink() and path.stat().st_size == int(entry["bytes"])
    except OSError:
        return None
    return (path, int(entry["bytes"])) if present else None


def save_generations(folder: Path, kept: dict[str, KeptGenerations]) -> None:
    """Replace ``folder/generations.parquet`` with ``kept`` (by table), atomically.

    Only an accelerator: a missing, unreadable or outdated file makes the next version read its parent's
    parts instead (:func:`known_generations`), with the same outcome.
    """
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(kept)
    metadata = {SCHEME_KEY: FINGERPRINT_SCHEME.encode()}
    metadata.update(
        {f"{IDENTITY_KEY_PREFIX}{name}".encode(): kept[name].parts_sha256.encode() for name in names}
    )
    metadata.update({f"{ENCODING_KEY_PREFIX}{name}".encode(): kept[name].encoding.encode() for name in names})
    table = pa.table(
        {
            "table": pa.array(
                np.repeat(names, [len(kept[name].generations) for name in names]).tolist(), pa.string()
            ),
            "fingerprint": pa.array(
                np.concatenate([kept[name].fingerprints for name in names] or [[]]), pa.uint64()
            ),
            "generation": pa.array(
                np.concatenate([kept[name].generations for name in names] or [[]]), pa.int64()
            ),
        }
    ).replace_schema_metadata(metadata)
    write_table_atomic(folder / GENERATIONS_FILE, table)


def load_generations(folder: Path) -> dict[str, KeptGenerations]:
    """The record :func:`save_generations` kept, by table (empty when missing, unreadable or computed by
    another fingerprint hash)."""
    table = read_keyed_table(folder / GENERATIONS_FILE, SCHEME_KEY, FINGERPRINT_SCHEME)
    if table is None:
        return {}
    metadata = table.schema.metadata or {}
    names = table.column("table").to_numpy(zero_copy_only=False)
    fingerprints = table.column("fingerprint").to_numpy()
    generations = table.column("generation").to_numpy()
    kept = {}
    for name in dict.fromkeys(names.tolist()):
        digest = metadata.get(f"{IDENTITY_KEY_PREFIX}{name}".encode())
        if digest is not None:
            rows = names == name
            encoding = metadata.get(f"{ENCODING_KEY_PREFIX}{name}".encode(), b"").decode()
            kept[name] = KeptGenerations(digest.decode(), fingerprints[rows], generations[rows], encoding)
    return kept


def generations_of(
    table: str,
    arrow_table: pa.Table,
    version: int,
    parent_folder: Path | None,
    parent_parts: list[dict[str, Any]] | None,
    kept: KeptGenerations | None = None,
    fingerprints: np.ndarray | None = None,
) -> np.ndarray:
    """The generation of every row: its parent's for a row the parent has unchanged, else ``version``.

    The parent's rows come from ``kept`` when it records exactly the parent's parts, else from reading
    the parts. ``fingerprints``: the rows' :func:`row_fingerprints`, when already computed.
    """
    if parent_folder is None or not parent_parts:
        return np.full(arrow_table.num_rows, version, dtype="int64")
    if kept is not None and kept.parts_sha256 == parts_digest(parent_parts):
        known = kept.known()
    else:
        known = known_generations(parent_folder, parent_parts)
    if known.empty:
        return np.full(arrow_table.num_rows, version, dtype="int64")
    if fingerprints is None:
        fingerprints = row_fingerprints(arrow_table)
    found = pd.Series(fingerprints).map(known)
    return found.fillna(version).astype("int64").to_numpy()


def generation_runs(generations: np.ndarray) -> list[list[int]]:
    """``[[generation, rows], ...]`` of consecutive equal generations (a part's manifest entry)."""
    runs: list[list[int]] = []
    for generation in generations.tolist():
        if runs and runs[-1][0] == generation:
            runs[-1][1] += 1
        else:
            runs.append([int(generation), 1])
    return runs
