"""The array path of story similarities equals the pair-by-pair definition on generated articles (issue #16).

:func:`factlake.dedup.stories.story_similarities` scores its candidate pairs with array operations
(:func:`factlake.dedup.stories.conflict_factors`); the definition is one pair at a time:
the weighted cosine times :func:`factlake.dedup.stories.conflict_factor`. Both must give the same pairs,
the same floats and the same order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import math
import random
from collections import defaultdict

import numpy as np
import pytest

from factlake.config import DedupConfig
from factlake.dedup._unionfind import UnionFind
from factlake.dedup.stories import (
    StorySignals,
    average_linkage,
    conflict_factor,
    conflict_factors,
    content_words,
    name_terms,
    story_signals,
    story_similarities,
    tfidf_matrix,
)

CONFIG = DedupConfig()

NAMES = ["Reid", "Ketsoyan", "Ludian", "Correa", "Pedernales", "Aliyev", "Sochi", "Jackson", "Williams"]
WORDS = ["earthquake", "rescuers", "talks", "arrested", "bail", "houses", "killed", "summit", "police", "oil"]
MONTHS = ["March", "October", "November"]
QUOTES = [
    "“It was a very useful meeting for all of us,”",
    "“We will rebuild every house in the valley,”",
]


def generated_text(rng: random.Random) -> str:
    """A short news-like text: capitalized names inside sentences, common words, years, months, quotes."""
    sentences = []
    for _ in range(rng.randint(1, 4)):
        words = [rng.choice(WORDS).capitalize()]
        for _ in range(rng.randint(3, 9)):
            pick = rng.random()
            if pick < 0.35:
                words.append(rng.choice(NAMES))
            elif pick < 0.45:
                words.append(str(rng.choice([1986, 1987, 2009, 398, 661])))
            elif pick < 0.5:
                words.append(f"{rng.choice(MONTHS)} {rng.randint(1, 28)}")
            else:
                words.append(rng.choice(WORDS))
        sentence = " ".join(words) + "."
        if rng.random() < 0.3:
            sentence += " " + rng.choice(QUOTES) + " " + rng.choice(NAMES) + " said."
        sentences.append(sentence)
    return " ".join(sentences)


def generated_corpus(seed: int, size: int) -> tuple[list[str], list[str], list[int | None]]:
    rng = random.Random(seed)
    bodies = [generated_text(rng) for _ in range(size)]
    texts = [f"{rng.choice(WORDS)} {rng.choice(NAMES)}\n{body}" for body in bodies]
    start = dt.date(1987, 3, 1).toordinal()
    ordinals = [None if rng.random() < 0.25 else start + rng.randint(0, 20) for _ in range(size)]
    return texts, bodies, ordinals


def similarities_pair_by_pair(
    texts: list[str], bodies: list[str], ordinals: list[int | None], config: DedupConfig, involved=None
) -> dict[tuple[int, int], float]:
    """The definition: every pair within the date gap, its weighted cosine times its conflict factor."""
    words = tfidf_matrix([content_words(text) for text in texts])
    names = tfidf_matrix([name_terms(body) for body in bodies])
    weight = config.story_entity_weight
    signals = [
        story_signals(text, body, day, config)
        for text, body, day in zip(texts, bodies, ordinals, strict=True)
    ]
    result = {}
    for first in range(len(texts)):
        for second in range(first + 1, len(texts)):
            if involved is not None and not (involved[first] or involved[second]):
                continue
            dated = ordinals[first] is not None and ordinals[second] is not None
            if dated and abs(ordinals[first] - ordinals[second]) > config.story_max_date_gap_days:
                continue
            value = (1.0 - weight) * (words[first] @ words[second].T).toarray()[0, 0]
            value += weight * (names[first] @ names[second].T).toarray()[0, 0]
            if value < config.story_min_pair_similarity:
                continue
            similarity = float(value) * conflict_factor(signals[first], signals[second], dated, config)
            if similarity >= config.story_min_pair_similarity:
                result[(first, second)] = similarity
    return result


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_array_similarities_equal_the_pair_by_pair_definition(seed: int) -> None:
    texts, bodies, ordinals = generated_corpus(seed, 60)
    expected = similarities_pair_by_pair(texts, bodies, ordinals, CONFIG)
    found = story_similarities(texts, bodies, ordinals, CONFIG)
    assert found == expected
    assert len(expected) > 20
    assert any(value != int(value) for value in expected.values())
    involved = np.array([position % 7 == 0 for position in range(len(texts))])
    assert story_similarities(texts, bodies, ordinals, CONFIG, involved) == similarities_pair_by_pair(
        texts, bodies, ordinals, CONFIG, involved
    )


def test_array_conflict_factors_equal_conflict_factor_on_every_kind_of_pair() -> None:
    """Random signals cover quotations shared or not, subjects said or unsaid, dated and undated pairs."""
    rng = random.Random(7)

    def some(values: list, most: int) -> frozenset:
        return frozenset(rng.sample(values, rng.randint(0, most)))

    signals = []
    for _ in range(40):
        published = rng.choice([None, 1986, 1987])
        signals.append(
            StorySignals(
                years=some([1985, 1986, 1987], 2),
                months=some(["march", "april", "may"], 2),
                subjects=some(["reid", "jackson", "correa"], 2),
                words=some(["reid", "jackson", "correa", "oil", "bail"], 4),
                published_year=published,
                latest_year_mentioned=rng.choice([None, 1985, 1988]),
                quotations=some([("a",) * 6, ("b",) * 6, ("c",) * 6], 1),
            )
        )
    first = np.array([rng.randrange(40) for _ in range(500)], dtype=np.int64)
    second = np.array([rng.randrange(40) for _ in range(500)], dtype=np.int64)
    dated = np.array([rng.random() < 0.5 for _ in range(500)])
    config = dataclasses.replace(CONFIG, story_subject_conflict_factor=0.7, story_year_conflict_factor=0.3)
    found = conflict_factors(first, second, dated, signals.__getitem__, config)
    expected = [
        conflict_factor(signals[one], signals[other], bool(both), config)
        for one, other, both in zip(first.tolist(), second.tolist(), dated.tolist(), strict=True)
    ]
    assert found.tolist() == expected
    assert len(set(expected)) >= 4


def linkage_by_dicts(
    n_items: int, similarities: dict, threshold: float, fixed_groups: list[list[int]]
) -> list[int]:
    """Average linkage as first written: union-find components, then every merge on dicts of group links."""
    root_of = list(range(n_items))
    fixed = set()
    for group in fixed_groups:
        fixed.add(min(group))
        for item in group:
            root_of[item] = min(group)
    components = UnionFind(n_items)
    for item, root in enumerate(root_of):
        components.union(item, root)
    for (first, second), similarity in similarities.items():
        if similarity >= threshold:
            components.union(first, second)
    members = defaultdict(list)
    for item in range(n_items):
        members[root_of[item]].append(item)
    links = defaultdict(dict)
    for (first, second), similarity in similarities.items():
        if components.find(first) != components.find(second):
            continue
        first, second = root_of[first], root_of[second]
        if first != second:
            links[first][second] = links[first].get(second, 0.0) + similarity
            links[second][first] = links[first][second]
    heap = []
    for first, neighbours in links.items():
        for second, total in neighbours.items():
            mean = total / (len(members[first]) * len(members[second]))
            if first < second and not (first in fixed and second in fixed) and mean >= threshold:
                heap.append((-mean, first, second))
    heapq.heapify(heap)
    while heap:
        negative_mean, first, second = heapq.heappop(heap)
        if first not in members or second not in members or second not in links[first]:
            continue
        mean = links[first][second] / (len(members[first]) * len(members[second]))
        if not math.isclose(mean, -negative_mean):
            continue
        merged, absorbed = min(first, second), max(first, second)
        members[merged].extend(members.pop(absorbed))
        if absorbed in fixed:
            fixed.add(merged)
        for neighbour, total in links.pop(absorbed).items():
            links[neighbour].pop(absorbed, None)
            if neighbour != merged:
                links[merged][neighbour] = links[merged].get(neighbour, 0.0) + total
                links[neighbour][merged] = links[merged][neighbour]
        for neighbour, total in links[merged].items():
            mean = total / (len(members[merged]) * len(members[neighbour]))
            if not (merged in fixed and neighbour in fixed) and mean >= threshold:
                heapq.heappush(heap, (-mean, min(merged, neighbour), max(merged, neighbour)))
    group = [0] * n_items
    for items in members.values():
        for item in items:
            group[item] = min(items)
    return group


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_average_linkage_equals_the_dict_definition_with_and_without_fixed_groups(seed: int) -> None:
    rng = random.Random(seed)
    n_items = 120
    similarities = {}
    for _ in range(900):
        first, second = sorted(rng.sample(range(n_items), 2))
        similarities[(first, second)] = rng.choice([0.05, 0.1, 0.2, 0.3, 0.6]) * rng.uniform(0.5, 1.5)
    items = rng.sample(range(n_items), 60)
    fixed_groups = [items[start : start + 1 + start % 2] for start in range(0, 60, 3)]
    for groups in ([], fixed_groups):
        expected = linkage_by_dicts(n_items, similarities, 0.19, groups)
        assert average_linkage(n_items, similarities, 0.19, groups) == expected
        assert 1 < len(set(expected)) < n_items
