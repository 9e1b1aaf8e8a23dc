"""Validation of a new version's new and changed rows only: the rows its parent holds unchanged passed
the same contract when the parent was published (:mod:`factlake.validated_rows`)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import tests.test_stages_without_prefect as stages
from factlake import assemble, publish
from factlake.config import DEFAULT_SOURCE, FactlakeConfig
from factlake.reference import Reference
from factlake.validated_rows import (
    known_valid_rows,
    load_validated,
    save_validated,
    table_fingerprints,
)
from schemas.contract import PANDERA_STRATEGIES, ContractError, validate_tables

CHESS = (
    "Carlsen keeps his title\n\nChess grandmaster Magnus Carlsen defended his world title in Manhattan "
    'against Sergey Karjakin on Wednesday. "I am very happy with the result," Carlsen told reporters. '
    "The final match drew 10 million viewers online, the organisers said.\n"
)


@pytest.fixture(scope="module")
def second_run(tmp_path_factory: pytest.TempPathFactory, reference: Reference, nlp: Any) -> dict[str, Any]:
    """A seed version, then the tables of a second run that adds one article, as validation sees them;
    the fingerprints of the first run's validated rows went through the dataset's record of them."""
    root = tmp_path_factory.mktemp("validated")
    source = root / "articles"
    shutil.copytree(DEFAULT_SOURCE, source)
    config = replace(FactlakeConfig(), sources=(source,), dataset=root / "news")
    code_sha256 = assemble.code_fingerprint(config, reference)
    seen: list[dict[str, pd.DataFrame]] = []

    def validate_and_keep(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        seen.append(tables)
        return validate_tables(tables)

    patch = pytest.MonkeyPatch()
    patch.setattr(stages, "validate_tables", validate_and_keep)
    try:
        stages.build_and_publish(config, reference, nlp)
        save_validated(config.dataset, code_sha256, table_fingerprints(seen[0]))
        (source / "chess.txt").write_text(CHESS, encoding="utf-8")
        stages.build_and_publish(config, reference, nlp)
    finally:
        patch.undo()
    first = publish.resolve_version(config.dataset, 1)
    validated = load_validated(config.dataset, code_sha256)
    return {"tables": seen[1], "validated": validated, "first": first, "config": config, "code": code_sha256}


def known_rows(tables: dict[str, pd.DataFrame], second_run: dict[str, Any]) -> dict[str, np.ndarray]:
    """The rows of ``tables`` that the first run validated."""
    return known_valid_rows(table_fingerprints(tables), second_run["validated"])


def test_the_rows_the_parent_holds_unchanged_are_known_and_the_new_ones_are_not(
    second_run: dict[str, Any],
) -> None:
    tables, first = second_run["tables"], second_run["first"]
    known = known_rows(tables, second_run)
    assert set(known) == {name for name, frame in tables.items() if len(frame)}  # the seeds reject nothing
    articles = tables["articles"]
    chess = (articles["source_uri"] == "chess.txt").to_numpy()
    assert not known["articles"][chess].any()
    # the seed articles are unchanged: their first version, stories and dates carried over
    assert known["articles"][~chess].all()
    mentions = tables["mentions"]
    of_chess = mentions["article_id"].isin(articles.loc[chess, "article_id"]).to_numpy()
    assert of_chess.any() and not known["mentions"][of_chess].any()
    assert known["mentions"].sum() > 0
    parent_mentions = publish.read_table(first, "mentions")
    assert set(mentions.loc[known["mentions"], "mention_id"]) <= set(parent_mentions["mention_id"])
    # a known row is the parent's row in every column, not only by id
    merged = mentions[known["mentions"]].merge(parent_mentions, on="mention_id", suffixes=("", "_parent"))
    for column in ("fact_id", "text", "char_start", "char_end", "fact_type"):
        assert merged[column].equals(merged[f"{column}_parent"]), column


def test_validation_with_known_rows_returns_the_tables_unchanged(second_run: dict[str, Any]) -> None:
    tables = second_run["tables"]
    known = known_rows(tables, second_run)
    validated = validate_tables(tables, known)
    assert all(validated[name] is tables[name] for name in tables)


def test_tables_whose_every_row_is_known_pass(second_run: dict[str, Any]) -> None:
    """A run that only removes an article changes no row of some tables: their per-row checks then see
    one row (pandera fails an empty frame's object columns of strings on their dtype)."""
    tables = second_run["tables"]
    everything = {name: np.ones(len(frame), dtype=bool) for name, frame in tables.items()}
    assert validate_tables(tables, everything) is tables


def test_a_changed_row_is_no_longer_known_and_is_validated(second_run: dict[str, Any]) -> None:
    tables = {name: frame.copy() for name, frame in second_run["tables"].items()}
    articles = tables["articles"]
    seed_row = int(np.flatnonzero((articles["source_uri"] != "chess.txt").to_numpy())[0])
    articles.loc[articles.index[seed_row], "title"] = ""  # breaks str_length >= 1
    known = known_rows(tables, second_run)
    assert not known["articles"][seed_row]
    with pytest.raises(ContractError, match=r"articles\.title"):
        validate_tables(tables, known)


def test_a_new_row_repeating_a_known_rows_id_breaks_uniqueness(second_run: dict[str, Any]) -> None:
    tables = {name: frame.copy() for name, frame in second_run["tables"].items()}
    known = known_rows(tables, second_run)
    mentions = tables["mentions"]
    new_rows, old_rows = np.flatnonzero(~known["mentions"]), np.flatnonzero(known["mentions"])
    mentions.loc[mentions.index[new_rows[0]], "mention_id"] = mentions["mention_id"].iloc[old_rows[0]]
    known = known_rows(tables, second_run)
    with pytest.raises(ContractError, match=r"mentions\.mention_id: field_uniqueness"):
        validate_tables(tables, known)


def test_a_broken_span_in_a_new_mention_is_found(second_run: dict[str, Any]) -> None:
    tables = {name: frame.copy() for name, frame in second_run["tables"].items()}
    known = known_rows(tables, second_run)
    mentions = tables["mentions"]
    new_row = mentions.index[np.flatnonzero(~known["mentions"])[0]]
    mentions.loc[new_row, "char_start"] = mentions.loc[new_row, "char_start"] + 1
    known = known_rows(tables, second_run)
    with pytest.raises(ContractError, match="text == body"):
        validate_tables(tables, known)


def test_rows_validated_by_other_code_are_not_known(second_run: dict[str, Any], tmp_path: Path) -> None:
    dataset = second_run["config"].dataset
    assert load_validated(dataset, "other code") == {}
    assert {"articles", "mentions", "facts"} <= set(load_validated(dataset, second_run["code"]))
    assert load_validated(tmp_path / "no-dataset", second_run["code"]) == {}
    save_validated(tmp_path, "other code", table_fingerprints(second_run["tables"]))
    assert load_validated(tmp_path, second_run["code"]) == {}


def test_validation_checks_rows_without_importing_hypothesis(
    second_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's process has not imported hypothesis (a test dependency): validation does not import it,
    and still checks every row; hypothesis is importable again afterwards."""
    for name in list(sys.modules):
        if name.split(".")[0] == "hypothesis" or name.startswith("pandera.strategies"):
            monkeypatch.delitem(sys.modules, name)
    tables = second_run["tables"]
    assert validate_tables(tables) is tables
    assert "hypothesis" not in sys.modules
    assert sys.modules[PANDERA_STRATEGIES].HAS_HYPOTHESIS is False
    broken = {**tables, "articles": tables["articles"].assign(title="")}
    with pytest.raises(ContractError, match=r"articles\.title"):
        validate_tables(broken)
    assert importlib.util.find_spec("hypothesis") is not None
