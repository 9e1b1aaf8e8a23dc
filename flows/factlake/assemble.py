"""Assembling a version: fingerprints, table frames, the manifest and the run summary.

Pure functions between the stages and publishing, kept out of the Prefect layer so they can be tested
and reused (the flow only wires them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from factlake import __version__, discover, publish
from factlake.config import FactlakeConfig
from factlake.errors import FactlakeError
from factlake.records import sha256_hex, to_frame
from factlake.reference import Reference
from schemas.tables import SCHEMA_VERSION

PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMAS_DIR = PACKAGE_DIR.parents[1] / "schemas"


def code_fingerprint(config: FactlakeConfig, reference: Reference) -> str:
    """Hash of everything besides the inputs that decides the published rows.

    Covers the source of the package and of the schemas, the reference data and the parse, extract and
    dedup settings. Run settings (task runner, batch sizes) are left out on purpose: they must not change
    the output.
    """
    parts = []
    for directory in (PACKAGE_DIR, SCHEMAS_DIR):
        for path in sorted(directory.rglob("*.py")):
            parts.append(f"{path.relative_to(directory.parent)}:{sha256_hex(path.read_bytes())}")
    settings = {
        "parse": dataclasses.asdict(config.parse),
        "extract": dataclasses.asdict(config.extract),
        "dedup": dataclasses.asdict(config.dedup),
    }
    parts.append(json.dumps(settings, sort_keys=True, default=str))
    parts.append(f"reference:{reference.fingerprint}")
    parts.append(f"schema:{SCHEMA_VERSION}")
    return sha256_hex("\n".join(parts))


#: Bytes read at a time when hashing a source file.


def files_fingerprint(inputs: list[discover.InputFile], rejects: list[dict[str, Any]]) -> str | None:
    """Hash of the source files as found: every input's name and raw bytes, and every discover reject.

    The same files, code and settings give the same rows, so a run can tell from this alone, without
    parsing anything, that it has nothing to publish. None when a file cannot be read: the run then
    reads it for real and reports why.
    """
    lines = [f"reject\t{reject['source_uri']}\t{reject['error']}" for reject in rejects]
    for item in inputs:
        try:
            lines.append(f"input\t{item.source_uri}\t{discover.input_sha256(item)}")
        except OSError:
            return None
    return sha256_hex("\n".join(sorted(lines)))


def up_to_date_version(dataset: Path, code_sha256: str, **fingerprints: str | None) -> int | None:
    """The latest version of ``dataset``, when this code built it from the same inputs; else None.

    The one "up to date" decision: the command line asks it before starting Prefect (with the hash of
    the source files), the flow asks it again after discovering the files and after parsing them (with
    the hash of the parsed inputs).

    Args:
        dataset: The dataset folder.
        code_sha256: :func:`code_fingerprint` of this run.
        **fingerprints: Manifest keys and this run's values, e.g. ``sources_sha256=...``; a None value
            (inputs that could not be hashed) never matches.

    Returns:
        The latest version's number, or None (build): also when there is no version yet, or when the
        latest one predates a fingerprint or cannot be read (the run reports such problems itself).
    """
    try:
        latest = publish.latest_version(dataset)
        manifest = publish.read_manifest(latest) if latest is not None else {}
    except (OSError, FactlakeError):
        return None
    if latest is None or manifest.get("code_version", {}).get("code_sha256") != code_sha256:
        return None
    for name, value in fingerprints.items():
        if value is None or manifest.get(name) != value:
            return None
    return latest.number


def unchanged_version(config: FactlakeConfig, reference: Reference) -> int | None:
    """The latest version, when the source files and the code are exactly those it was built from.

    A cheap check before a run (the source files are hashed, not parsed): None means "run". The files
    are hashed only when a version of this code exists.
    """
    dataset, code_sha256 = Path(config.dataset), code_fingerprint(config, reference)
    if up_to_date_version(dataset, code_sha256) is None:
        return None
    try:
        inputs, rejects = discover.discover_inputs(config.sources, config.parse)
    except FactlakeError:
        return None
    return up_to_date_version(dataset, code_sha256, sources_sha256=files_fingerprint(inputs, rejects))


def input_fingerprint(inputs: list[dict[str, Any]]) -> str:
    """Hash of the input listing (source_uri and content hash of every input, in order)."""
    lines = sorted(f"{entry['source_uri']}\t{entry.get('sha256') or ''}" for entry in inputs)
    return sha256_hex("\n".join(lines))


def input_entries(articles: list[dict[str, Any]], rejects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One manifest entry per input (file or JSONL line): its hash and what became of it."""
    entries = [
        {
            "source_uri": article["source_uri"],
            "sha256": article["content_sha256"],
            "outcome": "duplicate" if isinstance(article.get("duplicate_of"), str) else "article",
            "article_id": article["article_id"],
        }
        for article in articles
    ]
    entries += [
        {
            "source_uri": reject["source_uri"],
            "sha256": reject["content_sha256"],
            "outcome": "rejected",
            "stage": reject["stage"],
            "error": reject["error"],
        }
        for reject in rejects
    ]
    return sorted(entries, key=lambda entry: (entry["source_uri"], entry["outcome"]))


def inputs_frame(entries: list[dict[str, Any]]) -> pd.DataFrame:
    """The ``inputs`` table of a version: one row per input (file or JSONL line) with its hash and what
    became of it (``article``, ``duplicate`` or ``rejected`` with the stage and reason).

    Published as Parquet parts beside the tables rather than inline in ``manifest.json``: it grows with
    every input ever read, and as parts it is shared between versions like the other tables.
    """
    columns = [field.name for field in publish.INPUTS_SCHEMA]
    return pd.DataFrame([{name: entry.get(name) for name in columns} for entry in entries], columns=columns)


def outcome_counts(entries: list[dict[str, Any]]) -> dict[str, int]:
    """Inputs by outcome, plus their total (the counts add up to ``total``)."""
    counts = Counter(entry["outcome"] for entry in entries)
    return {
        "article": counts["article"],
        "duplicate": counts["duplicate"],
        "rejected": counts["rejected"],
        "total": len(entries),
    }


def source_names(sources: tuple[Path, ...] | list[Path]) -> list[str]:
    """How the manifest names the source folders: by label, never by a path of the publishing machine.

    The label is the one ``source_uri`` carries for several sources (the folder's name, ``name~2`` for a
    second folder of the same name); a single source is named by its folder's name.
    """
    labels = discover.source_labels(list(sources))
    names = zip(labels, sources, strict=True)
    return [label or Path(source).resolve().name or "source" for label, source in names]


def build_manifest(
    *,
    config: FactlakeConfig,
    code_sha256: str,
    inputs_sha256: str,
    sources_sha256: str | None,
    inputs: list[dict[str, Any]],
    extractors: dict[str, str],
    dedup_stats: dict[str, Any],
    flow_run: dict[str, Any],
    created_at: dt.datetime,
) -> dict[str, Any]:
    """The manifest of a version, minus what publishing adds (version, parent, tables).

    ``inputs`` are only counted here (``input_counts``); the list itself is the version's ``inputs``
    table (:func:`inputs_frame`).
    """
    return {
        "created_at": created_at.isoformat(timespec="seconds"),
        "code_version": {"factlake": __version__, "code_sha256": code_sha256, "extractors": extractors},
        "schema_version": SCHEMA_VERSION,
        "inputs_sha256": inputs_sha256,
        "sources_sha256": sources_sha256,
        "sources": source_names(config.sources),
        "settings": {
            "parse": dataclasses.asdict(config.parse),
            "extract": dataclasses.asdict(config.extract),
            "dedup": dataclasses.asdict(config.dedup),
        },
        "input_counts": outcome_counts(inputs),
        "dedup": dedup_stats,
        "prefect": flow_run,
    }


@dataclass
class RunSummary:
    """What a run did, for the closing summary, the Prefect artifact and tests."""

    dataset: str
    version: int | None
    up_to_date: bool
    inputs: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    rejects: list[dict[str, str]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The closing summary, one fact per line."""
        if self.up_to_date:
            return [f"up to date: inputs and code unchanged since v{self.version}; nothing published"]
        inputs = self.inputs
        return [
            f"inputs: {inputs.get('total', 0)} read, {inputs.get('article', 0)} articles, "
            f"{inputs.get('duplicate', 0)} duplicates, {inputs.get('rejected', 0)} rejected",
            f"facts: {self.rows.get('facts', 0)} from {self.rows.get('mentions', 0)} mentions, "
            f"{self.rows.get('entities', 0)} entities, "
            f"{len(self.conflicts)} conflict{'' if len(self.conflicts) == 1 else 's'}",
            f"published: {self.dataset}/v{self.version}",
        ]

    def markdown(self) -> str:
        """Markdown for the Prefect UI artifact of the run."""
        if self.up_to_date:
            return f"# factlake: up to date\n\nNothing new since `v{self.version}` of `{self.dataset}`.\n"
        lines = [
            f"# factlake: published v{self.version}",
            "",
            f"Dataset: `{self.dataset}`",
            "",
            "| inputs | count |",
            "|---|---:|",
        ]
        lines += [f"| {name} | {count} |" for name, count in self.inputs.items()]
        lines += ["", "| table | rows |", "|---|---:|"]
        lines += [f"| {name} | {count} |" for name, count in self.rows.items()]
        if self.rejects:
            lines += ["", "## Rejects", "", "| input | stage | reason |", "|---|---|---|"]
            lines += [f"| `{r['source_uri']}` | {r['stage']} | {r['error']} |" for r in self.rejects[:200]]
        if self.conflicts:
            lines += ["", "## Conflicts", ""] + [f"- {description}" for description in self.conflicts[:100]]
        return "\n".join(lines) + "\n"


def build_tables(
    articles: pd.DataFrame,
    mentions: pd.DataFrame,
    facts: pd.DataFrame,
    entities: pd.DataFrame,
    conflicts: pd.DataFrame,
    stories: pd.DataFrame,
    rejects: list[dict[str, Any]],
) -> dict[str, pd.DataFrame]:
    """The seven tables of the contract, in contract order (the ``inputs`` table is added after
    validation: :func:`inputs_frame`)."""
    return {
        "articles": articles,
        "mentions": mentions,
        "facts": facts,
        "entities": entities,
        "conflicts": conflicts,
        "stories": stories,
        "rejects": to_frame("rejects", rejects),
    }
