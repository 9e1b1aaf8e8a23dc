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
