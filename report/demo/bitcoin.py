"""Demo bitcoin series: price, hash rate, difficulty, issuance, fees, supply and supply in loss (daily)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from report.config import Assumptions
from report.demo.paths import END, Anchor, D, Obs, bridge, keep_published

# Calibration targets (also used by the tests that check the demo edition)
TARGET_MINER_COST = 74_000.0
TARGET_SUPPLY_IN_LOSS = 6_500_000.0

PRICE_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 3_700),
    (D(2019, 6, 26), 12_900),
    (D(2020, 3, 12), 4_900),
    (D(2020, 12, 31), 29_000),
    (D(2021, 4, 13), 63_500),
    (D(2021, 7, 20), 29_800),
    (D(2021, 11, 9), 67_500),
    (D(2022, 6, 18), 19_000),
    (D(2022, 11, 21), 15_800),
    (D(2023, 12, 31), 42_300),
    (D(2024, 3, 13), 72_800),
    (D(2024, 8, 5), 54_000),
    (D(2024, 12, 17), 106_000),
    (D(2025, 4, 8), 76_500),
    (D(2025, 8, 13), 123_000),
    (D(2025, 10, 6), 126_200),
    (D(2025, 11, 21), 84_000),
    (D(2025, 12, 7), 89_600),
]
ALL_TIME_HIGH = (D(2025, 10, 6), 126_200.0)  # no other day closes as high

# Hash rate (TH/s) before calibration, with a July 2025 heat curtailment and a late-November 2025 capitulation
HASHRATE_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 40e6),
    (D(2020, 5, 1), 120e6),
    (D(2021, 5, 10), 180e6),
    (D(2021, 7, 1), 90e6),
    (D(2022, 1, 1), 190e6),
    (D(2023, 1, 1), 260e6),
    (D(2024, 1, 1), 520e6),
    (D(2025, 1, 1), 800e6),
    (D(2025, 6, 1), 900e6),
    (D(2025, 11, 1), 1_080e6),
    (D(2025, 12, 8), 1_090e6),
]
HASHRATE_DIPS: list[tuple[dt.date, dt.date, float]] = [
    (D(2025, 6, 22), D(2025, 7, 5), 0.88),
    (D(2025, 11, 8), D(2025, 12, 8), 0.935),
]
# Transaction fees (BTC a day)
FEES_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 25),
    (D(2021, 4, 15), 150),
    (D(2022, 6, 1), 15),
    (D(2023, 5, 8), 90),
    (D(2024, 4, 20), 70),
    (D(2024, 10, 1), 10),
    (D(2025, 6, 1), 5),
    (D(2025, 12, 8), 3.5),
]

BLOCKS_PER_DAY = 144
BLOCK_SECONDS = 600
RETARGET_DAYS = 14  # difficulty retargets every 2016 blocks, about two weeks
HALVINGS = (D(2020, 5, 11), D(2024, 4, 20))
SUBSIDIES = (12.5, 6.25, 3.125)  # BTC a block before, between and after the halvings
SUPPLY_AT_START = 17_450_000
LOSS_LOOKBACK_DAYS = 730  # coins moved within the last two years set the cost basis of supply in loss


def generate(daily: list[dt.date], rng: np.random.Generator) -> dict[str, Obs]:
    """Every bitcoin series, with the hash rate calibrated to the target production cost."""
    price = price_path(daily, rng)
    hr = hashrate_path(daily, rng)
    issuance = np.array([BLOCKS_PER_DAY * subsidy(d) for d in daily]) * np.exp(rng.normal(0, 0.03, len(daily)))
    fees = bridge(daily, FEES_ANCHORS, vol=0.05, rng=rng, log=True)
    hr = hr * (TARGET_MINER_COST / calibration_cost(hr, issuance + fees))
    supply = SUPPLY_AT_START + np.cumsum(issuance)
    return {
        "CBBTCUSD": keep_published("CBBTCUSD", daily, np.round(price, 2)),
        "BTC_HASHRATE": keep_published("BTC_HASHRATE", daily, np.round(hr)),
        "BTC_DIFFICULTY": keep_published("BTC_DIFFICULTY", daily, np.round(difficulty_path(hr))),
        "BTC_ISSUANCE": keep_published("BTC_ISSUANCE", daily, np.round(issuance, 4)),
        "BTC_FEES": keep_published("BTC_FEES", daily, np.round(fees, 4)),
        "BTC_SUPPLY": keep_published("BTC_SUPPLY", daily, np.round(supply, 2)),
        "BTC_SUPPLY_IN_LOSS": keep_published("BTC_SUPPLY_IN_LOSS", daily, np.round(in_loss(daily, price, supply))),
    }


def subsidy(d: dt.date) -> float:
    """The block subsidy (BTC) on day ``d``."""
    if d < HALVINGS[0]:
        return SUBSIDIES[0]
    if d < HALVINGS[1]:
        return SUBSIDIES[1]
    return SUBSIDIES[2]


def price_path(daily: list[dt.date], rng: np.random.Generator) -> np.ndarray:
    """The daily price (US$) through the anchors, with the all-time high on its day only."""
    price = bridge(daily, PRICE_ANCHORS, vol=0.025, rng=rng, log=True)
    price = np.minimum(price, ALL_TIME_HIGH[1] - 1)
    price[daily.index(ALL_TIME_HIGH[0])] = ALL_TIME_HIGH[1]
    return price


def hashrate_path(daily: list[dt.date], rng: np.random.Generator) -> np.ndarray:
    """The uncalibrated daily hash rate (TH/s): a bridge, daily noise and the curtailment dips."""
    hr = bridge(daily, HASHRATE_ANCHORS, vol=0.004, rng=rng, log=True)
    hr = hr * np.exp(rng.normal(0, 0.02, len(daily)))
    for a, b, f in HASHRATE_DIPS:
        for i, d in enumerate(daily):
            if a <= d <= b:
                hr[i] *= f
    return hr


def calibration_cost(hr: np.ndarray, revenue: np.ndarray) -> float:
    """The production cost at the default assumptions over the week before the edition (its day is unpublished)."""
    from report.figures.bitcoin import SMOOTH_DAYS, production_cost  # here: importing report.demo stays pandas-free

    defaults = Assumptions()
    per_day = float(np.mean(revenue[-SMOOTH_DAYS - 1 : -1]))
    return production_cost(
        float(np.mean(hr[-SMOOTH_DAYS - 1 : -1])) * 1e12,
        per_day,
        efficiency_j_per_th=defaults.miner_efficiency_j_per_th,
        power_usd_per_kwh=defaults.power_usd_per_kwh,
    )


def difficulty_level(hashrate_ths: float) -> float:
    """The difficulty that makes a hash rate (TH/s) find a block every BLOCK_SECONDS (H/s * 600 / 2^32)."""
    return hashrate_ths * 1e12 * BLOCK_SECONDS / 2**32


def difficulty_path(hr: np.ndarray) -> np.ndarray:
    """Daily difficulty, retargeted every RETARGET_DAYS days from the mean hash rate of the previous epoch."""
    diff = np.zeros(len(hr))
    level = difficulty_level(hr[0])
    for i in range(len(hr)):
        if i >= RETARGET_DAYS and i % RETARGET_DAYS == 0:
            level = difficulty_level(float(np.mean(hr[i - RETARGET_DAYS : i])))
        diff[i] = level
    return diff


def in_loss(daily: list[dt.date], price: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Supply in loss, scaled to the target on the last published day and capped at the supply.

    Coins last moved at prices above today's are proxied by the share of the last two years' days that closed
    higher.
    """
    n = len(daily)
    share = np.array([np.mean(price[max(0, i - LOSS_LOOKBACK_DAYS) : i + 1] > price[i]) for i in range(n)])
    raw = share * supply
    last_obs = daily.index(END - dt.timedelta(days=1))
    return np.minimum(raw * (TARGET_SUPPLY_IN_LOSS / raw[last_obs]), supply)


# The realised price (US$, daily) and spot-ETF net flows (US$ millions, trading days from the ETFs' launch): the
# reference week has MVRV near 1.6 (realised price about US$56,000) and about US$3.5 billion of November outflows
REALIZED_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 5_000),
    (D(2021, 12, 31), 24_000),
    (D(2022, 12, 31), 19_000),
    (D(2024, 3, 31), 30_000),
    (D(2025, 1, 1), 42_000),
    (D(2025, 12, 8), 56_000),
]
ETF_LAUNCH = D(2024, 1, 11)
ETF_DAILY_MEAN = 150.0  # US$ millions a trading day, on average, since launch
ETF_NOVEMBER_2025 = -175.0  # a trading day's mean in November 2025 (about -US$3.5 billion in the month)


def flows_and_basis(daily: list[dt.date], rng: np.random.Generator) -> dict[str, Obs]:
    """The realised price and spot-ETF net flows (drawn after every other series, so those keep their values)."""
    realised = bridge(daily, REALIZED_ANCHORS, vol=0.002, rng=rng, log=True)
    trading = [d for d in daily if d >= ETF_LAUNCH and d.weekday() < 5]
    means = [ETF_NOVEMBER_2025 if (d.year, d.month) == (2025, 11) else ETF_DAILY_MEAN for d in trading]
    flows = np.array(means) + rng.normal(0, 120.0, len(trading))
    return {
        "BTC_REALIZED_PRICE": keep_published("BTC_REALIZED_PRICE", daily, np.round(realised, 2)),
        "BTC_ETF_FLOW": keep_published("BTC_ETF_FLOW", trading, np.round(flows, 1)),
    }


# Bitcoin held on exchanges (Coin Metrics' attribution): near 3 million BTC in early 2020, drifting down since
EXCHANGE_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 2_700_000),
    (D(2020, 3, 15), 3_000_000),
    (D(2022, 12, 31), 2_750_000),
    (D(2025, 12, 8), 2_620_000),
]


def exchange_balance(daily: list[dt.date], rng: np.random.Generator) -> dict[str, Obs]:
    """Bitcoin held on exchanges, in BTC, daily."""
    held = bridge(daily, EXCHANGE_ANCHORS, vol=0.002, rng=rng, log=True)
    return {"BTC_EXCHANGE_SUPPLY": keep_published("BTC_EXCHANGE_SUPPLY", daily, np.round(held, 0))}
