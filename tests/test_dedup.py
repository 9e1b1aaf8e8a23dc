"""Tests of article deduplication, story clustering and fact identity (issue #4)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import pytest

from evaluation.dedup import load_gold_clusters, score_fact_clusters
from evaluation.stories import bcubed
from factlake.config import DEFAULT_REFERENCE_DIR, DedupConfig
from factlake.dedup import build_facts, cluster_stories, mark_duplicate_articles
from factlake.records import new_record, normalize_text, sha256_hex, stable_id, to_frame
from factlake.reference import load_reference
from schemas.tables import Articles, Conflicts, Facts

CONFIG = DedupConfig()
REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)
PUTIN = "Vladimir Putin"
WIRE = (
    "Armenia and Azerbaijan on Monday vowed to work together to resolve the decades-long Nagorno-Karabakh "
    "conflict under Russian mediation. The two countries agreed to strictly observe all related agreements "
    "going forward. A joint statement released after a trilateral meeting in Sochi said Yerevan and Baku "
    "plan "
    "to reach a comprehensive settlement. They promised to usher in an era of peace, stability, security and "
    "sustainable economic development in the South Caucasus. Russia promised to provide every possible "
    "assistance for the two countries to normalise ties."
)


def article(
    number: int, body: str, published: dt.date | None, source: str | None = None, title: str = "T"
) -> dict:
    article_id = stable_id("article", number)
    return new_record(
        "articles",
        article_id=article_id,
        source_uri=f"{number:03d}.txt",
        source_name=source,
        title=title,
        published_date=published,
        date_source="metadata" if published else "none",
        body=body,
        n_words=len(body.split()),
        body_sha256=sha256_hex(normalize_text(body)),
        content_sha256=sha256_hex(f"{number}{body}"),
    )


def articles_frame(*records: dict) -> pd.DataFrame:
    return to_frame("articles", records)


def mention(article_id: str, fact_type: str, text: str, start: int = 0, **values) -> dict:
    return new_record(
        "mentions",
        mention_id=stable_id("mention", article_id, fact_type, text, start),
        article_id=article_id,
        fact_type=fact_type,
        text=text,
        char_start=start,
        char_end=start + len(text),
        sentence=values.pop("sentence", text),
        confidence=values.pop("confidence", 0.9),
        extractor=f"{fact_type}s/test",
        **values,
    )


def quote(article_id: str, words: str, speaker: str | None = PUTIN, start: int = 0) -> dict:
    return mention(article_id, "quote", f"“{words}”", start, speaker=speaker, quote_text=words)


def quantity(
    article_id: str,
    value: float,
    measure: str,
    unit: str,
    date: dt.date | None,
    precision=None,
    start=0,
    **kw,
):
    return mention(
        article_id,
        "quantity",
        f"{value} {unit}",
        start,
        value=value,
        measure=measure,
        unit=unit,
        event_date=date,
        date_precision=precision if date else None,
        **kw,
    )


def event(
    article_id: str, actors: list[str], location: str | None, date: dt.date | None, precision="day", start=0
):
    return mention(
        article_id,
        "event",
        "met",
        start,
        action="meet",
        actors=actors,
        location=location,
        event_date=date,
        date_precision=precision if date else None,
    )


# Five articles mimicking the seeds: 000 and 002 on 2022-11-01, 001 on 2022-10-31, 003 in 2021, 004 in 2024.
A0 = article(0, "body zero " * 5, dt.date(2022, 11, 1), "Outlet A")
A1 = article(1, "body one " * 5, dt.date(2022, 10, 31), "Outlet B")
A2 = article(2, "body two " * 5, dt.date(2022, 11, 1), None)
A3 = article(3, "body three " * 5, dt.date(2021, 11, 26), "Outlet C")
A4 = article(4, "body four " * 5, dt.date(2024, 9, 4), "Outlet D")
SEED_ARTICLES = [A0, A1, A2, A3, A4]
ID = {number: record["article_id"] for number, record in enumerate(SEED_ARTICLES)}


#: The war toll as the seeds state it: an explicit year and a subject, so it corroborates across stories.
WAR = {
    "date_text": "in 2020",
    "sentence": "More than 6,500 people were killed in the 2020 war over Nagorno-Karabakh.",
}


def seed_like_mentions() -> list[dict]:
    return [
        quote(
            ID[0],
            "created a very good atmosphere for possible future agreements on certain fundamental issues.",
        ),
        quote(ID[1], "We all agree that this was a very useful meeting", start=10),
        quote(
            ID[1],
            "In my opinion, it created a very good atmosphere for potential agreements "
            "on a number of vital issues.",
            start=100,
        ),
        quote(
            ID[1],
            "I must say that not everything was agreed upon, and some things had to be removed from the text",
            start=300,
        ),
        quote(
            ID[2],
            "It was a very useful meeting which created a very good atmosphere "
            "for possible future agreements",
        ),
        quote(ID[2], "Russia will do everything to find a final and comprehensive settlement", start=200),
        quote(ID[3], "the more direct communication there is, the better it will be", start=50),
        quote(ID[3], "We are ready to start the demarcation.", speaker="Nikol Pashinyan", start=400),
        quote(ID[0], "strictly observe", speaker=None, start=500),
        quantity(
            ID[0],
            6000,
            "killed",
            "people",
            dt.date(2020, 1, 1),
            "year",
            qualifier="more_than",
            value_low=6000.0,
            **WAR,
        ),
        quantity(
            ID[2],
            6500,
            "killed",
            "people",
            dt.date(2020, 1, 1),
            "year",
            start=10,
            qualifier="more_than",
            value_low=6500.0,
            **WAR,
        ),
        quantity(
            ID[3],
            6500,
            "killed",
            "people",
            dt.date(2020, 1, 1),
            "year",
            qualifier="more_than",
            value_low=6500.0,
            **WAR,
        ),
        quantity(
            ID[0], 221, "killed", "people", dt.date(2022, 9, 12), "day", start=900, qualifier="estimated"
        ),
        quantity(ID[0], 150, "killed", "people", dt.date(2022, 9, 12), "day", start=950),
        quantity(ID[0], 71, "killed", "people", dt.date(2022, 9, 12), "day", start=980),
        quantity(ID[2], 286, "killed", "people", dt.date(2022, 9, 1), "month", start=700),
        quantity(ID[2], 30000, "killed", "people", None, start=990, qualifier="estimated"),
        quantity(ID[2], 2000, "deployed", "peacekeepers", dt.date(2020, 1, 1), "year", start=800),
        event(ID[0], [PUTIN, "Ilham Aliyev", "Nikol Pashinyan"], "Sochi", dt.date(2022, 10, 31)),
        event(ID[1], ["Ilham Aliyev", "Nikol Pashinyan"], "Sochi", dt.date(2022, 10, 31), start=40),
        event(ID[2], [PUTIN, "Nikol Pashinyan"], None, dt.date(2022, 10, 31), start=60),
        event(ID[3], [PUTIN, "Ilham Aliyev", "Nikol Pashinyan"], "Sochi", dt.date(2021, 11, 26), start=70),
    ]


#: Stories of the seed-like articles, as the real seeds cluster: 000-002 report the Sochi summit of 2022,
#: 003 and 004 are stories of their own (their bodies here are placeholders, so they are given).
SEED_STORIES = [ID[0], ID[0], ID[0], ID[3], ID[4]]


def seed_articles() -> pd.DataFrame:
    return articles_frame(*SEED_ARTICLES).assign(story_id=SEED_STORIES)


def one_story(*records: dict) -> pd.DataFrame:
    """Articles that all report one story (placeholder bodies: the story is given, not clustered)."""
    return articles_frame(*records).assign(story_id="one story")


@pytest.fixture
def seed_facts():
    return build_facts(to_frame("mentions", seed_like_mentions()), seed_articles(), CONFIG, REFERENCE)


def fact_of(fact_set, article_number: int, fact_type: str, snippet: str) -> str:
    frame = fact_set.mentions
    rows = frame[
        (frame["article_id"] == ID[article_number])
        & (frame["fact_type"] == fact_type)
        & frame["text"].str.contains(snippet, regex=False)
    ]
    assert len(rows) == 1, (article_number, snippet)
    return rows["fact_id"].iloc[0]


def fact_row(fact_set, fact_id: str) -> pd.Series:
    return fact_set.facts.set_index("fact_id").loc[fact_id]


# --------------------------------------------------------------------------------------------- articles


def test_exact_and_near_duplicates_point_to_the_earliest_article():
    syndicated = "Copyright Wire Service. All rights reserved. " + WIRE.replace("Monday", "Monday evening")
    records = [
        article(1, WIRE, dt.date(2022, 11, 2), "B"),
        article(2, WIRE, dt.date(2022, 11, 1), "A"),
        article(3, syndicated, None, "C"),
        article(4, "A different story about cocoa harvests in Bahia and the weather this week.", None, "D"),
    ]
    marked = mark_duplicate_articles(articles_frame(*records), CONFIG)
    Articles.validate(marked)
    by_id = marked.set_index("article_id")
    canonical = records[1]["article_id"]
    assert pd.isna(by_id.loc[canonical, "duplicate_of"])
    assert by_id.loc[records[0]["article_id"], "duplicate_of"] == canonical
    assert by_id.loc[records[0]["article_id"], "duplicate_kind"] == "exact"
    assert by_id.loc[records[0]["article_id"], "duplicate_similarity"] == 1.0
    assert by_id.loc[records[2]["article_id"], "duplicate_of"] == canonical
    assert by_id.loc[records[2]["article_id"], "duplicate_kind"] == "near"
    assert (
        CONFIG.near_duplicate_threshold <= by_id.loc[records[2]["article_id"], "duplicate_similarity"] < 1.0
    )
    assert pd.isna(by_id.loc[records[3]["article_id"], "duplicate_of"])


def test_equal_dates_break_ties_on_article_id_and_order_does_not_matter():
    records = [article(number, WIRE, dt.date(2022, 11, 1)) for number in range(4)]
    smallest = min(record["article_id"] for record in records)
    frame = articles_frame(*records)
    marked = mark_duplicate_articles(frame, CONFIG)
    shuffled = mark_duplicate_articles(frame.sample(frac=1, random_state=3), CONFIG)
    assert set(marked["duplicate_of"].dropna()) == {smallest}
    pd.testing.assert_frame_equal(marked, shuffled.loc[marked.index])


def test_different_articles_are_not_duplicates():
    other = WIRE.split(". ")
    reworded = ". ".join(reversed(other))  # same sentences, different order: not a copy of the text
    marked = mark_duplicate_articles(
        articles_frame(article(1, WIRE, None), article(2, reworded + " Extra closing remarks here.", None)),
        CONFIG,
    )
    assert marked["duplicate_of"].isna().sum() >= 1


def test_story_clustering_groups_reports_of_one_event_and_keeps_others_apart():
    sochi = [
        "Putin hosted Aliyev and Pashinyan in Sochi for trilateral talks on Nagorno-Karabakh peace treaty.",
        "In Sochi, Pashinyan and Aliyev met Putin; the Karabakh peace treaty and borders were discussed.",
        "Aliyev, Pashinyan and Putin held Sochi talks about a Nagorno-Karabakh peace treaty and borders.",
    ]
    cocoa = [
        "Showers in the Bahia cocoa zone improved prospects for the temporao crop, Comissaria Smith said.",
        "Comissaria Smith said Bahia cocoa arrivals rose as showers improved the temporao crop prospects.",
    ]
    records = [article(number, text, None, title="x") for number, text in enumerate(sochi + cocoa)]
    stories = cluster_stories(articles_frame(*records), CONFIG)
    assert stories.iloc[0] == stories.iloc[1] == stories.iloc[2]
    assert stories.iloc[3] == stories.iloc[4]
    assert stories.iloc[0] != stories.iloc[3]


# --------------------------------------------------------------------------------------------- quotes


def test_translations_and_partial_quotes_of_one_speaker_merge(seed_facts):
    atmosphere = {
        fact_of(seed_facts, 0, "quote", "possible future agreements on certain"),
        fact_of(seed_facts, 1, "quote", "potential agreements on a number"),
        fact_of(seed_facts, 2, "quote", "which created a very good"),
    }
    assert len(atmosphere) == 1
    fact = fact_row(seed_facts, atmosphere.pop())
    assert fact["n_articles"] == 3
    assert fact["status"] == "corroborated"
    assert fact["statement"].startswith("Vladimir Putin: “")
    assert fact["quote_text"].startswith("In my opinion")  # the longest wording


def test_different_statements_of_one_speaker_stay_apart(seed_facts):
    facts = {
        fact_of(seed_facts, 1, "quote", "not everything was agreed"),
        fact_of(seed_facts, 2, "quote", "Russia will do everything"),
        fact_of(seed_facts, 3, "quote", "more direct communication"),
        fact_of(seed_facts, 0, "quote", "possible future agreements"),
    }
    assert len(facts) == 4


def test_quotes_never_merge_across_speakers_and_unattributed_only_when_identical():
    words = "We are ready to start the demarcation of the border right now."
    mentions = [
        quote(ID[0], words, speaker=PUTIN),
        quote(ID[1], words, speaker="Ilham Aliyev"),
        quote(ID[2], words, speaker=None),
        quote(ID[3], words + " Today.", speaker=None),
        quote(ID[4], "We are ready to start the demarcation.", speaker=None),
    ]
    result = build_facts(to_frame("mentions", mentions), one_story(*SEED_ARTICLES), CONFIG, REFERENCE)
    ids = result.mentions["fact_id"].tolist()
    assert ids[0] != ids[1]
    assert ids[2] == ids[3]  # near-identical wording
    assert ids[4] != ids[2]  # half of it: no speaker, no merge
    assert len(set(ids)) == 4
    unattributed = result.facts[result.facts["speaker"].isna()]
    assert unattributed["statement"].str.startswith("Unattributed: “").all()
    # The id is the earliest mention's (article 3 is from 2021), whatever its words.
    assert ids[2] == stable_id("quote", mentions[3]["mention_id"])


# --------------------------------------------------------------------------------------------- quantities


def test_overlapping_claims_corroborate_and_disjoint_claims_conflict(seed_facts):
    war = {
        fact_of(seed_facts, 0, "quantity", "6000"),
        fact_of(seed_facts, 2, "quantity", "6500"),
        fact_of(seed_facts, 3, "quantity", "6500"),
    }
    assert len(war) == 1
    assert fact_row(seed_facts, next(iter(war)))["status"] == "corroborated"

    first, second = fact_of(seed_facts, 0, "quantity", "221"), fact_of(seed_facts, 2, "quantity", "286")
    assert first != second
    conflicts = seed_facts.conflicts
    Conflicts.validate(conflicts)
    assert set(conflicts["fact_id"]) == {first, second}
    assert conflicts["conflict_id"].nunique() == 1
    assert conflicts["conflict_id"].iloc[0] == stable_id(*sorted([first, second]))
    assert conflicts["description"].iloc[0] == (
        "Sources disagree on killed (people) for 2022-09: an estimated 221 (1 article) vs 286 (1 article)"
    )
    assert fact_row(seed_facts, first)["status"] == fact_row(seed_facts, second)["status"] == "contested"
    # Breakdowns of a total in the same article are not in conflict with anyone.
    for part in ("150", "71"):
        assert fact_row(seed_facts, fact_of(seed_facts, 0, "quantity", part))["status"] == "single_source"
    assert seed_facts.stats["conflicts"] == 1


def test_dated_claims_conflict_only_within_one_story_or_about_one_named_subject():
    tolls = [
        quantity(ID[0], 221, "killed", "people", dt.date(2022, 9, 12), "day"),
        quantity(ID[2], 286, "killed", "people", dt.date(2022, 9, 1), "month", start=10),
    ]
    separate = articles_frame(*SEED_ARTICLES).assign(story_id=list(ID.values()))
    # Same measure and month, but nothing says the two articles are about the same clashes.
    assert build_facts(to_frame("mentions", tolls), separate, CONFIG, REFERENCE).conflicts.empty
    conflicts = build_facts(
        to_frame("mentions", tolls), one_story(*SEED_ARTICLES), CONFIG, REFERENCE
    ).conflicts
    assert conflicts["conflict_id"].nunique() == 1 and len(conflicts) == 2
    # Across stories, claims about one named subject, each explicitly dated, can contradict.
    clashes = "Clashes on the border between Armenia and Azerbaijan"
    named = [
        {
            **tolls[0],
            "date_text": "12 September",
            "sentence": f"{clashes} killed 221 people on 12 September.",
        },
        {**tolls[1], "date_text": "in September", "sentence": f"{clashes} killed 286 people in September."},
    ]
    conflicts = build_facts(to_frame("mentions", named), separate, CONFIG, REFERENCE).conflicts
    assert conflicts["conflict_id"].nunique() == 1 and len(conflicts) == 2
    unnamed = [{**named[0], "sentence": "221 people were killed."}, named[1]]
    assert build_facts(to_frame("mentions", unnamed), separate, CONFIG, REFERENCE).conflicts.empty


def test_quantities_never_merge_across_unit_classes_measures_or_periods():
    # Units of one class (soldiers and people) may merge: see tests/test_dedup_facts.py.
    mentions = [
        quantity(ID[0], 300, "killed", "people", dt.date(2022, 9, 1), "month"),
        quantity(ID[1], 300, "killed", "vehicles", dt.date(2022, 9, 1), "month"),
        quantity(ID[2], 300, "wounded", "people", dt.date(2022, 9, 1), "month"),
        quantity(ID[3], 300, "killed", "people", dt.date(2021, 9, 1), "month"),
        quantity(ID[4], 300, "killed", "people", None),
        quantity(ID[4], 999, "wounded", "soldiers", dt.date(2022, 9, 1), "month", start=50),
    ]
    result = build_facts(to_frame("mentions", mentions), articles_frame(*SEED_ARTICLES), CONFIG, REFERENCE)
    assert result.mentions["fact_id"].nunique() == 6
    assert result.conflicts.empty  # different measures/units/periods never conflict


def test_undated_claims_merge_only_with_undated_and_never_conflict():
    mentions = [
        quantity(ID[0], 30000, "killed", "people", None, qualifier="estimated"),
        quantity(ID[1], 30000, "killed", "people", None),
        quantity(ID[2], 6500, "killed", "people", None),
    ]
    result = build_facts(to_frame("mentions", mentions), one_story(*SEED_ARTICLES), CONFIG, REFERENCE)
    ids = result.mentions["fact_id"].tolist()
    assert ids[0] == ids[1] != ids[2]
    assert result.conflicts.empty


def test_open_bounds_do_not_chain_or_merge_far_apart_values():
    month = dt.date(2022, 9, 1)
    mentions = [
        quantity(ID[1], 221, "killed", "people", month, "month"),
        quantity(ID[0], 10, "killed", "people", month, "month", qualifier="more_than", value_low=10.0),
        quantity(ID[2], 286, "killed", "people", month, "month"),
        quantity(ID[3], 52, "killed", "people", month, "month", qualifier="at_least", value_low=52.0),
        quantity(ID[4], 60, "killed", "people", month, "month", qualifier="more_than", value_low=60.0),
    ]
    result = build_facts(to_frame("mentions", mentions), one_story(*SEED_ARTICLES), CONFIG, REFERENCE)
    ids = result.mentions["fact_id"].tolist()
    # "more than 10" is consistent with 221 and 286 but must not chain them, nor merge with far values.
    assert len(set(ids[:4])) == 4
    assert ids[4] == ids[3]  # "more than 60" and "at least 52" corroborate


# --------------------------------------------------------------------------------------------- events


def test_events_merge_on_actors_place_and_date_but_not_a_year_apart(seed_facts):
    sochi_2022 = {
        fact_of(seed_facts, 0, "event", "met"),
        fact_of(seed_facts, 1, "event", "met"),
        fact_of(seed_facts, 2, "event", "met"),
    }
    assert len(sochi_2022) == 1
    fact = fact_row(seed_facts, next(iter(sochi_2022)))
    assert fact["location"] == "Sochi"
    assert fact["actors"] == ["Ilham Aliyev", "Nikol Pashinyan", PUTIN]
    assert fact["statement"] == "meet: Ilham Aliyev, Nikol Pashinyan, Vladimir Putin in Sochi on 2022-10-31"
    assert fact_of(seed_facts, 3, "event", "met") not in sochi_2022


def test_events_in_different_places_or_with_disjoint_actors_stay_apart():
    day = dt.date(2022, 10, 31)
    mentions = [
        event(ID[0], [PUTIN], "Sochi", day),
        event(ID[1], [PUTIN], "Moscow", day),
        event(ID[2], ["Emmanuel Macron"], "Sochi", day),
    ]
    result = build_facts(to_frame("mentions", mentions), articles_frame(*SEED_ARTICLES), CONFIG, REFERENCE)
    assert result.mentions["fact_id"].nunique() == 3


def test_never_merges_across_fact_types(seed_facts):
    types = seed_facts.mentions.groupby("fact_id")["fact_type"].nunique()
    assert (types == 1).all()


# --------------------------------------------------------------------------------------------- corroboration


def test_duplicate_articles_add_no_article_and_no_source():
    original = article(10, WIRE, dt.date(2022, 11, 1), "Wire")
    copy = article(11, "Reprinted. " + WIRE, dt.date(2022, 11, 2), "Copycat")
    other = article(12, "Another independent report on the meeting in Sochi.", dt.date(2022, 11, 3), "Daily")
    marked = mark_duplicate_articles(articles_frame(original, copy, other), CONFIG)
    assert marked.set_index("article_id").loc[copy["article_id"], "duplicate_of"] == original["article_id"]
    words = "Russia will do everything to find a final and comprehensive settlement"
    mentions = [quote(record["article_id"], words) for record in (original, copy, other)]
    result = build_facts(to_frame("mentions", mentions), marked, CONFIG, REFERENCE)
    fact = result.facts.iloc[0]
    assert len(result.facts) == 1
    assert fact["n_mentions"] == 3
    assert fact["n_articles"] == 2
    assert fact["sources"] == ["Daily", "Wire"]
    assert fact["n_sources"] == 2
    assert fact["first_published"] == dt.date(2022, 11, 1)
    assert fact["last_published"] == dt.date(2022, 11, 3)


def test_repeated_quote_in_one_article_is_one_single_source_fact():
    words = "Russia will do everything to find a final and comprehensive settlement"
    mentions = [quote(ID[0], words, start=0), quote(ID[0], words, start=500)]
    result = build_facts(to_frame("mentions", mentions), articles_frame(*SEED_ARTICLES), CONFIG, REFERENCE)
    assert len(result.facts) == 1
    assert result.facts.iloc[0]["n_mentions"] == 2
    assert result.facts.iloc[0]["status"] == "single_source"
    assert result.facts.iloc[0]["confidence"] == 0.9


def test_tables_satisfy_the_contract_and_stats_are_filled(seed_facts):
    Facts.validate(seed_facts.facts)
    Conflicts.validate(seed_facts.conflicts)
    assert seed_facts.mentions["fact_id"].notna().all()
    stats = seed_facts.stats
    assert stats["mentions_in"] == len(seed_like_mentions())
    assert stats["facts_out"] == len(seed_facts.facts)
    assert stats["mentions_in"] - stats["facts_out"] == sum(stats["merges_by_rule"].values())
    assert stats["thresholds"] == dataclasses.asdict(CONFIG)
    json.dumps(stats)


# --------------------------------------------------------------------------------------------- identity


def test_fact_ids_are_stable_when_a_new_article_adds_mentions(seed_facts):
    late = article(9, "a later article " * 5, dt.date(2022, 11, 5), "Late Outlet")
    extra = [
        quote(
            late["article_id"],
            "a very good atmosphere for possible future agreements on certain fundamental issues",
        ),
        quantity(
            late["article_id"],
            6500,
            "killed",
            "people",
            dt.date(2020, 1, 1),
            "year",
            start=5,
            qualifier="about",
            **WAR,
        ),
        event(late["article_id"], [PUTIN, "Ilham Aliyev"], "Sochi", dt.date(2022, 10, 31), start=9),
    ]
    grown = build_facts(
        to_frame("mentions", seed_like_mentions() + extra),
        pd.concat([seed_articles(), articles_frame(late).assign(story_id=ID[0])], ignore_index=True),
        CONFIG,
        REFERENCE,
    )
    assert set(seed_facts.facts["fact_id"]) == set(grown.facts["fact_id"])
    before = seed_facts.mentions.set_index("mention_id")["fact_id"]
    after = grown.mentions.set_index("mention_id")["fact_id"]
    pd.testing.assert_series_equal(before, after.loc[before.index])
    assert grown.facts.set_index("fact_id")["n_articles"].max() == 4


def test_fact_ids_survive_a_change_of_canonical_names_and_wordings(seed_facts):
    """Linking renames an actor or speaker across the dataset when new articles arrive ("Vladimir Putin"
    becomes "Putin"): the facts keep their ids, so their mentions' rows do not change with them."""
    renamed = []
    for record in seed_like_mentions():
        record = dict(record)
        if record["speaker"] == PUTIN:
            record["speaker"] = "Putin"
        if isinstance(record["actors"], list):
            record["actors"] = ["Putin" if actor == PUTIN else actor for actor in record["actors"]]
        renamed.append(record)
    result = build_facts(to_frame("mentions", renamed), seed_articles(), CONFIG, REFERENCE)
    assert set(result.facts["speaker"].dropna()) >= {"Putin"}
    assert set(result.facts["fact_id"]) == set(seed_facts.facts["fact_id"])
    before = seed_facts.mentions.set_index("mention_id")["fact_id"]
    pd.testing.assert_series_equal(
        before, result.mentions.set_index("mention_id")["fact_id"].loc[before.index]
    )
    # The id is the earliest mention's, for every fact.
    earliest = seed_facts.mentions.merge(seed_articles()[["article_id", "published_date"]], on="article_id")
    first = earliest.sort_values(["published_date", "article_id", "char_start", "char_end", "mention_id"])
    first = first.drop_duplicates("fact_id")
    assert sorted(first["fact_id"]) == sorted(
        stable_id(fact_type, mention_id)
        for fact_type, mention_id in zip(first["fact_type"], first["mention_id"], strict=True)
    )


def test_results_do_not_depend_on_input_row_order(seed_facts):
    mentions = (
        to_frame("mentions", seed_like_mentions()).sample(frac=1, random_state=7).reset_index(drop=True)
    )
    articles = seed_articles().sample(frac=1, random_state=2)
    shuffled = build_facts(mentions, articles, CONFIG, REFERENCE)
    pd.testing.assert_frame_equal(seed_facts.facts, shuffled.facts)
    pd.testing.assert_frame_equal(seed_facts.conflicts, shuffled.conflicts)
    expected = seed_facts.mentions.set_index("mention_id")["fact_id"]
    pd.testing.assert_series_equal(
        expected, shuffled.mentions.set_index("mention_id")["fact_id"].loc[expected.index]
    )
    assert shuffled.stats == seed_facts.stats


def test_empty_input_gives_empty_tables():
    result = build_facts(to_frame("mentions", []), articles_frame(*SEED_ARTICLES), CONFIG, REFERENCE)
    assert result.facts.empty and result.conflicts.empty and result.mentions.empty
    Facts.validate(result.facts)


# --------------------------------------------------------------------------------------------- evaluation


def test_bcubed_scores_perfect_split_and_lumped_clusterings():
    gold = ["a", "a", "b", "b"]
    assert bcubed(["x", "x", "y", "y"], gold) == (1.0, 1.0, 1.0)
    precision, recall, _ = bcubed(["x", "x", "x", "x"], gold)
    assert precision == 0.5 and recall == 1.0


def test_fact_cluster_scoring_on_seed_like_mentions(tmp_path, seed_facts):
    gold_path = tmp_path / "gold.jsonl"
    groups = [
        {
            "group": "atmosphere",
            "mentions": [
                {"file": "000.txt", "fact_type": "quote", "snippet": "possible future agreements on certain"},
                {"file": "001.txt", "fact_type": "quote", "snippet": "potential agreements on a number"},
                {"file": "002.txt", "fact_type": "quote", "snippet": "which created a very good"},
            ],
        },
        {"group": "deaths 221", "mentions": [{"file": "000.txt", "fact_type": "quantity", "snippet": "221"}]},
        {"group": "deaths 286", "mentions": [{"file": "002.txt", "fact_type": "quantity", "snippet": "286"}]},
        {
            "group": "missing",
            "mentions": [{"file": "004.txt", "fact_type": "quote", "snippet": "not extracted"}],
        },
    ]
    gold_path.write_text("".join(json.dumps(group) + "\n" for group in groups), encoding="utf-8")
    articles = articles_frame(*SEED_ARTICLES)
    score = score_fact_clusters(seed_facts.mentions, articles, load_gold_clusters(gold_path))
    assert score.true_positives == 3 and score.n_predicted == 3 and score.n_gold == 3
    assert score.matched == 5 and score.unmatched == ["004.txt quote: not extracted"]


def test_undated_events_a_year_apart_stay_apart_with_distinct_ids():
    leaders = [PUTIN, "Ilham Aliyev", "Nikol Pashinyan"]
    mentions = [
        event(ID[0], leaders, None, None),
        event(ID[3], leaders, None, None),
        event(ID[3], ["Ilham Aliyev", "Nikol Pashinyan", "Charles Michel"], None, None, start=90),
        event(ID[3], [PUTIN, "Ilham Aliyev"], "Sochi", None, start=120),
    ]
    result = build_facts(to_frame("mentions", mentions), articles_frame(*SEED_ARTICLES), CONFIG, REFERENCE)
    Facts.validate(result.facts)
    ids = result.mentions["fact_id"].tolist()
    assert ids[0] != ids[1]  # same leaders, published a year apart
    assert ids[2] != ids[1]  # another meeting told of in the same article
    assert ids[3] == ids[1]  # part of the same meeting, same article
