"""How the cost of ``factlake run`` grows with the corpus and the processes.

Builds datasets from 1x, 2x and 4x a base number of Reuters stories (growing prefixes of the corpus, so
every article is a different story, not a copy), with the default task runner in one process and with
the Dask runner on one and two worker processes, and reports the time per article. Linear cost shows as a
flat time per article across sizes; the fixed start-up cost shows as a higher time per article at 1x.

Run with ``uv run python bench/scaling.py [--base N] [--corpus reuters|bbc]``; prints a Markdown table.
"""

from __future__ import annotations

import argparse

from _common import (
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

SETUPS = [("default", 1), ("dask", 1), ("dask", 2)]
FACTORS = [1, 2, 4]


def main() -> None:
    """Run every (runner, processes, size) combination and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=250, help="Articles at 1x.")
    parser.add_argument("--corpus", choices=["reuters", "bbc"], default="reuters")
    args = parser.parse_args()
    lines = corpus_lines(args.corpus)
    if args.base * max(FACTORS) > len(lines):
        raise SystemExit(f"--base too large: {args.corpus} has {len(lines)} articles")

    print(f"# Scaling of factlake run ({args.corpus}, base {args.base} articles)\n")
    print_machine(machine_info())
    rows = []
    for runner, processes in SETUPS:
        for factor in FACTORS:
            folder = work_dir("scaling")
            try:
                source = write_source(folder / "source", lines[: args.base * factor], f"{args.corpus}.jsonl")
                dataset = folder / "dataset"
                command = factlake_command(source, dataset, processes, runner)
                run = check(run_measured(command), "factlake run")
                stages = stage_seconds(run, latest_manifest(dataset))
            finally:
                cleanup(folder)
            articles = args.base * factor
            work = run.wall - stages.get("startup", 0.0)
            rows.append(
                [
                    runner,
                    processes,
                    f"{factor}x",
                    articles,
                    run.wall,
                    stages.get("startup"),
                    stages.get("extract"),
                    1000 * run.wall / articles,
                    1000 * work / articles,
                    1000 * run.cpu / articles,
                    run.peak_rss_mb,
                ]
            )
            print(f"done: {runner} x{processes} {factor}x in {run.wall:.0f} s", flush=True)
    print()
    print_table(
        [
            "runner",
            "processes",
            "size",
            "articles",
            "wall s",
            "start-up s",
            "extract s",
            "ms/article",
            "ms/article w/o start-up",
            "CPU ms/article",
            "peak RSS MiB",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
