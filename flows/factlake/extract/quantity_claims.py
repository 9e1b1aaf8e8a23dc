"""One numeric claim from one number phrase: its qualifier, unit, ``unit_normalized`` and measure.

The unit is looked for in this order: a currency or unit written inside the number's token ("HK$3.7",
"640bhp", "1.38pc", "164p"; "37m" is metres unless money or a plural noun makes it million), a currency
before the number ("$", "US $", "£"), a currency or unit of one to three words after it ("Australian
dollars", "miles per hour", "percentage points", "kg"), a percent sign, a "-km" suffix, "thousands of X",
and the noun the number modifies in the parse. A per-unit may follow ("per day", "a barrel"). A fraction
with no unit of its own is a ``fraction``. An age is a number of years of a person ("Alan Wass, 23,",
"17-year-old", "aged 12 to 15", "at the age of 31"). See :mod:`factlake.extract.quantity_units` for the
unit names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from factlake.extract.number_tokens import NumberPhrase
from factlake.extract.quantity_ranges import Claim
from factlake.extract.quantity_units import (
    canonical_unit,
    compose_per,
    counted_noun_name,
    currency_in_context,
    per_unit,
)

#: Entity labels whose numbers are parts of names, dates or positions, never amounts.
NOT_AMOUNT_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
    | {"TIME", "ORDINAL"}
)
#: Measures that the unit decides on its own, whatever verb governs the number.
UNIT_DECIDES = frozenset(
    {"money", "percent", "area", "distance", "duration", "weight", "volume"}
    | {"speed", "power", "energy", "data", "temperature", "fraction", "age"}
)
PERCENT_WORDS = frozenset({"%", "pct", "percent", "per cent", "percentage", "pc"})
MAX_UNIT_DISTANCE = 5
MAX_CUE_DEPTH = 6
MAX_UNIT_WORDS = 3
MAX_AGE = 120
PLACE_LABELS = frozenset({"GPE", "LOC", "DATE"})
DEFAULT_MEASURE = "count"


@dataclass
class UnitFound:
    """Where a claim's unit was found and what it is."""

    start: int
    end: int
    unit: str | None
    measure: str | None
    counted: Any
    plural: bool
    normalized: str | None


def build_claim(tokens: list[Any], number: NumberPhrase, vocab: Any, sentence: Any) -> Claim:
    """The claim of one number phrase (module docstring); qualifier and bounds from the reference table."""
    found = _claim_unit(tokens, number, vocab, sentence)
    value = number.value
    if found.unit == "meters" and number.scale == 1e6:
        value = value / 1e6 if value is not None else None
    start, qualifier_row = _qualifier(tokens, found.start, vocab)
    measure = _measure(tokens, number, found, vocab)
    qualifier, low, high = _amount(number, value, qualifier_row, vocab, tokens)
    return Claim(
        number=number,
        start=start,
        end=found.end,
        value=None if number.vague else value,
        low=low,
        high=high,
        qualifier=qualifier,
        unit=found.unit,
        unit_normalized=found.normalized,
        measure=measure,
        counted=found.counted,
        plural=found.plural,
    )


def _qualifier(
    tokens: list[Any], start: int, vocab: Any
) -> tuple[int, tuple[str, float | None, float | None]]:
    """Longest qualifier phrase ending right before token ``start``, and where it begins."""
    for length in range(min(vocab.longest_qualifier, start), 0, -1):
        phrase = tuple(token.lower_ for token in tokens[start - length : start])
        if phrase in vocab.qualifiers:
            return start - length, vocab.qualifiers[phrase]
    return start, ("exact", 1.0, 1.0)


def _amount(
    number: NumberPhrase,
    value: float | None,
    qualifier_row: tuple[str, float | None, float | None],
    vocab: Any,
    tokens: list[Any],
) -> tuple[str, float | None, float | None]:
    """(qualifier, low, high) of a claim: vague amounts are at least their scale."""
    if number.vague:
        return "at_least", vocab.vague[tokens[number.start].lower_], None
    qualifier, low_factor, high_factor = qualifier_row
    if value is None:
        return qualifier, None, None
    low = value * low_factor if low_factor is not None else None
    high = value * high_factor if high_factor is not None else None
    if value < 0 and low is not None and high is not None and low > high:
        low, high = high, low
    return qualifier, low, high


def _claim_unit(tokens: list[Any], number: NumberPhrase, vocab: Any, sentence: Any) -> UnitFound:
    """The claim's unit (module docstring), then a per-unit after it."""
    found = _inside_token(tokens, number, vocab)
    if found is None:
        found = _written_unit(tokens, number, vocab, sentence)
    if number.fraction and (found.unit is None or (found.measure is None and found.end > number.end)):
        found = UnitFound(
            found.start, number.end, "fraction", "fraction", tokens[number.end - 1], False, "fraction"
        )
    found = _age(tokens, number, found)
    return _with_per_unit(tokens, found, vocab)


def _inside_token(tokens: list[Any], number: NumberPhrase, vocab: Any) -> UnitFound | None:
    last = tokens[number.end - 1]
    if number.currency is not None:
        code = vocab.currencies[number.currency]
        end = number.end
        if end < len(tokens) and tokens[end].lower_ in vocab.currencies:
            end += 1
        return UnitFound(number.start, end, code, "money", last, True, code)
    suffix = number.unit_suffix
    if suffix is None:
        return None
    if suffix == "m" and not _million_context(tokens, number, vocab):
        return UnitFound(number.start, number.end, "meters", "distance", last, True, "meter")
    if suffix in vocab.scales:
        return None
    if suffix in vocab.currencies:
        code = vocab.currencies[suffix]
        return UnitFound(number.start, number.end, code, "money", last, True, code)
    canonical, measure = canonical_unit(suffix, vocab) or (suffix, None)
    unit = "percent" if measure == "percent" else suffix
    return UnitFound(number.start, number.end, unit, measure, last, True, canonical)


def _million_context(tokens: list[Any], number: NumberPhrase, vocab: Any) -> bool:
    """ "$5.4m", "39m cases", "37m of": million; "a 37m yacht", "60m hurdles": metres."""
    if number.start > 0 and tokens[number.start - 1].lower_ in vocab.currencies:
        return True
    following = tokens[number.end] if number.end < len(tokens) else None
    if following is None:
        return False
    if following.lower_ in vocab.currencies or following.lower_ in {"of", "people"}:
        return True
    return following.tag_ in {"NNS", "NNPS"} and following.lower_ not in {"hurdles"}


def _written_unit(tokens: list[Any], number: NumberPhrase, vocab: Any, sentence: Any) -> UnitFound:
    """A currency before the number, or a unit after it."""
    start, currency = _currency_before(tokens, number.start, vocab)
    found = _unit_phrase_after(tokens, number, vocab, sentence)
    if found is None:
        found = _unit(tokens, number, vocab, sentence)
    if currency is not None:
        end = found.end if found.unit in vocab.currency_codes else number.end
        if end < len(tokens) and tokens[end].lower_ in vocab.currencies:
            end += 1
        return UnitFound(start, end, currency, "money", found.counted, True, currency)
    return found


def _currency_before(tokens: list[Any], start: int, vocab: Any) -> tuple[int, str | None]:
    """Currency symbol or code right before the number ("$", "US $", "£"), and where it begins."""
    if start == 0:
        return start, None
    previous = tokens[start - 1].lower_
    if previous in vocab.currencies and (
        tokens[start - 1].text in "$£€¥₹"
        or not tokens[start - 1].is_alpha
        or previous in vocab.currency_codes_lower
    ):
        begin = start - 1
        prefix = tokens[begin - 1] if begin > 0 else None
        # "US $84 billion", "AU $89.99": a country code of capitals; "a $1bn dividend" is no "A$"
        coded = prefix is not None and len(prefix.text) >= 2 and prefix.text.isupper()
        if coded and f"{prefix.lower_}{previous}" in vocab.currencies:
            return begin - 1, vocab.currencies[f"{tokens[begin - 1].lower_}{previous}"]
        return begin, vocab.currencies[previous]
    return start, None


def _unit_phrase_after(
    tokens: list[Any], number: NumberPhrase, vocab: Any, sentence: Any
) -> UnitFound | None:
    """A currency or unit of one to three words right after the number ("Swiss francs", "mph")."""
    end = number.end
    for length in range(MAX_UNIT_WORDS, 0, -1):
        if end + length > len(tokens):
            continue
        words = tokens[end : end + length]
        phrase = " ".join(token.lower_ for token in words)
        if length == 1 and (len(phrase) == 1 or phrase in {"in", "c", "f"}) and phrase != "%":
            continue
        following = tokens[end + length] if end + length < len(tokens) else None
        if phrase in vocab.currencies:
            code, measure = currency_in_context(phrase, sentence, following, vocab)
            if measure == "weight":
                return UnitFound(number.start, end + length, "pound", "weight", words[-1], True, "pound")
            return UnitFound(number.start, end + length, code, "money", words[-1], True, code)
        known = canonical_unit(phrase, vocab)
        if known is not None:
            unit = (
                "percent" if known[1] == "percent" and known[0] == "percent" else _surface_unit(phrase, vocab)
            )
            return UnitFound(number.start, end + length, unit, known[1], words[-1], True, known[0])
    return None


def _surface_unit(phrase: str, vocab: Any) -> str:
    """The ``unit`` column as the extractor always wrote it: measures.csv's unit, else the words."""
    return vocab.unit_measures.get(phrase, (phrase, None))[0]


def _unit(tokens: list[Any], number: NumberPhrase, vocab: Any, sentence: Any) -> UnitFound:
    """Percent words, a "-km" suffix, "thousands of X", or the noun the number modifies."""
    found = _unit_after(tokens, number, vocab, sentence)
    if found is None:
        found = _counted_noun_unit(tokens, number, vocab, sentence)
    if found is None:
        return UnitFound(number.start, number.end, None, None, tokens[number.end - 1], False, None)
    return found


def _unit_after(tokens: list[Any], number: NumberPhrase, vocab: Any, sentence: Any) -> UnitFound | None:
    end = number.end
    if end >= len(tokens):
        return None
    following, lower = tokens[end], tokens[end].lower_
    if lower == "per" and end + 1 < len(tokens) and tokens[end + 1].lower_ == "cent":
        return UnitFound(number.start, end + 2, "percent", "percent", tokens[end + 1], True, "percent")
    if lower in {"-", "–"} and end + 1 < len(tokens) and not following.whitespace_:
        return _hyphenated_unit(tokens, number, vocab)
    if (number.vague or (number.words and (number.value or 0) > 1)) and lower == "of":
        counted = next((child for child in following.children if child.dep_ == "pobj"), None)
        if counted is not None:
            return _noun_unit(tokens, counted, vocab, end + 2, number, sentence)
    return None


def _hyphenated_unit(tokens: list[Any], number: NumberPhrase, vocab: Any) -> UnitFound | None:
    """ "44-day", "17-year-old", "60-km": a unit after a hyphen."""
    noun = tokens[number.end + 1]
    lower = noun.lower_
    known = canonical_unit(lower, vocab)
    if lower in vocab.unit_measures:
        unit, measure = vocab.unit_measures[lower]
    elif known is not None:
        unit, measure = _surface_unit(lower, vocab), known[1]
    else:
        return None
    return UnitFound(number.start, number.end + 2, unit, measure, noun, True, known[0] if known else unit)


def hyphenated_modifier(tokens: list[Any], number: NumberPhrase, vocab: Any) -> bool:
    """ "four-door", "six-speed", "500-bed": a number joined by a hyphen to a word that is no unit."""
    end = number.end
    if end + 1 >= len(tokens) or tokens[end].text not in {"-", "–"} or tokens[end].whitespace_:
        return False
    if tokens[end - 1].whitespace_:
        return False
    word = tokens[end + 1]
    if not word.is_alpha:
        return False
    lower = word.lower_
    return not (lower in vocab.unit_measures or canonical_unit(lower, vocab) or lower in vocab.currencies)


def _counted_noun_unit(
    tokens: list[Any], number: NumberPhrase, vocab: Any, sentence: Any
) -> UnitFound | None:
    """The unit of the noun the number modifies in the parse, when it follows closely in the paragraph."""
    for token in reversed(tokens[number.start : number.end]):
        head = token.head
        if head.i < number.end or token.dep_ not in {"nummod", "quantmod", "compound", "amod"}:
            continue
        between = tokens[number.end - 1 : head.i]
        near = head.i - number.end <= MAX_UNIT_DISTANCE and not any(
            "\n" in item.text_with_ws for item in between
        )
        if head.pos_ in {"NOUN", "PROPN"} and near and head.ent_type_ not in NOT_AMOUNT_LABELS - {"NORP"}:
            return _noun_unit(tokens, head, vocab, number.end, number, sentence)
        break
    return None


def _noun_unit(
    tokens: list[Any], noun: Any, vocab: Any, minimum_end: int, number: NumberPhrase, sentence: Any
) -> UnitFound:
    end = max(minimum_end, noun.i + 1)
    lower = noun.lower_
    plural = noun.tag_ in {"NNS", "NNPS"}
    following = tokens[noun.i + 1] if noun.i + 1 < len(tokens) else None
    if lower in vocab.currencies:
        code, measure = currency_in_context(lower, sentence, following, vocab)
        if measure == "weight":
            return UnitFound(number.start, end, "pound", "weight", noun, True, "pound")
        return UnitFound(number.start, end, code, "money", noun, True, code)
    if noun.i > 0:
        pair = f"{tokens[noun.i - 1].lower_} {lower}"
        if pair in vocab.unit_measures:
            unit, measure = vocab.unit_measures[pair]
            known = canonical_unit(pair, vocab)
            return UnitFound(number.start, end, unit, measure, noun, True, known[0] if known else unit)
    known = canonical_unit(lower, vocab)
    if lower in vocab.unit_measures:
        unit, measure = vocab.unit_measures[lower]
        normalized = known[0] if known else counted_noun_name(noun, vocab, number.end)
        return UnitFound(number.start, end, unit, measure, noun, plural, normalized)
    if known is not None:
        return UnitFound(number.start, end, _surface_unit(lower, vocab), known[1], noun, plural, known[0])
    return UnitFound(number.start, end, lower, None, noun, plural, counted_noun_name(noun, vocab, number.end))


def _age(tokens: list[Any], number: NumberPhrase, found: UnitFound) -> UnitFound:
    """ "17-year-old", "years old", "aged 12", "at the age of 31", "Alan Wass, 23,": an age in years."""
    end = found.end
    if found.normalized == "year":
        if (
            end + 1 < len(tokens)
            and tokens[end].text in {"-", "–"}
            and tokens[end + 1].lower_ in {"old", "olds"}
        ):
            return UnitFound(found.start, end + 2, found.unit, "age", found.counted, found.plural, "year")
        if end < len(tokens) and tokens[end].lower_ in {"old", "-old", "olds"}:
            return UnitFound(found.start, end + 1, found.unit, "age", found.counted, found.plural, "year")
        return found
    if found.unit is not None or number.value is None or number.words or not 0 < number.value <= MAX_AGE:
        return found
    if age_position(tokens, number):
        return UnitFound(found.start, found.end, None, "age", found.counted, False, "year")
    return found


def age_position(tokens: list[Any], number: NumberPhrase) -> bool:
    """ "Alan Wass, 23,", "aged 12" (and the 15 of "aged 12 to 15"), "at the age of 31"."""
    start = number.start
    before = [token.lower_ for token in tokens[max(start - 3, 0) : start]]
    if before[-1:] in (["aged"], ["ages"]) or before[-3:] == ["the", "age", "of"]:
        return True
    if len(before) == 3 and before[0] in {"aged", "ages"} and before[2] in {"to", "-", "and"}:
        return True
    if start < 2 or tokens[start - 1].text != "," or number.end >= len(tokens):
        return False
    named = tokens[start - 2]
    if tokens[number.end].text != ",":
        return False
    return named.ent_type_ == "PERSON" or (named.pos_ == "PROPN" and named.ent_type_ not in PLACE_LABELS)


def _with_per_unit(tokens: list[Any], found: UnitFound, vocab: Any) -> UnitFound:
    if found.measure == "fraction":
        return found
    per = per_unit(tokens, found.end, found.normalized, vocab)
    if per is None:
        return found
    name, end = per
    measure = found.measure
    if found.normalized is not None:
        denominator = name[len(found.normalized) + len(" per ") :]
        name, composed_measure = compose_per(found.normalized, denominator, vocab)
        measure = composed_measure or measure
    unit = f"{found.unit} per {name.split(' per ', 1)[1]}" if found.unit else name
    return UnitFound(found.start, end, unit, measure, found.counted, found.plural, name)


def claim_measure(
    tokens: list[Any],
    number: NumberPhrase,
    counted: Any,
    unit: str | None,
    unit_measure: str | None,
    vocab: Any,
) -> str:
    """The claim's measure: the unit's when the unit decides, else a cue word's, the unit's or the default."""
    if unit_measure in UNIT_DECIDES:
        return unit_measure
    cue = _cue_measure(tokens, number, counted, vocab)
    if cue is None and unit is None:
        cue = _cue_measure(tokens, number, counted, vocab, vocab.bare_cues)
    return cue or unit_measure or DEFAULT_MEASURE


def _measure(tokens: list[Any], number: NumberPhrase, found: UnitFound, vocab: Any) -> str:
    return claim_measure(tokens, number, found.counted, found.unit, found.measure, vocab)


def _cue_measure(
    tokens: list[Any], number: NumberPhrase, counted: Any, vocab: Any, cues: dict[str, str] | None = None
) -> str | None:
    """Measure implied by words around the number: its own modifiers, then up the parse."""
    cues = vocab.cues if cues is None else cues
    last = tokens[number.end - 1]
    for token in (last, counted):
        for child in token.children:
            if child.dep_ in {"acl", "amod", "relcl"} and child.lemma_.lower() in cues:
                return cues[child.lemma_.lower()]
    token = counted
    for _ in range(MAX_CUE_DEPTH):
        if token.head.i == token.i:
            break
        token = token.head
        if token.lemma_.lower() in cues:
            return cues[token.lemma_.lower()]
        if token.pos_ in {"VERB", "AUX"}:
            for child in token.children:
                if child.dep_ in {"acomp", "xcomp", "oprd"} and child.lemma_.lower() in cues:
                    return cues[child.lemma_.lower()]
    if cues is vocab.bare_cues:
        for token in tokens[max(number.start - 3, 0) : number.start]:
            if token.lemma_.lower() in cues:
                return cues[token.lemma_.lower()]
    return None
