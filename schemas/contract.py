"""Whole-dataset validation: every table against its model, then the rules that span tables.

A single-table ``DataFrameModel`` cannot see the article bodies the mention spans point into, nor the ids
another table references, so those rules are checked here. All failures are collected (lazily) and raised
together as one :class:`ContractError`; nothing is published when any table fails.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from factlake.errors import FactlakeError
from schemas.tables import TABLES

#: pandera's module of data-synthesis strategies, which imports hypothesis when it is installed.
PANDERA_STRATEGIES = "pandera.strategies.pandas_strategies"


@dataclass(frozen=True)
class Failure:
    """One broken rule: which table, which rule, and a few offending values."""

    table: str
    check: str
    column: str | None
    failure_case: str


class ContractError(FactlakeError):
    """Raised when one or more tables break the contract; ``failures`` lists every broken rule.

    A :class:`~factlake.errors.FactlakeError`: the command line reports it as one line and exits 1.
    """

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        tables = sorted({failure.table for failure in failures})
        shown = "; ".join(
            f"{failure.table}.{failure.column or '*'}: {failure.check} ({failure.failure_case})"
            for failure in failures[:5]
        )
        more = f" and {len(failures) - 5} more" if len(failures) > 5 else ""
        super().__init__(f"{len(failures)} contract violation(s) in {', '.join(tables)}: {shown}{more}")


def _model_failures(name: str, frame: pd.DataFrame) -> list[Failure]:
    try:
        TABLES[name].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return [
            Failure(
                name,
                str(row["check"]),
                None if pd.isna(row["column"]) else str(row["column"]),
                str(row["failure_case"])[:200],
            )
            for _, row in cases.head(50).iterrows()
        ]
    return []


def _unique_failures(name: str, frame: pd.DataFrame) -> list[Failure]:
    """The model's unique columns over the whole table (when only some rows went through the model, its
    own uniqueness check saw only those)."""
    failures = []
    for column_name, column in TABLES[name].to_schema().columns.items():
        if column.unique and column_name in frame:
            repeated = frame[column_name][frame[column_name].duplicated()]
            if len(repeated):
                failures.append(Failure(name, "field_uniqueness", column_name, str(repeated.iloc[0])[:200]))
    return failures


def _table_failures(name: str, frame: pd.DataFrame, known_valid: np.ndarray | None) -> list[Failure]:
    """The model's failures of the rows not ``known_valid``, and of the unique columns over all rows."""
    if known_valid is None or not known_valid.any():
        return _model_failures(name, frame)
    checked = ~known_valid
    # never an empty frame: pandera fails an empty object column of strings on its dtype
    checked[:1] = True
    failures = _model_failures(name, frame[checked])
    return failures or _unique_failures(name, frame)


def _reference_failures(
    table: str, column: str, values: pd.Series, allowed: pd.Series, *, rule: str
) -> list[Failure]:
    missing = sorted(set(values.dropna()) - set(allowed.dropna()))
    return [Failure(table, rule, column, value) for value in missing[:10]]


def _span_failures(
    mentions: pd.DataFrame, articles: pd.DataFrame, known_valid: np.ndarray | None = None
) -> list[Failure]:
    """Mentions whose text is not their article's ``body[char_start:char_end]``.

    A mention row known valid (its version's parent holds it unchanged) is left out: its ``article_id``
    hashes its article's body, so the parent's check of that row still holds.
    """
    if known_valid is not None:
        mentions = mentions[~known_valid]
    bodies = dict(zip(articles["article_id"], articles["body"], strict=True))
    failures = []
    for mention_id, article_id, start, end, text in zip(
        mentions["mention_id"],
        mentions["article_id"],
        mentions["char_start"],
        mentions["char_end"],
        mentions["text"],
        strict=True,
    ):
        body = bodies.get(article_id)
        if body is not None and body[start:end] != text:
            failures.append(Failure("mentions", "text == body[char_start:char_end]", "text", str(mention_id)))
            if len(failures) >= 10:
                break
    return failures


def _story_failures(articles: pd.DataFrame, facts: pd.DataFrame, stories: pd.DataFrame) -> list[Failure]:
    """Every article has a first version and a story; story references resolve both ways; copies share
    their canonical article's story."""
    failures = []
    for column in ("first_version", "story_id"):
        if articles[column].isna().any():
            failures.append(Failure("articles", f"every article has a {column}", column, "null"))
    failures += _reference_failures(
        "articles", "story_id", articles["story_id"], stories["story_id"], rule="article's story exists"
    )
    failures += _reference_failures(
        "facts", "story_id", facts["story_id"], stories["story_id"], rule="fact's story exists"
    )
    failures += _reference_failures(
        "stories", "story_id", stories["story_id"], articles["story_id"], rule="every story has an article"
    )
    story_of = dict(zip(articles["article_id"], articles["story_id"], strict=True))
    copies = articles[articles["duplicate_of"].notna()]
    differing = copies[copies["duplicate_of"].map(story_of) != copies["story_id"]]
    if len(differing):
        failures.append(
            Failure(
                "articles",
                "a copy shares its canonical article's story",
                "story_id",
                str(list(differing["article_id"][:5])),
            )
        )
    return failures


def cross_table_failures(
    tables: dict[str, pd.DataFrame], known_valid: dict[str, np.ndarray] | None = None
) -> list[Failure]:
    """Rules between tables: references resolve, spans slice their article body, conflicts are real.

    ``known_valid`` (rows by table that passed this contract in the parent version) spares only the
    per-row span check; the rules between sets of ids see every row.
    """
    articles, mentions, facts = tables["articles"], tables["mentions"], tables["facts"]
    conflicts = tables["conflicts"]
    failures = []
    failures += _reference_failures(
        "articles",
        "duplicate_of",
        articles["duplicate_of"],
        articles["article_id"],
        rule="duplicate_of names an article",
    )
    failures += _reference_failures(
        "mentions",
        "article_id",
        mentions["article_id"],
        articles["article_id"],
        rule="mention's article exists",
    )
    failures += _reference_failures(
        "mentions", "fact_id", mentions["fact_id"], facts["fact_id"], rule="mention's fact exists"
    )
    failures += _reference_failures(
        "facts", "fact_id", facts["fact_id"], mentions["fact_id"], rule="every fact has a mention"
    )
    failures += _reference_failures(
        "conflicts", "fact_id", conflicts["fact_id"], facts["fact_id"], rule="conflict's fact exists"
    )
    if (mentions["char_end"] <= mentions["char_start"]).any():
        failures.append(Failure("mentions", "char_start < char_end", "char_end", "empty or reversed span"))
    failures += _span_failures(mentions, articles, (known_valid or {}).get("mentions"))
    failures += _story_failures(articles, facts, tables["stories"])
    contested = set(facts.loc[facts["status"] == "contested", "fact_id"])
    if contested != set(conflicts["fact_id"]):
        failures.append(
            Failure(
                "facts",
                "status is contested exactly for facts in conflicts",
                "status",
                str(sorted(contested ^ set(conflicts["fact_id"]))[:5]),
            )
        )
    if conflicts.duplicated(["conflict_id", "fact_id"]).any():
        failures.append(Failure("conflicts", "one row per (conflict, fact)", "conflict_id", "duplicate rows"))
    sizes = conflicts.groupby("conflict_id")["fact_id"].nunique()
    if (sizes < 2).any():
        failures.append(
            Failure(
                "conflicts",
                "a conflict joins at least two facts",
                "conflict_id",
                str(list(sizes[sizes < 2].index[:5])),
            )
        )
    return failures


def import_checks_without_hypothesis() -> None:
    """Import pandera's checks without hypothesis, unless this process has imported it already.

    Validation never synthesizes data, but pandera's checks import its strategies module, which imports
    hypothesis when it is installed (a test dependency), and hypothesis then loads every installed
    package's plugin (trio's imports pytest and collects garbage over the whole heap): 1 to 2 s of CPU a
    run spent before its first check. Hidden while pandera imports its strategies (which then know no
    hypothesis); importable again right after.
    """
    if PANDERA_STRATEGIES in sys.modules or "hypothesis" in sys.modules:
        return
    sys.modules["hypothesis"] = None  # type: ignore[assignment]  (an import of it raises ImportError)
    try:
        importlib.import_module(PANDERA_STRATEGIES)
    finally:
        del sys.modules["hypothesis"]


def validate_tables(
    tables: dict[str, pd.DataFrame], known_valid: dict[str, np.ndarray] | None = None
) -> dict[str, pd.DataFrame]:
    """Validate every table and the rules between them; return the tables unchanged when all hold.

    Args:
        tables: The tables of the contract.
        known_valid: Per table, one flag per row: True for a row that already passed this contract (the
            parent version, published by the same code, holds it unchanged:
            :mod:`factlake.validated_rows`). Those rows skip the per-row checks; the unique columns and
            the rules between tables still cover every row. None validates every row.

    Raises:
        ContractError: listing every violation found (models are validated lazily).
    """
    import_checks_without_hypothesis()
    missing = set(TABLES) - set(tables)
    if missing:
        raise ContractError([Failure(name, "table present", None, "missing") for name in sorted(missing)])
    known_valid = known_valid or {}
    failures = [
        failure for name in TABLES for failure in _table_failures(name, tables[name], known_valid.get(name))
    ]
    if not failures:
        failures = cross_table_failures(tables, known_valid)
    if failures:
        raise ContractError(failures)
    return tables
