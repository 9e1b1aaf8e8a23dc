"""Extraction on every core (factlake.workers): how many processes, how batches are cut, same output."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from factlake import discover, ingest, workers
from factlake.config import DEFAULT_SOURCE, FactlakeConfig, RunConfig
from factlake.dedup.article_inputs import ArticleInputs, article_inputs
from factlake.extract import extract_articles
from factlake.incremental import extract_batch_size
from factlake.reference import Reference


def test_all_cores_by_default_and_one_process_for_0_or_1() -> None:
    assert workers.worker_count(RunConfig()) == workers.available_cores() >= 1
    assert workers.worker_count(RunConfig(workers=0)) == 1
    assert workers.worker_count(RunConfig(workers=1)) == 1
    assert workers.worker_count(RunConfig(workers=3)) == 3
    assert workers.worker_count(RunConfig(task_runner="dask", workers=3)) == 1


def test_batches_are_cut_so_every_worker_gets_two() -> None:
    assert extract_batch_size(300, RunConfig(workers=2, batch_size=200)) == 75
    assert extract_batch_size(300, RunConfig(workers=1, batch_size=200)) == 200
    assert extract_batch_size(3000, RunConfig(workers=2, batch_size=200)) == 200
    assert extract_batch_size(300, RunConfig(task_runner="dask", dask_workers=3, workers=1)) == 50


def test_a_handful_of_articles_is_not_worth_a_worker_process() -> None:
    """Five articles (the seeds) are one batch for the flow's process: no worker loads the model."""
    assert workers.worker_count(RunConfig(workers=2), n_articles=5) == 1
    assert workers.worker_count(RunConfig(workers=4), n_articles=120) == 2
    assert extract_batch_size(5, RunConfig(workers=2, batch_size=200)) == 200
    assert extract_batch_size(5, RunConfig(workers=2, min_articles_per_worker=1, batch_size=200)) == 2
    assert extract_batch_size(120, RunConfig(workers=2, batch_size=200)) == 50  # not 30: pool batches


def test_one_worker_extracts_in_this_process_without_a_pool(reference: Reference, nlp: Any) -> None:
    config = replace(FactlakeConfig(), run=RunConfig(workers=1))
    articles = seed_articles(config, reference)[:1]
    extraction = workers.extract(articles, config, reference)
    assert same_inputs(extraction.dedup_inputs, article_inputs(articles, config.dedup))
    assert dataclasses.replace(extraction, dedup_inputs=None) == extract_articles(
        articles, nlp, config.extract, reference
    )
    assert workers._state["pool"] is None


def same_inputs(first: ArticleInputs | None, second: ArticleInputs) -> bool:
    """Whether two batches' dedup inputs hold the same keys, signatures and term rows."""
    return (
        first is not None
        and (first.signature_key, first.terms_key) == (second.signature_key, second.terms_key)
        and first.body_hashes == second.body_hashes
        and np.array_equal(first.shingle_counts, second.shingle_counts)
        and first.hashvalues.dtype == second.hashvalues.dtype
        and np.array_equal(first.hashvalues, second.hashvalues)
        and first.terms.equals(second.terms)
    )


def seed_articles(config: FactlakeConfig, reference: Reference) -> list[dict[str, Any]]:
    inputs, _ = discover.discover_inputs((DEFAULT_SOURCE,), config.parse)
    return ingest.read_and_parse(inputs, config.parse, reference).articles


@pytest.fixture
def two_workers() -> Iterator[FactlakeConfig]:
    yield replace(FactlakeConfig(), run=RunConfig(workers=2, min_articles_per_worker=1))
    workers.shut_down()


@pytest.mark.slow  # starts worker processes that load the spaCy model
def test_two_worker_processes_extract_what_one_process_does(
    two_workers: FactlakeConfig, reference: Reference, nlp: Any
) -> None:
    articles = seed_articles(two_workers, reference)
    expected = extract_articles(articles, nlp, two_workers.extract, reference)
    halves = [workers.extract(batch, two_workers, reference) for batch in (articles[:2], articles[2:])]
    pool = workers._state["pool"]
    assert pool is not None and os.getpid() not in {process.pid for process in pool._processes.values()}
    combined = {
        name: [row for half in halves for row in getattr(half, name)]
        for name in ("mentions", "entity_mentions")
    }
    assert combined == {name: getattr(expected, name) for name in combined}
    assert dataclasses.replace(expected, mentions=[], entity_mentions=[]).failed == {}
    # the signatures and story terms the workers computed are those computed in this process
    for half, batch in zip(halves, (articles[:2], articles[2:]), strict=True):
        assert same_inputs(half.dedup_inputs, article_inputs(batch, two_workers.dedup))
    workers.shut_down()
    assert workers._state["pool"] is None


@pytest.mark.slow  # whole runs through Prefect (a local server) and worker processes
def test_a_run_with_two_workers_publishes_the_parts_of_a_one_process_run(tmp_path: Path) -> None:
    from factlake.publish import read_manifest, resolve_version
    from factlake.runner import run_build

    shutil.copytree(DEFAULT_SOURCE, tmp_path / "articles")
    settings = {
        "one": RunConfig(workers=1),
        "two": RunConfig(workers=2, min_articles_per_worker=1, batch_size=2),
    }
    manifests = {}
    for name, run in settings.items():
        config = replace(FactlakeConfig(), sources=(tmp_path / "articles",), dataset=tmp_path / name, run=run)
        assert run_build(config).version == 1
        manifests[name] = read_manifest(resolve_version(config.dataset, 1))
    assert manifests["one"]["tables"] == manifests["two"]["tables"]  # parts are named by their bytes
    for cache in ("signature_cache", "story_term_cache"):
        assert manifests["one"][cache] == manifests["two"][cache]
    assert manifests["one"]["inputs_sha256"] == manifests["two"]["inputs_sha256"]
    assert workers._state["pool"] is None  # the run stopped its workers
