"""The extraction cache: a carried-over extraction is identical to a fresh one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from factlake import cache
from factlake.config import ExtractConfig
from factlake.extract import Extraction
from factlake.records import new_record, stable_id
from factlake.reference import Reference
from tests.factories import article_record


def extraction_of(article: dict) -> Extraction:
    article_id = article["article_id"]
    mention = new_record(
        "mentions",
        mention_id=stable_id(article_id, "event", 0, 5),
        article_id=article_id,
        fact_type="event",
        text=article["body"][0:5],
        char_start=0,
        char_end=5,
        sentence=article["body"],
        actors=["Vladimir Putin"],
        action="meet",
        event_date=dt.date(2022, 10, 31),
        date_precision="day",
        value=2.5,
        confidence=0.8,
        extractor="events/1.0",
    )
    entity = {
        "article_id": article_id,
        "text": "Putin",
        "char_start": 0,
        "char_end": 5,
        "label": "PERSON",
        "entity_type": "person",
        "name": "Vladimir Putin",
    }
    return Extraction(mentions=[mention], entity_mentions=[entity])


def test_bound_entry_equals_fresh_extraction_for_another_copy(tmp_path: Path) -> None:
    key = cache.extraction_key(ExtractConfig(), Reference(fingerprint="r1"), {"events": "1.0"})
    original = article_record("a.txt")
    copy = article_record("elsewhere/b.txt")
    entries = cache.entries_for([original], extraction_of(original), key)
    cache.save_cache(tmp_path, entries)
    loaded = cache.load_cache(tmp_path)
    assert cache.article_key(copy, key) in loaded
    bound = cache.bind(loaded[cache.article_key(copy, key)], copy["article_id"])
    assert bound.mentions == extraction_of(copy).mentions
    assert bound.entity_mentions == extraction_of(copy).entity_mentions


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


def test_unreadable_cache_is_empty_not_an_error(tmp_path: Path) -> None:
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "extraction.parquet").write_bytes(b"not parquet")
    assert cache.load_cache(tmp_path) == {}
