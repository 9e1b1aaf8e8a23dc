"""Published stories: incremental story assignment, the ``stories`` table and each fact's story.

A story is a group of articles that report one real-world story (see :mod:`factlake.dedup.stories` for the
similarity). Copies (``duplicate_of``) take no part in clustering; they share their canonical article's
story. Story ids must not churn between versions, so assignment is *incremental*:

- articles of the previous version keep their story (``previous`` maps article_id → story_id);
- the new canonical articles are clustered with the same similarity and average linkage as a full
  clustering (:func:`factlake.dedup.stories.cluster_stories`), where every published story is a group
  that exists from the start: a new article (or group of new articles) joins the published story whose
  mean similarity to it is highest and reaches ``config.story_similarity_threshold``, or starts a story;
- a new story's id is ``stable_id("story", article_id)`` of its first article (earliest ingested, then
  earliest published, then smallest id); a story keeps its id when articles join it, even an article
  published earlier than its first one, and while any of its articles remain.

Where the result may differ from clustering all articles from scratch (a new dataset folder does that):
published stories never merge with one another nor split, even when new articles would bridge two of them
or the term weights (computed over the current articles) shift; an old article is never re-assigned to a
story created later; and a story's id names the article that started it, not necessarily its earliest.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from factlake.config import DedupConfig
from factlake.dedup import story_dates
from factlake.dedup.articles import canonical_order, mark_duplicate_articles
from factlake.dedup.signatures import SignatureCache
from factlake.dedup.stories import average_linkage, ordered_similarities
from factlake.dedup.story_terms import TermCache
from factlake.link import resolve_roles_in_stories
from factlake.publish import latest_version, read_table, table_schema
from factlake.records import stable_id, to_frame

#: Columns of the previous version's ``articles`` table that incremental runs carry over.
CARRIED_COLUMNS = ["article_id", "first_version", "story_id"]

#: Entity names listed per story.
TOP_ENTITIES = 5


def previous_assignment(previous: pd.DataFrame | None, previous_number: int | None) -> pd.DataFrame | None:
    """The carried columns of the previous version's articles (``CARRIED_COLUMNS``), or None.

    Args:
        previous: The previous version's ``articles`` table (any subset of columns holding article_id),
            or None when there is no previous version.
        previous_number: Number of that version: the first version of its articles when the table
            predates the ``first_version`` column.
    """
    if previous is None:
        return None
    carried = pd.DataFrame({"article_id": previous["article_id"].astype(object)})
    if "first_version" in previous:
        carried["first_version"] = previous["first_version"].astype("Int64")
    else:
        carried["first_version"] = pd.array([previous_number] * len(previous), dtype="Int64")
    carried["story_id"] = previous["story_id"].astype(object) if "story_id" in previous else None
    return carried


def read_previous(dataset: Path) -> pd.DataFrame | None:
    """:func:`previous_assignment` of the dataset's latest version (None for a new dataset).

    Reads only the carried columns the latest version has (versions of an older schema lack some).
    """
    latest = latest_version(dataset)
    if latest is None:
        return None
    present = set(table_schema(latest, "articles").names)
    columns = [name for name in CARRIED_COLUMNS if name in present]
    return previous_assignment(read_table(latest, "articles", columns=columns), latest.number)


def with_first_versions(articles: pd.DataFrame, previous: pd.DataFrame | None, version: int) -> pd.DataFrame:
    """Copy of ``articles`` whose ``first_version`` is carried from ``previous``, else ``version``."""
    result = articles.copy()
    carried: dict[str, int] = {}
    if previous is not None:
        known = previous.dropna(subset=["first_version"])
        carried = dict(zip(known["article_id"], known["first_version"].astype(int), strict=True))
    values = [carried.get(article_id, version) for article_id in result["article_id"]]
    result["first_version"] = pd.array(values, dtype="Int64")
    return result


def assign_stories(
    articles: pd.DataFrame,
    previous: pd.DataFrame | None,
    config: DedupConfig,
    terms: TermCache | None = None,
) -> pd.DataFrame:
    """Copy of ``articles`` (after duplicate marking) with ``story_id`` filled in for every article.

    Args:
        articles: The ``articles`` frame with ``duplicate_of`` (and ``first_version``) set.
        previous: :func:`previous_assignment` of the previous version, or None for a first version.
        config: The story similarity settings of :func:`factlake.dedup.stories.story_similarities`.
        terms: Story terms of earlier runs (see :mod:`factlake.dedup.story_terms`), or None.

    Returns:
        The frame with ``story_id``; see the module docstring for how ids stay stable.
    """
    result = articles.copy()
    result["story_id"] = pd.Series([None] * len(result), index=result.index, dtype=object)
    if result.empty:
        return result
    canonical = result[result["duplicate_of"].isna()]
    published: dict[str, str] = {}
    if previous is not None:
        known = previous.dropna(subset=["story_id"])
        published = dict(zip(known["article_id"], known["story_id"], strict=True))
    # Published stories never merge with one another, so only pairs with an unpublished article count.
    unpublished = ~canonical["article_id"].isin(published.keys()).to_numpy()
    order, similarities = ordered_similarities(canonical, config, unpublished, terms)
    ids = canonical["article_id"].to_numpy(dtype=object)[order]
    positions_of_story: dict[str, list[int]] = defaultdict(list)
    for position, article_id in enumerate(ids):
        if article_id in published:
            positions_of_story[published[article_id]].append(position)
    groups = average_linkage(
        len(ids), similarities, config.story_similarity_threshold, list(positions_of_story.values())
    )
    story_of_group: dict[int, str] = {}
    for position, article_id in enumerate(ids):
        if article_id in published:
            story_of_group[groups[position]] = published[article_id]
    story_of_article = {
        article_id: story_of_group.get(groups[position], stable_id("story", ids[groups[position]]))
        for position, article_id in enumerate(ids)
    }
    canonical_of = result["duplicate_of"].where(result["duplicate_of"].notna(), result["article_id"])
    result["story_id"] = canonical_of.map(story_of_article).astype(object)
    return result


def mark_articles(
    articles: pd.DataFrame,
    previous: pd.DataFrame | None,
    version: int,
    config: DedupConfig,
    signatures: SignatureCache | None = None,
    terms: TermCache | None = None,
) -> pd.DataFrame:
    """First versions, duplicates and stories of ``articles``: what the flow does before fact dedup.

    Args:
        articles: The ``articles`` frame as parsed.
        previous: :func:`previous_assignment` of the previous version, or None.
        version: Number of the version being built.
        config: Duplicate and story settings.
        signatures: Near-duplicate signatures of earlier runs (see
            :func:`factlake.dedup.mark_duplicate_articles`), or None.
        terms: Story terms of earlier runs (see :mod:`factlake.dedup.story_terms`), or None. Both caches
            only save work: the result is the same without them.
    """
    marked = mark_duplicate_articles(with_first_versions(articles, previous, version), config, signatures)
    return assign_stories(marked, previous, config, terms)


def place_in_stories(
    articles: pd.DataFrame,
    mentions: pd.DataFrame,
    holders: pd.DataFrame,
    previous: pd.DataFrame | None,
    version: int,
    config: DedupConfig,
    signatures: SignatureCache | None = None,
    terms: TermCache | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Articles marked with their story (:func:`mark_articles`) and the mentions their story completes:
    bare-role speakers resolved to the holder the story names, then dates inferred for undated articles
    and their relative dates resolved against them. The one place the order of these steps is written.

    Args:
        articles: The ``articles`` frame as parsed.
        mentions: The ``mentions`` frame with canonical names.
        holders: :func:`factlake.link.role_holders` of the run's articles.
        previous: :func:`previous_assignment` of the previous version, or None.
        version: Number of the version being built.
        config: Duplicate, story and date-gap settings.
        signatures: Near-duplicate signatures of earlier runs, or None (see :func:`mark_articles`).
        terms: Story terms of earlier runs, or None (see :func:`mark_articles`).

    Returns:
        The marked articles and the completed mentions, ready for fact deduplication.
    """
    marked = mark_articles(articles, previous, version, config, signatures, terms)
    mentions = resolve_roles_in_stories(mentions, holders, marked)
    marked = story_dates.with_inferred_dates(marked, mentions, config.story_max_date_gap_days)
    return marked, story_dates.resolve_inferred_dates(mentions, marked)


def with_fact_stories(facts: pd.DataFrame, mentions: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``facts`` whose ``story_id`` is the one story of all its mentions' articles, else null."""
    result = facts.copy()
    story_of_article = dict(zip(articles["article_id"], articles["story_id"], strict=True))
    stories = mentions["article_id"].map(story_of_article)
    per_fact = pd.DataFrame({"fact_id": mentions["fact_id"], "story_id": stories}).groupby("fact_id")
    counts = per_fact["story_id"].nunique()
    single = per_fact["story_id"].first()[counts == 1]
    result["story_id"] = result["fact_id"].map(single).astype(object)
    result["story_id"] = result["story_id"].where(result["story_id"].notna(), None)
    return result


def _top_entities(article_ids: list[str], entity_names: dict[str, Counter[str]]) -> list[str]:
    """The :data:`TOP_ENTITIES` names mentioned by most of ``article_ids``, then by mentions, then name."""
    n_articles: Counter[str] = Counter()
    n_mentions: Counter[str] = Counter()
    for article_id in article_ids:
        names = entity_names.get(article_id, Counter())
        n_articles.update(names.keys())
        n_mentions.update(names)
    ranked = sorted(n_articles, key=lambda name: (-n_articles[name], -n_mentions[name], name))
    return ranked[:TOP_ENTITIES]


class _StoryMembers:
    """What the ``stories`` row of one story is made of, gathered article by article in canonical order."""

    def __init__(self) -> None:
        self.label: Any = None
        self.originals: list[str] = []
        self.copies = 0
        self.dates: list[Any] = []
        self.sources: set[Any] = set()

    def add(self, is_copy: bool, title: Any, published: Any, source: Any, article_id: str) -> None:
        """Count one article of the story (its earliest original names the story)."""
        if not pd.isna(published):
            self.dates.append(published)
        if is_copy:
            self.copies += 1
            return
        if not self.originals:
            self.label = title
        self.originals.append(article_id)
        if not pd.isna(source):
            self.sources.add(source)


def build_stories(articles: pd.DataFrame, entity_mentions: pd.DataFrame) -> pd.DataFrame:
    """The ``stories`` table from the articles (with ``story_id``) and their entity mentions.

    Args:
        articles: The ``articles`` frame after :func:`assign_stories`.
        entity_mentions: One row per entity mention: ``article_id`` and canonical ``name``.
    """
    entity_names: dict[str, Counter[str]] = defaultdict(Counter)
    for article_id, name in zip(entity_mentions["article_id"], entity_mentions["name"], strict=True):
        entity_names[article_id][name] += 1
    ordered = articles.iloc[canonical_order(articles)]
    # One pass over the articles in canonical order (a pandas group per story costs a millisecond each).
    members: dict[str, _StoryMembers] = {}
    columns = ("story_id", "title", "published_date", "source_name", "article_id")
    story_ids, titles, dates, sources, article_ids = (
        ordered[name].to_numpy(dtype=object) for name in columns
    )
    copies = ordered["duplicate_of"].notna().to_numpy()
    for story_id, is_copy, title, published, source, article_id in zip(
        story_ids, copies, titles, dates, sources, article_ids, strict=True
    ):
        story = members.get(story_id)
        if story is None:
            story = members[story_id] = _StoryMembers()
        story.add(bool(is_copy), title, published, source, article_id)
    records = [
        {
            "story_id": story_id,
            "label": story.label,
            "first_published": min(story.dates) if story.dates else None,
            "last_published": max(story.dates) if story.dates else None,
            "n_articles": len(story.originals),
            "n_copies": story.copies,
            "n_sources": len(story.sources),
            "top_entities": _top_entities(story.originals, entity_names),
        }
        for story_id, story in sorted(members.items())
    ]
    return to_frame("stories", records)


def entity_mention_frame(entity_mentions: list[dict], canonical_names: dict[str, str]) -> pd.DataFrame:
    """``article_id`` and canonical ``name`` of every entity mention (the input of :func:`build_stories`)."""
    return pd.DataFrame(
        {
            "article_id": [mention["article_id"] for mention in entity_mentions],
            "name": [canonical_names.get(mention["name"], mention["name"]) for mention in entity_mentions],
        },
        columns=["article_id", "name"],
    ).astype(object)
