"""Numeric claims and events measured on the seed gold, and numeric claims on MEANTIME.

Seeds (``tests/gold/quantities.jsonl``, ``tests/gold/events.jsonl``, annotated by reading the articles):

- a gold numeric claim is found when a predicted quantity overlaps an occurrence of its text in the body
  and has the same value (both null for vague amounts); unit and measure accuracy are measured on the
  found claims;
- a gold event is found by a dated predicted event (one with a date expression) of the same file, action
  and resolved date (at its precision; both null when the article gives no publication date) sharing an
  actor; actors are compared leniently (a word of one name starting like a word of the other, so
  "Armenian" matches "Armenia"). Precision is over predicted events that carry a date expression.

MEANTIME (``meantime_en.jsonl``): recall of VALUE markables (money, percent, quantity) by overlap, and
value accuracy where the gold text is a plain number (MEANTIME gives no normalized values).

Numbers gold (``tests/gold/numbers.jsonl``): 330 sentences drawn at random (seed 15,
:mod:`evaluation.quantity_sample`) from Reuters, BBC and AllSides, every numeric claim annotated by hand
with value, stated bounds of ranges, unit as written, ``unit_normalized`` and measure before the extractor
ever ran on them. Each sentence is extracted on its own. A predicted claim matches a gold claim when the
spans overlap and the value (and, for a range, both bounds) is the same; "value + unit" also needs the
same ``unit_normalized``, "measure" the same measure. Precision is over every predicted claim, so numbers
the gold deliberately leaves out (years, dates, ordinals, names, scores) count as false positives.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evaluation import EvaluationContext, MetricRow, precision_recall_f1
from factlake.config import PROJECT_ROOT
from factlake.extract import ArticleContext, entities, events, quantities

SEED_DIR = PROJECT_ROOT / "seeds" / "articles"
TARGET_RECALL = 0.85
VALUE_TOLERANCE = 1e-6
ACTOR_PREFIX = 5
_PLAIN_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})*(?:\.\d+)?$|^\d+(?:\.\d+)?$")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSON Lines file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def seed_articles(context: EvaluationContext) -> list[tuple[str, dict[str, Any]]]:
    """(file name, ``articles`` record) of every seed article, parsed as the pipeline parses them."""
    from factlake.parse import parse_input

    parsed = []
    for path in sorted(SEED_DIR.glob("*.txt")):
        outcome = parse_input(path.name, path.read_bytes(), context.config.parse, context.reference)
        parsed.extend((path.name, article) for article in outcome.articles)
    return parsed


def seed_contexts(context: EvaluationContext) -> Iterator[tuple[str, ArticleContext]]:
    """Extraction contexts of the seed articles, entity mentions filled as in the pipeline."""
    for name, article in seed_articles(context):
        article_context = ArticleContext(
            article_id=article["article_id"],
            body=article["body"],
            published_date=article["published_date"],
            doc=context.nlp(article["body"]),
        )
        article_context.entity_mentions = entities.extract(
            article_context, context.config.extract, context.reference
        )
        yield name, article_context


def _same_value(first: float | None, second: float | None) -> bool:
    if first is None or second is None:
        return first is None and second is None
    return abs(first - second) <= VALUE_TOLERANCE * max(1.0, abs(second))


def match_quantities(
    gold: list[dict[str, Any]], predicted: list[dict[str, Any]], body: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """One-to-one (gold, predicted) pairs of one article: overlapping span and the same value."""
    pairs, used = [], set()
    for item in gold:
        occurrences = [match.span() for match in re.finditer(re.escape(item["text"]), body)]
        for index, mention in enumerate(predicted):
            overlaps = any(
                mention["char_start"] < end and start < mention["char_end"] for start, end in occurrences
            )
            if index not in used and overlaps and _same_value(mention["value"], item["value"]):
                pairs.append((item, mention))
                used.add(index)
                break
    return pairs


def _date_key(value: dt.date | None, precision: str | None) -> str | None:
    if value is None:
        return None
    return {"year": f"{value.year:04d}", "month": f"{value.year:04d}-{value.month:02d}"}.get(
        precision or "", value.isoformat()
    )


def _actor_words(names: list[str]) -> set[str]:
    return {word.lower()[:ACTOR_PREFIX] for name in names for word in name.split()}


def match_events(gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> int:
    """Number of gold events of one article found by a distinct predicted event."""
    found, used = 0, set()
    for item in gold:
        for index, mention in enumerate(predicted):
            if index in used or mention["action"] != item["action"]:
                continue
            if _date_key(mention["event_date"], mention["date_precision"]) != item["event_date"]:
                continue
            if _actor_words(mention["actors"]) & _actor_words(item["actors"]):
                found += 1
                used.add(index)
                break
    return found


def evaluate_seeds(context: EvaluationContext) -> list[MetricRow]:
    """Precision and recall of numeric claims and dated events on the seed gold."""
    gold_quantities = read_jsonl(context.gold_dir / "quantities.jsonl")
    gold_events = [event for event in read_jsonl(context.gold_dir / "events.jsonl") if event["date_text"]]
    counts = dict.fromkeys(
        ["q_found", "q_predicted", "unit_right", "measure_right", "e_found", "e_predicted"], 0
    )
    for name, article_context in seed_contexts(context):
        found = quantities.extract(article_context, context.config.extract, context.reference)
        pairs = match_quantities(
            [g for g in gold_quantities if g["file"] == name], found, article_context.body
        )
        counts["q_found"] += len(pairs)
        counts["q_predicted"] += len(found)
        counts["unit_right"] += sum(item["unit"] == mention["unit"] for item, mention in pairs)
        counts["measure_right"] += sum(item["measure"] == mention["measure"] for item, mention in pairs)
        dated = [
            event
            for event in events.extract(article_context, context.config.extract, context.reference)
            if event["date_text"] is not None
        ]
        counts["e_found"] += match_events([g for g in gold_events if g["file"] == name], dated)
        counts["e_predicted"] += len(dated)
    q_precision, q_recall, q_f1 = precision_recall_f1(
        counts["q_found"], counts["q_predicted"], len(gold_quantities)
    )
    e_precision, e_recall, e_f1 = precision_recall_f1(
        counts["e_found"], counts["e_predicted"], len(gold_events)
    )
    n_found = counts["q_found"]
    return [
        MetricRow("quantities", "seeds", "precision", q_precision, support=counts["q_predicted"]),
        MetricRow(
            "quantities", "seeds", "recall", q_recall, target=TARGET_RECALL, support=len(gold_quantities)
        ),
        MetricRow("quantities", "seeds", "f1", q_f1, support=len(gold_quantities)),
        MetricRow(
            "quantities",
            "seeds",
            "unit accuracy",
            counts["unit_right"] / n_found if n_found else 0.0,
            support=n_found,
        ),
        MetricRow(
            "quantities",
            "seeds",
            "measure accuracy",
            counts["measure_right"] / n_found if n_found else 0.0,
            support=n_found,
        ),
        MetricRow(
            "events",
            "seeds",
            "precision",
            e_precision,
            support=counts["e_predicted"],
            note="dated events only",
        ),
        MetricRow(
            "events", "seeds", "recall", e_recall, support=len(gold_events), note="action, date, an actor"
        ),
        MetricRow("events", "seeds", "f1", e_f1, support=len(gold_events)),
    ]


def _meantime_date(text: str | None) -> dt.date | None:
    """MEANTIME writes its creation times as ``2008-03-01`` or ``03-02-2009`` (day-month-year)."""
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime((text or "")[:10], pattern).date()
        except ValueError:
            continue
    return None


def evaluate_meantime(context: EvaluationContext) -> list[MetricRow]:
    """Recall, precision and plain-number value accuracy on MEANTIME VALUE markables."""
    path = context.corpora_dir / "meantime_en.jsonl"
    if not path.exists():
        return [MetricRow("quantities", "meantime", "recall", 0.0, note=f"skipped: {path.name} not found")]
    n_gold = n_found = n_predicted = n_matched_predicted = n_plain = n_plain_right = 0
    for number, document in enumerate(read_jsonl(path)):
        if context.limit is not None and number >= context.limit:
            break
        article_context = ArticleContext(
            article_id=document["doc_id"]
            if re.match(r"^[0-9a-f]{16}$", str(document["doc_id"]))
            else "0" * 16,
            body=document["text"],
            published_date=_meantime_date(document.get("dct")),
            doc=context.nlp(document["text"]),
        )
        predicted = quantities.extract(article_context, context.config.extract, context.reference)
        gold = [markable for markable in document["markables"] if markable["tag"] == "VALUE"]
        n_gold += len(gold)
        n_predicted += len(predicted)
        matched_predictions: set[int] = set()
        for markable in gold:
            overlapping = [
                index
                for index, mention in enumerate(predicted)
                if mention["char_start"] < markable["end"] and markable["start"] < mention["char_end"]
            ]
            if not overlapping:
                continue
            n_found += 1
            matched_predictions.update(overlapping)
            if _PLAIN_NUMBER.match(markable["text"]):
                n_plain += 1
                expected = float(markable["text"].replace(",", ""))
                n_plain_right += any(
                    _same_value(predicted[index]["value"], expected) for index in overlapping
                )
        n_matched_predicted += len(matched_predictions)
    return [
        MetricRow(
            "quantities",
            "meantime",
            "recall",
            n_found / n_gold if n_gold else 0.0,
            target=TARGET_RECALL,
            support=n_gold,
        ),
        MetricRow(
            "quantities",
            "meantime",
            "precision",
            n_matched_predicted / n_predicted if n_predicted else 0.0,
            support=n_predicted,
            note="MEANTIME does not annotate every number (e.g. durations), so this is a lower bound",
        ),
        MetricRow(
            "quantities",
            "meantime",
            "value accuracy",
            n_plain_right / n_plain if n_plain else 0.0,
            support=n_plain,
            note="found markables whose gold text is a plain number",
        ),
    ]


GOLD_LEVELS = ("value", "value + unit", "measure")
TARGET_F1 = {"value": 0.92, "value + unit": 0.86}


def _same_bounds(gold: dict[str, Any], mention: dict[str, Any]) -> bool:
    """A gold range needs both stated bounds; a point claim only its value."""
    if gold.get("value_low") is None and gold.get("value_high") is None:
        return True
    return _same_value(mention["value_low"], gold["value_low"]) and _same_value(
        mention["value_high"], gold["value_high"]
    )


def claim_matches(gold: dict[str, Any], mention: dict[str, Any], level: str) -> bool:
    """Whether a predicted claim matches a gold claim at ``level`` (one of :data:`GOLD_LEVELS`)."""
    overlaps = mention["char_start"] < gold["char_end"] and gold["char_start"] < mention["char_end"]
    if not (overlaps and _same_value(mention["value"], gold["value"]) and _same_bounds(gold, mention)):
        return False
    if level == "value + unit":
        return mention.get("unit_normalized") == gold["unit_normalized"]
    if level == "measure":
        return mention["measure"] == gold["measure"]
    return True


def match_claims(
    gold: list[dict[str, Any]], predicted: list[dict[str, Any]], level: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """One-to-one (gold, predicted) pairs of one sentence at ``level``, in gold order."""
    pairs, used = [], set()
    for item in gold:
        for index, mention in enumerate(predicted):
            if index not in used and claim_matches(item, mention, level):
                pairs.append((item, mention))
                used.add(index)
                break
    return pairs


def extract_sentence(context: EvaluationContext, sentence: str) -> list[dict[str, Any]]:
    """Numeric claims of one gold sentence, extracted as a one-sentence article."""
    article_context = ArticleContext(
        article_id="0" * 16, body=sentence, published_date=None, doc=context.nlp(sentence)
    )
    return quantities.extract(article_context, context.config.extract, context.reference)


def evaluate_numbers_gold(context: EvaluationContext) -> list[MetricRow]:
    """P/R/F1 of numeric claims on the numbers gold at the three levels of :data:`GOLD_LEVELS`."""
    path = context.gold_dir / "numbers.jsonl"
    if not path.exists():
        return [MetricRow("quantities", "numbers gold", "f1", 0.0, note=f"skipped: {path.name} not found")]
    found = dict.fromkeys(GOLD_LEVELS, 0)
    n_gold = n_predicted = 0
    for record in read_jsonl(path):
        predicted = extract_sentence(context, record["sentence"])
        n_gold += len(record["claims"])
        n_predicted += len(predicted)
        for level in GOLD_LEVELS:
            found[level] += len(match_claims(record["claims"], predicted, level))
    rows = []
    for level in GOLD_LEVELS:
        precision, recall, f1 = precision_recall_f1(found[level], n_predicted, n_gold)
        dataset = "numbers gold"
        rows += [
            MetricRow(f"quantities {level}", dataset, "precision", precision, support=n_predicted),
            MetricRow(f"quantities {level}", dataset, "recall", recall, support=n_gold),
            MetricRow(f"quantities {level}", dataset, "f1", f1, target=TARGET_F1.get(level), support=n_gold),
        ]
    return rows


def evaluate(context: EvaluationContext) -> list[MetricRow]:
    """Seed, numbers-gold and MEANTIME figures of numeric claims, and seed figures of events."""
    return evaluate_seeds(context) + evaluate_numbers_gold(context) + evaluate_meantime(context)
