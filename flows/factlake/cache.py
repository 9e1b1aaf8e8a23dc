"""Extraction cache for incremental runs: unchanged articles carry their extraction over.

Extraction is the expensive stage, so its per-article output (mentions and entity mentions, before the
dataset-wide linking) is kept in ``DIR/.cache/extraction.parquet``, keyed by the hash of the article's
exact body (offsets point into it), its publication date (relative dates resolve against it) and the
extraction key (extractor versions, extraction settings and reference data). A change of any of those
misses the cache and re-extracts.

The cache is columnar: one row per article key, whose ``mentions`` and ``entities`` are lists of structs,
stored by Parquet as one column per field with one value per mention (or entity mention). It is read
with pyarrow and bound to the run's articles in bulk: rows taken in article order, lists flattened, the
fields handed on as frame columns, without a Python object per mention. One file keeps the cache
replaced by one rename, and an article without any mention still has its row (a hit, not a miss).

Ids that depend on where the article came from (``article_id``, ``mention_id``) are not stored: they are
recomputed when entries are bound to articles, with the same formulas the extractors use, so a cached
result is identical to a fresh one. Fresh extractions go through the same entries before they are bound,
so both take one path. The cache is only an accelerator: a missing or unreadable cache file, or one of
another layout, means a full extraction, never a failure; a file of the first layout (one JSON string per
article) is converted once when read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from factlake.config import ExtractConfig
from factlake.extract import Extraction
from factlake.records import columns_to_frame, sha256_hex, stable_id
from factlake.reference import Reference

CACHE_DIR = ".cache"
CACHE_FILE = "extraction.parquet"
#: Schema metadata naming the layout of the cache file (the first layout had none).
LAYOUT_KEY = b"factlake.extraction_cache"
LAYOUT = b"columnar/1"
#: Mention columns that depend on the article's origin or on dedup: never stored, set when bound.
UNSTORED_MENTION_COLUMNS = ("mention_id", "article_id", "fact_id")
#: Fields of an entity mention besides its ``article_id`` (see :class:`factlake.extract.Extraction`).
ENTITY_FIELDS = pa.struct(
    [
        ("text", pa.string()),
        ("char_start", pa.int64()),
        ("char_end", pa.int64()),
        ("label", pa.string()),
        ("entity_type", pa.string()),
        ("name", pa.string()),
        ("role", pa.string()),
    ]
)


class BoundExtraction(NamedTuple):
    """The extraction of a run's articles as frames, bound from cache entries.

    Attributes:
        mentions: The ``mentions`` frame (the contract's columns and dtypes; ``fact_id`` null, names as
            each article wrote them), articles in run order, each article's mentions in extraction order.
        entity_mentions: One row per entity mention, in the same order: ``article_id`` and the fields
            of :data:`ENTITY_FIELDS` (strings as Python objects, None when missing).
        failed: ``rejects`` records of the articles whose extraction failed, by ``article_id``.
    """

    mentions: pd.DataFrame
    entity_mentions: pd.DataFrame
    failed: dict[str, dict[str, Any]]


def extraction_key(config: ExtractConfig, reference: Reference, extractor_versions: dict[str, str]) -> str:
    """What decides an article's extraction besides its text and date."""
    settings = dataclasses.asdict(config)
    settings.pop("batch_size", None)
    settings.pop("n_process", None)
    payload = json.dumps({"settings": settings, "extractors": extractor_versions}, sort_keys=True)
    return stable_id(payload, reference.fingerprint)


def article_key(article: dict[str, Any], key: str) -> str:
    """Cache key of one article: its exact body (offsets point into it), publication date and ``key``."""
    published = article["published_date"]
    return stable_id(sha256_hex(article["body"]), published.isoformat() if published else "", key)


@functools.cache
def mention_fields() -> pa.StructType:
    """The stored fields of a mention: the published ``mentions`` columns but the unstored ones."""
    from factlake.publish import arrow_schema

    return pa.struct(
        [
            pa.field(field.name, field.type)
            for field in arrow_schema("mentions")
            if field.name not in UNSTORED_MENTION_COLUMNS
        ]
    )


@functools.cache
def cache_schema() -> pa.Schema:
    """Schema of the cache file: one row per article key, its mentions and entity mentions as lists."""
    return pa.schema(
        [
            ("key", pa.string()),
            ("mentions", pa.list_(mention_fields())),
            ("entities", pa.list_(ENTITY_FIELDS)),
        ],
        metadata={LAYOUT_KEY: LAYOUT},
    )


def empty_entries() -> pa.Table:
    """Cache entries of no article."""
    return cache_schema().empty_table()


def cached_keys(entries: pa.Table) -> set[str]:
    """The article keys ``entries`` hold."""
    return set(entries.column("key").to_pylist())


def _entries(keys: list[str], mentions: list[list[dict]], entities: list[list[dict]]) -> pa.Table:
    """Entries from records: per key, its mention and entity mention dicts (other keys are ignored)."""
    return pa.table(
        {
            "key": pa.array(keys, pa.string()),
            "mentions": pa.array(mentions, pa.list_(mention_fields())),
            "entities": pa.array(entities, pa.list_(ENTITY_FIELDS)),
        },
        schema=cache_schema(),
    )


def entries_for(articles: list[dict[str, Any]], extraction: Extraction, key: str) -> pa.Table:
    """Cache entries for freshly extracted articles, one row per article, in article order."""
    mentions_by_article: dict[str, list[dict[str, Any]]] = {}
    entities_by_article: dict[str, list[dict[str, Any]]] = {}
    for row in extraction.mentions:
        mentions_by_article.setdefault(row["article_id"], []).append(row)
    for row in extraction.entity_mentions:
        entities_by_article.setdefault(row["article_id"], []).append(row)
    return _entries(
        [article_key(article, key) for article in articles],
        [mentions_by_article.get(article["article_id"], []) for article in articles],
        [entities_by_article.get(article["article_id"], []) for article in articles],
    )


def merge_entries(tables: list[pa.Table]) -> pa.Table:
    """Entries of several tables as one; a key held by several keeps its first row."""
    merged = pa.concat_tables([empty_entries(), *tables]).combine_chunks()
    keys = merged.column("key").to_pylist()
    if len(set(keys)) == len(keys):
        return merged
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    return merged.take(pa.array(sorted(first.values()), pa.int64()))


def select_entries(entries: pa.Table, keys: list[str]) -> pa.Table:
    """The rows of ``entries`` for ``keys``, in that order (every key must be in ``entries``)."""
    row_of = {key: row for row, key in enumerate(entries.column("key").to_pylist())}
    return entries.take(pa.array([row_of[key] for key in keys], pa.int64()))


def _flattened(column: pa.ChunkedArray) -> tuple[list[pa.Array], np.ndarray]:
    """The fields of a list-of-structs column, one value per list item, and each item's row."""
    lists = column.combine_chunks()
    parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    return lists.flatten().flatten(), parents


def bind(entries: pa.Table, article_ids: list[str], failed: dict[str, dict[str, Any]]) -> BoundExtraction:
    """Bind entries to articles: row ``i`` of ``entries`` holds the extraction of ``article_ids[i]``.

    Every field becomes a frame column in bulk; ``article_id`` is repeated from the rows and
    ``mention_id`` recomputed per mention with the extractors' formula
    (``stable_id(article_id, fact_type, char_start, char_end)``), so the frames equal those of a fresh
    extraction of the same articles.
    """
    ids = np.asarray(article_ids, dtype=object)
    fields, parents = _flattened(entries.column("mentions"))
    columns: dict[str, Any] = {}
    for field, values in zip(mention_fields(), fields, strict=True):
        if pa.types.is_string(field.type):
            columns[field.name] = values.to_pandas()
        elif pa.types.is_integer(field.type) or pa.types.is_floating(field.type):
            columns[field.name] = values.to_numpy(zero_copy_only=False)
        else:  # dates and lists of strings: Python objects, as in records
            columns[field.name] = values.to_pylist()
    mention_article_ids = ids[parents].tolist()
    columns["article_id"] = mention_article_ids
    columns["mention_id"] = [
        stable_id(article_id, fact_type, start, end)
        for article_id, fact_type, start, end in zip(
            mention_article_ids,
            fields[mention_fields().get_field_index("fact_type")].to_pylist(),
            columns["char_start"].tolist(),
            columns["char_end"].tolist(),
            strict=True,
        )
    ]
    mentions = columns_to_frame("mentions", columns)

    entity_values, entity_parents = _flattened(entries.column("entities"))
    entity_columns: dict[str, Any] = {"article_id": pd.Series(ids[entity_parents], dtype=object)}
    for field, values in zip(ENTITY_FIELDS, entity_values, strict=True):
        if pa.types.is_integer(field.type):
            entity_columns[field.name] = values.to_numpy(zero_copy_only=False)
        else:  # objects, None when missing (a frame would infer strings, missing as NaN)
            entity_columns[field.name] = pd.Series(values.to_pylist(), dtype=object)
    entity_mentions = pd.DataFrame(entity_columns, columns=["article_id", *ENTITY_FIELDS.names])
    return BoundExtraction(mentions, entity_mentions, failed)


def _from_json_entries(table: pa.Table) -> pa.Table:
    """Entries of the first layout (``key`` and a JSON ``entry`` per article) in the columnar layout."""
    date_fields = [field.name for field in mention_fields() if field.type == pa.date32()]
    keys, mentions, entities = [], [], []
    for key, entry in zip(table.column("key").to_pylist(), table.column("entry").to_pylist(), strict=True):
        payload = json.loads(entry)
        for row in payload["mentions"]:
            for name in date_fields:
                if row.get(name):
                    row[name] = dt.date.fromisoformat(row[name])
        keys.append(key)
        mentions.append(payload["mentions"])
        entities.append(payload["entities"])
    return _entries(keys, mentions, entities)


def load_cache(dataset: Path) -> pa.Table:
    """The cache entries of a dataset: empty when there is none, or it cannot be read, or it has another
    layout; a file of the first (JSON) layout is converted."""
    path = dataset / CACHE_DIR / CACHE_FILE
    try:
        table = pq.read_table(path)
        if table.schema.names == ["key", "entry"]:
            return _from_json_entries(table)
        if (table.schema.metadata or {}).get(LAYOUT_KEY) != LAYOUT or not table.schema.equals(cache_schema()):
            return empty_entries()
        return table.replace_schema_metadata(cache_schema().metadata)
    except (OSError, pa.ArrowException, ValueError, KeyError, TypeError, AttributeError):
        return empty_entries()


def save_cache(dataset: Path, entries: pa.Table) -> None:
    """Replace the cache with ``entries`` (those of the articles of the latest run), atomically."""
    directory = dataset / CACHE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    table = entries.sort_by("key") if entries.num_rows else entries
    temporary = directory / f".tmp-{CACHE_FILE}.{os.getpid()}"
    pq.write_table(table, temporary, compression="zstd")
    os.replace(temporary, directory / CACHE_FILE)
