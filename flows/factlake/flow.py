"""The Prefect flow ``build_dataset``: discover → parse → extract → link → dedup → validate → publish.

Tasks are thin wrappers over the stage modules; the logic lives in the stages. Only transient faults
(:class:`~factlake.errors.TransientError`) are retried; bad data becomes ``rejects`` rows and contract
violations fail the run before anything is published.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from factlake import (
    assemble,
    cache,
    catalog,
    dedup,
    discover,
    incremental,
    ingest,
    link,
    parse,
    parse_cache,
    publish,
    validated_rows,
    workers,
)
from factlake.config import FactlakeConfig
from factlake.dedup import article_inputs, fact_blocks, signatures, story_table, story_terms
from factlake.dedup.frames import compact_mentions
from factlake.errors import TransientError
from factlake.extract import Extraction
from factlake.incremental import extractor_versions
from factlake.records import to_frame
from factlake.reference import Reference, load_reference
from schemas.contract import validate_tables

TRANSIENT_RETRIES = 3
#: No task result is cached or persisted, so no task needs a cache key; Prefect's default policy would
#: still hash every task's inputs for one (cloudpickling the whole tables for validate and publish: over
#: 7 s per task on 5,000 Reuters stories).
TASK_CACHE_POLICY = NO_CACHE

ProgressCallback = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    """Default progress callback: report nothing."""


#: Callback ``(stage, done, total)`` of the command line's progress bar, called only in the flow's own
#: process. Neither a flow parameter nor a context variable: both travel with the run context to Dask
#: workers, and a progress bar cannot be pickled.
_progress_callback: list[ProgressCallback] = [_no_progress]


def set_progress_callback(callback: ProgressCallback | None) -> None:
    """Route progress of runs in this process to ``callback`` (None: nowhere)."""
    _progress_callback[0] = callback or _no_progress


def _report_progress(stage: str, done: int, total: int) -> None:
    # The flow reaches the callback only through this function: Prefect ships the flow's function (and
    # the globals it names) to Dask workers, while a module-level function travels by reference.
    _progress_callback[0](stage, done, total)


def _retry_only_transient(task_object: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry a task only when it failed with a TransientError."""
    try:
        state.result()
    except TransientError:
        return True
    except BaseException:
        return False
    return False


@task(
    name="discover",
    cache_policy=TASK_CACHE_POLICY,
    retries=TRANSIENT_RETRIES,
    retry_condition_fn=_retry_only_transient,
)
def discover_task(config: FactlakeConfig) -> tuple[list[discover.InputFile], list[dict[str, Any]]]:
    return discover.discover_inputs(config.sources, config.parse)


@task(
    name="parse",
    cache_policy=TASK_CACHE_POLICY,
    retries=TRANSIENT_RETRIES,
    retry_condition_fn=_retry_only_transient,
)
def parse_task(
    inputs: list[discover.InputFile], config: FactlakeConfig, reference: Reference
) -> list[parse.ParseOutcome]:
    return ingest.read_and_parse_each(inputs, config.parse, reference)


@task(name="extract", cache_policy=TASK_CACHE_POLICY)
def extract_task(articles: list[dict[str, Any]], config: FactlakeConfig, reference: Reference) -> Extraction:
    return workers.extract(articles, config, reference)


@task(name="validate", cache_policy=TASK_CACHE_POLICY)
def validate_task(tables: dict[str, Any], known_valid: dict[str, Any]) -> dict[str, Any]:
    return validate_tables(tables, known_valid)


@task(
    name="publish",
    cache_policy=TASK_CACHE_POLICY,
    retries=TRANSIENT_RETRIES,
    retry_condition_fn=_retry_only_transient,
)
def publish_task(dataset: Path, tables: dict[str, Any], manifest: dict[str, Any]) -> int:
    from factlake.report import render_report

    version = publish.write_version(dataset, tables, manifest, render_report=render_report)
    catalog.refresh_catalog(dataset)
    return version.number


class _StageTimer:
    """Wall-clock seconds per stage of one run, recorded in the manifest under ``timings``.

    Informational only (benchmarks read it); it is not part of any fingerprint. ``publish`` cannot time
    itself into the manifest it writes, so the record holds the flow's start (Unix time) instead: the
    rest of a run is the time after ``started_at_unix`` plus the sum of the stages.
    """

    def __init__(self) -> None:
        self.started_at_unix = time.time()
        self._last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        """Charge the time since the previous lap to ``stage``."""
        now = time.perf_counter()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - self._last, 3)
        self._last = now

    def record(self) -> dict[str, float]:
        """The manifest entry: flow start and seconds per stage."""
        return {"started_at_unix": round(self.started_at_unix, 3), **self.seconds}


def _add_dedup_inputs(
    extraction: Extraction, signature_cache: signatures.SignatureCache, term_cache: story_terms.TermCache
) -> None:
    """Add the signatures and story terms a batch's extraction brought (if any) to the run's caches."""
    if extraction.dedup_inputs is not None:
        article_inputs.add_to_caches(extraction.dedup_inputs, signature_cache, term_cache)


def _parse_all(
    inputs: list[discover.InputFile],
    rejects: list[dict[str, Any]],
    config: FactlakeConfig,
    reference: Reference,
    code_sha256: str,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Parse the ``inputs`` the parse cache does not hold in batches of parse tasks; return the articles
    and the cache's counts, and add the rejects to ``rejects``."""
    dataset = Path(config.dataset)
    parsed, entries, stats = parse_cache.parse_incrementally(
        inputs,
        parse_cache.input_digests(inputs),
        parse_cache.load_cache(dataset),
        code_sha256,
        submit=functools.partial(parse_task.submit, config=config, reference=reference),
        batch_size=config.run.batch_size,
        report=_report_progress,
    )
    parse_cache.save_cache(dataset, entries)
    rejects.extend(parsed.rejects)
    return parsed.articles, stats


def _up_to_date(dataset: Path, version: int) -> assemble.RunSummary:
    """The summary (and Prefect artifact) of a run that found nothing new since ``version``."""
    catalog.refresh_catalog(dataset)
    summary = assemble.RunSummary(str(dataset), version, up_to_date=True)
    markdown = summary.markdown() + _report_link(dataset, version)
    create_markdown_artifact(markdown, key="factlake-run", description="factlake run")
    return summary


def _report_link(dataset: Path, version: int) -> str:
    """A markdown line linking the version's report page (none for a version published without one)."""
    page = (dataset / f"v{version}" / publish.REPORT_FILE).resolve()
    return f"\nReport: [v{version}/{publish.REPORT_FILE}]({page.as_uri()})\n" if page.is_file() else ""


def _flow_run_info() -> dict[str, Any]:
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return {"flow_run_id": None, "flow_run_name": None, "deployment": None}
    flow_run = context.flow_run
    deployment = None
    if flow_run.deployment_id is not None:
        deployment = str(flow_run.deployment_id)
    return {"flow_run_id": str(flow_run.id), "flow_run_name": flow_run.name, "deployment": deployment}


@flow(name="build-dataset", log_prints=False)
def build_dataset(
    config: FactlakeConfig | None = None,
    deployment_name: str | None = None,
) -> assemble.RunSummary:
    """Build and publish a new version of a dataset from its sources, unless nothing changed.

    Args:
        config: Sources, dataset folder and stage settings (defaults: ``seeds/articles`` →
            ``datasets/news``).
        deployment_name: Name of the deployment that scheduled the run, recorded in the manifest.

    Returns:
        The run summary (version published, or up to date).
    """
    config = config or FactlakeConfig()
    logger = get_run_logger()
    timings = _StageTimer()
    report = _report_progress
    reference = load_reference(config.reference_dir)
    dataset = Path(config.dataset)
    with publish.writer_lock(dataset, timeout=config.run.lock_timeout):
        leftovers = publish.clean_leftovers(dataset)
        if leftovers:
            logger.warning("removed leftovers of an interrupted run: %s", ", ".join(leftovers))
        inputs, rejects = discover_task(config)
        code_sha256 = assemble.code_fingerprint(config, reference)
        sources_sha256 = assemble.files_fingerprint(inputs, rejects)
        unchanged = assemble.up_to_date_version(dataset, code_sha256, sources_sha256=sources_sha256)
        if unchanged is not None:
            return _up_to_date(dataset, unchanged)
        articles, parse_stats = _parse_all(inputs, rejects, config, reference, code_sha256)
        timings.lap("parse")

        entries = assemble.input_entries(articles, rejects)
        inputs_sha256 = assemble.input_fingerprint(entries)
        unchanged = assemble.up_to_date_version(dataset, code_sha256, inputs_sha256=inputs_sha256)
        if unchanged is not None:
            return _up_to_date(dataset, unchanged)

        timings.lap("fingerprint")
        # Loaded before extraction: each batch brings its articles' signatures and story terms, which
        # the extraction workers computed (in parallel) for the stories stage to find cached.
        near_signatures = signatures.load_signatures(dataset, config.dedup)
        terms = story_terms.load_terms(dataset)
        extraction, cache_entries, cache_stats = incremental.extract_incrementally(
            articles,
            cache.load_cache(dataset),
            cache.extraction_key(config.extract, reference, extractor_versions()),
            submit=functools.partial(extract_task.submit, config=config, reference=reference),
            run=config.run,
            report=report,
            absorb=functools.partial(_add_dedup_inputs, signature_cache=near_signatures, term_cache=terms),
        )
        if extraction.failed:
            articles = [article for article in articles if article["article_id"] not in extraction.failed]
            rejects.extend(extraction.failed.values())
        # Saved now rather than after publishing, so the entries are not held through dedup; entries are
        # keyed by content, so those of a run that fails later are still right for the next one.
        cache.save_cache(dataset, cache_entries)
        del cache_entries
        timings.lap("extract")
        entities, canonical_names = link.link_entities(extraction.entity_mentions, reference)
        mentions_frame = link.canonicalize_mention_frame(extraction.mentions, canonical_names)
        entity_mentions = link.entity_names(extraction.entity_mentions, canonical_names)
        holders = link.role_holders(extraction.entity_mentions, canonical_names)
        # Free the extraction's frames before dedup's peak (peak memory on a large corpus is set there).
        del extraction
        timings.lap("link")
        articles_frame, mentions_frame = story_table.place_in_stories(
            to_frame("articles", articles),
            mentions_frame,
            holders,
            story_table.read_previous(dataset),
            publish.next_version_number(dataset),
            config.dedup,
            near_signatures,
            terms,
        )
        signatures.save_signatures(dataset, near_signatures)
        story_terms.save_terms(dataset, terms)
        terms_stats = terms.stats()
        del terms
        timings.lap("stories")
        del articles
        blocks_key = fact_blocks.fact_blocks_key(code_sha256)
        previous_blocks = fact_blocks.load_fact_blocks(dataset, blocks_key)
        # Repeated values held once through dedup's peak; build_facts gives the contract's dtypes back.
        mentions_frame = compact_mentions(mentions_frame)
        fact_set = dedup.build_facts(mentions_frame, articles_frame, config.dedup, reference, previous_blocks)
        del previous_blocks
        fact_blocks.save_fact_blocks(dataset, fact_set.blocks)
        del mentions_frame
        facts = story_table.with_fact_stories(fact_set.facts, fact_set.mentions, articles_frame)
        stories = story_table.build_stories(articles_frame, entity_mentions)
        timings.lap("dedup")
        report("dedup", 1, 1)

        tables = assemble.build_tables(
            articles_frame, fact_set.mentions, facts, entities, fact_set.conflicts, stories, rejects
        )
        fingerprints = validated_rows.table_fingerprints(tables)
        known_valid = validated_rows.known_valid_rows(
            fingerprints, validated_rows.load_validated(dataset, code_sha256)
        )
        tables = validate_task(tables, known_valid)
        validated_rows.save_validated(dataset, code_sha256, fingerprints)
        del fingerprints
        timings.lap("validate")
        entries = assemble.input_entries(articles_frame.to_dict("records"), rejects)
        flow_run = _flow_run_info()
        flow_run["deployment_name"] = deployment_name
        manifest = assemble.build_manifest(
            config=config,
            code_sha256=code_sha256,
            inputs_sha256=inputs_sha256,
            sources_sha256=sources_sha256,
            inputs=entries,
            extractors=extractor_versions(),
            dedup_stats=fact_set.stats,
            flow_run=flow_run,
            created_at=dt.datetime.now(dt.UTC),
        )
        manifest["parse_cache"] = parse_stats
        manifest["extraction_cache"] = cache_stats
        manifest["signature_cache"] = near_signatures.stats()
        manifest["story_term_cache"] = terms_stats
        manifest["validated_rows"] = validated_rows.validation_counts(tables, known_valid)
        manifest["fact_blocks"] = fact_set.blocks.stats()
        manifest["timings"] = timings.record()
        published = {**tables, publish.INPUTS_TABLE: assemble.inputs_frame(entries)}
        version = publish_task(dataset, published, manifest)
        report("publish", 1, 1)
    summary = assemble.RunSummary(
        dataset=str(dataset),
        version=version,
        up_to_date=False,
        inputs=assemble.outcome_counts(entries),
        rows={name: len(frame) for name, frame in tables.items()},
        rejects=[{key: reject[key] for key in ("source_uri", "stage", "error")} for reject in rejects],
        conflicts=sorted(set(fact_set.conflicts["description"])),
    )
    markdown = summary.markdown() + _report_link(dataset, version)
    create_markdown_artifact(markdown, key="factlake-run", description="factlake run")
    return summary
