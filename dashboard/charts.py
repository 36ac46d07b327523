"""Plotly figures of the dashboard: pure functions from plain data to figure dicts.

No ORM and no request here. Figures are built with `plotly.graph_objects`, so every trace
and layout property is validated by plotly itself (a misspelt key fails here, in tests, not
silently in a reader's browser). Each function returns {"data", "layout", "config"}: the
figure's `to_plotly_json()` (plain Python, not yet serialised), which a template serialises
once with `json_script` and `static/js/charts.js` hands to `Plotly.newPlot`. Only
trace types of the vendored basic bundle (scatter, bar, pie) may be used: it has no polar
charts, so the group profile is drawn as bars against the peer median, not as a radar.
Numbers are floats and dates ISO strings, so the JSON is plain whatever the encoder.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import plotly.graph_objects as go
from django.utils.translation import gettext as _

# Colours of static/css/app.css (--accent-2, --accent, --band-xuat-sac, --band-kha), in that
# order for the units of a comparison; distinguishable in grey print as well (line dashes).
PALETTE = ["#0b5cad", "#b3261e", "#1b7f3b", "#8a6d00"]
DASHES = ["solid", "dash", "dot", "dashdot"]
MUTED = "#5b6475"
FONT = '"Segoe UI", "Noto Sans", "Helvetica Neue", Arial, sans-serif'

# The trace types of the vendored basic bundle (static/vendor/plotly/): no others.
BASIC_TRACE_TYPES = {"scatter", "bar", "pie"}

CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines"],
}


def separators(language: str) -> str:
    """Return Plotly's decimal and thousands separators for a language ("92,05" in Vietnamese)."""
    return ",." if (language or "").lower().startswith("vi") else ".,"


def _num(value: Decimal | int | float | None) -> float | None:
    return None if value is None else float(value)


def _day(value: datetime.date) -> str:
    return value.isoformat()


def _layout(language: str, **extra) -> dict:
    layout = {
        "separators": separators(language),
        "font": {"family": FONT, "size": 13, "color": "#1d2330"},
        "margin": {"l": 56, "r": 56, "t": 16, "b": 48},
        "height": 320,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.2, "x": 0},
    }
    layout.update(extra)
    return layout


def _figure(data: list, layout: dict) -> dict:
    """Validate the layout through plotly's classes; return the plain figure and its config.

    template "none": plotly's default theme would add ~10 kB of styling to every figure
    that the page's own layout already decides.
    """
    unknown = {trace.type for trace in data} - BASIC_TRACE_TYPES
    if unknown:
        raise ValueError(f"trace types outside the vendored basic bundle: {sorted(unknown)}")
    figure = go.Figure(data=data, layout=go.Layout(template="none", **layout))
    return {**figure.to_plotly_json(), "config": dict(CONFIG)}


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """A unit's standing in one snapshot of a series."""

    as_of: datetime.date
    total: Decimal | None
    rank: int | None
    peer_count: int | None


def trend_figure(points: Sequence[TrendPoint], *, language: str) -> dict:
    """Total (left axis) and rank (right axis, 1 at the top) of one unit over its snapshots."""
    days = [_day(p.as_of) for p in points]
    total = go.Scatter(
        mode="lines+markers",
        name=_("Total"),
        x=days,
        y=[_num(p.total) for p in points],
        line={"color": PALETTE[0], "width": 3},
        marker={"size": 7},
        hovertemplate="%{y:.2f}<extra>" + _("Total") + "</extra>",
    )
    rank = go.Scatter(
        mode="lines+markers",
        name=_("Rank"),
        x=days,
        y=[p.rank for p in points],
        customdata=[p.peer_count for p in points],
        yaxis="y2",
        line={"color": MUTED, "width": 2, "dash": "dot"},
        marker={"size": 6, "symbol": "diamond"},
        hovertemplate="%{y}/%{customdata}<extra>" + _("Rank") + "</extra>",
    )
    worst = max((p.peer_count or p.rank or 1 for p in points), default=1)
    rank_axis = {
        "title": {"text": _("Rank")},
        "overlaying": "y",
        "side": "right",
        # A rank axis reads downwards: first place at the top.
        "range": [worst + 0.5, 0.5],
        "showgrid": False,
        "zeroline": False,
    }
    if worst <= 20:
        rank_axis["dtick"] = 1
    layout = _layout(
        language,
        xaxis={"type": "date", "tickformat": "%d/%m", "hoverformat": "%d/%m/%Y"},
        yaxis={
            "title": {"text": _("Total")},
            "tickformat": ".1f",
            "zeroline": False,
            "gridcolor": "#dde1e8",
        },
        yaxis2=rank_axis,
    )
    return _figure([total, rank], layout)


@dataclass(frozen=True, slots=True)
class GroupBar:
    """One group of a unit's profile: its points, the peer median and the maximum."""

    code: str
    name: str
    max_points: Decimal
    points: Decimal | None
    median: Decimal | None


def _percent(points: Decimal | None, maximum: Decimal) -> float | None:
    if points is None or not maximum:
        return None
    return round(float(points) * 100 / float(maximum), 2)


def group_bars_figure(groups: Sequence[GroupBar], *, unit_label: str, language: str) -> dict:
    """Each group as a share of its maximum, for the unit and for the median of its peers."""
    codes = [g.code for g in groups]
    hover = "%{customdata[0]}: %{customdata[1]:.2f}/%{customdata[2]} (%{y:.1f}%)<extra>%{fullData.name}</extra>"
    unit = go.Bar(
        name=unit_label,
        x=codes,
        y=[_percent(g.points, g.max_points) for g in groups],
        customdata=[[g.name, _num(g.points), _num(g.max_points)] for g in groups],
        marker={"color": PALETTE[0]},
        hovertemplate=hover,
    )
    median = go.Bar(
        name=_("Peer median"),
        x=codes,
        y=[_percent(g.median, g.max_points) for g in groups],
        customdata=[[g.name, _num(g.median), _num(g.max_points)] for g in groups],
        marker={"color": "#b9c0cc", "line": {"color": MUTED, "width": 1}},
        hovertemplate=hover,
    )
    layout = _layout(
        language,
        barmode="group",
        hovermode="closest",
        xaxis={"type": "category"},
        yaxis={
            "title": {"text": _("Percent of the maximum")},
            "range": [0, 105],
            "ticksuffix": "%",
            "gridcolor": "#dde1e8",
        },
    )
    return _figure([unit, median], layout)


@dataclass(frozen=True, slots=True)
class CompareSeries:
    """One unit's totals over time."""

    label: str
    points: Sequence[tuple[datetime.date, Decimal | None]]


def compare_figure(series: Sequence[CompareSeries], *, language: str) -> dict:
    """Totals of up to four units over time, one line each (colour and dash differ)."""
    data = []
    for i, s in enumerate(series):
        data.append(
            go.Scatter(
                mode="lines+markers",
                name=s.label,
                x=[_day(day) for day, _total in s.points],
                y=[_num(total) for _day_, total in s.points],
                line={
                    "color": PALETTE[i % len(PALETTE)],
                    "dash": DASHES[i % len(DASHES)],
                    "width": 3,
                },
                marker={"size": 7},
                hovertemplate="%{y:.2f}<extra>" + s.label + "</extra>",
            )
        )
    layout = _layout(
        language,
        xaxis={"type": "date", "tickformat": "%d/%m", "hoverformat": "%d/%m/%Y"},
        yaxis={"title": {"text": _("Total")}, "tickformat": ".1f", "gridcolor": "#dde1e8"},
    )
    return _figure(data, layout)
