"""The data contract: a valid and an invalid frame per table, and the cross-table rules."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from factlake.errors import FactlakeError
from schemas.contract import ContractError, validate_tables
from schemas.tables import TABLES
from tests.factories import valid_tables


@pytest.mark.parametrize("table", list(TABLES))
def test_valid_frame_passes(table: str) -> None:
    TABLES[table].validate(valid_tables()[table], lazy=True)


INVALID_CHANGES = {
    "articles": ("date_source", "guessed"),
    "mentions": ("fact_type", "rumour"),
    "facts": ("status", "probably"),
    "entities": ("aliases", "Putin"),
    "conflicts": ("fact_id", "not-an-id"),
    "stories": ("top_entities", "Vladimir Putin"),
    "rejects": ("stage", "nowhere"),
}


@pytest.mark.parametrize("table", list(TABLES))
def test_invalid_frame_fails(table: str) -> None:
    frame = valid_tables()[table]
    if frame.empty:
        frame = pd.DataFrame(
            [{"conflict_id": "0" * 16, "fact_id": "0" * 16, "value": 1.0, "description": "x"}]
        ).astype({"conflict_id": "str", "fact_id": "str", "description": "str"})
    column, bad_value = INVALID_CHANGES[table]
    frame = frame.astype({column: "object"})
    frame.loc[frame.index[0], column] = bad_value
    with pytest.raises(pa.errors.SchemaErrors):
        TABLES[table].validate(frame, lazy=True)


def test_every_field_has_a_description() -> None:
    for name, model in TABLES.items():
        for column_name, column in model.to_schema().columns.items():
            assert column.description, f"{name}.{column_name} has no description"


def test_strict_rejects_extra_columns() -> None:
    frame = valid_tables()["facts"].assign(extra=1)
    with pytest.raises(pa.errors.SchemaErrors):
        TABLES["facts"].validate(frame, lazy=True)


def test_whole_dataset_passes() -> None:
    validate_tables(valid_tables())


def test_span_must_slice_the_body() -> None:
    tables = valid_tables()
    tables["mentions"].loc[0, "char_start"] += 1
    with pytest.raises(ContractError, match=r"body\[char_start:char_end\]"):
        validate_tables(tables)


def test_mention_must_reference_an_existing_fact() -> None:
    tables = valid_tables()
    tables["mentions"].loc[0, "fact_id"] = "f" * 16
    with pytest.raises(ContractError, match="mention's fact exists"):
        validate_tables(tables)


def test_duplicate_ids_fail() -> None:
    tables = valid_tables()
    tables["articles"].loc[1, "article_id"] = tables["articles"].loc[0, "article_id"]
    with pytest.raises(ContractError):
        validate_tables(tables)


def test_contested_facts_need_a_conflict() -> None:
    tables = valid_tables()
    tables["facts"].loc[0, "status"] = "contested"
    with pytest.raises(ContractError, match="contested"):
        validate_tables(tables)


def test_all_failures_are_collected() -> None:
    tables = valid_tables()
    tables["facts"].loc[0, "status"] = "probably"
    tables["rejects"].loc[0, "stage"] = "nowhere"
    with pytest.raises(ContractError) as caught:
        validate_tables(tables)
    assert {failure.table for failure in caught.value.failures} == {"facts", "rejects"}
    # the command line reports factlake's own errors as one line
    assert isinstance(caught.value, FactlakeError)
