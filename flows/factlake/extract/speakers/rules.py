"""Speaker resolution as ordered rules: each rule is a function of (article context, quote), tried in the
order of :data:`RULES` by :func:`resolve_speaker`; speech verbs are the lemmas of ``speech_verbs.txt``.

The first five rules read the quote's own sentence; the first of them that finds a speaker settles the
sentence, even when that speaker names nobody. The next ones read the context and run while the quote has
no named speaker:

1. :func:`attribution_after`: the attribution right after the quote (“…,” Putin said / the Russian
   president told reporters / said Mr. Trump / Viguerie notes), also when a long apposition separates
   subject and verb (“…,” Trump, the GOP frontrunner, said), the parser left the verb without a subject
   (“…,” Brent Bozell III, founder of …, tells …), the speaker comes late in the sentence (“…,” and
   donations began …, Gilbert said), a nested quote closes first (“… ‘ringleader,’” Sexton said) or the
   quote closes without a comma before a bare "X said" (“….” Trump said.); an attribution that names
   nobody (“…,” claiming that he …) is skipped, and without a speech verb only a named subject counts
   (“…,” remembered Roy Verley, not “…,” the crowd applauded);
2. :func:`according_to`: "according to X" in the sentence, when X names someone;
3. :func:`speech_verb_subject`: the subject of the speech verb governing the quote: the nearest one whose
   own subject names a person or body ("But even as Trump claimed that “…”, one prosecutor said …"; not
   one taking an infinitive: "Rubio will continue to be “…”"), else the outermost ("Pashinyan told Putin
   that … “…”"); "X issued a statement saying “…”" gives X; a name right before the verb wins over a
   subject the parser took from the quote ("Paul Ryan (R-WI) said “images, they’ve got …”");
4. :func:`lead_in`: a lead-in ending in a colon or a comma, however the parser attached the quote
   ("Kasich resisted: “…”", "Emphasizing the urgency, Trump said, “…”", "HEADLINE - Pew Research: “…”"),
   its main clause first ("After Brown criticized Bill Clinton, Hillary shot back, “…”");
5. :func:`clause_subject`: the subject of the clause the quote belongs to, climbing to the nearest clause
   whose subject names someone ("Paul Ryan worried that the safety net was becoming “…”"); a common noun
   found by this rule or by "according to" is only a fallback, kept when no clause and no later rule names
   anyone ("The arch-rivals also “agreed to …”");
6. :func:`signature_line`: a signature line under a quote filling its paragraph (“…” ¶ "- Sanders.");
7. :func:`paragraph_speaker`: the speaker of an earlier quote of its paragraph (“…,” said Aida, who ….
   Biden “kind of misspoke.”);
8. :func:`sentence_subject`: a speech verb's subject or a person subject of its sentence (“…” but to take
   the lead, says Evan Tracey);
9. :func:`earlier_speech_subject`: the subject of a speech verb earlier in its paragraph ("Brill has
   argued that … there's still “…”");
10. :func:`paragraph_person_subject`: for a quote standing alone, the first person subject of its
    paragraph ("Trump also embraced waterboarding -- “…”");
11. :func:`previous_paragraph_speaker`: for a quote standing alone, the speaker of the previous paragraph,
    including a lead-in paragraph ending with a colon ("Cruz called them on it:" ¶ “…”).

Subjects are only taken from the quote's own paragraph (the parser sometimes runs a sentence over a
paragraph break: "6:50 p.m. ¶ Clinton has told …"); a verb with several subjects keeps the one of its
paragraph nearest to it. Subjects become names by :func:`factlake.extract.speakers.names.resolve_subject`.
A plural speaker, a place or nobody is then read as the statement body named in the quote's sentence, and a
plural one without such a body as the latest statement body of the article.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from factlake.extract.speakers.attribution import attribution_subject_after
from factlake.extract.speakers.context import MAX_SUBJECT_HOPS, Speaker, SpeakerContext, is_named
from factlake.extract.speakers.names import resolve_subject

if TYPE_CHECKING:
    from factlake.extract.quote_marks import QuoteSpan

CONFIDENCE_EXPLICIT = 0.9
CONFIDENCE_CLAUSE = 0.75
CONFIDENCE_CONTEXT = 0.7
CONFIDENCE_UNRESOLVED = 0.4

#: Tokens searched back from a speech verb for the name of its speaker when the parse gives none.
MAX_NAME_GAP_TOKENS = 8
#: Dashes opening the signature line under a quote ("- Sanders.", "—President Obama, tweeting …").
SIGNATURE_DASHES = frozenset("-—–")
#: Tokens of a signature line at most; a longer paragraph opening with a dash is a bullet of a list.
MAX_SIGNATURE_TOKENS = 16


@dataclass(frozen=True)
class Finding:
    """What one rule found for a quote.

    Attributes:
        speaker: The speaker (its name may be None: a rule of the sentence that found nobody named).
        confidence: How sure the rule is.
        fallback: A common-noun phrase ("the social safety net") kept only when no rule names anyone.
    """

    speaker: Speaker
    confidence: float
    fallback: bool = False


@dataclass(frozen=True)
class Rule:
    """One speaker rule and whether it reads the quote's own sentence (tried until one settles it)."""

    find: Callable[[SpeakerContext, QuoteSpan], Finding | None]
    in_sentence: bool


NOBODY = Finding(Speaker(None, "other"), CONFIDENCE_UNRESOLVED)


def resolve_speaker(context: SpeakerContext, quote: QuoteSpan) -> tuple[Speaker, float]:
    """Speaker and confidence of one quote, by the rules of :data:`RULES` in order.

    The sentence rules run until one settles the sentence; every rule runs only while no named speaker is
    found, and a rule's finding replaces the current one. The first fallback phrase of the sentence rules
    stands when nothing else names the speaker (a later one replaces only a fallback naming nobody). A
    named speaker is remembered for the quote's paragraph (rule 7).
    """
    current = NOBODY
    fallback: Finding | None = None
    sentence_settled = False
    for rule in RULES:
        if current.speaker.name is not None:
            break
        if rule.in_sentence and sentence_settled:
            continue
        finding = rule.find(context, quote)
        if finding is None:
            continue
        if finding.fallback:
            if fallback is None or fallback.speaker.name is None:
                fallback = finding
            continue
        current = finding
        if rule.in_sentence:
            sentence_settled, fallback = True, None
    if current.speaker.name is None and fallback is not None:
        current = fallback
    speaker = _statement_body_speaker(context, quote, current.speaker)
    if speaker.name is None:
        return speaker, CONFIDENCE_UNRESOLVED
    context.paragraph_speakers[context.paragraph_bounds(quote.start)[0]] = speaker.name
    return speaker, current.confidence


def _statement_body_speaker(context: SpeakerContext, quote: QuoteSpan, speaker: Speaker) -> Speaker:
    """A plural speaker, a place or nobody read as the statement body named in the quote's sentence; a
    plural one without such a body is the latest statement body of the article."""
    if speaker.kind in {"plural", "place"} or speaker.name is None:
        body = context.body_in_sentence(quote)
        if body is not None:
            return Speaker(body, "body")
        if speaker.kind == "plural":
            return Speaker(context.latest_body(quote.start), "body")
    return speaker


# ---- rules of the quote's sentence ---------------------------------------------------------------------
def attribution_after(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 1: the subject of the attribution right after the quote, when it names someone or a plural."""
    subject = attribution_subject_after(context, quote)
    if subject is None:
        return None
    speaker = resolve_subject(context, subject, quote.start)
    if speaker.name is None and speaker.kind != "plural":
        return None
    return Finding(speaker, CONFIDENCE_EXPLICIT)


def according_to(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 2: "according to X" in the quote's sentence; a common noun there is only a fallback."""
    start, end = context.sentence_bounds(quote.start, quote.end)
    for token in context.tokens_between(start, end):
        if quote.start <= token.idx < quote.end or token.lower_ != "according":
            continue
        to = token.nbor(1) if token.i + 1 < len(context.doc) else None
        objects = [child for child in to.children if child.dep_ == "pobj"] if to is not None else []
        if objects:
            speaker = resolve_subject(context, objects[0], quote.start)
            if is_named(speaker):
                return Finding(speaker, CONFIDENCE_EXPLICIT)
            return Finding(Speaker(speaker.name, "other"), CONFIDENCE_EXPLICIT, fallback=True)
    return None


def speech_verb_subject(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 3: the subject of the speech verb governing the quote (whatever it names), else the person or
    body named right before that verb."""
    root = context.quote_root(quote)
    verb = governing_speech_verb(context, root, quote) if root is not None else None
    if verb is None:
        return None
    paragraph_start, paragraph_end = context.paragraph_bounds(quote.start)
    subject = context.subject_of(verb)
    inside_quote = subject is not None and quote.start <= subject.idx < quote.end
    # the parser may run a sentence over a paragraph break ("6:50 p.m. ¶ Clinton has told …")
    if subject is not None and not inside_quote and paragraph_start <= subject.idx < paragraph_end:
        return Finding(resolve_subject(context, subject, quote.start), CONFIDENCE_EXPLICIT)
    named = name_before(context, verb) if paragraph_start <= verb.idx < paragraph_end else None
    return Finding(named, CONFIDENCE_EXPLICIT) if named is not None else None


def lead_in(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 4: the speaker of a clause introducing the quote with a colon or a comma ("Kasich resisted:
    “…”", "Emphasizing the urgency, Trump said, “…”"), however the parser attached the quote.

    The lead-in is the sentence part before the mark, within the quote's paragraph. The subject of its
    main clause names the speaker when it names someone, else the subject of its last speech verb (for a
    colon, else of its last verb) when it lies in the lead-in; a colon lead-in without one that names
    exactly one person ("Here’s Clinton in 1992:") gives that person, and so does a comma lead-in with a
    speech verb ("Clinton seemed ready, telling the crowd,"). A quote with no word the parser can place is
    left to the context rules, as by rules 3 and 5.
    """
    if context.quote_root(quote) is None:
        return None
    paragraph_start, _ = context.paragraph_bounds(quote.start)
    before = context.body[paragraph_start : quote.start].rstrip()
    if not before.endswith((":", ",")):
        return None
    mark = context.doc.char_span(paragraph_start + len(before) - 1, paragraph_start + len(before))
    if mark is None:
        return None
    start = max(mark[0].sent.start_char, paragraph_start)
    tokens = context.tokens_between(start, mark.start_char)
    verbs = [token for token in tokens if token.pos_ in {"VERB", "AUX"}]
    speech = [token for token in verbs if token.lemma_.lower() in context.speech_verbs]
    if not speech and before.endswith(","):
        return None
    speaker = _lead_in_clause_speaker(context, quote, verbs, speech, (start, mark.start_char))
    if speaker is None:
        speaker = _lead_in_person(context, start, mark.start_char, colon=before.endswith(":"))
    return Finding(speaker, CONFIDENCE_EXPLICIT) if speaker is not None else None


def _lead_in_clause_speaker(
    context: SpeakerContext, quote: QuoteSpan, verbs: list[Any], speech: list[Any], bounds: tuple[int, int]
) -> Speaker | None:
    """The named subject of the lead-in's main clause, else the subject of its last speech verb (of its
    last verb when it has none) that names anything; subjects count only inside ``bounds``."""
    start, end = bounds
    for verb in verbs:
        # the main clause speaks ("After Jerry Brown criticized Bill Clinton, Hillary shot back, “…”")
        subject = context.subject_of(verb, inherit=False) if verb.dep_ == "ROOT" else None
        if subject is not None and start <= subject.idx < end:
            speaker = resolve_subject(context, subject, quote.start)
            if is_named(speaker):
                return speaker
    for verb in reversed(speech or verbs):
        subject = context.subject_of(verb)
        if subject is not None and start <= subject.idx < end:
            speaker = resolve_subject(context, subject, quote.start)
            if speaker.name is not None:
                return speaker
    return None


def _lead_in_person(context: SpeakerContext, start: int, end: int, colon: bool) -> Speaker | None:
    """The only person the lead-in ``[start, end)`` names, else for a colon lead-in its label."""
    people = {
        mention["name"]
        for mention in context.mentions
        if start <= mention["char_start"] < end and mention["entity_type"] == "person"
    }
    if len(people) == 1:
        return Speaker(people.pop(), "person")
    return _labelled_lead_in(context, start, end) if colon else None


def clause_subject(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 5: the subject of the nearest clause around the quote that names someone; the first common
    noun met on the way is only a fallback."""
    root = context.quote_root(quote)
    if root is None:
        return None
    paragraph_start, paragraph_end = context.paragraph_bounds(quote.start)
    phrase = None
    clauses = [token for token in [root, *root.ancestors] if token.pos_ in {"VERB", "AUX"}]
    for clause in clauses[:MAX_SUBJECT_HOPS]:
        subject = context.subject_of(clause)
        outside_quote = subject is not None and not (quote.start <= subject.idx < quote.end)
        if not (outside_quote and paragraph_start <= subject.idx < paragraph_end):
            continue
        speaker = resolve_subject(context, subject, quote.start)
        # "Paul Ryan worried that the social safety net was becoming “…”": the nearest clause whose
        # subject names someone speaks; the quote's own clause is the fallback
        if is_named(speaker):
            return Finding(speaker, CONFIDENCE_CLAUSE)
        if phrase is None and speaker.name is not None:
            phrase = Finding(Speaker(speaker.name, "other"), CONFIDENCE_CLAUSE, fallback=True)
    return phrase


# ---- rules of the context ------------------------------------------------------------------------------
def signature_line(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 6: the speaker signed under a quote that fills its paragraph (“…” ¶ "-Michelle Marks,
    Philadelphia."): a short next paragraph opening with a dash names the speaker, by a person or
    organization mention among its leading capitalized words, else by those words without titles
    ("-President Obama, …")."""
    paragraph_start, _ = context.paragraph_bounds(quote.start)
    _, paragraph_end = context.paragraph_bounds(quote.end - 1)
    body = context.body
    outside = body[paragraph_start : quote.start] + body[quote.end : paragraph_end]
    if any(character.isalnum() for character in outside):
        return None
    start = paragraph_end
    while start < len(body) and body[start].isspace():
        start += 1
    if start >= len(body) or body[start] not in SIGNATURE_DASHES:
        return None
    _, end = context.paragraph_bounds(start)
    if body[start:end].rstrip(" .").endswith(tuple(SIGNATURE_DASHES)):
        return None  # a section heading between dashes ("– An immigrant himself –.")
    tokens = [token for token in context.tokens_between(start, end) if not token.is_space]
    if len(tokens) > MAX_SIGNATURE_TOKENS:
        return None
    speaker = _signed_name(context, tokens)
    return Finding(speaker, CONFIDENCE_EXPLICIT) if speaker is not None else None


def _signed_name(context: SpeakerContext, tokens: list[Any]) -> Speaker | None:
    """The speaker a signature line's leading capitalized words name."""
    name = []
    for token in tokens:
        word = token.text.lstrip("".join(SIGNATURE_DASHES))  # the tokenizer may glue the dash: "-Michelle"
        if not word and not name:
            continue
        if not word.istitle():
            break
        mention = context.mention_at(token.idx + len(token.text) - 1)
        if mention is not None and mention["entity_type"] in {"person", "organization"} and not name:
            return context.mention_speaker(mention)
        if name or word.lower() not in context.gazetteer.title_words:
            name.append(word)
    return Speaker(" ".join(name), "name") if name else None


def paragraph_speaker(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 7: the speaker of an earlier quote of the paragraph (“…,” said Aida, who published a book.
    Biden “kind of misspoke.”: Aida goes on)."""
    paragraph_start, _ = context.paragraph_bounds(quote.start)
    if paragraph_start not in context.paragraph_speakers:
        return None
    return Finding(Speaker(context.paragraph_speakers[paragraph_start], "person"), CONFIDENCE_CONTEXT)


def sentence_subject(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 8: within the quote's sentence (clipped to its paragraph, quote excluded), the subject of a
    speech verb that names someone (“…” but to take the lead in advertising, says Evan Tracey), else the
    first person who is a grammatical subject ("Gorka also made the point that … “…”")."""
    start, end = context.sentence_bounds(quote.start, quote.end)
    paragraph_start, paragraph_end = context.paragraph_bounds(quote.start)
    tokens = [
        token
        for token in context.tokens_between(max(start, paragraph_start), min(end, paragraph_end))
        if not quote.start <= token.idx < quote.end
    ]
    speaker = None
    for token in tokens:
        if not context.is_speech_verb(token):
            continue
        subject = context.subject_of(token, inherit=False)
        if subject is not None and subject in tokens:
            resolved = resolve_subject(context, subject, quote.start)
            if is_named(resolved):
                speaker = resolved
                break
    if speaker is None:
        speaker = context.first_person_subject(tokens)
    return Finding(speaker, CONFIDENCE_CLAUSE) if speaker is not None else None


def earlier_speech_subject(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 9: the subject of the last speech verb earlier in the paragraph ("Brill has argued that … As a
    result, there's still “…”": the paragraph's speaker goes on)."""
    paragraph_start, _ = context.paragraph_bounds(quote.start)
    speaker = speech_subject_between(context, paragraph_start, quote.start, quote.start)
    return Finding(speaker, CONFIDENCE_CONTEXT) if speaker is not None else None


def paragraph_person_subject(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 10: for a quote standing alone, the first person subject of its paragraph ("Trump also
    embraced enhanced interrogation techniques -- “I think …”")."""
    if not context.stands_alone(quote):
        return None
    paragraph_start, _ = context.paragraph_bounds(quote.start)
    speaker = context.person_subject_between(paragraph_start, quote.start)
    return Finding(speaker, CONFIDENCE_CONTEXT) if speaker is not None else None


def previous_paragraph_speaker(context: SpeakerContext, quote: QuoteSpan) -> Finding | None:
    """Rule 11: for a quote standing alone, the speaker of the nearest earlier paragraph with a verb: its
    quote's speaker or its last speech verb's subject, else its first person subject (the paragraph about
    Aliyev's offer speaks for Aliyev); a lead-in paragraph ending with a colon ("Cruz called them on it:")
    introduces the quote. Such a paragraph naming nobody gives nobody."""
    if not context.stands_alone(quote):
        return None
    paragraph_start, _ = context.paragraph_bounds(quote.start)
    position = paragraph_start - 1
    while position > 0:
        start, end = context.paragraph_bounds(position - 1)
        tokens = context.tokens_between(start, end)
        is_prose = context.body[start:end].rstrip().endswith((".", "!", "?", "”", '"', ":"))
        if is_prose and any(token.pos_ in {"VERB", "AUX"} for token in tokens):
            if start in context.paragraph_speakers:
                return Finding(Speaker(context.paragraph_speakers[start], "person"), CONFIDENCE_CONTEXT)
            speaker = speech_subject_between(context, start, end, quote.start)
            if speaker is None:
                speaker = context.person_subject_between(start, end)
            return Finding(speaker if speaker is not None else Speaker(None, "other"), CONFIDENCE_CONTEXT)
        position = start - 1
    return Finding(Speaker(None, "other"), CONFIDENCE_CONTEXT)


#: The speaker rules in the order they are tried (numbered as in the module docstring).
RULES: tuple[Rule, ...] = (
    Rule(attribution_after, in_sentence=True),
    Rule(according_to, in_sentence=True),
    Rule(speech_verb_subject, in_sentence=True),
    Rule(lead_in, in_sentence=True),
    Rule(clause_subject, in_sentence=True),
    Rule(signature_line, in_sentence=False),
    Rule(paragraph_speaker, in_sentence=False),
    Rule(sentence_subject, in_sentence=False),
    Rule(earlier_speech_subject, in_sentence=False),
    Rule(paragraph_person_subject, in_sentence=False),
    Rule(previous_paragraph_speaker, in_sentence=False),
)


# ---- helpers of the rules ------------------------------------------------------------------------------
def governing_speech_verb(context: SpeakerContext, root: Any, quote: QuoteSpan) -> Any | None:
    """The speech verb among the quote root's ancestors whose subject speaks the quote.

    The nearest one with a subject of its own naming a person or body wins ("But even as Trump claimed
    that “…”, one of the prosecutors said …" → claimed); else the outermost ("Pashinyan told Putin
    that … “…”").
    """
    candidates = [root, *root.ancestors]
    speech = [
        token
        for token in candidates
        if token.lemma_.lower() in context.speech_verbs
        and token.pos_ in {"VERB", "AUX"}
        and not (quote.start <= token.idx < quote.end)
    ]
    for verb in speech[:-1]:
        subject = context.subject_of(verb, inherit=False)
        if subject is None or quote.start <= subject.idx < quote.end:
            continue
        if any(child.dep_ == "xcomp" for child in verb.children):
            continue  # "Cruz said Rubio will continue to be “a champion …”": no speech there
        speaker = resolve_subject(context, subject, quote.start)
        if speaker.name is not None and speaker.kind in {"person", "body"}:
            return verb
    return speech[-1] if speech else None


def name_before(context: SpeakerContext, verb: Any) -> Speaker | None:
    """The person or body named right before a speech verb, when the parser gave it no usable subject
    ("Speaker of the House Rep. Paul Ryan (R-WI) said “anti-Semitic images, they’ve got …”" makes the
    quote's "they" the subject). Adverbs, auxiliaries and a parenthesis may stand between."""
    index = verb.i - 1
    depth = 0
    while index >= 0 and verb.i - index <= MAX_NAME_GAP_TOKENS:
        token = context.doc[index]
        if token.text == ")":
            depth += 1
        elif token.text == "(":
            depth = max(depth - 1, 0)
        elif not depth and token.pos_ not in {"ADV", "AUX", "PUNCT"}:
            mention = context.mention_at(token.idx)
            if mention is not None and mention["entity_type"] in {"person", "organization"}:
                return context.mention_speaker(mention)
            return None
        index -= 1
    return None


def _labelled_lead_in(context: SpeakerContext, start: int, colon: int) -> Speaker | None:
    """The first person or organization of a label ending a colon lead-in after a dash ("IOWA POLLS NOT
    NECESSARILY WRONG - Mark Blumenthal and Jon Cohen: “…”", "… - Pew Research: “…”")."""
    lead_in_text = context.body[start:colon]
    dash = max(lead_in_text.rfind(f" {character} ") for character in SIGNATURE_DASHES)
    if dash == -1:
        return None
    for mention in context.mentions:
        if start + dash <= mention["char_start"] < colon and mention["entity_type"] in {
            "person",
            "organization",
        }:
            return context.mention_speaker(mention)
    return None


def speech_subject_between(context: SpeakerContext, start: int, end: int, position: int) -> Speaker | None:
    """Person or body subject of the last speech verb in ``[start, end)`` ("Lynch announced … “…”")."""
    speech = [
        token
        for token in context.tokens_between(start, end)
        if token.lemma_.lower() in context.speech_verbs and token.pos_ == "VERB"
    ]
    for verb in reversed(speech):
        subject = context.subject_of(verb)
        if subject is not None and start <= subject.idx < end:
            speaker = resolve_subject(context, subject, position)
            if speaker.name is not None and speaker.kind in {"person", "body", "name"}:
                return speaker
    return None
