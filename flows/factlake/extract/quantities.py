"""Numeric claims: "more than 6,500 soldiers", "an estimated 221 deaths", "$1.13bn", "76%", "two decades".

Works on the spaCy doc's tokens, parse and entities (no second pass over the text), with word lists from
the reference data (``number_words.csv``, ``quantity_qualifiers.csv``, ``currencies.csv``,
``currency_countries.csv``, ``measures.csv``, ``units.csv``) compiled once per
:class:`~factlake.reference.Reference`. Number phrases: :mod:`factlake.extract.number_tokens`; one claim's
unit and measure: :mod:`factlake.extract.quantity_claims` and :mod:`factlake.extract.quantity_units`;
ranges, scores and shared units: :mod:`factlake.extract.quantity_ranges`.

Choices the contract leaves open:

- ``value`` is the number as stated, with its sign: "two decades" is 2 with unit "decades", "13.5 billion
  dlrs" is 1.35e10 USD, "£600m" is 6e8 GBP, "-1.3%" and "minus 387 Fahrenheit" are negative, "two-thirds"
  is 0.667 with unit ``fraction``, "3-3/8 pct" is 3.375 percent.
- A range ("3.2 to 3.5 mln tonnes", "between 5-10 inches") is one claim: qualifier ``range``,
  ``value_low``/``value_high`` the stated bounds, ``value`` the lower one.
- ``unit_normalized`` is the canonical singular unit (an ISO currency code for money).
- Bounds follow the qualifier table: "more than 6,500" gives low 6500 and no high, "up to ten" no low and
  high 10, "about 500" 450..550 (±10%), exact and estimated values give low = high = value.
- Vague amounts ("thousands of civilian deaths") are kept with confidence 0.3, ``value`` null, qualifier
  at_least and the scale as the lower bound (1000).
- Not numeric claims, deliberately: years ("in 1994"), dates ("April 15", "1987/88"), clock times ("16:00
  GMT"), ordinals ("21st", "third time"), numbers inside names ("Chapter 11", "S&P 500", "iPhone 11",
  "PlayStation 3"; digits with thousands separators or decimals are never names), ranks ("number two",
  "No. 5"), scores and tallies ("6-4", "the 54-35 vote"), hyphenated modifiers whose word is no unit
  ("four-door", "193-member", "seven-justice"; "44-day" and "17-year-old" are claims), age brackets
  ("over 18s"), street numbers ("10 Downing Street"), phone numbers ("555-0199"), lone number words with
  no counted thing, and small number words after a determiner ("the two countries": a reference to known
  things, not a claim).
- Durations are claims at every scale (seconds to centuries); an age is a measure of its own ("Alan Wass,
  23,", "the 26-year-old").
- ``measure``: money, percent, area, distance, duration, weight, volume, speed, power, energy, data,
  temperature and fraction come from the unit; a number with no unit at all takes money from a word such
  as "profit" or "loss" before it ("Net loss 5,964,454"); otherwise a cue word on the
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
from factlake.extract.number_tokens import FRACTION_WORDS, NumberPhrase, find_numbers
from factlake.extract.quantity_claims import (
    DEFAULT_MEASURE,
    MAX_AGE,
    NOT_AMOUNT_LABELS,
    PERCENT_WORDS,
    UNIT_DECIDES,
    age_position,
    build_claim,
    claim_measure,
    hyphenated_modifier,
)
from factlake.extract.quantity_ranges import Claim, read_together
from factlake.reference import Reference

__all__ = ["DEFAULT_MEASURE", "EXTRACTOR", "NOT_AMOUNT_LABELS", "PERCENT_WORDS", "UNIT_DECIDES", "extract"]

NAME = "quantities"
VERSION = "2.0"
EXTRACTOR = f"{NAME}/{VERSION}"
FACT_TYPE = "quantity"

DETERMINERS = frozenset({"the", "these", "those", "its", "their", "his", "her", "our", "both", "all"})
MAX_DETERMINED_WORD_VALUE = 10

CONFIDENCE_DIGITS = 0.9
CONFIDENCE_WORDS = 0.8
CONFIDENCE_VAGUE = 0.3
NO_UNIT_PENALTY = 0.3

_YEAR = re.compile(r"^(?:1[5-9]\d\d|20\d\d)$")
#: Anaphoric expressions of the same year as one named earlier ("that year", "September of the same year").
_SAME_YEAR = re.compile(r"\b(?:that|the\s+same)\s+year\b", re.IGNORECASE)
#: Telephone numbers ("555-1234", "(020) 7946 0958") and street numbers ("10 Downing Street").
_PHONE = re.compile(r"^\(?\d{3,4}\)?[-.\s]?\d{3,4}[-.\s]?\d{3,4}$")
STREET_WORDS = frozenset(
    {"street", "st", "road", "rd", "avenue", "ave", "lane", "boulevard", "blvd", "drive", "square"}
)
#: Words before a number that make it a rank or a name: "number two", "No. 5", "#3", "grade 2".
RANK_WORDS = frozenset({"no", "no.", "#", "number", "grade", "level", "tier", "round", "page", "item"})
PARAGRAPH_YEAR_NOTE = "year taken from the paragraph"
#: Entity labels of names (not of times or ordinals).
NAME_LABELS = NOT_AMOUNT_LABELS - {"TIME", "ORDINAL"}


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
    bare_cues: dict[str, str]
    unit_table: dict[str, tuple[str, str]]
    noun_singulars: dict[str, str]
    currency_countries: dict[str, dict[str, str]]

    @cached_property
    def currency_codes(self) -> frozenset[str]:
        """Units the extractor writes for money: ISO codes and minor units ("USD cent")."""
        return frozenset(self.currencies.values())

    @cached_property
    def currency_codes_lower(self) -> frozenset[str]:
        """Lower-case three-letter codes, which may stand before a number like a symbol ("USD 5")."""
        return frozenset(code.lower() for code in self.currency_codes if len(code) == 3)

    @cached_property
    def longest_qualifier(self) -> int:
        return max((len(phrase) for phrase in self.qualifiers), default=0)

    @cached_property
    def number_words(self) -> frozenset[str]:
        """Words that are numbers by themselves (units, scales, vague amounts, fractions)."""
        return (
            frozenset(self.units) | frozenset(self.scales) | frozenset(self.vague) | frozenset(FRACTION_WORDS)
        )


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
        bare_cues={
            row["word"]: row["measure"] for row in reference.table("measures") if row["kind"] == "bare_cue"
        },
        unit_table={
            row["surface"]: (row["canonical"], row["measure"])
            for row in reference.table("units")
            if row["kind"] == "unit"
        },
        noun_singulars={
            row["surface"]: row["canonical"] for row in reference.table("units") if row["kind"] == "noun"
        },
        currency_countries=_currency_countries(reference),
    )


def _currency_countries(reference: Reference) -> dict[str, dict[str, str]]:
    countries: dict[str, dict[str, str]] = {}
    for row in reference.table("currency_countries"):
        countries.setdefault(row["surface"], {})[row["country"]] = row["code"]
    return countries


def vocabulary(reference: Reference) -> Vocabulary:
    """The extractor's word lists from ``reference``, built once per reference content (its fingerprint)."""
    if not reference.fingerprint:
        return _build_vocabulary(reference)
    if reference.fingerprint not in _VOCABULARIES:
        _VOCABULARIES[reference.fingerprint] = _build_vocabulary(reference)
    return _VOCABULARIES[reference.fingerprint]


def _excluded(tokens: list[Any], number: NumberPhrase, vocab: Vocabulary, durations: set[int]) -> bool:
    """True for numbers that are not amounts (module docstring): years, dates, clock times, ordinals, parts
    of names, ranks, phone and street numbers, hyphenated modifiers, anaphora."""
    previous = tokens[number.start - 1] if number.start > 0 else None
    next_token = tokens[number.end] if number.end < len(tokens) else None
    if not number.words and 0 < (number.value or 0) <= MAX_AGE and age_position(tokens, number):
        return False
    return (
        _in_non_amount_entity(tokens, number, durations, vocab)
        or _is_year(tokens[number.start], number, previous, next_token, vocab)
        or _is_reference_word(tokens, number, previous, next_token)
        or _names_or_dates(tokens, number, previous, next_token)
        or _rank_phone_or_street(tokens, number, previous, next_token)
        or hyphenated_modifier(tokens, number, vocab)
    )


def _rank_phone_or_street(tokens: list[Any], number: NumberPhrase, previous: Any, next_token: Any) -> bool:
    """ "number two", "No. 5", "555-1234", "10 Downing Street", "over 18s" (an age bracket)."""
    if previous is not None and previous.lower_ in RANK_WORDS and not number.fraction:
        return True
    text = "".join(token.text_with_ws for token in tokens[number.start : min(number.end + 2, len(tokens))])
    if _PHONE.match(text.strip()) and "," not in text and "." not in text:
        return True
    if next_token is not None and next_token.pos_ == "PROPN" and next_token.is_title:
        window = tokens[number.end : min(number.end + 3, len(tokens))]
        if any(token.lower_.rstrip(".") in STREET_WORDS for token in window):
            return True
    return False


def _in_non_amount_entity(
    tokens: list[Any], number: NumberPhrase, durations: set[int], vocab: Vocabulary
) -> bool:
    """Whether a token of the number lies in a name, a clock time, an ordinal or a date that is no duration.

    A number with a currency inside its token ("USD1,700") is money whatever the entity; a time or date
    entity followed by a unit of duration ("10 minutes", "30 seconds") is a duration; an age ("Alan Wass,
    23,") is not a date.
    """
    if number.currency is not None or _unit_inside(number, vocab):
        return False
    for token in tokens[number.start : number.end]:
        entity_type = token.ent_type_
        if entity_type in {"TIME", "DATE"} and (
            token.i in durations or _duration_follows(tokens, number, vocab)
        ):
            continue
        if entity_type == "DATE" and (number.fraction or age_position(tokens, number)):
            continue  # "about a quarter" of the dealers, "Alan Wass, 23,": no dates
        if entity_type in NAME_LABELS and _written_as_amount(tokens, number, None):
            continue  # "closing at 7,162.90" labelled a work of art: no name is written so
        if entity_type in NOT_AMOUNT_LABELS or entity_type == "DATE":
            return True
    return False


def _unit_inside(number: NumberPhrase, vocab: Vocabulary) -> bool:
    """ "640bhp", "164p": a unit or currency written inside the number's token."""
    suffix = number.unit_suffix
    return (
        suffix is not None
        and suffix not in vocab.scales
        and (suffix in vocab.unit_table or suffix in vocab.currencies)
    )


def _duration_follows(tokens: list[Any], number: NumberPhrase, vocab: Vocabulary) -> bool:
    """A unit of duration right after the number, and no "ago"/"earlier" making it a point in time."""
    end = number.end
    if end < len(tokens) and tokens[end].text in {"-", "–"}:
        end += 1
    if end >= len(tokens):
        return False
    known = vocab.unit_table.get(tokens[end].lower_)
    if known is None or known[1] != "duration":
        return False
    after = tokens[end + 1].lower_ if end + 1 < len(tokens) else ""
    return after not in {"ago", "earlier", "later", "before", "after", "from"}


def _is_year(first: Any, number: NumberPhrase, previous: Any, next_token: Any, vocab: Vocabulary) -> bool:
    """A lone year-like number ("in 2020"), unless money ("$2000") or a count ("2000 people", "1500%")."""
    if number.end - number.start != 1 or not _YEAR.match(first.text):
        return False
    before_currency = previous is not None and previous.lower_ in vocab.currencies
    counted = next_token is not None and (next_token.tag_ == "NNS" or next_token.lower_ in PERCENT_WORDS)
    return not (before_currency or counted)


def _is_reference_word(tokens: list[Any], number: NumberPhrase, previous: Any, next_token: Any) -> bool:
    """A number word that refers rather than counts: "the two countries", "one of them", "one another"."""
    if not number.words or number.vague:
        return False
    first, last = tokens[number.start], tokens[number.end - 1]
    if (
        previous is not None
        and previous.lower_ in DETERMINERS
        and (number.value or 0) <= MAX_DETERMINED_WORD_VALUE
        and not (next_token is not None and next_token.lower_ in PERCENT_WORDS)
    ):
        return True
    if first.lower_ == "one" and (last.dep_ != "nummod" or last.head.lower_ in {"another", "other"}):
        return True
    return next_token is not None and next_token.lower_ == "of" and number.value == 1


def _written_as_amount(tokens: list[Any], number: NumberPhrase, previous: Any) -> bool:
    """Digits no name is written with ("3,700", "8,579.19") or after a currency sign ("($691.06 billion)")."""
    text = tokens[number.start].text
    if any(separator in text for separator in ",.") and text[:1].isdigit():
        return True
    return previous is not None and previous.text in {"$", "£", "€", "¥"}


def _names_or_dates(tokens: list[Any], number: NumberPhrase, previous: Any, next_token: Any) -> bool:
    """A number naming something ("Resolution 242", "No. 5") or part of a date spaCy did not label."""
    last = tokens[number.end - 1]
    if (
        not _written_as_amount(tokens, number, previous)
        and last.head.i < number.start
        and last.head.pos_ == "PROPN"
        and last.dep_ in {"nummod", "appos", "npadvmod"}
    ):
        return True  # "Resolution 242", "Apollo 11": a number naming something
    if any(token is not None and token.lower_.rstrip(".") in MONTHS for token in (previous, next_token)):
        return True  # "26 November", "November 10": a date spaCy did not label
    return previous is not None and previous.text in {"No", "no.", "No.", "#"} and not number.words


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
    sentences = list(doc.sents)
    sentence_starts = [sentence.start for sentence in sentences]
    records: list[dict] = []
    date_by_sentence: dict[int, tuple[Any, str | None, str | None, str | None]] = {}

    def _sentence_date(sentence: Any) -> tuple[Any, str | None, str | None, str | None]:
        if sentence.start not in date_by_sentence:
            date_by_sentence[sentence.start] = _claim_date(
                sentence,
                expressions,
                points,
                context.published_date,
                _paragraph_start(body, sentence.start_char),
            )
        return date_by_sentence[sentence.start]

    claims_by_sentence: dict[int, list[Claim]] = {}
    for number in find_numbers(tokens, vocab):
        if _excluded(tokens, number, vocab, durations):
            continue
        sentence = sentences[bisect.bisect_right(sentence_starts, number.start) - 1]
        claim = build_claim(tokens, number, vocab, sentence)
        if _lone_number_word(tokens, number, claim):
            continue
        claims_by_sentence.setdefault(sentence.start, []).append(claim)
    for sentence in sentences:
        claims = read_together(claims_by_sentence.get(sentence.start, []), tokens)
        previous: Claim | None = None
        for claim in claims:
            claim = _inherit_counted(claim, previous, tokens, vocab)
            previous = claim
            records.append(_record(context, claim, tokens, sentence, _sentence_date(sentence)))
    return records


def _lone_number_word(tokens: list[Any], number: NumberPhrase, claim: Claim) -> bool:
    """A number word under a thousand ("one", "two") with no counted thing: too ambiguous to be a claim."""
    if not number.words or number.vague or claim.unit is not None or claim.measure == "age":
        return False
    return tokens[number.end - 1].dep_ != "nummod" and abs(number.value or 0) < 1000


def _inherit_counted(claim: Claim, previous: Claim | None, tokens: list[Any], vocab: Vocabulary) -> Claim:
    """A bare number right after a plural count of the same sentence counts the same thing ("221 deaths,
    with 150 from Armenia and 71 from Azerbaijan")."""
    if claim.unit is not None or previous is None or not previous.plural or previous.measure in UNIT_DECIDES:
        return claim
    if claim.measure == "age" or claim.number.fraction or previous.unit is None:
        return claim
    measure = claim_measure(tokens, claim.number, claim.counted, previous.unit, previous.measure, vocab)
    return Claim(
        **{
            **claim.__dict__,
            "unit": previous.unit,
            "unit_normalized": previous.unit_normalized,
            "measure": measure if measure != DEFAULT_MEASURE else (previous.measure or DEFAULT_MEASURE),
            "plural": True,
            "own_unit": False,
        }
    )


def _confidence(claim: Claim) -> float:
    if claim.number.vague:
        return CONFIDENCE_VAGUE
    confidence = CONFIDENCE_WORDS if claim.number.words else CONFIDENCE_DIGITS
    return confidence - NO_UNIT_PENALTY if claim.unit is None else confidence


def _record(
    context: ArticleContext,
    claim: Claim,
    tokens: list[Any],
    sentence: Any,
    date: tuple[Any, str | None, str | None, str | None],
) -> dict:
    """The ``mentions`` record of one claim."""
    body = context.body
    char_start = tokens[claim.start].idx
    last = tokens[claim.end - 1]
    char_end = last.idx + len(last.text)
    if last.text.endswith(".") and len(last.text) > 1 and last.i == claim.number.end - 1:
        char_end -= 1  # "$5.4m." at a sentence end: the full stop is not part of the claim
    event_date, precision, date_text, date_note = date
    return context.mention(
        FACT_TYPE,
        char_start,
        char_end,
        body[sentence.start_char : sentence.end_char],
        value=claim.value,
        value_low=claim.low,
        value_high=claim.high,
        qualifier=claim.qualifier,
        unit=claim.unit,
        unit_normalized=claim.unit_normalized,
        measure=claim.measure,
        event_date=event_date,
        date_precision=precision,
        date_text=date_text,
        date_note=date_note,
        confidence=round(_confidence(claim), 3),
        extractor=EXTRACTOR,
    )
