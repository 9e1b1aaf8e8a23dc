"""Storage of successive versions: bytes a version writes against a full copy of it.

The source starts with the first articles of the corpus (all but ``--steps`` times 1%); each of the
``--steps`` following runs adds the next 1% as a new input file and publishes a version. For every version
the manifest's ``storage`` says how many bytes its tables hold (what a full copy of the version costs,
the layout before versions shared parts) and how many of them were new parts (written into the store;
the rest are hard links to parts of earlier versions). The dataset folder's real size on disk (``du``,
hard links counted once) is measured at the end.

Then the same versions' tables are published again, in order, into fresh datasets, once per candidate
layout (:data:`LAYOUTS`, see ``factlake.parts.Layout``): what each version writes per table, against a
full copy of that table, the files per table of the last version, and the DuckDB time of
``select count(*)`` over its facts folder. ``--replay DATASET`` replays an existing dataset's versions
only (no pipeline runs).

Run with ``uv run python bench/storage.py [--corpus reuters|bbc] [--limit N] [--steps 10]``; prints
Markdown tables: per version, then the totals per table of the last version, then the layouts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
    work_dir,
    write_source,
)


def disk_bytes(folder: object) -> int:
    """Bytes the folder really takes on disk (``du``: every hard-linked file counted once)."""
    output = subprocess.run(["du", "-sb", str(folder)], capture_output=True, text=True, check=True).stdout
    return int(output.split()[0])


def single_file_bytes(dataset: object) -> int:
    """Bytes the latest version would take in the single-file layout (one zstd Parquet file per table
    with its Arrow schema, as versions were written before parts): what a full copy costs."""
    from factlake import publish

    return sum(single_file_bytes_by_table(publish.latest_version(dataset)).values())


def single_file_bytes_by_table(version: Any) -> dict[str, int]:
    """Bytes of every table of a version as one zstd Parquet file with its Arrow schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from factlake import publish

    sizes = {}
    for table in publish.read_manifest(version)["tables"]:
        sink = pa.BufferOutputStream()
        arrow_table = publish.to_arrow(table, publish.read_table(version, table))
        pq.write_table(arrow_table, sink, compression="zstd", row_group_size=publish.ROW_GROUP_SIZE)
        sizes[table] = sink.getvalue().size
    return sizes


#: Part sizes of the layout before smaller parts (2026-12-01 morning).
EARLIER_PART_ROWS = {"facts": 128, "mentions": 256, "entities": 256, "stories": 128, "conflicts": 1024}
#: Candidate layouts replayed on the same versions: name → ``factlake.parts.Layout`` arguments.
LAYOUTS: dict[str, dict[str, Any]] = {
    "first version": {
        "generational": False,
        "part_rows": {**EARLIER_PART_ROWS, "mentions": 1024},
        "statistics": "all",
        "compression_level": None,
    },
    "generational, zstd 1, statistics but on text (before)": {
        "part_rows": EARLIER_PART_ROWS,
        "statistics": "all but text",
        "compression_level": None,
    },
    "+ zstd 6, statistics on ids, kinds and dates": {"part_rows": EARLIER_PART_ROWS},
    "default: + parts of 64 rows (facts, entities, conflicts), 32 (stories), 128 (mentions)": {},
}
#: Tables reported one by one (the others count in "all").
REPORTED_TABLES = ("articles", "facts", "mentions", "entities", "stories", "inputs")
#: Columns that change with every new article mentioning the row, moved to a narrow companion table
#: in the split candidates (:func:`replay_split`): table → (key, moving columns).
SPLITS: dict[str, tuple[str, list[str]]] = {
    "facts": (
        "fact_id",
        ["n_mentions", "n_articles", "n_sources", "sources", "last_published", "status", "confidence"],
    ),
    "entities": ("entity_id", ["n_mentions", "n_articles"]),
    "stories": ("story_id", ["last_published", "n_articles", "n_copies", "n_sources", "top_entities"]),
}


def replay_layouts(dataset: Path, label: str = "") -> None:
    """Publish every version of ``dataset`` again into a fresh dataset per layout; print what each wrote."""
    from factlake import parts, publish

    versions = publish.version_dirs(dataset)
    tables_by_version = []
    full_copies = []
    for version in versions:
        manifest = publish.read_manifest(version)
        tables_by_version.append({table: publish.read_table(version, table) for table in manifest["tables"]})
        full_copies.append(single_file_bytes_by_table(version))
    summary, profile = [], []
    default_steps: list[dict[str, float]] = []
    for name, arguments in LAYOUTS.items():
        layout = parts.Layout(**arguments)
        print(f"replaying {name}", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="factlake-layout-") as folder:
            target = Path(folder)
            ratios = replay(target, tables_by_version, full_copies, layout)
            last = publish.latest_version(target)
            files = {
                table: len(publish.table_files(last, table)) for table in ("facts", "mentions", "entities")
            }
            seconds = duckdb_count_seconds(last.path / "facts")
            on_disk = disk_bytes(target / "parts")
            all_files = sum(len(entry["parts"]) for entry in publish.read_manifest(last)["tables"].values())
        steps = ratios[1:]
        if not arguments:  # the default layout
            default_steps = steps
        per_version_all = [step["all"] for step in steps]
        written = sum(step["new_bytes"] for step in steps)
        copies = sum(step["full_bytes"] for step in steps)
        summary.append(
            [
                name,
                min(per_version_all),
                max(per_version_all),
                written / copies,
                sum(1 for value in per_version_all if value <= 0.05),
                f"{files['facts']} / {files['mentions']} / {files['entities']}",
                all_files,
                seconds * 1000,
                on_disk,
            ]
        )
        for table in (*REPORTED_TABLES, "all"):
            values = [step[table] for step in steps if table in step]
            if values:
                points = [
                    step[table]
                    * (full.get(table, 0) if table != "all" else step["full_bytes"])
                    / step["full_bytes"]
                    for step, full in zip(steps, full_copies[1:], strict=True)
                ]
                profile.append([name, table, min(values), mean(values), max(values), mean(points)])
    saved = [0.0] * len(default_steps)
    for table, (key, moving) in SPLITS.items():
        print(f"replaying {table} split", file=sys.stderr, flush=True)
        split = replay_split(table, key, moving, tables_by_version)[1:]
        fulls = [full[table] for full in full_copies[1:]]
        shares = [written / full for written, full in zip(split, fulls, strict=True)]
        differences = [
            step[table] * full - written
            for step, full, written in zip(default_steps, fulls, split, strict=True)
        ]
        saved = [total + difference for total, difference in zip(saved, differences, strict=True)]
        alls = [
            (step["new_bytes"] - difference) / step["full_bytes"]
            for step, difference in zip(default_steps, differences, strict=True)
        ]
        name = f"default, {table} split ({', '.join(moving)} apart)"
        points = [written / step["full_bytes"] for written, step in zip(split, default_steps, strict=True)]
        profile.append([name, table, min(shares), mean(shares), max(shares), mean(points)])
        profile.append([name, "all", min(alls), mean(alls), max(alls), mean(alls)])
    alls = [
        (step["new_bytes"] - total) / step["full_bytes"]
        for step, total in zip(default_steps, saved, strict=True)
    ]
    profile.append(["default, every split above", "all", min(alls), mean(alls), max(alls), mean(alls)])
    print(f"\n## Layouts replayed on the same {len(versions)} versions{label}\n")
    print_table(
        [
            "layout",
            "min new / full copy",
            "max new / full copy",
            "all versions written / full copies",
            "versions <= 5%",
            "files: facts / mentions / entities (last)",
            "files (last version)",
            "DuckDB count(*) facts ms",
            "store bytes on disk",
        ],
        summary,
    )
    print()
    print_table(
        ["layout", "table", "min new / full table", "mean", "max", "mean new / full copy of all tables"],
        profile,
    )


def replay(
    target: Path, tables_by_version: list[dict], full_copies: list[dict[str, int]], layout: Any
) -> list[dict[str, float]]:
    """Publish the versions' tables in order into ``target``; per version, new bytes / full copy per table."""
    from factlake import publish

    seen: dict[str, set[str]] = {}
    ratios = []
    for tables, full in zip(tables_by_version, full_copies, strict=True):
        with publish.writer_lock(target):
            version = publish.write_version(target, tables, {"replay": True}, layout=layout)
        entries = publish.read_manifest(version)["tables"]
        step: dict[str, float] = {"new_bytes": 0, "full_bytes": sum(full.values())}
        for table, entry in entries.items():
            known = seen.setdefault(table, set())
            new = sum(part["bytes"] for part in entry["parts"] if part["file"] not in known)
            known.update(part["file"] for part in entry["parts"])
            step[table] = new / full[table] if full[table] else 0.0
            step["new_bytes"] += new
        step["all"] = step["new_bytes"] / step["full_bytes"]
        ratios.append(step)
    return ratios


def mean(values: list[float]) -> float:
    """The arithmetic mean of ``values``."""
    return sum(values) / len(values)


def replay_split(table: str, key: str, moving: list[str], tables_by_version: list[dict]) -> list[int]:
    """New bytes per version of ``table`` published as two tables, the ``moving`` columns in a narrow
    companion table (key + moving columns) and the rest in the table itself, both in the default layout:
    what moving the counts out of the rows would save (readers would join them back)."""
    from factlake import parts, publish

    written_bytes = []
    parents: dict[str, tuple[Path | None, list | None]] = {}
    with tempfile.TemporaryDirectory(prefix="factlake-split-") as folder:
        root = Path(folder)
        for number, tables in enumerate(tables_by_version, start=1):
            whole = publish.to_arrow(table, tables[table])
            pieces = {table: whole.drop_columns(moving), f"{table}_changing": whole.select([key, *moving])}
            new = 0
            for name, arrow_table in pieces.items():
                parent_folder, parent_parts = parents.get(name, (None, None))
                ordered, generations, placement = parts.place_table(
                    table, arrow_table, [key], number, parent_folder, parent_parts
                )
                target = root / f"v{number}" / name
                written = parts.write_table_parts(root, name, ordered, generations, [key], target, placement)
                parents[name] = (target, written.parts)
                new += written.new_bytes
            written_bytes.append(new)
    return written_bytes


def duckdb_count_seconds(folder: Path, repeats: int = 5) -> float:
    """Median seconds of DuckDB's ``select count(*)`` over a table folder's Parquet files."""
    import duckdb

    timings = []
    for _ in range(repeats):
        connection = duckdb.connect()
        started = time.perf_counter()
        connection.sql(f"select count(*) from '{folder}/*.parquet'").fetchall()
        timings.append(time.perf_counter() - started)
        connection.close()
    return sorted(timings)[len(timings) // 2]


def main() -> None:
    """Publish the base version and the 1% steps; print what each version wrote."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["bbc", "reuters"], default="reuters")
    parser.add_argument("--limit", type=int, default=None, help="First N articles of the corpus.")
    parser.add_argument("--steps", type=int, default=10, help="Successive 1% versions.")
    parser.add_argument("--processes", type=int, default=2, help="Extraction processes (--workers).")
    parser.add_argument(
        "--replay",
        nargs="+",
        default=None,
        metavar="[LABEL=]DATASET",
        help="Only replay these datasets' versions (one after the other, in one run).",
    )
    args = parser.parse_args()
    if args.replay is not None:
        for argument in args.replay:
            label, _, path = argument.rpartition("=")
            replay_layouts(Path(path), f" ({label})" if label else "")
        return
    lines = corpus_lines(args.corpus)[: args.limit]
    step = max(1, round(len(lines) / 100))
    base = len(lines) - args.steps * step
    print(f"# Storage of successive versions ({args.corpus}, {base} articles + {args.steps} × {step})\n")
    print_machine(machine_info())
    folder = work_dir("storage")
    rows, totals = [], {"single": 0, "bytes": 0, "new_bytes": 0}
    try:
        source = write_source(folder / "source", lines[:base], "base.jsonl")
        dataset = folder / "dataset"
        command = factlake_command(source, dataset, args.processes)
        for index in range(args.steps + 1):
            if index:
                start = base + (index - 1) * step
                write_source(source, lines[start : start + step], f"step-{index:02d}.jsonl")
            run = check(run_measured(command), f"version {index + 1}")
            manifest = latest_manifest(dataset)
            storage = manifest["storage"]
            articles = manifest["input_counts"]["total"]
            single = single_file_bytes(dataset)
            rows.append(
                [
                    f"v{manifest['version']}",
                    articles,
                    single,
                    storage["bytes"],
                    storage["new_bytes"],
                    storage["new_bytes"] / single,
                    f"{storage['new_parts']} / {storage['parts']}",
                    run.wall,
                ]
            )
            if index:
                totals["single"] += single
                totals["bytes"] += storage["bytes"]
                totals["new_bytes"] += storage["new_bytes"]
        by_table = [
            [table, entry["rows"], len(entry["parts"]), entry["bytes"]]
            for table, entry in manifest["tables"].items()
        ]
        on_disk = disk_bytes(dataset)
        parts_on_disk = disk_bytes(dataset / "parts")
        replayed = capture_replay(dataset)
    finally:
        cleanup(folder)
    headers = [
        "version",
        "inputs",
        "full copy bytes (single files)",
        "version bytes (parts)",
        "new bytes",
        "new / full copy",
        "new parts / parts",
        "run wall s",
    ]
    print_table(headers, rows)
    print()
    print_table(
        [f"{args.steps} successive 1% versions", "bytes", "of full copies"],
        [
            [f"{args.steps} full copies (single files)", totals["single"], 1.0],
            [
                f"{args.steps} versions' parts if none were shared",
                totals["bytes"],
                totals["bytes"] / totals["single"],
            ],
            ["written (new parts)", totals["new_bytes"], totals["new_bytes"] / totals["single"]],
        ],
    )
    print()
    print(
        f"Dataset on disk after {args.steps + 1} versions: {on_disk} bytes "
        f"(store of parts: {parts_on_disk}).\n"
    )
    print_table(["table (last version)", "rows", "parts", "bytes"], by_table)
    print(replayed)


def capture_replay(dataset: Path) -> str:
    """The layouts' replay of ``dataset`` as printed text (printed after the runs' own tables)."""
    import contextlib
    import io

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        replay_layouts(dataset)
    return output.getvalue()


if __name__ == "__main__":
    main()
