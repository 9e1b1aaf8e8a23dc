"""Each class of numeric claim on real news sentences (Reuters-21578, BBC News, AllSides, MEANTIME).

None of these sentences is in the numbers gold (``tests/gold/numbers.jsonl``): they come from the separate
dev sample and from the corpora's other articles.
"""

from __future__ import annotations

import pytest

from factlake.config import FactlakeConfig
from factlake.extract import ArticleContext, quantities

CONFIG = FactlakeConfig()
ARTICLE_ID = "0123456789abcdef"


@pytest.fixture(scope="module")
def claims(nlp, reference):
    def run(body: str) -> list[dict]:
        records = quantities.extract(
            ArticleContext(ARTICLE_ID, body, None, nlp(body)), CONFIG.extract, reference
        )
        for record in records:
            assert record["text"] == body[record["char_start"] : record["char_end"]]
        return records

    return run


def claim_with(records: list[dict], text: str) -> dict:
    matching = [record for record in records if record["text"] == text]
    assert len(matching) == 1, [record["text"] for record in records]
    return matching[0]


def check(record: dict, value, low, high, unit_normalized, measure) -> None:
    assert record["value"] == pytest.approx(value)
    assert (record["value_low"], record["value_high"]) == (pytest.approx(low), pytest.approx(high))
    assert (record["unit_normalized"], record["measure"]) == (unit_normalized, measure)


# (sentence, claim text, value, low, high, unit_normalized, measure)
RANGES = [
    (
        "For the past year, the dollar in the parallel market is being sold at 25 to 100 pct above the "
        "official rate.",
        "25 to 100 pct",
        25,
        25,
        100,
        "percent",
        "percent",
    ),
    (
        "Hemminghaus said 65 to 75 pct of the new company's earnings will come from wholesale refining.",
        "65 to 75 pct",
        65,
        65,
        75,
        "percent",
        "percent",
    ),
    (
        "Drug stocks showed gains of around 1/8 to 1/4 dlr as seen in Merck.",
        "around 1/8 to 1/4 dlr",
        0.125,
        0.125,
        0.25,
        "USD",
        "money",
    ),
    (
        "The company expects to cut 25,000 to 30,000 positions by 2010.",
        "25,000 to 30,000 positions",
        25000,
        25000,
        30000,
        "position",
        "count",
    ),
]


@pytest.mark.parametrize(("body", "text", "value", "low", "high", "unit", "measure"), RANGES)
def test_ranges_are_one_claim_with_stated_bounds(claims, body, text, value, low, high, unit, measure):
    record = claim_with(claims(body), text)
    assert record["qualifier"] == "range"
    check(record, value, low, high, unit, measure)


def test_a_change_from_one_value_to_another_is_two_claims_not_a_range(claims):
    records = claims("It cut its holding from 75% to 60% on 20 October.")
    assert [(record["text"], record["qualifier"]) for record in records] == [
        ("75%", "exact"),
        ("60%", "exact"),
    ]


def test_scores_and_tallies_are_not_claims(claims):
    tennis = claims(
        "The 18-year-old Indian, who is already a huge star in her home country, won 6-4 6-2 in front of "
        "a delirious crowd."
    )
    assert [record["text"] for record in tennis] == ["18-year-old"]
    vote = claims(
        "The 54-35 vote, with six Republicans breaking ranks to join every Democrat in favor, came late."
    )
    assert [record["text"] for record in vote] == ["six Republicans"]


TOKENS = [
    (
        "Hungary's 175km (109-mile) razor-wire border fence with Serbia.",
        "175km",
        175,
        "kilometer",
        "distance",
    ),
    ("Hungary's 175km (109-mile) razor-wire border fence with Serbia.", "109-mile", 109, "mile", "distance"),
    (
        "Shares in Cairn Energy rose 3.8% to 1,088 pence on Tuesday.",
        "1,088 pence",
        1088,
        "GBP penny",
        "money",
    ),
    (
        "Britain's Kelly Holmes marked her first appearance on home soil with 1500m victory at the "
        "Norwich Union International.",
        "1500m",
        1500,
        "meter",
        "distance",
    ),
    (
        "A merger would create a global player with worldwide annual sales of 39m cases.",
        "39m cases",
        39e6,
        "case",
        "count",
    ),
    ("The deal will help the carrier save about $94m.", "about $94m", 94e6, "USD", "money"),
]


@pytest.mark.parametrize(("body", "text", "value", "unit", "measure"), TOKENS)
def test_a_number_and_its_unit_in_one_token(claims, body, text, value, unit, measure):
    record = claim_with(claims(body), text)
    assert record["value"] == pytest.approx(value)
    assert (record["unit_normalized"], record["measure"]) == (unit, measure)


CURRENCIES = [
    (
        "Analysts have forecast full-year profit will rise about 11% to around A$720 million ($563 million).",
        "around A$720 million",
        7.2e8,
        "AUD",
    ),
    (
        "CIBC Australia Ltd is issuing a zero coupon eurobond with a total redemption amount of 125 mln "
        "Australian dlrs due May 15, 1992.",
        "125 mln Australian dlrs",
        1.25e8,
        "AUD",
    ),
    (
        "Denmark has seasonally low catches, with 72 pct meal offered at 315 crowns per 100 kilos.",
        "315 crowns per 100 kilos",
        315,
        "DKK per 100 kilogram",
    ),
    (
        "Circuit City Stores, the second-largest electronics retailer in the US, has received a $3.25bn "
        "(£1.7bn) takeover offer.",
        "$3.25bn",
        3.25e9,
        "USD",
    ),
    (
        "It said Fiat was set to restructure its business after reaching a $2bn (1.53bn euros; £1.05bn) "
        "settlement with GM.",
        "1.53bn euros",
        1.53e9,
        "EUR",
    ),
    ("Cons banking gp net profit 496.7 mln schillings vs 354.5 mln", "496.7 mln schillings", 4.967e8, "ATS"),
    ("Cons banking gp net profit 496.7 mln schillings vs 354.5 mln", "354.5 mln", 3.545e8, "ATS"),
    ("Shr loss six cts vs loss 18 cts", "18 cts", 18, "USD cent"),
]


@pytest.mark.parametrize(("body", "text", "value", "unit"), CURRENCIES)
def test_currencies_from_symbols_codes_words_and_context(claims, body, text, value, unit):
    record = claim_with(claims(body), text)
    assert record["value"] == pytest.approx(value)
    assert (record["unit_normalized"], record["measure"]) == (unit, "money")


SIGNS = [
    (
        "In the three-months to January, like-for-like sales showed a growth rate of -0.1%, the BRC said.",
        "-0.1%",
        -0.1,
        "percent",
    ),
    (
        "At night the wind chill takes temperatures down to minus 20C and less.",
        "minus 20C",
        -20,
        "degree Celsius",
    ),
    (
        "There's a small room which is cooled by liquid nitrogen to minus 160 degrees centigrade.",
        "minus 160 degrees centigrade",
        -160,
        "degree Celsius",
    ),
]


@pytest.mark.parametrize(("body", "text", "value", "unit"), SIGNS)
def test_signs_are_kept(claims, body, text, value, unit):
    record = claim_with(claims(body), text)
    assert record["value"] == pytest.approx(value)
    assert record["unit_normalized"] == unit


DURATIONS = [
    (
        "Callers on average hang up after just 65 seconds of listening to canned music.",
        "65 seconds",
        65,
        "second",
    ),
    ("After just one semester and a 15-minute meeting with Sen.", "15-minute", 15, "minute"),
    (
        "The veteran pop star played piano accompaniment throughout the concert which lasted for three hours "
        "without an interval.",
        "three hours",
        3,
        "hour",
    ),
    ("Cantona received a nine-month ban following the incident.", "nine-month", 9, "month"),
]


@pytest.mark.parametrize(("body", "text", "value", "unit"), DURATIONS)
def test_durations_at_every_scale(claims, body, text, value, unit):
    record = claim_with(claims(body), text)
    assert record["value"] == pytest.approx(value)
    assert (record["unit_normalized"], record["measure"]) == (unit, "duration")


FRACTIONS = [
    (
        "Nearly two thirds of all firms polled for the survey have no plans to offshore.",
        "Nearly two thirds",
        2 / 3,
    ),
    (
        "Officials said the spending accounts for about two-sevenths of the budget.",
        "about two-sevenths",
        2 / 7,
    ),
    ("Borg has half the market in the U.S. and is the leading technical player.", "half", 0.5),
    ("One in 10 adult Americans owns an MP3 player, according to a survey.", "One in 10", 0.1),
    (
        "Chrysler said it wants to eliminate 789, or about a quarter, of its 3,200 dealers.",
        "about a quarter",
        0.25,
    ),
]


@pytest.mark.parametrize(("body", "text", "value"), FRACTIONS)
def test_fractions(claims, body, text, value):
    record = claim_with(claims(body), text)
    assert record["value"] == pytest.approx(value)
    assert (record["unit_normalized"], record["measure"]) == ("fraction", "fraction")


def test_mixed_numbers_and_fiscal_years(claims):
    fees = claims("Fees total two pct, with 1-3/8 pct for selling and 5/8 pct for management.")
    assert [(record["text"], record["value"]) for record in fees] == [
        ("two pct", 2.0),
        ("1-3/8 pct", 1.375),
        ("5/8 pct", 0.625),
    ]
    budget = claims("The spending is 6,017 billion yen in the pending formal 1987/88 budget.")
    assert [record["text"] for record in budget] == ["6,017 billion yen"]


UNITS = [
    ("Hill has a 5.2 litre V10 engine, the report said.", "5.2 litre", "liter", "volume"),
    (
        "USDA said outlays to rice farmers are expected to reach 403 dlrs per acre planted.",
        "403 dlrs per acre",
        "USD per acre",
        "money",
    ),
    (
        "Mr Kilroy Silk said that worked out at £143,000 per successful asylum seeker.",
        "£143,000 per successful asylum seeker",
        "GBP per asylum seeker",
        "money",
    ),
    (
        "Oil use rose to 35.9 mln barrels per day, the IEA said.",
        "35.9 mln barrels per day",
        "barrel per day",
        "volume",
    ),
    ("U.S. factories used 1,053.0 mln lbs of various vegetable oils.", "1,053.0 mln lbs", "pound", "weight"),
    (
        "Death Valley, California, reached 126 degrees Fahrenheit on Tuesday.",
        "126 degrees Fahrenheit",
        "degree Fahrenheit",
        "temperature",
    ),
    ("The Senate has 19 member countries on the panel.", "19 member countries", "member country", "count"),
    (
        "More than 40 million people across the West are likely to see record heat.",
        "More than 40 million people",
        "person",
        "count",
    ),
]


@pytest.mark.parametrize(("body", "text", "unit", "measure"), UNITS)
def test_units_are_normalized(claims, body, text, unit, measure):
    record = claim_with(claims(body), text)
    assert (record["unit_normalized"], record["measure"]) == (unit, measure)


def test_ages(claims):
    court = claims(
        "Musician Alan Wass, 23, also of north London, appeared in court accused of the same offences."
    )
    check(claim_with(court, "23"), 23, 23, 23, "year", "age")
    match = claims("A decision will be taken on Saturday as to whether the 26-year-old will be declared fit.")
    check(claim_with(match, "26-year-old"), 26, 26, 26, "year", "age")


NOT_CLAIMS = [
    ("British number two Rusedski endured a rollercoaster year.", "two"),  # a rank
    ("A seven-justice majority issued a narrow ruling.", "seven"),  # a hyphenated modifier
    ("Biden's debut address to the 193-member body comes as the U.S. strives to rebuild alliances.", "193"),
    ("An ex-Russian intelligence officer is on a hunger strike near 10 Downing Street.", "10"),  # an address
    ("Commodore International filed for bankruptcy in 1994.", "1994"),  # a year
    ("The office will open April 15.", "15"),  # a date
    ("Sony has billed the machine as the Walkman of the 21st Century.", "21"),  # an ordinal
    ("The services were down from about 16:00 GMT until around 22:00 on Monday.", "16"),  # clock times
    ("Filing for Chapter 11 bankruptcy protection was upheld in a second ruling.", "11"),  # a name
    ("The S&P 500 index fell on Monday.", "500"),  # an index name
    ("Call the hotline on 555-0199 for details.", "555"),  # a phone number
    ("Both sides are hoping to win the competition for a record third time.", "third"),
]


@pytest.mark.parametrize(("body", "number"), NOT_CLAIMS)
def test_what_is_not_a_numeric_claim(claims, body, number):
    assert not [record for record in claims(body) if number in record["text"]]
