"""Events: who did what, where and when ("Putin called Aliyev on Wednesday").

A trigger is a verb (or one of a few nouns: "talks", "meeting", "summit") listed in ``actions.csv``; its
action comes from that controlled vocabulary. Actors are the entity mentions (found before, by
:mod:`factlake.extract.entities`; their article-level ``name`` is used) inside the trigger's subject, and,
for symmetric actions ("meet", "talk", "host"), inside its object and its "with"/"between" partners too.
The location is the first place inside an "in"/"at" phrase of the trigger; the date is the date expression
attached to the trigger in the parse, resolved by :func:`factlake.extract.dates.resolve_date` with the
trigger's tense. Events with an action and at least one actor are kept; the evidence is the trigger's
clause (its subtree in the parse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from factlake.config import ExtractConfig
from factlake.extract import ArticleContext
from factlake.extract.dates import DateExpression, is_duration, resolve_date, tense_at
from factlake.records import new_record, stable_id
from factlake.reference import Reference

NAME = "events"
VERSION = "1.0"
EXTRACTOR = f"{NAME}/{VERSION}"
FACT_TYPE = "event"

#: Entity types that can act, best first: within one argument the best type present wins, so "Armenian
#: Prime Minister Nikol Pashinyan" gives the person, not the nationality.
ACTOR_TYPE_RANKS = (("person",), ("organization", "place"), ("nationality",))
PLACE_TYPE = "place"
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
OBJECT_DEPS = frozenset({"dobj", "dative", "oprd"})
PARTNER_PREPOSITIONS = frozenset({"with", "between", "among"})
LOCATION_PREPOSITIONS = frozenset({"in", "at"})
NOUN_LIGHT_VERBS = frozenset({"hold", "have", "host", "attend", "conduct", "make"})
#: "called on Russia to ..." is an appeal, not a call.
NOT_A_CALL_PREPOSITIONS = frozenset({"on", "for", "upon"})
CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "advcl", "relcl", "acl", "conj", "parataxis", "csubj"})
SPEECH_VERBS = frozenset({"say", "tell", "state", "add", "announce", "claim", "report", "write", "note"})
MAX_DATE_CLIMB = 8

CONFIDENCE_FULL = 0.8
CONFIDENCE_PARTIAL = 0.6


@dataclass(frozen=True)
class Action:
    """One row of ``actions.csv``."""

    action: str
    symmetric: bool


_VOCABULARIES: dict[str, dict[tuple[str, str], Action]] = {}


def actions(reference: Reference) -> dict[tuple[str, str], Action]:
    """Triggers by (word, part of speech), built once per reference content."""
    cached = _VOCABULARIES.get(reference.fingerprint) if reference.fingerprint else None
    if cached is not None:
        return cached
    table = {
        (row["word"].lower(), row["pos"].upper()): Action(
            row["action"], row["symmetric"].strip().lower() == "yes"
        )
        for row in reference.table("actions")
    }
    if reference.fingerprint:
        _VOCABULARIES[reference.fingerprint] = table
    return table


def _trigger(token: Any, table: dict[tuple[str, str], Action]) -> Action | None:
    if token.pos_ == "VERB":
        action = table.get((token.lemma_.lower(), "VERB"))
        if action is not None and action.action == "call":
            appeal = any(
                child.dep_ == "prep"
                and child.lower_ in NOT_A_CALL_PREPOSITIONS
                and not any(grandchild.ent_type_ in {"DATE", "TIME"} for grandchild in child.children)
                for child in token.children
            )
            if appeal and not any(child.dep_ in OBJECT_DEPS for child in token.children):
                return None
        return action
    if token.pos_ == "NOUN":
        return table.get((token.lower_, "NOUN"))
    return None


class _Mentions:
    """The article's entity mentions, looked up by character range."""

    def __init__(self, mentions: list[dict[str, Any]]) -> None:
        self.mentions = sorted(mentions, key=lambda mention: (mention["char_start"], mention["char_end"]))

    def within(self, start: int, end: int) -> list[dict[str, Any]]:
        return [
            mention
            for mention in self.mentions
            if start <= mention["char_start"] and mention["char_end"] <= end
        ]


def _span_chars(tokens: list[Any]) -> tuple[int, int]:
    first = min(tokens, key=lambda token: token.i)
    last = max(tokens, key=lambda token: token.i)
    return first.idx, last.idx + len(last.text)


def _argument_names(head: Any, mentions: _Mentions) -> list[str]:
    """Actor names inside one argument (a subject, object or partner phrase), best entity type only."""
    start, end = _span_chars(list(head.subtree))
    found = mentions.within(start, end)
    for types in ACTOR_TYPE_RANKS:
        names = [mention["name"] for mention in found if mention["entity_type"] in types]
        if names:
            return names
    return []


def _subject(verb: Any) -> Any | None:
    """The subject of a verb, borrowed from the verb it is coordinated with or complements when missing."""
    current = verb
    for _ in range(4):
        for child in current.children:
            if child.dep_ in SUBJECT_DEPS:
                return child
        if current.dep_ not in {"conj", "xcomp", "advcl"} or current.head.i == current.i:
            return None
        current = current.head
    return None


def _partners(trigger: Any, symmetric: bool) -> list[Any]:
    """Objects of symmetric actions ("met Aliyev") and partners of any ("talked with Aliyev")."""
    partners = [child for child in trigger.children if child.dep_ in OBJECT_DEPS] if symmetric else []
    prepositions = PARTNER_PREPOSITIONS | ({"of"} if trigger.pos_ == "NOUN" else set())
    for child in trigger.children:
        if child.dep_ == "prep" and child.lower_ in prepositions:
            partners.extend(grandchild for grandchild in child.children if grandchild.dep_ == "pobj")
    return partners


def _actors(trigger: Any, action: Action, mentions: _Mentions) -> list[str]:
    arguments: list[Any] = []
    if trigger.pos_ == "VERB":
        subject = _subject(trigger)
        passive = any(child.dep_ == "auxpass" for child in trigger.children)
        if passive or (subject is not None and subject.dep_ == "nsubjpass"):
            agents = [child for child in trigger.children if child.dep_ == "agent"]
            arguments.extend(agents)
        elif subject is not None:
            arguments.append(subject)
    elif trigger.dep_ in OBJECT_DEPS and trigger.head.lemma_.lower() in NOUN_LIGHT_VERBS:
        subject = _subject(trigger.head)
        if subject is not None:
            arguments.append(subject)
    arguments.extend(_partners(trigger, action.symmetric))
    names: list[str] = []
    for argument in arguments:
        for name in _argument_names(argument, mentions):
            if name not in names:
                names.append(name)
    return names


def _location_phrases(trigger: Any) -> list[Any]:
    """ "in"/"at" phrases of the trigger, then of its arguments, without entering subordinate clauses."""
    direct, nested = [], []
    stack = [(child, True) for child in reversed(list(trigger.children))]
    while stack:
        token, is_direct = stack.pop()
        if token.dep_ in CLAUSE_DEPS:
            continue
        if token.dep_ == "prep" and token.lower_ in LOCATION_PREPOSITIONS:
            (direct if is_direct else nested).append(token)
            continue
        stack.extend((child, False) for child in reversed(list(token.children)))
    return direct + nested


def _location(trigger: Any, mentions: _Mentions, actors: list[str]) -> str | None:
    for phrase in _location_phrases(trigger):
        start, end = _span_chars(list(phrase.subtree))
        for mention in mentions.within(start, end):
            if mention["entity_type"] == PLACE_TYPE and mention["name"] not in actors:
                return mention["name"]
    return None


def _governor(doc: Any, token_index: int, triggers: set[int]) -> Any | None:
    """The first verb or trigger above a token (the token itself excluded)."""
    token = doc[token_index]
    for _ in range(MAX_DATE_CLIMB):
        if token.head.i == token.i:
            return None
        token = token.head
        if token.pos_ in {"VERB", "AUX"} or token.i in triggers:
            return token
    return None


def _date_for(
    doc: Any, trigger: Any, expressions: list[DateExpression], triggers: set[int]
) -> DateExpression | None:
    """The point-in-time expression attached to the trigger, or to a non-speech verb governing it."""
    sentence = trigger.sent
    fallback = None
    ancestors = {ancestor.i for ancestor in trigger.ancestors}
    for expression in expressions:
        if not sentence.start <= expression.root < sentence.end or is_duration(expression.text):
            continue
        governor = _governor(doc, expression.root, triggers)
        if governor is not None and governor.i == trigger.i:
            return expression
        if (
            fallback is None
            and governor is not None
            and governor.i in ancestors
            and governor.i not in triggers
            and governor.lemma_.lower() not in SPEECH_VERBS
        ):
            fallback = expression
    return fallback


def extract(context: ArticleContext, config: ExtractConfig, reference: Reference) -> list[dict]:
    """Events of one article, in document order.

    Args:
        context: The article, its spaCy doc and its entity mentions (filled by the entities extractor).
        config: Extraction settings (unused: the extractor has no tunable setting yet).
        reference: Reference data holding ``actions.csv``.

    Returns:
        ``mentions`` records of fact_type ``event`` (``fact_id`` left to deduplication).
    """
    del config
    doc, body = context.doc, context.body
    table = actions(reference)
    mentions = _Mentions(context.entity_mentions)
    expressions = context.date_expressions
    candidates = [(token, action) for token in doc if (action := _trigger(token, table)) is not None]
    triggers = {token.i for token, _ in candidates}
    records: list[dict] = []
    seen: set[str] = set()
    for trigger, action in candidates:
        actors = _actors(trigger, action, mentions)
        if not actors:
            continue
        char_start, char_end = _span_chars(list(trigger.subtree))
        mention_id = stable_id(context.article_id, FACT_TYPE, char_start, char_end)
        if mention_id in seen:
            continue
        seen.add(mention_id)
        expression = _date_for(doc, trigger, expressions, triggers)
        event_date = precision = date_text = date_note = None
        if expression is not None:
            resolved = resolve_date(expression.text, context.published_date, tense_at(doc, trigger.i))
            event_date, precision, date_text, date_note = (
                resolved.value,
                resolved.precision,
                expression.text,
                resolved.note,
            )
        sentence = trigger.sent
        records.append(
            new_record(
                "mentions",
                mention_id=mention_id,
                article_id=context.article_id,
                fact_id=None,
                fact_type=FACT_TYPE,
                text=body[char_start:char_end],
                char_start=char_start,
                char_end=char_end,
                sentence=body[sentence.start_char : sentence.end_char],
                actors=actors,
                action=action.action,
                location=_location(trigger, mentions, actors),
                event_date=event_date,
                date_precision=precision,
                date_text=date_text,
                date_note=date_note,
                confidence=CONFIDENCE_FULL if event_date is not None else CONFIDENCE_PARTIAL,
                extractor=EXTRACTOR,
            )
        )
    return records
