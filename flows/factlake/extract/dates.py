"""Date expressions: find them in a parsed doc and resolve them against the publication date.

Resolution is rule-based for the forms news writes most (weekdays, "last month", "12 September",
"two years ago", "November 10, 2020", "in 2020"); ``dateparser`` is the fallback for the rest. Rules come
first because dateparser's defaults do not fit news: without a base date it resolves against *today*, and
its ambiguity handling is not documented precisely enough to promise deterministic datasets.

Conventions (news is mostly written in the past tense; the clause's verb tense, when known, decides):

- A weekday means the latest such day on or before the publication date ("on Monday" in an article of
  Tuesday 2022-11-01 is 2022-10-31; "on Tuesday" is the publication day itself), or the next one when the
  verb is future ("will meet on Friday"); "next Monday" looks forward and "last Monday" strictly back.
- A day and month, or a month, without a year: in a past-tense clause the latest such date not after
  publication (a bare day/month after the publication date means last year: "Dec 20" in an article of
  2021-11-26 is 2020-12-20); in a future clause the earliest not before it; with no tense the nearest
  occurrence, a future one counting half again as far (measured on TimeBank, where news often announces
  dates a few weeks ahead: the strict past rule alone scored 0.77 there, this one 0.84).
- "N days/weeks ago" has day precision, "N months ago" month precision, "N years ago" year precision.
- Weeks, quarters, seasons without a year, decades, durations and anaphora ("that year") are not calendar
  dates of a supported precision: they stay unresolved with a note saying so.
- Without a publication date, anything relative or partial stays unresolved (value None) with a note;
  absolute expressions ("November 10, 2020", "in 2020") still resolve.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

DAY = "day"
MONTH = "month"
YEAR = "year"
#: Resolved dates outside these bounds are unresolved: the last representable year has no following
#: month for a period to end at.
MIN_RESOLVED_DATE = dt.date(1, 1, 1)
MAX_RESOLVED_DATE = dt.date(9998, 12, 31)
PAST = "past"
FUTURE_PENALTY = 1.5
FUTURE = "future"

MONTHS: dict[str, int] = {}
for _number in range(1, 13):
    MONTHS[calendar.month_name[_number].lower()] = _number
    MONTHS[calendar.month_abbr[_number].lower()] = _number
MONTHS["sept"] = 9

WEEKDAYS: dict[str, int] = {calendar.day_name[index].lower(): index for index in range(7)}
WEEKDAYS.update({calendar.day_abbr[index].lower(): index for index in range(7)})
WEEKDAYS.update({"tues": 1, "wednes": 2, "thur": 3, "thurs": 3})
#: Lower-case names of weekdays and months (full forms): capitalized, but never names of participants.
CALENDAR_WORDS = frozenset(
    [calendar.day_name[index].lower() for index in range(7)]
    + [calendar.month_name[number].lower() for number in range(1, 13)]
)

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": None, "few": None,
}  # fmt: skip

_MONTH_NAME = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY_NAME = r"(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>1[0-9]{3}|20[0-9]{2})"
_UNIT = r"(?P<unit>day|week|fortnight|month|year|decade)s?"
_COUNT = r"(?P<count>\d+|" + "|".join(NUMBER_WORDS) + r")"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))?"

_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})(?:-(?P<day>\d{2}))?\b")
_SLASHED = re.compile(r"\b(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{2}|\d{4})\b")
_DAY_MONTH = re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH_NAME}(?:,?\s+{_YEAR})?\b")
_MONTH_DAY = re.compile(rf"\b{_MONTH_NAME}\s+{_DAY}\b(?:,?\s+{_YEAR})?")
_MONTH_YEAR = re.compile(rf"\b{_MONTH_NAME}(?:\s+of)?,?\s+{_YEAR}\b")
_MONTH_ONLY = re.compile(
    rf"(?:\b(?P<modifier>this|last|next|past|previous|coming)\s+)?\b{_MONTH_NAME}(?!\s*\d)"
)
_MONTH_IN_YEAR = re.compile(rf"\b{_MONTH_NAME}(?:\s+of)?\s+(?P<modifier>this|last|next)\s+year\b")
_YEAR_ONLY = re.compile(rf"(?<![\d$£€-]){_YEAR}(?![\d%s-])")
_DECADE = re.compile(r"\b(?:1[0-9]|20)[0-9]0'?s\b")
_WEEKDAY = re.compile(rf"\b(?:(?P<modifier>last|next|this|past|coming|previous)\s+)?{_WEEKDAY_NAME}\b")
_AGO = re.compile(rf"\b{_COUNT}\s+{_UNIT}\s+ago\b")
_RELATIVE_PERIOD = re.compile(
    r"\b(?P<modifier>this|last|next|past|previous|coming)\s+(?P<unit>week|month|year)\b"
)
_UNIT_WORD = r"(?:day|week|fortnight|month|year|decade)s?"
_COUNT_WORD = r"(?:\d+|" + "|".join(NUMBER_WORDS) + r")"
_DURATION = re.compile(
    rf"\b{_COUNT_WORD}(?:\s+more)?[\s-]+{_UNIT_WORD}\b(?!\s+(?:ago|earlier|later|before|after))|"
    rf"\b{_UNIT_WORD}-long\b|"
    r"^(?:the\s+)?(?:past|last|next|coming|recent)\s+(?:\w+\s+)?(?:days|weeks|months|years|decades)\b|"
    r"^(?:days|weeks|months|years|decades|centuries)$"
)
_ANCHORED_ELSEWHERE = re.compile(rf"\b{_COUNT}\s+{_UNIT}\s+(?:earlier|later|before|after)\b")
_ANAPHORIC = re.compile(
    r"\b(?:that|the\s+same|the\s+following|the\s+previous|the\s+next)\s+(?:day|week|month|year)\b"
)
_SEASON_OR_QUARTER = re.compile(r"\b(?:spring|summer|fall|autumn|winter|quarter|half)\b")
_TODAY = re.compile(r"^(?:today|tonight|this\s+(?:morning|afternoon|evening))$")
_YESTERDAY = re.compile(rf"^(?:yesterday|last\s+night){_PART_OF_DAY}$")
_TOMORROW = re.compile(rf"^tomorrow{_PART_OF_DAY}$")
_PRESENT = re.compile(r"^(?:now|currently|the\s+present|these\s+days|recently|nowadays)$")
_LEADING_WORDS = re.compile(
    r"^(?:(?:on|in|at|by|since|until|till|during|from|of|the|as|early|late|mid|around|before|after|"
    r"earlier|later|beginning|end|start|middle)\b[\s-]*)+"
)


@dataclass(frozen=True)
class ResolvedDate:
    """A date expression resolved against a publication date.

    Attributes:
        value: The date (first day of the month or year at coarser precision), or None when unresolved.
        precision: ``day``, ``month`` or ``year``; None when unresolved.
        note: Why the expression stayed unresolved; None when it resolved.
    """

    value: dt.date | None
    precision: str | None
    note: str | None

    @property
    def resolved(self) -> bool:
        """True when the expression has a value."""
        return self.value is not None

    def formatted(self) -> str | None:
        """The value at its precision, as TimeML writes it: ``2022-10-31``, ``2022-10`` or ``2022``."""
        if self.value is None:
            return None
        if self.precision == YEAR:
            return f"{self.value.year:04d}"
        if self.precision == MONTH:
            return f"{self.value.year:04d}-{self.value.month:02d}"
        return self.value.isoformat()


@dataclass(frozen=True)
class DateExpression:
    """A date expression found in a doc.

    Attributes:
        text: The expression, exactly ``body[char_start:char_end]``.
        char_start: Offset of its first character in the body.
        char_end: Offset after its last character.
        token_start: Index of its first token in the doc.
        token_end: Index after its last token.
        root: Index of its syntactic head token, used to attach it to a verb.
        tense: ``past``, ``future`` or None: the tense of the verb governing it (see :func:`tense_at`).
    """

    text: str
    char_start: int
    char_end: int
    token_start: int
    token_end: int
    root: int
    tense: str | None = None


def _unresolved(note: str) -> ResolvedDate:
    return ResolvedDate(None, None, note)


def _day(year: int, month: int, day: int) -> ResolvedDate | None:
    try:
        return ResolvedDate(dt.date(year, month, day), DAY, None)
    except ValueError:
        return None


def _shift_months(date: dt.date, months: int) -> dt.date:
    index = date.year * 12 + (date.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _count(text: str) -> int | None:
    return int(text) if text.isdigit() else NUMBER_WORDS.get(text)


def _normalize(expression: str) -> str:
    text = expression.lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"[^\w\s/'.,-]", " ", text)
    text = " ".join(text.split()).strip(" .,")
    return _LEADING_WORDS.sub("", text).strip(" .,")


def _absolute(text: str) -> ResolvedDate | None:
    """Expressions that carry their own year; they need no publication date."""
    match = _ISO.search(text)
    if match:
        if match["day"]:
            return _day(int(match["year"]), int(match["month"]), int(match["day"]))
        if 1 <= int(match["month"]) <= 12:
            return ResolvedDate(dt.date(int(match["year"]), int(match["month"]), 1), MONTH, None)
    match = _SLASHED.search(text)
    if match:
        year = int(match["year"])
        year += 1900 if year >= 50 and year < 100 else 2000 if year < 50 else 0
        return _day(year, int(match["month"]), int(match["day"]))
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        match = pattern.search(text)
        if match and match["year"]:
            return _day(int(match["year"]), MONTHS[match["month"]], int(match["day"]))
    match = _MONTH_YEAR.search(text)
    if match:
        return ResolvedDate(dt.date(int(match["year"]), MONTHS[match["month"]], 1), MONTH, None)
    if _DECADE.search(text):
        return _unresolved(f"'{text}' is a decade; decades are not a supported precision")
    match = _YEAR_ONLY.search(text)
    if match:
        return ResolvedDate(dt.date(int(match["year"]), 1, 1), YEAR, None)
    return None


def _nearest(candidates: list[dt.date], published: dt.date, tense: str | None) -> dt.date | None:
    """The candidate the tense allows that is closest to publication.

    Without a tense, news mostly reports the past: a future candidate counts as half again as far away,
    so "April" in an article of late October is the April before, while "December" is the coming one.
    """
    if tense == PAST:
        candidates = [candidate for candidate in candidates if candidate <= published]
    elif tense == FUTURE:
        candidates = [candidate for candidate in candidates if candidate >= published]
    if not candidates:
        return None
    return min(candidates, key=lambda candidate: (_distance(candidate, published), candidate > published))


def _distance(candidate: dt.date, published: dt.date) -> float:
    days = (candidate - published).days
    return days * FUTURE_PENALTY if days > 0 else -days


def _partial(text: str, published: dt.date, tense: str | None) -> ResolvedDate | None:
    """A day and month, or a month, without a year: the nearest such date the tense allows."""
    years = (published.year - 1, published.year, published.year + 1)
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        match = pattern.search(text)
        if match:
            month, day = MONTHS[match["month"]], int(match["day"])
            candidates = []
            for year in years:
                with contextlib.suppress(ValueError):
                    candidates.append(dt.date(year, month, day))
            nearest = _nearest(candidates, published, tense)
            return ResolvedDate(nearest, DAY, None) if nearest else None
    match = _MONTH_ONLY.search(text)
    if match:
        month = MONTHS[match["month"]]
        modifier = match["modifier"]
        if modifier == "this":
            return ResolvedDate(dt.date(published.year, month, 1), MONTH, None)
        if modifier is not None:
            tense = FUTURE if modifier in {"next", "coming"} else PAST
        month_start = published.replace(day=1)
        candidates = [dt.date(year, month, 1) for year in years]
        if modifier is not None:
            candidates = [candidate for candidate in candidates if candidate != month_start]
        nearest = _nearest(candidates, month_start, tense)
        return ResolvedDate(nearest, MONTH, None) if nearest else None
    return None


def _relative(text: str, published: dt.date, tense: str | None) -> ResolvedDate | None:
    """Expressions relative to the publication date."""
    if _TODAY.match(text):
        return ResolvedDate(published, DAY, None)
    if _YESTERDAY.match(text):
        return ResolvedDate(published - dt.timedelta(days=1), DAY, None)
    if _TOMORROW.match(text):
        return ResolvedDate(published + dt.timedelta(days=1), DAY, None)
    if _DAY_MONTH.search(text) or _MONTH_DAY.search(text):
        return _partial(text, published, tense)
    match = _WEEKDAY.search(text)
    if match:
        weekday, modifier = WEEKDAYS[match["weekday"]], match["modifier"]
        if modifier in {"next", "coming"} or (modifier is None and tense == FUTURE):
            offset = (weekday - published.weekday()) % 7 or (0 if modifier is None else 7)
            return ResolvedDate(published + dt.timedelta(days=offset), DAY, None)
        back = (published.weekday() - weekday) % 7
        if modifier in {"last", "past", "previous"} and back == 0:
            back = 7
        return ResolvedDate(published - dt.timedelta(days=back), DAY, None)
    match = _AGO.search(text)
    if match:
        count, unit = _count(match["count"]), match["unit"]
        if count is None:
            return _unresolved(f"'{text}' gives no exact count to go back")
        if unit in {"day", "week", "fortnight"}:
            days = count * {"day": 1, "week": 7, "fortnight": 14}[unit]
            return ResolvedDate(published - dt.timedelta(days=days), DAY, None)
        if unit == "month":
            return ResolvedDate(_shift_months(published, -count), MONTH, None)
        years = count * (10 if unit == "decade" else 1)
        return ResolvedDate(dt.date(published.year - years, 1, 1), YEAR, None)
    match = _MONTH_IN_YEAR.search(text)
    if match:
        step = {"this": 0, "next": 1}.get(match["modifier"], -1)
        return ResolvedDate(dt.date(published.year + step, MONTHS[match["month"]], 1), MONTH, None)
    match = _RELATIVE_PERIOD.search(text)
    if match:
        step = {"this": 0, "coming": 1, "next": 1}.get(match["modifier"], -1)
        if match["unit"] == "week":
            return _unresolved(f"'{text}' is a week; weeks are not a supported precision")
        if match["unit"] == "month":
            return ResolvedDate(_shift_months(published, step), MONTH, None)
        return ResolvedDate(dt.date(published.year + step, 1, 1), YEAR, None)
    return _partial(text, published, tense)


@lru_cache(maxsize=256)
def _date_parser(published: dt.date) -> Any:
    """dateparser's parser resolving against ``published``, built once per publication date (building one
    costs about half as much as a parse; it keeps no state between parses with these arguments)."""
    settings = {
        "RELATIVE_BASE": dt.datetime(published.year, published.month, published.day),
        "PREFER_DATES_FROM": "past",
        "STRICT_PARSING": False,
    }
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings=settings)


def _with_dateparser(text: str, published: dt.date) -> ResolvedDate | None:
    data = _date_parser(published).get_date_data(text)
    if data.date_obj is None or data.period not in {DAY, MONTH, YEAR}:
        return None
    value = data.date_obj.date()
    if data.period == MONTH:
        value = value.replace(day=1)
    elif data.period == YEAR:
        value = value.replace(month=1, day=1)
    return ResolvedDate(value, data.period, None)


@lru_cache(maxsize=65536)
def resolve_date(expression: str, published: dt.date | None, tense: str | None = None) -> ResolvedDate:
    """Resolve a date expression against the publication date; never raises.

    A result outside the calendar Python and the tables can hold (before year 1, or in the last year
    9999, whose following month a period needs) is unresolved, whatever the publication date: a sentinel
    date such as ``0001-01-01`` with "last month", or ``9999-12-31`` with "tomorrow".

    Args:
        expression: The expression as written ("on Monday", "last month", "12 September", "in 2020").
        published: Publication date of the article, or None when unknown.
        tense: ``past`` or ``future`` when the clause's verb tells (see :func:`tense_at`); it decides
            which way a bare weekday, day-and-month or month goes. None: weekdays go back, days and
            months take the nearest occurrence.

    Returns:
        The date at day, month or year precision, or an unresolved result whose ``note`` says why.
    """
    try:
        resolved = _resolve(expression, published, tense)
    except (ValueError, OverflowError):
        return _unresolved(f"'{expression}' falls outside the calendar")
    if resolved.value is not None and not MIN_RESOLVED_DATE <= resolved.value <= MAX_RESOLVED_DATE:
        return _unresolved(f"'{expression}' falls outside the calendar")
    return resolved


def _resolve(expression: str, published: dt.date | None, tense: str | None) -> ResolvedDate:
    """:func:`resolve_date` without its guard: may raise for dates at the ends of the calendar."""
    text = _normalize(expression)
    if not text:
        return _unresolved(f"'{expression}' holds no date")
    if _PRESENT.match(text):
        return _unresolved(f"'{expression}' refers to the present, not to a calendar date")
    if _ANAPHORIC.search(text):
        return _unresolved(f"'{expression}' refers to a time named earlier in the article")
    if _ANCHORED_ELSEWHERE.search(text):
        return _unresolved(f"'{expression}' is relative to another event, not to the publication date")
    if is_duration(expression):
        return _unresolved(f"'{expression}' is a duration, not a point in time")
    absolute = _absolute(text)
    if absolute is not None:
        return absolute
    if _SEASON_OR_QUARTER.search(text):
        return _unresolved(f"'{expression}' is a season or quarter; not a supported precision")
    if published is None:
        return _unresolved(f"no publication date to resolve '{expression}' against")
    relative = _relative(text, published, tense)
    if relative is not None:
        return relative
    fallback = _with_dateparser(text, published)
    if fallback is not None:
        return fallback
    return _unresolved(f"'{expression}' is not a recognized date expression")


@lru_cache(maxsize=65536)
def is_duration(expression: str) -> bool:
    """True for lengths of time ("two decades", "44-day", "the past three months"), not points in time."""
    text = _normalize(expression)
    return bool(_DURATION.search(text)) and not _AGO.search(text) and not _ANCHORED_ELSEWHERE.search(text)


def find_date_expressions(doc: Any) -> list[DateExpression]:
    """Date expressions of a spaCy doc: its DATE entities, in document order.

    Durations ("two decades", "44-day") are returned too: :func:`resolve_date` tells them apart, and
    callers that only want points in time keep the resolved ones.
    """
    found = []
    for entity in doc.ents:
        if entity.label_ != "DATE":
            continue
        found.append(
            DateExpression(
                text=entity.text,
                char_start=entity.start_char,
                char_end=entity.end_char,
                token_start=entity.start,
                token_end=entity.end,
                root=entity.root.i,
                tense=tense_at(doc, entity.root.i),
            )
        )
    return found


_FUTURE_AUXILIARIES = frozenset({"will", "'ll", "shall", "wo"})
_FUTURE_MARKERS = frozenset({"schedule", "expect", "plan", "due", "set", "upcoming", "next"})


def tense_at(doc: Any, token_index: int) -> str | None:
    """Tense of the verb governing a token: ``future``, ``past`` or None (present or unknown).

    Walks up from the token to the first verb; "will meet", "is scheduled to meet" and "plans to meet"
    are future; past-tense and perfect verbs are past.
    """
    token = doc[token_index]
    for _ in range(8):
        if token.pos_ in {"VERB", "AUX"}:
            break
        if token.head.i == token.i:
            return None
        token = token.head
    else:
        return None
    verb = token
    for _ in range(3):
        children = {child.lower_ for child in verb.children if child.dep_ in {"aux", "auxpass"}}
        if children & _FUTURE_AUXILIARIES or verb.lemma_ in _FUTURE_MARKERS:
            return FUTURE
        if verb.tag_ == "VBD" or (verb.tag_ == "VBN" and children & {"has", "have", "had", "was", "were"}):
            return PAST
        if verb.dep_ not in {"xcomp", "ccomp"} or verb.head.i == verb.i:
            break
        verb = verb.head
    return None
