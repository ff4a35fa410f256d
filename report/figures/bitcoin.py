"""Bitcoin: price and drawdown, miner production cost, difficulty adjustments, supply in loss."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import pandas as pd

from report.figures.model import (
    Context,
    Data,
    Figure,
    Source,
    about_money,
    clean,
    make,
    missing_reason,
    ratio_of,
    unavailable,
)
from report.i18n import btc, date, days, hashrate, money, month, per_lang, percent, power_price
from report.i18n import ratio as times

SMOOTH_DAYS = 7  # hash rate and daily issuance are noisy day to day: average a week
SENSITIVITY_POWER = (0.04, 0.05, 0.06, 0.07, 0.08)  # US$/kWh
SENSITIVITY_EFFICIENCY = (17.0, 22.0, 30.0)  # J/TH
# Another price source replaces FRED's CBBTCUSD only when its latest day is more than this many days newer.
PRICE_SOURCE_LEAD_DAYS = 3
# Consecutive daily difficulty values within this relative distance are the same level (one plateau).
PLATEAU_TOLERANCE = 1e-9
DIFFICULTY_HISTORY = 30  # adjustments kept in the figure's detail for the chart and table
# Exact difficulty is read day by day: a series whose recent points are further apart than this (a 7-day average
# sampled every 4 days, as Blockchain.com's chart) cannot date an adjustment or tell two apart.
DIFFICULTY_MAX_SPACING_DAYS = 1
DIFFICULTY_SPACING_WINDOW = 30  # recent observations whose spacing is checked
# The 7-day averaged difficulty of Blockchain.com's chart, held apart from exact difficulty (docs/data.md).
AVERAGED_DIFFICULTY = "BTC_DIFFICULTY_7D"

Amount = TypeVar("Amount", float, "pd.Series")


def price_series(data: Data) -> tuple[str, pd.Series]:
    """The bitcoin price: FRED's CBBTCUSD, unless BTC_PRICE is newer by more than PRICE_SOURCE_LEAD_DAYS."""
    fred, other = clean(data, "CBBTCUSD"), clean(data, "BTC_PRICE")
    if fred.empty or (not other.empty and (other.index[-1] - fred.index[-1]).days > PRICE_SOURCE_LEAD_DAYS):
        return ("BTC_PRICE", other) if not other.empty else ("CBBTCUSD", fred)
    return "CBBTCUSD", fred


def production_cost(
    hashrate_hs: Amount, btc_per_day: Amount, *, efficiency_j_per_th: float, power_usd_per_kwh: float
) -> Amount:
    """Energy cost of mining one bitcoin: network power draw times power price over coins mined a day.

    Works on single values and, element by element, on aligned series (the chart's cost over time).
    """
    watts = hashrate_hs / 1e12 * efficiency_j_per_th
    kwh_per_day = watts * 24 / 1000
    if isinstance(btc_per_day, float | int) and not btc_per_day:  # no coins mined: no cost per coin (NaN)
        return cast(Amount, math.nan)
    return kwh_per_day * power_usd_per_kwh / btc_per_day


def cost_series(data: Mapping[str, pd.Series], efficiency: float, power: float) -> pd.Series:
    """Production cost per bitcoin over time, with the same smoothing and formula as the miner_cost figure."""
    hr = data.get("BTC_HASHRATE", pd.Series(dtype=float)).dropna()
    rev = data.get("BTC_ISSUANCE", pd.Series(dtype=float)) + data.get("BTC_FEES", pd.Series(dtype=float))
    rev = rev.dropna()
    if hr.empty or rev.empty:
        return pd.Series(dtype=float)
    hr7 = hr.rolling(SMOOTH_DAYS).mean()
    rev7 = rev.rolling(SMOOTH_DAYS).mean()
    return production_cost(hr7, rev7, efficiency_j_per_th=efficiency, power_usd_per_kwh=power).dropna()


def price(data: Data, ctx: Context) -> list[Figure]:
    """The latest price and its drawdown from the all-time high in the data."""
    sid, s = price_series(data)
    if s.empty:
        why = missing_reason(["CBBTCUSD", "BTC_PRICE"], ctx)
        return [
            unavailable("btc_price", "USD", ctx, reason_key="reason.no_data", **why),
            unavailable("btc_drawdown", "percent", ctx, reason_key="reason.no_data", **why),
        ]
    d, p = s.index[-1].date(), float(s.iloc[-1])
    hi_d, hi = s.idxmax().date(), float(s.max())
    dd = (ratio_of(p, hi) - 1) * 100
    return [
        make(
            "btc_price",
            p,
            unit="USD",
            sources=[Source(sid, d)],
            ctx=ctx,
            text_key="text.btc_price",
            price=per_lang(money, p),
            date=per_lang(date, d),
        ),
        make(
            "btc_drawdown",
            dd,
            unit="percent",
            sources=[Source(sid, hi_d), Source(sid, d)],
            ctx=ctx,
            text_key="text.btc_drawdown",
            detail={"high": hi, "high_date": hi_d.isoformat()},
            drawdown=per_lang(percent, abs(dd)),
            high=per_lang(money, hi),
            high_date=per_lang(date, hi_d),
        ),
    ]


def miner_cost(data: Data, ctx: Context) -> list[Figure]:
    """Production cost per bitcoin, its sensitivity to assumptions, hash rate and price-to-cost."""
    hr = clean(data, "BTC_HASHRATE")
    iss = clean(data, "BTC_ISSUANCE")
    fees = clean(data, "BTC_FEES")
    missing = [sid for sid, s in (("BTC_HASHRATE", hr), ("BTC_ISSUANCE", iss), ("BTC_FEES", fees)) if s.empty]
    revenue = (iss + fees).dropna()
    if missing or revenue.empty:
        cost_missing = _cost_unavailable(missing or ["BTC_ISSUANCE", "BTC_FEES"], ctx)
        if hr.empty:
            cost_missing.append(
                unavailable("hashrate", "H/s", ctx, reason_key="reason.no_data", **missing_reason(missing, ctx))
            )
        return cost_missing
    hr_d, rev_d = hr.index[-1].date(), revenue.index[-1].date()
    hr_avg = float(hr.iloc[-SMOOTH_DAYS:].mean())
    per_day = float(revenue.iloc[-SMOOTH_DAYS:].mean())
    cost = production_cost(
        hr_avg, per_day, efficiency_j_per_th=ctx.miner_efficiency_j_per_th, power_usd_per_kwh=ctx.power_usd_per_kwh
    )
    srcs = [Source("BTC_HASHRATE", hr_d), Source("BTC_ISSUANCE", rev_d), Source("BTC_FEES", rev_d)]
    hashrate_fig = make(
        "hashrate",
        hr_avg,
        unit="H/s",
        sources=[Source("BTC_HASHRATE", hr_d)],
        ctx=ctx,
        text_key="text.hashrate",
        level=per_lang(hashrate, hr_avg),
        date=per_lang(date, hr_d),
        n=SMOOTH_DAYS,
    )
    return [
        hashrate_fig,
        _miner_cost_figure(cost, srcs, hashrate_hs=hr_avg, btc_per_day=per_day, ctx=ctx),
        *_price_to_cost(data, cost, srcs=srcs, ctx=ctx),
    ]


def _cost_unavailable(missing: list[str], ctx: Context) -> list[Figure]:
    """The cost and price-to-cost figures when an input is missing."""
    why = missing_reason(missing, ctx)
    return [
        unavailable("miner_cost", "USD", ctx, reason_key="reason.no_data", **why),
        unavailable("btc_price_to_cost", "ratio", ctx, reason_key="reason.no_data", **why),
        unavailable("break_even_power_price", "USD/kWh", ctx, reason_key="reason.no_data", **why),
    ]


def sensitivity(hashrate_hs: float, btc_per_day: float) -> list[list[float]]:
    """The production cost for each machine efficiency (rows) and power price (columns) of the sensitivity table."""
    return [
        [
            production_cost(hashrate_hs, btc_per_day, efficiency_j_per_th=e, power_usd_per_kwh=p)
            for p in SENSITIVITY_POWER
        ]
        for e in SENSITIVITY_EFFICIENCY
    ]


def _miner_cost_figure(
    cost: float, srcs: list[Source], *, hashrate_hs: float, btc_per_day: float, ctx: Context
) -> Figure:
    """The production cost at the edition's assumptions, with its inputs and sensitivity in the detail."""
    detail = {
        "efficiency_j_per_th": ctx.miner_efficiency_j_per_th,
        "power_usd_per_kwh": ctx.power_usd_per_kwh,
        "hashrate_hs": hashrate_hs,
        "btc_per_day": btc_per_day,
        "smooth_days": SMOOTH_DAYS,
        "sensitivity": {
            "power_usd_per_kwh": list(SENSITIVITY_POWER),
            "efficiency_j_per_th": list(SENSITIVITY_EFFICIENCY),
            "cost": sensitivity(hashrate_hs, btc_per_day),
        },
    }
    return make(
        "miner_cost",
        cost,
        unit="USD",
        sources=srcs,
        ctx=ctx,
        text_key="text.miner_cost",
        detail=detail,
        cost=per_lang(about_money, cost),
        eff=f"{ctx.miner_efficiency_j_per_th:g}",
        power=f"{ctx.power_usd_per_kwh:.3f}".rstrip("0"),
        per_day=per_lang(lambda v, lang: btc(v, lang), btc_per_day),
    )


def margin_of(ratio_price_to_cost: float) -> float:
    """The margin, (price - cost) / price, in percent, from price / cost: 17% at 1.21x (negative below 1x)."""
    return (1 - ratio_of(1, ratio_price_to_cost)) * 100


def markup_of(ratio_price_to_cost: float) -> float:
    """The mark-up, (price - cost) / cost, in percent, from price / cost: 21% at 1.21x."""
    return (ratio_price_to_cost - 1) * 100


def break_even_power(price_usd: float, cost_usd: float, power_usd_per_kwh: float) -> float:
    """The power price (US$/kWh) at which the electricity cost of a coin equals its price: cost is proportional
    to the power price, so it is today's power price times price / cost."""
    return power_usd_per_kwh * ratio_of(price_usd, cost_usd)


def _price_to_cost(data: Data, cost: float, *, srcs: list[Source], ctx: Context) -> list[Figure]:
    """The price over the electricity cost on the cost's day, with margin and mark-up; the break-even power price."""
    psid, held = price_series(data)
    # price and cost on the same day: the cost's (the later price would pair two dates in one ratio)
    cost_d = min(s.date for s in srcs if s.date is not None)
    p = held[held.index <= pd.Timestamp(cost_d)]
    if p.empty:
        why = missing_reason([psid] if not held.empty else ["CBBTCUSD", "BTC_PRICE"], ctx)
        return [
            unavailable("btc_price_to_cost", "ratio", ctx, reason_key="reason.no_data", **why),
            unavailable("break_even_power_price", "USD/kWh", ctx, reason_key="reason.no_data", **why),
        ]
    pd_, pv = p.index[-1].date(), float(p.iloc[-1])
    r = ratio_of(pv, cost)
    margin, markup = margin_of(r), markup_of(r)
    sources = [Source(psid, pd_), *srcs]
    be = break_even_power(pv, cost, ctx.power_usd_per_kwh)
    return [
        make(
            "btc_price_to_cost",
            r,
            unit="ratio",
            sources=sources,
            ctx=ctx,
            text_key="text.price_to_cost_above" if r >= 1 else "text.price_to_cost_below",
            detail={"price": pv, "cost": cost, "margin_pct": margin, "markup_pct": markup},
            ratio=per_lang(times, r),
            date=per_lang(date, pd_),
            paired=[psid],
            margin=per_lang(percent, abs(margin), decimals=0),
            markup=per_lang(percent, abs(markup), decimals=0),
        ),
        make(
            "break_even_power_price",
            be,
            unit="USD/kWh",
            sources=sources,
            ctx=ctx,
            text_key="text.break_even_power",
            detail={"efficiency_j_per_th": ctx.miner_efficiency_j_per_th, "price": pv, "cost": cost},
            eff=f"{ctx.miner_efficiency_j_per_th:g}",
            price=per_lang(money, pv),
            date=per_lang(date, pd_),
            paired=[psid],
            power=per_lang(power_price, be),
        ),
    ]


@dataclass(frozen=True)
class Adjustment:
    """One difficulty adjustment: the first day of the new level and the relative change."""

    day: dt.date
    level: float
    change: float  # fraction, -0.04 for a 4% drop


def adjustments(s: pd.Series) -> list[Adjustment]:
    """Difficulty adjustments from a daily difficulty series.

    Difficulty holds for ~2016 blocks, so a daily series shows plateaus. A daily *mean* blends the two levels on
    the day of an adjustment: single-day runs between plateaus are skipped, except the latest.
    """
    s = s.dropna()
    runs: list[list] = []  # [first day, value, length]
    for ts, v in s.items():
        if runs and abs(v - runs[-1][1]) <= PLATEAU_TOLERANCE * abs(v):
            runs[-1][2] += 1
        else:
            runs.append([ts, float(v), 1])
    plateaus = [r for i, r in enumerate(runs) if r[2] >= 2 or i == len(runs) - 1]
    return [
        Adjustment(cur[0].date(), cur[1], ratio_of(cur[1], prev[1]) - 1) for prev, cur in itertools.pairwise(plateaus)
    ]


def spacing_days(s: pd.Series) -> float:
    """The typical days between a series' recent observations (the median of the last DIFFICULTY_SPACING_WINDOW)."""
    recent = s.index[-DIFFICULTY_SPACING_WINDOW:]
    if len(recent) < 2:
        return 1.0
    return float(pd.Series(recent).diff().dt.days.dropna().median())


def difficulty(data: Data, ctx: Context) -> list[Figure]:
    """The latest difficulty adjustment and, for a drop, the last time it fell as much.

    Only exact daily difficulty dates an adjustment (Coin Metrics DiffMean plateaus, mempool.space's events): a
    7-day average blends two adjustments into one and dates it days late, so it is refused with the reason.
    """
    s = clean(data, "BTC_DIFFICULTY")
    if s.empty and not clean(data, AVERAGED_DIFFICULTY).empty:
        return [unavailable("difficulty_change", "percent_change", ctx, reason_key="reason.difficulty_averaged")]
    spacing = spacing_days(s) if not s.empty else 1.0
    if spacing > DIFFICULTY_MAX_SPACING_DAYS:
        return [
            unavailable(
                "difficulty_change",
                "percent_change",
                ctx,
                reason_key="reason.difficulty_not_daily",
                gap=per_lang(days, spacing),
            )
        ]
    adj = adjustments(s) if not s.empty else []
    if not adj:
        return [
            unavailable(
                "difficulty_change",
                "percent_change",
                ctx,
                reason_key="reason.no_data",
                **missing_reason(["BTC_DIFFICULTY"], ctx),
            )
        ]
    last = adj[-1]
    pct = last.change * 100
    values: dict[str, Any] = {"change": per_lang(percent, abs(pct), decimals=2), "date": per_lang(date, last.day)}
    detail: dict[str, object] = {
        "date": last.day.isoformat(),
        "level": last.level,
        "history": [(a.day.isoformat(), a.change * 100) for a in adj[-DIFFICULTY_HISTORY:]],
    }
    if last.change >= 0:
        key = "text.difficulty_up"
    else:
        bigger = [a for a in adj[:-1] if a.change <= last.change]
        if bigger:
            since = bigger[-1].day
            key = "text.difficulty_drop_since"
            detail["largest_drop_since"] = since.isoformat()
            values["since"] = per_lang(month, since)
        else:
            key = "text.difficulty_drop_record"
            values["since"] = per_lang(month, adj[0].day)
    return [
        make(
            "difficulty_change",
            pct,
            unit="percent_change",
            sources=[Source("BTC_DIFFICULTY", s.index[-1].date())],
            ctx=ctx,
            text_key=key,
            detail=detail,
            **values,
        )
    ]


def supply_in_loss(data: Data, ctx: Context) -> list[Figure]:
    """Coins held below their acquisition price, in BTC and as a share of supply."""
    s = clean(data, "BTC_SUPPLY_IN_LOSS")
    if s.empty:
        why = missing_reason(["BTC_SUPPLY_IN_LOSS"], ctx)
        return [
            unavailable("supply_in_loss", "BTC", ctx, reason_key="reason.no_data", **why),
            unavailable("supply_in_loss_share", "percent", ctx, reason_key="reason.no_data", **why),
        ]
    d, v = s.index[-1].date(), float(s.iloc[-1])
    out = [
        make(
            "supply_in_loss",
            v,
            unit="BTC",
            sources=[Source("BTC_SUPPLY_IN_LOSS", d)],
            ctx=ctx,
            text_key="text.supply_in_loss",
            amount=per_lang(btc, v),
            date=per_lang(date, d),
        )
    ]
    sup = clean(data, "BTC_SUPPLY")
    sup = sup[sup.index <= pd.Timestamp(d)]
    if sup.empty:
        out.append(
            unavailable(
                "supply_in_loss_share",
                "percent",
                ctx,
                reason_key="reason.no_data",
                **missing_reason(["BTC_SUPPLY"], ctx),
            )
        )
    else:
        sd, sv = sup.index[-1].date(), float(sup.iloc[-1])
        share = ratio_of(v, sv) * 100
        out.append(
            make(
                "supply_in_loss_share",
                share,
                unit="percent",
                sources=[Source("BTC_SUPPLY_IN_LOSS", d), Source("BTC_SUPPLY", sd)],
                ctx=ctx,
                text_key="text.supply_in_loss_share",
                share=per_lang(percent, share),
                supply=per_lang(btc, sv),
            )
        )
    return out
