"""Plotly figures: pure functions of plain data (no database)."""

import datetime
import json
from decimal import Decimal

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from dashboard import charts

D = Decimal
MAY = [datetime.date(2025, 5, d) for d in (6, 13, 20)]


def _trend():
    return charts.trend_figure(
        [
            charts.TrendPoint(MAY[0], D("91.80"), 2, 9),
            charts.TrendPoint(MAY[1], D("91.95"), 1, 9),
            charts.TrendPoint(MAY[2], D("92.00"), 1, 9),
        ],
        language="vi",
    )


def test_trend_has_total_and_a_reversed_rank_axis():
    figure = _trend()
    total, rank = figure["data"]
    assert total["x"] == ["2025-05-06", "2025-05-13", "2025-05-20"]
    assert total["y"] == [91.8, 91.95, 92.0]
    assert rank["y"] == [2, 1, 1] and rank["yaxis"] == "y2"
    assert rank["customdata"] == [9, 9, 9]
    axis = figure["layout"]["yaxis2"]
    assert axis["range"] == [9.5, 0.5]  # first place at the top
    assert axis["dtick"] == 1


def test_figures_are_plain_json_with_config():
    figure = _trend()
    assert json.loads(json.dumps(figure)) == figure
    assert figure["config"]["displaylogo"] is False
    assert figure["config"]["responsive"] is True


def test_separators_follow_the_language():
    assert charts.separators("vi") == ",."
    assert charts.separators("en") == ".,"
    assert _trend()["layout"]["separators"] == ",."
    english = charts.compare_figure([], language="en")
    assert english["layout"]["separators"] == ".,"


def test_labels_are_translated():
    with translation.override("en"):
        assert _trend()["data"][0]["name"] == "Total"


def test_missing_values_stay_gaps():
    figure = charts.trend_figure(
        [charts.TrendPoint(MAY[0], None, None, None), charts.TrendPoint(MAY[1], D("80"), 3, 5)],
        language="vi",
    )
    assert figure["data"][0]["y"] == [None, 80.0]
    assert figure["data"][1]["y"] == [None, 3]
    assert figure["layout"]["yaxis2"]["range"] == [5.5, 0.5]


def test_large_peer_sets_get_automatic_rank_ticks():
    figure = charts.trend_figure([charts.TrendPoint(MAY[0], D("70"), 40, 168)], language="vi")
    assert "dtick" not in figure["layout"]["yaxis2"]


def test_group_bars_are_shares_of_each_maximum():
    figure = charts.group_bars_figure(
        [
            charts.GroupBar("CKMB", "Công khai, minh bạch", D("18"), D("18"), D("15.23")),
            charts.GroupBar("TDGQ", "Tiến độ giải quyết", D("20"), D("19.2"), None),
        ],
        unit_label="TP. Dĩ An",
        language="vi",
    )
    unit, median = figure["data"]
    assert unit["type"] == median["type"] == "bar"
    assert unit["name"] == "TP. Dĩ An"
    assert unit["x"] == ["CKMB", "TDGQ"]
    assert unit["y"] == [100.0, 96.0]
    assert median["y"] == [84.61, None]
    assert unit["customdata"][1] == ["Tiến độ giải quyết", 19.2, 20.0]
    assert figure["layout"]["barmode"] == "group"


def test_compare_draws_one_line_per_unit_with_distinct_styles():
    figure = charts.compare_figure(
        [
            charts.CompareSeries("TP. Dĩ An", [(MAY[0], D("91.8")), (MAY[1], D("92"))]),
            charts.CompareSeries("TP. Thuận An", [(MAY[1], D("89.87"))]),
        ],
        language="vi",
    )
    first, second = figure["data"]
    assert (first["name"], first["y"]) == ("TP. Dĩ An", [91.8, 92.0])
    assert second["x"] == ["2025-05-13"]
    assert first["line"]["color"] != second["line"]["color"]
    assert first["line"]["dash"] != second["line"]["dash"]


def test_only_trace_types_of_the_basic_bundle():
    figures = [
        _trend(),
        charts.group_bars_figure([], unit_label="x", language="vi"),
        charts.compare_figure([charts.CompareSeries("x", [])], language="vi"),
    ]
    assert {t["type"] for f in figures for t in f["data"]} <= {"scatter", "bar", "pie"}


totals = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))


@given(st.lists(st.tuples(totals, st.one_of(st.none(), st.integers(1, 200))), max_size=30))
def test_trend_never_breaks_on_any_history(history):
    points = [
        charts.TrendPoint(datetime.date(2025, 1, 1) + datetime.timedelta(days=7 * i), t, r, r)
        for i, (t, r) in enumerate(history)
    ]
    figure = charts.trend_figure(points, language="vi")
    json.dumps(figure)
    low, high = figure["layout"]["yaxis2"]["range"]
    assert low > high  # reversed
    assert all(v is None or 0 <= v <= 100 for v in figure["data"][0]["y"])


def test_figures_are_built_and_validated_by_plotly():
    import plotly.graph_objects as go
    import pytest

    figure = _trend()
    # What plotly itself makes of the figure is exactly what the page gets.
    rebuilt = go.Figure(data=figure["data"], layout=figure["layout"]).to_plotly_json()
    assert rebuilt["data"] == figure["data"]
    assert len(json.dumps(figure["layout"]["template"])) < 100  # no default theme bloat
    with pytest.raises(ValueError):
        charts._figure([go.Scatter(x=[1])], {"yaxis": {"tickformatt": ".1f"}})  # misspelt
    with pytest.raises(ValueError):
        charts._figure([go.Heatmap(z=[[1]])], {})  # not in the vendored basic bundle
