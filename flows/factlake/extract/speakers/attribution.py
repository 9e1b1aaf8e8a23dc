"""The attribution right after a quote (“…,” Putin said), read from the dependency parse: the machinery of
the first speaker rule (:func:`factlake.extract.speakers.rules.attribution_after`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from factlake.extract.quote_marks import inner_ending, mark_kind
from factlake.extract.speakers.context import SUBJECT_DEPS, SpeakerContext

if TYPE_CHECKING:
    from factlake.extract.quote_marks import QuoteSpan

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
#: Parts of speech that open a clause rather than name a speaker after a participle ("claiming that …").
CLAUSE_OPENING_POS = frozenset({"SCONJ", "ADP", "VERB", "AUX", "PART", "ADV"})
#: Sentence-ending punctuation that ends an attribution.
ATTRIBUTION_STOPS = frozenset({".", "!", "?", ";"})


def attribution_subject_after(context: SpeakerContext, quote: QuoteSpan) -> Any | None:
    """Subject of "…,” X said": a speech verb within a few tokens after a part ending in , ? ! or —.

    Every closing mark of a merged quote is tried, so “…,” Putin said. “…” finds Putin in the gap.
    """
    for part_start, part_end in quote.parts:
        if part_end < len(context.body) and mark_kind(context.body, part_end) == "close":
            subject = attribution_at(context, part_start, part_end + 1)
            if subject is not None:
                return subject
    return None


def attribution_at(context: SpeakerContext, inner_start: int, closing_end: int) -> Any | None:
    """Subject of the attribution following one closing mark, or None.

    A speech verb among the first :data:`MAX_ATTRIBUTION_TOKENS` tokens (up to the sentence end or the
    next quote) gives its subject, else the words around it ("…,” said the spokesman). A speech verb
    further on (up to :data:`MAX_LONG_ATTRIBUTION_TOKENS`, nested quotes included) counts only when
    its subject opens the attribution (“…,” Trump, the 2016 GOP frontrunner, said …).
    """
    last_inner = inner_ending(context.body[inner_start : closing_end - 1])
    _, paragraph_end = context.paragraph_bounds(closing_end - 1)
    following = context.body[closing_end:paragraph_end]
    if not (last_inner.endswith((",", "?", "!", "—", "-")) or following.lstrip().startswith(",")):
        return bare_attribution(context, closing_end, paragraph_end)
    tokens, near = _attribution_tokens(context, closing_end, paragraph_end)
    subject = near_attribution(context, near)
    if subject is not None:
        return subject
    subject = _far_attribution(context, tokens, len(near))
    if subject is not None:
        return subject
    return clause_subject(context, near)


def _attribution_tokens(
    context: SpeakerContext, closing_end: int, paragraph_end: int
) -> tuple[list[Any], list[Any]]:
    """(the attribution's tokens, its near part): up to the sentence end and at most
    :data:`MAX_LONG_ATTRIBUTION_TOKENS`; the near part stops at the next opening mark or after
    :data:`MAX_ATTRIBUTION_TOKENS`."""
    tokens: list[Any] = []
    near_count = None
    for token in context.tokens_between(closing_end, paragraph_end):
        if token.text in ATTRIBUTION_STOPS or len(tokens) >= MAX_LONG_ATTRIBUTION_TOKENS:
            break
        if near_count is None and (
            mark_kind(token.text, 0) == "open" or len(tokens) >= MAX_ATTRIBUTION_TOKENS
        ):
            near_count = len(tokens)
        tokens.append(token)
    near = tokens[:near_count] if near_count is not None else tokens
    return tokens, near


def _far_attribution(context: SpeakerContext, tokens: list[Any], near_count: int) -> Any | None:
    """Subject of a speech verb past the near part of the attribution, when it opens the attribution."""
    opening_tokens = [item for item in tokens if not item.is_punct][:MAX_SUBJECT_OFFSET_TOKENS]
    opening = {token.i for token in opening_tokens}
    far_speech = [token for token in tokens[near_count:] if context.is_speech_verb(token)]
    for index, token in enumerate(far_speech):
        subject = attribution_subject(token, tokens)
        if subject is not None and subject in tokens:
            # “…,” and donations began to pick up again last week, Gilbert said
            if subject.left_edge.i in opening or (index == 0 and context.names_someone(subject)):
                return subject
        elif index == 0:
            # the parser left the verb without a subject of its own (“…,” Brent Bozell III, founder of
            # the Media Research Center, tells Breitbart News): the name opening the attribution speaks
            named = next((item for item in opening_tokens if context.names_someone(item)), None)
            if named is not None:
                return named
    return None


def bare_attribution(context: SpeakerContext, closing_end: int, paragraph_end: int) -> Any | None:
    """Subject of a bare "X said" after a quote that closes without a comma (“….” Trump said.).

    Only a clause of at most :data:`MAX_BARE_ATTRIBUTION_TOKENS` words, a speech verb and its subject,
    ended by punctuation counts: any longer clause after a closed quote is a sentence of its own.
    """
    words: list[Any] = []
    for token in context.tokens_between(closing_end, paragraph_end):
        if token.is_punct:
            # a colon announces the next quote (“….” The candidate reiterated: “…”)
            if token.text not in BARE_ATTRIBUTION_ENDINGS:
                return None
            break
        words.append(token)
        if len(words) > MAX_BARE_ATTRIBUTION_TOKENS:
            return None
    for token in words:
        if context.is_speech_verb(token):
            subject = attribution_subject(token, words)
            if subject is not None and subject in words:
                return subject
    return None


def near_attribution(context: SpeakerContext, tokens: list[Any]) -> Any | None:
    """Subject of the first speech verb of ``tokens``, else the nearest word before (or after) it.

    A speech verb the tagger read as a plural noun ("…,” Viguerie notes) counts. A speech verb
    followed by a clause of its own (“…,” claiming that he …) attributes nothing and is skipped.
    """
    for position, token in enumerate(tokens):
        if context.is_speech_verb(token):
            subject = attribution_subject(token, tokens)
            if subject is not None:
                return subject
            after = [item for item in tokens[position + 1 :] if not item.is_punct]
            before = [item for item in tokens[:position] if not item.is_punct]
            if before and context.names_someone(before[0]):
                return before[0]  # “…,” Gene Sperling, a top Clinton adviser, said
            if before:
                return before[-1]
            if after and after[0].pos_ not in CLAUSE_OPENING_POS and after[0].lower_ != "that":
                return after[0]
    return None


def clause_subject(context: SpeakerContext, tokens: list[Any]) -> Any | None:
    """Without a speech verb, the subject of the first verb that has one when it names a person or an
    organization (“…,” remembered Roy Verley); a common noun or a pronoun there starts a sentence of its
    own (“…,” the crowd applauded)."""
    for token in tokens:
        if token.pos_ == "VERB":
            subject = context.subject_of(token, inherit=False)
            if subject is not None and subject in tokens:
                return subject if context.names_someone(subject) else None
    return None


def attribution_subject(verb: Any, tokens: list[Any]) -> Any | None:
    """The subject of an attribution's speech verb, preferring one inside the attribution ``tokens``.

    The parser sometimes makes a clause of the quote a second subject of the verb (“… Trump articulates
    it differently,” Viguerie notes): the subject written in the attribution is the speaker.
    """
    subjects = [child for child in verb.children if child.dep_ in SUBJECT_DEPS]
    inside = [subject for subject in subjects if subject in tokens]
    return (inside or subjects or [None])[0]
