"""Hostile inputs: every file ends as exactly one article or one reject, and nothing escapes parse_input."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factlake.config import DEFAULT_REFERENCE_DIR, ParseConfig
from factlake.discover import discover_inputs, error_detail, read_input, reject_record
from factlake.parse import ParseOutcome, parse_input
from factlake.records import count_words, normalize_text, sha256_hex, stable_id, to_frame
from factlake.reference import Reference, load_reference
from schemas.tables import Articles, Rejects

CONFIG = ParseConfig()
#: Gives each fuzz example's input a unique name.
Namer = Callable[[str], str]
REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)
STORY = "Talks in Sochi\n\nPutin met Aliyev and Pashinyan in Sochi on Monday to discuss peace.\n"


def parse_file(path: Path, root: Path | None = None, reference: Reference = REFERENCE) -> ParseOutcome:
    """Discover (under ``root``, by default the file's folder) and read one file, then parse it."""
    (item,) = [item for item in discover_inputs([root or path.parent], CONFIG)[0] if item.path == path]
    return parse_input(item.source_uri, read_input(item, CONFIG), CONFIG, reference)


def assert_contract(outcome: ParseOutcome) -> None:
    """Articles and rejects satisfy the data contract and the article invariants."""
    Articles.validate(to_frame("articles", outcome.articles))
    Rejects.validate(to_frame("rejects", outcome.rejects))
    for article in outcome.articles:
        assert article["title"].strip() and article["body"].strip()
        assert article["n_words"] == count_words(article["body"]) >= 1
        assert article["body_sha256"] == sha256_hex(normalize_text(article["body"]))
        assert article["article_id"] == stable_id(article["body_sha256"], article["source_uri"])


def only_reject(outcome: ParseOutcome) -> dict:
    assert outcome.articles == []
    (reject,) = outcome.rejects
    assert_contract(outcome)
    return reject


def only_article(outcome: ParseOutcome) -> dict:
    assert outcome.rejects == []
    (article,) = outcome.articles
    assert_contract(outcome)
    return article


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  \r\n", "\u00a0\u2003\n".encode()])
def test_empty_and_whitespace_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    reject = only_reject(parse_file(path))
    assert (reject["stage"], reject["error"]) == ("read", "file is empty")
    assert reject["content_sha256"] == sha256_hex(content)


def test_binary_file_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(bytes(range(256)) * 40)
    reject = only_reject(parse_file(path))
    assert reject["error"] == "file is not text: 11% of bytes are control characters"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02\x03 abc " * 100)
    assert only_reject(parse_file(path))["error"] == "file is not text: 44% of bytes are control characters"


def test_cp1252_curly_quotes_become_real_curly_quotes(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    body = "\u201cWe agreed,\u201d Putin said \u2013 it\u2019s a \u201cvery useful\u201d meeting."
    path.write_bytes(f"Talks in Sochi\n\n{body}\n".encode("cp1252"))
    assert b"\x93We agreed,\x94" in path.read_bytes()
    assert only_article(parse_file(path))["body"] == body


def test_latin1_accents_are_decoded(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes(
        "Caf\u00e9 talks\n\nLe pr\u00e9sident a parl\u00e9 \u00e0 Gen\u00e8ve.\n".encode("latin-1")
    )
    assert only_article(parse_file(path))["body"] == "Le pr\u00e9sident a parl\u00e9 \u00e0 Gen\u00e8ve."


def test_cyrillic_legacy_encoding_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "russian.txt"
    text = "Переговоры в Сочи\n\nПрезиденты встретились в Сочи и обсудили мирный договор между странами.\n"
    path.write_bytes(text.encode("cp1251"))
    article = only_article(parse_file(path))
    assert "встретились в Сочи" in article["body"]


def test_utf16_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes(STORY.encode("utf-16"))
    assert only_article(parse_file(path))["title"] == "Talks in Sochi"


def test_broken_utf8_sequences_replace_only_the_broken_bytes(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes(
        "Talks in Sochi\n\n“We agreed,” said Aliyev in Genève ".encode() + b"\xe2\x80 and left.\n"
    )
    article = only_article(parse_file(path))
    assert article["body"] == "“We agreed,” said Aliyev in Genève \ufffd and left."


def test_nul_and_control_characters_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes(b"Talks\x00 in Sochi\r\n\r\nPutin\x00 met Aliyev\x07 in Sochi.\r\n")
    article = only_article(parse_file(path))
    assert (article["title"], article["body"]) == ("Talks in Sochi", "Putin met Aliyev in Sochi.")


def test_html_page_saved_as_text(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(
        "<!DOCTYPE html><html><head><title>Talks - Example News</title><style>p {color: red}</style>"
        "<script>var tracking = 'Share';</script></head><body><nav>Home | World</nav>"
        "<h1>Talks in Sochi</h1><p>Putin met Aliyev &amp; Pashinyan on Monday.</p>"
        "<p>They agreed to <b>refrain</b> from force.</p><p>Share</p></body></html>",
        encoding="utf-8",
    )
    article = only_article(parse_file(path))
    assert article["title"] == "Talks in Sochi"
    assert (
        article["body"]
        == "Home | World\n\nPutin met Aliyev & Pashinyan on Monday.\n\nThey agreed to refrain from force."
    )


def test_html_page_without_text_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty-page.txt"
    path.write_text("<html><head><script>alert(1)</script></head><body><div></div></body></html>")
    reject = only_reject(parse_file(path))
    assert (reject["stage"], reject["error"]) == ("parse", "HTML page has no text")


def test_file_of_only_boilerplate(tmp_path: Path) -> None:
    path = tmp_path / "boilerplate.txt"
    path.write_text("!-- Google tag (gtag.js) -->\nShare\n\nBack to top button\nImage: Reuters.\n")
    assert only_reject(parse_file(path))["error"] == "no article text left after removing boilerplate"


def test_one_word_file(tmp_path: Path) -> None:
    path = tmp_path / "word.txt"
    path.write_text("Hello")
    reject = only_reject(parse_file(path))
    assert (reject["stage"], reject["error"]) == ("parse", "article body has fewer than 3 words")


def test_file_without_any_title_line(tmp_path: Path) -> None:
    path = tmp_path / "symbols.txt"
    path.write_text("* * *\n\n--- ... ---\n")
    assert only_reject(parse_file(path))["error"] == "no title line found"


def test_unbalanced_quotes_over_a_huge_paragraph_stay_fast(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    paragraph = "“He said " + "that the talks, “were going on and on " * 40_000
    path.write_text(f"Title\n\n{paragraph}\n\n{'“ ' * 50_000}\n")
    started = time.perf_counter()
    article = only_article(parse_file(path))
    assert article["body"].startswith("“He said that")
    assert time.perf_counter() - started < 10


def test_impossible_date_gives_no_date(tmp_path: Path) -> None:
    path = tmp_path / "date.txt"
    path.write_text("Talks in Sochi\n31 February 2022\n\nPutin met Aliyev in Sochi on Monday.\n")
    article = only_article(parse_file(path))
    assert (article["published_date"], article["date_source"]) == (None, "none")
    assert article["body"] == "Putin met Aliyev in Sochi on Monday."


def test_right_to_left_text_and_emoji_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "rtl.txt"
    body = "قال الرئيس إن المحادثات كانت مفيدة جدا 🕊️ והם הסכימו להמשיך 👍"
    path.write_text(f"محادثات في سوتشي 🇷🇺\n\n{body}\n", encoding="utf-8")
    article = only_article(parse_file(path))
    assert (article["title"], article["body"]) == ("محادثات في سوتشي 🇷🇺", body)


@pytest.mark.parametrize("name", ["with spaces.txt", "ünïcødé – name.txt", "-leading-dash.txt", "--.txt"])
def test_odd_file_names(tmp_path: Path, name: str) -> None:
    path = tmp_path / "deep" / "nested folder" / name
    path.parent.mkdir(parents=True)
    path.write_text(STORY)
    article = only_article(parse_file(path, root=tmp_path))
    assert article["source_uri"] == f"deep/nested folder/{name}"


def test_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    raw_name = b"caf\xe9.txt"
    with open(bytes(tmp_path) + b"/" + raw_name, "wb") as handle:
        handle.write(STORY.encode())
    ((item,), _) = discover_inputs([tmp_path], CONFIG)
    assert item.source_uri == "caf\ufffd.txt"
    assert_contract(parse_input(item.source_uri, read_input(item, CONFIG), CONFIG, REFERENCE))


def test_symbolic_links_inside_are_read_and_outside_are_rejected(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "story.txt").write_text(STORY)
    (source / "inside-link.txt").symlink_to(source / "story.txt")
    (tmp_path / "outside.txt").write_text(STORY)
    (source / "outside-link.txt").symlink_to(tmp_path / "outside.txt")
    inputs, rejects = discover_inputs([source], CONFIG)
    assert [item.source_uri for item in inputs] == ["inside-link.txt", "story.txt"]
    assert [(reject["source_uri"], reject["content_sha256"]) for reject in rejects] == [
        ("outside-link.txt", None)
    ]


def test_invalid_json_lines_and_lines_without_text(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"title": "Good", "text": "Putin met Aliyev in Sochi."}),
        '{"title": "Truncated", "text": "Putin met',
        "",
        json.dumps({"title": "No text", "summary": "Only a summary here."}),
        json.dumps({"title": "Number text", "text": 42}),
        "[" * 100_000,
        json.dumps("just a string"),
        "\x00\x01 garbage",
    ]
    path.write_text("\n".join(lines) + "\n")
    outcome = parse_file(path)
    assert_contract(outcome)
    assert [article["source_uri"] for article in outcome.articles] == ["feed.jsonl#1"]
    assert {reject["source_uri"]: reject["error"] for reject in outcome.rejects} == {
        "feed.jsonl#2": "line is not valid JSON",
        "feed.jsonl#4": "record has no article text (no `text` or `body` field)",
        "feed.jsonl#5": "record's `text` is not a string but a JSON number",
        "feed.jsonl#6": "line is not valid JSON",
        "feed.jsonl#7": "line is not a JSON object but a JSON string",
        "feed.jsonl#8": "line is not valid JSON",
    }


@pytest.mark.parametrize(
    ("content", "error"), [(b"", "file is empty"), (b"\x00\x01\x02\x03{}", "file is not text")]
)
def test_jsonl_file_that_is_empty_or_binary_is_one_reject(tmp_path: Path, content: bytes, error: str) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(content)
    reject = only_reject(parse_file(path))
    assert (reject["source_uri"], reject["stage"]) == ("feed.jsonl", "read")
    assert reject["error"].startswith(error)


def test_every_file_of_a_hostile_folder_ends_as_one_article_or_one_reject(tmp_path: Path) -> None:
    files = {
        "empty.txt": b"",
        "binary.txt": bytes(range(256)),
        "story.txt": STORY.encode(),
        "cp1252.txt": STORY.replace("Putin", "\u201cPutin\u201d").encode("cp1252"),
        "one.txt": b"word",
        "page.txt": b"<html><body><h1>Hi there</h1><p>Some text of the page.</p></body></html>",
        "sub/dir/story.txt": STORY.encode(),
        "notes.md": b"# not an article",
    }
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    inputs, discover_rejects = discover_inputs([tmp_path], CONFIG)
    outcomes = [parse_input(item.source_uri, read_input(item, CONFIG), CONFIG, REFERENCE) for item in inputs]
    names = [record["source_uri"] for outcome in outcomes for record in outcome.articles + outcome.rejects]
    names += [reject["source_uri"] for reject in discover_rejects]
    assert sorted(names) == sorted(files)
    for outcome in outcomes:
        assert_contract(outcome)


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=200),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
RECORDS = st.fixed_dictionaries(
    {},
    optional={
        "title": JSON_VALUES | st.text(max_size=100),
        "text": st.text(max_size=500),
        "body": JSON_VALUES,
        "date": st.text(max_size=30) | st.dates().map(str),
        "dct": st.dictionaries(st.just("value"), st.text(max_size=30)),
        "outlet": JSON_VALUES,
        "url": JSON_VALUES,
    },
)


def fuzz(strategy: st.SearchStrategy, parse_example: Callable[[Any, Namer, ParseOutcome], None]) -> None:
    """Run ``parse_example`` on up to 200 generated values, then check every outcome against the contract.

    Each example gets unique source names (``uri("x.txt")``) so all articles form one valid table, and the
    pandera validation (the slow part) runs once over everything instead of once per example.
    """
    collected = ParseOutcome()
    counter = iter(range(10**9))

    def uri(name: str) -> str:
        return f"{next(counter)}-{name}"

    @FUZZ
    @given(value=strategy)
    def run(value: Any) -> None:
        before = (len(collected.articles), len(collected.rejects))
        parse_example(value, uri, collected)
        for article in collected.articles[before[0] :]:
            assert article["title"].strip() and article["body"].strip()
            assert article["n_words"] == count_words(article["body"]) >= 1
            assert article["body_sha256"] == sha256_hex(normalize_text(article["body"]))
            assert article["article_id"] == stable_id(article["body_sha256"], article["source_uri"])
            assert article["date_source"] in ("metadata", "dateline", "none")
        for reject in collected.rejects[before[1] :]:
            assert reject["error"].strip() and reject["stage"] in ("read", "parse")

    run()
    assert_contract(collected)


def test_any_bytes_never_raise() -> None:
    def parse_example(data: bytes, uri: Namer, collected: ParseOutcome) -> None:
        text_outcome = parse_input(uri("fuzz.txt"), data, CONFIG, REFERENCE)
        assert len(text_outcome.articles) + len(text_outcome.rejects) == 1
        jsonl_outcome = parse_input(uri("fuzz.jsonl"), data, CONFIG, REFERENCE)
        for outcome in (text_outcome, jsonl_outcome):
            collected.articles.extend(outcome.articles)
            collected.rejects.extend(outcome.rejects)

    fuzz(st.binary(max_size=2000), parse_example)


def test_any_text_never_raises() -> None:
    def parse_example(text: str, uri: Namer, collected: ParseOutcome) -> None:
        data = text.encode("utf-8", "surrogatepass")
        for name in ("fuzz.txt", "fuzz.jsonl"):
            outcome = parse_input(uri(name), data, CONFIG, REFERENCE)
            collected.articles.extend(outcome.articles)
            collected.rejects.extend(outcome.rejects)

    fuzz(st.text(max_size=2000), parse_example)


def test_any_json_records_and_markup_never_raise() -> None:
    def parse_example(value: tuple[list[dict], str], uri: Namer, collected: ParseOutcome) -> None:
        records, markup = value
        data = "\n".join(json.dumps(record) for record in records).encode()
        outcome = parse_input(uri("fuzz.jsonl"), data, CONFIG, REFERENCE)
        assert len(outcome.articles) + len(outcome.rejects) == max(len(records), 1)
        page = parse_input(uri("page.txt"), f"<html>{markup}".encode(), CONFIG, REFERENCE)
        for result in (outcome, page):
            collected.articles.extend(result.articles)
            collected.rejects.extend(result.rejects)

    fuzz(
        st.tuples(st.lists(RECORDS, max_size=5), st.text(alphabet="<>/!-[]abhpt \n&;", max_size=300)),
        parse_example,
    )


def parse_jsonl_bytes(data: bytes, name: str = "feed.jsonl") -> ParseOutcome:
    outcome = parse_input(name, data, CONFIG, REFERENCE)
    assert_contract(outcome)
    return outcome


def test_lone_surrogate_in_json_becomes_a_replacement_character() -> None:
    record = (
        '{"title": "Talks \\ud83d", "text": "Putin met Aliyev in Sochi \\ud83d on Monday.", '
        '"url": "https://example.com/\\udc00", "outlet": "Wire \\ud800"}'
    )
    article = only_article(parse_jsonl_bytes(record.encode()))
    assert article["body"] == "Putin met Aliyev in Sochi \ufffd on Monday."
    assert article["title"] == "Talks \ufffd"
    for column in ("title", "body", "url", "source_name"):
        article[column].encode("utf-8")  # storable: no lone surrogate left


def test_jsonl_with_carriage_return_line_ends_and_byte_order_marks_inside() -> None:
    lines = [
        json.dumps({"title": f"Story {number}", "text": f"Aliyev met Putin in Baku on day {number}."})
        for number in range(1, 4)
    ]
    outcome = parse_jsonl_bytes("\r".join(lines).encode())
    assert [article["title"] for article in outcome.articles] == ["Story 1", "Story 2", "Story 3"]
    concatenated = b"\xef\xbb\xbf" + lines[0].encode() + b"\n\xef\xbb\xbf" + lines[1].encode() + b"\r\n"
    outcome = parse_jsonl_bytes(concatenated + lines[2].encode())
    assert [article["title"] for article in outcome.articles] == ["Story 1", "Story 2", "Story 3"]
    assert [article["source_uri"] for article in outcome.articles] == [f"feed.jsonl#{n}" for n in (1, 2, 3)]
    utf16 = "\n".join(lines).encode("utf-16")
    assert len(parse_jsonl_bytes(utf16).articles) == 3


def test_zero_width_and_bidi_controls_are_removed_from_titles_and_bodies(tmp_path: Path) -> None:
    path = tmp_path / "hidden.txt"
    path.write_text(
        "Pu\u200etin in \u202eSochi\u202c\n\n"
        "Pu\u200btin\u2060 met Ali\u200dyev\u200c in \u2067Sochi\u2069.\n",
        encoding="utf-8",
    )
    article = only_article(parse_file(path))
    assert article["title"] == "Putin in Sochi"
    assert article["body"] == "Putin met Aliyev in Sochi."
    record = json.dumps({"title": "\u200fTalks\ufeff", "text": "Pu\u200etin met &#8206;Aliyev there."})
    article = only_article(parse_jsonl_bytes(record.encode()))
    assert (article["title"], article["body"]) == ("Talks", "Putin met &#8206;Aliyev there.")
    page = b"<html><body><h1>Pu&#8206;tin</h1><p>Pu&#x200B;tin met Aliyev in Sochi.</p></body></html>"
    article = only_article(parse_input("page.txt", page, CONFIG, REFERENCE))
    assert (article["title"], article["body"]) == ("Putin", "Putin met Aliyev in Sochi.")


def test_chinese_article_counts_characters_as_words(tmp_path: Path) -> None:
    path = tmp_path / "chinese.txt"
    path.write_text("普京会见阿利耶夫\n\n普京周一在索契会见了阿利耶夫。\n", encoding="utf-8")
    article = only_article(parse_file(path))
    assert article["body"] == "普京周一在索契会见了阿利耶夫。"
    assert article["n_words"] == 14 + 1  # 14 characters and the closing mark
    assert count_words("Tokyo 東京 2024年 GDP") == 1 + 2 + 2 + 1
    assert count_words("plain English words") == 3


@pytest.mark.parametrize("sentinel", ["0000-01-01", "0001-01-01", "9999-12-31", "0001-01-01T00:00:00Z"])
def test_sentinel_publication_dates_are_no_dates(sentinel: str) -> None:
    record = json.dumps({"title": "Talks", "text": "Putin met Aliyev last month.", "date": sentinel})
    article = only_article(parse_jsonl_bytes(record.encode()))
    assert (article["published_date"], article["date_source"]) == (None, "none")


def test_reject_details_carry_no_machine_paths() -> None:
    reject = reject_record(
        "a.txt",
        "read",
        "file cannot be read: /home/editor/feeds/a.txt",
        "[Errno 2] No such file or directory: '/srv/news/private/a.txt' (see C:\\Users\\me\\a.txt)",
    )
    assert reject["error"] == "file cannot be read: <path>"
    assert reject["detail"] == "[Errno 2] No such file or directory: '<path>' (see <path>)"
    assert error_detail(ValueError("growth of 3/4 and/or more")) == "ValueError: growth of 3/4 and/or more"


def test_unexpected_error_while_parsing_one_input_becomes_its_reject(monkeypatch: pytest.MonkeyPatch) -> None:
    from factlake import parse

    original = parse.is_headline

    def failing_is_headline(line: str) -> bool:
        if "Poison" in line:
            raise RecursionError(f"injected fault while reading /srv/feeds/{line}")
        return original(line)

    monkeypatch.setattr(parse, "is_headline", failing_is_headline)
    reject = only_reject(
        parse_input("poison.txt", b"Poison\n\nPutin met Aliyev in Sochi.", CONFIG, REFERENCE)
    )
    assert reject["stage"] == "parse" and "could not be processed" in reject["error"]
    assert reject["detail"] == "RecursionError: injected fault while reading <path>"
    lines = [
        json.dumps({"text": "Good story\n\nPutin met Aliyev in Sochi."}),
        json.dumps({"text": "Poison story\n\nPutin met Aliyev in Baku."}),
        json.dumps({"text": "Another story\n\nAliyev met Pashinyan in Sochi."}),
    ]
    outcome = parse_jsonl_bytes("\n".join(lines).encode())
    assert [article["source_uri"] for article in outcome.articles] == ["feed.jsonl#1", "feed.jsonl#3"]
    assert [(reject["source_uri"], reject["stage"]) for reject in outcome.rejects] == [
        ("feed.jsonl#2", "parse")
    ]
