"""Values of numeric claims: the interval a qualified value allows, how close two values are, and how a
value is written."""

from __future__ import annotations

import datetime as dt
import math

_OPEN_LOW = {"more_than", "at_least"}
_OPEN_HIGH = {"up_to", "less_than"}
_APPROXIMATE = {"about", "estimated"}
_QUALIFIER_WORDS = {
    "more_than": "more than",
    "at_least": "at least",
    "up_to": "up to",
    "less_than": "less than",
    "about": "about",
    "estimated": "an estimated",
}


def value_interval(
    value: float, low: float, high: float, qualifier: object, tolerance: float
) -> tuple[float, float]:
    """The interval a numeric claim allows: the extractor's bounds, else bounds implied by the qualifier.

    "more than 6,500" allows [6500, inf), "up to 10" (-inf, 10], "about 300" 300 ± ``tolerance``, an
    exact value only itself. A missing bound next to a given one is open.
    """
    has_low, has_high = not math.isnan(low), not math.isnan(high)
    if has_low or has_high:
        return (low if has_low else -math.inf), (high if has_high else math.inf)
    if qualifier in _OPEN_LOW:
        return value, math.inf
    if qualifier in _OPEN_HIGH:
        return -math.inf, value
    if qualifier in _APPROXIMATE:
        spread = abs(value) * tolerance
        return value - spread, value + spread
    return value, value


def value_ratio(first: float, second: float) -> float:
    """Smaller over larger absolute value (1.0 for two zeros)."""
    larger = max(abs(first), abs(second))
    return min(abs(first), abs(second)) / larger if larger else 1.0


def format_value(value: float) -> str:
    """A number as a person writes it: thousands separators, no needless decimals."""
    if value is None or math.isnan(value):
        return "?"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}" if abs(value) >= 1 else f"{value:.6g}"


def quantity_phrase(value: float, qualifier: object) -> str:
    """``more than 6,500`` / ``221``: the value with its qualifier in words."""
    words = _QUALIFIER_WORDS.get(qualifier) if isinstance(qualifier, str) else None
    return f"{words} {format_value(value)}" if words else format_value(value)


#: Measures of people that a statement writes after the counted noun ("221 people killed").
EVENT_MEASURES = frozenset({"killed", "wounded", "missing", "displaced", "detained"})
#: Units that only repeat their measure ("221 deaths killed"): the statement counts people instead.
_MEASURE_NOUNS = frozenset(
    {"deaths", "dead", "fatalities", "lives", "bodies", "injured", "wounded", "injuries", "missing", "killed"}
)
_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥"}
_VAGUE_WORDS = {12: "dozens", 100: "hundreds", 1000: "thousands", 1e6: "millions", 1e9: "billions"}
_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def spoken_value(value: float) -> str:
    """A number as news writes it: "13.5 billion", "6,500", "0.67"."""
    for scale, word in _SCALES:
        if abs(value) >= scale:
            return f"{format_value(round(value / scale, 3))} {word}"
    if not float(value).is_integer():
        return format_value(round(value, 3))
    return format_value(value)


def singular_noun(noun: str) -> str:
    """ "soldiers" → "soldier", "people" → "person", "casualties" → "casualty" (for a count of one)."""
    if noun == "people":
        return "person"
    if noun.endswith("ies") and len(noun) > 4:
        return noun[:-3] + "y"
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun[:-1]
    return noun


def _amount_text(fact: dict) -> tuple[str, bool]:
    """The amount in words and whether it is exactly one (for singular nouns)."""
    value, qualifier = fact.get("value"), fact.get("qualifier")
    low, high = fact.get("value_low"), fact.get("value_high")
    if qualifier == "range" and _is_number(low) and _is_number(high):
        return f"{spoken_value(low)} to {spoken_value(high)}", False
    if not _is_number(value):
        scale = low if _is_number(low) else 1000
        return f"{_VAGUE_WORDS.get(scale, 'many')} of", False
    words = _QUALIFIER_WORDS.get(qualifier) if isinstance(qualifier, str) else None
    text = spoken_value(value)
    return (f"{words} {text}" if words else text), value == 1 and not words


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not math.isnan(value)


def quantity_statement(fact: dict, period: tuple[int, int] | None) -> str:
    """A numeric fact as a person writes it: "an estimated 221 people killed (12 Sep 2022)", "$1.13 billion",
    "76%", "1 soldier killed", "thousands of peacekeepers", "3.2 to 3.5 million tonnes"."""
    amount, one = _amount_text(fact)
    unit = fact.get("unit") or ""
    measure = fact.get("measure") or ""
    text = _with_unit(amount, one, unit, measure)
    when = period_words(period) if period else None
    return f"{text} ({when})" if when else text


def _with_unit(amount: str, one: bool, unit: str, measure: str) -> str:
    if unit == "percent":
        return f"{amount}%" if amount[-1:].isdigit() else f"{amount} percent"
    if unit in _SYMBOLS and not amount.endswith(" of"):
        # "$" before every number: "more than $8 million", "$10 to $15 billion"
        return " ".join(
            f"{_SYMBOLS[unit]}{word}" if word[:1].isdigit() or word[:1] == "-" else word
            for word in amount.split(" ")
        )
    if len(unit) == 3 and unit.isupper():
        return f"{amount} {unit}"
    noun = unit
    if measure in EVENT_MEASURES and (not unit or unit in _MEASURE_NOUNS):
        noun = "people"
    if one and noun:
        noun = singular_noun(noun)
    text = f"{amount} {noun}".strip()
    return f"{text} {measure}" if measure in EVENT_MEASURES else text


def period_words(period: tuple[int, int]) -> str:
    """A period as a person writes it: "12 Sep 2022", "Sep 2022" or "2022"."""
    first, last = dt.date.fromordinal(period[0]), dt.date.fromordinal(period[1])
    if first == last:
        return f"{first.day} {_MONTHS[first.month - 1]} {first.year}"
    if first.month == last.month and first.year == last.year:
        return f"{_MONTHS[first.month - 1]} {first.year}"
    return f"{first.year}"
