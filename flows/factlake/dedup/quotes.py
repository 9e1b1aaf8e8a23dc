"""Quote facts: one speaker's one statement, however much of it each outlet quotes.

Quotes are blocked by speaker: only variants (distinct normalized wordings) of one speaker are compared,
and unattributed quotes only with each other. Two attributed wordings are one statement when one contains
the other (``containment``) or they share enough word pairs (``translation``); unattributed ones only when
near-identical (``near_identical``). Candidate pairs come from prefix filtering over the rarest tokens, and
are scored with vectorized set intersections; see :func:`quote_match` for the rules in plain Python.

A quote fact shows the longest wording among its mentions. Extraction: :mod:`factlake.extract.quotes`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from spacy.lang.en.stop_words import STOP_WORDS

from factlake.config import DedupConfig
from factlake.dedup._arrays import sorted_unique
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.articles import words_of
from factlake.dedup.clustering import Clusters
from factlake.dedup.frames import CanonicalMentions
from factlake.extract import quotes as extractor
from factlake.kinds import FactKind
from factlake.reference import Reference


def quote_words(text: str) -> list[str]:
    """Normalized words of a quote (case, quote marks, punctuation and spacing do not matter)."""
    return words_of(text)


def _content_bigrams(words: list[str]) -> set[str]:
    return {f"{a} {b}" for a, b in itertools.pairwise(words) if a not in STOP_WORDS or b not in STOP_WORDS}


#: Candidate pairs expanded at once while probing postings (bounds the memory of one step).
_PROBE_CHUNK = 1_000_000


def quote_match(
    first: dict[str, Any], second: dict[str, Any], attributed: bool, config: DedupConfig
) -> str | None:
    """The rule under which two distinct quote wordings are one statement, or None.

    Attributed quotes (same speaker) merge when the shorter one's words are contained in the other
    (``containment``: one outlet quotes half of a sentence) or when enough of the shorter one's word
    pairs appear in the other (``translation``: two renderings of one statement). Quotes without a
    speaker merge only when near-identical (``near_identical``: word Jaccard similarity).
    """
    words_first, words_second = first["words"], second["words"]
    shared = len(words_first & words_second)
    if not attributed:
        union = len(words_first | words_second)
        return "near_identical" if union and shared / union >= config.unattributed_quote_threshold else None
    if min(first["n_content"], second["n_content"]) < config.quote_min_words:
        return None
    if shared / min(len(words_first), len(words_second)) >= config.quote_containment_threshold:
        return "containment"
    bigrams_first, bigrams_second = first["bigrams"], second["bigrams"]
    smaller = min(len(bigrams_first), len(bigrams_second))
    if smaller and len(bigrams_first & bigrams_second) / smaller >= config.quote_similarity_threshold:
        return "translation"
    return None


def _cluster_quotes(part: pd.DataFrame, config: DedupConfig, uf: UnionFind, rules: Counter[str]) -> None:
    """Union quote mentions in ``part`` (positions are its index, in canonical order) that state the same
    words.

    Mentions of one speaker with identical normalized words are grouped first; the earliest of each group
    is a *variant*. Distinct variants of one speaker are then compared pairwise with :func:`quote_match`
    semantics, but only pairs that prefix filtering proposes: a variant sharing a token (word or content
    bigram) with the other's prefix of rarest tokens (:func:`_quote_candidate_pairs`, which misses no
    match). A variant then joins the earliest matching variant that leads a fact, within the scopes of
    :func:`_join_representatives`.

    """
    if part.empty:
        return
    texts = part["quote_text"].where(part["quote_text"].notna(), part["text"]).tolist()
    # Distinct texts are normalized once; texts with equal normalized words share one wording.
    wording_of_text: dict[str, int] = {}
    wording_of_words: dict[str, int] = {}
    wording_words: list[list[str]] = []
    # One string object per distinct word, shared by every wording using it (a speaker's wordings
    # draw on a small vocabulary: a string per word and wording would take most of their memory).
    vocabulary: dict[str, str] = {}
    for text in dict.fromkeys(texts):
        words = [vocabulary.setdefault(word, word) for word in quote_words(text)]
        wording = wording_of_words.setdefault(" ".join(words), len(wording_words))
        if wording == len(wording_words):
            wording_words.append(words)
        wording_of_text[text] = wording
    wordings = np.fromiter((wording_of_text[text] for text in texts), dtype=np.int64, count=len(texts))
    del wording_of_text, wording_of_words, vocabulary
    speaker_codes, attributed_speakers = _speaker_scopes(part, wordings, wording_words, config)

    # Identical wording of one speaker: the earliest mention is the variant, the others join it.
    positions = part.index.to_numpy(dtype=np.int64)
    keys = speaker_codes.astype(np.int64) * len(wording_words) + wordings
    unique_keys, group_of = np.unique(keys, return_inverse=True)
    earliest = np.full(len(unique_keys), np.iinfo(np.int64).max)
    np.minimum.at(earliest, group_of, positions)
    variant_of = earliest[group_of]
    duplicates = positions != variant_of
    uf.attach(positions[duplicates], variant_of[duplicates])
    if duplicates.any():
        rules["quote_identical"] += int(duplicates.sum())

    order = np.argsort(earliest, kind="stable")
    variants = _QuoteVariants.of(
        earliest[order],
        (unique_keys // len(wording_words))[order],
        (unique_keys % len(wording_words))[order],
        wording_words,
        attributed_speakers,
    )
    pairs, rule_names, closeness = _matching_quote_pairs(variants, config)
    story_at = part[CanonicalMentions.story]
    _join_representatives(
        variants,
        pairs,
        rule_names,
        closeness,
        story_at.loc[variants.positions].to_numpy(dtype=object),
        uf,
        rules,
    )


def _speaker_scopes(
    part: pd.DataFrame, wordings: np.ndarray, wording_words: list[list[str]], config: DedupConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The comparison scope of every mention (a code), and whether each scope has a speaker.

    A scope is a speaker, plus the mention's story when its wording may only match within one story:
    an unattributed quote (no speaker to tie two stories together) or one too short to be a statement
    of its own (fewer than ``quote_min_words`` content words: "no comment" is said in many stories).
    Only mentions of one scope are ever compared, so those stay within their story.
    """
    speakers = part["speaker"].fillna("").to_numpy(dtype=object)
    n_content = np.array([len(set(words) - STOP_WORDS) for words in wording_words], dtype=np.int64)
    short = n_content[wordings] < config.quote_min_words
    stories = part[CanonicalMentions.story].to_numpy(dtype=object)
    local = (speakers == "") | short
    scopes = np.array(
        [
            f"{speaker}\x1f{story}" if in_story else speaker
            for speaker, story, in_story in zip(
                speakers.tolist(), stories.tolist(), local.tolist(), strict=True
            )
        ],
        dtype=object,
    )
    codes, names = pd.factorize(scopes)
    attributed = np.array([not name.startswith("\x1f") and name != "" for name in names], dtype=bool)
    return codes, attributed


def _join_representatives(
    variants: _QuoteVariants,
    pairs: tuple[np.ndarray, np.ndarray],
    rule_names: np.ndarray,
    closeness: np.ndarray,
    variant_story: np.ndarray,
    uf: UnionFind,
    rules: Counter[str],
) -> None:
    """Join every variant, in canonical order, to one fact whose representative it matches, if any.

    Facts never chain: a variant may join a fact only when it matches the fact's representative (its first
    variant), not merely another member. When it may join several facts (a wording that runs two
    statements together), it joins the one holding its closest wording (the highest ``closeness`` to any
    member it matches; the earliest fact on a tie). A match across stories counts only under
    ``containment`` (one speaker's wording within the other's: the same statement cited again); looser
    matches (``translation``) hold within one story. Merges are counted as ``quote_<rule>``, with
    ``_cross_story`` when the variant and the representative are of different stories.

    Args:
        pairs: Matching (earlier, later) variant indexes.
        rule_names: The rule of every pair.
        closeness: Share of the shorter wording's words found in the other, for every pair.
    """
    earlier, later = pairs
    allowed = (variant_story[earlier] == variant_story[later]) | (rule_names == "containment")
    leader = np.arange(len(variants.positions), dtype=np.int64)
    order = np.lexsort((earlier, later))
    order = order[allowed[order]]
    boundaries = np.flatnonzero(np.diff(later[order], prepend=-1, append=-1))
    for start, stop in itertools.pairwise(boundaries.tolist()):
        second = int(later[order[start]])
        matches = {int(earlier[index]): index for index in order[start:stop].tolist()}
        best: tuple[float, int] | None = None
        for first, index in matches.items():
            fact = int(leader[first])
            if fact not in matches:  # the fact's representative must match, not just this member
                continue
            candidate = (-float(closeness[index]), fact)
            best = candidate if best is None or candidate < best else best
        if best is None:
            continue
        fact = best[1]
        leader[second] = fact
        uf.union(int(variants.positions[fact]), int(variants.positions[second]))
        rule = rule_names[matches[fact]]
        cross = variant_story[fact] != variant_story[second]
        # Counted right after its union, so that the merge can be charged to its block.
        rules[f"quote_{rule}_cross_story" if cross else f"quote_{rule}"] += 1


@dataclass
class _QuoteVariants:
    """Distinct quote wordings per speaker (variants) in canonical order, with what they are compared on.

    Features (word sets, content-bigram sets, their sizes) are kept per wording, shared by the speakers
    using it; tokens (words and bigrams) are also numbered and listed per variant as parallel row arrays,
    for the vectorized steps.

    Attributes:
        positions: Frame position of each variant, increasing.
        speakers: Speaker code of each variant.
        wordings: Wording index of each variant.
        attributed: Whether each variant has a speaker.
        words: Distinct words of each wording.
        bigrams: Content bigrams of each wording (:func:`_content_bigrams`).
        n_words: Number of distinct words of each wording.
        n_bigrams: Number of content bigrams of each wording.
        n_content: Number of distinct non-stop words of each wording.
        tokens: Every word and bigram of the variants, by token id.
        row_variant: Variant of each (variant, token) row, rows grouped by variant.
        row_token: Token id of each row.
        row_bigram: Whether each row's token is a bigram (a variant's words come before its bigrams).
    """

    positions: np.ndarray
    speakers: np.ndarray
    wordings: np.ndarray
    attributed: np.ndarray
    words: list[frozenset[str]]
    bigrams: list[frozenset[str]]
    n_words: np.ndarray
    n_bigrams: np.ndarray
    n_content: np.ndarray
    tokens: list[str]
    row_variant: np.ndarray
    row_token: np.ndarray
    row_bigram: np.ndarray

    @classmethod
    def of(
        cls,
        positions: np.ndarray,
        speakers: np.ndarray,
        wordings: np.ndarray,
        wording_words: list[list[str]],
        attributed_speakers: np.ndarray,
    ) -> _QuoteVariants:
        """Variants and the features of the wordings they use (other wordings get empty features)."""
        words: list[frozenset[str]] = [frozenset()] * len(wording_words)
        bigrams: list[frozenset[str]] = [frozenset()] * len(wording_words)
        n_content = np.zeros(len(wording_words), dtype=np.int64)
        used = np.unique(wordings).tolist()
        # One string object per distinct bigram, shared by the wordings holding it.
        vocabulary: dict[str, str] = {}
        for wording in used:
            tokens = wording_words[wording]
            words[wording] = frozenset(tokens)
            bigrams[wording] = frozenset(
                vocabulary.setdefault(bigram, bigram) for bigram in _content_bigrams(tokens)
            )
            n_content[wording] = len(words[wording] - STOP_WORDS)
        n_words = np.array([len(tokens) for tokens in words], dtype=np.int64)
        n_bigrams = np.array([len(tokens) for tokens in bigrams], dtype=np.int64)
        # Token ids of each wording (its words, then its bigrams), stored flat with a pointer per wording.
        flat = np.fromiter(
            itertools.chain.from_iterable(
                itertools.chain(words[wording], bigrams[wording]) for wording in used
            ),
            dtype=object,
            count=int((n_words + n_bigrams).sum()),
        )
        flat_ids, tokens = pd.factorize(flat)
        pointer = np.zeros(len(wording_words) + 1, dtype=np.int64)
        pointer[np.array(used, dtype=np.int64) + 1] = (n_words + n_bigrams)[used]
        pointer = np.cumsum(pointer)
        sizes = (n_words + n_bigrams)[wordings]
        row_variant = np.repeat(np.arange(len(positions), dtype=np.int64), sizes)
        within = np.arange(len(row_variant), dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        row_token = flat_ids.astype(np.int64)[pointer[wordings][row_variant] + within]
        return cls(
            positions=positions,
            speakers=speakers,
            wordings=wordings,
            attributed=attributed_speakers[speakers],
            words=words,
            bigrams=bigrams,
            n_words=n_words,
            n_bigrams=n_bigrams,
            n_content=n_content,
            tokens=list(tokens),
            row_variant=row_variant,
            row_token=row_token,
            row_bigram=within >= n_words[wordings][row_variant],
        )


def _prefix_lengths(sizes: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Tokens (rarest first) a set of each size must probe so no partner with overlap >= threshold * size
    is missed; each size has its own threshold."""
    lengths = sizes - np.ceil(thresholds * sizes - 1e-9).astype(np.int64) + 1
    return np.where(sizes > 0, lengths, 0)


def _set_sizes(variants: _QuoteVariants, of_variants: np.ndarray, bigram: np.ndarray) -> np.ndarray:
    """The size of the bigram set (where ``bigram``) or word set of each of ``of_variants``."""
    wordings = variants.wordings[of_variants]
    return np.where(bigram, variants.n_bigrams[wordings], variants.n_words[wordings])


def _probe_keeps(
    variants: _QuoteVariants,
    probing: np.ndarray,
    found: np.ndarray,
    probe_sizes: np.ndarray,
    probe_bigram: np.ndarray,
) -> np.ndarray:
    """Which (probing variant, found variant) postings make a candidate pair: every later variant found,
    and an earlier one when the probing variant is attributed and its set of the probed kind (words or
    bigrams) is the smaller of the two (the probing variant is ``probe_sizes`` large)."""
    backward = (
        (found < probing)
        & variants.attributed[probing]
        & (probe_sizes < _set_sizes(variants, found, probe_bigram))
    )
    return (found > probing) | backward


def _quote_candidate_pairs(
    variants: _QuoteVariants, config: DedupConfig
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs (earlier, later) of variants of one speaker where one holds a token of the other's prefix
    (below), as batches of two arrays of variant indexes, each batch sorted and without repeats.

    A batch holds the pairs found by the probes of a range of variants (the ranges follow one another),
    so the memory of one step is that of one batch (about :data:`_PROBE_CHUNK` postings read) however
    many pairs there are in all. A pair may be found by both of its variants, in two batches.

    Tokens are words and content bigrams, ranked rarest first (ties by the token itself) over all
    variants. An attributed variant's prefix is its rarest words under the looser of the containment and
    similarity thresholds plus its rarest bigrams under the similarity threshold; an unattributed one's is
    its rarest words under the unattributed threshold. Every variant probes its prefix for the later
    variants holding one of its tokens, and an attributed one also for the earlier variants with a larger
    word (or bigram) set: containment and similarity are shares of the *smaller* set, and only the
    smaller set's prefix is sized for them (a prefix sized for the larger set's share can miss a shorter
    wording held in it). No pair can match without being found (Jaccard similarity, for unattributed
    quotes, is bounded by a share of either set), whatever the other variants: which pairs match, and so
    the clusters of one speaker's quotes, do not depend on the quotes of other speakers.
    """
    tokens, row_variant, row_token = variants.tokens, variants.row_variant, variants.row_token
    if not tokens:
        return
    frequency = np.bincount(row_token, minlength=len(tokens)).tolist()
    ranked = sorted(range(len(tokens)), key=lambda token: (frequency[token], tokens[token]))
    rank = np.empty(len(tokens), dtype=np.int64)
    rank[np.array(ranked, dtype=np.int64)] = np.arange(len(tokens), dtype=np.int64)

    # Prefixes: the first tokens of each (variant, kind) in rank order. Arrays over every (variant,
    # token) row are freed as soon as they are used: at a million mentions each takes tens of MB.
    order = np.lexsort((rank[row_token], variants.row_bigram, row_variant))
    sorted_variant, sorted_bigram = row_variant[order], variants.row_bigram[order]
    boundaries = np.flatnonzero(np.diff(sorted_variant * 2 + sorted_bigram, prepend=-1))
    within = np.arange(len(order)) - np.repeat(boundaries, np.diff(np.append(boundaries, len(order))))
    del boundaries
    loose = min(config.quote_containment_threshold, config.quote_similarity_threshold)
    word_threshold = np.where(variants.attributed, loose, config.unattributed_quote_threshold)
    word_prefix = _prefix_lengths(variants.n_words[variants.wordings], word_threshold)
    bigram_prefix = np.where(
        variants.attributed,
        _prefix_lengths(
            variants.n_bigrams[variants.wordings],
            np.full(len(variants.positions), config.quote_similarity_threshold),
        ),
        0,
    )
    in_prefix = within < np.where(sorted_bigram, bigram_prefix[sorted_variant], word_prefix[sorted_variant])
    del within
    # Probes in the order of ``order``: by variant, so a range of probes is a range of probing variants.
    probe_rows, probe_variants = order[in_prefix], sorted_variant[in_prefix]
    # The size of each probe's token set (words or bigrams) in its variant: a probe finds an earlier
    # variant only for a larger set of that kind (see :func:`_probe_keeps`).
    probe_bigram = sorted_bigram[in_prefix]
    probe_sizes = _set_sizes(variants, probe_variants, probe_bigram)
    del order, sorted_variant, in_prefix, sorted_bigram

    # Postings: (speaker, token) keys of every row; probes: keys of prefix rows.
    key = variants.speakers[row_variant] * len(tokens) + row_token
    probe_keys = key[probe_rows]
    del probe_rows
    postings = np.lexsort((row_variant, key))
    posting_keys, posting_variants = key[postings], row_variant[postings]
    del key, postings
    first = np.searchsorted(posting_keys, probe_keys, side="left")
    counts = np.searchsorted(posting_keys, probe_keys, side="right") - first
    del probe_keys
    n_variants = len(variants.positions)
    ends = np.cumsum(counts)
    start = 0
    while start < len(probe_variants):
        stop = max(int(np.searchsorted(ends, ends[start] - counts[start] + _PROBE_CHUNK)), start + 1)
        # Whole earlier variants: the batch takes every probe of its last one.
        stop = int(np.searchsorted(probe_variants, probe_variants[stop - 1], side="right"))
        chunk_counts = counts[start:stop]
        probing = np.repeat(probe_variants[start:stop], chunk_counts)
        offsets = np.repeat(first[start:stop] - (np.cumsum(chunk_counts) - chunk_counts), chunk_counts)
        found = posting_variants[np.arange(len(probing), dtype=np.int64) + offsets]
        del offsets
        keep = _probe_keeps(
            variants,
            probing,
            found,
            np.repeat(probe_sizes[start:stop], chunk_counts),
            np.repeat(probe_bigram[start:stop], chunk_counts),
        )
        probing, found = probing[keep], found[keep]
        pairs = sorted_unique(np.minimum(probing, found) * n_variants + np.maximum(probing, found))
        del probing, found, keep
        yield pairs // n_variants, pairs % n_variants
        start = stop


#: Speakers with at most this many 64-bit words of distinct tokens (of one kind) have their variants'
#: token sets compared as bit sets; larger vocabularies fall back to Python set intersections.
_BITSET_WORDS = 8
_BITSET_CHUNK = 1_000_000


@dataclass
class _TokenBits:
    """The token sets (words, or content bigrams) of every variant as bit sets, where they fit.

    Each speaker's distinct tokens are numbered from 0, so a variant's set fits in a few 64-bit words
    when the speaker's vocabulary is small (always, for most speakers). Made once per kind of token and
    read by every batch of pairs (:func:`_shared_tokens`).

    Attributes:
        bigram: Whether the tokens are content bigrams (else words).
        bits: ``width`` 64-bit words per variant (zero for variants of speakers that do not fit).
        fits_speaker: Whether each speaker's vocabulary fits in ``width`` words.
    """

    bigram: bool
    bits: np.ndarray
    fits_speaker: np.ndarray

    @classmethod
    def of(cls, variants: _QuoteVariants, bigram: bool) -> _TokenBits:
        """The bit sets of every variant's words (or bigrams)."""
        rows = variants.row_bigram == bigram
        row_variant = variants.row_variant[rows]
        row_speaker = variants.speakers[row_variant]
        key = row_speaker * max(len(variants.tokens), 1) + variants.row_token[rows]
        distinct = sorted_unique(key)
        speaker_of_distinct = distinct // max(len(variants.tokens), 1)
        local = np.searchsorted(distinct, key) - np.searchsorted(speaker_of_distinct, row_speaker)
        vocabulary = np.bincount(speaker_of_distinct, minlength=int(variants.speakers.max(initial=0)) + 1)
        n_words = np.minimum((vocabulary + 63) // 64, _BITSET_WORDS + 1)
        width = int(n_words[n_words <= _BITSET_WORDS].max(initial=1))
        fits_speaker = n_words <= width

        bits = np.zeros((len(variants.positions), width), dtype=np.uint64)
        fits_row = fits_speaker[row_speaker]
        np.bitwise_or.at(
            bits.reshape(-1),
            row_variant[fits_row] * width + local[fits_row] // 64,
            np.left_shift(np.uint64(1), (local[fits_row] % 64).astype(np.uint64)),
        )
        return cls(bigram=bigram, bits=bits, fits_speaker=fits_speaker)


def _shared_tokens(
    variants: _QuoteVariants,
    token_bits: _TokenBits,
    earlier: np.ndarray,
    later: np.ndarray,
) -> np.ndarray:
    """Number of words (or bigrams, as ``token_bits`` holds) two variants of one speaker share, for every
    pair of indexes: vectorized AND and bit counts where the speaker's tokens fit in bit sets, Python set
    intersections otherwise."""
    bits = token_bits.bits
    shared = np.zeros(len(earlier), dtype=np.int64)
    as_bits = token_bits.fits_speaker[variants.speakers[earlier]]
    pairs = np.flatnonzero(as_bits)
    for start in range(0, len(pairs), _BITSET_CHUNK):
        chunk = pairs[start : start + _BITSET_CHUNK]
        common = bits[earlier[chunk]] & bits[later[chunk]]
        shared[chunk] = np.bitwise_count(common).sum(axis=1, dtype=np.int64)
    others = np.flatnonzero(~as_bits)
    sets = variants.bigrams if token_bits.bigram else variants.words
    wordings = variants.wordings
    shared[others] = np.fromiter(
        (
            len(sets[a] & sets[b])
            for a, b in zip(wordings[earlier[others]].tolist(), wordings[later[others]].tolist(), strict=True)
        ),
        dtype=np.int64,
        count=len(others),
    )
    return shared


_QUOTE_RULES = np.array([None, "near_identical", "containment", "translation"], dtype=object)


def _matching_quote_pairs(
    variants: _QuoteVariants, config: DedupConfig
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
    """The candidate pairs (:func:`_quote_candidate_pairs`) that match, exactly as :func:`quote_match`
    decides, found batch by batch so that only the matching ones are held.

    Returns:
        The matching (earlier, later) variant indexes, sorted; the rule name of every matching pair; and
        its closeness: the share of the shorter wording's words found in the other.
    """
    words, bigrams = _TokenBits.of(variants, bigram=False), _TokenBits.of(variants, bigram=True)
    found = [(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), _QUOTE_RULES[:0], np.empty(0))]
    for earlier, later in _quote_candidate_pairs(variants, config):
        matched, rule_names, closeness = _matching_batch(variants, (words, bigrams), earlier, later, config)
        found.append((earlier[matched], later[matched], rule_names[matched], closeness[matched]))
    earlier, later, rule_names, closeness = (np.concatenate(parts) for parts in zip(*found, strict=True))
    # A pair found by both of its variants was matched twice (the same way): keep it once, sorted.
    _, once = np.unique(earlier * max(len(variants.positions), 1) + later, return_index=True)
    return (earlier[once], later[once]), rule_names[once], closeness[once]


def _matching_batch(
    variants: _QuoteVariants,
    token_bits: tuple[_TokenBits, _TokenBits],
    earlier_variants: np.ndarray,
    later_variants: np.ndarray,
    config: DedupConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which pairs of a batch match (a mask), under which rule (None where none does) and how closely
    (see :func:`_matching_quote_pairs`); ``token_bits`` holds the variants' words and bigrams."""
    words, bigrams = token_bits
    earlier, later = variants.wordings[earlier_variants], variants.wordings[later_variants]
    shared = _shared_tokens(variants, words, earlier_variants, later_variants)
    n_words_earlier, n_words_later = variants.n_words[earlier], variants.n_words[later]
    attributed = variants.attributed[earlier_variants]
    rule = np.zeros(len(earlier), dtype=np.int64)

    union = n_words_earlier + n_words_later - shared
    similarity = np.divide(shared, union, out=np.zeros(len(union)), where=union > 0)
    rule[~attributed & (union > 0) & (similarity >= config.unattributed_quote_threshold)] = 1

    long_enough = attributed & (
        np.minimum(variants.n_content[earlier], variants.n_content[later]) >= config.quote_min_words
    )
    smaller = np.minimum(n_words_earlier, n_words_later)
    containment = np.divide(shared, smaller, out=np.zeros(len(smaller)), where=smaller > 0)
    contained = long_enough & (containment >= config.quote_containment_threshold)
    rule[contained] = 2

    pending = np.flatnonzero(long_enough & ~contained)
    shared_bigrams = _shared_tokens(variants, bigrams, earlier_variants[pending], later_variants[pending])
    smaller_bigrams = np.minimum(variants.n_bigrams[earlier[pending]], variants.n_bigrams[later[pending]])
    overlap = np.divide(
        shared_bigrams, smaller_bigrams, out=np.zeros(len(pending)), where=smaller_bigrams > 0
    )
    rule[pending[(smaller_bigrams > 0) & (overlap >= config.quote_similarity_threshold)]] = 3
    return rule > 0, _QUOTE_RULES[rule], containment


def _longest_quotes(quotes: pd.DataFrame) -> dict[str, str]:
    """Longest wording of each quote fact (first in canonical order among equally long ones)."""
    if quotes.empty:
        return {}
    texts = quotes["quote_text"].where(quotes["quote_text"].notna(), quotes["text"])
    lengths = texts.str.len()
    order = pd.DataFrame({"fact_id": quotes["fact_id"], "text": texts, "negative_length": -lengths})
    order = order.sort_values(["fact_id", "negative_length"], kind="mergesort")
    return order.drop_duplicates("fact_id").set_index("fact_id")["text"].to_dict()


class QuoteKind(FactKind):
    """Direct quotations with their speakers."""

    name = "quote"
    extractor = extractor

    def cluster(
        self,
        part: pd.DataFrame,
        config: DedupConfig,
        reference: Reference,
        union_find: UnionFind,
        rules: Counter[str],
    ) -> Clusters:
        """Union quotes of one speaker that state the same words (see :func:`_cluster_quotes`)."""
        _cluster_quotes(part, config, union_find, rules)
        return Clusters()

    def fact_fields(self, part: pd.DataFrame) -> dict[str, dict[str, Any]]:
        """``quote_text``: the longest wording of each fact."""
        return {fact_id: {"quote_text": text} for fact_id, text in _longest_quotes(part).items()}

    def statement(self, fact: dict[str, Any]) -> str:
        """``Speaker: “words”`` (``Unattributed: “words”`` without a speaker)."""
        words = f"“{fact['quote_text']}”"
        return f"{fact['speaker']}: {words}" if fact["speaker"] else f"Unattributed: {words}"


#: The quote kind (registered in :data:`factlake.kinds.FACT_KINDS`).
KIND = QuoteKind()
