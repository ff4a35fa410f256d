"""M2 money supply: its level, its growth over a year, and the prior peak it is measured against."""

from __future__ import annotations

import pandas as pd

from report.figures.model import (
    Context,
    Data,
    Figure,
    Source,
    clean,
    make,
    missing_reason,
    ratio_of,
    series_names,
    unavailable,
)
from report.i18n import money, month, per_lang, percent

# A fall of at least this much from a running high marks the end of a cycle peak (for "prior peak").
PEAK_DRAWDOWN = 0.01


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
        return unavailable(
            "m2_yoy", "percent", ctx, reason_key="reason.no_year_ago", series=series_names(["M2SL"], ctx)
        )
    yoy = (ratio_of(level, float(year_ago)) - 1) * 100
    return make(
        "m2_yoy",
        yoy,
        unit="percent",
        sources=[Source("M2SL", d), Source("M2SL", d.replace(year=d.year - 1))],
        ctx=ctx,
        text_key="text.m2_yoy" if yoy >= 0 else "text.m2_yoy_down",
        yoy=per_lang(percent, abs(yoy)),
    )


def _m2_prior_peak(s: pd.Series, ctx: Context, *, record: bool) -> Figure:
    """The previous cycle peak of M2 and how far the latest level is above or below it."""
    pk = prior_peak(s)
    if pk is None:
        return unavailable(
            "m2_prior_peak", "USD", ctx, reason_key="reason.too_short", series=series_names(["M2SL"], ctx)
        )
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
