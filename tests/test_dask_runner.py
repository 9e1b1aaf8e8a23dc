"""The Dask task runner gives the same tables as the default one, and runs are deterministic.

Real runs of the CLI on the seed articles: two default runs into two datasets (at the same time) and one
run on a local Dask cluster of two worker processes with small batches, so tasks really spread out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from factlake.config import DEFAULT_SOURCE
from factlake.publish import read_table, resolve_version, table_files
from schemas.tables import TABLES
from tests.helpers_process import (
    check_dataset,
    client_environment,
    factlake_command,
    prefect_server,
    run_factlake,
    start,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from prefect_server(tmp_path_factory.mktemp("prefect-server"))


@pytest.fixture(scope="module")
def datasets(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    environment = client_environment(prefect_api, root / "client-home")
    folders = {name: root / name for name in ("default_one", "default_two", "dask")}
    # one process, and two extraction worker processes with batches small enough to spread over both
    worker_options = {
        "default_one": ["--workers", "1"],
        "default_two": ["--workers", "2", "--batch-size", "2"],
    }
    default_runs = [
        start(
            factlake_command("run", str(DEFAULT_SOURCE), "--dataset", str(folders[name]), *options),
            environment,
            root / "logs",
            name,
        )
        for name, options in worker_options.items()
    ]
    for child in default_runs:
        assert child.wait() == 0, child.describe()
    dask_arguments = ["run", str(DEFAULT_SOURCE), "--dataset", str(folders["dask"])]
    dask_arguments += ["--task-runner", "dask", "--dask-workers", "2", "--batch-size", "2"]
    dask_run = run_factlake(dask_arguments, environment, root / "logs", "dask")
    assert dask_run.process.returncode == 0, dask_run.describe()
    for folder in folders.values():
        assert check_dataset(folder) == ["v1"]
    return folders


def table_rows(dataset: Path, table: str) -> list[dict]:
    frame = read_table(resolve_version(dataset, 1), table)
    return pa.Table.from_pandas(frame, preserve_index=False).to_pylist()


def test_dask_runner_gives_the_same_tables(datasets: dict[str, Path]) -> None:
    for table in TABLES:
        default_rows = table_rows(datasets["default_one"], table)
        assert table_rows(datasets["dask"], table) == default_rows, table
    facts = table_rows(datasets["dask"], "facts")
    assert facts, "the seed articles give facts"
    assert len({row["fact_id"] for row in facts}) == len(facts)


def test_manifests_agree_on_inputs_and_code(datasets: dict[str, Path]) -> None:
    manifests = {
        name: json.loads((folder / "v1" / "manifest.json").read_text()) for name, folder in datasets.items()
    }
    for key in ("inputs_sha256", "input_counts", "tables", "schema_version"):
        assert manifests["dask"][key] == manifests["default_one"][key] == manifests["default_two"][key], key
    code_versions = [manifest["code_version"]["code_sha256"] for manifest in manifests.values()]
    assert len(set(code_versions)) == 1
    run_ids = [manifest["prefect"]["flow_run_id"] for manifest in manifests.values()]
    assert all(run_ids) and len(set(run_ids)) == 3


def test_one_process_and_two_workers_write_byte_identical_parquet(datasets: dict[str, Path]) -> None:
    for table in (*TABLES, "inputs"):
        first, second = (
            table_files(resolve_version(datasets[name], 1), table) for name in ("default_one", "default_two")
        )
        assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second], table
