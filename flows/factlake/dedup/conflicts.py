"""Conflicting numbers: quantity facts that cannot all be true about one thing and one period.

Conflicts (see :func:`find_conflicts`) are numeric claims that cannot all be true about *the same thing
and period*: same measure (exactly, not by class), same unit class and scope (soldiers are a part of the
people killed, so 6,500 soldiers does not contradict 7,000 people), disjoint value intervals, no shared
article, each the headline (largest) figure its article gives for that measure and period, and either

- overlapping known periods ("in September 2022": 221 vs 286); or
- both about the *recent past* of their articles, when at least one period is unknown: a claim is recent
  when it resolved to a day or month starting at most ``recent_claim_window_days`` before publication
  ("12 September" in an article of 1 November), or when its date expression is relative and cannot reach
  further back than that whatever the publication date ("last month", "this week", "on Monday", even in
  an article without a publication date). The two claims must be of one story (the published story of
  their articles), and the smaller value must be at least
  ``recent_conflict_value_ratio`` of the larger (a day's toll and a month's toll differ by far more).

Claims about a distant or different period never meet this way: "6,500 killed in 2020" and "30,000 lives
in the 1990s" are absolute, not recent. Other undated claims never conflict.

The rules read the working fields of quantity facts (:class:`factlake.dedup.frames.FactWorkingFields`):
``_measure``, ``_unit_class``, ``_scope``, ``_period``, ``_low``, ``_high`` and ``_recent``. Candidate pairs
become edges; each connected component of two or more facts is one conflict.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from factlake.config import DedupConfig
from factlake.dedup._arrays import sorted_unique
from factlake.dedup.frames import CanonicalMentions
from factlake.dedup.periods import period_label, period_precision
from factlake.dedup.units import DIMENSION_MEASURES
from factlake.dedup.values import quantity_phrase, value_ratio
from factlake.records import stable_id

#: The canonical articles supporting each fact, by fact id.
_ArticlesOf = Mapping[str, AbstractSet[str]]


@dataclass
class _Scopes:
    """What each candidate fact is about, for deciding whether two facts are claims about one thing.

    Attributes:
        stories: The stories of each fact's mentions (:class:`CanonicalMentions` ``story``).
        explicit: Ids of the facts stated with an explicit date by at least one mention ("in September
            2022", "12 September"; an undated article's "last month" resolves to no period).
        subjects: The subject names of each fact: the names of its mentions' sentences.
    """

    stories: Mapping[str, AbstractSet[object]]
    explicit: set[str]
    subjects: Mapping[str, AbstractSet[str]]

    @classmethod
    def of(cls, involved: pd.DataFrame) -> _Scopes:
        """The scopes of the facts of ``involved``: their rows of the canonical mentions frame (with
        ``fact_id``, see :func:`_involved_rows`)."""
        fact_ids = involved["fact_id"].to_numpy(dtype=object)
        explicit = set(involved.loc[involved["date_text"].notna(), "fact_id"].tolist())
        return cls(
            stories=_distinct_by_fact(fact_ids, involved[CanonicalMentions.story].to_numpy(dtype=object)),
            explicit=explicit,
            subjects=_distinct_by_fact(
                fact_ids, involved[CanonicalMentions.subject].to_numpy(dtype=object), union=True
            ),
        )


def _involved_rows(frame: pd.DataFrame, fact_ids: set[str]) -> pd.DataFrame:
    """The rows of the canonical mentions ``frame`` of ``fact_ids``, with the columns the conflict rules
    read."""
    columns = [
        "fact_id",
        CanonicalMentions.canonical_article,
        CanonicalMentions.story,
        CanonicalMentions.subject,
        "date_text",
    ]
    return frame.loc[frame["fact_id"].isin(fact_ids), columns]


def _distinct_by_fact(
    fact_ids: np.ndarray, values: np.ndarray, union: bool = False
) -> defaultdict[str, frozenset[Any]]:
    """The distinct ``values`` of the rows of each fact id, as one frozenset per fact (the union of the
    values, when they are sets and ``union``); a fact without rows has an empty one.

    Most facts have one mention, or mentions of one story or article: their frozenset is one object
    shared by every fact of that value (for a union, the value itself), so that the scopes of hundreds of
    thousands of facts take a pointer each rather than a set each (about 200 bytes).
    """
    by_fact: defaultdict[str, frozenset[Any]] = defaultdict(frozenset)
    if not len(fact_ids):
        return by_fact
    fact_codes, fact_names = pd.factorize(fact_ids)
    value_codes, distinct = pd.factorize(values, use_na_sentinel=False)
    width = max(len(distinct), 1)
    pairs = sorted_unique(fact_codes.astype(np.int64) * width + value_codes)
    bounds = np.searchsorted(pairs // width, np.arange(len(fact_names) + 1)).tolist()
    pair_values = (pairs % width).tolist()
    distinct = list(distinct)
    shared: dict[int, frozenset[Any]] = {}
    for fact_id, start, stop in zip(fact_names.tolist(), bounds[:-1], bounds[1:], strict=True):
        if stop - start == 1:
            code = pair_values[start]
            value = shared.get(code)
            if value is None:
                value = shared[code] = frozenset(distinct[code]) if union else frozenset((distinct[code],))
        elif union:
            value = frozenset().union(*(distinct[code] for code in pair_values[start:stop]))
        else:
            value = frozenset(distinct[code] for code in pair_values[start:stop])
        by_fact[fact_id] = value
    return by_fact


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

    - *dated*: both periods are known and overlap, and the claims are about one thing: of one story, or
      of different stories but both explicitly dated and about a shared subject (``_meeting_keys``,
      the scope under which quantities corroborate across stories); or
    - *recent*: both claims are about the recent past of their articles (``_recent``), at least one of
      them has no resolved period (typically "last month" in an article without a publication date),
      they are of one story, and the smaller value is at least
      ``config.recent_conflict_value_ratio`` of the larger. For this rule the headline is the largest
      recent figure of the article.

    The headline condition keeps breakdowns from conflicting with totals ("221 deaths, 150 from Armenia
    and 71 from Azerbaijan" is one claim of 221, not three). The story condition keeps figures about
    different things apart: two wire stories of one month each give a company's profit in dollars, and
    they do not disagree. Other undated claims never conflict: an unknown period may be any period, and a
    conflict is an accusation that needs evidence.
    """
    config = config or DedupConfig()
    by_block = _conflict_blocks(facts)
    if not by_block:
        return []
    involved = _involved_rows(frame, {fact["fact_id"] for block in by_block.values() for fact in block})
    articles_of = _distinct_by_fact(
        involved["fact_id"].to_numpy(dtype=object),
        involved[CanonicalMentions.canonical_article].to_numpy(dtype=object),
    )
    scopes = _Scopes.of(involved)
    del involved
    rows: list[dict[str, Any]] = []
    for (measure, unit_class, _scope), block in sorted(by_block.items()):
        rows.extend(_block_conflicts(block, measure, unit_class, articles_of, scopes, config))
    return rows


def _conflict_blocks(facts: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Candidate facts (with a measure, a unit and a known period or a recent claim) by (measure, unit
    class, scope), blocks of at least two facts only."""
    candidates = [
        fact
        for fact in facts
        if fact["measure"] and fact["unit"] and (fact["_period"] or fact.get("_recent"))
    ]
    by_block: defaultdict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for fact in candidates:
        by_block[(fact["_measure"], fact["_unit_class"], fact["_scope"])].append(fact)
    return {key: block for key, block in by_block.items() if len(block) >= 2}


def _headlines(block: list[dict[str, Any]], articles_of: _ArticlesOf) -> tuple[set[str], set[str]]:
    """Ids of the facts of ``block`` that are the headline figure of at least one of their articles: the
    largest for an overlapping period (dated), and the largest recent one (recent)."""
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
    return headline, recent_headline


def _block_conflicts(
    block: list[dict[str, Any]],
    measure: str,
    unit_class: str,
    articles_of: _ArticlesOf,
    scopes: _Scopes,
    config: DedupConfig,
) -> list[dict[str, Any]]:
    """Conflict rows among the facts of one (measure, unit class, scope) block."""
    headline, recent_headline = _headlines(block, articles_of)
    eligible = sorted(
        (fact for fact in block if fact["fact_id"] in headline or fact["fact_id"] in recent_headline),
        key=lambda f: f["fact_id"],
    )
    dated = [index for index, fact in enumerate(eligible) if fact["fact_id"] in headline]
    edges = [
        _dated_conflict_edges(eligible, dated, articles_of, scopes, measure),
        *_recent_conflict_edges(eligible, recent_headline, articles_of, scopes, config),
    ]
    components: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for index, label in enumerate(_components(len(eligible), np.concatenate(edges))):
        components[int(label)].append(eligible[index])
    rows: list[dict[str, Any]] = []
    for members in components.values():
        if len(members) < 2:
            continue
        rows.extend(_conflict_rows(members, measure, unit_class))
    return rows


def _recent_conflict_edges(
    eligible: list[dict[str, Any]],
    recent_headline: set[str],
    articles_of: _ArticlesOf,
    scopes: _Scopes,
    config: DedupConfig,
) -> list[np.ndarray]:
    """Pairs (one-row arrays of positions in ``eligible``) under the *recent* rule: an undated recent
    headline and a recent headline of the same story, with disjoint values close enough in size and no
    shared article. A claim without a period is never compared across stories."""
    index_of = {fact["fact_id"]: index for index, fact in enumerate(eligible)}
    recent_by_story: defaultdict[object, list[dict[str, Any]]] = defaultdict(list)
    for fact in eligible:
        if fact["fact_id"] in recent_headline:
            for story in scopes.stories[fact["fact_id"]]:
                recent_by_story[story].append(fact)
    edges: list[np.ndarray] = []
    for fact in eligible:
        if fact["fact_id"] not in recent_headline or (fact["_period"] and not fact.get("_period_inferred")):
            continue
        others = {
            other["fact_id"]: other
            for story in scopes.stories[fact["fact_id"]]
            for other in recent_by_story[story]
        }
        for other_id in sorted(others):
            if other_id != fact["fact_id"] and _recent_conflict(fact, others[other_id], articles_of, config):
                edges.append(np.array([[index_of[fact["fact_id"]], index_of[other_id]]]))
    return edges


def _recent_conflict(
    fact: dict[str, Any], other: dict[str, Any], articles_of: _ArticlesOf, config: DedupConfig
) -> bool:
    """Whether two recent claims of partner articles disagree: disjoint values, close enough in size
    (``recent_conflict_value_ratio``), no shared article."""
    ratio = (
        value_ratio(fact["value"], other["value"])
        if fact["value"] is not None and other["value"] is not None
        else math.nan
    )
    return (
        _disjoint(fact, other)
        and ratio >= config.recent_conflict_value_ratio
        and not articles_of[fact["fact_id"]] & articles_of[other["fact_id"]]
    )


def _dated_conflict_edges(
    facts: list[dict[str, Any]],
    dated: list[int],
    articles_of: _ArticlesOf,
    scopes: _Scopes,
    measure: str,
) -> np.ndarray:
    """Pairs (rows of positions in ``facts``) of dated facts about one thing (:func:`_meeting_keys`) with
    overlapping periods, disjoint values and no shared article, each pair once.

    Only facts of one month (or of one year, for year-precision periods) are compared: calendar periods
    that overlap are nested, so they share their month unless one of them is a whole year. Within a
    month, only facts that meet (:func:`_meeting_keys`: a story, or a subject for explicitly dated facts)
    are compared, with array operations, so the work grows with the facts of a story rather than with
    those of a month.
    """
    found = [np.empty((0, 2), dtype=np.int64)]
    for members in _month_groups(facts, dated).values():
        if len(members) < 2:
            continue
        meeting: defaultdict[tuple[object, ...], list[int]] = defaultdict(list)
        for index in members:
            for key in _meeting_keys(facts[index]["fact_id"], scopes, measure):
                meeting[key].append(index)
        for indexes in meeting.values():
            if len(indexes) > 1:
                found.append(_pairs_in_conflict(facts, indexes, articles_of))
    pairs = np.concatenate(found)
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def _month_groups(facts: list[dict[str, Any]], dated: list[int]) -> dict[tuple[int, int], list[int]]:
    """The ``dated`` facts by the month of their period (a year-precision fact in every month of its
    year, or in ``(year, 0)`` when its year has no finer fact)."""
    groups: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    years: defaultdict[int, list[int]] = defaultdict(list)
    for index in dated:
        period = facts[index]["_period"]
        first = dt.date.fromordinal(period[0])
        if period_precision(period) == "year":
            years[first.year].append(index)
        else:
            groups[(first.year, first.month)].append(index)
    for year, members in years.items():
        months = [key for key in groups if key[0] == year]
        for key in months:
            groups[key].extend(members)
        if not months:
            groups[(year, 0)] = list(members)
    return groups


def _meeting_keys(fact_id: str, scopes: _Scopes, measure: str) -> list[tuple[object, ...]]:
    """Keys of which two dated facts of ``measure`` share one exactly when they are claims about one
    thing: they share a story, or the measure names the thing counted (not a mere dimension:
    :data:`DIMENSION_MEASURES`) and both are explicitly dated and share a subject (what the figure is
    about)."""
    keys: list[tuple[object, ...]] = [("story", story) for story in scopes.stories[fact_id]]
    if measure not in DIMENSION_MEASURES and fact_id in scopes.explicit:
        keys.extend(("subject", name) for name in scopes.subjects[fact_id])
    return keys


def _pairs_in_conflict(
    facts: list[dict[str, Any]], members: list[int], articles_of: _ArticlesOf
) -> np.ndarray:
    """Pairs (rows of positions in ``facts``) among ``members`` with overlapping periods, disjoint values
    and no shared article."""
    index = np.array(members, dtype=np.int64)
    start = np.array([facts[i]["_period"][0] for i in members])
    end = np.array([facts[i]["_period"][1] for i in members])
    low = np.array([facts[i]["_low"] for i in members], dtype=float)
    high = np.array([facts[i]["_high"] for i in members], dtype=float)
    overlap = (start[:, None] <= end[None, :]) & (start[None, :] <= end[:, None])
    disjoint = np.maximum(low[:, None], low[None, :]) > np.minimum(high[:, None], high[None, :])
    candidate = np.triu(overlap & disjoint, 1)
    if not candidate.any():
        return np.empty((0, 2), dtype=np.int64)
    rows_of: defaultdict[str, list[int]] = defaultdict(list)
    for row, i in enumerate(members):
        for article in articles_of[facts[i]["fact_id"]]:
            rows_of[article].append(row)
    for rows in rows_of.values():
        if len(rows) > 1:  # facts of one article never conflict with each other
            candidate[np.ix_(rows, rows)] = False
    first, second = np.nonzero(candidate)
    return np.column_stack([index[first], index[second]])


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
    if all(fact["_period"] and not fact.get("_period_inferred") for fact in members):
        widest = max((fact["_period"] for fact in members), key=lambda period: period[1] - period[0])
        when = f"for {period_label(widest)}"
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
