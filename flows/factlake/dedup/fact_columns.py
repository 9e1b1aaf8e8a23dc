"""Fact records held as columns: one list per field, one value per fact.

A build makes one record (a dict) per fact, as the kinds' statements and conflict rules read it, but
holds them as columns: a dict of about forty fields takes about a kilobyte, so half a million facts (a
million mentions) would take over half a GB as dicts, and about a third of that as columns. A field a
fact does not have is None in its column, which every reader of a record takes as missing (records are
read with ``get`` where a field may be missing, and the ``facts`` table makes both null).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: Fact records as columns: every field's values, one per fact, in one order.
FactColumns = dict[str, list[Any]]


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


def records(columns: FactColumns, indexes: Iterable[int]) -> list[dict[str, Any]]:
    """The facts at ``indexes`` as records (dicts with every field)."""
    names = list(columns)
    return [dict(zip(names, (columns[name][index] for name in names), strict=True)) for index in indexes]
