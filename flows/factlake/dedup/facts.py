"""Fact identity: cluster mentions into facts, count corroboration, find conflicting numbers.

Every mention is first given a place in the *canonical order* (:func:`factlake.dedup.frames.canonical_frame`):
its article's publication date (unknown dates last), then ``article_id``, ``char_start``, ``char_end`` and
``mention_id``. The earliest mention of a fact is its representative, and the fact id is the
representative's: ``stable_id(fact_type, mention_id)`` (:func:`_fact_ids`). It depends on which mentions
the fact has, never on what they say once linked and normalized, so a fact keeps its id when an actor's
or speaker's canonical name changes with new articles ("Donald Trump" becomes "Trump"), when its period,
place or wording is normalized differently, or when its other mentions change: its mentions keep their
``fact_id`` and a new version rewrites only the rows that really changed.

A new article published later than the existing ones therefore never changes an existing fact's id: its
mentions sort after the representative. Limits: a backfilled article published *earlier* than a fact's
representative takes over the representative (and the id); a new mention that bridges two existing facts
merges them into the one with the earlier representative. The kinds are listed in
:data:`factlake.kinds.FACT_KINDS`, each in ``factlake.dedup.<kind>``.

Each kind clusters its own mentions (:meth:`factlake.kinds.FactKind.cluster`) and never compares across
its blocks (speaker for quotes, measure and unit class and year for quantities, action and year for
events), so no fact spans two kinds or speakers. Identical mentions are grouped first with vectorized
pandas operations; only the distinct variants are compared. Conflicting numbers:
:mod:`factlake.dedup.conflicts`.

Given the blocks of the previous build (:mod:`factlake.dedup.fact_blocks`), a build clusters only the
blocks whose rows changed and reuses the others' facts (fact ids come from mention ids, so they are unique
across blocks); conflicts are searched again only in the conflict units a change touched
(:mod:`factlake.dedup.conflict_units`), in canonical order as a build of everything does, and statuses
are found over all facts, so the result is the same.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from factlake.config import DedupConfig
from factlake.dedup import fact_columns
from factlake.dedup._memory import release_freed_memory
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.block_store import BLOCK_FIELD, BlockOutput, ConflictRows, FactBlocks
from factlake.dedup.clustering import Clusters, Group
from factlake.dedup.conflict_units import conflicts_by_unit
from factlake.dedup.fact_blocks import (
    Unattributed,
    block_fingerprints,
    block_keys,
    cluster_by_kind,
    cluster_by_unit,
    leader_parts,
    merged_clusters,
)
from factlake.dedup.fact_columns import FactColumns, FactRecord, shared_floats, shared_tuples
from factlake.dedup.fact_totals import day, fact_totals
from factlake.dedup.frames import CanonicalMentions, canonical_frame, subject_names
from factlake.dedup.periods import period_of, period_precision
from factlake.dedup.quantities import KIND as QUANTITY_KIND
from factlake.dedup.stories import cluster_stories
from factlake.kinds import FactKind, fact_kinds
from factlake.records import columns_to_frame, contract_frame, stable_id, to_frame
from factlake.reference import Reference


@dataclass
class FactSet:
    """Result of :func:`build_facts`.

    Attributes:
        mentions: The input mentions (same rows, same order, but those of groups a kind does not publish:
            :attr:`~factlake.dedup.clustering.Clusters.unpublished`) with ``fact_id`` filled.
        facts: The ``facts`` table, sorted by (fact_type, fact_id).
        conflicts: The ``conflicts`` table, sorted by (conflict_id, fact_id).
        stats: The manifest's ``dedup`` section: ``mentions_in``, ``mentions_unpublished``, ``facts_out``,
            ``merges_by_rule``, ``conflicts`` and ``thresholds`` (the DedupConfig values).
        blocks: The block outputs of this build, to persist for the next (None unless ``build_facts`` was
            given the previous ones).
    """

    mentions: pd.DataFrame
    facts: pd.DataFrame
    conflicts: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)
    blocks: FactBlocks | None = None


#: Working field of a fact record: its representative's mention id.
_REPRESENTATIVE = "_representative"

#: Columns of a fact's representative mention that its id and its row are made of.
_FACT_COLUMNS = (
    "mention_id",
    "fact_type",
    "text",
    "speaker",
    "quote_text",
    "value",
    "qualifier",
    "unit",
    "unit_normalized",
    "measure",
    "actors",
    "action",
    "modality",
    "location",
    "event_date",
    "date_precision",
    "date_text",
    CanonicalMentions.published,
    CanonicalMentions.date_inferred,
)


def build_facts(
    mentions: pd.DataFrame,
    articles: pd.DataFrame,
    config: DedupConfig,
    reference: Reference,
    previous: FactBlocks | None = None,
) -> FactSet:
    """Cluster mentions into facts, count their corroboration and find conflicting numbers.

    Args:
        mentions: The ``mentions`` table with ``fact_id`` null.
        articles: The ``articles`` table after :func:`factlake.dedup.mark_duplicate_articles`.
        config: Dedup thresholds.
        reference: Reference data holding ``unit_classes.csv``.
        previous: Block outputs of the last build (:mod:`factlake.dedup.fact_blocks`): blocks whose rows
            are unchanged reuse them, and :attr:`FactSet.blocks` holds this build's for the next one.
            None: cluster everything and keep no blocks.

    Returns:
        The mentions with ``fact_id`` (in the contract's dtypes, also when given compact), the ``facts`` and
        ``conflicts`` tables and the manifest statistics.
        Mentions of duplicate articles count toward their canonical article, so they add no article and
        no source. The result does not depend on the row order of either input, nor on ``previous``.
    """
    kinds = {kind.name: kind for kind in fact_kinds()}
    if "story_id" not in articles.columns or articles["story_id"].isna().all():
        # No stories assigned yet (evaluation, a first build): cluster them here.
        articles = articles.assign(story_id=cluster_stories(articles, config))
    # Subject names by sentence: those the previous build kept are not computed again.
    subjects = subject_names(mentions, previous.subjects) if previous is not None else None
    frame = canonical_frame(mentions, articles, subjects)
    release_freed_memory()
    # Counters a kind sets even when it has no mention (``quantity_identical: 0``) are kept as they are.
    baseline: Counter[str] = Counter()
    for kind in kinds.values():
        kind.cluster(frame.iloc[:0], config, reference, UnionFind(0), baseline)
    context = _Context(kinds, articles, config, reference, baseline)
    blocks = None
    if previous is not None:
        found, blocks = _build_incrementally(len(mentions), frame, previous, context)
    else:
        # One unit per kind, clustered a few leader blocks at a time (the working data of a batch, not
        # of a kind, is held at once).
        built = _build_units(
            frame,
            frame["fact_type"].to_numpy(dtype=object),
            context,
            keep_mention_ids=False,
            parts=leader_parts(frame, reference),
        )
        found = _found(len(mentions), frame, built.outputs, built, context)
        del built
    # The canonical frame is done with: the tables are made without it.
    del frame
    release_freed_memory()
    fact_set = _fact_set(mentions, found, context)
    if blocks is not None and subjects is not None:
        blocks.subjects = subjects
    fact_set.blocks = blocks
    return fact_set


@dataclass
class _Context:
    """What every step of a build reads: the kinds, the articles, the settings and the reference data,
    and the merge counters kinds set without any mention."""

    kinds: dict[str, FactKind]
    articles: pd.DataFrame
    config: DedupConfig
    reference: Reference
    baseline: Counter[str]
    #: Conflict rows of the last build's conflict units; this build's once its conflicts are found (None:
    #: every conflict is searched, none kept).
    conflicts: ConflictRows | None = None


def _build_incrementally(
    n_mentions: int, frame: pd.DataFrame, previous: FactBlocks, context: _Context
) -> tuple[_Found, FactBlocks]:
    """The build of ``frame`` that clusters only blocks whose fingerprint ``previous`` lacks, and the
    block outputs it leaves for the next build (the reused blocks' state rows taken as they are)."""
    keys = block_keys(frame, context.reference)
    fingerprints = block_fingerprints(frame, context.articles, keys)
    held = previous.fingerprints
    reused = {name for name, fingerprint in fingerprints.items() if fingerprint in held}
    fresh = ~pd.Series(keys, dtype=object).isin(reused).to_numpy()
    part = frame[fresh].reset_index(drop=True)
    built = _build_units(part, keys[fresh], context, keep_mention_ids=True)
    del part
    kept = previous.kept(fingerprints[name] for name in reused)
    kept.reused, kept.computed = len(reused), len(built.outputs)
    # The blocks' own facts are persisted with them (the build keeps them in ``built.facts``).
    built.facts[BLOCK_FIELD] = [fingerprints[unit] for unit in built.fact_units]
    blocks = kept.with_outputs(
        {fingerprints[name]: output for name, output in built.outputs.items()},
        {name: values for name, values in built.facts.items() if name != BLOCK_FIELD},
        built.facts[BLOCK_FIELD],
    )
    # The reused blocks as one unit (its name is no block key: keys start with a kind).
    outputs = {**built.outputs, "": kept.output()}
    context = dataclasses.replace(context, conflicts=previous.conflicts)
    found = _found(n_mentions, frame, outputs, built, context)
    blocks.conflicts = context.conflicts or {}
    return found, blocks


@dataclass
class _Built:
    """Facts made of some units of a canonical frame (blocks, or whole kinds).

    Attributes:
        outputs: Output of every unit, by its name (without its facts: they are in ``facts``).
        facts: The facts of all units, in canonical order of their representatives.
        fact_units: The unit (its name) of every fact.
        input_rows: Input rows (of ``mentions``) of the frame that was clustered.
        fact_ids: Their fact ids (None: unpublished).
    """

    outputs: dict[str, BlockOutput]
    facts: FactColumns
    fact_units: list[str]
    input_rows: np.ndarray
    fact_ids: np.ndarray

    def facts_by_unit(self) -> dict[str, list[int]]:
        """The indexes (in ``facts``) of every unit's facts, by unit name."""
        indexes: dict[str, list[int]] = {}
        for index, unit in enumerate(self.fact_units):
            indexes.setdefault(unit, []).append(index)
        return indexes


def _build_units(
    frame: pd.DataFrame,
    units: np.ndarray,
    context: _Context,
    keep_mention_ids: bool,
    parts: np.ndarray | None = None,
) -> _Built:
    """Cluster each unit of ``frame`` (rows of one ``units`` value, never related to another unit's) and
    make the facts (with their working fields, without status) and statistics of every unit.

    Args:
        frame: A canonical frame, or rows of one taken whole for each unit, in canonical order.
        units: The unit of each row; a unit holds mentions of one kind.
        keep_mention_ids: Whether each unit's output lists its mentions' fact ids (to persist it).
        parts: Codes of independent parts of the units (:func:`~factlake.dedup.fact_blocks.leader_parts`)
            to cluster in batches of, when units are too coarse to batch.
    """
    codes, names = pd.factorize(units)
    settings = (context.kinds, context.config, context.reference)
    try:
        uf, unit_rules, found = cluster_by_kind(frame, codes, len(names), *settings, parts=parts)
    except Unattributed:
        uf, unit_rules, found = cluster_by_unit(frame, codes, len(names), *settings)
    clusters = {name: merged_clusters(found.get(name, [])) for name in context.kinds}
    del found

    roots = uf.roots() if len(frame) else np.array([], dtype=np.int64)
    published, roots = _published(frame, roots, clusters)
    representative_positions = np.unique(roots)
    fact_index = np.searchsorted(representative_positions, roots)
    # The frame's index is its canonical positions (rows of unpublished groups left out).
    # Missing values become None (string columns would otherwise give NaN, which is truthy). Columns, not
    # a dict per fact: at a million mentions, half a million dicts take hundreds of MB. Only the columns
    # a fact is made of are taken, and no frame of the representatives is kept.
    rows = _columns(
        published.loc[representative_positions, [name for name in _FACT_COLUMNS if name in published.columns]]
    )
    fact_units = codes[representative_positions]
    fact_ids = _fact_ids(rows)
    published["fact_id"] = np.array(fact_ids, dtype=object)[fact_index]
    totals = fact_totals(published, fact_index, len(fact_ids), context.articles)
    facts = _facts(
        published, representative_positions.tolist(), fact_ids, rows, totals, context.kinds, clusters
    )
    row_fact_ids = np.full(len(frame), None, dtype=object)
    row_fact_ids[published.index.to_numpy()] = np.array(fact_ids, dtype=object)[fact_index]
    # Working data is freed as soon as it is used: at a million mentions these hold hundreds of MB.
    del rows, totals, clusters, roots, fact_index
    release_freed_memory()
    outputs = _outputs(names, unit_rules, _merge_scopes(published, codes))
    if keep_mention_ids:
        for mention_id, code, fact_id in zip(
            frame["mention_id"].tolist(), codes.tolist(), row_fact_ids.tolist(), strict=True
        ):
            outputs[str(names[code])].fact_ids[mention_id] = fact_id
    return _Built(
        outputs=outputs,
        facts=facts,
        fact_units=[str(name) for name in names[fact_units]],
        input_rows=frame[CanonicalMentions.input_row].to_numpy(),
        fact_ids=row_fact_ids,
    )


def _outputs(
    names: np.ndarray, unit_rules: list[Counter[str]], scopes: dict[int, dict[str, dict[str, int]]]
) -> dict[str, BlockOutput]:
    """The output of every unit, by name: its merges and scopes (its facts are left to :class:`_Built`)."""
    return {
        str(name): BlockOutput(facts={}, fact_ids={}, rules=dict(rules), scope=scopes.get(code, {}))
        for code, (name, rules) in enumerate(zip(names, unit_rules, strict=True))
    }


def _published(
    frame: pd.DataFrame, roots: np.ndarray, clusters: dict[str, Clusters]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of ``frame`` and their ``roots`` but those of groups a kind does not publish
    (:attr:`Clusters.unpublished`)."""
    unpublished = sorted(set().union(*(kind_clusters.unpublished for kind_clusters in clusters.values())))
    if not unpublished:
        return frame, roots
    keep = ~np.isin(roots, unpublished)
    return frame[keep], roots[keep]


def _merge_scopes(published: pd.DataFrame, codes: np.ndarray) -> dict[int, dict[str, dict[str, int]]]:
    """Mentions joined to a fact, by unit (``codes`` of the frame's positions) and kind: ``within_story``
    when the mention's story is its representative's, ``cross_story`` otherwise (``merges_by_rule``
    names the cross-story rules). Units without a published mention are left out."""
    if published.empty:
        return {}
    positions = pd.Series(np.arange(len(published)), index=published.index)
    fact_ids = published["fact_id"].to_numpy()
    representative = positions.groupby(fact_ids, sort=False).transform("min").to_numpy()
    joined = positions.to_numpy() != representative
    story = published[CanonicalMentions.story].to_numpy(dtype=object)
    same_story = story == story[representative]
    unit = codes[published.index.to_numpy()]
    fact_type = published["fact_type"].to_numpy(dtype=object)
    within = np.bincount(unit, weights=(joined & same_story).astype(np.float64), minlength=len(codes)).astype(
        np.int64
    )
    across = np.bincount(
        unit, weights=(joined & ~same_story).astype(np.float64), minlength=len(codes)
    ).astype(np.int64)
    kind_of_unit = dict(zip(unit.tolist(), fact_type.tolist(), strict=True))
    return {
        code: {kind: {"within_story": int(within[code]), "cross_story": int(across[code])}}
        for code, kind in kind_of_unit.items()
    }


def _fact_ids(rows: dict[str, list[Any]]) -> list[str]:
    """The id of every fact: ``stable_id(fact_type, mention_id)`` of its representative's row (``rows``:
    the representatives' columns).

    Mention ids are unique, so fact ids are too; and a mention id is its article, kind and offsets, so
    the fact id survives every change of the names, dates or wordings its mentions carry.
    """
    return [
        stable_id(fact_type, mention_id)
        for fact_type, mention_id in zip(rows["fact_type"], rows["mention_id"], strict=True)
    ]


def _facts(
    frame: pd.DataFrame,
    positions: list[int],
    fact_ids: list[str],
    rows: dict[str, list[Any]],
    totals: dict[str, list[Any]],
    kinds: dict[str, FactKind],
    clusters: dict[str, Clusters],
) -> FactColumns:
    """Fact records (``facts`` columns but ``status``, :class:`FactWorkingFields` and their
    representative's mention id), one per representative (``rows``: the representatives' columns).

    Made column by column: a field taken as it is from the representative (``rows``) or from the totals
    is that very list, not a copy, and no record is made per fact but the views the statements read.
    """
    fields: dict[str, dict[str, Any]] = {}
    for name, kind in kinds.items():
        fields.update(kind.fact_fields(frame[frame["fact_type"] == name]))
    n_facts = len(fact_ids)
    if not n_facts:
        return {}
    groups = [
        clusters[fact_type].groups.get(position)
        for fact_type, position in zip(rows["fact_type"], positions, strict=True)
    ]
    periods = [
        _fact_period(group, event_date, precision)
        for group, event_date, precision in zip(
            groups, rows["event_date"], rows["date_precision"], strict=True
        )
    ]
    facts: FactColumns = {
        "fact_id": fact_ids,
        "fact_type": rows["fact_type"],
        "speaker": rows["speaker"],
        "quote_text": [None] * n_facts,
        "value": rows["value"],
        "value_low": totals["value_low"],
        "value_high": totals["value_high"],
        "qualifier": rows["qualifier"],
        "unit": rows["unit"],
        "unit_normalized": rows["unit_normalized"] if "unit_normalized" in rows else [None] * n_facts,
        "measure": rows["measure"],
        # One empty list shared by the facts without actors (events give their own).
        "actors": [[]] * n_facts,
        "action": rows["action"],
        "location": [
            (group.location if group else None) or location
            for group, location in zip(groups, rows["location"], strict=True)
        ],
        "event_date": [day(period[0]) if period else None for period in periods],
        "date_precision": [period_precision(period) if period else None for period in periods],
        "n_mentions": totals["n_mentions"],
        "n_articles": totals["n_articles"],
        "n_sources": totals["n_sources"],
        "sources": totals["sources"],
        "first_published": totals["first_published"],
        "last_published": totals["last_published"],
        "confidence": totals["confidence"],
        "_period": shared_tuples(periods),
        "_period_inferred": [bool(inferred) for inferred in _column(rows, CanonicalMentions.date_inferred)],
        "_date_text": rows["date_text"],
        "_low": shared_floats(np.array([group.low if group else -math.inf for group in groups])),
        "_high": shared_floats(np.array([group.high if group else math.inf for group in groups])),
    }
    del groups
    # Fields the kinds draw from all mentions replace the representative's. The fields come in the order
    # a record per fact gives them: those above, the first fact's own, its statement and representative,
    # then those first given to a later fact.
    for number, fact_id in enumerate(fact_ids):
        own = fields.pop(fact_id, None)
        if own:
            for name, value in own.items():
                values = facts.get(name)
                if values is None:
                    values = facts[name] = [None] * n_facts
                values[number] = value
        if number == 0:
            facts["statement"], facts[_REPRESENTATIVE] = [], []
    # The kinds' statements read one fact at a time, by name, as the table will show it.
    facts["statement"] = [
        kinds[fact_type].statement(FactRecord(facts, number))
        for number, fact_type in enumerate(facts["fact_type"])
    ]
    facts[_REPRESENTATIVE] = rows["mention_id"]
    return facts


def _fact_period(group: Group | None, event_date: Any, precision: Any) -> tuple[int, int] | None:
    """The period of a fact: its group's (leader-clustered kinds), else its representative's date's."""
    period = group.period if group else (period_of(event_date, precision) or (None,))[:2]
    return period if period and period[0] is not None else None


def _column(rows: dict[str, list[Any]], name: str) -> list[Any]:
    """The column ``name`` of ``rows``, None for every row when there is no such column."""
    return rows[name] if name in rows else [None] * len(next(iter(rows.values())))


@dataclass
class _Found:
    """What a build found, before its tables are made.

    Attributes:
        facts: The facts of all units, in canonical order of their representatives, with ``status``.
        conflict_rows: The ``conflicts`` rows.
        fact_id_of_row: The fact id of every input row of the mentions (None: unpublished).
        outputs: The output of every unit (for the merge counts).
    """

    facts: FactColumns
    conflict_rows: list[dict[str, Any]]
    fact_id_of_row: np.ndarray
    outputs: dict[str, BlockOutput]


def _found(
    n_mentions: int, frame: pd.DataFrame, outputs: dict[str, BlockOutput], built: _Built, context: _Context
) -> _Found:
    """The facts, conflicts and fact ids of a build from the outputs of all its units (by name): those of
    ``built`` (clustered now) and the others (reused, whose mentions take their fact ids by
    ``mention_id``). Conflicts and statuses are found over the facts of all units."""
    facts = _in_canonical_order(
        frame,
        fact_columns.concat(
            [built.facts, *(output.facts for name, output in outputs.items() if name not in built.outputs)]
        ),
    )
    fact_id_of_row = _fact_ids_of_rows(frame, n_mentions, outputs, built)
    frame_fact_ids = fact_id_of_row[frame[CanonicalMentions.input_row].to_numpy()]
    keep = ~pd.isna(frame_fact_ids)
    # The frame is this build's own: it takes the fact ids in place when every row is published.
    published = frame if keep.all() else frame[keep].copy()
    published["fact_id"] = frame_fact_ids[keep]
    conflict_rows = _conflicts(facts, published, context)
    del published
    contested = {row["fact_id"] for row in conflict_rows}
    facts["status"] = [
        "contested" if fact_id in contested else ("corroborated" if n_articles >= 2 else "single_source")
        for fact_id, n_articles in zip(facts.get("fact_id", []), facts.get("n_articles", []), strict=True)
    ]
    return _Found(facts=facts, conflict_rows=conflict_rows, fact_id_of_row=fact_id_of_row, outputs=outputs)


def _fact_set(mentions: pd.DataFrame, found: _Found, context: _Context) -> FactSet:
    """The tables and statistics of a build from what it found (its facts are dropped as they become the
    ``facts`` table)."""
    facts_frame = columns_to_frame("facts", found.facts)
    found.facts = {}
    facts_frame = facts_frame.sort_values(["fact_type", "fact_id"]).reset_index(drop=True)
    conflicts_frame = (
        to_frame("conflicts", found.conflict_rows)
        .sort_values(["conflict_id", "fact_id"])
        .reset_index(drop=True)
    )
    found.conflict_rows = []
    fact_id_of_row = found.fact_id_of_row
    # A shallow copy: only the fact_id column is new (copy-on-write keeps the caller's frame intact).
    out = mentions.copy(deep=False)
    out["fact_id"] = pd.Series(fact_id_of_row, index=out.index, dtype=out["fact_id"].dtype)
    unpublished = int(pd.isna(fact_id_of_row).sum())
    if unpublished:
        out = out[out["fact_id"].notna()]  # mentions of unpublished groups
    if any(isinstance(dtype, pd.CategoricalDtype) for dtype in out.dtypes):
        out = contract_frame(
            "mentions", out
        )  # given compact (frames.compact_mentions): the contract's dtypes
    stats = {
        "mentions_in": len(mentions),
        # Mentions that only support another fact and joined none (event story references).
        "mentions_unpublished": unpublished,
        "facts_out": len(facts_frame),
        **_merges(list(found.outputs.values()), context.baseline),
        "conflicts": int(conflicts_frame["conflict_id"].nunique()) if len(conflicts_frame) else 0,
        "thresholds": dataclasses.asdict(context.config),
    }
    return FactSet(mentions=out, facts=facts_frame, conflicts=conflicts_frame, stats=stats)


def _in_canonical_order(frame: pd.DataFrame, facts: FactColumns) -> FactColumns:
    """``facts`` in canonical order of their representatives (the frame's positions), as one build over
    all units makes them."""
    if not facts:
        return facts
    positions = pd.Index(frame["mention_id"]).get_indexer(facts[_REPRESENTATIVE])
    order = np.argsort(positions, kind="stable")
    if (order == np.arange(len(order))).all():
        return facts
    return fact_columns.take(facts, order.tolist())


def _conflicts(facts: FactColumns, published: pd.DataFrame, context: _Context) -> list[dict[str, Any]]:
    """The ``conflicts`` rows of every kind among its facts, as records (only for kinds that find any:
    :meth:`FactKind.conflicts` finds none unless a kind says how)."""
    conflict_rows: list[dict[str, Any]] = []
    fact_types = facts.get("fact_type", [])
    for name, kind in context.kinds.items():
        if type(kind).conflicts is FactKind.conflicts:
            continue
        indexes = [index for index, of in enumerate(fact_types) if of == name]
        find = functools.partial(_kind_conflicts, kind, facts, context)
        if context.conflicts is not None and name == QUANTITY_KIND.name and BLOCK_FIELD in facts:
            rows, context.conflicts = conflicts_by_unit(facts, published, indexes, context.conflicts, find)
            conflict_rows.extend(rows)
        else:
            conflict_rows.extend(find(indexes, published))
    return conflict_rows


def _kind_conflicts(
    kind: FactKind, facts: FactColumns, context: _Context, indexes: list[int], published: pd.DataFrame
) -> list[dict[str, Any]]:
    """The ``conflicts`` rows of one kind among its facts at ``indexes``."""
    kind_facts = fact_columns.records(facts, indexes)
    for fact in kind_facts:
        if isinstance(fact["_period"], list):  # as read back from a persisted block
            fact["_period"] = tuple(fact["_period"])
    return kind.conflicts(kind_facts, published, context.config, context.reference)


def _fact_ids_of_rows(
    frame: pd.DataFrame, n_rows: int, outputs: dict[str, BlockOutput], built: _Built
) -> np.ndarray:
    """The fact id of each of the ``n_rows`` input rows of the mentions (None: unpublished): those of
    ``built`` as it made them, the others' by mention id from their reused unit's output."""
    fact_id_of_row = np.full(n_rows, None, dtype=object)
    if len(built.input_rows) < len(frame):
        reused_ids = {
            mention_id: fact_id
            for name, output in outputs.items()
            if name not in built.outputs
            for mention_id, fact_id in output.fact_ids.items()
        }
        reused = ~np.isin(frame[CanonicalMentions.input_row].to_numpy(), built.input_rows)
        fact_id_of_row[frame.loc[reused, CanonicalMentions.input_row].to_numpy()] = [
            reused_ids[mention_id] for mention_id in frame.loc[reused, "mention_id"].tolist()
        ]
    fact_id_of_row[built.input_rows] = built.fact_ids
    return fact_id_of_row


def _merges(outputs: list[BlockOutput], baseline: Counter[str]) -> dict[str, Any]:
    """``merges_by_rule`` and ``scope`` of the manifest, summed over the units."""
    rules: Counter[str] = Counter()
    rules.update(baseline)
    scopes: dict[str, dict[str, int]] = {}
    for output in outputs:
        rules.update(output.rules)
        for fact_type, counts in output.scope.items():
            total = scopes.setdefault(fact_type, {"within_story": 0, "cross_story": 0})
            for name, count in counts.items():
                total[name] += count
    return {"merges_by_rule": dict(sorted(rules.items())), "scope": dict(sorted(scopes.items()))}


def _columns(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Columns of ``frame`` as lists, missing scalars as None."""
    columns = {}
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=object).copy()
        values[pd.isna(values)] = None
        columns[name] = values.tolist()
    return columns


__all__ = ["FactSet", "build_facts"]
