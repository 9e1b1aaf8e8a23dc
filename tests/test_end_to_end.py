"""End to end on the seeds: the real flow, the real model, the tables checked through DuckDB."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from factlake import catalog, publish
from factlake.config import PROJECT_ROOT

pytestmark = pytest.mark.slow  # runs the build through Prefect (a server or subprocesses)

SEEDS = PROJECT_ROOT / "seeds" / "articles"
SEED_TITLES = {
    "000_a39906a452efb437.txt": (
        "Armenia, Azerbaijan Vow to Resolve Nagorno-Karabakh Conflict Under Russian Mediation"
    ),
    "001_46d7c8e5359c534f.txt": "Putin Hosts Armenia and Azerbaijan for Talks Over Nagorno-Karabakh",
    "002_63c94ff82197c892.txt": "Putin says normalization in Yerevan and interests of Baku",
    "003_4ccb2aa6aaea8161.txt": "Leaders of Russia, Armenia, and Azerbaijan hold negotiations in Sochi",
    "004_6c03248996c69e0c.txt": (
        "Putin Offers Mediation in Renewed Efforts to Resolve Armenian-Azerbaijani Conflict"
    ),
}


def factlake(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a fresh process."""
    command = [sys.executable, "-m", "factlake.cli", *arguments]
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=environment, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Seeds copied to a temporary source, built once into a temporary dataset."""
    root = tmp_path_factory.mktemp("e2e")
    source = root / "articles"
    shutil.copytree(SEEDS, source)
    dataset = root / "news"
    first = factlake("run", str(source), "--dataset", str(dataset))
    assert first.returncode == 0, first.stderr
    v1_bytes = {str(path): path.read_bytes() for path in (dataset / "v1").rglob("*") if path.is_file()}
    return {"root": root, "source": source, "dataset": dataset, "first": first, "v1_bytes": v1_bytes}


def test_first_run_publishes_v1_with_a_summary(built: dict) -> None:
    dataset: Path = built["dataset"]
    assert os.readlink(dataset / "latest") == "v1"
    assert "published:" in built["first"].stdout and "inputs: 5 read" in built["first"].stdout
    manifest = json.loads((dataset / "v1" / "manifest.json").read_text())
    assert manifest["input_counts"]["total"] == 5
    inputs = publish.read_table(publish.resolve_version(dataset, 1), "inputs")
    assert len(inputs) == 5 and all(len(sha256) == 64 for sha256 in inputs["sha256"])
    assert manifest["prefect"]["flow_run_id"]
    assert set(manifest["tables"]) == {
        "articles",
        "mentions",
        "facts",
        "entities",
        "conflicts",
        "stories",
        "rejects",
        "inputs",
    }


def test_tables_through_duckdb(built: dict) -> None:
    connection = catalog.connect(built["dataset"])
    titles = dict(connection.execute("select source_uri, title from articles").fetchall())
    assert titles == SEED_TITLES
    dates = dict(connection.execute("select source_uri, published_date from articles").fetchall())
    assert dates["000_a39906a452efb437.txt"] == dt.date(2022, 11, 1)
    assert dates["003_4ccb2aa6aaea8161.txt"] == dt.date(2021, 11, 26)
    assert sum(date is None for date in dates.values()) == 3
    bad_spans = connection.execute(
        "select count(*) from mentions m join articles a using (article_id)"
        " where substring(a.body, m.char_start + 1, m.char_end - m.char_start) <> m.text"
    ).fetchall()[0][0]
    assert bad_spans == 0
    orphans = connection.execute(
        "select count(*) from mentions m left join facts f using (fact_id) where f.fact_id is null"
    ).fetchall()[0][0]
    assert orphans == 0
    atmosphere = connection.execute(
        "select n_articles from facts where fact_type = 'quote' and speaker = 'Vladimir Putin'"
        " and quote_text like '%very good atmosphere%'"
    ).fetchall()
    assert atmosphere == [(3,)]
    tolls = connection.execute(
        "select c.conflict_id, f.value from conflicts c join facts f using (fact_id) order by f.value"
    ).fetchall()
    assert [value for _, value in tolls] == [221.0, 286.0] and len({conflict for conflict, _ in tolls}) == 1
    statuses = connection.execute(
        "select distinct status from facts join conflicts using (fact_id)"
    ).fetchall()
    assert statuses == [("contested",)]
    counts = dict(connection.execute("select fact_type, count(*) from facts group by 1").fetchall())
    assert counts.get("quote", 0) > 0 and counts.get("quantity", 0) > 0 and counts.get("event", 0) > 0


def test_sql_command_counts_articles(built: dict) -> None:
    result = factlake(
        "sql", "select count(*) as n from articles", "--dataset", str(built["dataset"]), "--format", "csv"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["n", "5"]


def test_rerun_on_unchanged_input_publishes_nothing(built: dict) -> None:
    result = factlake("run", str(built["source"]), "--dataset", str(built["dataset"]))
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert not (built["dataset"] / "v2").exists()


def test_new_article_publishes_v2_and_leaves_v1_identical(built: dict) -> None:
    source: Path = built["source"]
    dataset: Path = built["dataset"]
    extra = source / "nested" / "005_extra.txt"
    extra.parent.mkdir()
    extra.write_text(
        "Kremlin says talks will continue\n\nNovember 2, 2022\n\n"
        "Kremlin spokesperson Dmitry Peskov said on Wednesday that “the talks in Sochi were constructive and "
        "will continue next month.” At least 12 soldiers were wounded in new clashes last week.\n",
        encoding="utf-8",
    )
    result = factlake("run", str(source), "--dataset", str(dataset))
    assert result.returncode == 0, result.stderr
    assert os.readlink(dataset / "latest") == "v2"
    v1_files = [path for path in (dataset / "v1").rglob("*") if path.is_file()]
    assert {str(path): path.read_bytes() for path in v1_files} == built["v1_bytes"]
    manifest = json.loads((dataset / "v2" / "manifest.json").read_text())
    assert manifest["parent"] == 1
    assert manifest["extraction_cache"] == {"articles": 6, "extracted": 1, "carried_over": 5}
    diff = factlake("diff", "1", "2", "--dataset", str(dataset))
    assert diff.returncode == 0, diff.stderr
    assert "nested/005_extra.txt" in diff.stdout
    versions = factlake("versions", "--dataset", str(dataset))
    assert "v2 (latest)" in versions.stdout


def test_missing_source_is_one_clear_line(tmp_path: Path) -> None:
    result = factlake("run", str(tmp_path / "nowhere"), "--dataset", str(tmp_path / "data"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "nowhere" in result.stderr and len(result.stderr.strip().splitlines()) == 1
