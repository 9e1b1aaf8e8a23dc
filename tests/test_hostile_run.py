"""A whole run over a folder of hostile inputs plus the seeds: exit 0, every input accounted for.

Runs the real flow in-process. The link pointing outside the source folder targets a named pipe: opening
it would block the run, so the test also proves the target is never read.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace

import pytest

from factlake import catalog, publish
from factlake.config import PROJECT_ROOT, FactlakeConfig, ParseConfig
from factlake.runner import run_build

pytestmark = pytest.mark.slow  # runs the build through Prefect (a server or subprocesses)

SEEDS = PROJECT_ROOT / "seeds" / "articles"
STORY = "Talks in Sochi\n\nPutin met Aliyev and Pashinyan in Sochi on Monday to discuss peace.\n"
SIZE_LIMIT = 200_000

HOSTILE_FILES: dict[str, bytes] = {
    "empty.txt": b"",
    "whitespace.txt": b"  \n\t\n \r\n",
    "binary.txt": bytes(range(256)) * 8,
    "cp1252.txt": STORY.replace("Putin", "\u201cPutin\u201d").encode("cp1252"),
    "latin1.txt": "Réunion à Genève\n\nLes négociations ont échoué à Genève mardi.\n".encode("latin-1"),
    "broken-utf8.txt": STORY.encode() + b"\xff\xfe broken \xc3 bytes here.\n",
    "nul-bytes.txt": STORY.replace("Sochi on", "Sochi\x00 on").encode(),
    "page.txt": b"<html><head><title>Page</title></head><body><p>Putin met Aliyev.</p></body></html>",
    "only-boilerplate.txt": b"Share\n\nBack to top button\n",
    "one-word.txt": b"word",
    "unbalanced.txt": b"Huge quote\n\n\xe2\x80\x9c" + b"and then he kept talking " * 6000 + b"\n",
    "too-large.txt": b"Big\n\n" + b"word " * (SIZE_LIMIT // 4),
    "impossible-date.txt": b"A title\n\n31 February 2022\n\nSomething happened in Baku on Monday.\n",
    "rtl-emoji.txt": "Talks \U0001f54a\n\nשלום and السلام were said in Sochi \U0001f600.\n".encode(),
    "odd name with spaces.txt": STORY.encode(),
    "-leading-dash.txt": STORY.encode(),
    "ünïcödé.txt": STORY.encode(),
    "nested/deeper/story.txt": STORY.replace("Monday", "Tuesday").encode(),
    "lines.jsonl": (
        b'{"title": "Good line", "text": "Aliyev met Putin in Baku on Friday.", "date": "2022-08-19"}\n'
        b"{not json\n"
        b'{"title": "No text"}\n'
        b"\n"
    ),
    "notes.pdf": b"%PDF-1.4 not an article",
}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("hostile")
    source = root / "source"
    shutil.copytree(SEEDS, source / "seeds")
    for name, content in HOSTILE_FILES.items():
        path = source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    outside = root / "outside.txt"
    os.mkfifo(outside)
    os.symlink(outside, source / "link-outside.txt")
    os.symlink(source / "seeds" / "000_a39906a452efb437.txt", source / "link-inside.txt")
    os.symlink(root / "missing.txt", source / "broken-link.txt")
    dataset = root / "news"
    config = replace(
        FactlakeConfig(), sources=(source,), dataset=dataset, parse=ParseConfig(max_file_bytes=SIZE_LIMIT)
    )
    summary = run_build(config)
    return {"source": source, "dataset": dataset, "summary": summary}


def test_run_publishes_and_every_input_is_accounted_for(hostile_run: dict) -> None:
    summary = hostile_run["summary"]
    assert summary.version == 1
    counts = summary.inputs
    assert counts["article"] + counts["duplicate"] + counts["rejected"] == counts["total"]
    manifest = publish.read_manifest(publish.latest_version(hostile_run["dataset"]))
    uris = sorted(entry["source_uri"] for entry in manifest["inputs"])
    expected_files = [
        path.relative_to(hostile_run["source"]).as_posix()
        for path in hostile_run["source"].rglob("*")
        if path.is_symlink() or path.is_file()
    ]
    jsonl_lines = ["lines.jsonl#1", "lines.jsonl#2", "lines.jsonl#3"]
    assert uris == sorted([uri for uri in expected_files if uri != "lines.jsonl"] + jsonl_lines)


def test_rejects_say_why(hostile_run: dict) -> None:
    connection = catalog.connect(hostile_run["dataset"])
    reasons = dict(connection.execute("select source_uri, error from rejects").fetchall())
    assert "outside" in reasons["link-outside.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "not text" in reasons["binary.txt"]
    assert "20 MB" not in reasons["too-large.txt"] and "limit" in reasons["too-large.txt"]
    assert reasons["notes.pdf"]
    assert {"lines.jsonl#2", "lines.jsonl#3"} <= set(reasons)
    assert all(len(reason) > 10 for reason in reasons.values())
    outside_sha = connection.execute(
        "select content_sha256 from rejects where source_uri = 'link-outside.txt'"
    ).fetchall()[0][0]
    assert outside_sha is None


def test_hostile_articles_are_parsed_well(hostile_run: dict) -> None:
    connection = catalog.connect(hostile_run["dataset"])
    bodies = dict(connection.execute("select source_uri, body from articles").fetchall())
    assert "\u201cPutin\u201d" in bodies["cp1252.txt"]
    assert "Genève" in bodies["latin1.txt"]
    assert "\U0001f600" in bodies["rtl-emoji.txt"] and "שלום" in bodies["rtl-emoji.txt"]
    assert "\x00" not in bodies["nul-bytes.txt"]
    dates = dict(connection.execute("select source_uri, published_date from articles").fetchall())
    assert dates["impossible-date.txt"] is None
    spans_ok = connection.execute(
        "select bool_and(substring(a.body, m.char_start + 1, m.char_end - m.char_start) = m.text)"
        " from mentions m join articles a using (article_id)"
    ).fetchall()[0][0]
    assert spans_ok


def test_exact_copies_are_marked_duplicates(hostile_run: dict) -> None:
    connection = catalog.connect(hostile_run["dataset"])
    copies = connection.execute(
        "select count(*) from articles where duplicate_of is not null and duplicate_kind = 'exact'"
    ).fetchall()[0][0]
    assert copies >= 3
