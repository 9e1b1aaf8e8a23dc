"""A web archive (``.warc``, ``.warc.gz``; CC-NEWS, a crawler's output) into articles, record by record.

The archive is read as a stream with warcio: one record at a time, and of each record's payload at most
``max_file_bytes`` (the limit of a whole text file applies to each page instead), so a 1 GB archive never
sits in memory. Every record ends as exactly one article or one reject, named
``<file>#<WARC-Record-ID>`` (the id without its angle brackets; ``record-<n>`` when a record has none):

- a ``response`` record of a 200 HTTP response with an HTML content type, or a ``resource`` record of an
  HTML page, is one article (:func:`factlake.inputs.html_page.page_article`), its URL taken from
  ``WARC-Target-URI`` and its fetch date from ``WARC-Date``;
- every other record is a reject saying why: another record type (``warcinfo``, ``request``,
  ``metadata``, ``revisit``), another HTTP status, a content type that is not HTML, a payload over the
  limit, or a page that makes no article.

A file that is not a WARC, or whose records stop being readable part way (damaged or truncated
compression), keeps the articles and rejects of the records read so far and gets one more reject, for
the file, saying after how many records it broke off. A file without records is one reject.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator

from factlake.config import ParseConfig
from factlake.discover import error_detail, printable_uri, reject_record, size_text
from factlake.errors import BadInputError
from factlake.inputs.html_page import page_article
from factlake.parse import ParseOutcome, Parser, unexpected_reject
from factlake.records import sha256_hex

#: Record types that can hold a page; the others are rejected by type.
PAGE_RECORD_TYPES = ("response", "resource")
HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml")
#: Bytes read from a payload at a time when skipping or reading it.
READ_CHUNK_BYTES = 1024 * 1024


def parse_warc_bytes(source_uri: str, data: bytes, config: ParseConfig, parser: Parser) -> ParseOutcome:
    """:func:`parse_warc_stream` over bytes already in memory (an input handed over as bytes)."""
    return parse_warc_stream(source_uri, io.BytesIO(data), config, parser)


def parse_warc_stream(source_uri: str, stream: BinaryIO, config: ParseConfig, parser: Parser) -> ParseOutcome:
    """One article or one reject per record of a WARC stream, read one record at a time.

    Raises:
        OSError: Reading the stream itself failed (the caller decides whether to retry); nothing else.
    """
    outcome = ParseOutcome()
    seen: dict[str, int] = {}
    n_records = 0
    records = _records(stream)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except OSError:
            raise
        except Exception as error:  # a damaged archive: keep what was read, say where it broke off
            outcome.rejects.append(_broken_off(source_uri, n_records, error))
            return outcome
        n_records += 1
        record_uri = _record_uri(source_uri, record, n_records, seen)
        try:
            outcome.articles.append(_record_article(record_uri, record, config, parser))
        except BadInputError as error:
            outcome.rejects.append(
                reject_record(record_uri, "parse", error.error, error.detail, _payload_sha256(error))
            )
        except OSError:
            raise
        except Exception as error:  # one record must not stop the others
            outcome.rejects.append(unexpected_reject(record_uri, "parse", error))
    if n_records == 0:
        outcome.rejects.append(reject_record(source_uri, "read", "WARC file holds no records"))
    return outcome


def _records(stream: BinaryIO) -> Iterator[Any]:
    """The WARC records of a stream.

    Raises:
        ValueError: A record is not a WARC record (warcio also reads the older ARC format, and takes any
            line of text for an ARC header).
    """
    for record in ArchiveIterator(stream):
        if record.format != "warc":
            raise ValueError(f"not a WARC record (read as {record.format or 'unknown'} format)")
        yield record


def _broken_off(source_uri: str, n_records: int, error: BaseException) -> dict[str, Any]:
    if n_records == 0:
        return reject_record(source_uri, "read", "file is not a readable WARC archive", error_detail(error))
    return reject_record(
        source_uri,
        "read",
        f"WARC archive is damaged after record {n_records}: the rest of it could not be read",
        error_detail(error),
    )


def _record_uri(source_uri: str, record: Any, number: int, seen: dict[str, int]) -> str:
    """``<file>#<record id>``; an id repeated within the file gets ``~2``, ``~3`` … (uris stay unique)."""
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip().strip("<>").strip()
    record_id = printable_uri(record_id) if record_id else f"record-{number}"
    seen[record_id] = seen.get(record_id, 0) + 1
    if seen[record_id] > 1:
        record_id = f"{record_id}~{seen[record_id]}"
    return f"{source_uri}#{record_id}"


class _PayloadRejected(BadInputError):
    """A record rejected after its payload was read: the reject records the payload's hash."""

    def __init__(self, error: str, detail: str | None, content_sha256: str) -> None:
        super().__init__(error, detail)
        self.content_sha256 = content_sha256


def _payload_sha256(error: BadInputError) -> str | None:
    return error.content_sha256 if isinstance(error, _PayloadRejected) else None


def _record_article(record_uri: str, record: Any, config: ParseConfig, parser: Parser) -> dict[str, Any]:
    """The article of one WARC record.

    Raises:
        BadInputError: The record holds no HTML page that makes an article, and why.
    """
    content_type = _page_content_type(record)
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type not in HTML_MEDIA_TYPES:
        shown = f"'{media_type}'" if media_type else "none given"
        raise BadInputError(f"WARC record is not an HTML page: its content type is {shown}")
    limit = config.max_file_bytes
    payload = _read_payload(record.content_stream(), limit)
    if len(payload) > limit:
        raise BadInputError(f"WARC record's page is larger than the {size_text(limit)} limit")
    try:
        return page_article(
            record_uri,
            payload,
            config,
            parser,
            url=_target_uri(record),
            fetched=_fetch_date(record),
            declared_charset=_charset(parameters),
        )
    except BadInputError as error:
        raise _PayloadRejected(error.error, error.detail, sha256_hex(payload)) from error


def _page_content_type(record: Any) -> str:
    """The content type of the page a record holds.

    Raises:
        BadInputError: The record is of a type that holds no page, or a response that is no HTTP 200.
    """
    if record.rec_type not in PAGE_RECORD_TYPES:
        raise BadInputError(
            f"WARC {record.rec_type or 'untyped'} record: only response and resource records hold pages"
        )
    if record.rec_type == "resource":
        return record.rec_headers.get_header("Content-Type") or ""
    if record.http_headers is None:
        raise BadInputError("WARC response record has no HTTP headers (not a fetch of a web page)")
    status = record.http_headers.get_statuscode()
    if status != "200":
        raise BadInputError(
            f"WARC response has HTTP status {status or 'none'}: only a 200 response holds a page"
        )
    return record.http_headers.get_header("Content-Type") or ""


def _read_payload(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a record's payload, read in chunks."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(READ_CHUNK_BYTES, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _target_uri(record: Any) -> str | None:
    value = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>").strip()
    return printable_uri(value) if value else None


def _fetch_date(record: Any) -> dt.date | None:
    """The day of ``WARC-Date`` (ISO 8601, UTC), or None when missing or malformed."""
    value = (record.rec_headers.get_header("WARC-Date") or "").strip()
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
