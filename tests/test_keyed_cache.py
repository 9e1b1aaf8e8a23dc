"""Parquet files kept under a key: read back only while the key matches, replaced atomically."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factlake import keyed_cache
from factlake.keyed_cache import read_keyed_table, write_keyed_table

FIELD = b"test_key"


def _table() -> pa.Table:
    return pa.table({"name": ["a", "b"], "count": pa.array([1, 2], pa.int32())})


def test_a_table_written_under_a_key_reads_back_under_that_key(tmp_path):
    path = tmp_path / "cache" / "table.parquet"
    write_keyed_table(path, _table(), FIELD, "k1")
    read = read_keyed_table(path, FIELD, "k1")
    assert read is not None
    assert read.replace_schema_metadata(None).equals(_table())
    assert read.schema.metadata == {FIELD: b"k1"}
    assert read_keyed_table(path, FIELD, b"k1", expected_columns=["count", "name"]) is not None


def test_another_key_or_field_reads_as_missing(tmp_path):
    path = tmp_path / "table.parquet"
    write_keyed_table(path, _table(), FIELD, "k1")
    assert read_keyed_table(path, FIELD, "k2") is None
    assert read_keyed_table(path, b"other_field", "k1") is None


def test_a_file_without_metadata_reads_as_missing(tmp_path):
    path = tmp_path / "table.parquet"
    pq.write_table(_table(), path)
    assert read_keyed_table(path, FIELD, "k1") is None


def test_other_columns_read_as_missing(tmp_path):
    path = tmp_path / "table.parquet"
    write_keyed_table(path, _table(), FIELD, "k1")
    assert read_keyed_table(path, FIELD, "k1", expected_columns=["name"]) is None
    assert read_keyed_table(path, FIELD, "k1", expected_columns=["name", "count", "extra"]) is None


def test_a_missing_file_reads_as_missing(tmp_path):
    assert read_keyed_table(tmp_path / "absent.parquet", FIELD, "k1") is None


def test_a_corrupt_file_reads_as_missing(tmp_path):
    path = tmp_path / "table.parquet"
    write_keyed_table(path, _table(), FIELD, "k1")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert read_keyed_table(path, FIELD, "k1") is None
    path.write_bytes(b"not parquet at all")
    assert read_keyed_table(path, FIELD, "k1") is None


def test_a_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "table.parquet"
    write_keyed_table(path, _table(), FIELD, "k1")
    write_keyed_table(path, _table().slice(0, 1), FIELD, "k2")
    assert os.listdir(tmp_path) == ["table.parquet"]
    read = read_keyed_table(path, FIELD, "k2")
    assert read is not None and read.num_rows == 1
    assert read_keyed_table(path, FIELD, "k1") is None


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "table.parquet"
    write_keyed_table(path, _table(), FIELD, "k1")

    def broken_write(table, where, **kwargs):
        with open(where, "wb") as handle:
            handle.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(keyed_cache.pq, "write_table", broken_write)
    with pytest.raises(OSError, match="disk full"):
        write_keyed_table(path, _table().slice(0, 1), FIELD, "k2")
    assert os.listdir(tmp_path) == ["table.parquet"]
    read = read_keyed_table(path, FIELD, "k1")
    assert read is not None and read.num_rows == 2
