"""Event facts: who did what, where and when, told by several articles.

Events are blocked by (action, year) and clustered by leader clustering (:mod:`factlake.dedup.clustering`):
an event joins the first fact of its block with overlapping actors, the same place (or an unknown one) and
an overlapping period. Events of different stories (:class:`CanonicalMentions` ``story``) are one fact only
when they have the same date at the same precision, the same known place and the same actors as the
fact's representative. Undated events join only facts of their own story whose actor set contains theirs
or is contained in it, from their own article, from an article without a publication date (the story
places it in time) or from articles published within ``event_unknown_date_window_days``.

An event fact is identified by ``stable_id("event", action, sorted actors, location, period)`` (an undated
one by its publication date instead of a period) and lists the union of its mentions' actors.
Extraction: :mod:`factlake.extract.events`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from factlake.config import DedupConfig
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.clustering import Clusters, Group, LeaderRules, identical_variants, leader_assign
from factlake.dedup.frames import CanonicalMentions
from factlake.dedup.periods import UNKNOWN_PERIOD, narrower_period, period_label, period_of
from factlake.extract import events as extractor
from factlake.kinds import FactKind
from factlake.records import stable_id
from factlake.reference import Reference


def _keyed_events(part: pd.DataFrame) -> tuple[pd.DataFrame, list[frozenset[str]]]:
    """What makes two events identical (action, actors, location, period, and the publication date of
    undated ones), one row per mention of ``part`` (same index); and the actor set of every mention."""
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
                None if period else key
                for period, key in zip(periods, part[CanonicalMentions.date_key], strict=True)
            ],
            # Identical events are folded within a story only; across stories the leader rules decide.
            "story": part[CanonicalMentions.story],
        },
        index=part.index,
    )
    return keyed, actor_sets


def _leader_rules(
    part: pd.DataFrame,
    keyed: pd.DataFrame,
    actor_sets: list[frozenset[str]],
    variants: list[int],
    config: DedupConfig,
) -> LeaderRules:
    """Blocks, compatibility and merge of events (see the module docstring)."""
    period_at = dict(zip(part.index, keyed["period"], strict=True))
    actors_at = dict(zip(part.index, actor_sets, strict=True))
    location_at = {
        position: (place or None) for position, place in zip(part.index, keyed["location"], strict=True)
    }
    published_at = {
        position: (None if no_date else key)
        for position, no_date, key in zip(
            part.index, part[CanonicalMentions.no_date], part[CanonicalMentions.date_key], strict=True
        )
    }
    article_at = dict(zip(part.index, part["article_id"], strict=True))
    action_at = dict(zip(part.index, keyed["action"], strict=True))
    story_at = dict(zip(part.index, part[CanonicalMentions.story], strict=True))

    def one_event_across_stories(root: int, position: int) -> bool:
        # Events of two stories are one only when both say when (to the same precision), where and who.
        return story_at[root] == story_at[position] or (
            period_at[root] is not None
            and period_at[root] == period_at[position]
            and location_at[root] is not None
            and location_at[root] == location_at[position]
            and bool(actors_at[root])
            and actors_at[root] == actors_at[position]
        )

    # Undated events never join across stories (see ``one_event_across_stories``): they are blocked by story.
    block_of = {
        position: (
            (action_at[position], dt.date.fromordinal(period_at[position][0]).year)
            if period_at[position]
            else (action_at[position], None, story_at[position])
        )
        for position in variants
    }

    def accepts(group: Group, position: int) -> bool:
        if not one_event_across_stories(group.root, position):
            return False
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
        # Undated (and of one story): one actor set must contain the other (an article may tell of several
        # meetings of overlapping people), and articles with known dates must be published close together.
        if not (actors_at[position] <= group.actors or group.actors <= actors_at[position]):
            return False
        if article_at[group.root] == article_at[position]:
            return True
        published = published_at[position]
        return (
            group.published is None
            or published is None
            or abs(group.published - published) <= config.event_unknown_date_window_days
        )

    def join(group: Group, position: int) -> None:
        group.actors |= actors_at[position]
        group.location = group.location or location_at[position]
        if group.period is not None:
            group.period = narrower_period(group.period, period_at[position])

    def make(position: int) -> Group:
        published = published_at[position]
        return Group(
            root=position,
            period=period_at[position],
            actors=set(actors_at[position]),
            location=location_at[position],
            published=published,
            key=-math.inf if published is None else published,
        )

    return LeaderRules(
        rule="event_compatible",
        block_of=block_of,
        period_at=period_at,
        accepts=accepts,
        join=join,
        make=make,
        cross_rule="event_cross_story",
        story_at=story_at,
    )


def _actor_unions(events: pd.DataFrame) -> dict[str, list[str]]:
    """Sorted union of the actors of each event fact."""
    if events.empty:
        return {}
    exploded = events[["fact_id", "actors"]].explode("actors").dropna(subset=["actors"]).drop_duplicates()
    exploded = exploded.sort_values(["fact_id", "actors"], kind="mergesort")
    unions: dict[str, list[str]] = {}
    for fact_id, actor in zip(exploded["fact_id"].tolist(), exploded["actors"].tolist(), strict=True):
        unions.setdefault(fact_id, []).append(actor)
    return unions


class EventKind(FactKind):
    """Who did what, where and when."""

    name = "event"
    extractor = extractor
    gold_by_sentence = True

    def cluster(
        self,
        part: pd.DataFrame,
        config: DedupConfig,
        reference: Reference,
        union_find: UnionFind,
        rules: Counter[str],
    ) -> Clusters:
        """Union events with one action, overlapping actors, one place (or one unknown) and one date."""
        keyed, actor_sets = _keyed_events(part)
        variants = identical_variants(keyed, list(keyed.columns), union_find, rules, "event_identical")
        leader = _leader_rules(part, keyed, actor_sets, variants, config)
        return Clusters(groups=leader_assign(variants, leader, union_find, rules))

    def identity(self, row: dict[str, Any], clusters: Clusters) -> str:
        """``stable_id("event", action, sorted actors, location, period)`` of the representative; an
        undated event's period is ``unknown published <its publication date>``."""
        period = period_of(row["event_date"], row["date_precision"])
        label = period[2] if period else UNKNOWN_PERIOD
        actors = sorted(row["actors"]) if isinstance(row["actors"], list | np.ndarray) else []
        published = row[CanonicalMentions.published]
        if not period and isinstance(published, dt.date):
            label = f"{UNKNOWN_PERIOD} published {published.isoformat()}"
        return stable_id(self.name, row["action"] or "", "\x1f".join(actors), row["location"] or "", label)

    def fact_fields(self, part: pd.DataFrame) -> dict[str, dict[str, Any]]:
        """``actors``: the sorted union of the actors of each fact's mentions."""
        return {fact_id: {"actors": actors} for fact_id, actors in _actor_unions(part).items()}

    def statement(self, fact: dict[str, Any]) -> str:
        """``meet: Biden, Xi in Bali on 2022-11-14``: action, actors, place and period."""
        when = period_label(fact["_period"]) if fact["_period"] else None
        text = f"{fact['action'] or 'event'}: {', '.join(fact['actors']) or 'unknown actors'}"
        if fact["location"]:
            text += f" in {fact['location']}"
        if when:
            text += f" on {when}" if fact["date_precision"] == "day" else f" in {when}"
        return text


#: The event kind (registered in :data:`factlake.kinds.FACT_KINDS`).
KIND = EventKind()
