"""Demo macro series: payrolls, unemployment, JOLTS openings and quits, core PCE and CPI price indexes."""

from __future__ import annotations

import datetime as dt

import numpy as np

from report.demo.paths import Anchor, D, Obs, bridge, bridged, keep_published, ordinal

# Payrolls (thousands) before 2025; 2025 is built from the monthly changes below
PAYEMS_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 150_500),
    (D(2020, 2, 1), 152_400),
    (D(2020, 4, 1), 130_400),
    (D(2021, 12, 1), 149_300),
    (D(2023, 12, 1), 157_300),
    (D(2024, 12, 1), 159_000),
]
# Monthly payroll changes in 2025 (thousands): five declines among March-September, the months public on
# 8 December 2025 (September's report came out on 20 November; October's and November's on 16 December)
PAYROLL_2025 = [111, 102, 120, -13, 19, -20, -4, -32, -105, 64, -15]
UNRATE_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 4.0),
    (D(2020, 2, 1), 3.5),
    (D(2020, 4, 1), 14.8),
    (D(2021, 12, 1), 3.9),
    (D(2023, 4, 1), 3.4),
    (D(2024, 7, 1), 4.2),
    (D(2025, 6, 1), 4.1),
    (D(2025, 9, 1), 4.4),
    (D(2025, 11, 1), 4.6),
]
JTSJOL_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 7_300),
    (D(2020, 4, 1), 4_600),
    (D(2022, 3, 1), 12_100),
    (D(2023, 12, 1), 8_900),
    (D(2024, 12, 1), 7_500),
    (D(2025, 10, 1), 7_150),
]
JTSQUR_ANCHORS: list[Anchor] = [
    (D(2019, 1, 1), 2.3),
    (D(2020, 4, 1), 1.6),
    (D(2022, 4, 1), 3.0),
    (D(2024, 6, 1), 2.1),
    (D(2025, 10, 1), 1.9),
]

# Price indexes: the first month's level and the year-on-year path (percent) they follow
PRICE_INDEXES: tuple[tuple[str, float, list[Anchor]], ...] = (
    (
        "PCEPILFE",
        109.0,
        [
            (D(2019, 1, 1), 1.9),
            (D(2020, 4, 1), 0.9),
            (D(2021, 6, 1), 3.6),
            (D(2022, 2, 1), 5.6),
            (D(2023, 6, 1), 4.3),
            (D(2024, 6, 1), 2.6),
            (D(2025, 2, 1), 2.9),
            (D(2025, 10, 1), 2.8),
            (D(2025, 11, 1), 2.8),
        ],
    ),
    (
        "CPIAUCSL",
        251.7,
        [
            (D(2019, 1, 1), 1.6),
            (D(2020, 5, 1), 0.1),
            (D(2022, 6, 1), 9.0),
            (D(2023, 6, 1), 3.0),
            (D(2024, 9, 1), 2.4),
            (D(2025, 10, 1), 3.0),
            (D(2025, 11, 1), 2.9),
        ],
    ),
)


def labour(months: list[dt.date], rng: np.random.Generator) -> dict[str, Obs]:
    """Payrolls and JOLTS openings (thousands), unemployment and quits rates (percent), monthly."""
    return {
        "PAYEMS": keep_published("PAYEMS", months, payrolls(months, rng)),
        "UNRATE": bridged("UNRATE", months, UNRATE_ANCHORS, vol=0.05, rng=rng, decimals=1),
        "JTSJOL": bridged("JTSJOL", months, JTSJOL_ANCHORS, vol=120.0, rng=rng),
        "JTSQUR": bridged("JTSQUR", months, JTSQUR_ANCHORS, vol=0.03, rng=rng, decimals=1),
    }


def payrolls(months: list[dt.date], rng: np.random.Generator) -> np.ndarray:
    """Payroll levels (thousands): a bridge to December 2024, then the 2025 monthly changes."""
    pay = np.round(bridge(months, PAYEMS_ANCHORS, vol=40.0, rng=rng))
    i2025 = months.index(D(2025, 1, 1))
    for k, chg in enumerate(PAYROLL_2025):
        if i2025 + k < len(months):
            pay[i2025 + k] = pay[i2025 + k - 1] + chg
    return pay


def inflation(months: list[dt.date], rng: np.random.Generator) -> dict[str, Obs]:
    """Core PCE and CPI price indexes built from their year-on-year paths."""
    return {
        sid: keep_published(sid, months, index_from_yoy(months, base, yoy=yoy_anchors, rng=rng))
        for sid, base, yoy_anchors in PRICE_INDEXES
    }


def index_from_yoy(months: list[dt.date], base: float, *, yoy: list[Anchor], rng: np.random.Generator) -> np.ndarray:
    """A price index whose year-on-year growth follows ``yoy`` (percent); the first year grows evenly."""
    rates = np.interp(ordinal(months), ordinal([a for a, _ in yoy]), [v for _, v in yoy])
    rates = rates + rng.normal(0, 0.05, len(months))
    idx = np.zeros(len(months))
    for i in range(len(months)):
        if i < 12:
            idx[i] = base * (1 + rates[i] / 100) ** (i / 12)
        else:
            idx[i] = idx[i - 12] * (1 + rates[i] / 100)
    return np.round(idx, 3)
