import datetime as dt

import pandas as pd
import pytest
from helpers import series

from report.figures.corridor import sofr_corridor
from report.figures.liquidity import (
    RMP_MAX_LEAD_DAYS,
    WEEKLY_GAP_DAYS,
    balance_sheet,
    is_consecutive_week,
    reserves,
    rmp_scenarios,
    rmp_too_early,
)
from report.figures.money import is_record, m2, prior_peak

D = dt.date


def by_key(figs):
    return {f.key: f for f in figs}


def test_reserves_level_change_and_gdp_share(make_ctx):
    data = {
        "WRESBAL": series([("2025-11-19", 2.90e12), ("2025-11-26", 2.88e12), ("2025-12-03", 2.86e12)]),
        "GDP": series([("2025-04-01", 30.5e12), ("2025-07-01", 31.0e12)]),
    }
    f = by_key(reserves(data, make_ctx(D(2025, 12, 8))))
    assert f["reserves"].value == pytest.approx(2.86e12)
    assert f["reserves"].observed == D(2025, 12, 3)
    assert f["reserves_weekly_change"].value == pytest.approx(-0.02e12)
    assert f["reserves_since_qt_end"].value == pytest.approx(-0.02e12)  # base: 2025-11-26, last before 1 Dec
    assert f["reserves_gdp_share"].value == pytest.approx(2.86 / 31.0 * 100)
    assert [s.series for s in f["reserves_gdp_share"].sources] == ["WRESBAL", "GDP"]
    assert "2.86兆美元" in f["reserves"].text["zh-Hant"] and "US$2.86 trillion" in f["reserves"].text["en"]


def test_reserves_missing_and_gaps(make_ctx):
    ctx = make_ctx(D(2025, 12, 8))
    f = by_key(reserves({"WRESBAL": series([("2025-11-12", 3e12), ("2025-12-03", 2.9e12)])}, ctx))
    assert f["reserves_weekly_change"].status == "unavailable"  # three-week gap, no previous week
    assert f["reserves_gdp_share"].status == "unavailable" and "GDP" in f["reserves_gdp_share"].reason["en"]
    g = by_key(reserves({"WRESBAL": series([("2025-11-26", None), ("2025-12-03", None)])}, ctx))
    assert all(x.status == "unavailable" and x.value is None for x in g.values())
    assert g["reserves"].reason["zh-Hant"] == "截至2025年12月8日，本期未取得銀行準備金資料。"
    assert g["reserves"].reason["en"] == "No bank reserves data were available for this edition (to 8 December 2025)."


def test_reserves_stale_when_old(make_ctx):
    f = by_key(reserves({"WRESBAL": series([("2025-10-01", 3e12), ("2025-10-08", 3e12)])}, make_ctx(D(2025, 12, 8))))
    assert f["reserves"].status == "stale"
    assert f["reserves"].reason == {
        "en": "The latest bank reserves data are from 8 October 2025.",
        "zh-Hant": "銀行準備金最新資料僅至2025年10月8日。",
    }


def test_qt_runoff_from_the_peak(make_ctx):
    data = {
        "WALCL": series(
            [
                ("2022-03-30", 8.9e12),
                ("2022-04-13", 8.965e12),
                ("2023-01-04", 8.5e12),
                ("2025-11-26", 6.6e12),
                ("2025-12-03", None),
            ]
        )
    }
    f = by_key(balance_sheet(data, make_ctx(D(2025, 12, 8))))
    assert f["fed_assets"].value == pytest.approx(6.6e12) and f["fed_assets"].observed == D(2025, 11, 26)
    assert f["qt_runoff"].value == pytest.approx(2.365e12)
    assert f["qt_runoff"].detail["peak_date"] == "2022-04-13"
    assert f["fed_treasuries"].status == "unavailable"


def test_rmp_scenarios_project_twelve_months(make_ctx):
    data = {"WALCL": series([("2025-12-03", 6.5e12)])}
    f = by_key(rmp_scenarios(data, make_ctx(D(2025, 12, 8), rmp_monthly_usd=(35e9, 45e9))))
    assert f["rmp_35bn"].value == pytest.approx(420e9) and f["rmp_45bn"].value == pytest.approx(540e9)
    path = f["rmp_45bn"].detail["path"]
    assert len(path) == 12 and path[0] == ("2026-01-01", pytest.approx(6.545e12))
    assert path[-1][1] == pytest.approx(7.04e12)
    assert "450億美元" in f["rmp_45bn"].label["zh-Hant"]


def test_m2_record_and_prior_cycle_peak(make_ctx):
    pts = [
        ("2021-04-01", 20.0e12),
        ("2022-04-01", 21.7e12),
        ("2022-05-01", 21.6e12),
        ("2023-10-01", 20.7e12),
        ("2024-10-01", 21.4e12),
        ("2025-04-01", 21.8e12),
        ("2025-10-01", 22.3e12),
    ]
    f = by_key(m2({"M2SL": series(pts)}, make_ctx(D(2025, 12, 8))))
    assert f["m2"].detail["record"] is True and "record" in f["m2"].text["en"]
    assert f["m2_prior_peak"].value == pytest.approx(21.7e12)
    assert f["m2_prior_peak"].detail["peak_date"] == "2022-04-01"
    assert f["m2_prior_peak"].detail["excess"] == pytest.approx(0.6e12)
    assert f["m2_yoy"].value == pytest.approx((22.3 / 21.4 - 1) * 100)


def test_m2_below_peak_and_missing_year_ago(make_ctx):
    pts = [("2022-04-01", 21.7e12), ("2023-10-01", 20.7e12), ("2024-01-01", 20.9e12)]
    f = by_key(m2({"M2SL": series(pts)}, make_ctx(D(2024, 2, 20))))
    assert f["m2"].detail["record"] is False
    assert "below" in f["m2_prior_peak"].text["en"]
    assert f["m2_yoy"].status == "unavailable"


def test_prior_peak_without_drawdown_is_the_earlier_high():
    s = series([("2024-01-01", 1.0), ("2024-02-01", 2.0), ("2024-03-01", 3.0)])
    ts, v = prior_peak(s)
    assert v == 2.0 and ts.month == 2


def test_sofr_corridor_counts_and_largest_excess(make_ctx):
    days = ["2025-10-27", "2025-10-28", "2025-10-29", "2025-10-30", "2025-10-31", "2025-11-03", "2025-11-04"]
    sofr = [4.20, 4.30, 4.24, 3.95, 4.22, 3.90, None]
    data = {
        "SOFR": series(list(zip(days, sofr, strict=True))),
        "IORB": series([("2025-09-18", 4.15), ("2025-10-30", 3.90)]),
        "DFEDTARU": series([("2025-09-18", 4.25), ("2025-10-30", 4.00)]),
        "DFEDTARL": series([("2025-09-18", 4.00), ("2025-10-30", 3.75)]),
    }
    f = by_key(sofr_corridor(data, make_ctx(D(2025, 11, 5), sofr_lookback_days=5)))
    # window: the last five SOFR observations (the missing 4 Nov value is not one): 28 Oct .. 3 Nov
    assert f["sofr_days_above_range"].value == 2  # 4.30 > 4.25 on 28 Oct, 4.22 > 4.00 on 31 Oct
    assert f["sofr_days_above_range"].detail["dates"] == ["2025-10-28", "2025-10-31"]
    assert f["sofr_days_at_or_above_iorb"].value == 5  # 4.30, 4.24 >= 4.15; 3.95, 4.22, 3.90 >= 3.90
    assert f["sofr_max_excess_bp"].value == pytest.approx(22)
    assert f["sofr_iorb_spread_bp"].value == pytest.approx(0)
    assert f["policy_range_upper"].value == 4.0 and f["policy_range_upper"].detail["lower"] == 3.75


def test_sofr_without_iorb_keeps_range_figures(make_ctx):
    data = {
        "SOFR": series([("2020-06-01", 0.05), ("2020-06-02", 0.30)]),
        "DFEDTARU": series([("2020-03-16", 0.25)]),
        "DFEDTARL": series([("2020-03-16", 0.0)]),
    }
    f = by_key(sofr_corridor(data, make_ctx(D(2020, 6, 5))))
    assert f["sofr_iorb_spread_bp"].status == "unavailable" and "IORB" in f["sofr_iorb_spread_bp"].reason["en"]
    assert f["sofr_days_above_range"].value == 1


def test_rmp_scenarios_far_ahead_of_the_edition_are_unavailable(make_ctx):
    f = by_key(rmp_scenarios({"WALCL": series([("2020-06-10", 7e12)])}, make_ctx(D(2020, 6, 15))))
    assert f["rmp_45bn"].status == "unavailable" and "2026" in f["rmp_45bn"].reason["en"]


def test_weekly_change_needs_observations_at_most_the_gap_apart():
    latest = pd.Timestamp("2025-12-03")
    assert is_consecutive_week(latest - pd.Timedelta(days=WEEKLY_GAP_DAYS), latest)
    assert not is_consecutive_week(latest - pd.Timedelta(days=WEEKLY_GAP_DAYS + 1), latest)


def test_rmp_scenario_too_early_only_past_the_lead():
    as_of = D(2025, 12, 8)
    assert not rmp_too_early(as_of + dt.timedelta(days=RMP_MAX_LEAD_DAYS), as_of)
    assert rmp_too_early(as_of + dt.timedelta(days=RMP_MAX_LEAD_DAYS + 1), as_of)


def test_record_is_at_least_every_earlier_value():
    assert is_record(series([("2025-09-01", 1.0), ("2025-10-01", 2.0), ("2025-11-01", 2.0)]))
    assert not is_record(series([("2025-09-01", 1.0), ("2025-10-01", 2.0), ("2025-11-01", 1.99)]))
    assert not is_record(series([("2025-11-01", 2.0)]))  # nothing earlier to beat
