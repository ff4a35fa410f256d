"""A deterministic, seeded demonstration data set covering every input series from 2019 to 2025-12-08.

The paths are shaped like the real history and pinned so that the edition of 2025-12-08 (the week of the 9-10
December 2025 FOMC meeting) shows the reference figures: reserves about US$2.86 trillion and 9.2% of GDP, QT
runoff about US$2.4 trillion from the April 2022 peak, a record M2 of about US$22.3 trillion, SOFR above the top of
the range on several days in the autumn, payrolls down in 5 of the last 7 months, a miner production cost near
US$74,000 and about 6.5 million BTC in loss. These are demonstration numbers, not market data.

Every observation is stored with ``realtime_start`` = its typical publication date, so ``--as-of`` on the demo
store sees only what would have been published by then.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from report.series import SERIES
from report.store import Store

END = dt.date(2025, 12, 8)
START = dt.date(2019, 1, 1)
SEED = 20251208
VERSION = "2"  # bump when the generator changes: cached demo stores are rebuilt

# Calibration targets (also used by the tests that check the demo edition)
TARGET_MINER_COST = 74_000.0
TARGET_SUPPLY_IN_LOSS = 6_500_000.0
QT_PEAK = (dt.date(2022, 4, 13), 8_965_487.0)  # WALCL, millions

Anchor = tuple[dt.date, float]
Obs = list[tuple[dt.date, float]]

D = dt.date


def _days(start: dt.date, end: dt.date, weekdays: Sequence[int] | None = None) -> list[dt.date]:
    out, d = [], start
    while d <= end:
        if weekdays is None or d.weekday() in weekdays:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _months(start: dt.date, end: dt.date, step: int = 1) -> list[dt.date]:
    out, y, m = [], start.year, start.month
    while dt.date(y, m, 1) <= end:
        out.append(dt.date(y, m, 1))
        m += step
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return out


def _ordinal(days: Sequence[dt.date]) -> np.ndarray:
    return np.array([d.toordinal() for d in days], dtype=float)


def bridge(
    days: Sequence[dt.date],
    anchors: Sequence[Anchor],
    vol: float,
    rng: np.random.Generator,
    log: bool = False,
) -> np.ndarray:
    """Interpolate between anchors and add Brownian-bridge noise that is zero at every anchor.

    ``vol`` is the standard deviation of one step (relative when ``log``), so paths wander between anchors but
    pass exactly through them.
    """
    x = _ordinal(days)
    ax = _ordinal([a for a, _ in anchors])
    ay = np.array([v for _, v in anchors], dtype=float)
    base = np.interp(x, ax, np.log(ay) if log else ay)
    noise = np.zeros_like(x)
    for i in range(len(ax) - 1):
        idx = np.where((x > ax[i]) & (x < ax[i + 1]))[0]
        if len(idx) == 0:
            continue
        walk = np.cumsum(rng.normal(0, vol, len(idx) + 1))
        t = np.linspace(0, 1, len(idx) + 2)[1:]
        pinned = walk - t * walk[-1]
        noise[idx] = pinned[:-1]
    y = base + noise
    return np.exp(y) if log else y


def _keep_published(sid: str, days: Sequence[dt.date], values: Sequence[float] | np.ndarray) -> Obs:
    info = SERIES[sid]
    return [(d, float(v)) for d, v in zip(days, values, strict=True) if info.published(d) <= END]


def _step(days: Sequence[dt.date], changes: Sequence[Anchor], initial: float) -> np.ndarray:
    """A step function: the value from each change date on."""
    out = np.full(len(days), initial)
    for when, value in changes:
        out[[i for i, d in enumerate(days) if d >= when]] = value
    return out


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
IORB_START = D(2021, 7, 29)

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

# Monthly payroll changes in 2025 (thousands): five declines among May-November
PAYROLL_2025 = [111, 102, 120, 158, 19, -13, -20, -4, 64, -105, -32]


def generate(rng: np.random.Generator | None = None) -> dict[str, Obs]:
    """All demo series in their source units (FRED's: millions, billions, thousands, percent)."""
    rng = rng or np.random.default_rng(SEED)
    out: dict[str, Obs] = {}
    weds = _days(START, END, weekdays=[2])
    months = _months(START, END)
    quarters = _months(START, END, step=3)
    daily = _days(START, END)
    bdays = _days(START, END, weekdays=range(5))

    # --- Fed balance sheet (millions, weekly) -------------------------------------------------------------
    walcl = bridge(
        weds,
        [
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
        ],
        0.002,
        rng,
        log=True,
    )
    peak_i = weds.index(QT_PEAK[0])
    walcl = np.minimum(walcl, QT_PEAK[1] - 1)
    walcl[peak_i] = QT_PEAK[1]
    out["WALCL"] = _keep_published("WALCL", weds, np.round(walcl))
    out["TREAST"] = _keep_published(
        "TREAST",
        weds,
        np.round(
            bridge(
                weds,
                [
                    (D(2019, 1, 2), 2_223_000),
                    (D(2019, 9, 11), 2_100_000),
                    (D(2020, 6, 10), 4_104_000),
                    (D(2022, 6, 1), 5_770_000),
                    (D(2024, 1, 3), 4_780_000),
                    (D(2025, 12, 3), 4_190_000),
                ],
                0.002,
                rng,
                log=True,
            )
        ),
    )
    out["WRESBAL"] = _keep_published(
        "WRESBAL",
        weds,
        np.round(
            bridge(
                weds,
                [
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
                ],
                0.012,
                rng,
                log=True,
            )
        ),
    )

    # --- GDP (billions, SAAR, quarterly) and M2 (billions, monthly) -------------------------------------------
    out["GDP"] = _keep_published(
        "GDP",
        quarters,
        np.round(
            bridge(
                quarters,
                [
                    (D(2019, 1, 1), 21_001.6),
                    (D(2020, 1, 1), 21_706.5),
                    (D(2020, 4, 1), 19_913.1),
                    (D(2021, 10, 1), 24_349.1),
                    (D(2023, 10, 1), 28_269.2),
                    (D(2025, 1, 1), 30_042.1),
                    (D(2025, 4, 1), 30_486.0),
                    (D(2025, 7, 1), 31_060.0),
                ],
                0.002,
                rng,
                log=True,
            ),
            1,
        ),
    )
    out["M2SL"] = _keep_published(
        "M2SL",
        months,
        np.round(
            bridge(
                months,
                [
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
                ],
                0.0015,
                rng,
                log=True,
            ),
            1,
        ),
    )

    # --- policy corridor and SOFR (percent) --------------------------------------------------------------------
    upper = _step(daily, UPPER_CHANGES, 2.50)
    out["DFEDTARU"] = _keep_published("DFEDTARU", daily, upper)
    out["DFEDTARL"] = _keep_published("DFEDTARL", daily, np.round(upper - 0.25, 2))
    iorb_days = [d for d in daily if d >= IORB_START]
    iorb = np.round(upper[len(daily) - len(iorb_days) :] - 0.10, 2)
    out["IORB"] = _keep_published("IORB", iorb_days, iorb)
    up_b = _step(bdays, UPPER_CHANGES, 2.50)
    sofr = []
    for d, top in zip(bdays, up_b, strict=True):
        month_end = (d + dt.timedelta(days=3)).month != d.month
        if d < D(2020, 3, 16):
            v = top - 0.12 + rng.normal(0, 0.02) + (0.06 if month_end else 0)
        elif d < D(2022, 3, 17):
            v = max(0.01, 0.05 + rng.normal(0, 0.01))
        elif d < D(2025, 7, 1):
            v = top - 0.19 + rng.normal(0, 0.01) + (0.04 if month_end else 0)
        else:
            v = top - 0.11 + rng.choice([-0.02, -0.01, 0.0, 0.0, 0.01]) + (0.05 if month_end else 0)
        sofr.append(round(min(v, top - 0.001) if d < D(2025, 9, 1) else v, 2))
    sofr_arr = np.array([SOFR_STRESS.get(d, v) for d, v in zip(bdays, sofr, strict=True)])
    sofr_arr[bdays.index(D(2019, 9, 17))] = 5.25  # the September 2019 repo spike
    out["SOFR"] = _keep_published("SOFR", bdays, sofr_arr)

    # --- labour (thousands, percent) ---------------------------------------------------------------------------
    pay_anchor = bridge(
        months,
        [
            (D(2019, 1, 1), 150_500),
            (D(2020, 2, 1), 152_400),
            (D(2020, 4, 1), 130_400),
            (D(2021, 12, 1), 149_300),
            (D(2023, 12, 1), 157_300),
            (D(2024, 12, 1), 159_000),
        ],
        40.0,
        rng,
    )
    pay = np.round(pay_anchor)
    i2025 = months.index(D(2025, 1, 1))
    for k, chg in enumerate(PAYROLL_2025):
        if i2025 + k < len(months):
            pay[i2025 + k] = pay[i2025 + k - 1] + chg
    out["PAYEMS"] = _keep_published("PAYEMS", months, pay)
    out["UNRATE"] = _keep_published(
        "UNRATE",
        months,
        np.round(
            bridge(
                months,
                [
                    (D(2019, 1, 1), 4.0),
                    (D(2020, 2, 1), 3.5),
                    (D(2020, 4, 1), 14.8),
                    (D(2021, 12, 1), 3.9),
                    (D(2023, 4, 1), 3.4),
                    (D(2024, 7, 1), 4.2),
                    (D(2025, 6, 1), 4.1),
                    (D(2025, 9, 1), 4.4),
                    (D(2025, 11, 1), 4.6),
                ],
                0.05,
                rng,
            ),
            1,
        ),
    )
    out["JTSJOL"] = _keep_published(
        "JTSJOL",
        months,
        np.round(
            bridge(
                months,
                [
                    (D(2019, 1, 1), 7_300),
                    (D(2020, 4, 1), 4_600),
                    (D(2022, 3, 1), 12_100),
                    (D(2023, 12, 1), 8_900),
                    (D(2024, 12, 1), 7_500),
                    (D(2025, 10, 1), 7_150),
                ],
                120.0,
                rng,
            )
        ),
    )
    out["JTSQUR"] = _keep_published(
        "JTSQUR",
        months,
        np.round(
            bridge(
                months,
                [
                    (D(2019, 1, 1), 2.3),
                    (D(2020, 4, 1), 1.6),
                    (D(2022, 4, 1), 3.0),
                    (D(2024, 6, 1), 2.1),
                    (D(2025, 10, 1), 1.9),
                ],
                0.03,
                rng,
            ),
            1,
        ),
    )

    # --- inflation: indexes built from a year-on-year path -------------------------------------------------------
    for sid, base, yoy_anchors in (
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
    ):
        out[sid] = _keep_published(sid, months, _index_from_yoy(months, base, yoy_anchors, rng))

    out.update(_bitcoin(daily, rng))
    return out


def _index_from_yoy(months: list[dt.date], base: float, yoy: list[Anchor], rng: np.random.Generator) -> np.ndarray:
    """A price index whose year-on-year growth follows ``yoy`` (percent); the first year grows evenly."""
    rates = np.interp(_ordinal(months), _ordinal([a for a, _ in yoy]), [v for _, v in yoy])
    rates = rates + rng.normal(0, 0.05, len(months))
    idx = np.zeros(len(months))
    for i in range(len(months)):
        if i < 12:
            idx[i] = base * (1 + rates[i] / 100) ** (i / 12)
        else:
            idx[i] = idx[i - 12] * (1 + rates[i] / 100)
    return np.round(idx, 3)


def _subsidy(d: dt.date) -> float:
    if d < D(2020, 5, 11):
        return 12.5
    if d < D(2024, 4, 20):
        return 6.25
    return 3.125


def _bitcoin(daily: list[dt.date], rng: np.random.Generator) -> dict[str, Obs]:
    n = len(daily)
    price = bridge(
        daily,
        [
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
        ],
        0.025,
        rng,
        log=True,
    )
    ath = daily.index(D(2025, 10, 6))
    price = np.minimum(price, 126_199.0)
    price[ath] = 126_200.0

    # hash rate (TH/s) with a July 2025 heat curtailment and a late-November 2025 capitulation
    hr = bridge(
        daily,
        [
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
        ],
        0.004,
        rng,
        log=True,
    )
    hr = hr * np.exp(rng.normal(0, 0.02, n))
    dips: list[tuple[dt.date, dt.date, float]] = [
        (D(2025, 6, 22), D(2025, 7, 5), 0.88),
        (D(2025, 11, 8), D(2025, 12, 8), 0.935),
    ]
    for a, b, f in dips:
        for i, d in enumerate(daily):
            if a <= d <= b:
                hr[i] *= f

    issuance = np.array([144 * _subsidy(d) for d in daily]) * np.exp(rng.normal(0, 0.03, n))
    fees = bridge(
        daily,
        [
            (D(2019, 1, 1), 25),
            (D(2021, 4, 15), 150),
            (D(2022, 6, 1), 15),
            (D(2023, 5, 8), 90),
            (D(2024, 4, 20), 70),
            (D(2024, 10, 1), 10),
            (D(2025, 6, 1), 5),
            (D(2025, 12, 8), 3.5),
        ],
        0.05,
        rng,
        log=True,
    )

    # calibrate the hash-rate level so the production cost at the default assumptions is the target
    from report.figures.bitcoin import SMOOTH_DAYS, production_cost

    per_day = float(np.mean((issuance + fees)[-SMOOTH_DAYS - 1 : -1]))
    cost_now = production_cost(float(np.mean(hr[-SMOOTH_DAYS - 1 : -1])) * 1e12, per_day, 22.0, 0.06)
    hr = hr * (TARGET_MINER_COST / cost_now)

    # difficulty: retargets every 14 days from the mean hash rate of the previous epoch (H/s * 600 / 2^32)
    diff = np.zeros(n)
    level = hr[0] * 1e12 * 600 / 2**32
    for i in range(n):
        if i >= 14 and i % 14 == 0:
            level = float(np.mean(hr[i - 14 : i])) * 1e12 * 600 / 2**32
        diff[i] = level

    supply = 17_450_000 + np.cumsum(issuance)
    # supply in loss: coins last moved at prices above today's, proxied by the share of the last two years'
    # days that closed higher, then scaled to the target on the edition date
    share = np.array([np.mean(price[max(0, i - 730) : i + 1] > price[i]) for i in range(n)])
    in_loss = share * supply
    last_obs = daily.index(END - dt.timedelta(days=1))
    in_loss = np.minimum(in_loss * (TARGET_SUPPLY_IN_LOSS / in_loss[last_obs]), supply)

    return {
        "CBBTCUSD": _keep_published("CBBTCUSD", daily, np.round(price, 2)),
        "BTC_HASHRATE": _keep_published("BTC_HASHRATE", daily, np.round(hr)),
        "BTC_DIFFICULTY": _keep_published("BTC_DIFFICULTY", daily, np.round(diff)),
        "BTC_ISSUANCE": _keep_published("BTC_ISSUANCE", daily, np.round(issuance, 4)),
        "BTC_FEES": _keep_published("BTC_FEES", daily, np.round(fees, 4)),
        "BTC_SUPPLY": _keep_published("BTC_SUPPLY", daily, np.round(supply, 2)),
        "BTC_SUPPLY_IN_LOSS": _keep_published("BTC_SUPPLY_IN_LOSS", daily, np.round(in_loss)),
    }


def write_store(path: Path, progress: Callable[[str], None] | None = None) -> None:
    """Generate the demo data into a fresh store at ``path`` (written beside it, then moved into place)."""
    data = generate()
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    store = Store(tmp)
    try:
        with store.transaction() as db:
            for sid, rows in data.items():
                info = SERIES[sid]
                store.upsert_series(db, info)
                store.add_observations(db, sid, [(d, v, info.published(d), None) for d, v in rows], estimated=True)
                if progress:
                    progress(sid)
            store.set_meta(db, "demo_version", VERSION)
            store.set_meta(db, "demo_end", END.isoformat())
    finally:
        store.close()
    os.replace(tmp, path)


def ensure_store(path: Path, progress: Callable[[str], None] | None = None) -> Store:
    """Open the demo store, (re)generating it when missing or made by another generator version."""
    if path.exists():
        store = Store(path)
        if store.get_meta("demo_version") == VERSION:
            return store
        store.close()
    write_store(path, progress)
    return Store(path)
