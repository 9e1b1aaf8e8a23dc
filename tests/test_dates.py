"""Date resolution: relative and partial expressions against the publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation import DEFAULT_CORPORA_DIR
from evaluation.dates import score_corpus
from factlake.extract.dates import ResolvedDate, find_date_expressions, is_duration, resolve_date

TUESDAY = dt.date(2022, 11, 1)
NOV_26_2021 = dt.date(2021, 11, 26)


@pytest.mark.parametrize(
    ("expression", "published", "value", "precision"),
    [
        ("on Monday", TUESDAY, dt.date(2022, 10, 31), "day"),
        ("Monday's", TUESDAY, dt.date(2022, 10, 31), "day"),
        ("on Tuesday", TUESDAY, dt.date(2022, 11, 1), "day"),
        ("last Tuesday", TUESDAY, dt.date(2022, 10, 25), "day"),
        ("next Monday", TUESDAY, dt.date(2022, 11, 7), "day"),
        ("last month", TUESDAY, dt.date(2022, 10, 1), "month"),
        ("this month", TUESDAY, dt.date(2022, 11, 1), "month"),
        ("this year", TUESDAY, dt.date(2022, 1, 1), "year"),
        ("last year", TUESDAY, dt.date(2021, 1, 1), "year"),
        ("12 September", TUESDAY, dt.date(2022, 9, 12), "day"),
        ("Nov 16", NOV_26_2021, dt.date(2021, 11, 16), "day"),
        ("Nov. 16", NOV_26_2021, dt.date(2021, 11, 16), "day"),
        ("September", TUESDAY, dt.date(2022, 9, 1), "month"),
        ("today", TUESDAY, TUESDAY, "day"),
        ("yesterday", TUESDAY, dt.date(2022, 10, 31), "day"),
        ("two years ago", TUESDAY, dt.date(2020, 1, 1), "year"),
        ("three days ago", TUESDAY, dt.date(2022, 10, 29), "day"),
        ("January this year", TUESDAY, dt.date(2022, 1, 1), "month"),
        ("November 10, 2020", TUESDAY, dt.date(2020, 11, 10), "day"),
        ("in 2020", TUESDAY, dt.date(2020, 1, 1), "year"),
        ("in November 2022", None, dt.date(2022, 11, 1), "month"),
        ("November 10, 2020", None, dt.date(2020, 11, 10), "day"),
        ("the fall of 2020", None, dt.date(2020, 1, 1), "year"),
        ("1998-08-11", None, dt.date(1998, 8, 11), "day"),
    ],
)
def test_resolves(expression, published, value, precision):
    assert resolve_date(expression, published) == ResolvedDate(value, precision, None)


def test_bare_day_after_publication_goes_back_a_year_in_past_tense():
    # "Dec 20" written on 2021-11-26 about something that happened: the December before.
    assert resolve_date("Dec 20", NOV_26_2021, "past").value == dt.date(2020, 12, 20)
    assert resolve_date("Dec 20", NOV_26_2021, "future").value == dt.date(2021, 12, 20)
    assert resolve_date("on Friday", TUESDAY, "future").value == dt.date(2022, 11, 4)


def test_nearest_occurrence_without_tense():
    assert resolve_date("December", NOV_26_2021).value == dt.date(2021, 12, 1)
    assert resolve_date("April", dt.date(1989, 10, 26)).value == dt.date(1989, 4, 1)


@pytest.mark.parametrize("expression", ["on Monday", "last month", "12 September", "today", "two years ago"])
def test_relative_without_publication_date_stays_unresolved(expression):
    resolved = resolve_date(expression, None)
    assert resolved.value is None and resolved.precision is None
    assert resolved.note == f"no publication date to resolve '{expression}' against"


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("two decades", "duration"),
        ("44-day", "duration"),
        ("four days later", "another event"),
        ("September of that year", "named earlier"),
        ("the 1990s", "decade"),
        ("this week", "week"),
        ("now", "present"),
    ],
)
def test_unresolvable_expressions_say_why(expression, reason):
    resolved = resolve_date(expression, TUESDAY)
    assert resolved.value is None
    assert reason in resolved.note


def test_is_duration():
    assert is_duration("two decades") and is_duration("six-week")
    assert not is_duration("two years ago") and not is_duration("on Monday")


def test_formatted_at_precision():
    assert resolve_date("last month", TUESDAY).formatted() == "2022-10"
    assert resolve_date("this year", TUESDAY).formatted() == "2022"
    assert resolve_date("on Monday", TUESDAY).formatted() == "2022-10-31"


def test_find_date_expressions_offsets_and_tense(nlp):
    body = "Putin met Aliyev on Monday. They will meet again next month in Sochi."
    expressions = find_date_expressions(nlp(body))
    assert [expression.text for expression in expressions] == ["Monday", "next month"]
    for expression in expressions:
        assert body[expression.char_start : expression.char_end] == expression.text
    assert [expression.tense for expression in expressions] == ["past", "future"]


@pytest.mark.skipif(not (DEFAULT_CORPORA_DIR / "timebank.jsonl").exists(), reason="corpora not available")
def test_timebank_relative_accuracy(nlp):
    counts = score_corpus(DEFAULT_CORPORA_DIR / "timebank.jsonl", nlp, limit=40)
    assert counts["relative"] > 50
    assert counts["relative_correct"] / counts["relative"] >= 0.75


@pytest.mark.parametrize(
    "published",
    [dt.date(1, 1, 1), dt.date(1, 1, 31), dt.date(9999, 12, 31), dt.date(9999, 1, 1), dt.date(9998, 12, 31)],
)
@pytest.mark.parametrize(
    "expression",
    ["last month", "tomorrow", "yesterday", "next year", "last year", "two years ago", "next Monday",
     "on Monday", "three months ago", "12 September", "in December", "next month", "1,000 years ago",
     "the day after tomorrow", "in two weeks"],
)  # fmt: skip
def test_sentinel_publication_dates_never_raise(expression: str, published: dt.date) -> None:
    resolved = resolve_date(expression, published)
    if resolved.value is not None:
        assert dt.date(1, 1, 1) <= resolved.value <= dt.date(9998, 12, 31)
    else:
        assert resolved.note
