"""The report's plots as inline SVG (matplotlib, no JavaScript, nothing fetched), byte for byte reproducible.

Every function takes plain frames and returns an SVG string ready to be placed in the page, or an empty
string when there is nothing to plot. matplotlib is used through :class:`~matplotlib.figure.Figure`
directly (no pyplot, no GUI backend, no global figure state), with a fixed hash salt and no date in the
metadata, so the same data gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: Status colours, in the order the stacked bars draw them.
STATUS_COLOURS = {
    "corroborated": "#2e7d32",
    "single_source": "#90a4ae",
    "contested": "#c62828",
}
OTHER_COLOUR = "#6a5acd"
BAR_COLOUR = "#1565c0"
LABEL_CHARACTERS = 48
_SVG_OPENING = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_RC = {
    "svg.hashsalt": "factlake-report",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def shorten(text: str, length: int = LABEL_CHARACTERS) -> str:
    """``text`` cut to ``length`` characters with an ellipsis (plot labels must stay on one line)."""
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def figure_svg(figure: Figure) -> str:
    """The figure as an ``<svg>`` element (no XML declaration, doctype, metadata, date or random ids)."""
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return _SVG_METADATA.sub("", _SVG_OPENING.sub("", buffer.getvalue(), count=1), count=1)


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_RC):
        return Figure(figsize=(width, height), layout="constrained")


def facts_by_kind_and_status(facts: pd.DataFrame) -> str:
    """Stacked horizontal bars: facts of each kind by status."""
    if facts.empty:
        return ""
    counts = facts.groupby(["fact_type", "status"]).size().unstack(fill_value=0).sort_index()
    statuses = [status for status in STATUS_COLOURS if status in counts.columns]
    statuses += sorted(set(counts.columns) - set(statuses))
    with matplotlib.rc_context(_RC):
        figure = _figure(7.5, 0.5 + 0.45 * len(counts))
        axes = figure.subplots()
        left = pd.Series(0, index=counts.index)
        for status in statuses:
            axes.barh(
                counts.index,
                counts[status],
                left=left,
                color=STATUS_COLOURS.get(status, OTHER_COLOUR),
                label=status.replace("_", " "),
            )
            left = left + counts[status]
        axes.invert_yaxis()
        axes.set_xlabel("facts")
        figure.legend(loc="outside upper center", ncols=len(statuses), frameon=False)
        return figure_svg(figure)


def horizontal_bars(labels: list[str], values: list[int], xlabel: str) -> str:
    """One bar per label, largest first (top speakers, largest stories)."""
    if not labels:
        return ""
    with matplotlib.rc_context(_RC):
        figure = _figure(10, 0.4 + 0.26 * len(labels))
        axes = figure.subplots()
        positions = list(range(len(labels)))
        axes.barh(positions, values, color=BAR_COLOUR)
        axes.set_yticks(positions, [shorten(label) for label in labels])
        axes.invert_yaxis()
        axes.set_xlabel(xlabel)
        return figure_svg(figure)


def story_sizes(stories: pd.DataFrame) -> str:
    """The stories as bars of their article counts, largest first (when none has a date to plot)."""
    largest = stories.sort_values(["n_articles", "story_id"], ascending=[False, True], kind="stable")
    return horizontal_bars(
        list(largest["label"]), [int(count) for count in largest["n_articles"]], "articles"
    )


def stories_timeline(stories: pd.DataFrame) -> str:
    """Dated stories as spans from their first to their last publication date, dot size by articles.

    ``stories`` holds the stories to draw (already chosen and ordered) with ``label``,
    ``first_published``, ``last_published`` and ``n_articles``; undated ones are left out.
    """
    dated = stories[stories["first_published"].notna()]
    if dated.empty:
        return ""
    starts = [_as_date(value) for value in dated["first_published"]]
    ends = [
        _as_date(value) if value is not None else start
        for value, start in zip(dated["last_published"], starts, strict=True)
    ]
    sizes = [12 + 10 * min(count, 40) for count in dated["n_articles"]]
    positions = list(range(len(dated)))
    with matplotlib.rc_context(_RC):
        figure = _figure(10, max(1.8, 0.6 + 0.26 * len(dated)))
        axes = figure.subplots()
        axes.margins(x=0.03)
        axes.hlines(positions, starts, ends, color=BAR_COLOUR, linewidth=3)
        axes.scatter(starts, positions, s=sizes, color=BAR_COLOUR, zorder=3)
        axes.scatter(ends, positions, s=sizes, color=BAR_COLOUR, zorder=3)
        labels = [
            f"{shorten(label)} ({count})"
            for label, count in zip(dated["label"], dated["n_articles"], strict=True)
        ]
        axes.set_yticks(positions, labels)
        axes.set_ylim(len(positions) - 0.5, -0.5)  # first story on top, half a row of room at each end
        axes.set_xlabel("publication date (dot size: articles)")
        figure.autofmt_xdate()
        return figure_svg(figure)


def articles_over_time(dates: pd.Series) -> str:
    """Articles per month (or per day when they span less than two months)."""
    dated = pd.to_datetime(dates.dropna())
    if dated.empty:
        return ""
    span_days = (dated.max() - dated.min()).days
    period = "D" if span_days < 62 else "M"
    counts = dated.dt.to_period(period).value_counts().sort_index()
    with matplotlib.rc_context(_RC):
        figure = _figure(7.5, 2.4)
        axes = figure.subplots()
        axes.bar([str(label) for label in counts.index], counts.values, color=BAR_COLOUR)
        axes.set_ylabel("articles per " + ("day" if period == "D" else "month"))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        step = max(1, len(counts) // 12)
        axes.set_xticks(range(0, len(counts), step), [str(label) for label in counts.index[::step]])
        figure.autofmt_xdate()
        return figure_svg(figure)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()
