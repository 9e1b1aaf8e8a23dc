"""Parsing: the bytes of one input into ``articles`` records, or ``rejects`` records saying why not.

A ``.txt`` input is one article; a ``.jsonl`` input holds one article per non-blank line. Web pages, web
archives and feeds are parsed by the plug-ins of :mod:`factlake.inputs`, which build their articles with
:func:`draft_from_text` and :func:`finish_article`. Parsing never raises, whatever the bytes: every input
(every JSONL line, WARC record, feed item) ends as exactly one article or one reject.

How a text becomes an article:

1. Bytes are decoded (:mod:`factlake.decode`): UTF-8 (broken sequences replaced), UTF-16/32 with a
   byte-order mark, else a legacy encoding (cp1252 for mostly-ASCII text, otherwise what
   charset-normalizer detects). Inputs with too many control bytes are "not text". Control characters,
   zero-width characters and bidirectional controls are dropped, lone surrogates replaced by U+FFFD and
   line ends normalized.
2. An HTML page saved as text is reduced to its headline and the text of its body (stdlib ``html.parser``).
3. Boilerplate lines (``seeds/reference/boilerplate.txt``: tracking-tag remnants, share buttons, photo
   credits, captions, site disclaimers, section labels) are removed.
4. The first remaining line with a letter or digit is the title (JSONL records give it). A line longer
   than :data:`MAX_TITLE_CHARS` is not a headline: its first sentence becomes the title and the line stays
   in the body.
5. Among the first :data:`HEADER_LINES` lines after the title, a line that is only a date is the dateline
   (:mod:`factlake.datelines`; it gives ``published_date`` unless metadata did) and a repeat of the title
   is dropped, together with the caption lines that follow it in the same paragraph.
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from factlake.config import ParseConfig
from factlake.datelines import parse_dateline, parse_metadata_date
from factlake.decode import (
    clean_characters,
    control_byte_share,
    decode_text,
    decode_with_bom,
    decode_without_bom,
    html_to_text,
    looks_like_html,
)
from factlake.discover import error_detail, reject_record
from factlake.errors import BadInputError, RunError
from factlake.records import count_words, new_record, normalize_text, sha256_hex, stable_id
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
TXT_SUFFIX = ".txt"
JSONL_SUFFIX = ".jsonl"
TITLE_FIELDS = ("title", "headline")
TEXT_FIELDS = ("text", "body")
DATE_FIELDS = ("date", "published", "published_date", "dct", "date_published")
OUTLET_FIELDS = ("outlet", "publisher", "source")

_CLOSING_PUNCTUATION = ".!?:;…\"'”’»)"
_HAS_WORD_CHARACTER = re.compile(r"\w")
#: The end of a sentence inside a line: a lower-case letter, digit or closing mark, then ". ", "? " or
#: "! " (with an optional closing quote), then a capital letter or an opening mark. "U.S. Senate" is not
#: a break (capital before the dot). Matches a span of fixed width, so searching is linear.
_SENTENCE_BREAK = re.compile(r"[a-z0-9%)\]][.!?][\"'”’]? (?=[A-Z\"'“‘(])")
_JSONL_LINE_END = re.compile(rb"\r\n|\r|\n")
_LEADING_FLAGS = re.compile(r"\(\?([imsx]+)\)")


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

    An unexpected error while parsing (a bug, or a limit of a library) becomes a reject of stage
    ``parse`` for this input (or this JSONL line) alone, with the exception in ``detail``.

    Args:
        source_uri: Name of the input (path relative to its source folder); its ending picks the format.
        data: Raw bytes of the file.
        config: Parse settings (control-character ratio, minimum body words).
        reference: Reference data (boilerplate, bylines, outlets).

    Returns:
        For ``.txt``, ``.html``, ``.htm``: one article or one reject. For ``.jsonl``: one article or one
        reject per non-blank line, ``source_uri`` ``"<file>#<1-based line number>"``; a file that is empty
        or not text gives one reject for the whole file. For a WARC: one per record, ``"<file>#<record
        id>"``; for a feed: one per item, ``"<file>#<item number>"`` (:mod:`factlake.inputs`).
    """
    parser = parser_for(reference)
    name = source_uri.lower()
    plugin = _input_plugin(name)
    if plugin is not None:
        try:
            return plugin(source_uri, data, config, parser)
        except Exception as error:  # one input must not stop the run
            return ParseOutcome(rejects=[unexpected_reject(source_uri, "parse", error, sha256_hex(data))])
    if name.endswith(JSONL_SUFFIX):
        try:
            return _parse_jsonl(source_uri, data, config, parser)
        except Exception as error:  # one input must not stop the run
            return ParseOutcome(rejects=[unexpected_reject(source_uri, "parse", error, sha256_hex(data))])
    content_sha256 = sha256_hex(data)
    if not name.endswith(TXT_SUFFIX):
        found = f"'.{name.rsplit('.', 1)[1]}'" if "." in name.rsplit("/", 1)[-1] else "no extension"
        reject = reject_record(source_uri, "parse", f"unsupported file type: {found}", None, content_sha256)
        return ParseOutcome(rejects=[reject])
    outcome = ParseOutcome()
    text = attempt(outcome, source_uri, "read", content_sha256, lambda: decode_text(data, config))
    if text is None:
        return outcome
    article = attempt(
        outcome,
        source_uri,
        "parse",
        content_sha256,
        lambda: finish_article(draft_from_text(text, parser), source_uri, content_sha256, config),
    )
    if article is not None:
        outcome.articles.append(article)
    return outcome


def _input_plugin(name: str) -> Callable[[str, bytes, ParseConfig, Parser], ParseOutcome] | None:
    """The parser of an input format of :mod:`factlake.inputs` (web page, WARC, feed) for a file name."""
    # Imported here: the plug-ins build their articles with this module's functions.
    from factlake import inputs
    from factlake.inputs.feed import parse_feed
    from factlake.inputs.html_page import parse_html_file
    from factlake.inputs.warc import parse_warc_bytes

    if inputs.is_html(name):
        return parse_html_file
    if inputs.is_warc(name):
        return parse_warc_bytes
    if inputs.is_feed(name):
        return parse_feed
    return None


def attempt(outcome: ParseOutcome, uri: str, stage: str, content_sha256: str, call: Callable[[], Any]) -> Any:
    """``call()``'s result, or None after adding to ``outcome`` the reject that says why it failed.

    A :class:`~factlake.errors.BadInputError` gives its own reason; any other exception an
    :func:`unexpected_reject`: one input (line, item, page) must not stop the others or the run.
    """
    try:
        return call()
    except BadInputError as error:
        outcome.rejects.append(reject_record(uri, stage, error.error, error.detail, content_sha256))
    except Exception as error:  # one input must not stop the run
        outcome.rejects.append(unexpected_reject(uri, stage, error, content_sha256))
    return None


def unexpected_reject(
    source_uri: str, stage: str, error: BaseException, content_sha256: str | None = None
) -> dict[str, Any]:
    """The reject of an input whose processing failed with an unexpected exception."""
    return reject_record(
        source_uri,
        stage,
        f"this input could not be processed at the {stage} stage (an unexpected error, not a rule of "
        "factlake); the rest of the run went on",
        error_detail(error),
        content_sha256,
    )


# ------------------------------------------------------------------------------------------- the article


@dataclass
class _Line:
    """One non-blank line of a text, with the paragraph it belongs to."""

    text: str
    paragraph: int
    kept: bool = True


@dataclass
class Draft:
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


def draft_from_text(
    text: str,
    parser: Parser,
    *,
    title: str | None = None,
    metadata_date: dt.date | None = None,
    source_name: str | None = None,
    url: str | None = None,
    from_markup: bool = False,
) -> Draft:
    """Title, dateline, body and byline of a text (steps 2-7 of the module docstring).

    ``from_markup`` says the text was already taken out of HTML (a page, a WARC record, a feed item), so a
    text that merely mentions ``<html>`` is not parsed as markup again.

    Raises:
        BadInputError: No title can be found.
    """
    if not from_markup and looks_like_html(text):
        headline, text = html_to_text(text)
        title = title or headline
        if not text.strip() and not title:
            raise BadInputError("HTML page has no text")
    lines = _split_lines(text)
    n_boilerplate = _drop_boilerplate(lines, parser)
    kept = [line for line in lines if line.kept]
    header_start = 0
    if title is None or not title.strip():
        title, header_start = _title_from_lines(kept, n_boilerplate)
    title = " ".join(title.split())
    dateline_date = _drop_header_lines(kept[header_start : header_start + HEADER_LINES], title)
    if metadata_date is not None:
        published_date, date_source = metadata_date, "metadata"
    elif dateline_date is not None:
        published_date, date_source = dateline_date, "dateline"
    else:
        published_date, date_source = None, "none"
    byline_outlet = _drop_bylines(kept, parser)
    return Draft(
        title=title,
        body=_join_paragraphs(line for line in kept if line.kept),
        published_date=published_date,
        date_source=date_source,
        source_name=source_name or byline_outlet,
        url=url,
        n_boilerplate=n_boilerplate,
    )


def _drop_boilerplate(lines: list[_Line], parser: Parser) -> int:
    """Mark boilerplate lines as not kept (step 3); returns how many there were."""
    n_boilerplate = 0
    for line in lines:
        if parser.is_boilerplate(line.text):
            line.kept = False
            n_boilerplate += 1
    return n_boilerplate


def _title_from_lines(kept: list[_Line], n_boilerplate: int) -> tuple[str, int]:
    """The title taken from the first line with a letter or digit (step 4), and where the header starts.

    Raises:
        BadInputError: No line has a letter or a digit.
    """
    title_index = next(
        (index for index, line in enumerate(kept) if _HAS_WORD_CHARACTER.search(line.text)), None
    )
    if title_index is None:
        if n_boilerplate:
            raise BadInputError("no article text left after removing boilerplate")
        raise BadInputError("no title line found", detail="no line has a letter or a digit")
    title_line = kept[title_index]
    if is_headline(title_line.text):
        title_line.kept = False
        return title_line.text, title_index + 1
    return headline_from_paragraph(title_line.text), title_index + 1


def _drop_header_lines(header: list[_Line], title: str) -> dt.date | None:
    """Drop the dateline and repeats of the title among the header lines (step 5).

    Returns:
        The date of the dateline, or None when there is none (or it is no real date).
    """
    dateline_found = False
    dateline_date = None
    title_key = _comparable(title)
    for position, line in enumerate(header):
        if not line.kept:
            continue
        if not dateline_found:
            is_dateline, date = parse_dateline(line.text)
            if is_dateline:
                dateline_found = True
                line.kept = False
                dateline_date = date
                continue
        if abs(len(line.text) - len(title)) <= MAX_TITLE_REPEAT_LENGTH_DIFFERENCE and (
            _comparable(line.text) == title_key
        ):
            line.kept = False
            _drop_captions_after(line, header[position + 1 :])
    return dateline_date


def _drop_bylines(kept: list[_Line], parser: Parser) -> str | None:
    """Drop byline sentences (step 6); returns the outlet the first of them names."""
    first_outlet = None
    for line in kept:
        if line.kept:
            outlet = parser.byline_outlet(line.text)
            if outlet is not None:
                line.kept = False
                first_outlet = first_outlet or outlet
    return first_outlet


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


def finish_article(draft: Draft, source_uri: str, content_sha256: str, config: ParseConfig) -> dict:
    """The ``articles`` record of a draft.

    Raises:
        BadInputError: The body is empty or shorter than ``config.min_body_words``.
    """
    n_words = count_words(draft.body)
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
    """One article or one reject per non-blank line; one reject for a file that is empty or not text.

    Lines end with LF, CRLF or a lone CR (JSON text cannot hold a raw line end inside a string, so every
    one ends a record). A UTF-8 byte-order mark anywhere in a line (files concatenated into one) is
    dropped; a UTF-16/32 file with its byte-order mark is decoded first.
    """
    outcome = ParseOutcome()
    decoded = decode_with_bom(data) if not data.startswith(codecs.BOM_UTF8) else None
    if decoded is not None:
        data = decoded.encode("utf-8", "surrogatepass")
    if not data.replace(codecs.BOM_UTF8, b"").strip():
        outcome.rejects.append(reject_record(source_uri, "read", "file is empty", None, sha256_hex(data)))
        return outcome
    share = control_byte_share(data)
    if share > config.max_control_char_ratio:
        error = f"file is not text: {share:.0%} of bytes are control characters"
        outcome.rejects.append(reject_record(source_uri, "read", error, None, sha256_hex(data)))
        return outcome
    for number, raw_line in enumerate(_JSONL_LINE_END.split(data), start=1):
        line = raw_line.replace(codecs.BOM_UTF8, b"")
        if not line.strip():
            continue
        line_uri = f"{source_uri}#{number}"
        content_sha256 = sha256_hex(line)
        article = attempt(
            outcome,
            line_uri,
            "parse",
            content_sha256,
            lambda: _article_from_json_line(line, line_uri, content_sha256, config, parser),  # noqa: B023
        )
        if article is not None:
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
        record = json.loads(decode_without_bom(line))
    except (ValueError, RecursionError) as error:
        raise BadInputError("line is not valid JSON", detail=error_detail(error)) from error
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
    url = _first_string(record, ("url",))
    draft = draft_from_text(
        text,
        parser,
        title=clean_characters(title) if title else None,
        metadata_date=metadata_date,
        source_name=parser.canonical_outlet(clean_characters(outlet)) if outlet else None,
        url=clean_characters(url) or None if url else None,
    )
    return finish_article(draft, line_uri, content_sha256, config)


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
