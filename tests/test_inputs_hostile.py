"""Property: whatever the bytes of a web page, web archive or feed, parsing never raises, names every row
after its input, and every row satisfies the contract (hostile characters included)."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from factlake.config import ParseConfig
from factlake.parse import parse_input
from factlake.records import to_frame
from factlake.reference import Reference
from schemas.tables import Articles, Rejects
from tests.fixtures.web import FEED, PAGES

CONFIG = ParseConfig()
HOSTILE = [
    "\ud83d",
    "\u202e",
    "\ufeff",
    "\x00",
    "\r",
    "普京",
    "<",
    ">",
    "&",
    "&#0;",
    "&#xd800;",
    "]]>",
    "''",
    "«",
]
#: Real inputs with hostile pieces spliced in, cut short, or replaced by anything at all.
PIECES = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), max_size=6).map("".join)
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def spliced(document: str, position: int, piece: str, cut: int) -> bytes:
    position %= len(document) + 1
    text = document[:position] + piece + document[position:]
    return text.encode("utf-8", "surrogatepass")[: max(0, len(text) - cut)]


def warc_of(page: bytes, status: str, content_type: str) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        "https://ledger.example/x", "response", payload=io.BytesIO(page), http_headers=headers
    )
    writer.write_record(record)
    return buffer.getvalue()


def check(name: str, data: bytes, reference: Reference) -> None:
    outcome = parse_input(name, data, CONFIG, reference)
    rows = outcome.articles + outcome.rejects
    assert rows and all(row["source_uri"].split("#")[0] == name for row in rows)
    assert not any(row["error"].startswith("unsupported file type") for row in outcome.rejects)
    Articles.validate(to_frame("articles", outcome.articles))
    Rejects.validate(to_frame("rejects", outcome.rejects))


@PROPERTY
@given(position=st.integers(0, 5000), piece=PIECES, cut=st.integers(0, 400))
def test_any_page_is_one_article_or_one_reject(reference, position, piece, cut):
    data = spliced(PAGES["port"], position, piece, cut)
    check("page.html", data, reference)
    assert len(parse_input("page.html", data, CONFIG, reference).articles) <= 1


@PROPERTY
@given(position=st.integers(0, 5000), piece=PIECES, cut=st.integers(0, 400))
def test_any_feed_gives_rows_named_after_it(reference, position, piece, cut):
    check("feed.xml", spliced(FEED, position, piece, cut), reference)


@PROPERTY
@given(
    position=st.integers(0, 5000),
    piece=PIECES,
    status=st.sampled_from(["200 OK", "500 Internal Server Error", "200"]),
    content_type=st.sampled_from(["text/html", "text/html; charset=bogus", "application/pdf", ""]),
    cut=st.integers(0, 300),
)
def test_any_archive_gives_rows_named_after_it(reference, position, piece, status, content_type, cut):
    archive = warc_of(spliced(PAGES["bridge"], position, piece, 0), status, content_type)
    check("crawl.warc.gz", archive[: max(0, len(archive) - cut)], reference)
