"""Run every evaluation module and collect their figures (``factlake eval``)."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

from evaluation import DEFAULT_CORPORA_DIR, EvaluationContext, MetricRow
from factlake.config import FactlakeConfig
from factlake.extract import build_nlp
from factlake.reference import load_reference

#: Evaluation modules, in the order their figures are printed.
MODULES = ("quotes", "quantities", "dates", "dedup", "stories", "corroboration", "events")


def run_evaluation(
    corpora_dir: Path | None = None,
    limit: int | None = None,
    only: list[str] | None = None,
    config: FactlakeConfig | None = None,
) -> list[MetricRow]:
    """Evaluate the chosen modules (default: all) and return their metric rows in order."""
    config = config or FactlakeConfig()
    context = EvaluationContext(
        config=config,
        reference=load_reference(config.reference_dir),
        nlp=build_nlp(config.extract),
        limit=limit,
    )
    context = replace(context, corpora_dir=corpora_dir or DEFAULT_CORPORA_DIR)
    rows: list[MetricRow] = []
    for name in only or MODULES:
        module = importlib.import_module(f"evaluation.{name}")
        rows.extend(module.evaluate(context))
    return rows
