"""What an event is about: its theme ("sign a peace treaty" -> "peace treaty").

The theme is the head noun phrase (the head noun and the plain modifiers right before it, without
determiners, possessors, coordinated modifiers or punctuation) of the trigger's direct object, of the
subject of a passive trigger ("the treaty was signed"), or, for a noun trigger, of its "of" / "for"
complement ("talks for a new trade deal"). A phrase that names a person, a place or a nationality among
the event's actors is who was acted upon, not what the event is about ("met Aliyev", "withdraw
Azerbaijani troops"), so it gives no theme; an organization or a named
occurrence can be one ("host the 79th Academy Awards").

Two themes tell two occurrences apart when their head nouns differ (after a plural is made singular) or
when both write numbers and the numbers differ ("79th" and "86th", "2007" and "2014"):
:func:`compatible_themes`. Deduplication uses it (:mod:`factlake.dedup.events`), without a parse.
"""

from __future__ import annotations

import re
from typing import Any

from factlake.extract.event_roles import ActorFinder

#: Entity types whose mention in the object makes it a counterpart or a patient rather than a theme.
NOT_THEME_TYPES = frozenset({"person", "place", "nationality"})
#: Words before the head that are not part of the theme ("the", "all", "its", "Armenia's").
SKIPPED_DEPS = frozenset({"det", "predet", "poss", "case", "punct", "cc", "preconj", "advmod", "prep"})
#: Entity labels whose head is a time, not a theme ("meet next week").
TIME_LABELS = frozenset({"DATE", "TIME"})
NOUN_PREPOSITIONS = frozenset({"of", "for"})
THEME_POS = frozenset({"NOUN", "PROPN"})

#: Ordinal and number words, by value, so that "second" and "2nd" compare equal.
NUMBER_WORDS = {
    word: value
    for value, words in enumerate(
        [
            ("zero",),
            ("one", "first"),
            ("two", "second"),
            ("three", "third"),
            ("four", "fourth"),
            ("five", "fifth"),
            ("six", "sixth"),
            ("seven", "seventh"),
            ("eight", "eighth"),
            ("nine", "ninth"),
            ("ten", "tenth"),
            ("eleven", "eleventh"),
            ("twelve", "twelfth"),
        ]
    )
    for word in words
}
_WORD = re.compile(r"[\w']+")
_DIGITS = re.compile(r"\d+")


def _theme_head(trigger: Any) -> Any | None:
    """The head of the phrase the event is about: direct object, passive subject or of/for complement."""
    if trigger.pos_ == "VERB":
        passive = any(child.dep_ == "auxpass" for child in trigger.children)
        wanted = {"nsubjpass"} if passive else {"dobj"}
        return next((child for child in trigger.children if child.dep_ in wanted), None)
    for child in trigger.children:
        if child.dep_ == "prep" and child.lower_ in NOUN_PREPOSITIONS:
            return next((grandchild for grandchild in child.children if grandchild.dep_ == "pobj"), None)
    return None


def _names_an_actor(tokens: list[Any], finder: ActorFinder, actors: list[str]) -> bool:
    """Whether an entity mention of a person, place or nationality among ``actors`` covers a token."""
    for token in tokens:
        for mention in finder.mentions:
            if not mention["char_start"] <= token.idx < mention["char_end"]:
                continue
            if mention["entity_type"] not in NOT_THEME_TYPES:
                continue
            nationality = mention["entity_type"] == "nationality"
            name = finder.nationality_name(mention) if nationality else mention["name"]
            if name in actors:
                return True
    return False


def find_theme(trigger: Any, finder: ActorFinder, actors: list[str]) -> str | None:
    """The theme of the event triggered by ``trigger`` (see the module docstring), as written, or None.

    Args:
        trigger: The trigger token.
        finder: The article's entity mentions, to tell actors from themes.
        actors: The event's source and target actors.
    """
    head = _theme_head(trigger)
    if head is None or head.pos_ not in THEME_POS or head.ent_type_ in TIME_LABELS:
        return None
    doc = head.doc
    skipped = {token.i for child in head.lefts if child.dep_ == "poss" for token in child.subtree}
    # The theme starts after the last word that is not a plain modifier: "a sustainable and long-term
    # peace treaty" -> "peace treaty" (coordinated modifiers, quotes and possessors are left out).
    start = head.left_edge.i
    for index in range(head.left_edge.i, head.i):
        if index in skipped or doc[index].dep_ in SKIPPED_DEPS:
            start = index + 1
    phrase = list(doc[start : head.i + 1])
    if _names_an_actor(phrase, finder, actors):
        return None
    return doc[start : head.i + 1].text


def _singular(word: str) -> str:
    """A plural noun made singular by the few regular English endings ("treaties" -> "treaty")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def theme_key(theme: str | None) -> tuple[str, frozenset[int]] | None:
    """What identifies a theme: its head noun made singular, and the numbers it writes (digits, number and
    ordinal words); None for no theme."""
    if not theme:
        return None
    words = _WORD.findall(theme.lower())
    if not words:
        return None
    numbers = {int(digits) for word in words for digits in _DIGITS.findall(word)}
    numbers |= {NUMBER_WORDS[word] for word in words if word in NUMBER_WORDS}
    return _singular(words[-1]), frozenset(numbers)


def compatible_themes(
    first: tuple[str, frozenset[int]] | None, second: tuple[str, frozenset[int]] | None
) -> bool:
    """Whether two theme keys may be one occurrence's: a missing theme fits any; two themes fit when their
    heads agree and they do not write different numbers ("79th Academy Awards" and "Academy Awards" fit,
    "79th" and "86th" do not)."""
    if first is None or second is None:
        return True
    (first_head, first_numbers), (second_head, second_numbers) = first, second
    if first_head != second_head:
        return False
    return not (first_numbers and second_numbers and first_numbers != second_numbers)
