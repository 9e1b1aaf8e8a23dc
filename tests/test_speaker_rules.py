"""Each speaker rule alone, on real sentences parsed by the real spaCy model, and the order that ties them."""

from __future__ import annotations

import pytest

from factlake.config import ExtractConfig
from factlake.extract import ArticleContext, entities
from factlake.extract.quotes import QuoteSpan, find_quotes, merge_split_quotes
from factlake.extract.speakers import rules
from factlake.extract.speakers.context import Speaker, SpeakerContext

CONFIG = ExtractConfig()


def read(body: str, nlp, reference) -> tuple[SpeakerContext, list[QuoteSpan]]:
    """The speaker context of ``body`` and its quotes, as the quote extractor builds them."""
    article = ArticleContext(article_id="0" * 16, body=body, published_date=None, doc=nlp(body))
    article.entity_mentions = entities.extract(article, CONFIG, reference)
    context = SpeakerContext(article, reference)
    return context, merge_split_quotes(body, find_quotes(body), article.doc, context.speech_verbs)


def first_finding(rule, body: str, nlp, reference) -> rules.Finding | None:
    context, quotes = read(body, nlp, reference)
    return rule(context, quotes[0])


#: A quote whose only candidate speaker is a common noun (rule 5's fallback).
SAFETY_NET = (
    "The social safety net was becoming “a hammock that lulls able-bodied people to lives of dependency.”"
)
EXPLICIT, CLAUSE, CONTEXT = rules.CONFIDENCE_EXPLICIT, rules.CONFIDENCE_CLAUSE, rules.CONFIDENCE_CONTEXT

FINDINGS = [
    pytest.param(
        rules.attribution_after,
        "“We all agree that this was a very useful meeting,” Putin said.",
        rules.Finding(Speaker("Putin", "person"), EXPLICIT),
        id="1_attribution_after",
    ),
    pytest.param(
        rules.according_to,
        "“The talks went well,” according to Sergei Lavrov.",
        rules.Finding(Speaker("Sergei Lavrov", "person"), EXPLICIT),
        id="2_according_to",
    ),
    pytest.param(
        rules.according_to,
        "The talks went well, according to the ministry, and “we will meet again.”",
        rules.Finding(Speaker("ministry", "other"), EXPLICIT, fallback=True),
        id="2_according_to_a_common_noun_is_a_fallback",
    ),
    pytest.param(
        rules.speech_verb_subject,
        "Hillary Clinton has told her supporters that “we are in this together, all of us.”",
        rules.Finding(Speaker("Hillary Clinton", "person"), EXPLICIT),
        id="3_speech_verb_subject",
    ),
    pytest.param(
        rules.lead_in,
        "Ted Cruz resisted: “I am not going to do that.”",
        rules.Finding(Speaker("Ted Cruz", "person"), EXPLICIT),
        id="4_lead_in",
    ),
    pytest.param(
        rules.clause_subject,
        "In the depths of the Great Recession, Paul Ryan worried that the social safety net was becoming "
        "“a hammock that lulls able-bodied people to lives of dependency and complacency.”",
        rules.Finding(Speaker("Paul Ryan", "person"), CLAUSE),
        id="5_clause_subject",
    ),
    pytest.param(
        rules.clause_subject,
        SAFETY_NET,
        rules.Finding(Speaker("social safety net", "other"), CLAUSE, fallback=True),
        id="5_clause_subject_common_noun_is_a_fallback",
    ),
    pytest.param(
        rules.signature_line,
        "“We will not give up.”\n\n- Bernie Sanders.",
        rules.Finding(Speaker("Bernie Sanders", "person"), EXPLICIT),
        id="6_signature_line",
    ),
    pytest.param(
        rules.sentence_subject,
        "“Campaigns are having trouble raising money. Super PACs have the money. They don't have a choice” "
        "but to take the lead in advertising, says Evan Tracey, a Republican media consultant.",
        rules.Finding(Speaker("Evan Tracey", "person"), CLAUSE),
        id="8_sentence_subject",
    ),
    pytest.param(
        rules.earlier_speech_subject,
        "Steven Brill has argued that the law was crippled from the outset by political tradeoffs. As a "
        "result, there's still “a very powerful industry that has the freedom to charge whatever.”",
        rules.Finding(Speaker("Steven Brill", "person"), CONTEXT),
        id="9_earlier_speech_subject",
    ),
    pytest.param(
        rules.paragraph_person_subject,
        "Donald Trump visited Ohio on Monday. “I think waterboarding is peanuts compared to what they'd do "
        "to us.”",
        rules.Finding(Speaker("Donald Trump", "person"), CONTEXT),
        id="10_paragraph_person_subject",
    ),
    pytest.param(
        rules.previous_paragraph_speaker,
        "When the moderators yielded to the temptation of snark, Ted Cruz called them on it:\n\n"
        "“The questions asked in this debate illustrate why the American people don’t trust the media.”",
        rules.Finding(Speaker("Ted Cruz", "person"), CONTEXT),
        id="11_previous_paragraph_speaker",
    ),
    pytest.param(
        rules.previous_paragraph_speaker,
        "“The questions asked in this debate illustrate why the American people don’t trust the media.”",
        rules.Finding(Speaker(None, "other"), CONTEXT),
        id="11_previous_paragraph_speaker_without_a_paragraph_gives_nobody",
    ),
]


@pytest.mark.parametrize(("rule", "body", "expected"), FINDINGS)
def test_rule_alone_finds_its_speaker(rule, body: str, expected: rules.Finding, nlp, reference):
    assert first_finding(rule, body, nlp, reference) == expected


NOT_APPLICABLE = [
    pytest.param(
        rules.attribution_after, "Ted Cruz resisted: “I am not going to do that.”", id="1_no_attribution"
    ),
    pytest.param(
        rules.attribution_after, "“We will not give up,” claiming that he …", id="1_participle_names_nobody"
    ),
    pytest.param(
        rules.according_to,
        "“We all agree that this was a very useful meeting,” Putin said.",
        id="2_no_according_to",
    ),
    pytest.param(
        rules.speech_verb_subject,
        SAFETY_NET,
        id="3_no_speech_verb",
    ),
    pytest.param(
        rules.lead_in,
        "Hillary Clinton has told her supporters that “we are in this together, all of us.”",
        id="4_no_colon_or_comma_before_the_quote",
    ),
    pytest.param(
        rules.clause_subject, "“The talks went well,” according to Sergei Lavrov.", id="5_no_clause"
    ),
    pytest.param(
        rules.signature_line,
        "Bernie Sanders spoke. “We will not give up.”\n\n- Bernie Sanders.",
        id="6_quote_does_not_fill_its_paragraph",
    ),
    pytest.param(
        rules.paragraph_speaker,
        "Biden “kind of misspoke.” “It was a good day,” said Aida Smith.",
        id="7_no_earlier_quote_in_the_paragraph",
    ),
    pytest.param(
        rules.earlier_speech_subject,
        "“Campaigns are having trouble raising money. Super PACs have the money. They don't have a choice” "
        "but to take the lead in advertising, says Evan Tracey, a Republican media consultant.",
        id="9_no_speech_verb_before_the_quote",
    ),
    pytest.param(
        rules.paragraph_person_subject,
        "Steven Brill has argued that the law was crippled from the outset by political tradeoffs. As a "
        "result, there's still “a very powerful industry that has the freedom to charge whatever.”",
        id="10_quote_does_not_stand_alone",
    ),
    pytest.param(
        rules.previous_paragraph_speaker,
        "Ted Cruz spoke in Iowa.\n\nThe senator said that the media are “biased against conservatives.”",
        id="11_quote_does_not_stand_alone",
    ),
]


@pytest.mark.parametrize(("rule", "body"), NOT_APPLICABLE)
def test_rule_alone_finds_nothing_where_it_does_not_apply(rule, body: str, nlp, reference):
    assert first_finding(rule, body, nlp, reference) is None


def test_paragraph_speaker_takes_the_speaker_of_an_earlier_quote_of_the_paragraph(nlp, reference):
    context, quotes = read(
        "“It was a good day,” said Aida Smith, who published a book. Biden “kind of misspoke.”",
        nlp,
        reference,
    )
    first, second = quotes
    assert rules.paragraph_speaker(context, second) is None  # nothing resolved yet
    assert rules.resolve_speaker(context, first) == (Speaker("Aida Smith", "person"), EXPLICIT)
    assert rules.paragraph_speaker(context, second) == rules.Finding(Speaker("Aida Smith", "person"), CONTEXT)


def test_rules_are_tried_in_the_documented_order():
    names = [rule.find.__name__ for rule in rules.RULES]
    assert names == [
        "attribution_after",
        "according_to",
        "speech_verb_subject",
        "lead_in",
        "clause_subject",
        "signature_line",
        "paragraph_speaker",
        "sentence_subject",
        "earlier_speech_subject",
        "paragraph_person_subject",
        "previous_paragraph_speaker",
    ]
    assert [rule.in_sentence for rule in rules.RULES] == [True] * 5 + [False] * 6
    documented = rules.__doc__
    positions = [documented.index(f":func:`{name}`") for name in names]
    assert positions == sorted(positions)


def test_a_settled_sentence_keeps_its_common_noun_speaker(nlp, reference):
    # rule 1 names "the crowd": the context rules, which would look for a person, never run
    context, [quote] = read("Ted Cruz spoke.\n\n“We will not give up,” the crowd chanted.", nlp, reference)
    assert rules.resolve_speaker(context, quote) == (Speaker("crowd", "other"), EXPLICIT)


def test_a_fallback_stands_only_when_no_rule_names_anyone(nlp, reference):
    alone = (
        "The social safety net was becoming “a hammock that lulls able-bodied people to lives of dependency.”"
    )
    context, [quote] = read(alone, nlp, reference)
    assert rules.resolve_speaker(context, quote) == (Speaker("social safety net", "other"), CLAUSE)
    context, [quote] = read(
        "Instead, Trump told CNN, his policy would merely be “to go after them” if he wins the White House.",
        nlp,
        reference,
    )
    assert rules.resolve_speaker(context, quote)[0] == Speaker("Trump", "person")


def test_nobody_found_is_unresolved(nlp, reference):
    context, [quote] = read("The arch-rivals also “agreed to refrain from the use of force.”", nlp, reference)
    assert rules.resolve_speaker(context, quote) == (Speaker(None, "other"), rules.CONFIDENCE_UNRESOLVED)
    assert context.paragraph_speakers == {}
