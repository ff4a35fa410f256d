"""Charts drawn from the demo store: every catalogue chart renders, and the chart's facts come from figures."""

import datetime as dt

import pytest

from report import charts
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
