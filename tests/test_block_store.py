"""The persisted state of fact blocks (:mod:`factlake.dedup.block_store`): every fact field reads back as
the same Python values, fields stored differently by two builds join, and a file of another layout or key
is never read."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from factlake.cache import CACHE_DIR
from factlake.dedup.block_store import (
    FACT_BLOCKS_FILE,
    FACT_SUBJECTS_FILE,
    BlockOutput,
    FactBlocks,
    load_fact_blocks,
    save_fact_blocks,
)

KEY = "key"


def output(facts: dict, fact_ids: dict | None = None, rules: dict | None = None) -> BlockOutput:
    return BlockOutput(facts=facts, fact_ids=fact_ids or {}, rules=rules or {}, scope={})


def typed(values: list) -> list:
    """Values with their types (NaN written so that it equals itself)."""
    return [
        [type(value).__name__, "NaN" if isinstance(value, float) and math.isnan(value) else value]
        for value in values
    ]


FIELDS = {
    "text": ["a", None, "c"],
    "flag": [True, False, None],
    "count": [1, None, 2**62],
    "number": [math.nan, -math.inf, 1.5],
    "day": [dt.date(2022, 9, 1), None, dt.date(1987, 3, 2)],
    "names": [["x", "y"], [], None],
    "_period": [(738764, 738794), None, (1, 2)],
    "mixed": [1, 2.5, "three"],
    "nothing": [None, None, None],
    "numpy": [np.float64(2.0), np.int64(3).item() * 1.0, None],
}


def test_every_field_reads_back_as_the_same_python_values(tmp_path: Path) -> None:
    blocks = FactBlocks(KEY).with_outputs(
        {
            "b": output(FIELDS, {"m1": "f1", "m2": None}, {"quote_identical": 0, "x": 2}),
            "a": output({"text": ["d"]}, {"m3": "f3"}, {"x": 1}),
        }
    )
    save_fact_blocks(tmp_path, blocks)
    loaded = load_fact_blocks(tmp_path, KEY)
    decoded = loaded.output()
    # Rows in order of fingerprint: block "a" first; a field block "a" lacks is None for its fact.
    for name, values in FIELDS.items():
        expected = [
            None if name != "text" else "d",
            *[v.item() if isinstance(v, np.generic) else v for v in values],
        ]
        assert typed(decoded.facts[name]) == typed(expected), name
    assert decoded.fact_ids == {"m3": "f3", "m1": "f1", "m2": None}
    # Rules summed over the blocks, a count of zero kept as a block keeps it.
    assert decoded.rules == {"quote_identical": 0, "x": 3}
    schema = pq.read_schema(tmp_path / CACHE_DIR / FACT_BLOCKS_FILE)
    assert schema.field("facts.mixed").metadata[b"factlake_codec"] == b"json"
    assert schema.field("facts.day").type == pa.list_(pa.date32())


def test_kept_blocks_and_new_ones_join_when_a_field_is_stored_differently() -> None:
    first = FactBlocks(KEY).with_outputs(
        {
            "0": output({"value": [0], "names": [["z"]]}),
            "a": output({"value": [1, 2], "names": [["x", "y"], None]}),
            "b": output({"value": [3], "names": [[]]}),
        }
    )
    # The next build: "a" is reused, "c" is new and its values are floats, so the field's type differs.
    joined = first.kept(["a"]).with_outputs({"c": output({"value": [4.5], "extra": ["e"]})})
    assert joined.fingerprints == {"a", "c"}
    facts = joined.output().facts
    assert typed(facts["value"]) == typed([1, 2, 4.5])
    assert facts["extra"] == [None, None, "e"]
    assert facts["names"] == [["x", "y"], None, None]
    assert first.kept(["b", "a"]).output().facts["names"] == [["x", "y"], None, []]
    assert joined.kept(["c"]).output().facts["value"] == [4.5]


def test_subject_names_are_kept_by_sentence(tmp_path: Path) -> None:
    blocks = FactBlocks(
        KEY, subjects={"Exports rose in Japan.": frozenset({"Japan"}), "No names.": frozenset()}
    )
    save_fact_blocks(tmp_path, blocks)
    assert load_fact_blocks(tmp_path, KEY).subjects == blocks.subjects
    assert load_fact_blocks(tmp_path, "other").subjects == {}
    assert (tmp_path / CACHE_DIR / FACT_SUBJECTS_FILE).exists()


def test_a_file_of_the_previous_layout_is_never_read(tmp_path: Path) -> None:
    """A state written with one JSON document per block (block version 3), even under the current key,
    is ignored: every block is clustered again."""
    (tmp_path / CACHE_DIR).mkdir()
    old = pa.table(
        {
            "fingerprint": ["f"],
            "output": [json.dumps({"facts": {}, "fact_ids": {}, "rules": {}, "scope": {}})],
        }
    ).replace_schema_metadata({b"factlake_fact_blocks_key": KEY.encode()})
    pq.write_table(old, tmp_path / CACHE_DIR / FACT_BLOCKS_FILE)
    loaded = load_fact_blocks(tmp_path, KEY)
    assert loaded.fingerprints == set()
    assert loaded.output().facts == {}


def test_an_empty_state_is_saved_and_read(tmp_path: Path) -> None:
    save_fact_blocks(tmp_path, FactBlocks(KEY))
    assert load_fact_blocks(tmp_path, KEY).fingerprints == set()
