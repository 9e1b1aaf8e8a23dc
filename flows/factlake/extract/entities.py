"""Entity mentions of one article: spaCy NER corrected with reference data and article context.

spaCy's small English model is right most of the time but makes systematic mistakes on news about the
Caucasus: capitals tagged as people ("Yerevan claiming ..."), demonyms as people ("Azerbaijani"), titles and
possessives glued to names, headline fragments ("Putin Hosts Armenia"), photo credits. This module fixes
them in order:

1. spans are trimmed of determiners and possessives ("the Kremlin’s" → "Kremlin"), and spans that cannot
   be a name ("Trump 43 percent to": lower-case words other than particles) are dropped;
2. a name in the place gazetteer (``places.csv``) is a place, a demonym (``nationalities.csv``) a
   nationality, whatever spaCy said;
3. titles before a person are cut off and kept as the person's ``role`` ("Russian President Vladimir
   Putin" → "Vladimir Putin", role "Russian President"), so quotes can resolve "the Russian president";
4. within the article, one surface form gets one type by a majority vote over the mentions of its entity
   (the mentions of a person named in full vote for a one-word form spelled like their surname:
   "Valastro" tagged as a place after "Buddy Valastro" is a person), proper nouns (or capitalized plural
   nouns: "Sanders") spelled like such a surname become person mentions, and a surname alone is named
   by the unique full name sharing it ("Putin" → "Vladimir Putin").

Each mention is a dict with the keys documented on :class:`factlake.extract.Extraction` plus ``role``
(the title written before a person's name, or None).
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from typing import Any

from factlake.config import ExtractConfig
from factlake.extract import ArticleContext
from factlake.reference import Reference

NAME = "entities"
VERSION = "1.2"

#: spaCy labels kept, and the contract's entity type of each.
LABEL_TYPES = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "NORP": "nationality",
}
#: spaCy label given to a span the reference data re-types.
TYPE_LABELS = {"place": "GPE", "nationality": "NORP", "person": "PERSON", "organization": "ORG"}
#: Tie-break order of the per-article type vote (most specific first).
TYPE_PRIORITY = ["person", "organization", "place", "nationality", "other"]

DETERMINERS = {"the", "a", "an"}
#: spaCy labels of names (people, bodies, places) that must read as a name to become a mention.
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
#: Lower-case words that join the capitalized words of a name ("Bank of England", "Osama bin Laden").
NAME_PARTICLES = frozenset(
    {
        *("of", "the", "and", "for", "in", "on", "at", "'s", "’s", "&"),
        *("de", "del", "della", "der", "den", "di", "da", "das", "do", "dos", "du", "la", "le", "les"),
        *("van", "von", "ter", "bin", "ibn", "al", "el", "y", "e"),
    }
)
POSSESSIVE_SUFFIXES = ("’s", "'s", "’", "'")
#: Characters that never occur inside a real name but do in photo credits and markup.
NOISE_CHARACTERS = set("/|<>=\n")


def normalize_key(text: str) -> str:
    """Lookup key of a name: typographic apostrophes straightened, single spaces, lower case."""
    return " ".join(text.replace("’", "'").split()).lower()


@dataclass(frozen=True)
class Gazetteer:
    """Reference data the entity fixes need, indexed by :func:`normalize_key`.

    Attributes:
        places: Key → (place name, country or "").
        demonyms: Key of a demonym or its plural → (singular demonym, country or "").
        title_words: Lower-case words that make up titles and roles.
    """

    places: dict[str, tuple[str, str]]
    demonyms: dict[str, tuple[str, str]]
    title_words: frozenset[str]

    @classmethod
    def from_reference(cls, reference: Reference) -> Gazetteer:
        """Index ``places.csv``, ``nationalities.csv`` and ``titles.txt``, once per reference content (its
        fingerprint)."""
        if not reference.fingerprint:
            return cls._build(reference)
        if reference.fingerprint not in _GAZETTEERS:
            _GAZETTEERS[reference.fingerprint] = cls._build(reference)
        return _GAZETTEERS[reference.fingerprint]

    @classmethod
    def _build(cls, reference: Reference) -> Gazetteer:
        places = {
            normalize_key(row["name"]): (row["name"], row.get("country") or "")
            for row in reference.table("places")
        }
        demonyms: dict[str, tuple[str, str]] = {}
        for row in reference.table("nationalities"):
            value = (row["demonym"], row.get("country") or "")
            demonyms[normalize_key(row["demonym"])] = value
            if row.get("plural"):
                demonyms[normalize_key(row["plural"])] = value
        title_words = frozenset(word.lower() for word in reference.words("titles"))
        return cls(places=places, demonyms=demonyms, title_words=title_words)

    def country_of(self, name: str) -> str:
        """Country of a place or demonym ("Yerevan" → "Armenia", "Russian" → "Russia"); "" if unknown."""
        key = normalize_key(name)
        if key in self.places:
            return self.places[key][1]
        if key in self.demonyms:
            return self.demonyms[key][1]
        return ""


_GAZETTEERS: dict[str, Gazetteer] = {}


def extract(context: ArticleContext, config: ExtractConfig, reference: Reference) -> list[dict[str, Any]]:
    """Entity mentions of one article, in body order.

    Args:
        context: The article and its spaCy doc.
        config: Extraction settings (unused; part of the common extractor signature).
        reference: Reference data (places, nationalities, titles).

    Returns:
        Dicts with ``article_id``, ``text``, ``char_start``, ``char_end``, ``label`` (spaCy label, corrected),
        ``entity_type`` (contract vocabulary), ``name`` (fullest form of the entity within the article) and
        ``role`` (title written before a person's name, else None); ``text`` is always
        ``body[char_start:char_end]``.
    """
    del config
    gazetteer = Gazetteer.from_reference(reference)
    doc = context.doc
    token_starts = [token.idx for token in doc]
    mentions: list[dict[str, Any]] = []
    for entity in doc.ents:
        mention = _clean_mention(entity, context, gazetteer, token_starts)
        if mention is not None:
            mentions.append(mention)
    _vote_types(context, mentions, gazetteer, token_starts)
    mentions.extend(_missed_surnames(context, mentions, gazetteer, token_starts))
    _name_mentions(mentions, gazetteer)
    mentions.sort(key=lambda item: (item["char_start"], item["char_end"]))
    return mentions


def _clean_mention(
    entity: Any, context: ArticleContext, gazetteer: Gazetteer, token_starts: list[int]
) -> dict[str, Any] | None:
    """One corrected mention from a spaCy entity span, or None for noise (``token_starts``: the offset of
    every token of the doc)."""
    tokens = list(entity)
    while tokens and tokens[0].lower_ in DETERMINERS:
        tokens = tokens[1:]
    while tokens and (tokens[-1].lower_ in {"'s", "’s", "'", "’"} or tokens[-1].is_punct):
        tokens = tokens[:-1]
    if not tokens:
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    text = context.body[start:end]
    for suffix in POSSESSIVE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            end -= len(suffix)
            text = context.body[start:end]
            break
    if not text.strip() or NOISE_CHARACTERS & set(text):
        return None
    key = normalize_key(text)
    label = entity.label_
    if not _reads_as_a_name(tokens, label) and key not in gazetteer.places:
        return None
    role = None
    if key in gazetteer.places:
        label = "GPE" if label not in {"LOC", "FAC"} else label
    elif key in gazetteer.demonyms:
        label = "NORP"
    elif label not in LABEL_TYPES:
        return None
    elif label == "PERSON" and _holds_known_word(tokens, gazetteer):
        # "Armenian Pashinyan", "Russian President Putin": cut the demonym/title prefix off.
        prefix_length = _title_prefix_length(tokens, gazetteer)
        if (
            prefix_length == 0
            or prefix_length == len(tokens)
            or _holds_known_word(tokens[prefix_length:], gazetteer)
        ):
            return None  # a headline fragment such as "Putin Hosts Armenia" or "Sochi Photo"
        start = tokens[prefix_length].idx
        text = context.body[start:end]
    if label == "PERSON":
        role = _role_before(context, start, gazetteer, token_starts)
    return {
        "article_id": context.article_id,
        "text": text,
        "char_start": start,
        "char_end": end,
        "label": label,
        "entity_type": LABEL_TYPES[label],
        "name": text,
        "role": role,
    }


def _reads_as_a_name(tokens: list[Any], label: str) -> bool:
    """Whether a span the tagger labelled a person, body or place can be a name at all.

    Names are written in capitalized words joined by a few lower-case particles ("Bank of England",
    "Osama bin Laden"). A span holding any other lower-case word ("Trump 43 percent to", "Clinton camp")
    is a fragment of a sentence the tagger ran across, and a person's name holds no number and no
    possessive ("Trump's 1995"). Spans of other labels (nationalities, dates) are not names: they pass.
    """
    if label not in NAME_LABELS:
        return True
    for token in tokens:
        lower = token.lower_
        if token.is_punct or lower in NAME_PARTICLES:
            continue
        if label == "PERSON" and (lower in {"'s", "’s"} or any(character.isdigit() for character in lower)):
            return False
        if token.is_alpha and token.text == lower:
            return False
    return tokens[-1].lower_ not in NAME_PARTICLES


def _holds_known_word(tokens: list[Any], gazetteer: Gazetteer) -> bool:
    """Whether any token is a place, a demonym or a title word."""
    return any(
        normalize_key(token.text) in gazetteer.places
        or normalize_key(token.text) in gazetteer.demonyms
        or token.lower_ in gazetteer.title_words
        for token in tokens
    )


def _title_prefix_length(tokens: list[Any], gazetteer: Gazetteer) -> int:
    """Number of leading tokens that are demonyms or title words."""
    length = 0
    for token in tokens:
        if normalize_key(token.text) in gazetteer.demonyms or token.lower_ in gazetteer.title_words:
            length += 1
        else:
            break
    return length


def _role_before(
    context: ArticleContext, start: int, gazetteer: Gazetteer, token_starts: list[int]
) -> str | None:
    """The title written right before a person's name ("Russian President"), or None.

    Walks left over title words, demonyms, capitalized names of bodies and countries (with their possessive:
    "Azerbaijan’s President") and stops at anything else; a run without a title word is no role.
    ``token_starts`` holds the offset of every token of the doc, in order.
    """
    doc = context.doc
    token_index = bisect.bisect_left(token_starts, start)  # the first token at or after ``start``
    if token_index == len(token_starts):
        return None
    role_start = None
    has_title = False
    index = token_index - 1
    while index >= 0:
        token = doc[index]
        lower = token.lower_
        if lower in gazetteer.title_words:
            has_title = True
        elif lower in {"'s", "’s"} or normalize_key(token.text) in gazetteer.demonyms:
            pass
        elif token.is_title and token.pos_ == "PROPN" and has_title:
            pass  # "Kremlin spokesperson", "EU chief", "Azerbaijan’s President"
        else:
            break
        if "\n" in doc[index:token_index].text:
            break
        role_start = token.idx
        index -= 1
    if role_start is None or not has_title:
        return None
    role = context.body[role_start:start].strip()
    return role or None


def _vote_types(
    context: ArticleContext, mentions: list[dict[str, Any]], gazetteer: Gazetteer, token_starts: list[int]
) -> None:
    """Give every surface form one entity type within the article: a majority vote over the mentions of
    the entity it names (in place).

    Gazetteer names keep their reference type. A one-word form spelled like the surname of a person the
    article names in full is that person's mention too, so the full-name mentions vote person for it:
    "Trump" tagged an organization three times beside "Donald Trump" named five times is a person, while
    "Jordan" tagged a place five times beside one "Michael Jordan" stays a place. A mention that becomes a
    person gets its role ("Republican nominee Trump").
    """
    votes: dict[str, Counter[str]] = {}
    for mention in mentions:
        votes.setdefault(normalize_key(mention["text"]), Counter())[mention["entity_type"]] += 1
    for mention in mentions:
        words = mention["text"].split()
        surname_key = normalize_key(words[-1])
        if mention["entity_type"] == "person" and len(words) > 1 and surname_key in votes:
            votes[surname_key]["person"] += 1
    for mention in mentions:
        key = normalize_key(mention["text"])
        if key in gazetteer.places or key in gazetteer.demonyms:
            continue
        counts = votes[key]
        best = min(counts, key=lambda entity_type: (-counts[entity_type], TYPE_PRIORITY.index(entity_type)))
        if best == mention["entity_type"]:
            continue
        mention["entity_type"] = best
        mention["label"] = TYPE_LABELS[best]
        is_person = best == "person"
        mention["role"] = (
            _role_before(context, mention["char_start"], gazetteer, token_starts) if is_person else None
        )


def _missed_surnames(
    context: ArticleContext, mentions: list[dict[str, Any]], gazetteer: Gazetteer, token_starts: list[int]
) -> list[dict[str, Any]]:
    """Person mentions spaCy missed: proper nouns spelled like a person's surname found elsewhere in the
    article ("Pashinyan responded ..." when "Nikol Pashinyan" was recognised).

    A capitalized word the tagger read as a plural common noun counts too (“…,” Sanders remarked): the
    small model often takes surnames ending in "s" for plurals.
    """
    surnames = {mention["text"].split()[-1] for mention in mentions if mention["entity_type"] == "person"}
    if not surnames:
        return []
    covered = {(mention["char_start"], mention["char_end"]) for mention in mentions}
    covered_positions = {
        position for mention in mentions for position in range(mention["char_start"], mention["char_end"])
    }
    missed = []
    for token in context.doc:
        if token.text not in surnames:
            continue
        end = token.idx + len(token.text)
        if (
            (token.pos_ == "PROPN" or (token.pos_ == "NOUN" and token.is_title))
            and (token.idx, end) not in covered
            and token.idx not in covered_positions
        ):
            missed.append(
                {
                    "article_id": context.article_id,
                    "text": token.text,
                    "char_start": token.idx,
                    "char_end": end,
                    "label": "PERSON",
                    "entity_type": "person",
                    "name": token.text,
                    "role": _role_before(context, token.idx, gazetteer, token_starts),
                }
            )
    return missed


def _name_mentions(mentions: list[dict[str, Any]], gazetteer: Gazetteer) -> None:
    """Set each mention's ``name`` to the fullest form of its entity within the article (in place).

    Places and nationalities take their reference spelling ("Armenians" → "Armenian"). A person named by
    one word takes the unique longer person name ending with (or containing) that word.
    """
    full_names = sorted(
        {
            mention["text"]
            for mention in mentions
            if mention["entity_type"] == "person" and " " in mention["text"]
        }
    )
    for mention in mentions:
        key = normalize_key(mention["text"])
        if key in gazetteer.places:
            mention["name"] = gazetteer.places[key][0]
        elif key in gazetteer.demonyms:
            mention["name"] = gazetteer.demonyms[key][0]
        elif mention["entity_type"] == "person":
            mention["name"] = longest_person_name(mention["text"], full_names)


def longest_person_name(text: str, full_names: list[str]) -> str:
    """The unique full name that ``text`` abbreviates ("Putin" → "Vladimir Putin"), else ``text`` itself.

    A candidate must end with ``text`` (surname) or, failing that, contain all of its words; when several
    different candidates qualify the short form is ambiguous and kept as written.
    """
    words = text.split()
    ending = [name for name in full_names if name != text and name.split()[-len(words) :] == words]
    if len(set(ending)) == 1:
        return ending[0]
    if ending:
        return text
    containing = [name for name in full_names if name != text and set(words) <= set(name.split())]
    return containing[0] if len(set(containing)) == 1 else text
