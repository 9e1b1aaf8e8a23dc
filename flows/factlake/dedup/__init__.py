"""Deduplication: copies of articles, stories across outlets, and fact identity.

- :mod:`factlake.dedup.articles`: exact and near-duplicate articles (MinHash LSH), ``duplicate_of``;
- :mod:`factlake.dedup.stories`: different articles about one story (TF-IDF, average linkage);
- :mod:`factlake.dedup.facts`: mentions into facts, corroboration counts, conflicts, stable fact ids.
"""

from __future__ import annotations

from factlake.dedup.articles import mark_duplicate_articles
from factlake.dedup.facts import FactSet, build_facts
from factlake.dedup.stories import cluster_stories

__all__ = ["FactSet", "build_facts", "cluster_stories", "mark_duplicate_articles"]
