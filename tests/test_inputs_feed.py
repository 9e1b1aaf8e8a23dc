"""RSS and Atom feeds (``.xml``, ``.rss``, ``.atom``): one article or one reject per item."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from factlake.config import ParseConfig
from factlake.parse import parse_input
from factlake.records import to_frame
from factlake.reference import Reference
from schemas.tables import Articles, Rejects
from tests.fixtures.web import FEED, forbid_network

CONFIG = ParseConfig()

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>BBC</title>
  <id>tag:ledger.example,2024:feed</id>
  <updated>2024-03-08T10:00:00Z</updated>
  <entry>
    <title>Wind farm approved off the east coast</title>
    <id>tag:ledger.example,2024:1</id>
    <link href="https://ledger.example/energy/wind"/>
    <updated>2024-03-08T09:00:00Z</updated>
    <summary>Short summary only.</summary>
    <content type="html">&lt;p&gt;Ministers approved a wind farm of 90 turbines off the east coast on
      Friday.&lt;/p&gt;&lt;p&gt;&#8220;It will power a million homes,&#8221;
      the energy minister said.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Ferry timetable changes</title>
    <id>tag:ledger.example,2024:2</id>
    <link href="https://ledger.example/transport/ferry"/>
    <published>2024-03-07T23:30:00-02:00</published>
    <summary type="text">Ferries to the islands will sail twice a day from next week.</summary>
  </entry>
</feed>
"""


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_network(monkeypatch)


def test_every_rss_item_is_one_article_or_one_reject(reference: Reference) -> None:
    outcome = parse_input("ledger.rss", FEED.encode(), CONFIG, reference)
    assert [row["source_uri"] for row in outcome.articles] == ["ledger.rss#1", "ledger.rss#2"]
    assert [(row["source_uri"], row["error"]) for row in outcome.rejects] == [
        ("ledger.rss#3", "feed item has no content or summary text")
    ]
    fares, library = outcome.articles
    assert fares["title"] == "Rail fares to rise by 4.9 per cent"
    assert fares["url"] == "https://ledger.example/transport/rail-fares"
    assert fares["published_date"] == dt.date(2024, 3, 7) and fares["date_source"] == "metadata"
    assert fares["source_name"] == "Northern Ledger"
    # The full content wins over the one-line description, and its HTML becomes paragraphs.
    assert fares["body"] == (
        "Rail fares will rise by 4.9 per cent in April, the transport ministry said on Thursday.\n\n"
        "\u201cPassengers deserve better value,\u201d said Anna Berg, who chairs the passenger council."
    )
    assert library["body"] == (
        "The central library reopened on Wednesday after six months of repairs to flood damage."
    )
    Articles.validate(to_frame("articles", outcome.articles))
    Rejects.validate(to_frame("rejects", outcome.rejects))


def test_atom_entries_take_content_title_link_and_a_utc_date(reference: Reference) -> None:
    outcome = parse_input("feeds/ledger.atom", ATOM.encode(), CONFIG, reference)
    assert outcome.rejects == []
    wind, ferry = outcome.articles
    assert wind["body"].startswith("Ministers approved a wind farm of 90 turbines")
    assert "\u201cIt will power a million homes,\u201d the energy minister said." in wind["body"]
    assert wind["url"] == "https://ledger.example/energy/wind"
    assert wind["published_date"] == dt.date(2024, 3, 8)
    assert wind["source_name"] == "BBC News"  # the feed's title, canonical by outlets.csv
    assert ferry["body"] == "Ferries to the islands will sail twice a day from next week."
    assert ferry["published_date"] == dt.date(2024, 3, 8)  # 23:30 at UTC-2 is the next day in UTC


def test_items_get_the_same_ids_every_time(reference: Reference) -> None:
    first = parse_input("ledger.xml", FEED.encode(), CONFIG, reference)
    again = parse_input("ledger.xml", FEED.encode(), CONFIG, reference)
    assert first == again
    assert len({row["content_sha256"] for row in first.articles + first.rejects}) == 3


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0"?><configuration><setting name="a">1</setting></configuration>',
        b"<html><body><p>A web page saved with the wrong name.</p></body></html>",
        b"plain words, no markup at all",
    ],
)
def test_an_xml_file_that_is_no_feed_is_one_reject(reference: Reference, content: bytes) -> None:
    outcome = parse_input("settings.xml", content, CONFIG, reference)
    assert outcome.articles == []
    [reject] = outcome.rejects
    assert reject["source_uri"] == "settings.xml" and reject["stage"] == "parse"
    assert reject["error"] == "file is not an RSS or Atom feed"


def test_a_feed_without_items_and_an_empty_file_are_rejects(reference: Reference) -> None:
    empty_feed = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    assert [row["error"] for row in parse_input("q.rss", empty_feed, CONFIG, reference).rejects] == [
        "feed has no items"
    ]
    assert [row["error"] for row in parse_input("q.rss", b"  \n", CONFIG, reference).rejects] == [
        "file is empty"
    ]


def test_content_naming_a_file_is_not_opened(tmp_path: Path, reference: Reference) -> None:
    """The bytes are the feed: content that happens to be a file's name must not make that file read."""
    elsewhere = tmp_path / "elsewhere.rss"
    elsewhere.write_text(FEED)
    outcome = parse_input("named.rss", str(elsewhere).encode(), CONFIG, reference)
    assert outcome.articles == []
    assert [row["error"] for row in outcome.rejects] == ["file is not an RSS or Atom feed"]
