"""Scoped corroboration (issue #13 item 2): mentions of different stories are one fact only when they can be
the same real-world claim, and the false-corroboration measure that checks it."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evaluation.corroboration import falsely_corroborated, far_apart
from factlake.config import DEFAULT_REFERENCE_DIR, DedupConfig
from factlake.dedup import build_facts
from factlake.records import to_frame
from factlake.reference import load_reference
from tests.test_dedup import PUTIN, article, articles_frame, event, quantity, quote

CONFIG = DedupConfig()
REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)
FIRST = article(20, "first story " * 5, dt.date(2022, 11, 1), "Outlet A")
SECOND = article(21, "second story " * 5, dt.date(2022, 11, 2), "Outlet B")
THIRD = article(22, "third story " * 5, dt.date(2023, 6, 2), "Outlet C")
RECORDS = (FIRST, SECOND, THIRD)


def stories(*labels: str) -> pd.DataFrame:
    """The three articles with the given story labels."""
    return articles_frame(*RECORDS).assign(story_id=list(labels))


def fact_ids(mentions: list[dict], articles: pd.DataFrame) -> list[str]:
    return (
        build_facts(to_frame("mentions", mentions), articles, CONFIG, REFERENCE).mentions["fact_id"].tolist()
    )


def test_a_figure_without_period_or_subject_never_corroborates_across_stories():
    two_thirds = [
        quantity(record["article_id"], 2 / 3, "share", "percent", None, start=number)
        for number, record in enumerate(RECORDS)
    ]
    assert len(set(fact_ids(two_thirds, stories("a", "a", "b")))) == 2  # one story: one claim
    assert len(set(fact_ids(two_thirds, stories("a", "b", "c")))) == 3


def test_quantities_of_different_stories_corroborate_with_explicit_period_measure_and_subject():
    sentence = "More than 6,500 people were killed in the 2020 war over Nagorno-Karabakh."
    year = dt.date(2020, 1, 1)
    war = [
        quantity(
            record["article_id"],
            6500,
            "killed",
            "people",
            year,
            "year",
            date_text="in 2020",
            sentence=sentence,
        )
        for record in RECORDS
    ]
    assert len(set(fact_ids(war, stories("a", "b", "c")))) == 1
    # The same measure is the same measure class: "casualties" are people killed (unit_classes.csv).
    war[1] = {**war[1], "measure": "casualties", "unit": "casualties"}
    assert len(set(fact_ids(war, stories("a", "b", "c")))) == 1
    no_subject = [{**mention, "sentence": "6,500 people were killed in 2020."} for mention in war]
    assert len(set(fact_ids(no_subject, stories("a", "b", "c")))) == 3
    not_explicit = [{**mention, "date_text": None} for mention in war]  # a period only resolved
    assert len(set(fact_ids(not_explicit, stories("a", "b", "c")))) == 3


def test_events_of_different_stories_need_the_same_date_place_and_actors():
    leaders = [PUTIN, "Ilham Aliyev"]
    day = dt.date(2022, 10, 31)
    same = [
        event(FIRST["article_id"], leaders, "Sochi", day),
        event(SECOND["article_id"], leaders, "Sochi", day),
    ]
    assert len(set(fact_ids(same, stories("a", "b", "c")))) == 1
    fewer_actors = [same[0], event(SECOND["article_id"], [PUTIN], "Sochi", day)]
    assert len(set(fact_ids(fewer_actors, stories("a", "a", "c")))) == 1  # one story: compatible
    assert len(set(fact_ids(fewer_actors, stories("a", "b", "c")))) == 2
    no_place = [
        event(FIRST["article_id"], leaders, None, day),
        event(SECOND["article_id"], leaders, None, day),
    ]
    assert len(set(fact_ids(no_place, stories("a", "b", "c")))) == 2


def test_quotes_across_stories_only_when_contained_and_never_by_chaining():
    statement = "Russia will do everything to find a final and comprehensive settlement of the conflict"
    cited = [
        quote(FIRST["article_id"], statement),
        quote(THIRD["article_id"], "do everything to find a final"),
    ]
    cited[1]["quote_text"] = "Russia will do everything to find a final and comprehensive settlement"
    assert len(set(fact_ids(cited, stories("a", "b", "c")))) == 1  # contained wording, any story
    translation = [
        quote(
            FIRST["article_id"],
            "In my opinion, it created a very good atmosphere for potential agreements "
            "on a number of vital issues",
        ),
        quote(
            SECOND["article_id"],
            "created a very good atmosphere for possible future agreements on certain fundamental issues",
        ),
    ]
    assert len(set(fact_ids(translation, stories("a", "a", "c")))) == 1
    assert len(set(fact_ids(translation, stories("a", "b", "c")))) == 2
    # The middle wording matches both ends, the ends do not match each other: two facts, not a chain.
    chain = [
        quote(FIRST["article_id"], "we all agree that this was a very useful meeting for our nations"),
        quote(SECOND["article_id"], "a very useful meeting for our nations which created a good atmosphere"),
        quote(THIRD["article_id"], "which created a good atmosphere for agreements on certain vital issues"),
    ]
    ids = fact_ids(chain, stories("a", "a", "a"))
    assert ids[0] == ids[1] != ids[2]


def test_merges_are_counted_by_scope():
    sentence = "More than 6,500 people were killed in the 2020 war over Nagorno-Karabakh."
    war = [
        quantity(
            record["article_id"], 6500, "killed", "people", dt.date(2020, 1, 1), "year",
            date_text="in 2020", sentence=sentence, start=1,
        )
        for record in RECORDS
    ]  # fmt: skip
    stats = build_facts(to_frame("mentions", war), stories("a", "a", "b"), CONFIG, REFERENCE).stats
    assert stats["scope"] == {"quantity": {"within_story": 1, "cross_story": 1}}
    assert stats["merges_by_rule"]["quantity_cross_story"] == 1


def test_false_corroboration_and_far_apart_facts_on_a_tiny_corpus():
    statement = "Russia will do everything to find a final and comprehensive settlement of the conflict"
    mentions = [
        quote(FIRST["article_id"], statement),
        quote(THIRD["article_id"], statement),
        quantity(FIRST["article_id"], 2 / 3, "share", "percent", None, start=50),
        quantity(SECOND["article_id"], 2 / 3, "share", "percent", None, start=50),
    ]
    fact_set = build_facts(to_frame("mentions", mentions), stories("a", "a", "b"), CONFIG, REFERENCE)
    labels = {FIRST["article_id"]: "summit", SECOND["article_id"]: "summit", THIRD["article_id"]: "war"}
    found = falsely_corroborated(fact_set, labels)
    assert found["fact_type"].tolist() == ["quote"]
    assert found["labels"].tolist() == [["summit", "war"]] and found["n_articles"].tolist() == [2]
    apart = far_apart(fact_set, articles_frame(*RECORDS))
    assert apart["fact_type"].tolist() == ["quote"] and apart["span_days"].tolist() == [213]


def test_undated_events_of_an_undated_article_join_their_story():
    undated = article(23, "undated story " * 5, None, "Outlet D")
    articles = articles_frame(FIRST, undated)
    leaders = [PUTIN, "Ilham Aliyev", "Nikol Pashinyan"]
    mentions = [
        event(FIRST["article_id"], leaders, None, None),
        event(undated["article_id"], ["Ilham Aliyev", "Nikol Pashinyan"], "Sochi", None),
    ]
    assert len(set(fact_ids(mentions, articles.assign(story_id="summit")))) == 1
    assert len(set(fact_ids(mentions, articles.assign(story_id=["summit", "other"])))) == 2


def test_a_mere_dimension_never_corroborates_across_stories():
    """Money or a percentage says nothing of what is counted: "$300 million in 1987" of Kraft and of
    BankAmerica are different claims, even with a name in common."""
    year = dt.date(1987, 1, 1)
    sentence = "Corp expects 1987 spending of 300 mln dlrs, the Securities and Exchange Commission said."
    money = [
        quantity(record["article_id"], 3e8, "money", "USD", year, "year", date_text="1987", sentence=sentence)
        for record in RECORDS
    ]
    assert len(set(fact_ids(money, stories("a", "a", "a")))) == 1
    assert len(set(fact_ids(money, stories("a", "b", "c")))) == 3


def test_a_period_resolved_against_the_story_cannot_rule_out_a_conflict():
    """221 killed on 12 September (article of 1 November) and 286 killed "last month" in an undated report
    of the same story: "last month" resolved against the story's date (October) is an estimate, so the
    two recent claims still disagree, and the description names no period it cannot vouch for."""
    undated = article(23, "undated report " * 5, None, "Outlet D")
    articles = articles_frame(FIRST, undated).assign(story_id=["a", "a"])
    mentions = [
        quantity(
            FIRST["article_id"],
            221,
            "killed",
            "people",
            dt.date(2022, 9, 12),
            "day",
            date_text="12 September",
        ),
        quantity(
            undated["article_id"],
            286,
            "killed",
            "people",
            dt.date(2022, 10, 1),
            "month",
            date_text="Last month",
            date_note="inferred from the story's date 2022-11-01: the article states no date",
        ),
    ]
    result = build_facts(to_frame("mentions", mentions), articles, CONFIG, REFERENCE)
    assert sorted(result.conflicts["value"]) == [221.0, 286.0]
    assert "2022-10" not in result.conflicts["description"].iloc[0]
    stated = [mentions[0], {**mentions[1], "date_note": None}]
    assert build_facts(to_frame("mentions", stated), articles, CONFIG, REFERENCE).conflicts.empty
