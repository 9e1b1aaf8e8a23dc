"""Property test of the extractors: any text gives mentions whose offsets slice the body, never an error."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factlake.config import DEFAULT_REFERENCE_DIR, ExtractConfig
from factlake.extract import extract_articles
from factlake.records import to_frame
from factlake.reference import load_reference
from schemas.tables import Mentions

REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)
CONFIG = ExtractConfig()
PIECES = st.sampled_from(
    [
        "Putin",
        "said",
        "“",
        "”",
        '"',
        "'",
        "Aliyev",
        "met",
        "in",
        "Sochi",
        "on",
        "Monday",
        "last month",
        "more than",
        "6,500",
        "soldiers",
        "were",
        "killed",
        "£600m",
        "76%",
        "ten",
        "two decades",
        ",",
        ".",
        "\n\n",
        "he",
        "told",
        "reporters",
        "the",
        "Russian",
        "leader",
        "at least",
        "12 September",
        "—",
    ]
)
TEXTS = st.lists(PIECES | st.text(max_size=12), min_size=1, max_size=60).map(" ".join)


def test_any_text_gives_mentions_that_slice_the_body(nlp) -> None:
    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(body=TEXTS, dated=st.booleans())
    def check(body: str, dated: bool) -> None:
        article = {
            "article_id": "0" * 16,
            "body": body,
            "published_date": dt.date(2022, 11, 1) if dated else None,
        }
        extraction = extract_articles([article], nlp, CONFIG, REFERENCE)
        for mention in extraction.mentions:
            assert body[mention["char_start"] : mention["char_end"]] == mention["text"]
        for entity in extraction.entity_mentions:
            assert body[entity["char_start"] : entity["char_end"]] == entity["text"]
        mentions = [{**mention, "fact_id": "f" * 16} for mention in extraction.mentions]
        Mentions.validate(to_frame("mentions", mentions))

    check()
