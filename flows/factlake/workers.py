"""Extraction on every core: a pool of worker processes behind the default task runner.

The default runner runs Prefect tasks in threads of the flow's process, which the GIL limits to one core.
With ``RunConfig.workers`` above 1 (by default, one per core available to the process), each extract
task hands its batch to a pool of that many worker processes, each of which loads the spaCy pipeline
once; Prefect still sees one task per batch, and the batches' results are taken in order, so the output
is the same as with one process (extraction of an article depends on nothing but the article). With
each batch's extraction, the worker also computes what deduplication needs of each article on its own
(:mod:`factlake.dedup.article_inputs`), which the flow adds to the dedup stages' caches.

The pool starts when the first batch worth it arrives (a run with a handful of new articles, such as the
seeds, extracts them in the flow's process and starts no worker), and lives until :func:`shut_down` (a
served flow keeps it, and the loaded model, between scheduled runs). Worker processes are started by a
fork server (or spawned where there is none), never forked from the threaded flow process. With the Dask
runner, extraction runs on the Dask workers and this pool is not used.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from factlake.config import ExtractConfig, FactlakeConfig, RunConfig
from factlake.errors import RunError

if TYPE_CHECKING:
    from factlake.extract import Extraction
    from factlake.reference import Reference

_lock = threading.Lock()
#: The pool of this process and the (worker count, extraction settings) it was started for.
_state: dict[str, Any] = {"pool": None, "key": None}


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def worker_count(run: RunConfig, n_articles: int | None = None) -> int:
    """Processes extraction uses: ``run.workers`` (0 and 1 both mean the flow's own process), or one per
    available core when it is None; with ``n_articles`` to extract, no more than one per
    ``run.min_articles_per_worker`` of them. Always 1 with the Dask runner (its workers are the processes)."""
    if run.task_runner != "default":
        return 1
    count = available_cores() if run.workers is None else max(1, run.workers)
    if n_articles is not None:
        count = min(count, max(1, n_articles // max(1, run.min_articles_per_worker)))
    return count


@functools.lru_cache(maxsize=2)
def _nlp(config: ExtractConfig) -> Any:
    from factlake.extract import build_nlp

    return build_nlp(config)


def nlp_for(config: ExtractConfig) -> Any:
    """The spaCy pipeline for ``config``, loaded once per process (threads and workers reuse it)."""
    return _nlp(config)


def _load_in_worker(config: ExtractConfig) -> None:
    nlp_for(config)


def _extract_in_worker(
    articles: list[dict[str, Any]], config: FactlakeConfig, reference: Reference
) -> Extraction:
    """Extract a batch, with the dedup inputs of its extracted articles (signatures and story terms)
    computed here too: in a worker they are computed in parallel, and the dedup stages find them cached."""
    from factlake.dedup.article_inputs import article_inputs
    from factlake.extract import extract_articles

    extraction = extract_articles(articles, nlp_for(config.extract), config.extract, reference)
    extracted = [article for article in articles if article["article_id"] not in extraction.failed]
    extraction.dedup_inputs = article_inputs(extracted, config.dedup)
    return extraction


def _start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


def _pool(config: FactlakeConfig) -> ProcessPoolExecutor | None:
    """This process's pool for ``config`` (started now if needed), or None for one process."""
    count = worker_count(config.run)
    if count <= 1:
        return None
    key = (count, config.extract)
    with _lock:
        if _state["pool"] is not None and _state["key"] != key:
            _state["pool"].shutdown(wait=True, cancel_futures=True)
            _state["pool"] = None
        if _state["pool"] is None:
            context = multiprocessing.get_context(_start_method())
            _state["pool"] = ProcessPoolExecutor(
                count, mp_context=context, initializer=_load_in_worker, initargs=(config.extract,)
            )
            _state["key"] = key
        return _state["pool"]


def extract(articles: list[dict[str, Any]], config: FactlakeConfig, reference: Reference) -> Extraction:
    """Extract one batch: in a worker process of the pool, or in this process for one worker (or when
    the batch is too small to be worth starting the pool: see :func:`factlake.incremental.extract_batch_size`,
    which cuts one batch of all articles when there are few).

    Raises:
        RunError: when a worker process died (killed, out of memory); the pool is discarded.
    """
    started = _state["pool"] is not None
    # a run cut for several workers (incremental.extract_batch_size) gives batches of at least
    # min_articles_per_worker (but its last one); a smaller batch is a run of few articles
    worth_it = len(articles) >= config.run.min_articles_per_worker
    pool = _pool(config) if started or worth_it else None
    if pool is None:
        return _extract_in_worker(articles, config, reference)
    try:
        return pool.submit(_extract_in_worker, articles, config, reference).result()
    except BrokenProcessPool as error:
        shut_down()
        raise RunError(
            "an extraction worker process died (out of memory or killed); run again, or with --workers 1"
        ) from error


def shut_down() -> None:
    """Stop this process's pool (if any) and its worker processes."""
    with _lock:
        pool, _state["pool"], _state["key"] = _state["pool"], None, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
