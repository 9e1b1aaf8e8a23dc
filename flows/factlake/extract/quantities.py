"""Numeric claims: "more than 6,500 soldiers", "an estimated 221 deaths", "$1.13bn", "76%", "two decades".

Works on the spaCy doc's tokens, parse and entities (no second pass over the text), with word lists from
the reference data (``number_words.csv``, ``quantity_qualifiers.csv``, ``currencies.csv``,
``measures.csv``) compiled once per :class:`~factlake.reference.Reference`.

Choices the contract leaves open:

- ``value`` is the number as stated: "two decades" is 2 with unit "decades", "13.5 billion dlrs" is 1.35e10
  USD, "£600m" is 6e8 GBP.
- Bounds follow the qualifier table: "more than 6,500" gives low 6500 and no high, "up to ten" no low and
  high 10, "about 500" 450..550 (±10%), exact and estimated values give low = high = value.
- Vague amounts ("thousands of civilian deaths") are kept with confidence 0.3, ``value`` null, qualifier
  at_least and the scale as the lower bound (1000).
- Not numeric claims: years, dates, times, ordinals, numbers inside names (PERSON, ORG, LAW, ...), and
  small number words after a determiner ("the two countries": a reference to known things, not a claim).
- ``measure``: money, percent, area, distance and duration come from the unit; otherwise a cue word on the
  way up the parse ("were killed", "took the lives of", "went missing", "10 wounded") wins over the unit's
  own class ("soldiers" → personnel), and "count" is the default.
- A bare number right after a plural quantity of the same sentence inherits its unit ("221 deaths, with
  150 from Armenia and 71 from Azerbaijan").
- The claim's date is the first calendar date expression of its sentence. An unresolved one keeps its
  text in ``date_text`` and says why in ``date_note`` (deduplication tells relative expressions such as
  "last month" from absolute ones by that text). A sentence with no date expression at all takes the
  *year* of the nearest date expression earlier in the same paragraph, when that one resolves
  ("The war escalated in 2020. ... resulting in more than 6,500 people being killed": 2020, precision
  year, ``date_note`` "year taken from the paragraph"). An anaphoric year ("that year", "September of
  the same year") resolves to the year of the nearest earlier expression of the article that names one.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from factlake.config import ExtractConfig
from factlake.extract import ArticleContext
from factlake.extract.dates import (
    MONTHS,
    YEAR,
    DateExpression,
    ResolvedDate,
    is_duration,
    resolve_date,
)
from factlake.records import new_record, stable_id
from factlake.reference import Reference

NAME = "quantities"
VERSION = "1.1"
EXTRACTOR = f"{NAME}/{VERSION}"
FACT_TYPE = "quantity"

#: Entity labels whose numbers are parts of names, dates or positions, never amounts.
NOT_AMOUNT_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
    | {"TIME", "ORDINAL"}
)
#: Measures that the unit decides on its own, whatever verb governs the number.
UNIT_DECIDES = frozenset({"money", "percent", "area", "distance", "duration", "weight", "volume"})
PERCENT_WORDS = frozenset({"%", "pct", "percent", "per cent", "percentage"})
DETERMINERS = frozenset({"the", "these", "those", "its", "their", "his", "her", "our", "both", "all"})
MAX_DETERMINED_WORD_VALUE = 10
MAX_UNIT_DISTANCE = 5
MAX_CUE_DEPTH = 6
DEFAULT_MEASURE = "count"

CONFIDENCE_DIGITS = 0.9
CONFIDENCE_WORDS = 0.8
CONFIDENCE_VAGUE = 0.3
NO_UNIT_PENALTY = 0.3

_DIGITS = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_COMPACT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<scale>[a-z]+)$", re.IGNORECASE)
_YEAR = re.compile(r"^(?:1[5-9]\d\d|20\d\d)$")
#: Anaphoric expressions of the same year as one named earlier ("that year", "September of the same year").
_SAME_YEAR = re.compile(r"\b(?:that|the\s+same)\s+year\b", re.IGNORECASE)
PARAGRAPH_YEAR_NOTE = "year taken from the paragraph"


@dataclass(frozen=True)
class Vocabulary:
    """Reference word lists of the extractor, indexed for lookups."""

    units: dict[str, float]
    scales: dict[str, float]
    vague: dict[str, float]
    qualifiers: dict[tuple[str, ...], tuple[str, float | None, float | None]]
    currencies: dict[str, str]
    unit_measures: dict[str, tuple[str, str]]
    cues: dict[str, str]

    @cached_property
    def longest_qualifier(self) -> int:
        return max((len(phrase) for phrase in self.qualifiers), default=0)

    @cached_property
    def number_words(self) -> frozenset[str]:
        """Words that are numbers by themselves (units, scales, vague amounts)."""
        return frozenset(self.units) | frozenset(self.scales) | frozenset(self.vague)


def _factor(text: str) -> float | None:
    return float(text) if text.strip() else None


_VOCABULARIES: dict[str, Vocabulary] = {}


def _build_vocabulary(reference: Reference) -> Vocabulary:
    words = reference.table("number_words")
    return Vocabulary(
        units={row["word"]: float(row["value"]) for row in words if row["kind"] == "unit"},
        scales={row["word"]: float(row["value"]) for row in words if row["kind"] == "scale"},
        vague={row["word"]: float(row["value"]) for row in words if row["kind"] == "vague"},
        qualifiers={
            tuple(row["phrase"].split()): (
                row["qualifier"],
                _factor(row["low_factor"]),
                _factor(row["high_factor"]),
            )
            for row in reference.table("quantity_qualifiers")
        },
        currencies={row["surface"]: row["code"] for row in reference.table("currencies")},
        unit_measures={
            row["word"]: (row["unit"], row["measure"])
            for row in reference.table("measures")
            if row["kind"] == "unit"
        },
        cues={row["word"]: row["measure"] for row in reference.table("measures") if row["kind"] == "cue"},
    )


def vocabulary(reference: Reference) -> Vocabulary:
    """The extractor's word lists from ``reference``, built once per reference content (its fingerprint)."""
    if not reference.fingerprint:
        return _build_vocabulary(reference)
    if reference.fingerprint not in _VOCABULARIES:
        _VOCABULARIES[reference.fingerprint] = _build_vocabulary(reference)
    return _VOCABULARIES[reference.fingerprint]


@dataclass
class _Number:
    start: int  # first token of the number phrase
    end: int  # token after it
    value: float | None
    vague: bool
    words: bool  # written in words rather than digits


def _token_value(text: str, vocab: Vocabulary) -> tuple[float, str] | None:
    """Value of one token (its lower-case text) and its kind (digits, unit, scale, vague), or None when it
    is not a number."""
    if text[:1].isdigit():  # both patterns open with a digit
        if _DIGITS.match(text):
            return float(text.replace(",", "")), "digits"
        match = _COMPACT.match(text)
        if match and match["scale"].lower() in vocab.scales:
            return float(match["number"]) * vocab.scales[match["scale"].lower()], "digits"
    if text in vocab.units:
        return vocab.units[text], "unit"
    if text in vocab.scales and text not in {"m", "k"}:
        return vocab.scales[text], "scale"
    if text in vocab.vague:
        return vocab.vague[text], "vague"
    return None


def _combine(parts: list[tuple[float, str]]) -> float:
    """Value of a number phrase: "13.5 billion" → 1.35e10, "two hundred thousand" → 200000."""
    total, current = 0.0, 0.0
    for value, kind in parts:
        if kind == "scale":
            current = (current or 1.0) * value
            if value >= 1000:
                total, current = total + current, 0.0
        else:
            current += value
    return total + current


def _find_numbers(tokens: list[Any], lowers: list[str], vocab: Vocabulary) -> list[_Number]:
    """Number phrases of a doc, given its tokens and their lower-case texts."""
    number_words = vocab.number_words
    values = [
        _token_value(lower, vocab) if lower in number_words or lower[:1].isdigit() else None
        for lower in lowers
    ]
    length = len(tokens)
    numbers: list[_Number] = []
    index = 0
    while index < length:
        first = values[index]
        if first is None or first[1] == "scale":
            index += 1
            continue
        if first[1] == "vague":
            numbers.append(_Number(index, index + 1, None, vague=True, words=True))
            index += 1
            continue
        parts, end = [first], index + 1
        while end < length:
            following = values[end]
            if lowers[end] == "-" and end + 1 < length and parts[-1][1] == "unit":
                hyphenated = values[end + 1]
                if hyphenated is not None and hyphenated[1] == "unit" and not tokens[end].whitespace_:
                    parts.append(hyphenated)
                    end += 2
                    continue
            if following is None or following[1] in {"vague", "digits"}:
                if lowers[end] in {"m", "k"} and parts[-1][1] == "digits" and not tokens[end - 1].whitespace_:
                    parts.append((vocab.scales[lowers[end]], "scale"))
                    end += 1
                break
            parts.append(following)
            end += 1
        words = first[1] != "digits"
        numbers.append(_Number(index, end, _combine(parts), vague=False, words=words))
        index = end
    return numbers


def _excluded(tokens: list[Any], number: _Number, vocab: Vocabulary, durations: set[int]) -> bool:
    """True for numbers that are not amounts: years, dates, times, ordinals, parts of names, anaphora."""
    previous = tokens[number.start - 1] if number.start > 0 else None
    next_token = tokens[number.end] if number.end < len(tokens) else None
    return (
        _in_non_amount_entity(tokens, number, durations)
        or _is_year(tokens[number.start], number, previous, next_token, vocab)
        or _is_reference_word(tokens, number, previous, next_token)
        or _names_or_dates(tokens, number, previous, next_token)
    )


def _in_non_amount_entity(tokens: list[Any], number: _Number, durations: set[int]) -> bool:
    """Whether a token of the number lies in a name, a time, an ordinal or a date that is no duration."""
    for token in tokens[number.start : number.end]:
        entity_type = token.ent_type_
        if entity_type in NOT_AMOUNT_LABELS:
            return True
        if entity_type == "DATE" and token.i not in durations:
            return True
    return False


def _is_year(first: Any, number: _Number, previous: Any, next_token: Any, vocab: Vocabulary) -> bool:
    """A lone year-like number ("in 2020"), unless money ("$2000") or a count ("2000 people", "1500%")."""
    if number.end - number.start != 1 or not _YEAR.match(first.text):
        return False
    before_currency = previous is not None and previous.lower_ in vocab.currencies
    counted = next_token is not None and (next_token.tag_ == "NNS" or next_token.lower_ in PERCENT_WORDS)
    return not (before_currency or counted)


def _is_reference_word(tokens: list[Any], number: _Number, previous: Any, next_token: Any) -> bool:
    """A number word that refers rather than counts: "the two countries", "one of them", "one another"."""
    if not number.words or number.vague:
        return False
    first, last = tokens[number.start], tokens[number.end - 1]
    if (
        previous is not None
        and previous.lower_ in DETERMINERS
        and (number.value or 0) <= MAX_DETERMINED_WORD_VALUE
    ):
        return True
    if first.lower_ == "one" and (last.dep_ != "nummod" or last.head.lower_ in {"another", "other"}):
        return True
    return next_token is not None and next_token.lower_ == "of" and number.value == 1


def _names_or_dates(tokens: list[Any], number: _Number, previous: Any, next_token: Any) -> bool:
    """A number naming something ("Resolution 242", "No. 5") or part of a date spaCy did not label."""
    last = tokens[number.end - 1]
    if (
        last.head.i < number.start
        and last.head.pos_ == "PROPN"
        and last.dep_ in {"nummod", "appos", "npadvmod"}
    ):
        return True  # "Resolution 242", "Apollo 11": a number naming something
    if any(token is not None and token.lower_.rstrip(".") in MONTHS for token in (previous, next_token)):
        return True  # "26 November", "November 10": a date spaCy did not label
    return previous is not None and previous.text in {"No", "no.", "No.", "#"} and not number.words


@dataclass(frozen=True)
class _Counted:
    """What the previous claim of a sentence counted, for bare numbers that follow it."""

    unit: str | None
    measure: str | None
    plural: bool


def _qualifier(
    lowers: list[str], start: int, vocab: Vocabulary
) -> tuple[int, tuple[str, float | None, float | None]]:
    """Longest qualifier phrase ending right before token ``start``, and where it begins."""
    for length in range(min(vocab.longest_qualifier, start), 0, -1):
        phrase = tuple(lowers[start - length : start])
        if phrase in vocab.qualifiers:
            return start - length, vocab.qualifiers[phrase]
    return start, ("exact", 1.0, 1.0)


def _unit(
    doc: Any, tokens: list[Any], lowers: list[str], number: _Number, vocab: Vocabulary
) -> tuple[str | None, str | None, int, Any, bool]:
    """Unit, its measure, the token after the claim's last token, the counted token, and plurality."""
    found = _unit_after(tokens, lowers, number, vocab)
    if found is None:
        found = _counted_noun_unit(doc, tokens, lowers, number, vocab)
    if found is None:
        return None, None, number.end, tokens[number.end - 1], False
    return found


def _unit_after(
    tokens: list[Any], lowers: list[str], number: _Number, vocab: Vocabulary
) -> tuple[str, str | None, int, Any, bool] | None:
    """The unit written right after the number: "%", "per cent", a currency, "-km", "thousands of …"."""
    end = number.end
    if end >= len(tokens):
        return None
    following, following_lower = tokens[end], lowers[end]
    if following_lower in PERCENT_WORDS:
        return "percent", "percent", end + 1, following, True
    if following_lower == "per" and end + 1 < len(tokens) and lowers[end + 1] == "cent":
        return "percent", "percent", end + 2, tokens[end + 1], True
    if following_lower in vocab.currencies:
        return vocab.currencies[following_lower], "money", end + 1, following, True
    if following_lower == "-" and end + 1 < len(tokens) and lowers[end + 1] in vocab.unit_measures:
        unit, measure = vocab.unit_measures[lowers[end + 1]]
        return unit, measure, end + 2, tokens[end + 1], True
    if number.vague and following_lower == "of":
        counted = next((child for child in following.children if child.dep_ == "pobj"), None)
        if counted is not None:
            return _noun_unit(lowers, counted, vocab, end + 2)
    return None


def _counted_noun_unit(
    doc: Any, tokens: list[Any], lowers: list[str], number: _Number, vocab: Vocabulary
) -> tuple[str, str | None, int, Any, bool] | None:
    """The unit of the noun the number modifies in the parse, when it follows closely in the paragraph."""
    for token in reversed(tokens[number.start : number.end]):
        head = token.head
        if head.i < number.end or token.dep_ not in {"nummod", "quantmod", "compound", "amod"}:
            continue
        near = head.i - number.end <= MAX_UNIT_DISTANCE and "\n" not in doc[number.end - 1 : head.i].text
        if head.pos_ in {"NOUN", "PROPN"} and near and head.ent_type_ not in NOT_AMOUNT_LABELS - {"NORP"}:
            return _noun_unit(lowers, head, vocab, number.end)
        break
    return None


def _noun_unit(
    lowers: list[str], noun: Any, vocab: Vocabulary, minimum_end: int
) -> tuple[str, str | None, int, Any, bool]:
    end = max(minimum_end, noun.i + 1)
    noun_lower = lowers[noun.i]
    if noun_lower in vocab.currencies:
        return vocab.currencies[noun_lower], "money", end, noun, True
    if noun.i > 0:
        pair = f"{lowers[noun.i - 1]} {noun_lower}"
        if pair in vocab.unit_measures:
            unit, measure = vocab.unit_measures[pair]
            return unit, measure, end, noun, True
    if noun_lower in vocab.unit_measures:
        unit, measure = vocab.unit_measures[noun_lower]
        return unit, measure, end, noun, noun.tag_ in {"NNS", "NNPS"}
    return noun_lower, None, end, noun, noun.tag_ in {"NNS", "NNPS"}


def _currency_before(lowers: list[str], start: int, vocab: Vocabulary) -> tuple[int, str | None]:
    """Currency symbol or code right before the number ("$", "US$", "£"), and where it begins."""
    if start == 0:
        return start, None
    previous = lowers[start - 1]
    if previous in vocab.currencies:
        begin = start - 1
        if begin > 0 and f"{lowers[begin - 1]}{previous}" in vocab.currencies:
            return begin - 1, vocab.currencies[f"{lowers[begin - 1]}{previous}"]
        return begin, vocab.currencies[previous]
    return start, None


def _measure(
    tokens: list[Any], number: _Number, counted: Any, unit_measure: str | None, vocab: Vocabulary
) -> str:
    """The claim's measure: the unit's when the unit decides, else a cue word's, the unit's or the default."""
    if unit_measure in UNIT_DECIDES:
        return unit_measure
    return _cue_measure(tokens, number, counted, vocab) or unit_measure or DEFAULT_MEASURE


def _cue_measure(tokens: list[Any], number: _Number, counted: Any, vocab: Vocabulary) -> str | None:
    """Measure implied by words around the number: its own modifiers, then up the parse."""
    last = tokens[number.end - 1]
    for token in (last, counted):
        for child in token.children:
            if child.dep_ in {"acl", "amod", "relcl"} and child.lemma_.lower() in vocab.cues:
                return vocab.cues[child.lemma_.lower()]
    token = counted
    for _ in range(MAX_CUE_DEPTH):
        if token.head.i == token.i:
            break
        token = token.head
        if token.lemma_.lower() in vocab.cues:
            return vocab.cues[token.lemma_.lower()]
        if token.pos_ in {"VERB", "AUX"}:
            for child in token.children:
                if child.dep_ in {"acomp", "xcomp", "oprd"} and child.lemma_.lower() in vocab.cues:
                    return vocab.cues[child.lemma_.lower()]
    return None


def _claim_unit(
    doc: Any, tokens: list[Any], lowers: list[str], number: _Number, vocab: Vocabulary
) -> tuple[int, int, str | None, str | None, Any, bool]:
    """(first token, token after the last, unit, its measure, counted token, plurality) of a claim: the
    unit after the number, or a currency before it (which then also takes a currency code after it)."""
    start, currency = _currency_before(lowers, number.start, vocab)
    unit, unit_measure, end, counted, plural = _unit(doc, tokens, lowers, number, vocab)
    if currency is not None:
        unit, unit_measure = currency, "money"
        if end < len(tokens) and lowers[end] in vocab.currencies:
            end += 1
    return start, end, unit, unit_measure, counted, plural


def _amount(
    number: _Number,
    unit: str | None,
    qualifier_row: tuple[str, float | None, float | None],
    lowers: list[str],
    vocab: Vocabulary,
) -> tuple[str, float | None, float | None, float | None, float]:
    """(qualifier, value, low, high, confidence) of a claim (see the module docstring)."""
    if number.vague:
        return "at_least", None, vocab.vague[lowers[number.start]], None, CONFIDENCE_VAGUE
    qualifier, low_factor, high_factor = qualifier_row
    value = number.value
    low, high = _bounds(value, low_factor, high_factor)
    confidence = CONFIDENCE_WORDS if number.words else CONFIDENCE_DIGITS
    if unit is None:
        confidence -= NO_UNIT_PENALTY
    return qualifier, value, low, high, confidence


def _bounds(
    value: float | None, low_factor: float | None, high_factor: float | None
) -> tuple[float | None, ...]:
    if value is None:
        return None, None
    low = value * low_factor if low_factor is not None else None
    high = value * high_factor if high_factor is not None else None
    return low, high


def _resolve(
    expression: DateExpression, expressions: list[DateExpression], published: Any
) -> tuple[ResolvedDate, str | None]:
    """Resolve one expression; an anaphoric year takes the year of the nearest earlier named year.

    Returns:
        The resolution and, for an anaphor, a note saying where its year came from.
    """
    resolved = resolve_date(expression.text, published, expression.tense)
    if resolved.value is not None or not _SAME_YEAR.search(expression.text):
        return resolved, None
    for earlier in reversed(expressions):
        if earlier.char_start >= expression.char_start or is_duration(earlier.text):
            continue
        antecedent = resolve_date(earlier.text, None)  # absolute expressions only: they name a year
        if antecedent.value is not None:
            year = dt.date(antecedent.value.year, 1, 1)
            note = f"year of '{expression.text}' taken from '{earlier.text}'"
            return ResolvedDate(year, YEAR, None), note
    return resolved, None


def _claim_date(
    sentence: Any,
    expressions: list[DateExpression],
    points: list[DateExpression],
    published: Any,
    paragraph_start: int,
) -> tuple[Any, str | None, str | None, str | None]:
    """The claim's date, resolved: value, precision, text, note (see the module docstring).

    Args:
        sentence: The claim's sentence.
        expressions: Every date expression of the doc.
        points: Those of ``expressions`` that are not durations.
        published: Publication date, or None.
        paragraph_start: Offset of the sentence's paragraph.
    """
    note, text = None, None
    in_sentence = [
        expression
        for expression in points
        if sentence.start_char <= expression.char_start < sentence.end_char
    ]
    for expression in in_sentence:
        resolved, anaphor_note = _resolve(expression, expressions, published)
        if resolved.value is not None:
            return resolved.value, resolved.precision, expression.text, anaphor_note
        if note is None:
            note, text = resolved.note, expression.text
    if in_sentence:
        return None, None, text, note
    earlier = [
        expression for expression in points if paragraph_start <= expression.char_start < sentence.start_char
    ]
    if earlier:
        resolved, _ = _resolve(earlier[-1], expressions, published)
        if resolved.value is not None:
            year = dt.date(resolved.value.year, 1, 1)
            return year, YEAR, earlier[-1].text, PARAGRAPH_YEAR_NOTE
    return None, None, None, None


def _durations_and_points(expressions: list[DateExpression]) -> tuple[set[int], list[DateExpression]]:
    """(indexes of the tokens of duration expressions, the expressions that are points in time)."""
    durations = {
        token_index
        for expression in expressions
        if is_duration(expression.text)
        for token_index in range(expression.token_start, expression.token_end)
    }
    points = [expression for expression in expressions if not is_duration(expression.text)]
    return durations, points


def _paragraph_start(body: str, offset: int) -> int:
    """Offset of the first character of the paragraph (blank-line separated) holding ``offset``."""
    gap = body.rfind("\n\n", 0, offset)
    return 0 if gap < 0 else gap + 2


def extract(context: ArticleContext, config: ExtractConfig, reference: Reference) -> list[dict]:
    """Numeric claims of one article, in document order.

    Args:
        context: The article and its spaCy doc.
        config: Extraction settings (unused: the extractor has no tunable setting yet).
        reference: Reference data holding the word lists named in the module docstring.

    Returns:
        ``mentions`` records of fact_type ``quantity`` (``fact_id`` left to deduplication).
    """
    del config
    doc, body = context.doc, context.body
    vocab = vocabulary(reference)
    expressions = context.date_expressions
    durations, points = _durations_and_points(expressions)
    tokens = list(doc)
    lowers = [token.lower_ for token in tokens]
    sentences = list(doc.sents)
    sentence_starts = [sentence.start for sentence in sentences]
    records: list[dict] = []
    previous_by_sentence: dict[int, _Counted] = {}
    date_by_sentence: dict[int, tuple[Any, str | None, str | None, str | None]] = {}
    for number in _find_numbers(tokens, lowers, vocab):
        if _excluded(tokens, number, vocab, durations):
            continue
        start, end, unit, unit_measure, counted, plural = _claim_unit(doc, tokens, lowers, number, vocab)
        start, qualifier_row = _qualifier(lowers, start, vocab)
        sentence = sentences[bisect.bisect_right(sentence_starts, number.start) - 1]
        if number.words and not number.vague and unit is None and tokens[number.end - 1].dep_ != "nummod":
            # A lone number word ("one", "two") with no counted thing is too ambiguous to be a claim.
            continue
        previous = previous_by_sentence.get(sentence.start)
        if unit is None and previous is not None and previous.plural and previous.measure not in UNIT_DECIDES:
            unit, unit_measure, plural = previous.unit, previous.measure, True
        measure = _measure(tokens, number, counted, unit_measure, vocab)
        qualifier, value, low, high, confidence = _amount(number, unit, qualifier_row, lowers, vocab)
        previous_by_sentence[sentence.start] = _Counted(unit, measure, plural)
        char_start = tokens[start].idx
        char_end = tokens[end - 1].idx + len(tokens[end - 1].text)
        if sentence.start not in date_by_sentence:
            date_by_sentence[sentence.start] = _claim_date(
                sentence,
                expressions,
                points,
                context.published_date,
                _paragraph_start(body, sentence.start_char),
            )
        event_date, precision, date_text, date_note = date_by_sentence[sentence.start]
        records.append(
            new_record(
                "mentions",
                mention_id=stable_id(context.article_id, FACT_TYPE, char_start, char_end),
                article_id=context.article_id,
                fact_id=None,
                fact_type=FACT_TYPE,
                text=body[char_start:char_end],
                char_start=char_start,
                char_end=char_end,
                sentence=body[sentence.start_char : sentence.end_char],
                value=value,
                value_low=low,
                value_high=high,
                qualifier=qualifier,
                unit=unit,
                measure=measure,
                event_date=event_date,
                date_precision=precision,
                date_text=date_text,
                date_note=date_note,
                confidence=round(confidence, 3),
                extractor=EXTRACTOR,
            )
        )
    return records
