"""Who acted and who was acted upon: the source and target actors of an event mention.

Source actors are the agents: the trigger's subject (the ``by`` phrase of a passive; the object that
controls it: "urged Russia to withdraw"), the subject of the light verb or the possessor of a noun trigger
("Putin held talks", "Putin's visit"), or, for a noun trigger without one, its ``of`` /
``between`` / ``among`` partners ("a meeting between Pashinyan and Aliyev"). Target actors are the
patients, recipients and counterparts: the trigger's objects ("Putin received Aliyev", "Lavrov accused
Armenia") and its ``with`` partners (and ``between`` partners of a verb). Coordinated actors are all
kept; a reciprocal object ("accused each other") makes every source a target too. A plural anaphor as
subject ("they", "the two countries", "both sides", "the rivals") stands for the latest subject or
prepositional object of the three sentences before that names two or more actors; a noun anaphor, failing
that, for the one group named in the nearest sentence further back that names any.

Names are those of the entity mentions inside an argument, best entity type only (a person before an
organization or place before a nationality). A nationality adjective is never an actor by itself: it
resolves to the country when the noun it modifies is a state's agent ("Azerbaijani forces", "Armenian
foreign ministers" -> Azerbaijan, Armenia), else to that noun phrase ("Armenian separatists").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from factlake.reference import Reference

#: Entity types that can act, best first: within one argument the best type present wins, so "Armenian
#: Prime Minister Nikol Pashinyan" gives the person, not the nationality.
ACTOR_TYPE_RANKS = (("person",), ("organization", "place"), ("nationality",))
NATIONALITY_TYPE = "nationality"
#: ``kind`` of a country in ``places.csv``.
COUNTRY_KIND = "country"
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
OBJECT_DEPS = frozenset({"dobj", "dative", "oprd"})
NOUN_SOURCE_PREPOSITIONS = frozenset({"of", "between", "among"})
TARGET_PREPOSITIONS = frozenset({"with", "between", "among"})
NOUN_LIGHT_VERBS = frozenset({"hold", "have", "host", "attend", "conduct", "make"})
#: Verbs saying that an event noun, their subject, took place ("clashes broke out between X and Y").
OCCURRENCE_VERBS = frozenset(
    {"break", "erupt", "occur", "happen", "flare", "resume", "continue", "begin", "start"}
)
PARTNER_PREPOSITIONS = frozenset({"between", "among"})
#: Verbs of answering whose "with" object is the subject's own act ("responded with an offer").
RESPONSE_VERBS = frozenset({"respond", "reply", "answer", "counter", "retaliate", "react"})
#: Words of a plural phrase that names earlier actors again ("the two countries", "both sides").
PLURAL_ANAPHOR_WORDS = frozenset({"two", "both"})
ANAPHOR_LOOKBACK = 3
#: Heads of definite plural noun phrases that name earlier actors again ("the rivals", "the sides").
PLURAL_ANAPHOR_HEADS = frozenset(
    {
        "adversary",
        "ally",
        "country",
        "delegation",
        "enemy",
        "foe",
        "government",
        "leader",
        "nation",
        "neighbor",
        "neighbour",
        "partner",
        "party",
        "rival",
        "side",
        "state",
    }
)
#: Actors a plural anaphor stands for at least (a pair).
MIN_GROUP = 2
#: Where an antecedent pair may stand: a subject, or the object of a preposition ("clashes between
#: Armenian and Azerbaijani troops. Both sides accused one another").
ANTECEDENT_DEPS = frozenset({"nsubj", "nsubjpass", "pobj"})
RELATIVE_PRONOUNS = frozenset({"who", "which", "that"})
RECIPROCAL_WORDS = frozenset({"other", "another"})
#: Heads that make "<nationality> <head>" the state itself ("Azerbaijani forces" -> Azerbaijan).
STATE_AGENT_HEADS = frozenset(
    {
        "army",
        "authority",
        "delegation",
        "diplomat",
        "force",
        "government",
        "guard",
        "leader",
        "leadership",
        "military",
        "minister",
        "ministry",
        "official",
        "peacekeeper",
        "party",
        "president",
        "rival",
        "side",
        "soldier",
        "troop",
    }
)
CLAUSE_DEPS = frozenset({"relcl", "acl", "xcomp", "ccomp", "advcl", "parataxis"})
PHRASE_MODIFIER_DEPS = frozenset({"amod", "compound", "nmod", "conj", "cc"})
MODIFIER_DEPS = frozenset({"amod", "compound", "nmod", "poss"})


@dataclass
class Roles:
    """Source and target actor names of one event mention, in text order, without repeats."""

    sources: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)

    @property
    def actors(self) -> list[str]:
        """Sources then targets, each once."""
        return list(dict.fromkeys(self.sources + self.targets))


class ActorFinder:
    """Actor names of the arguments of triggers in one article.

    Args:
        doc: The article's parsed spaCy doc.
        mentions: The article's entity mentions (``char_start``, ``char_end``, ``entity_type``, ``name``).
        reference: Reference data holding ``nationalities.csv`` and ``places.csv``.
    """

    def __init__(self, doc: Any, mentions: list[dict[str, Any]], reference: Reference) -> None:
        self.doc = doc
        self.mentions = sorted(mentions, key=lambda mention: (mention["char_start"], mention["char_end"]))
        self.countries: dict[str, str] = {}
        for row in reference.table("nationalities"):
            for word in (row.get("demonym"), row.get("plural")):
                if word:
                    self.countries[word.lower()] = row["country"]
        self.country_names = frozenset(self.countries.values()) | {
            row["name"] for row in reference.table("places") if row.get("kind") == COUNTRY_KIND
        }

    def within(self, start: int, end: int) -> list[dict[str, Any]]:
        """Entity mentions inside ``[start, end)``."""
        return [
            mention
            for mention in self.mentions
            if start <= mention["char_start"] and mention["char_end"] <= end
        ]

    def _modified_noun(self, mention: dict[str, Any]) -> Any | None:
        """The noun a nationality adjective modifies ("Armenian and Azerbaijani ministers" -> ministers)."""
        span = self.doc.char_span(mention["char_start"], mention["char_end"], alignment_mode="expand")
        if span is None:
            return None
        token = span.root
        while token.dep_ == "conj" and token.head.i != token.i:
            token = token.head
        if token.dep_ in MODIFIER_DEPS and token.head.pos_ in {"NOUN", "PROPN"}:
            return token.head
        return None

    def nationality_name(self, mention: dict[str, Any]) -> str:
        """The actor a nationality mention stands for: its country, or the noun phrase it modifies."""
        country = self.countries.get(mention["name"].lower()) or self.countries.get(
            self.doc.text[mention["char_start"] : mention["char_end"]].lower()
        )
        noun = self._modified_noun(mention)
        if noun is None:
            if mention["name"].lower().endswith("s") and mention["name"][:1].isupper():
                return mention["name"]  # a people ("Armenians") is an actor of its own
            return country or mention["name"]
        if noun.lemma_.lower() in STATE_AGENT_HEADS and country:
            return country
        first = min(
            [noun, *(child for child in noun.lefts if child.dep_ in PHRASE_MODIFIER_DEPS)],
            key=lambda token: token.i,
        )
        return self.doc[first.i : noun.i + 1].text

    def antecedent_pair(self, head: Any) -> list[str]:
        """For a plural anaphor ("they", "the two countries", "both sides", "the rivals"), the actors of the
        latest subject or prepositional object naming two or more of them in the previous sentences (at
        most :data:`ANAPHOR_LOOKBACK`); a noun anaphor may reach further back, to the nearest sentence that
        names such a group, when that sentence names only one ("the two sides" many paragraphs after
        "Ethiopia and Eritrea sent envoys"); "the two ..." right after a sentence whose subject and object
        name one actor each stands for those two."""
        pronoun = head.lower_ == "they"
        if not pronoun and not _is_plural_noun_anaphor(head):
            return []
        counted = bool({token.lower_ for token in head.subtree} & PLURAL_ANAPHOR_WORDS)
        sentence, distance = head.sent, 0
        while sentence.start > 0 and (distance < ANAPHOR_LOOKBACK or not pronoun):
            sentence, distance = self.doc[sentence.start - 1].sent, distance + 1
            groups = [
                names
                for token in reversed(list(sentence))
                if token.dep_ in ANTECEDENT_DEPS and len(names := self.names(token)) >= MIN_GROUP
            ]
            if distance <= ANAPHOR_LOOKBACK and groups:
                return groups[0]
            if distance == 1 and counted and (pair := self.subject_and_object(sentence)):
                return pair
            if groups:
                # Far back, only an unambiguous pair: one group named, of two when the anaphor counts two.
                distinct = {frozenset(names) for names in groups}
                names = groups[0]
                fits = len(distinct) == 1 and (not counted or len(names) == MIN_GROUP)
                return names if fits else []
        return []

    def subject_and_object(self, sentence: Any) -> list[str]:
        """The one actor of the subject and the one of the object of a sentence's main verb ("Macron called
        Scholz. The two leaders discussed ..."), else nothing."""
        root = sentence.root
        subjects = [child for child in root.children if child.dep_ == "nsubj"]
        objects = [child for child in root.children if child.dep_ == "dobj"]
        if len(subjects) != 1 or len(objects) != 1:
            return []
        subject, target = self.names(subjects[0]), self.names(objects[0], heads_only=True)
        if len(subject) == 1 and len(target) == 1 and subject != target:
            return subject + target
        return []

    def names(self, head: Any, heads_only: bool = False) -> list[str]:
        """Actor names inside the argument rooted at ``head`` (best entity type only), leaving out the
        clauses inside it ("the corridor, which connects the region to Armenia"); with ``heads_only``, only
        names of the phrase's heads and their conjuncts (not "Karabakh" of "discussed the Karabakh
        conflict": a topic, not a counterpart)."""
        tokens = _head_tokens(head) if heads_only else _phrase_tokens(head)
        covered = sorted(token.idx for token in tokens)
        found = [
            mention
            for mention in self.mentions
            if any(mention["char_start"] <= index < mention["char_end"] for index in covered)
        ]
        for types in ACTOR_TYPE_RANKS:
            chosen = [mention for mention in found if mention["entity_type"] in types]
            if not chosen:
                continue
            names = [
                name
                for mention in chosen
                for name in (
                    [self.nationality_name(mention)]
                    if mention["entity_type"] == NATIONALITY_TYPE
                    else self.country_pair(mention["name"])
                )
            ]
            return list(dict.fromkeys(names))
        return []

    def country_pair(self, name: str) -> list[str]:
        """The countries of a hyphenated pair ("the India-Pakistan border"), else the name itself."""
        parts = name.split("-")
        if len(parts) >= MIN_GROUP and all(part in self.country_names for part in parts):
            return parts
        return [name]


def _is_plural_noun_anaphor(head: Any) -> bool:
    """A definite plural noun phrase that names a group told of before: "the two countries", "both sides",
    "the rivals" (a plural head of :data:`PLURAL_ANAPHOR_HEADS` with "the", "both" or "two")."""
    words = {token.lower_ for token in head.subtree}
    if words & PLURAL_ANAPHOR_WORDS:
        return True
    return (
        head.tag_ == "NNS"
        and _lemma(head) in PLURAL_ANAPHOR_HEADS
        and any(child.dep_ == "det" and child.lower_ == "the" for child in head.children)
    )


def _lemma(token: Any) -> str:
    """The lemma of a noun, without a hyphenated prefix ("arch-enemy" -> "enemy")."""
    return token.lemma_.lower().rsplit("-", 1)[-1]


def _phrase_tokens(head: Any) -> list[Any]:
    """Tokens of the phrase rooted at ``head`` without the clauses attached inside it."""
    tokens, stack = [], [head]
    while stack:
        token = stack.pop()
        tokens.append(token)
        stack.extend(child for child in token.children if child.dep_ not in CLAUSE_DEPS)
    return tokens


def _controller(verb: Any) -> Any | None:
    """The object that controls a complement ("urged Russia to withdraw", "accused Armenia of attacking")."""
    head = verb.head
    if verb.dep_ == "pcomp" and head.dep_ == "prep":
        head = head.head
    elif verb.dep_ != "xcomp":
        return None
    return next((child for child in head.children if child.dep_ in OBJECT_DEPS), None)


def _head_tokens(head: Any) -> list[Any]:
    """The head of a phrase, its conjuncts and appositions, and the nationality adjectives on them."""
    tokens, stack = [], [head]
    while stack:
        token = stack.pop()
        tokens.append(token)
        stack.extend(child for child in token.children if child.dep_ in {"conj", "appos"})
        tokens.extend(
            child for child in token.children if child.dep_ in {"amod", "compound"} and child.pos_ == "ADJ"
        )
    return tokens


def subject_of(verb: Any) -> Any | None:
    """The subject of a verb; when missing, the object controlling it ("urged Russia to withdraw"), else the
    subject of the verb it is coordinated with or complements."""
    current = verb
    for _ in range(4):
        for child in current.children:
            if child.dep_ in SUBJECT_DEPS:
                # "Aliyev, who thanked ...": the relative pronoun stands for the noun the clause modifies.
                relative = child.lower_ in RELATIVE_PRONOUNS and current.dep_ == "relcl"
                return current.head if relative else child
        controller = _controller(current)
        if controller is not None:
            return controller
        if current.dep_ not in {"conj", "xcomp", "advcl", "pcomp", "acomp"} or current.head.i == current.i:
            return None
        current = current.head if current.dep_ != "pcomp" else current.head.head
    return None


def _prepositional(trigger: Any, prepositions: frozenset[str]) -> list[Any]:
    return [
        grandchild
        for child in trigger.children
        if child.dep_ == "prep" and child.lower_ in prepositions
        for grandchild in child.children
        if grandchild.dep_ == "pobj"
    ]


def _is_reciprocal(token: Any) -> bool:
    return token.lower_ in RECIPROCAL_WORDS and any(
        child.lower_ in {"each", "one"} for child in token.children
    )


def _verb_arguments(trigger: Any) -> tuple[list[Any], list[Any], bool]:
    """Source heads, target heads and whether the object is reciprocal, for a verb trigger."""
    subject = subject_of(trigger)
    passive = any(child.dep_ == "auxpass" for child in trigger.children) or (
        subject is not None and subject.dep_ == "nsubjpass"
    )
    objects = [child for child in trigger.children if child.dep_ in OBJECT_DEPS]
    reciprocal = any(_is_reciprocal(token) for token in objects)
    if passive:
        sources = [child for child in trigger.children if child.dep_ == "agent"]
        targets = [subject] if subject is not None else []
    else:
        sources = [subject] if subject is not None else []
        targets = [token for token in objects if not _is_reciprocal(token)]
    return sources, targets + _prepositional(trigger, TARGET_PREPOSITIONS), reciprocal


def _light_verb(noun: Any) -> Any | None:
    """The verb whose subject does what the noun names: "held talks", or a response "with" it ("responded
    with an offer")."""
    if noun.dep_ in OBJECT_DEPS and noun.head.lemma_.lower() in NOUN_LIGHT_VERBS:
        return noun.head
    preposition = noun.head
    if (
        noun.dep_ == "pobj"
        and preposition.lower_ == "with"
        and preposition.head.lemma_.lower() in RESPONSE_VERBS
    ):
        return preposition.head
    return None


def _noun_arguments(trigger: Any) -> tuple[list[Any], list[Any]]:
    """Source heads and target heads of a noun trigger ("talks between X and Y with Z")."""
    sources: list[Any] = []
    verb = _light_verb(trigger)
    if verb is not None:
        subject = subject_of(verb)
        if subject is not None:
            sources.append(subject)
    # "Putin's visit": the possessor acts.
    sources.extend(child for child in trigger.children if child.dep_ == "poss" and child.pos_ == "PROPN")
    partners = _prepositional(trigger, NOUN_SOURCE_PREPOSITIONS)
    if trigger.dep_ == "nsubj" and trigger.head.lemma_.lower() in OCCURRENCE_VERBS:
        # "clashes broke out between X and Y": the partners hang on the verb of occurring.
        partners += _prepositional(trigger.head, PARTNER_PREPOSITIONS)
    with_partners = _prepositional(trigger, frozenset({"with"}))
    if sources:
        return sources, partners + with_partners
    return partners, with_partners


def find_roles(trigger: Any, finder: ActorFinder, counterparts_only: bool = False) -> Roles:
    """Source and target actors of the event whose trigger is ``trigger`` (see the module docstring).

    Args:
        trigger: The trigger token.
        finder: The article's actor names.
        counterparts_only: Targets are only the heads of objects and partners ("met Aliyev"), not names
            inside them: the object of a meeting-like action may be its topic ("discussed the Karabakh
            conflict"), while the patient of others holds its name inside ("blocked the Lachin corridor").
    """
    reciprocal = False
    if trigger.pos_ == "VERB":
        source_heads, target_heads, reciprocal = _verb_arguments(trigger)
    else:
        source_heads, target_heads = _noun_arguments(trigger)
    roles = Roles()
    for head in source_heads:
        names = finder.names(head) or finder.antecedent_pair(head)
        roles.sources.extend(name for name in names if name not in roles.sources)
    for head in target_heads:
        roles.targets.extend(
            name
            for name in finder.names(head, heads_only=counterparts_only)
            if name not in roles.targets and name not in roles.sources
        )
    if reciprocal:
        roles.targets.extend(name for name in roles.sources if name not in roles.targets)
    return roles
