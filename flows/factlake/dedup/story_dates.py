"""Dates inferred from a story for articles that state none, and their relative dates resolved against them.

An article without a publication date ("on Monday", "last month") cannot resolve its relative dates when
it is extracted. Once it belongs to a story (:mod:`factlake.dedup.story_table`), the story's dated
articles bound when it was published: reports of one story are published within days of each other
(``config.story_max_date_gap_days``). So an undated article gets

- ``inferred_date`` and ``inferred_date_last``: the earliest and latest publication date of its story's
  dated articles (equal when they share one date), unless its own dated events contradict them, with
  ``inferred_date_source = 'story'``; ``published_date`` stays null, so nothing downstream mistakes the
  inference for a stated date;
- on its mentions whose date expression needs a publication date, the date that expression resolves to
  against *both* ends of that range when both agree (a weekday resolves to the same day from any date of
  the week after it), marked in ``date_note`` as inferred from the story; when the ends disagree the
  mention stays unresolved and the note says so.

This runs after story assignment, on every run: extraction (and its cache) holds what the article itself
says, and the inference follows the story, which may change as articles arrive. The clause's verb tense
that extraction used is not kept on mentions, so the expression resolves with no tense (weekdays go back,
days and months take the nearest occurrence: see :func:`factlake.extract.dates.resolve_date`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from factlake.extract.dates import ResolvedDate, resolve_date

#: ``inferred_date_source`` of a date taken from the article's story.
STORY = "story"

#: How every ``date_note`` of a date resolved against the story begins.
INFERRED_NOTE = "inferred from the story"


def is_inferred(date_note: object) -> bool:
    """Whether a mention's ``date_note`` says its date was resolved against its story's dates."""
    return isinstance(date_note, str) and date_note.startswith(INFERRED_NOTE)


def with_inferred_dates(articles: pd.DataFrame, mentions: pd.DataFrame, max_gap_days: int) -> pd.DataFrame:
    """Copy of ``articles`` (with ``story_id``) with ``inferred_date``, ``inferred_date_last`` and
    ``inferred_date_source`` filled for undated articles whose story has dated articles.

    No date is inferred for an article whose own events contradict its story's dates: an event the
    article dates by itself (in an undated article every resolved date is absolute, "in November 2022")
    more than ``max_gap_days`` after the story's last publication date shows that the article was written
    later than the story's reports, so it belongs to a later event that story clustering could not tell
    apart; the dates stay null rather than wrong.

    Args:
        articles: The ``articles`` frame after story assignment.
        mentions: The ``mentions`` frame as extracted (its event dates are the article's own).
        max_gap_days: ``config.story_max_date_gap_days``.
    """
    result = articles.copy()
    # Only the stories and the events of undated articles matter (few in news): the rest is left out
    # before grouping, which on dates held as objects runs row by row.
    missing = result["published_date"].isna()
    stories_of_undated = result.loc[missing, "story_id"].dropna().unique()
    dated = result[~missing & result["story_id"].isin(stories_of_undated)]
    dates_by_story = dated.groupby("story_id")["published_date"]
    first = result["story_id"].map(dates_by_story.min())
    last = result["story_id"].map(dates_by_story.max())
    events = mentions[
        (mentions["fact_type"] == "event")
        & mentions["event_date"].notna()
        & mentions["article_id"].isin(result.loc[missing, "article_id"])
    ]
    latest_event = result["article_id"].map(events.groupby("article_id")["event_date"].max())
    gap = dt.timedelta(days=max_gap_days)
    contradicted = [
        isinstance(event, dt.date) and isinstance(end, dt.date) and event > end + gap
        for event, end in zip(latest_event, last, strict=True)
    ]
    undated = result["published_date"].isna() & first.notna() & ~pd.Series(contradicted, index=result.index)
    empty = pd.Series([None] * len(result), index=result.index, dtype=object)
    result["inferred_date"] = empty.mask(undated, first)
    result["inferred_date_last"] = empty.mask(undated, last)
    result["inferred_date_source"] = empty.mask(undated, STORY)
    for column in ("inferred_date", "inferred_date_last", "inferred_date_source"):
        result[column] = result[column].astype(object).where(result[column].notna(), None)
    return result


def resolve_against_story(expression: str, first: dt.date, last: dt.date) -> tuple[ResolvedDate, str] | None:
    """``expression`` resolved against a story's date range, and the note saying so.

    Returns:
        None when the expression needs no publication date (it resolves on its own) or does not resolve
        against the story's dates either: extraction's result stands. Else the resolution (unresolved when
        the two ends of the range disagree) and its note.
    """
    if resolve_date(expression, None).resolved:
        return None
    from_first, from_last = resolve_date(expression, first), resolve_date(expression, last)
    if not from_first.resolved and not from_last.resolved:
        return None
    story_dates = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
    if (from_first.value, from_first.precision) != (from_last.value, from_last.precision):
        note = (
            f"{INFERRED_NOTE}: '{expression}' is {from_first.formatted() or 'unresolved'} against "
            f"{first.isoformat()} but {from_last.formatted() or 'unresolved'} against {last.isoformat()}"
        )
        return ResolvedDate(None, None, note), note
    return from_first, f"{INFERRED_NOTE}'s date {story_dates}: the article states no date"


def resolve_inferred_dates(mentions: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``mentions`` whose unresolved relative dates in undated articles resolve against the story.

    Args:
        mentions: The ``mentions`` frame as extracted.
        articles: The ``articles`` frame after :func:`with_inferred_dates`.
    """
    result = mentions.copy()
    inferred = articles[articles["inferred_date"].notna()]
    ends = zip(inferred["inferred_date"], inferred["inferred_date_last"], strict=True)
    ranges = dict(zip(inferred["article_id"], ends, strict=True))
    candidates = result["article_id"].isin(ranges.keys()) & result["event_date"].isna()
    candidates &= result["date_text"].notna()
    for index in result.index[candidates]:
        first, last = ranges[result.at[index, "article_id"]]
        outcome = resolve_against_story(result.at[index, "date_text"], first, last)
        if outcome is None:
            continue
        resolved, note = outcome
        result.at[index, "event_date"] = resolved.value
        result.at[index, "date_precision"] = resolved.precision
        result.at[index, "date_note"] = note
    return result
