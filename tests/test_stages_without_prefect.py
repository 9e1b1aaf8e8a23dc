"""The build's stage modules chained without Prefect, and the one "up to date" decision.

The fast loop's cover of what the flow wires together (discover → ingest → incremental extraction → link
→ dedup → assemble → contract → publish); the flow itself runs in the slow tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from factlake import assemble, cache, catalog, dedup, discover, ingest, link, publish
from factlake.config import DEFAULT_SOURCE, DedupConfig, FactlakeConfig, RunConfig
from factlake.dedup import story_table
from factlake.diff import diff_versions
from factlake.extract import Extraction, extract_articles
from factlake.incremental import extract_incrementally, extractor_versions
from factlake.records import to_frame
from factlake.reference import Reference
from schemas.contract import validate_tables
from tests.test_syndication import syndicated_copy


def extracted_now(batch: list[dict[str, Any]], nlp: Any, config: FactlakeConfig, reference: Reference) -> Any:
    """A finished future of the batch's extraction (the flow submits a Prefect task instead)."""
    future: Future[Extraction] = Future()
    future.set_result(extract_articles(batch, nlp, config.extract, reference))
    return future


def build_and_publish(config: FactlakeConfig, reference: Reference, nlp: Any) -> dict[str, Any]:
    """One build of ``config``: every stage in the flow's order, then publishing. Returns the manifest."""
    inputs, rejects = discover.discover_inputs(config.sources, config.parse)
    sources_sha256 = assemble.files_fingerprint(inputs, rejects)
    outcome = ingest.read_and_parse(inputs, config.parse, reference)
    articles, rejects = outcome.articles, rejects + outcome.rejects
    key = cache.extraction_key(config.extract, reference, extractor_versions())
    extraction, _, cache_stats = extract_incrementally(
        articles,
        cache.load_cache(config.dataset),
        key,
        submit=lambda batch: extracted_now(batch, nlp, config, reference),
        run=RunConfig(batch_size=2),
        report=lambda stage, done, total: None,
    )
    entities, canonical_names = link.link_entities(extraction.entity_mentions, reference)
    mentions = link.canonicalize_mention_frame(extraction.mentions, canonical_names)
    articles_frame, mentions = story_table.place_in_stories(
        to_frame("articles", articles),
        mentions,
        link.role_holders(extraction.entity_mentions, canonical_names),
        story_table.read_previous(config.dataset),
        publish.next_version_number(config.dataset),
        config.dedup,
    )
    fact_set = dedup.build_facts(mentions, articles_frame, config.dedup, reference)
    facts = story_table.with_fact_stories(fact_set.facts, fact_set.mentions, articles_frame)
    entity_mentions = link.entity_names(extraction.entity_mentions, canonical_names)
    stories = story_table.build_stories(articles_frame, entity_mentions)
    tables = assemble.build_tables(
        articles_frame, fact_set.mentions, facts, entities, fact_set.conflicts, stories, rejects
    )
    tables = validate_tables(tables)
    entries = assemble.input_entries(articles_frame.to_dict("records"), rejects)
    manifest = assemble.build_manifest(
        config=config,
        code_sha256=assemble.code_fingerprint(config, reference),
        inputs_sha256=assemble.input_fingerprint(entries),
        sources_sha256=sources_sha256,
        inputs=entries,
        extractors=extractor_versions(),
        dedup_stats=fact_set.stats,
        flow_run={},
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    manifest["extraction_cache"] = cache_stats
    with publish.writer_lock(config.dataset):
        publish.write_version(config.dataset, tables, manifest)
        catalog.refresh_catalog(config.dataset)
    return manifest


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, reference: Reference, nlp: Any) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("stages")
    source = root / "articles"
    shutil.copytree(DEFAULT_SOURCE, source)
    config = replace(FactlakeConfig(), sources=(source,), dataset=root / "news")
    return {"config": config, "manifest": build_and_publish(config, reference, nlp), "source": source}


def test_the_stages_publish_a_valid_version(built: dict[str, Any]) -> None:
    config, manifest = built["config"], built["manifest"]
    assert publish.latest_version(config.dataset).number == 1
    assert manifest["input_counts"]["article"] >= 4
    assert manifest["extraction_cache"]["extracted"] == manifest["input_counts"]["article"]
    facts = catalog.connect(config.dataset).execute("select count(*) from facts").fetchone()[0]
    assert facts > 0


def test_one_decision_says_up_to_date_for_the_same_files_and_code(
    built: dict[str, Any], reference: Reference, tmp_path: Path
) -> None:
    config, manifest = built["config"], built["manifest"]
    code_sha256 = manifest["code_version"]["code_sha256"]
    assert assemble.unchanged_version(config, reference) == 1
    assert (
        assemble.up_to_date_version(config.dataset, code_sha256, inputs_sha256=manifest["inputs_sha256"]) == 1
    )
    assert assemble.up_to_date_version(config.dataset, code_sha256, sources_sha256=None) is None
    assert (
        assemble.up_to_date_version(config.dataset, "other code", inputs_sha256=manifest["inputs_sha256"])
        is None
    )
    assert assemble.up_to_date_version(config.dataset.parent / "nothing-here", code_sha256) is None
    assert (
        assemble.unchanged_version(
            replace(config, dedup=DedupConfig(story_min_pair_similarity=0.06)), reference
        )
        is None
    )
    copy = tmp_path / "articles"
    shutil.copytree(built["source"], copy)
    assert assemble.unchanged_version(replace(config, sources=(copy,)), reference) == 1
    edited = sorted(copy.iterdir())[0]
    edited.write_bytes(edited.read_bytes() + b" ")
    assert assemble.unchanged_version(replace(config, sources=(copy,)), reference) is None


def test_a_later_run_keeps_story_ids_and_the_published_canonical_article(
    built: dict[str, Any], reference: Reference, nlp: Any, tmp_path: Path
) -> None:
    config = built["config"]
    first = publish.read_table(publish.latest_version(config.dataset), "articles")
    dataset = tmp_path / "news"
    shutil.copytree(config.dataset, dataset, symlinks=True)
    source = tmp_path / "articles"
    shutil.copytree(built["source"], source)
    original = "002_63c94ff82197c892.txt"
    # A wire copy of article 002 (both undated) whose id is smaller: by date and id it would be canonical.
    copy = syndicated_copy((source / original).read_text(encoding="utf-8"))
    (source / "copy-of-002.txt").write_text(copy.replace("\n\n", "\n\nSOCHI (Wire) - ", 1), encoding="utf-8")
    (source / "chess.txt").write_text(
        "Carlsen keeps his title\n\nChess grandmaster Magnus Carlsen defended his world title in Manhattan "
        "against Sergey Karjakin after a rapid tiebreak that ended with a queen sacrifice.\n",
        encoding="utf-8",
    )
    build_and_publish(replace(config, sources=(source,), dataset=dataset), reference, nlp)
    latest = publish.latest_version(dataset)
    assert latest.number == 2
    second = publish.read_table(latest, "articles").set_index("source_uri")
    assert second.loc["copy-of-002.txt", "duplicate_of"] == second.loc[original, "article_id"]
    assert pd.isna(second.loc[original, "duplicate_of"])
    assert second.loc["copy-of-002.txt", "article_id"] < second.loc[original, "article_id"]
    assert second.loc["copy-of-002.txt", "story_id"] == second.loc[original, "story_id"]
    assert second.loc["chess.txt", "first_version"] == 2
    before = dict(zip(first["source_uri"], first["story_id"], strict=True))
    assert {uri: second.loc[uri, "story_id"] for uri in before} == before
    stories = publish.read_table(latest, "stories")
    assert set(stories["story_id"]) == set(second["story_id"])
    assert second.loc["chess.txt", "story_id"] not in set(before.values())
    diff = diff_versions(publish.resolve_version(dataset, 1), latest)
    assert diff.added["stories"]["story_id"].tolist() == [second.loc["chess.txt", "story_id"]]
    assert diff.changed["stories"]["story_id"].tolist() == [second.loc[original, "story_id"]]


def test_the_seed_summit_is_one_fact_of_its_three_reports(built: dict[str, Any]) -> None:
    """The Sochi summit of 2022-10-31 is one fact of 000, 001 and 002 (002 only refers to it as "the summit"
    and "tripartite talks"); the Sochi meeting of 2021-11-26 of the same leaders stays another."""
    connection = catalog.connect(built["config"].dataset)
    rows = connection.execute(
        "select statement, n_articles from facts where statement like 'meet: Ilham Aliyev, Nikol Pashinyan, "
        "Vladimir Putin in Sochi on %' order by statement"
    ).fetchall()
    assert rows == [
        ("meet: Ilham Aliyev, Nikol Pashinyan, Vladimir Putin in Sochi on 2021-11-26", 1),
        ("meet: Ilham Aliyev, Nikol Pashinyan, Vladimir Putin in Sochi on 2022-10-31", 3),
    ]
