"""Event facts: one real event, one fact (synonym classes, undated reports, modality in identity)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from factlake.dedup import build_facts
from factlake.records import to_frame
from tests.test_dedup import CONFIG, ID, REFERENCE, SEED_ARTICLES, articles_frame, mention

SUMMIT = dt.date(2022, 10, 31)
LEADERS = ["Ilham Aliyev", "Nikol Pashinyan", "Vladimir Putin"]


def event(article_id, action, actors, location, date, start=0, modality="asserted", date_text=None):
    return mention(
        article_id,
        "event",
        f"{action} {start}",
        start,
        action=action,
        actors=actors,
        source_actors=actors[:1],
        target_actors=actors[1:],
        location=location,
        event_date=date,
        date_precision="day" if date else None,
        date_text=date_text,
        modality=modality,
        polarity="negative" if modality == "negated" else "positive",
    )


def facts_of(mentions: list[dict], stories: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    articles = articles_frame(*SEED_ARTICLES).assign(story_id=stories)
    result = build_facts(to_frame("mentions", mentions), articles, CONFIG, REFERENCE)
    return result.facts, result.mentions


def test_synonym_actions_of_one_occurrence_are_one_fact_keeping_their_verbs():
    mentions = [
        event(ID[0], "meet", LEADERS, "Sochi", SUMMIT),
        event(ID[1], "talk", ["Ilham Aliyev", "Nikol Pashinyan"], "Sochi", SUMMIT),
        event(ID[2], "host", ["Vladimir Putin", "Ilham Aliyev"], "Sochi", SUMMIT),
    ]
    facts, linked = facts_of(mentions, ["s"] * 5)
    (fact,) = facts.to_dict("records")
    assert fact["n_articles"] == 3 and fact["modality"] == "asserted"
    assert fact["statement"] == "meet: Ilham Aliyev, Nikol Pashinyan, Vladimir Putin in Sochi on 2022-10-31"
    assert sorted(linked["action"]) == ["host", "meet", "talk"]


def test_undated_reports_join_their_story_dated_occurrence_only():
    mentions = [
        event(ID[0], "meet", LEADERS, "Sochi", SUMMIT),
        event(ID[0], "meet", ["Ilham Aliyev", "Nikol Pashinyan"], "Europe", None, start=50),
        event(ID[1], "meet", ["Ilham Aliyev", "Nikol Pashinyan"], "Sochi", None),
        event(ID[2], "talk", ["Ilham Aliyev", "Vladimir Putin"], None, None),
        event(ID[3], "meet", ["Ilham Aliyev", "Nikol Pashinyan"], "Sochi", None, date_text="four days later"),
    ]
    facts, linked = facts_of(mentions, ["s", "s", "s", "s", "other"])
    fact_of = dict(
        zip(linked["article_id"] + linked["char_start"].astype(str), linked["fact_id"], strict=True)
    )
    summit = fact_of[ID[0] + "0"]
    assert fact_of[ID[1] + "0"] == summit and fact_of[ID[2] + "0"] == summit
    assert fact_of[ID[0] + "50"] != summit  # another place
    assert fact_of[ID[3] + "0"] != summit  # another story, and a date of its own
    row = facts.set_index("fact_id").loc[summit]
    assert (row["n_articles"], row["event_date"]) == (3, SUMMIT)


def test_an_undated_report_with_two_candidate_occurrences_stays_apart():
    mentions = [
        event(ID[0], "meet", LEADERS, "Sochi", SUMMIT),
        event(ID[0], "meet", LEADERS, "Sochi", dt.date(2022, 3, 1), start=40),
        event(ID[1], "meet", ["Ilham Aliyev", "Nikol Pashinyan"], "Sochi", None),
    ]
    facts, _ = facts_of(mentions, ["s"] * 5)
    assert len(facts) == 3


def test_a_mention_naming_no_actor_joins_its_story_fact():
    mentions = [
        event(ID[0], "meet", LEADERS, "Sochi", SUMMIT),
        event(ID[1], "meet", [], None, SUMMIT),
        event(ID[3], "meet", [], None, SUMMIT),
    ]
    facts, _ = facts_of(mentions, ["s", "s", "s", "t", "t"])
    assert sorted(facts["n_articles"]) == [1, 2]


def test_modality_is_part_of_identity_and_statement():
    sign = ["Armenia", "Azerbaijan"]
    mentions = [
        event(ID[0], "sign", sign, None, None, modality="planned"),
        event(ID[1], "sign", sign, None, None, modality="planned"),
        event(ID[2], "sign", sign, None, None),
        event(ID[2], "withdraw", ["Azerbaijan"], None, None, start=30, modality="demanded"),
    ]
    facts, _ = facts_of(mentions, ["s"] * 5)
    statements = dict(zip(facts["statement"], facts["n_articles"], strict=True))
    assert statements == {
        "planned: sign — Armenia, Azerbaijan": 2,
        "sign: Armenia, Azerbaijan": 1,
        "demanded: withdraw — Azerbaijan": 1,
    }
    assert set(facts["modality"]) == {"planned", "asserted", "demanded"}


def test_unresolved_date_texts_keep_undated_occurrences_apart():
    mentions = [
        event(ID[2], "talk", ["Nikol Pashinyan", "Ilham Aliyev"], None, None, date_text="in August"),
        event(
            ID[2], "talk", ["Nikol Pashinyan", "Ilham Aliyev"], None, None, start=40, date_text="on October 3"
        ),
    ]
    facts, _ = facts_of(mentions, ["s"] * 5)
    assert len(facts) == 2


def test_parties_meeting_one_by_one_are_not_their_joint_meeting():
    """ "Putin met separately with Pashinyan and Aliyev" before the summit is another occurrence than the
    trilateral summit of the same three leaders in the same story; two reports of the separate meetings
    are one fact."""
    joint = event(ID[0], "meet", LEADERS, "Sochi", SUMMIT)
    separate = [
        {**event(ID[1], "meet", LEADERS, "Sochi", None), "text": "Putin met separately with Pashinyan"},
        {**event(ID[2], "talk", LEADERS, None, None), "text": "Putin held separate discussions with Aliyev"},
    ]
    facts, linked = facts_of([joint, *separate], ["s"] * 5)
    fact_of = dict(zip(linked["article_id"], linked["fact_id"], strict=True))
    assert fact_of[ID[1]] == fact_of[ID[2]] != fact_of[ID[0]]
    statements = dict(zip(facts["fact_id"], facts["statement"], strict=True))
    assert statements[fact_of[ID[1]]].startswith("meet separately: Ilham Aliyev, Nikol Pashinyan")
    together, _ = facts_of([joint, {**separate[0], "text": "Putin met Pashinyan"}], ["s"] * 5)
    assert len(together) == 1


def test_incompatible_themes_are_two_occurrences_and_the_statement_names_the_theme():
    """Undated reports of one story: "hosted the 12th Paris Book Fair" and "hosted the 13th Paris Book
    Fair" are two editions; the earliest report, naming no theme, takes the first that fits (its fact
    takes that theme); other head nouns ("fisheries agreement", "trade deal") are two signings, with two
    ids even within one article."""
    host = ["Anne Hidalgo"]
    mentions = [
        event(ID[1], "host", host, None, None),
        {**event(ID[0], "host", host, None, None), "theme": "12th Paris Book Fair"},
        {**event(ID[2], "host", host, None, None), "theme": "13th Paris Book Fair"},
        {
            **event(ID[3], "sign", ["Chile", "Peru"], None, None, modality="planned"),
            "theme": "fisheries agreement",
        },
        {
            **event(ID[3], "sign", ["Chile", "Peru"], None, None, start=60, modality="planned"),
            "theme": "trade deal",
        },
    ]
    facts, linked = facts_of(mentions, ["s"] * 5)
    fact_of = dict(
        zip(linked["article_id"] + linked["char_start"].astype(str), linked["fact_id"], strict=True)
    )
    assert fact_of[ID[1] + "0"] == fact_of[ID[0] + "0"] != fact_of[ID[2] + "0"]
    assert fact_of[ID[3] + "0"] != fact_of[ID[3] + "60"]
    statements = dict(zip(facts["fact_id"], facts["statement"], strict=True))
    assert statements[fact_of[ID[3] + "0"]] == "planned: sign fisheries agreement — Chile, Peru"
    themes = dict(zip(facts["fact_id"], facts["theme"], strict=True))
    assert themes[fact_of[ID[1] + "0"]] == "12th Paris Book Fair"
    assert facts["fact_id"].is_unique and len(facts) == 4


def test_an_undated_report_of_another_theme_does_not_join_the_dated_occurrence():
    """The one dated signing of a story takes an undated report of the same theme (a plural is its
    singular), not an undated signing of something else."""
    parties = ["Chile", "Peru"]
    mentions = [
        {**event(ID[0], "sign", parties, "Lima", SUMMIT), "theme": "fisheries agreement"},
        {**event(ID[1], "sign", parties, None, None), "theme": "trade deals"},
        {**event(ID[2], "sign", parties, None, None), "theme": "fisheries agreements"},
    ]
    facts, linked = facts_of(mentions, ["s"] * 5)
    fact_of = dict(zip(linked["article_id"], linked["fact_id"], strict=True))
    assert fact_of[ID[0]] == fact_of[ID[2]] != fact_of[ID[1]]
    statements = sorted(facts["statement"])
    assert statements == [
        "sign fisheries agreement: Chile, Peru in Lima on 2022-10-31",
        "sign trade deals: Chile, Peru",
    ]


def reference(article_id: str, text: str, start: int = 0, location: str | None = None) -> dict:
    """A story reference as extracted: a meeting noun naming no actor and no date ("the summit")."""
    return {
        **event(article_id, "meet", [], location, None, start=start),
        "text": text,
        "char_end": start + len(text),
        "date_source": "story",
    }


def test_a_story_reference_joins_the_one_dated_occurrence_of_its_story():
    summit = event(ID[0], "meet", LEADERS, "Sochi", SUMMIT)
    mentions = [summit, reference(ID[2], "The summit"), reference(ID[3], "the talks", start=20)]
    facts, linked = facts_of(mentions, ["s", "s", "s", "other", "other"])
    (fact,) = facts.to_dict("records")
    assert fact["n_articles"] == 2 and fact["event_date"] == SUMMIT
    assert fact["statement"] == "meet: Ilham Aliyev, Nikol Pashinyan, Vladimir Putin in Sochi on 2022-10-31"
    # The reference of another story is dropped: no mention, no fact of its own.
    assert sorted(linked["article_id"]) == [ID[0], ID[2]]


def test_a_story_reference_is_dropped_between_two_occurrences_told_once_each():
    mentions = [
        event(ID[0], "meet", LEADERS, "Sochi", SUMMIT),
        event(ID[1], "talk", ["Ilham Aliyev", "Nikol Pashinyan"], "Geneva", dt.date(2022, 10, 3)),
        reference(ID[2], "the meeting"),
    ]
    facts, linked = facts_of(mentions, ["s"] * 5)
    assert sorted(facts["n_articles"]) == [1, 1]
    assert ID[2] not in set(linked["article_id"])


def test_a_story_reference_takes_the_occurrence_its_story_reports_twice():
    """Of the summit told by two reports and an earlier meeting told by one, "the talks" is the summit; a
    reference whose place is another occurrence's takes that one."""
    mentions = [
        event(ID[0], "meet", LEADERS, "Sochi", SUMMIT),
        event(ID[1], "talk", LEADERS, "Sochi", SUMMIT),
        event(ID[1], "meet", ["Ilham Aliyev", "Nikol Pashinyan"], "Geneva", dt.date(2022, 10, 3), start=40),
        reference(ID[2], "the talks"),
        reference(ID[2], "the meeting in Geneva", start=30, location="Geneva"),
    ]
    facts, linked = facts_of(mentions, ["s"] * 5)
    fact_of = dict(
        zip(linked["char_start"].astype(str) + linked["article_id"], linked["fact_id"], strict=True)
    )
    assert fact_of["0" + ID[2]] == fact_of["0" + ID[0]] != fact_of["30" + ID[2]] == fact_of["40" + ID[1]]
    assert sorted(facts["n_articles"]) == [2, 3]


def test_a_story_reference_never_joins_an_undated_report_nor_another_reference():
    mentions = [
        event(ID[0], "meet", ["Ilham Aliyev", "Nikol Pashinyan"], "Sochi", None),
        reference(ID[1], "the summit"),
        reference(ID[2], "the summit"),
    ]
    articles = articles_frame(*SEED_ARTICLES).assign(story_id=["s"] * 5)
    result = build_facts(to_frame("mentions", mentions), articles, CONFIG, REFERENCE)
    assert result.facts["n_articles"].tolist() == [1] and result.mentions["article_id"].tolist() == [ID[0]]
    stats = result.stats
    assert (stats["mentions_in"], stats["mentions_unpublished"], stats["facts_out"]) == (3, 2, 1)
