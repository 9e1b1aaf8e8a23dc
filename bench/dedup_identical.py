"""Check that a change to fact deduplication leaves its output identical, row by row.

``uv run python bench/dedup_identical.py write OUT_DIR [n_mentions]`` runs ``build_facts`` on the synthetic
mentions of :mod:`dedup_million` (same seed, so the same input every time) and writes its three tables
(``facts``, ``conflicts``, ``mentions``) as Parquet files to ``OUT_DIR``. Run it once with the code before
a change and once after, then ``uv run python bench/dedup_identical.py compare OLD_DIR NEW_DIR`` compares
the tables row by row and column by column and exits 1 at the first difference.

Both versions of the code must see the same input: run the script of the new code with the package of
the old code first on the import path (``PYTHONPATH=<old checkout>/flows``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from factlake.config import DEFAULT_REFERENCE_DIR, DedupConfig
from factlake.dedup import build_facts
from factlake.reference import load_reference

sys.path.insert(0, str(Path(__file__).parent))
import dedup_million

TABLES = ("facts", "conflicts", "mentions")


def write(out_dir: Path, n_mentions: int) -> None:
    """Run ``build_facts`` on ``n_mentions`` synthetic mentions and write its tables to ``out_dir``."""
    rng = np.random.default_rng(dedup_million.SEED)
    mentions, articles = dedup_million.synthetic_mentions(n_mentions, rng)
    fact_set = build_facts(mentions, articles, DedupConfig(), load_reference(DEFAULT_REFERENCE_DIR))
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        getattr(fact_set, name).to_parquet(out_dir / f"{name}.parquet", index=False)
    print(f"wrote {', '.join(f'{len(getattr(fact_set, name)):,} {name}' for name in TABLES)} to {out_dir}")


def compare(old_dir: Path, new_dir: Path) -> bool:
    """Whether every table of ``new_dir`` equals the one of ``old_dir`` row by row (prints what differs)."""
    same = True
    for name in TABLES:
        old = pd.read_parquet(old_dir / f"{name}.parquet")
        new = pd.read_parquet(new_dir / f"{name}.parquet")
        try:
            pd.testing.assert_frame_equal(old, new, check_exact=True)
        except AssertionError as difference:
            same = False
            print(f"{name}: DIFFERENT\n{difference}")
        else:
            print(f"{name}: identical ({len(new):,} rows, {len(new.columns)} columns)")
    return same


def main() -> None:
    """``write OUT_DIR [n_mentions]`` or ``compare OLD_DIR NEW_DIR``."""
    command, *arguments = sys.argv[1:]
    if command == "write":
        write(Path(arguments[0]), int(arguments[1]) if len(arguments) > 1 else 100_000)
    elif command == "compare":
        sys.exit(0 if compare(Path(arguments[0]), Path(arguments[1])) else 1)
    else:
        sys.exit(f"unknown command {command!r}: write OUT_DIR [n_mentions] | compare OLD_DIR NEW_DIR")


if __name__ == "__main__":
    main()
