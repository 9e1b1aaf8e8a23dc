"""Quantity facts: numeric claims about one measure, unit and period whose values agree.

Claims are blocked by (measure class, unit class, year), through ``unit_classes.csv``
(:mod:`factlake.dedup.units`), and clustered by leader clustering (:mod:`factlake.dedup.clustering`): a
claim joins the first fact of its block whose period overlaps its own, whose value interval
(:func:`factlake.dedup.values.value_interval`) meets its own and whose representative's value is within
``quantity_value_ratio`` of its own. Claims of different stories (:class:`CanonicalMentions` ``story``) are
one fact only when both name the same measure of a thing counted (not a mere dimension such as money or a
percentage: :data:`factlake.dedup.units.DIMENSION_MEASURES`), the same explicitly dated period and share a
name of their sentences (the subject: what the figure is about); a figure with no period or no subject
stays in its story. Mentions keep the unit and measure as written; a fact shows its
representative's.

A quantity fact is identified by ``stable_id("quantity", measure, unit, period, value, qualifier)``. Numbers
are the one kind that can conflict (:mod:`factlake.dedup.conflicts`). Extraction:
:mod:`factlake.extract.quantities`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

import pandas as pd

from factlake.config import DedupConfig
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.clustering import (
    ANY_KEY,
    Clusters,
    Group,
    LeaderRules,
    identical_variants,
    leader_assign,
    positions_of,
)
from factlake.dedup.conflicts import find_conflicts
from factlake.dedup.frames import CanonicalMentions
from factlake.dedup.periods import claim_is_recent, narrower_period, period_of
from factlake.dedup.units import DIMENSION_MEASURES, UnitClasses, comparable_units, unit_classes
from factlake.dedup.values import quantity_statement, value_interval, value_ratio
from factlake.extract import quantities as extractor
from factlake.kinds import FactKind
from factlake.reference import Reference


def _keyed_claims(part: pd.DataFrame, config: DedupConfig) -> pd.DataFrame:
    """What makes two claims identical: measure and unit (:func:`~factlake.dedup.units.comparable_units`),
    period, value interval, value and qualifier (one row per mention of ``part``, same index)."""
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
    return pd.DataFrame(
        {
            "measure": part["measure"].fillna("").str.lower().str.strip(),
            "unit": comparable_units(part),
            "period": [period[:2] if period else None for period in periods],
            "interval": intervals,
            "value": part["value"],
            "qualifier": part["qualifier"],
            # Identical claims are folded within a story only; across stories the leader rules decide.
            "story": part[CanonicalMentions.story],
        },
        index=part.index,
    )


def _leader_rules(
    part: pd.DataFrame, keyed: pd.DataFrame, variants: list[int], config: DedupConfig, classes: UnitClasses
) -> LeaderRules:
    """Blocks, compatibility and merge of numeric claims (see the module docstring)."""
    positions = positions_of(part)
    period_at = dict(zip(positions, keyed["period"], strict=True))
    interval_at = dict(zip(positions, keyed["interval"], strict=True))
    measure_at = dict(zip(positions, keyed["measure"], strict=True))
    value_at = dict(zip(positions, part["value"].astype(float), strict=True))
    unit_at = dict(zip(positions, keyed["unit"], strict=True))
    block_of = {
        position: (
            classes.measure(measure_at[position]),
            classes.unit(unit_at[position])[0],
            dt.date.fromordinal(period_at[position][0]).year if period_at[position] else None,
        )
        for position in variants
    }
    has_value = dict(zip(positions, ~part["value"].isna(), strict=True))
    stated_range_at = dict(zip(positions, part["qualifier"] == "range", strict=True))
    story_at = dict(zip(positions, part[CanonicalMentions.story], strict=True))
    subject_at = dict(zip(positions, part[CanonicalMentions.subject], strict=True))
    explicit_at = dict(zip(positions, part["date_text"].notna(), strict=True))

    def one_claim_across_stories(root: int, position: int) -> bool:
        # A figure of another story is the same claim only when it says what it counts, about what and
        # when, and all three are the same ("two-thirds" or "one" of two stories are different claims).
        return story_at[root] == story_at[position] or (
            bool(measure_at[root])
            and measure_at[root] not in DIMENSION_MEASURES
            and classes.measure(measure_at[root]) == classes.measure(measure_at[position])
            and explicit_at[root]
            and explicit_at[position]
            and period_at[root] is not None
            and period_at[root] == period_at[position]
            and bool(subject_at[root] & subject_at[position])
        )

    def accepts(group: Group, position: int) -> bool:
        if not has_value[position] or not has_value[group.root]:
            return False
        if not one_claim_across_stories(group.root, position):
            return False
        if (group.period is None) != (period_at[position] is None):
            return False
        if group.period is not None and narrower_period(group.period, period_at[position]) is None:
            return False
        low, high = interval_at[position]
        if max(low, group.low) > min(high, group.high):
            return False
        if stated_range_at[group.root] or stated_range_at[position]:
            return (
                True  # a point inside a stated range corroborates it, whatever its distance to the low bound
            )
        return value_ratio(value_at[group.root], value_at[position]) >= config.quantity_value_ratio

    def join(group: Group, position: int) -> None:
        low, high = interval_at[position]
        group.low, group.high = max(low, group.low), min(high, group.high)
        if group.period is not None:
            group.period = narrower_period(group.period, period_at[position])

    def make(position: int) -> Group:
        low, high = interval_at[position]
        value = value_at[position]
        key = math.inf if math.isnan(value) else abs(value)
        if stated_range_at[position] and 0 < low <= high < math.inf:
            key = math.sqrt(low * high)  # the middle of a stated range, which points inside it can reach
        return Group(root=position, period=period_at[position], low=low, high=high, key=key)

    # Groups whose representative's magnitude is out of ratio with a variant's never accept it.
    key_range_at = {
        position: _range_magnitudes(interval_at[position], config.quantity_value_ratio)
        if stated_range_at[position]
        else _magnitude_range(value_at[position], config.quantity_value_ratio)
        for position in variants
    }
    return LeaderRules(
        rule="quantity_overlap",
        block_of=block_of,
        period_at=period_at,
        accepts=accepts,
        join=join,
        make=make,
        interval_at=interval_at,
        key_range_at=key_range_at,
        cross_rule="quantity_cross_story",
        story_at=story_at,
        meeting_keys_at={
            position: _meeting_keys(
                story_at[position], explicit_at[position], period_at[position], subject_at[position]
            )
            for position in variants
        },
    )


def _meeting_keys(
    story: object, explicit: bool, period: tuple[int, int] | None, subject: frozenset[str]
) -> tuple[tuple[object, ...], ...]:
    """What a claim must share with a fact's representative to join it (``one_claim_across_stories``):
    its story, or an explicit period and a subject name (the measure is the block's)."""
    keys: list[tuple[object, ...]] = [("story", story)]
    if explicit and period is not None:
        keys.extend(("subject", period, name) for name in sorted(subject))
    return tuple(keys)


def _range_magnitudes(interval: tuple[float, float], ratio: float) -> tuple[float, float]:
    """Magnitudes a group must have to be compared with a stated range: within ``ratio`` of its bounds."""
    low, high = interval
    if ratio <= 0 or not (0 < low <= high < math.inf):
        return ANY_KEY
    return low * ratio * (1 - 1e-9), high / ratio * (1 + 1e-9)


def _magnitude_range(value: float, ratio: float) -> tuple[float, float]:
    """Magnitudes (absolute values) that can be in at least ``ratio`` of ``value`` (:func:`value_ratio`).

    The range is widened by a relative 1e-9 so that rounding can only let in values that the exact test
    then rejects; it is empty for a missing value, and every magnitude for a ratio of zero or less.
    """
    magnitude = abs(value)
    if math.isnan(magnitude):
        return math.inf, -math.inf
    if ratio <= 0:
        return ANY_KEY
    return magnitude * ratio * (1 - 1e-9), magnitude / ratio * (1 + 1e-9)


def _recent_facts(quantities: pd.DataFrame, config: DedupConfig) -> set[str]:
    """Quantity facts whose every mention is a claim about the recent past (:func:`claim_is_recent`)."""
    if quantities.empty:
        return set()
    recent = [
        claim_is_recent(date, precision, text, published, config.recent_claim_window_days)
        for date, precision, text, published in zip(
            quantities["event_date"],
            quantities["date_precision"],
            quantities["date_text"],
            quantities[CanonicalMentions.published],
            strict=True,
        )
    ]
    every = pd.Series(recent, index=quantities.index).groupby(quantities["fact_id"]).all()
    return set(every.index[every])


class QuantityKind(FactKind):
    """Numeric claims: a value with its qualifier, unit, measure and period."""

    name = "quantity"
    extractor = extractor

    def cluster(
        self,
        part: pd.DataFrame,
        config: DedupConfig,
        reference: Reference,
        union_find: UnionFind,
        rules: Counter[str],
    ) -> Clusters:
        """Union claims of one measure and unit class and one period whose value intervals overlap."""
        keyed = _keyed_claims(part, config)
        variants = identical_variants(keyed, list(keyed.columns), union_find, rules, "quantity_identical")
        leader = _leader_rules(part, keyed, variants, config, unit_classes(reference))
        return Clusters(groups=leader_assign(variants, leader, union_find, rules))

    def statement(self, fact: dict[str, Any]) -> str:
        """``more than 6,500 people killed (2020)``: as a person writes it
        (:func:`factlake.dedup.values.quantity_statement`)."""
        return quantity_statement(fact, fact["_period"])

    def conflicts(
        self, facts: list[dict[str, Any]], frame: pd.DataFrame, config: DedupConfig, reference: Reference
    ) -> list[dict[str, Any]]:
        """Numbers that cannot all be true (:func:`factlake.dedup.conflicts.find_conflicts`).

        Each fact first gets the working fields the conflict rules read (:class:`WorkingFact`): its
        measure, unit class (a dimension's normalized unit) and scope, and whether it is about the recent
        past of its articles.
        """
        classes = unit_classes(reference)
        columns = ["fact_id", "event_date", "date_precision", "date_text", CanonicalMentions.published]
        recent = _recent_facts(frame.loc[frame["fact_type"] == self.name, columns], config)
        for fact in facts:
            unit_class, scope = classes.unit((fact["unit"] or "").lower().strip())
            if fact["measure"] in DIMENSION_MEASURES and fact.get("unit_normalized"):
                # Dimensions by their canonical unit: "dlrs" and "$" are both USD, USD is not EUR.
                unit_class = fact["unit_normalized"].lower()
            fact.update(
                _measure=(fact["measure"] or "").lower().strip(),
                _unit_class=unit_class,
                _scope=scope,
                _recent=fact["fact_id"] in recent,
            )
        return find_conflicts(facts, frame, config)


#: The quantity kind (registered in :data:`factlake.kinds.FACT_KINDS`).
KIND = QuantityKind()
