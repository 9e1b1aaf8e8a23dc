"""Incremental extraction: only articles the extraction cache does not hold go through spaCy.

Pure wiring between the cache (:mod:`factlake.cache`) and whatever runs the extraction: the caller
passes ``submit``, which starts the extraction of one batch and returns a handle with ``result()`` (a
Prefect future in the flow, a :class:`concurrent.futures.Future` or any object with that method in a
test). Batches are submitted up front, so a task runner with several workers extracts them in parallel,
and their results are taken in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Container
from typing import Any, NamedTuple, Protocol

import pyarrow as pa

from factlake import cache
from factlake.config import RunConfig
from factlake.extract import Extraction

ProgressCallback = Callable[[str, int, int], None]


class PendingExtraction(Protocol):
    """A started extraction of one batch of articles."""

    def result(self) -> Extraction:
        """Wait for the extraction and return it."""
        ...


Submit = Callable[[list[dict[str, Any]]], PendingExtraction]


class IncrementalExtraction(NamedTuple):
    """The outcome of :func:`extract_incrementally` (a tuple, so the flow unpacks it and holds no extra
    reference to the extraction).

    Attributes:
        extraction: The extraction of every article as frames, in article order, cached or fresh alike.
        entries: The cache entries of every article (what the cache keeps for the next run).
        stats: Counts of articles, of articles extracted and of articles carried over, for the manifest.
    """

    extraction: cache.BoundExtraction
    entries: pa.Table
    stats: dict[str, int]


def batches(items: list[Any], size: int) -> list[list[Any]]:
    """``items`` in consecutive slices of ``size`` (the last one shorter; sizes below 1 count as 1)."""
    size = max(1, size)
    return [items[start : start + size] for start in range(0, len(items), size)]


def extract_batch_size(n_articles: int, run: RunConfig) -> int:
    """Articles per extract task: ``batch_size``, smaller when worker processes would otherwise idle.

    With worker processes (a Dask cluster, or the default runner's pool of ``workers``), a few large
    batches leave workers waiting for the last one (300 articles in batches of 200 keep one of two workers
    busy for two thirds of the stage); at least two batches per worker balance the load, and the default
    runner's batches are no smaller than ``min_articles_per_worker`` (a smaller one, a run of few
    articles, is extracted in the flow's process). One process keeps ``batch_size`` (it runs one batch at
    a time).
    """
    from factlake.workers import worker_count

    size = max(1, run.batch_size)
    smallest = 1
    if run.task_runner == "dask":
        processes = max(1, run.dask_workers)
    else:
        processes = worker_count(run, n_articles)
        if processes <= 1:
            return size
        smallest = max(1, run.min_articles_per_worker)  # a smaller batch is extracted in-process
    per_worker = max(smallest, -(-n_articles // (2 * processes)))
    return max(1, min(size, per_worker))


def articles_to_extract(articles: list[dict[str, Any]], cached: Container[str], key: str) -> list[dict]:
    """The articles whose extraction the cache does not hold, each distinct body once.

    Articles with the same cache key and the very same body text (syndicated copies, re-sent stories)
    get the same extraction, so only the first of them goes through spaCy.
    """
    misses: list[dict[str, Any]] = []
    pending: set[tuple[str, str]] = set()
    for article in articles:
        article_key = cache.article_key(article, key)
        if article_key not in cached and (article_key, article["body"]) not in pending:
            pending.add((article_key, article["body"]))
            misses.append(article)
    return misses


def extract_incrementally(
    articles: list[dict[str, Any]],
    cached: pa.Table | None,
    key: str,
    submit: Submit,
    run: RunConfig,
    report: ProgressCallback,
    absorb: Callable[[Extraction], None] | None = None,
) -> IncrementalExtraction:
    """Extract the articles ``cached`` does not hold; carry the others over.

    Args:
        articles: Parsed articles of the run, in order.
        cached: Cache entries of earlier runs (:func:`factlake.cache.load_cache`; None: no cache).
        key: The extraction key of this run (:func:`factlake.cache.extraction_key`).
        submit: Starts the extraction of one batch and returns its pending result.
        run: Run settings; the batches are :func:`extract_batch_size` of the articles to extract.
        report: Progress callback ``("extract", batches done, batches)``.
        absorb: Called with each batch's extraction as it arrives (before it is dropped), for what it
            carries besides the mentions (its ``dedup_inputs``); None: nothing more is taken.

    Returns:
        The extraction of every article as frames, the cache entries of every article and the counts.
    """
    cached = cache.empty_entries() if cached is None else cached
    misses = articles_to_extract(articles, cache.cached_keys(cached), key)
    batch_size = extract_batch_size(len(misses), run)
    submitted = deque((batch, submit(batch)) for batch in batches(misses, batch_size))
    n_batches = len(submitted)
    # Each batch's extraction becomes its (columnar) cache entries as it arrives and is then dropped with
    # its pending result; the extraction of every article is bound from the entries below.
    fresh: list[pa.Table] = []
    failed: dict[str, dict[str, Any]] = {}
    for done in range(1, n_batches + 1):
        batch, pending = submitted.popleft()
        result = pending.result()
        failed.update(_failed_by_key(batch, result, key))
        extracted = [article for article in batch if article["article_id"] not in result.failed]
        fresh.append(cache.entries_for(extracted, result, key))
        if absorb is not None:
            absorb(result)
        report("extract", done, n_batches)
    entries = cache.merge_entries([cached, *fresh])
    del fresh
    failed_articles: dict[str, dict[str, Any]] = {}
    keys: list[str] = []
    article_ids: list[str] = []
    for article in articles:
        article_key = cache.article_key(article, key)
        if article_key in failed:  # its extraction failed (or that of a copy with the same body)
            source = {"source_uri": article["source_uri"], "content_sha256": article["content_sha256"]}
            failed_articles[article["article_id"]] = {**failed[article_key], **source}
            continue
        keys.append(article_key)
        article_ids.append(article["article_id"])
    extraction = cache.bind(cache.select_entries(entries, keys), article_ids, failed_articles)
    used = cache.select_entries(entries, list(dict.fromkeys(keys)))
    stats = {"articles": len(articles), "extracted": len(misses), "carried_over": len(articles) - len(misses)}
    return IncrementalExtraction(extraction, used, stats)


def _failed_by_key(batch: list[dict[str, Any]], result: Extraction, key: str) -> dict[str, dict[str, Any]]:
    """The reject of every article of ``batch`` whose extraction failed, by its cache key.

    Failed articles get no cache entry (a later run retries them); copies with the same key share the
    failure instead of being looked up in the cache.
    """
    return {
        cache.article_key(article, key): result.failed[article["article_id"]]
        for article in batch
        if article["article_id"] in result.failed
    }


def extractor_versions() -> dict[str, str]:
    """``name/version`` of every extractor component, for the manifest and the extraction key: entities
    (no fact kind, but every kind's extractor reads them), then each registered fact kind's."""
    from factlake.extract import entities
    from factlake.kinds import fact_kinds

    extractors = (entities, *(kind.extractor for kind in fact_kinds()))
    return {module.NAME: module.VERSION for module in extractors}
