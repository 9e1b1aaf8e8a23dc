"""Events: who did what, where and when ("Putin called Aliyev on Wednesday").

A trigger is a verb (or one of a few nouns: "talks", "meeting", "summit") listed in ``actions.csv``; its
action comes from that controlled vocabulary. Actors are the entity mentions (found before, by
:mod:`factlake.extract.entities`; their article-level ``name`` is used) inside the trigger's subject, and,
for symmetric actions ("meet", "talk", "host"), inside its object and its "with"/"between" partners too.
The location is the first place inside an "in"/"at" phrase of the trigger; the date is the date expression
attached to the trigger in the parse, resolved by :func:`factlake.extract.dates.resolve_date` with the
trigger's tense; the theme (what the event is about: "sign a peace treaty") is read by
:mod:`factlake.extract.event_themes`. Events with an action and at least one actor are kept; the evidence
is the trigger's clause (its subtree in the parse).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from factlake.config import ExtractConfig
from factlake.extract import ArticleContext
from factlake.extract.dates import DateExpression, ResolvedDate, is_duration, resolve_date, tense_at
from factlake.extract.event_modality import modality_cues, modality_of
from factlake.extract.event_roles import OBJECT_DEPS, ActorFinder, Roles, find_roles
from factlake.extract.event_themes import find_theme
from factlake.reference import Reference

NAME = "events"
VERSION = "2.2"
EXTRACTOR = f"{NAME}/{VERSION}"
FACT_TYPE = "event"

LOCATION_PREPOSITIONS = frozenset({"in", "at"})
#: "called on Russia to ..." is an appeal, not a call.
NOT_A_CALL_PREPOSITIONS = frozenset({"on", "for", "upon"})
PLACE_TYPE = "place"
CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "advcl", "relcl", "acl", "conj", "parataxis", "csubj"})
SPEECH_VERBS = frozenset({"say", "tell", "state", "add", "announce", "claim", "report", "write", "note"})
MAX_DATE_CLIMB = 8
#: Dependencies by which a year is part of a name ("the 1991 Declaration").
NAME_PART_DEPS = frozenset({"nummod", "compound", "amod", "nmod"})

PUBLISHED_NOTE = "the publication date: the article reports this occurrence as current"
#: A year named by reference to an earlier one ("in September of that year", "later the same year").
THAT_YEAR = re.compile(r"\s*\b(?:of\s+)?(?:that|the\s+same)\s+year\b", re.IGNORECASE)
#: ``date_source`` of a reference to an occurrence that names no actor ("the summit", "after the talks"):
#: its date is that of the one dated occurrence of its class in its story (see :mod:`factlake.dedup.events`).
STORY_DATE_SOURCE = "story"
#: Determiners of an occurrence the reader already knows of ("the summit"; not "a meeting", "another summit").
DEFINITE_DETERMINERS = frozenset({"the", "this", "that", "these", "those"})
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


def _span_chars(tokens: list[Any]) -> tuple[int, int]:
    first = min(tokens, key=lambda token: token.i)
    last = max(tokens, key=lambda token: token.i)
    return first.idx, last.idx + len(last.text)


def _location_phrases(trigger: Any) -> list[Any]:
    """ "in"/"at" phrases of the trigger, then of its arguments, without entering subordinate clauses."""
    direct, nested = [], []
    stack = [(child, True) for child in reversed(list(trigger.children))]
    while stack:
        token, is_direct = stack.pop()
        if token.dep_ in CLAUSE_DEPS and not (token.dep_ == "conj" and token.pos_ in {"NOUN", "PROPN"}):
            continue
        if token.dep_ == "prep" and token.lower_ in LOCATION_PREPOSITIONS:
            (direct if is_direct else nested).append(token)
            continue
        stack.extend((child, False) for child in reversed(list(token.children)))
    return direct + nested


def _location(trigger: Any, mentions: ActorFinder, actors: list[str]) -> str | None:
    for phrase in _location_phrases(trigger):
        start, end = _span_chars(list(phrase.subtree))
        for mention in mentions.within(start, end):
            if mention["entity_type"] == PLACE_TYPE and mention["name"] not in actors:
                return mention["name"]
    return None


def _is_time_in(sentence: Any, expression: DateExpression, doc: Any) -> bool:
    """A point in time of ``sentence``: not a duration, nor part of a name ("the 1979 Camp David Accords",
    "the Treaty of 1921": the year names the document, not when the event happened)."""
    if not sentence.start <= expression.root < sentence.end or is_duration(expression.text):
        return False
    root = doc[expression.root]
    head = root.head.head if root.dep_ == "pobj" and root.head.lower_ == "of" else root.head
    return not (head.pos_ == "PROPN" and root.dep_ in NAME_PART_DEPS | {"pobj"})


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
        if not _is_time_in(sentence, expression, doc):
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


def _sentence_date(
    trigger: Any, expressions: list[DateExpression], triggers: set[int], doc: Any
) -> DateExpression | None:
    """The first point-in-time expression of the trigger's sentence not attached to another trigger."""
    sentence = trigger.sent
    for expression in expressions:
        if not _is_time_in(sentence, expression, doc):
            continue
        governor = _governor(doc, expression.root, triggers)
        if governor is not None and governor.i in triggers and governor.i != trigger.i:
            continue
        return expression
    return None


_CLASSES: dict[str, dict[str, str]] = {}


def event_classes(reference: Reference) -> dict[str, str]:
    """Identity class of each action (``event_classes.csv``): synonyms for one occurrence ("meet", "talk",
    "host") share one; an action not listed is its own class."""
    cached = _CLASSES.get(reference.fingerprint) if reference.fingerprint else None
    if cached is not None:
        return cached
    table = {row["action"].strip(): row["class"].strip() for row in reference.table("event_classes")}
    if reference.fingerprint:
        _CLASSES[reference.fingerprint] = table
    return table


@dataclass
class _Found:
    """One trigger with what was read around it (actorless noun triggers are kept to date others)."""

    trigger: Any
    action: Action
    roles: Roles
    modality: str
    polarity: str
    expression: DateExpression | None = None
    date_source: str | None = None
    resolved: Any = None
    own_date: bool = False


def _is_own(doc: Any, expression: DateExpression, trigger: Any, triggers: set[int]) -> bool:
    """The date expression hangs on the trigger itself, not on a verb governing it."""
    governor = _governor(doc, expression.root, triggers)
    return governor is not None and governor.i == trigger.i


def _dated(found: _Found, context: ArticleContext, expressions: list, triggers: set[int]) -> _Found:
    """``found`` with the date of its own clause, else of its sentence, resolved."""
    doc = context.doc
    expression = _date_for(doc, found.trigger, expressions, triggers)
    source = "clause"
    if expression is not None and not _is_own(doc, expression, found.trigger, triggers):
        source = "governor"
    if expression is None:
        expression, source = _sentence_date(found.trigger, expressions, triggers, doc), "sentence"
    if expression is not None:
        found.expression, found.date_source = expression, "clause" if source == "governor" else source
        found.own_date = source == "clause"
        found.resolved = resolve_date(expression.text, context.published_date, tense_at(doc, found.trigger.i))
        if found.resolved.value is None:
            found.resolved = _in_year_named_before(expression, expressions) or found.resolved
    return found


def _in_year_named_before(
    expression: DateExpression, expressions: list[DateExpression]
) -> ResolvedDate | None:
    """ "In September of that year": the expression read in the last calendar year the article names before
    it ("till 2020. In September of that year" -> September 2020); None without such a year."""
    if not THAT_YEAR.search(expression.text):
        return None
    year = None
    for other in expressions:
        if other.char_start >= expression.char_start:
            break
        named = resolve_date(other.text, None)  # absolute dates only
        if named.value is not None:
            year = named.value.year
    if year is None:
        return None
    resolved = resolve_date(THAT_YEAR.sub(f" {year}", expression.text), None)
    if resolved.value is None:
        return None
    return ResolvedDate(
        resolved.value, resolved.precision, f"'that year' read as {year}, the last year named before"
    )


def _is_current(trigger: Any) -> bool:
    """A present-perfect or present verb ("have met", "hold talks"), or a definite noun ("the talks")."""
    if trigger.pos_ == "NOUN":
        return any(child.dep_ == "det" and child.lower_ in {"the", "this"} for child in trigger.children)
    auxiliaries = {child.lower_ for child in trigger.children if child.dep_ == "aux"}
    return trigger.tag_ in {"VBP", "VBZ"} or (trigger.tag_ == "VBN" and bool(auxiliaries & {"has", "have"}))


def _article_dates(found_events: list[_Found], classes: dict[str, str], published: dt.date | None) -> None:
    """Date undated asserted mentions from the article: a noun mention ("a trilateral meeting between ...")
    by the one resolved date the article gives other mentions by the same noun ("Monday's meeting");
    failing that, a current mention of a synonym class ("have met", "the talks") by the publication date,
    as the occurrence the article reports. Several dates for one noun leave its mentions undated."""
    dated: dict[str, set[tuple[Any, Any]]] = {}
    anchors: dict[tuple[str, Any, Any], _Found] = {}
    for found in found_events:
        if found.trigger.pos_ == "NOUN" and found.resolved is not None and found.resolved.value is not None:
            noun = found.trigger.lemma_.lower()
            key = (found.resolved.value, found.resolved.precision)
            dated.setdefault(noun, set()).add(key)
            anchors.setdefault((noun, *key), found)
    for found in found_events:
        if found.expression is not None or found.modality != "asserted":
            continue
        noun = found.trigger.lemma_.lower()
        action_class = classes.get(found.action.action, found.action.action)
        if found.trigger.pos_ == "NOUN" and len(dated.get(noun, ())) == 1:
            (key,) = dated[noun]
            anchor = anchors[(noun, *key)]
            found.expression, found.resolved, found.date_source = (
                anchor.expression,
                anchor.resolved,
                "article",
            )
        elif published is not None and action_class in classes.values() and _is_current(found.trigger):
            found.resolved, found.date_source = (
                ResolvedDate(published, "day", PUBLISHED_NOTE),
                "published",
            )


def _dated_noun(found: _Found) -> bool:
    """A noun event dated in its own clause to the day ("the border clashes on Nov 16") is a fact even when
    its clause names no actor."""
    resolved = found.resolved
    return (
        found.trigger.pos_ == "NOUN"
        and found.own_date
        and resolved is not None
        and resolved.precision == "day"
    )


def _is_definite(noun: Any) -> bool:
    """A noun phrase that names an occurrence the reader knows of: with a definite determiner or a possessor
    ("the summit", "this meeting", "their talks"), or bare in an adjunct ("after bilateral talks"; a bare
    subject or object, "talks were held", tells of a new occurrence)."""
    determiners = [child for child in noun.children if child.dep_ in {"det", "poss"}]
    if determiners:
        return all(child.lower_ in DEFINITE_DETERMINERS or child.dep_ == "poss" for child in determiners)
    return noun.dep_ == "pobj"


def _is_story_reference(found: _Found, classes: dict[str, str]) -> bool:
    """An asserted definite noun mention of an action with synonyms for one occurrence ("the summit", "after
    bilateral talks", "the meeting") naming no actor and no date of its own: a reference to an occurrence
    the reader is told of elsewhere, which only its story can place."""
    trigger = found.trigger
    return (
        trigger.pos_ == "NOUN"
        and found.action.action in classes
        and found.modality == "asserted"
        and not found.roles.actors
        and not found.own_date
        and _is_definite(trigger)
    )


def _as_story_reference(found: _Found) -> _Found:
    """``found`` without a date of its own: it takes its story's (any date read around it in its sentence or
    article belongs to another occurrence or to the report, not to the reference)."""
    found.expression, found.resolved, found.date_source = None, None, STORY_DATE_SOURCE
    return found


def _record(found: _Found, context: ArticleContext, finder: ActorFinder) -> dict[str, Any]:
    body, trigger = context.body, found.trigger
    char_start, char_end = _span_chars(list(trigger.subtree))
    resolved = found.resolved
    story_reference = found.date_source == STORY_DATE_SOURCE
    actors = found.roles.actors
    sentence = trigger.sent
    return context.mention(
        FACT_TYPE,
        char_start,
        char_end,
        body[sentence.start_char : sentence.end_char],
        actors=actors,
        source_actors=list(found.roles.sources),
        target_actors=list(found.roles.targets),
        theme=find_theme(trigger, finder, actors),
        action=found.action.action,
        modality=found.modality,
        polarity=found.polarity,
        location=_location(trigger, finder, actors),
        event_date=resolved.value if resolved is not None else None,
        date_precision=resolved.precision if resolved is not None else None,
        date_text=found.expression.text if found.expression is not None else None,
        date_note=resolved.note if resolved is not None else None,
        date_source=STORY_DATE_SOURCE
        if story_reference
        else (found.date_source if resolved is not None and resolved.value is not None else None),
        confidence=CONFIDENCE_FULL
        if resolved is not None and resolved.value is not None
        else CONFIDENCE_PARTIAL,
        extractor=EXTRACTOR,
    )


def find_events(context: ArticleContext, reference: Reference) -> list[tuple[Any, dict[str, Any]]]:
    """Events of one article, in document order, each with its trigger token (for evaluation)."""
    doc = context.doc
    table = actions(reference)
    cues = modality_cues(reference)
    finder = ActorFinder(doc, context.entity_mentions, reference)
    expressions = context.date_expressions
    candidates = [(token, action) for token in doc if (action := _trigger(token, table)) is not None]
    triggers = {token.i for token, _ in candidates}
    found_events = []
    classes = event_classes(reference)
    for trigger, action in candidates:
        modality, polarity = modality_of(trigger, cues)
        roles = find_roles(trigger, finder, counterparts_only=action.action in classes)
        found = _Found(trigger, action, roles, modality, polarity)
        found_events.append(_dated(found, context, expressions, triggers))
    _article_dates(found_events, classes, context.published_date)
    results: list[tuple[Any, dict[str, Any]]] = []
    seen: set[str] = set()
    for found in found_events:
        if _is_story_reference(found, classes) and not _dated_noun(found):
            found = _as_story_reference(found)
        elif not found.roles.sources and not _dated_noun(found):
            continue
        record = _record(found, context, finder)
        if record["mention_id"] not in seen:
            seen.add(record["mention_id"])
            results.append((found.trigger, record))
    return results


def extract(context: ArticleContext, config: ExtractConfig, reference: Reference) -> list[dict]:
    """Events of one article, in document order.

    Args:
        context: The article, its spaCy doc and its entity mentions (filled by the entities extractor).
        config: Extraction settings (unused: the extractor has no tunable setting yet).
        reference: Reference data holding ``actions.csv``, ``event_classes.csv``, ``modality_cues.csv``
            and ``nationalities.csv``.

    Returns:
        ``mentions`` records of fact_type ``event`` (``fact_id`` left to deduplication).
    """
    del config
    return [record for _, record in find_events(context, reference)]
