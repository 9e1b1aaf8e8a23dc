"""Exact and near-duplicate articles (syndicated wire copy) with MinHash LSH.

Exact duplicates share ``body_sha256``. Near duplicates are found on the distinct bodies only: every body
becomes a set of word shingles, a MinHash signature (fixed seed, so runs agree) and an entry of a
locality-sensitive hash index, which proposes candidate pairs in near-linear time; a candidate is a copy
when its estimated Jaccard similarity to the group's canonical body reaches the threshold. Bodies with
fewer than ``near_duplicate_min_shingles`` distinct shingles can only be exact duplicates: a short
templated notice ("Qtly div six cts vs six cts prior / Pay April 15 / Record April 1") shares almost all
of its few shingles with the notices of other companies without being a copy of them.

Groups are formed by *leader clustering* in canonical order (earliest ingested first, so a published
canonical article keeps its place when copies of it arrive in a later run; then earliest published,
unknown dates last; then smallest ``article_id``): the first body not yet in a group leads a new one
and takes every unassigned candidate similar enough to itself. Every copy is therefore similar to its
canonical article (no chains A~B~C where A and C differ), and the canonical article is the earliest of its
group.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from datasketch import MinHash

from factlake.config import DedupConfig
from factlake.dedup.signatures import BandIndex, SignatureCache, body_signatures, lsh_bands
from factlake.records import normalize_text

#: Seed of the MinHash permutations; fixed so signatures (and duplicate groups) agree across runs.
MINHASH_SEED = 1

_WORD = re.compile(r"\w+")


def words_of(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` after :func:`factlake.records.normalize_text`."""
    return _WORD.findall(normalize_text(text))


def word_shingles(text: str, size: int) -> set[bytes]:
    """Distinct runs of ``size`` consecutive words (UTF-8 encoded); the whole text when it is shorter."""
    words = words_of(text)
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[start : start + size]).encode("utf-8") for start in range(len(words) - size + 1)}


def minhash_signatures(shingle_sets: list[set[bytes]], config: DedupConfig) -> list[MinHash]:
    """One deterministic MinHash signature per set of shingles (see :func:`word_shingles`)."""
    return MinHash.bulk(
        [sorted(shingles) for shingles in shingle_sets], num_perm=config.num_perm, seed=MINHASH_SEED
    )


def canonical_order(articles: pd.DataFrame) -> np.ndarray:
    """Positions of ``articles`` sorted by (first_version; published_date, unknown dates last; article_id).

    ``first_version`` (the dataset version in which an article first appeared) comes first so that an
    article published as canonical stays canonical when an earlier-dated copy of it arrives later; frames
    without the column, or articles not yet given one, sort as if ingested together.
    """
    dates = articles["published_date"]
    has_no_date = dates.isna().to_numpy()
    date_keys = np.array(
        [date.toordinal() if not missing else 0 for date, missing in zip(dates, has_no_date, strict=True)]
    )
    ids = articles["article_id"].to_numpy(dtype=object)
    if "first_version" in articles:
        versions = articles["first_version"].astype("Int64").fillna(0).to_numpy(dtype=np.int64)
    else:
        versions = np.zeros(len(articles), dtype=np.int64)
    return np.lexsort((ids, date_keys, has_no_date, versions))


def near_duplicate_groups(
    signatures: np.ndarray, order: list[int], config: DedupConfig
) -> tuple[list[int], list[float]]:
    """Leader clustering of signatures proposed by LSH.

    Args:
        signatures: One row of MinHash hash values per item (see
            :func:`factlake.dedup.signatures.body_signatures`).
        order: Item positions in canonical order (the earliest item of a group leads it).
        config: ``near_duplicate_threshold`` and ``num_perm``.

    Returns:
        For every item, the position of its group leader (itself for leaders) and the estimated Jaccard
        similarity to that leader (1.0 for leaders).
    """
    leader = list(range(len(signatures)))
    similarity = [1.0] * len(signatures)
    if len(signatures) < 2:
        return leader, similarity
    index = BandIndex(signatures, *lsh_bands(config.near_duplicate_threshold, config.num_perm))
    assigned = np.zeros(len(signatures), dtype=bool)
    width = float(signatures.shape[1])
    for position in order:
        if assigned[position]:
            continue
        assigned[position] = True
        candidates = index.query(position)
        candidates = candidates[~assigned[candidates]]
        if not len(candidates):
            continue
        # The MinHash estimate of Jaccard similarity, as ``MinHash.jaccard`` computes it.
        estimates = np.count_nonzero(signatures[candidates] == signatures[position], axis=1) / width
        for candidate, estimate in zip(candidates.tolist(), estimates.tolist(), strict=True):
            if estimate >= config.near_duplicate_threshold:
                assigned[candidate] = True
                leader[candidate] = position
                similarity[candidate] = float(estimate)
    return leader, similarity


def mark_duplicate_articles(
    articles: pd.DataFrame, config: DedupConfig, signatures: SignatureCache | None = None
) -> pd.DataFrame:
    """Copy ``articles`` with ``duplicate_of``, ``duplicate_kind`` and ``duplicate_similarity`` filled in.

    Exact duplicates have the same ``body_sha256`` (kind ``exact``, similarity 1.0). Near duplicates are
    bodies whose estimated Jaccard similarity of word shingles to the canonical body reaches
    ``config.near_duplicate_threshold`` (kind ``near``), among bodies with at least
    ``config.near_duplicate_min_shingles`` distinct shingles. The canonical article of a group is the earliest
    ingested (``first_version``, when the frame has it), then the earliest published (unknown dates last),
    then the smallest ``article_id`` (see :func:`canonical_order`); canonical articles keep nulls.
    Rows keep their input order; the result does not depend on it.

    Args:
        articles: The ``articles`` table.
        config: Shingle size, MinHash permutations, the near-duplicate threshold and minimum shingles.
        signatures: Signatures of earlier runs (only bodies it lacks are signed, and are added to it);
            None signs every body. The result is the same either way.
    """
    result = articles.copy()
    result["duplicate_of"] = pd.Series(
        [None] * len(result), index=result.index, dtype=result["duplicate_of"].dtype
    )
    result["duplicate_kind"] = pd.Series(
        [None] * len(result), index=result.index, dtype=result["duplicate_kind"].dtype
    )
    result["duplicate_similarity"] = np.nan
    if result.empty:
        return result

    order = canonical_order(result)
    # One representative per distinct body: its earliest article in canonical order.
    sorted_hashes = result["body_sha256"].to_numpy(dtype=object)[order]
    body_codes = pd.factorize(pd.Series(sorted_hashes))[0]
    first_in_order = pd.Series(np.arange(len(order))).groupby(body_codes).min().to_numpy()
    representatives = order[first_in_order]
    body_of_article = np.empty(len(result), dtype=np.int64)
    body_of_article[order] = body_codes

    bodies = result["body"].to_numpy(dtype=object)[representatives].tolist()
    body_hashes = sorted_hashes[first_in_order].tolist()
    shingle_counts, matrix = body_signatures(bodies, body_hashes, config, signatures)
    # Only bodies long enough to identify a text take part in near-duplicate detection.
    eligible = np.flatnonzero(shingle_counts >= config.near_duplicate_min_shingles).tolist()
    eligible_leaders, eligible_similarities = near_duplicate_groups(
        matrix[eligible], list(range(len(eligible))), config
    )
    leaders = list(range(len(bodies)))
    similarities = [1.0] * len(bodies)
    for position, body in enumerate(eligible):
        leaders[body] = eligible[eligible_leaders[position]]
        similarities[body] = eligible_similarities[position]

    ids = result["article_id"].to_numpy(dtype=object)
    duplicate_of: list[str | None] = [None] * len(result)
    kinds: list[str | None] = [None] * len(result)
    scores = [np.nan] * len(result)
    for position in range(len(result)):
        body = body_of_article[position]
        canonical = representatives[leaders[body]]
        if canonical == position:
            continue
        duplicate_of[position] = ids[canonical]
        if leaders[body] == body:
            kinds[position], scores[position] = "exact", 1.0
        else:
            kinds[position], scores[position] = "near", similarities[body]
    result["duplicate_of"] = pd.Series(duplicate_of, index=result.index, dtype=result["duplicate_of"].dtype)
    result["duplicate_kind"] = pd.Series(kinds, index=result.index, dtype=result["duplicate_kind"].dtype)
    result["duplicate_similarity"] = pd.Series(scores, index=result.index, dtype="float64")
    return result
