"""Persisted fact blocks held as Arrow columns: a build reads the state of the blocks it reuses at once.

:mod:`factlake.dedup.fact_blocks` says what a block is and why its output can be reused; this module
holds the outputs between builds. The state is one Arrow table with a row per block: its fingerprint,
its merges by rule and scopes (small JSON), the fact id of each of its mentions, and its facts, each fact
field a list column (``facts.<field>``: the block's values of that field). A build that reuses most
blocks takes their rows with one filter and flattens each field once, instead of decoding a document per
block; the next build's state is the reused rows and the rows of the blocks clustered again.

A fact field is stored in the Arrow type of its values (strings, booleans, integers, floats, dates, lists
of strings, tuples of integers), so every value is read back as the same Python value (NaN and infinities
included). A field whose values mix types, or are of another type, is stored as JSON text, value by value
(exact as well, slower). Fields written differently by two builds are joined through their Python values.

Subject names (:func:`factlake.dedup.frames.canonical_frame`) are a function of a sentence alone; they are
kept by sentence in a second file, so a build computes only those of sentences it has not seen.

Both files live in ``DIR/.cache``, keyed by the code fingerprint of the run, and are replaced atomically.
Like the other caches they only accelerate: a missing, unreadable or differently keyed file means
computing again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from factlake.cache import CACHE_DIR
from factlake.dedup.fact_columns import FactColumns
from factlake.keyed_cache import read_keyed_table, write_keyed_table

FACT_BLOCKS_FILE = "fact_blocks.parquet"
FACT_SUBJECTS_FILE = "fact_subjects.parquet"
FACT_CONFLICTS_FILE = "fact_conflicts.parquet"

#: Conflict rows (``conflicts`` columns) of conflict units, by the unit's hash.
ConflictRows = dict[str, list[dict[str, Any]]]

#: Schema metadata field holding a file's key.
_KEY_FIELD = b"factlake_fact_blocks_key"
#: Field metadata saying how a fact field is stored: ``plain`` (its Arrow type), ``tuple`` (a list read
#: back as a tuple) or ``json`` (JSON text per value).
_CODEC_FIELD = b"factlake_codec"
#: Prefix of the columns of fact fields.
_FACT_PREFIX = "facts."
#: Working field of the facts of :meth:`FactBlocks.output`: the fingerprint of each fact's block.
BLOCK_FIELD = "_block"


@dataclass
class BlockOutput:
    """What fact dedup made of one block.

    Attributes:
        facts: Its fact records as columns (:mod:`factlake.dedup.fact_columns`): the ``facts`` columns
            but ``status``, and the working fields conflicts read
            (:class:`factlake.dedup.frames.FactWorkingFields`).
        fact_ids: The fact id of each of its mentions, by ``mention_id`` (None: a mention of a group its
            kind does not publish).
        rules: Its merges by rule (``merges_by_rule`` of the manifest).
        scope: Its mentions joined to a fact within and across stories, by kind (absent when the block
            published no mention).
    """

    facts: FactColumns
    fact_ids: dict[str, str | None]
    rules: dict[str, int]
    scope: dict[str, dict[str, int]]


@dataclass
class FactBlocks:
    """Block outputs by block fingerprint, for one cache key.

    Attributes:
        key: The cache key (:func:`factlake.dedup.fact_blocks.fact_blocks_key`).
        table: One row per block (see the module docstring); None when there is none.
        subjects: Subject names by sentence (:func:`factlake.dedup.frames.canonical_frame`).
        conflicts: Conflict rows of every conflict unit, by its hash (:mod:`factlake.dedup.conflict_units`).
        reused: Blocks of this run taken from the cache.
        computed: Blocks of this run clustered again.
    """

    key: str
    table: pa.Table | None = None
    subjects: dict[str, frozenset[str]] = field(default_factory=dict)
    conflicts: ConflictRows = field(default_factory=dict)
    reused: int = 0
    computed: int = 0

    @property
    def fingerprints(self) -> set[str]:
        """The fingerprints of the blocks held."""
        return set() if self.table is None else set(self.table.column("fingerprint").to_pylist())

    def stats(self) -> dict[str, int]:
        """Counts for the manifest: blocks of the run, clustered again, taken from the cache."""
        return {"blocks": self.reused + self.computed, "computed": self.computed, "from_cache": self.reused}

    def kept(self, fingerprints: Iterable[str]) -> FactBlocks:
        """The blocks of ``fingerprints`` (those held), with this key and no subjects."""
        if self.table is None:
            return FactBlocks(self.key)
        wanted = pa.array(sorted(set(fingerprints)), pa.string())
        return FactBlocks(self.key, self.table.filter(pc.is_in(self.table.column("fingerprint"), wanted)))

    def output(self) -> BlockOutput:
        """The outputs of all blocks held as one: their facts one block after the other, their mentions'
        fact ids, and their merges and scopes summed (counts of zero kept, as each block's are)."""
        if self.table is None or not self.table.num_rows:
            return BlockOutput(facts={}, fact_ids={}, rules={}, scope={})
        table = self.table
        facts = {
            name[len(_FACT_PREFIX) :]: _decode(_flat(table.column(name)), table.schema.field(name))
            for name in table.column_names
            if name.startswith(_FACT_PREFIX)
        }
        if facts:
            fingerprints = table.column("fingerprint").to_numpy().astype(object)
            facts[BLOCK_FIELD] = np.repeat(fingerprints, _fact_counts(table)).tolist()
        fact_ids = dict(
            zip(
                _flat(table.column("mention_ids")).to_pylist(),
                _flat(table.column("mention_fact_ids")).to_pylist(),
                strict=True,
            )
        )
        rules: dict[str, int] = {}
        scope: dict[str, dict[str, int]] = {}
        for text in table.column("summary").to_pylist():
            summary = json.loads(text)
            for rule, count in summary["rules"].items():
                rules[rule] = rules.get(rule, 0) + count
            for kind, counts in summary["scope"].items():
                total = scope.setdefault(kind, {})
                for name, count in counts.items():
                    total[name] = total.get(name, 0) + count
        return BlockOutput(facts=facts, fact_ids=fact_ids, rules=rules, scope=scope)

    def with_outputs(
        self,
        outputs: Mapping[str, BlockOutput],
        facts: FactColumns | None = None,
        fact_blocks: list[str] | None = None,
    ) -> FactBlocks:
        """These blocks and the blocks of ``outputs`` (by fingerprint), rows in order of fingerprint.

        Args:
            outputs: Outputs of the blocks to add, by fingerprint.
            facts: The facts of all of them (their outputs' own facts are then not read), with
                ``fact_blocks``, the fingerprint of each fact's block. None: each output's own facts.
        """
        if facts is None or fact_blocks is None:
            facts, fact_blocks = _gathered(outputs)
        added = _blocks_table(outputs, facts, fact_blocks)
        tables = [table for table in (self.table, added) if table is not None and table.num_rows]
        if not tables:
            return FactBlocks(self.key, added, reused=self.reused, computed=self.computed)
        table = _concat(tables) if len(tables) > 1 else tables[0]
        table = table.sort_by("fingerprint")
        return FactBlocks(self.key, table, reused=self.reused, computed=self.computed)


def _gathered(outputs: Mapping[str, BlockOutput]) -> tuple[FactColumns, list[str]]:
    """The own facts of all ``outputs``, one block after the other, and the fingerprint of each."""
    counts = {name: _n_facts(output.facts) for name, output in outputs.items()}
    fields = dict.fromkeys(field for output in outputs.values() for field in output.facts)
    facts = {
        field: [
            value
            for name, output in outputs.items()
            for value in output.facts.get(field) or [None] * counts[name]
        ]
        for field in fields
    }
    return facts, [name for name, count in counts.items() for _ in range(count)]


def _flat(column: pa.ChunkedArray) -> pa.Array:
    """The values of a list column, the lists of one row after the other."""
    return column.combine_chunks().flatten() if column.num_chunks else pa.array([], column.type.value_type)


def _blocks_table(
    outputs: Mapping[str, BlockOutput], facts: FactColumns, fact_blocks: list[str]
) -> pa.Table | None:
    """The state rows of ``outputs`` (by fingerprint) and of their ``facts`` (``fact_blocks``: the
    fingerprint of each fact's block), a block's facts in their order in ``facts``."""
    if not outputs:
        return None
    fingerprints = sorted(outputs)
    columns: dict[str, pa.Array] = {
        "fingerprint": pa.array(fingerprints, pa.string()),
        "summary": pa.array(
            [
                json.dumps({"rules": outputs[name].rules, "scope": outputs[name].scope}, sort_keys=True)
                for name in fingerprints
            ],
            pa.string(),
        ),
    }
    mention_offsets = _offsets(len(outputs[name].fact_ids) for name in fingerprints)
    columns["mention_ids"] = pa.ListArray.from_arrays(
        mention_offsets,
        pa.array([mention for name in fingerprints for mention in outputs[name].fact_ids], pa.string()),
    )
    columns["mention_fact_ids"] = pa.ListArray.from_arrays(
        mention_offsets,
        pa.array([fact for name in fingerprints for fact in outputs[name].fact_ids.values()], pa.string()),
    )
    # Facts grouped by block (rows in order of fingerprint), each block's in their order.
    row_of_fact = pd.Index(fingerprints).get_indexer(pd.Index(fact_blocks, dtype=object))
    order = np.argsort(row_of_fact, kind="stable").tolist()
    fact_offsets = _offsets(np.bincount(row_of_fact, minlength=len(fingerprints)).tolist())
    schema_fields = [pa.field(name, columns[name].type) for name in columns]
    for name, values in facts.items():
        array, codec = _encode([values[index] for index in order])
        column = pa.ListArray.from_arrays(fact_offsets, array)
        columns[_FACT_PREFIX + name] = column
        schema_fields.append(pa.field(_FACT_PREFIX + name, column.type, metadata={_CODEC_FIELD: codec}))
    return pa.Table.from_arrays(list(columns.values()), schema=pa.schema(schema_fields))


def _n_facts(columns: FactColumns) -> int:
    return len(next(iter(columns.values()))) if columns else 0


def _offsets(counts: Iterable[int]) -> pa.Array:
    return pa.array(
        np.concatenate([[0], np.cumsum(list(counts), dtype=np.int64)]).astype(np.int32), pa.int32()
    )


#: Arrow types of Python values stored as they are.
_PLAIN_TYPES: dict[type, pa.DataType] = {
    str: pa.string(),
    bool: pa.bool_(),
    int: pa.int64(),
    float: pa.float64(),
    dt.date: pa.date32(),
}


def _encode(values: list[Any]) -> tuple[pa.Array, bytes]:
    """One fact field's values as an Arrow array and the codec that reads them back exactly."""
    values = [value.item() if isinstance(value, np.generic) else value for value in values]
    kinds = {type(value) for value in values if value is not None}
    if not kinds:
        # As strings, not Arrow's null type (whose lists do not survive Parquet and a cast together).
        return pa.nulls(len(values), pa.string()), b"plain"
    if len(kinds) == 1:
        (kind,) = kinds
        if kind in _PLAIN_TYPES and _fits(values, kind):
            return pa.array(values, _PLAIN_TYPES[kind], from_pandas=False), b"plain"
        if kind is list and all(type(item) is str for value in values if value is not None for item in value):
            return pa.array(values, pa.list_(pa.string())), b"plain"
        if (
            kind is tuple
            and all(type(item) is int for value in values if value is not None for item in value)
            and _fits([item for value in values if value is not None for item in value], int)
        ):
            return pa.array(
                [None if value is None else list(value) for value in values], pa.list_(pa.int64())
            ), b"tuple"
    return pa.array([None if value is None else _json(value) for value in values], pa.string()), b"json"


def _fits(values: list[Any], kind: type) -> bool:
    """Whether ``values`` of ``kind`` survive its Arrow type: integers of 64 bits, plain dates."""
    if kind is int:
        return all(-(2**63) <= value < 2**63 for value in values if value is not None)
    return True


def _decode(array: pa.Array, arrow_field: pa.Field) -> list[Any]:
    """The Python values of one stored fact field (see :func:`_encode`)."""
    codec = (arrow_field.metadata or {}).get(_CODEC_FIELD, b"plain")
    values = _python_values(array)
    if codec == b"tuple":
        return [None if value is None else tuple(value) for value in values]
    if codec == b"json":
        return [None if value is None else json.loads(value, object_hook=_decode_value) for value in values]
    return values


def _python_values(array: pa.Array) -> list[Any]:
    """``array.to_pylist()``; dates through NumPy, one object per distinct day (fifteen times faster, and a
    few thousand days make hundreds of thousands of facts' dates)."""
    if not pa.types.is_date32(array.type):
        return array.to_pylist()
    days = array.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)
    distinct, codes = np.unique(days, return_inverse=True)
    dates = np.array([_DAY_ZERO + dt.timedelta(days=int(day)) for day in distinct.tolist()], dtype=object)
    values = dates[codes]
    values[np.asarray(array.is_null())] = None
    return values.tolist()


#: Day zero of Arrow's ``date32``.
_DAY_ZERO = dt.date(1970, 1, 1)


def _json(value: Any) -> str:
    return json.dumps(value, default=_encode_value, ensure_ascii=False, separators=(",", ":"))


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot persist {type(value).__name__} in a fact block")


def _decode_value(value: dict[str, Any]) -> Any:
    if len(value) == 1 and "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    return value


def _concat(tables: list[pa.Table]) -> pa.Table:
    """Block rows of several tables as one; a fact field stored differently by two of them is joined
    through its Python values (a field one lacks is null there)."""
    names = list(dict.fromkeys(name for table in tables for name in table.column_names))
    columns, fields = [], []
    for name in names:
        present = [table for table in tables if name in table.column_names]
        kinds = {
            (_type_key(table.schema.field(name).type), _codec(table.schema.field(name))) for table in present
        }
        if len(present) == len(tables) and len(kinds) == 1:
            # Types equal but for the names of list items (Parquet names them ``element``).
            target = tables[0].schema.field(name)
            chunks = [chunk.cast(target.type) for table in tables for chunk in table.column(name).chunks]
            columns.append(pa.chunked_array(chunks, target.type))
            fields.append(target)
            continue
        if not name.startswith(_FACT_PREFIX):
            raise ValueError(f"block tables differ in column {name}")
        counts, values = [], []
        for table in tables:
            if name in table.column_names:
                column = table.column(name)
                counts.extend(
                    pc.list_value_length(column).fill_null(0).to_numpy(zero_copy_only=False).tolist()
                )
                values.extend(_decode(_flat(column), table.schema.field(name)))
            else:
                lengths = _fact_counts(table)
                counts.extend(lengths.tolist())
                values.extend([None] * int(lengths.sum()))
        array, codec = _encode(values)
        column = pa.ListArray.from_arrays(_offsets(counts), array)
        columns.append(pa.chunked_array([column]))
        fields.append(pa.field(name, column.type, metadata={_CODEC_FIELD: codec}))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _type_key(kind: pa.DataType) -> str:
    """An Arrow type written without the names of list items."""
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"list<{_type_key(kind.value_type)}>"
    return str(kind)


def _codec(arrow_field: pa.Field) -> bytes:
    return (arrow_field.metadata or {}).get(_CODEC_FIELD, b"")


def _fact_counts(table: pa.Table) -> np.ndarray:
    """The number of facts of every block row of ``table`` (the length of any fact field)."""
    for name in table.column_names:
        if name.startswith(_FACT_PREFIX):
            return pc.list_value_length(table.column(name)).fill_null(0).to_numpy(zero_copy_only=False)
    return np.zeros(table.num_rows, dtype=np.int64)


def load_fact_blocks(dataset: Path, key: str) -> FactBlocks:
    """The persisted block outputs and subject names of a dataset for ``key`` (none when missing,
    unreadable or keyed otherwise; either file alone is used when only it is right)."""
    directory = dataset / CACHE_DIR
    table = read_keyed_table(directory / FACT_BLOCKS_FILE, _KEY_FIELD, key)
    if table is not None and not set(_BLOCK_COLUMNS) <= set(table.column_names):
        table = None  # keyed right but written otherwise: never read
    blocks = FactBlocks(key, table)
    subjects = read_keyed_table(directory / FACT_SUBJECTS_FILE, _KEY_FIELD, key)
    if subjects is not None:
        try:
            blocks.subjects = dict(
                zip(
                    subjects.column("sentence").to_pylist(),
                    map(frozenset, subjects.column("names").to_pylist()),
                    strict=True,
                )
            )
        except (KeyError, pa.ArrowException, ValueError, TypeError):
            blocks.subjects = {}
    conflicts = read_keyed_table(directory / FACT_CONFLICTS_FILE, _KEY_FIELD, key)
    if conflicts is not None:
        try:
            blocks.conflicts = _conflict_rows(conflicts)
        except (KeyError, pa.ArrowException, ValueError, TypeError):
            blocks.conflicts = {}
    return blocks


def _conflict_rows(table: pa.Table) -> ConflictRows:
    """Conflict rows by unit from their table (a unit without conflicts is one row without a fact)."""
    rows: ConflictRows = {}
    values = _decode(table.column("value").combine_chunks(), table.schema.field("value"))
    for unit, conflict_id, fact_id, value, description in zip(
        table.column("unit").to_pylist(),
        table.column("conflict_id").to_pylist(),
        table.column("fact_id").to_pylist(),
        values,
        table.column("description").to_pylist(),
        strict=True,
    ):
        unit_rows = rows.setdefault(unit, [])
        if fact_id is not None:
            unit_rows.append(
                {"conflict_id": conflict_id, "fact_id": fact_id, "value": value, "description": description}
            )
    return rows


def _conflicts_table(conflicts: ConflictRows) -> pa.Table:
    """The table :func:`_conflict_rows` reads."""
    units, ids, fact_ids, values, descriptions = [], [], [], [], []
    for unit in sorted(conflicts):
        for row in conflicts[unit] or [
            {"conflict_id": None, "fact_id": None, "value": None, "description": None}
        ]:
            units.append(unit)
            ids.append(row["conflict_id"])
            fact_ids.append(row["fact_id"])
            values.append(row["value"])
            descriptions.append(row["description"])
    value_array, codec = _encode(values)
    return pa.Table.from_arrays(
        [
            pa.array(units, pa.string()),
            pa.array(ids, pa.string()),
            pa.array(fact_ids, pa.string()),
            value_array,
            pa.array(descriptions, pa.string()),
        ],
        schema=pa.schema(
            [
                pa.field("unit", pa.string()),
                pa.field("conflict_id", pa.string()),
                pa.field("fact_id", pa.string()),
                pa.field("value", value_array.type, metadata={_CODEC_FIELD: codec}),
                pa.field("description", pa.string()),
            ]
        ),
    )


def save_fact_blocks(dataset: Path, blocks: FactBlocks) -> None:
    """Replace the dataset's block outputs and subject names with those of ``blocks`` (the latest
    build's), each file atomically."""
    directory = dataset / CACHE_DIR
    table = blocks.table if blocks.table is not None else _blocks_table({"": _EMPTY}, {}, []).slice(0, 0)
    write_keyed_table(directory / FACT_BLOCKS_FILE, table, _KEY_FIELD, blocks.key)
    sentences = sorted(blocks.subjects)
    subjects = pa.table(
        {
            "sentence": pa.array(sentences, pa.string()),
            "names": pa.array(
                [sorted(blocks.subjects[sentence]) for sentence in sentences], pa.list_(pa.string())
            ),
        }
    )
    write_keyed_table(directory / FACT_SUBJECTS_FILE, subjects, _KEY_FIELD, blocks.key)
    write_keyed_table(
        directory / FACT_CONFLICTS_FILE, _conflicts_table(blocks.conflicts), _KEY_FIELD, blocks.key
    )


#: Columns every state table has, besides fact fields.
_BLOCK_COLUMNS = ("fingerprint", "summary", "mention_ids", "mention_fact_ids")
_EMPTY = BlockOutput(facts={}, fact_ids={}, rules={}, scope={})
