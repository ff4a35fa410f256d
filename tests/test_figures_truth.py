"""Figures that must not say something false today (issue 10): QT frozen at its end, purchases against the
scenarios, exact difficulty only, the electricity cost of mining, the countdown to the decision, and missing or
stale data told as a footnote (no series codes, no ISO dates, a month never published said so)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import REAL_DATA, series

from report.cli import cli
from report.config import Settings
from report.figures import compute_all
from report.figures.bitcoin import break_even_power, difficulty, margin_of, markup_of, miner_cost
from report.figures.fomc import fomc
from report.figures.liquidity import balance_sheet, rmp_scenarios
from report.figures.macro import labour
from report.series import SERIES

D = dt.date
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def by_key(figs):
    return {f.key: f for f in figs}


def weekly(start: str, values: list[float]) -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq="7D")
    return pd.Series(values, index=idx, dtype="float64")


def daily(start: str, values: list[float]) -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq="D")
    return pd.Series(values, index=idx, dtype="float64")


# --- where the Fed is ---------------------------------------------------------------------------------------------
def balance(as_of: dt.date, make_ctx):
    # weekly from 5 Nov 2025: shrinking to the end of QT (1 Dec), then the Treasury holdings grow US$10bn a week
    walcl = weekly("2025-11-05", [7.0e12, 6.9e12, 6.8e12, 6.7e12] + [6.7e12 + 10e9 * i for i in range(1, 40)])
    treast = weekly("2025-11-05", [4.3e12, 4.25e12, 4.2e12, 4.19e12] + [4.19e12 + 10e9 * i for i in range(1, 40)])
    cut = pd.Timestamp(as_of)
    data = {"WALCL": walcl[walcl.index <= cut], "TREAST": treast[treast.index <= cut]}
    ctx = make_ctx(as_of)
    return by_key(balance_sheet(data, ctx) + rmp_scenarios(data, ctx))


def test_qt_runoff_is_frozen_at_the_end_of_qt(make_ctx):
    before = balance(D(2025, 11, 20), make_ctx)
    assert before["qt_runoff"].value == pytest.approx(0.2e12) and not before["qt_runoff"].detail["frozen"]
    for as_of in (D(2025, 12, 8), D(2026, 3, 4), D(2026, 8, 5)):
        f = balance(as_of, make_ctx)
        assert f["qt_runoff"].value == pytest.approx(0.3e12), as_of  # 7.0 -> 6.7 on 26 Nov, whatever came later
        assert f["qt_runoff"].detail["end_date"] == "2025-11-26"
        assert f["qt_runoff"].status == "ok"  # frozen: judged on the end of QT, never stale for being old
        assert "1 December 2025" in f["qt_runoff"].text["en"] and "2025年12月1日" in f["qt_runoff"].text["zh-Hant"]


def test_change_since_qt_end_and_the_monthly_pace(make_ctx):
    f = balance(D(2025, 12, 8), make_ctx)
    assert f["fed_assets_since_qt_end"].value == pytest.approx(10e9)
    assert f["fed_treasuries_monthly_pace"].status == "unavailable"  # one week is no monthly pace
    assert f["fed_treasuries_monthly_pace"].reason["en"].endswith(".")
    g = balance(D(2026, 3, 4), make_ctx)
    weeks = 14  # 26 Nov 2025 to 4 Mar 2026
    assert g["fed_treasuries_since_qt_end"].value == pytest.approx(10e9 * weeks)
    assert g["fed_treasuries_monthly_pace"].value == pytest.approx(10e9 * weeks / (weeks * 7 / (365.25 / 12)))
    assert "資產負債表擴大" in g["fed_assets_since_qt_end"].text["zh-Hant"]
    assert "持有公債增加" in g["fed_treasuries_since_qt_end"].text["zh-Hant"]


def test_scenarios_are_projected_only_while_they_lie_ahead(make_ctx):
    f = balance(D(2025, 12, 8), make_ctx)
    assert f["rmp_35bn"].detail["mode"] == "projection" and f["rmp_35bn"].value == pytest.approx(420e9)
    assert "would add" in f["rmp_35bn"].text["en"]
    g = balance(D(2026, 3, 4), make_ctx)  # the January 2026 start has passed
    for key, monthly in (("rmp_35bn", 35e9), ("rmp_45bn", 45e9)):
        x = g[key]
        assert x.detail["mode"] == "actual_vs_scenario"
        actual = 4.19e12 + 10e9 * 14 - (4.19e12 + 10e9 * 5)  # 31 Dec 2025 (week 5) to 4 Mar 2026
        months = (D(2026, 3, 4) - D(2026, 1, 1)).days / (365.25 / 12)
        assert x.detail["actual"] == pytest.approx(actual)
        assert x.value == pytest.approx(actual - monthly * months)
        assert "would add" not in x.text["en"] and "若自" not in x.text["zh-Hant"]
        assert "actual minus scenario" in x.label["en"]
    assert g["rmp_35bn"].value > 0 > g["rmp_45bn"].value
    assert "more than" in g["rmp_35bn"].text["en"] and "less than" in g["rmp_45bn"].text["en"]


# --- difficulty -----------------------------------------------------------------------------------------------------
def test_a_seven_day_average_of_difficulty_is_refused(make_ctx):
    avg = daily("2025-11-01", [150e12 + i * 1e11 for i in range(30)])
    f = by_key(difficulty({"BTC_DIFFICULTY_7D": avg}, make_ctx(D(2025, 12, 1))))["difficulty_change"]
    assert f.status == "unavailable" and f.value is None
    assert "7-day average" in f.reason["en"] and "7日平均" in f.reason["zh-Hant"]
    assert f.reason["en"].endswith(".") and f.reason["zh-Hant"].endswith("。")


def test_difficulty_points_days_apart_are_refused_even_under_the_exact_id(make_ctx):
    idx = pd.date_range("2025-08-01", periods=30, freq="4D")
    plateaus = pd.Series([150e12] * 10 + [155e12] * 10 + [148e12] * 10, index=idx, dtype="float64")
    f = by_key(difficulty({"BTC_DIFFICULTY": plateaus}, make_ctx(D(2025, 12, 1))))["difficulty_change"]
    assert f.status == "unavailable" and "not daily" in f.reason["en"] and "4 days" in f.reason["en"]


def test_exact_daily_difficulty_still_gives_the_adjustment(make_ctx):
    s = daily("2025-11-01", [150e12] * 14 + [152e12] + [154e12] * 14)
    f = by_key(difficulty({"BTC_DIFFICULTY": s}, make_ctx(D(2025, 11, 30))))["difficulty_change"]
    assert f.status == "ok" and f.value == pytest.approx((154 / 150 - 1) * 100)


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"real data folder {REAL_DATA} is absent")
def test_blockchain_com_difficulty_file_never_becomes_an_adjustment(tmp_path):
    chart = REAL_DATA / "btc_blockchain_com_charts" / "baua5252-cloud_Crypto-research" / "difficulty.csv"
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "import", str(chart)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    from report.pipeline.build import figures

    _, figs, _ = figures(Settings(data_dir=tmp_path, out_dir=tmp_path / "out"), demo=False, as_of=D(2026, 2, 20))
    f = by_key(figs)["difficulty_change"]
    assert f.status == "unavailable" and "Blockchain.com" in f.reason["en"]
    forced = tmp_path / "forced"
    r = CliRunner().invoke(cli, ["--data-dir", str(forced), "data", "import", "--series", "BTC_DIFFICULTY", str(chart)])
    assert r.exit_code == 0, r.output
    _, figs, _ = figures(Settings(data_dir=forced, out_dir=forced / "out"), demo=False, as_of=D(2026, 2, 20))
    f = by_key(figs)["difficulty_change"]
    assert f.status == "unavailable" and "not daily" in f.reason["en"]


# --- the electricity cost of mining -------------------------------------------------------------------------------
def test_margin_markup_and_break_even():
    assert margin_of(1.21) == pytest.approx(17.36, abs=0.01)
    assert markup_of(1.21) == pytest.approx(21.0)
    assert margin_of(0.8) == pytest.approx(-25.0)
    assert break_even_power(90_000, 75_000, 0.06) == pytest.approx(0.072)


def test_miner_cost_reads_as_electricity_rounded(make_ctx):
    n = 10
    # 1,000 EH/s at 22 J/TH = 22 GW = 528 GWh a day at US$0.06 = US$31.68m; over 424.2 BTC = US$74,682
    data = {
        "BTC_HASHRATE": daily("2025-12-01", [1e21] * n),
        "BTC_ISSUANCE": daily("2025-12-01", [424.2] * n),
        "BTC_FEES": daily("2025-12-01", [0.0] * n),
        "CBBTCUSD": daily("2025-12-01", [90_365.0] * n),
    }
    f = by_key(miner_cost(data, make_ctx(D(2025, 12, 11), miner_efficiency_j_per_th=22, power_usd_per_kwh=0.06)))
    cost = f["miner_cost"]
    assert "electricity cost" in cost.text["en"] and "US$74,700" in cost.text["en"]
    assert "電力成本約7.47萬美元" in cost.text["zh-Hant"]
    assert "Electricity" in cost.label["en"] and "挖礦電力成本" in cost.label["zh-Hant"]
    r = f["btc_price_to_cost"]
    assert r.formatted("en") == "1.21x" and r.formatted("zh-Hant") == "1.21倍"
    assert "21% above" in r.text["en"] and "17%" in r.text["en"] and "×" not in r.text["en"] + r.text["zh-Hant"]
    assert "1.21倍" in r.text["zh-Hant"] and "高出約21%" in r.text["zh-Hant"]
    be = f["break_even_power_price"]
    assert be.unit == "USD/kWh" and be.value == pytest.approx(0.06 * 90_365 / cost.value)
    assert be.formatted("en") == "US$0.073/kWh" and be.formatted("zh-Hant") == "每度0.073美元"


# --- the countdown ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("as_of", "days", "key_word"),
    [(D(2025, 12, 8), 2, "due on"), (D(2025, 12, 9), 1, "under way"), (D(2025, 12, 10), 0, "ends today")],
)
def test_countdown_to_the_decision_day(make_ctx, as_of, days, key_word):
    f = fomc(make_ctx(as_of))[0]
    assert f.value == days and f.detail["decision"] == "2025-12-10"
    assert key_word in f.text["en"]


# --- missing and stale data as footnotes ----------------------------------------------------------------------------
def test_a_month_never_published_is_said_so(make_ctx):
    unrate = series([("2025-08-01", 4.3), ("2025-09-01", 4.4), ("2025-11-01", 4.5)])
    f = by_key(labour({"UNRATE": unrate}, make_ctx(D(2025, 12, 8))))["unemployment_rate"]
    assert f.value == 4.5 and f.observed == D(2025, 11, 1)
    # the release calendar knows why: the household survey was not collected in the shutdown
    assert "October 2025 was never published: the household survey was not collected" in f.text["en"]
    assert "2025年10月的失業率資料從未公布，因政府停擺期間未進行家庭調查。" in f.text["zh-Hant"]
    assert f.detail["never_published"] == ["2025-10-01"]
    payems = series([("2025-08-01", 159_000e3), ("2025-09-01", 159_100e3), ("2025-11-01", 159_150e3)])
    g = by_key(labour({"PAYEMS": payems}, make_ctx(D(2025, 12, 8))))["payroll_change"]
    assert g.status == "unavailable" and "October 2025 was never published" in g.reason["en"]


def _prose(figs) -> list[tuple[str, str, str]]:
    out = []
    for f in figs:
        for lang in ("en", "zh-Hant"):
            out.append((f.key, lang, f.text[lang]))
            if f.reason and f.status != "implausible":  # a data fault's reason names the series for the operator
                out.append((f.key, lang, f.reason[lang]))
    return out


def assert_footnotes(figs) -> None:
    codes = [sid for sid in SERIES if sid not in ("SOFR", "IORB", "GDP", "EFFR")]  # those are also plain words
    for key, lang, text in _prose(figs):
        assert not ISO.search(text), (key, lang, text)
        assert not any(code in text for code in codes), (key, lang, text)
    for f in figs:
        if f.reason and f.status != "implausible":
            assert f.reason["en"].endswith("."), f.key
            assert f.reason["zh-Hant"].endswith("。"), f.key


def test_no_codes_or_iso_dates_when_everything_is_missing(make_ctx):
    assert_footnotes(compute_all({}, make_ctx(D(2025, 12, 8))))


def test_stale_and_missing_read_as_footnotes(make_ctx):
    data = {
        "WRESBAL": series([("2025-10-01", 3e12), ("2025-10-08", 3e12)]),
        "CPIAUCSL": pd.Series(
            [300.0 + i * 0.7 for i in range(13)], index=pd.date_range("2024-09-01", periods=13, freq="MS")
        ),
    }
    # on 8 December 2025 September's CPI is the latest there is (October's was never published, November's came
    # out on 18 December); by 20 January 2026 November's and December's are out
    assert by_key(compute_all(data, make_ctx(D(2025, 12, 8))))["cpi_yoy"].status == "ok"
    figs = compute_all(data, make_ctx(D(2025, 12, 20)))
    assert_footnotes(figs)
    cpi = by_key(figs)["cpi_yoy"]
    assert cpi.status == "stale" and cpi.reason["en"] == (
        "The latest CPI data are from September 2025, though the November 2025 figures came out on 18 December 2025."
    )
    assert (
        cpi.reason["zh-Hant"]
        == "消費者物價指數（CPI）最新資料僅至2025年9月，但2025年11月的資料已於2025年12月18日公布。"
    )
    # a month later, December's has come out too: the notice says how far the published figures go
    cpi = by_key(compute_all(data, make_ctx(D(2026, 1, 20))))["cpi_yoy"]
    assert cpi.reason["en"].endswith(
        "though figures through December 2025 have come out (the latest on 13 January 2026)."
    )
    assert cpi.reason["zh-Hant"].endswith("但至2025年12月的資料已陸續公布（最近一次於2026年1月13日）。")


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"real data folder {REAL_DATA} is absent")
@pytest.mark.parametrize("as_of", [D(2025, 12, 8), D(2026, 8, 21)])
def test_real_data_footnotes(real_store, as_of):
    from report.pipeline.build import figures

    _, figs, _ = figures(real_store, demo=False, as_of=as_of)
    assert_footnotes(figs)
    f = by_key(figs)
    if as_of == D(2025, 12, 8):  # September's rate, the latest public (October's never was, November's on the 16th)
        assert f["unemployment_rate"].observed == D(2025, 9, 1) and f["unemployment_rate"].status == "ok"
        assert f["days_to_fomc"].value == 2
        assert f["fed_assets_since_qt_end"].value < 0  # the week after QT ended
    else:
        assert f["fed_treasuries_since_qt_end"].value > 300e9
        assert f["rmp_35bn"].detail["mode"] == "actual_vs_scenario"
        assert f["qt_runoff"].value == pytest.approx(
            by_key(figures(real_store, demo=False, as_of=D(2025, 12, 8))[1])["qt_runoff"].value
        )


@pytest.fixture(scope="module")
def real_store(tmp_path_factory) -> Settings:
    merged = REAL_DATA / "fred_jonsflow_risk-model" / "merged_to_2026-08-21"
    files = [merged / f"{sid}.csv" for sid in ("WALCL", "WRESBAL", "TREAST", "UNRATE", "PAYEMS", "CPIAUCSL")]
    files.append(REAL_DATA / "btc_coinmetrics_api_Hakimaxxxx_Haki_Crypto2025" / "btc_onchain_metrics_cm.csv")
    data_dir = tmp_path_factory.mktemp("truth")
    args = ["--data-dir", str(data_dir), "data", "import", *map(str, files)]
    r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return Settings(data_dir=data_dir, out_dir=data_dir / "out")
