"""Bitcoin's cost basis and flows: realised price and MVRV, hashprice, and spot-ETF net flows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from report.figures.bitcoin import SMOOTH_DAYS, price_series
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
    ratio_of,
    unavailable,
)
from report.figures.plumbing import NET_LIQUIDITY_PARTS, net_liquidity_series
from report.i18n import btc, date, money, number, per_lang, percent
from report.i18n import days as days_words

ETF_WINDOW_DAYS = 28  # four weeks of ETF flows
ETF_WEEK_DAYS = 7
EXCHANGE_CHANGE_DAYS = 30  # the exchange balance is compared with 30 days earlier
EXCHANGE_FLAT_PCT = 0.5  # a 30-day change smaller than this share of the balance (percent) is "broadly flat"
PH = 1e15  # hashes per second in a petahash per second


CORRELATION_WEEKS = 104  # two years of Wednesdays
CHANGE_WEEKS = 13  # the changes correlated: over 13 weeks (a quarter)
MIN_WEEKS = 52  # fewer paired changes than this: too few to say anything


def onchain(data: Data, ctx: Context) -> list[Figure]:
    """Realised price and MVRV, hashprice, spot-ETF flows, and whether bitcoin has tracked net liquidity."""
    return [
        *_cost_basis(data, ctx),
        _hashprice(data, ctx),
        *_etf_flows(clean(data, "BTC_ETF_FLOW"), ctx),
        *_exchange_balance(clean(data, "BTC_EXCHANGE_SUPPLY"), ctx),
        _liquidity_link(data, ctx),
    ]


def liquidity_changes(data: Data) -> tuple[str, pd.DataFrame]:
    """13-week percentage changes in net liquidity (column ``net``) and in the bitcoin price (``price``) on the
    Wednesdays of the last two years (the price of each Wednesday, or the day before it when it has none); the
    price series used is named first. Empty when either is missing."""
    psid, price = price_series(data)
    return psid, _changes(net_liquidity_series(*(clean(data, sid) for sid in NET_LIQUIDITY_PARTS)), price)


def _changes(net: pd.Series, price: pd.Series) -> pd.DataFrame:
    """``liquidity_changes`` from the two series themselves."""
    if net.empty or price.empty:
        return pd.DataFrame(columns=["net", "price"], dtype="float64")
    weeks = net.index[-(CORRELATION_WEEKS + CHANGE_WEEKS) :]
    px = in_force(price, weeks)
    both = pd.concat([net.reindex(weeks).rename("net"), px.rename("price")], axis=1).dropna()
    return both.pct_change(CHANGE_WEEKS).dropna().iloc[-CORRELATION_WEEKS:]


def _liquidity_link(data: Data, ctx: Context) -> Figure:
    """The correlation of 13-week percentage changes in net liquidity and in the bitcoin price over two years.
    Overlapping changes are not independent: the figure describes co-movement, it does not test it."""
    key = "btc_liquidity_correlation"
    psid, price = price_series(data)
    parts = [clean(data, sid) for sid in NET_LIQUIDITY_PARTS]
    net = net_liquidity_series(*parts)
    if net.empty or price.empty:
        missing = [sid for sid, s in zip((*NET_LIQUIDITY_PARTS, psid), (*parts, price), strict=True) if s.empty]
        return unavailable(key, "correlation", ctx, reason_key="reason.no_data", **missing_reason(missing, ctx))
    changes = _changes(net, price)
    if len(changes) < MIN_WEEKS:
        return unavailable(key, "correlation", ctx, reason_key="reason.too_few_weeks", weeks=str(MIN_WEEKS))
    r = float(changes["net"].corr(changes["price"]))
    first, last = changes.index[0].date(), changes.index[-1].date()
    reach = (changes.index[0] - pd.Timedelta(weeks=CHANGE_WEEKS)).date()  # the first change starts 13 weeks earlier
    return make(
        key,
        r,
        unit="correlation",
        sources=[
            *(Source(sid, d) for sid in NET_LIQUIDITY_PARTS for d in (reach, last)),
            Source(psid, reach),
            Source(psid, last),
        ],
        ctx=ctx,
        text_key="text.btc_liquidity_correlation",
        detail={
            "weeks": len(changes),
            "change_weeks": CHANGE_WEEKS,
            "start": first.isoformat(),
            "end": last.isoformat(),
        },
        paired=[*NET_LIQUIDITY_PARTS, psid],
        r={lang: number(r, lang, 2) for lang in ("en", "zh-Hant")},
        n=len(changes),
        k=CHANGE_WEEKS,
        start=per_lang(date, first),
        end=per_lang(date, last),
    )


def _cost_basis(data: Data, ctx: Context) -> list[Figure]:
    """The realised price (the average price at which every coin last moved) and MVRV (price over it): from a
    realised-price series with the price of the same day, or from an MVRV series (Coin Metrics) with the price."""
    psid, price = price_series(data)
    realised, mvrv = clean(data, "BTC_REALIZED_PRICE"), clean(data, "BTC_MVRV")
    if price.empty or (realised.empty and mvrv.empty):
        missing = [sid for sid, s in ((psid, price), ("BTC_REALIZED_PRICE", realised)) if s.empty]
        why = missing_reason(missing, ctx)
        return [
            unavailable("realized_price", "USD", ctx, reason_key="reason.no_data", **why),
            unavailable("mvrv", "ratio", ctx, reason_key="reason.no_data", **why),
        ]
    if not realised.empty:  # the realised price itself, on a day that has a price
        both = pd.concat([realised, price], axis=1, join="inner").dropna()
        basis_sid = "BTC_REALIZED_PRICE"
    else:
        both = pd.concat([price / mvrv, price], axis=1, join="inner").dropna()
        basis_sid = "BTC_MVRV"
    if both.empty:
        why = missing_reason([psid, basis_sid], ctx)
        return [
            unavailable("realized_price", "USD", ctx, reason_key="reason.no_data", **why),
            unavailable("mvrv", "ratio", ctx, reason_key="reason.no_data", **why),
        ]
    d = both.index[-1].date()
    basis, px = float(both.iloc[-1, 0]), float(both.iloc[-1, 1])
    ratio = ratio_of(px, basis)
    sources = [Source(basis_sid, d), Source(psid, d)]
    values: dict[str, Any] = {"date": per_lang(date, d), "basis": per_lang(money, basis), "price": per_lang(money, px)}
    return [
        make(
            "realized_price",
            basis,
            unit="USD",
            sources=sources,
            ctx=ctx,
            text_key="text.realized_price",
            paired=[basis_sid],  # read on the price's day: the price's age is the figure's
            **values,
        ),
        make(
            "mvrv",
            ratio,
            unit="ratio",
            sources=sources,
            ctx=ctx,
            text_key="text.mvrv_above" if ratio >= 1 else "text.mvrv_below",
            paired=[basis_sid],  # read on the price's day: the price's age is the figure's
            mvrv={lang: number(ratio, lang, 2) for lang in ("en", "zh-Hant")},
            **values,
        ),
    ]


def hashprice_series(data: Data) -> pd.Series:
    """Hashprice a day (US$ per PH/s), over a rolling seven days as the figure takes it (empty without its inputs)."""
    price = price_series(data)[1]
    hr, iss, fees = (clean(data, sid) for sid in ("BTC_HASHRATE", "BTC_ISSUANCE", "BTC_FEES"))
    if price.empty or hr.empty or iss.empty or fees.empty:
        return pd.Series(dtype="float64")
    both = pd.concat([((iss + fees) * price).rename("usd"), hr.rename("hr")], axis=1, join="inner").dropna()
    rolled = both.rolling(SMOOTH_DAYS).mean().dropna()
    return rolled["usd"] / (rolled["hr"] / PH)


def _hashprice(data: Data, ctx: Context) -> Figure:
    """Miners' revenue a day per PH/s of hash rate, in US dollars (subsidy plus fees at the day's price), over
    the same seven days the miner cost uses."""
    psid, price = price_series(data)
    hr, iss, fees = (clean(data, sid) for sid in ("BTC_HASHRATE", "BTC_ISSUANCE", "BTC_FEES"))
    missing = [
        sid for sid, s in ((psid, price), ("BTC_HASHRATE", hr), ("BTC_ISSUANCE", iss), ("BTC_FEES", fees)) if s.empty
    ]
    usd = ((iss + fees) * price).dropna() if not missing else pd.Series(dtype="float64")
    if missing or usd.empty:
        return unavailable(
            "hashprice", "USD", ctx, reason_key="reason.no_data", **missing_reason(missing or [psid], ctx)
        )
    days = usd.index.intersection(hr.index)[-SMOOTH_DAYS:]
    if days.empty:
        return unavailable(
            "hashprice", "USD", ctx, reason_key="reason.no_data", **missing_reason(["BTC_HASHRATE"], ctx)
        )
    d = days[-1].date()
    value = float(usd.reindex(days).mean()) / (float(hr.reindex(days).mean()) / PH)
    return make(
        "hashprice",
        value,
        unit="USD",
        sources=[Source("BTC_HASHRATE", d), Source("BTC_ISSUANCE", d), Source("BTC_FEES", d), Source(psid, d)],
        ctx=ctx,
        text_key="text.hashprice",
        paired=[psid],  # the price of the hash rate's days: their age is the figure's
        detail={"days": len(days)},
        hashprice=per_lang(money, value),
        date=per_lang(date, d),
        n=len(days),
    )


def _etf_flows(flows: pd.Series, ctx: Context) -> list[Figure]:
    """Spot-ETF net flows summed over the four weeks and the week to the latest trading day."""
    keys = ("etf_net_flows_4w", "etf_net_flows_week")
    if flows.empty:
        why = missing_reason(["BTC_ETF_FLOW"], ctx)
        return [unavailable(k, "USD", ctx, reason_key="reason.no_data", **why) for k in keys]
    d = flows.index[-1].date()
    out = []
    for key, days in zip(keys, (ETF_WINDOW_DAYS, ETF_WEEK_DAYS), strict=True):
        start = d - dt.timedelta(days=days - 1)
        window = flows[flows.index >= pd.Timestamp(start)]
        total = float(window.sum())
        out.append(
            make(
                key,
                total,
                unit="USD",
                sources=[Source("BTC_ETF_FLOW", window.index[0].date()), Source("BTC_ETF_FLOW", d)],
                ctx=ctx,
                text_key=f"text.{key}_{'in' if total >= 0 else 'out'}",
                detail={"start": start.isoformat(), "days": len(window)},
                total=per_lang(money, abs(total)),
                start=per_lang(date, start),
                date=per_lang(date, d),
            )
        )
    return out


def _exchange_balance(held: pd.Series, ctx: Context) -> list[Figure]:
    """Bitcoin held on exchanges on the latest day, and its change from 30 days earlier (coins leaving exchanges
    are usually read as holders taking them into their own custody)."""
    keys = ("exchange_balance", "exchange_balance_30d_change")
    if held.empty:
        why = missing_reason(["BTC_EXCHANGE_SUPPLY"], ctx)
        return [unavailable(k, "BTC", ctx, reason_key="reason.no_data", **why) for k in keys]
    d, level = held.index[-1].date(), float(held.iloc[-1])
    level_fig = make(
        "exchange_balance",
        level,
        unit="BTC",
        sources=[Source("BTC_EXCHANGE_SUPPLY", d)],
        ctx=ctx,
        text_key="text.exchange_balance",
        level=per_lang(btc, level),
        date=per_lang(date, d),
    )
    base_day = d - dt.timedelta(days=EXCHANGE_CHANGE_DAYS)
    base = on_or_before(held, base_day)
    if base is None or (base_day - base[0]).days > 3:
        change_fig = unavailable(
            keys[1], "BTC", ctx, reason_key="reason.no_base", days=per_lang(days_words, EXCHANGE_CHANGE_DAYS)
        )
        return [level_fig, change_fig]
    bd, bv = base
    change = level - bv
    pct = ratio_of(change, bv) * 100
    flat = "flat_" if abs(pct) < EXCHANGE_FLAT_PCT else ""
    change_fig = make(
        keys[1],
        change,
        unit="BTC",
        sources=[Source("BTC_EXCHANGE_SUPPLY", bd), Source("BTC_EXCHANGE_SUPPLY", d)],
        ctx=ctx,
        text_key=f"text.exchange_balance_{flat}{'up' if change >= 0 else 'down'}",
        detail={"base": bv, "base_date": bd.isoformat(), "pct": pct},
        change=per_lang(btc, abs(change)),
        pct=per_lang(percent, abs(pct), decimals=2),
        base_date=per_lang(date, bd),
    )
    return [level_fig, change_fig]
