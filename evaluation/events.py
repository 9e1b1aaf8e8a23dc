"""Evaluation of events: modality, source and target actors, cross-article merging, and the seed gold.

- **MEANTIME modality**: on the gold event mentions that an extracted event's trigger overlaps, the
  extractor's modality against the gold attributes (``asserted`` = CERTAIN + POS + NON_FUTURE, ``planned``
  = FUTURE, ``negated`` = NEG, ``uncertain`` = PROBABLE / POSSIBLE). The extractor's ``demanded`` counts as
  ``planned`` (not yet done) and its ``conditional`` and ``alleged`` as ``uncertain``. Gold mentions with
  underspecified attributes are left out. The same figure is also given for the modality reader alone on
  every annotated verb mention (not only those of the action vocabulary), as a wider check of the cues.
- **MEANTIME roles**: where an extracted event overlaps a gold mention with an ``Arg0`` (``Arg1``)
  participant, whether one of its source (target) actors shares a word with that participant; and, since
  PropBank ``Arg1`` is mostly a theme ("the contract"), whether its target actors or its theme do (story
  references, "the talks", name no actor by definition and are not scored).
- **Cross-article merging**: pairwise precision and recall of event facts (:func:`factlake.dedup.build_facts`
  over the corpus) against gold cross-document coreference (MEANTIME ``instance_id`` of the EVENT a
  mention refers to; ECB+ ``CROSS_DOC_COREF`` action instances), over the pairs of extracted events in
  different articles that both overlap a gold mention.
- **Seeds**: ``tests/gold/events.jsonl`` lists every event of the action vocabulary a careful reader finds
  in the seed articles, with modality, source and target actors and date. An extracted event matches a
  gold one of its article when their action classes agree, its sentence holds one of the gold snippets (the
  sentences that report the event), an actor
  is shared (an event naming no actor is not contradicted) and the dates agree at their precision.
  Precision counts extracted events matching a gold event; recall counts gold events matched. Story
  references ("the summit", naming no actor) are not events of their own and are left out: they only
  join their story's dated occurrence (measured by the seed fact clusters and the summit's articles).

``python -m evaluation.events`` prints the figures and the seed errors, to classify them.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation import EvaluationContext, MetricRow, precision_recall_f1
from evaluation.quantities import seed_contexts
from evaluation.stories import ECB_FILE, corpus_articles, read_jsonl
from factlake.dedup import build_facts, mark_duplicate_articles
from factlake.extract import ArticleContext, entities
from factlake.extract import events as extractor
from factlake.extract.event_modality import modality_cues, modality_of
from factlake.records import to_frame

MEANTIME_FILE = "meantime_en.jsonl"
GOLD_FILE = "events.jsonl"

#: Targets from the issue.
TARGET_MODALITY = 0.85
TARGET_MERGE_PRECISION = 0.90
TARGET_SEEDS = 0.90

#: The four modality classes the gold attributes distinguish, for the extractor's six.
COARSE_MODALITY = {
    "asserted": "asserted",
    "planned": "planned",
    "demanded": "planned",
    "negated": "negated",
    "conditional": "uncertain",
    "alleged": "uncertain",
}
MIN_WORD = 2


# ------------------------------------------------------------------------------------------- helpers


def _words(names: list[str] | str) -> set[str]:
    texts = [names] if isinstance(names, str) else names
    return {word.lower() for text in texts for word in re.findall(r"\w+", text) if len(word) >= MIN_WORD}


def _overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    return start < other_end and other_start < end


def meantime_modality(markable: dict[str, Any]) -> str | None:
    """The coarse modality of a MEANTIME event mention, None when its attributes are underspecified."""
    certainty, polarity, time = markable.get("certainty"), markable.get("polarity"), markable.get("time")
    if polarity == "NEG":
        return "negated"
    if certainty in {"PROBABLE", "POSSIBLE"}:
        return "uncertain"
    if time == "FUTURE" and polarity == "POS":
        return "planned"
    if (certainty, polarity, time) == ("CERTAIN", "POS", "NON_FUTURE"):
        return "asserted"
    return None


def _listed(value: Any) -> list[dict[str, Any]]:
    """ECB+ stores markables and relations as Python literals; MEANTIME as lists."""
    return ast.literal_eval(value) if isinstance(value, str) else list(value or [])


def _context(context: EvaluationContext, article_id: str, text: str, published: Any) -> ArticleContext:
    article_context = ArticleContext(article_id, text, published, context.nlp(text))
    article_context.entity_mentions = entities.extract(
        article_context, context.config.extract, context.reference
    )
    return article_context


# ------------------------------------------------------------------------------------------ corpora


def _gold_instances(document: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Event mentions of a document (MEANTIME ``EVENT_MENTION``, ECB+ ``ACTION_*``) and the cross-document
    instance of each (by mention id)."""
    markables = _listed(document["markables"])
    by_id = {markable["m_id"]: markable for markable in markables}
    mentions = [
        markable
        for markable in markables
        if "start" in markable and markable["tag"] in {"EVENT_MENTION"} | ECB_ACTIONS
    ]
    instance_of: dict[str, str] = {}
    for relation in _listed(document["relations"]):
        if relation["tag"] not in {"REFERS_TO", "CROSS_DOC_COREF"}:
            continue
        for target in relation["targets"]:
            instance = by_id.get(target, {}).get("instance_id") or relation.get("note")
            if not instance:
                continue
            for source in relation["sources"]:
                instance_of[source] = instance
    return mentions, instance_of


ECB_ACTIONS = frozenset(
    {"ACTION_OCCURRENCE", "ACTION_STATE", "ACTION_REPORTING", "ACTION_ASPECTUAL", "ACTION_GENERIC"}
)


def _corpus_events(
    records: list[dict[str, Any]], name: str, context: EvaluationContext
) -> Iterator[tuple[dict[str, Any], ArticleContext, list[tuple[Any, dict[str, Any]]]]]:
    """Every document of a corpus with its extraction context and its extracted (trigger, event) pairs."""
    for record in records:
        record.setdefault("date", record.get("dct"))
    articles = corpus_articles(records, name)
    for record, article in zip(records, articles.to_dict("records"), strict=True):
        published = None if pd.isna(article["published_date"]) else article["published_date"]
        article_context = _context(context, article["article_id"], article["body"], published)
        yield record, article_context, extractor.find_events(article_context, context.reference)


def _aligned(trigger: Any, gold: list[dict[str, Any]]) -> dict[str, Any] | None:
    start, end = trigger.idx, trigger.idx + len(trigger.text)
    return next((item for item in gold if _overlaps(start, end, item["start"], item["end"])), None)


# ---------------------------------------------------------------------------------------- MEANTIME


def _participants(document: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """Texts of the participants of each event mention by (mention id, role)."""
    text_of = {markable["m_id"]: markable.get("text", "") for markable in _listed(document["markables"])}
    found: dict[tuple[str, str], list[str]] = {}
    for relation in _listed(document["relations"]):
        if relation["tag"] != "HAS_PARTICIPANT" or relation.get("sem_role") not in {"Arg0", "Arg1"}:
            continue
        for source in relation["sources"]:
            for target in relation["targets"]:
                found.setdefault((source, relation["sem_role"]), []).append(text_of.get(target, ""))
    return found


def _meantime_counts(context: EvaluationContext, records: list[dict[str, Any]]) -> tuple[Counter[str], list]:
    """Counts of modality and role agreement, and (mention id, gold instance, article) triples."""
    counts: Counter[str] = Counter()
    aligned: list[tuple[str, str, str]] = []
    cues = modality_cues(context.reference)
    frames = []
    for document, article_context, found in _corpus_events(records, MEANTIME_FILE, context):
        gold, instance_of = _gold_instances(document)
        participants = _participants(document)
        for token in article_context.doc:
            item = _aligned(token, gold) if token.pos_ == "VERB" else None
            expected = meantime_modality(item) if item else None
            if expected is not None and item["start"] == token.idx:
                counts["all_verbs"] += 1
                counts["all_verbs_right"] += COARSE_MODALITY[modality_of(token, cues)[0]] == expected
        for trigger, event in found:
            frames.append(event)
            item = _aligned(trigger, gold)
            if item is None:
                continue
            if item["m_id"] in instance_of:
                aligned.append((event["mention_id"], instance_of[item["m_id"]], event["article_id"]))
            expected = meantime_modality(item)
            if expected is not None:
                counts["modality"] += 1
                counts["modality_right"] += COARSE_MODALITY[event["modality"]] == expected
            if event["date_source"] == extractor.STORY_DATE_SOURCE:
                continue  # a story reference names no actor by definition: no role to score
            for role, column in (("Arg0", "source_actors"), ("Arg1", "target_actors")):
                texts = participants.get((item["m_id"], role))
                if texts:
                    counts[role] += 1
                    counts[f"{role}_right"] += bool(_words(event[column]) & _words(texts))
            arg1 = participants.get((item["m_id"], "Arg1"))
            if arg1:
                with_theme = _words(event["target_actors"]) | _words(event.get("theme") or "")
                counts["Arg1_theme_right"] += bool(with_theme & _words(arg1))
    counts["events"] = len(frames)
    return counts, [aligned, frames, records]


# ------------------------------------------------------------------------------------------- merging


def pairwise_merge(
    aligned: list[tuple[str, str, str]], fact_of: dict[str, str], false_merges: list | None = None
) -> tuple[int, int, int]:
    """True positive, predicted and gold pairs of aligned mentions in different articles (the predicted
    pairs of different gold instances are appended to ``false_merges`` when given)."""
    true_positives = predicted = gold = 0
    for (first, first_gold, first_article), (second, second_gold, second_article) in itertools.combinations(
        aligned, 2
    ):
        if first_article == second_article:
            continue
        same_fact = fact_of.get(first) is not None and fact_of.get(first) == fact_of.get(second)
        same_gold = first_gold == second_gold
        predicted += same_fact
        gold += same_gold
        true_positives += same_fact and same_gold
        if same_fact and not same_gold and false_merges is not None:
            false_merges.append((first, second))
    return true_positives, predicted, gold


def _merge_rows(
    dataset: str,
    context: EvaluationContext,
    records: list,
    events: list,
    aligned: list,
    name: str,
    report: list[str] | None = None,
) -> list[MetricRow]:
    articles = mark_duplicate_articles(corpus_articles(records, name), context.config.dedup)
    mentions = to_frame("mentions", events)
    fact_set = build_facts(mentions, articles, context.config.dedup, context.reference)
    fact_of = dict(zip(fact_set.mentions["mention_id"], fact_set.mentions["fact_id"], strict=True))
    false_merges: list[tuple[str, str]] = []
    true_positives, predicted, gold = pairwise_merge(aligned, fact_of, false_merges)
    if report is not None:
        statement_of = dict(zip(fact_set.facts["fact_id"], fact_set.facts["statement"], strict=True))
        text_of = {event["mention_id"]: _normalized(event["sentence"])[:100] for event in events}
        for first, second in false_merges:
            pair = f"{text_of[first]}\n   {text_of[second]}"
            report.append(f"{dataset} false merge: {statement_of[fact_of[first]]}\n   {pair}")
    precision, recall, _ = precision_recall_f1(true_positives, predicted, gold)
    note = f"{len(aligned)} extracted events overlapping a gold mention; cross-article pairs"
    return [
        MetricRow(
            "event merge", dataset, "pairwise precision", precision, TARGET_MERGE_PRECISION, predicted, note
        ),
        MetricRow("event merge", dataset, "pairwise recall", recall, support=gold, note=note),
    ]


def evaluate_meantime(context: EvaluationContext) -> list[MetricRow]:
    """Modality, role and merge figures on MEANTIME."""
    path = context.corpora_dir / MEANTIME_FILE
    if not path.exists():
        return [MetricRow("event modality", "meantime", "skipped", 0.0, note=f"{path.name} not found")]
    counts, (aligned, frames, records) = _meantime_counts(context, read_jsonl(path, context.limit))

    def share(right: str, total: str) -> float:
        return counts[right] / counts[total] if counts[total] else 0.0

    rows = [
        MetricRow(
            "event modality",
            "meantime",
            "accuracy",
            share("modality_right", "modality"),
            TARGET_MODALITY,
            counts["modality"],
            "extracted events on a gold mention with specified attributes",
        ),
        MetricRow(
            "event modality",
            "meantime",
            "accuracy (all verbs)",
            share("all_verbs_right", "all_verbs"),
            support=counts["all_verbs"],
            note="the modality reader on every annotated verb mention",
        ),
        MetricRow(
            "event roles", "meantime", "source = Arg0", share("Arg0_right", "Arg0"), support=counts["Arg0"]
        ),
        MetricRow(
            "event roles", "meantime", "target = Arg1", share("Arg1_right", "Arg1"), support=counts["Arg1"]
        ),
        MetricRow(
            "event roles",
            "meantime",
            "target or theme = Arg1",
            share("Arg1_theme_right", "Arg1"),
            support=counts["Arg1"],
            note="a word shared by Arg1 and the target actors or the theme",
        ),
    ]
    return rows + _merge_rows("meantime", context, records, frames, aligned, MEANTIME_FILE)


def evaluate_ecbplus(context: EvaluationContext, report: list[str] | None = None) -> list[MetricRow]:
    """Cross-article event merging on ECB+ topics 1-35."""
    path = context.corpora_dir / ECB_FILE
    if not path.exists():
        return [MetricRow("event merge", "ecbplus", "skipped", 0.0, note=f"{path.name} not found")]
    records = read_jsonl(path, context.limit)
    aligned, frames = [], []
    for document, _, found in _corpus_events(records, ECB_FILE, context):
        gold, instance_of = _gold_instances(document)
        for trigger, event in found:
            frames.append(event)
            item = _aligned(trigger, gold)
            if item is not None and item["m_id"] in instance_of:
                aligned.append((event["mention_id"], instance_of[item["m_id"]], event["article_id"]))
    return _merge_rows("ecbplus", context, records, frames, aligned, ECB_FILE, report)


# -------------------------------------------------------------------------------------------- seeds


def _date_key(event: dict[str, Any]) -> str | None:
    date, precision = event["event_date"], event["date_precision"]
    if date is None:
        return None
    return {"day": date.isoformat(), "month": date.isoformat()[:7], "year": str(date.year)}[precision]


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def seed_match(gold: dict[str, Any], event: dict[str, Any], classes: dict[str, str]) -> bool:
    """Whether an extracted seed event is the gold event (see the module docstring)."""
    if classes.get(event["action"], event["action"]) != classes.get(gold["action"], gold["action"]):
        return False
    if not any(snippet in _normalized(event["sentence"]) for snippet in gold["snippets"]):
        return False
    if event["actors"] and not (_words(event["actors"]) & _words(gold["actors"])):
        return False
    return _date_key(event) == gold["event_date"]


def seed_errors(context: EvaluationContext) -> tuple[Counter[str], list[str]]:
    """Counts of the seed evaluation and one line per error (missed gold, wrong extraction, attribute)."""
    gold = read_gold(context.gold_dir / GOLD_FILE)
    classes = extractor.event_classes(context.reference)
    counts: Counter[str] = Counter(gold=len(gold))
    errors: list[str] = []
    matched_gold: set[int] = set()
    for name, article_context in seed_contexts(context):
        items = [(index, item) for index, item in enumerate(gold) if item["file"] == name]
        for event in extractor.extract(article_context, context.config.extract, context.reference):
            if event["date_source"] == extractor.STORY_DATE_SOURCE:
                counts["story_references"] += 1  # no event of its own: fact clusters measure its joins
                continue
            counts["predicted"] += 1
            hits = [(index, item) for index, item in items if seed_match(item, event, classes)]
            if not hits:
                errors.append(
                    f"{name[:3]} extra: {_describe(event)} | {_normalized(event['sentence'])[:110]}"
                )
                continue
            counts["correct"] += 1
            index, item = hits[0]
            matched_gold.update(index for index, _ in hits)
            counts["modality_right"] += event["modality"] == item["modality"]
            if event["modality"] != item["modality"]:
                errors.append(
                    f"{name[:3]} modality {event['modality']} != {item['modality']}: {_describe(event)}"
                )
            counts["source_right"] += bool(_words(event["source_actors"]) & _words(item["source_actors"]))
        for index, item in items:
            if index not in matched_gold:
                errors.append(
                    f"{name[:3]} missed: {item['action']} {item['actors']} {item['event_date']} | "
                    f"{item['snippets'][0]}"
                )
    counts["found"] = len(matched_gold)
    return counts, errors


def _describe(event: dict[str, Any]) -> str:
    return (
        f"{event['modality']} {event['action']} src={event['source_actors']} tgt={event['target_actors']} "
        f"date={_date_key(event)} ({event['date_source']})"
    )


def read_gold(path: Path) -> list[dict[str, Any]]:
    """The seed gold events (JSON lines)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate_seeds(context: EvaluationContext) -> list[MetricRow]:
    """Precision and recall of extracted seed events against the gold, with modality and source accuracy."""
    counts, _ = seed_errors(context)
    precision, _, _ = precision_recall_f1(counts["correct"], counts["predicted"], counts["gold"])
    _, recall, _ = precision_recall_f1(counts["found"], counts["predicted"], counts["gold"])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    note = "class, sentence, an actor and the date at its precision"
    return [
        MetricRow("events", "seeds", "precision", precision, TARGET_SEEDS, counts["predicted"], note),
        MetricRow("events", "seeds", "recall", recall, TARGET_SEEDS, counts["gold"], note),
        MetricRow("events", "seeds", "f1", f1, support=counts["gold"]),
        MetricRow(
            "events",
            "seeds",
            "modality accuracy",
            counts["modality_right"] / counts["correct"] if counts["correct"] else 0.0,
            support=counts["correct"],
        ),
        MetricRow(
            "events",
            "seeds",
            "source accuracy",
            counts["source_right"] / counts["correct"] if counts["correct"] else 0.0,
            support=counts["correct"],
        ),
    ]


def evaluate(context: EvaluationContext) -> list[MetricRow]:
    """Seed, MEANTIME and ECB+ figures of events."""
    return evaluate_seeds(context) + evaluate_meantime(context) + evaluate_ecbplus(context)


def main() -> None:
    """Print the event figures and every seed error (``python -m evaluation.events [limit]``)."""
    from factlake.config import FactlakeConfig
    from factlake.extract import build_nlp
    from factlake.reference import load_reference

    config = FactlakeConfig()
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else None
    context = EvaluationContext(
        config=config,
        reference=load_reference(config.reference_dir),
        nlp=build_nlp(config.extract),
        limit=limit,
    )
    _, errors = seed_errors(context)
    print("\n".join(errors))
    report: list[str] = []
    rows = evaluate_seeds(context) + evaluate_meantime(context) + evaluate_ecbplus(context, report)
    print("\n".join(report))
    for row in rows:
        print(
            f"{row.task:15} {row.dataset:9} {row.metric:22} {row.value:.3f} support={row.support} {row.note}"
        )


if __name__ == "__main__":
    main()
