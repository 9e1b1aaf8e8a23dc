"""Evaluation of article clustering: stories across outlets and near-duplicate copies.

- Story clustering on ECB+ (``cluster`` = one real-world event; the other half of each topic is a similar
  but different event) and on AllSides roundups (``story_id``): B-cubed precision, recall and F1, and on
  ECB+ the share of topics whose two halves were merged. The story thresholds were tuned on ECB+ topics
  1-17 only, so topics 18-35 (clustered on their own) and AllSides are reported as held out. Caveat: the
  conflict factors (years, months, subjects) were chosen among settings that all merge no tuning topic,
  by the merged-topic share of all topics, so the held-out merged-topic share is not strictly held out.
- Near-duplicate articles on Reuters-21578: how many exact and near copies are found, with a sample of
  pairs to check by hand (``python -m evaluation.stories`` prints it).
- Stability of published story ids on AllSides: a first version of 90% of the articles, then a second
  adding every tenth article with the flow's incremental assignment; the share of first-version articles
  whose story_id changed (the target is 0: published ids never churn).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation import EvaluationContext, MetricRow
from factlake.config import DedupConfig
from factlake.dedup import cluster_stories, mark_duplicate_articles
from factlake.dedup.story_table import mark_articles, previous_assignment
from factlake.records import new_record, normalize_text, sha256_hex, stable_id, to_frame

ECB_FILE = "ecbplus_topics_1_35.jsonl"
ALLSIDES_FILE = "allsides_articles.jsonl"
REUTERS_FILE = "reuters21578.jsonl"

#: Targets from the issue.
TARGET_STORY_F1 = 0.85
TARGET_TOPICS_MERGED = 0.05

#: Every this-many-th article is held back from the first version and added in the second (10%).
STABILITY_STEP = 10

#: ECB+ topics the story thresholds were tuned on; the other topics are held out.
ECB_TUNING_TOPICS = range(1, 18)


# --------------------------------------------------------------------------------------------- scoring


def bcubed(predicted: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering (one label per item in each sequence)."""
    if not gold:
        return 0.0, 0.0, 0.0
    predicted_members: defaultdict[Hashable, set[int]] = defaultdict(set)
    gold_members: defaultdict[Hashable, set[int]] = defaultdict(set)
    for item, (predicted_label, gold_label) in enumerate(zip(predicted, gold, strict=True)):
        predicted_members[predicted_label].add(item)
        gold_members[gold_label].add(item)
    precision = recall = 0.0
    for predicted_label, gold_label in zip(predicted, gold, strict=True):
        shared = len(predicted_members[predicted_label] & gold_members[gold_label])
        precision += shared / len(predicted_members[predicted_label])
        recall += shared / len(gold_members[gold_label])
    precision, recall = precision / len(gold), recall / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def merged_topic_share(
    predicted: Sequence[Hashable], topics: Sequence[Hashable], halves: Sequence[str]
) -> tuple[float, int]:
    """Share of topics whose two halves were merged: the dominant cluster of both halves is the same.

    Returns:
        The share and the number of topics with both halves present.
    """
    votes: defaultdict[tuple[Hashable, str], Counter[Hashable]] = defaultdict(Counter)
    for label, topic, half in zip(predicted, topics, halves, strict=True):
        votes[(topic, half)][label] += 1
    by_topic: defaultdict[Hashable, list[Hashable]] = defaultdict(list)
    for (topic, _half), counter in sorted(votes.items(), key=lambda item: str(item[0])):
        by_topic[topic].append(min(counter, key=lambda label: (-counter[label], str(label))))
    with_two = [dominant for dominant in by_topic.values() if len(dominant) == 2]
    merged = sum(1 for first, second in with_two if first == second)
    return (merged / len(with_two) if with_two else 0.0), len(with_two)


# --------------------------------------------------------------------------------------------- corpora


def read_jsonl(path: Path, limit: int | None) -> list[dict[str, Any]]:
    """Records of a JSON Lines corpus (at most ``limit``), each with its line number as ``_line``."""
    records = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                records.append({**json.loads(line), "_line": number})
            if limit is not None and len(records) >= limit:
                break
    return records


def corpus_articles(records: list[dict[str, Any]], name: str) -> pd.DataFrame:
    """A minimal ``articles`` frame for corpus records (id, title, body, publication date, hashes)."""
    rows = []
    for position, record in enumerate(records, start=1):
        line = record.get("_line", position)
        body = record.get("text") or record.get("title") or "-"
        body_sha256 = sha256_hex(normalize_text(body))
        date = pd.to_datetime(record.get("date") or record.get("date_from_url"), errors="coerce", utc=True)
        rows.append(
            new_record(
                "articles",
                article_id=stable_id(body_sha256, f"{name}#{line}"),
                source_uri=f"{name}#{line}",
                source_name=record.get("outlet"),
                title=record.get("title") or "-",
                published_date=None if pd.isna(date) else date.date(),
                date_source="metadata",
                body=body,
                n_words=max(1, len(body.split())),
                body_sha256=body_sha256,
                content_sha256=sha256_hex(json.dumps(record, sort_keys=True, ensure_ascii=False)),
            )
        )
    return to_frame("articles", rows)


def story_rows(
    dataset: str, articles: pd.DataFrame, gold: list[Hashable], config: DedupConfig, note: str = ""
) -> tuple[list[MetricRow], list[Hashable]]:
    """B-cubed figures of :func:`cluster_stories` against gold story labels, and the predicted labels."""
    predicted = cluster_stories(articles, config).tolist()
    precision, recall, f1 = bcubed(predicted, gold)
    note = f"{len(set(predicted))} predicted vs {len(set(gold))} gold stories" + (f"; {note}" if note else "")
    rows = [
        MetricRow("story clusters", dataset, "bcubed_precision", precision, support=len(gold), note=note),
        MetricRow("story clusters", dataset, "bcubed_recall", recall, support=len(gold)),
        MetricRow("story clusters", dataset, "bcubed_f1", f1, target=TARGET_STORY_F1, support=len(gold)),
    ]
    return rows, predicted


def ecbplus_rows(
    dataset: str, records: list[dict[str, Any]], config: DedupConfig, note: str
) -> list[MetricRow]:
    """Story figures and the share of merged topic halves for some ECB+ records, clustered on their own."""
    articles = corpus_articles(records, ECB_FILE)
    rows, predicted = story_rows(dataset, articles, [record["cluster"] for record in records], config, note)
    share, n_topics = merged_topic_share(
        predicted, [record["topic"] for record in records], [record["half"] for record in records]
    )
    rows.append(
        MetricRow(
            "story clusters",
            dataset,
            "topics_merged",
            share,
            target=TARGET_TOPICS_MERGED,
            lower_is_better=True,
            support=n_topics,
            note=f"{round(share * n_topics)} of {n_topics} topics have both halves in one dominant cluster",
        )
    )
    return rows


def evaluate_ecbplus(path: Path, config: DedupConfig, limit: int | None) -> list[MetricRow]:
    """Story clustering on ECB+ (all topics, the tuning topics and the held-out topics)."""
    records = read_jsonl(path, limit)
    tuning = [record for record in records if record["topic"] in ECB_TUNING_TOPICS]
    held_out = [record for record in records if record["topic"] not in ECB_TUNING_TOPICS]
    first, last = ECB_TUNING_TOPICS[0], ECB_TUNING_TOPICS[-1]
    rows = ecbplus_rows("ecbplus", records, config, "all topics")
    if tuning and held_out:
        rows += ecbplus_rows("ecbplus-tuning", tuning, config, f"topics {first}-{last}, used for tuning")
        rows += ecbplus_rows("ecbplus-heldout", held_out, config, f"topics after {last}, held out")
    return rows


def evaluate_allsides(path: Path, config: DedupConfig, limit: int | None) -> list[MetricRow]:
    """Story clustering on AllSides roundups (held out: not used for tuning)."""
    records = read_jsonl(path, limit)
    articles = corpus_articles(records, path.name)
    rows, _ = story_rows("allsides", articles, [record["story_id"] for record in records], config, "held out")
    return [*rows, stability_row("allsides", articles, config)]


def story_id_churn(articles: pd.DataFrame, config: DedupConfig, step: int = STABILITY_STEP) -> dict[str, int]:
    """Story ids of a first version that change when a second version adds articles incrementally.

    Builds a first version of every article but each ``step``-th (in frame order), then a second version
    of all of them with the flow's incremental assignment
    (:func:`factlake.dedup.story_table.mark_articles`, carrying the first version's stories).

    Returns:
        ``old``: articles of the first version; ``changed``: those whose story_id differs in the second;
        ``new``: articles added; ``joined``: added articles that joined a story of the first version.
    """
    held_back = [position % step == step - 1 for position in range(len(articles))]
    first_articles = articles[[not back for back in held_back]]
    first = mark_articles(first_articles, None, 1, config)
    carried = previous_assignment(first[["article_id", "first_version", "story_id"]], 1)
    second = mark_articles(articles, carried, 2, config).set_index("article_id")
    before = dict(zip(first["article_id"], first["story_id"], strict=True))
    after = second["story_id"]
    added = second.index.difference(first["article_id"])
    return {
        "old": len(before),
        "changed": sum(1 for article_id, story in before.items() if after[article_id] != story),
        "new": len(added),
        "joined": int(after[added].isin(set(before.values())).sum()),
    }


def stability_row(dataset: str, articles: pd.DataFrame, config: DedupConfig) -> MetricRow:
    """The :func:`story_id_churn` of a corpus as a metric row: share of first-version articles moved."""
    churn = story_id_churn(articles, config)
    return MetricRow(
        "story clusters",
        dataset,
        "story_id_churn",
        churn["changed"] / churn["old"] if churn["old"] else 0.0,
        target=0.0,
        lower_is_better=True,
        support=churn["old"],
        note=f"{churn['changed']} of {churn['old']} articles of v1 changed story after adding {churn['new']} "
        f"(every {STABILITY_STEP}th) incrementally; {churn['joined']} of them joined a story of v1",
    )


def reuters_duplicates(
    path: Path, config: DedupConfig, limit: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reuters articles marked by :func:`mark_duplicate_articles`, and their duplicate pairs."""
    records = [record for record in read_jsonl(path, limit) if record.get("text")]
    articles = corpus_articles(records, path.name)
    marked = mark_duplicate_articles(articles, config)
    copies = marked[marked["duplicate_of"].notna()]
    canonical = marked.set_index("article_id")
    pairs = pd.DataFrame(
        {
            "kind": copies["duplicate_kind"].to_numpy(),
            "similarity": copies["duplicate_similarity"].to_numpy(),
            "copy": copies["source_uri"].to_numpy(),
            "copy_title": copies["title"].to_numpy(),
            "canonical": canonical.loc[copies["duplicate_of"], "source_uri"].to_numpy(),
            "canonical_title": canonical.loc[copies["duplicate_of"], "title"].to_numpy(),
        }
    )
    return marked, pairs.sort_values(["kind", "similarity", "copy"]).reset_index(drop=True)


def evaluate_reuters(path: Path, config: DedupConfig, limit: int | None) -> list[MetricRow]:
    """Counts of exact and near duplicates found in Reuters-21578 (no gold: check the sample by hand)."""
    marked, pairs = reuters_duplicates(path, config, limit)
    kinds = Counter(pairs["kind"])
    note = "no gold; run `python -m evaluation.stories` to print pairs for checking by hand"
    return [
        MetricRow(
            "near duplicates", "reuters", "exact_duplicates", kinds["exact"], support=len(marked), note=note
        ),
        MetricRow("near duplicates", "reuters", "near_duplicates", kinds["near"], support=len(marked)),
    ]


def evaluate(context: EvaluationContext) -> list[MetricRow]:
    """Every article-clustering figure; corpora that are missing are reported with a note."""
    config = context.config.dedup
    corpora = (
        (ECB_FILE, "ecbplus", evaluate_ecbplus),
        (ALLSIDES_FILE, "allsides", evaluate_allsides),
        (REUTERS_FILE, "reuters", evaluate_reuters),
    )
    rows: list[MetricRow] = []
    for file_name, dataset, run in corpora:
        path = context.corpora_dir / file_name
        if path.exists():
            rows.extend(run(path, config, context.limit))
        else:
            rows.append(MetricRow("stories", dataset, "skipped", 0.0, note=f"corpus {file_name} not found"))
    return rows


def main() -> None:
    """Print the story figures and a sample of Reuters duplicate pairs for checking by hand."""
    from evaluation import DEFAULT_CORPORA_DIR
    from factlake.config import FactlakeConfig

    config = FactlakeConfig().dedup
    rows = evaluate_ecbplus(DEFAULT_CORPORA_DIR / ECB_FILE, config, None)
    rows += evaluate_allsides(DEFAULT_CORPORA_DIR / ALLSIDES_FILE, config, None)
    for row in rows:
        print(f"{row.dataset:16} {row.metric:18} {row.value:8.3f}  {row.note}")
    marked, pairs = reuters_duplicates(DEFAULT_CORPORA_DIR / REUTERS_FILE, config, None)
    print(f"reuters: {len(marked)} articles, {Counter(pairs['kind'])}")
    exact, near = pairs[pairs["kind"] == "exact"], pairs[pairs["kind"] == "near"]
    sample = pd.concat(
        [exact.sample(min(5, len(exact)), random_state=1), near.sample(min(10, len(near)), random_state=1)]
    )
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(sample.to_string(index=False))


if __name__ == "__main__":
    main()
