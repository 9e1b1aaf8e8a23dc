"""The canonical frame of fact dedup holds one object per distinct value, not one per mention."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from factlake.dedup.frames import CanonicalMentions, canonical_frame, compact_mentions
from factlake.records import contract_frame, to_frame
from tests.test_dedup import article, articles_frame, event, quantity, quote

FIRST = article(0, "first body " * 5, dt.date(2022, 11, 1), "Outlet A")
SECOND = article(1, "second body " * 5, dt.date(2022, 11, 2), "Outlet B")
ARTICLES = articles_frame(FIRST, SECOND).assign(story_id="one story")
WORDS = "we discussed the border delimitation and the future of the transport corridor"


def frame_of(mentions: list[dict]):
    """The canonical frame of ``mentions`` as the flow hands them over (Arrow-backed string columns)."""
    return canonical_frame(to_frame("mentions", mentions), ARTICLES)


def test_equal_strings_of_many_mentions_are_one_object_and_read_as_given():
    mentions = [
        quote(record["article_id"], WORDS, speaker=speaker, start=start + offset)
        for record in (FIRST, SECOND)
        for offset, speaker in ((0, "Vladimir Putin"), (1000, None))
        for start in (10, 200)
    ] + [quantity(FIRST["article_id"], 221, "killed", "deaths", dt.date(2022, 9, 12), "day", start=900)]
    frame = frame_of(mentions)
    for name in ("speaker", "quote_text", "fact_type", "article_id", CanonicalMentions.story):
        values = frame[name].dropna().tolist()
        assert len({id(value) for value in values}) == len(set(values)), name
    by_id = frame.set_index("mention_id")
    for record in mentions:
        row = by_id.loc[record["mention_id"]]
        for name in ("speaker", "quote_text", "measure", "unit", "fact_type", "article_id"):
            if record[name] is None:
                assert pd.isna(row[name]), name
            else:
                assert row[name] == record[name], name


def test_mentions_that_are_not_quantities_share_one_empty_subject():
    mentions = [
        quote(FIRST["article_id"], WORDS, start=10),
        quote(SECOND["article_id"], WORDS, start=10),
        event(FIRST["article_id"], ["Putin", "Aliyev"], "Sochi", dt.date(2022, 10, 31)),
    ]
    subjects = frame_of(mentions)[CanonicalMentions.subject].tolist()
    assert subjects == [frozenset()] * 3
    assert len({id(subject) for subject in subjects}) == 1


def test_columns_dedup_never_reads_are_left_out():
    mentions = [event(FIRST["article_id"], ["Putin", "Aliyev"], "Sochi", dt.date(2022, 10, 31))]
    columns = set(frame_of(mentions).columns)
    unread = {"sentence", "extractor", "source_actors", "target_actors", "polarity"}
    assert not columns & unread
    assert {"actors", "action", "location", "modality", "event_date", "date_source", "theme"} <= columns


def test_compact_mentions_hold_repeated_values_once_and_give_the_contract_frame_back():
    mentions = [
        quote(record["article_id"], WORDS, speaker="Vladimir Putin", start=start)
        for record in (FIRST, SECOND)
        for start in (10, 200)
    ] + [
        event(record["article_id"], ["Putin", "Aliyev"], "Sochi", dt.date(2022, 10, 31), start=start)
        for record in (FIRST, SECOND)
        for start in (500, 700)
    ]
    contract = to_frame("mentions", mentions)
    compact = compact_mentions(contract)
    for name in ("fact_type", "speaker", "article_id", "action"):
        assert isinstance(compact[name].dtype, pd.CategoricalDtype), name
    for name in ("mention_id", "fact_id"):
        assert compact[name].dtype == contract[name].dtype, name
    for name in ("event_date", "actors"):
        values = compact.loc[compact["fact_type"] == "event", name].tolist()
        assert len({id(value) for value in values}) == 1, name
    pd.testing.assert_frame_equal(contract_frame("mentions", compact), contract, check_exact=True)
    assert canonical_frame(compact, ARTICLES).equals(canonical_frame(contract, ARTICLES))
