"""Reference data (alias lists, word lists, vocabularies) under ``seeds/reference``.

Loaded once, by the caller, and passed into the stages, so stage code never opens files itself. Every
``*.csv`` file becomes a list of row dicts and every ``*.txt`` file a list of non-empty, non-comment lines,
both keyed by the file's stem (``actions.csv`` → ``reference.table("actions")``).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from factlake.errors import RunError
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


def rows_valid_on(rows: list[dict[str, str]], on: dt.date | None) -> list[dict[str, str]]:
    """The rows of a dated table (``valid_from``, ``valid_to``: ISO dates, both inclusive) in force on ``on``.

    Knowledge that holds only for a period (who holds an office) must not be applied outside it: an
    article published in 2016 must not get the 2022 holder of a role. An undated article (``on`` None)
    gets no row, and a row without ``valid_from`` applies to no article. An empty ``valid_to`` means the
    period is still running.

    Raises:
        RunError: A date of a row is not an ISO date (the reference data is broken; nothing can run).
    """
    if on is None:
        return []
    valid = []
    for row in rows:
        valid_from = _row_date(row, "valid_from")
        valid_to = _row_date(row, "valid_to")
        if valid_from is not None and valid_from <= on and (valid_to is None or on <= valid_to):
            valid.append(row)
    return valid


def _row_date(row: dict[str, str], column: str) -> dt.date | None:
    """The ISO date in ``row[column]``, None when the cell is empty or missing."""
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise RunError(f"reference row {row} has a bad {column} {text!r}: expected YYYY-MM-DD") from error
