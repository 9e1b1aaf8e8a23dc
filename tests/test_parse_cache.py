"""Incremental parsing: inputs whose bytes did not change are carried over from the parse cache.

What a run builds from cached and freshly parsed inputs must be exactly what parsing every input gives
(same articles and rejects, same order, same value types), after new, changed and removed inputs alike.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from factlake import discover, ingest, parse_cache
from factlake.config import ParseConfig
from factlake.parse import ParseOutcome
from factlake.reference import Reference

CODE = "c" * 64


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


FILES = {
    "wire/a.jsonl": jsonl(
        {
            "title": "Bridge",
            "text": "The mayor said the bridge will reopen in March after repairs.",
            "date": "2022-11-01",
        },
        {"title": "Strike", "text": "Rail workers walked out on Monday over pay, the union said."},
        {"title": "No text"},  # a parse reject
        ["not", "an", "object"],
    ),
    "wire/b.jsonl": jsonl(
        {"title": "Prices", "text": "Prices rose 10.1% in the year to September, officials said."}
    ),
    "c.txt": (
        "Storm hits coast\nNovember 2, 2022\n\n"
        "Thousands of homes lost power as the storm hit the coast on Tuesday.\n"
    ),
    "empty.txt": "",  # a read reject: never cached
}


class Parser:
    """Parses each submitted batch at once and remembers which inputs it was given."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self.parsed: list[str] = []

    def submit(self, batch: list[discover.InputFile]) -> Future[list[ParseOutcome]]:
        self.parsed.extend(item.source_uri for item in batch)
        future: Future[list[ParseOutcome]] = Future()
        future.set_result(ingest.read_and_parse_each(batch, ParseConfig(), self.reference))
        return future


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run(
    root: Path, cached: dict[str, str], reference: Reference, code: str = CODE
) -> tuple[parse_cache.IncrementalParse, list[str], ParseOutcome]:
    """One incremental parse of ``root`` and, for comparison, a parse of every input."""
    inputs, _ = discover.discover_inputs([root], ParseConfig())
    parser = Parser(reference)
    result = parse_cache.parse_incrementally(
        inputs,
        parse_cache.input_digests(inputs),
        cached,
        code,
        submit=parser.submit,
        batch_size=2,
        report=lambda stage, done, total: None,
    )
    return result, parser.parsed, ingest.read_and_parse(inputs, ParseConfig(), reference)


def assert_same_outcome(outcome: ParseOutcome, expected: ParseOutcome) -> None:
    assert parse_cache._same(outcome.articles, expected.articles)
    assert parse_cache._same(outcome.rejects, expected.rejects)
    assert outcome.articles and outcome.rejects  # the comparison compared something


def test_a_rerun_parses_only_new_and_changed_inputs_and_equals_a_full_parse(
    tmp_path: Path, reference: Reference
) -> None:
    root = tmp_path / "src"
    write(root, FILES)
    first, parsed, expected = run(root, {}, reference)
    assert sorted(parsed) == sorted(["wire/a.jsonl", "wire/b.jsonl", "c.txt", "empty.txt"])
    assert_same_outcome(first.outcome, expected)
    assert first.stats == {"inputs": 4, "parsed": 4, "carried_over": 0}
    assert len(first.entries) == 3  # the empty file's read reject is not cached

    # a new file, a changed file and a removed file
    (root / "c.txt").unlink()
    write(
        root,
        {
            "wire/b.jsonl": FILES["wire/b.jsonl"]
            + jsonl({"title": "More", "text": "A second story about prices and wages today."})
        },
    )
    write(
        root,
        {
            "wire/new.jsonl": jsonl(
                {"title": "New", "text": "The council approved the new budget on Wednesday evening."}
            )
        },
    )
    second, parsed, expected = run(root, first.entries, reference)
    assert sorted(parsed) == sorted(["wire/b.jsonl", "wire/new.jsonl", "empty.txt"])
    assert_same_outcome(second.outcome, expected)
    assert second.stats == {"inputs": 4, "parsed": 3, "carried_over": 1}
    assert len(second.entries) == 3  # a.jsonl carried over, b and new parsed; c.txt's entry dropped

    # nothing changed: only the uncached empty file is read again
    third, parsed, expected = run(root, second.entries, reference)
    assert parsed == ["empty.txt"]
    assert_same_outcome(third.outcome, expected)
    assert third.entries == second.entries


def test_other_code_parses_everything_again(tmp_path: Path, reference: Reference) -> None:
    root = tmp_path / "src"
    write(root, {name: text for name, text in FILES.items() if name != "empty.txt"})
    first, _, _ = run(root, {}, reference)
    _, parsed, _ = run(root, first.entries, reference, code="d" * 64)
    assert len(parsed) == 3


def test_a_moved_input_is_parsed_under_its_new_name(tmp_path: Path, reference: Reference) -> None:
    """Article ids and source URIs name the input: the same bytes under another name are not reused."""
    root = tmp_path / "src"
    write(root, {"b.jsonl": FILES["wire/b.jsonl"]})
    first, _, _ = run(root, {}, reference)
    shutil.move(root / "b.jsonl", root / "moved.jsonl")
    second, parsed, expected = run(root, first.entries, reference)
    assert parsed == ["moved.jsonl"]
    assert second.outcome.articles[0]["source_uri"] == "moved.jsonl#1"
    assert parse_cache._same(second.outcome.articles, expected.articles)


def test_entries_read_back_exactly_or_are_not_written(reference: Reference) -> None:
    outcome = ingest.read_and_parse_each([], ParseConfig(), reference)
    assert outcome == []
    parsed = ParseOutcome(articles=[{"article_id": "a", "published_date": None, "n_words": 3}])
    entry = parse_cache.encode(parsed)
    assert entry is not None and parse_cache._same(parse_cache.decode(entry).articles, parsed.articles)
    # a value JSON would give back with another type (a tuple as a list, a float key) is not cached
    assert parse_cache.encode(ParseOutcome(articles=[{"article_id": ("a", "b")}])) is None
    assert parse_cache.encode(ParseOutcome(articles=[{"n_words": float("nan")}])) is None
    read_reject = {"source_uri": "x.txt", "stage": "read", "error": "file is empty"}
    assert parse_cache.encode(ParseOutcome(rejects=[read_reject])) is None


def test_a_damaged_cache_file_means_parsing_everything(tmp_path: Path) -> None:
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / parse_cache.CACHE_FILE).write_bytes(b"not parquet")
    assert parse_cache.load_cache(tmp_path) == {}
    parse_cache.save_cache(tmp_path, {"k": "v"})
    assert parse_cache.load_cache(tmp_path) == {"k": "v"}


def test_an_input_that_cannot_be_hashed_is_parsed_and_not_cached(
    tmp_path: Path, reference: Reference
) -> None:
    root = tmp_path / "src"
    write(root, {"b.jsonl": FILES["wire/b.jsonl"]})
    inputs, _ = discover.discover_inputs([root], ParseConfig())
    parser = Parser(reference)
    result = parse_cache.parse_incrementally(
        inputs, [None], {}, CODE, submit=parser.submit, batch_size=1, report=lambda *args: None
    )
    assert parser.parsed == ["b.jsonl"] and result.entries == {} and len(result.outcome.articles) == 1
