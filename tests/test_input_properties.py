"""Property: no input, whatever its bytes or JSON values, fails parsing plus extraction.

Every generated input ends as articles or rejects (one per file, one per JSONL line), every article's
extraction succeeds or becomes an ``extract`` reject, every string can be stored, and the articles and
rejects satisfy the contract. Few examples (spaCy runs on each), so the test stays fast.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factlake.config import ExtractConfig, ParseConfig
from factlake.extract import extract_articles
from factlake.parse import DATE_FIELDS, OUTLET_FIELDS, TEXT_FIELDS, TITLE_FIELDS, ParseOutcome, parse_input
from factlake.records import to_frame
from factlake.reference import Reference
from schemas.tables import Articles, Rejects

PARSE = ParseConfig()
#: Pieces of 200 characters, so that generated bodies also go through parsing in pieces.
EXTRACT = ExtractConfig(max_doc_chars=200)
HOSTILE_CHARACTERS = [
    "\ud83d",
    "\udc00",
    "\u200e",
    "\u202e",
    "\u2066",
    "\ufeff",
    "普京",
    "\r",
    "\x85",
    "\x00",
]
FRAGMENTS = ["Putin said in Sochi on Monday. ", '"We agreed," he said. ', "\n\n", "last month ", "Baku "]
#: Mostly article-like text with hostile characters mixed in, sometimes any text at all.
TEXT = st.lists(st.sampled_from(HOSTILE_CHARACTERS + FRAGMENTS), min_size=3, max_size=30).map(
    "".join
) | st.text(st.characters(exclude_categories=()), max_size=40)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=6,
)
FIELDS = (*TITLE_FIELDS, *TEXT_FIELDS, *DATE_FIELDS, *OUTLET_FIELDS, "url")
RECORDS = (
    st.fixed_dictionaries(
        {"text": TEXT}, optional={name: TEXT | JSON_VALUES for name in FIELDS if name != "text"}
    )
    | st.fixed_dictionaries({}, optional={name: JSON_VALUES | TEXT for name in FIELDS})
    | JSON_VALUES
)
PROPERTY = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


def assert_storable(record: dict[str, Any]) -> None:
    for value in record.values():
        if isinstance(value, str):
            value.encode("utf-8")


def check(outcome: ParseOutcome, expected_inputs: int, nlp: Any, reference: Reference) -> None:
    assert len(outcome.articles) + len(outcome.rejects) == expected_inputs
    extraction = extract_articles(outcome.articles, nlp, EXTRACT, reference)
    published = [article for article in outcome.articles if article["article_id"] not in extraction.failed]
    rejects = outcome.rejects + list(extraction.failed.values())
    assert len(published) + len(rejects) == expected_inputs
    bodies = {article["article_id"]: article["body"] for article in published}
    for mention in extraction.mentions + extraction.entity_mentions:
        assert bodies[mention["article_id"]][mention["char_start"] : mention["char_end"]] == mention["text"]
    for record in published + rejects:
        assert_storable(record)
    Articles.validate(to_frame("articles", published))
    Rejects.validate(to_frame("rejects", rejects))


def test_random_json_values_in_every_field_never_fail_parse_and_extract(
    nlp: Any, reference: Reference
) -> None:
    @PROPERTY
    @given(records=st.lists(RECORDS, min_size=1, max_size=4))
    def run(records: list[Any]) -> None:
        data = "\n".join(json.dumps(record) for record in records).encode()
        check(parse_input("feed.jsonl", data, PARSE, reference), len(records), nlp, reference)

    run()


def test_random_bytes_and_text_files_never_fail_parse_and_extract(nlp: Any, reference: Reference) -> None:
    @PROPERTY
    @given(data=st.binary(max_size=600) | TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")))
    def run(data: bytes) -> None:
        check(parse_input("file.txt", data, PARSE, reference), 1, nlp, reference)

    run()
