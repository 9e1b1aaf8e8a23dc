"""Extraction cannot be stopped by one article: long bodies are parsed in pieces, failures are isolated."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from factlake.config import DEFAULT_REFERENCE_DIR, ExtractConfig
from factlake.extract import Extraction, extract_articles, piece_bounds, quantities
from factlake.reference import load_reference

REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)
CONFIG = ExtractConfig()
PARAGRAPH = (
    '"We will not give up," Putin said in Moscow on Monday. Prices rose 5% last month, officials said.'
)
PUBLISHED = dt.date(2022, 11, 1)


def article(article_id: str, body: str) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "body": body,
        "published_date": PUBLISHED,
        "source_uri": f"{article_id}.txt",
        "content_sha256": "0" * 64,
    }


def assert_spans_exact(extraction: Extraction, bodies: dict[str, str]) -> None:
    for mention in extraction.mentions:
        body = bodies[mention["article_id"]]
        assert body[mention["char_start"] : mention["char_end"]] == mention["text"]
    for mention in extraction.entity_mentions:
        body = bodies[mention["article_id"]]
        assert body[mention["char_start"] : mention["char_end"]] == mention["text"]


def count_types(extraction: Extraction) -> dict[str, int]:
    return dict(Counter(mention["fact_type"] for mention in extraction.mentions))


def test_pieces_cover_the_text_and_prefer_paragraphs_then_sentences_then_spaces() -> None:
    text = "\n\n".join([PARAGRAPH] * 50)
    bounds = piece_bounds(text, 1000)
    assert "".join(text[start:end] for start, end in bounds) == text
    assert all(end - start <= 1000 for start, end in bounds)
    assert all(text[:end].endswith("\n\n") for _, end in bounds[:-1])
    one_line = " ".join([PARAGRAPH] * 50)
    bounds = piece_bounds(one_line, 1000)
    assert all(one_line[:end].endswith((". ", "! ", "? ")) for _, end in bounds[:-1])
    words = " ".join(["word"] * 1000)
    assert all(words[:end].endswith(" ") for _, end in piece_bounds(words, 999)[:-1])
    unbroken = "x" * 2500
    assert piece_bounds(unbroken, 1000) == [(0, 1000), (1000, 2000), (2000, 2500)]
    assert piece_bounds("short", 1000) == [(0, 5)]


def test_long_body_is_parsed_in_pieces_with_exact_offsets(nlp: Any) -> None:
    body = "\n\n".join([PARAGRAPH] * 40) + "\n" + " ".join([PARAGRAPH] * 30)
    small = replace(CONFIG, max_doc_chars=1500)
    in_pieces = extract_articles([article("long", body)], nlp, small, REFERENCE)
    whole = extract_articles([article("long", body)], nlp, CONFIG, REFERENCE)
    assert in_pieces.failed == {}
    assert_spans_exact(in_pieces, {"long": body})
    assert count_types(in_pieces) == count_types(whole)
    assert len(in_pieces.entity_mentions) == len(whole.entity_mentions)


@pytest.mark.slow
def test_body_over_spacy_max_length_is_extracted(nlp: Any) -> None:
    body = "\n\n".join([PARAGRAPH] * 11_000)
    assert len(body) > nlp.max_length == 1_000_000
    extraction = extract_articles([article("huge", body)], nlp, CONFIG, REFERENCE)
    assert extraction.failed == {}
    assert_spans_exact(extraction, {"huge": body})
    assert sum(mention["fact_type"] == "quote" for mention in extraction.mentions) == 11_000


def test_an_article_that_fails_extraction_is_isolated(nlp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    bodies = {
        "first": "Putin met Aliyev in Sochi on Monday. Prices rose 5% last month.",
        "poison": "Aliyev said 12 soldiers died in Baku on Friday.",
        "third": '"We agreed," Pashinyan said in Yerevan on Tuesday.',
    }
    articles = [article(article_id, body) for article_id, body in bodies.items()]
    expected = {row["article_id"]: extract_articles([row], nlp, CONFIG, REFERENCE) for row in articles}
    original = quantities.extract

    def failing_extract(context: Any, config: Any, reference: Any) -> list[dict[str, Any]]:
        if context.article_id == "poison":
            raise RuntimeError("extractor bug triggered by /home/editor/poison.txt")
        return original(context, config, reference)

    monkeypatch.setattr(quantities, "extract", failing_extract)
    extraction = extract_articles(articles, nlp, CONFIG, REFERENCE)
    assert list(extraction.failed) == ["poison"]
    reject = extraction.failed["poison"]
    assert (reject["source_uri"], reject["stage"]) == ("poison.txt", "extract")
    assert "could not be extracted" in reject["error"]
    assert reject["detail"] == "RuntimeError: extractor bug triggered by <path>"
    for article_id in ("first", "third"):
        assert [m for m in extraction.mentions if m["article_id"] == article_id] == expected[
            article_id
        ].mentions
    assert {m["article_id"] for m in extraction.mentions} == {"first", "third"}
    assert {m["article_id"] for m in extraction.entity_mentions} == {"first", "third"}
