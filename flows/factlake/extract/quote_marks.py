"""Quotation marks and quote spans, shared by the quote scan (:mod:`factlake.extract.quotes`) and speaker
resolution (:mod:`factlake.extract.speakers`)."""

from __future__ import annotations

from dataclasses import dataclass, field

OPENING_MARKS = frozenset("“«„")
CLOSING_MARKS = frozenset("”»")
STRAIGHT_MARK = '"'
#: Closing single marks that may end a quote nested at its end (“… ‘He’s the ringleader,’” Sexton said).
NESTED_CLOSING_MARKS = "’'"


@dataclass
class QuoteSpan:
    """A quotation found by the scan: outer span (marks included) and the inner parts (marks excluded)."""

    start: int
    end: int
    parts: list[tuple[int, int]] = field(default_factory=list)


def mark_kind(body: str, index: int) -> str | None:
    """ "open", "close" or None for the character at ``index``; straight marks are read from their sides."""
    character = body[index]
    if character in OPENING_MARKS:
        return "open"
    if character in CLOSING_MARKS:
        return "close"
    if character == STRAIGHT_MARK:
        before = body[index - 1] if index else " "
        return "open" if before.isspace() or before in "([{—–-/" else "close"
    return None


def inner_ending(inner: str) -> str:
    """A quote's inner text without trailing space and nested closing marks (“… ‘No,’” → "… ‘No,")."""
    return inner.rstrip().rstrip(NESTED_CLOSING_MARKS).rstrip()
