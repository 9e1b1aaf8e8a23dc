"""Fact identity across unit classes, conflicts about the recent past, and order independence at scale."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from factlake.config import DEFAULT_REFERENCE_DIR, DedupConfig
from factlake.dedup import build_facts
from factlake.dedup.periods import claim_is_recent, relative_reach_days
from factlake.dedup.units import unit_classes
from factlake.records import to_frame
from factlake.reference import load_reference
from tests.test_dedup import article, articles_frame, quantity, quote

CONFIG = DedupConfig()
REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)
BENCH = Path(__file__).resolve().parents[1] / "bench" / "dedup_million.py"

# Like the seeds: 000 is dated, 002 and 001 are not, 003 is a year earlier.
DATED = article(0, "dated body " * 5, dt.date(2022, 11, 1), "Outlet A")
UNDATED = article(2, "undated body " * 5, None)
OTHER_UNDATED = article(1, "another undated body " * 5, None, "Outlet B")
EARLIER = article(3, "earlier body " * 5, dt.date(2021, 11, 26), "Outlet C")
# Placeholder bodies: stories are given, as the published story table would assign them.
ARTICLES = articles_frame(DATED, UNDATED, OTHER_UNDATED, EARLIER).assign(story_id="one story")
SEPARATE_STORIES = ARTICLES.assign(story_id=ARTICLES["article_id"])
SEPT_12, DAY = dt.date(2022, 9, 12), "12 September"
SHARED_QUOTE = "created a very good atmosphere for possible future agreements on certain fundamental issues"


def ids(result) -> list[str]:
    return result.mentions["fact_id"].tolist()


def clashes(shared_quote: bool = True, recent_text: str = "Last month", value_286: float = 286) -> list[dict]:
    """221 deaths since 12 September (dated article) against 286 people killed "last month" (undated)."""
    dated, undated = DATED["article_id"], UNDATED["article_id"]
    mentions = [
        quantity(
            dated, 221, "killed", "deaths", SEPT_12, "day", start=900, qualifier="estimated", date_text=DAY
        ),
        quantity(dated, 150, "killed", "deaths", SEPT_12, "day", start=950, date_text=DAY),
        quantity(dated, 71, "killed", "deaths", SEPT_12, "day", start=980, date_text=DAY),
        quantity(undated, value_286, "killed", "people", None, start=700, date_text=recent_text),
        # Distant or other periods: the 2020 war and the 1990s.
        quantity(undated, 6500, "killed", "soldiers", dt.date(2020, 1, 1), "year", start=500),
        quantity(undated, 30000, "killed", "lives", dt.date(1991, 1, 1), "year", start=990),
    ]
    if shared_quote:
        mentions += [quote(dated, SHARED_QUOTE, start=10), quote(undated, SHARED_QUOTE, start=10)]
    return mentions


def fact_with(result, value: float) -> str:
    rows = result.mentions[result.mentions["value"] == value]
    assert len(rows) == 1
    return rows["fact_id"].iloc[0]


# --------------------------------------------------------------------------------------------- unit classes


def test_casualty_units_and_measures_corroborate_across_wordings():
    mentions = [
        quantity(EARLIER["article_id"], 6500, "killed", "people", dt.date(2020, 1, 1), "year",
                 qualifier="more_than", value_low=6500.0),
        quantity(DATED["article_id"], 6000, "casualties", "casualties", dt.date(2020, 1, 1), "year",
                 qualifier="more_than", value_low=6000.0),
        quantity(UNDATED["article_id"], 6500, "killed", "soldiers", dt.date(2020, 1, 1), "year",
                 qualifier="more_than", value_low=6500.0),
        quantity(OTHER_UNDATED["article_id"], 6500, "wounded", "people", dt.date(2020, 1, 1), "year",
                 qualifier="more_than", value_low=6500.0),
    ]  # fmt: skip
    result = build_facts(to_frame("mentions", mentions), ARTICLES, CONFIG, REFERENCE)
    fact_ids = ids(result)
    assert fact_ids[0] == fact_ids[1] == fact_ids[2]  # people, casualties, soldiers: one death toll
    assert fact_ids[3] != fact_ids[0]  # wounded is another measure class
    # Mentions keep the unit and measure as written; the fact takes its representative's (the earliest).
    assert result.mentions["unit"].tolist() == ["people", "casualties", "soldiers", "people"]
    fact = result.facts.set_index("fact_id").loc[fact_ids[0]]
    assert (fact["unit"], fact["measure"], fact["n_articles"]) == ("people", "killed", 3)


def test_unit_classes_come_from_reference_data():
    classes = unit_classes(REFERENCE)
    assert classes.unit("deaths") == ("people", "all")
    assert classes.unit("soldiers") == ("people", "military")
    assert classes.unit("km2") == ("km2", "all")  # unlisted: a class of its own
    assert classes.measure("casualties") == classes.measure("killed")
    assert classes.measure("wounded") != classes.measure("killed")


# --------------------------------------------------------------------------------------------- recency


@pytest.mark.parametrize(
    ("expression", "reach"),
    [("Last month", 61), ("on Monday", 6), ("yesterday", 1), ("this week", 13), ("in 2020", None)],
)
def test_relative_reach_of_date_expressions(expression, reach):
    assert relative_reach_days(expression) == reach


def test_recent_claims():
    published = dt.date(2022, 11, 1)
    window = CONFIG.recent_claim_window_days
    assert claim_is_recent(dt.date(2022, 9, 12), "day", "12 September", published, window)
    assert not claim_is_recent(dt.date(2022, 1, 1), "year", "this year", published, window)
    assert not claim_is_recent(dt.date(2020, 9, 1), "month", "September 2020", published, window)
    assert not claim_is_recent(dt.date(2022, 9, 12), "day", "12 September", None, window)
    assert claim_is_recent(None, None, "Last month", None, window)
    assert not claim_is_recent(None, None, "two years ago", None, window)
    assert not claim_is_recent(None, None, None, published, window)


# --------------------------------------------------------------------------------------------- conflicts


def test_recent_tolls_of_one_story_conflict_even_without_a_publication_date():
    result = build_facts(to_frame("mentions", clashes()), ARTICLES, CONFIG, REFERENCE)
    first, second = fact_with(result, 221), fact_with(result, 286)
    conflicts = result.conflicts
    assert set(conflicts["fact_id"]) == {first, second}
    assert conflicts["conflict_id"].nunique() == 1
    assert conflicts["description"].iloc[0] == (
        "Sources disagree on killed (people) in the weeks before publication (“12 September”, “Last month”): "
        "an estimated 221 (1 article) vs 286 (1 article)"
    )
    facts = result.facts.set_index("fact_id")
    assert facts.loc[first, "status"] == facts.loc[second, "status"] == "contested"
    # The breakdown of the 221 and the tolls of other periods stay out of it.
    for value in (150, 71, 6500, 30000):
        assert fact_with(result, value) not in set(conflicts["fact_id"])


def test_recent_tolls_need_one_story_a_relative_date_and_comparable_values():
    no_story = build_facts(to_frame("mentions", clashes()), SEPARATE_STORIES, CONFIG, REFERENCE)
    assert no_story.conflicts.empty
    distant = build_facts(
        to_frame("mentions", clashes(recent_text="two years ago")), ARTICLES, CONFIG, REFERENCE
    )
    assert distant.conflicts.empty
    undated = build_facts(to_frame("mentions", clashes(recent_text=None)), ARTICLES, CONFIG, REFERENCE)
    assert undated.conflicts.empty
    far_apart = build_facts(to_frame("mentions", clashes(value_286=20)), ARTICLES, CONFIG, REFERENCE)
    assert far_apart.conflicts.empty  # a day's toll against a month's, more likely than a disagreement


def test_claims_of_different_scopes_corroborate_but_never_conflict():
    month = dt.date(2022, 9, 1)
    mentions = [
        quantity(DATED["article_id"], 300, "killed", "soldiers", month, "month"),
        quantity(EARLIER["article_id"], 500, "killed", "people", month, "month", start=5),
        quantity(UNDATED["article_id"], 700, "killed", "deaths", month, "month", start=9),
    ]
    # The three articles report one story (and quote the same statement).
    mentions += [quote(record["article_id"], SHARED_QUOTE, start=50) for record in (DATED, EARLIER, UNDATED)]
    result = build_facts(to_frame("mentions", mentions), ARTICLES, CONFIG, REFERENCE)
    assert result.mentions["fact_id"].nunique() == 4
    # 500 people and 700 deaths (both "all") conflict; the 300 soldiers are a part of either.
    assert set(result.conflicts["fact_id"]) == {fact_with(result, 500), fact_with(result, 700)}


# --------------------------------------------------------------------------------------------- scale


def _bench_module():
    spec = importlib.util.spec_from_file_location("dedup_million", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_coverage_gives_identical_facts_whatever_the_row_order():
    bench = _bench_module()
    mentions, articles = bench.synthetic_mentions(6000, np.random.default_rng(bench.SEED))
    expected = build_facts(mentions, articles, CONFIG, REFERENCE)
    assert len(expected.conflicts) > 0 and expected.facts["n_articles"].max() > 1
    shuffled = build_facts(
        mentions.sample(frac=1, random_state=3).reset_index(drop=True),
        articles.sample(frac=1, random_state=4).reset_index(drop=True),
        CONFIG,
        REFERENCE,
    )
    pd.testing.assert_frame_equal(expected.facts, shuffled.facts)
    pd.testing.assert_frame_equal(expected.conflicts, shuffled.conflicts)
    by_mention = expected.mentions.set_index("mention_id")["fact_id"]
    pd.testing.assert_series_equal(
        by_mention, shuffled.mentions.set_index("mention_id")["fact_id"].loc[by_mention.index]
    )
    assert expected.stats == shuffled.stats


def test_claims_about_the_same_quote_join_one_story_only_through_attributed_quotes():
    dated, undated = DATED["article_id"], UNDATED["article_id"]
    unattributed = [
        quote(article_id, SHARED_QUOTE, speaker=None, start=10) for article_id in (dated, undated)
    ]
    mentions = [*clashes(shared_quote=False), *unattributed]
    result = build_facts(to_frame("mentions", mentions), SEPARATE_STORIES, CONFIG, REFERENCE)
    assert result.conflicts.empty  # unattributed wordings tell no story apart
