"""Quote extraction and speaker attribution against gold: the seed articles and PolNeAR.

A predicted quote matches a gold quote of the same article when their word sets overlap strongly (Dice
coefficient of lower-cased words >= :data:`MATCH_THRESHOLD`), so a merged split quote matches the gold
quote written as its joined parts. Only quotes of at least ``min_quote_words`` words count on both sides
(shorter ones are scare quotes and fragments, kept by the extractor with low confidence). Speaker accuracy
is measured on the matched gold quotes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from factlake.config import DEFAULT_SOURCE, ExtractConfig
from factlake.evaluation import EvaluationContext, MetricRow
from factlake.extract import ArticleContext, entities, quotes
from factlake.extract.entities import normalize_key
from factlake.link import canonicalize_mentions, link_entities
from factlake.records import stable_id
from factlake.reference import Reference

MATCH_THRESHOLD = 0.6
QUOTE_PRECISION_TARGET = 0.90
QUOTE_RECALL_TARGET = 0.90
SPEAKER_ACCURACY_TARGET = 0.85
POLNEAR_FILE = "polnear_train_dev.jsonl"
#: PolNeAR articles scored when the caller sets no limit (keeps the run around a minute on two cores).
POLNEAR_DEFAULT_SAMPLE = 150
WORD = re.compile(r"\w+")
OPENING_MARKS = ("“", '"', "«")
CLOSING_MARKS = ("”", '"', "»")
PRONOUNS_AND_DETERMINERS = frozenset(
    [
        "i",
        "he",
        "she",
        "we",
        "they",
        "you",
        "it",
        "his",
        "her",
        "their",
        "our",
        "the",
        "a",
        "an",
        "this",
        "that",
    ]
)


def quote_words(text: str) -> set[str]:
    """Lower-cased words of a quote, the unit of matching."""
    return set(WORD.findall(text.lower()))


def overlap(first: set[str], second: set[str]) -> float:
    """Dice coefficient of two word sets (0.0 when both are empty)."""
    total = len(first) + len(second)
    return 2 * len(first & second) / total if total else 0.0


def same_speaker(predicted: str | None, gold: str) -> bool:
    """Whether two speaker names denote the same speaker: equal, or sharing their last word (a surname)."""
    if predicted is None:
        return False
    predicted_key, gold_key = normalize_key(predicted), normalize_key(gold)
    if predicted_key == gold_key:
        return True
    predicted_words, gold_words = predicted_key.split(), gold_key.split()
    return bool(predicted_words and gold_words) and (
        predicted_words[-1] in gold_words or gold_words[-1] in predicted_words
    )


def extract_quotes(
    article_id: str, body: str, nlp: Any, config: ExtractConfig, reference: Reference
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(quote mentions, entity mentions) of one body, as the extraction stage would produce them."""
    context = ArticleContext(article_id=article_id, body=body, published_date=None, doc=nlp(body))
    context.entity_mentions = entities.extract(context, config, reference)
    return quotes.extract(context, config, reference), context.entity_mentions


def score(
    predicted: dict[str, list[dict[str, Any]]], gold: dict[str, list[dict[str, Any]]], min_words: int
) -> tuple[int, int, int, int, int, int]:
    """(matched predictions, predictions, matched gold, gold, correct speakers, gold with a speaker).

    Args:
        predicted: Article key → canonicalized quote mentions.
        gold: Article key → dicts with ``quote`` and ``speaker`` (None when the gold has no usable name).
        min_words: Quotes with fewer words are left out on both sides.
    """
    matched_predictions = n_predictions = matched_gold = n_gold = correct = n_speakers = 0
    for key in sorted(set(predicted) | set(gold)):
        predictions = [
            (quote_words(mention["quote_text"]), mention["speaker"])
            for mention in predicted.get(key, [])
            if len(mention["quote_text"].split()) >= min_words
        ]
        golds = [(quote_words(item["quote"]), item["speaker"]) for item in gold.get(key, [])]
        golds = [item for item in golds if len(item[0]) >= 1]
        n_predictions += len(predictions)
        n_gold += len(golds)
        matched_predictions += sum(
            1
            for words, _ in predictions
            if any(overlap(words, gold_words) >= MATCH_THRESHOLD for gold_words, _ in golds)
        )
        for gold_words, gold_speaker in golds:
            scored = [(overlap(words, gold_words), index) for index, (words, _) in enumerate(predictions)]
            best = max(scored, default=(0.0, -1))
            if best[0] < MATCH_THRESHOLD:
                continue
            matched_gold += 1
            if gold_speaker is not None:
                n_speakers += 1
                correct += same_speaker(predictions[best[1]][1], gold_speaker)
    return matched_predictions, n_predictions, matched_gold, n_gold, correct, n_speakers


def evaluate(context: EvaluationContext) -> list[MetricRow]:
    """Quote precision and recall and speaker accuracy on the seeds and on PolNeAR."""
    return _evaluate_seeds(context) + _evaluate_polnear(context)


def _rows(dataset: str, counts: tuple[int, int, int, int, int, int], note: str) -> list[MetricRow]:
    matched_predictions, n_predictions, matched_gold, n_gold, correct, n_speakers = counts
    precision = matched_predictions / n_predictions if n_predictions else 0.0
    recall = matched_gold / n_gold if n_gold else 0.0
    return [
        MetricRow("quotes", dataset, "precision", precision, QUOTE_PRECISION_TARGET, n_predictions, note),
        MetricRow("quotes", dataset, "recall", recall, QUOTE_RECALL_TARGET, n_gold, note),
        MetricRow(
            "speakers",
            dataset,
            "accuracy",
            correct / n_speakers if n_speakers else 0.0,
            SPEAKER_ACCURACY_TARGET,
            n_speakers,
            "on matched gold quotes whose speaker is named",
        ),
    ]


def seed_predictions(
    context: EvaluationContext,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict]]]:
    """(file name → canonicalized predicted quotes, file name → gold quotes) for the seed articles."""
    gold: dict[str, list[dict[str, Any]]] = {}
    for line in (context.gold_dir / "quotes.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            gold.setdefault(item["file"], []).append(item)
    predicted: dict[str, list[dict[str, Any]]] = {}
    all_entities: list[dict[str, Any]] = []
    for name in sorted(gold):
        path = DEFAULT_SOURCE / name
        article_id, body = _seed_body(path, context)
        found, entity_mentions = extract_quotes(
            article_id, body, context.nlp, context.config.extract, context.reference
        )
        predicted[name] = found
        all_entities.extend(entity_mentions)
    _, canonical_names = link_entities(all_entities, context.reference)
    predicted = {name: canonicalize_mentions(found, canonical_names) for name, found in predicted.items()}
    return predicted, gold


def _seed_body(path: Path, context: EvaluationContext) -> tuple[str, str]:
    """Article id and body of a seed file, through the real parser when it is available."""
    data = path.read_bytes()
    try:
        from factlake.parse import parse_input
    except ImportError:  # parse stage not built yet: the body is everything after the first line
        text = data.decode("utf-8")
        return stable_id(path.name), text.split("\n", 1)[-1].strip()
    outcome = parse_input(path.name, data, context.config.parse, context.reference)
    article = outcome.articles[0]
    return article["article_id"], article["body"]


def _evaluate_seeds(context: EvaluationContext) -> list[MetricRow]:
    predicted, gold = seed_predictions(context)
    counts = score(predicted, gold, context.config.extract.min_quote_words)
    return _rows("seeds", counts, "gold: tests/gold/quotes.jsonl (quotes of 4+ words)")


def polnear_gold(record: dict[str, Any], min_words: int) -> list[dict[str, Any]]:
    """Direct quotes of one PolNeAR record: the marked part of attribution contents holding quotation marks.

    The gold quote runs from the first opening mark to the last closing mark of the content (a content
    such as 'the candidate has “always run a lean campaign”' is a direct quote of its marked words). The
    speaker is the source's capitalized words (its name); pronoun or common-noun sources ("he", "the
    official") get None and are left out of speaker accuracy.
    """
    items = []
    for attribution in record.get("attributions", []):
        content = " ".join(part["text"] for part in attribution.get("content", []))
        opening = min((content.find(mark) for mark in OPENING_MARKS if mark in content), default=-1)
        closing = max(content.rfind(mark) for mark in CLOSING_MARKS)
        if opening == -1 or closing <= opening:
            continue
        words = content[opening + 1 : closing].strip()
        if len(words.split()) < min_words:
            continue
        source = " ".join(part["text"] for part in attribution.get("source", []))
        name = " ".join(
            word
            for word in WORD.findall(source)
            if word[0].isupper() and word.lower() not in PRONOUNS_AND_DETERMINERS
        )
        items.append({"quote": words, "speaker": name or None})
    return items


def _evaluate_polnear(context: EvaluationContext) -> list[MetricRow]:
    path = context.corpora_dir / POLNEAR_FILE
    if not path.exists():
        return [MetricRow("quotes", "polnear", "count", 0.0, note=f"{POLNEAR_FILE} not found: skipped")]
    limit = context.limit if context.limit is not None else POLNEAR_DEFAULT_SAMPLE
    records: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            records.setdefault(record["filename"], record)  # one annotator per article: the first listed
    min_words = context.config.extract.min_quote_words
    predicted: dict[str, list[dict[str, Any]]] = {}
    gold: dict[str, list[dict[str, Any]]] = {}
    all_entities: list[dict[str, Any]] = []
    for filename in sorted(records)[:limit]:
        record = records[filename]
        found, entity_mentions = extract_quotes(
            stable_id(filename), record["text"], context.nlp, context.config.extract, context.reference
        )
        predicted[filename] = found
        gold[filename] = polnear_gold(record, min_words)
        all_entities.extend(entity_mentions)
    _, canonical_names = link_entities(all_entities, context.reference)
    predicted = {name: canonicalize_mentions(found, canonical_names) for name, found in predicted.items()}
    note = f"first {min(limit, len(records))} of {len(records)} articles by file name; one annotator each"
    return _rows("polnear", score(predicted, gold, min_words), note)
