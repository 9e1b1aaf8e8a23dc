"""Event facts: who did what, where and when, told by several articles.

Events are blocked by (action class, modality, year) and clustered by leader clustering
(:mod:`factlake.dedup.clustering`): an event joins the first fact of its block with overlapping actors
(or, within one story, no actor named: "Monday's meeting"), the same place (or an unknown one) and an
overlapping period, and never with a mention of an incompatible theme ("host the 79th Academy Awards",
"host the 86th Academy Awards": :func:`factlake.extract.event_themes.compatible_themes`). Action classes
(``event_classes.csv``) make synonyms for one occurrence ("met", "held talks", "hosted") one class; each
mention keeps its own action as evidence. Events of different stories (:class:`CanonicalMentions`
``story``) are one fact only when they have the same date at the same precision, the same known place and
the same actors as the fact's representative. Undated events join only facts of their own story whose
actor set contains theirs or is contained in it, from their own article, from an article without a
publication date (the story places it in time) or from articles published
within ``event_unknown_date_window_days``; then an undated fact joins the one dated fact of its story with
its class, modality, compatible actors and place, when there is exactly one.

An event fact is identified by ``stable_id("event", action class, sorted actors, location, period)``, with
its modality appended unless asserted and its theme when it has one (an undated one by its publication
date instead of a period), and lists the union of its mentions' actors. Extraction:
:mod:`factlake.extract.events`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from factlake.config import DedupConfig
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.clustering import (
    Clusters,
    Group,
    LeaderRules,
    identical_variants,
    leader_assign,
    positions_of,
)
from factlake.dedup.frames import CanonicalMentions
from factlake.dedup.periods import narrower_period, period_label, period_of
from factlake.extract import events as extractor
from factlake.extract.event_themes import compatible_themes, theme_key
from factlake.kinds import FactKind
from factlake.reference import Reference

ASSERTED = "asserted"
#: Merges of an undated event into its story's one dated report of the same occurrence.
UNDATED_IN_STORY_RULE = "event_undated_in_story"

#: A theme's head noun and the numbers it writes (:func:`factlake.extract.event_themes.theme_key`).
ThemeKey = tuple[str, frozenset[int]] | None


def _themes(part: pd.DataFrame) -> list[str | None]:
    """Theme of every mention, None where there is none (or no ``theme`` column)."""
    if "theme" not in part.columns:
        return [None] * len(part)
    return [theme if isinstance(theme, str) and theme else None for theme in part["theme"]]


#: Articles that must report a dated occurrence for a story reference to take it among several (see
#: :func:`_reporting_articles`).
MIN_SHARED_ARTICLES = 2
#: Column of the keyed events marking story references (see :func:`_story_reference_flags`).
REFERENCE_KEY = "story_reference"


def _story_reference_flags(part: pd.DataFrame) -> pd.Series:
    """Mentions that name no actor and take their date from their story ("the summit", "after the talks":
    ``date_source`` ``story``): each may only join the one dated occurrence of its class in its story."""
    if "date_source" not in part.columns:
        return pd.Series(False, index=part.index)
    no_actor = [not isinstance(actors, list | np.ndarray) or len(actors) == 0 for actors in part["actors"]]
    return (part["date_source"] == extractor.STORY_DATE_SOURCE).fillna(False) & pd.Series(
        no_actor, index=part.index
    )


def _modalities(part: pd.DataFrame) -> pd.Series:
    """Modality of every mention (``asserted`` where the column is missing or empty)."""
    if "modality" not in part.columns:
        return pd.Series(ASSERTED, index=part.index)
    return part["modality"].fillna(ASSERTED)


#: Words that make a meeting of several parties several meetings ("Putin met separately with A and B",
#: "held separate discussions"): a different occurrence from the joint meeting of the same people.
_DISTRIBUTIVE = re.compile(r"\b(?:separately|separate|individually)\b", re.IGNORECASE)


def distributive_marker(text: str) -> str:
    """The class marker " separately" when an event's evidence says its parties met one by one, else ""."""
    return " separately" if _DISTRIBUTIVE.search(text) else ""


def _keyed_events(part: pd.DataFrame, classes: dict[str, str]) -> tuple[pd.DataFrame, list[frozenset[str]]]:
    """What makes two events identical (action class, modality, actors, location, period, and the
    publication date of undated ones), one row per mention of ``part`` (same index); and the actor set of
    every mention."""
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
            "action": [
                classes.get(action, action) + distributive_marker(text)
                for action, text in zip(part["action"].fillna(""), part["text"].fillna(""), strict=True)
            ],
            "modality": _modalities(part),
            "actors": ["\x1f".join(sorted(actors)) for actors in actor_sets],
            "location": part["location"].fillna(""),
            "theme": [str(theme_key(theme)) for theme in _themes(part)],
            "period": [period[:2] if period else None for period in periods],
            # Undated events are told apart by their publication date (see the window rule below).
            "published": [
                None if period else key
                for period, key in zip(periods, part[CanonicalMentions.date_key], strict=True)
            ],
            # An unresolved date ("on October 3" in an undated article) still tells occurrences apart.
            "date_text": [
                None if period else text
                for period, text in zip(
                    periods, part["date_text"].where(part["date_text"].notna(), None), strict=True
                )
            ],
            # Identical events are folded within a story only; across stories the leader rules decide.
            "story": part[CanonicalMentions.story],
            REFERENCE_KEY: _story_reference_flags(part),
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
    themes: dict[int, list[ThemeKey]],
) -> LeaderRules:
    """Blocks, compatibility and merge of events (see the module docstring); ``themes`` receives the theme
    keys of every group's mentions, by the group's root."""
    positions = positions_of(part)
    theme_at = dict(zip(positions, map(theme_key, _themes(part)), strict=True))
    period_at = dict(zip(positions, keyed["period"], strict=True))
    actors_at = dict(zip(positions, actor_sets, strict=True))
    location_at = {
        position: (place or None) for position, place in zip(positions, keyed["location"], strict=True)
    }
    published_at = {
        position: (None if no_date else key)
        for position, no_date, key in zip(
            positions, part[CanonicalMentions.no_date], part[CanonicalMentions.date_key], strict=True
        )
    }
    article_at = dict(zip(positions, part["article_id"], strict=True))
    action_at = dict(zip(positions, zip(keyed["action"], keyed["modality"], strict=True), strict=True))
    story_at = dict(zip(positions, part[CanonicalMentions.story], strict=True))
    date_text_at = dict(zip(positions, part["date_text"].where(part["date_text"].notna(), None), strict=True))

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
    # A story reference ("the summit") is a block of its own: it joins a dated occurrence or nothing.
    reference_at = dict(zip(positions, keyed[REFERENCE_KEY], strict=True))

    def block(position: int) -> tuple[Any, ...]:
        if reference_at[position]:
            return (action_at[position], None, story_at[position], position)
        if period_at[position]:
            return (action_at[position], dt.date.fromordinal(period_at[position][0]).year)
        return (action_at[position], None, story_at[position])

    block_of = {position: block(position) for position in variants}

    def accepts(group: Group, position: int) -> bool:
        if not one_event_across_stories(group.root, position):
            return False
        if group.actors and actors_at[position] and not (group.actors & actors_at[position]):
            return False
        # An event whose clause names no actor ("Monday's meeting") may join a fact of its own story (across
        # stories ``one_event_across_stories`` wants the same actors).
        if group.location and location_at[position] and group.location != location_at[position]:
            return False
        if not all(compatible_themes(theme, theme_at[position]) for theme in themes[group.root]):
            return False  # "host the 79th Academy Awards" and "host the 86th Academy Awards"
        if (group.period is None) != (period_at[position] is None):
            return False
        if group.period is not None:
            return narrower_period(group.period, period_at[position]) is not None
        # Undated (and of one story): one actor set must contain the other (an article may tell of several
        # meetings of overlapping people), and articles with known dates must be published close together.
        if not (actors_at[position] <= group.actors or group.actors <= actors_at[position]):
            return False
        if date_text_at[group.root] != date_text_at[position]:
            return False  # "on October 3" and "in August" unresolved are two occurrences
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
        if theme_at[position] is not None:
            themes[group.root].append(theme_at[position])
        group.location = group.location or location_at[position]
        if group.period is not None:
            group.period = narrower_period(group.period, period_at[position])

    def make(position: int) -> Group:
        published = published_at[position]
        themes[position] = [] if theme_at[position] is None else [theme_at[position]]
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
        meeting_keys_at={
            position: _meeting_keys(
                story_at[position], period_at[position], location_at[position], actors_at[position]
            )
            for position in variants
        },
    )


def _meeting_keys(
    story: object, period: tuple[int, int] | None, location: str | None, actors: frozenset[str]
) -> tuple[tuple[object, ...], ...]:
    """What an event must share with a fact's representative to join it (``one_event_across_stories``):
    its story, or its period, place and actors."""
    if period is not None and location is not None and actors:
        return (("story", story), ("occurrence", period, location, actors))
    return (("story", story),)


def _compatible(dated: Group, undated: Group, themes: dict[int, list[ThemeKey]]) -> bool:
    """Whether an undated group may be the dated group's occurrence: overlapping (or unknown) actors, one
    place (or an unknown one) and compatible themes."""
    actors_fit = not dated.actors or not undated.actors or bool(dated.actors & undated.actors)
    place_fits = not dated.location or not undated.location or dated.location == undated.location
    themes_fit = all(
        compatible_themes(first, second) for first in themes[dated.root] for second in themes[undated.root]
    )
    return actors_fit and place_fits and themes_fit


def _join_undated(
    groups: dict[int, Group],
    part: pd.DataFrame,
    keyed: pd.DataFrame,
    union_find: UnionFind,
    rules: Counter[str],
    themes: dict[int, list[ThemeKey]],
    references: frozenset[int],
) -> dict[int, Group]:
    """Join every undated group to the one dated group of its story with its action class and modality,
    compatible actors, place and theme ("met in Sochi" in an undated report of the Sochi summit of one
    story). Several such dated groups leave it alone: which occurrence it is cannot be told; so does a
    date the text gives but that could not be resolved ("four days later" in an undated article). Story
    references ("the summit") come last and, among several, take the one that two or more articles report
    (:func:`_reporting_articles`)."""
    key_of = {
        position: (story, action, modality)
        for position, story, action, modality in zip(
            keyed.index, keyed["story"], keyed["action"], keyed["modality"], strict=True
        )
    }
    dated: dict[tuple[Any, str, str], list[Group]] = {}
    for root in sorted(groups):
        if groups[root].period is not None:
            dated.setdefault(key_of[root], []).append(groups[root])
    reporting: dict[int, int] | None = None
    for root in sorted(groups, key=lambda root: (root in references, root)):
        undated = groups.get(root)
        if undated is None or undated.period is not None or isinstance(part.at[root, "date_text"], str):
            continue
        candidates = [group for group in dated.get(key_of[root], []) if _compatible(group, undated, themes)]
        if root in references and len(candidates) > 1:
            reporting = reporting if reporting is not None else _reporting_articles(groups, part, union_find)
            candidates = [group for group in candidates if reporting[id(group)] >= MIN_SHARED_ARTICLES]
        if len(candidates) != 1:
            continue
        _join(groups, candidates[0], undated, union_find, themes)
        rules[UNDATED_IN_STORY_RULE] += 1
    return groups


def _join(
    groups: dict[int, Group],
    group: Group,
    undated: Group,
    union_find: UnionFind,
    themes: dict[int, list[ThemeKey]],
) -> None:
    """Put the undated group into the dated ``group`` (rooted at the earlier of the two), themes too."""
    union_find.union(group.root, undated.root)
    group.actors |= undated.actors
    group.location = group.location or undated.location
    themes[group.root].extend(themes.pop(undated.root))
    del groups[undated.root]
    if undated.root < group.root:
        del groups[group.root]
        themes[undated.root] = themes.pop(group.root)
        group.root = undated.root
        groups[group.root] = group


def _reporting_articles(
    groups: dict[int, Group], part: pd.DataFrame, union_find: UnionFind
) -> dict[int, int]:
    """Number of (canonical) articles reporting each dated group, by ``id`` of the group: of several dated
    occurrences a story reference ("the summit") may be, the occurrence the story is about is the one its
    reports share, while earlier meetings told by one report are its background."""
    dated = {root: group for root, group in groups.items() if group.period is not None}
    articles: dict[int, set[str]] = {id(group): set() for group in dated.values()}
    column = (
        CanonicalMentions.canonical_article if CanonicalMentions.canonical_article in part else "article_id"
    )
    for position, article in zip(part.index, part[column], strict=True):
        group = dated.get(union_find.find(position))
        if group is not None:
            articles[id(group)].add(article)
    return {key: len(found) for key, found in articles.items()}


def _references(keyed: pd.DataFrame) -> frozenset[int]:
    """Positions of the story references among the keyed events (one set, not a frame lookup per group)."""
    return frozenset(keyed.index[keyed[REFERENCE_KEY].to_numpy(dtype=bool)].tolist())


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
    #: Identity classes of actions, read from the reference by :meth:`cluster` for :meth:`fact_fields`.
    _classes: dict[str, str] = {}  # noqa: RUF012 (replaced, never mutated)

    def cluster(
        self,
        part: pd.DataFrame,
        config: DedupConfig,
        reference: Reference,
        union_find: UnionFind,
        rules: Counter[str],
    ) -> Clusters:
        """Union events with one action, overlapping actors, one place (or one unknown) and one date."""
        classes = extractor.event_classes(reference)
        self._classes = classes
        keyed, actor_sets = _keyed_events(part, classes)
        variants = identical_variants(keyed, list(keyed.columns), union_find, rules, "event_identical")
        themes: dict[int, list[ThemeKey]] = {}
        references = _references(keyed)
        leader = _leader_rules(part, keyed, actor_sets, variants, config, themes)
        groups = _join_undated(
            leader_assign(variants, leader, union_find, rules),
            part,
            keyed,
            union_find,
            rules,
            themes,
            references,
        )
        unpublished = frozenset(
            root for root, group in groups.items() if group.period is None and root in references
        )
        return Clusters(groups=groups, unpublished=unpublished)

    def fact_fields(self, part: pd.DataFrame) -> dict[str, dict[str, Any]]:
        """``actors``: the sorted union of the actors of each fact's mentions; ``modality``: theirs (one per
        fact: mentions of different modalities are never clustered together); ``action``: the identity
        class of its actions (its mentions keep their own verbs), "meet separately" for parties meeting one
        by one; ``theme``: the first theme of its mentions."""
        modalities = dict(zip(part["fact_id"], _modalities(part), strict=True))
        themes: dict[str, str] = {}
        for fact_id, theme in zip(part["fact_id"], _themes(part), strict=True):
            if theme is not None:
                themes.setdefault(fact_id, theme)
        classes = dict(zip(part["fact_id"], part["action"], strict=True))
        markers = dict(zip(part["fact_id"], part["text"].fillna("").map(distributive_marker), strict=True))
        actors = _actor_unions(part)
        return {
            fact_id: {
                "actors": actors.get(fact_id, []),
                "modality": modality,
                "action": self._classes.get(classes[fact_id], classes[fact_id]) + markers[fact_id],
                "theme": themes.get(fact_id),
            }
            for fact_id, modality in modalities.items()
        }

    def statement(self, fact: dict[str, Any]) -> str:
        """``meet: Biden, Xi in Bali on 2022-11-14``: action and theme, actors, place and period; an event
        not asserted says how it is told first: ``planned: sign peace treaty — Armenia, Azerbaijan``."""
        when = period_label(fact["_period"]) if fact["_period"] else None
        who = ", ".join(fact["actors"]) or "unknown actors"
        modality = fact.get("modality") or ASSERTED
        action = " ".join(filter(None, [fact["action"] or "event", fact.get("theme")]))
        text = f"{action}: {who}" if modality == ASSERTED else f"{modality}: {action} — {who}"
        if fact["location"]:
            text += f" in {fact['location']}"
        if when:
            text += f" on {when}" if fact["date_precision"] == "day" else f" in {when}"
        return text


#: The event kind (registered in :data:`factlake.kinds.FACT_KINDS`).
KIND = EventKind()
