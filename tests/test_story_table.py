"""Incremental story assignment, stable canonical articles and the stories table (issue #13, items 1 and 5).

Hand-built article frames run through the stage functions the flow calls before fact dedup
(:func:`factlake.dedup.story_table.mark_articles`), version after version, without Prefect.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from factlake.dedup.story_table import (
    build_stories,
    mark_articles,
    previous_assignment,
    with_fact_stories,
)
from factlake.records import stable_id, to_frame
from tests.test_stories import CONFIG, QUAKE_A, QUAKE_B, article

DAY = dt.date(2016, 4, 18)

OTHER_STORIES = [
    "The central bank of Norway kept its key interest rate at 0.5 percent, governor Oystein Olsen said, "
    "citing weak oil prices and a krone that has lost ground against the euro.",
    "Voters in Peru chose between Keiko Fujimori and Pedro Pablo Kuczynski in a runoff that pollsters "
    "called too close to call, with Lima and the southern Andes split.",
    "Astronomers using the Kepler telescope confirmed 1,284 new planets, the largest haul announced at "
    "once, said Timothy Morton of Princeton University.",
    "Striking doctors in England walked out for 48 hours over a new contract that health secretary "
    "Jeremy Hunt said would be imposed from August.",
    "Wildfire near Fort McMurray in Alberta forced 88,000 residents to flee as flames jumped the "
    "Athabasca River, premier Rachel Notley said.",
]
UNRELATED = (
    "Chess grandmaster Magnus Carlsen defended his title in Manhattan against Sergey Karjakin after a "
    "rapid tiebreak that ended with a queen sacrifice."
)
#: A third report of the Pedernales earthquake, published a day before the first two.
QUAKE_B_EARLIER = (
    "Rescuers in Pedernales dug through collapsed hotels as President Rafael Correa said the earthquake "
    "in Ecuador had killed 661 people along the coast."
)


def articles_frame(rows: list[tuple[int, str, dt.date | None]]) -> pd.DataFrame:
    return to_frame("articles", [article(number, body, date) for number, body, date in rows])


def first_corpus() -> list[tuple[int, str, dt.date | None]]:
    bodies = [*QUAKE_A, *QUAKE_B, *OTHER_STORIES]
    return [(number, body, DAY + dt.timedelta(days=1)) for number, body in enumerate(bodies)]


def publish_like(marked: pd.DataFrame, number: int) -> pd.DataFrame:
    """What the next run reads back from the published version ``number``."""
    return previous_assignment(marked[["article_id", "first_version", "story_id"]], number)


def story_of(marked: pd.DataFrame) -> dict[str, str]:
    return dict(zip(marked["article_id"], marked["story_id"], strict=True))


def test_story_ids_of_a_version_survive_new_articles():
    first = mark_articles(articles_frame(first_corpus()), None, 1, CONFIG)
    assert first["story_id"].notna().all()
    quake_a, quake_b = first["story_id"].iloc[0], first["story_id"].iloc[3]
    assert first["story_id"].iloc[:3].eq(quake_a).all() and first["story_id"].iloc[4] == quake_b
    # Same date: the story's first article is the smallest id.
    assert quake_a == stable_id("story", min(first["article_id"].iloc[:3]))

    added = [(20, UNRELATED, DAY + dt.timedelta(days=2)), (21, QUAKE_B_EARLIER, DAY)]
    second = mark_articles(articles_frame(first_corpus() + added), publish_like(first, 1), 2, CONFIG)

    before, after = story_of(first), story_of(second)
    assert {article_id: after[article_id] for article_id in before} == before
    new = second.set_index("article_id")
    # The earlier-published report joins the published story without renaming it (a full clustering
    # would name the story after it, the story's earliest article now).
    assert new.loc[stable_id("article", 21), "story_id"] == quake_b
    assert new.loc[stable_id("article", 20), "story_id"] == stable_id("story", stable_id("article", 20))
    assert new.loc[stable_id("article", 20), "first_version"] == 2
    assert new.loc[stable_id("article", 0), "first_version"] == 1


def test_published_stories_never_merge_but_new_articles_still_cluster():
    one_story_at_a_time = dataclasses.replace(CONFIG, story_similarity_threshold=0.0)
    first = mark_articles(articles_frame(first_corpus()[:3]), None, 1, CONFIG)
    second_rows = [(10 + number, body, DAY) for number, body in enumerate(QUAKE_B)]
    second = mark_articles(
        articles_frame(first_corpus()[:3] + second_rows), publish_like(first, 1), 2, CONFIG
    )
    assert second["story_id"].nunique() == 2
    assert second["story_id"].iloc[3] == second["story_id"].iloc[4]
    # With a threshold that merges everything the two published stories still stay apart.
    third = mark_articles(second, publish_like(second, 2), 3, one_story_at_a_time)
    assert story_of(third) == story_of(second)


def test_a_copy_arriving_later_is_a_duplicate_of_the_published_article():
    original = " ".join(QUAKE_A)
    copy = "Reprinted from the wire: " + original + " Share this story."
    first = mark_articles(articles_frame([(7, original, None)]), None, 1, CONFIG)
    # The copy states a date and has the smaller id: by date and id alone it would be the canonical one.
    rows = [(7, original, None), (1, copy, DAY)]
    assert stable_id("article", 1) < stable_id("article", 7)
    second = mark_articles(articles_frame(rows), publish_like(first, 1), 2, CONFIG).set_index("article_id")
    copy_row, original_row = second.loc[stable_id("article", 1)], second.loc[stable_id("article", 7)]
    assert pd.isna(original_row["duplicate_of"])
    assert copy_row["duplicate_of"] == stable_id("article", 7)
    assert copy_row["duplicate_kind"] == "near"
    assert 0.7 <= copy_row["duplicate_similarity"] < 1.0
    assert copy_row["story_id"] == original_row["story_id"] == first["story_id"].iloc[0]


def test_stories_table_and_fact_stories():
    marked = mark_articles(articles_frame(first_corpus()), None, 1, CONFIG)
    ids = marked["article_id"].tolist()
    entity_mentions = pd.DataFrame(
        {"article_id": [ids[0], ids[0], ids[1], ids[3]], "name": ["Ludian", "Li Jiheng", "Ludian", "Ecuador"]}
    )
    stories = build_stories(marked, entity_mentions).set_index("story_id")
    quake_a = stories.loc[marked["story_id"].iloc[0]]
    assert quake_a["n_articles"] == 3 and quake_a["n_copies"] == 0
    assert quake_a["top_entities"] == ["Ludian", "Li Jiheng"]
    assert quake_a["label"] == "x"
    assert quake_a["first_published"] == quake_a["last_published"] == DAY + dt.timedelta(days=1)
    assert len(stories) == marked["story_id"].nunique()

    mentions = pd.DataFrame({"fact_id": ["f1", "f1", "f2"], "article_id": [ids[0], ids[1], ids[3]]})
    mentions.loc[len(mentions)] = {"fact_id": "f2", "article_id": ids[0]}
    facts = pd.DataFrame({"fact_id": ["f1", "f2"], "story_id": [None, None]})
    with_stories = with_fact_stories(facts, mentions, marked)
    assert with_stories["story_id"].tolist() == [marked["story_id"].iloc[0], None]


def test_the_stability_measure_counts_no_churn_and_the_added_article_that_joins_a_story():
    from evaluation.stories import stability_row, story_id_churn

    articles = articles_frame(first_corpus())
    # Every third article is held back: the third Ludian report (joins its story) and two unrelated ones.
    churn = story_id_churn(articles, CONFIG, step=3)
    assert churn == {"old": 7, "changed": 0, "new": 3, "joined": 1}
    row = stability_row("corpus", articles, CONFIG)
    assert (row.metric, row.value, row.support) == ("story_id_churn", 0.0, len(articles) - 1)
