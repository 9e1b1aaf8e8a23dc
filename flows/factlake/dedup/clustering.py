"""Leader clustering: mentions assigned in canonical order to the first compatible group of their block.

Quantities and events are clustered this way (:mod:`factlake.dedup.quantities`,
:mod:`factlake.dedup.events`); each kind says how through :class:`LeaderRules`: its blocking keys (a
variant meets only groups of its own block), whether a group accepts a variant (compatibility) and what
joining it changes (the merge). Groups are filed by period (:class:`_PeriodIndex`) and by a numeric key, so
a variant is offered only groups that could accept it; where the kind names meeting keys (the story, and
what lets two stories' mentions be one fact), groups are first shelved by them (:class:`_Shelf`), so a
variant meets the groups of its story rather than of its whole block and the work grows linearly.
"""

from __future__ import annotations

import bisect
import math
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import pandas as pd

from factlake.dedup._unionfind import UnionFind
from factlake.dedup.periods import enclosing_periods


@dataclass(slots=True)
class Group:
    """State of a fact while mentions are assigned by leader clustering.

    ``key`` is fixed when the group is made: the magnitude of its representative's value for quantities,
    its publication date for events. A variant only tries groups whose key lies in the range that its
    clustering rules allow (see :func:`leader_assign`).
    """

    root: int
    period: tuple[int, int] | None
    low: float = -math.inf
    high: float = math.inf
    #: Events only (they give a set of their own); quantities share one empty set, as a set per group
    #: takes 216 bytes and there are hundreds of thousands.
    actors: set[str] | frozenset[str] = frozenset()
    location: str | None = None
    published: int | None = None
    key: float = 0.0


#: The key range that keeps every group.
ANY_KEY = (-math.inf, math.inf)


def _is_point(group: Group) -> bool:
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
        self.point_groups: list[Group] = []
        self.span_keys: list[float] = []
        self.span_groups: list[Group] = []

    def _lists(self, is_point: bool) -> tuple[list[float], list[Group]]:
        return (self.point_keys, self.point_groups) if is_point else (self.span_keys, self.span_groups)

    def insert(self, group: Group, is_point: bool) -> None:
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

    def delete(self, group: Group, is_point: bool) -> None:
        """Take out ``group``, filed among the points or the spans under its key."""
        keys, groups = self._lists(is_point)
        at = bisect.bisect_left(keys, group.key)
        while groups[at] is not group:
            at += 1
        del keys[at]
        del groups[at]

    def extend(
        self,
        points: list[Group],
        spans: list[Group],
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

    def add(self, group: Group) -> None:
        """File ``group`` under its period and the periods containing it."""
        period, is_point = group.period, _is_point(group)
        within = self.within
        buckets = []
        for container in enclosing_periods(period):
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

    def remove(self, group: Group) -> None:
        """Take out ``group`` wherever :meth:`add` filed it."""
        buckets, is_point = self.filing.pop(group.root)
        for bucket in buckets:
            bucket.delete(group, is_point)

    def overlapping(
        self,
        period: tuple[int, int] | None,
        interval: tuple[float, float] | None = None,
        key_range: tuple[float, float] = ANY_KEY,
    ) -> list[Group]:
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
        points: list[Group] = []
        spans: list[Group] = []
        bucket = self.within.get(period)
        if bucket is not None:
            bucket.extend(points, spans, point_range, key_range)
        exact = self.exact
        for container in enclosing_periods(period)[1:]:
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

#: Groups a shelf keeps in a plain list before filing them by period and key (:class:`_Shelf`).
_SHELF_LIST_LIMIT = 32


def _offered(
    group: Group,
    period: tuple[int, int] | None,
    containers: tuple[tuple[int, int] | None, ...],
    interval: tuple[float, float] | None,
    key_range: tuple[float, float],
) -> bool:
    """Whether :meth:`_PeriodIndex.overlapping` would return ``group`` for a variant of ``period`` (whose
    :func:`enclosing_periods` are ``containers``), ``interval`` and ``key_range``: the same test, made on
    one group."""
    own = group.period
    if own is None or period is None:
        if own != period:
            return False
    elif period not in enclosing_periods(own) and not (own[0] != own[1] and own in containers[1:]):
        return False
    key = group.key
    if interval is None:
        return key_range[0] <= key <= key_range[1]
    low, high = interval
    if _is_point(group):
        return max(key_range[0], low) <= key <= min(key_range[1], high)
    return key_range[0] <= key <= key_range[1] and group.low <= high and low <= group.high


class _Shelf:
    """The groups of one block that share one meeting key (:attr:`LeaderRules.meeting_keys_at`).

    Most shelves hold a few groups (those of one story), kept in a list in creation order (that is, by
    root); a shelf that grows past :data:`_SHELF_LIST_LIMIT` groups files them in a :class:`_PeriodIndex`,
    so that a variant reads only the groups whose period and key can match.
    """

    __slots__ = ("groups", "index")

    def __init__(self) -> None:
        self.groups: list[Group] = []
        self.index: _PeriodIndex | None = None

    def add(self, group: Group) -> None:
        """Shelve a new group (its root follows every root shelved before)."""
        if self.index is not None:
            self.index.add(group)
            return
        self.groups.append(group)
        if len(self.groups) > _SHELF_LIST_LIMIT:
            self.index = _PeriodIndex()
            for shelved in self.groups:
                self.index.add(shelved)
            self.groups = []

    def refile(self, group: Group) -> None:
        """File ``group`` again after its period or interval changed (only an index files by them)."""
        if self.index is not None:
            self.index.remove(group)
            self.index.add(group)

    def offered(
        self,
        period: tuple[int, int] | None,
        containers: tuple[tuple[int, int] | None, ...],
        interval: tuple[float, float] | None,
        key_range: tuple[float, float],
    ) -> list[Group]:
        """The groups :meth:`_PeriodIndex.overlapping` would offer a variant, by root."""
        if self.index is not None:
            return self.index.overlapping(period, interval, key_range)
        if interval is not None and (math.isnan(interval[0]) or math.isnan(interval[1])):
            return []
        return [group for group in self.groups if _offered(group, period, containers, interval, key_range)]


@dataclass
class LeaderRules:
    """How one fact kind's variants are clustered by :func:`leader_assign`.

    Attributes:
        rule: Name under which merges are counted (``merges_by_rule`` of the manifest).
        block_of: Blocking key of every variant: variants of different blocks never meet.
        period_at: Period (first and last day ordinals) of every variant, None when undated.
        accepts: Whether a group is compatible with a variant (the variant may join it).
        join: What joining a group changes in it (its interval narrows, its actors grow, ...).
        make: A new group led by a variant.
        interval_at: Value interval of every variant, when groups with a disjoint interval never accept it.
        key_range_at: Range of group keys that may accept each variant, when there is one.
        cross_rule: Name under which merges of a variant into a group whose representative is of another
            story are counted, when such merges may happen.
        story_at: Story of every variant, for ``cross_rule``.
        meeting_keys_at: Keys of every variant, when a group can accept a variant only if the keys of its
            root and those of the variant share one (typically the story, and what lets two mentions of
            different stories be one fact, such as their period and subject). Groups are then looked up
            by key, so a variant meets the groups of its story (and of its keys), not its whole block.
    """

    rule: str
    block_of: dict[int, Hashable]
    period_at: dict[int, tuple[int, int] | None]
    accepts: Callable[[Group, int], bool]
    join: Callable[[Group, int], None]
    make: Callable[[int], Group]
    interval_at: dict[int, tuple[float, float]] | None = None
    key_range_at: dict[int, tuple[float, float]] | None = None
    cross_rule: str | None = None
    story_at: dict[int, Hashable] | None = None
    meeting_keys_at: dict[int, tuple[Hashable, ...]] | None = None


@dataclass
class Clusters:
    """What clustering one fact kind leaves for naming its facts.

    Attributes:
        groups: Leader-clustering groups by their root (representative) position; empty for kinds not
            clustered that way.
        unpublished: Roots of groups that are no fact of their own: their mentions only ever support
            another fact (an event reference such as "the summit" that joined none), and are left out of
            the output with them.
    """

    groups: dict[int, Group] = field(default_factory=dict)
    unpublished: frozenset[int] = frozenset()


def leader_assign(
    variants: list[int], leader: LeaderRules, uf: UnionFind, rules: Counter[str]
) -> dict[int, Group]:
    """Give every variant (in canonical order) to the first compatible group of its block, else a new group.

    Leader clustering keeps every group internally consistent (an interval or date compatible with *all*
    of its members), which union-find over pairwise compatibility would not: "more than 10" is compatible
    with both 221 and 286, and must not chain them into one fact. Groups are tried in creation order
    (their representatives' canonical order), so the result is deterministic. Groups that
    ``leader.accepts`` would reject anyway are skipped without asking it: those whose period misses the
    variant's, whose value interval misses ``leader.interval_at``'s (when given) and whose key is out of
    ``leader.key_range_at``'s (when given), and, when ``leader.meeting_keys_at`` is given, those that share
    no meeting key with the variant. Skipping them changes nothing but the time taken.

    Returns:
        The groups by root position.
    """
    if leader.meeting_keys_at is not None:
        return _assign_by_meeting_keys(variants, leader, uf, rules)
    block_of, period_at, accepts = leader.block_of, leader.period_at, leader.accepts
    interval_at, key_range_at = leader.interval_at, leader.key_range_at
    indexes: defaultdict[Hashable, _PeriodIndex] = defaultdict(_PeriodIndex)
    groups: list[Group] = []
    for position in variants:
        index = indexes[block_of[position]]
        interval = interval_at[position] if interval_at is not None else None
        key_range = key_range_at[position] if key_range_at is not None else ANY_KEY
        for group in index.overlapping(period_at[position], interval, key_range):
            if accepts(group, position):
                if _join(group, position, leader, uf, rules):
                    index.remove(group)
                    index.add(group)
                break
        else:
            group = leader.make(position)
            index.add(group)
            groups.append(group)
    return {group.root: group for group in groups}


def _join(group: Group, position: int, leader: LeaderRules, uf: UnionFind, rules: Counter[str]) -> bool:
    """Join the variant at ``position`` to ``group`` and count the merge; whether the group must be filed
    again (its period changed, or whether it is a point)."""
    before = (group.period, _is_point(group))
    leader.join(group, position)
    uf.union(group.root, position)
    story_at = leader.story_at
    cross = story_at is not None and story_at[group.root] != story_at[position]
    rules[leader.cross_rule if cross and leader.cross_rule else leader.rule] += 1
    return (group.period, _is_point(group)) != before


def _assign_by_meeting_keys(
    variants: list[int], leader: LeaderRules, uf: UnionFind, rules: Counter[str]
) -> dict[int, Group]:
    """:func:`leader_assign` where groups are shelved by block and meeting key
    (:attr:`LeaderRules.meeting_keys_at`): a variant is offered the groups of the shelves of its own keys,
    by root, which are all the groups of its block that could accept it. The result is the same as
    offering it every group of its block; the time taken grows with the groups of a story, not of a
    block."""
    block_of, period_at, accepts = leader.block_of, leader.period_at, leader.accepts
    interval_at, key_range_at = leader.interval_at, leader.key_range_at
    meeting_keys_at: dict[int, tuple[Hashable, ...]] = leader.meeting_keys_at or {}
    shelves: dict[tuple[Hashable, Hashable], _Shelf] = {}
    shelves_of: dict[int, list[_Shelf]] = {}
    groups: list[Group] = []
    for position in variants:
        block, period = block_of[position], period_at[position]
        containers = enclosing_periods(period)
        interval = interval_at[position] if interval_at is not None else None
        key_range = key_range_at[position] if key_range_at is not None else ANY_KEY
        offered = [
            shelf.offered(period, containers, interval, key_range)
            for shelf in (shelves.get((block, key)) for key in meeting_keys_at[position])
            if shelf is not None
        ]
        for group in _by_root(offered):
            if accepts(group, position):
                if _join(group, position, leader, uf, rules):
                    for shelf in shelves_of[group.root]:
                        shelf.refile(group)
                break
        else:
            group = leader.make(position)
            groups.append(group)
            own = shelves_of[position] = []
            for key in meeting_keys_at[position]:
                shelf = shelves.get((block, key))
                if shelf is None:
                    shelf = shelves[(block, key)] = _Shelf()
                shelf.add(group)
                own.append(shelf)
    return {group.root: group for group in groups}


def _by_root(offered: list[list[Group]]) -> list[Group]:
    """The groups of several shelves, each once, by root."""
    if len(offered) == 1:
        return offered[0]
    distinct = {group.root: group for groups in offered for group in groups}
    return [distinct[root] for root in sorted(distinct)]


def positions_of(part: pd.DataFrame) -> list[int]:
    """The positions (index) of ``part`` as one list of ints, for the lookups of a kind's leader rules.

    Reading ``part.index`` makes a new int object per position each time; the dozen lookups by position
    of one kind's rules share these, which saves tens of bytes per position and lookup (over a hundred MB
    at a million mentions).
    """
    return part.index.tolist()


def identical_variants(
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
