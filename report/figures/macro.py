"""Labour market and inflation figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from report.figures.model import (
    Context,
    Data,
    Figure,
    Source,
    Text,
    make,
    missing_reason,
    series_names,
    unavailable,
)
from report.i18n import LANGS, count_words, jobs, month, per_lang, percent, points

DECLINE_WINDOW = 7  # months in which payroll declines are counted
PAYROLL_AVG_MONTHS = 3  # months in the average payroll change
INFLATION_TARGET = 2.0
# Inflation within this many points of the target is "at" the target (printed to one decimal).
AT_TARGET_BAND = 0.05
# A month never published among this many before the latest is told in the figure's text (the October 2025
# unemployment rate); an older gap is history the figure does not use.
RECENT_GAP_MONTHS = 3
FIRST_PRINT_MONTHS = 3  # the recent months whose first print the labour section shows


def _monthly(data: Data, sid: str) -> pd.Series:
    """A monthly series on a complete month grid, so a missing month stays a gap instead of being skipped."""
    s = data.get(sid)
    if s is None:
        return pd.Series(dtype="float64")
    s = s.dropna()
    if s.empty:
        return s
    return on_month_grid(s)


def on_month_grid(s: pd.Series) -> pd.Series:
    """A non-empty monthly series reindexed to every month from its first to its last (missing months NaN)."""
    return s.reindex(pd.date_range(s.index[0], s.index[-1], freq="MS"))


def never_published(grid: pd.Series, *, months: int = RECENT_GAP_MONTHS) -> list[dt.date]:
    """Months missing between two published ones among the ``months`` before the latest (``grid`` from
    ``on_month_grid``, so it starts and ends with a published month)."""
    recent = grid.iloc[-(months + 1) :]
    return [ts.date() for ts, v in recent.items() if pd.isna(v)]


def gap_note(sid: str, gaps: Sequence[dt.date], ctx: Context) -> Text | None:
    """A footnote sentence for each month that was never published, or None."""
    if not gaps:
        return None
    name = series_names([sid], ctx)
    notes = []
    for g in gaps:
        row = ctx.calendar.never(sid, g)  # the release calendar knows why, for the 2025 shutdown's gaps
        if row is not None and f"{row.reason}" in ctx.cat.strings:
            why = ctx.cat.both(row.reason)
            notes.append(ctx.cat.both("reason.never_published_why", series=name, month=per_lang(month, g), why=why))
        else:
            notes.append(ctx.cat.both("reason.never_published", series=name, month=per_lang(month, g)))
    return {lang: ("" if lang != "en" else " ").join(n[lang] for n in notes) for lang in LANGS}


def _gap_reason(sid: str, gaps: Sequence[dt.date], ctx: Context) -> dict[str, Any]:
    """Values for ``reason.gap``: the series by name and the first month never published."""
    return {"series": series_names([sid], ctx), "month": per_lang(month, gaps[0])}


def payroll_changes(payems: pd.Series) -> pd.Series:
    """Month-on-month changes in persons; a change next to a missing month is missing."""
    return payems.diff()


def labour(data: Data, ctx: Context) -> list[Figure]:
    """Payroll changes, declines in the last seven months, the 3-month average, unemployment and JOLTS."""
    out = _payrolls(_monthly(data, "PAYEMS"), ctx, data)
    for key, sid, unit, text_key in (
        ("unemployment_rate", "UNRATE", "percent", "text.unemployment"),
        ("job_openings", "JTSJOL", "jobs", "text.job_openings"),
        ("quits_rate", "JTSQUR", "percent", "text.quits"),
    ):
        out.append(_level_with_change(data, ctx, key=key, sid=sid, unit=unit, text_key=text_key))
    return out


def _payrolls(s: pd.Series, ctx: Context, data: Data) -> list[Figure]:
    """The latest payroll change, the declines in the window and the recent average, from monthly levels."""
    changes = payroll_changes(s).dropna() if not s.empty else pd.Series(dtype="float64")
    if changes.empty:
        why = missing_reason(["PAYEMS"], ctx)
        return [
            unavailable(k, u, ctx, reason_key="reason.no_data", **why)
            for k, u in (
                ("payroll_change", "persons_change"),
                ("payroll_declines_7m", "months"),
                ("payroll_3m_avg", "persons_change"),
            )
        ]
    src = Source("PAYEMS", s.dropna().index[-1].date())
    declines = _payroll_declines(s, src, ctx)
    first = first_print_changes(data, changes.iloc[-FIRST_PRINT_MONTHS:])
    if first:
        declines = dataclasses.replace(declines, detail={**declines.detail, "first_prints": first})
    return [_payroll_change(s, changes, src, ctx), declines, _payroll_average(s, src, ctx)]


def first_print_changes(data: Data, recent: pd.Series) -> list[dict[str, Any]]:
    """The recent monthly payroll changes as first printed beside the current ones, where vintages are stored:
    ``[{"month", "first", "now"}]`` (``first`` None where the store has no vintage of that month)."""
    first, before = data.get("PAYEMS@first"), data.get("PAYEMS@first_before")
    if first is None or before is None or first.empty:
        return []
    out = []
    for ts, now in recent.items():
        printed = first.get(ts) - before.get(ts) if ts in first.index and ts in before.index else None
        out.append(
            {
                "month": ts.date().isoformat(),
                "first": None if printed is None or pd.isna(printed) else float(printed),
                "now": float(now),
            }
        )
    return out if any(r["first"] is not None for r in out) else []


def _payroll_change(s: pd.Series, changes: pd.Series, src: Source, ctx: Context) -> Figure:
    """The change in the latest month, unless the month before it is missing."""
    d = src.date
    if d is None or changes.index[-1].date() != d:
        gaps = never_published(s, months=1) or [s.index[-2].date()]
        return unavailable(
            "payroll_change", "persons_change", ctx, reason_key="reason.gap", **_gap_reason("PAYEMS", gaps, ctx)
        )
    last_change = float(changes.iloc[-1])
    return make(
        "payroll_change",
        last_change,
        unit="persons_change",
        sources=[src],
        ctx=ctx,
        text_key="text.payroll_change_up" if last_change >= 0 else "text.payroll_change_down",
        change=per_lang(count_words, abs(last_change)),
        month=per_lang(month, d),
    )


def _payroll_declines(s: pd.Series, src: Source, ctx: Context) -> Figure:
    """How many of the last DECLINE_WINDOW months saw payrolls fall (months next to a gap are unknown)."""
    window = payroll_changes(s).iloc[-DECLINE_WINDOW:]
    known = window.dropna()
    declines = int((known < 0).sum())
    detail = {
        "months": [ts.date().isoformat() for ts in window.index],
        "changes": [None if pd.isna(v) else float(v) for v in window],
        "known": len(known),
    }
    return make(
        "payroll_declines_7m",
        declines,
        unit="months",
        sources=[src],
        ctx=ctx,
        text_key="text.payroll_declines" if len(known) == DECLINE_WINDOW else "text.payroll_declines_gaps",
        detail=detail,
        declines=declines,
        window=DECLINE_WINDOW,
        known=len(known),
    )


def _payroll_average(s: pd.Series, src: Source, ctx: Context) -> Figure:
    """The average change over the last PAYROLL_AVG_MONTHS months, when none of them is missing."""
    recent = payroll_changes(s).iloc[-PAYROLL_AVG_MONTHS:]
    # too short: fewer months than the average needs, or the first of them is the series' first month (no change)
    if len(recent) < PAYROLL_AVG_MONTHS or recent.index[0] == s.index[0]:
        return unavailable(
            "payroll_3m_avg", "persons_change", ctx, reason_key="reason.too_short", series=series_names(["PAYEMS"], ctx)
        )
    if recent.isna().any():
        gaps = never_published(s, months=PAYROLL_AVG_MONTHS)
        return unavailable(
            "payroll_3m_avg", "persons_change", ctx, reason_key="reason.gap", **_gap_reason("PAYEMS", gaps, ctx)
        )
    avg = float(recent.mean())
    return make(
        "payroll_3m_avg",
        avg,
        unit="persons_change",
        sources=[src],
        ctx=ctx,
        text_key="text.payroll_3m_avg_up" if avg >= 0 else "text.payroll_3m_avg_down",
        avg=per_lang(count_words, abs(avg)),
    )


def _level_with_change(data: Data, ctx: Context, *, key: str, sid: str, unit: str, text_key: str) -> Figure:
    """The latest level of a monthly series, with the level a year earlier in the text; a recent month (or the
    year-ago month) that was never published is said so in a footnote sentence."""
    grid = _monthly(data, sid)
    s = grid.dropna()
    if s.empty:
        return unavailable(key, unit, ctx, reason_key="reason.no_data", **missing_reason([sid], ctx))
    d, v = s.index[-1].date(), float(s.iloc[-1])
    ago_ts = pd.Timestamp(d.replace(year=d.year - 1))
    year_ago = s.get(ago_ts)
    gaps = never_published(grid)
    if ago_ts in grid.index and pd.isna(grid.get(ago_ts)):
        gaps = [ago_ts.date(), *gaps]
    fmt_v = (lambda x, lang: percent(x, lang, 1)) if unit == "percent" else jobs
    ago = (
        per_lang(fmt_v, float(year_ago))
        if year_ago is not None and not pd.isna(year_ago)
        else {"en": "n/a", "zh-Hant": "無資料"}
    )
    return make(
        key,
        v,
        unit=unit,
        sources=[Source(sid, d)],
        ctx=ctx,
        text_key=text_key,
        level=per_lang(fmt_v, v),
        month=per_lang(month, d),
        year_ago=ago,
        detail={
            "never_published": [g.isoformat() for g in gaps],
            "year_ago": float(year_ago) if year_ago is not None and not pd.isna(year_ago) else None,
        },
        note=gap_note(sid, gaps, ctx),
    )


def yoy(s: pd.Series) -> pd.Series:
    """Year-on-year growth in percent, matched on the same month a year earlier."""
    shifted = s.copy()
    shifted.index = shifted.index + pd.DateOffset(years=1)
    prior = shifted.reindex(s.index)
    return (s / prior - 1) * 100


def inflation(data: Data, ctx: Context) -> list[Figure]:
    """Core PCE and CPI inflation, year on year, against the 2% target."""
    out = []
    for key, sid in (("core_pce_yoy", "PCEPILFE"), ("cpi_yoy", "CPIAUCSL")):
        s = _monthly(data, sid)
        growth = yoy(s).dropna() if not s.empty else pd.Series(dtype="float64")
        if growth.empty:
            out.append(
                unavailable(key, "percent", ctx, reason_key="reason.no_year_ago", series=series_names([sid], ctx))
            )
            continue
        d, v = growth.index[-1].date(), float(growth.iloc[-1])
        latest = s.dropna().index[-1].date()
        if d != latest:  # the latest month's year-ago month was never published
            gaps = [latest.replace(year=latest.year - 1)]
            out.append(
                unavailable(key, "percent", ctx, reason_key="reason.gap_year_ago", **_gap_reason(sid, gaps, ctx))
            )
            continue
        gaps = never_published(s)
        gap = v - INFLATION_TARGET
        out.append(
            make(
                key,
                v,
                unit="percent",
                sources=[Source(sid, d), Source(sid, d.replace(year=d.year - 1))],
                ctx=ctx,
                text_key=inflation_text_key(gap),
                detail={"target": INFLATION_TARGET, "never_published": [g.isoformat() for g in gaps]},
                level=per_lang(percent, v),
                gap=per_lang(points, abs(gap)),
                month=per_lang(month, d),
                name=ctx.cat.both(f"fig.{key}"),
                note=gap_note(sid, gaps, ctx),
            )
        )
    return out


def inflation_text_key(gap: float) -> str:
    """The sentence for inflation ``gap`` points from the target: above, at (within AT_TARGET_BAND) or below."""
    if gap > AT_TARGET_BAND:
        return "text.inflation_above"
    return "text.inflation_at" if gap >= -AT_TARGET_BAND else "text.inflation_below"
