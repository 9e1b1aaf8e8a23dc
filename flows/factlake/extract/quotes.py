"""Direct quotations with their speakers.

Finding quotes is a single left-to-right scan over the body (linear time: it jumps from mark to mark and
never backtracks, so an unbalanced mark in a huge paragraph costs nothing): curly and straight double
marks, nesting (“today’s “Straw vote” is …”), quotes whose paragraphs reopen without closing (“… ¶ “… ”),
a cap on quote length. Quotes split by their attribution (“…,” he said. “…”) are merged into one mention whose
``text`` runs from the first opening mark to the last closing mark.

Speakers are resolved with the dependency parse, in this order (speech verbs are the lemmas of
``speech_verbs.txt``):

1. the attribution right after the quote (“…,” Putin said / the Russian president told reporters / said
   Mr. Trump / Viguerie notes), also when a long apposition separates subject and verb (“…,” Trump, the GOP
   frontrunner, said), the parser left the verb without a subject (“…,” Brent Bozell III, founder of …,
   tells …), the speaker comes late in the sentence (“…,” and donations began …, Gilbert said), a nested
   quote closes first (“… ‘ringleader,’” Sexton said) or the quote closes without a comma before a bare
   "X said" (“….” Trump said.); an attribution that names nobody (“…,” claiming that he …) is skipped, and
   without a speech verb only a named subject counts (“…,” remembered Roy Verley, not “…,” the crowd
   applauded);
2. "according to X" in the sentence, when X names someone;
3. the subject of the speech verb governing the quote: the nearest one whose own subject names a person
   or body ("But even as Trump claimed that “…”, one prosecutor said …"; not one taking an infinitive:
   "Rubio will continue to be “…”"), else the outermost ("Pashinyan told Putin that … “…”"); "X issued
   a statement saying “…”" gives X; a name right before the verb wins over a subject the parser took
   from the quote ("Paul Ryan (R-WI) said “images, they’ve got …”");
4. a lead-in ending in a colon or a comma, however the parser attached the quote ("Kasich resisted: “…”",
   "Emphasizing the urgency, Trump said, “…”", "HEADLINE - Pew Research: “…”"), its main clause first
   ("After Brown criticized Bill Clinton, Hillary shot back, “…”");
5. the subject of the clause the quote belongs to, climbing to the nearest clause whose subject names
   someone ("Paul Ryan worried that the safety net was becoming “…”"); a common noun found by this rule
   or by "according to" is kept only when neither a clause nor rules 6 and 7 name anyone ("The
   arch-rivals also “agreed to …”");
6. a signature line under a quote filling its paragraph (“…” ¶ "- Sanders.");
7. a quote still unresolved takes the speaker of an earlier quote of its paragraph (“…,” said Aida, who
   …. Biden “kind of misspoke.”), else a speech verb's subject or a person subject of its sentence
   (“…” but to take the lead, says Evan Tracey), else the subject of a speech verb earlier in its
   paragraph ("Brill has argued that … there's still “…”"); one standing alone takes the first person
   subject of its paragraph ("Trump also embraced waterboarding -- “…”"), else the speaker of the previous
   paragraph, including a lead-in paragraph ending with a colon ("Cruz called them on it:" ¶ “…”).

Subjects are only taken from the quote's own paragraph (the parser sometimes runs a sentence over a
paragraph break: "6:50 p.m. ¶ Clinton has told …"); a verb with several subjects keeps the one of its
paragraph nearest to it.

A subject is turned into a name by the article's entity mentions ("Putin" → "Vladimir Putin"), a surname
the tagger missed ("Skelly" → "Bill Skelly"), pronouns ("he" → the latest person who was a grammatical
subject), appositions ("Gene Sperling, a top Clinton adviser," → "Gene Sperling"), a title read as the
subject ("said Navy Capt. Jeff Davis"), possessed utterances ("Barrett's dictum" → Barrett), roles ("the
Russian leader" → the person the article calls "Russian President …", else ``roles.csv``) and bodies; a
proper noun no mention covers is kept as written.

Convention for bodies: a statement is attributed to who issued it: "a statement from the Kremlin" and
then "the statement added" → "Kremlin"; a joint statement → "joint statement of A, B and C" with the
countries named in its sentence or in the roles of the people met so far, sorted; "the ministry" → the
latest organization whose name holds "Ministry". Plural subjects ("the leaders", "they", "the two
countries") take the latest statement body of the article. A document that is quoted without being a
speaker ("A Russian-mediated ceasefire … obliges Armenia to “…”") is named by its noun phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from factlake.config import ExtractConfig
from factlake.extract import ArticleContext
from factlake.extract.entities import Gazetteer, normalize_key
from factlake.records import new_record, stable_id
from factlake.reference import Reference

NAME = "quotes"
VERSION = "1.2"
EXTRACTOR = f"{NAME}/{VERSION}"

OPENING_MARKS = frozenset("“«„")
CLOSING_MARKS = frozenset("”»")
STRAIGHT_MARK = '"'
#: Characters the quote scan stops at: every mark and the line break (one character class, no backtracking).
_SCAN_STOPS = re.compile(
    "[" + re.escape("".join(sorted(OPENING_MARKS | CLOSING_MARKS)) + STRAIGHT_MARK + "\n") + "]"
)
#: A quote still open after this many characters is dropped (unbalanced marks), keeping the scan linear.
MAX_QUOTE_CHARS = 5000
#: Paragraphs one quote may span when its paragraphs reopen without closing.
MAX_QUOTE_PARAGRAPHS = 12
#: Words allowed between two parts of a split quote (“…,” he said on Monday, according to TASS. “…”).
MAX_SPLIT_GAP_WORDS = 14
#: Tokens after a closing mark searched for the attribution ("…,” the Russian president told reporters).
MAX_ATTRIBUTION_TOKENS = 10
#: Tokens after a closing mark searched for a speech verb whose subject opens the attribution ("…,” Trump,
#: the 2016 GOP frontrunner, said when Boyle asked him).
MAX_LONG_ATTRIBUTION_TOKENS = 40
#: Words of a bare attribution after a quote closing without a comma (“….” Trump said.).
MAX_BARE_ATTRIBUTION_TOKENS = 4
#: Punctuation that may end a bare attribution.
BARE_ATTRIBUTION_ENDINGS = frozenset({".", ","})
#: Tokens after a closing mark within which a far speech verb's subject must start.
MAX_SUBJECT_OFFSET_TOKENS = 3
#: Closing single marks that may end a quote nested at its end (“… ‘He’s the ringleader,’” Sexton said).
NESTED_CLOSING_MARKS = "’'"

CONFIDENCE_EXPLICIT = 0.9
CONFIDENCE_CLAUSE = 0.75
CONFIDENCE_CONTEXT = 0.7
CONFIDENCE_UNRESOLVED = 0.4
CONFIDENCE_FRAGMENT = 0.25

STATEMENT_NOUNS = frozenset({"statement", "release", "communique", "communiqué", "declaration", "readout"})
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
POSSESSIVE_PRONOUNS = frozenset({"his", "her"})
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
PLURAL_PRONOUNS = frozenset({"they", "we", "them"})
RELATIVE_PRONOUNS = frozenset({"who", "which", "that"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
#: Dependencies through which a clause without its own subject borrows its head's subject.
SUBJECT_INHERITING_DEPS = frozenset(
    {"advcl", "xcomp", "conj", "ccomp", "relcl", "acl", "pcomp", "prep", "pobj"}
)
#: Speaker kinds that name someone (a common-noun phrase such as "its analysis" is of kind ``other``).
NAMED_KINDS = frozenset({"person", "body", "place", "name"})
#: Parts of speech of words that can name a party.
NOMINAL_POS = frozenset({"NOUN", "PROPN", "PRON"})
#: Capitalized words and points allowed between a title read as the subject and the name it precedes.
MAX_TITLE_GAP_TOKENS = 3
#: Tokens searched back from a speech verb for the name of its speaker when the parse gives none.
MAX_NAME_GAP_TOKENS = 8
#: Dashes opening the signature line under a quote ("- Sanders.", "—President Obama, tweeting …").
SIGNATURE_DASHES = frozenset("-—–")
#: Tokens of a signature line at most; a longer paragraph opening with a dash is a bullet of a list.
MAX_SIGNATURE_TOKENS = 16
#: Clauses climbed at most when a verb borrows the subject of the clause it depends on.
MAX_SUBJECT_HOPS = 6
#: Parts of speech that open a clause rather than name a speaker after a participle ("claiming that …").
CLAUSE_OPENING_POS = frozenset({"SCONJ", "ADP", "VERB", "AUX", "PART", "ADV"})
LEADER_TITLES = frozenset({"president", "minister", "premier", "chancellor", "leader", "king", "queen"})


@dataclass
class QuoteSpan:
    """A quotation found by the scan: outer span (marks included) and the inner parts (marks excluded)."""

    start: int
    end: int
    parts: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Speaker:
    """A resolved speaker: its name and how it was found (``person``, ``body``, ``place``, ``name`` for a
    proper noun no entity mention covers, ``plural``, ``other`` for a common noun or nobody; ``phrase``
    marks, within the resolver only, a common noun from a weak rule that the context rules may replace)."""

    name: str | None
    kind: str


def extract(context: ArticleContext, config: ExtractConfig, reference: Reference) -> list[dict[str, Any]]:
    """Quote mentions of one article, in body order.

    Args:
        context: The article, its spaCy doc and its entity mentions (from the entities extractor).
        config: ``min_quote_words``: shorter quotes are kept with low confidence.
        reference: ``roles.csv`` (role holders) and the entity gazetteer files.

    Returns:
        ``mentions`` records with fact_type "quote", ``text == body[char_start:char_end]``, ``quote_text``
        (the parts without marks, joined), ``speaker`` (article-level name or None) and ``confidence``.
    """
    found = find_quotes(context.body)
    if not found:
        return []
    resolver = SpeakerResolver(context, reference)
    records = []
    for quote in merge_split_quotes(context.body, found, context.doc, resolver.speech_verbs):
        quote_text = (
            " ".join(context.body[start:end].strip() for start, end in quote.parts).strip().rstrip(",")
        )
        if not quote_text:
            continue
        speaker, confidence = resolver.resolve(quote)
        if len(quote_text.split()) < config.min_quote_words:
            confidence = CONFIDENCE_FRAGMENT
        records.append(
            new_record(
                "mentions",
                mention_id=stable_id(context.article_id, "quote", quote.start, quote.end),
                article_id=context.article_id,
                fact_id=None,
                fact_type="quote",
                text=context.body[quote.start : quote.end],
                char_start=quote.start,
                char_end=quote.end,
                sentence=resolver.sentence_text(quote.start, quote.end),
                speaker=speaker.name,
                quote_text=quote_text,
                confidence=confidence,
                extractor=EXTRACTOR,
            )
        )
    return records


def _mark_kind(body: str, index: int) -> str | None:
    """ "open", "close" or None for the character at ``index``; straight marks are read from their sides."""
    character = body[index]
    if character in OPENING_MARKS:
        return "open"
    if character in CLOSING_MARKS:
        return "close"
    if character == STRAIGHT_MARK:
        before = body[index - 1] if index else " "
        return "open" if before.isspace() or before in "([{—–-/" else "close"
    return None


def find_quotes(body: str) -> list[QuoteSpan]:
    """Every balanced quotation of ``body``, in order, in one linear scan.

    A quote still open at a paragraph break continues when the next paragraph opens with a mark (the
    convention for multi-paragraph quotes) and is dropped otherwise, as is a quote open longer than
    :data:`MAX_QUOTE_CHARS`; marks nested inside a quote only count depth.
    """
    quotes: list[QuoteSpan] = []
    open_start: int | None = None
    part_start = 0
    depth = 0
    parts: list[tuple[int, int]] = []
    index = 0
    length = len(body)
    while index < length:
        character = body[index]
        if character == "\n":
            following = index
            while following < length and body[following].isspace():
                following += 1
            if open_start is not None:
                reopens = following < length and _mark_kind(body, following) == "open"
                if reopens and len(parts) + 1 < MAX_QUOTE_PARAGRAPHS:
                    parts.append((part_start, index))
                    part_start, depth = following + 1, 1
                    index = following + 1
                    continue
                open_start, parts, depth = None, [], 0
            index = following
            continue
        kind = _mark_kind(body, index)
        if kind == "open":
            if open_start is None:
                open_start, part_start, depth, parts = index, index + 1, 1, []
            else:
                depth += 1
        elif kind == "close" and open_start is not None:
            depth -= 1
            if depth == 0:
                parts.append((part_start, index))
                quotes.append(QuoteSpan(open_start, index + 1, parts))
                open_start, parts = None, []
        stop = _SCAN_STOPS.search(body, index + 1)
        next_index = stop.start() if stop is not None else length
        # The characters up to the next stop are neither marks nor line breaks: only the length cap applies
        # to them, and it holds at the last of them if it holds anywhere in between (or at this one).
        if open_start is not None and next_index - 1 - open_start > MAX_QUOTE_CHARS:
            open_start, parts, depth = None, [], 0
        index = next_index
    return quotes


def merge_split_quotes(
    body: str, quotes: list[QuoteSpan], doc: Any, speech_verbs: frozenset[str]
) -> list[QuoteSpan]:
    """Join quotes interrupted by their attribution (“…,” he said. “…”) into one span.

    Two consecutive quotes of one paragraph merge when the first ends with a comma (inside or right after
    its closing mark, or before a nested closing mark: “… ‘ringleader,’”) and the words between them are a
    short clause holding a verb of ``speech_verbs`` (lemmas).
    """
    merged: list[QuoteSpan] = []
    for quote in quotes:
        previous = merged[-1] if merged else None
        if previous is not None and _is_split(body, previous, quote, doc, speech_verbs):
            merged[-1] = QuoteSpan(previous.start, quote.end, previous.parts + quote.parts)
        else:
            merged.append(quote)
    return merged


def _is_split(body: str, first: QuoteSpan, second: QuoteSpan, doc: Any, speech_verbs: frozenset[str]) -> bool:
    gap = body[first.end : second.start]
    if "\n" in gap or not gap.strip() or len(gap.split()) > MAX_SPLIT_GAP_WORDS:
        return False
    last_inner = _inner_ending(body[first.parts[-1][0] : first.parts[-1][1]])
    if not (last_inner.endswith(",") or gap.lstrip().startswith(",")):
        return False
    if not gap.rstrip().endswith((".", ",", ":")):
        return False
    return any(
        token.lemma_.lower() in speech_verbs and token.pos_ == "VERB"
        for token in _tokens_between(doc, first.end, second.start)
    )


def _inner_ending(inner: str) -> str:
    """A quote's inner text without trailing space and nested closing marks (“… ‘No,’” → "… ‘No,")."""
    return inner.rstrip().rstrip(NESTED_CLOSING_MARKS).rstrip()


def _is_named(speaker: Speaker) -> bool:
    """Whether a speaker is a named person, body or place rather than a common noun or nobody."""
    return speaker.name is not None and speaker.kind in NAMED_KINDS


def _is_coordinated(token: Any) -> bool:
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


def _tokens_between(doc: Any, start: int, end: int) -> list[Any]:
    span = doc.char_span(start, end, alignment_mode="contract")
    return list(span) if span is not None else []


class SpeakerResolver:
    """Resolves the speaker of each quote of one article; keeps the article's state between quotes."""

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
        self.reference_roles = [(row["role"], row["name"]) for row in reference.table("roles")]
        self.speech_verbs = frozenset(word.lower() for word in reference.words("speech_verbs"))
        self.bodies = self._statement_bodies()
        self.paragraph_speakers: dict[int, str] = {}

    # ---- context helpers -------------------------------------------------------------------------------
    def sentence_text(self, start: int, end: int) -> str:
        """The sentence(s) overlapping ``[start, end)``, as written in the body."""
        first, last = self._sentence_bounds(start, end)
        return self.body[first:last].strip()

    def _sentence_bounds(self, start: int, end: int) -> tuple[int, int]:
        """Bounds of the sentences overlapping ``[start, end)``, clipped to their paragraphs (the parser
        sometimes runs a sentence across a paragraph break)."""
        overlapping = [bounds for bounds in self.sentences if bounds[0] < end and bounds[1] > start]
        if not overlapping:
            return start, end
        paragraph_start, _ = self._paragraph_bounds(start)
        _, paragraph_end = self._paragraph_bounds(max(start, end - 1))
        first = max(min(bounds[0] for bounds in overlapping), paragraph_start)
        last = min(max(bounds[1] for bounds in overlapping), paragraph_end)
        return min(first, start), max(last, end)

    def _paragraph_bounds(self, position: int) -> tuple[int, int]:
        start = self.body.rfind("\n", 0, position) + 1
        end = self.body.find("\n", position)
        return start, len(self.body) if end == -1 else end

    def _mention_at(self, position: int) -> dict[str, Any] | None:
        for mention in self.mentions:
            if mention["char_start"] <= position < mention["char_end"]:
                return mention
        return None

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
                        mention = self._mention_at(grandchild.idx)
                        if mention is not None and mention["entity_type"] in {"organization", "place"}:
                            bodies.append((token.idx, mention["name"]))
        return bodies

    def _joint_statement_name(self, position: int) -> str:
        """ "joint statement of A, B and C": countries of its sentence, else of the people met so far."""
        start, end = self._sentence_bounds(position, position + 1)
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

    # ---- resolution ------------------------------------------------------------------------------------
    def resolve(self, quote: QuoteSpan) -> tuple[Speaker, float]:
        """Speaker and confidence of one quote (see the module docstring for the order of the rules)."""
        speaker, confidence = self._resolve_in_sentence(quote)
        phrase: tuple[Speaker, float] | None = None
        if speaker.kind == "phrase":
            # a common noun no rule confirmed ("the social safety net was becoming “…”"): the context rules
            # below may still name the speaker, else it stands
            phrase, speaker = (Speaker(speaker.name, "other"), confidence), Speaker(None, "other")
        paragraph_start, _ = self._paragraph_bounds(quote.start)
        if speaker.name is None:
            signature = self._signature_after(quote)
            if signature is not None:
                speaker, confidence = signature, CONFIDENCE_EXPLICIT
        if speaker.name is None and paragraph_start in self.paragraph_speakers:
            # “…,” said Aida, who published a book. Biden “kind of misspoke.”: Aida goes on
            speaker, confidence = (
                Speaker(self.paragraph_speakers[paragraph_start], "person"),
                CONFIDENCE_CONTEXT,
            )
        if speaker.name is None:
            in_sentence = self._named_subject_in_sentence(quote)
            if in_sentence is not None:
                speaker, confidence = in_sentence, CONFIDENCE_CLAUSE
        if speaker.name is None:
            # "Brill has argued that … As a result, there's still “…”": the paragraph's speaker goes on
            lead = self._speech_subject_between(paragraph_start, quote.start, quote.start)
            if lead is None and self._stands_alone(quote):
                # "Trump also embraced enhanced interrogation techniques -- “I think …”"
                lead = self._person_subject_between(paragraph_start, quote.start)
                if lead is None:
                    lead = self._previous_paragraph_speaker(quote)
            if lead is not None:
                speaker, confidence = lead, CONFIDENCE_CONTEXT
        if speaker.name is None and phrase is not None:
            speaker, confidence = phrase
        if speaker.kind in {"plural", "place"} or speaker.name is None:
            body = self._body_in_sentence(quote)
            if body is not None:
                speaker = Speaker(body, "body")
            elif speaker.kind == "plural":
                speaker = Speaker(self._latest_body(quote.start), "body")
        if speaker.name is None:
            confidence = CONFIDENCE_UNRESOLVED
        if speaker.name is not None:
            self.paragraph_speakers[self._paragraph_bounds(quote.start)[0]] = speaker.name
        return speaker, confidence

    def _resolve_in_sentence(self, quote: QuoteSpan) -> tuple[Speaker, float]:
        """Speaker named in the quote's own sentence, by rules 1 to 5 of the module docstring.

        "according to" and the clause subject may give a common-noun phrase ("according to its analysis",
        "the social safety net was becoming “…”"): it is kept only when no later rule names a person or body.
        """
        subject = self._attribution_after(quote)
        attributed = self._resolve_subject(subject, quote.start) if subject is not None else None
        if attributed is not None and (attributed.name is not None or attributed.kind == "plural"):
            return attributed, CONFIDENCE_EXPLICIT
        unnamed: tuple[Speaker, float] = (Speaker(None, "other"), CONFIDENCE_UNRESOLVED)
        according = self._according_to(quote)
        if according is not None:
            if _is_named(according):
                return according, CONFIDENCE_EXPLICIT
            unnamed = (Speaker(according.name, "phrase"), CONFIDENCE_EXPLICIT)
        root = self._quote_root(quote)
        if root is None:
            return unnamed
        paragraph_start, paragraph_end = self._paragraph_bounds(quote.start)
        verb = self._governing_speech_verb(root, quote)
        if verb is not None:
            subject = self._subject_of(verb)
            inside_quote = subject is not None and quote.start <= subject.idx < quote.end
            # the parser may run a sentence over a paragraph break ("6:50 p.m. ¶ Clinton has told …")
            if subject is not None and not inside_quote and paragraph_start <= subject.idx < paragraph_end:
                return self._resolve_subject(subject, quote.start), CONFIDENCE_EXPLICIT
            named = self._name_before(verb) if paragraph_start <= verb.idx < paragraph_end else None
            if named is not None:
                return named, CONFIDENCE_EXPLICIT
        lead_in = self._lead_in(quote)
        if lead_in is not None:
            return lead_in, CONFIDENCE_EXPLICIT
        clauses = [token for token in [root, *root.ancestors] if token.pos_ in {"VERB", "AUX"}]
        for clause in clauses[:MAX_SUBJECT_HOPS]:
            subject = self._subject_of(clause)
            outside_quote = subject is not None and not (quote.start <= subject.idx < quote.end)
            if not (outside_quote and paragraph_start <= subject.idx < paragraph_end):
                continue
            speaker = self._resolve_subject(subject, quote.start)
            # "Paul Ryan worried that the social safety net was becoming “…”": the nearest clause whose
            # subject names someone speaks; the quote's own clause is the fallback
            if _is_named(speaker):
                return speaker, CONFIDENCE_CLAUSE
            if unnamed[0].name is None and speaker.name is not None:
                unnamed = (Speaker(speaker.name, "phrase"), CONFIDENCE_CLAUSE)
        return unnamed

    def _name_before(self, verb: Any) -> Speaker | None:
        """The person or body named right before a speech verb, when the parser gave it no usable subject
        ("Speaker of the House Rep. Paul Ryan (R-WI) said “anti-Semitic images, they’ve got …”" makes the
        quote's "they" the subject). Adverbs, auxiliaries and a parenthesis may stand between."""
        index = verb.i - 1
        depth = 0
        while index >= 0 and verb.i - index <= MAX_NAME_GAP_TOKENS:
            token = self.doc[index]
            if token.text == ")":
                depth += 1
            elif token.text == "(":
                depth = max(depth - 1, 0)
            elif not depth and token.pos_ not in {"ADV", "AUX", "PUNCT"}:
                mention = self._mention_at(token.idx)
                if mention is not None and mention["entity_type"] in {"person", "organization"}:
                    return self._mention_speaker(mention)
                return None
            index -= 1
        return None

    def _named_subject_in_sentence(self, quote: QuoteSpan) -> Speaker | None:
        """Last resort within the quote's sentence (clipped to its paragraph, quote excluded): the subject of
        a speech verb that names someone (“…” but to take the lead in advertising, says Evan Tracey), else
        the first person who is a grammatical subject ("Gorka also made the point that … “…”")."""
        start, end = self._sentence_bounds(quote.start, quote.end)
        paragraph_start, paragraph_end = self._paragraph_bounds(quote.start)
        tokens = [
            token
            for token in _tokens_between(self.doc, max(start, paragraph_start), min(end, paragraph_end))
            if not quote.start <= token.idx < quote.end
        ]
        for token in tokens:
            if not self._is_speech_verb(token):
                continue
            subject = self._subject_of(token, inherit=False)
            if subject is not None and subject in tokens:
                speaker = self._resolve_subject(subject, quote.start)
                if _is_named(speaker):
                    return speaker
        return self._first_person_subject(tokens)

    def _attribution_after(self, quote: QuoteSpan) -> Any | None:
        """Subject of "…,” X said": a speech verb within a few tokens after a part ending in , ? ! or —.

        Every closing mark of a merged quote is tried, so “…,” Putin said. “…” finds Putin in the gap.
        """
        for part_start, part_end in quote.parts:
            if part_end < len(self.body) and _mark_kind(self.body, part_end) == "close":
                subject = self._attribution_at(part_start, part_end + 1)
                if subject is not None:
                    return subject
        return None

    def _attribution_at(self, inner_start: int, closing_end: int) -> Any | None:
        """Subject of the attribution following one closing mark, or None.

        A speech verb among the first :data:`MAX_ATTRIBUTION_TOKENS` tokens (up to the sentence end or the
        next quote) gives its subject, else the words around it ("…,” said the spokesman). A speech verb
        further on (up to :data:`MAX_LONG_ATTRIBUTION_TOKENS`, nested quotes included) counts only when
        its subject opens the attribution (“…,” Trump, the 2016 GOP frontrunner, said …).
        """
        last_inner = _inner_ending(self.body[inner_start : closing_end - 1])
        _, paragraph_end = self._paragraph_bounds(closing_end - 1)
        following = self.body[closing_end:paragraph_end]
        if not (last_inner.endswith((",", "?", "!", "—", "-")) or following.lstrip().startswith(",")):
            return self._bare_attribution(closing_end, paragraph_end)
        tokens: list[Any] = []
        near_count = None
        for token in _tokens_between(self.doc, closing_end, paragraph_end):
            if token.text in {".", "!", "?", ";"} or len(tokens) >= MAX_LONG_ATTRIBUTION_TOKENS:
                break
            if near_count is None and (
                _mark_kind(token.text, 0) == "open" or len(tokens) >= MAX_ATTRIBUTION_TOKENS
            ):
                near_count = len(tokens)
            tokens.append(token)
        near = tokens[:near_count] if near_count is not None else tokens
        subject = self._near_attribution(near)
        if subject is not None:
            return subject
        opening_tokens = [item for item in tokens if not item.is_punct][:MAX_SUBJECT_OFFSET_TOKENS]
        opening = {token.i for token in opening_tokens}
        far_speech = [token for token in tokens[len(near) :] if self._is_speech_verb(token)]
        for index, token in enumerate(far_speech):
            subject = self._attribution_subject(token, tokens)
            if subject is not None and subject in tokens:
                # “…,” and donations began to pick up again last week, Gilbert said
                if subject.left_edge.i in opening or (index == 0 and self._names_someone(subject)):
                    return subject
            elif index == 0:
                # the parser left the verb without a subject of its own (“…,” Brent Bozell III, founder of
                # the Media Research Center, tells Breitbart News): the name opening the attribution speaks
                named = next((item for item in opening_tokens if self._names_someone(item)), None)
                if named is not None:
                    return named
        return self._clause_subject(near)

    def _bare_attribution(self, closing_end: int, paragraph_end: int) -> Any | None:
        """Subject of a bare "X said" after a quote that closes without a comma (“….” Trump said.).

        Only a clause of at most :data:`MAX_BARE_ATTRIBUTION_TOKENS` words, a speech verb and its subject,
        ended by punctuation counts: any longer clause after a closed quote is a sentence of its own.
        """
        words: list[Any] = []
        for token in _tokens_between(self.doc, closing_end, paragraph_end):
            if token.is_punct:
                # a colon announces the next quote (“….” The candidate reiterated: “…”)
                if token.text not in BARE_ATTRIBUTION_ENDINGS:
                    return None
                break
            words.append(token)
            if len(words) > MAX_BARE_ATTRIBUTION_TOKENS:
                return None
        for token in words:
            if self._is_speech_verb(token):
                subject = self._attribution_subject(token, words)
                if subject is not None and subject in words:
                    return subject
        return None

    def _near_attribution(self, tokens: list[Any]) -> Any | None:
        """Subject of the first speech verb of ``tokens``, else the nearest word before (or after) it.

        A speech verb the tagger read as a plural noun ("…,” Viguerie notes) counts. A speech verb
        followed by a clause of its own (“…,” claiming that he …) attributes nothing and is skipped.
        """
        for position, token in enumerate(tokens):
            if self._is_speech_verb(token):
                subject = self._attribution_subject(token, tokens)
                if subject is not None:
                    return subject
                after = [item for item in tokens[position + 1 :] if not item.is_punct]
                before = [item for item in tokens[:position] if not item.is_punct]
                if before and self._names_someone(before[0]):
                    return before[0]  # “…,” Gene Sperling, a top Clinton adviser, said
                if before:
                    return before[-1]
                if after and after[0].pos_ not in CLAUSE_OPENING_POS and after[0].lower_ != "that":
                    return after[0]
        return None

    def _clause_subject(self, tokens: list[Any]) -> Any | None:
        """Without a speech verb, the subject of the first verb that has one when it names a person or an
        organization (“…,” remembered Roy Verley); a common noun or a pronoun there starts a sentence of its
        own (“…,” the crowd applauded)."""
        for token in tokens:
            if token.pos_ == "VERB":
                subject = self._subject_of(token, inherit=False)
                if subject is not None and subject in tokens:
                    return subject if self._names_someone(subject) else None
        return None

    def _attribution_subject(self, verb: Any, tokens: list[Any]) -> Any | None:
        """The subject of an attribution's speech verb, preferring one inside the attribution ``tokens``.

        The parser sometimes makes a clause of the quote a second subject of the verb (“… Trump articulates
        it differently,” Viguerie notes): the subject written in the attribution is the speaker.
        """
        subjects = [child for child in verb.children if child.dep_ in SUBJECT_DEPS]
        inside = [subject for subject in subjects if subject in tokens]
        return (inside or subjects or [None])[0]

    def _names_someone(self, token: Any) -> bool:
        """Whether ``token`` lies in a person or organization mention."""
        mention = self._mention_at(token.idx)
        return mention is not None and mention["entity_type"] in {"person", "organization"}

    def _is_speech_verb(self, token: Any) -> bool:
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

    def _lead_in(self, quote: QuoteSpan) -> Speaker | None:
        """Speaker of a clause introducing the quote with a colon or a comma ("Kasich resisted: “…”",
        "Emphasizing the urgency, Trump said, “…”"), however the parser attached the quote.

        The lead-in is the sentence part before the mark, within the quote's paragraph. The subject of its
        main clause names the speaker when it names someone, else the subject of its last speech verb (for a
        colon, else of its last verb) when it lies in the lead-in;
        a colon lead-in without one that names exactly one person ("Here’s Clinton in 1992:") gives that
        person, and so does a comma lead-in with a speech verb ("Clinton seemed ready, telling the crowd,").
        """
        paragraph_start, _ = self._paragraph_bounds(quote.start)
        before = self.body[paragraph_start : quote.start].rstrip()
        if not before.endswith((":", ",")):
            return None
        mark = self.doc.char_span(paragraph_start + len(before) - 1, paragraph_start + len(before))
        if mark is None:
            return None
        start = max(mark[0].sent.start_char, paragraph_start)
        tokens = _tokens_between(self.doc, start, mark.start_char)
        verbs = [token for token in tokens if token.pos_ in {"VERB", "AUX"}]
        speech = [token for token in verbs if token.lemma_.lower() in self.speech_verbs]
        if not speech and before.endswith(","):
            return None
        for verb in verbs:
            # the main clause speaks ("After Jerry Brown criticized Bill Clinton, Hillary shot back, “…”")
            subject = self._subject_of(verb, inherit=False) if verb.dep_ == "ROOT" else None
            if subject is not None and start <= subject.idx < mark.start_char:
                speaker = self._resolve_subject(subject, quote.start)
                if _is_named(speaker):
                    return speaker
        for verb in reversed(speech or verbs):
            subject = self._subject_of(verb)
            if subject is not None and start <= subject.idx < mark.start_char:
                speaker = self._resolve_subject(subject, quote.start)
                if speaker.name is not None:
                    return speaker
        people = {
            mention["name"]
            for mention in self.mentions
            if start <= mention["char_start"] < mark.start_char and mention["entity_type"] == "person"
        }
        if len(people) == 1:
            return Speaker(people.pop(), "person")
        return self._labelled_lead_in(start, mark.start_char) if before.endswith(":") else None

    def _labelled_lead_in(self, start: int, colon: int) -> Speaker | None:
        """The first person or organization of a label ending a colon lead-in after a dash ("IOWA POLLS NOT
        NECESSARILY WRONG - Mark Blumenthal and Jon Cohen: “…”", "… - Pew Research: “…”")."""
        lead_in = self.body[start:colon]
        dash = max(lead_in.rfind(f" {character} ") for character in SIGNATURE_DASHES)
        if dash == -1:
            return None
        for mention in self.mentions:
            if start + dash <= mention["char_start"] < colon and mention["entity_type"] in {
                "person",
                "organization",
            }:
                return self._mention_speaker(mention)
        return None

    def _mention_speaker(self, mention: dict[str, Any]) -> Speaker:
        """The speaker a person or organization mention names."""
        return Speaker(mention["name"], "person" if mention["entity_type"] == "person" else "body")

    def _according_to(self, quote: QuoteSpan) -> Speaker | None:
        start, end = self._sentence_bounds(quote.start, quote.end)
        for token in _tokens_between(self.doc, start, end):
            if quote.start <= token.idx < quote.end or token.lower_ != "according":
                continue
            to = token.nbor(1) if token.i + 1 < len(self.doc) else None
            objects = [child for child in to.children if child.dep_ == "pobj"] if to is not None else []
            if objects:
                return self._resolve_subject(objects[0], quote.start)
        return None

    def _quote_root(self, quote: QuoteSpan) -> Any | None:
        """The token of the quote whose head lies outside it (or the quote's sentence root)."""
        tokens = [token for token in _tokens_between(self.doc, quote.start, quote.end) if not token.is_punct]
        for token in tokens:
            if not (quote.start <= token.head.idx < quote.end) or token.head == token:
                return token
        return tokens[0] if tokens else None

    def _governing_speech_verb(self, root: Any, quote: QuoteSpan) -> Any | None:
        """The speech verb among the quote root's ancestors whose subject speaks the quote.

        The nearest one with a subject of its own naming a person or body wins ("But even as Trump claimed
        that “…”, one of the prosecutors said …" → claimed); else the outermost ("Pashinyan told Putin
        that … “…”").
        """
        candidates = [root, *root.ancestors]
        speech = [
            token
            for token in candidates
            if token.lemma_.lower() in self.speech_verbs
            and token.pos_ in {"VERB", "AUX"}
            and not (quote.start <= token.idx < quote.end)
        ]
        for verb in speech[:-1]:
            subject = self._subject_of(verb, inherit=False)
            if subject is None or quote.start <= subject.idx < quote.end:
                continue
            if any(child.dep_ == "xcomp" for child in verb.children):
                continue  # "Cruz said Rubio will continue to be “a champion …”": no speech there
            speaker = self._resolve_subject(subject, quote.start)
            if speaker.name is not None and speaker.kind in {"person", "body"}:
                return verb
        return speech[-1] if speech else None

    def _subject_of(self, verb: Any, inherit: bool = True) -> Any | None:
        """The grammatical subject of ``verb``, borrowed from its head clause when it has none.

        When the parser gives a verb several subjects (a sentence run over a paragraph break: "6:50 p.m. ¶
        Hillary Clinton has told …"), the one in the verb's paragraph nearest to the verb wins.
        """
        current = verb
        for _ in range(MAX_SUBJECT_HOPS):
            subjects = [child for child in current.children if child.dep_ in SUBJECT_DEPS]
            if subjects:
                paragraph = self._paragraph_bounds(current.idx)
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

    def _stands_alone(self, quote: QuoteSpan) -> bool:
        """Whether the quote fills its sentence(s): nothing but punctuation outside the marks."""
        start, end = self._sentence_bounds(quote.start, quote.end)
        paragraph_start, _ = self._paragraph_bounds(quote.start)
        _, paragraph_end = self._paragraph_bounds(quote.end - 1)
        outside = (
            self.body[max(start, paragraph_start) : quote.start]
            + self.body[quote.end : min(end, paragraph_end)]
        )
        return not any(character.isalnum() for character in outside)

    def _previous_paragraph_speaker(self, quote: QuoteSpan) -> Speaker:
        """Speaker of the nearest earlier paragraph with a verb: its quote's speaker or its last speech verb's
        subject, else its first person subject (the paragraph about Aliyev's offer speaks for Aliyev)."""
        paragraph_start, _ = self._paragraph_bounds(quote.start)
        position = paragraph_start - 1
        while position > 0:
            start, end = self._paragraph_bounds(position - 1)
            tokens = _tokens_between(self.doc, start, end)
            # a lead-in paragraph ending with a colon ("Cruz called them on it:") introduces the quote
            is_prose = self.body[start:end].rstrip().endswith((".", "!", "?", "”", '"', ":"))
            if is_prose and any(token.pos_ in {"VERB", "AUX"} for token in tokens):
                if start in self.paragraph_speakers:
                    return Speaker(self.paragraph_speakers[start], "person")
                speaker = self._speech_subject_between(start, end, quote.start)
                if speaker is None:
                    speaker = self._person_subject_between(start, end)
                return speaker if speaker is not None else Speaker(None, "other")
            position = start - 1
        return Speaker(None, "other")

    def _speech_subject_between(self, start: int, end: int, position: int) -> Speaker | None:
        """Person or body subject of the last speech verb in ``[start, end)`` ("Lynch announced … “…”")."""
        speech = [
            token
            for token in _tokens_between(self.doc, start, end)
            if token.lemma_.lower() in self.speech_verbs and token.pos_ == "VERB"
        ]
        for verb in reversed(speech):
            subject = self._subject_of(verb)
            if subject is not None and start <= subject.idx < end:
                speaker = self._resolve_subject(subject, position)
                if speaker.name is not None and speaker.kind in {"person", "body", "name"}:
                    return speaker
        return None

    def _signature_after(self, quote: QuoteSpan) -> Speaker | None:
        """The speaker signed under a quote that fills its paragraph (“…” ¶ "-Michelle Marks, Philadelphia."):
        a short next paragraph opening with a dash names the speaker, by a person or organization mention
        among its leading capitalized words, else by those words without titles ("-President Obama, …")."""
        paragraph_start, _ = self._paragraph_bounds(quote.start)
        _, paragraph_end = self._paragraph_bounds(quote.end - 1)
        outside = self.body[paragraph_start : quote.start] + self.body[quote.end : paragraph_end]
        if any(character.isalnum() for character in outside):
            return None
        start = paragraph_end
        while start < len(self.body) and self.body[start].isspace():
            start += 1
        if start >= len(self.body) or self.body[start] not in SIGNATURE_DASHES:
            return None
        _, end = self._paragraph_bounds(start)
        if self.body[start:end].rstrip(" .").endswith(tuple(SIGNATURE_DASHES)):
            return None  # a section heading between dashes ("– An immigrant himself –.")
        tokens = [token for token in _tokens_between(self.doc, start, end) if not token.is_space]
        if len(tokens) > MAX_SIGNATURE_TOKENS:
            return None
        name = []
        for token in tokens:
            word = token.text.lstrip(
                "".join(SIGNATURE_DASHES)
            )  # the tokenizer may glue the dash: "-Michelle"
            if not word and not name:
                continue
            if not word.istitle():
                break
            mention = self._mention_at(token.idx + len(token.text) - 1)
            if mention is not None and mention["entity_type"] in {"person", "organization"} and not name:
                return self._mention_speaker(mention)
            if name or word.lower() not in self.gazetteer.title_words:
                name.append(word)
        return Speaker(" ".join(name), "name") if name else None

    def _person_subject_between(self, start: int, end: int) -> Speaker | None:
        """The first person in ``[start, end)`` who is a grammatical subject, or None."""
        return self._first_person_subject(_tokens_between(self.doc, start, end))

    def _first_person_subject(self, tokens: list[Any]) -> Speaker | None:
        """The first person among ``tokens`` who is a grammatical subject, or None."""
        for token in tokens:
            mention = self._mention_at(token.idx)
            if token.dep_ in SUBJECT_DEPS and mention is not None and mention["entity_type"] == "person":
                return Speaker(mention["name"], "person")
        return None

    def _body_in_sentence(self, quote: QuoteSpan) -> str | None:
        start, end = self._sentence_bounds(quote.start, quote.end)
        inside = [name for position, name in self.bodies if start <= position < end]
        return inside[-1] if inside else None

    def _latest_body(self, position: int) -> str | None:
        """The latest statement body before ``position``, else the first after (a lead summing it up)."""
        before = [name for start, name in self.bodies if start < position]
        if before:
            return before[-1]
        return self.bodies[0][1] if self.bodies else None

    def _resolve_subject(self, token: Any, position: int) -> Speaker:
        """Name of the speaker a subject token denotes, at body offset ``position``."""
        lower = token.lower_
        if lower in RELATIVE_PRONOUNS and token.head.dep_ == "relcl":
            token = token.head.head
            lower = token.lower_
        if lower in PERSON_PRONOUNS:
            return Speaker(self._latest_subject_person(token.idx), "person")
        if lower in PLURAL_PRONOUNS:
            return Speaker(None, "plural")
        mention = self._mention_at(token.idx)
        if mention is None or mention["entity_type"] != "person":
            titled = self._person_after_title(token)
            if titled is not None:
                return Speaker(titled, "person")
        if mention is not None and mention["entity_type"] != "nationality":
            kind = {"person": "person", "organization": "body"}.get(mention["entity_type"], "place")
            if _is_coordinated(token):
                return Speaker(None, "plural")
            return Speaker(mention["name"], kind)
        surname_holder = self._person_by_surname(token, position)
        if surname_holder is not None:
            return Speaker(surname_holder, "person")
        named = self._apposed_person(token) or self._utterance_owner(token)
        if named is not None:
            return Speaker(named, "person")
        lemma = token.lemma_.lower()
        if lemma in STATEMENT_NOUNS:
            bodies = [name for start, name in self.bodies if start == token.idx]
            return Speaker(bodies[0] if bodies else self._latest_body(position), "body")
        phrase = self._noun_phrase(token)
        if lemma in self.gazetteer.title_words:
            holder = self._role_holder(phrase, token.idx)
            if holder is not None:
                return Speaker(holder, "person")
        if token.tag_ in {"NNS", "NNPS"} or (token.pos_ in NOMINAL_POS and _is_coordinated(token)):
            return Speaker(None, "plural")
        if lemma in {"ministry", "government", "office", "council", "committee", "agency", "service"}:
            organizations = [
                mention["name"]
                for mention in self.mentions
                if mention["char_start"] < position
                and mention["entity_type"] == "organization"
                and lemma in mention["name"].lower()
            ]
            if organizations:
                return Speaker(organizations[-1], "body")
        if token.pos_ == "PROPN" and token.is_title:
            # a name the entity recognizer missed ("Valastro praised …")
            return Speaker(phrase or None, "name")
        if token.pos_ in {"NOUN", "PROPN"}:
            return Speaker(phrase or None, "other")
        return Speaker(None, "other")

    def _person_after_title(self, token: Any) -> str | None:
        """The person named right after a subject that is only their title ("said Pentagon spokesman Navy
        Capt. Jeff Davis", parsed with "Capt" as the subject): capitalized words and abbreviation points
        lead, within :data:`MAX_TITLE_GAP_TOKENS` tokens, to the start of a person mention."""
        if token.pos_ not in {"NOUN", "PROPN"}:
            return None
        for following in self.doc[token.i + 1 : token.i + 1 + MAX_TITLE_GAP_TOKENS]:
            mention = self._mention_at(following.idx)
            if mention is not None and mention["entity_type"] == "person":
                return mention["name"]
            if not (following.is_title or following.text == "."):
                return None
        return None

    def _person_by_surname(self, token: Any, position: int) -> str | None:
        """The article's person whose surname a capitalized word outside any mention spells.

        The tagger misses names it takes for other words (“…,” said Skelly, read as an adverb); the latest
        person so named before ``position`` wins, else the first after it.
        """
        if not token.is_title or (token.is_sent_start and token.pos_ not in {"PROPN", "NOUN"}):
            return None
        named = [
            (mention["char_start"], mention["name"])
            for mention in self.mentions
            if mention["entity_type"] == "person" and mention["name"].split()[-1] == token.text
        ]
        before = [name for start, name in named if start < position]
        if before:
            return before[-1]
        return named[0][1] if named else None

    def _utterance_owner(self, token: Any) -> str | None:
        """The person whose words a possessed utterance noun is ("Barrett’s dictum … was, “…”", "his
        response was: “…”"); other possessed nouns ("Clinton's spokesman") are somebody else."""
        if token.lemma_.lower() not in UTTERANCE_NOUNS:
            return None
        for child in token.children:
            if child.dep_ != "poss":
                continue
            if child.lower_ in POSSESSIVE_PRONOUNS:
                return self._latest_subject_person(child.idx)
            mention = self._mention_at(child.idx)
            if mention is not None and mention["entity_type"] == "person":
                return mention["name"]
        return None

    def _apposed_person(self, token: Any) -> str | None:
        """The person a common-noun subject stands in apposition with ("Sperling, a top Clinton adviser")."""
        if token.pos_ not in {"NOUN", "ADJ"}:
            return None
        appositions = [child for child in token.children if child.dep_ == "appos"]
        if token.dep_ == "appos":
            appositions.append(token.head)
        for other in appositions:
            mention = self._mention_at(other.idx)
            if mention is not None and mention["entity_type"] == "person":
                return mention["name"]
        return None

    def _noun_phrase(self, token: Any) -> str:
        """The head noun with its left modifiers, without determiners ("Russian-mediated ceasefire")."""
        left = [
            child
            for child in token.lefts
            if child.dep_ in {"amod", "compound", "nmod", "poss", "case", "npadvmod"}
        ]
        start = min([child.left_edge.idx for child in left] + [token.idx])
        text = self.body[start : token.idx + len(token.text)]
        for item in token.lefts:
            if item.dep_ == "det" and item.idx == start:
                text = text[len(item.text) :]
        return " ".join(text.split())

    def _latest_subject_person(self, position: int) -> str | None:
        """The latest person before ``position`` that was a grammatical subject, else the latest person."""
        latest_person = None
        latest_subject = None
        for mention in self.mentions:
            if mention["char_start"] >= position:
                break
            if mention["entity_type"] != "person":
                continue
            latest_person = mention["name"]
            span = self.doc.char_span(mention["char_start"], mention["char_end"], alignment_mode="expand")
            if span is not None and span.root.dep_ in SUBJECT_DEPS:
                latest_subject = mention["name"]
        return latest_subject or latest_person

    def _role_holder(self, phrase: str, position: int) -> str | None:
        """The person holding the role ``phrase`` names ("the Russian leader" → "Vladimir Putin").

        Roles written in the article win (among several holders, the one mentioned last before
        ``position``: "The President" after a paragraph about Putin is Putin); ``roles.csv`` is the fallback.
        """
        wanted = self._role_signature(phrase)
        if wanted[1] is None:
            return None
        holders = {name for _, role, name in self.role_holders if self._roles_match(wanted, role)}
        if holders:
            return max(sorted(holders), key=lambda name: self._last_mention_before(name, position))
        for role, name in self.reference_roles:
            if self._roles_match(wanted, role):
                return name
        return None

    def _last_mention_before(self, name: str, position: int) -> int:
        """Offset of the latest mention of the person ``name`` before ``position`` (-1 when none)."""
        starts = [
            mention["char_start"]
            for mention in self.mentions
            if mention["name"] == name and mention["char_start"] < position
        ]
        return max(starts, default=-1)

    def _role_signature(self, role: str) -> tuple[frozenset[str], str | None, frozenset[str]]:
        """(countries, head title word, other qualifying words) of a role phrase."""
        words = normalize_key(role).replace("'s", " ").split()
        countries = frozenset(self.gazetteer.country_of(word) for word in words) - {""}
        titles = [word for word in words if word in self.gazetteer.title_words]
        head = titles[-1] if titles else None
        others = frozenset(
            word
            for word in words
            if word not in self.gazetteer.title_words
            and not self.gazetteer.country_of(word)
            and word != "the"
        )
        return countries, head, others

    def _roles_match(self, wanted: tuple[frozenset[str], str | None, frozenset[str]], role: str) -> bool:
        countries, head, others = wanted
        held_countries, held_head, held_others = self._role_signature(role)
        if held_head is None or head is None:
            return False
        heads_match = head == held_head or (head == "leader" and held_head in LEADER_TITLES)
        return heads_match and countries <= held_countries and others <= held_others
