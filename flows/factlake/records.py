"""Plain-data helpers shared by every stage: ids, hashes and table frames.

Stages pass rows around as plain ``dict`` records keyed by the column names of :mod:`schemas.tables`;
:func:`to_frame` turns a list of records into a DataFrame with exactly the contract's columns, in order.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from schemas.tables import LIST_OF_STRINGS, TABLES, typed_columns

ID_LENGTH = 16
#: Characters of scripts written without spaces between words: CJK ideographs (with extensions and
#: compatibility forms), Hiragana, Katakana, Thai, Lao, Myanmar and Khmer. Each counts as one word.
_UNSPACED_SCRIPT = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U0003134f]"
)


def sha256_hex(data: bytes | str) -> str:
    """SHA-256 of bytes, or of a string encoded as UTF-8, as 64 hex digits."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def stable_id(*parts: object) -> str:
    """A 16-hex-digit id derived only from ``parts`` (deterministic across runs and machines)."""
    joined = "\x1f".join("" if part is None else str(part) for part in parts)
    return sha256_hex(joined)[:ID_LENGTH]


def normalize_text(text: str) -> str:
    """Normalization used for body hashes: NFKC, straight quotes, single spaces, lower case."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"}))
    return " ".join(text.split()).lower()


def count_words(text: str) -> int:
    """Words of a text: whitespace-separated words, where each character of a script written without
    spaces (Chinese, Japanese, Thai ...) counts as one word and the rest of such a chunk as one more.

    For text without such characters this is ``len(text.split())``; a Chinese article of 40 characters
    has 40 words, not 1.
    """
    if text.isascii() or _UNSPACED_SCRIPT.search(text) is None:
        return len(text.split())
    n_words = 0
    for chunk in text.split():
        rest, n_unspaced = _UNSPACED_SCRIPT.subn("", chunk)
        n_words += n_unspaced + (1 if rest else 0)
    return n_words


def columns_of(table: str) -> list[str]:
    """Column names of a published table, in published order."""
    return [name for name, _ in _record_layout(table)]


@functools.cache
def _record_layout(table: str) -> tuple[tuple[str, bool], ...]:
    """Each column of ``table`` in published order, with whether it holds a list (the schema is fixed)."""
    list_columns = set(typed_columns(TABLES[table], LIST_OF_STRINGS))
    return tuple((name, name in list_columns) for name in TABLES[table].to_schema().columns)


def new_record(table: str, **values: Any) -> dict[str, Any]:
    """A record of ``table`` with every column present: lists empty, everything else null, then ``values``.

    Raises:
        KeyError: when ``values`` names a column the table does not have.
    """
    record: dict[str, Any] = {name: ([] if is_list else None) for name, is_list in _record_layout(table)}
    if not values.keys() <= record.keys():
        raise KeyError(f"{table} has no column(s) {sorted(set(values) - set(record))}")
    record.update(values)
    return record


def to_frame(table: str, records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Records to a DataFrame with exactly the columns of ``table`` and contract-friendly dtypes."""
    schema = TABLES[table].to_schema()
    return _contract_dtypes(pd.DataFrame.from_records(list(records), columns=list(schema.columns)), table)


def columns_to_frame(table: str, columns: Mapping[str, list[Any]]) -> pd.DataFrame:
    """Columns (lists of equal length) to a DataFrame with exactly the columns of ``table`` and
    contract-friendly dtypes, as :func:`to_frame` makes of the same values as records; a column of
    ``table`` missing from ``columns`` is null. Other columns are left out."""
    names = list(TABLES[table].to_schema().columns)
    frame = pd.DataFrame({name: columns[name] for name in names if name in columns}, columns=names)
    return _contract_dtypes(frame, table)


def contract_frame(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (the columns of ``table``, some perhaps held compact, as categoricals) with the dtypes
    of ``table``'s contract, as :func:`to_frame` makes them; ``frame`` itself is left as it is."""
    return _contract_dtypes(frame.copy(deep=False), table)


def _contract_dtypes(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """``frame`` with the dtypes of ``table``'s columns."""
    for name, column in TABLES[table].to_schema().columns.items():
        dtype = str(column.dtype)
        if dtype.startswith("int"):
            frame[name] = frame[name].astype("int64")
        elif dtype == "Int64":
            frame[name] = frame[name].astype("Int64")
        elif dtype.startswith("float"):
            frame[name] = frame[name].astype("float64")
        elif dtype.startswith("str"):
            frame[name] = frame[name].astype(column.dtype.type)
        else:
            frame[name] = frame[name].astype("object")
    return frame
