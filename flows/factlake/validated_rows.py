"""Rows a new version shares unchanged with its parent, which passed this same contract when published.

Validating every row of every table costs a run time in proportion to the whole dataset, while a run that
adds 1% of the articles changes a few percent of the rows. Every version is validated before it is
published, so a row the latest version already holds, published by this same code (its ``code_sha256``
covers the schemas, the package and the settings), has passed this very contract: validating it again
cannot fail. Such rows are found by their fingerprint (:func:`factlake.parts.row_fingerprints`, a hash of
the row's whole content, as the parts layout matches rows with its parent's) and left out of the per-row
checks; the rules that span rows (unique columns, references between tables) still see every row
(:func:`schemas.contract.validate_tables`). Every published row is so validated once.

Only an accelerator: a parent that cannot be read, was published by other code, or a table that cannot
be converted to its Arrow schema, means every row of that table is validated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from factlake import parts, publish
from factlake.errors import RunError
from schemas.tables import TABLES


def parent_fingerprints(dataset: Path, code_sha256: str) -> dict[str, np.ndarray]:
    """Row fingerprints of every contract table of the latest version, when this code published it.

    Args:
        dataset: The dataset folder.
        code_sha256: :func:`factlake.assemble.code_fingerprint` of this run.

    Returns:
        Sorted unique fingerprints by table; empty when there is no latest version, it was published by
        other code, or its manifest cannot be read (a table whose parts cannot be read is left out).
    """
    parent = publish.latest_version(dataset)
    if parent is None:
        return {}
    try:
        manifest = publish.read_manifest(parent)
    except RunError:
        return {}
    if (manifest.get("code_version") or {}).get("code_sha256") != code_sha256:
        return {}
    fingerprints = {}
    for table in TABLES:
        try:
            pieces = [pq.read_table(path) for path in publish.table_files(parent, table)]
            fingerprints[table] = np.unique(parts.row_fingerprints(pa.concat_tables(pieces)))
        except (OSError, RunError, pa.ArrowException):
            continue
    return fingerprints


def known_valid_rows(
    tables: dict[str, pd.DataFrame], fingerprints: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Which rows of every table the parent version holds unchanged (True), in the frame's row order.

    Args:
        tables: The tables about to be validated.
        fingerprints: :func:`parent_fingerprints` of the dataset.

    Returns:
        A boolean array per table the parent has; a table missing from it is validated whole.
    """
    known = {}
    for name, frame in tables.items():
        parent = fingerprints.get(name)
        if parent is None or name not in TABLES:
            continue
        try:
            arrow_table = pa.Table.from_pandas(frame, schema=publish.arrow_schema(name), preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError):
            continue  # not convertible as published: the contract says why
        known[name] = np.isin(parts.row_fingerprints(arrow_table), parent)
    return known
