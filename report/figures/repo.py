"""Repo stress beside the corridor: the 99th percentile of SOFR trades against IORB, and take-up at the Fed's
standing repo facility, both over the same lookback window of business days as SOFR's own figures."""

from __future__ import annotations

from typing import Any

import pandas as pd

from report.figures.corridor import spread_bp
from report.figures.model import Context, Data, Figure, Source, clean, make, missing_reason, unavailable
from report.i18n import basis_points, date, money, per_lang, percent
from report.i18n import days as days_words

LANGS = ("en", "zh-Hant")


def repo_stress(data: Data, ctx: Context) -> list[Figure]:
    """SOFR's 99th percentile against IORB, and standing repo facility take-up."""
    return [*_sofr99(clean(data, "SOFR99"), clean(data, "IORB"), ctx), _srf(clean(data, "RPONTTLD"), ctx)]


def _sofr99(p99: pd.Series, iorb: pd.Series, ctx: Context) -> list[Figure]:
    """The latest 99th percentile minus the IORB in force that day, and the widest such spread in the window (bp);
    spreads, not levels, so a rate cut inside the window does not read as calm."""
    keys = ("sofr99_iorb_spread_bp", "sofr99_max_spread_bp")
    window = p99.iloc[-ctx.sofr_lookback_days :]
    spreads = spread_bp(window, iorb)
    if spreads.empty:
        missing = [sid for sid, s in (("SOFR99", p99), ("IORB", iorb)) if s.empty] or ["IORB"]
        return [unavailable(k, "bp", ctx, reason_key="reason.no_data", **missing_reason(missing, ctx)) for k in keys]
    d, spread = spreads.index[-1].date(), float(spreads.iloc[-1])
    iorb_d = iorb[iorb.index <= spreads.index[-1]].index[-1].date()
    side = "above" if round(spread) > 0 else "below" if round(spread) < 0 else "equal"
    latest = make(
        keys[0],
        spread,
        unit="bp",
        sources=[Source("SOFR99", d), Source("IORB", iorb_d)],
        ctx=ctx,
        text_key=f"text.sofr99_{side}",
        detail={"rate": float(window.loc[spreads.index[-1]])},
        paired=["IORB"],  # the rate in force on the percentile's day
        date=per_lang(date, d),
        p99={lang: percent(float(window.loc[spreads.index[-1]]), lang, 2) for lang in LANGS},
        spread={lang: basis_points(abs(spread), lang, sign=False) for lang in LANGS},
    )
    peak_d, peak = spreads.idxmax().date(), float(spreads.max())
    widest = make(
        keys[1],
        peak,
        unit="bp",
        sources=[Source("SOFR99", spreads.index[0].date()), Source("SOFR99", peak_d), Source("SOFR99", d)],
        ctx=ctx,
        text_key="text.sofr99_max_above" if round(peak) > 0 else "text.sofr99_max_not_above",
        detail={"date": peak_d.isoformat(), "days": len(spreads)},
        n=len(spreads),
        spread={lang: basis_points(peak, lang, sign=False) for lang in LANGS},
        date=per_lang(date, peak_d),
    )
    return [latest, widest]


def _srf(takeup: pd.Series, ctx: Context) -> Figure:
    """The largest daily take-up in the window (US$, zero when unused), with the days it was used."""
    key = "srf_takeup"
    if takeup.empty:
        return unavailable(key, "USD", ctx, reason_key="reason.no_data", **missing_reason(["RPONTTLD"], ctx))
    window = takeup.iloc[-ctx.sofr_lookback_days :]
    first, last = window.index[0].date(), window.index[-1].date()
    used = window[window > 0]
    peak = float(window.max())
    detail = {
        "days": len(window),
        "days_used": len(used),
        "total": float(used.sum()),
        "latest": float(window.iloc[-1]),
        "first": first.isoformat(),
        "date": last.isoformat(),
    }
    values: dict[str, Any] = {"n": len(window), "first": per_lang(date, first), "last": per_lang(date, last)}
    if used.empty:
        return make(
            key,
            0.0,
            unit="USD",
            sources=[Source("RPONTTLD", first), Source("RPONTTLD", last)],
            ctx=ctx,
            text_key="text.srf_unused",
            detail=detail,
            **values,
        )
    peak_d = window.idxmax().date()
    return make(
        key,
        peak,
        unit="USD",
        sources=[Source("RPONTTLD", first), Source("RPONTTLD", peak_d), Source("RPONTTLD", last)],
        ctx=ctx,
        text_key="text.srf_used",
        detail={**detail, "peak_date": peak_d.isoformat()},
        used=per_lang(days_words, len(used)),
        peak=per_lang(money, peak),
        peak_date=per_lang(date, peak_d),
        **values,
    )
