"""Values of numeric claims: the interval a qualified value allows, how close two values are, and how a
value is written."""

from __future__ import annotations

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
