"""Decoding: the bytes of a text file into clean text, and an HTML page saved as text into its text.

Bytes are decoded as UTF-8 (broken sequences replaced), UTF-16/32 with a byte-order mark, else a legacy
encoding (cp1252 for mostly-ASCII text, otherwise what charset-normalizer detects). Inputs with too many
control bytes are "not text". Then :func:`clean_characters` normalizes line ends and drops characters that
are invisible but would make two equal names differ: control characters, byte-order marks, zero-width
characters and bidirectional-text controls (``Pu\u200etin`` is Putin), and replaces lone surrogates (a
JSON ``"\ud83d"``, half of an emoji) by U+FFFD, which no table could store otherwise.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

import charset_normalizer

from factlake.config import ParseConfig
from factlake.discover import error_detail
from factlake.errors import BadInputError

#: Share of non-ASCII bytes below which undecodable text is read as cp1252 (English with curly quotes).
MAX_NON_ASCII_SHARE_FOR_CP1252 = 0.3
#: Characters of the start of a text searched for HTML markers.
HTML_SNIFF_CHARS = 2000

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
#: Invisible format characters: zero-width space, non-joiner and joiner, left-to-right and right-to-left
#: marks, the embeddings and overrides (LRE, RLE, PDF, LRO, RLO), word joiner and invisible operators, the
#: isolates (LRI, RLI, FSI, PDI) and the byte-order mark (zero-width no-break space).
INVISIBLE_FORMAT_CHARACTERS = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
_DROPPED_CHARACTERS = str.maketrans(
    {
        **{chr(code): None for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(code) not in "\t\n"},
        **{character: None for character in INVISIBLE_FORMAT_CHARACTERS},
    }
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HTML_MARKER = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<head[\s>]", re.IGNORECASE)


def decode_text(data: bytes, config: ParseConfig) -> str:
    """Decode the bytes of a text file and clean its characters.

    Returns:
        The text with line ends normalized to ``\\n``, control characters and byte-order marks dropped.

    Raises:
        BadInputError: The input is empty, has too many control bytes, or its encoding is unknown.
    """
    if not data.strip():
        raise BadInputError("file is empty", detail=f"{len(data)} bytes")
    text = decode_with_bom(data)
    if text is None:
        share = control_byte_share(data)
        if share > config.max_control_char_ratio:
            raise BadInputError(f"file is not text: {share:.0%} of bytes are control characters")
        text = decode_without_bom(data)
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
    """Normalize line ends, drop control and invisible format characters, replace lone surrogates."""
    if not text.isascii():
        text = _LONE_SURROGATE.sub("\ufffd", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for old, new in _LINE_BREAKS.items():
        if old in text:
            text = text.replace(old, new)
    return text.translate(_DROPPED_CHARACTERS)


def decode_with_bom(data: bytes) -> str | None:
    """The text of bytes that start with a UTF-8/16/32 byte-order mark (broken sequences replaced), else
    None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    return None


def decode_without_bom(data: bytes) -> str:
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
        raise BadInputError("HTML page could not be parsed", detail=error_detail(error)) from error
    extractor._flush()
    headline = " ".join("".join(extractor.h1_parts).split()) or " ".join(
        "".join(extractor.title_parts).split()
    )
    # Character references (&#8206;, &#0;) become characters only now: clean them like the raw text.
    return clean_characters(headline) or None, clean_characters("\n\n".join(extractor.paragraphs))
