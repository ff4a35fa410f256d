"""Repo stress, bills held and exchange balances (issue 12, second part): SOFR's 99th percentile against IORB and
standing repo facility take-up from files in FRED's own download format (units as FRED states them), bills held
outright, bitcoin on exchanges from the real Coin Metrics file computed again with the csv module, and the rules
on both sides of their thresholds."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import REAL_DATA, series

from report.cli import cli
from report.config import Settings
from report.figures.liquidity import balance_sheet
from report.figures.model import Figure
from report.figures.onchain import onchain
from report.figures.repo import repo_stress
from report.pipeline.build import figures
from report.render import narrative as n

D = dt.date
CM = REAL_DATA / "btc_coinmetrics_community_chrisshao0_APS1052" / "coinmetrics_btc.csv"


def fred_csv(path: Path, sid: str, rows: list[tuple[str, str]]) -> Path:
    """A file as FRED's download writes it: observation_date,<SERIES>, "." where a value is missing."""
    path.write_text(f"observation_date,{sid}\n" + "".join(f"{d},{v}\n" for d, v in rows), encoding="utf-8")
    return path


BDAYS = [d.date().isoformat() for d in __import__("pandas").bdate_range("2025-10-01", "2025-12-05")]


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Settings:
    """SOFR99 (percent), RPONTTLD (billions) and IORB (percent) over October-December 2025, imported as files."""
    folder = tmp_path_factory.mktemp("repo")
    p99 = [(d, "4.40" if d == "2025-10-31" else "4.05" if d < "2025-10-30" else "3.96") for d in BDAYS]
    takeup = [(d, {"2025-10-31": "50.35", "2025-10-30": "26.5", "2025-12-01": "2.0"}.get(d, "0.000")) for d in BDAYS]
    iorb = [(d, "4.15" if d < "2025-10-30" else "3.90") for d in BDAYS]
    files = [
        fred_csv(folder / "SOFR99.csv", "SOFR99", p99),
        fred_csv(folder / "RPONTTLD.csv", "RPONTTLD", takeup),
        fred_csv(folder / "IORB.csv", "IORB", iorb),
    ]
    r = CliRunner().invoke(cli, ["--data-dir", str(folder), "data", "import", *map(str, files)])
    assert r.exit_code == 0, r.output
    return Settings(data_dir=folder, out_dir=folder / "out", sofr_lookback_days=40)


def test_the_repo_figures_from_fred_files(imported):
    """On 8 December 2025 (5 December is the last day public): the percentile 6 bp above the 3.90% IORB; its widest
    spread is against the IORB of its own day (31 October: 4.40 - 3.90 = 50 bp), not the highest level (4.05%
    under a 4.15% IORB, 10 bp below); take-up in billions becomes US dollars."""
    _, figs, _ = figures(imported, demo=False, as_of=D(2025, 12, 8))
    f = {x.key: x for x in figs}
    assert f["sofr99_iorb_spread_bp"].value == pytest.approx(6.0)
    assert f["sofr99_iorb_spread_bp"].observed == D(2025, 12, 5)
    assert "6 bp above IORB" in f["sofr99_iorb_spread_bp"].text["en"]
    assert "高6個基點" in f["sofr99_iorb_spread_bp"].text["zh-Hant"]
    assert f["sofr99_max_spread_bp"].value == pytest.approx(50.0)
    assert f["sofr99_max_spread_bp"].detail["date"] == "2025-10-31"
    srf = f["srf_takeup"]
    assert srf.value == pytest.approx(50.35e9) and srf.detail["days_used"] == 3
    assert srf.detail["total"] == pytest.approx(78.85e9) and srf.detail["peak_date"] == "2025-10-31"
    assert "on 3 days of the last 40 business days" in srf.text["en"] and "US$50.4 billion" in srf.text["en"]
    assert "有3天動用" in srf.text["zh-Hant"] and "504億美元" in srf.text["zh-Hant"]


def test_a_millions_for_billions_mix_up_is_caught(tmp_path):
    """RPONTTLD is in billions: the same take-up written in millions (50,350) is 50 trillion dollars, outside the
    series' plausible range, so the figure is withheld instead of printed a thousand times too large."""
    path = fred_csv(tmp_path / "RPONTTLD.csv", "RPONTTLD", [("2025-12-01", "0"), ("2025-12-02", "50350")])
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "import", str(path)])
    assert r.exit_code == 0, r.output
    _, figs, _ = figures(Settings(data_dir=tmp_path, out_dir=tmp_path / "o"), demo=False, as_of=D(2025, 12, 8))
    srf = next(x for x in figs if x.key == "srf_takeup")
    assert srf.status == "implausible" and srf.value is None


def test_an_unused_facility_and_a_percentile_never_above_iorb(make_ctx):
    days = ["2025-12-01", "2025-12-02", "2025-12-03"]
    data = {
        "SOFR99": series([(d, 3.88) for d in days]),
        "IORB": series([("2025-11-01", 3.90)]),
        "RPONTTLD": series([(d, 0.0) for d in days]),
    }
    f = {x.key: x for x in repo_stress(data, make_ctx(D(2025, 12, 8)))}
    assert f["srf_takeup"].value == 0.0 and "facility was not used in the last 3" in f["srf_takeup"].text["en"]
    assert "均未被動用" in f["srf_takeup"].text["zh-Hant"]
    assert f["sofr99_max_spread_bp"].value == pytest.approx(-2.0)
    assert "stayed at or below IORB on all of the last 3" in f["sofr99_max_spread_bp"].text["en"]
    assert "2 bp below IORB" in f["sofr99_iorb_spread_bp"].text["en"]
    none = {x.key: x for x in repo_stress({}, make_ctx(D(2025, 12, 8)))}
    assert all(x.status == "unavailable" for x in none.values())
    assert "standing repo facility" in none["srf_takeup"].reason["en"]


def test_bills_held_and_their_change_since_qt_ended(make_ctx):
    """WSHOBL in plain dollars here (the store scales FRED's millions): the change is from the last week on or
    before the end of QT (1 December 2025)."""
    data = {"WSHOBL": series([("2025-11-26", 195.0e9), ("2025-12-03", 195.1e9), ("2025-12-17", 215.1e9)])}
    f = {x.key: x for x in balance_sheet(data, make_ctx(D(2025, 12, 22)))}
    assert f["fed_bills"].value == pytest.approx(215.1e9)
    assert f["fed_bills_since_qt_end"].value == pytest.approx(20.1e9)
    assert "grown by US$20.1 billion" in f["fed_bills_since_qt_end"].text["en"]
    assert "國庫券增加201億美元" in f["fed_bills_since_qt_end"].text["zh-Hant"]


def _fig(key: str, value: float, **detail) -> Figure:
    return Figure(key, value, "USD", D(2026, 8, 19), (), "ok", {}, {}, None, detail)


@pytest.mark.parametrize(
    ("peak", "says"),
    [(n.SRF_BACKSTOP_USD, "has needed the Fed's standing"), (n.SRF_BACKSTOP_USD - 1e8, "cleared without needing")],
)
def test_the_repo_backstop_rule_on_both_sides(meta, cat, peak, says):
    srf = _fig("srf_takeup", peak, peak_date="2025-10-31")
    s = n.speak(n.RULES["repo_backstop"], n.Facts({"srf_takeup": srf}, meta(D(2025, 12, 8)), cat))
    assert s is not None and says in s.text["en"]
    assert n.speak(n.RULES["repo_backstop"], n.Facts({}, meta(D(2025, 12, 8)), cat)) is None


def _scenario(monthly: float, pace: float, mode: str = "actual_vs_scenario") -> Figure:
    key = f"rmp_{monthly / 1e9:g}bn"
    return _fig(key, 0.0, mode=mode, monthly=monthly, start="2026-01-01", actual_monthly_pace=pace)


@pytest.mark.parametrize(
    ("pace", "key"),
    [
        (45.1e9, "rule.purchases_above"),
        (45e9, "rule.purchases_between"),
        (35e9, "rule.purchases_between"),
        (34.9e9, "rule.purchases_below"),
        (-1e9, "rule.purchases_shrinking"),
    ],
)
def test_purchases_against_the_scenarios_on_each_side(meta, cat, pace, key):
    figs = {f.key: f for f in (_scenario(35e9, pace), _scenario(45e9, pace))}
    s = n.speak(n.RULES["purchase_pace"], n.Facts(figs, meta(), cat))
    assert s is not None and s.text == cat.both(key, **_values(pace))


def _values(pace: float) -> dict:
    from report.i18n import money, month, per_lang

    return {
        "start": per_lang(month, D(2026, 1, 1)),
        "pace": per_lang(money, abs(pace)),
        "low": per_lang(money, 35e9),
        "high": per_lang(money, 45e9),
    }


def test_no_pace_verdict_while_the_scenarios_lie_ahead(meta, cat):
    figs = {"rmp_35bn": _scenario(35e9, 0.0, mode="projection")}
    assert n.speak(n.RULES["purchase_pace"], n.Facts(figs, meta(D(2025, 12, 8)), cat)) is None


def raw_exchange() -> dict[D, float]:
    with CM.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {D.fromisoformat(r["time"][:10]): float(r["SplyExNtv"]) for r in rows if r["SplyExNtv"]}


@pytest.fixture(scope="module")
def coinmetrics(tmp_path_factory) -> Settings:
    if not CM.is_file():
        pytest.skip(f"real data file {CM} is absent")
    data_dir = tmp_path_factory.mktemp("exchange")
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "data", "import", str(CM)])
    assert r.exit_code == 0, r.output
    return Settings(data_dir=data_dir, out_dir=data_dir / "out")


@pytest.mark.parametrize("as_of", [D(2022, 11, 15), D(2025, 12, 8), D(2026, 3, 20)])
def test_exchange_balance_from_the_real_coin_metrics_file(coinmetrics, as_of):
    held = {d: v for d, v in raw_exchange().items() if d + dt.timedelta(days=1) <= as_of}
    last = max(held)
    base = max(d for d in held if d <= last - dt.timedelta(days=30))
    _, figs, _ = figures(coinmetrics, demo=False, as_of=as_of)
    f = {x.key: x for x in figs}
    assert f["exchange_balance"].observed == last and f["exchange_balance"].value == pytest.approx(held[last])
    change = f["exchange_balance_30d_change"]
    assert change.value == pytest.approx(held[last] - held[base]) and change.detail["base_date"] == base.isoformat()


@pytest.mark.parametrize(
    ("before", "says", "zh"),
    [
        (2.60e6 * 1.006, "coins left exchanges", "淨流出"),  # -0.6%: an outflow
        (2.60e6 * 1.004, "broadly flat", "大致持平"),  # -0.4%: within the flat band
        (2.60e6 * 0.99, "moved onto exchanges", "淨流入"),
    ],
)
def test_a_small_exchange_change_is_called_flat(make_ctx, before, says, zh):
    data = {"BTC_EXCHANGE_SUPPLY": series([("2025-11-07", before), ("2025-12-07", 2.60e6)])}
    f = {x.key: x for x in onchain(data, make_ctx(D(2025, 12, 8)))}
    change = f["exchange_balance_30d_change"]
    assert says in change.text["en"] and zh in change.text["zh-Hant"]
    assert change.detail["pct"] == pytest.approx((2.60e6 - before) / before * 100)


def test_exchange_balance_without_a_base_30_days_back(make_ctx):
    data = {"BTC_EXCHANGE_SUPPLY": series([("2025-12-01", 2.6e6), ("2025-12-07", 2.59e6)])}
    f = {x.key: x for x in onchain(data, make_ctx(D(2025, 12, 8)))}
    assert f["exchange_balance"].value == 2.59e6 and "2.59 million BTC" in f["exchange_balance"].text["en"]
    assert f["exchange_balance_30d_change"].status == "unavailable"
    assert "30 days earlier" in f["exchange_balance_30d_change"].reason["en"]
