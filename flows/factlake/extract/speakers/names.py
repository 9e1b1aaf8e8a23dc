"""From a subject token to the speaker it names.

A subject is turned into a name by the article's entity mentions ("Putin" → "Vladimir Putin"), a surname
the tagger missed ("Skelly" → "Bill Skelly"), pronouns ("he" → the latest person who was a grammatical
subject), appositions ("Gene Sperling, a top Clinton adviser," → "Gene Sperling"), a title read as the
subject ("said Navy Capt. Jeff Davis"), possessed utterances ("Barrett's dictum" → Barrett), roles ("the
Russian leader" → the person the article calls "Russian President …", else the ``roles.csv`` row in
force on the article's date) and bodies; a proper noun no mention covers is kept as written. The
readings of :func:`resolve_subject` are tried in the order of :data:`SUBJECT_READINGS`.

Convention for bodies: a statement is attributed to who issued it: "a statement from the Kremlin" and
then "the statement added" → "Kremlin"; a joint statement → "joint statement of A, B and C" with the
countries named in its sentence or in the roles of the people met so far, sorted; "the ministry" → the
latest organization whose name holds "Ministry". Plural subjects ("the leaders", "they", "the two
countries") take the latest statement body of the article. A document that is quoted without being a
speaker ("A Russian-mediated ceasefire … obliges Armenia to “…”") is named by its noun phrase.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from factlake.extract.entities import normalize_key
from factlake.extract.speakers.context import (
    STATEMENT_NOUNS,
    SUBJECT_DEPS,
    Speaker,
    SpeakerContext,
    is_coordinated,
)

PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
POSSESSIVE_PRONOUNS = frozenset({"his", "her"})
PLURAL_PRONOUNS = frozenset({"they", "we", "them"})
RELATIVE_PRONOUNS = frozenset({"who", "which", "that"})
#: Nouns of what a person says or writes: "X's dictum" speaks for X.
UTTERANCE_NOUNS = frozenset(
    {
        "answer",
        "argument",
        "book",
        "column",
        "comment",
        "dictum",
        "email",
        "letter",
        "mantra",
        "memo",
        "message",
        "motto",
        "phrase",
        "post",
        "remark",
        "reply",
        "response",
        "slogan",
        "tweet",
        "view",
        "word",
    }
)
#: Common nouns of institutions: "the ministry" is the latest organization whose name holds "Ministry".
INSTITUTION_NOUNS = frozenset(
    {"ministry", "government", "office", "council", "committee", "agency", "service"}
)
#: Parts of speech of words that can name a party.
NOMINAL_POS = frozenset({"NOUN", "PROPN", "PRON"})
#: Capitalized words and points allowed between a title read as the subject and the name it precedes.
MAX_TITLE_GAP_TOKENS = 3
LEADER_TITLES = frozenset({"president", "minister", "premier", "chancellor", "leader", "king", "queen"})

RoleSignature = tuple[frozenset[str], str | None, frozenset[str]]


def resolve_subject(context: SpeakerContext, token: Any, position: int) -> Speaker:
    """Name of the speaker a subject token denotes, at body offset ``position``.

    A relative pronoun stands for the noun its clause describes; the readings of :data:`SUBJECT_READINGS`
    are tried in order, and a subject none of them names is read as a common noun (:func:`_noun_reading`).
    """
    if token.lower_ in RELATIVE_PRONOUNS and token.head.dep_ == "relcl":
        token = token.head.head
    for reading in SUBJECT_READINGS:
        speaker = reading(context, token, position)
        if speaker is not None:
            return speaker
    return _noun_reading(context, token)


def _pronoun_reading(context: SpeakerContext, token: Any, position: int) -> Speaker | None:
    """ "he" / "she": the latest person who was a grammatical subject; "they" / "we": plural."""
    if token.lower_ in PERSON_PRONOUNS:
        return Speaker(latest_subject_person(context, token.idx), "person")
    if token.lower_ in PLURAL_PRONOUNS:
        return Speaker(None, "plural")
    return None


def _mention_reading(context: SpeakerContext, token: Any, position: int) -> Speaker | None:
    """The entity mention the subject lies in (a coordination of parties is plural), or the person named
    right after a subject that is only their title."""
    mention = context.mention_at(token.idx)
    if mention is None or mention["entity_type"] != "person":
        titled = _person_after_title(context, token)
        if titled is not None:
            return Speaker(titled, "person")
    if mention is None or mention["entity_type"] == "nationality":
        return None
    if is_coordinated(token):
        return Speaker(None, "plural")
    kind = {"person": "person", "organization": "body"}.get(mention["entity_type"], "place")
    return Speaker(mention["name"], kind)


def _article_person_reading(context: SpeakerContext, token: Any, position: int) -> Speaker | None:
    """A person of the article the subject names without a mention: by surname, by apposition, or as the
    owner of a possessed utterance."""
    surname_holder = _person_by_surname(context, token, position)
    if surname_holder is not None:
        return Speaker(surname_holder, "person")
    named = _apposed_person(context, token) or _utterance_owner(context, token)
    return Speaker(named, "person") if named is not None else None


def _statement_reading(context: SpeakerContext, token: Any, position: int) -> Speaker | None:
    """A statement noun speaks for its issuer, else for the latest statement body."""
    if token.lemma_.lower() not in STATEMENT_NOUNS:
        return None
    bodies = [name for start, name in context.bodies if start == token.idx]
    return Speaker(bodies[0] if bodies else context.latest_body(position), "body")


def _role_reading(context: SpeakerContext, token: Any, position: int) -> Speaker | None:
    """A title ("the Russian leader") names the person holding that role."""
    if token.lemma_.lower() not in context.gazetteer.title_words:
        return None
    holder = role_holder(context, noun_phrase(context, token), token.idx)
    return Speaker(holder, "person") if holder is not None else None


def _plural_reading(context: SpeakerContext, token: Any, position: int) -> Speaker | None:
    """A plural noun or a coordination of parties ("the leaders", "Berger and Moore")."""
    if token.tag_ in {"NNS", "NNPS"} or (token.pos_ in NOMINAL_POS and is_coordinated(token)):
        return Speaker(None, "plural")
    return None


def _institution_reading(context: SpeakerContext, token: Any, position: int) -> Speaker | None:
    """ "the ministry": the latest organization before ``position`` whose name holds the noun."""
    lemma = token.lemma_.lower()
    if lemma not in INSTITUTION_NOUNS:
        return None
    organizations = [
        mention["name"]
        for mention in context.mentions
        if mention["char_start"] < position
        and mention["entity_type"] == "organization"
        and lemma in mention["name"].lower()
    ]
    return Speaker(organizations[-1], "body") if organizations else None


def _noun_reading(context: SpeakerContext, token: Any) -> Speaker:
    """A proper noun the entity recognizer missed ("Valastro praised …") is a name; a common noun is kept
    as its noun phrase; anything else names nobody."""
    if token.pos_ == "PROPN" and token.is_title:
        return Speaker(noun_phrase(context, token) or None, "name")
    if token.pos_ in {"NOUN", "PROPN"}:
        return Speaker(noun_phrase(context, token) or None, "other")
    return Speaker(None, "other")


#: How a subject token is read, in the order tried by :func:`resolve_subject`.
SUBJECT_READINGS: tuple[Callable[[SpeakerContext, Any, int], Speaker | None], ...] = (
    _pronoun_reading,
    _mention_reading,
    _article_person_reading,
    _statement_reading,
    _role_reading,
    _plural_reading,
    _institution_reading,
)


def _person_after_title(context: SpeakerContext, token: Any) -> str | None:
    """The person named right after a subject that is only their title ("said Pentagon spokesman Navy
    Capt. Jeff Davis", parsed with "Capt" as the subject): capitalized words and abbreviation points
    lead, within :data:`MAX_TITLE_GAP_TOKENS` tokens, to the start of a person mention."""
    if token.pos_ not in {"NOUN", "PROPN"}:
        return None
    for following in context.doc[token.i + 1 : token.i + 1 + MAX_TITLE_GAP_TOKENS]:
        mention = context.mention_at(following.idx)
        if mention is not None and mention["entity_type"] == "person":
            return mention["name"]
        if not (following.is_title or following.text == "."):
            return None
    return None


def _person_by_surname(context: SpeakerContext, token: Any, position: int) -> str | None:
    """The article's person whose surname a capitalized word outside any mention spells.

    The tagger misses names it takes for other words (“…,” said Skelly, read as an adverb); the latest
    person so named before ``position`` wins, else the first after it.
    """
    if not token.is_title or (token.is_sent_start and token.pos_ not in {"PROPN", "NOUN"}):
        return None
    named = [
        (mention["char_start"], mention["name"])
        for mention in context.mentions
        if mention["entity_type"] == "person" and mention["name"].split()[-1] == token.text
    ]
    before = [name for start, name in named if start < position]
    if before:
        return before[-1]
    return named[0][1] if named else None


def _utterance_owner(context: SpeakerContext, token: Any) -> str | None:
    """The person whose words a possessed utterance noun is ("Barrett’s dictum … was, “…”", "his
    response was: “…”"); other possessed nouns ("Clinton's spokesman") are somebody else."""
    if token.lemma_.lower() not in UTTERANCE_NOUNS:
        return None
    for child in token.children:
        if child.dep_ != "poss":
            continue
        if child.lower_ in POSSESSIVE_PRONOUNS:
            return latest_subject_person(context, child.idx)
        mention = context.mention_at(child.idx)
        if mention is not None and mention["entity_type"] == "person":
            return mention["name"]
    return None


def _apposed_person(context: SpeakerContext, token: Any) -> str | None:
    """The person a common-noun subject stands in apposition with ("Sperling, a top Clinton adviser")."""
    if token.pos_ not in {"NOUN", "ADJ"}:
        return None
    appositions = [child for child in token.children if child.dep_ == "appos"]
    if token.dep_ == "appos":
        appositions.append(token.head)
    for other in appositions:
        mention = context.mention_at(other.idx)
        if mention is not None and mention["entity_type"] == "person":
            return mention["name"]
    return None


def noun_phrase(context: SpeakerContext, token: Any) -> str:
    """The head noun with its left modifiers, without determiners ("Russian-mediated ceasefire")."""
    left = [
        child
        for child in token.lefts
        if child.dep_ in {"amod", "compound", "nmod", "poss", "case", "npadvmod"}
    ]
    start = min([child.left_edge.idx for child in left] + [token.idx])
    text = context.body[start : token.idx + len(token.text)]
    for item in token.lefts:
        if item.dep_ == "det" and item.idx == start:
            text = text[len(item.text) :]
    return " ".join(text.split())


def latest_subject_person(context: SpeakerContext, position: int) -> str | None:
    """The latest person before ``position`` that was a grammatical subject, else the latest person."""
    latest_person = None
    latest_subject = None
    for mention in context.mentions:
        if mention["char_start"] >= position:
            break
        if mention["entity_type"] != "person":
            continue
        latest_person = mention["name"]
        span = context.doc.char_span(mention["char_start"], mention["char_end"], alignment_mode="expand")
        if span is not None and span.root.dep_ in SUBJECT_DEPS:
            latest_subject = mention["name"]
    return latest_subject or latest_person


def role_holder(context: SpeakerContext, phrase: str, position: int) -> str | None:
    """The person holding the role ``phrase`` names ("the Russian leader" → "Vladimir Putin").

    Roles written in the article win (among several holders, the one mentioned last before
    ``position``: "The President" after a paragraph about Putin is Putin). The rows of ``roles.csv`` in
    force on the article's date are the fallback, and only for a role written with all its qualifiers:
    "a spokesman" could be anybody's spokesman, so it never becomes the Kremlin's.
    """
    wanted = _role_signature(context, phrase)
    if wanted[1] is None:
        return None
    holders = {name for _, role, name in context.role_holders if _roles_match(context, wanted, role)}
    if holders:
        return max(sorted(holders), key=lambda name: _last_mention_before(context, name, position))
    reference_holders = {
        name for role, name in context.reference_roles if _role_signature(context, role) == wanted
    }
    return reference_holders.pop() if len(reference_holders) == 1 else None


def _last_mention_before(context: SpeakerContext, name: str, position: int) -> int:
    """Offset of the latest mention of the person ``name`` before ``position`` (-1 when none)."""
    starts = [
        mention["char_start"]
        for mention in context.mentions
        if mention["name"] == name and mention["char_start"] < position
    ]
    return max(starts, default=-1)


def _role_signature(context: SpeakerContext, role: str) -> RoleSignature:
    """(countries, head title word, other qualifying words) of a role phrase."""
    gazetteer = context.gazetteer
    words = normalize_key(role).replace("'s", " ").split()
    countries = frozenset(gazetteer.country_of(word) for word in words) - {""}
    titles = [word for word in words if word in gazetteer.title_words]
    head = titles[-1] if titles else None
    others = frozenset(
        word
        for word in words
        if word not in gazetteer.title_words and not gazetteer.country_of(word) and word != "the"
    )
    return countries, head, others


def _roles_match(context: SpeakerContext, wanted: RoleSignature, role: str) -> bool:
    countries, head, others = wanted
    held_countries, held_head, held_others = _role_signature(context, role)
    if held_head is None or head is None:
        return False
    heads_match = head == held_head or (head == "leader" and held_head in LEADER_TITLES)
    return heads_match and countries <= held_countries and others <= held_others
