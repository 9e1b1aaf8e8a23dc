"""Fact kinds: what one kind of fact is, and the one registry of kinds that every stage reads.

A fact kind (quotes, quantities, events) is one unit: how its mentions are extracted
(``factlake.extract.<kind>``), how they are clustered into facts, how a fact is stated, and
which conflict rules apply (``factlake.dedup.<kind>``, which defines the kind's :class:`FactKind`).
:data:`FACT_KINDS` lists every kind; the extract stage, fact deduplication, the schemas' allowed
``fact_type`` values and the evaluation read it. Adding a kind touches this registry and the kind's own
modules, nothing else.

The registry names modules instead of importing them, so that :mod:`schemas.tables` reads the kind names
without importing the pipeline (which imports the schemas).
"""

from __future__ import annotations

import abc
import functools
import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections import Counter

    import pandas as pd

    from factlake.config import DedupConfig, ExtractConfig
    from factlake.dedup._unionfind import UnionFind
    from factlake.dedup.clustering import Clusters
    from factlake.extract import ArticleContext
    from factlake.reference import Reference

#: The registry: every fact kind's name (its ``fact_type`` value) and the module defining it (as ``KIND``),
#: in the order extraction runs them.
FACT_KINDS: dict[str, str] = {
    "quote": "factlake.dedup.quotes",
    "quantity": "factlake.dedup.quantities",
    "event": "factlake.dedup.events",
}

#: The allowed ``fact_type`` values, in registry order.
FACT_TYPES: tuple[str, ...] = tuple(FACT_KINDS)


class FactKind(abc.ABC):
    """One kind of fact, as the stages see it.

    A kind clusters its own mentions only: mentions of different kinds never form one fact.

    Attributes:
        name: The ``fact_type`` value of its mentions and facts.
        extractor: Its extraction module (with ``NAME``, ``VERSION`` and ``extract``).
        gold_by_sentence: Whether gold annotations may identify a mention by its sentence rather than its
            evidence (event evidence is often just the verb); read by the evaluation.
    """

    name: str
    extractor: ModuleType
    gold_by_sentence: bool = False

    def extract(
        self, context: ArticleContext, config: ExtractConfig, reference: Reference
    ) -> list[dict[str, Any]]:
        """The ``mentions`` records of this kind in one article (``fact_id`` is left to deduplication)."""
        return self.extractor.extract(context, config, reference)

    @abc.abstractmethod
    def cluster(
        self,
        part: pd.DataFrame,
        config: DedupConfig,
        reference: Reference,
        union_find: UnionFind,
        rules: Counter[str],
    ) -> Clusters:
        """Union the mentions of ``part`` that state one fact.

        Args:
            part: This kind's rows of the canonical frame (:mod:`factlake.dedup.frames`), in canonical
                order, indexed by their positions in it.
            config: Dedup thresholds.
            reference: Reference data.
            union_find: Sets of positions of the whole frame; mentions of one fact are put in one set.
            rules: Merges counted by rule name (the manifest's ``merges_by_rule``).
        """

    def fact_fields(self, part: pd.DataFrame) -> dict[str, dict[str, Any]]:
        """Columns of each fact (by fact id) drawn from all its mentions, not its representative only.

        ``part`` holds this kind's rows of the canonical frame with ``fact_id`` filled. None by default.
        """
        return {}

    @abc.abstractmethod
    def statement(self, fact: dict[str, Any]) -> str:
        """A readable one-line form of a fact of this kind."""

    def conflicts(
        self, facts: list[dict[str, Any]], frame: pd.DataFrame, config: DedupConfig, reference: Reference
    ) -> list[dict[str, Any]]:
        """``conflicts`` rows among ``facts`` (this kind's facts); ``frame`` is the whole canonical frame.

        None by default: only numbers can be shown to contradict each other.
        """
        return []


@functools.cache
def fact_kinds() -> tuple[FactKind, ...]:
    """Every registered kind, in registry order."""
    return tuple(importlib.import_module(module).KIND for module in FACT_KINDS.values())


def fact_kind(name: str) -> FactKind:
    """The registered kind whose ``fact_type`` is ``name``.

    Raises:
        KeyError: when no kind has that name.
    """
    return {kind.name: kind for kind in fact_kinds()}[name]
