"""Incremental extraction without a flow run: the real extractors behind a plain thread pool."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from factlake import cache
from factlake.config import ExtractConfig, RunConfig
from factlake.extract import Extraction, extract_articles
from factlake.incremental import batches, extract_batch_size, extract_incrementally, extractor_versions
from factlake.records import to_frame
from factlake.reference import Reference
from tests.factories import article_record

BODIES = {
    "a.txt": "“We will rebuild the bridge by March,” Mayor Anne Hidalgo said on Monday. 120 workers joined.",
    "b.txt": "At least 40 soldiers were wounded in the attack, the army said on Tuesday.",
    "c.txt": "Prime Minister Rishi Sunak met President Emmanuel Macron in Paris on Friday.",
    "d.txt": "Prices rose 10.1% in the year to September, the Office for National Statistics said.",
}


BATCHES_OF_TWO = RunConfig(batch_size=2)
ENTITY_COLUMNS = ["article_id", "text", "char_start", "char_end", "label", "entity_type", "name", "role"]


class Extractor:
    """Runs the real extraction of each submitted batch on a thread and remembers what it was given."""

    def __init__(self, nlp: Any, reference: Reference, pool: ThreadPoolExecutor) -> None:
        self.nlp, self.reference, self.pool = nlp, reference, pool
        self.submitted: list[list[str]] = []

    def submit(self, batch: list[dict[str, Any]]) -> Future[Extraction]:
        self.submitted.append([article["source_uri"] for article in batch])
        return self.pool.submit(extract_articles, batch, self.nlp, ExtractConfig(), self.reference)


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=1) as executor:
        yield executor


@pytest.fixture
def key(reference: Reference) -> str:
    return cache.extraction_key(ExtractConfig(), reference, extractor_versions())


def ignore(stage: str, done: int, total: int) -> None:
    """Progress reports nobody reads."""


def fresh_frames(extraction: Extraction) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frames of a fresh extraction's records: its ``mentions`` frame and its entity mentions."""
    entities = pd.DataFrame(
        {
            name: pd.Series([row[name] for row in extraction.entity_mentions], dtype=object)
            for name in ENTITY_COLUMNS
        }
    )
    return to_frame("mentions", extraction.mentions), entities.astype(
        {"char_start": "int64", "char_end": "int64"}
    )


def test_only_new_articles_are_extracted_and_carried_ones_equal_fresh_ones(
    nlp: Any, reference: Reference, pool: ThreadPoolExecutor, key: str
) -> None:
    articles = [article_record(uri, body) for uri, body in BODIES.items()]
    first = Extractor(nlp, reference, pool)
    reports: list[tuple[str, int, int]] = []
    _, entries, stats = extract_incrementally(
        articles[:3], None, key, first.submit, BATCHES_OF_TWO, report=lambda *report: reports.append(report)
    )
    assert first.submitted == [["a.txt", "b.txt"], ["c.txt"]]
    assert stats == {"articles": 3, "extracted": 3, "carried_over": 0}
    assert reports == [("extract", 1, 2), ("extract", 2, 2)]

    second = Extractor(nlp, reference, pool)
    extraction, used, stats = extract_incrementally(
        articles, entries, key, second.submit, BATCHES_OF_TWO, ignore
    )
    assert second.submitted == [["d.txt"]]
    assert stats == {"articles": 4, "extracted": 1, "carried_over": 3}
    assert cache.cached_keys(used) == {cache.article_key(article, key) for article in articles}
    mentions, entity_mentions = fresh_frames(extract_articles(articles, nlp, ExtractConfig(), reference))
    assert len(extraction.mentions), "the bodies hold facts"
    # the same rows in the same order (articles in run order, each in extraction order), the same dtypes
    assert_frame_equal(extraction.mentions, mentions, check_exact=True)
    assert_frame_equal(extraction.entity_mentions, entity_mentions, check_exact=True)


def test_copies_of_one_body_go_through_the_extractors_once(
    nlp: Any, reference: Reference, pool: ThreadPoolExecutor, key: str
) -> None:
    original, copy = article_record("a.txt", BODIES["a.txt"]), article_record("mirror/a.txt", BODIES["a.txt"])
    extractor = Extractor(nlp, reference, pool)
    extraction, _, stats = extract_incrementally(
        [original, copy], None, key, extractor.submit, RunConfig(), ignore
    )
    assert extractor.submitted == [["a.txt"]]
    assert stats == {"articles": 2, "extracted": 1, "carried_over": 1}
    article_ids = extraction.mentions["article_id"].tolist()
    assert article_ids.count(original["article_id"]) == article_ids.count(copy["article_id"]) > 0


def test_a_changed_extraction_key_extracts_everything_again(
    nlp: Any, reference: Reference, pool: ThreadPoolExecutor, key: str
) -> None:
    articles = [article_record(uri, body) for uri, body in list(BODIES.items())[:2]]
    _, entries, _ = extract_incrementally(
        articles, None, key, Extractor(nlp, reference, pool).submit, RunConfig(), ignore
    )
    other_key = cache.extraction_key(ExtractConfig(min_quote_words=5), reference, extractor_versions())
    again = Extractor(nlp, reference, pool)
    _, _, stats = extract_incrementally(articles, entries, other_key, again.submit, RunConfig(), ignore)
    assert again.submitted == [["a.txt", "b.txt"]]
    assert stats["extracted"] == 2


def test_a_cluster_gets_batches_sized_by_the_articles_to_extract(
    nlp: Any, reference: Reference, pool: ThreadPoolExecutor, key: str
) -> None:
    """Two of four articles are cached: the other two are split over the one Dask worker's two tasks."""
    articles = [article_record(uri, body) for uri, body in BODIES.items()]
    first = Extractor(nlp, reference, pool)
    _, entries, _ = extract_incrementally(articles[:2], None, key, first.submit, RunConfig(), ignore)
    cluster = RunConfig(task_runner="dask", dask_workers=1, batch_size=200)
    again = Extractor(nlp, reference, pool)
    extract_incrementally(articles, entries, key, again.submit, cluster, ignore)
    assert again.submitted == [["c.txt"], ["d.txt"]]


def test_batches_and_batch_sizes() -> None:
    assert batches(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert batches([1, 2], 0) == [[1], [2]]
    assert batches([], 3) == []
    assert extract_batch_size(300, RunConfig(batch_size=200, workers=1)) == 200
    assert extract_batch_size(300, RunConfig(task_runner="dask", dask_workers=2, batch_size=200)) == 75
    assert extract_batch_size(3, RunConfig(task_runner="dask", dask_workers=4, batch_size=200)) == 1
