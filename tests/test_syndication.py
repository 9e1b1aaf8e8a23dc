"""A syndicated copy of a seed article is marked as a duplicate and adds no corroboration."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from factlake import catalog
from factlake.config import PROJECT_ROOT, FactlakeConfig
from factlake.runner import run_build

pytestmark = pytest.mark.slow  # runs the build through Prefect (a server or subprocesses)

SEEDS = PROJECT_ROOT / "seeds" / "articles"
ORIGINAL = "002_63c94ff82197c892.txt"


def syndicated_copy(text: str) -> str:
    """The wire story as another site runs it: its own boilerplate, a reworded lede, one changed line."""
    lines = text.splitlines()
    lines[2] = lines[2].replace(
        "Russian President Vladimir Putin said on Monday", "Vladimir Putin on Monday said"
    )
    body = "\n".join(lines).replace("Russia news", "World | Caucasus")
    return body + "\nShare this story\nAll rights reserved. Distributed by a wire service.\n"


@pytest.fixture(scope="module")
def syndicated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("syndication")
    source = root / "articles"
    shutil.copytree(SEEDS, source)
    copy = syndicated_copy((SEEDS / ORIGINAL).read_text(encoding="utf-8"))
    (source / "wire").mkdir()
    (source / "wire" / "copy-of-002.txt").write_text(copy, encoding="utf-8")
    config = replace(FactlakeConfig(), sources=(source,), dataset=root / "news")
    run_build(config)
    return {"connection": catalog.connect(root / "news")}


def test_copy_is_a_near_duplicate_of_its_original(syndicated: dict) -> None:
    rows = (
        syndicated["connection"]
        .execute(
            "select c.duplicate_kind, o.source_uri from articles c"
            " join articles o on c.duplicate_of = o.article_id"
            " where c.source_uri = 'wire/copy-of-002.txt'"
        )
        .fetchall()
    )
    assert rows == [("near", ORIGINAL)]


def test_copy_adds_no_articles_to_any_fact(syndicated: dict) -> None:
    connection = syndicated["connection"]
    atmosphere = connection.execute(
        "select n_articles, n_mentions from facts where speaker = 'Vladimir Putin'"
        " and quote_text like '%very good atmosphere%'"
    ).fetchall()
    assert [n_articles for n_articles, _ in atmosphere] == [3]
    assert atmosphere[0][1] >= 4
    over_counted = connection.execute("select count(*) from facts where n_articles > 5").fetchall()[0][0]
    assert over_counted == 0
