"""Evaluation of extraction and deduplication against gold data (``factlake eval``).

Each module (``quotes``, ``quantities``, ``dates``, ``dedup``, ``stories``) exposes
``evaluate(context: EvaluationContext) -> list[MetricRow]``; the command runs them all and prints one table.
Gold for the seed articles lives under ``tests/gold``; public corpora are read from the corpora folder
(``../shared/corpora`` beside the project by default) and skipped with a note when it is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factlake.config import PROJECT_ROOT, FactlakeConfig
from factlake.reference import Reference

DEFAULT_GOLD_DIR = PROJECT_ROOT / "tests" / "gold"
DEFAULT_CORPORA_DIR = PROJECT_ROOT.parent / "shared" / "corpora"


@dataclass(frozen=True)
class MetricRow:
    """One figure of the evaluation table.

    Attributes:
        task: What is measured ("quotes", "speakers", "quantities", "dates", "fact clusters", ...).
        dataset: Data it is measured on ("seeds", "polnear", "timebank", ...).
        metric: precision, recall, f1, accuracy, count, ...
        value: The figure.
        target: The target from the issue, or None.
        support: Number of gold items (or pairs) behind the figure.
        note: Anything a reader needs to interpret the figure.
        lower_is_better: The target is a maximum (an error rate), not a minimum.
    """

    task: str
    dataset: str
    metric: str
    value: float
    target: float | None = None
    support: int | None = None
    note: str = ""
    lower_is_better: bool = False


@dataclass
class EvaluationContext:
    """What every evaluation module gets.

    Attributes:
        config: Run configuration (extraction and dedup settings).
        reference: Loaded reference data.
        nlp: The loaded spaCy pipeline (shared, loaded once).
        gold_dir: Folder of the seed gold annotations.
        corpora_dir: Folder of public corpora; may not exist.
        limit: Cap on documents per corpus (None = all), for quick runs.
    """

    config: FactlakeConfig
    reference: Reference
    nlp: Any
    gold_dir: Path = DEFAULT_GOLD_DIR
    corpora_dir: Path = DEFAULT_CORPORA_DIR
    limit: int | None = None


def precision_recall_f1(true_positives: int, n_predicted: int, n_gold: int) -> tuple[float, float, float]:
    """Precision, recall and F1 (0.0 where undefined)."""
    precision = true_positives / n_predicted if n_predicted else 0.0
    recall = true_positives / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
