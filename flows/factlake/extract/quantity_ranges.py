"""Claims of one sentence read together: ranges, scores, and units shared between neighbouring numbers.

- A **range** is two numbers joined by "to", a hyphen or "or", or by "and" after "between" ("3.2 to 3.5
  mln tonnes", "between 5-10 inches", "from 252 miles to 287 miles", "three or four years"), the first
  smaller than the second: one claim with ``value_low``/``value_high`` the stated bounds, ``value`` the
  lower one and qualifier ``range``. The second bound's scale and unit are the first's too ("1.5 to two
  billion dlrs" is 1.5e9..2e9 USD). "from X to Y" after a verb of change ("rose from 60 to 65") is a change,
  two claims, not a range.
- A **score** or tally is two numbers joined by a hyphen where the first is not smaller ("11-9", "2-2",
  "220-212"), or any hyphen pair in a sentence about winning or voting: not a numeric claim.
- A number with no unit before "and"/"or" and a number with one shares its unit ("1,000 and 5,000 dlrs");
  a number with no unit after a claim that has one takes it when both carry the same scale word ("4.56
  billion crowns ... 5.10 billion") or it is set against it ("93,000 tonnes against 85,000").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from factlake.extract.number_tokens import MINUS_SIGNS, NumberPhrase

RANGE_JOINERS = frozenset({"to", "or", "-", "–", "—", "and"}) | MINUS_SIGNS
#: Lemmas of verbs of change: "from X to Y" under one of them is a change, not a range.
CHANGE_LEMMAS = frozenset(
    {
        "rise",
        "raise",
        "fall",
        "increase",
        "decrease",
        "cut",
        "grow",
        "drop",
        "climb",
        "jump",
        "reduce",
        "lower",
        "lift",
        "boost",
        "slip",
        "decline",
        "change",
        "move",
        "go",
        "widen",
        "narrow",
        "push",
        "expand",
        "shrink",
        "slash",
        "double",
        "triple",
        "soar",
        "plunge",
        "slide",
        "ease",
        "revise",
        "up",
        "down",
        "adjust",
        "swing",
        "turn",
        "improve",
        "worsen",
        "tumble",
        "surge",
        "dip",
        "gain",
    }
)
#: Lemmas that make a hyphenated pair of numbers a score or a tally ("won 6-4", "passed 220-212").
SCORE_LEMMAS = frozenset(
    {
        "win",
        "beat",
        "lose",
        "draw",
        "defeat",
        "victory",
        "loss",
        "score",
        "vote",
        "pass",
        "lead",
        "trail",
        "match",
        "game",
        "final",
        "tie",
        "ballot",
        "majority",
        "margin",
        "set",
        "goal",
    }
)
SET_AGAINST = frozenset({"vs", "vs.", "versus", "against", "from", "v", "v."})


@dataclass
class Claim:
    """A numeric claim being built: its number phrase, span, unit and measure.

    Attributes:
        number: The number phrase.
        start: First token of the claim (qualifier and currency included).
        end: Token after the claim.
        value: The value (None for a vague amount).
        low: Lower bound.
        high: Upper bound.
        qualifier: exact, about, range, ...
        unit: Unit as the extractor writes it.
        unit_normalized: Canonical unit.
        measure: Measure.
        counted: The token of the counted thing (for measure cues).
        plural: The counted noun is plural.
        own_unit: The unit is written by the claim itself (not shared from a neighbour).
    """

    number: NumberPhrase
    start: int
    end: int
    value: float | None
    low: float | None
    high: float | None
    qualifier: str
    unit: str | None
    unit_normalized: str | None
    measure: str
    counted: Any
    plural: bool
    own_unit: bool = True


def read_together(claims: list[Claim], tokens: list[Any]) -> list[Claim]:
    """Claims of one sentence after ranges are merged, scores dropped and units shared (module docstring)."""
    claims = _share_forward(claims, tokens)
    merged: list[Claim] = []
    index = 0
    while index < len(claims):
        current = claims[index]
        following = claims[index + 1] if index + 1 < len(claims) else None
        kind = _pair_kind(current, following, tokens) if following is not None else None
        if kind == "score":
            index += 2
            continue
        if kind == "range":
            assert following is not None
            merged.append(_range(current, following))
            index += 2
            continue
        merged.append(current)
        index += 1
    return _share_backward(_outside_per_units(merged), tokens)


def _outside_per_units(claims: list[Claim]) -> list[Claim]:
    """Claims without the number of a per-unit before them ("315 crowns per 100 kilos": not 100 kilos)."""
    kept: list[Claim] = []
    for claim in claims:
        previous = kept[-1] if kept else None
        inside = previous is not None and previous.start <= claim.number.start < previous.end
        if inside and " per " in f" {previous.unit_normalized or ''} ":
            continue
        kept.append(claim)
    return kept


def _between(first: Claim, second: Claim, tokens: list[Any]) -> list[Any]:
    return tokens[first.number.end : second.start]


def _pair_kind(first: Claim, second: Claim, tokens: list[Any]) -> str | None:
    """ "range", "score" or None for two neighbouring claims."""
    if first.number.vague or second.number.vague or first.value is None or second.value is None:
        return None
    between = _between(first, second, tokens)
    if not between or len(between) > 3 or between[-1].lower_ not in RANGE_JOINERS | {"—"}:
        return None
    joiner = between[-1].lower_
    if len(between) > 1:
        # "252 miles to 287 miles": only the first bound's own unit, the same as the second's, stands between
        if not (first.unit is not None and between[-2].i < first.end and second.unit is not None):
            return None
        if first.unit_normalized != second.unit_normalized:
            return None
    if joiner in MINUS_SIGNS or joiner == "—":
        if _is_score(first, second, tokens):
            return "score"
        return "range" if first.value < second.value else None
    if joiner == "and" and not _after_between(first, tokens):
        return None
    if joiner == "to" and _is_change(first, tokens):
        return None
    return "range" if _scaled(first, second) < second.value else None


def _after_between(first: Claim, tokens: list[Any]) -> bool:
    return any(
        tokens[index].lower_ == "between" for index in range(max(first.start - 2, 0), first.number.start)
    )


def _is_change(first: Claim, tokens: list[Any]) -> bool:
    """ "rose from 60 to 65": "from" under a verb of change, or "to" right after one ("raised to 5 to 6")."""
    start = first.start
    if start == 0 or tokens[start - 1].lower_ != "from":
        return False
    head = tokens[start - 1].head
    for _ in range(3):
        if head.lemma_.lower() in CHANGE_LEMMAS:
            return True
        if head.head.i == head.i:
            break
        head = head.head
    return False


def _is_score(first: Claim, second: Claim, tokens: list[Any]) -> bool:
    if first.value >= second.value:  # type: ignore[operator]
        return True
    if second.unit is not None:
        return False
    sentence = tokens[first.number.start].sent
    return any(token.lemma_.lower() in SCORE_LEMMAS for token in sentence)


def _scaled(first: Claim, second: Claim) -> float:
    """The first bound with the second's scale when it has none of its own ("1.5 to two billion")."""
    assert first.value is not None
    if first.number.scale == 1.0 and second.number.scale > 1.0 and not first.number.fraction:
        return first.value * second.number.scale
    return first.value


def _range(first: Claim, second: Claim) -> Claim:
    low = _scaled(first, second)
    unit_source = second if second.unit is not None else first
    return replace(
        second,
        number=replace(first.number, end=second.number.end, scale=second.number.scale),
        start=first.start,
        value=low,
        low=low,
        high=second.value,
        qualifier="range",
        unit=unit_source.unit,
        unit_normalized=unit_source.unit_normalized,
        measure=unit_source.measure,
    )


def _share_forward(claims: list[Claim], tokens: list[Any]) -> list[Claim]:
    """ "1,000 and 5,000 dlrs": a number with no unit right before "and"/"or"/"," and a number with one."""
    shared = list(claims)
    for index in range(len(shared) - 2, -1, -1):
        first, second = shared[index], shared[index + 1]
        between = _between(first, second, tokens)
        joined = len(between) == 1 and between[0].lower_ in {"and", "or", "to", "-", "–"}
        if first.unit is None and second.unit is not None and joined and not first.number.words:
            shared[index] = _with_unit(first, second)
    return shared


def _share_backward(claims: list[Claim], tokens: list[Any]) -> list[Claim]:
    """A bare number after a claim with a unit takes it when the two are set side by side."""
    shared = list(claims)
    for index in range(1, len(shared)):
        current = shared[index]
        if (
            current.unit is not None
            or current.value is None
            or current.number.words
            or current.number.fraction
        ):
            continue
        previous = next((claim for claim in reversed(shared[:index]) if claim.unit is not None), None)
        if previous is None or previous.number.fraction:
            continue
        set_against = current.start > 0 and tokens[current.start - 1].lower_ in SET_AGAINST
        same_scale = current.number.scale > 1.0 and current.number.scale == previous.number.scale
        if (same_scale and previous.measure != "percent") or set_against:
            shared[index] = _with_unit(current, previous)
    return shared


def _with_unit(claim: Claim, source: Claim) -> Claim:
    return replace(
        claim,
        unit=source.unit,
        unit_normalized=source.unit_normalized,
        measure=source.measure,
        plural=source.plural,
        own_unit=False,
    )
