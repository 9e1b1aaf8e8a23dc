"""What the speaker rules share for one article: its text, parse and entity mentions, the statement bodies
it names, the speakers found so far per paragraph, and the lookups every rule uses (sentence and paragraph
bounds, the mention at an offset, the grammatical subject of a verb)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from factlake.extract.entities import Gazetteer, normalize_key
from factlake.reference import Reference, rows_valid_on

if TYPE_CHECKING:
    from factlake.extract import ArticleContext
    from factlake.extract.quote_marks import QuoteSpan

STATEMENT_NOUNS = frozenset({"statement", "release", "communique", "communiqué", "declaration", "readout"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
#: Dependencies through which a clause without its own subject borrows its head's subject.
SUBJECT_INHERITING_DEPS = frozenset(
    {"advcl", "xcomp", "conj", "ccomp", "relcl", "acl", "pcomp", "prep", "pobj"}
)
#: Speaker kinds that name someone (a common-noun phrase such as "its analysis" is of kind ``other``).
NAMED_KINDS = frozenset({"person", "body", "place", "name"})
#: Clauses climbed at most when a verb borrows the subject of the clause it depends on.
MAX_SUBJECT_HOPS = 6


@dataclass(frozen=True)
class Speaker:
    """A resolved speaker: its name and how it was found (``person``, ``body``, ``place``, ``name`` for a
    proper noun no entity mention covers, ``plural``, ``other`` for a common noun or nobody)."""

    name: str | None
    kind: str


def is_named(speaker: Speaker) -> bool:
    """Whether a speaker is a named person, body or place rather than a common noun or nobody."""
    return speaker.name is not None and speaker.kind in NAMED_KINDS


def is_coordinated(token: Any) -> bool:
    """Whether ``token`` heads a coordination of parties ("Berger and Moore"): a nominal conjunct and a
    ``cc``. A verb conjunct ("giving states more power, but still protecting …") joins clauses, and a
    common noun after an apposition continues the description ("Trump, the GOP frontrunner nationally and
    current polling leader")."""
    children = list(token.children)
    described = any(child.dep_ == "appos" for child in children)
    has_party = any(
        child.dep_ == "conj" and (child.pos_ in {"PROPN", "PRON"} or (child.pos_ == "NOUN" and not described))
        for child in children
    )
    return has_party and any(child.dep_ == "cc" for child in children)


def tokens_between(doc: Any, start: int, end: int) -> list[Any]:
    """The tokens of ``doc`` that lie wholly within the characters ``[start, end)``."""
    span = doc.char_span(start, end, alignment_mode="contract")
    return list(span) if span is not None else []


def _as_date(value: Any) -> dt.date | None:
    """A publication date as a plain date; None for a missing one (None, NaN, NaT)."""
    if value is None or value != value:  # NaN and NaT are unequal to themselves
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


class SpeakerContext:
    """One article as the speaker rules read it; keeps the speakers found so far between its quotes.

    Attributes:
        body: The article body.
        doc: Its spaCy doc.
        gazetteer: Titles and countries of the reference data.
        mentions: The article's entity mentions, by start offset.
        sentences: (start, end) of every sentence of the parse.
        role_holders: (offset, role, name) of every person mention with a role ("Russian President …").
        reference_roles: (role, name) rows of ``roles.csv`` in force on the article's publication date
            (none for an undated article: a role holder is never guessed out of its time).
        speech_verbs: Lemmas of ``speech_verbs.txt``.
        bodies: (offset, name) of every statement noun whose issuer the text names.
        paragraph_speakers: Speaker of the latest resolved quote of each paragraph, by paragraph start.
    """

    def __init__(self, context: ArticleContext, reference: Reference) -> None:
        self.body = context.body
        self.doc = context.doc
        self.gazetteer = Gazetteer.from_reference(reference)
        self.mentions = sorted(context.entity_mentions, key=lambda item: item["char_start"])
        self.sentences = [(sentence.start_char, sentence.end_char) for sentence in self.doc.sents]
        self.role_holders = [
            (mention["char_start"], mention["role"], mention["name"])
            for mention in self.mentions
            if mention["entity_type"] == "person" and mention.get("role")
        ]
        self.reference_roles = [
            (row["role"], row["name"])
            for row in rows_valid_on(reference.table("roles"), _as_date(context.published_date))
        ]
        self.speech_verbs = frozenset(word.lower() for word in reference.words("speech_verbs"))
        self.bodies = self._statement_bodies()
        self.paragraph_speakers: dict[int, str] = {}

    # ---- text geometry ---------------------------------------------------------------------------------
    def sentence_text(self, start: int, end: int) -> str:
        """The sentence(s) overlapping ``[start, end)``, as written in the body."""
        first, last = self.sentence_bounds(start, end)
        return self.body[first:last].strip()

    def sentence_bounds(self, start: int, end: int) -> tuple[int, int]:
        """Bounds of the sentences overlapping ``[start, end)``, clipped to their paragraphs (the parser
        sometimes runs a sentence across a paragraph break)."""
        overlapping = [bounds for bounds in self.sentences if bounds[0] < end and bounds[1] > start]
        if not overlapping:
            return start, end
        paragraph_start, _ = self.paragraph_bounds(start)
        _, paragraph_end = self.paragraph_bounds(max(start, end - 1))
        first = max(min(bounds[0] for bounds in overlapping), paragraph_start)
        last = min(max(bounds[1] for bounds in overlapping), paragraph_end)
        return min(first, start), max(last, end)

    def paragraph_bounds(self, position: int) -> tuple[int, int]:
        """Bounds of the paragraph (text between line breaks) holding ``position``."""
        start = self.body.rfind("\n", 0, position) + 1
        end = self.body.find("\n", position)
        return start, len(self.body) if end == -1 else end

    def tokens_between(self, start: int, end: int) -> list[Any]:
        """The tokens wholly within ``[start, end)``."""
        return tokens_between(self.doc, start, end)

    def stands_alone(self, quote: QuoteSpan) -> bool:
        """Whether the quote fills its sentence(s): nothing but punctuation outside the marks."""
        start, end = self.sentence_bounds(quote.start, quote.end)
        paragraph_start, _ = self.paragraph_bounds(quote.start)
        _, paragraph_end = self.paragraph_bounds(quote.end - 1)
        outside = (
            self.body[max(start, paragraph_start) : quote.start]
            + self.body[quote.end : min(end, paragraph_end)]
        )
        return not any(character.isalnum() for character in outside)

    # ---- entity mentions -------------------------------------------------------------------------------
    def mention_at(self, position: int) -> dict[str, Any] | None:
        """The entity mention covering ``position``, or None."""
        for mention in self.mentions:
            if mention["char_start"] <= position < mention["char_end"]:
                return mention
        return None

    def names_someone(self, token: Any) -> bool:
        """Whether ``token`` lies in a person or organization mention."""
        mention = self.mention_at(token.idx)
        return mention is not None and mention["entity_type"] in {"person", "organization"}

    @staticmethod
    def mention_speaker(mention: dict[str, Any]) -> Speaker:
        """The speaker a person or organization mention names."""
        return Speaker(mention["name"], "person" if mention["entity_type"] == "person" else "body")

    def first_person_subject(self, tokens: list[Any]) -> Speaker | None:
        """The first person among ``tokens`` who is a grammatical subject, or None."""
        for token in tokens:
            mention = self.mention_at(token.idx)
            if token.dep_ in SUBJECT_DEPS and mention is not None and mention["entity_type"] == "person":
                return Speaker(mention["name"], "person")
        return None

    def person_subject_between(self, start: int, end: int) -> Speaker | None:
        """The first person in ``[start, end)`` who is a grammatical subject, or None."""
        return self.first_person_subject(self.tokens_between(start, end))

    # ---- the parse -------------------------------------------------------------------------------------
    def is_speech_verb(self, token: Any) -> bool:
        """A speech verb, or its third-person form tagged as a noun ("Viguerie notes")."""
        lower = token.lower_
        if token.pos_ in {"VERB", "AUX"}:
            return token.lemma_.lower() in self.speech_verbs
        return (
            token.pos_ == "NOUN"
            and lower.endswith("s")
            and (
                lower[:-1] in self.speech_verbs or (lower.endswith("es") and lower[:-2] in self.speech_verbs)
            )
        )

    def subject_of(self, verb: Any, inherit: bool = True) -> Any | None:
        """The grammatical subject of ``verb``, borrowed from its head clause when it has none.

        When the parser gives a verb several subjects (a sentence run over a paragraph break: "6:50 p.m. ¶
        Hillary Clinton has told …"), the one in the verb's paragraph nearest to the verb wins.
        """
        current = verb
        for _ in range(MAX_SUBJECT_HOPS):
            subjects = [child for child in current.children if child.dep_ in SUBJECT_DEPS]
            if subjects:
                paragraph = self.paragraph_bounds(current.idx)
                return min(
                    subjects,
                    key=lambda subject: (
                        not paragraph[0] <= subject.idx < paragraph[1],
                        abs(subject.i - current.i),
                    ),
                )
            # "Trump issued a statement saying …": the statement speaks for whoever issued it
            issued = current.dep_ == "dobj" and current.lemma_.lower() in STATEMENT_NOUNS
            inherits = current.dep_ in SUBJECT_INHERITING_DEPS or issued
            if not inherit or not inherits or current.head == current:
                return None
            if current.dep_ == "relcl":
                return current.head
            current = current.head
        return None

    def quote_root(self, quote: QuoteSpan) -> Any | None:
        """The token of the quote whose head lies outside it (or the quote's sentence root)."""
        tokens = [token for token in self.tokens_between(quote.start, quote.end) if not token.is_punct]
        for token in tokens:
            if not (quote.start <= token.head.idx < quote.end) or token.head == token:
                return token
        return tokens[0] if tokens else None

    # ---- statement bodies ------------------------------------------------------------------------------
    def body_in_sentence(self, quote: QuoteSpan) -> str | None:
        """The last statement body named in the quote's sentence, or None."""
        start, end = self.sentence_bounds(quote.start, quote.end)
        inside = [name for position, name in self.bodies if start <= position < end]
        return inside[-1] if inside else None

    def latest_body(self, position: int) -> str | None:
        """The latest statement body before ``position``, else the first after (a lead summing it up)."""
        before = [name for start, name in self.bodies if start < position]
        if before:
            return before[-1]
        return self.bodies[0][1] if self.bodies else None

    def _statement_bodies(self) -> list[tuple[int, str]]:
        """(position, speaker name) of every statement noun whose issuer the text names."""
        bodies = []
        for token in self.doc:
            if token.lemma_.lower() not in STATEMENT_NOUNS:
                continue
            if any(child.lower_ == "joint" for child in token.children):
                bodies.append((token.idx, self._joint_statement_name(token.idx)))
                continue
            for child in token.children:
                if child.dep_ == "prep" and child.lower_ in {"from", "of", "by"}:
                    for grandchild in child.children:
                        mention = self.mention_at(grandchild.idx)
                        if mention is not None and mention["entity_type"] in {"organization", "place"}:
                            bodies.append((token.idx, mention["name"]))
        return bodies

    def _joint_statement_name(self, position: int) -> str:
        """ "joint statement of A, B and C": countries of its sentence, else of the people met so far."""
        start, end = self.sentence_bounds(position, position + 1)
        countries = set()
        for mention in self.mentions:
            if mention["char_start"] >= end:
                break
            if start <= mention["char_start"] and mention["entity_type"] in {"place", "nationality"}:
                countries.add(self.gazetteer.country_of(mention["name"]))
            if mention["entity_type"] == "person" and mention.get("role"):
                countries.update(self._role_countries(mention["role"]))
        countries.discard("")
        names = sorted(countries)
        if not names:
            return "joint statement"
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"joint statement of {listed}"

    def _role_countries(self, role: str) -> set[str]:
        words = normalize_key(role).replace("'s", " ").split()
        return {self.gazetteer.country_of(word) for word in words} - {""}
