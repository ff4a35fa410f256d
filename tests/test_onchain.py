"""Realised price, MVRV, hashprice and spot-ETF flows: on the real CryptoQuant/Farside and FRED files, computed again
here with the csv module alone, and the import of those formats."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import REAL_DATA

from report.cli import cli
from report.config import Settings
from report.pipeline.build import figures

D = dt.date
CQ = REAL_DATA / "btc_cryptoquant_farside_hhysteric_btc-cycle-dashboard"
PRICE = REAL_DATA / "fred_JoaoDSO_bitcoin-risk-asset-analysis" / "CBBTCUSD.csv"
AS_OF = [D(2024, 11, 20), D(2025, 12, 8), D(2026, 5, 20)]


def raw(path: Path) -> dict[D, float]:
    """A two-column CSV (FRED or CryptoQuant) as {day: value}."""
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))[1:]
    return {D.fromisoformat(r[0][:10]): float(r[1]) for r in rows if len(r) > 1 and r[1] not in ("", ".")}


def public(values: dict[D, float], as_of: D) -> dict[D, float]:
    """Daily data are public the next day."""
    return {d: v for d, v in values.items() if d + dt.timedelta(days=1) <= as_of}


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Settings:
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data folder {REAL_DATA} is absent")
    data_dir = tmp_path_factory.mktemp("onchain")
    files = [CQ / "realized_price.csv", CQ / "mvrv.csv", CQ / "etf_flow.csv", PRICE]
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "data", "import", *map(str, files)])
    assert r.exit_code == 0, r.output
    assert "cryptoquant: " in r.output and "BTC_ETF_FLOW" in r.output
    return Settings(data_dir=data_dir, out_dir=data_dir / "out")


@pytest.mark.parametrize("as_of", AS_OF)
def test_cost_basis_and_etf_flows_from_the_raw_files(real, as_of):
    realised = public(raw(CQ / "realized_price.csv"), as_of)
    price = public(raw(PRICE), as_of)
    day = max(set(realised) & set(price))
    flows = public(raw(CQ / "etf_flow.csv"), as_of)
    last = max(flows)
    month = sum(v for d, v in flows.items() if last - dt.timedelta(days=27) <= d <= last) * 1e6  # US$ millions
    week = sum(v for d, v in flows.items() if last - dt.timedelta(days=6) <= d <= last) * 1e6
    _, figs, _ = figures(real, demo=False, as_of=as_of)
    f = {x.key: x for x in figs}
    assert f["realized_price"].observed == day and f["realized_price"].value == pytest.approx(realised[day])
    assert f["mvrv"].value == pytest.approx(price[day] / realised[day])
    assert f["etf_net_flows_4w"].value == pytest.approx(month) and f["etf_net_flows_week"].value == pytest.approx(week)
    assert f["etf_net_flows_4w"].observed == last


def test_the_reference_week(real):
    """8 December 2025: MVRV about 1.6 and a realised price about US$56,000 (the reference commentary)."""
    _, figs, _ = figures(real, demo=False, as_of=D(2025, 12, 8))
    f = {x.key: x for x in figs}
    assert 1.5 < f["mvrv"].value < 1.7 and 50_000 < f["realized_price"].value < 60_000
    assert "gain" in f["mvrv"].text["en"] and "獲利" in f["mvrv"].text["zh-Hant"]
    assert f["etf_net_flows_4w"].value < 0 and "outflows" in f["etf_net_flows_4w"].text["en"]


def test_the_formats_are_recognised_and_flows_are_in_millions(tmp_path):
    from report.sources.imports import parse

    p = tmp_path / "flows.csv"
    p.write_text("Datetime,ETF Net Flow (USD mn)\n2025-12-05T00:00:00Z,-87.7\n", encoding="utf-8")
    parsed = parse(p)
    assert parsed.format == "cryptoquant" and list(parsed.series) == ["BTC_ETF_FLOW"]
    assert parsed.series["BTC_ETF_FLOW"][0][:2] == (D(2025, 12, 5), -87.7)
    from report.series import SERIES

    assert SERIES["BTC_ETF_FLOW"].scale == 1e6  # stored in millions, read in dollars


def test_without_a_cost_basis_both_figures_say_so(make_ctx):
    from helpers import series

    from report.figures.onchain import onchain

    f = {x.key: x for x in onchain({"CBBTCUSD": series([("2025-12-07", 90_000.0)])}, make_ctx(D(2025, 12, 8)))}
    assert f["realized_price"].status == f["mvrv"].status == "unavailable"
    assert "realised price" in f["mvrv"].reason["en"] and f["hashprice"].status == "unavailable"


def _weekly(start: str, values) -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq="W-WED")
    return pd.Series(list(values), index=idx, dtype="float64")


def test_the_liquidity_statistic_follows_the_data_and_the_rule_its_sign(make_ctx, cat, meta):
    """Bitcoin built to move with net liquidity gives a correlation near 1 and the rule says it tracks; built to move
    against it, near −1; with too few weeks the figure is unavailable and section 3 says nothing about a link."""
    import math

    from report.figures.onchain import onchain
    from report.render import narrative as n

    weeks = 130
    wave = [1 + 0.1 * math.sin(i / 6) for i in range(weeks)]
    walcl = _weekly("2023-06-07", [7e12 * w for w in wave])
    zero = _weekly("2023-06-07", [0.0] * weeks)
    day = walcl.index[-1].date() + dt.timedelta(days=5)
    for sign, word in ((1, "moved with"), (-1, "moved against")):
        price = _weekly("2023-06-07", [60_000 * w**sign for w in wave])
        data = {"WALCL": walcl, "WDTGAL": zero, "RRPONTSYD": zero, "CBBTCUSD": price}
        f = {x.key: x for x in onchain(data, make_ctx(day))}["btc_liquidity_correlation"]
        assert f.detail["weeks"] == 104 and abs(f.value - sign) < 0.05
        s = n.speak(n.RULES["btc_liquidity"], n.Facts({f.key: f}, meta(day), cat))
        assert s is not None and word in s.text["en"], s
    short = {"WALCL": walcl.iloc[:40], "WDTGAL": zero.iloc[:40], "RRPONTSYD": zero.iloc[:40], "CBBTCUSD": price}
    f = {x.key: x for x in onchain(short, make_ctx(day))}["btc_liquidity_correlation"]
    assert f.status == "unavailable" and "52 weeks" in f.reason["en"]
    assert n.speak(n.RULES["btc_liquidity"], n.Facts({f.key: f}, meta(day), cat)) is None
