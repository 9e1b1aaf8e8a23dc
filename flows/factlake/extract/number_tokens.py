"""Number phrases in a spaCy doc: digits, number words, scales, signs, fractions and number-unit tokens.

A number phrase is one or more tokens that together write one number: "13.5 billion", "two hundred
thousand", "-1.3", "minus 387", "3-3/8", "two-thirds", "a third", "half", "640bhp" (a number and its unit in
one token), "HK$3.7" (a currency before the number in one token), "$5.4m." (a scale at a sentence end).
Each phrase carries what its own tokens say beyond the value: a scale word ("billion"), a currency or a
unit written inside a token, and whether it is a fraction. Which phrases are numeric *claims* is decided
by :mod:`factlake.extract.quantities`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: Fraction words and their value as a denominator ("two-thirds", "a quarter of", "half").
FRACTION_WORDS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fifth": 5,
    "fifths": 5,
    "sixth": 6,
    "sixths": 6,
    "seventh": 7,
    "sevenths": 7,
    "eighth": 8,
    "eighths": 8,
    "ninth": 9,
    "ninths": 9,
    "tenth": 10,
    "tenths": 10,
}
#: Words that make a fraction word a part ("half of", "a third of the", "half the market").
FRACTION_FOLLOWERS = frozenset({"of", "the", "its", "their", "his", "her", "a", "an", "all"})
#: Words before "a quarter", "a third" that make it an amount whatever follows ("or about a quarter,").
QUALIFIED_FRACTION = frozenset(
    {"about", "nearly", "almost", "roughly", "around", "than", "some", "over", "under"}
)
NEGATIVE_WORDS = frozenset({"minus", "negative"})
MINUS_SIGNS = frozenset({"-", "−", "–"})
_UNICODE_MINUS = str.maketrans({"−": "-", "–": "-"})

#: One token that writes a number, optionally with a currency before it and a scale or unit after it:
#: "1,700", "-1.3", "−5", "3/8", "HK$3.7", "RM23.50", "USD1,700", "640bhp", "1.38pc", "$5.4m.", "37m".
_TOKEN = re.compile(
    r"^(?P<prefix>[A-Za-z]{1,3}\$|[A-Za-z]{2,3}(?=\d)|[$£€¥₹])?"
    r"(?P<sign>[-−–])?"
    r"(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
    r"(?:/(?P<denominator>\d+))?"
    r"(?P<suffix>[A-Za-z%][A-Za-z/%]*)?(?P<stop>\.)?$"
)


@dataclass
class TokenNumber:
    """What one token says: its value and the currency, scale or unit written inside it."""

    value: float
    kind: str  # digits, unit (a number word that adds), scale, vague, fraction
    currency: str | None = None  # lower-case prefix: "hk$", "rm", "usd"
    suffix: str | None = None  # lower-case unit or scale written after the digits: "bhp", "m", "bn"
    scale: float = 1.0


@dataclass
class NumberPhrase:
    """A number phrase: tokens [start, end), its value, and what its own tokens say about it.

    Attributes:
        start: First token.
        end: Token after the last.
        value: The number (None for a vague amount such as "thousands").
        vague: "thousands", "dozens": a plural scale with no value.
        words: Written in words rather than digits.
        scale: Product of the scale words of the phrase ("13.5 billion": 1e9), to share with a range's
            other bound.
        currency: Currency written in a token of the phrase ("HK$3.7", "USD1,700"), lower case.
        unit_suffix: Unit written inside a token ("640bhp": "bhp"), lower case.
        fraction: A fraction ("two-thirds", "3/8", "half").
    """

    start: int
    end: int
    value: float | None
    vague: bool
    words: bool
    scale: float = 1.0
    currency: str | None = None
    unit_suffix: str | None = None
    fraction: bool = False


def _digits(text: str) -> float:
    return float(text.replace(",", ""))


def parse_token(text: str, vocab: Any) -> TokenNumber | None:
    """What one token (as written) says as a number, or None when it writes no number.

    Args:
        text: The token's text.
        vocab: The extractor's vocabulary (number words, scales, vague words, currencies, units).
    """
    lower = text.lower()
    if lower in vocab.units:
        return TokenNumber(vocab.units[lower], "unit")
    if lower in vocab.scales and lower not in {"m", "k"}:
        return TokenNumber(vocab.scales[lower], "scale")
    if lower in vocab.vague:
        return TokenNumber(vocab.vague[lower], "vague")
    if lower in FRACTION_WORDS:
        return TokenNumber(1 / FRACTION_WORDS[lower], "fraction")
    match = _TOKEN.match(text.translate(_UNICODE_MINUS)) if any(ch.isdigit() for ch in text) else None
    if match is None:
        return None
    return _token_number(match, vocab)


def _token_number(match: re.Match[str], vocab: Any) -> TokenNumber | None:
    prefix = (match["prefix"] or "").lower() or None
    if prefix is not None and prefix not in vocab.currencies:
        return None  # "A380", "B52", "MAR8": letters naming something, not a currency
    value = _digits(match["number"])
    kind = "digits"
    if match["denominator"]:
        denominator = float(match["denominator"])
        if denominator == 0 or "," in match["number"] or value >= denominator:
            return None  # "1987/88", "24/7": fiscal years and the like, not fractions
        value, kind = value / denominator, "fraction"
    if match["sign"]:
        value = -value
    suffix = (match["suffix"] or "").lower() or None
    scale = 1.0
    if suffix is not None:
        if suffix in vocab.scales:
            scale = vocab.scales[suffix]
        elif not _known_suffix(suffix, vocab):
            return None  # "V10", "3G", "1980s", "18s", "14th": names, decades, ordinals
    return TokenNumber(value * scale, kind, currency=prefix, suffix=suffix, scale=scale)


def _known_suffix(suffix: str, vocab: Any) -> bool:
    """A unit, percent sign or currency written right after the digits ("bhp", "pc", "p")."""
    return suffix in vocab.unit_table or suffix in vocab.currencies


def find_numbers(tokens: list[Any], vocab: Any) -> list[NumberPhrase]:
    """Number phrases of a doc, in order (see the module docstring)."""
    values = [_parsed(token, vocab) for token in tokens]
    numbers: list[NumberPhrase] = []
    index, length = 0, len(tokens)
    while index < length:
        phrase = _phrase_at(tokens, values, index, vocab)
        if phrase is None:
            index += 1
            continue
        numbers.append(phrase)
        index = phrase.end
    return numbers


def _parsed(token: Any, vocab: Any) -> TokenNumber | None:
    text = token.text
    plain = text[:1].isdigit() or text[:1] in "$£€¥₹−–-." or text.lower() in vocab.number_words
    if not plain and not (text[:2].isalpha() and any(ch.isdigit() for ch in text)):
        return None
    return parse_token(text, vocab)


def _phrase_at(
    tokens: list[Any], values: list[TokenNumber | None], index: int, vocab: Any
) -> NumberPhrase | None:
    """The number phrase starting at token ``index``, or None."""
    first = values[index]
    if first is None or first.kind == "scale":
        return None
    if first.kind == "vague":
        return NumberPhrase(index, index + 1, None, vague=True, words=True)
    if first.kind == "fraction" and first.suffix is None and tokens[index].text.lower() in FRACTION_WORDS:
        return _lone_fraction(tokens, index, first)
    return _number_run(tokens, values, index, vocab)


def _lone_fraction(tokens: list[Any], index: int, first: TokenNumber) -> NumberPhrase | None:
    """ "a third of", "half the market", "one in five" handled elsewhere: a fraction word with no numerator.

    Only a part of something counts ("half of", "a quarter of the"): "the third quarter", "second half",
    "half-time" and "the eastern half" are not amounts.
    """
    previous = tokens[index - 1].lower_ if index > 0 else ""
    following = tokens[index + 1].lower_ if index + 1 < len(tokens) else ""
    qualified = index >= 2 and tokens[index - 2].lower_ in QUALIFIED_FRACTION and previous == "a"
    if following not in FRACTION_FOLLOWERS and not qualified:
        return None
    if tokens[index].lower_ not in {"half"} and previous not in {"a", "one"}:
        return None
    if previous in {"the", "second", "first", "last", "other", "eastern", "western", "northern", "southern"}:
        return None
    start = index - 1 if previous in {"a", "one"} else index
    return NumberPhrase(start, index + 1, first.value, vague=False, words=True, fraction=True)


def _number_run(
    tokens: list[Any], values: list[TokenNumber | None], index: int, vocab: Any
) -> NumberPhrase | None:
    """Digits or number words followed by scales, a mixed fraction or a fraction word."""
    first = values[index]
    assert first is not None
    parts, end = [first], index + 1
    length = len(tokens)
    split_suffix = None
    fraction = first.kind == "fraction"
    while end < length and first.suffix is None:
        following = values[end]
        joined = _joined_part(tokens, values, end, parts)
        if joined is not None:
            part, end = joined
            if part.kind == "fraction":
                # "two-thirds" multiplies (a fraction); "3-3/8" adds (a mixed number)
                fraction = _is_denominator(tokens, end - 1)
                whole = _combine(parts)
                parts = [TokenNumber(whole * part.value if fraction else whole + part.value, "digits")]
                break
            parts.append(part)
            continue
        if _numerator_of(tokens, following, end, parts):
            parts = [TokenNumber(_combine(parts) * following.value, "digits")]
            fraction, end = True, end + 1
            break
        if following is None or following.kind in {"vague", "digits", "fraction"}:
            if (
                tokens[end].lower_ in {"m", "k", "m.", "bn", "bn."}
                and parts[-1].kind == "digits"
                and not tokens[end - 1].whitespace_
            ):
                split_suffix = tokens[end].lower_.rstrip(".")
                parts.append(TokenNumber(vocab.scales[split_suffix], "scale"))
                end += 1
            break
        parts.append(following)
        end += 1
    value = _combine(parts)
    denominator = values[end + 1] if _one_in(tokens, values, end) else None
    if (
        denominator is not None
        and not fraction
        and first.suffix is None
        and 0 < value < denominator.value <= 1000
    ):
        value, fraction, end = value / denominator.value, True, end + 2
    scale = 1.0
    for part in parts:
        scale *= part.scale if part.kind != "scale" else part.value
    sign = _sign_before(tokens, index)
    start = index - 1 if sign else index
    words = first.kind != "digits" and first.kind != "fraction"
    return NumberPhrase(
        start,
        end,
        -value if sign else value,
        vague=False,
        words=words,
        scale=scale,
        currency=first.currency,
        unit_suffix=first.suffix or split_suffix,
        fraction=fraction,
    )


def _numerator_of(
    tokens: list[Any], following: TokenNumber | None, end: int, parts: list[TokenNumber]
) -> bool:
    """ "two thirds of": a number word or digits before a fraction word that a part follows."""
    if following is None or following.kind != "fraction" or tokens[end].lower_ not in FRACTION_WORDS:
        return False
    after = tokens[end + 1].lower_ if end + 1 < len(tokens) else ""
    return parts[-1].kind in {"unit", "digits"} and after in FRACTION_FOLLOWERS


def _one_in(tokens: list[Any], values: list[TokenNumber | None], end: int) -> bool:
    """ "one in five", "1 in 10": a proportion."""
    if end + 1 >= len(tokens) or tokens[end].lower_ != "in":
        return False
    denominator = values[end + 1]
    return denominator is not None and denominator.kind in {"unit", "digits"} and denominator.value > 1


def _is_denominator(tokens: list[Any], index: int) -> bool:
    return tokens[index].lower_ in FRACTION_WORDS


def _joined_part(
    tokens: list[Any], values: list[TokenNumber | None], end: int, parts: list[TokenNumber]
) -> tuple[TokenNumber, int] | None:
    """A part written after a hyphen with no spaces: "twenty-five", "3-3/8", "two-thirds"."""
    if tokens[end].text not in MINUS_SIGNS or end + 1 >= len(tokens):
        return None
    if tokens[end - 1].whitespace_ or tokens[end].whitespace_:
        return None
    hyphenated = values[end + 1]
    if hyphenated is None:
        return None
    if hyphenated.kind == "unit" and parts[-1].kind == "unit" and len(parts) == 1:
        return hyphenated, end + 2
    if hyphenated.kind == "fraction" and parts[-1].kind in {"unit", "digits"}:
        return hyphenated, end + 2
    return None


def _sign_before(tokens: list[Any], index: int) -> bool:
    """A minus written before the number: "minus 387", "- 5" opening a clause, "-5" split by the parser."""
    if index == 0:
        return False
    previous = tokens[index - 1]
    if previous.lower_ in NEGATIVE_WORDS:
        return True
    if previous.text in MINUS_SIGNS and not previous.whitespace_:
        before = tokens[index - 2] if index >= 2 else None
        return before is None or (bool(before.whitespace_) and not before.text[-1:].isdigit())
    return False


def _combine(parts: list[TokenNumber]) -> float:
    """Value of a number phrase: "13.5 billion" → 1.35e10, "two hundred thousand" → 200000."""
    total, current = 0.0, 0.0
    for part in parts:
        if part.kind == "scale":
            current = (current or 1.0) * part.value
            if part.value >= 1000:
                total, current = total + current, 0.0
        else:
            current += part.value
    return total + current
