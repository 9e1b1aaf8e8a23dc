"""Benchmark of fact deduplication: one million synthetic mentions through ``build_facts``.

The mentions mimic news coverage: facts (quotes of a few thousand speakers, numeric claims of a dozen
measures, meetings of small groups of actors) are each reported by one to a dozen articles, sometimes
with a shortened quote, an "over"/"more than" wording or a coarser date, and some articles are
syndicated copies. The random generator is seeded, so every run builds the same data.

Run with ``uv run python bench/dedup_million.py [n_mentions]``; prints a table of time and peak memory
(the process's peak resident set size, Linux kilobytes; generating the input is included). Besides wall
time it reports the CPU time of ``build_facts`` (user + system), which other load on the machine does not
inflate.
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import time

import numpy as np
import pandas as pd

from factlake.config import DEFAULT_REFERENCE_DIR, DedupConfig
from factlake.dedup import build_facts
from factlake.records import columns_of, stable_id
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
    records = {name: [None] * n_mentions for name in columns_of("mentions")}
    records["actors"] = [[] for _ in range(n_mentions)]
    for index, fact in enumerate(fact_of_mention.tolist()):
        kind = fact_kind[fact]
        records["mention_id"][index] = f"{index:016x}"
        records["article_id"][index] = mention_article[index]
        records["char_start"][index] = index % 5000
        records["char_end"][index] = index % 5000 + 40
        records["confidence"][index] = 0.5 + (index % 50) / 100
        if kind == 0:
            words = fact_words[fact]
            if shorten[index]:
                words = " ".join(words.split()[: max(4, len(words.split()) * 3 // 4)])
            records["fact_type"][index], records["speaker"][index] = "quote", fact_speaker[fact]
            records["quote_text"][index] = records["text"][index] = words
            records["extractor"][index] = "quotes/bench"
        elif kind == 1:
            measure, unit = MEASURES[fact_measure[fact]]
            qualifier = QUALIFIERS[qualifier_choice[index]]
            value = fact_value[fact] if qualifier == "exact" else fact_value[fact] * 0.9
            records["fact_type"][index], records["value"][index] = "quantity", value
            records["qualifier"][index], records["measure"][index], records["unit"][index] = (
                qualifier,
                measure,
                unit,
            )
            if qualifier == "more_than":
                records["value_low"][index] = value
            records["text"][index] = f"{value:.0f} {unit}"
            day = dt.date.fromordinal(int(fact_day[fact]))
            records["event_date"][index] = day.replace(day=1) if coarse[index] else day
            records["date_precision"][index] = "month" if coarse[index] else "day"
            records["extractor"][index] = "quantities/bench"
        else:
            records["fact_type"][index], records["action"][index] = "event", ACTIONS[fact_action[fact]]
            records["actors"][index] = fact_actors[fact][: 2 if shorten[index] else 3]
            records["location"][index] = None if coarse[index] else fact_place[fact]
            records["event_date"][index] = dt.date.fromordinal(int(fact_day[fact]))
            records["date_precision"][index] = "day"
            records["text"][index] = ACTIONS[fact_action[fact]]
            records["extractor"][index] = "events/bench"
        records["sentence"][index] = records["text"][index]
    mentions = pd.DataFrame(records, columns=columns_of("mentions"))
    for name in ("char_start", "char_end"):
        mentions[name] = mentions[name].astype("int64")
    for name in ("value", "value_low", "value_high", "confidence"):
        mentions[name] = mentions[name].astype("float64")
    return mentions, articles


def main() -> None:
    """Generate the mentions, run ``build_facts`` once and print a table."""
    n_mentions = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    mentions, articles = synthetic_mentions(n_mentions, rng)
    generated = time.perf_counter() - started

    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu_started = time.perf_counter(), time.process_time()
    fact_set = build_facts(mentions, articles, DedupConfig(), load_reference(DEFAULT_REFERENCE_DIR))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

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
