"""The event evaluation's scoring: MEANTIME modality classes, pairwise merging, seed matching."""

from __future__ import annotations

import datetime as dt

from evaluation.events import meantime_modality, pairwise_merge, seed_match

CLASSES = {"meet": "meet", "talk": "meet", "host": "meet"}


def test_meantime_attributes_map_to_four_classes():
    def mention(certainty, polarity, time):
        return {"certainty": certainty, "polarity": polarity, "time": time}

    assert meantime_modality(mention("CERTAIN", "POS", "NON_FUTURE")) == "asserted"
    assert meantime_modality(mention("CERTAIN", "POS", "FUTURE")) == "planned"
    assert meantime_modality(mention("CERTAIN", "NEG", "FUTURE")) == "negated"
    assert meantime_modality(mention("POSSIBLE", "POS", "FUTURE")) == "uncertain"
    assert meantime_modality(mention("UNDERSPECIFIED", "UNDERSPECIFIED", "FUTURE")) is None
    assert meantime_modality(mention(None, None, None)) is None


def test_pairwise_merge_counts_cross_article_pairs_only():
    aligned = [("m1", "g1", "a"), ("m2", "g1", "b"), ("m3", "g2", "b"), ("m4", "g1", "a")]
    fact_of = {"m1": "f1", "m2": "f1", "m3": "f1", "m4": "f2"}
    # cross-article pairs: m1-m2 (same fact, same gold), m1-m3 (same fact, other gold),
    # m2-m4 (other fact, same gold), m3-m4 (other fact, other gold)
    assert pairwise_merge(aligned, fact_of) == (1, 2, 2)


def test_a_seed_event_matches_on_class_sentence_actor_and_date():
    gold = {
        "action": "meet",
        "actors": ["Vladimir Putin", "Ilham Aliyev"],
        "event_date": "2022-10-31",
        "snippets": ["met in Sochi"],
    }
    event = {
        "action": "talk",
        "actors": ["Ilham Aliyev"],
        "event_date": dt.date(2022, 10, 31),
        "date_precision": "day",
        "sentence": "Putin and Aliyev met\u00a0in Sochi.",
    }
    assert seed_match(gold, event, CLASSES)
    assert not seed_match(gold, {**event, "date_precision": "month"}, CLASSES)
    assert not seed_match(gold, {**event, "actors": ["Emmanuel Macron"]}, CLASSES)
    assert not seed_match(gold, {**event, "action": "sign"}, CLASSES)
    assert not seed_match(gold, {**event, "sentence": "They met in Geneva."}, CLASSES)
