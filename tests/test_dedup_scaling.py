"""Fact dedup's work grows with the mentions of a story, not with those of a block (issue #16, scale).

Leader clustering offers a variant only the groups that share one of its meeting keys (its story, or what
lets two mentions of different stories be one fact), and conflicts compare only dated facts that meet.
These tests check that both give what comparing everything gives, on random mentions that cross stories,
and that the work no longer grows with the square of a block.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd

from factlake.config import DEFAULT_REFERENCE_DIR, DedupConfig
from factlake.dedup import conflicts, events, quantities
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.clustering import Group, LeaderRules, identical_variants, leader_assign
from factlake.dedup.frames import canonical_frame
from factlake.dedup.units import DIMENSION_MEASURES, unit_classes
from factlake.extract.events import event_classes
from factlake.records import to_frame
from factlake.reference import load_reference
from tests.test_dedup import article, articles_frame, event, quantity

REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)
CONFIG = DedupConfig()
NAMES = ["Armenia", "Azerbaijan", "Karabakh", "Baku", "Yerevan"]
PLACES = ["Sochi", "Moscow", None]
LEADERS = ["Putin", "Aliyev", "Pashinyan", "Macron"]


def _random_mentions(
    seed: int, n_articles: int = 36, n_stories: int = 6
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quantity and event mentions of ``n_articles`` articles in ``n_stories`` stories: explicit and
    implicit dates of day, month and year precision, shared subject names, places and actors, so that
    mentions join within and across stories and some groups grow past a shelf's list."""
    rng = np.random.default_rng(seed)
    records = [
        article(
            number, f"body {number} " * 5, dt.date(2022, 1, 1) + dt.timedelta(days=int(rng.integers(0, 90)))
        )
        for number in range(n_articles)
    ]
    stories = [f"story {number % n_stories}" for number in range(n_articles)]
    articles = articles_frame(*records).assign(story_id=stories)
    mentions = []
    for record in records:
        for start in range(0, 40 * 30, 30):
            day = dt.date(2022, 3, 1) + dt.timedelta(days=int(rng.integers(0, 3)))
            precision = str(rng.choice(["day", "day", "month", "year"]))
            if precision != "day":
                day = day.replace(day=1) if precision == "month" else day.replace(month=1, day=1)
            if rng.random() < 0.6:
                names = " and ".join(rng.choice(NAMES, size=2, replace=False))
                mentions.append(
                    quantity(
                        record["article_id"],
                        float(rng.choice([100, 120, 221, 286, 1000, 5000])),
                        str(rng.choice(["killed", "killed", "money"])),
                        "people",
                        day,
                        precision,
                        start=start,
                        qualifier=str(rng.choice(["exact", "more_than", "about"])),
                        date_text="in March 2022" if rng.random() < 0.5 else None,
                        sentence=f"The toll in {names} rose.",
                    )
                )
            else:
                actors = sorted(rng.choice(LEADERS, size=int(rng.integers(1, 3)), replace=False))
                mentions.append(
                    event(
                        record["article_id"], actors, PLACES[int(rng.integers(0, 3))], day, precision, start
                    )
                )
    return to_frame("mentions", mentions), articles


def _assigned(leader: LeaderRules, variants: list[int], union_find: UnionFind) -> tuple:
    """Groups, union-find roots and merge counts of leader clustering ``variants`` with ``leader``."""
    rules: Counter[str] = Counter()
    groups = leader_assign(variants, leader, union_find, rules)
    return groups, union_find.roots().tolist(), rules


def _quantity_leaders(part: pd.DataFrame) -> Callable[[], tuple]:
    """A maker of (union-find after identical claims, leader rules, variants) for ``part``."""
    keyed = quantities._keyed_claims(part, CONFIG)

    def make() -> tuple[UnionFind, LeaderRules, list[int]]:
        union_find = UnionFind(int(part.index.max()) + 1)
        variants = identical_variants(keyed, list(keyed.columns), union_find, Counter(), "identical")
        leader = quantities._leader_rules(part, keyed, variants, CONFIG, unit_classes(REFERENCE))
        return union_find, leader, variants

    return make


def _event_leaders(part: pd.DataFrame) -> Callable[[], tuple]:
    """A maker of (union-find after identical events, leader rules, variants) for ``part``."""
    keyed, actor_sets = events._keyed_events(part, event_classes(REFERENCE))

    def make() -> tuple[UnionFind, LeaderRules, list[int]]:
        union_find = UnionFind(int(part.index.max()) + 1)
        variants = identical_variants(keyed, list(keyed.columns), union_find, Counter(), "identical")
        leader = events._leader_rules(part, keyed, actor_sets, variants, CONFIG, {})
        return union_find, leader, variants

    return make


def test_looking_groups_up_by_meeting_key_gives_what_offering_the_whole_block_gives():
    crossings = Counter()
    for seed in range(6):
        mentions, articles = _random_mentions(seed)
        frame = canonical_frame(mentions, articles)
        for kind, leaders in (("quantity", _quantity_leaders), ("event", _event_leaders)):
            make = leaders(frame[frame["fact_type"] == kind])
            union_find, leader, variants = make()
            by_key = _assigned(leader, variants, union_find)
            union_find, leader, variants = make()
            whole_block = _assigned(dataclasses.replace(leader, meeting_keys_at=None), variants, union_find)
            assert by_key == whole_block, (seed, kind)
            crossings.update(by_key[2])
    # The random mentions join across stories, so the keys that let them meet are exercised.
    assert crossings["quantity_cross_story"] > 0
    assert crossings["event_cross_story"] > 0
    assert crossings["quantity_overlap"] > 0


def test_a_claim_is_offered_only_the_groups_of_its_story_in_a_crowded_block():
    # Sixty stories give the same four tolls for one day: one block, no claim of another story can join.
    n_stories, tolls = 60, (100.0, 1_000.0, 10_000.0, 100_000.0)
    records = [article(number, f"body {number} " * 5, dt.date(2022, 3, 2)) for number in range(n_stories)]
    articles = articles_frame(*records).assign(story_id=[f"story {number}" for number in range(n_stories)])
    mentions = to_frame(
        "mentions",
        [
            quantity(record["article_id"], toll, "killed", "people", dt.date(2022, 3, 1), "day", start=index)
            for record in records
            for index, toll in enumerate(tolls)
        ],
    )
    frame = canonical_frame(mentions, articles)
    union_find, leader, variants = _quantity_leaders(frame)()
    asked = Counter()

    def counting_accepts(group: Group, position: int) -> bool:
        asked["accepts"] += 1
        return real_accepts(group, position)

    real_accepts = leader.accepts
    groups = leader_assign(
        variants, dataclasses.replace(leader, accepts=counting_accepts), union_find, Counter()
    )
    assert len(groups) == n_stories * len(tolls)
    # Offered the whole block, each claim would be offered the same toll of every earlier story (7,080).
    assert asked["accepts"] <= len(variants) * len(tolls)


def _brute_force_pairs(facts: list[dict], dated: list[int], articles_of: dict, scopes, measure: str) -> set:
    """Every pair of dated facts about one thing with overlapping periods, disjoint values and no shared
    article, tested one by one."""
    found = set()
    for first, second in itertools.combinations(dated, 2):
        one, other = facts[first], facts[second]
        about_one_thing = bool(scopes.stories[one["fact_id"]] & scopes.stories[other["fact_id"]]) or (
            measure not in DIMENSION_MEASURES
            and one["fact_id"] in scopes.explicit
            and other["fact_id"] in scopes.explicit
            and bool(scopes.subjects[one["fact_id"]] & scopes.subjects[other["fact_id"]])
        )
        if (
            about_one_thing
            and one["_period"][0] <= other["_period"][1]
            and other["_period"][0] <= one["_period"][1]
            and conflicts._disjoint(one, other)
            and not articles_of[one["fact_id"]] & articles_of[other["fact_id"]]
        ):
            found.add((min(first, second), max(first, second)))
    return found


def test_dated_conflict_pairs_are_those_of_comparing_every_pair():
    rng = np.random.default_rng(7)
    months = [
        (dt.date(2022, month, 1).toordinal(), dt.date(2022, month + 1, 1).toordinal() - 1) for month in (3, 4)
    ]
    year = (dt.date(2022, 1, 1).toordinal(), dt.date(2022, 12, 31).toordinal())
    days = [(dt.date(2022, 3, day).toordinal(),) * 2 for day in (1, 2, 15)] + [
        (dt.date(2022, 4, 3).toordinal(),) * 2
    ]
    periods = [*months, year, *days]
    facts, stories, subjects, articles_of = [], {}, {}, {}
    for number in range(150):
        fact_id = f"fact {number:03d}"
        low = float(rng.choice([100, 200, 221, 286, 300]))
        facts.append(
            {
                "fact_id": fact_id,
                "_period": periods[int(rng.integers(0, len(periods)))],
                "_low": low,
                "_high": low,
            }
        )
        stories[fact_id] = {f"story {value}" for value in rng.integers(0, 12, size=int(rng.integers(1, 3)))}
        subjects[fact_id] = set(rng.choice(NAMES, size=int(rng.integers(0, 3)), replace=False))
        articles_of[fact_id] = {f"article {value}" for value in rng.integers(0, 60, size=2)}
    explicit = {fact["fact_id"] for fact in facts if rng.random() < 0.5}
    scopes = conflicts._Scopes(stories=stories, explicit=explicit, subjects=subjects)
    dated = list(range(len(facts)))
    for measure in ("killed", next(iter(DIMENSION_MEASURES))):
        pairs = conflicts._dated_conflict_edges(facts, dated, articles_of, scopes, measure)
        expected = _brute_force_pairs(facts, dated, articles_of, scopes, measure)
        assert expected
        assert sorted(map(tuple, pairs.tolist())) == sorted(expected)
