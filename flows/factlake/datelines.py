"""Publication dates written in an article's header or metadata: datelines and metadata values.

A date that cannot be a publication date (before :data:`MIN_PUBLICATION_YEAR` or after
:data:`MAX_PUBLICATION_YEAR`: placeholders such as ``0001-01-01`` or ``9999-12-31`` of an export) is
treated as no date at all, so relative dates of the text stay unresolved instead of landing in year 0.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

#: Only lines up to this length can be datelines.
MAX_DATELINE_CHARS = 80
#: Years a publication date can have: printed news is younger, and later years are placeholders.
MIN_PUBLICATION_YEAR = 1600
MAX_PUBLICATION_YEAR = 2999

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+"
_TIME = r"\d{1,2}[:.]\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:[ap]\.?m\.?)?(?:\s*\(?[a-z]{2,5}\)?)?"
#: A line that is only a date, optionally with a weekday, a time and a label: "November 1, 2022",
#: "19:25, 26 November 2021", "Published: Tue 8 Nov 2022 10:00 GMT", "2022-11-01". Linear: no nested
#: quantifiers over the same characters.
_DATELINE = re.compile(
    rf"(?:(?:published|updated|posted)(?:\s+on)?:?\s+)?"
    rf"(?:{_TIME},?\s+)?"
    rf"(?:{_WEEKDAY})?"
    rf"(?:(?P<month_a>{_MONTH})\s+(?P<day_a>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year_a>\d{{4}})"
    rf"|(?P<day_b>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month_b>{_MONTH}),?\s+(?P<year_b>\d{{4}})"
    rf"|(?P<day_c>\d{{1,2}})-(?P<month_c>{_MONTH})-(?P<year_c>\d{{4}})"
    rf"|(?P<year_d>\d{{4}})[-/](?P<month_d>\d{{1,2}})[-/](?P<day_d>\d{{1,2}}))"
    rf"(?:(?:,|\s+at|\s*[-|–—])?\s*{_TIME})?",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?")


def parse_dateline(line: str) -> tuple[bool, dt.date | None]:
    """Whether ``line`` is only a date, and the date (None when impossible, e.g. 31 February).

    Returns:
        ``(is_dateline, date)``.
    """
    if len(line) > MAX_DATELINE_CHARS:
        return False, None
    match = _DATELINE.fullmatch(line.strip())
    if match is None:
        return False, None
    parts = match.groupdict()
    for suffix in "abcd":
        if parts[f"year_{suffix}"]:
            month_text = parts[f"month_{suffix}"].rstrip(".").lower()
            month = int(month_text) if month_text.isdigit() else _MONTHS[month_text]
            return True, _make_date(int(parts[f"year_{suffix}"]), month, int(parts[f"day_{suffix}"]))
    return False, None  # pragma: no cover - the pattern always sets one year group


def parse_metadata_date(value: Any) -> dt.date | None:
    """A publication date from a metadata value: ISO strings, common written dates, ``{"value": ...}``.

    Returns None for anything that is not a real calendar date (no guessing of missing parts).
    """
    if isinstance(value, dict):
        value = value.get("value")
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_DATELINE_CHARS:
        return None
    iso = _ISO_DATE.fullmatch(text)
    if iso:
        return _make_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    is_date, date = parse_dateline(text)
    if is_date:
        return date
    return _dateparser_date(text)


def _dateparser_date(text: str) -> dt.date | None:
    """Last resort for unusual absolute formats; relative dates ("yesterday") are refused."""
    import dateparser

    try:
        parsed = dateparser.parse(
            text,
            languages=["en"],
            settings={
                "PARSERS": ["absolute-time"],
                "REQUIRE_PARTS": ["day", "month", "year"],
                "RETURN_AS_TIMEZONE_AWARE": False,
            },
        )
    except (ValueError, TypeError, OverflowError, RecursionError):
        return None
    if parsed is None:
        return None
    return _make_date(parsed.year, parsed.month, parsed.day)


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None when it is not a real calendar date or not a possible publication date."""
    if not MIN_PUBLICATION_YEAR <= year <= MAX_PUBLICATION_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
