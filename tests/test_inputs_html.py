"""Saved web pages (``.html``, ``.htm``): main text without boilerplate, title, date, outlet, URL."""

from __future__ import annotations

import datetime as dt

import pytest

from factlake.config import ParseConfig
from factlake.parse import parse_input
from factlake.records import sha256_hex, to_frame
from factlake.reference import Reference
from schemas.tables import Articles, Rejects
from tests.fixtures.web import PAGES, forbid_network, news_page

CONFIG = ParseConfig()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_network(monkeypatch)


def test_a_news_page_becomes_one_article_without_its_boilerplate(reference: Reference) -> None:
    data = PAGES["port"].encode("utf-8")
    outcome = parse_input("world/port.html", data, CONFIG, reference)
    assert outcome.rejects == []
    [article] = outcome.articles
    assert article["title"] == "Port strike halts grain exports"
    assert article["published_date"] == dt.date(2024, 3, 5)
    assert article["date_source"] == "metadata"
    assert article["source_name"] == "Northern Ledger"
    assert article["url"] == "https://ledger.example/business/port-strike"
    assert article["content_sha256"] == sha256_hex(data)  # the raw HTML's hash
    body = article["body"]
    assert body.startswith("Dock workers at the northern port walked out on Monday")
    assert "“We will stay out until the contract is signed,” union leader Maria Kowalski" in body
    assert body.count("\n\n") == 2  # three paragraphs, the headline not repeated
    for boilerplate in ("Subscribe", "Cookie", "Copyright", "Most read", "weekend", "dataLayer", "Home"):
        assert boilerplate not in body
    Articles.validate(to_frame("articles", outcome.articles))


def test_a_page_without_a_date_has_none_and_the_same_page_gives_the_same_id(reference: Reference) -> None:
    data = PAGES["bridge"].encode("utf-8")
    first = parse_input("bridge.htm", data, CONFIG, reference).articles[0]
    again = parse_input("bridge.htm", data, CONFIG, reference).articles[0]
    assert first["published_date"] is None and first["date_source"] == "none"
    assert first == again


def test_a_page_dated_after_today_keeps_its_date(reference: Reference) -> None:
    """htmldate's default upper bound is the day of the run: a date must not depend on it."""
    page = news_page(
        "Launch window announced",
        ["The agency said the probe would launch in the spring, after two years of delays and tests."],
        published="2031-04-02T08:00:00Z",
    )
    [article] = parse_input("launch.html", page.encode(), CONFIG, reference).articles
    assert article["published_date"] == dt.date(2031, 4, 2)


def test_a_legacy_encoding_declared_in_the_page_is_honoured(reference: Reference) -> None:
    page = news_page(
        "Café owners protest",
        ["\u201cWe cannot pay these rents,\u201d said Zoë Müller, who runs a café near the station."],
        charset_meta="windows-1252",
    )
    [article] = parse_input("cafe.html", page.encode("cp1252"), CONFIG, reference).articles
    assert article["title"] == "Café owners protest"
    assert "\u201cWe cannot pay these rents,\u201d said Zoë Müller" in article["body"]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "file is empty"),
        (
            b"<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
            "article body has fewer than 3 words",
        ),
        (b"https://ledger.example/world/story", "HTML page could not be parsed"),
        (b"<html><body><script>var x = 1;</script><p> </p></body></html>", "HTML page has no main text"),
        (bytes(range(256)) * 8, "file is not text"),
    ],
)
def test_a_page_that_makes_no_article_is_one_reject_with_a_reason(
    reference: Reference, content: bytes, error: str
) -> None:
    outcome = parse_input("page.html", content, CONFIG, reference)
    assert outcome.articles == []
    [reject] = outcome.rejects
    assert reject["source_uri"] == "page.html" and reject["stage"] == "parse"
    assert reject["error"].startswith(error)
    assert reject["content_sha256"] == sha256_hex(content)
    Rejects.validate(to_frame("rejects", outcome.rejects))
