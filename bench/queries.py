"""Latency of typical analyst queries through DuckDB on a synthetic dataset of a million facts.

The dataset is written like a published version (``v1`` + ``latest``, Parquet with the contract's Arrow
schemas from :func:`factlake.publish.arrow_schema`, sorted by the published sort keys, same compression
and row groups) and is consistent: every mention points to a fact and an article, facts count their
mentions, articles and sources, contested facts have conflict rows and quotes have speakers that are
entities. The random generator is seeded, so every run builds the same data.

Run with ``uv run python bench/queries.py [--facts N]``; prints the size of the tables, then each query's
first (cold) latency and the median of 5 further runs, through :func:`factlake.catalog.connect`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _common import cleanup, machine_info, print_machine, print_table, work_dir

from factlake.catalog import connect
from factlake.dataset_files import write_json_atomic
from factlake.publish import (
    MANIFEST,
    PARQUET_COMPRESSION,
    ROW_GROUP_SIZE,
    arrow_schema,
    switch_latest,
)
from schemas.tables import FACT_TYPES, SORT_KEYS

SEED = 20240607
WORDS = [
    "peace",
    "talks",
    "border",
    "ceasefire",
    "troops",
    "economy",
    "growth",
    "inflation",
    "election",
    "vote",
    "budget",
    "deficit",
    "trade",
    "tariff",
    "exports",
    "sanctions",
    "agreement",
    "minister",
    "reform",
    "strike",
    "union",
    "profits",
    "shares",
    "market",
    "recovery",
    "investment",
    "energy",
    "prices",
    "climate",
    "emissions",
    "court",
    "ruling",
    "appeal",
    "health",
    "hospital",
    "vaccine",
    "schools",
]
MEASURES = [
    ("killed", "people"),
    ("wounded", "people"),
    ("money", "USD"),
    ("money", "GBP"),
    ("percentage", "percent"),
    ("area", "km2"),
    ("count", "jobs"),
    ("count", "barrels"),
]
ACTIONS = ["meet", "sign", "attack", "visit", "elect", "arrest", "announce", "agree"]
PLACES = [f"City {index}" for index in range(400)]
OUTLETS = [f"Outlet {index}" for index in range(60)]
START = dt.date(2016, 1, 1)
DAYS = 3 * 365
QUERY_SPEAKER = "Speaker 17"
QUERY_ACTOR = "Organization 3"

QUERIES = {
    "top corroborated facts": """
        SELECT fact_id, fact_type, statement, n_articles, n_sources
        FROM facts WHERE status = 'corroborated'
        ORDER BY n_sources DESC, n_articles DESC, fact_id LIMIT 20""",
    "a speaker's quotes with evidence": f"""
        SELECT f.fact_id, f.quote_text, m.text AS evidence, m.sentence, a.title, a.source_name,
               a.published_date
        FROM facts f JOIN mentions m ON m.fact_id = f.fact_id JOIN articles a ON a.article_id = m.article_id
        WHERE f.fact_type = 'quote' AND f.speaker = '{QUERY_SPEAKER}'
        ORDER BY a.published_date, f.fact_id""",
    "contested numbers by month": """
        SELECT date_trunc('month', f.first_published) AS month, f.measure,
               count(DISTINCT c.conflict_id) AS conflicts, count(*) AS facts,
               min(c.value) AS lowest, max(c.value) AS highest
        FROM facts f JOIN conflicts c ON c.fact_id = f.fact_id
        WHERE f.fact_type = 'quantity' AND f.status = 'contested'
        GROUP BY ALL ORDER BY month, f.measure""",
    "events of an actor by place": f"""
        SELECT location, action, count(*) AS events, sum(n_articles) AS articles
        FROM facts WHERE fact_type = 'event' AND list_contains(actors, '{QUERY_ACTOR}')
        GROUP BY ALL ORDER BY events DESC LIMIT 20""",
    "quotes containing a word, with outlets": """
        SELECT f.speaker, count(DISTINCT f.fact_id) AS quotes, count(DISTINCT a.source_name) AS outlets
        FROM facts f JOIN mentions m ON m.fact_id = f.fact_id JOIN articles a ON a.article_id = m.article_id
        WHERE f.fact_type = 'quote' AND f.quote_text ILIKE '%ceasefire%'
        GROUP BY ALL ORDER BY quotes DESC LIMIT 20""",
}


def _ids(rng: np.random.Generator, count: int) -> np.ndarray:
    """Distinct 16-hex-digit ids (the contract's id format)."""
    values = rng.choice(2**62, size=count, replace=False)
    return np.array([f"{int(value):016x}" for value in values], dtype=object)


def _dates(offsets: np.ndarray) -> list[dt.date]:
    return [START + dt.timedelta(days=int(offset)) for offset in offsets]


def _table(name: str, columns: dict[str, object]) -> pa.Table:
    """An Arrow table with the contract's schema, sorted by the published sort keys."""
    schema = arrow_schema(name)
    arrays = [pa.array(columns[field.name], type=field.type) for field in schema]
    table = pa.Table.from_arrays(arrays, schema=schema)
    return table.sort_by([(key, "ascending") for key in SORT_KEYS[name]])


def build_dataset(dataset: Path, n_facts: int) -> dict[str, int]:
    """Write a consistent synthetic version ``v1`` of ``n_facts`` facts; return the row counts."""
    rng = np.random.default_rng(SEED)
    n_articles = max(1, n_facts // 4)
    words = np.array(WORDS, dtype=object)

    article_ids = _ids(rng, n_articles)
    article_days = rng.integers(0, DAYS, n_articles)
    article_outlets = rng.integers(0, len(OUTLETS), n_articles)
    article_dates = _dates(article_days)

    fact_ids = _ids(rng, n_facts)
    # Shares of the fact kinds, in registry order: quotes, quantities, events.
    kinds = rng.choice(np.array(FACT_TYPES, dtype=object), n_facts, p=[0.4, 0.4, 0.2])
    n_mentions = np.minimum(rng.geometric(0.55, n_facts), 12)
    speakers = np.array([f"Speaker {index}" for index in rng.zipf(1.3, n_facts) % 5000], dtype=object)
    actors_a = rng.zipf(1.4, n_facts) % 2000
    actors_b = rng.zipf(1.4, n_facts) % 2000
    measure_index = rng.integers(0, len(MEASURES), n_facts)
    values = np.round(rng.lognormal(4, 2, n_facts), 1)
    actions = rng.integers(0, len(ACTIONS), n_facts)
    places = rng.integers(0, len(PLACES), n_facts)
    quote_words = rng.integers(0, len(words), (n_facts, 8))

    # Mentions: n_mentions per fact, each in a random article.
    mention_fact = np.repeat(np.arange(n_facts), n_mentions)
    mention_article = rng.integers(0, n_articles, len(mention_fact))
    mention_ids = _ids(rng, len(mention_fact))

    # Per fact: distinct articles, sources and first/last publication, from its mentions.
    order = np.lexsort((mention_article, mention_fact))
    pairs_fact, pairs_article = mention_fact[order], mention_article[order]
    distinct = np.ones(len(order), dtype=bool)
    distinct[1:] = (pairs_fact[1:] != pairs_fact[:-1]) | (pairs_article[1:] != pairs_article[:-1])
    n_fact_articles = np.bincount(pairs_fact[distinct], minlength=n_facts)
    first_day = np.full(n_facts, DAYS, dtype=np.int64)
    last_day = np.zeros(n_facts, dtype=np.int64)
    np.minimum.at(first_day, mention_fact, article_days[mention_article])
    np.maximum.at(last_day, mention_fact, article_days[mention_article])
    sources: list[list[str]] = [[] for _ in range(n_facts)]
    for fact, article in zip(pairs_fact[distinct].tolist(), pairs_article[distinct].tolist(), strict=True):
        outlet = OUTLETS[article_outlets[article]]
        if outlet not in sources[fact]:
            sources[fact].append(outlet)

    # Conflicts: pairs of quantity facts of one measure with different values (about 2% of them).
    quantity_facts = np.flatnonzero(kinds == "quantity")
    contested = rng.choice(quantity_facts, size=(len(quantity_facts) // 100) * 2, replace=False)
    conflict_ids = _ids(rng, len(contested) // 2)
    status = np.where(n_fact_articles >= 2, "corroborated", "single_source").astype(object)
    status[contested] = "contested"

    statements, quote_texts, fact_speakers, fact_actors = [], [], [], []
    fact_values, units, measures, fact_actions, locations = [], [], [], [], []
    for index in range(n_facts):
        kind = kinds[index]
        quote = " ".join(words[quote_words[index]]) if kind == "quote" else None
        measure, unit = MEASURES[measure_index[index]] if kind == "quantity" else (None, None)
        actors = (
            [f"Organization {actors_a[index]}", f"Organization {actors_b[index]}"] if kind == "event" else []
        )
        if kind == "quote":
            statement = f'{speakers[index]}: "{quote}"'
        elif kind == "quantity":
            statement = f"{values[index]} {unit} ({measure})"
        else:
            statement = f"{' and '.join(actors)} {ACTIONS[actions[index]]} in {PLACES[places[index]]}"
        statements.append(statement)
        quote_texts.append(quote)
        fact_speakers.append(speakers[index] if kind == "quote" else None)
        fact_actors.append(actors)
        fact_values.append(float(values[index]) if kind == "quantity" else None)
        units.append(unit)
        measures.append(measure)
        fact_actions.append(ACTIONS[actions[index]] if kind == "event" else None)
        locations.append(PLACES[places[index]] if kind == "event" else None)

    low = [None if value is None else value * 0.9 for value in fact_values]
    high = [None if value is None else value * 1.1 for value in fact_values]
    event_dates = [
        START + dt.timedelta(days=int(day)) if kind == "event" else None
        for kind, day in zip(kinds, first_day, strict=True)
    ]
    facts = {
        "fact_id": fact_ids,
        "fact_type": kinds,
        "statement": statements,
        "speaker": fact_speakers,
        "quote_text": quote_texts,
        "value": fact_values,
        "value_low": low,
        "value_high": high,
        "qualifier": ["exact" if kind == "quantity" else None for kind in kinds],
        "unit": units,
        "measure": measures,
        "actors": fact_actors,
        "action": fact_actions,
        "location": locations,
        "event_date": event_dates,
        "date_precision": ["day" if date else None for date in event_dates],
        "n_mentions": n_mentions,
        "n_articles": n_fact_articles,
        "n_sources": np.array([len(outlets) for outlets in sources]),
        "sources": sources,
        "first_published": _dates(first_day),
        "last_published": _dates(last_day),
        "status": status,
        "confidence": np.round(rng.uniform(0.5, 1.0, n_facts), 2),
    }
    # Article bodies are their mentions' evidence, one after the other, so offsets point into them.
    texts = [statements[fact] for fact in mention_fact.tolist()]
    starts = np.zeros(len(texts), dtype=np.int64)
    pieces: list[list[str]] = [[] for _ in range(n_articles)]
    lengths = [0] * n_articles
    for index, article in enumerate(mention_article.tolist()):
        if pieces[article]:
            lengths[article] += 1
        starts[index] = lengths[article]
        pieces[article].append(texts[index])
        lengths[article] += len(texts[index])
    bodies = [" ".join(parts) or f"Synthetic article {index}." for index, parts in enumerate(pieces)]
    mentions = {
        "mention_id": mention_ids,
        "article_id": article_ids[mention_article],
        "fact_id": fact_ids[mention_fact],
        "fact_type": kinds[mention_fact],
        "text": texts,
        "char_start": starts,
        "char_end": starts + np.array([len(text) for text in texts]),
        "sentence": texts,
        **{
            name: [facts[name][fact] for fact in mention_fact.tolist()]
            for name in (
                "speaker",
                "quote_text",
                "value",
                "value_low",
                "value_high",
                "qualifier",
                "unit",
                "measure",
                "actors",
                "action",
                "location",
                "event_date",
                "date_precision",
            )
        },
        "date_text": [None] * len(mention_fact),
        "date_note": [None] * len(mention_fact),
        "confidence": facts["confidence"][mention_fact],
        "extractor": np.where(
            kinds[mention_fact] == "quote",
            "quotes/1",
            np.where(kinds[mention_fact] == "quantity", "quantities/1", "events/1"),
        ),
    }
    articles = {
        "article_id": article_ids,
        "source_uri": [f"synthetic/{index:07d}.txt" for index in range(n_articles)],
        "source_name": [OUTLETS[outlet] for outlet in article_outlets],
        "url": [None] * n_articles,
        "title": [f"Story {index} about {WORDS[index % len(WORDS)]}" for index in range(n_articles)],
        "published_date": article_dates,
        "date_source": ["metadata"] * n_articles,
        "body": bodies,
        "n_words": [len(body.split()) for body in bodies],
        "body_sha256": [f"{value}{value}{value}{value}" for value in article_ids],
        "content_sha256": [f"{value}{value}{value}{value}" for value in article_ids],
        "duplicate_of": [None] * n_articles,
        "duplicate_kind": [None] * n_articles,
        "duplicate_similarity": [None] * n_articles,
    }
    pairs = contested.reshape(-1, 2)
    conflicts = {
        "conflict_id": np.repeat(conflict_ids, 2),
        "fact_id": fact_ids[pairs.ravel()],
        "value": [fact_values[fact] for fact in pairs.ravel().tolist()],
        "description": [
            f"{measures[pair[0]]}: {fact_values[pair[0]]} vs {fact_values[pair[1]]} {units[pair[0]]}"
            for pair in pairs.tolist()
            for _ in range(2)
        ],
    }
    entity_names = sorted(
        {name for name in fact_speakers if name} | {name for actors in fact_actors for name in actors}
    )
    entities = {
        "entity_id": _ids(rng, len(entity_names)),
        "name": entity_names,
        "entity_type": ["person" if name.startswith("Speaker") else "organization" for name in entity_names],
        "aliases": [[] for _ in entity_names],
        "n_mentions": np.ones(len(entity_names), dtype=np.int64),
        "n_articles": np.ones(len(entity_names), dtype=np.int64),
    }
    rejects = {"source_uri": [], "stage": [], "error": [], "detail": [], "content_sha256": []}
    tables = {
        "articles": articles,
        "mentions": mentions,
        "facts": facts,
        "entities": entities,
        "conflicts": conflicts,
        "rejects": rejects,
    }
    version = dataset / "v1"
    version.mkdir(parents=True)
    counts = {}
    for name, columns in tables.items():
        table = _table(name, columns)
        pq.write_table(
            table, version / f"{name}.parquet", compression=PARQUET_COMPRESSION, row_group_size=ROW_GROUP_SIZE
        )
        counts[name] = table.num_rows
    write_json_atomic(version / MANIFEST, {"version": 1, "synthetic": True, "tables": counts})
    switch_latest(dataset, "v1")
    return counts


def main() -> None:
    """Build the dataset, time the queries and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"# Analyst queries on a synthetic dataset of {args.facts:,} facts\n")
    print_machine(machine_info())
    folder = work_dir("queries")
    try:
        start = time.perf_counter()
        counts = build_dataset(folder / "dataset", args.facts)
        built = time.perf_counter() - start
        size = sum(path.stat().st_size for path in (folder / "dataset" / "v1").glob("*.parquet"))
        print_table(
            ["table", "rows"],
            [*([name, count] for name, count in counts.items()), ["Parquet MiB", size / 2**20]],
        )
        print(f"generated and written in {built:.0f} s\n")
        connection = connect(folder / "dataset")
        rows = []
        for name, sql in QUERIES.items():
            start = time.perf_counter()
            result = connection.execute(sql).fetchall()
            cold = time.perf_counter() - start
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                connection.execute(sql).fetchall()
                times.append(time.perf_counter() - start)
            rows.append([name, len(result), 1000 * cold, 1000 * statistics.median(times), 1000 * max(times)])
        connection.close()
    finally:
        cleanup(folder)
    print_table(["query", "rows", "first run ms", f"median of {args.repeat} ms", "slowest ms"], rows)


if __name__ == "__main__":
    main()
