"""The pipeline extraction runs gives exactly the annotations of the stock spaCy pipeline.

``build_nlp`` swaps the attribute ruler's matcher for a memoized one and caches every lemma; both exist
only for speed, so every token must keep the tag, POS, morphology, lemma, parse and entity the stock
components give it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import spacy
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, POS, TAG

from factlake.config import ExtractConfig
from factlake.extract.attribute_matcher import FastAttributeMatcher, install_fast_attribute_matcher

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "articles"
ANNOTATIONS = [TAG, POS, MORPH, LEMMA, DEP, HEAD, ENT_IOB, ENT_TYPE]

# Sentences that reach the rare rules: "ain't", "nothin'", "y'all", expletive "there is", "do" as a main
# verb, pronouns as objects, determiners as pronouns, spaces inside text.
RARE_RULE_TEXTS = [
    "I ain't seen nothin' like it, y'all. There are gets and got, there's more.",
    "They did it for me and you.  Give it to him\n\nThat is what those were; which did he do?",
    "Ya'll don't know what you're doin', said the man who'd had enough, 'cause he's tired.",
    "Whether or not it rains, we'll go -- unless, of course, they cancel.\tThe end.",
]


def texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))] + RARE_RULE_TEXTS


@pytest.fixture(scope="module")
def stock_nlp() -> Any:
    return spacy.load(ExtractConfig().spacy_model, exclude=["senter"])


def test_extraction_pipeline_annotates_like_the_stock_pipeline(nlp: Any, stock_nlp: Any) -> None:
    assert nlp.pipe_names == stock_nlp.pipe_names
    for text, ours, stock in zip(texts(), nlp.pipe(texts()), stock_nlp.pipe(texts()), strict=True):
        assert ours.to_array(ANNOTATIONS).tolist() == stock.to_array(ANNOTATIONS).tolist(), text[:80]


def test_fast_matcher_lists_the_stock_matches(stock_nlp: Any) -> None:
    ruler = stock_nlp.get_pipe("attribute_ruler")
    fast = FastAttributeMatcher.for_ruler(ruler)
    with stock_nlp.select_pipes(disable=["attribute_ruler", "lemmatizer", "ner"]):
        docs = list(stock_nlp.pipe(texts()))
    docs.append(stock_nlp.make_doc("Unparsed text: no tags, no labels , y' all ain't"))
    for doc in docs:
        assert fast.match(doc) == ruler.match(doc), doc.text[:80]
    assert any(rule == 147 for doc in docs for rule, *_ in fast.match(doc)), "the two-token rule was reached"


def test_rules_it_cannot_evaluate_keep_the_stock_matcher() -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"ORTH": "Mr."}]], {"LEMMA": "mister"})
    assert not install_fast_attribute_matcher(ruler)
    assert "match" not in vars(ruler)
    assert nlp("Mr. Smith")[0].lemma_ == "mister"
