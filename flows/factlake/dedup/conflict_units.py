"""Conflicts kept between builds: quantity facts fall into independent *conflict units*, and a unit whose
facts are those of the last build finds the conflicts it found then.

Two quantity facts can only be in one conflict (:mod:`factlake.dedup.conflicts`) when they have the same
measure and meet: they share a story (dated and recent claims), or both are explicitly dated, of a measure
that names the thing counted (not a dimension), and share a subject name (dated claims); and the headline
figure of an article is chosen among the facts of that article, which share its story. A conflict unit is
a connected part of the quantity facts of one measure linked by their stories and those subject names
(:func:`conflict_units`): coarser than what the rules compare (unit class, scope, month), so no conflict
spans two units, and a unit's conflicts depend on its facts and their mentions alone.

A unit is known by a hash of its facts' ids and of the block fingerprints they come from
(:func:`factlake.dedup.fact_blocks.block_fingerprints`: the block's canonical rows, hence its facts and
their mentions). A unit of the same hash as one of the last build has the same facts with the same
mentions, so its conflicts are taken as they were; only the units a change touched are searched again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from factlake.dedup.block_store import BLOCK_FIELD, ConflictRows
from factlake.dedup.fact_columns import FactColumns
from factlake.dedup.frames import CanonicalMentions
from factlake.dedup.units import DIMENSION_MEASURES

#: Separates the parts of a link's name.
_SEPARATOR = "\x1f"


def conflict_units(published: pd.DataFrame, facts: FactColumns, indexes: list[int]) -> dict[str, list[int]]:
    """The conflict units of the quantity facts at ``indexes`` (in ``facts``, which carry
    :data:`BLOCK_FIELD`), by hash: the indexes of each unit's facts.

    Args:
        published: The canonical frame's published rows, with ``fact_id``.
        facts: The build's facts.
        indexes: Indexes of the quantity facts.
    """
    if not indexes:
        return {}
    fact_ids = [facts["fact_id"][index] for index in indexes]
    measures = np.array([(facts["measure"][index] or "").lower().strip() for index in indexes], dtype=object)
    rows = published.loc[
        published["fact_id"].isin(fact_ids),
        ["fact_id", CanonicalMentions.story, CanonicalMentions.subject, "date_text"],
    ]
    fact_of_row = pd.Index(fact_ids).get_indexer(rows["fact_id"].to_numpy(dtype=object))
    measure_of_row = measures[fact_of_row]
    stories = rows[CanonicalMentions.story].astype(str).to_numpy(dtype=object)
    link_rows = [fact_of_row]
    link_names = [measure_of_row + (_SEPARATOR + "story" + _SEPARATOR) + stories]
    explicit = np.zeros(len(indexes), dtype=bool)
    explicit[fact_of_row[rows["date_text"].notna().to_numpy()]] = True
    named = explicit[fact_of_row] & ~pd.Series(measure_of_row).isin(DIMENSION_MEASURES).to_numpy()
    subject_facts, subject_names = [], []
    for fact, measure, names in zip(
        fact_of_row[named].tolist(),
        measure_of_row[named].tolist(),
        rows[CanonicalMentions.subject].to_numpy(dtype=object)[named].tolist(),
        strict=True,
    ):
        for name in names:
            subject_facts.append(fact)
            subject_names.append(f"{measure}{_SEPARATOR}subject{_SEPARATOR}{name}")
    link_rows.append(np.array(subject_facts, dtype=np.int64))
    link_names.append(np.array(subject_names, dtype=object))
    # A fact without a mention in the frame (none is expected) is a unit of its own.
    codes, _names = pd.factorize(np.concatenate(link_names))
    n_nodes = len(indexes) + len(_names)
    graph = sparse.coo_matrix(
        (np.ones(len(codes), dtype=np.int8), (np.concatenate(link_rows), len(indexes) + codes)),
        shape=(n_nodes, n_nodes),
    )
    _, labels = csgraph.connected_components(graph, directed=False)
    members: dict[int, list[int]] = {}
    for position, label in enumerate(labels[: len(indexes)].tolist()):
        members.setdefault(label, []).append(position)
    blocks = facts[BLOCK_FIELD]
    units = {}
    for positions in members.values():
        digest = hashlib.sha256()
        for text in sorted(
            f"{fact_ids[position]}{_SEPARATOR}{blocks[indexes[position]]}" for position in positions
        ):
            digest.update(text.encode())
            digest.update(b"\n")
        units[digest.hexdigest()] = [indexes[position] for position in positions]
    return units


def conflicts_by_unit(
    facts: FactColumns,
    published: pd.DataFrame,
    indexes: list[int],
    previous: ConflictRows,
    find: Callable[[list[int], pd.DataFrame], list[dict[str, Any]]],
) -> tuple[list[dict[str, Any]], ConflictRows]:
    """The conflict rows of the quantity facts at ``indexes``: those of units the last build had, as it
    found them (``previous``), and those ``find`` finds among the facts of the other units (their indexes
    in canonical order, and the rows of ``published`` of their mentions); and the state for the next
    build."""
    units = conflict_units(published, facts, indexes)
    state: ConflictRows = {}
    touched = [signature for signature in units if signature not in previous]
    unit_of_fact = {}
    for signature in touched:
        state[signature] = []
        for index in units[signature]:
            unit_of_fact[facts["fact_id"][index]] = signature
    touched_indexes = sorted(index for signature in touched for index in units[signature])
    if touched_indexes:
        involved = published[published["fact_id"].isin(unit_of_fact)]
        for row in find(touched_indexes, involved):
            state[unit_of_fact[row["fact_id"]]].append(row)
    for signature in units:
        if signature not in state:
            state[signature] = previous[signature]
    return [row for unit_rows in state.values() for row in unit_rows], state
