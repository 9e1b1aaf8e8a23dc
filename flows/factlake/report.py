"""One self-contained HTML page per version: what a run found, for people who would rather look than query.

The page (``report.html`` inside every version, or ``factlake report``) holds the run summary (inputs by
outcome, rejects with reasons, what changed since the parent version), the most corroborated facts with
their sources, every conflict with the competing values and their evidence side by side, stories over time,
facts by kind and status, and the top speakers and entities. Every fact shown links to its evidence: the
sentence with the fact's span highlighted and the article's title, outlet and date.

Nothing is fetched when the page is opened: plots are inline SVG (:mod:`factlake.report_plots`) and there
is no script. The page is a function of the version's tables and manifest only (its one timestamp is the
version's own ``created_at``), so publishing the same version twice writes the same bytes. Large datasets
are summarised: every section shows its top rows (:class:`ReportLimits`) and says how many it left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from factlake import report_plots
from factlake.dataset_files import write_text_atomic
from factlake.diff import diff_versions
from factlake.errors import RunError
from factlake.publish import (
    PublishedVersion,
    read_manifest,
    read_table,
    resolve_version,
)

TEMPLATES = Path(__file__).parent / "templates"
ARTICLE_COLUMNS = [
    "article_id",
    "source_uri",
    "source_name",
    "url",
    "title",
    "published_date",
    "inferred_date",
    "body",
    "duplicate_of",
]


@dataclass(frozen=True)
class ReportLimits:
    """How many rows each section shows (the page stays a few MB for tens of thousands of articles)."""

    top_facts: int = 30
    conflicts: int = 200
    evidence_per_fact: int = 6
    rejects: int = 100
    changes: int = 50
    stories: int = 40
    speakers: int = 20
    entities: int = 25


@dataclass
class VersionTables:
    """What the report reads of one version."""

    manifest: dict[str, Any]
    articles: pd.DataFrame
    mentions: pd.DataFrame
    facts: pd.DataFrame
    entities: pd.DataFrame
    conflicts: pd.DataFrame
    stories: pd.DataFrame
    rejects: pd.DataFrame


def read_version_tables(version: PublishedVersion) -> VersionTables:
    """The manifest and tables of ``version`` (articles: only the columns the report shows)."""
    return VersionTables(
        manifest=read_manifest(version),
        articles=read_table(version, "articles", columns=ARTICLE_COLUMNS),
        mentions=read_table(
            version,
            "mentions",
            columns=["fact_id", "article_id", "text", "sentence", "char_start", "char_end"],
        ),
        facts=read_table(version, "facts"),
        entities=read_table(version, "entities"),
        conflicts=read_table(version, "conflicts"),
        stories=read_table(version, "stories"),
        rejects=read_table(version, "rejects"),
    )


# --- evidence ------------------------------------------------------------------------------------------


def highlighted_sentence(body: str | None, sentence: str, start: int, end: int, text: str) -> Markup:
    """The evidence sentence with the fact's span marked.

    The span is located by its offsets in the body (``body[start:end]``) when the sentence can be found
    around them, else by the first occurrence of the span's text in the sentence; a span found in neither
    is shown after the sentence.
    """
    if body:
        offset = body.find(sentence, max(0, end - len(sentence)), start + len(sentence))
        if offset != -1 and offset <= start and end <= offset + len(sentence):
            return _marked(sentence, start - offset, end - offset)
    position = sentence.find(text)
    if position != -1:
        return _marked(sentence, position, position + len(text))
    return escape(sentence) + Markup(" … <mark>") + escape(text) + Markup("</mark>")


def _marked(sentence: str, start: int, end: int) -> Markup:
    return (
        escape(sentence[:start]) + Markup("<mark>") + escape(sentence[start:end]) + Markup("</mark>")
    ) + escape(sentence[end:])


def _date_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def article_card(article: dict[str, Any]) -> dict[str, str]:
    """How an article is named beside its evidence: title, outlet (or input), date, link."""
    date = _date_text(article.get("published_date"))
    if not date and _date_text(article.get("inferred_date")):
        date = f"{_date_text(article.get('inferred_date'))} (inferred from its story)"
    return {
        "title": _text(article.get("title")) or "(untitled)",
        "outlet": _text(article.get("source_name")) or f"input {article['source_uri']}",
        "date": date or "undated",
        "url": _text(article.get("url")),
    }


def evidence_for(
    fact_ids: list[str], mentions: pd.DataFrame, articles: pd.DataFrame, per_fact: int
) -> dict[str, list[dict[str, Any]]]:
    """Up to ``per_fact`` evidence sentences of each fact (one per article, originals before copies)."""
    wanted = mentions[mentions["fact_id"].isin(set(fact_ids))]
    joined = wanted.merge(articles, on="article_id", how="left")
    joined["is_copy"] = joined["duplicate_of"].notna()
    joined = joined.sort_values(["fact_id", "is_copy", "article_id", "char_start"], kind="stable")
    joined = joined.drop_duplicates(["fact_id", "article_id"])
    # a copy repeats its original's sentence: shown only for a fact that has no original left
    has_original = ~joined.groupby("fact_id")["is_copy"].transform("all")
    joined = joined[~(joined["is_copy"] & has_original)]
    evidence: dict[str, list[dict[str, Any]]] = {fact_id: [] for fact_id in fact_ids}
    for row in joined.groupby("fact_id", sort=False).head(per_fact).to_dict("records"):
        evidence[row["fact_id"]].append(
            {
                "sentence": highlighted_sentence(
                    row.get("body"),
                    row["sentence"],
                    int(row["char_start"]),
                    int(row["char_end"]),
                    row["text"],
                ),
                "article": article_card(row),
            }
        )
    return evidence


# --- sections --------------------------------------------------------------------------------------------


def fact_row(fact: dict[str, Any]) -> dict[str, Any]:
    """A fact as the page lists it."""
    sources = list(fact.get("sources") if fact.get("sources") is not None else [])
    return {
        "fact_id": fact["fact_id"],
        "fact_type": fact["fact_type"],
        "statement": fact["statement"],
        "n_articles": int(fact["n_articles"]),
        "n_sources": int(fact["n_sources"]),
        "sources": ", ".join(sources),
        "status": fact["status"].replace("_", " "),
        "value": fact.get("value"),
    }


def top_corroborated(facts: pd.DataFrame, limit: int) -> list[dict[str, Any]]:
    """Facts supported by the most articles (then outlets), ties by id; single-article facts left out."""
    chosen = facts[facts["n_articles"] > 1].sort_values(
        ["n_articles", "n_sources", "fact_id"], ascending=[False, False, True], kind="stable"
    )
    return [fact_row(fact) for fact in chosen.head(limit).to_dict("records")]


def conflict_groups(conflicts: pd.DataFrame, facts: pd.DataFrame, limit: int) -> list[dict[str, Any]]:
    """Conflicts (largest first) with their competing facts, each with the value it claims.

    One pass over the conflicts sorted by id, value and fact: a pass per conflict cost a second on a few
    hundred conflicts.
    """
    involved = facts[facts["fact_id"].isin(set(conflicts["fact_id"]))]
    rows_by_id = {fact["fact_id"]: fact_row(fact) for fact in involved.to_dict("records")}
    first_rows = conflicts.drop_duplicates("conflict_id")
    descriptions = dict(zip(first_rows["conflict_id"], first_rows["description"], strict=True))
    groups: dict[str, dict[str, Any]] = {}
    ordered = conflicts.sort_values(["conflict_id", "value", "fact_id"], kind="stable")
    for member in ordered.to_dict("records"):
        conflict_id = member["conflict_id"]
        group = groups.setdefault(
            conflict_id,
            {
                "conflict_id": conflict_id,
                "description": descriptions[conflict_id],
                "facts": [],
                "n_articles": 0,
            },
        )
        if member["fact_id"] in rows_by_id:
            group["facts"].append({**rows_by_id[member["fact_id"]], "claimed": member["value"]})
            group["n_articles"] += rows_by_id[member["fact_id"]]["n_articles"]
    ordered_groups = sorted(groups.values(), key=lambda group: (-group["n_articles"], group["conflict_id"]))
    return ordered_groups[:limit]


def mark_conflict_anchors(groups: list[dict[str, Any]]) -> set[str]:
    """Let the first conflict side of each fact be the target of its links (``anchor``): its evidence is
    shown there, so the Evidence section does not repeat it. Returns the facts so anchored."""
    anchored: set[str] = set()
    for group in groups:
        for fact in group["facts"]:
            fact["anchor"] = fact["fact_id"] not in anchored
            anchored.add(fact["fact_id"])
    return anchored


def reject_summary(rejects: pd.DataFrame, limit: int) -> dict[str, Any]:
    """Rejects grouped by stage and reason (with counts), and the first ``limit`` rejected inputs."""
    if rejects.empty:
        return {"reasons": [], "rows": [], "omitted": 0}
    reasons = (
        rejects.groupby(["stage", "error"])
        .size()
        .reset_index(name="count")
        .sort_values(["count", "stage", "error"], ascending=[False, True, True], kind="stable")
    )
    rows = rejects.sort_values("source_uri", kind="stable")[["source_uri", "stage", "error", "detail"]]
    return {
        "reasons": reasons.to_dict("records"),
        "rows": rows.head(limit).fillna("").to_dict("records"),
        "omitted": max(0, len(rows) - limit),
    }


def change_summary(version: PublishedVersion, parent: PublishedVersion | None, limit: int) -> dict[str, Any]:
    """What changed since the parent version (:func:`factlake.diff.diff_versions`), or None for a first."""
    if parent is None:
        return {"parent": None}
    difference = diff_versions(parent, version)
    changed = difference.changed["facts"].sort_values("fact_id", kind="stable")
    added_stories = difference.added["stories"].sort_values(
        ["n_articles", "story_id"], ascending=[False, True]
    )
    return {
        "parent": parent.name,
        "counts": difference.counts().to_dict("records"),
        "changed_facts": changed.head(limit).to_dict("records"),
        "changed_facts_omitted": max(0, len(changed) - limit),
        "added_stories": added_stories.head(limit)[["story_id", "label", "n_articles"]].to_dict("records"),
        "changed_stories": difference.changed["stories"].head(limit).to_dict("records"),
    }


def top_speakers(facts: pd.DataFrame, limit: int) -> list[dict[str, Any]]:
    """Speakers by number of distinct quotes, with the articles quoting them."""
    quotes = facts[(facts["fact_type"] == "quote") & facts["speaker"].notna()]
    if quotes.empty:
        return []
    table = quotes.groupby("speaker").agg(quotes=("fact_id", "size"), articles=("n_articles", "sum"))
    table = table.reset_index().sort_values(
        ["quotes", "articles", "speaker"], ascending=[False, False, True], kind="stable"
    )
    return table.head(limit).to_dict("records")


def top_entities(entities: pd.DataFrame, limit: int) -> list[dict[str, Any]]:
    """Entities mentioned by the most articles."""
    chosen = entities.sort_values(
        ["n_articles", "n_mentions", "name"], ascending=[False, False, True], kind="stable"
    )
    rows = chosen.head(limit).to_dict("records")
    for row in rows:
        aliases = list(row["aliases"]) if row["aliases"] is not None else []
        row["aliases"] = ", ".join(aliases[:5]) + (" …" if len(aliases) > 5 else "")
    return rows


def story_rows(stories: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The largest stories, in time order (undated ones last)."""
    largest = stories.sort_values(["n_articles", "story_id"], ascending=[False, True], kind="stable").head(
        limit
    )
    order = largest.assign(undated=largest["first_published"].isna())
    return order.sort_values(["undated", "first_published", "story_id"], kind="stable").drop(
        columns="undated"
    )


def kind_status_table(facts: pd.DataFrame) -> list[dict[str, Any]]:
    """Facts per kind and status, with totals."""
    if facts.empty:
        return []
    counts = facts.groupby(["fact_type", "status"]).size().unstack(fill_value=0)
    counts["total"] = counts.sum(axis=1)
    return [{"fact_type": kind, **{k: int(v) for k, v in row.items()}} for kind, row in counts.iterrows()]


# --- the page --------------------------------------------------------------------------------------------


def report_context(
    version: PublishedVersion, parent: PublishedVersion | None, limits: ReportLimits
) -> dict[str, Any]:
    """Everything the template shows, as plain values."""
    tables = read_version_tables(version)
    manifest, facts = tables.manifest, tables.facts
    corroborated = top_corroborated(facts, limits.top_facts)
    conflicts = conflict_groups(tables.conflicts, facts, limits.conflicts)
    anchored = mark_conflict_anchors(conflicts)
    shown = [fact["fact_id"] for fact in corroborated]
    shown += [fact["fact_id"] for group in conflicts for fact in group["facts"]]
    shown = list(dict.fromkeys(shown))
    stories = story_rows(tables.stories, limits.stories)
    speakers = top_speakers(facts, limits.speakers)
    timeline = report_plots.stories_timeline(stories)
    article_dates = tables.articles["published_date"].where(
        tables.articles["published_date"].notna(), tables.articles["inferred_date"]
    )
    return {
        "version": version.name,
        "parent_number": manifest.get("parent"),
        "code_version": (manifest.get("code_version") or {}).get("factlake", ""),
        "created_at": manifest.get("created_at", ""),
        "sources": ", ".join(manifest.get("sources", [])),
        "input_counts": manifest.get("input_counts", {}),
        "table_rows": {name: entry["rows"] for name, entry in manifest.get("tables", {}).items()},
        "rejects": reject_summary(tables.rejects, limits.rejects),
        "changes": change_summary(version, parent, limits.changes),
        "corroborated": corroborated,
        "n_corroborated": int((facts["n_articles"] > 1).sum()),
        "conflicts": conflicts,
        "n_conflicts": int(tables.conflicts["conflict_id"].nunique()),
        "evidence": evidence_for(shown, tables.mentions, tables.articles, limits.evidence_per_fact),
        "evidence_listed": [fact_id for fact_id in shown if fact_id not in anchored],
        "fact_rows": {
            row["fact_id"]: fact_row(row) for row in facts[facts["fact_id"].isin(shown)].to_dict("records")
        },
        "kind_status": kind_status_table(facts),
        "kind_status_svg": Markup(report_plots.facts_by_kind_and_status(facts)),
        "stories": stories.to_dict("records"),
        "n_stories": len(tables.stories),
        "n_dated_stories": int(tables.stories["first_published"].notna().sum()),
        "timeline_svg": Markup(timeline),
        "story_sizes_svg": Markup("" if timeline else report_plots.story_sizes(stories)),
        "articles_svg": Markup(report_plots.articles_over_time(article_dates)),
        "speakers": speakers,
        "speakers_svg": Markup(
            report_plots.horizontal_bars(
                [row["speaker"] for row in speakers], [row["quotes"] for row in speakers], "distinct quotes"
            )
        ),
        "entities": top_entities(tables.entities, limits.entities),
        "limits": asdict(limits),
    }


def number_text(value: float | None) -> str:
    """A claimed value as people write it: ``500,000``, ``1.3666``, ``4.75`` (never ``5e+05``)."""
    if value is None or value != value:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = number_text
    return environment


def render_report(
    version: PublishedVersion, parent: PublishedVersion | None, limits: ReportLimits | None = None
) -> str:
    """The HTML page of ``version``, compared with ``parent`` (None: a first version).

    ``version`` may still be the temporary folder of a version being published: only its number and its
    files are read.
    """
    context = report_context(version, parent, limits or ReportLimits())
    return _environment().get_template("report.html.j2").render(**context)


def parent_of(dataset: Path, manifest: dict[str, Any]) -> PublishedVersion | None:
    """The parent version named by a manifest, when it still exists (gc may have removed it)."""
    parent = manifest.get("parent")
    if parent is None:
        return None
    path = dataset / f"v{parent}"
    return PublishedVersion(int(parent), path) if (path / "manifest.json").is_file() else None


def write_report_file(dataset: Path, version: str | None, output: Path | None) -> Path:
    """Render the report of a version of ``dataset`` (None: latest) to ``output`` (``factlake report``).

    The default output is ``report-vN.html`` in the current folder. The page is rendered anew from the
    version's tables, so versions published before reports existed get one too.

    Raises:
        RunError: when the version does not exist, or ``output`` lies inside the dataset folder (published
            versions are never written after publishing).
    """
    chosen = resolve_version(dataset, version)
    target = output if output is not None else Path(f"report-{chosen.name}.html")
    if target.resolve().is_relative_to(dataset.resolve()):
        raise RunError(
            f"refused to write {target}: it is inside the dataset folder; choose a path outside it"
        )
    page = render_report(chosen, parent_of(dataset, read_manifest(chosen)))
    write_text_atomic(target, page)
    return target
