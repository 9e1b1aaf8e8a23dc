"""Story clustering: different articles (not copies) that report the same real-world story.

Near-duplicate detection only finds copies of one text. Articles written independently about one event
share its rare words instead: names, places, numbers. Each article becomes two TF-IDF vectors (stop words
dropped, ``1 + log(tf)`` times smoothed ``idf``, unit length): one over its content words, one over its
*names* (capitalized words and runs of them inside sentences, and numbers; see :func:`name_terms`). Two
similar events of one kind (two earthquakes, two shootings) share their vocabulary but not their
participants, places and figures, so the similarity of two articles is a weighted mean of both cosines
(``config.story_entity_weight``). Candidate pairs are proposed by an inverted index over each article's
highest-weighted content words (near-linear: an article meets only the articles that share one of its
distinctive words); pairs published more than ``config.story_max_date_gap_days`` apart are dropped.
Two similar events can share even their central person and most of their wording (one athlete arrested
in two different years), so the similarity is lowered when the texts contradict each other: they mention
years or months but none in common (only when a publication date is unknown), or the subject of one (its
most mentioned name) does not occur in the other (see :func:`conflict_factor`). The pairs are grouped by
*average linkage* restricted to those candidate edges: two groups merge when the mean similarity over all
pairs between them reaches ``config.story_similarity_threshold``. Average linkage
resists the chaining that single-link union-find shows on hard negatives (two similar events of one topic
that share a bridge article).
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph
from spacy.lang.en.stop_words import STOP_WORDS

from factlake.config import DedupConfig
from factlake.dedup.articles import canonical_order, words_of
from factlake.dedup.story_terms import DocumentTerms, TermCache, article_terms
from factlake.extract.dates import CALENDAR_WORDS

#: Rows of one block of pairwise comparisons (a block holds this many rows times its columns).
STORY_BLOCK_ROWS = 512

#: Tokens shorter than this are dropped (single letters, stray digits) unless they are numbers.
MIN_TOKEN_LENGTH = 2

#: Capitalized words that are not names of participants: weekdays, months and titles.
NOT_NAMES = CALENDAR_WORDS | frozenset(["mr", "mrs", "ms", "dr"])

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_TOKEN = re.compile(r"[\w'-]+")
_LOWER_WORD = re.compile(r"\b[a-z][\w'-]*")


def content_words(text: str) -> list[str]:
    """Lower-case content words of ``text``: stop words and one-character tokens removed."""
    return [word for word in words_of(text) if len(word) >= MIN_TOKEN_LENGTH and word not in STOP_WORDS]


def name_terms(text: str) -> list[str]:
    """Names and numbers of ``text``, lower-cased: the participants, places and figures of its event.

    A name word is capitalized inside a sentence (not its first word) and never written in lower case
    elsewhere in ``text`` (so "Court" in a headline-style phrase does not count when "court" also
    appears); weekdays, months and titles are dropped. Runs of name words also count as one term
    ("ken_salazar"), and so does every number ("160", "2009"); the terms are then cut into words like
    :func:`content_words` (stop words and one-character tokens dropped).
    """
    lower_case = {word.lower() for word in _LOWER_WORD.findall(text)}
    terms: list[str] = []
    for sentence in _SENTENCE_BREAK.split(text):
        run: list[str] = []
        for position, token in enumerate([*_TOKEN.findall(sentence), ""]):
            word = token.lower()
            if position > 0 and token[:1].isupper() and word not in lower_case and word not in NOT_NAMES:
                terms.append(word)
                run.append(word)
                continue
            if len(run) > 1:
                terms.append("_".join(run))
            run = []
            if token[:1].isdigit():
                terms.append(token)
    # The same word rules as content words: "hollywood's" → "hollywood", stop words and one-letter tokens out.
    return content_words(" ".join(terms))


#: A year as news text writes it (1950-2049), not part of a larger number, amount or decimal.
_YEAR = re.compile(r"(?<![\w.,$])(?:19[5-9]\d|20[0-4]\d)(?!\w)")
#: Month names, lower-cased, January first (fixed here: the C library's names depend on the locale).
MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
#: A month name; "May" only before a day number, since the modal verb is far more common.
_MONTH = re.compile(
    r"\b(?:January|February|March|April|June|July|August|September|October|November|December|May(?= \d))\b"
)


@dataclass(frozen=True)
class StorySignals:
    """What an article says about *which* event it reports, beyond its vocabulary.

    Attributes:
        years: Years the text mentions ("2009").
        months: Month names the text mentions, lower-cased.
        subjects: The article's most mentioned names (see :func:`subject_names`); empty when no name is
            mentioned often enough to be its subject.
        words: Every lower-case word of title and body (to look the other article's subjects up in).
        published_year: Year of publication, None when unknown.
        latest_year_mentioned: Latest year the text itself mentions, None when it mentions none.
        quotations: Every run of ``QUOTATION_RUN_WORDS`` words inside the text's quotation marks.
    """

    years: frozenset[int]
    months: frozenset[str]
    subjects: frozenset[str]
    words: frozenset[str]
    published_year: int | None = None
    latest_year_mentioned: int | None = None
    quotations: frozenset[tuple[str, ...]] = frozenset()


def years_mentioned(text: str) -> frozenset[int]:
    """Years (1950-2049) written in ``text``; numbers inside amounts ("$2000", "2,000") do not count."""
    return frozenset(int(year) for year in _YEAR.findall(text))


def months_mentioned(text: str) -> frozenset[str]:
    """Lower-case month names written in ``text`` ("May" only when a day number follows)."""
    return frozenset(month.lower() for month in _MONTH.findall(text))


@functools.lru_cache(maxsize=1 << 16)
def _token_words(token: str) -> tuple[str, ...]:
    """:func:`~factlake.dedup.articles.words_of` of one token, remembered (names recur across articles)."""
    return tuple(words_of(token))


def subject_names(text: str, min_mentions: int, names_of_text: list[str] | None = None) -> frozenset[str]:
    """The name words ``text`` mentions most often: who or what the article is about.

    Name words are those of :func:`name_terms`; every capitalized occurrence counts, also at the start of
    a sentence ("Jackson was arrested"), where :func:`name_terms` cannot tell a name from a capitalized
    word. All name words tied for the most mentions are returned, or none when that count is below
    ``min_mentions`` (a name mentioned once or twice does not make the article's subject).
    ``names_of_text`` is :func:`name_terms` of ``text`` when the caller has it already.
    """
    terms = name_terms(text) if names_of_text is None else names_of_text
    names = {term for term in terms if "_" not in term and not term[:1].isdigit()}
    counts: Counter[str] = Counter()
    for token in _TOKEN.findall(text):
        if token[:1].isupper():
            counts.update(word for word in _token_words(token) if word in names)
    if not counts or max(counts.values()) < min_mentions:
        return frozenset()
    most = max(counts.values())
    return frozenset(name for name, count in counts.items() if count == most)


def quotation_runs(text: str) -> frozenset[tuple[str, ...]]:
    """Every run of :data:`QUOTATION_RUN_WORDS` consecutive lower-case words quoted in ``text``.

    Two reports that quote the same words report the same statement: a shared run is evidence of one
    story strong enough to outweigh the weak time signals of :func:`conflict_factor`.
    """
    runs: set[tuple[str, ...]] = set()
    for quoted in _QUOTED.findall(text):
        words = words_of(quoted)
        runs.update(
            tuple(words[start : start + QUOTATION_RUN_WORDS])
            for start in range(len(words) - QUOTATION_RUN_WORDS + 1)
        )
    return frozenset(runs)


def story_signals(
    text: str, body: str, ordinal: int | None, config: DedupConfig, names_of_body: list[str] | None = None
) -> StorySignals:
    """The :class:`StorySignals` of one article (``text`` is title and body, ``body`` the body alone).

    A dated article's own time counts among the years and months it mentions: the month and year of its
    publication and of ``config.story_max_date_gap_days`` before it (the days it may report on). An
    undated report of the same event then shares a month with it ("talks on 31 October" and an article
    published on 1 November), while a text about another year still does not.
    """
    mentioned = years_mentioned(text)
    years, months = set(mentioned), set(months_mentioned(text))
    if ordinal is not None:
        for day in (ordinal, max(1, ordinal - config.story_max_date_gap_days)):
            date = dt.date.fromordinal(day)
            years.add(date.year)
            months.add(MONTH_NAMES[date.month - 1])
    return StorySignals(
        years=frozenset(years),
        months=frozenset(months),
        subjects=subject_names(body, config.story_subject_min_mentions, names_of_body),
        words=frozenset(words_of(text)),
        published_year=None if ordinal is None else dt.date.fromordinal(ordinal).year,
        latest_year_mentioned=max(mentioned, default=None),
        quotations=quotation_runs(body),
    )


#: A passage between quotation marks (curly, angle, low-high or straight double quotes).
_QUOTED = re.compile(r'[“«„"]([^“”«»„"]+)[”»“"]')

#: Consecutive quoted words two articles must share to quote one statement (short runs such as "at
#: the end of the" are common to unrelated quotations).
QUOTATION_RUN_WORDS = 6


def _disjoint(first: frozenset, second: frozenset) -> bool:
    return bool(first) and bool(second) and not first & second


def _written_later(undated: StorySignals, dated: StorySignals) -> bool:
    return (
        undated.published_year is None
        and dated.published_year is not None
        and undated.latest_year_mentioned is not None
        and undated.latest_year_mentioned > dated.published_year
    )


def conflict_factor(first: StorySignals, second: StorySignals, dated: bool, config: DedupConfig) -> float:
    """Factor (at most 1) by which signals of two different events lower the similarity of two articles.

    Two similar events of one kind often share their vocabulary and even their central person (one
    athlete arrested in two different years), but not their time or their subject:

    - the years they mention have none in common (``config.story_year_conflict_factor``);
    - the months they mention have none in common (``config.story_month_conflict_factor``);
    - or one is dated and the other, undated, mentions a later year than its publication (a text that
      reports events of a year was written after them; the same factor, applied once);
    - the subject of one is not mentioned at all by the other (``config.story_subject_conflict_factor``).

    None of these count when the two texts quote the same words (a shared run of
    :data:`QUOTATION_RUN_WORDS` words: the same statement, reported twice). Years and months count only
    when ``dated`` is False (a publication date is unknown): between dated
    articles the publication-date gate is the better time signal, and a text may well mention last
    year's or next month's events.
    """
    if first.quotations & second.quotations:
        return 1.0
    factor = 1.0 if dated else _time_conflict_factor(first, second, config)
    if (first.subjects and not first.subjects & second.words) or (
        second.subjects and not second.subjects & first.words
    ):
        factor *= config.story_subject_conflict_factor
    return factor


def _time_conflict_factor(first: StorySignals, second: StorySignals, config: DedupConfig) -> float:
    """The years and months part of :func:`conflict_factor` (for a pair with an undated article)."""
    factor = 1.0
    if _disjoint(first.years, second.years) or _written_later(first, second) or _written_later(second, first):
        factor *= config.story_year_conflict_factor
    if _disjoint(first.months, second.months):
        factor *= config.story_month_conflict_factor
    return factor


#: Pairs whose shared words are looked up at once (bounds the memory of :func:`_share_any`).
PAIR_CHUNK = 1 << 18


def _member_matrix(sets: list[frozenset], vocabulary: dict) -> sparse.csr_matrix:
    """One row per set, a 1 in the column of every member that ``vocabulary`` numbers (others dropped)."""
    known = frozenset(vocabulary)
    rows: list[int] = []
    columns: list[int] = []
    for row, members in enumerate(sets):
        found = sorted(vocabulary[member] for member in members & known)
        rows.extend([row] * len(found))
        columns.extend(found)
    data = np.ones(len(rows), dtype=np.int8)
    shape = (len(sets), max(1, len(vocabulary)))
    return sparse.csr_matrix((data, (rows, columns)), shape=shape)


def _share_any(
    left: sparse.csr_matrix, right: sparse.csr_matrix, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    """Whether row ``first[k]`` of ``left`` and row ``second[k]`` of ``right`` share a column, per pair k.

    Every column of the left row is looked up among the right row's, as sorted (row, column) keys.
    """
    shared = np.zeros(len(first), dtype=bool)
    width = np.int64(left.shape[1])
    right_rows = np.repeat(np.arange(right.shape[0], dtype=np.int64), np.diff(right.indptr))
    right_keys = np.sort(right_rows * width + right.indices.astype(np.int64))
    if not len(right_keys):
        return shared
    for start in range(0, len(first), PAIR_CHUNK):
        rows, others = first[start : start + PAIR_CHUNK], second[start : start + PAIR_CHUNK]
        counts = left.indptr[rows + 1] - left.indptr[rows]
        pair_of = np.repeat(np.arange(len(rows)), counts)
        offsets = np.arange(len(pair_of)) - np.repeat(np.cumsum(counts) - counts, counts)
        wanted = others[pair_of] * width + left.indices[np.repeat(left.indptr[rows], counts) + offsets]
        found = np.minimum(np.searchsorted(right_keys, wanted), len(right_keys) - 1)
        hits = pair_of[right_keys[found] == wanted]
        shared[start + np.unique(hits)] = True
    return shared


def conflict_factors(
    first: np.ndarray,
    second: np.ndarray,
    dated: np.ndarray,
    signals_of: Callable[[int], StorySignals],
    config: DedupConfig,
) -> np.ndarray:
    """:func:`conflict_factor` of many pairs of articles at once, value for value.

    Quotations and subjects, which every pair needs, are looked up as arrays; the years and months of
    pairs with an undated article (few in news) go through :func:`conflict_factor` itself. The factors
    are multiplied in the same order as there, so every result is the same float.

    Args:
        first: Position of one article of every pair.
        second: Position of the other.
        dated: Whether both articles of the pair have a publication date.
        signals_of: The :class:`StorySignals` of an article position.
        config: The conflict factors.
    """
    positions = np.unique(np.concatenate([first, second]))
    signals = [signals_of(position) for position in positions.tolist()]
    left, right = np.searchsorted(positions, first), np.searchsorted(positions, second)
    factors = np.ones(len(first), dtype=np.float64)
    for pair in np.flatnonzero(~dated).tolist():
        factors[pair] = _time_conflict_factor(signals[left[pair]], signals[right[pair]], config)
    subject_ids: dict[str, int] = {}
    for signal in signals:
        for subject in sorted(signal.subjects):
            subject_ids.setdefault(subject, len(subject_ids))
    has_subjects = np.array([bool(signal.subjects) for signal in signals], dtype=bool)
    subjects = _member_matrix([signal.subjects for signal in signals], subject_ids)
    words = _member_matrix([signal.words for signal in signals], subject_ids)
    unsaid = (has_subjects[left] & ~_share_any(subjects, words, left, right)) | (
        has_subjects[right] & ~_share_any(subjects, words, right, left)
    )
    factors[unsaid] *= config.story_subject_conflict_factor
    quotation_ids: dict[tuple[str, ...], int] = {}
    for signal in signals:
        for run in signal.quotations:
            quotation_ids.setdefault(run, len(quotation_ids))
    quotations = _member_matrix([signal.quotations for signal in signals], quotation_ids)
    factors[_share_any(quotations, quotations, left, right)] = 1.0
    return factors


def tfidf_matrix(documents: list[list[str]]) -> sparse.csr_matrix:
    """Unit-length TF-IDF rows (one per document) with sublinear term frequency and smoothed idf.

    A term's weight is ``(1 + log(tf)) * (log((1 + n) / (1 + df)) + 1)``; columns follow the order in
    which terms first occur, so the matrix depends only on ``documents`` and their order.

    Args:
        documents: The terms of every document (e.g. :func:`content_words` of its text).
    """
    return tfidf_of_terms(DocumentTerms.of(documents))


def tfidf_of_terms(documents: DocumentTerms) -> sparse.csr_matrix:
    """:func:`tfidf_matrix` of documents given by their distinct terms and counts (the same matrix)."""
    n_documents = len(documents.lengths)
    rows = np.repeat(np.arange(n_documents, dtype=np.int64), documents.lengths)
    # Columns in the order in which terms first occur, document after document.
    column_of, n_terms = documents.numbered()
    document_frequency = np.bincount(column_of, minlength=n_terms)
    weights = (1.0 + np.log(documents.counts.astype(np.float64))) * (
        np.log((1 + n_documents) / (1 + document_frequency[column_of])) + 1.0
    )
    matrix = sparse.csr_matrix((weights, (rows, column_of)), shape=(n_documents, n_terms))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def comparison_blocks(
    ordinals: list[int | None], gap_days: int, block_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Blocks (rows, columns) of article positions whose pairs may be one story.

    Dated articles, in date order, are compared in blocks with the dated articles published within
    ``gap_days`` of the block's dates; an article without a date is compared with every article. Every
    pair that may be one story occurs in some block (a pair may occur in two: callers keep it once).

    Args:
        ordinals: Publication date of every article as a day number, or None when unknown.
        gap_days: Largest publication gap of two articles of one story.
        block_size: Rows per block (bounds the memory of one block to ``block_size`` times its columns).
    """
    dated = np.array([position for position, day in enumerate(ordinals) if day is not None], dtype=np.int64)
    undated = np.array([position for position, day in enumerate(ordinals) if day is None], dtype=np.int64)
    everyone = np.arange(len(ordinals), dtype=np.int64)
    days = np.array([ordinals[position] for position in dated], dtype=np.int64)
    by_day = np.argsort(days, kind="stable")
    dated, days = dated[by_day], days[by_day]
    for start in range(0, len(dated), block_size):
        block_days = days[start : start + block_size]
        low = np.searchsorted(days, block_days[0] - gap_days, side="left")
        high = np.searchsorted(days, block_days[-1] + gap_days, side="right")
        yield dated[start : start + block_size], dated[low:high]
    for start in range(0, len(undated), block_size):
        yield undated[start : start + block_size], everyone


def _cut_terms(texts: list[str], bodies: list[str]) -> tuple[DocumentTerms, DocumentTerms]:
    """The content words of every text and the names of every body."""
    return (
        DocumentTerms.of([content_words(text) for text in texts]),
        DocumentTerms.of([name_terms(body) for body in bodies]),
    )


def article_text_terms(title: str, body: str) -> tuple[list[str], list[str]]:
    """The content words of an article's title and body (as one text) and the names of its body."""
    return content_words(f"{title}\n{body}"), name_terms(body)


def story_similarities(
    texts: list[str],
    bodies: list[str],
    ordinals: list[int | None],
    config: DedupConfig,
    involved: np.ndarray | None = None,
    terms: tuple[DocumentTerms, DocumentTerms] | None = None,
) -> dict[tuple[int, int], float]:
    """Similarity of every pair of articles that may be one story: weighted content-word and name cosines.

    Every pair published at most ``config.story_max_date_gap_days`` apart (or with a date unknown) is
    compared, block by block through sparse matrix products; the weighted cosine is multiplied by
    :func:`conflict_factor` of the two articles' signals and kept when it reaches
    ``config.story_min_pair_similarity`` (lower similarities would only dilute average linkage).

    Args:
        texts: Title and body of every article (content words).
        bodies: Body of every article (names; headline-style titles would make every word a name).
        ordinals: Publication date of every article as a day number, or None when unknown.
        config: ``story_entity_weight``, ``story_max_date_gap_days``, ``story_min_pair_similarity`` and
            the fields of :func:`conflict_factor` and :func:`story_signals`.
        involved: When given (one flag per article), only pairs with at least one flagged article are
            compared (an incremental run needs only the pairs of its new articles); their similarities
            are those of comparing every pair, bit for bit, since one pair's cosine does not depend on
            the other rows and columns of its block. None: every pair.
        terms: The content words of every text and the names of every body (see
            :func:`factlake.dedup.story_terms.article_terms`), when the caller has them already.

    Returns:
        Pair (first, second) with first < second → similarity, for the pairs kept.
    """
    if terms is None:
        terms = _cut_terms(texts, bodies)
    words, names = tfidf_of_terms(terms[0]), tfidf_of_terms(terms[1])
    weight = config.story_entity_weight
    signals: dict[int, StorySignals] = {}

    def signals_of(position: int) -> StorySignals:
        found = signals.get(position)
        if found is None:
            found = signals[position] = story_signals(
                texts[position], bodies[position], ordinals[position], config, terms[1].distinct(position)
            )
        return found

    day = np.array([-1 if ordinal is None else ordinal for ordinal in ordinals], dtype=np.int64)
    parts: list[tuple[np.ndarray, ...]] = []
    for rows, block_columns in comparison_blocks(ordinals, config.story_max_date_gap_days, STORY_BLOCK_ROWS):
        columns = block_columns
        if involved is not None and not involved[rows].any():
            columns = block_columns[involved[block_columns]]
            if not len(columns):
                continue
        block = (1.0 - weight) * (words[rows] @ words[columns].T).toarray()
        if weight:
            block += weight * (names[rows] @ names[columns].T).toarray()
        row_of, column_of = np.nonzero(block >= config.story_min_pair_similarity)
        first, second = rows[row_of], columns[column_of]
        values = block[row_of, column_of]
        dated = (day[first] >= 0) & (day[second] >= 0)
        keep = (first < second) | ((day[first] < 0) & (day[second] >= 0))
        keep &= ~dated | (np.abs(day[first] - day[second]) <= config.story_max_date_gap_days)
        if involved is not None:
            keep &= involved[first] | involved[second]
        low, high = np.minimum(first[keep], second[keep]), np.maximum(first[keep], second[keep])
        parts.append((low, high, values[keep], dated[keep]))
    if not parts:
        return {}
    first, second, values, dated = (np.concatenate(columns) for columns in zip(*parts, strict=True))
    scores = values * conflict_factors(first, second, dated, signals_of, config)
    kept = scores >= config.story_min_pair_similarity
    # Pairs in the order of the blocks (a pair met twice keeps its first place): the order in which
    # average linkage sums the similarities of fixed groups.
    pairs = zip(first[kept].tolist(), second[kept].tolist(), strict=True)
    return dict(zip(pairs, scores[kept].tolist(), strict=True))


def _merge_candidates(
    members: dict[int, list[int]], links: dict[int, dict[int, float]], fixed: set[int], threshold: float
) -> list[tuple[float, int, int]]:
    """Heap entries (negative mean similarity, first, second) of every pair of groups that may merge."""
    heap = []
    for first, neighbours in links.items():
        for second, total in neighbours.items():
            if first >= second or (first in fixed and second in fixed):
                continue
            mean = total / (len(members[first]) * len(members[second]))
            if mean >= threshold:
                heap.append((-mean, first, second))
    heapq.heapify(heap)
    return heap


def _within_reach(
    n_items: int, similarities: dict[tuple[int, int], float], threshold: float, root_of: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of ``similarities`` whose items may end in one group under average linkage.

    Two groups merge only when their mean similarity reaches ``threshold``, so at least one pair between
    them must reach it: every group lies inside one connected component of the pairs at or above the
    threshold (with the starting groups of ``root_of`` joined). Pairs across components can never count
    toward a merge and are left out, which keeps the linkage loop to the few pairs that matter.

    Returns:
        The first items, second items and similarities of the pairs kept, in the order of
        ``similarities``.
    """
    count = len(similarities)
    pairs = np.fromiter(itertools.chain.from_iterable(similarities), dtype=np.int64, count=2 * count)
    first, second = pairs[0::2], pairs[1::2]
    values = np.fromiter(similarities.values(), dtype=np.float64, count=count)
    strong = values >= threshold
    starts = np.concatenate([np.arange(n_items, dtype=np.int64), first[strong]])
    ends = np.concatenate([np.asarray(root_of, dtype=np.int64), second[strong]])
    graph = sparse.coo_matrix((np.ones(len(starts), dtype=np.int8), (starts, ends)), shape=(n_items, n_items))
    _, component = csgraph.connected_components(graph, directed=False)
    keep = component[first] == component[second]
    return first[keep], second[keep], values[keep]


def average_linkage(
    n_items: int,
    similarities: dict[tuple[int, int], float],
    threshold: float,
    fixed_groups: list[list[int]] | None = None,
) -> list[int]:
    """Agglomerative clustering with average linkage over a sparse similarity graph.

    Missing pairs count as similarity 0. Repeatedly merges the two groups with the highest mean pairwise
    similarity while it is at least ``threshold``; ties break on the smallest group ids, so the result is
    deterministic.

    Args:
        n_items: Number of items.
        similarities: (first, second) with first < second → similarity.
        threshold: Lowest mean similarity at which two groups merge.
        fixed_groups: Groups that exist from the start and never merge with one another (stories already
            published); other items and groups may join them. Empty or None: every item starts alone.

    Returns:
        For every item, the smallest item of its group.
    """
    root_of = list(range(n_items))
    fixed: set[int] = set()
    for group in fixed_groups or []:
        root = min(group)
        fixed.add(root)
        for item in group:
            root_of[item] = root
    members: dict[int, list[int]] = defaultdict(list)
    for item in range(n_items):
        members[root_of[item]].append(item)
    size_of = {root: len(items) for root, items in members.items()}
    links: dict[int, dict[int, float]] = defaultdict(dict)
    first, second, values = _within_reach(n_items, similarities, threshold, root_of)
    roots = np.asarray(root_of, dtype=np.int64)
    # Pairs of a starting group's items add up in the order of ``similarities``.
    for one, other, similarity in zip(
        roots[first].tolist(), roots[second].tolist(), values.tolist(), strict=True
    ):
        if one != other:
            total = links[one].get(other, 0.0) + similarity
            links[one][other] = total
            links[other][one] = total
    heap = _merge_candidates(members, links, fixed, threshold)
    pop, push, isclose = heapq.heappop, heapq.heappush, math.isclose
    while heap:
        negative_mean, one, other = pop(heap)
        if one not in size_of or other not in size_of:
            continue
        total = links[one].get(other)
        if total is None or not isclose(total / (size_of[one] * size_of[other]), -negative_mean):
            continue
        merged, absorbed = min(one, other), max(one, other)
        members[merged].extend(members.pop(absorbed))
        size = size_of[merged] = size_of[merged] + size_of.pop(absorbed)
        if absorbed in fixed:
            fixed.add(merged)
        merged_links = links[merged]
        for neighbour, neighbour_total in links.pop(absorbed).items():
            neighbour_links = links[neighbour]
            neighbour_links.pop(absorbed, None)
            if neighbour == merged:
                continue
            total = merged_links.get(neighbour, 0.0) + neighbour_total
            merged_links[neighbour] = total
            neighbour_links[merged] = total
        merged_fixed = merged in fixed
        for neighbour, neighbour_total in merged_links.items():
            if merged_fixed and neighbour in fixed:
                continue
            mean = neighbour_total / (size * size_of[neighbour])
            if mean >= threshold:
                push(heap, (-mean, min(merged, neighbour), max(merged, neighbour)))
    group = [0] * n_items
    for items in members.values():
        smallest = min(items)
        for item in items:
            group[item] = smallest
    return group


def ordered_similarities(
    articles: pd.DataFrame,
    config: DedupConfig,
    involved: np.ndarray | None = None,
    terms: TermCache | None = None,
) -> tuple[np.ndarray, dict[tuple[int, int], float]]:
    """The canonical order of ``articles`` and the story similarities of its candidate pairs.

    Args:
        articles: Needs ``article_id``, ``title``, ``body`` and ``published_date``.
        config: The settings of :func:`story_similarities`.
        involved: One flag per row of ``articles``: only pairs with a flagged article are compared
            (see :func:`story_similarities`). None: every pair.
        terms: Terms of earlier runs' texts (only texts it lacks are cut, and are added to it); None
            cuts every text. The result is the same either way.

    Returns:
        Positions of ``articles`` in :func:`~factlake.dedup.articles.canonical_order`, and
        :func:`story_similarities` over the articles in that order (pair positions index the order).
    """
    order = canonical_order(articles)
    titles = articles["title"].fillna("").to_numpy(dtype=object)[order]
    bodies = articles["body"].fillna("").to_numpy(dtype=object)[order]
    dates = articles["published_date"].to_numpy(dtype=object)[order]
    ordinals = [None if pd.isna(date) else date.toordinal() for date in dates]
    texts = [f"{title}\n{body}" for title, body in zip(titles, bodies, strict=True)]
    in_order = None if involved is None else np.asarray(involved, dtype=bool)[order]
    cut = article_terms(titles.tolist(), bodies.tolist(), article_text_terms, terms)
    return order, story_similarities(texts, list(bodies), ordinals, config, in_order, cut)


def cluster_stories(articles: pd.DataFrame, config: DedupConfig) -> pd.Series:
    """Group articles that report the same story, whether or not their texts are copies.

    Args:
        articles: Needs ``article_id``, ``title``, ``body`` and ``published_date``.
        config: ``story_similarity_threshold`` and the fields of :func:`story_similarities`.

    Returns:
        A Series aligned with ``articles`` holding, for every article, the ``article_id`` of its story's
        canonical article (earliest published, unknown dates last, then smallest id).
    """
    if articles.empty:
        return pd.Series([], index=articles.index, dtype=object, name="story_id")
    order, similarities = ordered_similarities(articles, config)
    groups = average_linkage(len(order), similarities, config.story_similarity_threshold)
    ids = articles["article_id"].to_numpy(dtype=object)[order]
    story_of_sorted = np.array([ids[group] for group in groups], dtype=object)
    story = np.empty(len(articles), dtype=object)
    story[order] = story_of_sorted
    return pd.Series(story, index=articles.index, name="story_id")
