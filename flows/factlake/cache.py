"""Extraction cache for incremental runs: unchanged articles carry their extraction over.

Extraction is the expensive stage, so its per-article output (mentions and entity mentions, before the
dataset-wide linking) is kept in ``DIR/.cache/extraction.parquet``, keyed by the hash of the article's
exact body (offsets point into it), its publication date (relative dates resolve against it) and the
extraction key (extractor versions, extraction settings and reference data). A change of any of those
misses the cache and re-extracts.

Ids that depend on where the article came from (``article_id``, ``mention_id``) are not stored: they are
recomputed when an entry is bound to an article, with the same formulas the extractors use, so a cached
result is identical to a fresh one. The cache is only an accelerator: a missing or unreadable cache file
means a full extraction, never a failure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from factlake.config import ExtractConfig
from factlake.extract import Extraction
from factlake.records import sha256_hex, stable_id
from factlake.reference import Reference

CACHE_DIR = ".cache"
CACHE_FILE = "extraction.parquet"
DATE_FIELDS = ("event_date",)


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


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _entry(mentions: list[dict[str, Any]], entity_mentions: list[dict[str, Any]]) -> str:
    strip = ("article_id", "mention_id")
    payload = {
        "mentions": [{k: _encode(v) for k, v in row.items() if k not in strip} for row in mentions],
        "entities": [{k: v for k, v in row.items() if k != "article_id"} for row in entity_mentions],
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False)


def bind(entry: str, article_id: str) -> Extraction:
    """Turn a cache entry back into the extraction of the article ``article_id``."""
    payload = json.loads(entry)
    mentions = []
    for row in payload["mentions"]:
        for name in DATE_FIELDS:
            if row.get(name):
                row[name] = dt.date.fromisoformat(row[name])
        row["article_id"] = article_id
        row["mention_id"] = stable_id(article_id, row["fact_type"], row["char_start"], row["char_end"])
        mentions.append(row)
    entities = [{**row, "article_id": article_id} for row in payload["entities"]]
    return Extraction(mentions=mentions, entity_mentions=entities)


def entries_for(articles: list[dict[str, Any]], extraction: Extraction, key: str) -> dict[str, str]:
    """Cache entries for freshly extracted articles, by article key."""
    mentions_by_article: dict[str, list[dict[str, Any]]] = {}
    entities_by_article: dict[str, list[dict[str, Any]]] = {}
    for row in extraction.mentions:
        mentions_by_article.setdefault(row["article_id"], []).append(row)
    for row in extraction.entity_mentions:
        entities_by_article.setdefault(row["article_id"], []).append(row)
    return {
        article_key(article, key): _entry(
            mentions_by_article.get(article["article_id"], []),
            entities_by_article.get(article["article_id"], []),
        )
        for article in articles
    }


def load_cache(dataset: Path) -> dict[str, str]:
    """The cache entries of a dataset (empty when there is none or it cannot be read)."""
    path = dataset / CACHE_DIR / CACHE_FILE
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException):
        return {}
    return dict(zip(table.column("key").to_pylist(), table.column("entry").to_pylist(), strict=True))


def save_cache(dataset: Path, entries: dict[str, str]) -> None:
    """Replace the cache with ``entries`` (those of the articles of the latest run), atomically."""
    directory = dataset / CACHE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    keys = sorted(entries)
    table = pa.table({"key": keys, "entry": [entries[key] for key in keys]})
    temporary = directory / f".tmp-{CACHE_FILE}.{os.getpid()}"
    pq.write_table(table, temporary, compression="zstd")
    os.replace(temporary, directory / CACHE_FILE)
