"""The working data of fact deduplication, declared once.

- :class:`CanonicalMentions`: the columns fact dedup adds to the ``mentions`` table to cluster them
  (publication date, canonical article, canonical order), made by :func:`canonical_frame`;
- :class:`FactWorkingFields`: the fields a fact carries while it is built, besides its published columns
  (its period, value interval and what the conflict rules read). They never reach the ``facts`` table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypedDict

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from factlake.dedup.stories import name_terms
from factlake.dedup.story_dates import is_inferred

#: Mention columns that clustering does not read (evidence sentences, provenance, the id to fill, event
#: roles and polarity; ``date_source`` stays: story references are told by it).
_UNUSED_COLUMNS = (
    "sentence",
    "extractor",
    "date_note",
    "fact_id",
    "source_actors",
    "target_actors",
    "polarity",
)
#: String columns left as they are: one value per mention, so sharing equal values saves nothing, and only
#: the representatives' values are ever read one by one.
_DISTINCT_COLUMNS = ("mention_id",)
#: The subject of a mention that is not a quantity (one object shared by all of them).
_NO_SUBJECT: frozenset[str] = frozenset()


class CanonicalMentions(pa.DataFrameModel):
    """Working columns of the canonical frame: mentions joined with their articles, in canonical order.

    The frame also holds the ``mentions`` columns clustering reads. Its rows are sorted into the
    canonical order (publication date, unknown dates last, then ``article_id``, ``char_start``,
    ``char_end`` and ``mention_id``) and indexed by position 0..n-1. Internal: never published. Read a
    column's name as ``CanonicalMentions.published``.
    """

    input_row: Series[np.int64] = pa.Field(alias="_input_row", description="Row of the mention in the input.")
    published: Series[object] = pa.Field(
        alias="_published", nullable=True, description="Publication date of the mention's article."
    )
    canonical_article: Series[object] = pa.Field(
        alias="_canonical_article",
        description="The article the mention counts toward: its article, or the one it duplicates.",
    )
    no_date: Series[bool] = pa.Field(alias="_no_date", description="The article has no publication date.")
    date_key: Series[np.int64] = pa.Field(
        alias="_date_key", description="Day ordinal of the publication date; 0 when unknown."
    )
    story: Series[object] = pa.Field(
        alias="_story",
        description="Story of the mention's canonical article (a copy shares its canonical article's story).",
    )
    subject: Series[object] = pa.Field(
        alias="_subject",
        description="Quantities: names of the mention's sentence (what it is about); empty otherwise.",
    )
    date_inferred: Series[bool] = pa.Field(
        alias="_date_inferred",
        description="The mention's date was resolved against its story's dates, not stated by its article.",
    )

    class Config:
        """Other columns (those of ``mentions``) are allowed."""

        strict = False


class FactWorkingFields(TypedDict, total=False):
    """Fields of a fact under construction that are not columns of ``facts``.

    Attributes:
        _period: The fact's period (first and last day ordinals), None when undated.
        _period_inferred: The period was resolved against the story's dates, not stated by the article
            (an estimate: it cannot show that two claims are about different periods).
        _date_text: The date expression of its representative mention.
        _low: Lowest value its mentions' intervals all allow (quantities; -inf otherwise).
        _high: Highest value its mentions' intervals all allow (quantities; inf otherwise).
        _measure: Lower-case measure (quantities, for conflicts).
        _unit_class: Class of its unit (quantities, for conflicts).
        _scope: Scope of its unit (quantities, for conflicts).
        _recent: Every mention is about the recent past of its article (quantities, for conflicts).
    """

    _period: tuple[int, int] | None
    _period_inferred: bool
    _date_text: str | None
    _low: float
    _high: float
    _measure: str
    _unit_class: str
    _scope: str
    _recent: bool


def subject_names(
    mentions: pd.DataFrame, known: Mapping[str, frozenset[str]] | None = None
) -> dict[str, frozenset[str]]:
    """The subject names of the sentence of every quantity mention, by sentence: the names of the
    sentence (:func:`factlake.dedup.stories.name_terms`, numbers left out).

    Args:
        mentions: The ``mentions`` table.
        known: Names already found by sentence (a previous build's): taken as they are, since they
            depend on the sentence alone.
    """
    known = known or {}
    of_quantities = (mentions["fact_type"] == "quantity").to_numpy()
    names_of: dict[str, frozenset[str]] = {}
    for sentence in pd.unique(mentions["sentence"].to_numpy(dtype=object)[of_quantities]).tolist():
        if not isinstance(sentence, str):
            continue
        names = known.get(sentence)
        if names is None:
            names = frozenset(term for term in name_terms(sentence) if not term[:1].isdigit())
        names_of[sentence] = names
    return names_of


def _subjects(mentions: pd.DataFrame, names_of: Mapping[str, frozenset[str]] | None) -> list[frozenset[str]]:
    """What each quantity mention's figure is about: the names of its sentence (:func:`subject_names`,
    or ``names_of`` when given); empty for other kinds."""
    if names_of is None:
        names_of = subject_names(mentions)
    return [
        names_of[sentence] if fact_type == "quantity" and isinstance(sentence, str) else _NO_SUBJECT
        for fact_type, sentence in zip(mentions["fact_type"], mentions["sentence"], strict=True)
    ]


def shared_objects(column: pd.Series) -> pd.Series:
    """The values of a string column as an object array in which equal strings are one Python object.

    ``astype(object)`` makes one string object per row; a million mentions name a few thousand speakers,
    units or articles, so sharing them takes a fraction of the memory. Missing values become NaN, as
    ``astype(object)`` makes them.
    """
    codes, distinct = pd.factorize(column)
    values = np.append(np.asarray(distinct, dtype=object), np.nan)[codes]
    return pd.Series(values, index=column.index, dtype=object, name=column.name)


def compact_mentions(mentions: pd.DataFrame) -> pd.DataFrame:
    """The ``mentions`` table with repeated values held once, for fact dedup.

    A million mentions name a few kinds, units, speakers and labels, and every fact is reported by
    several mentions, so most string columns hold few distinct values: they become categoricals (a small
    integer code per row). Dates and lists are shared objects (one object per distinct day or list),
    since a Python object per row takes more than the value's code. Columns of distinct values
    (``mention_id``) are left as they are, and so is ``fact_id``, which dedup fills.
    :func:`canonical_frame` reads either form, and :func:`factlake.records.contract_frame` gives the
    contract's dtypes back.

    Args:
        mentions: The ``mentions`` table (contract dtypes, or already compact).

    Returns:
        A new frame with the same rows, values and index.
    """
    compact = {}
    for name in mentions.columns:
        column = mentions[name]
        if name in (*_DISTINCT_COLUMNS, "fact_id") or isinstance(column.dtype, pd.CategoricalDtype):
            continue
        if _held_compact(column.dtype):
            codes, distinct = pd.factorize(column)
            if len(distinct) * _REPEATED <= len(column):
                compact[name] = pd.Categorical.from_codes(codes, categories=distinct)
        elif pd.api.types.is_object_dtype(column.dtype):
            compact[name] = _shared_values(column)
    return mentions.assign(
        **{name: pd.Series(values, index=mentions.index) for name, values in compact.items()}
    )


#: A string column becomes a categorical when each distinct value is on this many rows on average.
_REPEATED = 2


def _shared_values(column: pd.Series) -> np.ndarray:
    """An object column's values with equal dates or lists (by content) as one object, None kept."""
    values = column.to_numpy(dtype=object)
    shared: dict[object, object] = {}
    out = np.empty(len(values), dtype=object)
    for row, value in enumerate(values.tolist()):
        key = (list, *value) if isinstance(value, list) else value
        try:
            out[row] = shared.setdefault(key, value)
        except TypeError:  # unhashable: kept as it is
            out[row] = value
    return out


def _held_compact(dtype: object) -> bool:
    """Whether a column of ``dtype`` holds strings other than as Python objects (Arrow, categorical)."""
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    return pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)


def canonical_frame(
    mentions: pd.DataFrame, articles: pd.DataFrame, subjects: Mapping[str, frozenset[str]] | None = None
) -> pd.DataFrame:
    """Mentions joined with their article facts, sorted into canonical order, positions 0..n-1
    (:class:`CanonicalMentions`).

    ``articles`` needs a ``story_id`` column; an article without one is a story of its own. ``subjects``:
    the subject names of every quantity mention's sentence (:func:`subject_names`), computed when None.
    """
    info = articles.set_index("article_id")
    canonical_article = info["duplicate_of"].where(info["duplicate_of"].notna(), info.index.to_series())
    story_of_article = info["story_id"].where(info["story_id"].notna(), info.index.to_series())
    subjects = _subjects(mentions, subjects)
    notes = (
        mentions["date_note"] if "date_note" in mentions.columns else pd.Series(None, index=mentions.index)
    )
    date_inferred = [is_inferred(note) for note in notes]
    # Evidence sentences and provenance are not needed to cluster: leaving them out halves the copy.
    frame = mentions.drop(columns=[name for name in _UNUSED_COLUMNS if name in mentions.columns])
    for name in frame.columns:
        if _held_compact(frame[name].dtype) and name not in _DISTINCT_COLUMNS:
            # Python loops below iterate these columns; object arrays iterate far faster than Arrow ones.
            frame[name] = shared_objects(frame[name])
    columns = CanonicalMentions
    frame[columns.input_row] = np.arange(len(frame))
    frame[columns.published] = frame["article_id"].map(info["published_date"])
    frame[columns.canonical_article] = frame["article_id"].map(canonical_article)
    frame[columns.canonical_article] = frame[columns.canonical_article].astype(object)
    missing = frame[columns.canonical_article].isna()
    frame.loc[missing, columns.canonical_article] = frame.loc[missing, "article_id"]
    # A copy counts toward its canonical article, so it belongs to that article's story.
    story = frame[columns.canonical_article].map(story_of_article).astype(object)
    frame[columns.story] = shared_objects(story.where(story.notna(), frame[columns.canonical_article]))
    frame[columns.canonical_article] = shared_objects(frame[columns.canonical_article])
    frame[columns.subject] = subjects
    frame[columns.date_inferred] = date_inferred
    frame[columns.no_date] = frame[columns.published].isna()
    frame[columns.date_key] = [
        date.toordinal() if isinstance(date, dt.date) else 0 for date in frame[columns.published]
    ]
    frame = frame.sort_values(
        [columns.no_date, columns.date_key, "article_id", "char_start", "char_end", "mention_id"],
        kind="mergesort",
    ).reset_index(drop=True)
    return frame
