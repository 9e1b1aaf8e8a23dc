"""The data contract: one pandera ``DataFrameModel`` per published table.

Every model is ``strict`` (no undeclared columns), ``ordered`` (columns in the published order) and every
field carries a description; the data dictionary in ``docs/tables.md`` is generated from these models by
``factlake docs``. Cross-table rules (unique ids, references between tables, evidence spans that slice the
article body) live in :mod:`schemas.contract` because a single-table model cannot see the other tables.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from factlake.kinds import FACT_TYPES as _FACT_TYPE_NAMES

#: Bumped whenever a column is added, removed, renamed or changes meaning.
SCHEMA_VERSION = "1.3.0"

#: The fact kinds' names, from their registry (:data:`factlake.kinds.FACT_KINDS`).
FACT_TYPES = list(_FACT_TYPE_NAMES)
DATE_SOURCES = ["metadata", "dateline", "none", "fetched"]
DATE_PRECISIONS = ["day", "month", "year"]
#: Events: whether the text says the event happened (see :mod:`factlake.extract.event_modality`).
MODALITIES = ["asserted", "planned", "demanded", "conditional", "negated", "alleged"]
POLARITIES = ["positive", "negative"]
EVENT_DATE_SOURCES = ["clause", "sentence", "article", "published", "story"]
QUALIFIERS = ["exact", "more_than", "at_least", "up_to", "less_than", "about", "estimated", "range"]
STATUSES = ["corroborated", "single_source", "contested"]
ENTITY_TYPES = ["person", "organization", "place", "nationality", "other"]
REJECT_STAGES = ["discover", "read", "parse", "extract", "validate"]
DUPLICATE_KINDS = ["exact", "near"]
INFERRED_DATE_SOURCES = ["story"]

#: Arrow type of list-valued columns; other columns are typed by their pandas dtype.
LIST_OF_STRINGS = "list<string>"

ID_PATTERN = r"^[0-9a-f]{16}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"


def _one_of(names: list[str]) -> str:
    """``a, b or c``: the allowed values of a column, for its description."""
    return f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else "".join(names)


def _is_list_of_strings(series: pd.Series) -> pd.Series:
    return series.map(lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value))


def _is_date_or_missing(series: pd.Series) -> pd.Series:
    return series.map(
        lambda value: value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime))
    )


def list_field(description: str) -> object:
    """A non-null column whose every value is a (possibly empty) list of strings."""
    return pa.Field(description=description, metadata={"arrow_type": LIST_OF_STRINGS})


def date_field(description: str) -> object:
    """A nullable calendar-date column (published as Parquet ``date32``)."""
    return pa.Field(nullable=True, description=description, metadata={"arrow_type": "date32"})


def typed_columns(model: type[pa.DataFrameModel], arrow_type: str) -> list[str]:
    """Columns of ``model`` whose field metadata declares ``arrow_type``."""
    schema = model.to_schema()
    return [
        name
        for name, column in schema.columns.items()
        if (column.metadata or {}).get("arrow_type") == arrow_type
    ]


class _Table(pa.DataFrameModel):
    class Config:
        strict = True
        ordered = True
        coerce = False

    @pa.dataframe_check(name="list columns hold lists of strings; date columns hold dates or null")
    @classmethod
    def _object_columns_hold_their_type(cls, frame: pd.DataFrame) -> pd.DataFrame:
        result = pd.DataFrame(True, index=frame.index, columns=frame.columns)
        for name in typed_columns(cls, LIST_OF_STRINGS):
            if name in frame:
                result[name] = _is_list_of_strings(frame[name])
        for name in typed_columns(cls, "date32"):
            if name in frame:
                result[name] = _is_date_or_missing(frame[name])
        return result


class Articles(_Table):
    """One row per input article (a ``.txt`` or ``.html`` file, a JSONL line, a WARC record, a feed item)."""

    article_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN,
        unique=True,
        description="Stable id: 16 hex digits of the SHA-256 of the normalized body and the source_uri.",
    )
    source_uri: Series[str] = pa.Field(
        unique=True,
        description="Where the article came from: path relative to its source folder, or `file.jsonl#line`.",
    )
    source_name: Series[str] = pa.Field(
        nullable=True, description="Outlet that published the article, when metadata or a byline tells it."
    )
    url: Series[str] = pa.Field(nullable=True, description="URL of the article, when the input gives one.")
    title: Series[str] = pa.Field(
        str_length={"min_value": 1}, description="Headline, cleaned of boilerplate."
    )
    published_date: Series[object] = date_field(
        "Publication date, from metadata or the dateline; null when the article does not state it. For a "
        "page of a WARC archive that states no date: the day it was fetched (date_source fetched)."
    )
    date_source: Series[str] = pa.Field(
        isin=DATE_SOURCES,
        description="Where published_date came from: metadata, dateline, none, or fetched (the WARC-Date "
        "of the record holding the page, an upper bound of its publication date).",
    )
    body: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="Text without title, dateline and boilerplate; paragraphs separated by blank lines.",
    )
    n_words: Series[int] = pa.Field(
        ge=1,
        description=(
            "Number of words in body: whitespace-separated words, each character of a script written"
            " without spaces (Chinese, Japanese, Thai) counting as one."
        ),
    )
    body_sha256: Series[str] = pa.Field(
        str_matches=SHA256_PATTERN, description="SHA-256 of the normalized body; equal for exact duplicates."
    )
    content_sha256: Series[str] = pa.Field(
        str_matches=SHA256_PATTERN,
        description="SHA-256 of the raw input bytes (the file, or the JSONL line; for a WARC record the "
        "page's HTML as served, for a feed item its fields as read).",
    )
    duplicate_of: Series[str] = pa.Field(
        nullable=True,
        description="article_id of the canonical article this one duplicates (earliest ingested, then "
        "earliest published, then smallest id: a published canonical article stays canonical when copies "
        "of it arrive later); null for canonical articles. Mentions of duplicates add no sources.",
    )
    duplicate_kind: Series[str] = pa.Field(
        nullable=True,
        isin=DUPLICATE_KINDS,
        description="exact (same normalized body) or near (syndicated copy).",
    )
    duplicate_similarity: Series[float] = pa.Field(
        nullable=True, ge=0.0, le=1.0, description="Estimated Jaccard similarity of shingles to duplicate_of."
    )
    first_version: Series[pd.Int64Dtype] = pa.Field(
        nullable=True,
        ge=1,
        description="Dataset version in which the article first appeared (carried over from the previous "
        "version); orders canonical articles before their later copies. Null only before publishing.",
    )
    story_id: Series[str] = pa.Field(
        nullable=True,
        str_matches=ID_PATTERN,
        description="Story (stories.story_id) the article reports; copies share their canonical article's "
        "story. Null only before publishing.",
    )
    inferred_date: Series[object] = date_field(
        "Only for an article that states no publication date (published_date null) whose story has dated "
        "articles: the earliest publication date among them, against which the article's relative dates "
        "resolve (mentions.date_note says so). published_date stays null. Recomputed every version."
    )
    inferred_date_last: Series[object] = date_field(
        "The latest publication date of those articles: the article was most likely published between "
        "inferred_date and this date (equal when the story's dated articles share one date)."
    )
    inferred_date_source: Series[str] = pa.Field(
        nullable=True,
        isin=INFERRED_DATE_SOURCES,
        description="Where inferred_date came from: story (its story's dated articles); null when there is "
        "no inferred date.",
    )


class Mentions(_Table):
    """One extracted fact occurrence: a span of one article's body."""

    mention_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN, unique=True, description="Stable id of the mention."
    )
    article_id: Series[str] = pa.Field(str_matches=ID_PATTERN, description="Article the evidence comes from.")
    fact_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN, description="Deduplicated fact this mention supports."
    )
    fact_type: Series[str] = pa.Field(isin=FACT_TYPES, description=f"{_one_of(FACT_TYPES)}.")
    text: Series[str] = pa.Field(
        str_length={"min_value": 1}, description="Evidence: exactly body[char_start:char_end] of the article."
    )
    char_start: Series[int] = pa.Field(
        ge=0, description="Offset (Python str index) where the evidence starts."
    )
    char_end: Series[int] = pa.Field(ge=1, description="Offset where the evidence ends (exclusive).")
    sentence: Series[str] = pa.Field(description="The sentence(s) holding the evidence, for context.")
    speaker: Series[str] = pa.Field(
        nullable=True, description="Quotes: canonical name of who said it (a person or a body)."
    )
    quote_text: Series[str] = pa.Field(
        nullable=True, description="Quotes: the quoted words without the marks."
    )
    value: Series[float] = pa.Field(nullable=True, description="Quantities: the number as stated.")
    value_low: Series[float] = pa.Field(
        nullable=True, description="Quantities: lower bound, stated (a range) or implied by qualifier."
    )
    value_high: Series[float] = pa.Field(
        nullable=True, description="Quantities: upper bound, stated (a range) or implied by qualifier."
    )
    qualifier: Series[str] = pa.Field(
        nullable=True,
        isin=QUALIFIERS,
        description="Quantities: exact, more_than, at_least, up_to, about, ...",
    )
    unit: Series[str] = pa.Field(
        nullable=True, description="Quantities: the counted thing (soldiers, km2, USD)."
    )
    unit_normalized: Series[str] = pa.Field(
        nullable=True,
        description="Quantities: canonical singular unit (person, kilometer, miles per hour, percent, ISO "
        "currency code such as USD).",
    )
    measure: Series[str] = pa.Field(
        nullable=True,
        description="Quantities: class of measure (killed, wounded, area, money, percent, ...).",
    )
    actors: Series[object] = list_field("Events: canonical names of the actors; empty for other fact types.")
    action: Series[str] = pa.Field(nullable=True, description="Events: verb from the controlled vocabulary.")
    location: Series[str] = pa.Field(nullable=True, description="Events: canonical place name.")
    event_date: Series[object] = date_field(
        "Resolved date of the event (or of the claim), against the publication date."
    )
    date_precision: Series[str] = pa.Field(
        nullable=True, isin=DATE_PRECISIONS, description="Precision of event_date: day, month or year."
    )
    date_text: Series[str] = pa.Field(nullable=True, description="The date expression as written.")
    date_note: Series[str] = pa.Field(
        nullable=True,
        description="How the date was found, or why it was left unresolved (e.g. no publication date).",
    )
    modality: Series[str] = pa.Field(
        nullable=True,
        isin=MODALITIES,
        description="Events: asserted (it happened), planned, demanded, conditional, negated or alleged.",
    )
    polarity: Series[str] = pa.Field(
        nullable=True, isin=POLARITIES, description="Events: positive, or negative when the text negates it."
    )
    source_actors: Series[object] = list_field("Events: actors who act (agents); a subset of actors.")
    target_actors: Series[object] = list_field(
        "Events: actors acted upon or met (patients, recipients, counterparts); a subset of actors."
    )
    theme: Series[str] = pa.Field(
        nullable=True,
        description="Events: what the event is about, the head noun phrase of its object ('peace treaty' "
        "of 'sign a peace treaty'); null when there is none or it names a person, place or nationality "
        "actor ('met Aliyev').",
    )
    date_source: Series[str] = pa.Field(
        nullable=True,
        isin=EVENT_DATE_SOURCES,
        description="Events: where event_date came from: the trigger's clause, its sentence, the article's "
        "dated mention of the same occurrence, or the publication date (a current report: 'have met'); "
        "story: a reference naming no actor ('the summit'), dated by the occurrence of its story it joins.",
    )
    confidence: Series[float] = pa.Field(ge=0.0, le=1.0, description="Extractor confidence in [0, 1].")
    extractor: Series[str] = pa.Field(description="Name and version of the extractor, e.g. quotes/1.0.")


class Facts(_Table):
    """One row per deduplicated fact, with its corroboration."""

    fact_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN, unique=True, description="From its earliest mention; kept when names change."
    )
    fact_type: Series[str] = pa.Field(isin=FACT_TYPES, description=f"{_one_of(FACT_TYPES)}.")
    statement: Series[str] = pa.Field(str_length={"min_value": 1}, description="Readable one-line form.")
    speaker: Series[str] = pa.Field(nullable=True, description="Quotes: canonical speaker.")
    quote_text: Series[str] = pa.Field(nullable=True, description="Quotes: the longest wording seen.")
    value: Series[float] = pa.Field(nullable=True, description="Quantities: canonical value.")
    value_low: Series[float] = pa.Field(
        nullable=True, description="Quantities: lower bound over all mentions."
    )
    value_high: Series[float] = pa.Field(
        nullable=True, description="Quantities: upper bound over all mentions."
    )
    qualifier: Series[str] = pa.Field(
        nullable=True, isin=QUALIFIERS, description="Quantities: canonical qualifier."
    )
    unit: Series[str] = pa.Field(nullable=True, description="Quantities: the counted thing.")
    unit_normalized: Series[str] = pa.Field(
        nullable=True,
        description="Quantities: canonical singular unit of the representative mention (ISO currency code "
        "for money); conflicts compare money, weights and other dimensions by it.",
    )
    measure: Series[str] = pa.Field(nullable=True, description="Quantities: class of measure.")
    actors: Series[object] = list_field("Events: canonical actors (union over mentions).")
    action: Series[str] = pa.Field(nullable=True, description="Events: action verb.")
    theme: Series[str] = pa.Field(
        nullable=True,
        description="Events: what the fact is about ('peace treaty'), the theme of its mentions; two "
        "incompatible themes (other head noun, other numbers) are never one fact.",
    )
    modality: Series[str] = pa.Field(
        nullable=True, isin=MODALITIES, description="Events: modality of the fact (part of its identity)."
    )
    location: Series[str] = pa.Field(nullable=True, description="Events: canonical place.")
    event_date: Series[object] = date_field("Resolved date of the fact, when known.")
    date_precision: Series[str] = pa.Field(
        nullable=True, isin=DATE_PRECISIONS, description="day, month or year."
    )
    n_mentions: Series[int] = pa.Field(ge=1, description="Mentions supporting the fact, duplicates included.")
    n_articles: Series[int] = pa.Field(
        ge=1, description="Distinct non-duplicate articles supporting the fact."
    )
    n_sources: Series[int] = pa.Field(ge=0, description="Distinct known outlets supporting the fact.")
    sources: Series[object] = list_field("Distinct known outlets supporting the fact, sorted.")
    first_published: Series[object] = date_field("Earliest publication date of its articles.")
    last_published: Series[object] = date_field("Latest publication date of its articles.")
    story_id: Series[str] = pa.Field(
        nullable=True,
        str_matches=ID_PATTERN,
        description="Story of the fact when all of its articles belong to one story; null otherwise.",
    )
    status: Series[str] = pa.Field(
        isin=STATUSES,
        description="contested (in a conflict), corroborated (2+ articles) or single_source.",
    )
    confidence: Series[float] = pa.Field(ge=0.0, le=1.0, description="Highest confidence of its mentions.")


class Entities(_Table):
    """One row per canonical entity across the whole dataset."""

    entity_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN, unique=True, description="Stable id of the entity."
    )
    name: Series[str] = pa.Field(str_length={"min_value": 1}, description="Canonical name.")
    entity_type: Series[str] = pa.Field(
        isin=ENTITY_TYPES, description="person, organization, place, nationality or other."
    )
    aliases: Series[object] = list_field("Every other surface form seen for the entity, sorted.")
    n_mentions: Series[int] = pa.Field(
        ge=1, description="Mentions of the entity in article bodies and titles."
    )
    n_articles: Series[int] = pa.Field(ge=1, description="Articles mentioning the entity.")


class Conflicts(_Table):
    """One row per (conflict, fact): facts that cannot all be true."""

    conflict_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN, description="Id shared by the facts in conflict."
    )
    fact_id: Series[str] = pa.Field(str_matches=ID_PATTERN, description="A fact taking part in the conflict.")
    value: Series[float] = pa.Field(nullable=True, description="The value this fact claims.")
    description: Series[str] = pa.Field(
        str_length={"min_value": 1}, description="Readable account of the disagreement."
    )


class Stories(_Table):
    """One row per story: articles (copies included) that report the same real-world story."""

    story_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN,
        unique=True,
        description="Stable id: stable_id('story', article_id) of the story's first article when the story "
        "was created; kept across versions while the story has articles.",
    )
    label: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="Title of the story's first article (earliest ingested, then earliest published).",
    )
    first_published: Series[object] = date_field("Earliest publication date of its articles.")
    last_published: Series[object] = date_field("Latest publication date of its articles.")
    n_articles: Series[int] = pa.Field(ge=1, description="Distinct non-duplicate articles of the story.")
    n_copies: Series[int] = pa.Field(ge=0, description="Duplicate articles (copies) of its articles.")
    n_sources: Series[int] = pa.Field(
        ge=0, description="Distinct known outlets of its non-duplicate articles."
    )
    top_entities: Series[object] = list_field(
        "Up to five canonical entity names mentioned by most of its non-duplicate articles (then by "
        "mentions, then by name)."
    )


class Rejects(_Table):
    """One row per input (file, JSONL line, WARC record or feed item) that did not become an article."""

    source_uri: Series[str] = pa.Field(description="Input that was rejected.")
    stage: Series[str] = pa.Field(isin=REJECT_STAGES, description="Stage that rejected it.")
    error: Series[str] = pa.Field(
        str_length={"min_value": 1}, description="Why, in a sentence a person understands."
    )
    detail: Series[str] = pa.Field(
        nullable=True, description="Technical detail (exception text, sizes, ...)."
    )
    content_sha256: Series[str] = pa.Field(
        nullable=True,
        description="SHA-256 of the input bytes; null when the input was never read (e.g. a link outside).",
    )


#: Published tables in publishing order, with the columns each is sorted by.
TABLES: dict[str, type[_Table]] = {
    "articles": Articles,
    "mentions": Mentions,
    "facts": Facts,
    "entities": Entities,
    "conflicts": Conflicts,
    "stories": Stories,
    "rejects": Rejects,
}

SORT_KEYS: dict[str, list[str]] = {
    "articles": ["article_id"],
    "mentions": ["article_id", "char_start", "char_end", "mention_id"],
    "facts": ["fact_type", "fact_id"],
    "entities": ["entity_type", "name", "entity_id"],
    "conflicts": ["conflict_id", "fact_id"],
    "stories": ["story_id"],
    "rejects": ["source_uri", "stage"],
}
