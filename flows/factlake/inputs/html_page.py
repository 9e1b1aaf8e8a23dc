"""A saved web page (``.html``, ``.htm``, or the payload of a WARC record) into one article.

The page is decoded (a byte-order mark, else UTF-8, else the charset the HTTP header or a ``<meta>`` tag
declares, else the text decoding of :mod:`factlake.decode`), parsed once into a tree, and then:

- trafilatura takes out the main text, the title, the site name (the outlet) and the canonical URL,
  leaving navigation, footers, comments and other boilerplate out;
- htmldate finds the publication date in the markup (meta tags, ``<time>``, JSON-LD, the URL), looking for
  the original date rather than the last update, with fixed bounds so the same page always gives the
  same date (its default upper bound is "today");
- the text then goes through the same steps as a text file (boilerplate lines, repeated title, dateline,
  byline: :func:`factlake.parse.draft_from_text`).

The article's ``content_sha256`` is the SHA-256 of the raw HTML bytes.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import re
from typing import Any

import htmldate
import trafilatura
from trafilatura.utils import load_html

from factlake.config import ParseConfig
from factlake.decode import clean_characters, control_byte_share, decode_text, decode_with_bom
from factlake.errors import BadInputError
from factlake.parse import ParseOutcome, Parser, attempt, draft_from_text, finish_article
from factlake.records import sha256_hex

#: Date bounds handed to htmldate. Its default upper bound is today, which would make a page's date
#: depend on the day of the run; a WARC record's fetch date replaces the upper bound when known.
EARLIEST_PAGE_DATE = "1995-01-01"
LATEST_PAGE_DATE = "2099-12-31"
#: Bytes of the start of a page searched for a ``<meta charset>`` declaration.
CHARSET_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I)


def parse_html_file(source_uri: str, data: bytes, config: ParseConfig, parser: Parser) -> ParseOutcome:
    """One article or one reject for a saved web page; never raises."""
    outcome = ParseOutcome()
    article = attempt(
        outcome, source_uri, "parse", sha256_hex(data), lambda: page_article(source_uri, data, config, parser)
    )
    if article is not None:
        outcome.articles.append(article)
    return outcome


def page_article(
    source_uri: str,
    data: bytes,
    config: ParseConfig,
    parser: Parser,
    *,
    url: str | None = None,
    fetched: dt.date | None = None,
    declared_charset: str | None = None,
) -> dict[str, Any]:
    """The ``articles`` record of an HTML page.

    Args:
        source_uri: Name of the page (a file, or ``file.warc.gz#record-id``).
        data: The raw HTML bytes.
        config: Parse settings.
        parser: Compiled reference data (boilerplate, bylines, outlets).
        url: The page's URL when the container knows it (a WARC header); else the page's canonical URL.
        fetched: When the page was fetched (a WARC header): the upper bound of its publication date, and
            the article's date (``date_source`` "fetched") when the page states none.
        declared_charset: The charset of an HTTP ``Content-Type`` header, if any.

    Raises:
        BadInputError: The page is empty, not text, cannot be parsed, or has no main text.
    """
    text = decode_page(data, config, declared_charset)
    tree = load_html(text)
    if tree is None:
        raise BadInputError("HTML page could not be parsed")
    published = page_date(copy.deepcopy(tree), url, fetched)
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=_date_options(fetched),
    )
    main_text = clean_characters(getattr(document, "text", None) or "")
    if not main_text.strip():
        raise BadInputError("HTML page has no main text (only navigation, boilerplate or markup)")
    title = clean_characters(getattr(document, "title", None) or "").strip() or None
    sitename = clean_characters(getattr(document, "sitename", None) or "")
    draft = draft_from_text(
        "\n\n".join(line for line in main_text.split("\n") if line.strip()),
        parser,
        title=title,
        metadata_date=published,
        source_name=parser.canonical_outlet(sitename) if sitename else None,
        url=url or clean_characters(getattr(document, "url", None) or "") or None,
        from_markup=True,
    )
    if draft.published_date is None and fetched is not None:
        draft.published_date, draft.date_source = fetched, "fetched"
    return finish_article(draft, source_uri, sha256_hex(data), config)


def decode_page(data: bytes, config: ParseConfig, declared_charset: str | None = None) -> str:
    """The text of an HTML page's bytes.

    A byte-order mark or valid UTF-8 wins; otherwise the declared charset (HTTP header, else the page's
    ``<meta charset>``) when Python knows it; otherwise the decoding of text files.

    Raises:
        BadInputError: The page is empty or not text.
    """
    if decode_with_bom(data) is None and not _is_utf8(data):
        charset = _known_codec(declared_charset) or _known_codec(_meta_charset(data))
        if charset is not None:
            share = control_byte_share(data)
            if share > config.max_control_char_ratio:
                raise BadInputError(f"file is not text: {share:.0%} of bytes are control characters")
            try:
                text = clean_characters(data.decode(charset, errors="replace"))
            except LookupError:  # a codec that is not a text encoding ("base64", "rot13")
                text = ""
            if text.strip():
                return text
    return decode_text(data, config)


def page_date(tree: Any, url: str | None, fetched: dt.date | None) -> dt.date | None:
    """The publication date htmldate finds in a parsed page (never after ``fetched``), or None."""
    try:
        found = htmldate.find_date(tree, url=url, **_date_options(fetched))
    except Exception:  # a page whose date cannot be found is still an article
        return None
    if not found:
        return None
    try:
        return dt.date.fromisoformat(found)
    except ValueError:
        return None


def _date_options(fetched: dt.date | None) -> dict[str, Any]:
    """htmldate's settings: the original date, markup only (no guessing from the text), fixed bounds."""
    return {
        "original_date": True,
        "extensive_search": False,
        "min_date": EARLIEST_PAGE_DATE,
        "max_date": fetched.isoformat() if fetched is not None else LATEST_PAGE_DATE,
    }


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data, 0, CHARSET_SNIFF_BYTES)
    return match.group(1).decode("ascii") if match else None


def _known_codec(name: str | None) -> str | None:
    """The codec Python knows by ``name``, or None (an unknown or missing name)."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None
