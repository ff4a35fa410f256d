import datetime as dt

import pandas as pd
import pytest
from helpers import series

from report.figures.bitcoin import (
    PRICE_SOURCE_LEAD_DAYS,
    SMOOTH_DAYS,
    adjustments,
    cost_series,
    difficulty,
    miner_cost,
    price,
    price_series,
    production_cost,
    supply_in_loss,
)

D = dt.date


def by_key(figs):
    return {f.key: f for f in figs}


def daily(start, values):
    idx = pd.date_range(start, periods=len(values), freq="D")
    return pd.Series(values, index=idx, dtype="float64")


def test_production_cost_formula():
    # 1,000 EH/s at 20 J/TH = 20 GW; 480 GWh a day at US$0.05 = US$24m; over 450 BTC
    cost = production_cost(1e21, 450, efficiency_j_per_th=20, power_usd_per_kwh=0.05)
    assert cost == pytest.approx(24e6 / 450)


def test_miner_cost_uses_week_average_and_shows_sensitivity(make_ctx):
    n = 10
    data = {
        "BTC_HASHRATE": daily("2025-12-01", [1e21] * n),
        "BTC_ISSUANCE": daily("2025-12-01", [450.0] * n),
        "BTC_FEES": daily("2025-12-01", [0.0] * (n - 1) + [None]),
        "CBBTCUSD": daily("2025-12-01", [80_000.0] * n),
    }
    f = by_key(miner_cost(data, make_ctx(D(2025, 12, 11), miner_efficiency_j_per_th=20, power_usd_per_kwh=0.05)))
    assert f["miner_cost"].value == pytest.approx(24e6 / 450)
    assert f["btc_price_to_cost"].value == pytest.approx(80_000 / (24e6 / 450))
    grid = f["miner_cost"].detail["sensitivity"]
    assert len(grid["cost"]) == 3 and len(grid["cost"][0]) == 5
    assert grid["cost"][0][0] < grid["cost"][-1][-1]  # cheaper power and better machines cost less
    assert "20 J/TH" in f["miner_cost"].text["en"]


def test_miner_cost_unavailable_without_inputs(make_ctx):
    f = by_key(miner_cost({"CBBTCUSD": daily("2025-12-01", [1.0])}, make_ctx(D(2025, 12, 2))))
    assert f["miner_cost"].status == "unavailable" and "hash rate" in f["miner_cost"].reason["en"]
    assert "BTC_" not in f["miner_cost"].reason["en"] and "全網算力" in f["miner_cost"].reason["zh-Hant"]


def test_price_drawdown(make_ctx):
    f = by_key(price({"CBBTCUSD": daily("2025-10-05", [100.0, 126.0, 90.0, None])}, make_ctx(D(2025, 10, 9))))
    assert f["btc_price"].value == 90.0 and f["btc_price"].observed == D(2025, 10, 7)
    assert f["btc_drawdown"].value == pytest.approx((90 / 126 - 1) * 100)


def test_adjustments_skip_blended_days():
    # plateaus 100 -> 90 (with a blended 95 day) -> 99 -> 95.04
    s = daily("2025-01-01", [100, 100, 100, 95, 90, 90, 90, 99, 99, 95.04, 95.04])
    adj = adjustments(s)
    assert [round(a.change * 100, 2) for a in adj] == [-10.0, 10.0, -4.0]
    assert adj[0].day == D(2025, 1, 5)


def test_difficulty_largest_drop_since(make_ctx):
    levels = [100] * 3 + [90] * 3 + [92] * 3 + [95] * 3 + [93] * 3 + [88] * 2
    f = difficulty({"BTC_DIFFICULTY": daily("2025-07-01", levels)}, make_ctx(D(2025, 7, 18)))[0]
    assert f.value == pytest.approx((88 / 93 - 1) * 100)
    assert f.detail["largest_drop_since"] == "2025-07-04"  # the -10% drop; -2.1% and -5.4% are smaller
    assert "largest drop since July 2025" in f.text["en"] and "2025年7月以來最大降幅" in f.text["zh-Hant"]


def test_difficulty_rise_and_missing(make_ctx):
    f = difficulty({"BTC_DIFFICULTY": daily("2025-07-01", [100, 100, 105, 105])}, make_ctx(D(2025, 7, 5)))[0]
    assert f.value == pytest.approx(5.0) and "rose" in f.text["en"]
    g = difficulty({"BTC_DIFFICULTY": daily("2025-07-01", [100, 100])}, make_ctx(D(2025, 7, 5)))[0]
    assert g.status == "unavailable"


def test_supply_in_loss_share(make_ctx):
    data = {
        "BTC_SUPPLY_IN_LOSS": series([("2025-12-06", 6.0e6), ("2025-12-07", 6.5e6)]),
        "BTC_SUPPLY": series([("2025-12-06", 19.95e6), ("2025-12-07", 20.0e6), ("2025-12-08", 20.1e6)]),
    }
    f = by_key(supply_in_loss(data, make_ctx(D(2025, 12, 8))))
    assert f["supply_in_loss"].value == 6.5e6
    assert f["supply_in_loss_share"].value == pytest.approx(32.5)  # the supply on the same day, not later


def test_cost_series_is_the_figure_formula_on_week_averages():
    n = SMOOTH_DAYS + 3
    data = {
        "BTC_HASHRATE": daily("2025-12-01", [1e21 + 1e19 * i for i in range(n)]),
        "BTC_ISSUANCE": daily("2025-12-01", [450.0] * n),
        "BTC_FEES": daily("2025-12-01", [float(i) for i in range(n)]),
    }
    s = cost_series(data, 20, 0.05)
    assert len(s) == n - SMOOTH_DAYS + 1  # one value per full week
    hr = float(data["BTC_HASHRATE"].iloc[-SMOOTH_DAYS:].mean())
    rev = float((data["BTC_ISSUANCE"] + data["BTC_FEES"]).iloc[-SMOOTH_DAYS:].mean())
    assert s.iloc[-1] == pytest.approx(production_cost(hr, rev, efficiency_j_per_th=20, power_usd_per_kwh=0.05))


def test_other_price_source_only_when_newer_than_the_lead():
    fred = daily("2025-12-01", [90_000.0] * 3)  # last day 2025-12-03
    at_lead = daily("2025-12-04", [91_000.0] * PRICE_SOURCE_LEAD_DAYS)  # last day 3 days newer
    past_lead = daily("2025-12-04", [91_000.0] * (PRICE_SOURCE_LEAD_DAYS + 1))
    assert price_series({"CBBTCUSD": fred, "BTC_PRICE": at_lead})[0] == "CBBTCUSD"
    assert price_series({"CBBTCUSD": fred, "BTC_PRICE": past_lead})[0] == "BTC_PRICE"
