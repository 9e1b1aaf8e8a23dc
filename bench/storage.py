"""Storage of successive versions: bytes a version writes against a full copy of it.

The source starts with the first articles of the corpus (all but ``--steps`` times 1%); each of the
``--steps`` following runs adds the next 1% as a new input file and publishes a version. For every version
the manifest's ``storage`` says how many bytes its tables hold (what a full copy of the version costs,
the layout before versions shared parts) and how many of them were new parts (written into the store;
the rest are hard links to parts of earlier versions). The dataset folder's real size on disk (``du``,
hard links counted once) is measured at the end.

Run with ``uv run python bench/storage.py [--corpus reuters|bbc] [--limit N] [--steps 10]``; prints
Markdown tables: per version, then the totals per table of the last version.
"""

from __future__ import annotations

import argparse
import subprocess

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
    import pyarrow as pa
    import pyarrow.parquet as pq

    from factlake import publish

    version = publish.latest_version(dataset)
    total = 0
    for table in publish.read_manifest(version)["tables"]:
        sink = pa.BufferOutputStream()
        arrow_table = publish.to_arrow(table, publish.read_table(version, table))
        pq.write_table(arrow_table, sink, compression="zstd", row_group_size=publish.ROW_GROUP_SIZE)
        total += sink.getvalue().size
    return total


def main() -> None:
    """Publish the base version and the 1% steps; print what each version wrote."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["bbc", "reuters"], default="reuters")
    parser.add_argument("--limit", type=int, default=None, help="First N articles of the corpus.")
    parser.add_argument("--steps", type=int, default=10, help="Successive 1% versions.")
    parser.add_argument("--processes", type=int, default=2, help="Extraction processes (--workers).")
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
