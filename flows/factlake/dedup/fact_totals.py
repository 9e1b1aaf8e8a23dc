"""Corroboration of facts: how many articles and outlets report each fact, when, and how surely.

Computed with array operations over the (fact, canonical article) pairs of a canonical frame, so that it
costs a few arrays per mention rather than a set or list per fact
(:func:`factlake.dedup.facts.build_facts` reads :func:`fact_totals`).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import numpy as np
import pandas as pd

from factlake.dedup._arrays import sorted_unique
from factlake.dedup.fact_columns import shared_floats, shared_lists
from factlake.dedup.frames import CanonicalMentions


def fact_totals(
    frame: pd.DataFrame, fact_index: np.ndarray, n_facts: int, articles: pd.DataFrame
) -> dict[str, list[Any]]:
    """Per-fact corroboration over canonical articles: counts, sources and publication span.

    Args:
        frame: The canonical frame.
        fact_index: Fact number (0 .. n_facts-1) of every row of ``frame``.
        n_facts: Number of facts.
        articles: The ``articles`` table.

    Returns:
        Columns (one value per fact number): ``n_articles``, ``sources`` (sorted distinct known outlets),
        ``n_sources``, ``first_published``, ``last_published``, ``n_mentions``, ``confidence`` (highest),
        ``value_low`` (lowest) and ``value_high`` (highest); missing numbers are NaN.
    """
    info = articles.set_index("article_id")
    ordinals = pd.Series(
        [date.toordinal() if isinstance(date, dt.date) else np.nan for date in info["published_date"]],
        index=info.index,
        dtype="float64",
    )
    article_codes, article_names = pd.factorize(
        frame[CanonicalMentions.canonical_article].to_numpy(dtype=object)
    )
    known_article = article_codes >= 0
    width = max(len(article_names), 1)
    supporting = sorted_unique(fact_index[known_article] * width + article_codes[known_article])
    supporting_fact, supporting_article = supporting // width, supporting % width
    article_names = pd.Index(article_names)
    source_of_article = article_names.map(info["source_name"]).to_numpy(dtype=object)
    published_of_article = article_names.map(ordinals).to_numpy(dtype=np.float64)

    # Distinct known sources of each fact, in string order.
    source_of_pair = source_of_article[supporting_article]
    has_source = ~pd.isna(source_of_pair)
    known_sources = source_of_pair[has_source]
    source_names = np.unique(known_sources)
    n_names = max(len(source_names), 1)
    fact_sources = sorted_unique(
        supporting_fact[has_source] * n_names + np.searchsorted(source_names, known_sources)
    )
    sources: list[list[str]] = [[] for _ in range(n_facts)]
    for fact, source in zip(
        (fact_sources // n_names).tolist(), source_names[fact_sources % n_names].tolist(), strict=True
    ):
        sources[fact].append(source)

    published = published_of_article[supporting_article]
    first = np.full(n_facts, np.nan)
    last = np.full(n_facts, np.nan)
    np.fmin.at(first, supporting_fact, published)
    np.fmax.at(last, supporting_fact, published)
    confidence, value_low, value_high = (np.full(n_facts, np.nan) for _ in range(3))
    np.fmax.at(confidence, fact_index, frame["confidence"].to_numpy(dtype=np.float64))
    np.fmin.at(value_low, fact_index, frame["value_low"].to_numpy(dtype=np.float64))
    np.fmax.at(value_high, fact_index, frame["value_high"].to_numpy(dtype=np.float64))
    return {
        "n_articles": np.bincount(supporting_fact, minlength=n_facts).tolist(),
        "sources": shared_lists(sources),
        "n_sources": [len(names) for names in sources],
        "first_published": dates_of(first),
        "last_published": dates_of(last),
        "n_mentions": np.bincount(fact_index, minlength=n_facts).tolist(),
        "confidence": shared_floats(confidence),
        "value_low": shared_floats(value_low),
        "value_high": shared_floats(value_high),
    }


def dates_of(ordinals: np.ndarray) -> list[dt.date | None]:
    """The dates of day ``ordinals`` (NaN: None), one object per distinct day (facts share a few thousand
    days: a date object per fact would take tens of MB at a million mentions)."""
    known = ~np.isnan(ordinals)
    days, codes = np.unique(ordinals[known].astype(np.int64), return_inverse=True)
    dates = np.full(len(ordinals), None, dtype=object)
    dates[known] = np.array([day(ordinal) for ordinal in days.tolist()], dtype=object)[codes]
    return dates.tolist()


@functools.lru_cache(maxsize=1 << 16)
def day(ordinal: int) -> dt.date:
    """The date of a day ordinal, one object per day (see :func:`dates_of`)."""
    return dt.date.fromordinal(ordinal)


__all__ = ["dates_of", "day", "fact_totals"]
