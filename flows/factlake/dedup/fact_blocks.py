"""Fact dedup kept between runs: the output of every independent block of mentions, by its inputs' hash.

Fact dedup never relates two mentions of different *blocks*, where a mention's block is
(:func:`block_keys`):

- a quote: its speaker (an unattributed quote: its story). Quotes are only compared within one speaker's
  scope, and which pairs match does not depend on the quotes of other scopes: candidates are probed from
  both sides, each pair by the prefix of its smaller wording
  (:func:`factlake.dedup.quotes._quote_candidate_pairs`), so the rarity ranking over all quotes changes
  only the work, never the pairs found;
- a quantity or an event: a connected part of its leader block. A leader block is what
  :mod:`factlake.dedup.quantities` (measure class, unit class and year; and the story for a class whose
  figures never join across stories, :func:`_quantity_blocks`) or :mod:`factlake.dedup.events` (action
  class with its distributive marker, and modality, :func:`_event_blocks`) compares within; a mention
  joins only a fact whose representative shares its story or a key that lets two stories' mentions be one
  fact (a quantity's explicit period and subject name, an event's period, place and actors: the meeting
  keys of :class:`factlake.dedup.clustering.LeaderRules`), and undated events join only dated facts of
  their story. Mentions of one leader block linked, directly or through others, by a shared story or
  key are one block (:func:`_connected_blocks`); one new article thus touches the blocks of its stories
  and of what its mentions share with other stories, not a whole measure or action class.

A fact's id is its earliest mention's (:func:`factlake.dedup.facts._fact_ids`), so facts of different
blocks never share one either. Clustering, corroboration
counts, conflicts and statuses of a block are therefore a function of that block's canonical rows alone
(the mentions with their article's publication date, canonical article, story, and the canonical
article's source and date): :func:`block_fingerprints` hashes exactly those. A block whose fingerprint
is unchanged since the last build reuses the output persisted then (:class:`BlockOutput`); only the
blocks that new, changed or removed articles touch are clustered again. The tables then equal those of a
full rebuild (``tests/test_incremental_facts.py`` checks it).

Blocks to cluster again are clustered a batch of whole blocks per call, as a build of everything does
(:func:`cluster_by_kind`: a call per block costs more than the clustering of a small block, a call per
kind holds the working data of all its mentions at once), with the merges of each rule charged to the
block they were made in, so that the manifest's ``merges_by_rule`` can be summed over reused and new
blocks.

The outputs live in ``DIR/.cache/fact_blocks.parquet`` as Arrow columns (:mod:`factlake.dedup.block_store`),
keyed by the code fingerprint of the run (the package's source, the settings and the reference data: a
change of any of them rebuilds every block), and are replaced atomically (written to a temporary file,
then renamed). Like the other caches it is only an accelerator: a missing, unreadable or differently keyed
file means clustering every block again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import Counter

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from factlake.config import DedupConfig
from factlake.dedup._memory import release_freed_memory
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.block_store import FACT_BLOCKS_FILE as FACT_BLOCKS_FILE
from factlake.dedup.block_store import BlockOutput as BlockOutput
from factlake.dedup.block_store import FactBlocks as FactBlocks
from factlake.dedup.block_store import load_fact_blocks as load_fact_blocks
from factlake.dedup.block_store import save_fact_blocks as save_fact_blocks
from factlake.dedup.clustering import Clusters
from factlake.dedup.events import ASSERTED, distributive_marker
from factlake.dedup.frames import CanonicalMentions
from factlake.dedup.periods import period_of
from factlake.dedup.units import DIMENSION_MEASURES, UnitClasses, comparable_units, unit_classes
from factlake.extract.events import event_classes
from factlake.kinds import FactKind
from factlake.records import stable_id
from factlake.reference import Reference

#: Version of the block rules and of the persisted state (:mod:`factlake.dedup.block_store`); raise it when
#: either changes.
FACT_BLOCKS_VERSION = "4"

#: Separates a block's kind from its value in a block key.
_SEPARATOR = "\x1f"

#: Two independent 64-bit row hashes (``hash_pandas_object`` keys are 16 bytes) make a 128-bit row hash.
_HASH_KEYS = ("factlake-block-1", "factlake-block-2")


def fact_blocks_key(code_sha256: str) -> str:
    """The cache key of the block outputs of a run whose code fingerprint is ``code_sha256``
    (:func:`factlake.assemble.code_fingerprint`: source, settings and reference data)."""
    return stable_id("fact-blocks", FACT_BLOCKS_VERSION, code_sha256)


def block_keys(frame: pd.DataFrame, reference: Reference) -> np.ndarray:
    """The block of every row of a canonical frame (see the module docstring), as strings.

    A kind this module does not know is one block: correct for any kind, incremental for none.
    """
    keys = frame["fact_type"].astype(object).to_numpy(dtype=object).copy()
    of_kind = {name: (frame["fact_type"] == name).to_numpy() for name in ("quote", "quantity", "event")}
    keys[of_kind["quote"]] = _quote_blocks(frame[of_kind["quote"]])
    quantities = frame[of_kind["quantity"]]
    quantity_periods = _periods(quantities)
    keys[of_kind["quantity"]] = _connected_blocks(
        _quantity_blocks(quantities, quantity_periods, unit_classes(reference)),
        quantities[CanonicalMentions.story].astype(str).to_numpy(dtype=object),
        _quantity_links(quantities, quantity_periods),
    )
    events = frame[of_kind["event"]]
    event_periods = _periods(events)
    keys[of_kind["event"]] = _connected_blocks(
        _event_blocks(events, event_classes(reference)),
        events[CanonicalMentions.story].astype(str).to_numpy(dtype=object),
        _event_links(events, event_periods),
    )
    return keys


def leader_parts(frame: pd.DataFrame, reference: Reference) -> np.ndarray:
    """Codes of parts of a canonical frame's rows that never meet: each part holds whole leader blocks
    (what :func:`block_keys` names before joining the blocks' mentions by story and link), as the kind,
    and the speaker of a quote (unattributed quotes: one part), the measure class of a quantity or the
    action class of an event.

    Mentions of different leader blocks are never compared, so a kind's mentions may be clustered a few
    parts at a time (:func:`cluster_by_kind`) with the same result, holding the working data of one
    batch at a time. Read from the distinct values of three columns: cheap, and no string per row.
    """
    kinds, kind_names = pd.factorize(frame["fact_type"].to_numpy(dtype=object))
    by_kind = {
        "quote": ("speaker", _text),
        "quantity": ("measure", functools.partial(_measure_class, unit_classes(reference))),
        "event": ("action", functools.partial(_action_class, event_classes(reference))),
    }
    parts = np.zeros(len(frame), dtype=np.int64)
    offset = 0
    for code, name in enumerate(kind_names):
        rows = np.flatnonzero(kinds == code)
        column, part_of = by_kind.get(name, (None, None))
        if column is None or column not in frame.columns:
            parts[rows] = offset
            offset += 1
            continue
        values, distinct = pd.factorize(frame[column].to_numpy(dtype=object)[rows])
        named = [part_of(value) for value in distinct.tolist()]
        part_codes, part_names = pd.factorize(np.array([*named, part_of("")], dtype=object))
        parts[rows] = offset + part_codes[values]  # a missing value (-1) is the empty one
        offset += len(part_names)
    return parts


def _text(value: object) -> str:
    """A value of a column as the blocks read it, as a string (missing values are read as "")."""
    return value if isinstance(value, str) else str(value)


def _measure_class(classes: UnitClasses, measure: object) -> str:
    """The class of a measure as :func:`_quantity_blocks` reads it (lower-case, stripped)."""
    return classes.measure(_text(measure).lower().strip())


def _action_class(classes: dict[str, str], action: object) -> str:
    """The class of an action as :func:`_event_blocks` reads it (an unlisted action is its own class)."""
    text = _text(action)
    return classes.get(text, text)


def _periods(part: pd.DataFrame) -> list[tuple[int, int] | None]:
    """The period (first and last day ordinals) of every mention, None when undated."""
    return [
        period[:2] if period else None
        for period in map(period_of, part["event_date"], part["date_precision"])
    ]


def _quote_blocks(quotes: pd.DataFrame) -> np.ndarray:
    """Block keys of quote mentions: the speaker, or the story of an unattributed quote.

    Quotes are compared only within a speaker's scope (:func:`factlake.dedup.quotes._speaker_scopes`:
    the speaker, or the speaker and the story), and which of them match does not depend on other scopes
    (:func:`factlake.dedup.quotes._quote_candidate_pairs`); a speaker holds all of their scopes.
    """
    speakers = quotes["speaker"].fillna("").astype(str).tolist()
    stories = quotes[CanonicalMentions.story].astype(str).tolist()
    return np.array(
        [
            _SEPARATOR.join(("quote", speaker) if speaker else ("quote", "", story))
            for speaker, story in zip(speakers, stories, strict=True)
        ],
        dtype=object,
    )


def _quantity_blocks(
    quantities: pd.DataFrame, periods: list[tuple[int, int] | None], classes: UnitClasses
) -> np.ndarray:
    """Leader blocks of quantity mentions: measure class, unit class and year, as
    :mod:`factlake.dedup.quantities` makes them; and the story, for a measure class whose figures never
    join across stories (no measure, or only dimensions: money, shares, a count)."""
    measures = quantities["measure"].fillna("").astype(str).str.lower().str.strip().map(classes.measure)
    units = comparable_units(quantities).map(lambda unit: classes.unit(unit)[0])
    years = [str(dt.date.fromordinal(period[0]).year) if period else "" for period in periods]
    local = {measure: _story_local(measure, classes) for measure in set(measures.tolist())}
    stories = quantities[CanonicalMentions.story].astype(str).tolist()
    return np.array(
        [
            _SEPARATOR.join(("quantity", measure, unit, year, story if local[measure] else ""))
            for measure, unit, year, story in zip(
                measures.tolist(), units.tolist(), years, stories, strict=True
            )
        ],
        dtype=object,
    )


def _story_local(measure_class: str, classes: UnitClasses) -> bool:
    """Whether no measure of a class can join a figure of another story: each is empty or a dimension
    (:data:`~factlake.dedup.units.DIMENSION_MEASURES`)."""
    members = {measure for measure, of_class in classes.measures.items() if of_class == measure_class}
    if measure_class not in classes.measures:
        members.add(measure_class)  # an unlisted measure is its own class
    return all(measure == "" or measure in DIMENSION_MEASURES for measure in members)


def _quantity_links(quantities: pd.DataFrame, periods: list[tuple[int, int] | None]) -> list[list[str]]:
    """What lets a quantity mention join a fact of another story, besides its story
    (:func:`factlake.dedup.quantities._meeting_keys`): an explicit period with each name of its subject."""
    explicit = quantities["date_text"].notna().tolist()
    subjects = quantities[CanonicalMentions.subject].tolist()
    return [
        [_SEPARATOR.join(("subject", str(period), name)) for name in sorted(subject)]
        if stated and period is not None
        else []
        for stated, period, subject in zip(explicit, periods, subjects, strict=True)
    ]


def _event_blocks(events: pd.DataFrame, classes: dict[str, str]) -> np.ndarray:
    """Leader blocks of event mentions, but their year: the action class (with its distributive
    marker) and the modality, as :mod:`factlake.dedup.events` keys them."""
    actions = events["action"].fillna("").astype(str).tolist()
    texts = events["text"].fillna("").astype(str).tolist()
    modalities = (
        events["modality"] if "modality" in events.columns else pd.Series(ASSERTED, index=events.index)
    )
    return np.array(
        [
            _SEPARATOR.join(("event", classes.get(action, action) + distributive_marker(text), modality))
            for action, text, modality in zip(
                actions, texts, modalities.fillna(ASSERTED).astype(str).tolist(), strict=True
            )
        ],
        dtype=object,
    )


def _event_links(events: pd.DataFrame, periods: list[tuple[int, int] | None]) -> list[list[str]]:
    """What lets an event mention join a fact of another story, besides its story
    (:func:`factlake.dedup.events._meeting_keys`): its period, place and actors, when all are known."""
    locations = events["location"].fillna("").astype(str).tolist()
    actors = [
        sorted(set(names)) if isinstance(names, list | np.ndarray) else [] for names in events["actors"]
    ]
    return [
        [_SEPARATOR.join(("occurrence", str(period), location, *names))]
        if period is not None and location and names
        else []
        for period, location, names in zip(periods, locations, actors, strict=True)
    ]


def _connected_blocks(leader_blocks: np.ndarray, stories: np.ndarray, links: list[list[str]]) -> np.ndarray:
    """Blocks of mentions of one kind: the mentions of one leader block that are connected by sharing a
    story or another link (what lets mentions of two stories be one fact), named after the leader block
    and the first of their stories.

    Leader clustering offers a mention only the facts whose representative shares its block and one of
    its meeting keys (:attr:`factlake.dedup.clustering.LeaderRules.meeting_keys_at`); identical mentions
    are folded within a story; undated events join dated ones of their story. So no fact spans two
    connected parts, and each part is clustered alike alone or with the others.
    """
    if not len(leader_blocks):
        return leader_blocks
    rows = np.concatenate(
        [np.arange(len(stories)), np.repeat(np.arange(len(links)), [len(row) for row in links])]
    )
    named = np.concatenate(
        [
            leader_blocks + (_SEPARATOR + "story" + _SEPARATOR) + stories,
            np.array(
                [
                    f"{leader_blocks[row]}{_SEPARATOR}{link}"
                    for row, row_links in enumerate(links)
                    for link in row_links
                ],
                dtype=object,
            ),
        ]
    )
    link_codes, link_names = pd.factorize(named)
    graph = sparse.coo_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, len(stories) + link_codes)),
        shape=(len(stories) + len(link_names), len(stories) + len(link_names)),
    )
    _, labels = csgraph.connected_components(graph, directed=False)
    first_story = pd.Series(stories).groupby(labels[: len(stories)]).transform("min").to_numpy(dtype=object)
    return leader_blocks + _SEPARATOR + first_story


def block_fingerprints(frame: pd.DataFrame, articles: pd.DataFrame, keys: np.ndarray) -> dict[str, str]:
    """The fingerprint of every block: a hash of its block key and of the multiset of its rows.

    A row is every column of the canonical frame but its input position (the build does not depend on
    the order of its inputs), plus the source and publication date of its canonical article (read by
    the corroboration counts). Rows are hashed with two independent 64-bit hashes.
    """
    info = articles.set_index("article_id")
    canonical = frame[CanonicalMentions.canonical_article]
    rows = frame.drop(columns=[CanonicalMentions.input_row]).assign(
        _source=canonical.map(info["source_name"]).astype(object).to_numpy(),
        _canonical_published=canonical.map(info["published_date"]).astype(object).to_numpy(),
    )
    rows = _hashable(rows)
    first, second = (
        pd.util.hash_pandas_object(rows, index=False, hash_key=hash_key).to_numpy() for hash_key in _HASH_KEYS
    )
    codes, names = pd.factorize(keys)
    order = np.lexsort((second, first, codes))
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    fingerprints = {}
    for code, name in enumerate(names):
        members = order[bounds[code] : bounds[code + 1]]
        digest = hashlib.sha256(str(name).encode())
        digest.update(first[members].tobytes())
        digest.update(second[members].tobytes())
        fingerprints[str(name)] = digest.hexdigest()
    return fingerprints


def _hashable(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with collection values (actor lists, subject sets) written as sorted or ordered text, so
    that ``hash_pandas_object`` hashes what they hold."""
    converted = {}
    for name in rows.columns:
        column = rows[name]
        if column.dtype != object:
            continue
        present = column.dropna()
        sample = present.iloc[0] if len(present) else None
        if isinstance(sample, set | frozenset):
            converted[name] = column.map(lambda values: _SEPARATOR.join(sorted(values)), na_action="ignore")
        elif isinstance(sample, list | tuple | np.ndarray):
            converted[name] = column.map(lambda values: _SEPARATOR.join(map(str, values)), na_action="ignore")
    return rows.assign(**converted) if converted else rows


class Unattributed(Exception):
    """A kind counted merges that cannot be told apart by unit (see :class:`_ChargedRules`)."""


class _UnionLog(UnionFind):
    """A union-find that notes the unit of every mention it merges, for :class:`_ChargedRules`."""

    def __init__(self, size: int, units: np.ndarray) -> None:
        super().__init__(size)
        self._units = units
        self.pending: list[int] = []

    def union(self, first: int, second: int) -> bool:
        self.pending.append(int(self._units[second]))
        return super().union(first, second)

    def attach(self, items: np.ndarray, roots: np.ndarray) -> None:
        self.pending.extend(self._units[items].tolist())
        super().attach(items, roots)


class _ChargedRules(Counter):
    """Merges by rule of one kind's clustering, each increase charged to the units of the merges made
    since the last one (kinds count a rule right after its merges: ``rules[rule] += 1`` after a union,
    ``rules[rule] += n`` after ``n`` of them).

    Raises:
        Unattributed: When a count does not follow as many merges.
    """

    def __init__(self, log: _UnionLog, unit_rules: list[Counter[str]]) -> None:
        super().__init__()
        self._log = log
        self._unit_rules = unit_rules

    def __setitem__(self, key: str, value: int) -> None:
        increase = value - dict.get(self, key, 0)
        pending = self._log.pending
        if increase < 0 or increase > len(pending):
            raise Unattributed
        for unit in pending[len(pending) - increase :]:
            self._unit_rules[unit][key] += 1
        del pending[len(pending) - increase :]
        super().__setitem__(key, value)


#: Mentions clustered in one call at most, unless one unit has more (:func:`cluster_by_kind`).
BATCH_MENTIONS = 200_000


def cluster_by_kind(
    frame: pd.DataFrame,
    codes: np.ndarray,
    n_units: int,
    kinds: dict[str, FactKind],
    config: DedupConfig,
    reference: Reference,
    parts: np.ndarray | None = None,
) -> tuple[UnionFind, list[Counter[str]], dict[str, list[Clusters]]]:
    """Cluster each kind's mentions of ``frame`` in batches of whole units (about
    :data:`BATCH_MENTIONS` mentions each), charging the merges of each rule to the units (``codes``)
    they were made in. Units are independent, so this is what clustering each unit alone gives, without
    the cost of a call per unit, and what clustering the whole kind at once gives, without holding the
    working data of all its mentions at once.

    ``parts``: codes of rows that are as independent as units (leader blocks, :func:`leader_blocks`),
    when units are coarser (a build of everything has one unit per kind): batches then hold whole parts.

    Raises:
        Unattributed: When a kind's merges cannot be charged to units.
    """
    log = _UnionLog(len(frame), codes)
    unit_rules: list[Counter[str]] = [Counter() for _ in range(n_units)]
    found: dict[str, list[Clusters]] = {}
    fact_types = frame["fact_type"].to_numpy(dtype=object)
    for name, kind in kinds.items():
        rows = np.flatnonzero(fact_types == name)
        for batch in unit_batches((codes if parts is None else parts)[rows], BATCH_MENTIONS):
            rules = _ChargedRules(log, unit_rules)
            found.setdefault(name, []).append(
                kind.cluster(frame.iloc[rows[batch]], config, reference, log, rules)
            )
            if log.pending:
                raise Unattributed
            release_freed_memory()  # the batch's working data, before the next batch makes its own
    return log, unit_rules, found


def unit_batches(codes: np.ndarray, limit: int) -> list[np.ndarray]:
    """Rows (indexes into ``codes``, increasing) of batches of whole units of about ``limit`` rows: units
    in order of their first row, a batch closed once it holds ``limit`` rows or more."""
    if not len(codes):
        return []
    units, first, sizes = np.unique(codes, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    batch_of_unit = np.empty(len(units), dtype=np.int64)
    batch, filled = 0, 0
    for unit, size in zip(order.tolist(), sizes[order].tolist(), strict=True):
        if filled >= limit:
            batch, filled = batch + 1, 0
        batch_of_unit[unit] = batch
        filled += size
    batch_of_row = batch_of_unit[np.searchsorted(units, codes)]
    return [np.flatnonzero(batch_of_row == number) for number in range(batch + 1)]


def cluster_by_unit(
    frame: pd.DataFrame,
    codes: np.ndarray,
    n_units: int,
    kinds: dict[str, FactKind],
    config: DedupConfig,
    reference: Reference,
) -> tuple[UnionFind, list[Counter[str]], dict[str, list[Clusters]]]:
    """Cluster each unit of ``frame`` alone (one call per unit: slower than :func:`cluster_by_kind`, but
    for any kind)."""
    uf = UnionFind(len(frame))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_units + 1))
    unit_rules: list[Counter[str]] = []
    found: dict[str, list[Clusters]] = {}
    for code in range(n_units):
        part = frame.iloc[order[bounds[code] : bounds[code + 1]]]
        rules: Counter[str] = Counter()
        fact_type = part["fact_type"].iat[0]
        kind = kinds[fact_type]
        found.setdefault(fact_type, []).append(kind.cluster(part, config, reference, uf, rules))
        unit_rules.append(rules)
    return uf, unit_rules, found


def merged_clusters(parts: list[Clusters]) -> Clusters:
    """The clusters of several units of one kind as one (their positions never overlap)."""
    if len(parts) == 1:
        return parts[0]
    merged = Clusters()  # also for a kind without mentions
    for part in parts:
        merged.groups.update(part.groups)
        merged.unpublished = merged.unpublished | part.unpublished
    return merged
