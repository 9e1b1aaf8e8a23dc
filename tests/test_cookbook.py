"""The README's analyst cookbook runs as written against a dataset built from the seeds."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from factlake import catalog
from factlake.config import PROJECT_ROOT, FactlakeConfig
from factlake.runner import run_build

pytestmark = pytest.mark.slow  # runs the build through Prefect (a server or subprocesses)

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
COOKBOOK = README[README.index("## Cookbook for analysts") : README.index("## Scheduling")]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", COOKBOOK, flags=re.DOTALL)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out like the project: datasets/news built from the seeds."""
    root = tmp_path_factory.mktemp("cookbook")
    shutil.copytree(PROJECT_ROOT / "seeds" / "articles", root / "articles")
    config = replace(FactlakeConfig(), sources=(root / "articles",), dataset=root / "datasets" / "news")
    run_build(config)
    return root


def test_every_sql_statement_runs_and_returns_rows(project: Path) -> None:
    (sql,) = blocks("sql")
    statements = [statement.strip() for statement in sql.split(";") if statement.strip()]
    assert len(statements) == 7
    connection = catalog.connect(project / "datasets" / "news")
    for statement in statements:
        assert connection.execute(statement).fetchall(), statement


def test_pandas_and_polars_snippets_run(project: Path) -> None:
    snippets = blocks("python")
    assert len(snippets) == 2
    previous = Path.cwd()
    os.chdir(project)
    try:
        for snippet in snippets:
            *body, last = snippet.strip().splitlines()
            namespace: dict = {}
            exec("\n".join(body), namespace)
            assert len(eval(last, namespace)) > 0
    finally:
        os.chdir(previous)


def test_no_published_file_holds_a_path_of_the_publishing_machine(project: Path) -> None:
    """The manifest names sources by label and the tables hold relative ``source_uri``s only."""
    import pyarrow.parquet as pq

    dataset = project / "datasets" / "news"
    machine_path = str(project)
    manifest = json.loads((dataset / "v1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sources"] == ["articles"]
    published = [path for path in dataset.rglob("*") if path.is_file() and not path.is_symlink()]
    published = [path for path in published if path.relative_to(dataset).parts[0] != ".cache"]
    assert {path.name for path in published} >= {"manifest.json", "catalog.duckdb"}
    assert any(path.parent.name == "facts" and path.suffix == ".parquet" for path in published)
    for path in published:
        assert machine_path.encode() not in path.read_bytes(), path
        if path.suffix == ".parquet":
            for row in pq.read_table(path).to_pylist():
                assert machine_path not in json.dumps(row, default=str), (path, row)
