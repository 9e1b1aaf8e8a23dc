"""Incremental runs: a full run, a run with nothing changed, and a run with 1% new articles.

The source starts with 99% of the chosen articles; after the full run and a no-change run, the last 1%
is added as a second input file. Times are reported against the full run. The no-change run stops after
discovering and parsing the inputs (nothing to publish); the 1% run takes the extraction of the other
articles from the cache (``DIR/.cache``), signs only the new bodies for near-duplicate detection
(``DIR/.cache/signatures.parquet``), compares only the new articles' pairs for stories, and redoes
linking, fact dedup, validation and publishing over all. A second table gives the seconds per stage.

Run with ``uv run python bench/incremental.py [--corpus bbc|reuters] [--limit N] [--workers N]``.
"""

from __future__ import annotations

import argparse
import os

from _common import (
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


def _outcome(stdout: str) -> str:
    """The last line of the run's summary, without the dataset's path."""
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    if last.startswith("published:"):
        return f"published {last.rsplit('/', 1)[-1]}"
    return last.split(";")[0]


def main() -> None:
    """Run the three runs on one dataset and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["bbc", "reuters"], default="bbc")
    parser.add_argument("--limit", type=int, default=None, help="First N articles of the corpus.")
    parser.add_argument("--workers", type=int, default=1, help="Extraction processes (default 1).")
    args = parser.parse_args()
    lines = corpus_lines(args.corpus)[: args.limit]
    new = max(1, round(len(lines) / 100))
    print(f"# Incremental runs ({args.corpus}, {len(lines)} articles, {new} new)\n")
    print_machine(machine_info())

    folder = work_dir("incremental")
    rows = []
    try:
        source = write_source(folder / "source", lines[:-new], "base.jsonl")
        dataset = folder / "dataset"
        command = factlake_command(source, dataset, args.workers)
        runs = []
        for name in ("full run", "no change", "1% new articles"):
            if name == "1% new articles":
                write_source(source, lines[-new:], "new.jsonl")
            load = os.getloadavg()[0]
            run = check(run_measured(command), name)
            manifest = latest_manifest(dataset)
            published = "up to date" not in run.stdout
            stages = stage_seconds(run, manifest) if published else {"total": run.wall}
            caches = {**manifest.get("extraction_cache", {}), **manifest.get("signature_cache", {})}
            validated = manifest.get("validated_rows")
            if validated:  # rows that went through the per-row checks (code that records it)
                caches["rows validated"] = (
                    f"{validated['rows'] - validated['already_valid']}/{validated['rows']}"
                )
            caches["load"] = load
            runs.append((name, run, stages, caches if published else {"load": load}))
    finally:
        cleanup(folder)
    full = runs[0][1]
    for name, run, stages, cache_stats in runs:
        rows.append(
            [
                name,
                run.wall,
                run.wall / full.wall,
                run.cpu,
                run.cpu / full.cpu,
                stages.get("startup"),
                stages.get("extract"),
                cache_stats.get("extracted"),
                cache_stats.get("carried_over"),
                run.peak_rss_mb,
                _outcome(run.stdout),
            ]
        )
    print_table(
        ["run", *STAGES, "bodies signed", "signatures from cache", "rows validated", "load (1 min) at start"],
        [
            [
                name,
                *(stages.get(stage) for stage in STAGES),
                cache_stats.get("signed"),
                cache_stats.get("from_cache"),
                cache_stats.get("rows validated"),
                cache_stats.get("load"),
            ]
            for name, _, stages, cache_stats in runs
        ],
    )
    print()
    print_table(
        [
            "run",
            "wall s",
            "of full (wall)",
            "CPU s",
            "of full (CPU)",
            "start-up s",
            "extract s",
            "extracted",
            "from cache",
            "peak RSS MiB",
            "outcome",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
