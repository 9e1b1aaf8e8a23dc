"""Parse cache for incremental runs: an input file whose bytes did not change is not parsed again.

Parsing is a pure function of an input's name (``source_uri``, which names its articles), its bytes, the
parse settings, the reference data and the code, so the articles and rejects of one input are kept in
``DIR/.cache/parsed.parquet`` keyed by the input's name, the SHA-256 of its bytes and the run's code
fingerprint (which covers the code, the settings and the reference data). A run hashes every input (as the
"up to date" check does) and parses only those the cache does not hold: on a feed that adds files, the
new ones.

An input's outcome is cached only when its JSON form reads back exactly as parsed (same values and
types; dates are the only values written as text), so a cached outcome is the one parsing would give.
The cache is only an accelerator: a missing or unreadable file means parsing everything.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from factlake import discover
from factlake.cache import CACHE_DIR
from factlake.keyed_cache import write_table_atomic
from factlake.parse import ParseOutcome
from factlake.records import stable_id

CACHE_FILE = "parsed.parquet"
#: Bytes read at a time when hashing an input.
#: Article fields that hold dates (written as ISO text).
DATE_FIELDS = ("published_date",)


def input_key(source_uri: str, digest: str, code_sha256: str) -> str:
    """Cache key of one input: its name, the SHA-256 of its bytes and the code fingerprint."""
    return stable_id("parsed", source_uri, digest, code_sha256)


def input_digests(inputs: list[discover.InputFile]) -> list[str | None]:
    """The SHA-256 of every input's bytes, in order (None for an input that cannot be read: it is
    parsed, and rejected there with the reason)."""
    digests: list[str | None] = []
    for item in inputs:
        try:
            digests.append(discover.input_sha256(item))
        except OSError:
            digests.append(None)
    return digests


def encode(outcome: ParseOutcome) -> str | None:
    """The cache entry of one input's outcome, or None when it would not read back exactly or holds a
    reject of stage ``read`` (the file could not be read, or is no text: a reason that may lie outside
    its bytes is never carried over to another run)."""
    if any(reject.get("stage") == "read" for reject in outcome.rejects):
        return None
    articles = [
        {
            key: value.isoformat() if key in DATE_FIELDS and value is not None else value
            for key, value in row.items()
        }
        for row in outcome.articles
    ]
    try:
        entry = json.dumps({"articles": articles, "rejects": outcome.rejects}, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    decoded = decode(entry)
    if not (_same(decoded.articles, outcome.articles) and _same(decoded.rejects, outcome.rejects)):
        return None
    return entry


def decode(entry: str) -> ParseOutcome:
    """The outcome a cache entry holds."""
    payload = json.loads(entry)
    for row in payload["articles"]:
        for name in DATE_FIELDS:
            if row.get(name) is not None:
                row[name] = dt.date.fromisoformat(row[name])
    return ParseOutcome(articles=payload["articles"], rejects=payload["rejects"])


def _same(left: Any, right: Any) -> bool:
    """Equal values of the same types, lists and dicts compared element by element (``1 == 1.0`` and
    ``True == 1`` are not the same here)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def load_cache(dataset: Path) -> dict[str, str]:
    """The cache entries of a dataset (empty when there is none or it cannot be read)."""
    try:
        table = pq.read_table(dataset / CACHE_DIR / CACHE_FILE)
        return dict(zip(table.column("key").to_pylist(), table.column("entry").to_pylist(), strict=True))
    except (OSError, KeyError, pa.ArrowException):
        return {}


def save_cache(dataset: Path, entries: dict[str, str]) -> None:
    """Replace the cache with ``entries`` (those of the inputs of the latest run), atomically."""
    directory = dataset / CACHE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    keys = sorted(entries)
    table = pa.table(
        {"key": pa.array(keys, pa.string()), "entry": pa.array([entries[key] for key in keys], pa.string())}
    )
    write_table_atomic(directory / CACHE_FILE, table)


class PendingParse(Protocol):
    """A started parse of one batch of inputs."""

    def result(self) -> list[ParseOutcome]:
        """Wait for the parse and return the outcome of each input of the batch, in order."""
        ...


class IncrementalParse(NamedTuple):
    """The outcome of :func:`parse_incrementally`.

    Attributes:
        outcome: The articles and rejects of every input, in input order, cached or parsed alike.
        entries: The cache entries of this run's inputs (what the cache keeps for the next run).
        stats: Counts of inputs, of inputs parsed and of inputs carried over, for the manifest.
    """

    outcome: ParseOutcome
    entries: dict[str, str]
    stats: dict[str, int]


def parse_incrementally(
    inputs: list[discover.InputFile],
    digests: list[str | None],
    cached: dict[str, str],
    code_sha256: str,
    submit: Callable[[list[discover.InputFile]], PendingParse],
    batch_size: int,
    report: Callable[[str, int, int], None],
) -> IncrementalParse:
    """Parse the inputs ``cached`` does not hold; carry the others over.

    Args:
        inputs: The run's inputs, in order.
        digests: :func:`input_digests` of ``inputs``.
        cached: Cache entries of the previous run (:func:`input_key` → entry).
        code_sha256: The run's code fingerprint.
        submit: Starts the parse of one batch of inputs and returns its pending outcomes.
        batch_size: Inputs per batch.
        report: Progress callback ``("parse", batches done, batches)``.

    Returns:
        The outcome of every input in input order (the same lists a parse of every input gives), the
        cache entries and the counts.
    """
    keys = [
        None if digest is None else input_key(item.source_uri, digest, code_sha256)
        for item, digest in zip(inputs, digests, strict=True)
    ]
    outcomes: list[ParseOutcome | None] = [
        decode(cached[key]) if key is not None and key in cached else None for key in keys
    ]
    missing = [position for position, outcome in enumerate(outcomes) if outcome is None]
    size = max(1, batch_size)
    position_batches = [missing[start : start + size] for start in range(0, len(missing), size)]
    pending = [submit([inputs[position] for position in batch]) for batch in position_batches]
    entries: dict[str, str] = {}
    for done, (batch, started) in enumerate(zip(position_batches, pending, strict=True), start=1):
        for position, parsed in zip(batch, started.result(), strict=True):
            outcomes[position] = parsed
            key = keys[position]
            entry = encode(parsed) if key is not None else None
            if entry is not None and key is not None:
                entries[key] = entry
        report("parse", done, len(position_batches))
    outcome = ParseOutcome(articles=[], rejects=[])
    for key, parsed in zip(keys, outcomes, strict=True):
        assert parsed is not None  # every input was cached or parsed above
        if key is not None and key in cached:
            entries[key] = cached[key]
        outcome.articles.extend(parsed.articles)
        outcome.rejects.extend(parsed.rejects)
    stats = {"inputs": len(inputs), "parsed": len(missing), "carried_over": len(inputs) - len(missing)}
    return IncrementalParse(outcome, entries, stats)
