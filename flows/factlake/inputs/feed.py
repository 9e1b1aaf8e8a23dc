"""An RSS or Atom feed (``.xml``, ``.rss``, ``.atom``) into one article per item, read by feedparser.

Each item (``<item>``, ``<entry>``) is named ``<file>#<n>`` (1-based, in feed order) and becomes an
article: its full content when the feed carries it (``content:encoded``, Atom ``<content>``), else its
summary (``<description>``, ``<summary>``); HTML in either is reduced to its text. The item's title, link
and date (published, else updated; feedparser gives it in UTC) fill the title, URL and publication date,
and the feed's own title names the outlet. ``content_sha256`` hashes the item's fields as read (there are
no separate raw bytes per item). An item without text is a reject, and so is a file that is not a feed
(an ``.xml`` of some other kind) or a feed without items.

feedparser is handed the bytes as a stream, never as a string: a string it takes for a URL or a file
name, and fetches or opens that.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from typing import Any

import feedparser

from factlake.config import ParseConfig
from factlake.decode import clean_characters, html_to_text
from factlake.discover import error_detail, reject_record
from factlake.errors import BadInputError
from factlake.parse import ParseOutcome, Parser, attempt, draft_from_text, finish_article, unexpected_reject
from factlake.records import sha256_hex

HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")


def parse_feed(source_uri: str, data: bytes, config: ParseConfig, parser: Parser) -> ParseOutcome:
    """One article or one reject per feed item; one reject for a file that is no feed. Never raises."""
    content_sha256 = sha256_hex(data)
    if not data.strip():
        return ParseOutcome(
            rejects=[reject_record(source_uri, "read", "file is empty", None, content_sha256)]
        )
    try:
        result = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    except Exception as error:  # a limit of the library: one input must not stop the run
        return ParseOutcome(rejects=[unexpected_reject(source_uri, "parse", error, content_sha256)])
    if not result.get("version") and not result.get("entries"):
        problem = result.get("bozo_exception")
        return ParseOutcome(
            rejects=[
                reject_record(
                    source_uri,
                    "parse",
                    "file is not an RSS or Atom feed",
                    error_detail(problem) if problem is not None else None,
                    content_sha256,
                )
            ]
        )
    if not result.entries:
        return ParseOutcome(
            rejects=[reject_record(source_uri, "parse", "feed has no items", None, content_sha256)]
        )
    outlet_name = clean_characters(result.feed.get("title") or "").strip()
    outlet = parser.canonical_outlet(outlet_name) if outlet_name else None
    outcome = ParseOutcome()
    for number, entry in enumerate(result.entries, start=1):
        item_uri = f"{source_uri}#{number}"
        item_sha256 = _item_sha256(entry)
        article = attempt(
            outcome,
            item_uri,
            "parse",
            item_sha256,
            lambda: _item_article(item_uri, item_sha256, entry, outlet, config, parser),  # noqa: B023
        )
        if article is not None:
            outcome.articles.append(article)
    return outcome


def _item_article(
    item_uri: str,
    item_sha256: str,
    entry: Any,
    outlet: str | None,
    config: ParseConfig,
    parser: Parser,
) -> dict[str, Any]:
    """The article of one feed item.

    Raises:
        BadInputError: The item has neither content nor summary, or its text makes no article.
    """
    text = _item_text(entry)
    if not text.strip():
        raise BadInputError("feed item has no content or summary text")
    title = clean_characters(entry.get("title") or "").strip() or None
    link = clean_characters(entry.get("link") or "").strip() or None
    draft = draft_from_text(
        text,
        parser,
        title=title,
        metadata_date=_item_date(entry),
        source_name=outlet,
        url=link,
        from_markup=True,
    )
    return finish_article(draft, item_uri, item_sha256, config)


def _item_text(entry: Any) -> str:
    """The item's full content, else its summary, as text (HTML reduced to its paragraphs)."""
    candidates = [(part.get("value") or "", part.get("type") or "") for part in entry.get("content") or []]
    summary_detail = entry.get("summary_detail") or {}
    candidates.append((entry.get("summary") or "", summary_detail.get("type") or "text/html"))
    for value, content_type in candidates:
        if not value.strip():
            continue
        if content_type.lower() in HTML_CONTENT_TYPES:
            _, text = html_to_text(value)
        else:
            text = clean_characters(value)
        if text.strip():
            return text
    return ""


def _item_date(entry: Any) -> dt.date | None:
    """The item's publication date (else its update date), in UTC, or None."""
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, name)  # not entry.get: feedparser answers "published" with "updated"
        if isinstance(value, time.struct_time):
            try:
                return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
            except ValueError:
                continue
    return None


def _item_sha256(entry: Any) -> str:
    """SHA-256 of the item's fields as read (id, title, link, dates, summary, content), in a fixed form."""
    fields = {
        name: dict.get(entry, name)
        for name in ("id", "title", "link", "published", "updated", "summary")
        if isinstance(dict.get(entry, name), str)
    }
    fields["content"] = [part.get("value") for part in entry.get("content") or []]
    return sha256_hex(json.dumps(fields, sort_keys=True, ensure_ascii=False))
