"""Quote extraction and speaker attribution against gold: the seed articles and PolNeAR.

A predicted quote matches a gold quote of the same article when their word sets overlap strongly (Dice
coefficient of lower-cased words >= :data:`MATCH_THRESHOLD`), so a merged split quote matches the gold
quote written as its joined parts. Only quotes of at least ``min_quote_words`` words count on both sides
(shorter ones are scare quotes and fragments, kept by the extractor with low confidence). Speaker accuracy
is measured on the matched gold quotes whose gold speaker is named, with :func:`same_speaker` (surname
match, honorifics ignored, conflicting given names rejected).

PolNeAR figures are reported on its ``dev`` compartment, held out from rule writing; the ``train``
compartment is for development and error analysis (``python -m evaluation.quotes``). An article
several annotators covered is scored once, with the first annotator listed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from evaluation import EvaluationContext, MetricRow
from factlake.config import DEFAULT_SOURCE, ExtractConfig
from factlake.extract import ArticleContext, entities, quotes
from factlake.extract.dates import CALENDAR_WORDS
from factlake.extract.entities import normalize_key
from factlake.link import canonicalize_mentions, link_entities
from factlake.records import stable_id
from factlake.reference import Reference

MATCH_THRESHOLD = 0.6
QUOTE_PRECISION_TARGET = 0.90
QUOTE_RECALL_TARGET = 0.90
SPEAKER_ACCURACY_TARGET = 0.85
POLNEAR_FILE = "polnear_train_dev.jsonl"
#: PolNeAR compartment the figures are reported on: held out, never looked at while writing rules.
POLNEAR_EVALUATION_COMPARTMENT = "dev"
#: PolNeAR compartment for development and error analysis (:func:`main`).
POLNEAR_DEVELOPMENT_COMPARTMENT = "train"
WORD = re.compile(r"\w+")
#: A possessive ending ("Trump's", "Bolton’s") but not an inner apostrophe ("D’Souza").
POSSESSIVE = re.compile(r"['’]s\b")
#: Double marks opening and closing a gold direct quote; typewriter ones (``''…''``, ````…''``: PolNeAR's
#: NYT articles) too. The gold quote is the words between, so a mark's second character does not matter.
OPENING_MARKS = ("“", '"', "«", "''", "``")
CLOSING_MARKS = ("”", '"', "»", "''")
PRONOUNS_AND_DETERMINERS = frozenset(
    [
        "i",
        "he",
        "she",
        "we",
        "they",
        "you",
        "it",
        "his",
        "her",
        "their",
        "our",
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "another",
        "me",
        "us",
        "them",
        "who",
        "which",
        "what",
    ]
)
#: Lower-case words that end the head of a source ("George Zornick of The Nation": the name comes first;
#: "a longtime adviser to Trump" names nobody, not Trump).
SOURCE_CONNECTORS = frozenset(
    [
        "of",
        "from",
        "for",
        "to",
        "at",
        "in",
        "inside",
        "with",
        "by",
        "on",
        "who",
        "whose",
        "which",
        "that",
        "and",
    ]
)
#: Cue words a source span sometimes includes, whatever their case ("According to Bob Woodward").
SOURCE_CUES = frozenset(["according"])
#: Words leading a name that are not part of it: honorifics and titles ("Mr.", "Sen.", "President").
NAME_PREFIXES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "sen",
        "senator",
        "rep",
        "representative",
        "gov",
        "governor",
        "president",
        "vice",
        "secretary",
        "speaker",
        "gen",
        "general",
        "rev",
        "judge",
        "justice",
        "mayor",
        "former",
    ]
)


def quote_words(text: str) -> set[str]:
    """Lower-cased words of a quote, the unit of matching."""
    return set(WORD.findall(text.lower()))


def overlap(first: set[str], second: set[str]) -> float:
    """Dice coefficient of two word sets (0.0 when both are empty)."""
    total = len(first) + len(second)
    return 2 * len(first & second) / total if total else 0.0


def name_words(name: str) -> list[str]:
    """Lower-cased words of a speaker name without leading honorifics, titles and articles.

    "Mr. Trump" → ["trump"], "Sen. Bernie Sanders" → ["bernie", "sanders"], "The New York Times" →
    ["new", "york", "times"]; possessive endings ("Trump's") are dropped.
    """
    words = WORD.findall(POSSESSIVE.sub("", normalize_key(name)))
    while words and (words[0] in NAME_PREFIXES or words[0] == "the"):
        words = words[1:]
    return words


def same_speaker(predicted: str | None, gold: str) -> bool:
    """Whether a predicted speaker name denotes the gold speaker.

    The rule, applied to :func:`name_words` of both names (honorifics and titles removed):

    - equal words match ("Mr. Trump" = "Trump", "The New York Times" = "New York Times");
    - the same last word (the surname, or the head of a body's name) matches ("Donald Trump" = "Trump",
      "Mr. Trump" = "Donald Trump", "the Times" = "The New York Times") unless both names carry given names
      and they share none ("Eric Trump" ≠ "Donald Trump", "Bill Clinton" ≠ "Hillary Clinton"); single
      letters (middle initials) are not given names;
    - anything else is a different speaker: a surname appearing elsewhere in the other name does not count
      ("Hillary Clinton" ≠ "Clinton campaign manager Robby Mook"), nor does a missing prediction.
    """
    if predicted is None:
        return False
    predicted_words, gold_words = name_words(predicted), name_words(gold)
    if not predicted_words or not gold_words:
        return False
    if predicted_words == gold_words:
        return True
    if predicted_words[-1] != gold_words[-1]:
        return False
    predicted_given = {word for word in predicted_words[:-1] if len(word) > 1}
    gold_given = {word for word in gold_words[:-1] if len(word) > 1}
    return not (predicted_given and gold_given) or bool(predicted_given & gold_given)


def extract_quotes(
    article_id: str, body: str, nlp: Any, config: ExtractConfig, reference: Reference
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(quote mentions, entity mentions) of one body, as the extraction stage would produce them."""
    context = ArticleContext(article_id=article_id, body=body, published_date=None, doc=nlp(body))
    context.entity_mentions = entities.extract(context, config, reference)
    return quotes.extract(context, config, reference), context.entity_mentions


def score(
    predicted: dict[str, list[dict[str, Any]]], gold: dict[str, list[dict[str, Any]]], min_words: int
) -> tuple[int, int, int, int, int, int]:
    """(matched predictions, predictions, matched gold, gold, correct speakers, gold with a speaker).

    Args:
        predicted: Article key → canonicalized quote mentions.
        gold: Article key → dicts with ``quote`` and ``speaker`` (None when the gold has no usable name).
        min_words: Quotes with fewer words are left out on both sides.
    """
    matched_predictions = n_predictions = matched_gold = n_gold = correct = n_speakers = 0
    for key in sorted(set(predicted) | set(gold)):
        predictions = [
            (quote_words(mention["quote_text"]), mention["speaker"])
            for mention in predicted.get(key, [])
            if len(mention["quote_text"].split()) >= min_words
        ]
        golds = [(quote_words(item["quote"]), item["speaker"]) for item in gold.get(key, [])]
        golds = [item for item in golds if len(item[0]) >= 1]
        n_predictions += len(predictions)
        n_gold += len(golds)
        matched_predictions += sum(
            1
            for words, _ in predictions
            if any(overlap(words, gold_words) >= MATCH_THRESHOLD for gold_words, _ in golds)
        )
        for gold_words, gold_speaker in golds:
            scored = [(overlap(words, gold_words), index) for index, (words, _) in enumerate(predictions)]
            best = max(scored, default=(0.0, -1))
            if best[0] < MATCH_THRESHOLD:
                continue
            matched_gold += 1
            if gold_speaker is not None:
                n_speakers += 1
                correct += same_speaker(predictions[best[1]][1], gold_speaker)
    return matched_predictions, n_predictions, matched_gold, n_gold, correct, n_speakers


def evaluate(context: EvaluationContext) -> list[MetricRow]:
    """Quote precision and recall and speaker accuracy on the seeds and on PolNeAR."""
    return _evaluate_seeds(context) + _evaluate_polnear(context)


def _rows(dataset: str, counts: tuple[int, int, int, int, int, int], note: str) -> list[MetricRow]:
    matched_predictions, n_predictions, matched_gold, n_gold, correct, n_speakers = counts
    precision = matched_predictions / n_predictions if n_predictions else 0.0
    recall = matched_gold / n_gold if n_gold else 0.0
    return [
        MetricRow("quotes", dataset, "precision", precision, QUOTE_PRECISION_TARGET, n_predictions, note),
        MetricRow("quotes", dataset, "recall", recall, QUOTE_RECALL_TARGET, n_gold, note),
        MetricRow(
            "speakers",
            dataset,
            "accuracy",
            correct / n_speakers if n_speakers else 0.0,
            SPEAKER_ACCURACY_TARGET,
            n_speakers,
            f"on matched gold quotes whose speaker is named; {note}",
        ),
    ]


def seed_predictions(
    context: EvaluationContext,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict]]]:
    """(file name → canonicalized predicted quotes, file name → gold quotes) for the seed articles."""
    gold: dict[str, list[dict[str, Any]]] = {}
    for line in (context.gold_dir / "quotes.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            gold.setdefault(item["file"], []).append(item)
    predicted: dict[str, list[dict[str, Any]]] = {}
    all_entities: list[dict[str, Any]] = []
    for name in sorted(gold):
        path = DEFAULT_SOURCE / name
        article_id, body = _seed_body(path, context)
        found, entity_mentions = extract_quotes(
            article_id, body, context.nlp, context.config.extract, context.reference
        )
        predicted[name] = found
        all_entities.extend(entity_mentions)
    _, canonical_names = link_entities(all_entities, context.reference)
    predicted = {name: canonicalize_mentions(found, canonical_names) for name, found in predicted.items()}
    return predicted, gold


def _seed_body(path: Path, context: EvaluationContext) -> tuple[str, str]:
    """Article id and body of a seed file, through the real parser when it is available."""
    data = path.read_bytes()
    try:
        from factlake.parse import parse_input
    except ImportError:  # parse stage not built yet: the body is everything after the first line
        text = data.decode("utf-8")
        return stable_id(path.name), text.split("\n", 1)[-1].strip()
    outcome = parse_input(path.name, data, context.config.parse, context.reference)
    article = outcome.articles[0]
    return article["article_id"], article["body"]


def _evaluate_seeds(context: EvaluationContext) -> list[MetricRow]:
    predicted, gold = seed_predictions(context)
    counts = score(predicted, gold, context.config.extract.min_quote_words)
    return _rows("seeds", counts, "gold: tests/gold/quotes.jsonl (quotes of 4+ words)")


def polnear_speaker_name(source: str) -> str | None:
    """The name a PolNeAR source span gives its speaker, or None when the source names nobody.

    Parenthetical party labels ("(D-Nev.)") and appositions after a comma are dropped, and the source is
    cut into segments at connecting words ("George Zornick of The Nation", "a spokesman for Platte
    River", "a longtime adviser to Trump"; a cue left in the source, "According to Bob Woodward", is a
    connector too). The first segment decides: when its last word is capitalized (and not a pronoun,
    determiner or calendar word), the name is the run of capitalized words (initials included) that ends
    it, without honorifics and titles; a segment left empty by that ("Secretary of State John Kerry")
    passes to the next. "Clinton campaign manager Robby Mook" → "Robby Mook", "Sen. Bernie Sanders
    (I-Vt.)" → "Bernie Sanders", "the Times" → "Times"; pronouns ("he") and common nouns ("the official",
    "the Clinton campaign", "a spokesman for Platte River") → None.
    """
    without_parentheses = []
    depth = 0
    for character in source:
        depth += character == "("
        if not depth:
            without_parentheses.append(character)
        depth -= character == ")" and depth > 0
    head = "".join(without_parentheses).split(",")[0]
    segments: list[list[str]] = [[]]
    for word in WORD.findall(POSSESSIVE.sub("", head)):
        if word in SOURCE_CONNECTORS or word.lower() in SOURCE_CUES:
            segments.append([])
        else:
            segments[-1].append(word)
    for words in segments:
        if not words:
            continue
        if not _is_name_word(words[-1]):
            return None
        run: list[str] = []
        for word in reversed(words):
            if not _is_name_word(word):
                break
            run.insert(0, word)
        while run and run[0].lower() in NAME_PREFIXES:
            run = run[1:]
        if run:
            return " ".join(run)
    return None


def _is_name_word(word: str) -> bool:
    """Whether a word of a source can be part of a name: capitalized, not a pronoun or calendar word."""
    lower = word.lower()
    return word[0].isupper() and lower not in PRONOUNS_AND_DETERMINERS and lower not in CALENDAR_WORDS


def polnear_gold(record: dict[str, Any], min_words: int) -> list[dict[str, Any]]:
    """Direct quotes of one PolNeAR record: the marked part of attribution contents holding quotation marks.

    The gold quote runs from the first opening mark to the last closing mark of the content (a content
    such as 'the candidate has “always run a lean campaign”' is a direct quote of its marked words). The
    speaker is :func:`polnear_speaker_name` of the source; pronoun or common-noun sources ("he", "the
    official") get None and are left out of speaker accuracy. ``source`` and ``cue`` keep the annotated
    text for error analysis.
    """
    items = []
    for attribution in record.get("attributions", []):
        content = " ".join(part["text"] for part in attribution.get("content", []))
        opening = min((content.find(mark) for mark in OPENING_MARKS if mark in content), default=-1)
        closing = max(content.rfind(mark) for mark in CLOSING_MARKS)
        if opening == -1 or closing <= opening:
            continue
        words = content[opening + 1 : closing].strip()
        if len(words.split()) < min_words:
            continue
        source = " ".join(part["text"] for part in attribution.get("source", []))
        cue = " ".join(part["text"] for part in attribution.get("cue", []))
        items.append({"quote": words, "speaker": polnear_speaker_name(source), "source": source, "cue": cue})
    return items


def polnear_records(path: Path, compartment: str) -> dict[str, dict[str, Any]]:
    """File name → record of every article of one PolNeAR compartment, one annotator per article.

    Articles several annotators covered appear once per annotator in the file; the first listed is kept.
    """
    records: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["compartment"] == compartment:
                records.setdefault(record["filename"], record)
    return records


def polnear_predictions(
    context: EvaluationContext, compartment: str
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]], int]:
    """(file name → canonicalized predicted quotes, file name → gold quotes, articles in the compartment).

    The first ``context.limit`` articles of the compartment by file name are extracted (all when None).
    """
    records = polnear_records(context.corpora_dir / POLNEAR_FILE, compartment)
    names = sorted(records)
    if context.limit is not None:
        names = names[: context.limit]
    min_words = context.config.extract.min_quote_words
    predicted: dict[str, list[dict[str, Any]]] = {}
    gold: dict[str, list[dict[str, Any]]] = {}
    all_entities: list[dict[str, Any]] = []
    for filename in names:
        record = records[filename]
        found, entity_mentions = extract_quotes(
            stable_id(filename), record["text"], context.nlp, context.config.extract, context.reference
        )
        predicted[filename] = found
        gold[filename] = polnear_gold(record, min_words)
        all_entities.extend(entity_mentions)
    _, canonical_names = link_entities(all_entities, context.reference)
    predicted = {name: canonicalize_mentions(found, canonical_names) for name, found in predicted.items()}
    return predicted, gold, len(records)


def _evaluate_polnear(context: EvaluationContext) -> list[MetricRow]:
    """Figures on the held-out dev compartment (train is for development: see :func:`main`)."""
    path = context.corpora_dir / POLNEAR_FILE
    if not path.exists():
        return [MetricRow("quotes", "polnear", "count", 0.0, note=f"{POLNEAR_FILE} not found: skipped")]
    predicted, gold, n_articles = polnear_predictions(context, POLNEAR_EVALUATION_COMPARTMENT)
    note = (
        f"{POLNEAR_EVALUATION_COMPARTMENT} compartment (held out): {len(predicted)} of {n_articles} articles"
        " by file name, one annotator each"
    )
    counts = score(predicted, gold, context.config.extract.min_quote_words)
    return _rows(f"polnear-{POLNEAR_EVALUATION_COMPARTMENT}", counts, note)


def mismatches(
    predicted: dict[str, list[dict[str, Any]]], gold: dict[str, list[dict[str, Any]]], min_words: int
) -> list[dict[str, Any]]:
    """Every error behind :func:`score`, for error analysis, in article order.

    Returns:
        Dicts with ``article``, ``kind`` ("missed" gold quote, "spurious" prediction or wrong "speaker"),
        ``quote`` and, where they apply, ``gold_speaker``, ``source`` and ``cue`` (the gold annotation) and
        ``predicted_speaker``.
    """
    errors = []
    for key in sorted(set(predicted) | set(gold)):
        predictions = [
            mention for mention in predicted.get(key, []) if len(mention["quote_text"].split()) >= min_words
        ]
        prediction_words = [quote_words(mention["quote_text"]) for mention in predictions]
        golds = [item for item in gold.get(key, []) if quote_words(item["quote"])]
        gold_words = [quote_words(item["quote"]) for item in golds]
        for mention, words in zip(predictions, prediction_words, strict=True):
            if not any(overlap(words, other) >= MATCH_THRESHOLD for other in gold_words):
                errors.append(
                    {"article": key, "kind": "spurious", "quote": mention["quote_text"]}
                    | {"predicted_speaker": mention["speaker"]}
                )
        for item, words in zip(golds, gold_words, strict=True):
            scored = [(overlap(words, other), index) for index, other in enumerate(prediction_words)]
            best, index = max(scored, default=(0.0, -1))
            described = {
                "article": key,
                "quote": item["quote"],
                "gold_speaker": item["speaker"],
                "source": item.get("source"),
                "cue": item.get("cue"),
            }
            if best < MATCH_THRESHOLD:
                errors.append(described | {"kind": "missed"})
                continue
            predicted_speaker = predictions[index]["speaker"]
            if item["speaker"] is not None and not same_speaker(predicted_speaker, item["speaker"]):
                errors.append(described | {"kind": "speaker", "predicted_speaker": predicted_speaker})
    return errors


def main(arguments: list[str] | None = None) -> None:
    """Development entry point: figures and errors on one PolNeAR compartment (train by default).

    ``python -m evaluation.quotes --compartment train --limit 200 --errors speaker`` prints the
    figures, then one JSON line per error of the chosen kinds. Tune on train only; dev stays held out.
    """
    import argparse
    import sys

    from factlake.config import FactlakeConfig
    from factlake.extract import build_nlp
    from factlake.reference import load_reference

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--compartment", default=POLNEAR_DEVELOPMENT_COMPARTMENT)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--errors", nargs="*", default=[], choices=["missed", "spurious", "speaker"])
    options = parser.parse_args(arguments)
    config = FactlakeConfig()
    context = EvaluationContext(
        config=config,
        reference=load_reference(config.reference_dir),
        nlp=build_nlp(config.extract),
        limit=options.limit,
    )
    predicted, gold, n_articles = polnear_predictions(context, options.compartment)
    min_words = config.extract.min_quote_words
    note = f"{options.compartment}: {len(predicted)} of {n_articles} articles"
    for row in _rows(f"polnear-{options.compartment}", score(predicted, gold, min_words), note):
        sys.stdout.write(f"{row.task} {row.metric} {row.value:.3f} (support {row.support}) {row.note}\n")
    for error in mismatches(predicted, gold, min_words):
        if error["kind"] in options.errors:
            sys.stdout.write(json.dumps(error, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
