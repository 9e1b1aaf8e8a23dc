"""The extraction cache: a carried-over extraction is identical to a fresh one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from factlake import cache
from factlake.config import ExtractConfig, RunConfig
from factlake.extract import Extraction
from factlake.incremental import extract_incrementally
from factlake.records import new_record, stable_id, to_frame
from factlake.reference import Reference
from tests.factories import article_record

KEY = cache.extraction_key(ExtractConfig(), Reference(fingerprint="r1"), {"events": "1.0"})
ENTITY_COLUMNS = ["article_id", "text", "char_start", "char_end", "label", "entity_type", "name", "role"]


def extraction_of(article: dict) -> Extraction:
    """Two mentions (dates, lists, nulls, an integral value) and two entity mentions of ``article``."""
    article_id = article["article_id"]
    event = new_record(
        "mentions",
        mention_id=stable_id(article_id, "event", 0, 5),
        article_id=article_id,
        fact_type="event",
        text=article["body"][0:5],
        char_start=0,
        char_end=5,
        sentence=article["body"],
        actors=["Vladimir Putin", "Emmanuel Macron"],
        source_actors=["Vladimir Putin"],
        action="meet",
        event_date=dt.date(2022, 10, 31),
        date_precision="day",
        confidence=0.8,
        extractor="events/1.0",
    )
    quantity = new_record(
        "mentions",
        mention_id=stable_id(article_id, "quantity", 6, 9),
        article_id=article_id,
        fact_type="quantity",
        text=article["body"][6:9],
        char_start=6,
        char_end=9,
        sentence="Café “221” people",
        value=221,
        value_low=2.5,
        unit="people",
        confidence=1.0,
        extractor="quantities/1.0",
    )
    entities = [
        {
            "article_id": article_id,
            "text": "Putin",
            "char_start": 0,
            "char_end": 5,
            "label": "PERSON",
            "entity_type": "person",
            "name": "Vladimir Putin",
            "role": "Russian President",
        },
        {
            "article_id": article_id,
            "text": "Paris",
            "char_start": 20,
            "char_end": 25,
            "label": "GPE",
            "entity_type": "place",
            "name": "Paris",
            "role": None,
        },
    ]
    return Extraction(mentions=[event, quantity], entity_mentions=entities)


def fresh_frames(articles: list[dict], extractions: list[Extraction]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frames the extraction records of ``articles`` make, as the records' consumers see them."""
    mentions = [row for extraction in extractions for row in extraction.mentions]
    entities = [row for extraction in extractions for row in extraction.entity_mentions]
    entity_frame = pd.DataFrame(
        {
            name: pd.Series([row[name] for row in entities], dtype="int64" if "char" in name else object)
            for name in ENTITY_COLUMNS
        }
    )
    return to_frame("mentions", mentions), entity_frame


def assert_bound_equals_fresh(bound: cache.BoundExtraction, articles: list[dict], extractions: list) -> None:
    mentions, entities = fresh_frames(articles, extractions)
    assert_frame_equal(bound.mentions, mentions, check_exact=True)
    assert_frame_equal(bound.entity_mentions, entities, check_exact=True)
    assert bound.entity_mentions["role"].tolist()[1] is None  # missing stays None, not NaN


def old_layout_entry(extraction: Extraction) -> str:
    """An entry of the first cache layout (one JSON string per article), as that code wrote it."""
    strip = ("article_id", "mention_id")
    payload = {
        "mentions": [
            {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items() if k not in strip}
            for row in extraction.mentions
        ],
        "entities": [
            {k: v for k, v in row.items() if k != "article_id"} for row in extraction.entity_mentions
        ],
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False)


def test_bound_entry_equals_fresh_extraction_for_another_copy(tmp_path: Path) -> None:
    original = article_record("a.txt")
    copy = article_record("elsewhere/b.txt")
    cache.save_cache(tmp_path, cache.entries_for([original], extraction_of(original), KEY))
    loaded = cache.load_cache(tmp_path)
    assert cache.article_key(copy, KEY) in cache.cached_keys(loaded)
    bound = cache.bind(cache.select_entries(loaded, [cache.article_key(copy, KEY)]), [copy["article_id"]], {})
    assert_bound_equals_fresh(bound, [copy], [extraction_of(copy)])


def test_round_trip_binds_many_articles_in_their_order_with_empty_ones(tmp_path: Path) -> None:
    """Articles bound in run order (not the file's key order); one without mentions is still a hit."""
    articles = [
        article_record(f"{name}.txt", body=f"Putin {name} said 221 people, in Paris {name}.")
        for name in "zyx"
    ]
    empty = article_record("w.txt", body="Nothing to see here at all.")
    extractions = [extraction_of(article) for article in articles]
    both = Extraction(
        mentions=[row for extraction in extractions for row in extraction.mentions],
        entity_mentions=[row for extraction in extractions for row in extraction.entity_mentions],
    )
    cache.save_cache(tmp_path, cache.entries_for([*articles, empty], both, KEY))
    loaded = cache.load_cache(tmp_path)
    assert loaded.column("key").to_pylist() == sorted(loaded.column("key").to_pylist())
    run = [articles[1], empty, articles[0], articles[2]]
    keys = [cache.article_key(article, KEY) for article in run]
    assert set(keys) == cache.cached_keys(loaded)
    bound = cache.bind(cache.select_entries(loaded, keys), [article["article_id"] for article in run], {})
    assert_bound_equals_fresh(bound, run, [extraction_of(run[0]), Extraction(), *map(extraction_of, run[2:])])


def test_old_layout_file_is_converted_to_the_same_extraction(tmp_path: Path) -> None:
    original, empty = article_record("a.txt"), article_record("e.txt", body="Nothing to see here at all.")
    keys = [cache.article_key(original, KEY), cache.article_key(empty, KEY)]
    entries = [old_layout_entry(extraction_of(original)), old_layout_entry(Extraction())]
    (tmp_path / cache.CACHE_DIR).mkdir()
    pq.write_table(pa.table({"key": keys, "entry": entries}), tmp_path / cache.CACHE_DIR / cache.CACHE_FILE)
    loaded = cache.load_cache(tmp_path)
    assert loaded.schema.equals(cache.cache_schema(), check_metadata=True)
    bound = cache.bind(cache.select_entries(loaded, keys), [original["article_id"], empty["article_id"]], {})
    assert_bound_equals_fresh(bound, [original], [extraction_of(original)])


def test_key_changes_with_extractor_version_reference_and_date() -> None:
    base = cache.extraction_key(ExtractConfig(), Reference(fingerprint="r1"), {"events": "1.0"})
    assert base != cache.extraction_key(ExtractConfig(), Reference(fingerprint="r1"), {"events": "1.1"})
    assert base != cache.extraction_key(ExtractConfig(), Reference(fingerprint="r2"), {"events": "1.0"})
    assert base == cache.extraction_key(
        ExtractConfig(batch_size=7), Reference(fingerprint="r1"), {"events": "1.0"}
    )
    dated = article_record("a.txt", published=dt.date(2022, 11, 1))
    redated = article_record("a.txt", published=dt.date(2021, 11, 1))
    assert cache.article_key(dated, base) != cache.article_key(redated, base)


def _write_valid_cache(dataset: Path) -> bytes:
    article = article_record("a.txt")
    cache.save_cache(dataset, cache.entries_for([article], extraction_of(article), KEY))
    return (dataset / cache.CACHE_DIR / cache.CACHE_FILE).read_bytes()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"not parquet",
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:-12] + b"\0" * 12,  # footer length and magic overwritten
        lambda data: data[:100] + bytes(len(data) - 200) + data[-100:],  # pages zeroed
    ],
    ids=["garbage", "truncated", "footer", "pages"],
)
def test_unreadable_cache_is_empty_not_an_error(tmp_path: Path, damage) -> None:
    data = _write_valid_cache(tmp_path)
    (tmp_path / cache.CACHE_DIR / cache.CACHE_FILE).write_bytes(damage(data))
    loaded = cache.load_cache(tmp_path)
    assert loaded.num_rows == 0
    assert loaded.schema.equals(cache.cache_schema())


@pytest.mark.parametrize(
    "table",
    [
        pa.table({"a": [1, 2], "b": ["x", "y"]}),
        pa.table({"key": ["k"], "entry": ["{not json"]}),
        pa.table({"key": ["k"], "entry": ['{"mentions": [{"char_start": "zero"}], "entities": []}']}),
        pa.table({"key": ["k"], "mentions": [[{"text": "x"}]], "entities": [[]]}),
    ],
    ids=["foreign", "old-layout-bad-json", "old-layout-bad-values", "unknown-layout"],
)
def test_a_cache_of_another_layout_means_full_extraction(tmp_path: Path, table: pa.Table) -> None:
    (tmp_path / cache.CACHE_DIR).mkdir()
    pq.write_table(table, tmp_path / cache.CACHE_DIR / cache.CACHE_FILE)
    assert cache.load_cache(tmp_path).num_rows == 0
    articles = [article_record("a.txt"), article_record("b.txt", body="Another body, 40 soldiers.")]
    submitted: list[list[str]] = []

    class Done:
        def __init__(self, batch: list[dict]) -> None:
            submitted.append([article["source_uri"] for article in batch])
            self.batch = batch

        def result(self) -> Extraction:
            extractions = [extraction_of(article) for article in self.batch]
            return Extraction(
                mentions=[row for extraction in extractions for row in extraction.mentions],
                entity_mentions=[row for extraction in extractions for row in extraction.entity_mentions],
            )

    extraction, entries, stats = extract_incrementally(
        articles, cache.load_cache(tmp_path), KEY, Done, RunConfig(), lambda *report: None
    )
    assert submitted == [["a.txt", "b.txt"]]
    assert stats == {"articles": 2, "extracted": 2, "carried_over": 0}
    assert_bound_equals_fresh(extraction, articles, [extraction_of(article) for article in articles])
    cache.save_cache(tmp_path, entries)
    assert cache.cached_keys(cache.load_cache(tmp_path)) == {cache.article_key(a, KEY) for a in articles}
