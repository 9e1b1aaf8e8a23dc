"""Incremental story assignment compares only the pairs of new articles, with the result of comparing all.

Published stories never merge with one another, so a pair of two published articles can never decide an
assignment: an incremental run compares only pairs with an unpublished article
(:func:`factlake.dedup.stories.story_similarities` with ``involved``). These tests check, on slices of
real corpora (skipped when ``../shared/corpora`` is absent) and on hand-built stories, that the pairs
kept are exactly those of the full comparison (same similarities, bit for bit, in the same order) and
that the stories assigned equal those assigned from every pair.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from evaluation import DEFAULT_CORPORA_DIR
from factlake.dedup import stories, story_table
from factlake.dedup.story_table import mark_articles, previous_assignment
from factlake.records import to_frame
from tests.test_stories import CONFIG, article
from tests.test_story_table import QUAKE_B_EARLIER, UNRELATED, first_corpus


def corpus_articles(name: str, limit: int) -> list[dict]:
    """The first ``limit`` articles of a corpus with a text, as ``articles`` records."""
    records = []
    with open(DEFAULT_CORPORA_DIR / name, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if not str(row.get("text") or "").strip():
                continue
            published = dt.date.fromisoformat(row["date"][:10]) if row.get("date") else None
            record = article(len(records), row["text"], published, title=row.get("title") or "")
            records.append(record)
            if len(records) == limit:
                break
    return records


def assert_incremental_equals_full(first: list[dict], added: list[dict]) -> pd.DataFrame:
    """Mark ``first`` as version 1, then ``first + added`` as version 2, and check the pairs and the
    stories of version 2 against the comparison of every pair. Returns version 2."""
    v1 = mark_articles(to_frame("articles", first), None, 1, CONFIG)
    carried = previous_assignment(v1[["article_id", "first_version", "story_id"]], 1)
    v2 = mark_articles(to_frame("articles", first + added), carried, 2, CONFIG)

    canonical = v2[v2["duplicate_of"].isna()]
    new_ids = {record["article_id"] for record in added}
    involved = canonical["article_id"].isin(new_ids).to_numpy()
    order, every_pair = stories.ordered_similarities(canonical, CONFIG)
    _, new_pairs = stories.ordered_similarities(canonical, CONFIG, involved)
    in_order = involved[order]
    expected = {pair: value for pair, value in every_pair.items() if in_order[pair[0]] or in_order[pair[1]]}
    assert list(new_pairs.items()) == list(expected.items())
    assert len(new_pairs) < len(every_pair)

    with pytest.MonkeyPatch.context() as patch:
        # The reference: the same assignment from the similarities of every pair.
        patch.setattr(
            story_table,
            "ordered_similarities",
            lambda articles, config, involved=None, terms=None: stories.ordered_similarities(
                articles, config, terms=terms
            ),
        )
        full = mark_articles(to_frame("articles", first + added), carried, 2, CONFIG)
    pd.testing.assert_series_equal(v2["story_id"], full["story_id"])
    return v2


def test_new_articles_join_published_stories_as_when_every_pair_is_compared() -> None:
    first = [article(number, body, date) for number, body, date in first_corpus()]
    day = first[0]["published_date"]
    added = [
        article(20, QUAKE_B_EARLIER, day - dt.timedelta(days=1)),
        article(21, UNRELATED, day + dt.timedelta(days=1)),
    ]
    v2 = assert_incremental_equals_full(first, added).set_index("article_id")
    # The earlier-dated report joins the published story of its earthquake; the unrelated one is alone.
    quake = v2.loc[added[0]["article_id"], "story_id"]
    assert quake in set(v2.loc[[record["article_id"] for record in first], "story_id"])
    assert (v2["story_id"] == v2.loc[added[1]["article_id"], "story_id"]).sum() == 1


@pytest.mark.parametrize(("name", "limit"), [("reuters21578.jsonl", 600), ("bbc_news.jsonl", 300)])
def test_stories_of_real_corpora_equal_those_of_every_pair(name: str, limit: int) -> None:
    if not (DEFAULT_CORPORA_DIR / name).exists():
        pytest.skip("corpora not available")
    records = corpus_articles(name, limit)
    cut = int(len(records) * 0.9)
    v2 = assert_incremental_equals_full(records[:cut], records[cut:])
    new_ids = {record["article_id"] for record in records[cut:]}
    joined = v2[v2["article_id"].isin(new_ids)]["story_id"]
    old_stories = set(v2[~v2["article_id"].isin(new_ids)]["story_id"])
    assert np.any(joined.isin(old_stories))
