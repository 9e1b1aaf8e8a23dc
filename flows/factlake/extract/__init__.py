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
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from factlake.config import ExtractConfig
from factlake.reference import Reference

if TYPE_CHECKING:
    from factlake.dedup.article_inputs import ArticleInputs

#: Where a piece of a long body may end, best first (searched in the second half of the piece).
_PIECE_SEPARATORS = ("\n\n", "\n", ". ", "? ", "! ", " ")


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

    def mention(
        self, fact_type: str, char_start: int, char_end: int, sentence: str, **fields: Any
    ) -> dict[str, Any]:
        """A ``mentions`` record of this article: the id, span and evidence every fact kind shares
        (``mention_id = stable_id(article_id, fact_type, char_start, char_end)``, ``text`` the body's span),
        plus the kind's own ``fields``."""
        from factlake.records import new_record, stable_id

        return new_record(
            "mentions",
            mention_id=stable_id(self.article_id, fact_type, char_start, char_end),
            article_id=self.article_id,
            fact_id=None,
            fact_type=fact_type,
            text=self.body[char_start:char_end],
            char_start=char_start,
            char_end=char_end,
            sentence=sentence,
            **fields,
        )


@dataclass
class Extraction:
    """Output of extraction for a batch of articles.

    Attributes:
        mentions: ``mentions`` records (every column but ``fact_id``, which dedup assigns).
        entity_mentions: One dict per entity occurrence: ``article_id``, ``text``, ``char_start``,
            ``char_end``, ``label`` (spaCy label), ``entity_type`` (contract vocabulary) and ``name``
            (the fullest form of this entity within the article).
        failed: ``rejects`` records (stage ``extract``) of the articles whose extraction raised, by
            ``article_id``; they have no mentions here and are not to be published.
        dedup_inputs: What deduplication needs of each extracted article on its own, computed next to
            its extraction (:class:`factlake.dedup.article_inputs.ArticleInputs`), or None.
    """

    mentions: list[dict[str, Any]] = field(default_factory=list)
    entity_mentions: list[dict[str, Any]] = field(default_factory=list)
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)
    dedup_inputs: ArticleInputs | None = None


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

    One article cannot fail the batch: when the batch raises, its articles are extracted again one by
    one, and an article that fails alone is left out of the result and listed in ``failed`` with a
    ``rejects`` record of stage ``extract`` (the error is unexpected: a bug or a limit of a library).

    Args:
        articles: ``articles`` records (``article_id``, ``body``, ``published_date`` are used; ``source_uri``
            and ``content_sha256`` name a failed article's reject).
        nlp: Pipeline from :func:`build_nlp`.
        config: Extraction settings.
        reference: Reference data.
    """
    try:
        return _extract_batch(articles, nlp, config, reference)
    except Exception:  # one article must not fail the others: find which one it was
        if len(articles) == 1:
            return _failed_extraction(articles[0], nlp, config, reference)
    result = Extraction()
    for article in articles:
        part = _failed_extraction(article, nlp, config, reference)
        result.mentions.extend(part.mentions)
        result.entity_mentions.extend(part.entity_mentions)
        result.failed.update(part.failed)
    return result


def _failed_extraction(
    article: dict[str, Any], nlp: Any, config: ExtractConfig, reference: Reference
) -> Extraction:
    """Extract one article on its own; an exception makes it a failed article with its reject."""
    from factlake.discover import error_detail, reject_record

    try:
        return _extract_batch([article], nlp, config, reference)
    except Exception as error:  # one article must not stop the run
        reject = reject_record(
            article.get("source_uri") or str(article["article_id"]),
            "extract",
            "facts could not be extracted from this article (an unexpected error, not a rule of "
            "factlake); the article is not published, the rest of the run went on",
            error_detail(error),
            article.get("content_sha256"),
        )
        return Extraction(failed={article["article_id"]: reject})


def _extract_batch(
    articles: list[dict[str, Any]], nlp: Any, config: ExtractConfig, reference: Reference
) -> Extraction:
    """Every extractor on every article of a batch, spaCy's pipe over the batch; raises on any error."""
    from factlake.extract import entities
    from factlake.kinds import fact_kinds

    result = Extraction()
    limit = max(1, min(config.max_doc_chars, nlp.max_length))
    # The extractors keep plain Python values only, so the strings and lexemes spaCy adds to its
    # vocabulary for these texts can go afterwards: without the zone the vocabulary (and the process)
    # grows with every new word of the corpus.
    with nlp.memory_zone():
        docs = _parsed_docs([article["body"] for article in articles], nlp, config, limit)
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


def _parsed_docs(bodies: list[str], nlp: Any, config: ExtractConfig, limit: int) -> Iterator[Any]:
    """The spaCy doc of every body, in order: short bodies through ``nlp.pipe``, longer ones in pieces."""
    if all(len(body) <= limit for body in bodies):
        yield from nlp.pipe(bodies, batch_size=config.batch_size, n_process=config.n_process)
        return
    for body in bodies:
        if len(body) <= limit:
            yield nlp(body)
        else:
            yield parse_in_pieces(body, nlp, limit)


def parse_in_pieces(body: str, nlp: Any, limit: int) -> Any:
    """One doc of a body longer than ``limit``, parsed in pieces of at most ``limit`` characters.

    Pieces end at a paragraph break where one lies in the second half of the piece, else at a line
    break, a sentence end or a space there, else at any space, else at ``limit`` characters. The pieces'
    docs are joined with ``Doc.from_docs``, so the doc's text is the body exactly and every character
    offset points into it; a sentence never spans two pieces.

    Raises:
        ValueError: The joined doc's text differs from the body (never expected).
    """
    from spacy.tokens import Doc

    pieces = [body[start:end] for start, end in piece_bounds(body, limit)]
    # One piece at a time: the parser needs temporary memory in proportion to the text of a batch.
    doc = Doc.from_docs(list(nlp.pipe(pieces, batch_size=1)), ensure_whitespace=False)
    if doc.text != body:
        raise ValueError("pieces of a long body did not join back into the body")
    return doc


def piece_bounds(text: str, limit: int) -> list[tuple[int, int]]:
    """``(start, end)`` of consecutive pieces of ``text`` covering it exactly, each at most ``limit`` long.

    See :func:`parse_in_pieces` for where pieces end.
    """
    bounds: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        end = _piece_end(text, start, start + limit)
        bounds.append((start, end))
        start = end
    bounds.append((start, len(text)))
    return bounds


def _piece_end(text: str, start: int, stop: int) -> int:
    """Where a piece starting at ``start`` ends, at most at ``stop`` (> ``start``)."""
    half = start + (stop - start) // 2
    for separator in _PIECE_SEPARATORS:
        found = text.rfind(separator, half, stop)
        if found >= 0:
            return found + len(separator)
    found = max(text.rfind(" ", start, stop), text.rfind("\n", start, stop))
    if found > start:
        return found + 1
    return stop
