"""What deduplication needs of each article on its own, computed where the article is extracted.

Two inputs of the dedup stages depend on nothing but one article: the near-duplicate signature of its
body (:mod:`factlake.dedup.signatures`) and the terms of its title and body that story clustering weighs
(:mod:`factlake.dedup.story_terms`). Both are kept between runs in caches that the stages look up before
computing anything, so computing them for each batch of articles next to its extraction, in the
extraction worker processes that run in parallel, leaves the stages only the whole-corpus work (the LSH
candidate search, TF-IDF and clustering). The values are those the stages would compute, by the same pure
functions from the same text; the flow adds them to the caches (:func:`add_to_caches`) as the batches
arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from factlake.config import DedupConfig
from factlake.dedup import signatures, story_terms


@dataclass(frozen=True)
class ArticleInputs:
    """Signatures and story terms of a batch of articles, with the cache keys they were made for.

    Attributes:
        signature_key: :func:`factlake.dedup.signatures.signature_key` of the settings they were signed with.
        body_hashes: ``body_sha256`` of each distinct body of the batch.
        shingle_counts: Distinct shingles of each of those bodies.
        hashvalues: Their MinHash hash values (``len(body_hashes)`` × ``num_perm``).
        terms_key: :func:`factlake.dedup.story_terms.terms_key` of the rules the terms were cut with.
        terms: Story term cache rows of each distinct text (title and body) of the batch.
    """

    signature_key: str
    body_hashes: list[str]
    shingle_counts: np.ndarray
    hashvalues: np.ndarray
    terms_key: str
    terms: pa.Table


def article_inputs(articles: list[dict[str, Any]], config: DedupConfig) -> ArticleInputs:
    """The signature of every distinct body and the story terms of every distinct text of ``articles``.

    Args:
        articles: ``articles`` records (``body_sha256``, ``body`` and ``title`` are read).
        config: Shingle size and MinHash permutations.
    """
    from factlake.dedup.stories import article_text_terms

    first_of: dict[str, str] = {}
    for article in articles:
        first_of.setdefault(article["body_sha256"], article["body"])
    counts, matrix = signatures.sign_bodies(list(first_of.values()), config)
    # As story clustering reads them from the articles frame: a missing title or body is empty text.
    titles = [article.get("title") or "" for article in articles]
    bodies = [article["body"] or "" for article in articles]
    return ArticleInputs(
        signature_key=signatures.signature_key(config),
        body_hashes=list(first_of),
        shingle_counts=counts,
        hashvalues=matrix,
        terms_key=story_terms.terms_key(),
        terms=story_terms.terms_rows(titles, bodies, article_text_terms),
    )


def add_to_caches(
    inputs: ArticleInputs, signature_cache: signatures.SignatureCache, term_cache: story_terms.TermCache
) -> None:
    """Add what ``inputs`` holds to the run's caches, where their keys agree (a worker with other
    settings or library versions made values the stages would not use: they are left out)."""
    if inputs.signature_key == signature_cache.key:
        signatures.add_signatures(
            signature_cache, inputs.body_hashes, inputs.shingle_counts, inputs.hashvalues
        )
    if inputs.terms_key == term_cache.key:
        story_terms.add_terms(term_cache, inputs.terms)
