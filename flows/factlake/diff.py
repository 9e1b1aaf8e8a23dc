"""Differences between two versions of a dataset, by id (``factlake diff A B``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from factlake.publish import PublishedVersion, read_table, shared_parts


@dataclass
class VersionDiff:
    """Rows added, removed and changed between two versions, per table."""

    added: dict[str, pd.DataFrame]
    removed: dict[str, pd.DataFrame]
    changed: dict[str, pd.DataFrame]

    def counts(self) -> pd.DataFrame:
        """One row per table with the number of added, removed and changed rows."""
        tables = sorted(set(self.added) | set(self.removed) | set(self.changed))
        return pd.DataFrame(
            {
                "table": tables,
                "added": [len(self.added.get(name, [])) for name in tables],
                "removed": [len(self.removed.get(name, [])) for name in tables],
                "changed": [len(self.changed.get(name, [])) for name in tables],
            }
        )


def _split(old: pd.DataFrame, new: pd.DataFrame, key: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    old_keys, new_keys = set(old[key]), set(new[key])
    added = new[new[key].isin(new_keys - old_keys)]
    removed = old[old[key].isin(old_keys - new_keys)]
    both = old.merge(new, on=key, suffixes=("_old", "_new"))
    return added, removed, both


def diff_facts(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Facts added, removed, and changed (gained or lost sources, changed status, became contested)."""
    added, removed, both = _split(old, new, "fact_id")
    moved = (
        (both["n_articles_new"] != both["n_articles_old"])
        | (both["n_sources_new"] != both["n_sources_old"])
        | (both["status_new"] != both["status_old"])
    )
    candidates = both[moved]  # every fact of a version is a row here: describe only those that moved
    changes = []
    for fact_id, fact_type, statement, articles, sources, status in zip(
        candidates["fact_id"],
        candidates["fact_type_new"],
        candidates["statement_new"],
        zip(candidates["n_articles_old"], candidates["n_articles_new"], strict=True),
        zip(candidates["n_sources_old"], candidates["n_sources_new"], strict=True),
        zip(candidates["status_old"], candidates["status_new"], strict=True),
        strict=True,
    ):
        notes = _fact_change_notes(articles, sources, status)
        if notes:
            changes.append(
                {
                    "fact_id": fact_id,
                    "fact_type": fact_type,
                    "statement": statement,
                    "change": "; ".join(notes),
                }
            )
    changed = pd.DataFrame(changes, columns=["fact_id", "fact_type", "statement", "change"])
    return added, removed, changed


def _fact_change_notes(
    articles: tuple[Any, Any], sources: tuple[Any, Any], status: tuple[Any, Any]
) -> list[str]:
    """What changed in one fact, each pair ``(old, new)``: its articles, its sources, its status."""
    notes = []
    if articles[1] != articles[0]:
        verb = "gained" if articles[1] > articles[0] else "lost"
        notes.append(f"{verb} articles: {articles[0]} → {articles[1]}")
    if sources[1] != sources[0]:
        notes.append(f"sources: {sources[0]} → {sources[1]}")
    if status[1] != status[0]:
        became = "became contested" if status[1] == "contested" else "status"
        notes.append(f"{became}: {status[0]} → {status[1]}")
    return notes


def diff_stories(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stories added, removed, and changed (grew or shrank in articles or copies)."""
    added, removed, both = _split(old, new, "story_id")
    grew = (both["n_articles_new"] != both["n_articles_old"]) | (both["n_copies_new"] != both["n_copies_old"])
    changed = both.loc[grew, ["story_id", "label_new", "n_articles_old", "n_articles_new"]].copy()
    verbs = [
        "grew" if new_count >= old_count else "shrank"
        for old_count, new_count in zip(changed["n_articles_old"], changed["n_articles_new"], strict=True)
    ]
    changed["change"] = [
        f"{verb}: {old_count} → {new_count} articles"
        for verb, old_count, new_count in zip(
            verbs, changed["n_articles_old"], changed["n_articles_new"], strict=True
        )
    ]
    changed = changed.rename(columns={"label_new": "label"})[["story_id", "label", "change"]]
    return added, removed, changed


#: The columns of facts and articles a diff reads (their rows in ``added`` and ``removed`` have only
#: these): reading every column, article bodies and fact lists among them, cost most of a diff.
FACT_COLUMNS = ["fact_id", "fact_type", "statement", "n_articles", "n_sources", "status"]
ARTICLE_COLUMNS = ["article_id", "source_uri", "title", "duplicate_of"]


def _changed_rows(
    old: PublishedVersion, new: PublishedVersion, table: str, columns: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both versions' rows of ``table`` but those of the parts they share.

    A shared part holds the same rows in both versions, and a unique key (``fact_id``, ``story_id``,
    ``article_id``) is in one row of a version, so its rows are neither added, removed nor changed:
    leaving them out gives the same diff, reading only the parts a version wrote anew (a 1% version
    shares most of its parts with its parent).
    """
    skip = shared_parts(old, new, table)
    return read_table(old, table, columns, skip), read_table(new, table, columns, skip)


def diff_versions(old: PublishedVersion, new: PublishedVersion) -> VersionDiff:
    """Compare facts (by fact_id), stories (by story_id), articles (by article_id) and rejects."""
    diff = VersionDiff({}, {}, {})
    fact_added, fact_removed, fact_changed = diff_facts(*_changed_rows(old, new, "facts", FACT_COLUMNS))
    diff.added["facts"], diff.removed["facts"], diff.changed["facts"] = fact_added, fact_removed, fact_changed
    story_added, story_removed, story_changed = diff_stories(*_changed_rows(old, new, "stories"))
    diff.added["stories"], diff.removed["stories"], diff.changed["stories"] = (
        story_added,
        story_removed,
        story_changed,
    )
    for table, key, watched, columns in (
        ("articles", "article_id", "duplicate_of", ARTICLE_COLUMNS),
        ("rejects", "source_uri", "error", None),
    ):
        if table == "rejects":  # an input may have several rejects: its key is not unique
            rows = (read_table(old, table, columns), read_table(new, table, columns))
        else:
            rows = _changed_rows(old, new, table, columns)
        added, removed, both = _split(*rows, key)
        changed_mask = both[f"{watched}_old"].fillna("") != both[f"{watched}_new"].fillna("")
        changed = both.loc[changed_mask, [key, f"{watched}_old", f"{watched}_new"]]
        diff.added[table], diff.removed[table], diff.changed[table] = added, removed, changed
    return diff
