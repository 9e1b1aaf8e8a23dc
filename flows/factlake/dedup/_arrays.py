"""Array helpers shared by the fact clustering and counting steps."""

from __future__ import annotations

import numpy as np


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values, sorted (a plain sort: faster than ``np.unique`` on large integer arrays)."""
    values = np.sort(values)
    return values[np.append(True, values[1:] != values[:-1])] if len(values) else values
