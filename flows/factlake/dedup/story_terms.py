"""The terms story clustering weighs, per article, kept between runs like the near-duplicate signatures.

Story similarity (:mod:`factlake.dedup.stories`) turns every article into two term lists: the content
words of its title and body and the names of its body. Cutting them out of the text is most of what
story clustering costs an incremental run, and they depend on nothing but the article's title and body
and the word rules, while the TF-IDF weights built from them depend on the whole corpus. So the terms
(each article's distinct terms in the order they first occur, with their counts) are kept per text in
``DIR/.cache/story_terms.parquet``, and a run cuts only the texts it has not seen; the weights are then
computed over all articles as before, with the same columns in the same order, so the similarities are
the same floats whether the terms came from the cache or not. Like the signature cache the file is only
an accelerator: missing, unreadable or keyed otherwise, every text is cut again.
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from factlake.cache import CACHE_DIR
from factlake.keyed_cache import read_keyed_table, write_keyed_table
from factlake.records import sha256_hex, stable_id

TERMS_FILE = "story_terms.parquet"

#: Version of the rules that cut an article into terms (:func:`factlake.dedup.stories.content_words`,
#: :func:`factlake.dedup.stories.name_terms` and the words they build on); raise it when they change, so
#: older caches are ignored.
TERMS_VERSION = "1"

#: Schema metadata field holding the cache's :func:`terms_key`.
_KEY_FIELD = b"factlake_story_terms_key"

#: The two term lists of an article, as the cache's column names.
KINDS = ("words", "names")


def terms_key() -> str:
    """What decides an article's terms besides its text: the rules' version and spaCy's stop words."""
    return stable_id("story-terms", TERMS_VERSION, importlib.metadata.version("spacy"))


def text_key(title: str, body: str) -> str:
    """The cache key of one article's text (unambiguous: the title's length is part of it)."""
    return sha256_hex(f"{len(title)}:{title}\n{body}")


@dataclass(frozen=True)
class DocumentTerms:
    """The distinct terms of every document, in the order they first occur in it, with their counts.

    Attributes:
        lengths: Distinct terms of each document.
        terms: All documents' distinct terms, one document after the other (Arrow strings: they are
            numbered in C, never turned into Python strings but for the few documents that need it).
        counts: How often each of ``terms`` occurs in its document.
    """

    lengths: np.ndarray
    terms: pa.Array
    counts: np.ndarray

    @classmethod
    def of(cls, documents: list[list[str]]) -> DocumentTerms:
        """The terms of documents given as term lists (in order, repeats included)."""
        counted = [Counter(terms) for terms in documents]
        lengths = np.array([len(counter) for counter in counted], dtype=np.int64)
        terms = pa.array([term for counter in counted for term in counter], pa.string())
        counts = np.array([count for counter in counted for count in counter.values()], dtype=np.int64)
        return cls(lengths, terms, counts)

    def numbered(self) -> tuple[np.ndarray, int]:
        """Every term's number, terms numbered in the order they first occur, and how many there are."""
        encoded = pc.dictionary_encode(self.terms)
        return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), len(encoded.dictionary)

    @functools.cached_property
    def _starts(self) -> np.ndarray:
        return np.concatenate(([0], np.cumsum(self.lengths)))

    def distinct(self, document: int) -> list[str]:
        """The distinct terms of one document."""
        start = int(self._starts[document])
        return self.terms.slice(start, int(self.lengths[document])).to_pylist()


@dataclass
class TermCache:
    """Both term lists of every text seen, by :func:`text_key`, for one :func:`terms_key`.

    Attributes:
        key: The terms key the entries were made with.
        table: One row per text: ``text_key`` and, per kind of :data:`KINDS`, its terms and their counts.
        used: Texts looked up or added in this run: what :func:`save_terms` keeps.
        cut: Texts cut in this run by :func:`article_terms` (the rest came from the cache).
        added: Texts cut in this run elsewhere (:func:`add_terms`: by the extraction workers).
    """

    key: str
    table: pa.Table | None = None
    used: set[str] = field(default_factory=set)
    cut: int = 0
    added: set[str] = field(default_factory=set)

    def stats(self) -> dict[str, int]:
        """Counts for the manifest: distinct texts of the run, texts cut in this run (here or with their
        extraction), texts from the cache."""
        cut = self.cut + len(self.added & self.used)
        return {"texts": len(self.used), "cut": cut, "from_cache": len(self.used) - cut}


def _table(keys: list[str], words: DocumentTerms, names: DocumentTerms) -> pa.Table:
    """The cache rows of documents whose terms are ``words`` and ``names``."""
    columns: dict[str, pa.Array] = {"text_key": pa.array(keys, pa.string())}
    for kind, terms in zip(KINDS, (words, names), strict=True):
        offsets = pa.array(np.concatenate(([0], np.cumsum(terms.lengths))), pa.int32())
        columns[kind] = pa.ListArray.from_arrays(offsets, terms.terms)
        columns[f"{kind}_counts"] = pa.ListArray.from_arrays(offsets, pa.array(terms.counts, pa.int32()))
    return pa.table(columns)


def _terms_of_rows(table: pa.Table, kind: str) -> DocumentTerms:
    """The ``kind`` terms of every row of a cache table, in row order."""
    terms = table.column(kind).combine_chunks()
    lengths = pc.list_value_length(terms).to_numpy(zero_copy_only=False).astype(np.int64)
    flat = pc.list_flatten(terms)
    counts = pc.list_flatten(table.column(f"{kind}_counts").combine_chunks()).to_numpy(zero_copy_only=False)
    return DocumentTerms(lengths, flat, counts.astype(np.int64))


def article_terms(
    titles: list[str],
    bodies: list[str],
    cut: Callable[[str, str], tuple[list[str], list[str]]],
    cache: TermCache | None = None,
) -> tuple[DocumentTerms, DocumentTerms]:
    """Content words of every title and body and names of every body, cutting only texts ``cache`` lacks.

    Args:
        titles: Title of every article.
        bodies: Body of every article.
        cut: ``(title, body) -> (content word list, name list)``: how a text not in the cache is cut.
        cache: Terms of earlier runs; texts cut now are added to it. None: cut every text.

    Returns:
        The content words and the names of every article, in the order of ``titles``.
    """
    cache = cache if cache is not None else TermCache(terms_key())
    keys = [text_key(title, body) for title, body in zip(titles, bodies, strict=True)]
    known = cache.table if cache.table is not None else _table([], DocumentTerms.of([]), DocumentTerms.of([]))
    found = pc.index_in(pa.array(keys, pa.string()), value_set=known.column("text_key")).to_numpy(
        zero_copy_only=False
    )
    missing = [position for position, row in enumerate(found) if pd.isna(row)]
    fresh = terms_rows(
        [titles[position] for position in missing], [bodies[position] for position in missing], cut
    )
    cache.table = pa.concat_tables([known, fresh]) if fresh.num_rows else known
    cache.cut += fresh.num_rows
    cache.used.update(keys)
    rows = pc.index_in(pa.array(keys, pa.string()), value_set=cache.table.column("text_key"))
    ordered = cache.table.take(rows)
    words, names = (_terms_of_rows(ordered, kind) for kind in KINDS)
    return words, names


def terms_rows(
    titles: list[str], bodies: list[str], cut: Callable[[str, str], tuple[list[str], list[str]]]
) -> pa.Table:
    """The cache rows of the distinct texts among ``titles`` and ``bodies``, cut anew (no cache).

    Pure: what a text's cache row holds, wherever it is cut (the extraction workers cut the articles
    they extract, :func:`article_terms` the texts the cache lacks). Rows follow the texts' first
    occurrence.
    """
    first_of: dict[str, int] = {}
    for position, (title, body) in enumerate(zip(titles, bodies, strict=True)):
        first_of.setdefault(text_key(title, body), position)
    cut_lists = [cut(titles[position], bodies[position]) for position in first_of.values()]
    return _table(
        list(first_of),
        DocumentTerms.of([words for words, _ in cut_lists]),
        DocumentTerms.of([names for _, names in cut_lists]),
    )


def add_terms(cache: TermCache, rows: pa.Table) -> int:
    """Add rows cut elsewhere (:func:`terms_rows`) to ``cache``, those of texts it lacks; how many were new.

    They are not marked used: only the texts the stage looks up (those of articles that are not copies)
    are kept by :func:`save_terms` and counted as cut in this run.
    """
    if cache.table is not None:
        known = pc.is_in(rows.column("text_key"), value_set=cache.table.column("text_key"))
        rows = rows.filter(pc.invert(known))
    if not rows.num_rows:
        return 0
    rows = rows.select(cache.table.column_names) if cache.table is not None else rows
    cache.table = rows if cache.table is None else pa.concat_tables([cache.table, rows])
    cache.added.update(rows.column("text_key").to_pylist())
    return rows.num_rows


def load_terms(dataset: Path) -> TermCache:
    """The story term cache of a dataset (empty when missing, unreadable or keyed otherwise)."""
    key = terms_key()
    expected = {"text_key", *KINDS, *(f"{kind}_counts" for kind in KINDS)}
    table = read_keyed_table(dataset / CACHE_DIR / TERMS_FILE, _KEY_FIELD, key, expected)
    if table is None:
        return TermCache(key)
    return TermCache(key, table=table.replace_schema_metadata(None))


def save_terms(dataset: Path, cache: TermCache) -> None:
    """Replace the dataset's story term cache with the texts ``cache`` used in this run, atomically."""
    if cache.table is None:
        return
    table = cache.table
    keep = pc.is_in(table.column("text_key"), value_set=pa.array(sorted(cache.used), pa.string()))
    table = table.filter(keep)
    table = table.take(pc.sort_indices(table, sort_keys=[("text_key", "ascending")]))
    write_keyed_table(dataset / CACHE_DIR / TERMS_FILE, table, _KEY_FIELD, cache.key)
