"""The liquidity plumbing around the balance sheet: the Treasury General Account, overnight reverse repo, net
liquidity (total assets less both, on the same Wednesday) and the effective federal funds rate against IORB."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from report.figures.model import (
    Context,
    Data,
    Figure,
    Source,
    clean,
    in_force,
    make,
    missing_reason,
    on_or_before,
    unavailable,
)
from report.i18n import basis_points, date, money, per_lang, percent

NET_LIQUIDITY_PARTS = ("WALCL", "WDTGAL", "RRPONTSYD")
CHANGE_WEEKS = 4  # net liquidity and the TGA are compared with four Wednesdays earlier


def plumbing(data: Data, ctx: Context) -> list[Figure]:
    """TGA, ON RRP, net liquidity and its four-week change, and EFFR against IORB."""
    walcl, tga, rrp = (clean(data, sid) for sid in NET_LIQUIDITY_PARTS)
    return [
        _tga(tga, ctx),
        _on_rrp(rrp, ctx),
        *_net_liquidity(walcl, tga, rrp, ctx),
        _effr_iorb(clean(data, "EFFR"), clean(data, "IORB"), ctx),
    ]


def _tga(tga: pd.Series, ctx: Context) -> Figure:
    """The TGA's latest Wednesday level and its change over four weeks."""
    if tga.empty:
        return unavailable("tga", "USD", ctx, reason_key="reason.no_data", **missing_reason(["WDTGAL"], ctx))
    d, level = tga.index[-1].date(), float(tga.iloc[-1])
    before = on_or_before(tga, d - dt.timedelta(weeks=CHANGE_WEEKS))
    sources = [Source("WDTGAL", d)]
    detail: dict[str, Any] = {}
    key = "text.tga"
    values: dict[str, Any] = {}
    if before is not None and (d - before[0]).days <= CHANGE_WEEKS * 7 + 3:
        change = level - before[1]
        sources.insert(0, Source("WDTGAL", before[0]))
        detail = {"change_4w": change, "base_date": before[0].isoformat()}
        key = "text.tga_up" if change >= 0 else "text.tga_down"
        values = {"change": per_lang(money, abs(change)), "base_date": per_lang(date, before[0])}
    return make(
        "tga",
        level,
        unit="USD",
        sources=sources,
        ctx=ctx,
        text_key=key,
        detail=detail,
        level=per_lang(money, level),
        date=per_lang(date, d),
        **values,
    )


def _on_rrp(rrp: pd.Series, ctx: Context) -> Figure:
    """Overnight reverse repo take-up on its latest day."""
    if rrp.empty:
        return unavailable("on_rrp", "USD", ctx, reason_key="reason.no_data", **missing_reason(["RRPONTSYD"], ctx))
    d, level = rrp.index[-1].date(), float(rrp.iloc[-1])
    peak_d, peak = rrp.idxmax().date(), float(rrp.max())
    return make(
        "on_rrp",
        level,
        unit="USD",
        sources=[Source("RRPONTSYD", d)],
        ctx=ctx,
        text_key="text.on_rrp",
        detail={"peak": peak, "peak_date": peak_d.isoformat()},
        level=per_lang(money, level),
        date=per_lang(date, d),
        peak=per_lang(money, peak),
        peak_date=per_lang(date, peak_d),
    )


def net_liquidity_series(walcl: pd.Series, tga: pd.Series, rrp: pd.Series) -> pd.Series:
    """Total assets less the TGA less ON RRP on each Wednesday that has both weekly parts (ON RRP on that day or
    the business day before)."""
    weeks = walcl.index.intersection(tga.index)
    if weeks.empty or rrp.empty:
        return pd.Series(dtype="float64")
    on_day = in_force(rrp, weeks)
    return (walcl.reindex(weeks) - tga.reindex(weeks) - on_day).dropna()


def _net_liquidity(walcl: pd.Series, tga: pd.Series, rrp: pd.Series, ctx: Context) -> list[Figure]:
    """Net liquidity on the latest Wednesday with every part, and its change from four weeks earlier."""
    net = net_liquidity_series(walcl, tga, rrp)
    if net.empty:
        missing = [sid for sid, s in zip(NET_LIQUIDITY_PARTS, (walcl, tga, rrp), strict=True) if s.empty]
        why = missing_reason(missing or list(NET_LIQUIDITY_PARTS), ctx)
        return [
            unavailable(k, "USD", ctx, reason_key="reason.no_data", **why)
            for k in ("net_liquidity", "net_liquidity_4w_change")
        ]
    d, level = net.index[-1].date(), float(net.iloc[-1])
    rrp_day = on_or_before(rrp, d)
    parts = {
        "walcl": float(walcl[pd.Timestamp(d)]),
        "tga": float(tga[pd.Timestamp(d)]),
        "on_rrp": rrp_day[1] if rrp_day else None,
    }
    sources = [Source("WALCL", d), Source("WDTGAL", d), Source("RRPONTSYD", rrp_day[0] if rrp_day else d)]
    level_fig = make(
        "net_liquidity",
        level,
        unit="USD",
        sources=sources,
        ctx=ctx,
        text_key="text.net_liquidity",
        detail=parts,
        paired=["RRPONTSYD", "WALCL"],  # read on the TGA's Wednesday on purpose: the TGA's age is the figure's
        level=per_lang(money, level),
        date=per_lang(date, d),
    )
    base = net[net.index <= pd.Timestamp(d - dt.timedelta(weeks=CHANGE_WEEKS))]
    if base.empty or (d - base.index[-1].date()).days > CHANGE_WEEKS * 7 + 3:
        change_fig = unavailable(
            "net_liquidity_4w_change", "USD", ctx, reason_key="reason.no_previous_month", weeks=str(CHANGE_WEEKS)
        )
        return [level_fig, change_fig]
    bd, bv = base.index[-1].date(), float(base.iloc[-1])
    change = level - bv
    change_fig = make(
        "net_liquidity_4w_change",
        change,
        unit="USD",
        sources=[Source("WALCL", bd), Source("WDTGAL", bd), *sources],
        ctx=ctx,
        text_key="text.net_liquidity_up" if change >= 0 else "text.net_liquidity_down",
        detail={"base": bv, "base_date": bd.isoformat()},
        paired=["RRPONTSYD", "WALCL"],
        change=per_lang(money, abs(change)),
        base_date=per_lang(date, bd),
    )
    return [level_fig, change_fig]


def _effr_iorb(effr: pd.Series, iorb: pd.Series, ctx: Context) -> Figure:
    """EFFR minus the IORB in force that day, in basis points (a firm funds market trades close to IORB)."""
    if effr.empty or iorb.empty:
        missing = [sid for sid, s in (("EFFR", effr), ("IORB", iorb)) if s.empty]
        return unavailable(
            "effr_iorb_spread_bp", "bp", ctx, reason_key="reason.no_data", **missing_reason(missing, ctx)
        )
    d, rate = effr.index[-1].date(), float(effr.iloc[-1])
    iorb_day = on_or_before(iorb, d)
    if iorb_day is None:
        return unavailable(
            "effr_iorb_spread_bp", "bp", ctx, reason_key="reason.no_data", **missing_reason(["IORB"], ctx)
        )
    spread = round((rate - iorb_day[1]) * 100, 4)
    key = "text.effr_iorb_" + ("above" if round(spread) > 0 else "below" if round(spread) < 0 else "equal")
    return make(
        "effr_iorb_spread_bp",
        spread,
        unit="bp",
        sources=[Source("EFFR", d), Source("IORB", iorb_day[0])],
        ctx=ctx,
        text_key=key,
        paired=["IORB"],  # the rate in force on EFFR's day
        date=per_lang(date, d),
        effr={lang: percent(rate, lang, 2) for lang in ("en", "zh-Hant")},
        iorb={lang: percent(iorb_day[1], lang, 2) for lang in ("en", "zh-Hant")},
        spread={lang: basis_points(abs(spread), lang, sign=False) for lang in ("en", "zh-Hant")},
    )
