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

This module places rows into parts and writes a table's parts; matching rows to the parent's (fingerprints,
generations, parts reused without encoding) is :mod:`factlake.part_generations`, and a part's bytes and
the store are :mod:`factlake.part_store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from factlake.part_generations import (
    GENERATIONS,
    KeptGenerations,
    generation_runs,
    generations_of,
    row_fingerprints,
    stored_reusable,
)
from factlake.part_store import COMPRESSION_LEVEL, KEY_STATISTICS, link_part, parquet_bytes, store_parts

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
        statistics: Which columns keep min/max statistics (:func:`factlake.part_store.statistics_columns`).
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


@dataclass(frozen=True)
class Placement:
    """Where the parts of one table of a generational version end.

    Attributes:
        targets: Target rows per part for every row in part order (see :func:`part_targets`).
        forced: Rows after which a part ends whatever their hash: the last row before a hot generation
            or a new block of cold ones (:data:`COLD_BLOCK_VERSIONS`), so the parts before it stay
            shared.
        fingerprints: :func:`factlake.part_generations.row_fingerprints` of the rows in part order (what
            the next version matches its rows against: :func:`factlake.part_generations.kept_generations`).
    """

    targets: list[int]
    forced: list[bool]
    fingerprints: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="uint64"))


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
        kept: The parent's rows as :func:`factlake.part_generations.save_generations` kept them (None:
            read from its parts).

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


def part_boundaries(groups: list[int], key_hashes: Sequence[int], target_rows: int) -> list[int]:
    """Where parts end: row positions (exclusive) in sorted order, the last one ``len(groups)``.

    A part ends where the group changes and after every row whose key hash is 0 modulo ``target_rows``.
    """
    values = np.asarray(groups)
    group_ends = np.zeros(len(values), dtype=bool)
    group_ends[:-1] = values[1:] != values[:-1]
    return cut_ends(key_hashes, [target_rows] * len(values), group_ends)


def cut_ends(key_hashes: Sequence[int], targets: Sequence[int], forced: Sequence[bool]) -> list[int]:
    """Where parts end: after every row whose key hash is 0 modulo its target, every ``forced`` row and
    the last row (content-defined cuts: removing a row never moves the cut of another part).

    Computed over all rows at once: a table's every row is looked at by every version written.
    """
    hashes = np.asarray(key_hashes, dtype=np.uint64)
    if not len(hashes) == len(targets) == len(forced):
        raise ValueError("key_hashes, targets and forced differ in length")
    if not len(hashes):
        return []
    divisors = np.maximum(np.asarray(targets, dtype=np.int64), 1).astype(np.uint64)
    ends = np.asarray(forced, dtype=bool) | (hashes % divisors == 0)
    ends[-1] = True
    return (np.flatnonzero(ends) + 1).tolist()


def key_hashes(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """A stable 64-bit hash of every row's sort key (pandas' hash with its fixed default key)."""
    if frame.empty:
        return np.zeros(0, dtype=np.uint64)
    values = frame[keys].astype(str)
    return pd.util.hash_pandas_object(values, index=False).to_numpy()


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
    (:func:`factlake.part_generations.reusable_parts`) is linked from the store without being encoded
    again (a version that changes 1% of the rows encodes the parts those rows fall in, not every part).

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
        reusable: Parts of the parent that need no encoding, by
            :func:`factlake.part_generations.part_key` (only with ``placement``, whose fingerprints key the
            rows).

    Returns:
        The parts in order and what was new. An empty table is one part with no rows, so readers of
        the folder still find its schema.
    """
    folder.mkdir(parents=True)
    keys = [name for name in keys if name in arrow_table.column_names]
    hashes = (
        key_hashes(arrow_table.select(keys).to_pandas(), keys)
        if keys
        else np.zeros(arrow_table.num_rows, dtype=np.uint64)
    )
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
        stored_reusable(dataset, table, placement.fingerprints[start:end], part_runs, reusable)
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
