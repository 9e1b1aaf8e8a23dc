"""Evaluation of fact deduplication on the seed articles against ``tests/gold/fact_clusters.jsonl``.

Pairwise precision, recall and F1 of fact clusters over the gold mentions that extraction found. Article
clustering (ECB+, AllSides) and near-duplicate detection (Reuters) are scored in
:mod:`evaluation.stories`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation import EvaluationContext, MetricRow, precision_recall_f1
from factlake.config import DEFAULT_SOURCE
from factlake.dedup import build_facts, mark_duplicate_articles
from factlake.kinds import fact_kind
from factlake.records import normalize_text, to_frame

GOLD_FILE = "fact_clusters.jsonl"

#: Targets from the issue.
TARGET_FACT_F1 = 0.90


# --------------------------------------------------------------------------------------------- scoring


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
    if fact_kind(gold["fact_type"]).gold_by_sentence:  # evidence may be just a verb: try its sentence
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
    fact_set = build_facts(mentions, articles, context.config.dedup, context.reference)
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
    """Fact-cluster figures on the seeds."""
    return evaluate_seed_facts(context)
