"""Extraction on every core (factlake.workers): how many processes, how batches are cut, same output."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from factlake import discover, ingest, workers
from factlake.config import DEFAULT_SOURCE, FactlakeConfig, RunConfig
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


def test_one_worker_extracts_in_this_process_without_a_pool(reference: Reference, nlp: Any) -> None:
    config = replace(FactlakeConfig(), run=RunConfig(workers=1))
    articles = seed_articles(config, reference)[:1]
    assert workers.extract(articles, config, reference) == extract_articles(
        articles, nlp, config.extract, reference
    )
    assert workers._state["pool"] is None


def seed_articles(config: FactlakeConfig, reference: Reference) -> list[dict[str, Any]]:
    inputs, _ = discover.discover_inputs((DEFAULT_SOURCE,), config.parse)
    return ingest.read_and_parse(inputs, config.parse, reference).articles


@pytest.fixture
def two_workers() -> Iterator[FactlakeConfig]:
    yield replace(FactlakeConfig(), run=RunConfig(workers=2))
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
    workers.shut_down()
    assert workers._state["pool"] is None
