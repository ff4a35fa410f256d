"""SOFR against the policy corridor: the spread to IORB, days above the target range, the range itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from report.figures.model import Context, Data, Figure, Source, clean, in_force, make, missing_reason, unavailable
from report.i18n import basis_points, date, days, per_lang, percent


def spread_bp(window: pd.Series, rate: pd.Series) -> pd.Series:
    """SOFR minus a rate in force on each day, in basis points (empty without the rate)."""
    return ((window - in_force(rate, window.index)) * 100).round(4).dropna() if not rate.empty else window[:0]


def _window_dates(window: pd.Series, ctx: Context) -> tuple[dt.date, dt.date]:
    """The first and last day of the lookback window (the edition date for both when it is empty)."""
    first = window.index[0].date() if not window.empty else ctx.as_of
    last = window.index[-1].date() if not window.empty else ctx.as_of
    return first, last


def sofr_corridor(data: Data, ctx: Context) -> list[Figure]:
    """SOFR against IORB and the target range over a lookback window of business days."""
    window = clean(data, "SOFR").iloc[-ctx.sofr_lookback_days :]
    iorb_s, top_s, low_s = (clean(data, sid) for sid in ("IORB", "DFEDTARU", "DFEDTARL"))
    return [
        *_sofr_vs_iorb(window, iorb_s, ctx),
        *_sofr_vs_range(window, top_s, ctx),
        _policy_range(top_s, low_s, ctx),
    ]


def _dated_by(s: pd.Series, day: dt.date) -> dt.date:
    """The date of the observation of ``s`` in force on ``day`` (the rate compared with SOFR that day), so a
    figure about SOFR's window is not dated a weekend after SOFR's last print."""
    held = s[s.index <= pd.Timestamp(day)]
    return (held if not held.empty else s).index[-1].date()


def _window_common(window: pd.Series, ctx: Context) -> dict[str, Any]:
    """Text values shared by the window counts: its length and first and last day."""
    first, last = _window_dates(window, ctx)
    return {"n": len(window), "first": per_lang(date, first), "last": per_lang(date, last)}


def _spread_text_key(spread_bp: float) -> str:
    """Prose says which rate is higher instead of printing a signed spread."""
    if round(spread_bp) > 0:
        return "text.sofr_iorb_spread_above"
    if round(spread_bp) < 0:
        return "text.sofr_iorb_spread_below"
    return "text.sofr_iorb_spread_equal"


def _sofr_vs_iorb(window: pd.Series, iorb_s: pd.Series, ctx: Context) -> list[Figure]:
    """The latest SOFR-IORB spread and the days in the window SOFR was at or above IORB."""
    spread = spread_bp(window, iorb_s)
    if window.empty or spread.empty:
        why = missing_reason([sid for sid, x in (("SOFR", window), ("IORB", spread)) if x.empty], ctx)
        return [
            unavailable(k, u, ctx, reason_key="reason.no_data", **why)
            for k, u in (("sofr_iorb_spread_bp", "bp"), ("sofr_days_at_or_above_iorb", "days"))
        ]
    first, d = _window_dates(window, ctx)
    srcs = [Source("SOFR", d), Source("IORB", _dated_by(iorb_s, d))]
    last, last_d = float(spread.iloc[-1]), spread.index[-1].date()
    at_or_above = int((spread >= 0).sum())
    return [
        make(
            "sofr_iorb_spread_bp",
            last,
            unit="bp",
            sources=[Source("SOFR", last_d), srcs[1]],
            ctx=ctx,
            text_key=_spread_text_key(last),
            spread=per_lang(basis_points, abs(last), sign=False),
            date=per_lang(date, last_d),
            sofr=per_lang(percent, float(window[spread.index[-1]]), decimals=2),
            iorb=per_lang(percent, float(in_force(iorb_s, spread.index[-1:]).iloc[0]), decimals=2),
        ),
        make(
            "sofr_days_at_or_above_iorb",
            at_or_above,
            unit="days",
            sources=srcs,
            ctx=ctx,
            text_key="text.sofr_days_at_or_above_iorb",
            detail={
                "window_start": first.isoformat(),
                "window_days": len(window),
                "dates": [ts.date().isoformat() for ts in spread[spread >= 0].index],
            },
            days=per_lang(days, at_or_above),
            **_window_common(window, ctx),
        ),
    ]


def _sofr_vs_range(window: pd.Series, top_s: pd.Series, ctx: Context) -> list[Figure]:
    """The days in the window SOFR printed above the top of the range, and its largest excess."""
    excess = spread_bp(window, top_s)
    if window.empty or excess.empty:
        why = missing_reason([sid for sid, x in (("SOFR", window), ("DFEDTARU", excess)) if x.empty], ctx)
        return [
            unavailable(k, u, ctx, reason_key="reason.no_data", **why)
            for k, u in (("sofr_days_above_range", "days"), ("sofr_max_excess_bp", "bp"))
        ]
    first, d = _window_dates(window, ctx)
    srcs = [Source("SOFR", d), Source("DFEDTARU", _dated_by(top_s, d))]
    breaches = excess[excess > 0]
    max_ex, max_d = float(excess.max()), excess.idxmax().date()
    return [
        make(
            "sofr_days_above_range",
            len(breaches),
            unit="days",
            sources=srcs,
            ctx=ctx,
            text_key="text.sofr_days_above_range" if len(breaches) else "text.sofr_days_inside_range",
            detail={
                "window_start": first.isoformat(),
                "window_days": len(window),
                "dates": [ts.date().isoformat() for ts in breaches.index],
            },
            days=per_lang(days, len(breaches)),
            **_window_common(window, ctx),
        ),
        make(
            "sofr_max_excess_bp",
            max_ex,
            unit="bp",
            sources=srcs,
            ctx=ctx,
            text_key="text.sofr_max_excess" if max_ex > 0 else "text.sofr_max_below",
            detail={"date": max_d.isoformat()},
            excess=per_lang(basis_points, abs(max_ex), sign=False),
            date=per_lang(date, max_d),
        ),
    ]


def _policy_range(top_s: pd.Series, low_s: pd.Series, ctx: Context) -> Figure:
    """The federal funds target range in force."""
    if top_s.empty or low_s.empty:
        why = missing_reason(["DFEDTARU", "DFEDTARL"], ctx)
        return unavailable("policy_range_upper", "rate", ctx, reason_key="reason.no_data", **why)
    upper, lower = float(top_s.iloc[-1]), float(low_s.iloc[-1])
    return make(
        "policy_range_upper",
        upper,
        unit="rate",
        sources=[Source("DFEDTARU", top_s.index[-1].date()), Source("DFEDTARL", low_s.index[-1].date())],
        ctx=ctx,
        text_key="text.policy_range",
        detail={"lower": lower},
        lower=per_lang(percent, lower, decimals=2),
        upper=per_lang(percent, upper, decimals=2),
    )
