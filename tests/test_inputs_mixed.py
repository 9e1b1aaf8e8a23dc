"""Done-when of the input plug-ins: a folder mixing every format builds one version in which every input,
every WARC record and every feed item is exactly one article or one reject with a reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from factlake import catalog, publish
from factlake.config import ParseConfig
from factlake.discover import discover_inputs
from factlake.ingest import read_and_parse
from factlake.reference import Reference
from tests.fixtures.web import FEED, PAGES, write_warc

STORY = (
    "Harbour tolls cut for fishing boats\n\n"
    "The harbour board cut tolls for small fishing boats by a third on Monday.\n\n"
    "\u201cThe fleet has had three hard winters,\u201d board chair Ruth Evans said.\n"
)
LINES = [
    {
        "title": "Tram line extension opens",
        "text": "The tram line extension opened on Saturday with six new stops, the city said.",
        "date": "2024-03-09",
        "outlet": "Northern Ledger",
    },
]


def mixed_folder(folder: Path) -> set[str]:
    """Write one input of every format into ``folder``; return the names every row must account for."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (folder / "lines.jsonl").write_text(json.dumps(LINES[0]) + "\n{not json\n", encoding="utf-8")
    (folder / "port.html").write_text(PAGES["port"], encoding="utf-8")
    record_ids = write_warc(folder / "crawl.warc.gz")
    (folder / "ledger.rss").write_text(FEED, encoding="utf-8")
    (folder / "sitemap.xml").write_text(
        '<?xml version="1.0"?><urlset><url><loc>https://ledger.example/</loc></url></urlset>',
        encoding="utf-8",
    )
    return {
        "story.txt",
        "lines.jsonl#1",
        "lines.jsonl#2",
        "port.html",
        *(f"crawl.warc.gz#{record_id}" for record_id in record_ids),
        "ledger.rss#1",
        "ledger.rss#2",
        "ledger.rss#3",
        "sitemap.xml",
    }


def test_every_input_record_and_item_is_one_article_or_one_reject(
    tmp_path: Path, reference: Reference
) -> None:
    expected = mixed_folder(tmp_path / "mixed")
    config = ParseConfig()
    inputs, discover_rejects = discover_inputs([tmp_path / "mixed"], config)
    assert discover_rejects == []
    outcome = read_and_parse(inputs, config, reference)
    uris = Counter(row["source_uri"] for row in outcome.articles + outcome.rejects)
    assert set(uris) == expected and set(uris.values()) == {1}
    assert len(outcome.articles) == 7  # the text, a JSONL line, the page, two WARC pages, two feed items
    assert len(outcome.rejects) == 10 and all(row["error"] for row in outcome.rejects)


@pytest.mark.slow  # runs the build through Prefect in a subprocess
def test_a_mixed_folder_builds_one_version_accounting_for_every_input(tmp_path: Path) -> None:
    expected = mixed_folder(tmp_path / "mixed")
    dataset = tmp_path / "news"
    command = [
        sys.executable,
        "-m",
        "factlake.cli",
        "run",
        str(tmp_path / "mixed"),
        "--dataset",
        str(dataset),
    ]
    run = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=600
    )
    assert run.returncode == 0, run.stderr
    inputs = publish.read_table(publish.resolve_version(dataset, 1), "inputs")
    entries = Counter(inputs["source_uri"])
    assert set(entries) == expected and set(entries.values()) == {1}
    outcomes = Counter(inputs["outcome"])
    # The saved page and its capture in the archive have one body: the later one is a duplicate.
    assert outcomes == {"article": 6, "duplicate": 1, "rejected": 10}
    connection = catalog.connect(dataset)
    rejected = connection.execute("select source_uri, error from rejects order by source_uri").fetchall()
    assert len(rejected) == 10 and all(error for _, error in rejected)
    published = {row[0] for row in connection.execute("select source_uri from articles").fetchall()}
    assert published | {uri for uri, _ in rejected} == expected
