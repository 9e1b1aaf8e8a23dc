"""The per-version report page: what it shows, that it is published with its version and is reproducible."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from factlake import catalog, dataset_files, publish
from factlake.errors import RunError
from factlake.records import new_record, stable_id, to_frame
from factlake.report import (
    highlighted_sentence,
    number_text,
    parent_of,
    render_report,
    write_report_file,
)
from tests.factories import BODY, valid_tables

SECOND_BODY = "Officials said 286 people died in the attack, a figure others dispute."


def tables_with_conflict() -> dict[str, pd.DataFrame]:
    """The factory's tables plus two death tolls (221 in the first article, 286 in another) in conflict."""
    tables = valid_tables(2)
    first = tables["articles"].iloc[0].to_dict()
    second = {**first, "source_uri": "b.txt", "source_name": "Other Outlet", "title": "Toll disputed"}
    second.update(body=SECOND_BODY, article_id=stable_id("second article"), published_date=None)
    tables["articles"] = to_frame("articles", [*tables["articles"].to_dict("records"), second])
    claims = [
        (first["article_id"], BODY, "221 people died", 221.0, "Outlet"),
        (second["article_id"], SECOND_BODY, "286 people died", 286.0, "Other Outlet"),
    ]
    facts, mentions, conflicts = [], [], []
    conflict_id = stable_id("conflict", "killed")
    for article_id, body, text, value, outlet in claims:
        fact_id = stable_id("quantity", str(value))
        start = body.index(text)
        sentence = next(part.strip() + "." for part in body.split(".") if text in part)
        mentions.append(
            new_record(
                "mentions",
                mention_id=stable_id(article_id, fact_id),
                article_id=article_id,
                fact_id=fact_id,
                fact_type="quantity",
                text=text,
                char_start=start,
                char_end=start + len(text),
                sentence=sentence,
                value=value,
                unit="people",
                measure="killed",
                confidence=0.9,
                extractor="quantities/1.0",
            )
        )
        facts.append(
            new_record(
                "facts",
                fact_id=fact_id,
                fact_type="quantity",
                statement=f"{value:.0f} people killed",
                value=value,
                unit="people",
                measure="killed",
                n_mentions=1,
                n_articles=1,
                n_sources=1,
                sources=[outlet],
                status="contested",
                confidence=0.9,
            )
        )
        conflicts.append(
            new_record(
                "conflicts",
                conflict_id=conflict_id,
                fact_id=fact_id,
                value=value,
                description="Sources disagree on killed (people): 221 vs 286",
            )
        )
    tables["mentions"] = to_frame("mentions", [*tables["mentions"].to_dict("records"), *mentions])
    tables["facts"] = to_frame("facts", [*tables["facts"].to_dict("records"), *facts])
    tables["conflicts"] = to_frame("conflicts", conflicts)
    return tables


def publish_with_report(dataset: Path, tables: dict[str, pd.DataFrame], created_at: str) -> Path:
    with publish.writer_lock(dataset):
        version = publish.write_version(
            dataset, tables, {"created_at": created_at, "sources": ["seeds"]}, render_report=render_report
        )
        catalog.refresh_catalog(dataset)
    return version.path / publish.REPORT_FILE


def visible_text(page: str) -> str:
    """The page without its tags and plots (what the text of the page says)."""
    page = re.sub(r"<svg.*?</svg>", " ", page, flags=re.DOTALL)
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_the_report_is_published_inside_its_version_and_needs_nothing_from_the_network(
    tmp_path: Path,
) -> None:
    report = publish_with_report(tmp_path, tables_with_conflict(), "2026-01-01T00:00:00+00:00")
    page = report.read_text(encoding="utf-8")
    assert report.parent.name == "v1"
    assert "<script" not in page
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)
    assert page.count("<svg") >= 2  # facts by kind and status, stories over time
    text = visible_text(page)
    assert "published 2026-01-01T00:00:00+00:00 from seeds" in text
    assert "This is the first version of the dataset." in text


def test_a_conflict_shows_its_values_and_evidence_side_by_side(tmp_path: Path) -> None:
    page = publish_with_report(tmp_path, tables_with_conflict(), "2026-01-01").read_text(encoding="utf-8")
    conflict = page[page.index('<section id="conflicts">') : page.index('<section id="evidence">')]
    sides = re.findall(r'<div class="side"[^>]*>(.*?)</ul>', conflict, flags=re.DOTALL)
    assert len(sides) == 2
    assert '<div class="value">221</div>' in sides[0] and "<mark>221 people died</mark>" in sides[0]
    assert "Outlet" in sides[0] and "A title" in sides[0]
    assert '<div class="value">286</div>' in sides[1] and "<mark>286 people died</mark>" in sides[1]
    assert "Other Outlet" in sides[1] and "Toll disputed" in sides[1] and "undated" in sides[1]


def test_every_fact_shown_links_to_its_evidence(tmp_path: Path) -> None:
    page = publish_with_report(tmp_path, tables_with_conflict(), "2026-01-01").read_text(encoding="utf-8")
    links = set(re.findall(r'href="#fact-([0-9a-f]+)"', page))
    anchors = set(re.findall(r'id="fact-([0-9a-f]+)"', page))
    assert len(links) == 3  # the corroborated quote and the two contested tolls
    assert links == anchors
    # a contested fact's evidence is beside its value, not repeated in the Evidence section
    evidence = page[page.index('<section id="evidence">') :]
    assert "221 people died" not in evidence and "286 people died" not in evidence
    quote = page[page.index(f'id="fact-{stable_id("quote", "Vladimir Putin", "we all agree")}"') :]
    assert "<mark>“we all agree that this was a very useful meeting”</mark>" in quote.split("</div>")[0]


def test_the_report_says_what_changed_since_the_parent(tmp_path: Path) -> None:
    publish_with_report(tmp_path, valid_tables(2), "2026-01-01")
    page = publish_with_report(tmp_path, tables_with_conflict(), "2026-01-02").read_text(encoding="utf-8")
    changes = visible_text(page[page.index("Changes since the parent version") : page.index('id="kinds"')])
    assert "facts 2 0 0" in changes  # two facts added, none removed or changed
    assert "articles 1 0 0" in changes
    assert "parent v1" in visible_text(page)


def test_the_same_version_gives_the_same_bytes(tmp_path: Path) -> None:
    first = publish_with_report(tmp_path / "one", tables_with_conflict(), "2026-01-01")
    second = publish_with_report(tmp_path / "two", tables_with_conflict(), "2026-01-01")
    assert first.read_bytes() == second.read_bytes()


def test_the_report_is_written_before_its_version_becomes_visible(tmp_path: Path) -> None:
    seen = []

    def renderer(version: publish.PublishedVersion, parent: publish.PublishedVersion | None) -> str:
        seen.append((version.path.name, (tmp_path / "v1").exists(), (tmp_path / "latest").exists()))
        return render_report(version, parent)

    with publish.writer_lock(tmp_path):
        publish.write_version(tmp_path, valid_tables(2), {"created_at": "2026-01-01"}, render_report=renderer)
    assert len(seen) == 1
    folder, visible, latest = seen[0]
    assert folder.startswith(dataset_files.TEMP_PREFIX) and not visible and not latest
    assert (tmp_path / "v1" / publish.REPORT_FILE).is_file()


def test_a_failing_report_publishes_nothing(tmp_path: Path) -> None:
    def broken(version: publish.PublishedVersion, parent: publish.PublishedVersion | None) -> str:
        raise OSError(5, "Input/output error")

    with publish.writer_lock(tmp_path), pytest.raises(Exception, match="I/O error"):
        publish.write_version(tmp_path, valid_tables(2), {"created_at": "2026-01-01"}, render_report=broken)
    assert publish.version_dirs(tmp_path) == []
    assert not (tmp_path / "latest").exists()


def test_factlake_report_writes_any_version_outside_the_dataset(tmp_path: Path) -> None:
    dataset = tmp_path / "news"
    with publish.writer_lock(dataset):
        publish.write_version(dataset, valid_tables(2), {"created_at": "2026-01-01"})
        publish.write_version(dataset, tables_with_conflict(), {"created_at": "2026-01-02"})
    written = write_report_file(dataset, "1", tmp_path / "one.html")
    assert "factlake v1" in written.read_text(encoding="utf-8")
    latest = write_report_file(dataset, None, tmp_path / "latest.html").read_text(encoding="utf-8")
    assert "factlake v2" in latest and "parent v1" in latest
    with pytest.raises(RunError, match="inside the dataset folder"):
        write_report_file(dataset, None, dataset / "v2" / "mine.html")
    manifest = json.loads((dataset / "v2" / "manifest.json").read_text())
    assert parent_of(dataset, manifest) == publish.PublishedVersion(1, dataset / "v1")


def test_a_removed_parent_is_said_not_mistaken_for_a_first_version(tmp_path: Path) -> None:
    dataset = tmp_path / "news"
    with publish.writer_lock(dataset):
        publish.write_version(dataset, valid_tables(2), {"created_at": "2026-01-01"})
        publish.write_version(dataset, tables_with_conflict(), {"created_at": "2026-01-02"})
    import shutil

    shutil.rmtree(dataset / "v1")
    text = visible_text(write_report_file(dataset, None, tmp_path / "r.html").read_text(encoding="utf-8"))
    assert "The parent version v1 no longer exists" in text


@pytest.mark.parametrize(
    ("sentence", "start", "end", "text", "expected"),
    [
        # located by the body's offsets: the second "221" of the sentence is the fact's
        ("Of 221 wounded, 221 died.", 16, 19, "221", "Of 221 wounded, <mark>221</mark> died."),
        # offsets that do not fall in the sentence: the first occurrence of the span's text
        ("Then 286 died.", 900, 903, "286", "Then <mark>286</mark> died."),
        # text the sentence does not hold is shown after it, escaped
        ("A <b> sentence.", 900, 903, "x<y", "A &lt;b&gt; sentence. … <mark>x&lt;y</mark>"),
    ],
)
def test_the_evidence_highlights_the_fact_span(
    sentence: str, start: int, end: int, text: str, expected: str
) -> None:
    body = "Intro. " + sentence + " More."
    offset = len("Intro. ")
    shifted = (start + offset, end + offset) if start < 900 else (start, end)
    assert str(highlighted_sentence(body, sentence, *shifted, text)) == expected


def test_numbers_are_written_as_people_write_them() -> None:
    assert number_text(500000.0) == "500,000"
    assert number_text(1.3666) == "1.3666"
    assert number_text(22000000003.0) == "22,000,000,003"
    assert number_text(None) == ""


def test_a_version_without_articles_or_facts_still_has_a_report(tmp_path: Path) -> None:
    tables = {name: to_frame(name, []) for name in publish.TABLES}
    tables["rejects"] = valid_tables(1)["rejects"]
    page = publish_with_report(tmp_path, tables, "2026-01-01").read_text(encoding="utf-8")
    text = visible_text(page)
    assert "No fact is reported by more than one article." in text
    assert "No story of this version has a publication date" in text
    assert "parse file is empty 1" in text  # the reject, grouped by stage and reason


def test_the_page_rendered_while_publishing_is_the_page_rendered_from_the_published_parts(
    tmp_path: Path,
) -> None:
    """While publishing, the report reads the version's rows from memory; read back from its parts
    afterwards they give the same page, byte for byte (also with a parent to compare with)."""
    first = publish_with_report(tmp_path, valid_tables(2), "2026-01-01")
    second = publish_with_report(tmp_path, tables_with_conflict(), "2026-01-02")
    for page, number in ((first, 1), (second, 2)):
        version = publish.resolve_version(tmp_path, number)
        parent = publish.resolve_version(tmp_path, number - 1) if number > 1 else None
        assert render_report(version, parent) == page.read_text(encoding="utf-8")
    assert publish._being_written == {}
