"""Labour market and inflation figures."""

from __future__ import annotations

import pandas as pd

from report.figures.model import Context, Data, Figure, Source, make, missing_reason, unavailable
from report.i18n import count_words, month, per_lang, percent, points

DECLINE_WINDOW = 7
INFLATION_TARGET = 2.0


def _monthly(data: Data, sid: str) -> pd.Series:
    """A monthly series on a complete month grid, so a missing month stays a gap instead of being skipped."""
    s = data.get(sid)
    if s is None:
        return pd.Series(dtype="float64")
    s = s.dropna()
    if s.empty:
        return s
    grid = pd.date_range(s.index[0], s.index[-1], freq="MS")
    return s.reindex(grid)


def payroll_changes(payems: pd.Series) -> pd.Series:
    """Month-on-month changes in persons; a change next to a missing month is missing."""
    return payems.diff()


def labour(data: Data, ctx: Context) -> list[Figure]:
    """Payroll changes, declines in the last seven months, the 3-month average, unemployment and JOLTS."""
    out: list[Figure] = []
    s = _monthly(data, "PAYEMS")
    changes = payroll_changes(s).dropna() if not s.empty else pd.Series(dtype="float64")
    if changes.empty:
        why = missing_reason(["PAYEMS"], ctx)
        out += [
            unavailable(k, u, ctx, "reason.no_data", **why)
            for k, u in (
                ("payroll_change", "persons_change"),
                ("payroll_declines_7m", "count"),
                ("payroll_3m_avg", "persons_change"),
            )
        ]
    else:
        d = s.dropna().index[-1].date()
        src = Source("PAYEMS", d)
        last_change = changes.iloc[-1] if changes.index[-1].date() == d else None
        if last_change is None:
            out.append(unavailable("payroll_change", "persons_change", ctx, "reason.gap", series="PAYEMS"))
        else:
            out.append(
                make(
                    "payroll_change",
                    float(last_change),
                    "persons_change",
                    [src],
                    ctx,
                    "text.payroll_change",
                    change=per_lang(count_words, float(last_change), sign=True),
                    month=per_lang(month, d),
                )
            )
        window = payroll_changes(s).iloc[-DECLINE_WINDOW:]
        known = window.dropna()
        declines = int((known < 0).sum())
        detail = {
            "months": [ts.date().isoformat() for ts in window.index],
            "changes": [None if pd.isna(v) else float(v) for v in window],
            "known": len(known),
        }
        out.append(
            make(
                "payroll_declines_7m",
                declines,
                "count",
                [src],
                ctx,
                "text.payroll_declines" if len(known) == DECLINE_WINDOW else "text.payroll_declines_gaps",
                detail=detail,
                declines=declines,
                window=DECLINE_WINDOW,
                known=len(known),
            )
        )
        last3 = payroll_changes(s).iloc[-3:]
        if last3.isna().any() or len(last3) < 3:
            out.append(unavailable("payroll_3m_avg", "persons_change", ctx, "reason.gap", series="PAYEMS"))
        else:
            avg = float(last3.mean())
            out.append(
                make(
                    "payroll_3m_avg",
                    avg,
                    "persons_change",
                    [src],
                    ctx,
                    "text.payroll_3m_avg",
                    avg=per_lang(count_words, avg, sign=True),
                )
            )
    for key, sid, unit, text_key in (
        ("unemployment_rate", "UNRATE", "percent", "text.unemployment"),
        ("job_openings", "JTSJOL", "persons", "text.job_openings"),
        ("quits_rate", "JTSQUR", "percent", "text.quits"),
    ):
        out.append(_level_with_change(data, ctx, key, sid, unit, text_key))
    return out


def _level_with_change(data: Data, ctx: Context, key: str, sid: str, unit: str, text_key: str) -> Figure:
    s = _monthly(data, sid).dropna()
    if s.empty:
        return unavailable(key, unit, ctx, "reason.no_data", **missing_reason([sid], ctx))
    d, v = s.index[-1].date(), float(s.iloc[-1])
    year_ago = s.get(pd.Timestamp(d.replace(year=d.year - 1)))
    fmt_v = (lambda x, lang: percent(x, lang, 1)) if unit == "percent" else count_words
    ago = (
        per_lang(fmt_v, float(year_ago))
        if year_ago is not None and not pd.isna(year_ago)
        else {"en": "n/a", "zh-Hant": "無資料"}
    )
    return make(
        key,
        v,
        unit,
        [Source(sid, d)],
        ctx,
        text_key,
        level=per_lang(fmt_v, v),
        month=per_lang(month, d),
        year_ago=ago,
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
            out.append(unavailable(key, "percent", ctx, "reason.no_year_ago", series=sid))
            continue
        d, v = growth.index[-1].date(), float(growth.iloc[-1])
        if d != s.dropna().index[-1].date():
            out.append(unavailable(key, "percent", ctx, "reason.gap", series=sid))
            continue
        gap = v - INFLATION_TARGET
        text_key = (
            "text.inflation_above" if gap > 0.05 else "text.inflation_at" if gap >= -0.05 else "text.inflation_below"
        )
        out.append(
            make(
                key,
                v,
                "percent",
                [Source(sid, d), Source(sid, d.replace(year=d.year - 1))],
                ctx,
                text_key,
                detail={"target": INFLATION_TARGET},
                level=per_lang(percent, v),
                gap=per_lang(points, abs(gap)),
                month=per_lang(month, d),
                name=ctx.cat.both(f"fig.{key}"),
            )
        )
    return out
