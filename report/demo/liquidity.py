"""Demo liquidity series: the Fed balance sheet, reserves, GDP and M2, the policy corridor and SOFR."""

from __future__ import annotations

import datetime as dt

import numpy as np

from report.demo.paths import Anchor, D, Obs, bridge, bridged, keep_published, step

QT_PEAK = (dt.date(2022, 4, 13), 8_965_487.0)  # WALCL, millions

# Fed total assets (millions, weekly)
WALCL_ANCHORS: list[Anchor] = [
    (D(2019, 1, 2), 4_058_000),
    (D(2019, 9, 11), 3_769_000),
    (D(2020, 2, 26), 4_159_000),
    (D(2020, 6, 10), 7_168_000),
    (D(2021, 6, 30), 8_069_000),
    (D(2021, 12, 29), 8_757_000),
    QT_PEAK,
    (D(2023, 3, 1), 8_340_000),
    (D(2023, 3, 22), 8_733_000),
    (D(2024, 1, 3), 7_713_000),
    (D(2025, 1, 1), 6_886_000),
    (D(2025, 6, 25), 6_659_000),
    (D(2025, 11, 26), 6_571_000),
    (D(2025, 12, 3), 6_560_000),
]
TREAST_ANCHORS: list[Anchor] = [
    (D(2019, 1, 2), 2_223_000),
    (D(2019, 9, 11), 2_100_000),
    (D(2020, 6, 10), 4_104_000),
    (D(2022, 6, 1), 5_770_000),
    (D(2024, 1, 3), 4_780_000),
    (D(2025, 12, 3), 4_190_000),
]
WRESBAL_ANCHORS: list[Anchor] = [
    (D(2019, 1, 2), 1_640_000),
    (D(2019, 9, 11), 1_390_000),
    (D(2020, 6, 10), 3_000_000),
    (D(2021, 12, 15), 4_190_000),
    (D(2022, 10, 26), 3_010_000),
    (D(2023, 3, 22), 3_440_000),
    (D(2024, 6, 26), 3_300_000),
    (D(2025, 6, 25), 3_380_000),
    (D(2025, 10, 29), 2_830_000),
    (D(2025, 11, 19), 2_891_000),
    (D(2025, 11, 26), 2_879_800),
    (D(2025, 12, 3), 2_857_600),
]
# Nominal GDP (billions, SAAR, quarterly) and M2 (billions, monthly)
GDP_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 21_001.6),
    (D(2020, 1, 1), 21_706.5),
    (D(2020, 4, 1), 19_913.1),
    (D(2021, 10, 1), 24_349.1),
    (D(2023, 10, 1), 28_269.2),
    (D(2025, 1, 1), 30_042.1),
    (D(2025, 4, 1), 30_486.0),
    (D(2025, 7, 1), 31_060.0),
]
M2_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 14_480.0),
    (D(2020, 2, 1), 15_460.0),
    (D(2020, 6, 1), 18_150.0),
    (D(2021, 12, 1), 21_530.0),
    (D(2022, 3, 1), 21_690.0),
    (D(2022, 4, 1), 21_723.0),
    (D(2022, 5, 1), 21_650.0),
    (D(2023, 10, 1), 20_690.0),
    (D(2024, 12, 1), 21_530.0),
    (D(2025, 3, 1), 21_700.0),
    (D(2025, 4, 1), 21_790.0),
    (D(2025, 6, 1), 22_010.0),
    (D(2025, 8, 1), 22_150.0),
    (D(2025, 9, 1), 22_230.0),
    (D(2025, 10, 1), 22_298.0),
    (D(2025, 11, 1), 22_360.0),
]

# Federal funds target range, upper limit: effective dates of changes, 2019-2025
UPPER_CHANGES: list[Anchor] = [
    (D(2019, 8, 1), 2.25),
    (D(2019, 9, 19), 2.00),
    (D(2019, 10, 31), 1.75),
    (D(2020, 3, 4), 1.25),
    (D(2020, 3, 16), 0.25),
    (D(2022, 3, 17), 0.50),
    (D(2022, 5, 5), 1.00),
    (D(2022, 6, 16), 1.75),
    (D(2022, 7, 28), 2.50),
    (D(2022, 9, 22), 3.25),
    (D(2022, 11, 3), 4.00),
    (D(2022, 12, 15), 4.50),
    (D(2023, 2, 2), 4.75),
    (D(2023, 3, 23), 5.00),
    (D(2023, 5, 4), 5.25),
    (D(2023, 7, 27), 5.50),
    (D(2024, 9, 19), 5.00),
    (D(2024, 11, 8), 4.75),
    (D(2024, 12, 19), 4.50),
    (D(2025, 9, 18), 4.25),
    (D(2025, 10, 30), 4.00),
]
UPPER_INITIAL = 2.50  # the upper limit in force on the first demo day
RANGE_WIDTH = 0.25  # percentage points between the limits
IORB_BELOW_UPPER = 0.10  # IORB sits this far below the upper limit
IORB_START = D(2021, 7, 29)

# SOFR regimes: near the top of the range before the pandemic, at the zero bound, below IORB during tightening,
# then pressed against the top as reserves grew scarce; from STRAIN_START SOFR may exceed the range
ZERO_BOUND_START = D(2020, 3, 16)
LIFTOFF = D(2022, 3, 17)
SCARCE_RESERVES_START = D(2025, 7, 1)
STRAIN_START = D(2025, 9, 1)
REPO_SPIKE = (D(2019, 9, 17), 5.25)  # the September 2019 repo spike

# SOFR on days of funding strain in the autumn of 2025 (percent)
SOFR_STRESS: dict[dt.date, float] = {
    D(2025, 9, 15): 4.51,
    D(2025, 9, 30): 4.24,
    D(2025, 10, 15): 4.28,
    D(2025, 10, 16): 4.20,
    D(2025, 10, 17): 4.19,
    D(2025, 10, 31): 4.22,
    D(2025, 11, 3): 4.13,
    D(2025, 11, 4): 4.00,
    D(2025, 11, 28): 4.05,
    D(2025, 12, 1): 4.12,
    D(2025, 12, 2): 4.01,
    D(2025, 12, 5): 3.94,
}


def balance_sheet(weds: list[dt.date], rng: np.random.Generator) -> dict[str, Obs]:
    """Fed total assets with the QT peak pinned, Treasury holdings and reserves (millions, weekly)."""
    walcl = bridge(weds, WALCL_ANCHORS, vol=0.002, rng=rng, log=True)
    walcl = np.minimum(walcl, QT_PEAK[1] - 1)
    walcl[weds.index(QT_PEAK[0])] = QT_PEAK[1]
    return {
        "WALCL": keep_published("WALCL", weds, np.round(walcl)),
        "TREAST": bridged("TREAST", weds, TREAST_ANCHORS, vol=0.002, rng=rng, log=True),
        "WRESBAL": bridged("WRESBAL", weds, WRESBAL_ANCHORS, vol=0.012, rng=rng, log=True),
    }


def gdp_and_m2(quarters: list[dt.date], months: list[dt.date], rng: np.random.Generator) -> dict[str, Obs]:
    """Nominal GDP (billions, SAAR, quarterly) and M2 (billions, monthly)."""
    return {
        "GDP": bridged("GDP", quarters, GDP_ANCHORS, vol=0.002, rng=rng, log=True, decimals=1),
        "M2SL": bridged("M2SL", months, M2_ANCHORS, vol=0.0015, rng=rng, log=True, decimals=1),
    }


def corridor(daily: list[dt.date], bdays: list[dt.date], rng: np.random.Generator) -> dict[str, Obs]:
    """The target range and IORB (daily) and SOFR (business days), in percent."""
    upper = step(daily, UPPER_CHANGES, UPPER_INITIAL)
    iorb_days = [d for d in daily if d >= IORB_START]
    iorb = np.round(upper[len(daily) - len(iorb_days) :] - IORB_BELOW_UPPER, 2)
    return {
        "DFEDTARU": keep_published("DFEDTARU", daily, upper),
        "DFEDTARL": keep_published("DFEDTARL", daily, np.round(upper - RANGE_WIDTH, 2)),
        "IORB": keep_published("IORB", iorb_days, iorb),
        "SOFR": keep_published("SOFR", bdays, sofr(bdays, rng)),
    }


def sofr(bdays: list[dt.date], rng: np.random.Generator) -> np.ndarray:
    """SOFR on business days: the regime's spread to the top of the range, the stress days and the 2019 spike."""
    top = step(bdays, UPPER_CHANGES, UPPER_INITIAL)
    rates = [_sofr_day(d, t, rng) for d, t in zip(bdays, top, strict=True)]
    out = np.array([SOFR_STRESS.get(d, v) for d, v in zip(bdays, rates, strict=True)])
    out[bdays.index(REPO_SPIKE[0])] = REPO_SPIKE[1]
    return out


def _sofr_day(d: dt.date, top: float, rng: np.random.Generator) -> float:
    """SOFR on one business day given the top of the range; kept below the top before STRAIN_START."""
    month_end = (d + dt.timedelta(days=3)).month != d.month
    if d < ZERO_BOUND_START:
        v = top - 0.12 + rng.normal(0, 0.02) + (0.06 if month_end else 0)
    elif d < LIFTOFF:
        v = max(0.01, 0.05 + rng.normal(0, 0.01))
    elif d < SCARCE_RESERVES_START:
        v = top - 0.19 + rng.normal(0, 0.01) + (0.04 if month_end else 0)
    else:
        v = top - 0.11 + rng.choice([-0.02, -0.01, 0.0, 0.0, 0.01]) + (0.05 if month_end else 0)
    return round(min(v, top - 0.001) if d < STRAIN_START else v, 2)


# The Treasury General Account (millions, Wednesdays) and overnight reverse repo (billions, business days): the
# reference week has the TGA near US$0.9 trillion and ON RRP at a few billion
WDTGAL_ANCHORS: list[Anchor] = [
    (D(2019, 1, 2), 370_000),
    (D(2020, 7, 22), 1_800_000),
    (D(2021, 10, 20), 120_000),
    (D(2022, 6, 1), 780_000),
    (D(2023, 6, 7), 50_000),
    (D(2024, 4, 24), 930_000),
    (D(2025, 6, 25), 320_000),
    (D(2025, 10, 1), 880_000),
    (D(2025, 11, 5), 943_000),
    (D(2025, 12, 3), 905_000),
]
RRP_ANCHORS: list[Anchor] = [
    (D(2019, 1, 2), 5.0),
    (D(2021, 3, 1), 5.0),
    (D(2021, 9, 30), 1_600.0),
    (D(2022, 12, 30), 2_550.0),
    (D(2023, 6, 30), 2_000.0),
    (D(2024, 6, 28), 450.0),
    (D(2025, 3, 31), 150.0),
    (D(2025, 10, 31), 25.0),
    (D(2025, 12, 5), 3.0),
]
EFFR_BELOW_UPPER = 0.11  # the effective rate's usual place in the range, percentage points below the top


def plumbing(weds: list[dt.date], bdays: list[dt.date], rng: np.random.Generator) -> dict[str, Obs]:
    """The TGA (millions, weekly), ON RRP (billions, business days) and EFFR (percent, business days)."""
    upper = step(bdays, UPPER_CHANGES, UPPER_INITIAL)
    rrp = np.maximum(bridge(bdays, RRP_ANCHORS, vol=0.01, rng=rng, log=True), 0.0)
    return {
        "WDTGAL": bridged("WDTGAL", weds, WDTGAL_ANCHORS, vol=0.03, rng=rng, log=True),
        "RRPONTSYD": keep_published("RRPONTSYD", bdays, np.round(rrp, 3)),
        "EFFR": keep_published("EFFR", bdays, np.round(upper - EFFR_BELOW_UPPER, 2)),
    }


# Bills held outright (millions, Wednesdays): none before the 2019 reserve-management purchases, about US$326
# billion from mid-2020 until QT, run down to about US$195 billion by the reference week
WSHOBL_ANCHORS: list[Anchor] = [
    (D(2019, 1, 2), 0),
    (D(2019, 10, 9), 0),
    (D(2020, 6, 24), 326_000),
    (D(2022, 9, 7), 326_000),
    (D(2023, 6, 7), 210_000),
    (D(2025, 12, 3), 195_000),
]
SOFR99_ABOVE_SOFR = 0.06  # the 99th percentile's usual place above SOFR, percentage points (more at month ends)
# Repo operations (billions): the New York Fed's operations after the September 2019 spike, then the standing repo
# facility's take-up at the autumn 2025 month ends (nothing on other days)
REPO_OPERATIONS = (D(2019, 9, 17), D(2020, 7, 1), 75.0, 230.0)  # first and last day, lowest and highest take-up
SRF_TAKEUP: dict[dt.date, float] = {
    D(2025, 6, 30): 11.1,
    D(2025, 9, 30): 18.0,
    D(2025, 10, 29): 8.4,
    D(2025, 10, 30): 26.5,
    D(2025, 10, 31): 50.35,
    D(2025, 11, 28): 24.4,
    D(2025, 12, 1): 26.0,
}


def repo_and_bills(
    weds: list[dt.date], bdays: list[dt.date], sofr_obs: Obs, rng: np.random.Generator
) -> dict[str, Obs]:
    """Bills held outright (millions, weekly), SOFR's 99th percentile (percent, the days SOFR has) and repo
    operations and standing repo facility take-up (billions, business days)."""
    first, last, low, high = REPO_OPERATIONS
    repo = [float(SRF_TAKEUP.get(d, round(rng.uniform(low, high), 2) if first <= d <= last else 0.0)) for d in bdays]
    p99 = []
    for d, rate in sofr_obs:
        month_end = (d + dt.timedelta(days=3)).month != d.month
        p99.append(round(rate + SOFR99_ABOVE_SOFR + (0.08 if month_end else 0.0) + rng.exponential(0.02), 2))
    return {
        "WSHOBL": bridged("WSHOBL", weds, WSHOBL_ANCHORS, vol=0.0, rng=rng),
        "SOFR99": keep_published("SOFR99", [d for d, _ in sofr_obs], p99),
        "RPONTTLD": keep_published("RPONTTLD", bdays, repo),
    }
