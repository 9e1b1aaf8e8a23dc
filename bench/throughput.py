"""Throughput of ``factlake run`` against the bare spaCy model, measured side by side in one run.

For each corpus: ``factlake run`` (the real command line, in a subprocess, so Prefect's start-up is
included; it is also reported on its own) builds a dataset from a temporary copy of the corpus; then the
bare model (``bench/bare_model.py``: ``spacy.load`` of the same package + ``nlp.pipe``) runs over the same
texts, the article bodies the run parsed, with the same number of processes (``--processes 2`` runs
factlake with two extraction worker processes, ``--workers 2``, or two Dask workers with
``--runner dask``, and the bare model with ``n_process=2``).

Run with ``uv run python bench/throughput.py [--corpus bbc|reuters|both] [--limit N] [--processes 1|2]``;
prints Markdown tables: throughput and ratio, then seconds per stage (from the manifest's ``timings``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from _common import (
    BENCH_DIR,
    STAGES,
    check,
    cleanup,
    corpus_lines,
    factlake_command,
    latest_manifest,
    machine_info,
    print_machine,
    print_table,
    run_measured,
    stage_seconds,
    work_dir,
    write_source,
)


def measure_corpus(corpus: str, limit: int | None, processes: int, runner: str = "default") -> dict[str, Any]:
    """Run factlake and the bare model on one corpus; return their measurements."""
    from factlake.publish import latest_version, read_table

    lines = corpus_lines(corpus)[:limit]
    folder = work_dir(f"throughput-{corpus}")
    try:
        source = write_source(folder / "source", lines, f"{corpus}.jsonl")
        dataset = folder / "dataset"
        run = check(run_measured(factlake_command(source, dataset, processes, runner)), "factlake run")
        manifest = latest_manifest(dataset)
        version = latest_version(dataset)
        assert version is not None
        bodies = read_table(version, "articles")["body"].tolist()
        texts = folder / "texts.json"
        texts.write_text(json.dumps(bodies), encoding="utf-8")
        command = [
            sys.executable,
            str(BENCH_DIR / "bare_model.py"),
            str(texts),
            "--processes",
            str(processes),
        ]
        bare = check(run_measured(command), "bare model")
        bare_result = json.loads(bare.stdout.strip().splitlines()[-1])
    finally:
        cleanup(folder)
    return {
        "corpus": corpus,
        "inputs": len(lines),
        "articles": len(bodies),
        "run": run,
        "stages": stage_seconds(run, manifest),
        "cache": manifest.get("extraction_cache", {}),
        "bare": bare,
        "bare_result": bare_result,
    }


def main() -> None:
    """Parse the options, run the measurements and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["bbc", "reuters", "both"], default="both")
    parser.add_argument("--limit", type=int, default=None, help="First N articles of each corpus.")
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1)
    parser.add_argument("--runner", choices=["default", "dask"], default="default")
    args = parser.parse_args()
    corpora = ["bbc", "reuters"] if args.corpus == "both" else [args.corpus]

    print(
        f"# factlake run vs bare spaCy model ({args.processes} process(es), limit {args.limit or 'none'})\n"
    )
    print_machine(machine_info())
    results = [measure_corpus(corpus, args.limit, args.processes, args.runner) for corpus in corpora]

    rows = []
    for result in results:
        run, bare, bare_result, stages = (
            result["run"],
            result["bare"],
            result["bare_result"],
            result["stages"],
        )
        tokens = bare_result["tokens"]
        without_startup = run.wall - stages.get("startup", 0.0)
        rows.append(
            [
                result["corpus"],
                result["articles"],
                tokens,
                "factlake run",
                run.wall,
                result["articles"] / run.wall,
                tokens / run.wall,
                run.cpu,
                run.peak_rss_mb,
                run.wall / bare.wall,
                run.cpu / bare.cpu,
                without_startup / bare_result["pipe_s"],
            ]
        )
        rows.append(
            [
                result["corpus"],
                result["articles"],
                tokens,
                "bare model",
                bare.wall,
                result["articles"] / bare.wall,
                tokens / bare.wall,
                bare.cpu,
                bare.peak_rss_mb,
                1.0,
                1.0,
                None,
            ]
        )
        rows.append(
            [
                result["corpus"],
                result["articles"],
                tokens,
                "(bare nlp.pipe only)",
                bare_result["pipe_s"],
                result["articles"] / bare_result["pipe_s"],
                tokens / bare_result["pipe_s"],
                None,
                None,
                None,
                None,
                None,
            ]
        )
    print("## Throughput\n")
    print_table(
        [
            "corpus",
            "articles",
            "tokens",
            "command",
            "wall s",
            "articles/s",
            "tokens/s",
            "CPU s",
            "peak RSS MiB",
            "wall ratio",
            "CPU ratio",
            "wall ratio w/o start-up to pipe",
        ],
        rows,
    )
    print(
        "wall ratio: wall time of the whole command over the bare model's whole command (Python start, "
        "spaCy load, nlp.pipe); CPU ratio: the same with CPU seconds (user + system, children included), "
        "which other load on the machine distorts less; wall ratio w/o start-up to pipe: factlake without "
        "its start-up over nlp.pipe alone.\n"
    )
    print("## Seconds per stage of factlake run\n")
    stage_rows = []
    for result in results:
        stages = result["stages"]
        stage_rows.append(
            [
                result["corpus"],
                *(stages.get(stage) for stage in STAGES),
                stages["total"],
                result["cache"].get("extracted"),
            ]
        )
    print_table(["corpus", *STAGES, "total", "articles through spaCy"], stage_rows)


if __name__ == "__main__":
    main()
