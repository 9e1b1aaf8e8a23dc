"""Evaluation of deduplication: story clustering, near-duplicate articles and fact clusters.

- Story clustering on ECB+ (``cluster`` = one real-world event; the other half of each topic is a similar
  but different event) and on AllSides roundups (``story_id``): B-cubed precision, recall and F1, and on
  ECB+ the share of topics whose two halves were merged.
- Near-duplicate articles on Reuters-21578: how many exact and near copies are found, with a sample of
  pairs to check by hand (``python -m factlake.evaluation.dedup`` prints it).
- Fact clusters on the seed articles against ``tests/gold/fact_clusters.jsonl``: pairwise precision,
  recall and F1 over the gold mentions that extraction found.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from factlake.config import DEFAULT_SOURCE, DedupConfig
from factlake.dedup import build_facts, cluster_stories, mark_duplicate_articles
from factlake.evaluation import EvaluationContext, MetricRow, precision_recall_f1
from factlake.records import new_record, normalize_text, sha256_hex, stable_id, to_frame

GOLD_FILE = "fact_clusters.jsonl"
ECB_FILE = "ecbplus_topics_1_35.jsonl"
ALLSIDES_FILE = "allsides_articles.jsonl"
REUTERS_FILE = "reuters21578.jsonl"

#: Targets from the issue.
TARGET_STORY_F1 = 0.85
TARGET_TOPICS_MERGED = 0.05
TARGET_FACT_F1 = 0.90


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


@dataclass
class FactClusterScore:
    """Pairwise agreement of predicted fact clusters with gold groups.

    Attributes:
        true_positives: Gold pairs of mentions that share a predicted fact.
        n_predicted: Pairs of matched gold mentions that share a predicted fact.
        n_gold: Pairs of matched gold mentions that share a gold group.
        matched: Gold mentions found among the extracted mentions.
        unmatched: Gold mentions extraction did not produce (``file fact_type: snippet``).
        false_merges: Predicted pairs from different gold groups (``snippet`` pairs), for reading.
    """

    true_positives: int
    n_predicted: int
    n_gold: int
    matched: int
    unmatched: list[str] = field(default_factory=list)
    false_merges: list[tuple[str, str]] = field(default_factory=list)


def load_gold_clusters(path: Path) -> list[dict[str, Any]]:
    """Gold fact groups: JSON lines with ``group`` and ``mentions`` (file, fact_type, snippet)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _find_mention(
    mentions: pd.DataFrame, articles_by_file: dict[str, str], gold: dict[str, str]
) -> str | None:
    """mention_id of the first mention (in article order) of the gold file and type holding the snippet."""
    article_id = articles_by_file.get(gold["file"])
    if article_id is None:
        return None
    candidates = mentions[
        (mentions["article_id"] == article_id) & (mentions["fact_type"] == gold["fact_type"])
    ]
    snippet = normalize_text(gold["snippet"])
    for _, row in candidates.sort_values(["char_start", "char_end", "mention_id"]).iterrows():
        texts = [row["text"], row["quote_text"] if isinstance(row["quote_text"], str) else ""]
        if any(snippet in normalize_text(text) for text in texts):
            return row["mention_id"]
    if gold["fact_type"] == "event":  # event evidence is often just the verb: identify it by its sentence
        for _, row in candidates.sort_values(["char_start", "char_end", "mention_id"]).iterrows():
            if snippet in normalize_text(row["sentence"]):
                return row["mention_id"]
    return None


def score_fact_clusters(
    mentions: pd.DataFrame, articles: pd.DataFrame, gold_groups: list[dict[str, Any]]
) -> FactClusterScore:
    """Pairwise precision/recall of fact clusters over the gold mentions that were extracted.

    Gold mentions are found by file name (the base name of ``source_uri``), fact type and a snippet of the
    evidence or quote text. Pairs are counted only among found mentions, so the figure measures
    deduplication, not extraction recall (reported separately as ``matched``/``unmatched``).
    """
    articles_by_file = {
        Path(uri).name: article_id
        for uri, article_id in zip(articles["source_uri"], articles["article_id"], strict=True)
    }
    group_of: dict[str, str] = {}
    snippet_of: dict[str, str] = {}
    unmatched: list[str] = []
    for group in gold_groups:
        for gold in group["mentions"]:
            mention_id = _find_mention(mentions, articles_by_file, gold)
            if mention_id is None:
                unmatched.append(f"{gold['file']} {gold['fact_type']}: {gold['snippet']}")
            elif mention_id not in group_of:
                group_of[mention_id] = group["group"]
                snippet_of[mention_id] = gold["snippet"]
    fact_of = mentions.set_index("mention_id")["fact_id"]
    true_positives = n_predicted = n_gold = 0
    false_merges: list[tuple[str, str]] = []
    for first, second in itertools.combinations(sorted(group_of), 2):
        same_gold = group_of[first] == group_of[second]
        same_fact = fact_of[first] == fact_of[second]
        n_gold += same_gold
        n_predicted += same_fact
        true_positives += same_gold and same_fact
        if same_fact and not same_gold:
            false_merges.append((snippet_of[first], snippet_of[second]))
    return FactClusterScore(true_positives, n_predicted, n_gold, len(group_of), unmatched, false_merges)


# --------------------------------------------------------------------------------------------- corpora


def _read_jsonl(path: Path, limit: int | None) -> list[dict[str, Any]]:
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
    dataset: str, articles: pd.DataFrame, gold: list[Hashable], config: DedupConfig
) -> list[MetricRow]:
    """B-cubed figures of :func:`cluster_stories` against gold story labels."""
    predicted = cluster_stories(articles, config).tolist()
    precision, recall, f1 = bcubed(predicted, gold)
    note = f"{len(set(predicted))} predicted vs {len(set(gold))} gold stories"
    return [
        MetricRow("story clusters", dataset, "bcubed_precision", precision, support=len(gold), note=note),
        MetricRow("story clusters", dataset, "bcubed_recall", recall, support=len(gold)),
        MetricRow("story clusters", dataset, "bcubed_f1", f1, target=TARGET_STORY_F1, support=len(gold)),
    ]


def evaluate_ecbplus(path: Path, config: DedupConfig, limit: int | None) -> list[MetricRow]:
    """Story clustering on ECB+ with the topic halves as hard negatives."""
    records = _read_jsonl(path, limit)
    articles = corpus_articles(records, path.name)
    rows = story_rows("ecbplus", articles, [record["cluster"] for record in records], config)
    predicted = cluster_stories(articles, config).tolist()
    share, n_topics = merged_topic_share(
        predicted, [record["topic"] for record in records], [record["half"] for record in records]
    )
    rows.append(
        MetricRow(
            "story clusters",
            "ecbplus",
            "topics_merged",
            share,
            target=TARGET_TOPICS_MERGED,
            support=n_topics,
            note="share of topics whose two halves have the same dominant cluster (lower is better)",
        )
    )
    return rows


def reuters_duplicates(
    path: Path, config: DedupConfig, limit: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reuters articles marked by :func:`mark_duplicate_articles`, and their duplicate pairs."""
    records = [record for record in _read_jsonl(path, limit) if record.get("text")]
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
    note = "no gold; run `python -m factlake.evaluation.dedup` to print pairs for checking by hand"
    return [
        MetricRow(
            "near duplicates", "reuters", "exact_duplicates", kinds["exact"], support=len(marked), note=note
        ),
        MetricRow("near duplicates", "reuters", "near_duplicates", kinds["near"], support=len(marked)),
    ]


# --------------------------------------------------------------------------------------------- seeds


def seed_mentions(context: EvaluationContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse, extract and link the seed articles the way the pipeline does (without Prefect).

    Raises:
        ImportError: when an extraction component is not available yet.
    """
    from factlake import link, parse
    from factlake.extract import extract_articles

    config = context.config
    articles: list[dict[str, Any]] = []
    for path in sorted(DEFAULT_SOURCE.glob("*.txt")):
        outcome = parse.parse_input(path.name, path.read_bytes(), config.parse, context.reference)
        articles.extend(outcome.articles)
    extraction = extract_articles(articles, context.nlp, config.extract, context.reference)
    _, canonical_names = link.link_entities(extraction.entity_mentions, context.reference)
    mentions = link.canonicalize_mentions(extraction.mentions, canonical_names)
    return to_frame("mentions", mentions), to_frame("articles", articles)


def evaluate_seed_facts(context: EvaluationContext) -> list[MetricRow]:
    """Pairwise precision/recall/F1 of fact clusters on the seeds against the gold groups."""
    gold_path = context.gold_dir / GOLD_FILE
    if not gold_path.exists():
        return [
            MetricRow("fact clusters", "seeds", "f1", 0.0, TARGET_FACT_F1, note=f"no gold file {GOLD_FILE}")
        ]
    try:
        mentions, articles = seed_mentions(context)
    except (ImportError, AttributeError) as error:
        note = f"extraction not available yet ({error}); fact clusters not scored"
        return [MetricRow("fact clusters", "seeds", "f1", 0.0, TARGET_FACT_F1, note=note)]
    articles = mark_duplicate_articles(articles, context.config.dedup)
    fact_set = build_facts(mentions, articles, context.config.dedup)
    score = score_fact_clusters(fact_set.mentions, articles, load_gold_clusters(gold_path))
    precision, recall, f1 = precision_recall_f1(score.true_positives, score.n_predicted, score.n_gold)
    n_gold_mentions = score.matched + len(score.unmatched)
    note = (
        f"{score.matched}/{n_gold_mentions} gold mentions extracted; {len(score.false_merges)} false merges"
    )
    return [
        MetricRow(
            "fact clusters", "seeds", "pairwise_precision", precision, support=score.n_predicted, note=note
        ),
        MetricRow("fact clusters", "seeds", "pairwise_recall", recall, support=score.n_gold),
        MetricRow("fact clusters", "seeds", "pairwise_f1", f1, target=TARGET_FACT_F1, support=score.n_gold),
        MetricRow(
            "fact clusters", "seeds", "gold_mentions_extracted", score.matched, support=n_gold_mentions
        ),
    ]


def evaluate(context: EvaluationContext) -> list[MetricRow]:
    """Every deduplication figure; corpora that are missing are reported with a note."""
    config = context.config.dedup
    rows: list[MetricRow] = []
    corpora = (
        (ECB_FILE, "ecbplus", lambda path: evaluate_ecbplus(path, config, context.limit)),
        (
            ALLSIDES_FILE,
            "allsides",
            lambda path: story_rows(
                "allsides",
                corpus_articles(records := _read_jsonl(path, context.limit), path.name),
                [record["story_id"] for record in records],
                config,
            ),
        ),
        (REUTERS_FILE, "reuters", lambda path: evaluate_reuters(path, config, context.limit)),
    )
    for file_name, dataset, run in corpora:
        path = context.corpora_dir / file_name
        if path.exists():
            rows.extend(run(path))
        else:
            rows.append(MetricRow("dedup", dataset, "skipped", 0.0, note=f"corpus {file_name} not found"))
    rows.extend(evaluate_seed_facts(context))
    return rows


def main() -> None:
    """Print the corpus figures and a sample of Reuters duplicate pairs for checking by hand."""
    from factlake.config import FactlakeConfig
    from factlake.evaluation import DEFAULT_CORPORA_DIR
    from factlake.reference import Reference

    context = EvaluationContext(config=FactlakeConfig(), reference=Reference(), nlp=None)
    config = context.config.dedup
    for row in evaluate_ecbplus(DEFAULT_CORPORA_DIR / ECB_FILE, config, None):
        print(f"{row.dataset:10} {row.metric:20} {row.value:8.3f}  {row.note}")
    records = _read_jsonl(DEFAULT_CORPORA_DIR / ALLSIDES_FILE, None)
    articles = corpus_articles(records, ALLSIDES_FILE)
    for row in story_rows("allsides", articles, [record["story_id"] for record in records], config):
        print(f"{row.dataset:10} {row.metric:20} {row.value:8.3f}  {row.note}")
    marked, pairs = reuters_duplicates(DEFAULT_CORPORA_DIR / REUTERS_FILE, config, None)
    print(f"reuters: {len(marked)} articles, {Counter(pairs['kind'])}")
    sample = pd.concat(
        [pairs[pairs["kind"] == "exact"].head(5), pairs[pairs["kind"] == "near"].sample(10, random_state=1)]
    )
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(sample.to_string(index=False))


if __name__ == "__main__":
    main()
