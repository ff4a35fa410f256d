import datetime as dt

import pytest
from helpers import series

from report.figures.macro import AT_TARGET_BAND, inflation, inflation_text_key, labour, yoy

D = dt.date


def by_key(figs):
    return {f.key: f for f in figs}


def months(values, start=(2025, 1)):
    y, m = start
    out = []
    for v in values:
        out.append((f"{y}-{m:02d}-01", v))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def test_payroll_declines_in_last_seven_months(make_ctx):
    # levels in persons; changes: +100k, +50k, -10k, -20k, +30k, -5k, -1k, -2k, +4k
    levels = [100e6, 100.1e6, 100.15e6, 100.14e6, 100.12e6, 100.15e6, 100.145e6, 100.144e6, 100.142e6, 100.146e6]
    f = by_key(labour({"PAYEMS": series(months(levels))}, make_ctx(D(2025, 11, 10))))
    assert f["payroll_change"].value == pytest.approx(4_000)
    assert f["payroll_declines_7m"].value == 5  # last 7 changes: -10k -20k +30k -5k -1k -2k +4k
    assert f["payroll_declines_7m"].detail["known"] == 7
    assert f["payroll_3m_avg"].value == pytest.approx((-1_000 - 2_000 + 4_000) / 3)
    assert "5" in f["payroll_declines_7m"].text["zh-Hant"]


def test_payroll_gap_is_not_skipped(make_ctx):
    # a missing month must not turn a two-month change into a one-month change
    pts = months([100e6, 100.1e6, None, 100.2e6, 100.1e6])
    f = by_key(labour({"PAYEMS": series(pts)}, make_ctx(D(2025, 6, 10))))
    assert f["payroll_change"].value == pytest.approx(-100_000)
    assert f["payroll_declines_7m"].detail["known"] == 2  # Feb (+100k) and May (-100k); Mar and Apr unknown
    assert f["payroll_declines_7m"].value == 1
    assert "with data" in f["payroll_declines_7m"].text["en"]
    assert f["payroll_3m_avg"].status == "unavailable"


def test_labour_missing_series(make_ctx):
    f = by_key(labour({}, make_ctx(D(2025, 6, 10))))
    assert {k for k, v in f.items() if v.status == "unavailable"} == set(f)


def test_inflation_year_on_year_against_target(make_ctx):
    idx = [100.0 + i * 0.25 for i in range(13)] + [None]  # 13 months then a missing one
    pts = months(idx, start=(2024, 1))
    f = by_key(inflation({"PCEPILFE": series(pts), "CPIAUCSL": series(pts[:12])}, make_ctx(D(2025, 3, 1))))
    assert f["core_pce_yoy"].value == pytest.approx(3.0)
    assert f["core_pce_yoy"].observed == D(2025, 1, 1)
    assert "above" in f["core_pce_yoy"].text["en"] and "1.0 pp" in f["core_pce_yoy"].text["en"]
    assert f["cpi_yoy"].status == "unavailable"


def test_yoy_matches_same_month_not_position():
    s = series([*months([100.0, 101.0, 102.0], start=(2024, 1)), ("2025-02-01", 110.0)])
    g = yoy(s).dropna()
    assert list(g.index.strftime("%Y-%m")) == ["2025-02"] and g.iloc[0] == pytest.approx(110 / 101 * 100 - 100)


def test_inflation_at_target_within_the_band_on_both_sides():
    assert inflation_text_key(AT_TARGET_BAND) == "text.inflation_at"
    assert inflation_text_key(-AT_TARGET_BAND) == "text.inflation_at"
    assert inflation_text_key(AT_TARGET_BAND + 0.01) == "text.inflation_above"
    assert inflation_text_key(-AT_TARGET_BAND - 0.01) == "text.inflation_below"
