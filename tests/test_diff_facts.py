"""``diff_facts``: which facts changed between two versions and how it says so (the report's change
summary of every published version runs it over all facts)."""

from __future__ import annotations

import pandas as pd

from factlake.diff import diff_facts


def facts(rows: list[tuple[str, int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"fact_id": fact_id, "fact_type": "quote", "statement": f"said {fact_id}", "n_articles": articles}
            | {"n_sources": sources, "status": status}
            for fact_id, articles, sources, status in rows
        ]
    )


def test_each_kind_of_change_is_described_in_fact_order_and_unchanged_facts_are_left_out() -> None:
    old = facts(
        [
            ("a", 1, 1, "single_source"),
            ("b", 3, 2, "corroborated"),
            ("c", 2, 2, "corroborated"),
            ("d", 2, 1, "corroborated"),
            ("e", 1, 1, "single_source"),
            ("gone", 1, 1, "single_source"),
        ]
    )
    new = facts(
        [
            ("e", 1, 1, "single_source"),
            ("d", 2, 1, "corroborated"),
            ("c", 2, 2, "contested"),
            ("b", 2, 1, "single_source"),
            ("a", 2, 2, "corroborated"),
            ("fresh", 1, 1, "single_source"),
        ]
    )
    added, removed, changed = diff_facts(old, new)
    assert added["fact_id"].tolist() == ["fresh"]
    assert removed["fact_id"].tolist() == ["gone"]
    assert changed.to_dict("records") == [
        {
            "fact_id": "a",
            "fact_type": "quote",
            "statement": "said a",
            "change": "gained articles: 1 → 2; sources: 1 → 2; status: single_source → corroborated",
        },
        {
            "fact_id": "b",
            "fact_type": "quote",
            "statement": "said b",
            "change": "lost articles: 3 → 2; sources: 2 → 1; status: corroborated → single_source",
        },
        {
            "fact_id": "c",
            "fact_type": "quote",
            "statement": "said c",
            "change": "became contested: corroborated → contested",
        },
    ]


def test_no_change_gives_an_empty_frame_with_the_columns() -> None:
    same = facts([("a", 1, 1, "single_source")])
    _, _, changed = diff_facts(same, same.copy())
    assert changed.empty and list(changed.columns) == ["fact_id", "fact_type", "statement", "change"]
