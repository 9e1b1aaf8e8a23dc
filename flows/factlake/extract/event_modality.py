"""Modality and polarity of an event mention: does the text say it happened?

"Armenia and Azerbaijan are preparing to sign a treaty" reports a plan, "he wants Azerbaijan to withdraw"
a demand, "they failed to resolve their differences" a non-event, "Lavrov accused Armenia of sabotaging"
an allegation. The modality is read from the dependency parse around the trigger, with the cue words of
``modality_cues.csv`` (general English):

1. the trigger's own negation ("did not intervene", "no talks") makes it ``negated``;
2. its modifiers ("reportedly attacked", "the upcoming meeting") and auxiliaries ("will sign", "could
   attack") give their modality;
3. a subordinating marker of its clause ("if they attack") makes it ``conditional``;
4. else the nearest governing word above it, climbing complement links only (``xcomp``, ``ccomp``,
   ``pcomp``, ``acomp`` and the preposition in between), gives its modality ("preparing to sign",
   "urged X to withdraw", "refused to sign", "accused X of attacking"); an infinitive with no cue above it
   is ``planned`` ("sent peacekeepers to monitor");
5. else it is ``asserted``.

A noun trigger ("talks", "summit") is read through the verb whose object it is ("proposed talks", "agreed
to hold talks"). Climbing stops at adjunct prepositions
("after the clashes", "during the talks"). Polarity is ``negative`` when the trigger is negated or
governed by a negating word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from factlake.reference import Reference

ASSERTED = "asserted"
PLANNED = "planned"
CONDITIONAL = "conditional"
NEGATED = "negated"
POSITIVE = "positive"
NEGATIVE = "negative"

#: Links climbed from an event to the word governing it ("preparing -xcomp-> to sign").
COMPLEMENT_DEPS = frozenset({"xcomp", "ccomp", "pcomp", "acomp", "prep", "pobj"})
#: Links by which a noun trigger hangs on the verb that says what became of it ("proposed talks").
NOUN_ARGUMENT_DEPS = frozenset({"dobj", "pobj", "nsubjpass", "attr", "oprd"})
#: Prepositions that tie a clause to the word governing it ("accused X of attacking", "called for talks");
#: others head adjuncts ("after the clashes", "during the talks") that leave the event's modality alone.
COMPLEMENT_PREPOSITIONS = frozenset({"of", "for", "to", "from", "on", "about", "into", "toward", "towards"})
MAX_CLIMB = 4


@dataclass(frozen=True)
class ModalityCues:
    """Cue words by role (``governor``, ``auxiliary``, ``modifier``, ``marker``) and word."""

    by_role: dict[str, dict[str, str]]

    def get(self, role: str, word: str) -> str | None:
        """The modality a cue word gives in a role, or None."""
        return self.by_role.get(role, {}).get(word.lower())


_CUES: dict[str, ModalityCues] = {}


def modality_cues(reference: Reference) -> ModalityCues:
    """The cues of ``modality_cues.csv``, built once per reference content."""
    cached = _CUES.get(reference.fingerprint) if reference.fingerprint else None
    if cached is not None:
        return cached
    by_role: dict[str, dict[str, str]] = {}
    for row in reference.table("modality_cues"):
        by_role.setdefault(row["role"].strip(), {})[row["word"].strip().lower()] = row["modality"].strip()
    cues = ModalityCues(by_role)
    if reference.fingerprint:
        _CUES[reference.fingerprint] = cues
    return cues


def _is_negated(token: Any) -> bool:
    return any(
        child.dep_ == "neg" or (child.dep_ == "det" and child.lower_ == "no") for child in token.children
    )


def _own_cue(token: Any, cues: ModalityCues) -> str | None:
    """Modality given by the token's own modifiers, auxiliaries and clause marker."""
    for child in token.children:
        if child.dep_ in {"advmod", "amod"}:
            found = cues.get("modifier", child.lower_)
        elif child.dep_ == "aux":
            found = cues.get("auxiliary", child.lower_)
            if found == CONDITIONAL and child.lower_ == "would" and token.dep_ == "ccomp":
                found = PLANNED  # "said it would send troops": a future seen from the past
        elif child.dep_ == "mark":
            found = cues.get("marker", child.lower_)
        else:
            found = None
        if found is not None:
            return found
    return None


def _anchor(trigger: Any) -> Any:
    """The verb that carries a noun trigger's fate ("proposed talks" -> proposed), else the trigger."""
    if trigger.pos_ != "NOUN" or trigger.dep_ not in NOUN_ARGUMENT_DEPS:
        return trigger
    head = trigger.head
    if head.dep_ == "prep":
        if head.lower_ not in COMPLEMENT_PREPOSITIONS:
            return trigger
        head = head.head
    return head if head.pos_ in {"VERB", "AUX"} else trigger


def _is_infinitive(token: Any) -> bool:
    return any(child.dep_ == "aux" and child.lower_ == "to" for child in token.children)


def _governed(start: Any, cues: ModalityCues) -> str | None:
    """Modality of the nearest cue governing ``start`` along complement links."""
    token = start
    for _ in range(MAX_CLIMB):
        if token.dep_ not in COMPLEMENT_DEPS or token.head.i == token.i:
            return None
        token = token.head
        if token.dep_ == "prep" and token.lower_ not in COMPLEMENT_PREPOSITIONS:
            return None
        for word in (token.lemma_.lower(), token.lower_):
            found = cues.get("governor", word)
            if found is not None:
                # "did not refuse to sign" is no refusal: the negated negation is left to the text.
                return ASSERTED if found == NEGATED and _is_negated(token) else found
        if _is_negated(token) and token.pos_ in {"VERB", "AUX"}:
            return None
    return None


def modality_of(trigger: Any, cues: ModalityCues) -> tuple[str, str]:
    """``(modality, polarity)`` of the event whose trigger token is ``trigger`` (see the module docstring).

    Args:
        trigger: The trigger token in a parsed spaCy doc.
        cues: The cue words (:func:`modality_cues`).
    """
    anchor = _anchor(trigger)
    if _is_negated(trigger) or _is_negated(anchor):
        return NEGATED, NEGATIVE
    found = _own_cue(trigger, cues) or (_own_cue(anchor, cues) if anchor is not trigger else None)
    if anchor is not trigger and found is None:
        found = cues.get("governor", anchor.lemma_.lower())
    if found is None:
        found = _governed(anchor, cues)
    if found is None and _is_infinitive(anchor):
        found = PLANNED
    found = found or ASSERTED
    return found, NEGATIVE if found == NEGATED else POSITIVE
