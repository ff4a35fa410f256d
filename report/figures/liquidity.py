"""Fed balance sheet, reserves and reserve-management purchases (M2 is in ``money``, the SOFR corridor in
``corridor``)."""

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
    series_names,
    unavailable,
)
from report.i18n import LANGS, date, money, month, number, per_lang, percent
from report.i18n import days as days_words

# Two reserve observations at most this many days apart are consecutive weeks (a longer gap has no weekly change).
WEEKLY_GAP_DAYS = 10
# A monthly pace needs at least this many days of data (a week's change is no monthly pace).
MIN_PACE_DAYS = 28
# A purchase scenario starting more than this many days after the edition says nothing about it.
RMP_MAX_LEAD_DAYS = 366
DAYS_PER_MONTH = 365.25 / 12  # a monthly pace from a span of days


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
        _since_qt_end(s, ctx, key="reserves_since_qt_end", sid="WRESBAL", weekly_shown=True),
        _reserves_gdp_share(data, s, ctx),
    ]


def is_consecutive_week(previous: pd.Timestamp, latest: pd.Timestamp) -> bool:
    """Whether two weekly observations are close enough for their difference to be a weekly change."""
    return (latest - previous).days <= WEEKLY_GAP_DAYS


def _reserves_weekly_change(s: pd.Series, ctx: Context) -> Figure:
    """The change from the previous week's reserves, when that week is in the data."""
    if len(s) < 2 or not is_consecutive_week(s.index[-2], s.index[-1]):
        return unavailable(
            "reserves_weekly_change",
            "USD",
            ctx,
            reason_key="reason.no_previous_week",
            series=series_names(["WRESBAL"], ctx),
        )
    d, level = s.index[-1].date(), float(s.iloc[-1])
    pd_, prev = s.index[-2].date(), float(s.iloc[-2])
    chg = level - prev
    return make(
        "reserves_weekly_change",
        chg,
        unit="USD",
        sources=[Source("WRESBAL", pd_), Source("WRESBAL", d)],
        ctx=ctx,
        text_key="text.reserves_weekly_change_up" if chg >= 0 else "text.reserves_weekly_change_down",
        change=per_lang(money, abs(chg)),
        prev_date=per_lang(date, pd_),
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
def at_qt_end(s: pd.Series, qt_end: dt.date) -> pd.Series:
    """The observations on or before the end of QT (the runoff is measured up to the last of them, then frozen)."""
    return s[s.index <= pd.Timestamp(qt_end)]


def balance_sheet(data: Data, ctx: Context) -> list[Figure]:
    """Fed total assets, QT runoff (peak to the end of QT), the change since, and Treasury holdings and purchases."""
    return [
        *_fed_assets(clean(data, "WALCL"), ctx),
        *_fed_treasuries(clean(data, "TREAST"), ctx),
        *_fed_bills(clean(data, "WSHOBL"), ctx),
    ]


def _fed_assets(s: pd.Series, ctx: Context) -> list[Figure]:
    """Total assets, the runoff from their peak to the end of QT, and the change since QT ended."""
    if s.empty:
        why = missing_reason(["WALCL"], ctx)
        return [
            unavailable(k, "USD", ctx, reason_key="reason.no_data", **why)
            for k in ("fed_assets", "qt_runoff", "fed_assets_since_qt_end")
        ]
    d, level = s.index[-1].date(), float(s.iloc[-1])
    src = Source("WALCL", d)
    level_fig = make(
        "fed_assets",
        level,
        unit="USD",
        sources=[src],
        ctx=ctx,
        text_key="text.fed_assets",
        level=per_lang(money, level),
        date=per_lang(date, d),
    )
    return [level_fig, _qt_runoff(s, ctx), _since_qt_end(s, ctx, key="fed_assets_since_qt_end", sid="WALCL")]


def _qt_runoff(s: pd.Series, ctx: Context) -> Figure:
    """Peak minus the level at the end of QT, frozen once QT has ended (peak minus the latest while it runs)."""
    ended = ctx.as_of >= ctx.qt_end
    upto = at_qt_end(s, ctx.qt_end) if ended else s
    if upto.empty:
        return unavailable("qt_runoff", "USD", ctx, reason_key="reason.no_data", **missing_reason(["WALCL"], ctx))
    end_d, end_level = upto.index[-1].date(), float(upto.iloc[-1])
    peak_d, peak = upto.idxmax().date(), float(upto.max())
    runoff = peak - end_level
    return make(
        "qt_runoff",
        runoff,
        unit="USD",
        sources=[Source("WALCL", peak_d), Source("WALCL", end_d)],
        ctx=ctx,
        text_key="text.qt_runoff" if ended else "text.qt_runoff_ongoing",
        stale_as_of=ctx.qt_end if ended else None,  # frozen at the end of QT: judged on that date
        detail={
            "peak": peak,
            "peak_date": peak_d.isoformat(),
            "end_level": end_level,
            "end_date": end_d.isoformat(),
            "qt_end": ctx.qt_end.isoformat(),
            "frozen": ended,
        },
        runoff=per_lang(money, runoff),
        peak=per_lang(money, peak),
        peak_month=per_lang(month, peak_d),
        pct=per_lang(percent, ratio_of(runoff, peak) * 100),
        qt_end=per_lang(date, ctx.qt_end),
    )


def _since_qt_end(s: pd.Series, ctx: Context, *, key: str, sid: str, weekly_shown: bool = False) -> Figure:
    """The change from the last observation on or before the end of QT to the latest one, said from that week.

    When one week has passed and the brief also prints the weekly change (``weekly_shown``), the text says the
    two are the same change instead of giving one number as two facts."""
    if ctx.as_of < ctx.qt_end:
        return unavailable(key, "USD", ctx, reason_key="reason.qt_later", qt_end=per_lang(date, ctx.qt_end))
    base = at_qt_end(s, ctx.qt_end)
    if base.empty or base.index[-1] == s.index[-1]:
        return unavailable(
            key,
            "USD",
            ctx,
            reason_key="reason.qt_not_ended",
            qt_end=per_lang(date, ctx.qt_end),
            series=series_names([sid], ctx),
        )
    d, level = s.index[-1].date(), float(s.iloc[-1])
    bd, bv = base.index[-1].date(), float(base.iloc[-1])
    chg = level - bv
    first_week = weekly_shown and len(s) >= 2 and s.index[-2].date() == bd
    return make(
        key,
        chg,
        unit="USD",
        sources=[Source(sid, bd), Source(sid, d)],
        ctx=ctx,
        text_key="text.since_qt_end_first_week" if first_week else f"text.{key}_{'up' if chg >= 0 else 'down'}",
        detail={"base": bv, "base_date": bd.isoformat(), "level": level, "date": d.isoformat()},
        change=per_lang(money, abs(chg)),
        qt_end=per_lang(date, ctx.qt_end),
        base_date=per_lang(date, bd),
    )


def _fed_treasuries(t: pd.Series, ctx: Context) -> list[Figure]:
    """Treasury holdings, their change since QT ended and the monthly pace of that change."""
    keys = ("fed_treasuries", "fed_treasuries_since_qt_end", "fed_treasuries_monthly_pace")
    if t.empty:
        why = missing_reason(["TREAST"], ctx)
        return [unavailable(k, "USD", ctx, reason_key="reason.no_data", **why) for k in keys]
    d, level = t.index[-1].date(), float(t.iloc[-1])
    peak_d, peak = t.idxmax().date(), float(t.max())
    holdings = make(
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
    since = _since_qt_end(t, ctx, key="fed_treasuries_since_qt_end", sid="TREAST")
    return [holdings, since, _treasury_pace(since, ctx)]


def _fed_bills(b: pd.Series, ctx: Context) -> list[Figure]:
    """Treasury bills held outright (where reserve-management purchases go) and their change since QT ended."""
    if b.empty:
        why = missing_reason(["WSHOBL"], ctx)
        return [
            unavailable(k, "USD", ctx, reason_key="reason.no_data", **why)
            for k in ("fed_bills", "fed_bills_since_qt_end")
        ]
    d, level = b.index[-1].date(), float(b.iloc[-1])
    holdings = make(
        "fed_bills",
        level,
        unit="USD",
        sources=[Source("WSHOBL", d)],
        ctx=ctx,
        text_key="text.fed_bills",
        level=per_lang(money, level),
        date=per_lang(date, d),
    )
    return [holdings, _since_qt_end(b, ctx, key="fed_bills_since_qt_end", sid="WSHOBL")]


def monthly_pace(change: float, start: dt.date, end: dt.date) -> float:
    """A change over ``start``..``end`` as an average a month (NaN for an empty span)."""
    return ratio_of(change, (end - start).days / DAYS_PER_MONTH)


def _treasury_pace(since: Figure, ctx: Context) -> Figure:
    """The average monthly change in Treasury holdings since QT ended (purchases, once the Fed buys again)."""
    key = "fed_treasuries_monthly_pace"
    if not since.available or since.value is None:  # unavailable for the same reason as the change itself
        label = ctx.cat.both(f"fig.{key}")
        reason = since.reason or ctx.cat.both("reason.no_data", **missing_reason(["TREAST"], ctx))
        text = ctx.cat.both("fig.unavailable", label=label, reason=reason)
        return Figure(key, None, "USD", None, (), "unavailable", label, text, reason)
    bd = dt.date.fromisoformat(since.detail["base_date"])
    d = dt.date.fromisoformat(since.detail["date"])
    if (d - bd).days < MIN_PACE_DAYS:
        return unavailable(
            key,
            "USD",
            ctx,
            reason_key="reason.pace_too_short",
            qt_end=per_lang(date, ctx.qt_end),
            days=per_lang(days_words, (d - bd).days),
            date=per_lang(date, d),
        )
    months = (d - bd).days / DAYS_PER_MONTH
    pace = monthly_pace(since.value, bd, d)
    return make(
        key,
        pace,
        unit="USD",
        sources=list(since.sources),
        ctx=ctx,
        text_key="text.treasury_pace_up" if pace >= 0 else "text.treasury_pace_down",
        detail={"months": months, "change": since.value, "base_date": bd.isoformat(), "date": d.isoformat()},
        pace=per_lang(money, abs(pace)),
        months=per_lang(lambda v, lang: number(v, lang, 1), months),
    )


# --- reserve-management purchases ----------------------------------------------------------------------------
def rmp_key(monthly: float) -> str:
    """Figure key for a purchase scenario: 35e9 -> rmp_35bn."""
    return f"rmp_{monthly / 1e9:g}bn".replace(".", "_")


def _rmp_label(ctx: Context, monthly: float) -> dict[str, str]:
    """The label of one purchase scenario."""
    return _forecast_by(ctx, monthly, ctx.cat.both("fig.rmp", monthly=per_lang(money, monthly)))


def _forecast_by(ctx: Context, monthly: float, label: dict[str, str]) -> dict[str, str]:
    """A scenario's label naming whoever forecast its amount (a forecast in the notes), else as it is."""
    amounts = list(ctx.rmp_monthly_usd)
    if not ctx.rmp_sources or monthly not in amounts:
        return label
    source = dict.fromkeys(LANGS, ctx.rmp_sources[amounts.index(monthly)])
    return ctx.cat.both("fig.forecast_by", source=source, label=label)


def rmp_too_early(start: dt.date, as_of: dt.date) -> bool:
    """Whether purchases starting on ``start`` are too far ahead of the edition to project."""
    return (start - as_of).days > RMP_MAX_LEAD_DAYS


def rmp_scenarios(data: Data, ctx: Context) -> list[Figure]:
    """Reserve-management bill purchases: projected forward while they lie ahead, and once their start has passed,
    compared with what the Fed actually bought (never a future that has already passed)."""
    s = clean(data, "WALCL")
    if s.empty:
        why = missing_reason(["WALCL"], ctx)
        return [
            unavailable(rmp_key(m), "USD", ctx, reason_key="reason.no_data", label=_rmp_label(ctx, m), **why)
            for m in ctx.rmp_monthly_usd
        ]
    start = ctx.rmp_start
    if start <= ctx.as_of:
        return [_rmp_actual(m, clean(data, "TREAST"), start=start, ctx=ctx) for m in ctx.rmp_monthly_usd]
    d, level = s.index[-1].date(), float(s.iloc[-1])
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


def scenario_path(level: float, monthly: float, *, start: dt.date, months: int) -> list[tuple[str, float]]:
    """The balance sheet month by month if ``monthly`` is bought from ``start``, everything else held flat."""
    days = pd.date_range(pd.Timestamp(start), periods=months, freq="MS")
    return [(ts.date().isoformat(), level + monthly * (i + 1)) for i, ts in enumerate(days)]


def _rmp_scenario(monthly: float, src: Source, *, level: float, start: dt.date, ctx: Context) -> Figure:
    """One scenario ahead of the edition: ``monthly`` purchases from ``start`` for the configured number of months."""
    growth = monthly * ctx.rmp_months
    pct = ratio_of(growth, level) * 100
    return make(
        rmp_key(monthly),
        growth,
        unit="USD",
        sources=[src],
        ctx=ctx,
        text_key="text.rmp",
        detail={
            "mode": "projection",
            "monthly": monthly,
            "start": start.isoformat(),
            "path": scenario_path(level, monthly, start=start, months=ctx.rmp_months),
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


def _rmp_actual(monthly: float, treast: pd.Series, *, start: dt.date, ctx: Context) -> Figure:
    """A scenario whose start has passed: actual Treasury purchases since its start minus what it assumed.

    The value is actual minus scenario (positive: the Fed bought more); the scenario accrues ``monthly`` a month,
    pro rata, from ``start`` to the latest Treasury holdings.
    """
    key = rmp_key(monthly)
    label = _forecast_by(ctx, monthly, ctx.cat.both("fig.rmp_vs_actual", monthly=per_lang(money, monthly)))
    base = at_qt_end(treast, start - dt.timedelta(days=1)) if not treast.empty else treast
    if treast.empty or base.empty or base.index[-1] == treast.index[-1]:
        why = {"start": per_lang(month, start), "series": series_names(["TREAST"], ctx)}
        return unavailable(key, "USD", ctx, reason_key="reason.rmp_no_actual", label=label, **why)
    bd, bv = base.index[-1].date(), float(base.iloc[-1])
    d, level = treast.index[-1].date(), float(treast.iloc[-1])
    actual = level - bv
    months = (d - start).days / DAYS_PER_MONTH
    scenario = monthly * months
    gap = actual - scenario
    also = "" if monthly == ctx.rmp_monthly_usd[0] else "_also"  # the others only compare with the first one's
    return make(
        key,
        gap,
        unit="USD",
        sources=[Source("TREAST", bd), Source("TREAST", d)],
        ctx=ctx,
        text_key=f"text.rmp_actual_{'above' if gap >= 0 else 'below'}{also}",
        detail={
            "mode": "actual_vs_scenario",
            "monthly": monthly,
            "start": start.isoformat(),
            "base_date": bd.isoformat(),
            "date": d.isoformat(),
            "months": months,
            "actual": actual,
            "scenario": scenario,
            "actual_monthly_pace": monthly_pace(actual, start, d),
            # the scenario drawn where the text measures it: on Treasury holdings, from their level before it began
            "series": "TREAST",
            "path": [(bd.isoformat(), bv), *scenario_path(bv, monthly, start=start, months=ctx.rmp_months)],
        },
        label=label,
        monthly=per_lang(money, monthly),
        start=per_lang(month, start),
        date=per_lang(date, d),
        actual=per_lang(money, actual),
        scenario=per_lang(money, scenario),
        gap=per_lang(money, abs(gap)),
    )
