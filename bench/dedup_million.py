"""Benchmark of fact deduplication: one million synthetic mentions through ``build_facts``.

The mentions mimic news coverage: facts (quotes of a few thousand speakers, numeric claims of a dozen
measures, meetings of small groups of actors) are each reported by one to a dozen articles, sometimes
with a shortened quote, an "over"/"more than" wording or a coarser date, and some articles are
syndicated copies. The random generator is seeded, so every run builds the same data.

The mentions frame has the contract's dtypes, as the flow makes it of extraction records, and is then
made compact as the flow hands it to dedup (:func:`factlake.dedup.frames.compact_mentions`; not with
``--contract-dtypes``, which measures code from before that step).

Run with ``uv run python bench/dedup_million.py [n_mentions] [--contract-dtypes]``; prints a table of time
and peak memory: the process's peak resident set size including generating the input, and the peak during
``build_facts`` alone (the peak is reset once the input is made; the input frame itself stays counted, as
the flow holds it too, but the memory that generating it freed is returned to the system first, where the C
library allows: both figures are printed). Mentions are generated a million at a time so that generating 10M
does not take more memory than deduplicating them. Besides wall time it reports the CPU time of
``build_facts`` (user + system), which other load on the machine does not inflate.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import resource
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from factlake.config import DEFAULT_REFERENCE_DIR, DedupConfig
from factlake.dedup import build_facts
from factlake.records import columns_of, columns_to_frame, stable_id
from factlake.reference import load_reference

SEED = 20221031
WORDS = [
    "peace",
    "treaty",
    "border",
    "agreement",
    "talks",
    "ceasefire",
    "security",
    "region",
    "mission",
    "troops",
    "conflict",
    "settlement",
    "dialogue",
    "sovereignty",
    "integrity",
    "transport",
    "corridor",
    "negotiations",
    "process",
    "future",
    "relations",
    "issues",
    "humanitarian",
    "prisoners",
    "assistance",
    "delimitation",
    "demarcation",
    "economic",
    "development",
    "stability",
]
MEASURES = [
    ("killed", "people"),
    ("wounded", "people"),
    ("displaced", "people"),
    ("area", "km2"),
    ("money", "USD"),
]
ACTIONS = ["meet", "call", "sign", "visit", "attack", "announce"]
QUALIFIERS = np.array(["exact", "more_than", "about"], dtype=object)
#: Mentions made at once while generating (bounds the memory that generating takes).
CHUNK_MENTIONS = 1_000_000


def synthetic_mentions(n_mentions: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mentions (about 40% quotes, 35% quantities, 25% events) and articles with realistic repetition."""
    n_facts = n_mentions // 4
    n_articles = n_mentions // 10
    article_ids = np.array([stable_id("article", index) for index in range(n_articles)], dtype=object)
    base = dt.date(2020, 1, 1).toordinal()
    published = [dt.date.fromordinal(base + int(day)) for day in rng.integers(0, 1500, n_articles)]
    duplicate_of = np.where(
        rng.random(n_articles) < 0.05, article_ids[rng.integers(0, n_articles, n_articles)], None
    )
    duplicate_of = np.where(duplicate_of == article_ids, None, duplicate_of)
    articles = pd.DataFrame(
        {
            "article_id": article_ids,
            "source_name": np.array([f"Outlet {index}" for index in range(300)], dtype=object)[
                rng.integers(0, 300, n_articles)
            ],
            "published_date": published,
            "duplicate_of": duplicate_of,
            # Stories of about four articles each, as the published story table assigns them.
            "story_id": np.array(
                [stable_id("story", index % max(n_articles // 4, 1)) for index in range(n_articles)],
                dtype=object,
            ),
        }
    )

    fact_of_mention = (
        np.sort(rng.zipf(1.6, n_mentions) % n_facts + rng.integers(0, n_facts, n_mentions)) % n_facts
    )
    fact_kind = rng.choice(3, size=n_facts, p=[0.4, 0.35, 0.25])
    speakers = np.array([f"Speaker {index}" for index in range(3000)], dtype=object)
    fact_speaker = speakers[rng.integers(0, len(speakers), n_facts)]
    fact_words = [" ".join(rng.choice(WORDS, size=int(rng.integers(6, 16)))) for _ in range(n_facts)]
    fact_measure = rng.integers(0, len(MEASURES), n_facts)
    fact_value = rng.integers(1, 5000, n_facts).astype(float)
    fact_day = base + rng.integers(0, 1500, n_facts)
    actor_pool = np.array([f"Leader {index}" for index in range(500)], dtype=object)
    fact_actors = [list(actor_pool[rng.integers(0, 500, 3)]) for _ in range(n_facts)]
    fact_action = rng.integers(0, len(ACTIONS), n_facts)
    places = np.array([f"City {index}" for index in range(200)], dtype=object)
    fact_place = places[rng.integers(0, len(places), n_facts)]

    mention_article = article_ids[rng.integers(0, n_articles, n_mentions)]
    shorten = rng.random(n_mentions) < 0.2
    qualifier_choice = rng.integers(0, 3, n_mentions)
    coarse = rng.random(n_mentions) < 0.2
    plan = _FactPlan(
        fact_of_mention=fact_of_mention,
        fact_kind=fact_kind,
        fact_speaker=fact_speaker,
        fact_words=fact_words,
        fact_measure=fact_measure,
        fact_value=fact_value,
        fact_day=fact_day,
        fact_actors=fact_actors,
        fact_action=fact_action,
        fact_place=fact_place,
        mention_article=mention_article,
        shorten=shorten,
        qualifier_choice=qualifier_choice,
        coarse=coarse,
    )
    # Rows are made a chunk at a time: their Python objects are several times the size of the frame.
    chunks = [
        _mention_chunk(plan, start, min(start + CHUNK_MENTIONS, n_mentions))
        for start in range(0, n_mentions, CHUNK_MENTIONS)
    ]
    mentions = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    return mentions, articles


class _FactPlan(NamedTuple):
    """What every synthetic fact says and how every mention reports it (arrays drawn by
    :func:`synthetic_mentions`)."""

    fact_of_mention: np.ndarray
    fact_kind: np.ndarray
    fact_speaker: np.ndarray
    fact_words: list[str]
    fact_measure: np.ndarray
    fact_value: np.ndarray
    fact_day: np.ndarray
    fact_actors: list[list[str]]
    fact_action: np.ndarray
    fact_place: np.ndarray
    mention_article: np.ndarray
    shorten: np.ndarray
    qualifier_choice: np.ndarray
    coarse: np.ndarray


def _mention_chunk(plan: _FactPlan, start: int, stop: int) -> pd.DataFrame:
    """The mentions ``start`` to ``stop`` (exclusive) as a ``mentions`` frame."""
    n_rows = stop - start
    records = {name: [None] * n_rows for name in columns_of("mentions")}
    records["actors"] = [[] for _ in range(n_rows)]
    for row, fact in enumerate(plan.fact_of_mention[start:stop].tolist()):
        index = start + row
        kind = plan.fact_kind[fact]
        records["mention_id"][row] = f"{index:016x}"
        records["article_id"][row] = plan.mention_article[index]
        records["char_start"][row] = index % 5000
        records["char_end"][row] = index % 5000 + 40
        records["confidence"][row] = 0.5 + (index % 50) / 100
        if kind == 0:
            words = plan.fact_words[fact]
            if plan.shorten[index]:
                words = " ".join(words.split()[: max(4, len(words.split()) * 3 // 4)])
            records["fact_type"][row], records["speaker"][row] = "quote", plan.fact_speaker[fact]
            records["quote_text"][row] = records["text"][row] = words
            records["extractor"][row] = "quotes/bench"
        elif kind == 1:
            measure, unit = MEASURES[plan.fact_measure[fact]]
            qualifier = QUALIFIERS[plan.qualifier_choice[index]]
            value = plan.fact_value[fact] if qualifier == "exact" else plan.fact_value[fact] * 0.9
            records["fact_type"][row], records["value"][row] = "quantity", value
            records["qualifier"][row], records["measure"][row], records["unit"][row] = (
                qualifier,
                measure,
                unit,
            )
            if qualifier == "more_than":
                records["value_low"][row] = value
            records["text"][row] = f"{value:.0f} {unit}"
            day = dt.date.fromordinal(int(plan.fact_day[fact]))
            records["event_date"][row] = day.replace(day=1) if plan.coarse[index] else day
            records["date_precision"][row] = "month" if plan.coarse[index] else "day"
            records["extractor"][row] = "quantities/bench"
        else:
            records["fact_type"][row] = "event"
            records["action"][row] = ACTIONS[plan.fact_action[fact]]
            records["actors"][row] = plan.fact_actors[fact][: 2 if plan.shorten[index] else 3]
            records["location"][row] = None if plan.coarse[index] else plan.fact_place[fact]
            records["event_date"][row] = dt.date.fromordinal(int(plan.fact_day[fact]))
            records["date_precision"][row] = "day"
            records["text"][row] = ACTIONS[plan.fact_action[fact]]
            records["extractor"][row] = "events/bench"
        records["sentence"][row] = records["text"][row]
    # The contract's dtypes, as the flow's frame of the extraction records has them.
    mentions = columns_to_frame("mentions", records)
    mentions.index = pd.RangeIndex(start, stop)
    return mentions


def _status_mib(field: str) -> float:
    """A memory figure of this process from ``/proc/self/status`` (``VmRSS``, ``VmHWM``), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _release_freed_memory() -> None:
    """Return what this process freed to the system where the C library is glibc (``malloc_trim``); the
    bench's own copy of :func:`factlake.dedup._memory.release_freed_memory`, so that it measures code
    from before that module too."""
    pa.default_memory_pool().release_unused()  # Arrow's own pool keeps what it freed
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


def _reset_peak_rss() -> bool:
    """Reset this process's peak resident set size (Linux ``clear_refs``), so that the peak read after
    ``build_facts`` is its own and not that of generating the input; False where it cannot be reset."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def main() -> None:
    """Generate the mentions, run ``build_facts`` once and print a table."""
    arguments = [argument for argument in sys.argv[1:] if argument != "--contract-dtypes"]
    n_mentions = int(arguments[0]) if arguments else 1_000_000
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    mentions, articles = synthetic_mentions(n_mentions, rng)
    if "--contract-dtypes" not in sys.argv:
        # As the flow hands them to dedup (imported here: code before this step has no such function).
        from factlake.dedup.frames import compact_mentions

        mentions = compact_mentions(mentions)
    generated = time.perf_counter() - started

    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gc.collect()
    rss_generated = _status_mib("VmRSS")
    # What generating freed (hundreds of MB at a million mentions) is not part of the input.
    _release_freed_memory()
    rss_before = _status_mib("VmRSS")
    peak_reset = _reset_peak_rss()
    started, cpu_started = time.perf_counter(), time.process_time()
    fact_set = build_facts(mentions, articles, DedupConfig(), load_reference(DEFAULT_REFERENCE_DIR))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_during = _status_mib("VmHWM") if peak_reset else float("nan")

    rows = [
        ("mentions in", f"{len(mentions):,}"),
        ("articles", f"{len(articles):,}"),
        ("facts out", f"{len(fact_set.facts):,}"),
        ("conflict rows", f"{len(fact_set.conflicts):,}"),
        ("generation time (s)", f"{generated:.1f}"),
        ("build_facts time (s)", f"{elapsed:.1f}"),
        ("build_facts CPU time (s)", f"{cpu:.1f}"),
        ("peak RSS after generating input (MiB)", f"{peak_before:,.0f}"),
        ("peak RSS after build_facts (MiB)", f"{peak_after:,.0f}"),
        ("RSS after generating, freed memory held (MiB)", f"{rss_generated:,.0f}"),
        ("RSS before build_facts (MiB)", f"{rss_before:,.0f}"),
        ("peak RSS during build_facts (MiB)", f"{peak_during:,.0f}"),
        ("mentions per second", f"{len(mentions) / elapsed:,.0f}"),
    ]
    rows += [(f"merges: {rule}", f"{count:,}") for rule, count in fact_set.stats["merges_by_rule"].items()]
    width = max(len(name) for name, _ in rows)
    print(f"{'figure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 12}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
