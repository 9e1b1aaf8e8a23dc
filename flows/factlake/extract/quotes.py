"""Direct quotations with their speakers.

Finding quotes is a left-to-right scan over the body per family of marks (linear time: it jumps from mark
to mark and never backtracks, so an unbalanced mark in a huge paragraph costs nothing). Double marks:
curly, straight, typewriter (``''…''``, ````…''``), guillemets either way round and low-high „…“; single
marks: British ‘…’ and '…' (apostrophes told apart, :mod:`factlake.extract.quote_marks`). Nesting
(“today’s “Straw vote” is …”, ‘… “…” …’), quotes whose paragraphs reopen without closing (“… ¶ “… ”),
a cap on quote length. Quotes split by their attribution (“…,” he said. “…”) are merged into one mention
whose ``text`` runs from the first opening mark to the last closing mark.

Speakers are resolved with the dependency parse by the ordered rules of
:mod:`factlake.extract.speakers.rules`.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from factlake.config import ExtractConfig
from factlake.extract import ArticleContext
from factlake.extract.dates import DateExpression, is_duration, resolve_date, tense_at
from factlake.extract.quote_marks import DOUBLE, SINGLE, Mark, QuoteSpan, inner_ending, read_mark
from factlake.extract.speakers.context import SpeakerContext, tokens_between
from factlake.extract.speakers.rules import resolve_speaker
from factlake.reference import Reference

NAME = "quotes"
VERSION = "1.4"
EXTRACTOR = f"{NAME}/{VERSION}"

#: Characters each scan stops at: the marks that may begin a mark of its family and the line break (one
#: character class, no backtracking). The double scan stops at an apostrophe only when another follows.
_SCAN_STOPS = {
    DOUBLE: re.compile("[" + re.escape('“”«»„"`') + "\n]|''"),
    SINGLE: re.compile("[" + re.escape("‘’‚'`") + "\n]"),
}
#: Characters whose presence makes the single-mark scan worth running.
SINGLE_MARK_CHARACTERS = "‘’‚'`"
#: A quote still open after this many characters is dropped (unbalanced marks), keeping the scan linear.
MAX_QUOTE_CHARS = 5000
#: Paragraphs one quote may span when its paragraphs reopen without closing.
MAX_QUOTE_PARAGRAPHS = 12
#: Words allowed between two parts of a split quote (“…,” he said on Monday, according to TASS. “…”).
MAX_SPLIT_GAP_WORDS = 14
#: Dependency steps from a date expression's head up to the speech verb it dates ("said" ← "on" ← "Monday").
MAX_DATE_STEPS = 3
#: Confidence of a quote shorter than ``min_quote_words`` (a scare quote or a fragment).
CONFIDENCE_FRAGMENT = 0.25


def extract(context: ArticleContext, config: ExtractConfig, reference: Reference) -> list[dict[str, Any]]:
    """Quote mentions of one article, in body order.

    Args:
        context: The article, its spaCy doc and its entity mentions (from the entities extractor).
        config: ``min_quote_words``: shorter quotes are kept with low confidence.
        reference: ``roles.csv`` (role holders) and the entity gazetteer files.

    Returns:
        ``mentions`` records with fact_type "quote", ``text == body[char_start:char_end]``, ``quote_text``
        (the parts without marks, joined), ``speaker`` (article-level name or None), the statement's date
        (see :func:`statement_date`; resolved like event dates) and ``confidence``.
    """
    found = find_quotes(context.body)
    if not found:
        return []
    speakers = SpeakerContext(context, reference)
    records = []
    for quote in merge_split_quotes(context.body, found, context.doc, speakers.speech_verbs):
        quote_text = (
            " ".join(context.body[start:end].strip() for start, end in quote.parts).strip().rstrip(",")
        )
        if not quote_text:
            continue
        speaker, confidence = resolve_speaker(speakers, quote)
        event_date = precision = date_text = date_note = None
        dated = statement_date(context, speakers, quote)
        if dated is not None:
            expression, verb = dated
            resolved = resolve_date(expression.text, context.published_date, tense_at(context.doc, verb))
            event_date, precision, date_text, date_note = (
                resolved.value,
                resolved.precision,
                expression.text,
                resolved.note,
            )
        if len(quote_text.split()) < config.min_quote_words:
            confidence = CONFIDENCE_FRAGMENT
        records.append(
            context.mention(
                "quote",
                quote.start,
                quote.end,
                speakers.sentence_text(quote.start, quote.end),
                speaker=speaker.name,
                quote_text=quote_text,
                event_date=event_date,
                date_precision=precision,
                date_text=date_text,
                date_note=date_note,
                confidence=confidence,
                extractor=EXTRACTOR,
            )
        )
    return records


def statement_date(
    context: ArticleContext, speakers: SpeakerContext, quote: QuoteSpan
) -> tuple[DateExpression, int] | None:
    """The date expression that dates the statement, and the index of the speech verb it attaches to.

    The expression lies in the quote's sentence(s) but outside the quoted words, is a point in time (not a
    duration), and its head reaches a speech verb in at most :data:`MAX_DATE_STEPS` steps up the parse
    ("he said on Monday", "Putin said on Monday he hoped for a “normalization”"). None when no such
    expression exists: a date inside the quote is what the speaker talks about, not when they spoke.
    """
    first, last = speakers.sentence_bounds(quote.start, quote.end)
    doc = context.doc
    for expression in context.date_expressions:
        if expression.char_start < first or expression.char_end > last or is_duration(expression.text):
            continue
        if any(start <= expression.char_start < end for start, end in quote.parts):
            continue
        token = doc[expression.root]
        for _ in range(MAX_DATE_STEPS):
            token = token.head
            if token.pos_ == "VERB" and token.lemma_.lower() in speakers.speech_verbs:
                return expression, token.i
            if token.head.i == token.i:
                break
    return None


def find_quotes(body: str) -> list[QuoteSpan]:
    """Every balanced quotation of ``body``, in order: double-mark quotes and single-mark quotes.

    Each family of marks is scanned on its own (:func:`scan_quotes`), so a stray apostrophe can never
    hide a quote in double marks. Then a single-mark quote inside a double-mark one is nested (American
    style: “… ‘…’ …”) and dropped, a double-mark quote inside a single-mark one is nested (British style:
    ‘… “…” …’) and dropped, and a single-mark quote crossing a double-mark one is dropped.
    """
    doubles = scan_quotes(body, DOUBLE)
    if not any(character in body for character in SINGLE_MARK_CHARACTERS):
        return doubles
    singles = scan_quotes(body, SINGLE)
    if not singles:
        return doubles
    return _combine(doubles, singles)


def _combine(doubles: list[QuoteSpan], singles: list[QuoteSpan]) -> list[QuoteSpan]:
    """Outer quotes of both families, in body order (each list is ordered and without overlaps)."""
    double_ends = [quote.end for quote in doubles]
    kept_singles: list[QuoteSpan] = []
    nested_doubles: set[int] = set()
    for single in singles:
        position = bisect.bisect_right(double_ends, single.start)  # first double ending after the start
        overlapping = []
        while position < len(doubles) and doubles[position].start < single.end:
            overlapping.append(position)
            position += 1
        if all(
            single.start <= doubles[index].start and doubles[index].end <= single.end for index in overlapping
        ):
            kept_singles.append(single)
            nested_doubles.update(overlapping)
    outer = [quote for index, quote in enumerate(doubles) if index not in nested_doubles] + kept_singles
    return sorted(outer, key=lambda quote: quote.start)


def scan_quotes(body: str, family: str) -> list[QuoteSpan]:
    """Every balanced quotation in marks of one ``family``, in one linear scan.

    A quote still open at a paragraph break continues when the next paragraph opens with a mark (the
    convention for multi-paragraph quotes) and is dropped otherwise, as is a quote open longer than
    :data:`MAX_QUOTE_CHARS`; marks of the family nested inside a quote only count depth, marks of the
    other family are text.
    """
    stops = _SCAN_STOPS[family]
    quotes: list[QuoteSpan] = []
    open_start: int | None = None
    part_start = 0
    depth = 0
    parts: list[tuple[int, int]] = []
    index = 0
    length = len(body)
    while index < length:
        if body[index] == "\n":
            following = index
            while following < length and body[following].isspace():
                following += 1
            if open_start is not None:
                reopening = _family_mark(body, following, family) if following < length else None
                if (
                    reopening is not None
                    and reopening.kind == "open"
                    and len(parts) + 1 < MAX_QUOTE_PARAGRAPHS
                ):
                    parts.append((part_start, index))
                    part_start, depth = following + reopening.width, 1
                    index = following + reopening.width
                    continue
                open_start, parts, depth = None, [], 0
            index = following
            continue
        mark = _family_mark(body, index, family)
        width = mark.width if mark is not None else 1
        if mark is not None and mark.kind == "open":
            if open_start is None:
                open_start, part_start, depth, parts = index, index + width, 1, []
            else:
                depth += 1
        elif mark is not None and open_start is not None:
            depth -= 1
            if depth == 0:
                parts.append((part_start, index))
                quotes.append(QuoteSpan(open_start, index + width, parts))
                open_start, parts = None, []
        stop = stops.search(body, index + width)
        next_index = stop.start() if stop is not None else length
        # The characters up to the next stop are neither marks nor line breaks: only the length cap applies
        # to them, and it holds at the last of them if it holds anywhere in between (or at this one).
        if open_start is not None and next_index - 1 - open_start > MAX_QUOTE_CHARS:
            open_start, parts, depth = None, [], 0
        index = next_index
    return quotes


def _family_mark(body: str, index: int, family: str) -> Mark | None:
    """The mark of ``family`` starting at ``index``, or None (no mark, or one of the other family)."""
    mark = read_mark(body, index)
    return mark if mark is not None and mark.family == family else None


def merge_split_quotes(
    body: str, quotes: list[QuoteSpan], doc: Any, speech_verbs: frozenset[str]
) -> list[QuoteSpan]:
    """Join quotes interrupted by their attribution (“…,” he said. “…”) into one span.

    Two consecutive quotes of one paragraph merge when the first ends with a comma (inside or right after
    its closing mark, or before a nested closing mark: “… ‘ringleader,’”) and the words between them are a
    short clause holding a verb of ``speech_verbs`` (lemmas).
    """
    merged: list[QuoteSpan] = []
    for quote in quotes:
        previous = merged[-1] if merged else None
        if previous is not None and _is_split(body, previous, quote, doc, speech_verbs):
            merged[-1] = QuoteSpan(previous.start, quote.end, previous.parts + quote.parts)
        else:
            merged.append(quote)
    return merged


def _is_split(body: str, first: QuoteSpan, second: QuoteSpan, doc: Any, speech_verbs: frozenset[str]) -> bool:
    gap = body[first.end : second.start]
    if "\n" in gap or not gap.strip() or len(gap.split()) > MAX_SPLIT_GAP_WORDS:
        return False
    last_inner = inner_ending(body[first.parts[-1][0] : first.parts[-1][1]])
    if not (last_inner.endswith(",") or gap.lstrip().startswith(",")):
        return False
    if not gap.rstrip().endswith((".", ",", ":")):
        return False
    return any(
        token.lemma_.lower() in speech_verbs and token.pos_ == "VERB"
        for token in tokens_between(doc, first.end, second.start)
    )
