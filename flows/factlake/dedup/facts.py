"""Fact identity: cluster mentions into facts, count corroboration, find conflicting numbers.

Every mention is first given a place in the *canonical order*: its article's publication date (unknown
dates last), then ``article_id``, ``char_start``, ``char_end`` and ``mention_id``. The earliest mention of a
fact is its representative, and the fact id is derived from the representative's content only:

- quote: ``stable_id("quote", speaker, normalized words of the quote)``;
- quantity: ``stable_id("quantity", measure, unit, period, value, qualifier)``;
- event: ``stable_id("event", action, sorted actors, location, period)``.

A new article published later than the existing ones therefore never changes an existing fact's id: its
mentions sort after the representative. Limits: a backfilled article published *earlier* than a fact's
representative takes over the representative (and the id); a new mention that bridges two existing quote
facts merges them into the one with the earlier representative.

Clustering never compares across blocks: (speaker) for quotes, (measure class, unit class, year) for
quantities, (action, year) for events, so no fact spans two types or speakers. Units and measures are
compared through ``unit_classes.csv`` (reference data): "deaths", "lives", "casualties", "soldiers" and
"people" all count people, and "casualties" tolls may corroborate "killed" ones; mentions keep the unit
and measure as written, and a fact shows its representative's. Identical mentions are grouped first with
vectorized pandas operations; only the distinct variants are compared.

Conflicts (see :func:`find_conflicts`) are numeric claims that cannot all be true about *the same thing
and period*: same measure (exactly, not by class), same unit class and scope (soldiers are a part of the
people killed, so 6,500 soldiers does not contradict 7,000 people), disjoint value intervals, no shared
article, each the headline (largest) figure its article gives for that measure and period, and either

- overlapping known periods ("in September 2022": 221 vs 286); or
- both about the *recent past* of their articles, when at least one period is unknown: a claim is recent
  when it resolved to a day or month starting at most ``recent_claim_window_days`` before publication
  ("12 September" in an article of 1 November), or when its date expression is relative and cannot reach
  further back than that whatever the publication date ("last month", "this week", "on Monday", even in
  an article without a publication date). The two articles must report one story (they share an
  attributed quote: one statement of one speaker), and the smaller value must be at least
  ``recent_conflict_value_ratio`` of the larger (a day's toll and a month's toll differ by far more).

Claims about a distant or different period never meet this way: "6,500 killed in 2020" and "30,000 lives
in the 1990s" are absolute, not recent. Other undated claims never conflict.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import itertools
import math
import operator
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from spacy.lang.en.stop_words import STOP_WORDS

from factlake.config import DedupConfig
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.articles import words_of
from factlake.extract.dates import PAST, resolve_date
from factlake.records import stable_id, to_frame
from factlake.reference import Reference

#: Placeholder period of quantities and events without a date.
UNKNOWN_PERIOD = "unknown"

_OPEN_LOW = {"more_than", "at_least"}
_OPEN_HIGH = {"up_to", "less_than"}
_APPROXIMATE = {"about", "estimated"}
_QUALIFIER_WORDS = {
    "more_than": "more than",
    "at_least": "at least",
    "up_to": "up to",
    "less_than": "less than",
    "about": "about",
    "estimated": "an estimated",
}


@dataclass
class FactSet:
    """Result of :func:`build_facts`.

    Attributes:
        mentions: The input mentions (same rows, same order) with ``fact_id`` filled.
        facts: The ``facts`` table, sorted by (fact_type, fact_id).
        conflicts: The ``conflicts`` table, sorted by (conflict_id, fact_id).
        stats: The manifest's ``dedup`` section: ``mentions_in``, ``facts_out``, ``merges_by_rule``,
            ``conflicts`` and ``thresholds`` (the DedupConfig values).
    """

    mentions: pd.DataFrame
    facts: pd.DataFrame
    conflicts: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- unit classes


@dataclass(frozen=True)
class UnitClasses:
    """How units and measures written differently are compared (``unit_classes.csv``).

    Attributes:
        units: Unit → (class, scope); unlisted units are their own class, of scope ``all``.
        measures: Measure → class; unlisted measures are their own class.
    """

    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)

    def unit(self, unit: str) -> tuple[str, str]:
        """Class and scope of a (lower-case) unit."""
        return self.units.get(unit, (unit, "all"))

    def measure(self, measure: str) -> str:
        """Class of a (lower-case) measure."""
        return self.measures.get(measure, measure)


def unit_classes(reference: Reference) -> UnitClasses:
    """The unit and measure classes of ``reference`` (``unit_classes.csv``)."""
    return _classes_of(reference)


_CLASSES: dict[str, UnitClasses] = {}


def _classes_of(reference: Reference) -> UnitClasses:
    if reference.fingerprint and reference.fingerprint in _CLASSES:
        return _CLASSES[reference.fingerprint]
    rows = reference.table("unit_classes")
    classes = UnitClasses(
        units={
            row["name"].lower().strip(): (row["class"].lower().strip(), (row["scope"] or "all").strip())
            for row in rows
            if row["kind"] == "unit"
        },
        measures={
            row["name"].lower().strip(): row["class"].lower().strip()
            for row in rows
            if row["kind"] == "measure"
        },
    )
    if reference.fingerprint:
        _CLASSES[reference.fingerprint] = classes
    return classes


# --------------------------------------------------------------------------------------------- recency

#: Weeks are no supported date precision, but "this week" is as recent as a claim gets.
_RECENT_WEEK = re.compile(r"\b(?:this|last|past|previous)\s+week\b", re.IGNORECASE)
_WEEK_REACH_DAYS = 13
#: Publication dates a relative expression is tried against to learn how far back it can reach: every day
#: of a common year (so every weekday and every month length is tried).
_REACH_ANCHORS = tuple(dt.date(2002, 1, 1) - dt.timedelta(days=days) for days in range(1, 366))


@functools.lru_cache(maxsize=4096)
def relative_reach_days(expression: str) -> int | None:
    """Most days a past relative date expression can reach back before publication, or None.

    None for absolute expressions ("in 2020", "November 10, 2020": they need no publication date), for
    expressions pointing forward and for anything that is no date. "last month" gives 61, "on Monday" 6.
    """
    if resolve_date(expression, None).value is not None:
        return None
    if _RECENT_WEEK.search(expression):
        return _WEEK_REACH_DAYS
    reach = 0
    for anchor in _REACH_ANCHORS:
        resolved = resolve_date(expression, anchor, PAST)
        if resolved.value is None or resolved.value > anchor:
            return None
        reach = max(reach, (anchor - resolved.value).days)
    return reach


def claim_is_recent(
    date: object, precision: object, date_text: object, published: object, window_days: int
) -> bool:
    """True when a numeric claim is about the recent past of its article (see the module docstring).

    A resolved claim is recent when its period (a day or a month) starts at most ``window_days`` before
    the article's publication; an unresolved one when its date expression is relative and cannot reach
    further back than that, whatever the publication date.
    """
    if isinstance(date, dt.date):
        if precision == "year" or not isinstance(published, dt.date):
            return False
        return 0 <= published.toordinal() - date.toordinal() <= window_days
    if not isinstance(date_text, str) or not date_text.strip():
        return False
    reach = relative_reach_days(date_text)
    return reach is not None and reach <= window_days


# --------------------------------------------------------------------------------------------- periods


def period_of(date: object, precision: object) -> tuple[int, int, str] | None:
    """The days (first and last ordinal) and label a dated mention refers to; None when undated.

    A date without a precision is taken as a day.
    """
    if not isinstance(date, dt.date):
        return None
    if precision == "year":
        return (
            dt.date(date.year, 1, 1).toordinal(),
            dt.date(date.year, 12, 31).toordinal(),
            f"{date.year:04d}",
        )
    if precision == "month":
        first = dt.date(date.year, date.month, 1)
        following = dt.date(date.year + date.month // 12, date.month % 12 + 1, 1)
        return first.toordinal(), following.toordinal() - 1, f"{date.year:04d}-{date.month:02d}"
    return date.toordinal(), date.toordinal(), date.isoformat()


def narrower_period(first: tuple[int, int], second: tuple[int, int]) -> tuple[int, int] | None:
    """The narrower of two nested periods, or None when they do not overlap (different periods).

    Periods of a calendar (day, month, year) are either nested or disjoint, so overlap means nesting.
    """
    if first[1] < second[0] or second[1] < first[0]:
        return None
    return first if first[1] - first[0] <= second[1] - second[0] else second


def _period_label(bounds: tuple[int, int]) -> str:
    first, last = dt.date.fromordinal(bounds[0]), dt.date.fromordinal(bounds[1])
    if first == last:
        return first.isoformat()
    if first.month == last.month:
        return f"{first.year:04d}-{first.month:02d}"
    return f"{first.year:04d}"


def _period_precision(bounds: tuple[int, int]) -> str:
    span = bounds[1] - bounds[0]
    return "day" if span == 0 else ("month" if span < 31 else "year")


# --------------------------------------------------------------------------------------------- preparation


_UNUSED_COLUMNS = ("sentence", "extractor", "date_note", "fact_id")
#: Columns of a fact's representative mention that its id and its row are made of.
_FACT_COLUMNS = (
    "mention_id",
    "fact_type",
    "text",
    "speaker",
    "quote_text",
    "value",
    "qualifier",
    "unit",
    "measure",
    "actors",
    "action",
    "location",
    "event_date",
    "date_precision",
    "date_text",
    "_published",
)


def _canonical_frame(mentions: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Mentions joined with their article facts, sorted into canonical order, positions 0..n-1."""
    info = articles.set_index("article_id")
    canonical_article = info["duplicate_of"].where(info["duplicate_of"].notna(), info.index.to_series())
    # Evidence sentences and provenance are not needed to cluster: leaving them out halves the copy.
    frame = mentions.drop(columns=[name for name in _UNUSED_COLUMNS if name in mentions.columns])
    for name in frame.columns:
        if pd.api.types.is_string_dtype(frame[name].dtype) and frame[name].dtype != object:
            # Python loops below iterate these columns; object arrays iterate far faster than Arrow ones.
            frame[name] = frame[name].astype(object)
    frame["_input_row"] = np.arange(len(frame))
    frame["_published"] = frame["article_id"].map(info["published_date"])
    frame["_canonical_article"] = frame["article_id"].map(canonical_article)
    frame["_canonical_article"] = frame["_canonical_article"].astype(object)
    missing = frame["_canonical_article"].isna()
    frame.loc[missing, "_canonical_article"] = frame.loc[missing, "article_id"]
    frame["_no_date"] = frame["_published"].isna()
    frame["_date_key"] = [
        date.toordinal() if isinstance(date, dt.date) else 0 for date in frame["_published"]
    ]
    frame = frame.sort_values(
        ["_no_date", "_date_key", "article_id", "char_start", "char_end", "mention_id"], kind="mergesort"
    ).reset_index(drop=True)
    return frame


# --------------------------------------------------------------------------------------------- quotes


def quote_words(text: str) -> list[str]:
    """Normalized words of a quote (case, quote marks, punctuation and spacing do not matter)."""
    return words_of(text)


def _content_bigrams(words: list[str]) -> set[str]:
    return {f"{a} {b}" for a, b in itertools.pairwise(words) if a not in STOP_WORDS or b not in STOP_WORDS}


#: Candidate pairs expanded at once while probing postings (bounds the memory of one step).
_PROBE_CHUNK = 4_000_000


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


def _cluster_quotes(
    part: pd.DataFrame, config: DedupConfig, uf: UnionFind, rules: Counter[str]
) -> dict[str, str]:
    """Union quote mentions in ``part`` (positions are its index, in canonical order) that state the same
    words.

    Mentions of one speaker with identical normalized words are grouped first; the earliest of each group
    is a *variant*. Distinct variants of one speaker are then compared pairwise with :func:`quote_match`
    semantics, but only pairs that prefix filtering proposes: a later variant sharing a token (word or
    content bigram) with the earlier one's prefix of rarest tokens. Matching pairs are merged in
    (earlier, later) order, so each merge is counted under the rule of the pair that first joined two
    facts.

    Returns:
        The normalized words (joined by spaces) of every distinct quote text, for the fact ids.
    """
    if part.empty:
        return {}
    texts = part["quote_text"].where(part["quote_text"].notna(), part["text"]).tolist()
    # Distinct texts are normalized once; texts with equal normalized words share one wording.
    wording_of_text: dict[str, int] = {}
    wording_of_words: dict[str, int] = {}
    wording_words: list[list[str]] = []
    for text in dict.fromkeys(texts):
        words = quote_words(text)
        wording = wording_of_words.setdefault(" ".join(words), len(wording_words))
        if wording == len(wording_words):
            wording_words.append(words)
        wording_of_text[text] = wording
    wordings = np.fromiter((wording_of_text[text] for text in texts), dtype=np.int64, count=len(texts))
    speaker_codes, speakers = pd.factorize(part["speaker"].fillna("").to_numpy(dtype=object))
    unattributed = np.flatnonzero(speakers == "")
    unattributed_code = int(unattributed[0]) if len(unattributed) else -1

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
        unattributed_code,
    )
    pairs = _quote_candidate_pairs(variants, config)
    matched, rule_names = _matching_quote_pairs(variants, pairs, config)
    merges: Counter[str] = Counter()
    for first, second, rule in zip(
        variants.positions[pairs[0][matched]].tolist(),
        variants.positions[pairs[1][matched]].tolist(),
        rule_names[matched].tolist(),
        strict=True,
    ):
        if uf.union(first, second):
            merges[rule] += 1
    for rule, count in merges.items():
        rules[f"quote_{rule}"] += count
    normalized = [" ".join(words) for words in wording_words]
    return {text: normalized[wording] for text, wording in wording_of_text.items()}


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
        unattributed_code: int,
    ) -> _QuoteVariants:
        """Variants and the features of the wordings they use (other wordings get empty features)."""
        words: list[frozenset[str]] = [frozenset()] * len(wording_words)
        bigrams: list[frozenset[str]] = [frozenset()] * len(wording_words)
        n_content = np.zeros(len(wording_words), dtype=np.int64)
        used = np.unique(wordings).tolist()
        for wording in used:
            tokens = wording_words[wording]
            words[wording] = frozenset(tokens)
            bigrams[wording] = frozenset(_content_bigrams(tokens))
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
            attributed=speakers != unattributed_code,
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


def _quote_candidate_pairs(variants: _QuoteVariants, config: DedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (earlier, later) of variants of one speaker where the later one holds a token of the earlier
    one's prefix, sorted; as two arrays of variant indexes.

    Tokens are words and content bigrams, ranked rarest first (ties by the token itself) over all
    variants. An attributed variant's prefix is its rarest words under the looser of the containment and
    similarity thresholds plus its rarest bigrams under the similarity threshold; an unattributed one's is
    its rarest words under the unattributed threshold. No pair can match without sharing such a token.
    """
    tokens, row_variant, row_token = variants.tokens, variants.row_variant, variants.row_token
    if not tokens:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    frequency = np.bincount(row_token, minlength=len(tokens)).tolist()
    ranked = sorted(range(len(tokens)), key=lambda token: (frequency[token], tokens[token]))
    rank = np.empty(len(tokens), dtype=np.int64)
    rank[np.array(ranked, dtype=np.int64)] = np.arange(len(tokens), dtype=np.int64)

    # Prefixes: the first tokens of each (variant, kind) in rank order.
    order = np.lexsort((rank[row_token], variants.row_bigram, row_variant))
    sorted_variant, sorted_bigram = row_variant[order], variants.row_bigram[order]
    group = sorted_variant * 2 + sorted_bigram
    boundaries = np.flatnonzero(np.diff(group, prepend=-1))
    within = np.arange(len(order)) - np.repeat(boundaries, np.diff(np.append(boundaries, len(order))))
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

    # Postings: (speaker, token) keys of every row; probes: keys of prefix rows.
    key = variants.speakers[row_variant] * len(tokens) + row_token
    postings = np.lexsort((row_variant, key))
    posting_keys, posting_variants = key[postings], row_variant[postings]
    probe_keys, probe_variants = key[order][in_prefix], sorted_variant[in_prefix]
    first = np.searchsorted(posting_keys, probe_keys, side="left")
    counts = np.searchsorted(posting_keys, probe_keys, side="right") - first
    n_variants = len(variants.positions)
    found = [np.empty(0, dtype=np.int64)]
    ends = np.cumsum(counts)
    start = 0
    while start < len(probe_keys):
        stop = max(int(np.searchsorted(ends, ends[start] - counts[start] + _PROBE_CHUNK)), start + 1)
        chunk_counts = counts[start:stop]
        earlier = np.repeat(probe_variants[start:stop], chunk_counts)
        offsets = np.repeat(first[start:stop] - (np.cumsum(chunk_counts) - chunk_counts), chunk_counts)
        later = posting_variants[np.arange(len(earlier), dtype=np.int64) + offsets]
        keep = later > earlier
        found.append(_sorted_unique(earlier[keep] * n_variants + later[keep]))
        start = stop
    pairs = _sorted_unique(np.concatenate(found))
    return pairs // n_variants, pairs % n_variants


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values, sorted (a plain sort: faster than ``np.unique`` on large integer arrays)."""
    values = np.sort(values)
    return values[np.append(True, values[1:] != values[:-1])] if len(values) else values


#: Speakers with at most this many 64-bit words of distinct tokens (of one kind) have their variants'
#: token sets compared as bit sets; larger vocabularies fall back to Python set intersections.
_BITSET_WORDS = 8
_BITSET_CHUNK = 1_000_000


def _shared_tokens(
    variants: _QuoteVariants,
    bigram: bool,
    earlier: np.ndarray,
    later: np.ndarray,
) -> np.ndarray:
    """Number of words (or bigrams) two variants of one speaker share, for every pair of indexes.

    Each speaker's distinct tokens are numbered from 0, so a variant's set fits in a few 64-bit words
    when the speaker's vocabulary is small (always, for most speakers) and pairs are counted with
    vectorized AND and bit counts.
    """
    rows = variants.row_bigram == bigram
    row_variant = variants.row_variant[rows]
    row_speaker = variants.speakers[row_variant]
    key = row_speaker * max(len(variants.tokens), 1) + variants.row_token[rows]
    distinct = _sorted_unique(key)
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
    shared = np.zeros(len(earlier), dtype=np.int64)
    as_bits = fits_speaker[variants.speakers[earlier]]
    pairs = np.flatnonzero(as_bits)
    for start in range(0, len(pairs), _BITSET_CHUNK):
        chunk = pairs[start : start + _BITSET_CHUNK]
        common = bits[earlier[chunk]] & bits[later[chunk]]
        shared[chunk] = np.bitwise_count(common).sum(axis=1, dtype=np.int64)
    others = np.flatnonzero(~as_bits)
    sets = variants.bigrams if bigram else variants.words
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
    variants: _QuoteVariants, pairs: tuple[np.ndarray, np.ndarray], config: DedupConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Which candidate pairs match and under which rule, exactly as :func:`quote_match` decides.

    Returns:
        A boolean mask over the pairs and the rule name of every pair (None where they do not match).
    """
    earlier, later = variants.wordings[pairs[0]], variants.wordings[pairs[1]]
    shared = _shared_tokens(variants, False, pairs[0], pairs[1])
    n_words_earlier, n_words_later = variants.n_words[earlier], variants.n_words[later]
    attributed = variants.attributed[pairs[0]]
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
    shared_bigrams = _shared_tokens(variants, True, pairs[0][pending], pairs[1][pending])
    smaller_bigrams = np.minimum(variants.n_bigrams[earlier[pending]], variants.n_bigrams[later[pending]])
    overlap = np.divide(
        shared_bigrams, smaller_bigrams, out=np.zeros(len(pending)), where=smaller_bigrams > 0
    )
    rule[pending[(smaller_bigrams > 0) & (overlap >= config.quote_similarity_threshold)]] = 3
    return rule > 0, _QUOTE_RULES[rule]


# --------------------------------------------------------------------------------------------- quantities


def value_interval(
    value: float, low: float, high: float, qualifier: object, tolerance: float
) -> tuple[float, float]:
    """The interval a numeric claim allows: the extractor's bounds, else bounds implied by the qualifier.

    "more than 6,500" allows [6500, inf), "up to 10" (-inf, 10], "about 300" 300 ± ``tolerance``, an
    exact value only itself. A missing bound next to a given one is open.
    """
    has_low, has_high = not math.isnan(low), not math.isnan(high)
    if has_low or has_high:
        return (low if has_low else -math.inf), (high if has_high else math.inf)
    if qualifier in _OPEN_LOW:
        return value, math.inf
    if qualifier in _OPEN_HIGH:
        return -math.inf, value
    if qualifier in _APPROXIMATE:
        spread = abs(value) * tolerance
        return value - spread, value + spread
    return value, value


def _value_ratio(first: float, second: float) -> float:
    """Smaller over larger absolute value (1.0 for two zeros)."""
    larger = max(abs(first), abs(second))
    return min(abs(first), abs(second)) / larger if larger else 1.0


def format_value(value: float) -> str:
    """A number as a person writes it: thousands separators, no needless decimals."""
    if value is None or math.isnan(value):
        return "?"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}" if abs(value) >= 1 else f"{value:.6g}"


def quantity_phrase(value: float, qualifier: object) -> str:
    """``more than 6,500`` / ``221``: the value with its qualifier in words."""
    words = _QUALIFIER_WORDS.get(qualifier) if isinstance(qualifier, str) else None
    return f"{words} {format_value(value)}" if words else format_value(value)


@dataclass(slots=True)
class _Group:
    """State of a fact while mentions are assigned by leader clustering.

    ``key`` is fixed when the group is made: the magnitude of its representative's value for quantities,
    its publication date for events. A variant only tries groups whose key lies in the range that its
    clustering rules allow (see :func:`_leader_assign`).
    """

    root: int
    period: tuple[int, int] | None
    low: float = -math.inf
    high: float = math.inf
    actors: set[str] = field(default_factory=set)
    location: str | None = None
    published: int | None = None
    key: float = 0.0


#: The key range that keeps every group.
_ANY_KEY = (-math.inf, math.inf)


@functools.lru_cache(maxsize=65536)
def _enclosing_periods(period: tuple[int, int] | None) -> tuple[tuple[int, int] | None, ...]:
    """The period itself and the calendar month and year that contain it (only itself when undated)."""
    if period is None:
        return (None,)
    first = dt.date.fromordinal(period[0])
    month_start = dt.date(first.year, first.month, 1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    month = (month_start.toordinal(), following.toordinal() - 1)
    year = (dt.date(first.year, 1, 1).toordinal(), dt.date(first.year, 12, 31).toordinal())
    return tuple(dict.fromkeys([period, month, year]))


def _is_point(group: _Group) -> bool:
    """Whether the group's value interval is the single value of its key (an exact positive quantity)."""
    return group.low == group.key == group.high


class _Bucket:
    """Groups of one period (or of the periods inside one), sorted by key so a range query reads a slice.

    Groups whose interval is the single value of their key (*points*, see :func:`_is_point`) are kept
    apart from the others (*spans*): a variant's interval then narrows their key range, and an open
    interval ("up to 96 billion") reads no more points than its key range allows.
    """

    __slots__ = ("point_groups", "point_keys", "span_groups", "span_keys")

    def __init__(self) -> None:
        self.point_keys: list[float] = []
        self.point_groups: list[_Group] = []
        self.span_keys: list[float] = []
        self.span_groups: list[_Group] = []

    def _lists(self, is_point: bool) -> tuple[list[float], list[_Group]]:
        return (self.point_keys, self.point_groups) if is_point else (self.span_keys, self.span_groups)

    def insert(self, group: _Group, is_point: bool) -> None:
        """File ``group`` among the points or the spans, after any groups of equal key."""
        keys, groups = self._lists(is_point)
        key = group.key
        if not keys or keys[-1] <= key:
            # Keys mostly come in increasing order (events by publication date).
            keys.append(key)
            groups.append(group)
        else:
            at = bisect.bisect_right(keys, key)
            keys.insert(at, key)
            groups.insert(at, group)

    def delete(self, group: _Group, is_point: bool) -> None:
        """Take out ``group``, filed among the points or the spans under its key."""
        keys, groups = self._lists(is_point)
        at = bisect.bisect_left(keys, group.key)
        while groups[at] is not group:
            at += 1
        del keys[at]
        del groups[at]

    def extend(
        self,
        points: list[_Group],
        spans: list[_Group],
        point_range: tuple[float, float],
        key_range: tuple[float, float],
    ) -> None:
        """Add to ``points`` those whose key is in ``point_range``, to ``spans`` those whose key is in
        ``key_range``."""
        if self.span_groups:
            keys = self.span_keys
            spans += self.span_groups[
                bisect.bisect_left(keys, key_range[0]) : bisect.bisect_right(keys, key_range[1])
            ]
        if self.point_groups:
            keys = self.point_keys
            points += self.point_groups[
                bisect.bisect_left(keys, point_range[0]) : bisect.bisect_right(keys, point_range[1])
            ]


class _PeriodIndex:
    """Groups of one block filed by period, so a variant meets only groups whose period overlaps its own.

    Calendar periods are nested or disjoint, so the groups overlapping a period are those whose period
    lies inside it (filed in ``within`` under every period containing theirs, itself included) and those
    whose period is the month or year containing it (filed in ``exact`` under their own period, when it
    is a month or a year: only those contain other periods). Within a bucket, groups are sorted by key
    (see :class:`_Bucket`), so that a query reads only slices of the groups that can match instead of
    every group of the period. Where a group was filed is recorded for :meth:`remove`, because being a
    point depends on its interval, which narrows as it takes variants.
    """

    def __init__(self) -> None:
        self.exact: dict[tuple[int, int], _Bucket] = {}
        self.within: dict[tuple[int, int] | None, _Bucket] = {}
        self.filing: dict[int, tuple[list[_Bucket], bool]] = {}

    def add(self, group: _Group) -> None:
        """File ``group`` under its period and the periods containing it."""
        period, is_point = group.period, _is_point(group)
        within = self.within
        buckets = []
        for container in _enclosing_periods(period):
            bucket = within.get(container)
            if bucket is None:
                bucket = within[container] = _Bucket()
            buckets.append(bucket)
        if period is not None and period[0] != period[1]:
            bucket = self.exact.get(period)
            if bucket is None:
                bucket = self.exact[period] = _Bucket()
            buckets.append(bucket)
        for bucket in buckets:
            bucket.insert(group, is_point)
        self.filing[group.root] = (buckets, is_point)

    def remove(self, group: _Group) -> None:
        """Take out ``group`` wherever :meth:`add` filed it."""
        buckets, is_point = self.filing.pop(group.root)
        for bucket in buckets:
            bucket.delete(group, is_point)

    def overlapping(
        self,
        period: tuple[int, int] | None,
        interval: tuple[float, float] | None = None,
        key_range: tuple[float, float] = _ANY_KEY,
    ) -> list[_Group]:
        """Groups whose period overlaps ``period``, whose value interval meets ``interval`` (when given)
        and whose key is in ``key_range``, by root."""
        if interval is None:
            point_range = key_range
        else:
            low, high = interval
            if math.isnan(low) or math.isnan(high):
                return []
            # A point meets the interval when its key is in it.
            point_range = (max(key_range[0], low), min(key_range[1], high))
        points: list[_Group] = []
        spans: list[_Group] = []
        bucket = self.within.get(period)
        if bucket is not None:
            bucket.extend(points, spans, point_range, key_range)
        exact = self.exact
        for container in _enclosing_periods(period)[1:]:
            bucket = exact.get(container)
            if bucket is not None:
                bucket.extend(points, spans, point_range, key_range)
        if interval is not None and spans:
            spans = [group for group in spans if group.low <= high and low <= group.high]
        found = points + spans if points else spans
        if len(found) > 1:
            found.sort(key=_ROOT)
        return found


_ROOT = operator.attrgetter("root")


def _leader_assign(
    variants: list[int],
    block_of: dict[int, Any],
    period_at: dict[int, tuple[int, int] | None],
    accepts,
    join,
    make,
    uf: UnionFind,
    rules: Counter[str],
    rule: str,
    interval_at: dict[int, tuple[float, float]] | None = None,
    key_range_at: dict[int, tuple[float, float]] | None = None,
) -> dict[int, _Group]:
    """Give every variant (in canonical order) to the first compatible group of its block, else a new group.

    Leader clustering keeps every group internally consistent (an interval or date compatible with *all*
    of its members), which union-find over pairwise compatibility would not: "more than 10" is compatible
    with both 221 and 286, and must not chain them into one fact. Groups are tried in creation order
    (their representatives' canonical order), so the result is deterministic. Groups that ``accepts``
    would reject anyway are skipped without asking it: those whose period misses the variant's, whose
    value interval misses ``interval_at``'s (when given) and whose key is out of ``key_range_at``'s (when
    given). Skipping them changes nothing but the time taken.
    """
    indexes: defaultdict[Any, _PeriodIndex] = defaultdict(_PeriodIndex)
    groups: list[_Group] = []
    for position in variants:
        index = indexes[block_of[position]]
        interval = interval_at[position] if interval_at is not None else None
        key_range = key_range_at[position] if key_range_at is not None else _ANY_KEY
        for group in index.overlapping(period_at[position], interval, key_range):
            if accepts(group, position):
                before = (group.period, _is_point(group))
                join(group, position)
                if (group.period, _is_point(group)) != before:
                    index.remove(group)
                    index.add(group)
                uf.union(group.root, position)
                rules[rule] += 1
                break
        else:
            group = make(position)
            index.add(group)
            groups.append(group)
    return {group.root: group for group in groups}


def _identical_variants(
    part: pd.DataFrame, key_columns: list[str], uf: UnionFind, rules: Counter[str], rule: str
) -> list[int]:
    """Union mentions with identical keys (vectorized); return the variant positions in canonical order."""
    keys = part[key_columns].astype(str)
    variant_of = (
        pd.Series(part.index, index=part.index)
        .groupby([keys[c] for c in key_columns], sort=False, dropna=False)
        .transform("min")
    )
    duplicates = variant_of[variant_of != variant_of.index]
    for position, variant in zip(duplicates.index, duplicates, strict=True):
        uf.union(int(variant), int(position))
    rules[rule] += len(duplicates)
    return sorted(set(variant_of.tolist()))


def _cluster_quantities(
    part: pd.DataFrame, config: DedupConfig, classes: UnitClasses, uf: UnionFind, rules: Counter[str]
) -> dict[int, _Group]:
    """Union numeric claims of one measure and unit class and one period whose value intervals overlap."""
    periods = [
        period_of(date, precision)
        for date, precision in zip(part["event_date"], part["date_precision"], strict=True)
    ]
    intervals = [
        value_interval(value, low, high, qualifier, config.approximate_value_tolerance)
        for value, low, high, qualifier in zip(
            part["value"].astype(float),
            part["value_low"].astype(float),
            part["value_high"].astype(float),
            part["qualifier"],
            strict=True,
        )
    ]
    keyed = pd.DataFrame(
        {
            "measure": part["measure"].fillna("").str.lower().str.strip(),
            "unit": part["unit"].fillna("").str.lower().str.strip(),
            "period": [period[:2] if period else None for period in periods],
            "interval": intervals,
            "value": part["value"],
            "qualifier": part["qualifier"],
        },
        index=part.index,
    )
    variants = _identical_variants(keyed, list(keyed.columns), uf, rules, "quantity_identical")
    period_at = dict(zip(part.index, keyed["period"], strict=True))
    interval_at = dict(zip(part.index, intervals, strict=True))
    measure_at = dict(zip(part.index, keyed["measure"], strict=True))
    value_at = dict(zip(part.index, part["value"].astype(float), strict=True))
    unit_at = dict(zip(part.index, keyed["unit"], strict=True))
    block_of = {
        position: (
            classes.measure(measure_at[position]),
            classes.unit(unit_at[position])[0],
            dt.date.fromordinal(period_at[position][0]).year if period_at[position] else None,
        )
        for position in variants
    }
    has_value = dict(zip(part.index, ~part["value"].isna(), strict=True))

    def accepts(group: _Group, position: int) -> bool:
        if not has_value[position] or not has_value[group.root]:
            return False
        if (group.period is None) != (period_at[position] is None):
            return False
        if group.period is not None and narrower_period(group.period, period_at[position]) is None:
            return False
        low, high = interval_at[position]
        if max(low, group.low) > min(high, group.high):
            return False
        return _value_ratio(value_at[group.root], value_at[position]) >= config.quantity_value_ratio

    def join(group: _Group, position: int) -> None:
        low, high = interval_at[position]
        group.low, group.high = max(low, group.low), min(high, group.high)
        if group.period is not None:
            group.period = narrower_period(group.period, period_at[position])

    def make(position: int) -> _Group:
        low, high = interval_at[position]
        value = value_at[position]
        key = math.inf if math.isnan(value) else abs(value)
        return _Group(root=position, period=period_at[position], low=low, high=high, key=key)

    # Groups whose representative's magnitude is out of ratio with a variant's never accept it.
    key_range_at = {
        position: _magnitude_range(value_at[position], config.quantity_value_ratio) for position in variants
    }
    return _leader_assign(
        variants,
        block_of,
        period_at,
        accepts,
        join,
        make,
        uf,
        rules,
        "quantity_overlap",
        interval_at,
        key_range_at,
    )


def _magnitude_range(value: float, ratio: float) -> tuple[float, float]:
    """Magnitudes (absolute values) that can be in at least ``ratio`` of ``value`` (:func:`_value_ratio`).

    The range is widened by a relative 1e-9 so that rounding can only let in values that the exact test
    then rejects; it is empty for a missing value, and every magnitude for a ratio of zero or less.
    """
    magnitude = abs(value)
    if math.isnan(magnitude):
        return math.inf, -math.inf
    if ratio <= 0:
        return _ANY_KEY
    return magnitude * ratio * (1 - 1e-9), magnitude / ratio * (1 + 1e-9)


# --------------------------------------------------------------------------------------------- events


def _cluster_events(
    part: pd.DataFrame, config: DedupConfig, uf: UnionFind, rules: Counter[str]
) -> dict[int, _Group]:
    """Union events with one action, overlapping actors, one place (or one unknown) and one date."""
    periods = [
        period_of(date, precision)
        for date, precision in zip(part["event_date"], part["date_precision"], strict=True)
    ]
    actor_sets = [
        frozenset(actors) if isinstance(actors, list | np.ndarray) else frozenset()
        for actors in part["actors"]
    ]
    keyed = pd.DataFrame(
        {
            "action": part["action"].fillna(""),
            "actors": ["\x1f".join(sorted(actors)) for actors in actor_sets],
            "location": part["location"].fillna(""),
            "period": [period[:2] if period else None for period in periods],
            # Undated events are told apart by their publication date (see the window rule below).
            "published": [
                None if period else key for period, key in zip(periods, part["_date_key"], strict=True)
            ],
        },
        index=part.index,
    )
    variants = _identical_variants(keyed, list(keyed.columns), uf, rules, "event_identical")
    period_at = dict(zip(part.index, keyed["period"], strict=True))
    actors_at = dict(zip(part.index, actor_sets, strict=True))
    location_at = {
        position: (place or None) for position, place in zip(part.index, keyed["location"], strict=True)
    }
    published_at = {
        position: (None if no_date else key)
        for position, no_date, key in zip(part.index, part["_no_date"], part["_date_key"], strict=True)
    }
    article_at = dict(zip(part.index, part["article_id"], strict=True))
    action_at = dict(zip(part.index, keyed["action"], strict=True))
    block_of = {
        position: (
            action_at[position],
            dt.date.fromordinal(period_at[position][0]).year if period_at[position] else None,
        )
        for position in variants
    }

    def accepts(group: _Group, position: int) -> bool:
        if group.actors and actors_at[position] and not (group.actors & actors_at[position]):
            return False
        if group.actors != actors_at[position] and not (group.actors and actors_at[position]):
            return False
        if group.location and location_at[position] and group.location != location_at[position]:
            return False
        if (group.period is None) != (period_at[position] is None):
            return False
        if group.period is not None:
            return narrower_period(group.period, period_at[position]) is not None
        # Undated: one actor set must contain the other (an article may tell of several meetings of
        # overlapping people), and the articles must be published close together.
        if not (actors_at[position] <= group.actors or group.actors <= actors_at[position]):
            return False
        if article_at[group.root] == article_at[position]:
            return True
        published = published_at[position]
        return (
            group.published is not None
            and published is not None
            and abs(group.published - published) <= config.event_unknown_date_window_days
        )

    def join(group: _Group, position: int) -> None:
        group.actors |= actors_at[position]
        group.location = group.location or location_at[position]
        if group.period is not None:
            group.period = narrower_period(group.period, period_at[position])

    def make(position: int) -> _Group:
        published = published_at[position]
        return _Group(
            root=position,
            period=period_at[position],
            actors=set(actors_at[position]),
            location=location_at[position],
            published=published,
            key=-math.inf if published is None else published,
        )

    # An undated event joins only groups published within the window of it, or in its own article (so
    # on its own publication date, or with none when it has none). Dated events ignore the key.
    window = max(config.event_unknown_date_window_days, 0)
    key_range_at = {
        position: (
            _ANY_KEY
            if period_at[position] is not None
            else (
                (-math.inf, -math.inf)
                if published_at[position] is None
                else (published_at[position] - window, published_at[position] + window)
            )
        )
        for position in variants
    }
    return _leader_assign(
        variants,
        block_of,
        period_at,
        accepts,
        join,
        make,
        uf,
        rules,
        "event_compatible",
        key_range_at=key_range_at,
    )


# --------------------------------------------------------------------------------------------- facts


def _fact_identity(row: dict[str, Any], group: _Group | None, quote_wordings: dict[str, str]) -> str:
    """Stable id of a fact from its representative mention (and the group's canonical fields).

    ``quote_wordings`` holds the normalized words of quote texts already normalized while clustering.
    """
    if row["fact_type"] == "quote":
        text = row["quote_text"] if isinstance(row["quote_text"], str) else row["text"]
        wording = quote_wordings.get(text)
        return stable_id(
            "quote", row["speaker"] or "", wording if wording is not None else " ".join(quote_words(text))
        )
    period = period_of(row["event_date"], row["date_precision"])
    label = period[2] if period else UNKNOWN_PERIOD
    if row["fact_type"] == "quantity":
        return stable_id(
            "quantity",
            (row["measure"] or "").lower().strip(),
            (row["unit"] or "").lower().strip(),
            label,
            format_value(float(row["value"])) if row["value"] is not None else "",
            row["qualifier"] or "",
        )
    actors = sorted(row["actors"]) if isinstance(row["actors"], list | np.ndarray) else []
    if not period and isinstance(row["_published"], dt.date):
        label = f"{UNKNOWN_PERIOD} published {row['_published'].isoformat()}"
    return stable_id("event", row["action"] or "", "\x1f".join(actors), row["location"] or "", label)


def _statement(fact: dict[str, Any]) -> str:
    """A readable one-line form of a fact."""
    if fact["fact_type"] == "quote":
        words = f"“{fact['quote_text']}”"
        return f"{fact['speaker']}: {words}" if fact["speaker"] else f"Unattributed: {words}"
    when = _period_label(fact["_period"]) if fact["_period"] else None
    if fact["fact_type"] == "quantity":
        what = " ".join(part for part in (fact["unit"], fact["measure"]) if part)
        text = f"{quantity_phrase(fact['value'], fact['qualifier'])} {what}".strip()
        return f"{text} ({when})" if when else text
    text = f"{fact['action'] or 'event'}: {', '.join(fact['actors']) or 'unknown actors'}"
    if fact["location"]:
        text += f" in {fact['location']}"
    if when:
        text += f" on {when}" if fact["date_precision"] == "day" else f" in {when}"
    return text


def _aggregate(
    frame: pd.DataFrame, fact_index: np.ndarray, n_facts: int, articles: pd.DataFrame
) -> dict[str, list[Any]]:
    """Per-fact corroboration over canonical articles: counts, sources and publication span.

    Args:
        frame: The canonical frame.
        fact_index: Fact number (0 .. n_facts-1) of every row of ``frame``.
        n_facts: Number of facts.
        articles: The ``articles`` table.

    Returns:
        Columns (one value per fact number): ``n_articles``, ``sources`` (sorted distinct known outlets),
        ``n_sources``, ``first_published``, ``last_published``, ``n_mentions``, ``confidence`` (highest),
        ``value_low`` (lowest) and ``value_high`` (highest); missing numbers are NaN.
    """
    info = articles.set_index("article_id")
    ordinals = pd.Series(
        [date.toordinal() if isinstance(date, dt.date) else np.nan for date in info["published_date"]],
        index=info.index,
        dtype="float64",
    )
    article_codes, article_names = pd.factorize(frame["_canonical_article"].to_numpy(dtype=object))
    known_article = article_codes >= 0
    width = max(len(article_names), 1)
    supporting = _sorted_unique(fact_index[known_article] * width + article_codes[known_article])
    supporting_fact, supporting_article = supporting // width, supporting % width
    article_names = pd.Index(article_names)
    source_of_article = article_names.map(info["source_name"]).to_numpy(dtype=object)
    published_of_article = article_names.map(ordinals).to_numpy(dtype=np.float64)

    # Distinct known sources of each fact, in string order.
    source_of_pair = source_of_article[supporting_article]
    has_source = ~pd.isna(source_of_pair)
    known_sources = source_of_pair[has_source]
    source_names = np.unique(known_sources)
    n_names = max(len(source_names), 1)
    fact_sources = _sorted_unique(
        supporting_fact[has_source] * n_names + np.searchsorted(source_names, known_sources)
    )
    sources: list[list[str]] = [[] for _ in range(n_facts)]
    for fact, source in zip(
        (fact_sources // n_names).tolist(), source_names[fact_sources % n_names].tolist(), strict=True
    ):
        sources[fact].append(source)

    published = published_of_article[supporting_article]
    first = np.full(n_facts, np.nan)
    last = np.full(n_facts, np.nan)
    np.fmin.at(first, supporting_fact, published)
    np.fmax.at(last, supporting_fact, published)
    confidence, value_low, value_high = (np.full(n_facts, np.nan) for _ in range(3))
    np.fmax.at(confidence, fact_index, frame["confidence"].to_numpy(dtype=np.float64))
    np.fmin.at(value_low, fact_index, frame["value_low"].to_numpy(dtype=np.float64))
    np.fmax.at(value_high, fact_index, frame["value_high"].to_numpy(dtype=np.float64))
    return {
        "n_articles": np.bincount(supporting_fact, minlength=n_facts).tolist(),
        "sources": sources,
        "n_sources": [len(names) for names in sources],
        "first_published": [_date_of(value) for value in first.tolist()],
        "last_published": [_date_of(value) for value in last.tolist()],
        "n_mentions": np.bincount(fact_index, minlength=n_facts).tolist(),
        "confidence": confidence.tolist(),
        "value_low": value_low.tolist(),
        "value_high": value_high.tolist(),
    }


def _date_of(ordinal: float) -> dt.date | None:
    return None if math.isnan(ordinal) else dt.date.fromordinal(int(ordinal))


def _story_partners(frame: pd.DataFrame, articles: set[str], min_shared: int) -> dict[str, set[str]]:
    """For each of ``articles``, the other articles sharing at least ``min_shared`` attributed quote facts.

    Two outlets quoting one speaker's one statement report one story; a quote is far more specific to a
    news event than a number or a place, which background paragraphs repeat for years.
    """
    quotes = frame.loc[
        (frame["fact_type"] == "quote") & frame["speaker"].notna(), ["fact_id", "_canonical_article"]
    ].drop_duplicates()
    mine = quotes[quotes["_canonical_article"].isin(articles)]
    others = quotes[quotes["fact_id"].isin(set(mine["fact_id"]))]
    shared = mine.merge(others, on="fact_id", suffixes=("", "_other"))
    shared = shared[shared["_canonical_article"] != shared["_canonical_article_other"]]
    counts = shared.groupby(["_canonical_article", "_canonical_article_other"]).size()
    partners: defaultdict[str, set[str]] = defaultdict(set)
    for (article, other), count in counts.items():
        if count >= min_shared:
            partners[article].add(other)
    return partners


def _disjoint(first: dict[str, Any], second: dict[str, Any]) -> bool:
    return max(first["_low"], second["_low"]) > min(first["_high"], second["_high"])


def find_conflicts(
    facts: list[dict[str, Any]], frame: pd.DataFrame, config: DedupConfig | None = None
) -> list[dict[str, Any]]:
    """Conflict rows for quantity facts that cannot all be true.

    Two quantity facts conflict when they have the same measure, unit class and scope (``_measure``,
    ``_unit_class``, ``_scope``), disjoint value intervals, share no supporting article, each is the
    *headline* figure of at least one of its articles (the largest value that article gives for that
    measure and unit class in that period), and they are about one period, which is either

    - *dated*: both periods are known and overlap, and their articles report one story (they share an
      attributed quote: ``config.story_shared_quotes``); or
    - *recent*: both claims are about the recent past of their articles (``_recent``), at least one of
      them has no resolved period (typically "last month" in an article without a publication date),
      their articles report one story (they share an attributed quote), and the smaller value is at least
      ``config.recent_conflict_value_ratio`` of the larger. For this rule the headline is the largest
      recent figure of the article.

    The headline condition keeps breakdowns from conflicting with totals ("221 deaths, 150 from Armenia
    and 71 from Azerbaijan" is one claim of 221, not three). The story condition keeps figures about
    different things apart: two wire stories of one month each give a company's profit in dollars, and
    they do not disagree. Other undated claims never conflict: an unknown period may be any period, and a
    conflict is an accusation that needs evidence.
    """
    config = config or DedupConfig()
    candidates = [
        fact
        for fact in facts
        if fact["fact_type"] == "quantity"
        and fact["measure"]
        and fact["unit"]
        and (fact["_period"] or fact.get("_recent"))
    ]
    by_block: defaultdict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for fact in candidates:
        by_block[(fact["_measure"], fact["_unit_class"], fact["_scope"])].append(fact)
    by_block = defaultdict(list, {key: block for key, block in by_block.items() if len(block) >= 2})
    if not by_block:
        return []
    involved_ids = {fact["fact_id"] for block in by_block.values() for fact in block}
    articles_of: defaultdict[str, set[str]] = defaultdict(set)
    involved = frame.loc[frame["fact_id"].isin(involved_ids), ["fact_id", "_canonical_article"]]
    for fact_id, article in zip(
        involved["fact_id"].tolist(), involved["_canonical_article"].tolist(), strict=True
    ):
        articles_of[fact_id].add(article)
    involved_articles = {article for fact_id in involved_ids for article in articles_of[fact_id]}
    partners = _story_partners(frame, involved_articles, config.story_shared_quotes)
    rows: list[dict[str, Any]] = []
    for (measure, unit_class, _scope), block in sorted(by_block.items()):
        headline: set[str] = set()
        recent_headline: set[str] = set()
        by_article: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        for fact in block:
            for article in articles_of[fact["fact_id"]]:
                by_article[article].append(fact)
        for article_facts in by_article.values():
            recent = [fact for fact in article_facts if fact.get("_recent")]
            top_recent = max((fact["_low"] for fact in recent), default=math.inf)
            recent_headline.update(fact["fact_id"] for fact in recent if fact["_low"] >= top_recent)
            dated = [fact for fact in article_facts if fact["_period"]]
            for fact in dated:
                first, last = fact["_period"]
                # The largest lower bound among the article's claims about an overlapping period (itself
                # included), taken in the article's order as ``max`` does (NaN bounds compare false).
                top = max(
                    other["_low"]
                    for other in dated
                    if other["_period"][1] >= first and last >= other["_period"][0]
                )
                if fact["_low"] >= top:
                    headline.add(fact["fact_id"])
        eligible = sorted(
            (fact for fact in block if fact["fact_id"] in headline or fact["fact_id"] in recent_headline),
            key=lambda f: f["fact_id"],
        )
        index_of = {fact["fact_id"]: index for index, fact in enumerate(eligible)}
        dated = [
            index
            for index, fact in enumerate(eligible)
            if fact["fact_id"] in headline
            and any(article in partners for article in articles_of[fact["fact_id"]])
        ]
        edges = [
            _same_story(_dated_conflict_edges(eligible, dated, articles_of), eligible, articles_of, partners)
        ]
        recent_by_article: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        for fact in eligible:
            if fact["fact_id"] in recent_headline:
                for article in articles_of[fact["fact_id"]]:
                    recent_by_article[article].append(fact)
        for fact in eligible:
            if fact["fact_id"] not in recent_headline or fact["_period"]:
                continue
            for article in sorted(articles_of[fact["fact_id"]]):
                for partner_article in sorted(partners.get(article, ())):
                    for other in recent_by_article.get(partner_article, []):
                        ratio = (
                            _value_ratio(fact["value"], other["value"])
                            if fact["value"] is not None and other["value"] is not None
                            else math.nan
                        )
                        if (
                            _disjoint(fact, other)
                            and ratio >= config.recent_conflict_value_ratio
                            and not articles_of[fact["fact_id"]] & articles_of[other["fact_id"]]
                        ):
                            edges.append(np.array([[index_of[fact["fact_id"]], index_of[other["fact_id"]]]]))
        components: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        for index, label in enumerate(_components(len(eligible), np.concatenate(edges))):
            components[int(label)].append(eligible[index])
        for members in components.values():
            if len(members) < 2:
                continue
            rows.extend(_conflict_rows(members, measure, unit_class))
    return rows


def _same_story(
    edges: np.ndarray,
    facts: list[dict[str, Any]],
    articles_of: dict[str, set[str]],
    partners: dict[str, set[str]],
) -> np.ndarray:
    """The pairs of ``edges`` whose facts come from articles reporting one story (see ``_story_partners``)."""
    keep = np.array(
        [
            any(
                partners.get(article, set()) & articles_of[facts[second]["fact_id"]]
                for article in articles_of[facts[first]["fact_id"]]
            )
            for first, second in edges
        ],
        dtype=bool,
    )
    return edges[keep] if len(edges) else edges


def _dated_conflict_edges(
    facts: list[dict[str, Any]], dated: list[int], articles_of: dict[str, set[str]]
) -> np.ndarray:
    """Pairs (rows of positions in ``facts``) of dated facts with overlapping periods, disjoint values and
    no shared article, computed with array operations.

    Only facts of one month (or of one year, for year-precision periods) are compared: calendar periods
    that overlap are nested, so they share their month unless one of them is a whole year.
    """
    groups: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    years: defaultdict[int, list[int]] = defaultdict(list)
    for index in dated:
        period = facts[index]["_period"]
        first = dt.date.fromordinal(period[0])
        if _period_precision(period) == "year":
            years[first.year].append(index)
        else:
            groups[(first.year, first.month)].append(index)
    for year, members in years.items():
        months = [key for key in groups if key[0] == year]
        for key in months:
            groups[key].extend(members)
        if not months:
            groups[(year, 0)] = list(members)
    found = [np.empty((0, 2), dtype=np.int64)]
    for members in groups.values():
        if len(members) < 2:
            continue
        index = np.array(members, dtype=np.int64)
        start = np.array([facts[i]["_period"][0] for i in members])
        end = np.array([facts[i]["_period"][1] for i in members])
        low = np.array([facts[i]["_low"] for i in members], dtype=float)
        high = np.array([facts[i]["_high"] for i in members], dtype=float)
        overlap = (start[:, None] <= end[None, :]) & (start[None, :] <= end[:, None])
        disjoint = np.maximum(low[:, None], low[None, :]) > np.minimum(high[:, None], high[None, :])
        candidate = np.triu(overlap & disjoint, 1)
        if not candidate.any():
            continue
        rows_of: defaultdict[str, list[int]] = defaultdict(list)
        for row, i in enumerate(members):
            for article in articles_of[facts[i]["fact_id"]]:
                rows_of[article].append(row)
        for rows in rows_of.values():
            if len(rows) > 1:  # facts of one article never conflict with each other
                candidate[np.ix_(rows, rows)] = False
        first, second = np.nonzero(candidate)
        found.append(np.column_stack([index[first], index[second]]))
    return np.concatenate(found)


def _components(size: int, edges: np.ndarray) -> np.ndarray:
    """Connected components of a graph on 0..size-1: for each node, the smallest node of its component."""
    label = np.arange(size, dtype=np.int64)
    if not len(edges):
        return label
    first, second = edges[:, 0], edges[:, 1]
    while True:
        smaller = np.minimum(label[first], label[second])
        before = label.copy()
        np.minimum.at(label, first, smaller)
        np.minimum.at(label, second, smaller)
        label = label[label]  # jump to the label's own label: halves the remaining distance
        if np.array_equal(label, before):
            return label


def _conflict_rows(members: list[dict[str, Any]], measure: str, unit_class: str) -> list[dict[str, Any]]:
    """The conflict rows of one group of facts that disagree."""
    members.sort(key=lambda fact: (fact["_low"], fact["fact_id"]))
    conflict_id = stable_id(*sorted(fact["fact_id"] for fact in members))
    claims = " vs ".join(
        f"{quantity_phrase(fact['value'], fact['qualifier'])} "
        f"({fact['n_articles']} article{'s' if fact['n_articles'] != 1 else ''})"
        for fact in members
    )
    if all(fact["_period"] for fact in members):
        widest = max((fact["_period"] for fact in members), key=lambda period: period[1] - period[0])
        when = f"for {_period_label(widest)}"
    else:
        texts = sorted({fact["_date_text"] for fact in members if fact.get("_date_text")})
        when = "in the weeks before publication" + (
            f" ({', '.join(f'“{text}”' for text in texts)})" if texts else ""
        )
    units = {fact["unit"] for fact in members}
    unit = units.pop() if len(units) == 1 else unit_class
    description = f"Sources disagree on {measure} ({unit}) {when}: {claims}"
    return [
        {
            "conflict_id": conflict_id,
            "fact_id": fact["fact_id"],
            "value": fact["value"],
            "description": description,
        }
        for fact in members
    ]


def build_facts(
    mentions: pd.DataFrame,
    articles: pd.DataFrame,
    config: DedupConfig,
    reference: Reference,
) -> FactSet:
    """Cluster mentions into facts, count their corroboration and find conflicting numbers.

    Args:
        mentions: The ``mentions`` table with ``fact_id`` null.
        articles: The ``articles`` table after :func:`factlake.dedup.mark_duplicate_articles`.
        config: Dedup thresholds.
        reference: Reference data holding ``unit_classes.csv``.

    Returns:
        The mentions with ``fact_id``, the ``facts`` and ``conflicts`` tables and the manifest statistics.
        Mentions of duplicate articles count toward their canonical article, so they add no article and
        no source. The result does not depend on the row order of either input.
    """
    frame = _canonical_frame(mentions, articles)
    uf = UnionFind(len(frame))
    rules: Counter[str] = Counter()
    groups: dict[int, _Group] = {}
    quote_wordings = _cluster_quotes(frame[frame["fact_type"] == "quote"], config, uf, rules)
    classes = unit_classes(reference)
    groups.update(_cluster_quantities(frame[frame["fact_type"] == "quantity"], config, classes, uf, rules))
    groups.update(_cluster_events(frame[frame["fact_type"] == "event"], config, uf, rules))

    roots = uf.roots() if len(frame) else np.array([], dtype=np.int64)
    representative_positions = np.unique(roots)
    fact_index = np.searchsorted(representative_positions, roots)
    representatives = frame.iloc[representative_positions]
    # Missing values become None (string columns would otherwise give NaN, which is truthy).
    rows = _records(representatives[[name for name in _FACT_COLUMNS if name in representatives.columns]])
    fact_ids: list[str] = []
    taken: set[str] = set()
    for position, row in zip(representative_positions.tolist(), rows, strict=True):
        fact_id = _fact_identity(row, groups.get(position), quote_wordings)
        if fact_id in taken:
            # Two facts with equal canonical content (e.g. a year-level claim left apart from a fact whose
            # period narrowed): the later representative is told apart by its own mention id.
            fact_id = stable_id(fact_id, row["mention_id"])
        taken.add(fact_id)
        fact_ids.append(fact_id)
    frame["fact_id"] = np.array(fact_ids, dtype=object)[fact_index]
    totals = _aggregate(frame, fact_index, len(fact_ids), articles)
    longest_quote = _longest_quotes(frame)
    actor_union = _actor_unions(frame)

    facts: list[dict[str, Any]] = []
    for number, (position, fact_id, row) in enumerate(
        zip(representative_positions.tolist(), fact_ids, rows, strict=True)
    ):
        group = groups.get(position)
        period = (
            group.period if group else (period_of(row["event_date"], row["date_precision"]) or (None,))[:2]
        )
        period = period if period and period[0] is not None else None
        fact = {
            "fact_id": fact_id,
            "fact_type": row["fact_type"],
            "speaker": row["speaker"],
            "quote_text": longest_quote.get(fact_id),
            "value": row["value"],
            "value_low": totals["value_low"][number],
            "value_high": totals["value_high"][number],
            "qualifier": row["qualifier"],
            "unit": row["unit"],
            "measure": row["measure"],
            "actors": actor_union.get(fact_id, []),
            "action": row["action"],
            "location": (group.location if group else None) or row["location"],
            "event_date": dt.date.fromordinal(period[0]) if period else None,
            "date_precision": _period_precision(period) if period else None,
            "n_mentions": totals["n_mentions"][number],
            "n_articles": totals["n_articles"][number],
            "n_sources": totals["n_sources"][number],
            "sources": totals["sources"][number],
            "first_published": totals["first_published"][number],
            "last_published": totals["last_published"][number],
            "confidence": totals["confidence"][number],
            "_period": period,
            "_date_text": row["date_text"],
            "_low": group.low if group else -math.inf,
            "_high": group.high if group else math.inf,
        }
        if fact["fact_type"] == "quantity" and period is not None:
            fact["event_date"], fact["date_precision"] = (
                dt.date.fromordinal(period[0]),
                _period_precision(period),
            )
        fact["statement"] = _statement(fact)
        facts.append(fact)

    recent = _recent_facts(frame, config)
    for fact in facts:
        if fact["fact_type"] == "quantity":
            measure = (fact["measure"] or "").lower().strip()
            unit_class, scope = classes.unit((fact["unit"] or "").lower().strip())
            fact.update(
                _measure=measure, _unit_class=unit_class, _scope=scope, _recent=fact["fact_id"] in recent
            )
    conflict_rows = find_conflicts(facts, frame, config)
    contested = {row["fact_id"] for row in conflict_rows}
    for fact in facts:
        fact["status"] = (
            "contested"
            if fact["fact_id"] in contested
            else ("corroborated" if fact["n_articles"] >= 2 else "single_source")
        )
    facts_frame = to_frame("facts", facts).sort_values(["fact_type", "fact_id"]).reset_index(drop=True)
    conflicts_frame = (
        to_frame("conflicts", conflict_rows).sort_values(["conflict_id", "fact_id"]).reset_index(drop=True)
    )

    # A shallow copy: only the fact_id column is new (copy-on-write keeps the caller's frame intact).
    out = mentions.copy(deep=False)
    fact_id_of_row = np.empty(len(frame), dtype=object)
    fact_id_of_row[frame["_input_row"].to_numpy()] = frame["fact_id"].to_numpy()
    out["fact_id"] = pd.Series(fact_id_of_row, index=out.index, dtype=out["fact_id"].dtype)
    stats = {
        "mentions_in": len(mentions),
        "facts_out": len(facts_frame),
        "merges_by_rule": dict(sorted(rules.items())),
        "conflicts": int(conflicts_frame["conflict_id"].nunique()) if len(conflicts_frame) else 0,
        "thresholds": dataclasses.asdict(config),
    }
    return FactSet(mentions=out, facts=facts_frame, conflicts=conflicts_frame, stats=stats)


def _recent_facts(frame: pd.DataFrame, config: DedupConfig) -> set[str]:
    """Quantity facts whose every mention is a claim about the recent past (:func:`claim_is_recent`)."""
    quantities = frame[frame["fact_type"] == "quantity"]
    if quantities.empty:
        return set()
    recent = [
        claim_is_recent(date, precision, text, published, config.recent_claim_window_days)
        for date, precision, text, published in zip(
            quantities["event_date"],
            quantities["date_precision"],
            quantities["date_text"],
            quantities["_published"],
            strict=True,
        )
    ]
    every = pd.Series(recent, index=quantities.index).groupby(quantities["fact_id"]).all()
    return set(every.index[every])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts, missing scalars as None (column-wise: far faster than ``to_dict``)."""
    columns = {}
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=object).copy()
        values[pd.isna(values)] = None
        columns[name] = values.tolist()
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _longest_quotes(frame: pd.DataFrame) -> dict[str, str]:
    """Longest wording of each quote fact (first in canonical order among equally long ones)."""
    quotes = frame[frame["fact_type"] == "quote"]
    if quotes.empty:
        return {}
    texts = quotes["quote_text"].where(quotes["quote_text"].notna(), quotes["text"])
    lengths = texts.str.len()
    order = pd.DataFrame({"fact_id": quotes["fact_id"], "text": texts, "negative_length": -lengths})
    order = order.sort_values(["fact_id", "negative_length"], kind="mergesort")
    return order.drop_duplicates("fact_id").set_index("fact_id")["text"].to_dict()


def _actor_unions(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Sorted union of the actors of each event fact."""
    events = frame[frame["fact_type"] == "event"]
    if events.empty:
        return {}
    exploded = events[["fact_id", "actors"]].explode("actors").dropna(subset=["actors"]).drop_duplicates()
    exploded = exploded.sort_values(["fact_id", "actors"], kind="mergesort")
    unions: dict[str, list[str]] = {}
    for fact_id, actor in zip(exploded["fact_id"].tolist(), exploded["actors"].tolist(), strict=True):
        unions.setdefault(fact_id, []).append(actor)
    return unions


__all__ = ["FactSet", "build_facts", "find_conflicts", "quote_match", "value_interval"]
