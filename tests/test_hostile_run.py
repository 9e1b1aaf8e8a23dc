"""A whole run over a folder of hostile inputs plus the seeds: exit 0, every input accounted for.

Runs the real flow in-process. The link pointing outside the source folder targets a named pipe: opening
it would block the run, so the test also proves the target is never read. Bodies over a lowered
``max_doc_chars`` are parsed in pieces (the real 1,000,000-character limit of spaCy is tested in
``test_extract_isolation``), and one article trips an injected extractor fault: the run must reject that
article alone.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from factlake import cache, catalog, publish
from factlake.config import PROJECT_ROOT, ExtractConfig, FactlakeConfig, ParseConfig
from factlake.extract import quantities
from factlake.flow import extractor_versions
from factlake.reference import load_reference
from factlake.runner import run_build
from tests.deep_folders import files_below, make_nested_folders, remove_nested_folders

pytestmark = pytest.mark.slow  # runs the build through Prefect (a server or subprocesses)

SEEDS = PROJECT_ROOT / "seeds" / "articles"
STORY = "Talks in Sochi\n\nPutin met Aliyev and Pashinyan in Sochi on Monday to discuss peace.\n"
SIZE_LIMIT = 200_000
MAX_DOC_CHARS = 3_000
POISON = "Zorbulon"
PARAGRAPH = "Putin met Aliyev in Sochi on Monday. Prices rose 5% last month, officials said."


def jsonl(*records: dict[str, Any], separator: bytes = b"\n") -> bytes:
    return separator.join(json.dumps(record).encode() for record in records)


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
    "surrogate.jsonl": b'{"title": "Talks \\ud83d", "text": "Putin met Aliyev \\ud83d in Sochi on Monday."}',
    "long-paragraphs.txt": ("Long wire\n\n" + "\n\n".join([PARAGRAPH] * 100)).encode(),
    "long-line.txt": ("Long line\n\n" + " ".join([PARAGRAPH] * 100)).encode(),
    "sentinel-dates.jsonl": jsonl(
        {"title": "Zero", "text": "Aliyev met Putin last month in Baku.", "date": "0000-01-01"},
        {"title": "One", "text": "Aliyev met Putin last month in Baku.", "date": "0001-01-01"},
        {"title": "End", "text": "Aliyev will meet Putin tomorrow in Baku.", "date": "9999-12-31"},
    ),
    "chinese.txt": "普京会见阿利耶夫\n\n普京周一在索契会见了阿利耶夫。\n".encode(),
    "cr-only.jsonl": jsonl(
        {"title": "First", "text": "Aliyev met Putin in Baku on Friday."},
        {"title": "Second", "text": "Pashinyan met Putin in Sochi on Monday."},
        separator=b"\r",
    ),
    "bom-inside.jsonl": b"\xef\xbb\xbf"
    + jsonl({"title": "A", "text": "Aliyev met Putin in Baku on Friday."})
    + b"\n\xef\xbb\xbf"
    + jsonl({"title": "B", "text": "Pashinyan met Putin in Sochi on Monday."}),
    "bidi.txt": "Pu\u200etin talks\n\nPu\u200btin met Ali\u202eyev\u202c in Sochi on Monday.\n".encode(),
    "poison.txt": f"Poison\n\n{POISON} met Putin in Sochi on Monday and 12 people came.\n".encode(),
    "poison-copy.txt": f"Poison\n\n{POISON} met Putin in Sochi on Monday and 12 people came.\n".encode(),
}
DEEP_FOLDERS = 1100


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
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
    os.mkfifo(source / "pipe.txt")
    (source / "deep").mkdir()
    make_nested_folders(
        source / "deep", DEEP_FOLDERS, "story.txt", STORY.replace("Monday", "Friday").encode()
    )
    dataset = root / "news"
    config = replace(
        FactlakeConfig(),
        sources=(source,),
        dataset=dataset,
        parse=ParseConfig(max_file_bytes=SIZE_LIMIT),
        extract=ExtractConfig(max_doc_chars=MAX_DOC_CHARS),
    )
    original = quantities.extract

    def extract_with_a_fault(context: Any, config: Any, reference: Any) -> list[dict[str, Any]]:
        if POISON in context.body:
            raise RuntimeError(f"injected extractor fault, raised under {root}")
        return original(context, config, reference)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(quantities, "extract", extract_with_a_fault)
        summary = run_build(config)
    yield {"source": source, "dataset": dataset, "summary": summary, "config": config}
    remove_nested_folders(source / "deep")


def test_run_publishes_and_every_input_is_accounted_for(hostile_run: dict) -> None:
    summary = hostile_run["summary"]
    assert summary.version == 1
    counts = summary.inputs
    assert counts["article"] + counts["duplicate"] + counts["rejected"] == counts["total"]
    inputs = publish.read_table(publish.latest_version(hostile_run["dataset"]), "inputs")
    uris = sorted(inputs["source_uri"])
    jsonl_files = {
        "lines.jsonl": [1, 2, 3],
        "surrogate.jsonl": [1],
        "sentinel-dates.jsonl": [1, 2, 3],
        "cr-only.jsonl": [1, 2],
        "bom-inside.jsonl": [1, 2],
    }
    expected_files = [name for name in files_below(hostile_run["source"]) if name not in jsonl_files]
    jsonl_lines = [f"{name}#{number}" for name, numbers in jsonl_files.items() for number in numbers]
    assert uris == sorted(expected_files + jsonl_lines)
    assert len(uris) == counts["total"]


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


def test_hostile_inputs_of_issue_11_end_as_articles_or_explained_rejects(hostile_run: dict) -> None:
    connection = catalog.connect(hostile_run["dataset"])
    articles = {row[0]: row[1:] for row in connection.execute(
        "select source_uri, title, body, published_date, n_words from articles"
    ).fetchall()}  # fmt: skip
    rejects = {row[0]: row[1:] for row in connection.execute(
        "select source_uri, stage, error, detail from rejects"
    ).fetchall()}  # fmt: skip
    assert articles["surrogate.jsonl#1"][:2] == (
        "Talks \ufffd",
        "Putin met Aliyev \ufffd in Sochi on Monday.",
    )
    for uri in ("long-paragraphs.txt", "long-line.txt", "chinese.txt", "bidi.txt", "cr-only.jsonl#2"):
        assert uri in articles, uri
    assert len(articles["long-line.txt"][1]) > MAX_DOC_CHARS
    assert [articles[f"sentinel-dates.jsonl#{number}"][2] for number in (1, 2, 3)] == [None, None, None]
    assert articles["chinese.txt"][3] == 15
    assert articles["bidi.txt"][:2] == ("Putin talks", "Putin met Aliyev in Sochi on Monday.")
    assert {articles[uri][0] for uri in ("bom-inside.jsonl#1", "bom-inside.jsonl#2")} == {"A", "B"}
    assert "d/" * DEEP_FOLDERS + "story.txt" in {uri.removeprefix("deep/") for uri in articles}
    assert rejects["pipe.txt"][:2] == (
        "discover",
        "not a regular file (device, socket or pipe); it was not opened",
    )
    stage, error, detail = rejects["poison.txt"]
    assert (stage, "poison.txt" in articles) == ("extract", False)
    assert rejects["poison-copy.txt"] == rejects["poison.txt"]
    assert "could not be extracted" in error
    assert detail == "RuntimeError: injected extractor fault, raised under <path>"
    assert not any("/" + "tmp" in (detail or "") for _, _, detail in rejects.values())


def test_failed_article_has_no_cache_entry_and_copies_share_its_fate(hostile_run: dict) -> None:
    config = hostile_run["config"]
    key = cache.extraction_key(config.extract, load_reference(config.reference_dir), extractor_versions())
    cached = cache.cached_keys(cache.load_cache(hostile_run["dataset"]))
    connection = catalog.connect(hostile_run["dataset"])
    published = connection.execute("select body, published_date from articles").fetchall()
    keys = {cache.article_key({"body": body, "published_date": date}, key) for body, date in published}
    assert set(cached) == keys
    poison = HOSTILE_FILES["poison.txt"].decode().split("\n\n", 1)[1].strip()
    assert cache.article_key({"body": poison, "published_date": None}, key) not in cached
    spans_ok = connection.execute(
        "select bool_and(substring(a.body, m.char_start + 1, m.char_end - m.char_start) = m.text)"
        " from mentions m join articles a using (article_id)"
    ).fetchall()[0][0]
    assert spans_ok
