"""Deduplication and statements of numeric claims with ranges and normalized units."""

from __future__ import annotations

import datetime as dt

from factlake.dedup import build_facts
from factlake.dedup.values import quantity_statement
from factlake.records import to_frame
from tests.test_dedup import CONFIG, ID, REFERENCE, SEED_ARTICLES, one_story, quantity

SEPTEMBER = dt.date(2022, 9, 1)


def toll(
    article: int, value: float, low: float | None = None, high: float | None = None, start: int = 0
) -> dict:
    bounds = {"value_low": low, "value_high": high, "qualifier": "range"} if low is not None else {}
    return quantity(ID[article], value, "killed", "people", SEPTEMBER, "month", start=start, **bounds)


def test_a_point_inside_a_stated_range_corroborates_it():
    # "100 to 300 people were killed" and "280 people were killed": 280/100 is out of the value ratio, but
    # the point lies in the stated range.
    mentions = [toll(0, 100, 100, 300), toll(1, 280, start=40)]
    result = build_facts(to_frame("mentions", mentions), one_story(*SEED_ARTICLES), CONFIG, REFERENCE)
    assert result.mentions["fact_id"].nunique() == 1
    assert result.conflicts.empty


def test_disjoint_stated_ranges_conflict():
    mentions = [toll(0, 100, 100, 150), toll(1, 300, 300, 400, start=40)]
    result = build_facts(to_frame("mentions", mentions), one_story(*SEED_ARTICLES), CONFIG, REFERENCE)
    assert result.mentions["fact_id"].nunique() == 2
    assert result.conflicts["conflict_id"].nunique() == 1


def test_dimensions_are_compared_by_their_normalized_unit():
    # "5 kg" and "5 kilos" of one story are one claim; so are "60GB" and "60 gigabytes".
    mentions = [
        quantity(ID[0], 5, "weight", "kg", None, unit_normalized="kilogram"),
        quantity(ID[1], 5, "weight", "kilos", None, start=40, unit_normalized="kilogram"),
        quantity(ID[0], 60, "data", "gb", None, start=80, unit_normalized="gigabyte"),
        quantity(ID[1], 60, "data", "gigabytes", None, start=120, unit_normalized="gigabyte"),
    ]
    result = build_facts(to_frame("mentions", mentions), one_story(*SEED_ARTICLES), CONFIG, REFERENCE)
    assert result.mentions["fact_id"].nunique() == 2


def test_statements_read_as_a_person_writes_them():
    day = dt.date(2022, 9, 12).toordinal()
    year = (dt.date(2020, 1, 1).toordinal(), dt.date(2020, 12, 31).toordinal())
    nan = float("nan")
    cases = [
        ({"value": 221.0, "qualifier": "estimated", "unit": "deaths", "measure": "killed"}, (day, day)),
        ({"value": 1.0, "qualifier": "exact", "unit": "soldiers", "measure": "killed"}, None),
        (
            {
                "value": nan,
                "qualifier": "at_least",
                "unit": "peacekeepers",
                "measure": "personnel",
                "value_low": 1000.0,
            },
            year,
        ),
        (
            {
                "value": 3.2e6,
                "qualifier": "range",
                "unit": "tonnes",
                "measure": "weight",
                "value_low": 3.2e6,
                "value_high": 3.5e6,
            },
            None,
        ),
        ({"value": 8e6, "qualifier": "more_than", "unit": "USD", "measure": "money"}, None),
        ({"value": 76.0, "qualifier": "exact", "unit": "percent", "measure": "percent"}, None),
        ({"value": 32.0, "qualifier": "exact", "unit": None, "measure": "missing"}, None),
    ]
    assert [quantity_statement(fact, period) for fact, period in cases] == [
        "an estimated 221 people killed (12 Sep 2022)",
        "1 soldier killed",
        "thousands of peacekeepers (2020)",
        "3.2 million to 3.5 million tonnes",
        "more than $8 million",
        "76%",
        "32 people missing",
    ]


def test_fact_statements_of_a_build_have_no_question_marks():
    mentions = [
        quantity(ID[0], 221, "killed", "deaths", dt.date(2022, 9, 12), "day", qualifier="estimated"),
        quantity(
            ID[0],
            float("nan"),
            "personnel",
            "peacekeepers",
            None,
            start=40,
            qualifier="at_least",
            value_low=1000.0,
        ),
    ]
    facts = build_facts(to_frame("mentions", mentions), one_story(*SEED_ARTICLES), CONFIG, REFERENCE).facts
    assert sorted(facts["statement"]) == [
        "an estimated 221 people killed (12 Sep 2022)",
        "thousands of peacekeepers",
    ]


def test_money_conflicts_only_in_one_currency():
    """Two outlets' September budgets of one story: 5 million "dlrs" and 9 million "$" disagree (both USD);
    9 million euros is another figure, not a contradiction of 5 million dollars."""

    def budget(article: int, value: float, unit: str, normalized: str, start: int = 0) -> dict:
        return quantity(
            ID[article], value, "money", unit, SEPTEMBER, "month", start=start, unit_normalized=normalized
        )

    dollars = [budget(0, 5e6, "dlrs", "USD"), budget(1, 9e6, "$", "USD", start=40)]
    result = build_facts(to_frame("mentions", dollars), one_story(*SEED_ARTICLES), CONFIG, REFERENCE)
    assert result.conflicts["conflict_id"].nunique() == 1
    assert set(result.facts["unit_normalized"]) == {"USD"}
    euros = [dollars[0], budget(1, 9e6, "euros", "EUR", start=40)]
    result = build_facts(to_frame("mentions", euros), one_story(*SEED_ARTICLES), CONFIG, REFERENCE)
    assert result.conflicts.empty
