"""Hand-built, contract-valid tables for tests of the layers after extraction."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from factlake.records import new_record, normalize_text, sha256_hex, stable_id, to_frame

BODY = "Putin said “we all agree that this was a very useful meeting” on Monday. 221 people died."


def article_record(source_uri: str = "a.txt", body: str = BODY, published: dt.date | None = None) -> dict:
    """A valid ``articles`` record."""
    body_sha256 = sha256_hex(normalize_text(body))
    return new_record(
        "articles",
        article_id=stable_id(body_sha256, source_uri),
        source_uri=source_uri,
        source_name="Outlet",
        title="A title",
        published_date=published or dt.date(2022, 11, 1),
        date_source="dateline",
        body=body,
        n_words=len(body.split()),
        body_sha256=body_sha256,
        content_sha256=sha256_hex(body.encode()),
    )


def valid_tables(n_articles: int = 2) -> dict[str, pd.DataFrame]:
    """Tables that satisfy the whole contract: one quote fact seen in ``n_articles`` articles of one story."""
    articles = [article_record(f"a{index}.txt") for index in range(n_articles)]
    story_id = stable_id("story", min(article["article_id"] for article in articles))
    for article in articles:
        article.update(first_version=1, story_id=story_id)
    fact_id = stable_id("quote", "Vladimir Putin", "we all agree")
    start = BODY.index("“")
    end = BODY.index("”") + 1
    mentions = [
        new_record(
            "mentions",
            mention_id=stable_id(article["article_id"], "quote", start, end),
            article_id=article["article_id"],
            fact_id=fact_id,
            fact_type="quote",
            text=BODY[start:end],
            char_start=start,
            char_end=end,
            sentence=BODY.split(".")[0] + ".",
            speaker="Vladimir Putin",
            quote_text=BODY[start + 1 : end - 1],
            confidence=0.9,
            extractor="quotes/1.0",
        )
        for article in articles
    ]
    fact = new_record(
        "facts",
        fact_id=fact_id,
        fact_type="quote",
        statement="Vladimir Putin: “we all agree that this was a very useful meeting”",
        speaker="Vladimir Putin",
        quote_text=BODY[start + 1 : end - 1],
        n_mentions=n_articles,
        n_articles=n_articles,
        n_sources=1,
        sources=["Outlet"],
        first_published=dt.date(2022, 11, 1),
        last_published=dt.date(2022, 11, 1),
        story_id=story_id,
        status="corroborated" if n_articles > 1 else "single_source",
        confidence=0.9,
    )
    entity = new_record(
        "entities",
        entity_id=stable_id("person", "Vladimir Putin"),
        name="Vladimir Putin",
        entity_type="person",
        aliases=["Putin"],
        n_mentions=n_articles,
        n_articles=n_articles,
    )
    story = new_record(
        "stories",
        story_id=story_id,
        label="A title",
        first_published=dt.date(2022, 11, 1),
        last_published=dt.date(2022, 11, 1),
        n_articles=n_articles,
        n_copies=0,
        n_sources=1,
        top_entities=["Vladimir Putin"],
    )
    reject = new_record("rejects", source_uri="bad.bin", stage="parse", error="file is empty")
    return {
        "articles": to_frame("articles", articles),
        "mentions": to_frame("mentions", mentions),
        "facts": to_frame("facts", [fact]),
        "entities": to_frame("entities", [entity]),
        "conflicts": to_frame("conflicts", []),
        "stories": to_frame("stories", [story]),
        "rejects": to_frame("rejects", [reject]),
    }
