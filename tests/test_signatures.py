"""Near-duplicate signatures kept between runs: an incremental run's duplicates equal a full rebuild's."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from datasketch import MinHash, MinHashLSH

from evaluation import DEFAULT_CORPORA_DIR
from factlake.config import DedupConfig
from factlake.dedup import mark_duplicate_articles, signatures
from factlake.dedup.articles import MINHASH_SEED, minhash_signatures, near_duplicate_groups, word_shingles
from factlake.dedup.story_table import mark_articles, previous_assignment
from factlake.records import new_record, normalize_text, sha256_hex, stable_id, to_frame

CONFIG = DedupConfig()
DUPLICATE_COLUMNS = ["article_id", "duplicate_of", "duplicate_kind", "duplicate_similarity"]

LEAD = (
    "The central bank raised its main interest rate by half a point on Thursday, the third increase this "
    "year, saying inflation in services and wages had not slowed as quickly as it had expected in spring. "
)
TAIL = (
    "Markets had priced in a smaller move. The currency rose against the dollar and bond yields climbed "
    "to their highest level in a decade, while shares of house builders fell sharply in afternoon trade."
)


def article(number: int, body: str, published: dt.date | None) -> dict:
    return new_record(
        "articles",
        article_id=stable_id("article", number),
        source_uri=f"{number:03d}.txt",
        title=f"Story {number}",
        published_date=published,
        date_source="metadata" if published else "none",
        body=body,
        n_words=len(body.split()),
        body_sha256=sha256_hex(normalize_text(body)),
        content_sha256=sha256_hex(f"{number}{body}"),
    )


def wire_copies() -> list[dict]:
    """Articles with exact copies, near copies (a changed sentence), short notices and unrelated texts."""
    day = dt.date(2024, 3, 1)
    texts = [
        LEAD + TAIL,
        LEAD + TAIL,  # exact copy
        LEAD + TAIL.replace("highest level in a decade", "highest level since 2014"),  # near copy
        "Qtly div six cts vs six cts prior. Pay April 15. Record April 1.",
        "Qtly div seven cts vs seven cts prior. Pay April 15. Record April 1.",
        TAIL + " " + LEAD,
        " ".join(f"word{number}" for number in range(80)),
    ]
    return [article(number, text, day + dt.timedelta(days=number % 3)) for number, text in enumerate(texts)]


def later_arrivals() -> list[dict]:
    day = dt.date(2024, 3, 9)
    texts = [
        LEAD + TAIL.replace("sharply", "steeply"),  # near copy of the first article
        LEAD + TAIL,  # exact copy again
        " ".join(f"word{number}" for number in range(3, 83)),  # near copy of the unrelated text
        "An entirely different story about a football match won by three goals to nil on Saturday night.",
    ]
    return [article(100 + number, text, day) for number, text in enumerate(texts)]


def minhash_of(row: np.ndarray) -> MinHash:
    """A datasketch MinHash holding ``row``, of the scheme and seed the pipeline signs with."""
    scheme = minhash_signatures([{b"x"}], CONFIG)[0].scheme
    return MinHash(num_perm=CONFIG.num_perm, seed=MINHASH_SEED, hashvalues=row, scheme=scheme)


def duplicates_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[DUPLICATE_COLUMNS].sort_values("article_id").reset_index(drop=True)


def datasketch_groups(matrix: np.ndarray, config: DedupConfig) -> tuple[list[int], list[float]]:
    """Leader clustering with ``datasketch.MinHashLSH`` proposing the candidates (the reference)."""
    minhashes = [minhash_of(row) for row in matrix]
    index = MinHashLSH(threshold=config.near_duplicate_threshold, num_perm=config.num_perm)
    for position, minhash in enumerate(minhashes):
        index.insert(position, minhash, check_duplication=False)
    leader, similarity = list(range(len(matrix))), [1.0] * len(matrix)
    assigned = [False] * len(matrix)
    for position in range(len(matrix)):
        if assigned[position]:
            continue
        assigned[position] = True
        for candidate in sorted(index.query(minhashes[position])):
            estimate = minhashes[position].jaccard(minhashes[candidate])
            if not assigned[candidate] and estimate >= config.near_duplicate_threshold:
                assigned[candidate], leader[candidate], similarity[candidate] = True, position, estimate
    return leader, similarity


def test_band_index_proposes_the_candidates_of_datasketch_lsh() -> None:
    bodies = [record["body"] for record in wire_copies() + later_arrivals()]
    shingles = [word_shingles(body, CONFIG.shingle_size) for body in bodies]
    matrix = np.array([minhash.hashvalues for minhash in minhash_signatures(shingles, CONFIG)])
    index = MinHashLSH(threshold=CONFIG.near_duplicate_threshold, num_perm=CONFIG.num_perm)
    for position, row in enumerate(matrix):
        index.insert(position, minhash_of(row))
    bands = signatures.BandIndex(
        matrix, *signatures.lsh_bands(CONFIG.near_duplicate_threshold, CONFIG.num_perm)
    )
    for position, row in enumerate(matrix):
        expected = sorted(index.query(minhash_of(row)))
        assert bands.query(position).tolist() == expected
    assert any(len(bands.query(position)) > 1 for position in range(len(matrix)))


def test_cached_signatures_give_the_duplicates_of_a_full_rebuild(tmp_path: Path) -> None:
    first, later = wire_copies(), later_arrivals()
    cache = signatures.load_signatures(tmp_path, CONFIG)
    v1 = mark_articles(to_frame("articles", first), None, 1, CONFIG, cache)
    signatures.save_signatures(tmp_path, cache)
    assert cache.stats() == {"bodies": 6, "signed": 6, "from_cache": 0}

    cache = signatures.load_signatures(tmp_path, CONFIG)
    carried = previous_assignment(v1, 1)
    v2 = mark_articles(to_frame("articles", first + later), carried, 2, CONFIG, cache)
    # Only the three bodies not seen before are signed; the exact copy is looked up.
    assert cache.stats() == {"bodies": 9, "signed": 3, "from_cache": 6}
    rebuilt = mark_articles(to_frame("articles", first + later), carried, 2, CONFIG)
    pd.testing.assert_frame_equal(duplicates_of(v2), duplicates_of(rebuilt))
    kinds = duplicates_of(v2).set_index("article_id")["duplicate_kind"]
    assert kinds[stable_id("article", 100)] == "near"
    assert kinds[stable_id("article", 102)] == "near"
    assert kinds[stable_id("article", 101)] == "exact"


def test_a_cache_of_other_settings_or_a_damaged_file_is_not_used(tmp_path: Path) -> None:
    cache = signatures.load_signatures(tmp_path, CONFIG)
    mark_duplicate_articles(to_frame("articles", wire_copies()), CONFIG, cache)
    signatures.save_signatures(tmp_path, cache)
    assert len(signatures.load_signatures(tmp_path, CONFIG).hashvalues) == 6
    other = dataclasses.replace(CONFIG, shingle_size=4)
    assert signatures.load_signatures(tmp_path, other).hashvalues == {}
    (tmp_path / ".cache" / signatures.SIGNATURE_FILE).write_bytes(b"not parquet")
    assert signatures.load_signatures(tmp_path, CONFIG).hashvalues == {}
    assert [path.name for path in (tmp_path / ".cache").iterdir()] == [signatures.SIGNATURE_FILE]


def corpus_bodies(name: str, limit: int) -> list[str]:
    bodies: list[str] = []
    with open(DEFAULT_CORPORA_DIR / name, encoding="utf-8") as handle:
        for line in handle:
            text = str(json.loads(line).get("text") or "")
            if text.strip():
                bodies.append(text)
            if len(bodies) == limit:
                break
    return list(dict.fromkeys(bodies))


@pytest.mark.parametrize(("name", "limit"), [("reuters21578.jsonl", 1500), ("bbc_news.jsonl", 600)])
def test_near_duplicates_of_real_corpora_equal_those_found_with_datasketch(name: str, limit: int) -> None:
    if not (DEFAULT_CORPORA_DIR / name).exists():
        pytest.skip("corpora not available")
    bodies = corpus_bodies(name, limit)
    counts, matrix = signatures.body_signatures(bodies, [sha256_hex(body) for body in bodies], CONFIG)
    eligible = matrix[counts >= CONFIG.near_duplicate_min_shingles]
    found = near_duplicate_groups(eligible, list(range(len(eligible))), CONFIG)
    assert found == datasketch_groups(eligible, CONFIG)
    assert sum(leader != position for position, leader in enumerate(found[0])) > 0
