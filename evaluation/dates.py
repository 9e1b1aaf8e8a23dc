"""Date resolution measured on TempEval-3 TimeBank and AQUAINT (TimeML).

For every gold TIMEX3 of type DATE whose normalized value is a calendar date ("1998-08-11", "1998-08",
"1998"), :func:`factlake.extract.dates.resolve_date` gets the gold span's text and the document creation
time (``dct``, the publication date); the answer is right when it equals the gold value at the gold
precision. Gold values the contract cannot express (weeks, quarters, seasons, decades, ``PRESENT_REF``)
and non-DATE timexes (durations, sets, times) are counted separately and not scored. "Relative" means the
gold timex is marked ``temporalFunction="true"``: its value depends on the publication date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evaluation import EvaluationContext, MetricRow
from factlake.extract.dates import resolve_date, tense_at

TASK = "dates"
CORPORA = ("timebank", "aquaint")
TARGET_RELATIVE_ACCURACY = 0.80
_CALENDAR_VALUE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def _documents(path: Path, limit: int | None) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                return
            yield json.loads(line)


def _tenses(doc: Any, timexes: list[dict[str, Any]]) -> list[str | None]:
    """Tense of the verb governing each gold timex (from the token holding its last character)."""
    tenses = []
    for timex in timexes:
        span = doc.char_span(timex["start"], timex["end"], alignment_mode="expand")
        tenses.append(tense_at(doc, span.root.i) if span is not None and len(span) else None)
    return tenses


def score_corpus(path: Path, nlp: Any = None, limit: int | None = None) -> dict[str, int]:
    """Counts of scored, correct and skipped gold timexes of one TimeML corpus file.

    Args:
        path: The corpus file.
        nlp: spaCy pipeline used to find each timex's verb tense; None resolves without tense.
        limit: Documents to read at most.
    """
    counts = {"scored": 0, "correct": 0, "relative": 0, "relative_correct": 0, "skipped": 0, "documents": 0}
    for document in _documents(path, limit):
        counts["documents"] += 1
        published = dt.date.fromisoformat(document["dct"]["value"][:10])
        timexes = document["timexes"]
        tenses = _tenses(nlp(document["text"]), timexes) if nlp is not None else [None] * len(timexes)
        for timex, tense in zip(timexes, tenses, strict=True):
            value = timex.get("value", "")
            if timex.get("type") != "DATE" or not _CALENDAR_VALUE.match(value):
                counts["skipped"] += 1
                continue
            resolved = resolve_date(timex["text"], published, tense)
            correct = resolved.formatted() == value
            relative = timex.get("temporalFunction") == "true"
            counts["scored"] += 1
            counts["correct"] += correct
            counts["relative"] += relative
            counts["relative_correct"] += correct and relative
    return counts


def evaluate(context: EvaluationContext) -> list[MetricRow]:
    """Value accuracy of resolved dates, overall and for relative expressions, per corpus."""
    rows = []
    for corpus in CORPORA:
        path = context.corpora_dir / f"{corpus}.jsonl"
        if not path.exists():
            rows.append(MetricRow(TASK, corpus, "accuracy", 0.0, note=f"skipped: {path.name} not found"))
            continue
        counts = score_corpus(path, context.nlp, context.limit)
        skipped_note = (
            f"{counts['skipped']} non-calendar timexes (durations, sets, weeks, PRESENT_REF) skipped"
        )
        rows.append(
            MetricRow(
                TASK,
                corpus,
                "accuracy",
                counts["correct"] / counts["scored"] if counts["scored"] else 0.0,
                support=counts["scored"],
                note=f"all calendar DATE timexes; {skipped_note}",
            )
        )
        rows.append(
            MetricRow(
                TASK,
                corpus,
                "relative accuracy",
                counts["relative_correct"] / counts["relative"] if counts["relative"] else 0.0,
                target=TARGET_RELATIVE_ACCURACY,
                support=counts["relative"],
                note="timexes whose value depends on the publication date",
            )
        )
    return rows
