"""Parsing: the bytes of one input into ``articles`` records, or ``rejects`` records saying why not.

A ``.txt`` input is one article; a ``.jsonl`` input holds one article per non-blank line. Parsing never
raises, whatever the bytes: every input (every JSONL line) ends as exactly one article or one reject.

How a text becomes an article:

1. Bytes are decoded: UTF-8 (broken sequences replaced), UTF-16/32 with a byte-order mark, else a legacy
   encoding (cp1252 for mostly-ASCII text, otherwise what charset-normalizer detects). Inputs with too
   many control bytes are "not text". Control characters are dropped and line ends normalized.
2. An HTML page saved as text is reduced to its headline and the text of its body (stdlib ``html.parser``).
3. Boilerplate lines (``seeds/reference/boilerplate.txt``: tracking-tag remnants, share buttons, photo
   credits, captions, site disclaimers, section labels) are removed.
4. The first remaining line with a letter or digit is the title (JSONL records give it). A line longer
   than :data:`MAX_TITLE_CHARS` is not a headline: its first sentence becomes the title and the line stays
   in the body.
5. Among the first :data:`HEADER_LINES` lines after the title, a line that is only a date is the dateline
   (it gives ``published_date`` unless metadata did) and a repeat of the title is dropped, together with
   the caption lines that follow it in the same paragraph.
6. A byline sentence (``bylines.txt``) is dropped and names the outlet (``outlets.csv`` canonicalizes it).
7. The body keeps the remaining lines verbatim: lines of one paragraph joined by a newline, paragraphs by
   one blank line. Extractors take character offsets into this body.

JSONL records without a title take the first line of their text the same way (step 4), so a record whose
text starts with a headline loses it from the body and one that starts with a long paragraph keeps it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import charset_normalizer

from factlake.config import ParseConfig
from factlake.discover import reject_record
from factlake.errors import BadInputError, RunError
from factlake.records import new_record, normalize_text, sha256_hex, stable_id
from factlake.reference import Reference

#: Lines longer than this are paragraphs, not headlines.
MAX_TITLE_CHARS = 300
#: Titles cut out of a long first paragraph are shortened to about this many characters.
DERIVED_TITLE_CHARS = 200
#: How many lines after the title are searched for a dateline and a repeated title.
HEADER_LINES = 6
#: Only lines up to this length are tested against boilerplate patterns (boilerplate is short).
MAX_BOILERPLATE_LINE_CHARS = 1000
#: A repeated title differs from the title in length by at most this much (spacing, punctuation).
MAX_TITLE_REPEAT_LENGTH_DIFFERENCE = 10
#: Only lines up to this length can be bylines.
MAX_BYLINE_CHARS = 300
#: Lines up to this length without closing punctuation that follow a repeated title are captions.
MAX_CAPTION_CHARS = 300
#: Only lines up to this length can be datelines.
MAX_DATELINE_CHARS = 80
#: Share of non-ASCII bytes below which undecodable text is read as cp1252 (English with curly quotes).
MAX_NON_ASCII_SHARE_FOR_CP1252 = 0.3
#: Characters of the start of a text searched for HTML markers.
HTML_SNIFF_CHARS = 2000

TXT_SUFFIX = ".txt"
JSONL_SUFFIX = ".jsonl"
TITLE_FIELDS = ("title", "headline")
TEXT_FIELDS = ("text", "body")
DATE_FIELDS = ("date", "published", "published_date", "dct", "date_published")
OUTLET_FIELDS = ("outlet", "publisher", "source")

_TEXT_CONTROL_BYTES = {0x09, 0x0A, 0x0C, 0x0D}
_CONTROL_BYTES = bytes(byte for byte in [*range(0x20), 0x7F] if byte not in _TEXT_CONTROL_BYTES)
_LINE_BREAKS = {
    "\r\n": "\n",
    "\r": "\n",
    "\x0b": "\n",
    "\x0c": "\n",
    "\x85": "\n",
    "\u2028": "\n",
    "\u2029": "\n",
}
_DROPPED_CHARACTERS = str.maketrans(
    {
        **{chr(code): None for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(code) not in "\t\n"},
        "\ufeff": None,
    }
)
_CLOSING_PUNCTUATION = ".!?:;…\"'”’»)"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

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
_HAS_WORD_CHARACTER = re.compile(r"\w")
#: The end of a sentence inside a line: a lower-case letter, digit or closing mark, then ". ", "? " or
#: "! " (with an optional closing quote), then a capital letter or an opening mark. "U.S. Senate" is not
#: a break (capital before the dot). Matches a span of fixed width, so searching is linear.
_SENTENCE_BREAK = re.compile(r"[a-z0-9%)\]][.!?][\"'”’]? (?=[A-Z\"'“‘(])")
_LEADING_FLAGS = re.compile(r"\(\?([imsx]+)\)")
_HTML_MARKER = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<head[\s>]", re.IGNORECASE)


@dataclass
class ParseOutcome:
    """What parsing one input produced.

    Attributes:
        articles: ``articles`` records (duplicate columns left null: deduplication sets them).
        rejects: ``rejects`` records of stage ``read`` (not text) or ``parse`` (text, but no article).
    """

    articles: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Parser:
    """Compiled reference data for parsing, built once per reference version.

    Attributes:
        boilerplate: Patterns of whole lines that are not article text.
        bylines: Patterns of byline sentences with a named group ``outlet``.
        outlets: Canonical outlet names keyed by case-folded alias.
    """

    boilerplate: re.Pattern[str] | None
    bylines: tuple[re.Pattern[str], ...]
    outlets: dict[str, str]

    @classmethod
    def from_reference(cls, reference: Reference) -> Parser:
        """Compile ``boilerplate.txt``, ``bylines.txt`` and ``outlets.csv``.

        Raises:
            RunError: A pattern does not compile, or a byline pattern lacks the ``outlet`` group.
        """
        boilerplate = _compile_alternatives(reference.words("boilerplate"), "boilerplate.txt")
        bylines = tuple(_compile(pattern, "bylines.txt") for pattern in reference.words("bylines"))
        for pattern in bylines:
            if "outlet" not in pattern.groupindex:
                raise RunError(f"bylines.txt: pattern has no (?P<outlet>...) group: {pattern.pattern}")
        outlets = {
            row["alias"].strip().casefold(): row["name"].strip()
            for row in reference.table("outlets")
            if row.get("alias") and row.get("name")
        }
        return cls(boilerplate=boilerplate, bylines=bylines, outlets=outlets)

    def is_boilerplate(self, line: str) -> bool:
        """Whether a whole (stripped) line is boilerplate."""
        if self.boilerplate is None or len(line) > MAX_BOILERPLATE_LINE_CHARS:
            return False
        return self.boilerplate.fullmatch(line) is not None

    def byline_outlet(self, line: str) -> str | None:
        """The canonical outlet named by a byline sentence, or None when ``line`` is not a byline."""
        if len(line) > MAX_BYLINE_CHARS:
            return None
        for pattern in self.bylines:
            match = pattern.fullmatch(line)
            if match:
                return self.canonical_outlet(match.group("outlet")) or None
        return None

    def canonical_outlet(self, name: str) -> str | None:
        """Canonical name of an outlet (``outlets.csv``), or the name tidied; None when blank."""
        tidy = " ".join(name.split())
        if not tidy:
            return None
        key = tidy.casefold()
        if key in self.outlets:
            return self.outlets[key]
        if key.startswith("the ") and key[4:] in self.outlets:
            return self.outlets[key[4:]]
        return "The " + tidy[4:] if tidy.startswith("the ") else tidy


_PARSERS: dict[str, Parser] = {}


def parser_for(reference: Reference) -> Parser:
    """The :class:`Parser` of ``reference``, cached by its fingerprint (compiled once per process)."""
    if not reference.fingerprint:
        return Parser.from_reference(reference)
    parser = _PARSERS.get(reference.fingerprint)
    if parser is None:
        parser = _PARSERS[reference.fingerprint] = Parser.from_reference(reference)
    return parser


def parse_input(source_uri: str, data: bytes, config: ParseConfig, reference: Reference) -> ParseOutcome:
    """Parse the bytes of one input; never raises for any bytes.

    Args:
        source_uri: Name of the input (path relative to its source folder); its ending picks the format.
        data: Raw bytes of the file.
        config: Parse settings (control-character ratio, minimum body words).
        reference: Reference data (boilerplate, bylines, outlets).

    Returns:
        For ``.txt``: one article or one reject. For ``.jsonl``: one article or one reject per non-blank
        line, ``source_uri`` ``"<file>#<1-based line number>"``; a file that is empty or not text gives
        one reject for the whole file.
    """
    parser = parser_for(reference)
    name = source_uri.lower()
    if name.endswith(JSONL_SUFFIX):
        return _parse_jsonl(source_uri, data, config, parser)
    content_sha256 = sha256_hex(data)
    if not name.endswith(TXT_SUFFIX):
        found = f"'.{name.rsplit('.', 1)[1]}'" if "." in name.rsplit("/", 1)[-1] else "no extension"
        reject = reject_record(source_uri, "parse", f"unsupported file type: {found}", None, content_sha256)
        return ParseOutcome(rejects=[reject])
    try:
        text = decode_text(data, config)
    except BadInputError as error:
        return ParseOutcome(
            rejects=[reject_record(source_uri, "read", error.error, error.detail, content_sha256)]
        )
    try:
        draft = _draft_from_text(text, parser)
        article = _finish_article(draft, source_uri, content_sha256, config)
    except BadInputError as error:
        return ParseOutcome(
            rejects=[reject_record(source_uri, "parse", error.error, error.detail, content_sha256)]
        )
    return ParseOutcome(articles=[article])


# --------------------------------------------------------------------------------------------- decoding


def decode_text(data: bytes, config: ParseConfig) -> str:
    """Decode the bytes of a text file and clean its characters.

    Returns:
        The text with line ends normalized to ``\\n``, control characters and byte-order marks dropped.

    Raises:
        BadInputError: The input is empty, has too many control bytes, or its encoding is unknown.
    """
    if not data.strip():
        raise BadInputError("file is empty", detail=f"{len(data)} bytes")
    text = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            break
    if text is None:
        share = control_byte_share(data)
        if share > config.max_control_char_ratio:
            raise BadInputError(f"file is not text: {share:.0%} of bytes are control characters")
        text = _decode_without_bom(data)
    text = clean_characters(text)
    if not text.strip():
        raise BadInputError("file is empty", detail="only whitespace and control characters")
    return text


def control_byte_share(data: bytes) -> float:
    """Share of bytes that are control characters other than tab, line feed, form feed and return."""
    if not data:
        return 0.0
    return (len(data) - len(data.translate(None, _CONTROL_BYTES))) / len(data)


def clean_characters(text: str) -> str:
    """Normalize line ends and drop control characters (NUL, C1 controls, byte-order marks)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for old, new in _LINE_BREAKS.items():
        if old in text:
            text = text.replace(old, new)
    return text.translate(_DROPPED_CHARACTERS)


def _decode_without_bom(data: bytes) -> str:
    """UTF-8 when the bytes mostly are, else cp1252 for mostly-ASCII text, else a detected encoding."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    replaced = data.decode("utf-8", errors="replace")
    n_broken = replaced.count("\ufffd")
    n_valid_non_ascii = sum(1 for character in replaced if character > "\x7f") - n_broken
    if n_valid_non_ascii >= n_broken:
        # Genuine UTF-8 with a few broken sequences: replace only those.
        return replaced
    non_ascii_share = sum(1 for byte in data if byte > 0x7F) / len(data)
    if non_ascii_share <= MAX_NON_ASCII_SHARE_FOR_CP1252:
        # English text in Windows-1252 (curly quotes and dashes in 0x80-0x9f) or Latin-1; statistical
        # detectors misjudge such short, mostly-ASCII texts, so the common case is decided here.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise BadInputError("file is not text: its character encoding could not be recognized")
    return str(best)


# ------------------------------------------------------------------------------------------------- HTML


def looks_like_html(text: str) -> bool:
    """Whether a text is an HTML page saved as text (a doctype, ``<html>``, ``<head>`` or ``<body>``)."""
    return _HTML_MARKER.search(text, 0, HTML_SNIFF_CHARS) is not None


class _HtmlTextExtractor(HTMLParser):
    """Collects the headline and the paragraphs of an HTML page, skipping scripts and styles."""

    SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe", "object"})
    BLOCKS = frozenset(
        {
            "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
            "header", "footer", "blockquote", "pre", "tr", "td", "th", "table", "figure", "figcaption",
            "main", "aside", "nav", "hr", "dd", "dt", "body", "html", "title",
        }
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_depth = 0
        self.in_title = False
        self.in_h1 = False
        self.title_parts: list[str] = []
        self.h1_parts: list[str] = []
        self.paragraphs: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in self.SKIPPED:
            self.skip_depth += 1
        if tag == "h1" and not self.h1_parts:
            self.in_h1 = True
        if tag in self.BLOCKS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in self.SKIPPED and self.skip_depth:
            self.skip_depth -= 1
        if tag == "h1":
            self.in_h1 = False
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        elif not self.skip_depth:
            self.current.append(data)
            if self.in_h1:
                self.h1_parts.append(data)

    def _flush(self) -> None:
        paragraph = " ".join("".join(self.current).split())
        if paragraph:
            self.paragraphs.append(paragraph)
        self.current = []


def html_to_text(text: str) -> tuple[str | None, str]:
    """The headline (first ``<h1>``, else ``<title>``) and the body paragraphs of an HTML page.

    Raises:
        BadInputError: The markup is too broken for the parser.
    """
    extractor = _HtmlTextExtractor()
    try:
        extractor.feed(text)
        extractor.close()
    except (AssertionError, ValueError, IndexError) as error:
        raise BadInputError("HTML page could not be parsed", detail=str(error)[:200]) from error
    extractor._flush()
    headline = " ".join("".join(extractor.h1_parts).split()) or " ".join(
        "".join(extractor.title_parts).split()
    )
    return headline or None, "\n\n".join(extractor.paragraphs)


# ------------------------------------------------------------------------------------------------ dates


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
    return parsed.date() if parsed is not None else None


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------- the article


@dataclass
class _Line:
    """One non-blank line of a text, with the paragraph it belongs to."""

    text: str
    paragraph: int
    kept: bool = True


@dataclass
class _Draft:
    """An article before it gets ids: what the text and the metadata say."""

    title: str
    body: str
    published_date: dt.date | None = None
    date_source: str = "none"
    source_name: str | None = None
    url: str | None = None
    n_boilerplate: int = 0


def _split_lines(text: str) -> list[_Line]:
    """Non-blank, stripped lines, numbered by paragraph (a blank line starts a new paragraph)."""
    lines: list[_Line] = []
    paragraph = 0
    for raw in text.split("\n"):
        line = raw.strip()
        if line:
            lines.append(_Line(line, paragraph))
        else:
            paragraph += 1
    return lines


def _draft_from_text(
    text: str,
    parser: Parser,
    *,
    title: str | None = None,
    metadata_date: dt.date | None = None,
    source_name: str | None = None,
    url: str | None = None,
) -> _Draft:
    """Title, dateline, body and byline of a text (steps 2-7 of the module docstring).

    Raises:
        BadInputError: No title can be found.
    """
    if looks_like_html(text):
        headline, text = html_to_text(text)
        title = title or headline
        if not text.strip() and not title:
            raise BadInputError("HTML page has no text")
    lines = _split_lines(text)
    n_boilerplate = 0
    for line in lines:
        if parser.is_boilerplate(line.text):
            line.kept = False
            n_boilerplate += 1
    kept = [line for line in lines if line.kept]

    header_start = 0
    if title is None or not title.strip():
        title_index = next(
            (index for index, line in enumerate(kept) if _HAS_WORD_CHARACTER.search(line.text)), None
        )
        if title_index is None:
            if n_boilerplate:
                raise BadInputError("no article text left after removing boilerplate")
            raise BadInputError("no title line found", detail="no line has a letter or a digit")
        title_line = kept[title_index]
        if is_headline(title_line.text):
            title = title_line.text
            title_line.kept = False
        else:
            title = headline_from_paragraph(title_line.text)
        header_start = title_index + 1
    title = " ".join(title.split())

    published_date, date_source = metadata_date, ("metadata" if metadata_date else "none")
    dateline_found = False
    title_key = _comparable(title)
    header = kept[header_start : header_start + HEADER_LINES]
    for position, line in enumerate(header):
        if not line.kept:
            continue
        if not dateline_found:
            is_dateline, date = parse_dateline(line.text)
            if is_dateline:
                dateline_found = True
                line.kept = False
                if published_date is None and date is not None:
                    published_date, date_source = date, "dateline"
                continue
        if abs(len(line.text) - len(title)) <= MAX_TITLE_REPEAT_LENGTH_DIFFERENCE and (
            _comparable(line.text) == title_key
        ):
            line.kept = False
            _drop_captions_after(line, header[position + 1 :])

    for line in kept:
        if line.kept:
            outlet = parser.byline_outlet(line.text)
            if outlet is not None:
                line.kept = False
                source_name = source_name or outlet

    return _Draft(
        title=title,
        body=_join_paragraphs(line for line in kept if line.kept),
        published_date=published_date,
        date_source=date_source,
        source_name=source_name,
        url=url,
        n_boilerplate=n_boilerplate,
    )


def _drop_captions_after(repeat: _Line, following: list[_Line]) -> None:
    """Drop the caption lines that follow a repeated title in its paragraph (short, no closing mark)."""
    for line in following:
        if line.paragraph != repeat.paragraph or not line.kept:
            break
        if len(line.text) > MAX_CAPTION_CHARS or line.text.endswith(tuple(_CLOSING_PUNCTUATION)):
            break
        line.kept = False


def _comparable(text: str) -> str:
    """Form of a title for comparing repeats: normalized, without closing punctuation."""
    return normalize_text(text).rstrip(_CLOSING_PUNCTUATION + " ")


def _join_paragraphs(lines: Iterable[_Line]) -> str:
    """Lines of one paragraph joined by a newline, paragraphs by one blank line."""
    paragraphs: list[list[str]] = []
    previous = None
    for line in lines:
        if line.paragraph != previous:
            paragraphs.append([])
            previous = line.paragraph
        paragraphs[-1].append(line.text)
    return "\n\n".join("\n".join(paragraph) for paragraph in paragraphs)


def is_headline(line: str) -> bool:
    """Whether a first line reads as a headline: short, one sentence, not closed by a full stop."""
    return len(line) <= MAX_TITLE_CHARS and not line.endswith(".") and _SENTENCE_BREAK.search(line) is None


def headline_from_paragraph(paragraph: str) -> str:
    """A title for an article whose first line is a paragraph: its first sentence, shortened if long."""
    match = _SENTENCE_BREAK.search(paragraph, 0, DERIVED_TITLE_CHARS * 5)
    sentence = paragraph[: match.end()].rstrip() if match else paragraph
    if len(sentence) <= DERIVED_TITLE_CHARS:
        return sentence
    cut = sentence.rfind(" ", 0, DERIVED_TITLE_CHARS)
    return sentence[: cut if cut > 0 else DERIVED_TITLE_CHARS].rstrip() + "…"


def _finish_article(draft: _Draft, source_uri: str, content_sha256: str, config: ParseConfig) -> dict:
    """The ``articles`` record of a draft.

    Raises:
        BadInputError: The body is empty or shorter than ``config.min_body_words``.
    """
    n_words = len(draft.body.split())
    if n_words == 0 and draft.n_boilerplate:
        raise BadInputError("no article text left after removing boilerplate")
    if n_words < config.min_body_words:
        raise BadInputError(
            f"article body has fewer than {config.min_body_words} words",
            detail=f"{n_words} words after the title",
        )
    body_sha256 = sha256_hex(normalize_text(draft.body))
    return new_record(
        "articles",
        article_id=stable_id(body_sha256, source_uri),
        source_uri=source_uri,
        source_name=draft.source_name,
        url=draft.url,
        title=draft.title,
        published_date=draft.published_date,
        date_source=draft.date_source,
        body=draft.body,
        n_words=n_words,
        body_sha256=body_sha256,
        content_sha256=content_sha256,
    )


# ------------------------------------------------------------------------------------------------ JSONL


def _parse_jsonl(source_uri: str, data: bytes, config: ParseConfig, parser: Parser) -> ParseOutcome:
    """One article or one reject per non-blank line; one reject for a file that is empty or not text."""
    outcome = ParseOutcome()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if not data.strip():
        outcome.rejects.append(reject_record(source_uri, "read", "file is empty", None, sha256_hex(data)))
        return outcome
    share = control_byte_share(data)
    if share > config.max_control_char_ratio:
        error = f"file is not text: {share:.0%} of bytes are control characters"
        outcome.rejects.append(reject_record(source_uri, "read", error, None, sha256_hex(data)))
        return outcome
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
        line = raw_line.rstrip(b"\r")
        if not line.strip():
            continue
        line_uri = f"{source_uri}#{number}"
        content_sha256 = sha256_hex(line)
        try:
            article = _article_from_json_line(line, line_uri, content_sha256, config, parser)
        except BadInputError as error:
            outcome.rejects.append(
                reject_record(line_uri, "parse", error.error, error.detail, content_sha256)
            )
        else:
            outcome.articles.append(article)
    return outcome


def _article_from_json_line(
    line: bytes, line_uri: str, content_sha256: str, config: ParseConfig, parser: Parser
) -> dict[str, Any]:
    """The article of one JSONL record.

    Raises:
        BadInputError: The line is not a JSON object, has no text, or its text makes no article.
    """
    try:
        record = json.loads(_decode_without_bom(line))
    except (ValueError, RecursionError) as error:
        raise BadInputError("line is not valid JSON", detail=str(error)[:200]) from error
    if not isinstance(record, dict):
        raise BadInputError(f"line is not a JSON object but a JSON {_json_kind(record)}")
    text_field = next((name for name in TEXT_FIELDS if name in record), None)
    if text_field is None:
        raise BadInputError("record has no article text (no `text` or `body` field)")
    text = record[text_field]
    if not isinstance(text, str):
        raise BadInputError(f"record's `{text_field}` is not a string but a JSON {_json_kind(text)}")
    text = clean_characters(text)
    if not text.strip():
        raise BadInputError(f"record's `{text_field}` is empty (a headline without a story)")
    title = _first_string(record, TITLE_FIELDS)
    metadata_date = next(
        (date for name in DATE_FIELDS if (date := parse_metadata_date(record.get(name))) is not None), None
    )
    outlet = _first_string(record, OUTLET_FIELDS)
    draft = _draft_from_text(
        text,
        parser,
        title=clean_characters(title) if title else None,
        metadata_date=metadata_date,
        source_name=parser.canonical_outlet(outlet) if outlet else None,
        url=_first_string(record, ("url",)),
    )
    return _finish_article(draft, line_uri, content_sha256, config)


def _first_string(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The first of ``names`` holding a non-blank string (numbers are written out), stripped."""
    for name in names:
        value = record.get(name)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _json_kind(value: Any) -> str:
    """JSON name of a Python value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "string" if isinstance(value, str) else "object"


def _compile(pattern: str, file_name: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise RunError(f"{file_name}: invalid pattern {pattern!r}: {error}") from error


def _compile_alternatives(patterns: list[str], file_name: str) -> re.Pattern[str] | None:
    """One regex matching any of ``patterns`` (one C-level match per line instead of one per pattern).

    A leading global flag such as ``(?i)`` becomes a scoped group ``(?i:...)``, so it keeps applying to
    its own pattern only. Patterns must refer to their groups by name, not number.
    """
    if not patterns:
        return None
    alternatives = []
    for pattern in patterns:
        _compile(pattern, file_name)
        flags = _LEADING_FLAGS.match(pattern)
        if flags:
            alternatives.append(f"(?{flags.group(1)}:{pattern[flags.end() :]})")
        else:
            alternatives.append(f"(?:{pattern})")
    return _compile("|".join(alternatives), file_name)
