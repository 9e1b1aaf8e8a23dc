"""Numeric claims: values, qualifiers, units, measures, exclusions and the offsets contract."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation import EvaluationContext
from evaluation.quantities import evaluate_seeds
from factlake.config import FactlakeConfig
from factlake.extract import ArticleContext, quantities
from factlake.records import stable_id, to_frame
from schemas.tables import Mentions

CONFIG = FactlakeConfig()
ARTICLE_ID = "0123456789abcdef"


@pytest.fixture(scope="module")
def claims(nlp, reference):
    def run(body: str, published: dt.date | None = None) -> list[dict]:
        context = ArticleContext(ARTICLE_ID, body, published, nlp(body))
        return quantities.extract(context, CONFIG.extract, reference)

    return run


def only(records: list[dict]) -> dict:
    assert len(records) == 1, [record["text"] for record in records]
    return records[0]


@pytest.mark.parametrize(
    ("body", "value", "unit", "measure"),
    [
        ("The company earned 13.5 billion dlrs last year.", 1.35e10, "USD", "money"),
        ("The deal is worth £600m to the club.", 6e8, "GBP", "money"),
        ("Shares worth $1.13bn changed hands.", 1.13e9, "USD", "money"),
        ("Turnout reached 76% in the capital.", 76, "percent", "percent"),
        ("Output rose five pct in March.", 5, "percent", "percent"),
        ("The bank sold 31 mln shares.", 3.1e7, "shares", "shares"),
        ("Russia deployed 2,000 peacekeepers to the region.", 2000, "peacekeepers", "personnel"),
        ("Forces have occupied ten square kilometers of territory.", 10, "square kilometers", "area"),
        ("He is ready to extend the mission by two decades.", 2, "decades", "duration"),
        ("The 44-day war ended with a ceasefire.", 44, "days", "duration"),
        ("The violence has led to 221 deaths.", 221, "deaths", "killed"),
    ],
)
def test_values_units_and_measures(claims, body, value, unit, measure):
    claim = only(claims(body))
    assert claim["value"] == pytest.approx(value)
    assert (claim["unit"], claim["measure"]) == (unit, measure)


@pytest.mark.parametrize(
    ("body", "qualifier", "low", "high"),
    [
        ("A war claimed the lives of more than 6,500 soldiers.", "more_than", 6500, None),
        ("Forces occupied up to ten square kilometers.", "up_to", None, 10),
        ("The mine tragedy took the lives of at least 52 people.", "at_least", 52, None),
        ("The conflict claimed an estimated 30,000 lives.", "estimated", 30000, 30000),
        ("Police said about 500 people gathered.", "about", 450, 550),
        ("Fewer than 40 people voted.", "less_than", None, 40),
        ("Exactly 286 people were killed in the clashes.", "exact", 286, 286),
    ],
)
def test_qualifiers_become_bounds(claims, body, qualifier, low, high):
    claim = only(claims(body))
    assert claim["qualifier"] == qualifier
    assert claim["value_low"] == (pytest.approx(low) if low is not None else None)
    assert claim["value_high"] == (pytest.approx(high) if high is not None else None)


@pytest.mark.parametrize(
    ("body", "measure"),
    [
        ("Last month, 286 people on both sides were killed in clashes.", "killed"),
        ("The tragedy took the lives of at least 52 people.", "killed"),
        ("One soldier died and 32 went missing.", "missing"),
        ("Three soldiers were reportedly wounded in the attack.", "wounded"),
        ("Russia sent thousands of peacekeepers to monitor the situation.", "personnel"),
        ("Over 53,000 refugees have returned to their homes.", "displaced"),
    ],
)
def test_measure_from_governing_words(claims, body, measure):
    assert claims(body)[-1]["measure"] == measure


def test_vague_amount_has_lower_bound_and_low_confidence(claims):
    claim = only(claims("The war caused thousands of civilian deaths."))
    assert claim["value"] is None
    assert (claim["qualifier"], claim["value_low"], claim["value_high"]) == ("at_least", 1000, None)
    assert (claim["unit"], claim["measure"]) == ("deaths", "killed")
    assert claim["confidence"] < 0.5


def test_elliptical_numbers_inherit_the_unit(claims):
    records = claims("Violence led to an estimated 221 deaths, with 150 from Armenia and 71 from Azerbaijan.")
    assert [(record["value"], record["unit"]) for record in records] == [
        (221, "deaths"),
        (150, "deaths"),
        (71, "deaths"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "They have fought since their independence in 1991.",
        "The latest round of violence erupted on 12 September.",
        "The ceasefire was signed on November 10.",
        "The countries celebrate the 30th anniversary of their relations.",
        "Putin was the first to speak.",
        "The meeting started at 19:25 local time.",
        "The two countries agreed to talk.",
        "Both sides accused one another of shelling.",
        "The G7 and Apollo 11 are names, as is UN Resolution 242.",
    ],
)
def test_not_numeric_claims(claims, body):
    assert claims(body) == []


def test_claim_date_from_the_sentence(claims):
    claim = only(claims("Last month, 286 people on both sides were killed.", dt.date(2022, 11, 1)))
    assert (claim["event_date"], claim["date_precision"], claim["date_text"]) == (
        dt.date(2022, 10, 1),
        "month",
        "Last month",
    )
    undated = only(claims("Last month, 286 people on both sides were killed."))
    assert undated["event_date"] is None
    assert undated["date_note"] == "no publication date to resolve 'Last month' against"
    assert undated["date_text"] == "Last month"  # kept, so deduplication knows the claim is recent


def test_claim_takes_the_year_of_an_earlier_date_of_its_paragraph(claims):
    body = (
        "The Karabakh conflict escalated into full-scale war in 2020. Tensions remained following the "
        "military conflict, resulting in more than 6,500 people being killed.\n\n"
        "Officials said 40 people were hurt."
    )
    war, other = claims(body, dt.date(2021, 11, 26))
    assert (war["value"], war["event_date"], war["date_precision"]) == (6500, dt.date(2020, 1, 1), "year")
    assert war["date_note"] == quantities.PARAGRAPH_YEAR_NOTE
    assert other["event_date"] is None  # another paragraph: no year borrowed


def test_claim_keeps_its_own_unresolved_date_rather_than_the_paragraph_year(claims):
    body = "The war ended in 2020. Last month, 286 people on both sides were killed."
    claim = only(claims(body))
    assert claim["event_date"] is None and claim["date_text"] == "Last month"


def test_anaphoric_year_takes_the_year_named_before(claims):
    body = (
        "The region remained under Armenian control till 2020.\n\n"
        "In September of that year, Azerbaijan launched an offensive. The conflict resulted in over 6,000 "
        "military casualties."
    )
    claim = only(claims(body, dt.date(2022, 11, 1)))
    assert (claim["event_date"], claim["date_precision"]) == (dt.date(2020, 1, 1), "year")
    assert claim["date_note"] == quantities.PARAGRAPH_YEAR_NOTE


def test_offsets_ids_and_contract(claims):
    body = "Yerevan said up to ten square kilometers were lost. Over 6,000 soldiers and 76% of voters agreed."
    records = claims(body)
    assert len(records) == 3
    for record in records:
        assert body[record["char_start"] : record["char_end"]] == record["text"]
        assert record["mention_id"] == stable_id(
            ARTICLE_ID, "quantity", record["char_start"], record["char_end"]
        )
        assert record["extractor"] == "quantities/2.0"
        assert record["fact_type"] == "quantity" and record["fact_id"] is None
    assert [record["text"] for record in records] == [
        "up to ten square kilometers",
        "Over 6,000 soldiers",
        "76%",
    ]
    frame = to_frame("mentions", records)
    frame["fact_id"] = "f" * 16  # assigned by deduplication later
    Mentions.validate(frame)


def test_deterministic(claims):
    body = "More than 6,500 people were killed; 2,000 peacekeepers were sent."
    assert claims(body) == claims(body)


def test_seed_gold_meets_targets(nlp, reference):
    context = EvaluationContext(CONFIG, reference, nlp)
    figures = {(row.task, row.metric): row.value for row in evaluate_seeds(context)}
    assert figures[("quantities", "recall")] >= 0.85
    assert figures[("quantities", "precision")] >= 0.85
    assert figures[("quantities", "measure accuracy")] >= 0.85
    assert figures[("events", "recall")] >= 0.6
    assert figures[("events", "precision")] >= 0.6
