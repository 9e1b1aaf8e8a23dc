"""The unit model of numeric claims: canonical units, per-units, currencies read in context.

``unit`` stays the unit as the extractor always wrote it (the counted noun, a currency code, "percent");
``unit_normalized`` is the canonical singular name a reader compares by:

- a currency is its ISO 4217 code ("dlrs", "$", "US $", "HK$" → USD / HKD), "cts" and "p" are "USD cent" and
  "GBP penny"; a currency word several countries use ("crowns", "pesos", "dinars") takes the code of the
  country its sentence names (``currency_countries.csv``); "pounds" is weight when "of" follows it or the
  sentence speaks of weighing, money otherwise;
- a unit of measurement is its canonical name from ``units.csv`` ("km" → kilometer, "bhp" → horsepower,
  "mph" → miles per hour, "pct" → percent), with its measure (the dimension);
- a per-unit joins two ("4,000 tonnes per day" → "tonne per day", "33 dlrs a barrel" → "USD per barrel",
  "20.1 per 100,000" → "per 100000"); a composed name that ``units.csv`` knows takes its canonical form
  ("mile per hour" → "miles per hour") and measure (speed);
- a counted noun is its singular lemma with the nouns compounded before it ("19 member countries" →
  "member country"), irregular ones through ``units.csv`` kind=noun ("people" → person).
"""

from __future__ import annotations

from typing import Any

#: Words that join a per-unit: "per day", "a barrel", "an hour".
PER_WORDS = frozenset({"per", "a", "an"})
#: Words after "a year"/"a week" that make it a date ("a year earlier"), not a per-unit.
_DATE_AFTER = frozenset({"earlier", "ago", "later", "before", "after", "back", "from", "since"})
#: Lemmas that make "pounds" a weight.
WEIGHT_LEMMAS = frozenset({"weigh", "weight", "heavy", "overweight", "lose", "gain", "lift", "pound"})
MINOR_CURRENCY = frozenset({"USD cent", "GBP penny"})


def canonical_unit(surface: str, vocab: Any) -> tuple[str, str] | None:
    """(canonical name, measure) of a unit as written (lower case), or None when it is no unit."""
    return vocab.unit_table.get(surface.lower())


def is_currency_code(unit: str | None, vocab: Any) -> bool:
    """Whether ``unit`` is a currency as the extractor writes it (an ISO code or a minor unit)."""
    return unit is not None and unit in vocab.currency_codes


def currency_in_context(surface: str, sentence: Any, following: Any, vocab: Any) -> tuple[str, str]:
    """(unit, measure) of a currency word read in its sentence: the country's currency, or "pounds" of weight.

    Args:
        surface: The currency word as written, lower case.
        sentence: The spaCy span of the sentence.
        following: The token after the currency word, or None.
        vocab: The extractor's vocabulary.
    """
    if surface in {"pounds", "pound"} and _weight_pounds(sentence, following):
        return "pound", "weight"
    countries = vocab.currency_countries.get(surface)
    if countries:
        named = {entity.text.lower() for entity in sentence.ents if entity.label_ in {"GPE", "NORP"}}
        for country, code in countries.items():
            if country in named:
                return code, "money"
    return vocab.currencies[surface], "money"


def _weight_pounds(sentence: Any, following: Any) -> bool:
    if following is not None and following.lower_ == "of":
        return True
    if any(token.text in {"£"} or token.lower_ in {"sterling", "stg"} for token in sentence):
        return False
    return any(token.lemma_.lower() in WEIGHT_LEMMAS - {"pound"} for token in sentence)


def per_unit(tokens: list[Any], end: int, numerator: str | None, vocab: Any) -> tuple[str, int] | None:
    """The per-unit after a claim's unit ending before token ``end``: ("USD per barrel", new end), or None.

    "per" takes an optional number and a noun ("per 100 kilos", "per 100,000"); "a"/"an" only a singular
    noun that is no date ("33 dlrs a barrel", not "2.26 billion a year earlier").
    """
    if end >= len(tokens) or tokens[end].lower_ not in PER_WORDS:
        return None
    joiner = tokens[end].lower_
    index = end + 1
    count = ""
    if joiner == "per" and index < len(tokens) and tokens[index].like_num:
        count = tokens[index].text.replace(",", "")
        index += 1
    nouns = _per_nouns(tokens, index)
    noun_end = nouns[-1].i + 1 if nouns else index
    if joiner != "per" and (not nouns or nouns[-1].tag_ not in {"NN", "NNP"}):
        return None
    if joiner != "per" and noun_end < len(tokens) and tokens[noun_end].lower_ in _DATE_AFTER:
        return None
    if not nouns and not count:
        return None
    denominator = " ".join(part for part in (count, singular_phrase(nouns, vocab)) if part)
    name = f"{numerator} per {denominator}" if numerator else f"per {denominator}"
    return name, (nouns[-1].i + 1 if nouns else index)


def _per_nouns(tokens: list[Any], index: int) -> list[Any]:
    """The noun after "per"/"a" with the nouns compounded into it, past its adjectives ("per successful
    asylum seeker" → asylum seeker, "per planted acre" → acre)."""
    while index < len(tokens) and tokens[index].dep_ == "amod" and tokens[index].head.i > index:
        index += 1
    if index >= len(tokens) or tokens[index].pos_ not in {"NOUN", "PROPN"}:
        return []
    last = index
    while last + 1 < len(tokens) and tokens[last].dep_ == "compound" and tokens[last].head.i == last + 1:
        last += 1
    return list(tokens[index : last + 1])


def singular_phrase(nouns: list[Any], vocab: Any) -> str:
    """ "member states" → "member state", "lbs" → "pound": a noun phrase's canonical singular."""
    if not nouns:
        return ""
    head = nouns[-1]
    known = canonical_unit(head.lower_, vocab)
    if known is not None and len(nouns) == 1:
        return known[0]
    words = [token.lower_ for token in nouns[:-1]] + [singular(head, vocab)]
    return " ".join(words)


def singular(token: Any, vocab: Any) -> str:
    """Singular of a counted noun: the irregular list, else the parser's lemma, lower case."""
    lower = token.lower_
    if lower in vocab.noun_singulars:
        return vocab.noun_singulars[lower]
    known = canonical_unit(lower, vocab)
    if known is not None:
        return known[0]
    lemma = token.lemma_.lower()
    if token.tag_ == "NNPS" and lemma == lower and lower.endswith("s"):
        return lower[:-1]  # "Republicans": the parser keeps proper plurals as they are
    return lemma if lemma and lemma != "-pron-" else lower


def counted_noun_name(noun: Any, vocab: Any, first: int = 0) -> str:
    """Canonical name of the noun a number counts, with the nouns compounded right before it (from token
    ``first`` on: the number's own tokens, as the "m" of "39m cases", are not part of it)."""
    compounds = []
    index = noun.i - 1
    for child in reversed(list(noun.lefts)):
        if child.i == index >= first and child.dep_ == "compound" and child.pos_ in {"NOUN", "PROPN"}:
            compounds.insert(0, child)
            index -= 1
        else:
            break
    if compounds and any(token.like_num for token in compounds):
        compounds = []
    return singular_phrase([*compounds, noun], vocab)


def compose_per(numerator: str, denominator: str, vocab: Any) -> tuple[str, str | None]:
    """Canonical name and measure of a composed per-unit, when ``units.csv`` knows it."""
    name = f"{numerator} per {denominator}"
    known = canonical_unit(name, vocab)
    return (known[0], known[1]) if known else (name, None)
