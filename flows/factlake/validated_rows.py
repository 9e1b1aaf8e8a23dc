"""Rows that already passed the contract: a run validates only its new and changed rows.

Validating every row of every table costs a run time in proportion to the whole dataset, while a run that
adds 1% of the articles changes a few percent of the rows. Whether a row passes a table's model depends
only on the row and on the code (the schemas, the package, the settings: all in ``code_sha256``), so a
row that passed it once passes it again under the same code. After validating, a run keeps the
fingerprint of every row (:func:`factlake.part_generations.row_fingerprints`: a hash of the row's
whole content, the one the parts layout matches rows by) in ``DIR/.cache/validated_rows.parquet`` with
its ``code_sha256``; the next run of the same code skips the per-row checks of the rows whose
fingerprint is there. The rules that span rows (unique columns, references between tables) still see
every row (:func:`schemas.contract.validate_tables`). Every published row is so validated once.

Only an accelerator, like the extraction cache: a missing or unreadable file, another ``code_sha256``, or
a table that cannot be converted to its Arrow schema means every row of that table is validated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from factlake import part_generations, publish
from factlake.cache import CACHE_DIR
from factlake.keyed_cache import read_keyed_table, write_keyed_table
from schemas.tables import TABLES

VALIDATED_FILE = "validated_rows.parquet"
#: Key of the schema metadata that records the code the rows were validated by (and the fingerprints'
#: hash, :data:`factlake.part_generations.FINGERPRINT_SCHEME`).
CODE_KEY = b"code_sha256"


def _validity(code_sha256: str) -> bytes:
    """What the recorded fingerprints are valid for: the code and the hash that computed them."""
    return f"{code_sha256} {part_generations.FINGERPRINT_SCHEME}".encode()


def table_fingerprints(tables: dict[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    """The fingerprint of every row of every contract table, in the frame's row order.

    A table that cannot be converted to its published Arrow schema is left out (the contract says
    why, and all its rows are validated).
    """
    fingerprints = {}
    for name, frame in tables.items():
        if name not in TABLES:
            continue
        try:
            arrow_table = pa.Table.from_pandas(frame, schema=publish.arrow_schema(name), preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError):
            continue
        fingerprints[name] = part_generations.row_fingerprints(arrow_table)
    return fingerprints


def known_valid_rows(
    fingerprints: dict[str, np.ndarray], validated: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Which rows already passed the contract (True), by table, in the frame's row order.

    Args:
        fingerprints: :func:`table_fingerprints` of the tables about to be validated.
        validated: :func:`load_validated` of the dataset.
    """
    return {name: np.isin(rows, validated[name]) for name, rows in fingerprints.items() if name in validated}


def load_validated(dataset: Path, code_sha256: str) -> dict[str, np.ndarray]:
    """The fingerprints of the rows validated by the code ``code_sha256``, by table (empty when the
    file is missing, unreadable or of other code)."""
    table = read_keyed_table(dataset / CACHE_DIR / VALIDATED_FILE, CODE_KEY, _validity(code_sha256))
    if table is None:
        return {}
    frame = table.to_pandas()
    return {
        str(name): np.sort(group["fingerprint"].to_numpy(dtype="uint64"))
        for name, group in frame.groupby("table", sort=True)
    }


def save_validated(dataset: Path, code_sha256: str, fingerprints: dict[str, np.ndarray]) -> None:
    """Replace the record of validated rows with ``fingerprints`` (rows that just passed the contract
    under ``code_sha256``), atomically."""
    names = sorted(fingerprints)
    unique = [np.unique(fingerprints[name]) for name in names]
    table = pa.table(
        {
            "table": pa.array(np.repeat(names, [len(rows) for rows in unique]).tolist(), pa.string()),
            "fingerprint": pa.array(np.concatenate(unique) if unique else [], pa.uint64()),
        }
    )
    write_keyed_table(dataset / CACHE_DIR / VALIDATED_FILE, table, CODE_KEY, _validity(code_sha256))


def validation_counts(tables: dict[str, pd.DataFrame], known: dict[str, np.ndarray]) -> dict[str, int]:
    """For the manifest: rows of the contract tables, and those that skipped the per-row checks."""
    rows = sum(len(frame) for name, frame in tables.items() if name in TABLES)
    return {"rows": rows, "already_valid": int(sum(int(flags.sum()) for flags in known.values()))}
