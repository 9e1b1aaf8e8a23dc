"""Deduplication: copies of articles, stories across outlets, and fact identity.

- :mod:`factlake.dedup.articles`: exact and near-duplicate articles (MinHash LSH), ``duplicate_of``;
  their signatures are kept between runs by :mod:`factlake.dedup.signatures`;
- :mod:`factlake.dedup.stories`: different articles about one story (TF-IDF, average linkage);
- :mod:`factlake.dedup.story_table`: incremental story assignment (ids stable across versions), the
  ``stories`` table and each fact's story;
- :mod:`factlake.dedup.facts`: mentions into facts, corroboration counts, conflicts, stable fact ids;
  each fact kind's rules live in its own module (:data:`factlake.kinds.FACT_KINDS`), shared machinery in
  :mod:`~factlake.dedup.frames` (working columns), :mod:`~factlake.dedup.periods`,
  :mod:`~factlake.dedup.units`, :mod:`~factlake.dedup.values`, :mod:`~factlake.dedup.clustering` (leader
  clustering), :mod:`~factlake.dedup._unionfind` and :mod:`~factlake.dedup.conflicts`; the output of
  each independent block of mentions is kept between runs by :mod:`factlake.dedup.fact_blocks`.
"""

from __future__ import annotations

from factlake.dedup.articles import mark_duplicate_articles
from factlake.dedup.facts import FactSet, build_facts
from factlake.dedup.stories import cluster_stories

__all__ = ["FactSet", "build_facts", "cluster_stories", "mark_duplicate_articles"]
