"""Dates inferred from the story for articles that state none (issue #13, item 6).

Hand-built articles and mentions run through :mod:`factlake.dedup.story_dates` as the flow does after
story assignment.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from factlake.dedup.story_dates import resolve_against_story, resolve_inferred_dates, with_inferred_dates
from factlake.dedup.story_table import mark_articles
from factlake.records import new_record, stable_id, to_frame
from tests.test_stories import CONFIG, QUAKE_A, QUAKE_B, article

#: Tuesday: "on Monday" is the day before.
TUESDAY = dt.date(2022, 11, 1)
UNDATED_REPORT = (
    "Rescuers in Yunnan said on Monday the earthquake near Ludian killed 398 people. Governor Li Jiheng "
    "said the magnitude 6.1 earthquake destroyed collapsed houses around Ludian."
)


def mention(article_id: str, number: int, date_text: str | None, event_date: dt.date | None = None) -> dict:
    return new_record(
        "mentions",
        mention_id=stable_id("mention", number),
        article_id=article_id,
        fact_id=None,
        fact_type="event",
        text="x",
        char_start=0,
        char_end=1,
        sentence="x",
        event_date=event_date,
        date_precision="day" if event_date else None,
        date_text=date_text,
        date_note=None if event_date or date_text is None else "no publication date to resolve it against",
        confidence=0.5,
        extractor="events/1.0",
    )


def marked_corpus() -> pd.DataFrame:
    rows = [article(0, QUAKE_A[0], TUESDAY), article(1, QUAKE_A[1], TUESDAY), article(2, UNDATED_REPORT)]
    rows += [article(3 + index, body) for index, body in enumerate(QUAKE_B)]
    return mark_articles(to_frame("articles", rows), None, 1, CONFIG)


def test_an_undated_article_gets_its_storys_date_and_its_monday_resolves_against_it():
    articles = marked_corpus()
    undated_id, other_story_id = stable_id("article", 2), stable_id("article", 3)
    assert articles.set_index("article_id").loc[undated_id, "story_id"] == articles["story_id"].iloc[0]
    mentions = to_frame(
        "mentions",
        [mention(undated_id, 1, "on Monday"), mention(undated_id, 2, "in 2014", dt.date(2014, 1, 1))],
    )
    inferred = with_inferred_dates(articles, mentions, CONFIG.story_max_date_gap_days).set_index("article_id")
    assert inferred.loc[undated_id, "inferred_date"] == TUESDAY
    assert inferred.loc[undated_id, "inferred_date_last"] == TUESDAY
    assert inferred.loc[undated_id, "inferred_date_source"] == "story"
    assert inferred.loc[undated_id, "published_date"] is None
    # The other story has no dated article; dated articles need no inference.
    assert inferred.loc[other_story_id, "inferred_date"] is None
    assert inferred.loc[stable_id("article", 0), "inferred_date_source"] is None

    resolved = resolve_inferred_dates(mentions, inferred.reset_index())
    monday = resolved.iloc[0]
    assert monday["event_date"] == dt.date(2022, 10, 31)
    assert monday["date_precision"] == "day"
    assert "inferred from the story's date 2022-11-01" in monday["date_note"]
    # An absolute date is the article's own: left as extracted.
    assert resolved.iloc[1]["event_date"] == dt.date(2014, 1, 1)
    assert pd.isna(resolved.iloc[1]["date_note"])
    assert mentions.iloc[0]["event_date"] is None  # the extracted frame is not changed


def test_no_date_is_inferred_when_the_articles_own_events_are_later_than_its_story():
    articles = marked_corpus()
    undated_id = stable_id("article", 2)
    later_event = mention(undated_id, 1, "in November 2023", dt.date(2023, 11, 1))
    inferred = with_inferred_dates(articles, to_frame("mentions", [later_event]), 7).set_index("article_id")
    assert inferred.loc[undated_id, "inferred_date"] is None
    assert inferred.loc[undated_id, "inferred_date_source"] is None


def test_a_date_range_resolves_only_what_both_ends_agree_on():
    tuesday, next_tuesday = TUESDAY, TUESDAY + dt.timedelta(days=7)
    same_month, note = resolve_against_story("last month", tuesday, TUESDAY + dt.timedelta(days=2))
    assert (same_month.value, same_month.precision) == (dt.date(2022, 10, 1), "month")
    assert "2022-11-01 to 2022-11-03" in note
    ambiguous, note = resolve_against_story("on Monday", tuesday, next_tuesday)
    assert ambiguous.value is None
    assert "2022-10-31 against 2022-11-01 but 2022-11-07 against 2022-11-08" in note
    assert resolve_against_story("in 2014", tuesday, tuesday) is None
    assert resolve_against_story("that year", tuesday, tuesday) is None
