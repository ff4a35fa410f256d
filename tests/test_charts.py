"""Charts drawn from the demo store: every catalogue chart renders, and the chart's facts come from figures."""

import dataclasses
import datetime as dt
import re

import pytest

from report import charts
from report.charts import _box, _crossings
from report.charts.base import _num
from report.figures import INPUT_SERIES, compute_all
from report.figures.bitcoin import production_cost
from report.figures.macro import INFLATION_TARGET
from report.resources import resource_dir
from report.store import Store


@pytest.fixture(scope="module")
def drawn(demo_data_dir, cat, meetings):
    from report.config import Assumptions
    from report.figures import Context

    day, a = dt.date(2025, 12, 8), Assumptions()
    with Store(demo_data_dir / "demo.sqlite") as st:
        data = st.load(INPUT_SERIES, day)
    figs = compute_all(data, Context(as_of=day, cat=cat, meetings=meetings, **a.assumptions()))
    settings = charts.ChartSettings(
        ("zh-Hant", "en"), resource_dir("charts"), day, a.miner_efficiency_j_per_th, a.power_usd_per_kwh
    )
    return data, {f.key: f for f in figs}, settings


def test_every_chart_renders_as_svg(drawn):
    data, figs, settings = drawn
    catalogue = charts.load_catalogue(settings.style_dir)
    for cid in charts.chart_ids(settings):
        c = charts.render_one(cid, settings, data=data, figures=figs, catalogue=catalogue)
        assert c.mime == "image/svg+xml" and c.data.startswith(b"<?xml"), cid


def test_cost_series_ends_at_the_miner_cost_figure(drawn):
    data, figs, settings = drawn
    cost = charts.cost_series(data, settings.miner_efficiency_j_per_th, settings.power_usd_per_kwh)
    d = figs["miner_cost"].detail
    assert cost.iloc[-1] == pytest.approx(figs["miner_cost"].value)
    assert cost.iloc[-1] == pytest.approx(
        production_cost(
            d["hashrate_hs"],
            d["btc_per_day"],
            efficiency_j_per_th=d["efficiency_j_per_th"],
            power_usd_per_kwh=d["power_usd_per_kwh"],
        )
    )
    assert figs["core_pce_yoy"].detail["target"] == INFLATION_TARGET  # the chart draws the same target line


def _figure(drawn, cid, fmt="svg", data=None):
    """A chart as a laid-out figure; measure it inside ``charts.style_context`` (fonts resolve at drawing)."""
    d, figs, settings = drawn
    catalogue = charts.load_catalogue(settings.style_dir)
    return charts.draw(cid, settings, data=data or d, figures=figs, catalogue=catalogue, fmt=fmt)


@pytest.fixture(autouse=True)
def _house_style(request, drawn):
    fmt = request.node.callspec.params.get("fmt", "svg") if hasattr(request.node, "callspec") else "svg"
    with charts.style_context(drawn[2], fmt):
        yield


@pytest.mark.parametrize("fmt", ["svg", "phone"])
def test_legends_sit_above_the_plot_never_on_the_data(drawn, fmt):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    settings = drawn[2]
    for cid in charts.chart_ids(settings):
        fig = _figure(drawn, cid, fmt)
        renderer = FigureCanvasAgg(fig).get_renderer()
        plot = fig.axes[0].get_window_extent(renderer)
        legends = [a.get_legend() for a in fig.axes if a.get_legend() is not None] + list(fig.legends)
        for leg in legends:
            box = leg.get_window_extent(renderer)
            assert box.y0 >= plot.y1 - 0.5, (cid, fmt)  # wholly above the axes, so it crosses no data
            assert box.x1 <= fig.bbox.width + 0.5 and box.x0 >= -0.5, (cid, fmt)  # and inside the figure
            assert box.x1 <= plot.x1 + 0.5, (cid, fmt)  # never past the plot's right edge: more rows instead
        title = fig.axes[0].title.get_window_extent(renderer)
        assert title.y1 <= fig.bbox.height + 0.5, (cid, fmt)  # the title is not cut off at the top
        for leg in legends:
            assert not title.overlaps(leg.get_window_extent(renderer)), (cid, fmt)


def test_sofr_range_covers_the_data_and_the_band(drawn):
    data, _, _ = drawn
    fig = _figure(drawn, "sofr")
    lo, hi = fig.axes[0].get_ylim()
    start = dt.datetime(2025, 6, 1)
    for sid in ("SOFR", "DFEDTARL", "DFEDTARU", "IORB"):
        s = data[sid].dropna()
        s = s[s.index >= start]
        assert lo < s.min() and s.max() < hi, sid


def test_sofr_range_covers_a_spike_above_the_band(drawn):
    data, _, _ = drawn
    spiked = dict(data)
    sofr = data["SOFR"].copy()
    sofr.iloc[-3] = 6.5  # far above the corridor
    spiked["SOFR"] = sofr
    lo, hi = _figure(drawn, "sofr", data=spiked).axes[0].get_ylim()
    assert hi > 6.5 and lo < data["DFEDTARL"].dropna().iloc[-1]


def _texts(fig):
    return [t.get_text() for a in fig.axes for t in a.texts]


def test_latest_value_is_written_at_the_end_of_each_line(drawn):
    data, _, _ = drawn
    texts = _texts(_figure(drawn, "sofr"))
    assert f"{data['SOFR'].dropna().iloc[-1]:.2f}%" in texts
    texts = _texts(_figure(drawn, "reserves"))
    last = data["WRESBAL"].dropna().iloc[-1] / 1e12
    assert f"{last:.2f}".rstrip("0").rstrip(".") in texts
    inflation = _figure(drawn, "inflation")
    lines = [ln for ln in inflation.axes[0].get_lines() if not ln.get_label().startswith("_")]
    assert len([t for t in _texts(inflation) if t.endswith("%")]) == len(lines) - 1  # every line but the target


def test_value_labels_do_not_overlap_each_other(drawn):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for cid in ("sofr", "inflation", "btc_cost", "reserves"):
        for fmt in ("svg",):
            fig = _figure(drawn, cid, fmt)
            renderer = FigureCanvasAgg(fig).get_renderer()
            boxes = [_box(t, renderer) for a in fig.axes for t in a.texts if t.get_text()[:1].isdigit()]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1 :]:
                    assert not a.overlaps(b), (cid, fmt)


def test_chinese_axes_count_in_wan_not_thousands_or_millions(drawn):
    settings = drawn[2]
    catalogue = charts.load_catalogue(settings.style_dir)
    for cid, spec in catalogue.items():
        for side in ("left", "right"):
            zh = spec.get(side, {}).get("zh-Hant", "") if cid != "labels" else ""
            assert "千" not in zh and "百萬" not in zh, (cid, zh)
    fig = _figure(drawn, "payrolls")
    left, right = fig.axes[0], fig.axes[1]
    assert left.get_ylabel() == "萬人" and right.get_ylabel() == "thousands"
    ticks = [t for t in left.get_yticks() if left.get_ylim()[0] <= t <= left.get_ylim()[1] and t]
    fmt_left, fmt_right = left.yaxis.get_major_formatter(), right.yaxis.get_major_formatter()
    t = ticks[-1]
    assert fmt_left(t, 0) == _num(t / 1e4, "zh-Hant") and fmt_right(t, 0) == _num(t / 1e3, "en")
    assert list(right.get_yticks()) == list(left.get_yticks())  # one grid: the two scales share tick heights


def test_a_chart_with_no_data_is_left_out(drawn):
    data, figs, settings = drawn
    catalogue = charts.load_catalogue(settings.style_dir)
    bare = {k: v for k, v in data.items() if k != "BTC_SUPPLY_IN_LOSS"}
    for fmt in ("svg", "phone", "png"):
        c = charts.render_one("supply_in_loss", settings, data=bare, figures=figs, catalogue=catalogue, fmt=fmt)
        assert c.empty and c.data == b"", fmt


def test_phone_charts_come_beside_their_page_charts(drawn):
    data, figs, settings = drawn
    svgs, pngs = charts.ChartJob(settings, data=data, figures=list(figs.values()), workers=1).result()
    ids = [c.id for c in svgs]
    assert ids[:4] == ["reserves", "reserves-phone", "balance_sheet", "balance_sheet-phone"]
    assert all(c.variant == "phone" for c in svgs if c.id.endswith("-phone")) and pngs == []
    page, phone = svgs[0].data, svgs[1].data
    assert b"<text" in page and b"<text" in phone  # text kept as text (searchable, small)
    assert b'font-size="7.5px"' in page and b'font-size="7.5px"' not in phone  # larger type on a phone
    assert len(phone) < 80_000 and len(page) < 80_000  # small SVG: text kept as text, thinned points


ISO_MONTH = re.compile(r"\d{4}-\d{2}")


def _date_ticks(fig):
    """The date tick labels shown on a laid-out chart."""
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    locs = [t for t in ax.xaxis.get_major_locator()() if lo <= t <= hi]
    return ax.xaxis.get_major_formatter().format_ticks(locs)


@pytest.mark.parametrize("langs", [("zh-Hant", "en"), ("zh-Hant",), ("en",)])
def test_date_ticks_are_never_iso_months(drawn, langs):
    data, figs, settings = drawn
    settings = dataclasses.replace(settings, langs=langs)
    catalogue = charts.load_catalogue(settings.style_dir)
    for cid in charts.chart_ids(settings):
        for fmt in ("svg", "phone"):
            fig = charts.draw(cid, settings, data=data, figures=figs, catalogue=catalogue, fmt=fmt)
            ticks = _date_ticks(fig)
            assert len(ticks) >= 2 and not [t for t in ticks if ISO_MONTH.search(t)], (cid, fmt, ticks)
            if langs == ("zh-Hant",):  # Chinese alone: 2024年, 10月 over 2025年
                assert all("年" in t or "月" in t for t in ticks), (cid, fmt, ticks)
    sofr = _date_ticks(charts.draw("sofr", settings, data=data, figures=figs, catalogue=catalogue))
    assert any(str(settings.as_of.year) in t for t in sofr)  # a short window still says which year


def test_time_axis_ends_about_a_month_after_the_last_observation(drawn):
    import matplotlib.dates as mdates

    data, _, _ = drawn
    last = {"sofr": "SOFR", "m2": "M2SL", "reserves": "WRESBAL", "inflation": "CPIAUCSL", "payrolls": "PAYEMS"}
    for cid, sid in last.items():
        for fmt in ("svg", "phone"):
            hi = mdates.num2date(_figure(drawn, cid, fmt).axes[0].get_xlim()[1]).replace(tzinfo=None)
            end = data[sid].dropna().index[-1].to_pydatetime()
            assert dt.timedelta(0) < hi - end <= dt.timedelta(days=45), (cid, fmt, hi, end)


def test_value_labels_have_the_precision_of_the_prose(drawn):
    def labels(cid):
        return [t for t in _texts(_figure(drawn, cid)) if t[:1].isdigit()]

    assert all(re.fullmatch(r"\d\.\d\d%", t) for t in labels("sofr")) and len(labels("sofr")) == 3  # IORB, EFFR, SOFR
    assert all(re.fullmatch(r"\d+\.\d%", t) for t in labels("inflation"))  # 3.0%, not 3% or 2.96%
    assert next(t for t in labels("reserves") if t.endswith("%")).count(".") == 1
    assert re.fullmatch(r"\d+\.\d%", next(t for t in labels("reserves") if t.endswith("%")))


@pytest.mark.parametrize("fmt", ["svg", "phone", "png"])
def test_value_labels_sit_right_of_the_plot_off_the_data(drawn, fmt):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    settings = drawn[2]
    for cid in charts.chart_ids(settings):
        fig = _figure(drawn, cid, fmt)
        renderer = FigureCanvasAgg(fig).get_renderer()
        plot = fig.axes[0].get_window_extent(renderer)
        boxes = [_box(t, renderer) for a in fig.axes for t in a.texts if re.match(r"[\d−]", t.get_text())]
        assert boxes, cid
        for b in boxes:
            assert b.x0 >= plot.x1 and b.x1 <= fig.bbox.width + 0.5, (cid, fmt)  # in the margin, inside the page
            assert plot.y0 - 0.5 <= b.y0 and b.y1 <= plot.y1 + 0.5, (cid, fmt)  # beside the plot, not the legend
        for i, a in enumerate(boxes):
            assert not any(a.overlaps(b) for b in boxes[i + 1 :]), (cid, fmt)
        for a in fig.axes[1:]:  # a right-hand axis' numbers are written beyond the labels
            ticks = [t.get_window_extent(renderer) for t in a.get_yticklabels() if t.get_text()]
            assert all(not t.overlaps(b) for t in ticks for b in boxes), (cid, fmt)


@pytest.mark.parametrize("fmt", ["svg", "phone"])
def test_runoff_is_drawn_as_the_drop_from_the_peak_and_crosses_no_line(drawn, fmt):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _figure(drawn, "balance_sheet", fmt)
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    note = next(t for t in ax.texts if "QT" in t.get_text())
    box = _box(note, renderer)
    labels = [t for t in ax.texts if t.get_text()[:1].isdigit()]
    assert _crossings(fig, box, labels, renderer) == 0, fmt  # on no line, scenario dash or value label
    assert box.y1 <= ax.get_window_extent(renderer).y1 + 0.5  # inside the plot, under the legend
    detail = drawn[1]["qt_runoff"].detail
    arrow = next(t for t in ax.texts if t.get_text() == "" and t.arrow_patch is not None)
    assert arrow.xyann[1] == pytest.approx(detail["peak"] / 1e12)  # from the peak level ...
    assert arrow.xy[1] == pytest.approx(detail["end_level"] / 1e12)  # ... down to the level at the end of QT


def test_hashrate_leaves_headroom_above_the_highest_difficulty(drawn):
    data, _, _ = drawn
    for fmt in ("svg", "phone"):
        right = _figure(drawn, "hashrate", fmt).axes[1]
        lo, hi = right.get_ylim()
        top = data["BTC_DIFFICULTY"].dropna().max() / 1e12
        assert hi - top >= 0.08 * (hi - lo), fmt


@pytest.mark.parametrize("chart", ["cost_basis", "etf_flows", "net_liquidity", "btc_liquidity", "hashprice"])
def test_the_liquidity_and_cost_basis_charts_draw_and_are_left_out_without_data(drawn, chart):
    """The charts of issue 12: drawn from the demo data as vector SVG, and left out without their series."""
    data, figs, settings = drawn
    catalogue = charts.load_catalogue(settings.style_dir)
    c = charts.render_one(chart, settings, data=data, figures=figs, catalogue=catalogue)
    assert not c.empty and c.mime == "image/svg+xml" and b"<path" in c.data
    bare = {k: v for k, v in data.items() if k not in set(catalogue[chart]["sources"])}
    assert charts.render_one(chart, settings, data=bare, figures=figs, catalogue=catalogue).empty


def test_the_liquidity_link_chart_aligns_zero_and_never_goes_below_minus_100_percent(drawn):
    """Both axes put zero at the same height; the bitcoin axis (a price change) never runs below -100%."""
    for fmt in ("svg", "phone"):
        left, right = _figure(drawn, "btc_liquidity", fmt).axes[:2]
        (lo1, hi1), (lo2, hi2) = left.get_ylim(), right.get_ylim()
        assert lo2 >= -100.0 - 1e-9, fmt
        assert -lo1 / (hi1 - lo1) == pytest.approx(-lo2 / (hi2 - lo2)), fmt
