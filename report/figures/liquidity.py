"""Fed balance sheet, reserves, reserve-management purchases, M2 and the SOFR corridor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from report.figures.model import Context, Data, Figure, Source, clean, last_valid, make, missing_reason, unavailable
from report.i18n import basis_points, date, days, money, month, per_lang, percent

# A fall of at least this much from a running high marks the end of a cycle peak (for "prior peak").
PEAK_DRAWDOWN = 0.01


def reserves(data: Data, ctx: Context) -> list[Figure]:
    """Bank reserves: level, weekly change, change since QT ended, share of nominal GDP."""
    s = clean(data, "WRESBAL")
    if s.empty:
        why = missing_reason(["WRESBAL"], ctx)
        return [
            unavailable(k, "USD", ctx, "reason.no_data", **why)
            for k in ("reserves", "reserves_weekly_change", "reserves_since_qt_end")
        ] + [unavailable("reserves_gdp_share", "percent", ctx, "reason.no_data", **why)]
    d, level = s.index[-1].date(), float(s.iloc[-1])
    src = Source("WRESBAL", d)
    out = [
        make(
            "reserves",
            level,
            "USD",
            [src],
            ctx,
            "text.reserves",
            level=per_lang(money, level),
            date=per_lang(date, d),
        )
    ]
    if len(s) >= 2 and (s.index[-1] - s.index[-2]).days <= 10:
        pd_, prev = s.index[-2].date(), float(s.iloc[-2])
        chg = level - prev
        out.append(
            make(
                "reserves_weekly_change",
                chg,
                "USD",
                [Source("WRESBAL", pd_), src],
                ctx,
                "text.reserves_weekly_change",
                change=per_lang(money, chg, sign=True),
                prev_date=per_lang(date, pd_),
            )
        )
    else:
        out.append(unavailable("reserves_weekly_change", "USD", ctx, "reason.no_previous_week", series="WRESBAL"))
    base = s[s.index <= pd.Timestamp(ctx.qt_end)]
    if ctx.as_of < ctx.qt_end:
        out.append(
            unavailable("reserves_since_qt_end", "USD", ctx, "reason.qt_later", qt_end=per_lang(date, ctx.qt_end))
        )
    elif base.empty or base.index[-1] == s.index[-1]:
        out.append(
            unavailable("reserves_since_qt_end", "USD", ctx, "reason.qt_not_ended", qt_end=per_lang(date, ctx.qt_end))
        )
    else:
        bd, bv = base.index[-1].date(), float(base.iloc[-1])
        chg = level - bv
        out.append(
            make(
                "reserves_since_qt_end",
                chg,
                "USD",
                [Source("WRESBAL", bd), src],
                ctx,
                "text.reserves_since_qt_end",
                change=per_lang(money, chg, sign=True),
                qt_end=per_lang(date, ctx.qt_end),
            )
        )
    gdp = last_valid(data.get("GDP"))
    if gdp is None:
        out.append(unavailable("reserves_gdp_share", "percent", ctx, "reason.no_data", **missing_reason(["GDP"], ctx)))
    else:
        gd, gv = gdp
        share = level / gv * 100
        out.append(
            make(
                "reserves_gdp_share",
                share,
                "percent",
                [src, Source("GDP", gd)],
                ctx,
                "text.reserves_gdp_share",
                share=per_lang(percent, share),
                gdp=per_lang(money, gv),
                quarter=per_lang(_quarter, gd),
            )
        )
    return out


def _quarter(d: dt.date, lang: str) -> str:
    q = (d.month - 1) // 3 + 1
    return f"{d.year} Q{q}" if lang == "en" else f"{d.year}年第{q}季"


def balance_sheet(data: Data, ctx: Context) -> list[Figure]:
    """Fed total assets, Treasury holdings and cumulative QT runoff from the peak."""
    out: list[Figure] = []
    s = clean(data, "WALCL")
    if s.empty:
        why = missing_reason(["WALCL"], ctx)
        out += [
            unavailable("fed_assets", "USD", ctx, "reason.no_data", **why),
            unavailable("qt_runoff", "USD", ctx, "reason.no_data", **why),
        ]
    else:
        d, level = s.index[-1].date(), float(s.iloc[-1])
        src = Source("WALCL", d)
        out.append(
            make(
                "fed_assets",
                level,
                "USD",
                [src],
                ctx,
                "text.fed_assets",
                level=per_lang(money, level),
                date=per_lang(date, d),
            )
        )
        peak_d, peak = s.idxmax().date(), float(s.max())
        runoff = peak - level
        out.append(
            make(
                "qt_runoff",
                runoff,
                "USD",
                [Source("WALCL", peak_d), src],
                ctx,
                "text.qt_runoff",
                detail={"peak": peak, "peak_date": peak_d.isoformat()},
                runoff=per_lang(money, runoff),
                peak=per_lang(money, peak),
                peak_month=per_lang(month, peak_d),
                pct=per_lang(percent, runoff / peak * 100),
            )
        )
    t = clean(data, "TREAST")
    if t.empty:
        out.append(unavailable("fed_treasuries", "USD", ctx, "reason.no_data", **missing_reason(["TREAST"], ctx)))
    else:
        d, level = t.index[-1].date(), float(t.iloc[-1])
        peak_d, peak = t.idxmax().date(), float(t.max())
        out.append(
            make(
                "fed_treasuries",
                level,
                "USD",
                [Source("TREAST", d)],
                ctx,
                "text.fed_treasuries",
                detail={"peak": peak, "peak_date": peak_d.isoformat()},
                level=per_lang(money, level),
                runoff=per_lang(money, peak - level),
                peak_month=per_lang(month, peak_d),
            )
        )
    return out


def rmp_key(monthly: float) -> str:
    """Figure key for a purchase scenario: 35e9 -> rmp_35bn."""
    return f"rmp_{monthly / 1e9:g}bn".replace(".", "_")


def _rmp_label(ctx: Context, monthly: float) -> dict[str, str]:
    return ctx.cat.both("fig.rmp", monthly=per_lang(money, monthly))


def rmp_scenarios(data: Data, ctx: Context) -> list[Figure]:
    """Reserve-management bill purchases projected forward: balance sheet path and annual growth."""
    s = clean(data, "WALCL")
    if s.empty:
        return [
            unavailable(
                rmp_key(m),
                "USD",
                ctx,
                "reason.no_data",
                label=_rmp_label(ctx, m),
                **missing_reason(["WALCL"], ctx),
            )
            for m in ctx.rmp_monthly_usd
        ]
    d, level = s.index[-1].date(), float(s.iloc[-1])
    start = max(ctx.rmp_start, dt.date(d.year, d.month, 1))
    if (start - ctx.as_of).days > 366:  # a scenario years ahead of the edition says nothing about it
        return [
            unavailable(
                rmp_key(m), "USD", ctx, "reason.rmp_too_early", label=_rmp_label(ctx, m), start=per_lang(month, start)
            )
            for m in ctx.rmp_monthly_usd
        ]
    months = pd.date_range(pd.Timestamp(start), periods=ctx.rmp_months, freq="MS")
    out = []
    for m in ctx.rmp_monthly_usd:
        growth = m * ctx.rmp_months
        path = [(ts.date().isoformat(), level + m * (i + 1)) for i, ts in enumerate(months)]
        pct = growth / level * 100
        out.append(
            make(
                rmp_key(m),
                growth,
                "USD",
                [Source("WALCL", d)],
                ctx,
                "text.rmp",
                detail={
                    "monthly": m,
                    "start": start.isoformat(),
                    "path": path,
                    "growth_pct": pct,
                    "end_level": level + growth,
                },
                label=_rmp_label(ctx, m),
                monthly=per_lang(money, m),
                growth=per_lang(money, growth),
                months=ctx.rmp_months,
                start=per_lang(month, start),
                pct=per_lang(percent, pct),
                end_level=per_lang(money, level + growth),
            )
        )
    return out


def prior_peak(s: pd.Series) -> tuple[pd.Timestamp, float] | None:
    """The cycle peak before the latest significant drawdown (or the highest earlier value if none)."""
    if len(s) < 2:
        return None
    running = s.cummax()
    dd = s / running - 1
    deep = dd[dd <= -PEAK_DRAWDOWN]
    if deep.empty:
        earlier = s.iloc[:-1]
        return earlier.idxmax(), float(earlier.max())
    upto = s[s.index <= deep.index[-1]]
    return upto.idxmax(), float(upto.max())


def m2(data: Data, ctx: Context) -> list[Figure]:
    """M2: level, year-on-year growth, record status and excess over the previous cycle peak."""
    s = clean(data, "M2SL")
    if s.empty:
        why = missing_reason(["M2SL"], ctx)
        return [
            unavailable("m2", "USD", ctx, "reason.no_data", **why),
            unavailable("m2_yoy", "percent", ctx, "reason.no_data", **why),
            unavailable("m2_prior_peak", "USD", ctx, "reason.no_data", **why),
        ]
    d, level = s.index[-1].date(), float(s.iloc[-1])
    src = Source("M2SL", d)
    record = len(s) >= 2 and level >= float(s.iloc[:-1].max())
    out = [
        make(
            "m2",
            level,
            "USD",
            [src],
            ctx,
            "text.m2_record" if record else "text.m2",
            detail={"record": record},
            level=per_lang(money, level),
            month=per_lang(month, d),
        )
    ]
    year_ago = s.get(pd.Timestamp(d.replace(year=d.year - 1)))
    if year_ago is None or pd.isna(year_ago):
        out.append(unavailable("m2_yoy", "percent", ctx, "reason.no_year_ago", series="M2SL"))
    else:
        yoy = (level / float(year_ago) - 1) * 100
        out.append(
            make(
                "m2_yoy",
                yoy,
                "percent",
                [src, Source("M2SL", d.replace(year=d.year - 1))],
                ctx,
                "text.m2_yoy",
                yoy=per_lang(percent, yoy, sign=True),
            )
        )
    pk = prior_peak(s)
    if pk is None:
        out.append(unavailable("m2_prior_peak", "USD", ctx, "reason.too_short", series="M2SL"))
    else:
        pk_d, pk_v = pk[0].date(), pk[1]
        excess = level - pk_v
        key = "text.m2_above_peak" if excess > 0 else "text.m2_below_peak"
        out.append(
            make(
                "m2_prior_peak",
                pk_v,
                "USD",
                [Source("M2SL", pk_d), src],
                ctx,
                key,
                detail={"peak_date": pk_d.isoformat(), "excess": excess, "record": record},
                peak=per_lang(money, pk_v),
                peak_month=per_lang(month, pk_d),
                excess=per_lang(money, abs(excess)),
            )
        )
    return out


def _align(s: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    """The value in force on each day of ``index`` (last observation carried forward)."""
    return s.reindex(s.index.union(index)).ffill().reindex(index)


def sofr_corridor(data: Data, ctx: Context) -> list[Figure]:
    """SOFR against IORB and the target range over a lookback window of business days."""
    sofr = clean(data, "SOFR")
    iorb_s, top_s, low_s = (clean(data, sid) for sid in ("IORB", "DFEDTARU", "DFEDTARL"))
    out: list[Figure] = []
    window = sofr.iloc[-ctx.sofr_lookback_days :]
    first = window.index[0].date() if not window.empty else ctx.as_of
    d = window.index[-1].date() if not window.empty else ctx.as_of
    n = len(window)
    common: dict[str, Any] = {"n": n, "first": per_lang(date, first), "last": per_lang(date, d)}

    # against IORB
    iorb_keys = [("sofr_iorb_spread_bp", "bp"), ("sofr_days_at_or_above_iorb", "days")]
    spread = ((window - _align(iorb_s, window.index)) * 100).round(4).dropna() if not iorb_s.empty else window[:0]
    if window.empty or spread.empty:
        why = missing_reason([sid for sid, x in (("SOFR", window), ("IORB", spread)) if x.empty], ctx)
        out += [unavailable(k, u, ctx, "reason.no_data", **why) for k, u in iorb_keys]
    else:
        srcs = [Source("SOFR", d), Source("IORB", iorb_s.index[-1].date())]
        last = float(spread.iloc[-1])
        at_or_above = int((spread >= 0).sum())
        out += [
            make(
                "sofr_iorb_spread_bp",
                last,
                "bp",
                [Source("SOFR", spread.index[-1].date()), srcs[1]],
                ctx,
                "text.sofr_iorb_spread",
                spread=per_lang(basis_points, last),
                date=per_lang(date, spread.index[-1].date()),
                sofr=per_lang(percent, float(window[spread.index[-1]]), decimals=2),
                iorb=per_lang(percent, float(_align(iorb_s, spread.index[-1:]).iloc[0]), decimals=2),
            ),
            make(
                "sofr_days_at_or_above_iorb",
                at_or_above,
                "days",
                srcs,
                ctx,
                "text.sofr_days_at_or_above_iorb",
                detail={
                    "window_start": first.isoformat(),
                    "window_days": n,
                    "dates": [ts.date().isoformat() for ts in spread[spread >= 0].index],
                },
                days=per_lang(days, at_or_above),
                **common,
            ),
        ]

    # against the target range
    range_keys = [("sofr_days_above_range", "days"), ("sofr_max_excess_bp", "bp")]
    excess = ((window - _align(top_s, window.index)) * 100).round(4).dropna() if not top_s.empty else window[:0]
    if window.empty or excess.empty:
        why = missing_reason([sid for sid, x in (("SOFR", window), ("DFEDTARU", excess)) if x.empty], ctx)
        out += [unavailable(k, u, ctx, "reason.no_data", **why) for k, u in range_keys]
    else:
        srcs = [Source("SOFR", d), Source("DFEDTARU", top_s.index[-1].date())]
        breaches = excess[excess > 0]
        max_ex, max_d = float(excess.max()), excess.idxmax().date()
        out += [
            make(
                "sofr_days_above_range",
                len(breaches),
                "days",
                srcs,
                ctx,
                "text.sofr_days_above_range" if len(breaches) else "text.sofr_days_inside_range",
                detail={
                    "window_start": first.isoformat(),
                    "window_days": n,
                    "dates": [ts.date().isoformat() for ts in breaches.index],
                },
                days=per_lang(days, len(breaches)),
                **common,
            ),
            make(
                "sofr_max_excess_bp",
                max_ex,
                "bp",
                srcs,
                ctx,
                "text.sofr_max_excess" if max_ex > 0 else "text.sofr_max_below",
                detail={"date": max_d.isoformat()},
                excess=per_lang(basis_points, abs(max_ex), sign=False),
                date=per_lang(date, max_d),
            ),
        ]

    if top_s.empty or low_s.empty:
        out.append(
            unavailable(
                "policy_range_upper",
                "rate",
                ctx,
                "reason.no_data",
                **missing_reason(["DFEDTARU", "DFEDTARL"], ctx),
            )
        )
    else:
        upper, lower = float(top_s.iloc[-1]), float(low_s.iloc[-1])
        out.append(
            make(
                "policy_range_upper",
                upper,
                "rate",
                [Source("DFEDTARU", top_s.index[-1].date()), Source("DFEDTARL", low_s.index[-1].date())],
                ctx,
                "text.policy_range",
                detail={"lower": lower},
                lower=per_lang(percent, lower, decimals=2),
                upper=per_lang(percent, upper, decimals=2),
            )
        )
    return out
