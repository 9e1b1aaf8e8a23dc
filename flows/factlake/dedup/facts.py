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

Clustering never compares across blocks: (speaker) for quotes, (measure, unit, year) for quantities,
(action, year) for events, so no fact spans two types, speakers, units or measures. Identical mentions
are grouped first with vectorized pandas operations; only the distinct variants are compared.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from spacy.lang.en.stop_words import STOP_WORDS

from factlake.config import DedupConfig
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.articles import words_of
from factlake.records import stable_id, to_frame

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


def _canonical_frame(mentions: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Mentions joined with their article facts, sorted into canonical order, positions 0..n-1."""
    info = articles.set_index("article_id")
    canonical_article = info["duplicate_of"].where(info["duplicate_of"].notna(), info.index.to_series())
    frame = mentions.copy()
    frame["_input_row"] = np.arange(len(frame))
    frame["_published"] = frame["article_id"].map(info["published_date"])
    frame["_canonical_article"] = frame["article_id"].map(canonical_article)
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


def _prefix_length(size: int, threshold: float) -> int:
    """Tokens (rarest first) a set must probe so no partner with overlap >= threshold * size is missed."""
    return size - math.ceil(threshold * size - 1e-9) + 1 if size else 0


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
    """Union quote mentions in ``part`` (positions are its index) that state the same words."""
    texts = part["quote_text"].where(part["quote_text"].notna(), part["text"])
    words = [quote_words(text) for text in texts]
    normalized = pd.Series([" ".join(tokens) for tokens in words], index=part.index)
    speaker = part["speaker"].fillna("")
    # Identical wording of one speaker: vectorized grouping; the first position is the variant.
    variant_of = (
        pd.Series(part.index, index=part.index)
        .groupby([speaker, normalized], sort=False, dropna=False)
        .transform("min")
    )
    for position, variant in zip(part.index, variant_of, strict=True):
        if position != variant:
            uf.union(int(variant), int(position))
            rules["quote_identical"] += 1
    variants = sorted(set(variant_of.tolist()))
    word_lists = dict(zip(part.index, words, strict=True))
    speaker_at = dict(zip(part.index, speaker, strict=True))
    features: dict[int, dict[str, Any]] = {}
    for position in variants:
        tokens = word_lists[position]
        features[position] = {
            "words": set(tokens),
            "bigrams": _content_bigrams(tokens),
            "n_content": sum(1 for token in set(tokens) if token not in STOP_WORDS),
            "speaker": speaker_at[position],
        }
    # Prefix filtering: rare tokens first, so probing a short prefix finds every candidate partner.
    frequency: Counter[str] = Counter()
    for feature in features.values():
        frequency.update(feature["words"])
        frequency.update(feature["bigrams"])
    postings: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for position in variants:
        feature = features[position]
        for token in feature["words"] | feature["bigrams"]:
            postings[(feature["speaker"], token)].append(position)
    loose = min(config.quote_containment_threshold, config.quote_similarity_threshold)
    for position in variants:
        feature = features[position]
        attributed = feature["speaker"] != ""
        candidates: set[int] = set()
        for tokens, threshold in (
            (feature["words"], config.unattributed_quote_threshold if not attributed else loose),
            (feature["bigrams"] if attributed else set(), config.quote_similarity_threshold),
        ):
            ranked = sorted(tokens, key=lambda token: (frequency[token], token))
            for token in ranked[: _prefix_length(len(ranked), threshold)]:
                candidates.update(postings[(feature["speaker"], token)])
        for candidate in sorted(candidates):
            if candidate <= position or uf.find(candidate) == uf.find(position):
                continue
            rule = quote_match(feature, features[candidate], attributed, config)
            if rule:
                uf.union(position, candidate)
                rules[f"quote_{rule}"] += 1


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


@dataclass
class _Group:
    """State of a fact while mentions are assigned by leader clustering."""

    root: int
    period: tuple[int, int] | None
    low: float = -math.inf
    high: float = math.inf
    actors: set[str] = field(default_factory=set)
    location: str | None = None
    published: int | None = None


def _enclosing_periods(period: tuple[int, int]) -> list[tuple[int, int]]:
    """The period itself and the calendar month and year that contain it."""
    first = dt.date.fromordinal(period[0])
    month_start = dt.date(first.year, first.month, 1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    month = (month_start.toordinal(), following.toordinal() - 1)
    year = (dt.date(first.year, 1, 1).toordinal(), dt.date(first.year, 12, 31).toordinal())
    return list(dict.fromkeys([period, month, year]))


class _PeriodIndex:
    """Groups of one block filed by period, so a variant meets only groups whose period overlaps its own.

    Calendar periods are nested or disjoint, so the groups overlapping a period are those filed under the
    period itself, under the month or year containing it, or under any finer period inside it.
    """

    def __init__(self) -> None:
        self.by_period: defaultdict[tuple[int, int] | None, list[_Group]] = defaultdict(list)
        self.finer: defaultdict[tuple[int, int], set[tuple[int, int]]] = defaultdict(set)

    def add(self, group: _Group) -> None:
        self.by_period[group.period].append(group)
        if group.period is not None:
            for container in _enclosing_periods(group.period)[1:]:
                if container != group.period:
                    self.finer[container].add(group.period)

    def remove(self, group: _Group, period: tuple[int, int] | None) -> None:
        self.by_period[period].remove(group)

    def overlapping(self, period: tuple[int, int] | None) -> list[_Group]:
        if period is None:
            return list(self.by_period.get(None, []))
        keys = set(_enclosing_periods(period)) | self.finer.get(period, set())
        found = [group for key in keys for group in self.by_period.get(key, [])]
        return sorted(found, key=lambda group: group.root)


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
) -> dict[int, _Group]:
    """Give every variant (in canonical order) to the first compatible group of its block, else a new group.

    Leader clustering keeps every group internally consistent (an interval or date compatible with *all*
    of its members), which union-find over pairwise compatibility would not: "more than 10" is compatible
    with both 221 and 286, and must not chain them into one fact. Groups are tried in creation order
    (their representatives' canonical order), so the result is deterministic.
    """
    indexes: defaultdict[Any, _PeriodIndex] = defaultdict(_PeriodIndex)
    groups: list[_Group] = []
    for position in variants:
        index = indexes[block_of[position]]
        for group in index.overlapping(period_at[position]):
            if accepts(group, position):
                before = group.period
                join(group, position)
                if group.period != before:
                    index.remove(group, before)
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
    part: pd.DataFrame, config: DedupConfig, uf: UnionFind, rules: Counter[str]
) -> dict[int, _Group]:
    """Union numeric claims of one measure, unit and period whose value intervals overlap."""
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
            measure_at[position],
            unit_at[position],
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
        return _Group(root=position, period=period_at[position], low=low, high=high)

    return _leader_assign(variants, block_of, period_at, accepts, join, make, uf, rules, "quantity_overlap")


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
        return _Group(
            root=position,
            period=period_at[position],
            actors=set(actors_at[position]),
            location=location_at[position],
            published=published_at[position],
        )

    return _leader_assign(variants, block_of, period_at, accepts, join, make, uf, rules, "event_compatible")


# --------------------------------------------------------------------------------------------- facts


def _fact_identity(row: dict[str, Any], group: _Group | None) -> str:
    """Stable id of a fact from its representative mention (and the group's canonical fields)."""
    if row["fact_type"] == "quote":
        text = row["quote_text"] if isinstance(row["quote_text"], str) else row["text"]
        return stable_id("quote", row["speaker"] or "", " ".join(quote_words(text)))
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


def _aggregate(frame: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Per-fact corroboration over canonical articles: counts, sources and publication span."""
    info = articles.set_index("article_id")
    ordinals = pd.Series(
        [date.toordinal() if isinstance(date, dt.date) else np.nan for date in info["published_date"]],
        index=info.index,
        dtype="float64",
    )
    supporting = frame[["fact_id", "_canonical_article"]].drop_duplicates()
    supporting = supporting.assign(
        source=supporting["_canonical_article"].map(info["source_name"]),
        published=supporting["_canonical_article"].map(ordinals),
    )
    grouped = supporting.groupby("fact_id", sort=True)
    result = pd.DataFrame({"n_articles": grouped["_canonical_article"].nunique()})
    known = supporting.dropna(subset=["source"])[["fact_id", "source"]].drop_duplicates()
    known = known.sort_values(["fact_id", "source"])
    sources: dict[str, list[str]] = {}
    for fact_id, source in zip(known["fact_id"], known["source"], strict=True):
        sources.setdefault(fact_id, []).append(source)
    result["sources"] = [sources.get(fact_id, []) for fact_id in result.index]
    result["n_sources"] = [len(value) for value in result["sources"]]
    result["first_published"] = [_date_of(value) for value in grouped["published"].min()]
    result["last_published"] = [_date_of(value) for value in grouped["published"].max()]
    mention_groups = frame.groupby("fact_id", sort=True)
    result["n_mentions"] = mention_groups.size()
    result["confidence"] = mention_groups["confidence"].max()
    result["value_low"] = mention_groups["value_low"].min()
    result["value_high"] = mention_groups["value_high"].max()
    return result


def _date_of(ordinal: float) -> dt.date | None:
    return None if math.isnan(ordinal) else dt.date.fromordinal(int(ordinal))


def _period_overlapping_pairs(periods: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Index pairs (i < j) of periods that overlap, without comparing periods of different months.

    Periods of a month or finer are filed under their month; year periods meet everything of their year.
    """
    by_month: defaultdict[int, list[int]] = defaultdict(list)
    years: list[int] = []
    for index, period in enumerate(periods):
        if _period_precision(period) == "year":
            years.append(index)
        else:
            by_month[period[0] - dt.date.fromordinal(period[0]).day].append(index)
    pairs = {
        (min(first, second), max(first, second))
        for year_index in years
        for first, second in ((year_index, other) for other in range(len(periods)) if other != year_index)
    }
    for members in by_month.values():
        for position, first in enumerate(members):
            for second in members[position + 1 :]:
                if narrower_period(periods[first], periods[second]) is not None:
                    pairs.add((first, second))
    return sorted(pairs)


def find_conflicts(facts: list[dict[str, Any]], frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Conflict rows for quantity facts that cannot all be true.

    Two quantity facts conflict when they have the same known measure and unit, overlapping known
    periods and disjoint value intervals, share no supporting article, and each is the *headline* figure
    of at least one of its articles (the largest value that article gives for that measure, unit and
    period). The last condition keeps breakdowns from conflicting with totals ("221 deaths, 150 from
    Armenia and 71 from Azerbaijan" is one claim of 221, not three). Undated claims never conflict: an
    unknown period may be any period, and a conflict is an accusation that needs evidence.
    """
    candidates = [
        fact
        for fact in facts
        if fact["fact_type"] == "quantity" and fact["measure"] and fact["unit"] and fact["_period"]
    ]
    # Overlapping calendar periods always share their year, so (measure, unit, year) blocks lose nothing.
    by_block: defaultdict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for fact in candidates:
        year = dt.date.fromordinal(fact["_period"][0]).year
        by_block[(fact["measure"], fact["unit"], year)].append(fact)
    if not by_block:
        return []
    articles_of: defaultdict[str, set[str]] = defaultdict(set)
    involved = frame[frame["fact_id"].isin({fact["fact_id"] for fact in candidates})]
    for fact_id, article in zip(involved["fact_id"], involved["_canonical_article"], strict=True):
        articles_of[fact_id].add(article)
    rows: list[dict[str, Any]] = []
    for (measure, unit, _year), block in sorted(by_block.items()):
        if len(block) < 2:
            continue
        headline: set[str] = set()
        by_article: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        for fact in block:
            for article in articles_of[fact["fact_id"]]:
                by_article[article].append(fact)
        for article_facts in by_article.values():
            for fact in article_facts:
                overlapping = [
                    other
                    for other in article_facts
                    if narrower_period(other["_period"], fact["_period"]) is not None
                ]
                if fact["_low"] >= max(other["_low"] for other in overlapping):
                    headline.add(fact["fact_id"])
        eligible = sorted((fact for fact in block if fact["fact_id"] in headline), key=lambda f: f["fact_id"])
        uf = UnionFind(len(eligible))
        for i, j in _period_overlapping_pairs([fact["_period"] for fact in eligible]):
            first, second = eligible[i], eligible[j]
            if max(first["_low"], second["_low"]) <= min(first["_high"], second["_high"]):
                continue
            if articles_of[first["fact_id"]] & articles_of[second["fact_id"]]:
                continue
            uf.union(i, j)
        components: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        for index, root in enumerate(uf.roots()):
            components[int(root)].append(eligible[index])
        for members in components.values():
            if len(members) < 2:
                continue
            members.sort(key=lambda fact: (fact["_low"], fact["fact_id"]))
            conflict_id = stable_id(*sorted(fact["fact_id"] for fact in members))
            widest = max((fact["_period"] for fact in members), key=lambda period: period[1] - period[0])
            claims = " vs ".join(
                f"{quantity_phrase(fact['value'], fact['qualifier'])} "
                f"({fact['n_articles']} article{'s' if fact['n_articles'] != 1 else ''})"
                for fact in members
            )
            description = f"Sources disagree on {measure} ({unit}) for {_period_label(widest)}: {claims}"
            rows.extend(
                {
                    "conflict_id": conflict_id,
                    "fact_id": fact["fact_id"],
                    "value": fact["value"],
                    "description": description,
                }
                for fact in members
            )
    return rows


def build_facts(mentions: pd.DataFrame, articles: pd.DataFrame, config: DedupConfig) -> FactSet:
    """Cluster mentions into facts, count their corroboration and find conflicting numbers.

    Args:
        mentions: The ``mentions`` table with ``fact_id`` null.
        articles: The ``articles`` table after :func:`factlake.dedup.mark_duplicate_articles`.
        config: Dedup thresholds.

    Returns:
        The mentions with ``fact_id``, the ``facts`` and ``conflicts`` tables and the manifest statistics.
        Mentions of duplicate articles count toward their canonical article, so they add no article and
        no source. The result does not depend on the row order of either input.
    """
    frame = _canonical_frame(mentions, articles)
    uf = UnionFind(len(frame))
    rules: Counter[str] = Counter()
    groups: dict[int, _Group] = {}
    _cluster_quotes(frame[frame["fact_type"] == "quote"], config, uf, rules)
    groups.update(_cluster_quantities(frame[frame["fact_type"] == "quantity"], config, uf, rules))
    groups.update(_cluster_events(frame[frame["fact_type"] == "event"], config, uf, rules))

    roots = uf.roots() if len(frame) else np.array([], dtype=np.int64)
    frame["_root"] = roots
    representatives = frame.loc[sorted(set(roots.tolist()))]
    # Missing values become None (string columns would otherwise give NaN, which is truthy).
    rows = representatives.astype(object).where(representatives.notna(), None).to_dict("records")
    fact_id_of_root: dict[int, str] = {}
    taken: set[str] = set()
    for position, row in zip(representatives.index, rows, strict=True):
        fact_id = _fact_identity(row, groups.get(position))
        if fact_id in taken:
            # Two facts with equal canonical content (e.g. a year-level claim left apart from a fact whose
            # period narrowed): the later representative is told apart by its own mention id.
            fact_id = stable_id(fact_id, row["mention_id"])
        taken.add(fact_id)
        fact_id_of_root[position] = fact_id
    frame["fact_id"] = frame["_root"].map(fact_id_of_root)
    aggregates = _aggregate(frame, articles)
    longest_quote = _longest_quotes(frame)
    actor_union = _actor_unions(frame)

    facts: list[dict[str, Any]] = []
    totals_of = aggregates.to_dict("index")
    for position, row in zip(representatives.index, rows, strict=True):
        fact_id = fact_id_of_root[position]
        group = groups.get(position)
        totals = totals_of[fact_id]
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
            "value_low": totals["value_low"],
            "value_high": totals["value_high"],
            "qualifier": row["qualifier"],
            "unit": row["unit"],
            "measure": row["measure"],
            "actors": actor_union.get(fact_id, []),
            "action": row["action"],
            "location": (group.location if group else None) or row["location"],
            "event_date": dt.date.fromordinal(period[0]) if period else None,
            "date_precision": _period_precision(period) if period else None,
            "n_mentions": int(totals["n_mentions"]),
            "n_articles": int(totals["n_articles"]),
            "n_sources": int(totals["n_sources"]),
            "sources": totals["sources"],
            "first_published": _date_or_none(totals["first_published"]),
            "last_published": _date_or_none(totals["last_published"]),
            "confidence": float(totals["confidence"]),
            "_period": period,
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

    conflict_rows = find_conflicts(facts, frame)
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

    out = mentions.copy()
    fact_ids = frame.set_index("_input_row")["fact_id"].sort_index().to_numpy(dtype=object)
    out["fact_id"] = pd.Series(fact_ids, index=out.index, dtype=out["fact_id"].dtype)
    stats = {
        "mentions_in": len(mentions),
        "facts_out": len(facts_frame),
        "merges_by_rule": dict(sorted(rules.items())),
        "conflicts": int(conflicts_frame["conflict_id"].nunique()) if len(conflicts_frame) else 0,
        "thresholds": dataclasses.asdict(config),
    }
    return FactSet(mentions=out, facts=facts_frame, conflicts=conflicts_frame, stats=stats)


def _date_or_none(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


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
    exploded = events[["fact_id", "actors"]].explode("actors").dropna(subset=["actors"])
    return exploded.groupby("fact_id")["actors"].agg(lambda s: sorted(set(s))).to_dict()


__all__ = ["FactSet", "build_facts", "find_conflicts", "quote_match", "value_interval"]
