"""Fact extraction: runs spaCy once per article and hands the parsed doc to each extractor component.

Components (one module each, individually testable, each stamping ``extractor`` as ``name/version``):

- :mod:`factlake.extract.entities`: people, organizations, places, nationalities (entity mentions);
- :mod:`factlake.extract.quotes`: direct quotations with their speakers;
- :mod:`factlake.extract.quantities`: numeric claims;
- :mod:`factlake.extract.events`: who did what, where, when (uses :mod:`factlake.extract.dates`).

Names in ``speaker``, ``actors`` and ``location`` are resolved within the article here; the dataset-wide
canonical names are applied afterwards by :mod:`factlake.link`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from factlake.config import ExtractConfig
from factlake.reference import Reference


@dataclass
class ArticleContext:
    """What every extractor gets for one article.

    Attributes:
        article_id: Id of the article.
        body: The article body; every offset points into it.
        published_date: Publication date, or None when unknown (relative dates stay unresolved then).
        doc: The spaCy ``Doc`` of ``body``.
        entity_mentions: Entity mentions found by :mod:`factlake.extract.entities`, filled before the other
            extractors run, so quotes and events can resolve names against them.
    """

    article_id: str
    body: str
    published_date: dt.date | None
    doc: Any
    entity_mentions: list[dict[str, Any]] = field(default_factory=list)

    @functools.cached_property
    def date_expressions(self) -> list[Any]:
        """The date expressions of ``doc`` (:func:`factlake.extract.dates.find_date_expressions`), found
        once for the extractors that resolve dates."""
        from factlake.extract.dates import find_date_expressions

        return find_date_expressions(self.doc)


@dataclass
class Extraction:
    """Output of extraction for a batch of articles.

    Attributes:
        mentions: ``mentions`` records (every column but ``fact_id``, which dedup assigns).
        entity_mentions: One dict per entity occurrence: ``article_id``, ``text``, ``char_start``,
            ``char_end``, ``label`` (spaCy label), ``entity_type`` (contract vocabulary) and ``name``
            (the fullest form of this entity within the article).
    """

    mentions: list[dict[str, Any]] = field(default_factory=list)
    entity_mentions: list[dict[str, Any]] = field(default_factory=list)


def build_nlp(config: ExtractConfig) -> Any:
    """Load the spaCy pipeline once per process.

    Every component of the package runs (the extractors read entities, the parse, tags, POS and lemmas);
    only the ``senter`` the package ships disabled is left out. Two components get faster equivalents
    of their slow parts, with identical annotations: the attribute ruler finds its rules with a memoized
    matcher (:mod:`factlake.extract.attribute_matcher`) and the rule lemmatizer gets a complete cache
    (:func:`_cache_every_lemma`).
    """
    import spacy

    from factlake.extract.attribute_matcher import install_fast_attribute_matcher

    nlp = spacy.load(config.spacy_model, exclude=["senter"])
    if "attribute_ruler" in nlp.pipe_names:
        install_fast_attribute_matcher(nlp.get_pipe("attribute_ruler"))
    if "lemmatizer" in nlp.pipe_names:
        _cache_every_lemma(nlp.get_pipe("lemmatizer"))
    return nlp


def _cache_every_lemma(lemmatizer: Any) -> None:
    """Memoize the lemmatizer's ``lemmatize`` on (text, POS, morphology), for every token.

    spaCy's rule lemmatizer caches only the lemmas it derives from its rules: the early answers (base
    forms such as singular nouns and infinitives, proper nouns, punctuation) are recomputed for every
    token, with a morphology lookup each time, which makes it one of the slowest components of the small
    English pipeline; and it checks candidate lemmas against word lists with a linear search. Its answer
    depends on the token's text, POS and morphology alone, so a cache on those three gives identical
    lemmas, and the word lists become sets (only membership is asked of them). The lookup mode, whose
    answer also depends on nothing else, is cached the same way; other modes are left alone.
    """
    if getattr(lemmatizer, "mode", None) not in {"rule", "lookup"}:
        return
    index_table = lemmatizer.lookups.get_table("lemma_index", None) if lemmatizer.mode == "rule" else None
    for pos_key, words in list((index_table or {}).items()):
        # Only membership is asked of these word lists (tens of thousands of words each).
        index_table[pos_key] = frozenset(words)
    compute = lemmatizer.lemmatize
    memo: dict[tuple[int, int, int], list[str]] = {}

    def lemmatize(token: Any) -> list[str]:
        key = (token.orth, token.pos, token.morph.key)
        forms = memo.get(key)
        if forms is None:
            forms = memo[key] = compute(token)
        return forms

    lemmatizer.lemmatize = lemmatize


def extract_articles(
    articles: list[dict[str, Any]], nlp: Any, config: ExtractConfig, reference: Reference
) -> Extraction:
    """Run every extractor on every article; output order follows input order (deterministic).

    Args:
        articles: ``articles`` records (``article_id``, ``body``, ``published_date`` are used).
        nlp: Pipeline from :func:`build_nlp`.
        config: Extraction settings.
        reference: Reference data.
    """
    from factlake.extract import entities
    from factlake.kinds import fact_kinds

    result = Extraction()
    bodies = (article["body"] for article in articles)
    # The extractors keep plain Python values only, so the strings and lexemes spaCy adds to its
    # vocabulary for these texts can go afterwards: without the zone the vocabulary (and the process)
    # grows with every new word of the corpus.
    with nlp.memory_zone():
        docs = nlp.pipe(bodies, batch_size=config.batch_size, n_process=config.n_process)
        for article, doc in zip(articles, docs, strict=True):
            context = ArticleContext(
                article_id=article["article_id"],
                body=article["body"],
                published_date=article["published_date"],
                doc=doc,
            )
            context.entity_mentions = entities.extract(context, config, reference)
            result.entity_mentions.extend(context.entity_mentions)
            for kind in fact_kinds():
                result.mentions.extend(kind.extract(context, config, reference))
    return result
