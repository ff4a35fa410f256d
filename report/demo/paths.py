"""Building blocks of the demo data: the date span, calendars, anchored random paths and the publication filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from report.series import SERIES

END = dt.date(2025, 12, 8)
START = dt.date(2019, 1, 1)

Anchor = tuple[dt.date, float]
Obs = list[tuple[dt.date, float]]

D = dt.date


def days(start: dt.date, end: dt.date, weekdays: Sequence[int] | None = None) -> list[dt.date]:
    """Every day from ``start`` to ``end``, or only those whose weekday is in ``weekdays`` (Monday = 0)."""
    out, d = [], start
    while d <= end:
        if weekdays is None or d.weekday() in weekdays:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def months(start: dt.date, end: dt.date, step: int = 1) -> list[dt.date]:
    """The first day of every ``step``-th month from ``start``'s month up to ``end``."""
    out, y, m = [], start.year, start.month
    while dt.date(y, m, 1) <= end:
        out.append(dt.date(y, m, 1))
        m += step
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return out


def ordinal(days: Sequence[dt.date]) -> np.ndarray:
    """Dates as proleptic Gregorian ordinals, for interpolation."""
    return np.array([d.toordinal() for d in days], dtype=float)


def bridge(
    days: Sequence[dt.date],
    anchors: Sequence[Anchor],
    *,
    vol: float,
    rng: np.random.Generator,
    log: bool = False,
) -> np.ndarray:
    """Interpolate between anchors and add Brownian-bridge noise that is zero at every anchor.

    ``vol`` is the standard deviation of one step (relative when ``log``), so paths wander between anchors but
    pass exactly through them.
    """
    x = ordinal(days)
    ax = ordinal([a for a, _ in anchors])
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


def keep_published(sid: str, days: Sequence[dt.date], values: Sequence[float] | np.ndarray) -> Obs:
    """The observations of ``sid`` that would have been published by the demo edition date."""
    info = SERIES[sid]
    return [(d, float(v)) for d, v in zip(days, values, strict=True) if info.published(d) <= END]


def bridged(
    sid: str,
    days: Sequence[dt.date],
    anchors: Sequence[Anchor],
    *,
    vol: float,
    rng: np.random.Generator,
    log: bool = False,
    decimals: int = 0,
) -> Obs:
    """A published series along a bridge through ``anchors``, rounded to ``decimals``."""
    return keep_published(sid, days, np.round(bridge(days, anchors, vol=vol, rng=rng, log=log), decimals))


def step(days: Sequence[dt.date], changes: Sequence[Anchor], initial: float) -> np.ndarray:
    """A step function: the value from each change date on."""
    out = np.full(len(days), initial)
    for when, value in changes:
        out[[i for i, d in enumerate(days) if d >= when]] = value
    return out
