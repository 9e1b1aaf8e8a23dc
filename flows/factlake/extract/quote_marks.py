"""Quotation marks and quote spans, shared by the quote scan (:mod:`factlake.extract.quotes`) and speaker
resolution (:mod:`factlake.extract.speakers`).

Marks come in two families, read in separate scans of the quote finder:

- **double**: curly “…”, straight "…", typewriter ``''…''`` (two apostrophes, read by their sides like
  straight marks) and ````…''`` (two backticks open, two apostrophes close), guillemets «…» (French) or
  »…« (German, Danish: the first guillemet of a body tells which), and low-high „…“ / „…” (German, Polish:
  in a body holding „, a “ after a word closes);
- **single**: British ‘…’ and '…', low-high ‚…‘, and ```…'``. An apostrophe is no mark: inside a word
  (don't, D’Souza), before a decade or year ('90s, ’97), in a few elisions ('em, ’til, rock ’n’ roll) and
  after a plural possessive ("the Joneses' dog", "players’ union": an ``s`` then the mark then a space and
  a lower-case word).

A mark of the other family inside a quote is nested and only text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

DOUBLE = "double"
SINGLE = "single"
OPENING_MARKS = frozenset("“«„")
CLOSING_MARKS = frozenset("”»")
STRAIGHT_MARK = '"'
#: Two-character double marks: typewriter (``''``, read by its sides) and the opening of ````…''``.
TYPEWRITER_DOUBLE = "''"
BACKTICK_DOUBLE = "``"
#: Characters that can begin a mark of either family (the scan stops only at these and line breaks).
MARK_CHARACTERS = "“”«»„\"'`‘’‚"
#: Closing single marks that may end a quote nested at its end (“… ‘He’s the ringleader,’” Sexton said).
NESTED_CLOSING_MARKS = "’'"
#: Characters before a straight or typewriter mark that make it an opening one (besides white space).
_OPENING_CONTEXT = "([{—–-/"
#: Characters before a single mark that make it an opening one: the opening context, or a double mark
#: that opens a quote holding a nested single one (“‘…’ …”).
_SINGLE_OPENING_CONTEXT = _OPENING_CONTEXT + '“„«»"`'
#: What follows an apostrophe that is no opening mark: a decade or year ('90s, ’97) or an elision.
_ELISION = re.compile(r"\d\d(?:s\b|\b)|(?:em|til|tis|twas|cause|n)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Mark:
    """A quotation mark in a text: whether it opens or closes, its family and its width in characters."""

    kind: str
    family: str
    width: int = 1


@dataclass(frozen=True)
class Convention:
    """How a body writes the marks whose direction varies between languages.

    Attributes:
        reversed_guillemets: » opens and « closes (German, Danish), told by the first guillemet.
        low_high: The body holds „ (German, Polish): a “ after a word closes instead of opening.
    """

    reversed_guillemets: bool = False
    low_high: bool = False


@dataclass
class QuoteSpan:
    """A quotation found by the scan: outer span (marks included) and the inner parts (marks excluded)."""

    start: int
    end: int
    parts: list[tuple[int, int]] = field(default_factory=list)


@functools.lru_cache(maxsize=16)
def body_convention(body: str) -> Convention:
    """The :class:`Convention` of a body (cached: speaker rules ask it once per mark)."""
    opening_french, opening_german = body.find("«"), body.find("»")
    reversed_guillemets = opening_german != -1 and (opening_french == -1 or opening_german < opening_french)
    return Convention(reversed_guillemets=reversed_guillemets, low_high="„" in body)


def read_mark(body: str, index: int) -> Mark | None:
    """The mark starting at ``index``, or None when the character there is no quotation mark."""
    character = body[index]
    if character not in MARK_CHARACTERS:
        return None
    before = body[index - 1] if index else " "
    after = body[index + 1] if index + 1 < len(body) else " "
    if character in "'`" and before == character:
        return None  # the second character of a two-character mark
    if character == "'" and after == "'":
        return Mark(_side(before, _OPENING_CONTEXT), DOUBLE, 2)
    if character == "`":
        return Mark("open", DOUBLE, 2) if after == "`" else Mark("open", SINGLE)
    if character in "‘’‚'":
        return _single_mark(body, index, before, after)
    return _double_mark(character, before, body_convention(body))


def mark_kind(body: str, index: int) -> str | None:
    """ "open", "close" or None for the mark starting at ``index`` (of either family)."""
    mark = read_mark(body, index)
    return mark.kind if mark is not None else None


def _double_mark(character: str, before: str, convention: Convention) -> Mark:
    if character == STRAIGHT_MARK:
        return Mark(_side(before, _OPENING_CONTEXT), DOUBLE)
    if character in "«»":
        opens = (character == "«") != convention.reversed_guillemets
        return Mark("open" if opens else "close", DOUBLE)
    if character == "“" and convention.low_high:
        return Mark(_side(before, _OPENING_CONTEXT), DOUBLE)
    return Mark("open" if character in OPENING_MARKS else "close", DOUBLE)


def _single_mark(body: str, index: int, before: str, after: str) -> Mark | None:
    """A single mark, or None for an apostrophe (see the module docstring).

    ‘ ' and ‚ open after white space or an opening character; ’ ' and ‘ (the German closer of ‚…‘) close
    after anything else when no letter or digit follows.
    """
    character = body[index]
    opens_here = (before.isspace() or before in _SINGLE_OPENING_CONTEXT) and not after.isspace()
    if character in "‘‚'" and opens_here and _ELISION.match(body, index + 1) is None:
        return Mark("open", SINGLE)
    if character == "‚":
        return None
    if before.isspace() or after.isalnum():
        return None  # an apostrophe inside or at the start of a word
    if before in "sS" and after == " " and body[index + 2 : index + 3].islower():
        return None  # a plural possessive: "the Joneses' dog"
    return Mark("close", SINGLE)


def _side(before: str, opening_context: str) -> str:
    """A mark read by its sides: opening after white space or an opening character, else closing."""
    return "open" if before.isspace() or before in opening_context else "close"


def inner_ending(inner: str) -> str:
    """A quote's inner text without trailing space and nested closing marks (“… ‘No,’” → "… ‘No,")."""
    return inner.rstrip().rstrip(NESTED_CLOSING_MARKS).rstrip()
