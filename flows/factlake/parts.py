"""Versions that share storage: each table as a folder of immutable, content-addressed Parquet parts.

Every version's table is cut into *parts*: Parquet files named by the SHA-256 of their bytes. A part is
written once into the dataset's store (``DIR/parts/<table>/<sha256>.parquet``) and hard-linked into every
version that has it (``DIR/vN/<table>/<sha256>.parquet``), so a version that changes 1% of the rows
writes the parts those rows fall in, and every other part costs one directory entry. The version folder
is still a plain folder of Parquet files: ``pd.read_parquet("vN/facts")``,
``pl.read_parquet("vN/facts/*.parquet")`` and DuckDB's ``FROM 'vN/facts/*.parquet'`` read it without
factlake. Where the file system refuses a hard link, the part is copied (readers see no difference; the
version then costs its full size). The version's ``manifest.json`` lists its parts (file, rows, bytes).

Which rows share a part decides how much a new version writes, so the cut is made to be stable
(:class:`Layout`; the default is *generational*):

1. every row has a *generation*: the version in which it last changed. A row the parent version has
   unchanged (same values in every column, matched by a hash of the whole row) keeps the generation the
   parent's manifest recorded for its part; a new or changed row gets this version's number. Rows that
   keep changing (facts of an active story, popular entities) so gather in small recent generations,
   and the cold parts of old generations stay shared;
2. rows are in generation order; within a generation, rows likely to change together sit together
   (:data:`CHANGE_ORDER`), then in the table's sort order;
3. a part ends after every row whose sort key hashes to 0 modulo the table's target part size
   (content-defined chunking): removing or changing a row rewrites the one part it falls in, never
   shifts the cut of the others. Each *hot* generation (recent and small) starts a part of its own and
   may be cut smaller; when it cools, its parts merge with their neighbours (bounded compaction).

A version's manifest lists, per part, its rows' generations as runs (``"generations": [[7, 120]]``),
which is all the next version needs. A parent without them (published before this layout) gives every
row this version's generation: that version rewrites every part once. The layout depends only on the
versions' rows and their order: the same versions give the same parts, byte for byte.

The store is only an index of what was written: every version folder holds its own links, so removing a
part from the store (``factlake gc`` removes the parts no remaining version lists) never damages a
version.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from factlake.keyed_cache import read_keyed_table, write_table_atomic

PARTS_DIR = "parts"
PART_SUFFIX = ".parquet"
TEMP_PREFIX = ".tmp-"
PARQUET_COMPRESSION = "zstd"
#: zstd level of parts: 6 makes parts 4-5% smaller than the default level (1) for 40% more encoding time
#: (+0.3 s CPU over every part of 4,500 Reuters stories); level 19 saves 8% but costs 7 s more.
COMPRESSION_LEVEL = 6
ROW_GROUP_SIZE = 128 * 1024
#: Expected rows per part, per table (others: DEFAULT_PART_ROWS). Smaller parts rewrite less when a few
#: rows change, larger ones pay less per-file overhead (a footer with the schema, a directory entry).
#: The rows a new article updates (facts of its story, entity counts, stories, conflicts, mentions whose
#: fact merged) are scattered over their table, so those tables are cut small.
PART_ROWS = {
    "articles": 128,
    "mentions": 128,
    "facts": 64,
    "stories": 32,
    "entities": 64,
    "conflicts": 64,
    "inputs": 4096,
}
DEFAULT_PART_ROWS = 1024
#: Group of rows that belong to no article (rejects, entities, conflicts).
NO_GROUP = 0
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
#: Link errors after which a part is copied instead (file systems without hard links, or across devices).
COPY_INSTEAD = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES}


@dataclass
class WrittenTable:
    """What writing one table into a version did.

    Attributes:
        parts: Manifest entries of its parts in read order: ``{"file", "rows", "bytes"}``.
        new_bytes: Bytes of parts that were not in the store yet (what this version really wrote).
        new_parts: Number of such parts.
    """

    parts: list[dict[str, Any]] = field(default_factory=list)
    new_bytes: int = 0
    new_parts: int = 0

    @property
    def rows(self) -> int:
        """Rows of the table."""
        return sum(part["rows"] for part in self.parts)

    @property
    def bytes(self) -> int:
        """Bytes of the table, shared parts included."""
        return sum(part["bytes"] for part in self.parts)


def _first_versions(articles: pd.DataFrame | None) -> dict[str, int]:
    if articles is None or "first_version" not in articles or "article_id" not in articles:
        return {}
    known = articles.dropna(subset=["first_version"])
    return dict(zip(known["article_id"], known["first_version"].astype(int), strict=True))


def _earliest_by(frame: pd.DataFrame | None, key: str, first_versions: dict[str, int]) -> dict[str, int]:
    """The earliest first version of the articles of each ``key`` value of ``frame`` (with article_id)."""
    if frame is None or key not in frame or "article_id" not in frame or frame.empty:
        return {}
    groups = frame["article_id"].map(first_versions)
    pairs = pd.DataFrame({"key": frame[key], "group": groups}).dropna()
    if pairs.empty:
        return {}
    earliest = pairs.groupby("key", sort=False)["group"].min()
    return {name: int(value) for name, value in earliest.items()}


@dataclass(frozen=True)
class Layout:
    """How rows are placed into parts: what decides how many parts a new version writes.

    Attributes:
        generational: Group rows by the version in which they last changed (an unchanged row keeps the
            generation its parent version's part recorded; a new or changed row joins this version's), so
            rows that keep changing sit together in recent parts and cold parts stay shared. False groups
            rows by the version their article first appeared in (the first parts layout).
        hot_versions: Rows changed in the last ``hot_versions`` versions are *hot*: each hot generation
            starts a part of its own and is cut into parts ``hot_divisor`` times smaller. When a
            generation cools, its parts merge with their neighbours (every hot cut is also a cold one,
            so only the cooling generation's parts and the one before it are rewritten): compaction
            that costs one generation per version.
        hot_divisor: How much smaller hot parts are (1: as large as cold ones).
        part_rows: Target rows per part of some tables instead of :data:`PART_ROWS`.
        change_order: Within a generation, order rows by :data:`CHANGE_ORDER` before the sort key.
        statistics: Which columns keep min/max statistics (:func:`statistics_columns`).
        compression_level: zstd level of the parts (None: the codec's default, 1).
    """

    generational: bool = True
    hot_versions: int = 2
    hot_divisor: int = 1
    change_order: bool = True
    part_rows: dict[str, int] = field(default_factory=dict)
    statistics: str = KEY_STATISTICS
    compression_level: int | None = COMPRESSION_LEVEL


#: The layout versions are written with.
DEFAULT_LAYOUT = Layout()
#: The first parts layout: rows grouped by their article's first version, a cut between groups.
FIRST_VERSION_LAYOUT = Layout(generational=False)
#: Within a generation, rows likely to change together sit together (before the sort key): a new article
#: updates facts of its story (facts by story), recent stories (stories by their latest date, newest
#: first) and popular entities (entities by how many articles mention them, most first). Only the row's
#: own columns, so an unchanged row keeps its place.
CHANGE_ORDER = {
    "facts": [("story_id", "ascending")],
    "stories": [("last_published", "descending")],
    "entities": [("n_articles", "descending")],
}
#: A generation holding more than this share of a table's rows is never hot (a first version, or one
#: that rewrote most rows, is cut like cold rows: splitting it finely would only cost a rewrite later).
HOT_MAX_SHARE = 0.25
#: Cold generations of one block of this many consecutive versions share parts; a block starts a part.
#: A cooling generation merges into its block's last part (small), never into an old, large one, and
#: the parts of a table grow by at most one per block of versions.
COLD_BLOCK_VERSIONS = 8
#: Parts' ``generations`` in the manifest: runs of ``[generation, rows]`` in the part's row order.
GENERATIONS = "generations"


@dataclass(frozen=True)
class Placement:
    """Where the parts of one table of a generational version end.

    Attributes:
        targets: Target rows per part for every row in part order (see :func:`part_targets`).
        forced: Rows after which a part ends whatever their hash: the last row before a hot generation
            or a new block of cold ones (:data:`COLD_BLOCK_VERSIONS`), so the parts before it stay
            shared.
        fingerprints: :func:`row_fingerprints` of the rows in part order (what the next version matches
            its rows against: :func:`kept_generations`).
    """

    targets: list[int]
    forced: list[bool]
    fingerprints: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="uint64"))


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
    :func:`parquet_bytes`), the Arrow library that encodes, the layout's format settings and the table's
    schema. "" without ``code_sha256``: parts are then never reused without encoding."""
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


def lay_out(
    table: str, arrow_table: pa.Table, generations: np.ndarray, keys: list[str], change_order: bool = True
) -> np.ndarray:
    """The order of the rows in parts: by generation, then as :data:`CHANGE_ORDER` says, then by sort key.

    Args:
        table: The table's name.
        arrow_table: Its rows.
        generations: The group of every row.
        keys: The table's sort keys.
        change_order: Whether rows are ordered by :data:`CHANGE_ORDER` before the sort key.

    Returns:
        The positions of the rows in part order.
    """
    order = [("_generation", "ascending")]
    if change_order:
        order += [item for item in CHANGE_ORDER.get(table, []) if item[0] in arrow_table.column_names]
    order += [(key, "ascending") for key in keys if key in arrow_table.column_names]
    with_generation = arrow_table.append_column("_generation", pa.array(generations, type=pa.int64()))
    return pc.sort_indices(with_generation, sort_keys=order).to_numpy()  # nulls last


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


def row_groups(table: str, frame: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.Series:
    """The group of every row of ``frame``: the first version of the (earliest) article it belongs to.

    Args:
        table: Name of the table ``frame`` is.
        frame: Its rows.
        tables: Every table of the version (``articles`` and ``mentions`` give the article of a row).

    Returns:
        An integer per row (``NO_GROUP`` for rows of no article), on ``frame``'s index.
    """
    first_versions = _first_versions(tables.get("articles"))
    if table == "facts":
        mapping = _earliest_by(tables.get("mentions"), "fact_id", first_versions)
        keys = frame.get("fact_id")
    elif table == "stories":
        mapping = _earliest_by(tables.get("articles"), "story_id", first_versions)
        keys = frame.get("story_id")
    elif "article_id" in frame and table in ("articles", "mentions", "inputs"):
        mapping, keys = first_versions, frame["article_id"]
    else:
        mapping, keys = {}, None
    if keys is None or not mapping:
        return pd.Series(NO_GROUP, index=frame.index, dtype="int64")
    return keys.map(mapping).fillna(NO_GROUP).astype("int64")


def place_table(
    table: str,
    arrow_table: pa.Table,
    keys: list[str],
    version: int,
    parent_folder: Path | None,
    parent_parts: list[dict[str, Any]] | None,
    layout: Layout = DEFAULT_LAYOUT,
    kept: KeptGenerations | None = None,
) -> tuple[pa.Table, list[int], Placement]:
    """A table's rows in part order, their generations and where parts end (the generational layout).

    Args:
        table: The table's name.
        arrow_table: Its rows.
        keys: Its sort keys.
        version: The number of the version being written.
        parent_folder: The parent version's folder of this table (None for a first version).
        parent_parts: The parent manifest's parts of this table (with their generations).
        layout: The hot tier's settings.
        kept: The parent's rows as :func:`save_generations` kept them (None: read from its parts).

    Returns:
        The rows in part order, the generation of every row, and the placement for
        :func:`write_table_parts`.
    """
    fingerprints = row_fingerprints(arrow_table)
    generations = generations_of(table, arrow_table, version, parent_folder, parent_parts, kept, fingerprints)
    order = lay_out(table, arrow_table, generations, keys, layout.change_order)
    ordered, ordered_generations = arrow_table.take(order), generations[order]
    base_rows = layout.part_rows.get(table, PART_ROWS.get(table, DEFAULT_PART_ROWS))
    hot = hot_rows(ordered_generations, version, layout.hot_versions)
    targets = np.where(hot, max(1, base_rows // max(1, layout.hot_divisor)), base_rows).tolist()
    forced = generation_cuts(ordered_generations, hot, base_rows)
    return ordered, ordered_generations.tolist(), Placement(targets, forced.tolist(), fingerprints[order])


def generation_cuts(generations: np.ndarray, hot: np.ndarray, base_rows: int) -> np.ndarray:
    """Rows after which a part ends whatever their hash: the last row of a generation followed by a hot
    one, by one of another block (:data:`COLD_BLOCK_VERSIONS`), or itself of a large generation (one
    of ``base_rows`` rows or more, which has parts of its own). Small cold generations of one block
    thus share parts with each other, never with a large generation's parts."""
    forced = np.zeros(len(generations), dtype=bool)
    if len(generations) < 2:
        return forced
    values, counts = np.unique(generations, return_counts=True)
    large = np.isin(generations, values[counts >= base_rows])
    blocks = generations // COLD_BLOCK_VERSIONS
    changes = generations[1:] != generations[:-1]
    forced[:-1] = changes & (hot[1:] | (blocks[1:] != blocks[:-1]) | large[:-1])
    return forced


def hot_rows(generations: np.ndarray, version: int, hot_versions: int) -> np.ndarray:
    """Which rows are hot: of a generation of the last ``hot_versions`` versions that is not a large
    share of the table (:data:`HOT_MAX_SHARE`)."""
    values, counts = np.unique(generations, return_counts=True)
    small = values[counts <= HOT_MAX_SHARE * len(generations)]
    return (generations > version - hot_versions) & np.isin(generations, small)


def part_boundaries(groups: list[int], key_hashes: list[int], target_rows: int) -> list[int]:
    """Where parts end: row positions (exclusive) in sorted order, the last one ``len(groups)``.

    A part ends where the group changes and after every row whose key hash is 0 modulo ``target_rows``.
    """
    group_ends = [
        position + 1 < len(groups) and groups[position + 1] != groups[position]
        for position in range(len(groups))
    ]
    return cut_ends(key_hashes, [target_rows] * len(groups), group_ends)


def cut_ends(key_hashes: list[int], targets: list[int], forced: list[bool]) -> list[int]:
    """Where parts end: after every row whose key hash is 0 modulo its target, every ``forced`` row and
    the last row (content-defined cuts: removing a row never moves the cut of another part)."""
    ends = []
    for position, (key_hash, target, force) in enumerate(zip(key_hashes, targets, forced, strict=True)):
        if force or position + 1 == len(key_hashes) or key_hash % max(1, target) == 0:
            ends.append(position + 1)
    return ends


def key_hashes(frame: pd.DataFrame, keys: list[str]) -> list[int]:
    """A stable 64-bit hash of every row's sort key (pandas' hash with its fixed default key)."""
    if frame.empty:
        return []
    values = frame[keys].astype(str)
    return [int(value) for value in pd.util.hash_pandas_object(values, index=False).to_numpy()]


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


def write_table_parts(
    dataset: Path,
    table: str,
    arrow_table: pa.Table,
    groups: list[int],
    keys: list[str],
    folder: Path,
    placement: Placement | None = None,
    target_rows: int | None = None,
    layout: Layout = DEFAULT_LAYOUT,
    reusable: dict[bytes, dict[str, Any]] | None = None,
) -> WrittenTable:
    """Cut a table in part order into parts, store the new ones and link them all into ``folder``.

    A part whose rows and generations are those of a parent's part in ``reusable``
    (:func:`reusable_parts`) is linked from the store without being encoded again (a version that
    changes 1% of the rows encodes the parts those rows fall in, not every part).

    Args:
        dataset: The dataset folder (its store receives new parts).
        table: The table's name.
        arrow_table: Its rows in part order (by group, then as :func:`lay_out` orders them).
        groups: The group of every row, in the same order.
        keys: The table's sort keys (their hash decides where parts end).
        folder: The table's folder in the version being written (created here).
        placement: Per-row part targets and forced cuts of the generational layout (None: the
            table's target for every row, a cut between groups, no generations recorded).
        target_rows: The table's target part size when ``placement`` is None (None: :data:`PART_ROWS`).
        layout: The parts' format (:attr:`Layout.statistics`, :attr:`Layout.compression_level`).
        reusable: Parts of the parent that need no encoding, by :func:`part_key` (only with
            ``placement``, whose fingerprints key the rows).

    Returns:
        The parts in order and what was new. An empty table is one part with no rows, so readers of
        the folder still find its schema.
    """
    folder.mkdir(parents=True)
    keys = [name for name in keys if name in arrow_table.column_names]
    hashes = key_hashes(arrow_table.select(keys).to_pandas(), keys) if keys else [0] * arrow_table.num_rows
    base_rows = target_rows or PART_ROWS.get(table, DEFAULT_PART_ROWS)
    if placement is None:
        ends = part_boundaries(groups, hashes, base_rows) or [0]
    else:
        ends = cut_ends(hashes, placement.targets, placement.forced) or [0]
    written = WrittenTable()
    starts = [0, *ends[:-1]]
    runs = [
        generation_runs(np.asarray(groups[start:end], dtype="int64")) if placement is not None else []
        for start, end in zip(starts, ends, strict=True)
    ]
    reused = [
        _stored_reusable(dataset, table, placement.fingerprints[start:end], part_runs, reusable)
        if placement is not None and reusable
        else None
        for start, end, part_runs in zip(starts, ends, runs, strict=True)
    ]
    contents = [
        parquet_bytes(arrow_table.slice(start, end - start), layout.statistics, layout.compression_level)
        for start, end, found in zip(starts, ends, reused, strict=True)
        if found is None
    ]
    encoded = iter(zip(contents, store_parts(dataset, table, contents), strict=True))
    for start, end, part_runs, found in zip(starts, ends, runs, reused, strict=True):
        if found is None:
            data, (stored, new) = next(encoded)
            size = len(data)
        else:
            (stored, size), new = found, False
        target = folder / stored.name
        if not target.exists():  # two identical parts in one table (identical rows) are one file
            link_part(stored, target)
        entry: dict[str, Any] = {"file": stored.name, "rows": end - start, "bytes": size}
        if placement is not None:
            entry[GENERATIONS] = part_runs
        written.parts.append(entry)
        written.new_parts += int(new)
        written.new_bytes += size if new else 0
    return written


def _stored_reusable(
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
