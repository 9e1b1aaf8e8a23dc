"""Periods and date precision of dated facts, and how recent an undated claim is.

A dated mention refers to a calendar *period*: a day, a month or a year, as first and last day ordinals.
Calendar periods are either nested or disjoint, which every comparison here relies on. A claim is *recent*
when it is about the weeks before its article's publication (see :func:`claim_is_recent`); undated numbers
can only conflict that way (:mod:`factlake.dedup.conflicts`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from factlake.extract.dates import PAST, resolve_date

#: Placeholder period of quantities and events without a date.
UNKNOWN_PERIOD = "unknown"

# --------------------------------------------------------------------------------------------- recency

#: Weeks are no supported date precision, but "this week" is as recent as a claim gets.
_RECENT_WEEK = re.compile(r"\b(?:this|last|past|previous)\s+week\b", re.IGNORECASE)
_WEEK_REACH_DAYS = 13
#: Publication dates a relative expression is tried against to learn how far back it can reach: every day
#: of a common year (so every weekday and every month length is tried).
_REACH_ANCHORS = tuple(dt.date(2002, 1, 1) - dt.timedelta(days=days) for days in range(1, 366))


@functools.lru_cache(maxsize=4096)
def relative_reach_days(expression: str) -> int | None:
    """Most days a past relative date expression can reach back before publication, or None.

    None for absolute expressions ("in 2020", "November 10, 2020": they need no publication date), for
    expressions pointing forward and for anything that is no date. "last month" gives 61, "on Monday" 6.
    """
    if resolve_date(expression, None).value is not None:
        return None
    if _RECENT_WEEK.search(expression):
        return _WEEK_REACH_DAYS
    reach = 0
    for anchor in _REACH_ANCHORS:
        resolved = resolve_date(expression, anchor, PAST)
        if resolved.value is None or resolved.value > anchor:
            return None
        reach = max(reach, (anchor - resolved.value).days)
    return reach


def claim_is_recent(
    date: object, precision: object, date_text: object, published: object, window_days: int
) -> bool:
    """True when a numeric claim is about the recent past of its article (see the module docstring).

    A resolved claim is recent when its period (a day or a month) starts at most ``window_days`` before
    the article's publication; an unresolved one, or one in an article without a publication date (its
    date then resolved against the story's), when its date expression is relative and cannot reach
    further back than that, whatever the publication date.
    """
    if isinstance(date, dt.date) and precision == "year":
        return False
    if isinstance(date, dt.date) and isinstance(published, dt.date):
        return 0 <= published.toordinal() - date.toordinal() <= window_days
    if not isinstance(date_text, str) or not date_text.strip():
        return False
    reach = relative_reach_days(date_text)
    return reach is not None and reach <= window_days


# --------------------------------------------------------------------------------------------- periods


def period_of(date: object, precision: object) -> tuple[int, int, str] | None:
    """The days (first and last ordinal) and label a dated mention refers to; None when undated.

    A date without a precision is taken as a day.
    """
    if not isinstance(date, dt.date):
        return None
    if precision == "year":
        return (
            dt.date(date.year, 1, 1).toordinal(),
            dt.date(date.year, 12, 31).toordinal(),
            f"{date.year:04d}",
        )
    if precision == "month":
        first = dt.date(date.year, date.month, 1)
        following = dt.date(date.year + date.month // 12, date.month % 12 + 1, 1)
        return first.toordinal(), following.toordinal() - 1, f"{date.year:04d}-{date.month:02d}"
    return date.toordinal(), date.toordinal(), date.isoformat()


def narrower_period(first: tuple[int, int], second: tuple[int, int]) -> tuple[int, int] | None:
    """The narrower of two nested periods, or None when they do not overlap (different periods).

    Periods of a calendar (day, month, year) are either nested or disjoint, so overlap means nesting.
    """
    if first[1] < second[0] or second[1] < first[0]:
        return None
    return first if first[1] - first[0] <= second[1] - second[0] else second


def period_label(bounds: tuple[int, int]) -> str:
    """How a calendar period given by its bounds is written: ``2022-09-12``, ``2022-09`` or ``2022``."""
    first, last = dt.date.fromordinal(bounds[0]), dt.date.fromordinal(bounds[1])
    if first == last:
        return first.isoformat()
    if first.month == last.month:
        return f"{first.year:04d}-{first.month:02d}"
    return f"{first.year:04d}"


def period_precision(bounds: tuple[int, int]) -> str:
    """``day``, ``month`` or ``year``: the precision of a calendar period given by its bounds."""
    span = bounds[1] - bounds[0]
    return "day" if span == 0 else ("month" if span < 31 else "year")


@functools.lru_cache(maxsize=65536)
def enclosing_periods(period: tuple[int, int] | None) -> tuple[tuple[int, int] | None, ...]:
    """The period itself and the calendar month and year that contain it (only itself when undated)."""
    if period is None:
        return (None,)
    first = dt.date.fromordinal(period[0])
    month_start = dt.date(first.year, first.month, 1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    month = (month_start.toordinal(), following.toordinal() - 1)
    year = (dt.date(first.year, 1, 1).toordinal(), dt.date(first.year, 12, 31).toordinal())
    return tuple(dict.fromkeys([period, month, year]))
