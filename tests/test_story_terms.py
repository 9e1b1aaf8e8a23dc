"""Story terms kept between runs: similarities from cached terms equal those cut from texts (issue #16)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from factlake.config import DedupConfig
from factlake.dedup import story_terms
from factlake.dedup.stories import (
    article_text_terms,
    content_words,
    name_terms,
    ordered_similarities,
    tfidf_matrix,
)
from factlake.dedup.story_table import mark_articles, previous_assignment
from factlake.records import new_record, normalize_text, sha256_hex, stable_id, to_frame
from tests.test_story_pairs import generated_corpus

CONFIG = DedupConfig()


def tfidf_by_vocabulary(documents: list[list[str]]) -> sparse.csr_matrix:
    """The TF-IDF matrix as first written: a vocabulary dict filled term by term, document by document."""
    vocabulary: dict[str, int] = {}
    rows, columns, frequencies = [], [], []
    for row, terms in enumerate(documents):
        for term, frequency in Counter(terms).items():
            rows.append(row)
            columns.append(vocabulary.setdefault(term, len(vocabulary)))
            frequencies.append(frequency)
    column_of = np.asarray(columns, dtype=np.int64)
    document_frequency = np.bincount(column_of, minlength=len(vocabulary))
    weights = (1.0 + np.log(np.asarray(frequencies, dtype=np.float64))) * (
        np.log((1 + len(documents)) / (1 + document_frequency[column_of])) + 1.0
    )
    matrix = sparse.csr_matrix((weights, (rows, column_of)), shape=(len(documents), len(vocabulary)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def same_matrix(first: sparse.csr_matrix, second: sparse.csr_matrix) -> bool:
    return (
        first.shape == second.shape
        and np.array_equal(first.indptr, second.indptr)
        and np.array_equal(first.indices, second.indices)
        and first.data.tobytes() == second.data.tobytes()
    )


def articles_of(seed: int, size: int, first_number: int = 0) -> pd.DataFrame:
    texts, bodies, ordinals = generated_corpus(seed, size)
    records = []
    for number, (text, body, day) in enumerate(zip(texts, bodies, ordinals, strict=True), start=first_number):
        records.append(
            new_record(
                "articles",
                article_id=stable_id("article", number),
                source_uri=f"{number:03d}.txt",
                title=text.split("\n", 1)[0],
                published_date=None if day is None else dt.date.fromordinal(day),
                date_source="metadata" if day else "none",
                body=body,
                n_words=len(body.split()),
                body_sha256=sha256_hex(normalize_text(body)),
                content_sha256=sha256_hex(f"{number}{body}"),
            )
        )
    return to_frame("articles", records)


def test_tfidf_columns_and_weights_are_those_of_the_vocabulary_dict() -> None:
    texts, bodies, _ = generated_corpus(4, 50)
    for documents in ([content_words(text) for text in texts], [name_terms(body) for body in bodies], [[]]):
        assert same_matrix(tfidf_matrix(documents), tfidf_by_vocabulary(documents))


def test_cached_terms_equal_cut_terms_and_only_new_texts_are_cut(tmp_path: Path) -> None:
    texts, bodies, _ = generated_corpus(5, 40)
    titles = [text.split("\n", 1)[0] for text in texts]
    cache = story_terms.load_terms(tmp_path)
    story_terms.article_terms(titles[:30], bodies[:30], article_text_terms, cache)
    assert cache.stats() == {"texts": 30, "cut": 30, "from_cache": 0}
    story_terms.save_terms(tmp_path, cache)

    later = story_terms.load_terms(tmp_path)
    words, names = story_terms.article_terms(titles, bodies, article_text_terms, later)
    assert later.stats() == {"texts": 40, "cut": 10, "from_cache": 30}
    fresh_words, fresh_names = story_terms.article_terms(titles, bodies, article_text_terms, None)
    for cached, fresh in ((words, fresh_words), (names, fresh_names)):
        assert cached.lengths.tolist() == fresh.lengths.tolist()
        assert cached.terms.to_pylist() == fresh.terms.to_pylist()
        assert cached.counts.tolist() == fresh.counts.tolist()
    assert words.terms.to_pylist() == [term for text in texts for term in Counter(content_words(text))]
    assert names.distinct(3) == list(Counter(name_terms(bodies[3])))


def test_save_keeps_only_the_texts_of_the_run_and_a_bad_file_is_ignored(tmp_path: Path) -> None:
    texts, bodies, _ = generated_corpus(6, 12)
    titles = [text.split("\n", 1)[0] for text in texts]
    cache = story_terms.TermCache(story_terms.terms_key())
    story_terms.article_terms(titles, bodies, article_text_terms, cache)
    story_terms.save_terms(tmp_path, cache)
    smaller = story_terms.load_terms(tmp_path)
    story_terms.article_terms(titles[:5], bodies[:5], article_text_terms, smaller)
    story_terms.save_terms(tmp_path, smaller)
    assert story_terms.load_terms(tmp_path).table.num_rows == len(
        set(zip(titles[:5], bodies[:5], strict=True))
    )
    (tmp_path / ".cache" / story_terms.TERMS_FILE).write_bytes(b"not parquet")
    assert story_terms.load_terms(tmp_path).table is None
    assert [path.name for path in (tmp_path / ".cache").iterdir()] == [story_terms.TERMS_FILE]


def test_similarities_and_stories_with_cached_terms_equal_a_run_without_cache(tmp_path: Path) -> None:
    """A second version reuses the first one's terms; its stories equal those computed without any cache."""
    first = articles_of(8, 45)
    cache = story_terms.load_terms(tmp_path)
    marked = mark_articles(first, None, 1, CONFIG, terms=cache)
    story_terms.save_terms(tmp_path, cache)
    assert marked["story_id"].nunique() < len(marked)

    both = pd.concat([first, articles_of(9, 15, first_number=100)], ignore_index=True)
    previous = previous_assignment(marked, 1)
    later = story_terms.load_terms(tmp_path)
    with_cache = mark_articles(both, previous, 2, CONFIG, terms=later)
    assert later.stats()["from_cache"] == 45
    pd.testing.assert_frame_equal(with_cache, mark_articles(both, previous, 2, CONFIG))

    canonical = both[with_cache["duplicate_of"].isna()]
    cached_order, cached = ordered_similarities(canonical, CONFIG, terms=story_terms.load_terms(tmp_path))
    order, uncached = ordered_similarities(canonical, CONFIG)
    assert np.array_equal(cached_order, order)
    assert list(cached.items()) == list(uncached.items())
    assert len(uncached) > 10
