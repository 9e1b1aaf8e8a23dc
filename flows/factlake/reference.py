"""Reference data (alias lists, word lists, vocabularies) under ``seeds/reference``.

Loaded once, by the caller, and passed into the stages, so stage code never opens files itself. Every
``*.csv`` file becomes a list of row dicts and every ``*.txt`` file a list of non-empty, non-comment lines,
both keyed by the file's stem (``actions.csv`` → ``reference.table("actions")``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from factlake.records import sha256_hex


@dataclass(frozen=True)
class Reference:
    """Immutable bundle of reference data with a fingerprint of its content."""

    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    word_lists: dict[str, list[str]] = field(default_factory=dict)
    fingerprint: str = ""

    def table(self, name: str) -> list[dict[str, str]]:
        """Rows of ``<name>.csv``; an empty list when the file does not exist."""
        return self.tables.get(name, [])

    def words(self, name: str) -> list[str]:
        """Lines of ``<name>.txt`` without blanks and ``#`` comments; empty when missing."""
        return self.word_lists.get(name, [])


def load_reference(directory: Path) -> Reference:
    """Read every ``*.csv`` and ``*.txt`` file of ``directory`` (not recursive).

    The fingerprint (SHA-256 over file names and bytes) goes into extractor versions, so editing the
    reference data reprocesses what it affects.
    """
    tables: dict[str, list[dict[str, str]]] = {}
    word_lists: dict[str, list[str]] = {}
    digest_parts: list[str] = []
    for path in sorted(directory.glob("*")):
        if path.suffix not in {".csv", ".txt"} or not path.is_file():
            continue
        raw = path.read_bytes()
        digest_parts.append(f"{path.name}:{sha256_hex(raw)}")
        text = raw.decode("utf-8")
        if path.suffix == ".csv":
            rows = [
                row for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
            ]
            tables[path.stem] = rows
        else:
            word_lists[path.stem] = [
                line.strip()
                for line in text.splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ]
    return Reference(
        tables=tables, word_lists=word_lists, fingerprint=sha256_hex("\n".join(digest_parts))[:16]
    )
