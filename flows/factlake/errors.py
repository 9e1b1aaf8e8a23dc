"""Named exceptions: bad data is never retried, transient faults are.

Stage code raises these; the flow layer decides what to do with them (reject rows for bad inputs, Prefect
retries for transient faults, a one-line message and a non-zero exit for run failures).
"""

from __future__ import annotations


class FactlakeError(Exception):
    """Base class of every error factlake raises on purpose."""


class BadInputError(FactlakeError):
    """An input cannot become an article. Never retried; becomes a ``rejects`` row.

    Args:
        error: A sentence a person understands ("file is not text: 38% of bytes are control characters").
        detail: Optional technical detail (sizes, exception text).
    """

    def __init__(self, error: str, detail: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail


class TransientError(FactlakeError):
    """A fault that may go away on retry (an I/O error while reading or writing)."""


class RunError(FactlakeError):
    """The run itself cannot go on (missing source, unwritable dataset, corrupt previous version)."""


class DatasetLockedError(RunError):
    """Another run holds the dataset's writer lock."""
