"""Fact records held as columns: one list per field, one value per fact.

A build makes one record (a dict) per fact, as the kinds' statements read it, but holds them as
columns: a dict of about forty fields takes about a kilobyte, so half a million facts (a million
mentions) would take over half a GB as dicts, and about a third of that as columns. The conflict rules
read :class:`FactRecord` views of the columns. A field a fact does not have is None in its column, which
every reader of a record takes as missing (records are read with ``get`` where a field may be missing,
and the ``facts`` table makes both null).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any

import numpy as np

#: Fact records as columns: every field's values, one per fact, in one order.
FactColumns = dict[str, list[Any]]


def shared_floats(values: np.ndarray) -> list[float]:
    """The floats of ``values`` as a list in which equal values are one Python object.

    ``tolist`` makes a float object (24 bytes) per fact; facts share a few thousand values (confidences,
    bounds, NaN for every fact without one), so a column of half a million facts takes a pointer per
    fact instead. Values are told apart by their bits, so ``-0.0`` stays apart from ``0.0`` and every
    value reads back exactly as given.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    bits, codes = np.unique(values.view(np.int64), return_inverse=True)
    distinct = np.empty(len(bits), dtype=object)
    distinct[:] = bits.view(np.float64).tolist()
    return distinct[codes.reshape(-1)].tolist()


def shared_tuples(values: Iterable[tuple[Any, ...] | None]) -> list[tuple[Any, ...] | None]:
    """``values`` (tuples of ints, such as periods, or None) with equal tuples as one object."""
    shared: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    return [value if value is None else shared.setdefault(value, value) for value in values]


def shared_lists(values: Iterable[list[Hashable]]) -> list[list[Hashable]]:
    """``values`` (lists of strings, such as a fact's sources) with equal lists as one list object.

    The lists are never changed once made (the ``facts`` table reads them), so facts of one outlet share
    one list instead of holding a list each.
    """
    shared: dict[tuple[Hashable, ...], list[Hashable]] = {}
    return [shared.setdefault(tuple(value), value) for value in values]


def n_facts(columns: FactColumns) -> int:
    """The number of facts ``columns`` holds."""
    return len(next(iter(columns.values()))) if columns else 0


def append(columns: FactColumns, fact: Mapping[str, Any]) -> None:
    """Add the record ``fact`` as the last fact of ``columns`` (a field new to ``columns`` is None for the
    facts before it; a field ``fact`` lacks is None for it)."""
    if not fact.keys() <= columns.keys():
        count = n_facts(columns)
        for name in fact:
            if name not in columns:
                columns[name] = [None] * count
    for name, values in columns.items():
        values.append(fact.get(name))


def take(columns: FactColumns, indexes: Sequence[int]) -> FactColumns:
    """The facts at ``indexes`` (in that order)."""
    return {name: [values[index] for index in indexes] for name, values in columns.items()}


def concat(pieces: Iterable[FactColumns]) -> FactColumns:
    """The facts of every piece, one piece after the other; each piece is emptied as it is read, so that
    a field is held twice at most while it is copied."""
    pieces = [piece for piece in pieces if n_facts(piece)]
    if len(pieces) == 1:
        return pieces[0]
    names = list(dict.fromkeys(name for piece in pieces for name in piece))
    counts = [n_facts(piece) for piece in pieces]
    joined: FactColumns = {}
    for name in names:
        values: list[Any] = []
        for piece, count in zip(pieces, counts, strict=True):
            values.extend(piece.pop(name, None) or [None] * count)
        joined[name] = values
    return joined


def records(columns: FactColumns, indexes: Iterable[int]) -> list[FactRecord]:
    """The facts at ``indexes`` as records (:class:`FactRecord`: every field, read from ``columns``).

    The fields the records are given are kept apart from ``columns``, as columns shared by these records
    (one list per field written, one value per record), not as a dict per record.
    """
    indexes = list(indexes)
    written = _Written(len(indexes))
    return [FactRecord(columns, index, written, number) for number, index in enumerate(indexes)]


#: The value of a field not written to a record (a written field may be None).
_UNWRITTEN = object()


class _Written:
    """Fields written to some records (:func:`records`), as columns: one list per field, one value per
    record (:data:`_UNWRITTEN` where a record was not given that field)."""

    __slots__ = ("count", "fields")

    def __init__(self, count: int) -> None:
        self.count = count
        self.fields: dict[str, list[Any]] = {}

    def set(self, name: str, number: int, value: Any) -> None:
        """Write ``value`` as field ``name`` of record ``number``."""
        values = self.fields.get(name)
        if values is None:
            values = self.fields[name] = [_UNWRITTEN] * self.count
        values[number] = value


class FactRecord(MutableMapping[str, Any]):
    """One fact of fact columns, read and written as a dict.

    Fields are read from the columns; a field written (a working field a conflict rule adds) is kept
    apart, in columns shared by the records made together (:func:`records`), and never changes the fact
    columns. A record takes about a tenth of a dict of all fields, and writing a few fields to each of
    hundreds of thousands of records (conflicts) adds a pointer per field and record, not a dict each.
    """

    __slots__ = ("_columns", "_index", "_number", "_written")

    def __init__(
        self, columns: FactColumns, index: int, written: _Written | None = None, number: int = 0
    ) -> None:
        self._columns = columns
        self._index = index
        self._written = written
        self._number = number

    def __getitem__(self, name: str) -> Any:
        if self._written is not None:
            written = self._written.fields.get(name)
            if written is not None:
                value = written[self._number]
                if value is not _UNWRITTEN:
                    return value
        return self._columns[name][self._index]

    def get(self, name: str, default: Any = None) -> Any:
        """The field ``name``, ``default`` when the record has no such field."""
        try:
            return self[name]
        except KeyError:
            return default

    def __setitem__(self, name: str, value: Any) -> None:
        if self._written is None:
            self._written, self._number = _Written(1), 0
        self._written.set(name, self._number, value)

    def __delitem__(self, name: str) -> None:
        raise TypeError("fields of a fact record cannot be removed")

    def _own(self) -> list[str]:
        """The fields written to this record that the columns lack."""
        if self._written is None:
            return []
        number = self._number
        return [
            name
            for name, values in self._written.fields.items()
            if name not in self._columns and values[number] is not _UNWRITTEN
        ]

    def __iter__(self) -> Iterator[str]:
        yield from self._columns
        yield from self._own()

    def __len__(self) -> int:
        return len(self._columns) + len(self._own())
