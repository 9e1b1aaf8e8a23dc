"""Entity mentions: spaCy NER corrected by the gazetteer, titles, possessives and article context."""

from __future__ import annotations

from factlake.config import ExtractConfig
from factlake.extract import ArticleContext, entities

CONFIG = ExtractConfig()


def mentions_of(body: str, nlp, reference) -> list[dict]:
    context = ArticleContext(article_id="0" * 16, body=body, published_date=None, doc=nlp(body))
    return entities.extract(context, CONFIG, reference)


def by_text(mentions: list[dict]) -> dict[str, dict]:
    return {mention["text"]: mention for mention in mentions}


def test_title_is_cut_off_and_kept_as_role(nlp, reference):
    body = "Russian President Vladimir Putin met reporters. Later Putin left Sochi."
    found = by_text(mentions_of(body, nlp, reference))
    assert found["Vladimir Putin"]["entity_type"] == "person"
    assert found["Vladimir Putin"]["role"] == "Russian President"
    assert found["Putin"]["name"] == "Vladimir Putin"
    assert found["Sochi"]["entity_type"] == "place"


def test_capital_city_is_not_a_person(nlp, reference):
    body = "Yerevan claiming that troops occupied land angered Baku. Nikol Pashinyan spoke in Yerevan."
    found = mentions_of(body, nlp, reference)
    capitals = [mention for mention in found if mention["text"] in {"Yerevan", "Baku"}]
    assert capitals and all(mention["entity_type"] == "place" for mention in capitals)


def test_possessive_and_nationalities(nlp, reference):
    body = "He reaffirmed Moscow’s commitment. Armenian and Azerbaijani troops clashed, and Armenians fled."
    found = mentions_of(body, nlp, reference)
    assert any(mention["text"] == "Moscow" and mention["entity_type"] == "place" for mention in found)
    nationalities = {mention["name"] for mention in found if mention["entity_type"] == "nationality"}
    assert {"Armenian", "Azerbaijani"} <= nationalities


def test_offsets_slice_the_body_and_output_is_deterministic(nlp, reference):
    body = "Azerbaijani President Ilham Aliyev and Armenia’s Prime Minister Nikol Pashinyan met in Sochi."
    first = mentions_of(body, nlp, reference)
    assert first == mentions_of(body, nlp, reference)
    for mention in first:
        assert body[mention["char_start"] : mention["char_end"]] == mention["text"]
    assert [mention["char_start"] for mention in first] == sorted(mention["char_start"] for mention in first)


def test_missed_surname_is_recovered_from_article_context():
    names = ["Ilham Aliyev", "Nikol Pashinyan"]
    assert entities.longest_person_name("Pashinyan", names) == "Nikol Pashinyan"
    assert entities.longest_person_name("Smith", ["Anna Smith", "John Smith"]) == "Smith"


def test_surname_read_as_a_plural_noun_is_a_person(nlp, reference):
    body = (
        "Bernie Sanders spoke to CNN.\n\n"
        '"It tells you that one of us is a candidate of the establishment," Sanders remarked.'
    )
    found = [mention for mention in mentions_of(body, nlp, reference) if mention["text"] == "Sanders"]
    assert found and all(mention["name"] == "Bernie Sanders" for mention in found)


def test_surname_tagged_as_a_place_is_a_person(nlp, reference):
    body = (
        "Christie was joined Monday at a town hall meeting in Hudson by Buddy Valastro, star of a reality "
        "show.\n\nValastro praised Christie’s leadership in the aftermath of Hurricane Sandy."
    )
    found = [mention for mention in mentions_of(body, nlp, reference) if mention["text"] == "Valastro"]
    assert found and all(mention["entity_type"] == "person" for mention in found)
    assert found[0]["name"] == "Buddy Valastro"


#: "Trump" tagged an organization by the small model twice, named in full three times.
TRUMP_ARTICLE = (
    "Trump leads with 47.3 percent in the latest survey. Trump holds a lead in Ohio as well.\n\n"
    "Donald Trump spoke in Columbus on Tuesday. “We are going to win Ohio big,” Trump said.\n\n"
    "Donald Trump later told supporters: “This state is ours.”\n\n"
    "Aides said Donald Trump would return next week."
)


def test_a_surname_is_typed_by_a_majority_vote_over_the_mentions_of_its_person(nlp, reference):
    trumps = [mention for mention in mentions_of(TRUMP_ARTICLE, nlp, reference) if "Trump" in mention["text"]]
    assert len(trumps) == 6
    assert {(mention["entity_type"], mention["name"]) for mention in trumps} == {("person", "Donald Trump")}
    # ... while a place named more often than a namesake person stays a place
    body = (
        "Michael Jordan visited Amman on Monday. The government of Jordan hosts many refugees. "
        "Refugees in Jordan number a million, and aid to Jordan grew."
    )
    places = [mention for mention in mentions_of(body, nlp, reference) if mention["text"] == "Jordan"]
    assert len(places) == 3 and all(mention["entity_type"] == "place" for mention in places)


def test_spans_that_cannot_be_names_never_become_entities(nlp, reference):
    body = "The poll has Trump 43 percent to Clinton's 40 percent, and Donald Trump welcomed it."
    texts = [mention["text"] for mention in mentions_of(body, nlp, reference)]
    assert not any("percent" in text for text in texts)
    assert "Donald Trump" in texts
    # ... while lower-case particles are part of names
    body = "The Bank of England raised rates, and Osama bin Laden was killed in Pakistan years ago."
    assert {"Bank of England", "Osama bin Laden"} <= {
        mention["text"] for mention in mentions_of(body, nlp, reference)
    }
