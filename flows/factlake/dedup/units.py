"""Unit and measure classes (``unit_classes.csv``): how numbers written in different words are compared.

"deaths", "lives", "casualties", "soldiers" and "people" all count people; a unit's *scope* tells a part
("soldiers") from the whole ("people"), which matters to conflicts but not to corroboration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from factlake.extract.quantities import DEFAULT_MEASURE, UNIT_DECIDES
from factlake.reference import Reference

#: Measures that give only a dimension (an amount of money, a share, a number of things, a span of time or
#: space), not the thing counted ("killed", "displaced", "votes" say what is counted). A figure of one of
#: them says what it counts only in its own words, so it never corroborates or contradicts a figure of
#: another story: "$300 million in 1987" of Kraft and of BankAmerica, "3 pct in 1987" of two economies.
DIMENSION_MEASURES = UNIT_DECIDES | {DEFAULT_MEASURE, "frequency"}


@dataclass(frozen=True)
class UnitClasses:
    """How units and measures written differently are compared (``unit_classes.csv``).

    Attributes:
        units: Unit → (class, scope); unlisted units are their own class, of scope ``all``.
        measures: Measure → class; unlisted measures are their own class.
    """

    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)

    def unit(self, unit: str) -> tuple[str, str]:
        """Class and scope of a (lower-case) unit."""
        return self.units.get(unit, (unit, "all"))

    def measure(self, measure: str) -> str:
        """Class of a (lower-case) measure."""
        return self.measures.get(measure, measure)


def unit_classes(reference: Reference) -> UnitClasses:
    """The unit and measure classes of ``reference`` (``unit_classes.csv``)."""
    return _classes_of(reference)


_CLASSES: dict[str, UnitClasses] = {}


def _classes_of(reference: Reference) -> UnitClasses:
    if reference.fingerprint and reference.fingerprint in _CLASSES:
        return _CLASSES[reference.fingerprint]
    rows = reference.table("unit_classes")
    classes = UnitClasses(
        units={
            row["name"].lower().strip(): (row["class"].lower().strip(), (row["scope"] or "all").strip())
            for row in rows
            if row["kind"] == "unit"
        },
        measures={
            row["name"].lower().strip(): row["class"].lower().strip()
            for row in rows
            if row["kind"] == "measure"
        },
    )
    if reference.fingerprint:
        _CLASSES[reference.fingerprint] = classes
    return classes


def comparable_units(part: pd.DataFrame) -> pd.Series:
    """The unit two claims are compared by, lower case: the normalized unit for a dimension ("kg" and
    "kilos" are both kilogram, "dlrs" and "$" both USD), the unit as written for a counted thing (whose
    classes ``unit_classes.csv`` lists: deaths, lives and people count the same people).

    Mentions written before ``unit_normalized`` existed compare by their unit as written.
    """
    written = part["unit"].fillna("").str.lower().str.strip()
    if "unit_normalized" not in part.columns:
        return written
    normalized = part["unit_normalized"].fillna("").str.lower().str.strip()
    dimension = part["measure"].isin(DIMENSION_MEASURES) & (normalized != "")
    return written.where(~dimension, normalized)
