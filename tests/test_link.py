"""Dataset-wide entity linking."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from factlake import link
from factlake.config import DEFAULT_REFERENCE_DIR, ExtractConfig
from factlake.dedup import story_table
from factlake.errors import RunError
from factlake.extract import ArticleContext, entities, quotes
from factlake.extract.entities import longest_person_name
from factlake.link import _FullNameIndex, canonicalize_mentions, link_entities
from factlake.records import new_record, stable_id, to_frame
from factlake.reference import load_reference, rows_valid_on
from schemas.tables import Entities

REFERENCE = load_reference(DEFAULT_REFERENCE_DIR)


def mention(
    article: str, text: str, entity_type: str, name: str | None = None, role: str | None = None
) -> dict:
    return {
        "article_id": article,
        "text": text,
        "char_start": 0,
        "char_end": len(text),
        "label": "PERSON",
        "entity_type": entity_type,
        "name": name or text,
        "role": role,
    }


MENTIONS = [
    mention("a" * 16, "Vladimir Putin", "person", role="Russian President"),
    mention("a" * 16, "Putin", "person", name="Vladimir Putin"),
    mention("b" * 16, "Putin", "person"),  # an article that never names him fully
    mention("b" * 16, "Karabakh", "place"),
    mention("c" * 16, "Nagorno-Karabakh", "place"),
    mention("c" * 16, "Kremlin", "organization"),
    mention("c" * 16, "Moscow", "place"),
]


def test_surname_titles_and_roles_link_to_one_person():
    table, names = link_entities(MENTIONS, REFERENCE)
    Entities.validate(table)
    putin = table[table["name"] == "Vladimir Putin"].iloc[0]
    assert putin["n_mentions"] == 3 and putin["n_articles"] == 2
    assert "Russian President Vladimir Putin" in putin["aliases"] and "Putin" in putin["aliases"]
    assert putin["entity_id"] == stable_id("person", "Vladimir Putin")
    assert names["Putin"] == "Vladimir Putin"


def test_a_role_alone_is_never_linked_to_a_holder():
    """Who holds a role depends on the date: only the article (or a dated reference row) says who."""
    _, names = link_entities(MENTIONS, REFERENCE)
    quote = new_record("mentions", speaker="Kremlin spokesman", fact_type="quote")
    assert {"Russian President", "Russian leader", "Kremlin spokesman"}.isdisjoint(names)
    assert canonicalize_mentions([quote], names)[0]["speaker"] == "Kremlin spokesman"


def test_curated_alias_merges_but_metonymy_does_not():
    table, names = link_entities(MENTIONS, REFERENCE)
    assert names["Karabakh"] == "Nagorno-Karabakh"
    assert {"Kremlin", "Moscow"} <= set(table["name"]) and names["Kremlin"] == "Kremlin"
    assert table[table["name"] == "Nagorno-Karabakh"].iloc[0]["n_articles"] == 2


def test_linking_is_deterministic_and_order_independent():
    first, first_names = link_entities(MENTIONS, REFERENCE)
    second, second_names = link_entities(list(reversed(MENTIONS)), REFERENCE)
    assert first.equals(second) and first_names == second_names


def test_canonicalize_mentions_rewrites_names_in_new_dicts():
    _, names = link_entities(MENTIONS, REFERENCE)
    quote = new_record("mentions", speaker="Putin", fact_type="quote")
    event = new_record("mentions", actors=["Putin", "Vladimir Putin"], location="Karabakh", fact_type="event")
    body = new_record(
        "mentions", speaker="joint statement of Armenia, Azerbaijan and Russia", fact_type="quote"
    )
    result = canonicalize_mentions([quote, event, body], names)
    assert result[0]["speaker"] == "Vladimir Putin" and quote["speaker"] == "Putin"
    assert result[1]["actors"] == ["Vladimir Putin"] and result[1]["location"] == "Nagorno-Karabakh"
    assert result[2]["speaker"] == body["speaker"]


def test_frames_link_like_records():
    """The frames bound from the extraction cache give what the records give: entities, names, holders,
    canonical mentions (same values and dtypes) and the story stage's entity names."""
    frame = pd.DataFrame(
        {name: pd.Series([row[name] for row in MENTIONS], dtype=object) for name in MENTIONS[0]}
    )
    table, names = link_entities(MENTIONS, REFERENCE)
    frame_table, frame_names = link_entities(frame, REFERENCE)
    pd.testing.assert_frame_equal(frame_table, table)
    assert frame_names == names
    pd.testing.assert_frame_equal(link.role_holders(frame, names), link.role_holders(MENTIONS, names))
    assert len(link.role_holders(frame, names)) == 1
    expected = story_table.entity_mention_frame(MENTIONS, names)
    pd.testing.assert_frame_equal(link.entity_names(frame, names), expected)
    pd.testing.assert_frame_equal(link.entity_names(MENTIONS, names), expected)
    records = [
        new_record("mentions", speaker="Putin", fact_type="quote", text="x", char_start=0, char_end=1),
        new_record(
            "mentions",
            actors=["Putin", "Vladimir Putin"],
            location="Karabakh",
            text="y",
            char_start=0,
            char_end=1,
        ),
        new_record(
            "mentions", speaker="joint statement", source_actors=["Kremlin"], char_start=2, char_end=3
        ),
        new_record("mentions", event_date=dt.date(2022, 1, 2), value=3.5, char_start=4, char_end=5),
    ]
    mentions = to_frame("mentions", records)
    canonical = link.canonicalize_mention_frame(mentions, names)
    pd.testing.assert_frame_equal(canonical, to_frame("mentions", canonicalize_mentions(records, names)))
    assert canonical["speaker"].tolist()[0] == "Vladimir Putin"
    assert canonical["actors"].tolist()[1] == ["Vladimir Putin"]
    assert mentions["speaker"].tolist()[0] == "Putin"  # the given frame is left as it is


WORDS = st.sampled_from(["Putin", "Vladimir", "Biden", "Joe", "Lee", "Kim", "Jong", "Un", "Hunter"])


@given(
    full_names=st.lists(st.lists(WORDS, min_size=2, max_size=3).map(" ".join), max_size=8).map(
        lambda names: sorted(set(names))
    ),
    word=WORDS,
)
def test_full_name_index_answers_like_a_scan_of_all_full_names(full_names: list[str], word: str) -> None:
    assert _FullNameIndex(full_names)(word) == longest_person_name(word, full_names)


def test_dated_reference_rows_apply_only_inside_their_period():
    rows = [
        {
            "role": "Russian president",
            "name": "Dmitry Medvedev",
            "valid_from": "2008-05-07",
            "valid_to": "2012-05-06",
        },
        {"role": "Russian president", "name": "Vladimir Putin", "valid_from": "2012-05-07", "valid_to": ""},
        {"role": "Russian president", "name": "Nobody", "valid_from": "", "valid_to": ""},
    ]
    assert [row["name"] for row in rows_valid_on(rows, dt.date(2012, 5, 6))] == ["Dmitry Medvedev"]
    assert [row["name"] for row in rows_valid_on(rows, dt.date(2030, 1, 1))] == ["Vladimir Putin"]
    assert rows_valid_on(rows, None) == []
    with pytest.raises(RunError, match="valid_to"):
        rows_valid_on([{"valid_from": "2012-05-07", "valid_to": "May 2012"}], dt.date(2013, 1, 1))


def test_every_reference_role_row_is_dated():
    for row in REFERENCE.table("roles"):
        assert rows_valid_on([row], dt.date.fromisoformat(row["valid_from"])) == [row]


TRUMP_ARTICLE = (
    "Trump leads with 47.3 percent in the latest survey. Trump holds a lead in Ohio as well.\n\n"
    "Donald Trump spoke in Columbus on Tuesday. “We are going to win Ohio big,” Trump said.\n\n"
    "Donald Trump later told supporters: “This state is ours.”\n\n"
    "Aides said Donald Trump would return next week."
)
#: An article that never names him in full, where the small model tags "Trump" an organization.
TRUMP_POLL = "Trump leads with 47.3 percent in the latest survey."


def extracted(articles: dict[str, str], nlp, reference) -> tuple[list[dict], list[dict]]:
    """(entity mentions, quote mentions) of real articles, as extraction produces them."""
    entity_mentions: list[dict] = []
    quote_mentions: list[dict] = []
    for article_id, body in articles.items():
        context = ArticleContext(article_id=article_id, body=body, published_date=None, doc=nlp(body))
        context.entity_mentions = entities.extract(context, ExtractConfig(), reference)
        entity_mentions.extend(context.entity_mentions)
        quote_mentions.extend(quotes.extract(context, ExtractConfig(), reference))
    return entity_mentions, quote_mentions


def test_surname_and_full_name_in_one_article_are_one_speaker_and_one_entity(nlp, reference):
    entity_mentions, quote_mentions = extracted({"a" * 16: TRUMP_ARTICLE}, nlp, reference)
    table, names = link_entities(entity_mentions, reference)
    speakers = {mention["speaker"] for mention in canonicalize_mentions(quote_mentions, names)}
    assert len(quote_mentions) == 2 and speakers == {"Donald Trump"}
    trump = table[table["name"].str.contains("Trump")]
    assert list(trump["name"]) == ["Donald Trump"] and list(trump["entity_type"]) == ["person"]
    assert trump.iloc[0]["n_mentions"] == 6


def test_a_surname_mostly_written_for_a_person_links_across_articles(nlp, reference):
    entity_mentions, _ = extracted({"a" * 16: TRUMP_ARTICLE, "b" * 16: TRUMP_POLL}, nlp, reference)
    poll = [mention for mention in entity_mentions if mention["article_id"] == "b" * 16]
    assert [(mention["text"], mention["entity_type"]) for mention in poll] == [("Trump", "organization")]
    table, _ = link_entities(entity_mentions, reference)
    trump = table[table["name"].str.contains("Trump")]
    assert list(trump["name"]) == ["Donald Trump"] and trump.iloc[0]["n_articles"] == 2


def test_an_ambiguous_surname_stays_as_written_but_takes_the_type_most_of_its_mentions_have():
    mentions = [
        mention("a" * 16, "Donald Trump", "person"),
        *[mention("a" * 16, "Trump", "person", name="Donald Trump") for _ in range(3)],
        mention("b" * 16, "Ivanka Trump", "person"),
        mention("c" * 16, "Trump", "organization"),
        mention("d" * 16, "Trump", "organization"),
    ]
    table, names = link_entities(mentions, REFERENCE)
    assert names["Trump"] == "Trump"  # Donald or Ivanka: not guessed
    assert table.set_index("name").loc["Trump", "entity_type"] == "person"


def test_a_middle_initial_does_not_split_a_person_unless_it_tells_two_apart():
    mentions = [
        mention("a" * 16, "Donald J. Trump", "person"),
        mention("b" * 16, "Donald Trump", "person"),
        mention("c" * 16, "George H. W. Bush", "person"),
        mention("d" * 16, "George W. Bush", "person"),
        mention("e" * 16, "George Bush", "person"),
    ]
    table, names = link_entities(mentions, REFERENCE)
    assert names["Donald J. Trump"] == "Donald Trump"
    assert table.set_index("name").loc["Donald Trump", "n_articles"] == 2
    assert {"George H. W. Bush", "George W. Bush", "George Bush"} <= set(table["name"])


def test_a_bare_role_speaker_resolves_to_the_one_holder_its_story_names() -> None:
    holders = pd.DataFrame(
        [
            ("wire", "russian president", "Vladimir Putin"),
            ("other-year", "russian president", "Dmitry Medvedev"),
            ("summit", "prime minister", "Nikol Pashinyan"),
            ("summit-2", "prime minister", "Boris Johnson"),
        ],
        columns=["article_id", "role", "name"],
    )
    articles = pd.DataFrame(
        {
            "article_id": ["wire", "copy", "other-year", "summit", "summit-2", "summit-3"],
            "story_id": ["s1", "s1", "s2", "s3", "s3", "s3"],
        }
    )
    mentions = pd.DataFrame(
        {
            "article_id": ["copy", "copy", "summit-3", "wire"],
            "speaker": ["Russian president", None, "Prime Minister", "Russian President"],
        }
    )
    resolved = link.resolve_roles_in_stories(mentions, holders, articles)
    # the copy's story names one Russian president; the other story's holder never leaks in; a role
    # held by two people in one story stays the role
    speakers = [speaker if isinstance(speaker, str) else None for speaker in resolved["speaker"]]
    assert speakers == ["Vladimir Putin", None, "Prime Minister", "Vladimir Putin"]
    assert link.resolve_roles_in_stories(mentions, holders.iloc[:0], articles) is mentions


def test_a_one_word_name_never_written_as_such_links_without_votes():
    """ "Exxon's" names Exxon, which no mention writes alone: it has no type votes and must still link."""
    table, names = link_entities([mention("d" * 16, "Exxon's", "organization", name="Exxon")], REFERENCE)
    assert names["Exxon's"] == "Exxon" and list(table["name"]) == ["Exxon"]
