"""Tests of article near duplicates and story clustering on tiny hand-built article frames (issue #4)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from evaluation.stories import bcubed, merged_topic_share
from factlake.config import DedupConfig
from factlake.dedup import cluster_stories, mark_duplicate_articles
from factlake.dedup.stories import (
    comparison_blocks,
    conflict_factor,
    months_mentioned,
    name_terms,
    quotation_runs,
    story_signals,
    story_similarities,
    subject_names,
    years_mentioned,
)
from factlake.records import new_record, normalize_text, sha256_hex, stable_id, to_frame

#: Default settings: every pair of tiny frames is compared.
CONFIG = DedupConfig()


def article(number: int, body: str, published: dt.date | None = None, title: str = "x") -> dict:
    return new_record(
        "articles",
        article_id=stable_id("article", number),
        source_uri=f"{number:03d}.txt",
        source_name=None,
        title=title,
        published_date=published,
        date_source="metadata" if published else "none",
        body=body,
        n_words=len(body.split()),
        body_sha256=sha256_hex(normalize_text(body)),
        content_sha256=sha256_hex(f"{number}{body}"),
    )


def frame(*bodies: str, published: list[dt.date | None] | None = None) -> pd.DataFrame:
    dates = published or [None] * len(bodies)
    pairs = enumerate(zip(bodies, dates, strict=True))
    return to_frame("articles", [article(number, body, date) for number, (body, date) in pairs])


# Two earthquakes: same kind of event, same vocabulary, different places, people and figures.
QUAKE_A = [
    "A magnitude 6.1 earthquake struck near Ludian in Yunnan on Sunday, killing 398 people, officials said. "
    "Governor Li Jiheng said rescuers in Ludian were searching collapsed houses for survivors of the "
    "earthquake.",
    "Rescuers in Yunnan searched collapsed houses after the earthquake near Ludian killed 398 people. "
    "Governor Li Jiheng said the magnitude 6.1 earthquake destroyed roads around Ludian.",
    "The earthquake that hit Ludian in Yunnan killed 398 people; Governor Li Jiheng asked rescuers to "
    "reach survivors in collapsed houses before nightfall.",
]
QUAKE_B = [
    "Ecuador mourned 661 dead after a magnitude 7.8 earthquake flattened Pedernales on Saturday. President "
    "Rafael Correa flew to Pedernales, where rescuers dug through collapsed hotels.",
    "President Rafael Correa said the toll of the Pedernales earthquake rose to 661 as rescuers from "
    "Colombia and Mexico dug through collapsed hotels along the coast of Ecuador.",
]


def test_reports_of_one_event_merge_and_a_similar_event_stays_apart():
    stories = cluster_stories(frame(*QUAKE_A, *QUAKE_B), CONFIG)
    assert stories.iloc[0] == stories.iloc[1] == stories.iloc[2]
    assert stories.iloc[3] == stories.iloc[4]
    assert stories.iloc[0] != stories.iloc[3]


def test_names_weigh_in_against_shared_vocabulary():
    """Two templated reports of different earthquakes: the wording agrees, the names and figures do not."""
    other_quake = (
        "A magnitude 7.8 earthquake struck near Pedernales in Ecuador on Saturday, killing 661 people, "
        "officials said. President Rafael Correa said rescuers in Pedernales were searching collapsed houses "
        "for survivors of the earthquake."
    )
    texts = frame(QUAKE_A[0], other_quake)
    words_only = dataclasses.replace(CONFIG, story_entity_weight=0.0, story_similarity_threshold=0.3)
    with_names = dataclasses.replace(CONFIG, story_entity_weight=0.5, story_similarity_threshold=0.3)
    assert cluster_stories(texts, words_only).nunique() == 1
    assert cluster_stories(texts, with_names).nunique() == 2


def test_articles_published_far_apart_are_never_one_story():
    bodies = [QUAKE_A[0], QUAKE_A[1]]
    close = frame(*bodies, published=[dt.date(2014, 8, 3), dt.date(2014, 8, 5)])
    apart = frame(*bodies, published=[dt.date(2014, 8, 3), dt.date(2015, 8, 3)])
    unknown = frame(*bodies, published=[dt.date(2014, 8, 3), None])
    assert cluster_stories(close, CONFIG).nunique() == 1
    assert cluster_stories(apart, CONFIG).nunique() == 2
    assert cluster_stories(unknown, CONFIG).nunique() == 1


def test_story_id_is_the_earliest_article_and_does_not_depend_on_row_order():
    published = [dt.date(2014, 8, 5), dt.date(2014, 8, 3), None, dt.date(2016, 4, 17), dt.date(2016, 4, 16)]
    articles = frame(*QUAKE_A, *QUAKE_B, published=published)
    stories = cluster_stories(articles, CONFIG)
    assert stories.iloc[0] == articles["article_id"].iloc[1]
    assert stories.iloc[3] == articles["article_id"].iloc[4]
    shuffled = cluster_stories(articles.sample(frac=1, random_state=7), CONFIG)
    pd.testing.assert_series_equal(stories, shuffled.loc[stories.index])


def test_empty_frame_gives_empty_story_ids():
    assert cluster_stories(frame(), CONFIG).empty


def test_name_terms_keep_names_and_numbers_but_not_sentence_starts_or_weekdays():
    terms = name_terms("Rescuers said Governor Li Jiheng met 398 families on Sunday. The court met. A Court.")
    assert {"governor", "li", "jiheng", "governor_li_jiheng", "398"} <= set(terms)
    assert "rescuers" not in terms  # first word of its sentence
    assert "sunday" not in terms
    assert "court" not in terms  # also written in lower case


def test_short_templated_notices_are_not_near_duplicates_but_long_copies_are():
    notice = "Qtly div {} cts vs {} cts prior\n\nPay April 15\n\nRecord April one"
    long_body = " ".join(QUAKE_A)
    marked = mark_duplicate_articles(
        frame(
            notice.format("six", "six"),
            notice.format("five", "five"),
            notice.format("six", "six"),
            long_body,
            "Reprinted: " + long_body,
        ),
        DedupConfig(),
    )
    kinds = marked["duplicate_kind"].tolist()
    assert pd.isna(kinds[1])  # a different company's notice: not a copy
    assert {kinds[0], kinds[2]} & {"exact"}  # identical bodies are still exact duplicates
    assert {kinds[3], kinds[4]} & {"near"}  # the canonical one of the two is the smaller article_id


def test_bcubed_and_merged_topics():
    assert bcubed(["a", "a", "b"], [1, 1, 2]) == (1.0, 1.0, 1.0)
    precision, recall, _ = bcubed(["a", "a", "a"], [1, 1, 2])
    assert round(precision, 3) == round((2 / 3 + 2 / 3 + 1 / 3) / 3, 3)
    assert recall == 1.0
    share, n_topics = merged_topic_share(["a", "a", "b", "c"], [1, 1, 2, 2], ["x", "y", "x", "y"])
    assert (share, n_topics) == (0.5, 2)


# One footballer arrested twice, in two different years: the wording and the central person agree.
ARREST_2008 = [
    "Chargers receiver Vincent Jackson was arrested on suspicion of drunk driving early Tuesday in January "
    "2008, police said. Jackson was released after posting bail and will play Sunday, the team said.",
    "Police arrested Vincent Jackson of the Chargers on suspicion of drunk driving on Tuesday in January "
    "2008. Jackson posted bail and the Chargers said he would play on Sunday.",
]
ARREST_2010 = [
    "Chargers receiver Vincent Jackson was arrested on suspicion of drunk driving early Saturday in October "
    "2010, police said. Jackson was released after posting bail, the team said.",
]


def test_years_months_and_subjects_of_a_text():
    text = (
        "On March 3, 2009 the court heard it. It cost $2000 and 2,014 people came in May 2010; it may rain."
    )
    assert years_mentioned(text) == {2009, 2010}
    assert months_mentioned(text) == {"march", "may"}
    body = "Fans cheered Reid. Reid smiled at Jack Ketsoyan. Reid left, Reid said, and Ketsoyan stayed."
    assert subject_names(body, min_mentions=4) == {"reid"}
    assert subject_names(body, min_mentions=5) == frozenset()


def test_one_person_in_two_different_years_makes_two_stories():
    articles = frame(*ARREST_2008, *ARREST_2010)
    stories = cluster_stories(articles, CONFIG)
    assert stories.iloc[0] == stories.iloc[1]
    assert stories.iloc[0] != stories.iloc[2]
    no_conflicts = dataclasses.replace(
        CONFIG, story_year_conflict_factor=1.0, story_month_conflict_factor=1.0
    )
    assert cluster_stories(articles, no_conflicts).nunique() == 1


def test_texts_years_do_not_count_between_dated_articles():
    """Between dated articles the publication-date gate decides; a text may mention last year's events."""
    bodies = [ARREST_2008[0], ARREST_2010[0]]
    dated = frame(*bodies, published=[dt.date(2010, 10, 4), dt.date(2010, 10, 5)])
    assert cluster_stories(dated, CONFIG).nunique() == 1


def test_an_article_about_someone_else_is_less_similar():
    """Two outlets on one arrest keep their similarity; a report centred on a teammate loses some."""
    teammate = (
        "Police arrested Jamal Williams of the Chargers on suspicion of drunk driving. Williams posted bail "
        "and the Chargers said Williams would play on Sunday. Williams apologized."
    )
    texts = [*ARREST_2008, teammate]
    no_subjects = dataclasses.replace(CONFIG, story_subject_conflict_factor=1.0)
    plain = story_similarities(texts, texts, [None] * 3, no_subjects)
    with_subjects = story_similarities(texts, texts, [None] * 3, CONFIG)
    assert with_subjects[(0, 1)] == plain[(0, 1)]
    assert with_subjects[(1, 2)] == pytest.approx(plain[(1, 2)] * CONFIG.story_subject_conflict_factor)
    assert subject_names(teammate, CONFIG.story_subject_min_mentions) == {"williams"}


def test_every_pair_within_the_date_gap_is_compared_once():
    """The blocks cover every pair that may be one story: dated pairs within the gap, and every pair with
    an undated article; no pair is missed however large the corpus (no candidate index)."""
    ordinals = [None, 10, 11, 30, None, 18, 10, 40, 33]
    gap = 7
    compared: set[tuple[int, int]] = set()
    for rows, columns in comparison_blocks(ordinals, gap, block_size=2):
        compared.update((int(min(a, b)), int(max(a, b))) for a in rows for b in columns if a != b)
    expected = {
        (first, second)
        for first in range(len(ordinals))
        for second in range(first + 1, len(ordinals))
        if ordinals[first] is None
        or ordinals[second] is None
        or abs(ordinals[first] - ordinals[second]) <= gap
    }
    assert expected <= compared


def test_similarities_do_not_depend_on_a_terms_share_of_a_tiny_corpus():
    """Five reports of one summit share most names: a term in three of five texts still counts (an index of
    rare terms proposed no pair for two of them)."""
    texts = [*QUAKE_A, *QUAKE_B]
    similarities = story_similarities(texts, texts, [None] * 5, CONFIG)
    assert {(0, 1), (0, 2), (1, 2), (3, 4)} <= set(similarities)


ATMOSPHERE = (
    "“It was a very useful meeting which created a very good atmosphere for possible future agreements,” "
    "Putin told reporters after the talks with Aliyev and Pashinyan in Sochi."
)


def test_a_dated_articles_own_month_counts_as_mentioned():
    """An undated report of talks "in October" and a report published on 1 November (mentioning the
    September clashes) do not conflict in time: the dated one's publication reaches back into October."""
    dated = story_signals(
        "Clashes in September killed 221 people.", "", dt.date(2022, 11, 1).toordinal(), CONFIG
    )
    undated = story_signals("The talks in October followed clashes.", "", None, CONFIG)
    assert {"october", "november", "september"} <= dated.months
    assert conflict_factor(dated, undated, dated=False, config=CONFIG) == 1.0
    plain = dataclasses.replace(dated, months=frozenset({"september"}))
    assert conflict_factor(plain, undated, dated=False, config=CONFIG) == CONFIG.story_month_conflict_factor


def test_an_undated_text_mentioning_a_later_year_was_written_later():
    dated = story_signals("Putin met Aliyev in Sochi.", "", dt.date(2021, 11, 26).toordinal(), CONFIG)
    later = story_signals("Since they met in 2021, Azerbaijan took Karabakh in 2023.", "", None, CONFIG)
    earlier = story_signals("Putin called Aliyev about the 2021 talks and the 2020 war.", "", None, CONFIG)
    assert conflict_factor(dated, later, dated=False, config=CONFIG) == CONFIG.story_year_conflict_factor
    assert conflict_factor(dated, earlier, dated=False, config=CONFIG) == 1.0


def test_a_shared_quotation_outweighs_the_time_signals():
    """Two undated reports quoting the same six words report one statement, whatever months they mention."""
    first = story_signals(f"In August Macron hosted talks. {ATMOSPHERE}", ATMOSPHERE, None, CONFIG)
    second = story_signals(
        "In September clashes killed 286 people. “It created a very good atmosphere for possible deals.”",
        "“It created a very good atmosphere for possible deals.”",
        None,
        CONFIG,
    )
    unrelated = story_signals("In September clashes killed 286 people.", "", None, CONFIG)
    assert quotation_runs(ATMOSPHERE) & second.quotations
    assert conflict_factor(first, second, dated=False, config=CONFIG) == 1.0
    assert conflict_factor(first, unrelated, dated=False, config=CONFIG) == CONFIG.story_month_conflict_factor
