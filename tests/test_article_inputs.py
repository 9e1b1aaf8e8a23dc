"""Dedup inputs computed next to extraction equal what the stages compute, and the stages then use them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from factlake.config import DedupConfig
from factlake.dedup import signatures, story_terms
from factlake.dedup.article_inputs import add_to_caches, article_inputs
from factlake.dedup.stories import article_text_terms
from factlake.dedup.story_table import mark_articles
from factlake.records import to_frame
from tests.test_signatures import article, later_arrivals, wire_copies

CONFIG = DedupConfig()


def run_articles() -> list[dict]:
    untitled = article(200, "A story without a title about the harvest, which was late this year.", None)
    return [*wire_copies(), *later_arrivals(), {**untitled, "title": None}]


def empty_caches() -> tuple[signatures.SignatureCache, story_terms.TermCache]:
    return signatures.SignatureCache(signatures.signature_key(CONFIG)), story_terms.TermCache(
        story_terms.terms_key()
    )


def filled_caches(
    articles: list[dict], batch: int
) -> tuple[signatures.SignatureCache, story_terms.TermCache]:
    """The caches after adding the inputs of ``articles`` cut in batches, as the extraction delivers them."""
    near, terms = empty_caches()
    for start in range(0, len(articles), batch):
        add_to_caches(article_inputs(articles[start : start + batch], CONFIG), near, terms)
    return near, terms


def test_signatures_and_terms_of_batches_equal_those_computed_by_the_stages() -> None:
    articles = run_articles()
    near, terms = filled_caches(articles, batch=4)
    frame = to_frame("articles", articles)

    bodies = dict(zip(frame["body_sha256"], frame["body"], strict=False))
    counts, matrix = signatures.body_signatures(list(bodies.values()), list(bodies), CONFIG)
    assert sorted(near.hashvalues) == sorted(bodies)
    for position, body_hash in enumerate(bodies):
        assert near.shingle_counts[body_hash] == counts[position]
        assert near.hashvalues[body_hash].dtype == np.uint64
        assert np.array_equal(near.hashvalues[body_hash], matrix[position])

    titles = frame["title"].fillna("").tolist()
    texts = frame["body"].tolist()
    cached = story_terms.article_terms(titles, texts, article_text_terms, terms)
    fresh = story_terms.article_terms(titles, texts, article_text_terms, None)
    for from_cache, cut_now in zip(cached, fresh, strict=True):
        assert from_cache.lengths.tolist() == cut_now.lengths.tolist()
        assert from_cache.terms.to_pylist() == cut_now.terms.to_pylist()
        assert from_cache.counts.tolist() == cut_now.counts.tolist()
    distinct_texts = len(set(zip(titles, texts, strict=True)))
    # every text came from the batches: none was cut here, none counted twice
    assert terms.cut == 0
    assert terms.stats() == {"texts": distinct_texts, "cut": distinct_texts, "from_cache": 0}


def test_the_stories_stage_finds_everything_cached_and_marks_articles_as_without_caches() -> None:
    articles = run_articles()
    near, terms = filled_caches(articles, batch=3)
    frame = to_frame("articles", articles)
    marked = mark_articles(frame, None, 1, CONFIG, near, terms)
    assert (near.signed, terms.cut) == (0, 0)  # nothing signed or cut again
    bodies = frame["body_sha256"].nunique()
    assert near.stats() == {"bodies": bodies, "signed": bodies, "from_cache": 0}
    # copies are not compared for stories: their texts were cut with the batch but are not counted
    assert len(terms.used) < len(terms.added)
    assert terms.stats() == {"texts": len(terms.used), "cut": len(terms.used), "from_cache": 0}
    pd.testing.assert_frame_equal(marked, mark_articles(frame, None, 1, CONFIG))


def test_inputs_already_cached_are_not_added_again() -> None:
    articles = run_articles()
    near, terms = filled_caches(articles, batch=len(articles))
    table = terms.table
    signed = dict(near.hashvalues)
    add_to_caches(article_inputs(articles[:5], CONFIG), near, terms)
    assert near.hashvalues == signed and near.added == {row["body_sha256"] for row in articles}
    assert terms.table is table and len(terms.added) == table.num_rows


def test_inputs_made_with_other_settings_or_rules_are_left_out() -> None:
    articles = run_articles()
    inputs = article_inputs(articles, dataclasses.replace(CONFIG, num_perm=64))
    near, terms = empty_caches()
    add_to_caches(dataclasses.replace(inputs, terms_key="other rules"), near, terms)
    assert near.hashvalues == {} and near.added == set()
    assert terms.table is None and terms.added == set()
