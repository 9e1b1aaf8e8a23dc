"""Random news sentences for the numbers gold (``tests/gold/numbers.jsonl``) and its separate dev sample.

Sentences holding a digit or a number word are drawn with a fixed seed from Reuters-21578, BBC News and the
AllSides lead excerpts (read from the corpora folder, never copied into the project except as the gold's
annotated sentences). The gold is the first ``per_corpus`` sentences of each corpus in the seeded order; the
dev sample is the next ``per_corpus``, so the two never share a sentence. ``python -m
evaluation.quantity_sample CORPORA_DIR gold|dev`` prints one JSON line per sentence.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

SEED = 15
PER_CORPUS = 110
CORPORA = (
    ("reuters", "reuters21578.jsonl"),
    ("bbc", "bbc_news.jsonl"),
    ("allsides", "allsides_articles.jsonl"),
)
MIN_CHARS, MAX_CHARS = 30, 400
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘'(])")
_NUMBER_WORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|half|third|quarter)s?\b",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[str]:
    return [
        sentence.strip()
        for paragraph in text.split("\n\n")
        for sentence in _SENTENCE_END.split(paragraph.replace("\n", " "))
        if sentence.strip()
    ]


def candidates(path: Path) -> list[tuple[str, str]]:
    """(record id, sentence) of every sentence of a corpus that holds a digit or a number word."""
    found = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for sentence in _sentences(record.get("text") or ""):
                if not MIN_CHARS <= len(sentence) <= MAX_CHARS:
                    continue
                if re.search(r"\d", sentence) or _NUMBER_WORD.search(sentence):
                    found.append((record["id"], sentence))
    return found


def sample(corpora_dir: Path, part: str, per_corpus: int = PER_CORPUS, seed: int = SEED) -> list[dict]:
    """The ``gold`` or ``dev`` sentences: per corpus, a seeded shuffle of its candidates, sliced."""
    offset = 0 if part == "gold" else per_corpus
    chosen = []
    for corpus, file_name in CORPORA:
        pool = candidates(corpora_dir / file_name)
        random.Random(f"{seed}-{corpus}").shuffle(pool)
        for record_id, sentence in pool[offset : offset + per_corpus]:
            chosen.append({"corpus": corpus, "doc_id": record_id, "sentence": sentence})
    return chosen


if __name__ == "__main__":
    for item in sample(Path(sys.argv[1]), sys.argv[2]):
        print(json.dumps(item, ensure_ascii=False))
