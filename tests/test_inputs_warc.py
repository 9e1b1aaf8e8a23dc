"""Web archives (``.warc``, ``.warc.gz``): streamed record by record, one article or reject per record.

The archives are written with warcio itself from pages made in :mod:`tests.fixtures.web`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from dataclasses import replace
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from factlake.config import ParseConfig
from factlake.discover import discover_inputs
from factlake.ingest import read_and_parse
from factlake.parse import ParseOutcome, parse_input
from factlake.records import sha256_hex, to_frame
from factlake.reference import Reference
from schemas.tables import Articles, Rejects
from tests.fixtures.web import PAGES, forbid_network, news_page, write_warc

CONFIG = ParseConfig()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_network(monkeypatch)


def ingest(folder: Path, reference: Reference, config: ParseConfig = CONFIG) -> ParseOutcome:
    inputs, rejects = discover_inputs([folder], config)
    assert rejects == []
    return read_and_parse(inputs, config, reference)


def test_every_record_is_one_article_or_one_reject_with_a_reason(
    tmp_path: Path, reference: Reference
) -> None:
    ids = write_warc(tmp_path / "crawl.warc.gz")
    outcome = ingest(tmp_path, reference)
    uris = [row["source_uri"] for row in outcome.articles + outcome.rejects]
    assert sorted(uris) == sorted(f"crawl.warc.gz#{record_id}" for record_id in ids)
    by_uri = {row["source_uri"]: row for row in outcome.articles + outcome.rejects}
    errors = [by_uri[f"crawl.warc.gz#{record_id}"].get("error") for record_id in ids]
    assert errors == [
        "WARC warcinfo record: only response and resource records hold pages",
        "WARC request record: only response and resource records hold pages",
        None,  # the port page
        "WARC request record: only response and resource records hold pages",
        None,  # the bridge page
        "WARC response has HTTP status 404: only a 200 response holds a page",
        "WARC response has HTTP status 301: only a 200 response holds a page",
        "WARC record is not an HTML page: its content type is 'image/png'",
        "WARC metadata record: only response and resource records hold pages",
    ]
    Articles.validate(to_frame("articles", outcome.articles))
    Rejects.validate(to_frame("rejects", outcome.rejects))


def test_url_and_fetch_date_come_from_the_warc_headers(tmp_path: Path, reference: Reference) -> None:
    ids = write_warc(tmp_path / "crawl.warc.gz")
    articles = {row["source_uri"]: row for row in ingest(tmp_path, reference).articles}
    port, bridge = articles[f"crawl.warc.gz#{ids[2]}"], articles[f"crawl.warc.gz#{ids[4]}"]
    assert port["url"] == "https://ledger.example/port"  # WARC-Target-URI, not the page's canonical link
    assert port["published_date"] == dt.date(2024, 3, 5) and port["date_source"] == "metadata"
    assert bridge["published_date"] == dt.date(2024, 3, 6) and bridge["date_source"] == "fetched"
    assert port["title"] == "Port strike halts grain exports" and port["source_name"] == "Northern Ledger"
    assert port["content_sha256"] == sha256_hex(PAGES["port"].encode("utf-8"))  # the served HTML's hash
    assert "Subscribe" not in port["body"] and "Cookie" not in port["body"]


def test_an_archive_larger_than_the_file_limit_is_read_record_by_record(
    tmp_path: Path, reference: Reference
) -> None:
    """The limit of a whole file applies to each page: the archive itself is streamed, never read whole."""
    path = tmp_path / "crawl.warc.gz"
    write_warc(path)
    largest_page = max(len(page.encode()) for page in PAGES.values())
    config = replace(CONFIG, max_file_bytes=largest_page + 10)
    assert path.stat().st_size > config.max_file_bytes
    outcome = ingest(tmp_path, reference, config)
    assert len(outcome.articles) == 2 and len(outcome.rejects) == 7
    small = replace(CONFIG, max_file_bytes=largest_page - 1)
    too_large = [row for row in ingest(tmp_path, reference, small).rejects if "limit" in row["error"]]
    assert [row["error"] for row in too_large] == [
        f"WARC record's page is larger than the {largest_page - 1}-byte limit"
    ]


def test_an_uncompressed_archive_and_the_same_archive_as_bytes_give_the_same_rows(
    tmp_path: Path, reference: Reference
) -> None:
    compressed = tmp_path / "gz" / "crawl.warc.gz"
    compressed.parent.mkdir()
    write_warc(compressed)
    plain = tmp_path / "plain" / "crawl.warc"
    plain.parent.mkdir()
    plain.write_bytes(gzip.decompress(compressed.read_bytes()))  # every gzip member, one after the other
    streamed = ingest(plain.parent, reference)
    in_memory = parse_input("crawl.warc", plain.read_bytes(), CONFIG, reference)
    assert streamed == in_memory
    assert len(streamed.articles) == 2 and len(streamed.rejects) == 7


def test_a_damaged_archive_keeps_the_records_before_the_damage(tmp_path: Path, reference: Reference) -> None:
    path = tmp_path / "crawl.warc.gz"
    write_warc(path)
    data = path.read_bytes()
    path.write_bytes(data + b"\x1f\x8b\x08\x00garbage that is not a gzip member" * 4)
    outcome = ingest(tmp_path, reference)
    assert len(outcome.articles) == 2
    [broken] = [row for row in outcome.rejects if row["source_uri"] == "crawl.warc.gz"]
    assert broken["stage"] == "read"
    assert broken["error"] == "WARC archive is damaged after record 9: the rest of it could not be read"
    assert len(outcome.rejects) == 8


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "WARC file holds no records"),
        (b"This is a text file that was named like an archive.\n", "file is not a readable WARC archive"),
        (gzip.compress(b"not a warc either\n" * 10), "file is not a readable WARC archive"),
    ],
)
def test_a_file_that_is_no_archive_is_one_reject(
    tmp_path: Path, reference: Reference, content: bytes, error: str
) -> None:
    (tmp_path / "odd.warc.gz").write_bytes(content)
    outcome = ingest(tmp_path, reference)
    assert outcome.articles == []
    [reject] = outcome.rejects
    assert reject["source_uri"] == "odd.warc.gz" and reject["error"] == error


def test_repeated_record_ids_still_name_each_record_once(tmp_path: Path, reference: Reference) -> None:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for title in ("Harbour reopens after storm", "Harbour reopens after storm damage repaired"):
        page = news_page(title, [f"The harbour reopened on Friday, officials said. {title} in full detail."])
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            "https://ledger.example/h", "response", payload=io.BytesIO(page.encode()), http_headers=headers
        )
        record.rec_headers.replace_header("WARC-Record-ID", "<urn:uuid:same>")
        writer.write_record(record)
    (tmp_path / "twice.warc.gz").write_bytes(buffer.getvalue())
    outcome = ingest(tmp_path, reference)
    assert [row["source_uri"] for row in outcome.articles] == [
        "twice.warc.gz#urn:uuid:same",
        "twice.warc.gz#urn:uuid:same~2",
    ]
    Articles.validate(to_frame("articles", outcome.articles))
