"""Tests of factlake.parse on the seed articles, on JSONL records and on the public corpora."""

from __future__ import annotations

import datetime as dt
import json
from itertools import islice

import pytest

from evaluation import DEFAULT_CORPORA_DIR
from factlake.config import DEFAULT_SOURCE, ParseConfig
from factlake.errors import RunError
from factlake.parse import (
    Parser,
    headline_from_paragraph,
    is_headline,
    parse_dateline,
    parse_input,
    parse_metadata_date,
    parser_for,
)
from factlake.records import normalize_text, sha256_hex, stable_id, to_frame
from factlake.reference import Reference
from schemas.tables import Articles, Rejects

CONFIG = ParseConfig()

SEED_TITLES = {
    "000": "Armenia, Azerbaijan Vow to Resolve Nagorno-Karabakh Conflict Under Russian Mediation",
    "001": "Putin Hosts Armenia and Azerbaijan for Talks Over Nagorno-Karabakh",
    "002": "Putin says normalization in Yerevan and interests of Baku",
    "003": "Leaders of Russia, Armenia, and Azerbaijan hold negotiations in Sochi",
    "004": "Putin Offers Mediation in Renewed Efforts to Resolve Armenian-Azerbaijani Conflict",
}
SEED_DATES = {"000": dt.date(2022, 11, 1), "003": dt.date(2021, 11, 26)}
SEED_BOILERPLATE = [
    "gtag",
    "IMAGE SOURCE",
    "(L-R)",
    "Image: Reuters",
    "Global Look Press",
    "Photo:",
    "Not all news on the site",
    "Back to top button",
    "Russia news",
    "is a national security reporter",
    "November 1, 2022",
    "19:25",
]


@pytest.fixture(scope="module")
def seed_articles(reference: Reference) -> dict[str, dict]:
    articles = {}
    for path in sorted(DEFAULT_SOURCE.glob("*.txt")):
        outcome = parse_input(path.name, path.read_bytes(), CONFIG, reference)
        assert outcome.rejects == []
        (article,) = outcome.articles
        articles[path.name[:3]] = article
    return articles


def validate_articles(articles: list[dict]) -> None:
    Articles.validate(to_frame("articles", articles))


def test_seed_titles_are_the_first_real_line(seed_articles: dict[str, dict]) -> None:
    assert {name: article["title"] for name, article in seed_articles.items()} == SEED_TITLES


def test_seed_dates_come_from_datelines(seed_articles: dict[str, dict]) -> None:
    for name, article in seed_articles.items():
        assert article["published_date"] == SEED_DATES.get(name)
        assert article["date_source"] == ("dateline" if name in SEED_DATES else "none")


def test_seed_bodies_hold_no_boilerplate(seed_articles: dict[str, dict]) -> None:
    for name, article in seed_articles.items():
        body = article["body"]
        for fragment in SEED_BOILERPLATE:
            assert fragment not in body, (name, fragment)
        assert normalize_text(body.split("\n\n")[0]) != normalize_text(article["title"]), name
        assert body.strip() == body and "\n\n\n" not in body
        assert body.split("\n")[-1] != "Share"


def test_seed_bodies_keep_the_real_paragraphs(seed_articles: dict[str, dict]) -> None:
    first = seed_articles["000"]["body"]
    assert first.startswith("Armenia and Azerbaijan are “actively preparing”")
    assert "Armenia and Azerbaijan on Monday vowed to work together" in first
    assert first.endswith("owing to Moscow’s years of experience in the region.")
    kremlin = seed_articles["003"]["body"]
    assert "“We have publicly offered to start working on a peace treaty" in kremlin
    assert seed_articles["002"]["body"].endswith("The ensuing conflict claimed an estimated 30,000 lives.")
    assert seed_articles["004"]["body"].endswith("appeared to be a caution to Yerevan.")


def test_seed_byline_names_the_outlet(seed_articles: dict[str, dict]) -> None:
    assert seed_articles["001"]["source_name"] == "The National Interest"
    assert "Mark Episkopos" not in seed_articles["001"]["body"]
    assert [name for name, article in seed_articles.items() if article["source_name"]] == ["001"]


def test_seed_records_satisfy_the_contract_and_ids(seed_articles: dict[str, dict]) -> None:
    validate_articles(list(seed_articles.values()))
    for name, article in seed_articles.items():
        assert article["body_sha256"] == sha256_hex(normalize_text(article["body"]))
        (path,) = DEFAULT_SOURCE.glob(f"{name}_*.txt")
        assert article["article_id"] == stable_id(article["body_sha256"], path.name)
        assert article["content_sha256"] == sha256_hex(path.read_bytes())
        assert article["n_words"] == len(article["body"].split())
        assert article["duplicate_of"] is None and article["duplicate_kind"] is None


def test_parsing_is_deterministic(reference: Reference) -> None:
    data = next(DEFAULT_SOURCE.glob("000_*.txt")).read_bytes()
    assert parse_input("a.txt", data, CONFIG, reference) == parse_input("a.txt", data, CONFIG, reference)


def jsonl(*records: object) -> bytes:
    return "\n".join(record if isinstance(record, str) else json.dumps(record) for record in records).encode()


def test_jsonl_gives_one_article_or_reject_per_line(reference: Reference) -> None:
    data = jsonl(
        {"title": "Talks in Sochi", "text": "Leaders met in Sochi on Monday.\n\nThey agreed to talk.",
         "date": "2022-11-01", "url": "https://example.org/a", "outlet": "the National Interest", "id": "x1"},
        "",
        "{not json",
        {"title": "Brief", "text": ""},
        {"title": "No text at all"},
        ["a", "list"],
        {"body": "Ten soldiers were wounded near the border, officials said.", "published": "Nov 2, 2022"},
    )  # fmt: skip
    outcome = parse_input("feed.jsonl", data, CONFIG, reference)
    assert [article["source_uri"] for article in outcome.articles] == ["feed.jsonl#1", "feed.jsonl#7"]
    assert {reject["source_uri"]: reject["error"] for reject in outcome.rejects} == {
        "feed.jsonl#3": "line is not valid JSON",
        "feed.jsonl#4": "record's `text` is empty (a headline without a story)",
        "feed.jsonl#5": "record has no article text (no `text` or `body` field)",
        "feed.jsonl#6": "line is not a JSON object but a JSON array",
    }
    assert all(reject["stage"] == "parse" for reject in outcome.rejects)
    lines = data.split(b"\n")
    assert outcome.rejects[0]["content_sha256"] == sha256_hex(lines[2])
    first, second = outcome.articles
    assert first["title"] == "Talks in Sochi"
    assert first["body"] == "Leaders met in Sochi on Monday.\n\nThey agreed to talk."
    assert (first["published_date"], first["date_source"]) == (dt.date(2022, 11, 1), "metadata")
    assert (first["url"], first["source_name"]) == ("https://example.org/a", "The National Interest")
    assert first["content_sha256"] == sha256_hex(lines[0])
    assert second["title"] == "Ten soldiers were wounded near the border, officials said."
    assert second["body"] == "Ten soldiers were wounded near the border, officials said."
    assert (second["published_date"], second["date_source"]) == (dt.date(2022, 11, 2), "metadata")
    validate_articles(outcome.articles)
    Rejects.validate(to_frame("rejects", outcome.rejects))


def test_jsonl_title_repeated_at_the_start_of_the_text_is_dropped(reference: Reference) -> None:
    record = {
        "title": "Activists Brick Up Entrance To Polling Station",
        "text": "Activists Brick Up Entrance To Polling Station.\n\nLocal activists bricked up the entrance.",
        "dct": {"value": "2016-03-11", "type": "DATE"},
        "publisher": "breitbart",
    }
    (article,) = parse_input("p.jsonl", jsonl(record), CONFIG, reference).articles
    assert article["body"] == "Local activists bricked up the entrance."
    assert article["published_date"] == dt.date(2016, 3, 11)
    assert article["source_name"] == "Breitbart News"


def test_jsonl_without_title_uses_the_headline_line_or_the_first_sentence(reference: Reference) -> None:
    headline_first = {"text": "Quake hits coast\nA strong earthquake hit the coast on Monday."}
    paragraph_first = {"text": "A strong quake hit the coast on Monday. Dozens were hurt, officials said."}
    outcome = parse_input("q.jsonl", jsonl(headline_first, paragraph_first), CONFIG, reference)
    first, second = outcome.articles
    assert first["title"] == "Quake hits coast"
    assert first["body"] == "A strong earthquake hit the coast on Monday."
    assert second["title"] == "A strong quake hit the coast on Monday."
    assert second["body"] == paragraph_first["text"]


def test_metadata_date_wins_over_the_dateline(reference: Reference) -> None:
    text = "March 1, 2008\nThe contract was signed by both sides today."
    record = {"title": "T", "text": text, "dct": "2008-03-02"}
    (article,) = parse_input("m.jsonl", jsonl(record), CONFIG, reference).articles
    assert (article["published_date"], article["date_source"]) == (dt.date(2008, 3, 2), "metadata")
    assert article["body"] == "The contract was signed by both sides today."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("November 1, 2022", dt.date(2022, 11, 1)),
        ("19:25, 26 November 2021", dt.date(2021, 11, 26)),
        ("March 01, 2008", dt.date(2008, 3, 1)),
        ("Published: Tue, 8 Nov. 2022 10:00 GMT", dt.date(2022, 11, 8)),
        ("2022-11-01", dt.date(2022, 11, 1)),
        ("Sept 3rd, 2020 at 9:30 pm", dt.date(2020, 9, 3)),
    ],
)
def test_datelines_are_recognized(line: str, expected: dt.date) -> None:
    assert parse_dateline(line) == (True, expected)


@pytest.mark.parametrize("line", ["Putin met Aliyev on November 1, 2022.", "November 2022", "Share", "12:30"])
def test_sentences_and_partial_dates_are_not_datelines(line: str) -> None:
    assert parse_dateline(line) == (False, None)


def test_impossible_dateline_is_recognized_without_a_date() -> None:
    assert parse_dateline("31 February 2022") == (True, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1987-02-26T15:01:01", dt.date(1987, 2, 26)),
        ("2021-10-18T16:15:00-07:00", dt.date(2021, 10, 18)),
        ({"value": "1998-01-08", "type": "DATE"}, dt.date(1998, 1, 8)),
        ("26-FEB-1987 15:01:01.79", dt.date(1987, 2, 26)),
        ("Tue, 08 Nov 2022 10:00:00 GMT", dt.date(2022, 11, 8)),
        ("2022-02-31", None),
        ("yesterday", None),
        ("", None),
        (None, None),
        (20221101, None),
    ],
)
def test_metadata_dates(value: object, expected: dt.date | None) -> None:
    assert parse_metadata_date(value) == expected


def test_headline_rules() -> None:
    assert is_headline("U.S. Embassies in Kenya and Tanzania Bombed")
    assert not is_headline("The bombs exploded on Friday. Dozens died.")
    assert not is_headline("A lead sentence that ends with a full stop.")
    assert headline_from_paragraph("Prices rose 5%. Analysts were surprised.") == "Prices rose 5%."
    long_sentence = "word " * 100
    assert headline_from_paragraph(long_sentence).endswith("…")
    assert len(headline_from_paragraph(long_sentence)) <= 201


def test_parser_is_compiled_once_per_reference_version(reference: Reference) -> None:
    assert parser_for(reference) is parser_for(reference)


def test_bad_reference_pattern_is_a_run_error() -> None:
    with pytest.raises(RunError, match=r"boilerplate\.txt"):
        Parser.from_reference(Reference(word_lists={"boilerplate": ["(unclosed"]}))
    with pytest.raises(RunError, match="outlet"):
        Parser.from_reference(Reference(word_lists={"bylines": ["(?P<name>.*) writes"]}))


@pytest.mark.parametrize(
    ("file_name", "limit"),
    [("reuters21578.jsonl", 300), ("bbc_news.jsonl", 100), ("polnear_train_dev.jsonl", 100)],
)
def test_public_corpora_parse(reference: Reference, file_name: str, limit: int) -> None:
    path = DEFAULT_CORPORA_DIR / file_name
    if not path.exists():
        pytest.skip(f"corpus {file_name} is not available")
    with path.open("rb") as handle:
        data = b"".join(islice(handle, limit))
    outcome = parse_input(file_name, data, CONFIG, reference)
    assert len(outcome.articles) + len(outcome.rejects) == limit
    validate_articles(outcome.articles)
    Rejects.validate(to_frame("rejects", outcome.rejects))
    records = [json.loads(line) for line in data.splitlines()]
    by_uri = {article["source_uri"]: article for article in outcome.articles}
    for number, record in enumerate(records, start=1):
        article = by_uri.get(f"{file_name}#{number}")
        if not record["text"].strip():
            assert article is None
            continue
        if article is None:
            continue
        if record.get("title"):
            assert article["title"] == " ".join(record["title"].split())
        if record.get("date"):
            assert article["published_date"] == dt.date.fromisoformat(record["date"][:10])
            assert article["date_source"] == "metadata"
    assert len(outcome.articles) >= 0.9 * sum(1 for record in records if record["text"].strip())
