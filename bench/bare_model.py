"""The bare spaCy model over a list of texts: ``spacy.load`` + ``nlp.pipe``, nothing else.

The reference the throughput benchmark compares ``factlake run`` with: the same model package over the
same texts (the parsed article bodies) with the same number of processes, default pipeline and batch size.

Run with ``uv run python bench/bare_model.py TEXTS.json [--processes N]`` (a JSON list of strings);
prints one JSON object: seconds to import and load, seconds of ``nlp.pipe``, texts and tokens.
"""

from __future__ import annotations

import argparse
import json
import time

from factlake.config import ExtractConfig


def main() -> None:
    """Load the model, run it over the texts and print the timings as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", help="JSON file holding a list of texts.")
    parser.add_argument("--processes", type=int, default=1, help="n_process of nlp.pipe.")
    args = parser.parse_args()
    with open(args.texts, encoding="utf-8") as handle:
        texts = json.load(handle)
    start = time.perf_counter()
    import spacy

    nlp = spacy.load(ExtractConfig().spacy_model)
    loaded = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(texts, n_process=args.processes))
    done = time.perf_counter()
    print(
        json.dumps({"load_s": loaded - start, "pipe_s": done - loaded, "texts": len(texts), "tokens": tokens})
    )


if __name__ == "__main__":
    main()
