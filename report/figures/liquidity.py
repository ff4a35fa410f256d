"""Fed balance sheet, reserves, reserve-management purchases and M2 (the SOFR corridor is in ``corridor``)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from report.figures.model import (
    Context,
    Data,
    Figure,
    Source,
    clean,
    last_valid,
    make,
    missing_reason,
    ratio_of,
    unavailable,
)
from report.i18n import date, money, month, per_lang, percent

# A fall of at least this much from a running high marks the end of a cycle peak (for "prior peak").
PEAK_DRAWDOWN = 0.01
# Two reserve observations at most this many days apart are consecutive weeks (a longer gap has no weekly change).
WEEKLY_GAP_DAYS = 10
# A purchase scenario starting more than this many days after the edition says nothing about it.
RMP_MAX_LEAD_DAYS = 366


# --- reserves -------------------------------------------------------------------------------------------------
def reserves(data: Data, ctx: Context) -> list[Figure]:
    """Bank reserves: level, weekly change, change since QT ended, share of nominal GDP."""
    s = clean(data, "WRESBAL")
    if s.empty:
        why = missing_reason(["WRESBAL"], ctx)
        return [
            unavailable(k, "USD", ctx, reason_key="reason.no_data", **why)
            for k in ("reserves", "reserves_weekly_change", "reserves_since_qt_end")
        ] + [unavailable("reserves_gdp_share", "percent", ctx, reason_key="reason.no_data", **why)]
    d, level = s.index[-1].date(), float(s.iloc[-1])
    src = Source("WRESBAL", d)
    level_fig = make(
        "reserves",
        level,
        unit="USD",
        sources=[src],
        ctx=ctx,
        text_key="text.reserves",
        level=per_lang(money, level),
        date=per_lang(date, d),
    )
    return [
        level_fig,
        _reserves_weekly_change(s, ctx),
        _reserves_since_qt_end(s, ctx),
        _reserves_gdp_share(data, s, ctx),
    ]


def is_consecutive_week(previous: pd.Timestamp, latest: pd.Timestamp) -> bool:
    """Whether two weekly observations are close enough for their difference to be a weekly change."""
    return (latest - previous).days <= WEEKLY_GAP_DAYS


def _reserves_weekly_change(s: pd.Series, ctx: Context) -> Figure:
    """The change from the previous week's reserves, when that week is in the data."""
    if len(s) < 2 or not is_consecutive_week(s.index[-2], s.index[-1]):
        return unavailable("reserves_weekly_change", "USD", ctx, reason_key="reason.no_previous_week", series="WRESBAL")
    d, level = s.index[-1].date(), float(s.iloc[-1])
    pd_, prev = s.index[-2].date(), float(s.iloc[-2])
    chg = level - prev
    return make(
        "reserves_weekly_change",
        chg,
        unit="USD",
        sources=[Source("WRESBAL", pd_), Source("WRESBAL", d)],
        ctx=ctx,
        text_key="text.reserves_weekly_change",
        change=per_lang(money, chg, sign=True),
        prev_date=per_lang(date, pd_),
    )


def _reserves_since_qt_end(s: pd.Series, ctx: Context) -> Figure:
    """The change in reserves since the last observation on or before the end of QT."""
    base = s[s.index <= pd.Timestamp(ctx.qt_end)]
    if ctx.as_of < ctx.qt_end:
        return unavailable(
            "reserves_since_qt_end", "USD", ctx, reason_key="reason.qt_later", qt_end=per_lang(date, ctx.qt_end)
        )
    if base.empty or base.index[-1] == s.index[-1]:
        return unavailable(
            "reserves_since_qt_end", "USD", ctx, reason_key="reason.qt_not_ended", qt_end=per_lang(date, ctx.qt_end)
        )
    d, level = s.index[-1].date(), float(s.iloc[-1])
    bd, bv = base.index[-1].date(), float(base.iloc[-1])
    chg = level - bv
    return make(
        "reserves_since_qt_end",
        chg,
        unit="USD",
        sources=[Source("WRESBAL", bd), Source("WRESBAL", d)],
        ctx=ctx,
        text_key="text.reserves_since_qt_end",
        change=per_lang(money, chg, sign=True),
        qt_end=per_lang(date, ctx.qt_end),
    )


def _reserves_gdp_share(data: Data, s: pd.Series, ctx: Context) -> Figure:
    """The latest reserves as a share of the latest nominal GDP."""
    gdp = last_valid(data.get("GDP"))
    if gdp is None:
        return unavailable(
            "reserves_gdp_share", "percent", ctx, reason_key="reason.no_data", **missing_reason(["GDP"], ctx)
        )
    d, level = s.index[-1].date(), float(s.iloc[-1])
    gd, gv = gdp
    share = ratio_of(level, gv) * 100
    return make(
        "reserves_gdp_share",
        share,
        unit="percent",
        sources=[Source("WRESBAL", d), Source("GDP", gd)],
        ctx=ctx,
        text_key="text.reserves_gdp_share",
        share=per_lang(percent, share),
        gdp=per_lang(money, gv),
        quarter=per_lang(_quarter, gd),
    )


def _quarter(d: dt.date, lang: str) -> str:
    """A quarter as printed: "2025 Q3" or "2025年第3季"."""
    q = (d.month - 1) // 3 + 1
    return f"{d.year} Q{q}" if lang == "en" else f"{d.year}年第{q}季"


# --- balance sheet --------------------------------------------------------------------------------------------
def balance_sheet(data: Data, ctx: Context) -> list[Figure]:
    """Fed total assets, Treasury holdings and cumulative QT runoff from the peak."""
    return [*_fed_assets(clean(data, "WALCL"), ctx), _fed_treasuries(clean(data, "TREAST"), ctx)]


def _fed_assets(s: pd.Series, ctx: Context) -> list[Figure]:
    """Total assets and the runoff from their peak."""
    if s.empty:
        why = missing_reason(["WALCL"], ctx)
        return [
            unavailable("fed_assets", "USD", ctx, reason_key="reason.no_data", **why),
            unavailable("qt_runoff", "USD", ctx, reason_key="reason.no_data", **why),
        ]
    d, level = s.index[-1].date(), float(s.iloc[-1])
    src = Source("WALCL", d)
    peak_d, peak = s.idxmax().date(), float(s.max())
    runoff = peak - level
    return [
        make(
            "fed_assets",
            level,
            unit="USD",
            sources=[src],
            ctx=ctx,
            text_key="text.fed_assets",
            level=per_lang(money, level),
            date=per_lang(date, d),
        ),
        make(
            "qt_runoff",
            runoff,
            unit="USD",
            sources=[Source("WALCL", peak_d), src],
            ctx=ctx,
            text_key="text.qt_runoff",
            detail={"peak": peak, "peak_date": peak_d.isoformat()},
            runoff=per_lang(money, runoff),
            peak=per_lang(money, peak),
            peak_month=per_lang(month, peak_d),
            pct=per_lang(percent, ratio_of(runoff, peak) * 100),
        ),
    ]


def _fed_treasuries(t: pd.Series, ctx: Context) -> Figure:
    """Treasury holdings and their runoff from the peak."""
    if t.empty:
        return unavailable("fed_treasuries", "USD", ctx, reason_key="reason.no_data", **missing_reason(["TREAST"], ctx))
    d, level = t.index[-1].date(), float(t.iloc[-1])
    peak_d, peak = t.idxmax().date(), float(t.max())
    return make(
        "fed_treasuries",
        level,
        unit="USD",
        sources=[Source("TREAST", d)],
        ctx=ctx,
        text_key="text.fed_treasuries",
        detail={"peak": peak, "peak_date": peak_d.isoformat()},
        level=per_lang(money, level),
        runoff=per_lang(money, peak - level),
        peak_month=per_lang(month, peak_d),
    )


# --- reserve-management purchases ----------------------------------------------------------------------------
def rmp_key(monthly: float) -> str:
    """Figure key for a purchase scenario: 35e9 -> rmp_35bn."""
    return f"rmp_{monthly / 1e9:g}bn".replace(".", "_")


def _rmp_label(ctx: Context, monthly: float) -> dict[str, str]:
    """The label of one purchase scenario."""
    return ctx.cat.both("fig.rmp", monthly=per_lang(money, monthly))


def rmp_too_early(start: dt.date, as_of: dt.date) -> bool:
    """Whether purchases starting on ``start`` are too far ahead of the edition to project."""
    return (start - as_of).days > RMP_MAX_LEAD_DAYS


def rmp_scenarios(data: Data, ctx: Context) -> list[Figure]:
    """Reserve-management bill purchases projected forward: balance sheet path and annual growth."""
    s = clean(data, "WALCL")
    if s.empty:
        why = missing_reason(["WALCL"], ctx)
        return [
            unavailable(rmp_key(m), "USD", ctx, reason_key="reason.no_data", label=_rmp_label(ctx, m), **why)
            for m in ctx.rmp_monthly_usd
        ]
    d, level = s.index[-1].date(), float(s.iloc[-1])
    start = max(ctx.rmp_start, dt.date(d.year, d.month, 1))
    if rmp_too_early(start, ctx.as_of):
        return [
            unavailable(
                rmp_key(m),
                "USD",
                ctx,
                reason_key="reason.rmp_too_early",
                label=_rmp_label(ctx, m),
                start=per_lang(month, start),
            )
            for m in ctx.rmp_monthly_usd
        ]
    return [_rmp_scenario(m, Source("WALCL", d), level=level, start=start, ctx=ctx) for m in ctx.rmp_monthly_usd]


def _rmp_scenario(monthly: float, src: Source, *, level: float, start: dt.date, ctx: Context) -> Figure:
    """One scenario: ``monthly`` purchases from ``start`` for the configured number of months."""
    months = pd.date_range(pd.Timestamp(start), periods=ctx.rmp_months, freq="MS")
    growth = monthly * ctx.rmp_months
    path = [(ts.date().isoformat(), level + monthly * (i + 1)) for i, ts in enumerate(months)]
    pct = ratio_of(growth, level) * 100
    return make(
        rmp_key(monthly),
        growth,
        unit="USD",
        sources=[src],
        ctx=ctx,
        text_key="text.rmp",
        detail={
            "monthly": monthly,
            "start": start.isoformat(),
            "path": path,
            "growth_pct": pct,
            "end_level": level + growth,
        },
        label=_rmp_label(ctx, monthly),
        monthly=per_lang(money, monthly),
        growth=per_lang(money, growth),
        months=ctx.rmp_months,
        start=per_lang(month, start),
        pct=per_lang(percent, pct),
        end_level=per_lang(money, level + growth),
    )


# --- M2 -------------------------------------------------------------------------------------------------------
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


def is_record(s: pd.Series) -> bool:
    """Whether the latest value is at least as high as every earlier one (and there is an earlier one)."""
    return len(s) >= 2 and float(s.iloc[-1]) >= float(s.iloc[:-1].max())


def m2(data: Data, ctx: Context) -> list[Figure]:
    """M2: level, year-on-year growth, record status and excess over the previous cycle peak."""
    s = clean(data, "M2SL")
    if s.empty:
        why = missing_reason(["M2SL"], ctx)
        return [
            unavailable("m2", "USD", ctx, reason_key="reason.no_data", **why),
            unavailable("m2_yoy", "percent", ctx, reason_key="reason.no_data", **why),
            unavailable("m2_prior_peak", "USD", ctx, reason_key="reason.no_data", **why),
        ]
    d, level = s.index[-1].date(), float(s.iloc[-1])
    record = is_record(s)
    level_fig = make(
        "m2",
        level,
        unit="USD",
        sources=[Source("M2SL", d)],
        ctx=ctx,
        text_key="text.m2_record" if record else "text.m2",
        detail={"record": record},
        level=per_lang(money, level),
        month=per_lang(month, d),
    )
    return [level_fig, _m2_yoy(s, ctx), _m2_prior_peak(s, ctx, record=record)]


def _m2_yoy(s: pd.Series, ctx: Context) -> Figure:
    """M2 growth over the same month a year earlier."""
    d, level = s.index[-1].date(), float(s.iloc[-1])
    year_ago = s.get(pd.Timestamp(d.replace(year=d.year - 1)))
    if year_ago is None or pd.isna(year_ago):
        return unavailable("m2_yoy", "percent", ctx, reason_key="reason.no_year_ago", series="M2SL")
    yoy = (ratio_of(level, float(year_ago)) - 1) * 100
    return make(
        "m2_yoy",
        yoy,
        unit="percent",
        sources=[Source("M2SL", d), Source("M2SL", d.replace(year=d.year - 1))],
        ctx=ctx,
        text_key="text.m2_yoy",
        yoy=per_lang(percent, yoy, sign=True),
    )


def _m2_prior_peak(s: pd.Series, ctx: Context, *, record: bool) -> Figure:
    """The previous cycle peak of M2 and how far the latest level is above or below it."""
    pk = prior_peak(s)
    if pk is None:
        return unavailable("m2_prior_peak", "USD", ctx, reason_key="reason.too_short", series="M2SL")
    d, level = s.index[-1].date(), float(s.iloc[-1])
    pk_d, pk_v = pk[0].date(), pk[1]
    excess = level - pk_v
    return make(
        "m2_prior_peak",
        pk_v,
        unit="USD",
        sources=[Source("M2SL", pk_d), Source("M2SL", d)],
        ctx=ctx,
        text_key="text.m2_above_peak" if excess > 0 else "text.m2_below_peak",
        detail={"peak_date": pk_d.isoformat(), "excess": excess, "record": record},
        peak=per_lang(money, pk_v),
        peak_month=per_lang(month, pk_d),
        excess=per_lang(money, abs(excess)),
    )
