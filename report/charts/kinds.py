"""The charts of the catalogue, one function each: ``fig`` and a ``ChartCtx`` in, the axes drawn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display; must precede any pyplot import elsewhere

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure

from report.charts.base import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    RED,
    ChartCtx,
    ChartFn,
    NoData,
    Note,
    _right_axis,
    _scaled_axis,
    _thin,
)
from report.figures import Figure
from report.figures.bitcoin import SMOOTH_DAYS, cost_series, price_series
from report.figures.macro import INFLATION_TARGET, on_month_grid, payroll_changes, yoy
from report.figures.model import in_force
from report.figures.onchain import hashprice_series, liquidity_changes
from report.figures.plumbing import NET_LIQUIDITY_PARTS, net_liquidity_series
from report.i18n import money


def _reserves(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    res = _thin(data.get("WRESBAL", pd.Series(dtype=float)), c.start)
    if res.empty:
        raise NoData
    ax.plot(res.index, res / 1e12, color=BLUE, label=c.label("reserves"))
    c.mark(ax, res / 1e12, BLUE)
    ax.set_ylabel(c.axis("left"))
    gdp = data.get("GDP", pd.Series(dtype=float)).dropna()
    if not gdp.empty:
        share = (res / in_force(gdp, res.index) * 100).dropna()
        ax2 = _right_axis(fig, ax, c)
        ax2.plot(share.index, share, color=ORANGE, lw=1.0, label=c.label("share"))
        c.mark(ax2, share, ORANGE, "right")


def _balance_sheet(fig: MplFigure, c: ChartCtx) -> None:
    data, figs = c.data, c.figs
    ax = fig.add_subplot()
    s = _thin(data.get("WALCL", pd.Series(dtype=float)), c.start)
    if s.empty:
        raise NoData
    ax.plot(s.index, s / 1e12, color=BLUE, label=c.label("walcl"))
    c.mark(ax, s / 1e12, BLUE)
    # Treasury holdings: what the purchase scenarios are measured on once they have begun
    tr = _thin(data.get("TREAST", pd.Series(dtype=float)), c.start)
    if not tr.empty:
        ax.plot(tr.index, tr / 1e12, color=PURPLE, lw=1.0, label=c.label("treast"))
        c.mark(ax, tr / 1e12, PURPLE)
    pk = figs.get("qt_runoff")
    if pk is not None and pk.available:
        _runoff_bracket(ax, c, pk)
    for i, f in enumerate(x for x in figs.values() if x.key.startswith("rmp_") and x.available):
        path = f.detail["path"]
        xs = [pd.Timestamp(d) for d, _ in path]
        ys = [v / 1e12 for _, v in path]
        if f.detail.get("mode") != "actual_vs_scenario":  # a projection starts from the latest level
            xs, ys = [s.index[-1], *xs], [s.iloc[-1] / 1e12, *ys]
        monthly = {lang: money(f.detail["monthly"], lang) for lang in c.langs}
        ax.plot(
            xs,
            ys,
            ls="--",
            lw=1.1,
            color=(GREEN, ORANGE, GREY)[i % 3],
            label=c.label("scenario", monthly=monthly),
        )
    ax.set_ylabel(c.axis("left"))


def _runoff_bracket(ax: Axes, c: ChartCtx, pk: Figure) -> None:
    """QT runoff drawn as the drop it is: the peak, a dotted line at its level out to the end of QT, an arrow from
    there down to the level QT ended at, and the amount beside the arrow where no line runs."""
    d = pk.detail
    top, bottom = d["peak"] / 1e12, d["end_level"] / 1e12
    peak_x, end_x = pd.Timestamp(d["peak_date"]), pd.Timestamp(d["end_date"])
    ax.scatter([peak_x], [top], color=RED, zorder=3, s=14, label=c.label("peak"))
    ax.plot([peak_x, end_x], [top, top], color=RED, lw=0.7, ls=":")
    ax.annotate(
        "",
        xy=(end_x, bottom),
        xytext=(end_x, top),
        arrowprops={"arrowstyle": "-|>", "color": RED, "lw": 0.8, "shrinkA": 0, "shrinkB": 0, "mutation_scale": 6},
    )
    runoff = {lang: money(pk.value or 0.0, lang) for lang in c.langs}
    mid = (top + bottom) / 2
    spots = (
        (end_x, top, -4.0, -3.0, "right", "top"),  # left of the arrow, under the dotted peak line
        (end_x, mid, 4.0, 0.0, "left", "center"),  # right of the arrow, halfway down
        (end_x, bottom, -4.0, -4.0, "right", "top"),  # left of the arrow's foot, under the line
        (end_x, mid, -4.0, 0.0, "right", "center"),  # left of the arrow, halfway down
    )
    narrow = {lang: "\n" + v for lang, v in runoff.items()}  # the amount on a line of its own
    texts = (
        c.label("runoff", sep="\n", runoff=runoff),
        c.label("runoff", sep="\n", runoff=narrow).replace(" \n", "\n"),
    )
    above = (end_x, top, -4.0, 3.0, "right", "bottom")  # over the dotted peak line, in room made above it
    c.notes.append(Note(ax, texts, RED, spots, above))


def _net_liquidity(fig: MplFigure, c: ChartCtx) -> None:
    """Net liquidity on Wednesdays with its parts: total assets, the TGA and ON RRP (US$ trillion)."""
    data = c.data
    parts = [data.get(sid, pd.Series(dtype=float)).dropna() for sid in NET_LIQUIDITY_PARTS]
    net = _thin(net_liquidity_series(*parts), c.start)
    if net.empty:
        raise NoData
    ax = fig.add_subplot()
    ax.plot(net.index, net / 1e12, color=BLUE, lw=1.6, label=c.label("net"))
    c.mark(ax, net / 1e12, BLUE)
    walcl, tga, rrp = (_thin(s, c.start) for s in parts)
    ax.plot(walcl.index, walcl / 1e12, color=GREY, lw=0.9, label=c.label("walcl"))
    ax.plot(tga.index, tga / 1e12, color=ORANGE, lw=1.0, label=c.label("tga"))
    c.mark(ax, tga / 1e12, ORANGE)
    ax.plot(rrp.index, rrp / 1e12, color=GREEN, lw=1.0, label=c.label("on_rrp"))
    c.mark(ax, rrp / 1e12, GREEN)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(c.axis("left"))


def _btc_liquidity(fig: MplFigure, c: ChartCtx) -> None:
    """The two series the correlation statistic compares: 13-week changes in net liquidity (left, percent) and in
    the bitcoin price (right, percent, a wider scale), on the same Wednesdays."""
    changes = liquidity_changes(c.data)[1] * 100
    if changes.empty or (changes := changes[changes.index >= c.start]).empty:
        raise NoData
    ax = fig.add_subplot()
    ax.axhline(0, color="#666666", lw=0.6)
    ax.plot(changes.index, changes["net"], color=BLUE, lw=1.4, label=c.label("net_change"))
    c.mark(ax, changes["net"], BLUE)
    ax.set_ylabel(c.axis("left"))
    ax2 = _right_axis(fig, ax, c)
    ax2.plot(changes.index, changes["price"], color=ORANGE, lw=1.0, label=c.label("price_change"))
    c.mark(ax2, changes["price"], ORANGE, "right")
    _align_zero(ax, ax2, floor2=-100.0)


def _align_zero(ax: Axes, ax2: Axes, *, floor2: float | None = None) -> None:
    """Both y axes with zero at the same height, so a rise on one is a rise on the other: each keeps its data in
    view and extends one end until zero sits at a shared height (between 5% and 95%). ``floor2`` is the lowest the
    right axis may go (a price change cannot fall below -100%): zero is then placed low enough to respect it."""

    def zero_at(lo: float, hi: float) -> float:
        return min(max(-lo / (hi - lo), 0.0), 1.0) if hi > lo else 0.5

    f = max(zero_at(*ax.get_ylim()), zero_at(*ax2.get_ylim()))
    hi2 = ax2.get_ylim()[1]
    if floor2 is not None and hi2 > 0:
        f = min(f, -floor2 / (hi2 - floor2))
    f = min(max(f, 0.05), 0.95)
    for a in (ax, ax2):
        lo, hi = a.get_ylim()
        if zero_at(lo, hi) < f:
            a.set_ylim(-f * max(hi, 1e-9) / (1 - f), hi)
        else:
            a.set_ylim(lo, -min(lo, -1e-9) * (1 - f) / f)


def _m2(fig: MplFigure, c: ChartCtx) -> None:
    data, figs = c.data, c.figs
    ax = fig.add_subplot()
    s = _thin(data.get("M2SL", pd.Series(dtype=float)), c.start)
    if s.empty:
        raise NoData
    ax.plot(s.index, s / 1e12, color=BLUE, label=c.label("m2"))
    c.mark(ax, s / 1e12, BLUE)
    pk = figs.get("m2_prior_peak")
    if pk is not None and pk.available and pk.value is not None:
        ax.axhline(pk.value / 1e12, color=RED, lw=0.8, ls="--", label=c.label("prior_peak"))
        ax.scatter([pd.Timestamp(pk.detail["peak_date"])], [pk.value / 1e12], color=RED, s=14, zorder=3)
    ax.set_ylabel(c.axis("left"))


def _sofr(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    sofr = data.get("SOFR", pd.Series(dtype=float)).dropna()
    sofr = sofr[sofr.index >= c.start] if not sofr.empty else sofr
    if sofr.empty:
        raise NoData
    idx = sofr.index
    band: dict[str, pd.Series | None] = {}
    for sid in ("DFEDTARL", "DFEDTARU", "IORB"):
        s = data.get(sid, pd.Series(dtype=float)).dropna()
        band[sid] = in_force(s, idx) if not s.empty else None
    lower, upper, iorb = band["DFEDTARL"], band["DFEDTARU"], band["IORB"]
    if lower is not None and upper is not None:
        ax.fill_between(idx, lower, upper, step="post", color="#d6e4f0", lw=0, label=c.label("range"))
    if iorb is not None:
        ax.step(idx, iorb, where="post", color=GREEN, lw=1.0, label=c.label("iorb"))
        c.mark(ax, iorb, GREEN)
    effr = data.get("EFFR", pd.Series(dtype=float)).dropna()
    effr = effr[effr.index >= c.start] if not effr.empty else effr
    if not effr.empty:  # the fed funds market beside the repo market
        ax.plot(effr.index, effr, color=ORANGE, lw=1.0, ls="--", label=c.label("effr"))
        c.mark(ax, effr, ORANGE)
    ax.plot(idx, sofr, color=BLUE, lw=1.1, label=c.label("sofr"))
    c.mark(ax, sofr, BLUE)
    if upper is not None:
        above = sofr[sofr > upper + 1e-9]
        if not above.empty:
            ax.scatter(above.index, above, color=RED, s=16, zorder=3, label=c.label("breach"))
    # the range covers the data and the whole band, with a little room
    shown = [x.dropna() for x in (sofr, lower, upper, iorb, effr) if x is not None]
    lo, hi = min(float(x.min()) for x in shown if not x.empty), max(float(x.max()) for x in shown if not x.empty)
    pad = max(0.05, (hi - lo) * 0.08)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_ylabel(c.axis("left"))


def _payrolls(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    s = data.get("PAYEMS", pd.Series(dtype=float)).dropna()
    chg = payroll_changes(on_month_grid(s)).dropna() if not s.empty else s
    chg = chg[chg.index >= c.start] if not chg.empty else chg
    if chg.empty:
        raise NoData
    colors = [RED if v < 0 else BLUE for v in chg]
    ax.bar(chg.index, chg, width=20, color=colors)
    ax.axhline(0, color="#666666", lw=0.6)
    c.mark(ax, chg, colors[-1])
    _scaled_axis(ax, c)


def _inflation(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    drawn = False
    for sid, key, color in (("PCEPILFE", "core_pce", BLUE), ("CPIAUCSL", "cpi", ORANGE)):
        s = data.get(sid, pd.Series(dtype=float)).dropna()
        if s.empty:
            continue
        g = yoy(on_month_grid(s)).dropna()
        g = g[g.index >= c.start]
        if not g.empty:
            ax.plot(g.index, g, color=color, label=c.label(key))
            c.mark(ax, g, color)
            drawn = True
    if not drawn:
        raise NoData
    ax.axhline(INFLATION_TARGET, color=RED, lw=0.8, ls="--", label=c.label("target"))
    ax.set_ylabel(c.axis("left"))


def _btc_cost(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    price = _thin(price_series(data)[1], c.start)
    if price.empty:
        raise NoData
    ax.plot(price.index, price, color=BLUE, label=c.label("price"))
    c.mark(ax, price, BLUE)
    cost = _thin(cost_series(data, c.settings.miner_efficiency_j_per_th, c.settings.power_usd_per_kwh), c.start)
    if not cost.empty:
        ax.plot(cost.index, cost, color=RED, lw=1.1, label=c.label("cost"))
        c.mark(ax, cost, RED)
        ax.fill_between(
            cost.index, cost, price.reindex(cost.index).ffill(), where=None, color="#f3d9d5", alpha=0.5, lw=0
        )
    _scaled_axis(ax, c)


def _cost_basis(fig: MplFigure, c: ChartCtx) -> None:
    """The price against the realised price (or the price over MVRV); above it the average holder is in profit."""
    data = c.data
    price = _thin(price_series(data)[1], c.start)
    realised = data.get("BTC_REALIZED_PRICE", pd.Series(dtype=float)).dropna()
    if realised.empty:
        mvrv = data.get("BTC_MVRV", pd.Series(dtype=float)).dropna()
        realised = (price / mvrv).dropna() if not mvrv.empty else realised
    realised = _thin(realised, c.start)
    if price.empty or realised.empty:
        raise NoData
    ax = fig.add_subplot()
    ax.plot(price.index, price, color=BLUE, label=c.label("price"))
    c.mark(ax, price, BLUE)
    ax.plot(realised.index, realised, color=ORANGE, lw=1.1, label=c.label("realised"))
    c.mark(ax, realised, ORANGE)
    common = realised.index.intersection(price.index)
    ax.fill_between(common, realised.reindex(common), price.reindex(common), color="#dbe7f3", alpha=0.6, lw=0)
    _scaled_axis(ax, c)


def _etf_flows(fig: MplFigure, c: ChartCtx) -> None:
    """Spot-ETF net flows summed by week (weeks ending Friday), outflows in red."""
    flows = c.data.get("BTC_ETF_FLOW", pd.Series(dtype=float)).dropna()
    weekly = flows.resample("W-FRI").sum() if not flows.empty else flows
    weekly = weekly[weekly.index >= c.start] if not weekly.empty else weekly
    if weekly.empty:
        raise NoData
    ax = fig.add_subplot()
    colors = [RED if v < 0 else BLUE for v in weekly]
    ax.bar(weekly.index, weekly, width=5, color=colors)
    ax.axhline(0, color="#666666", lw=0.6)
    c.mark(ax, weekly, colors[-1])
    _scaled_axis(ax, c)


def _hashrate(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    hr = data.get("BTC_HASHRATE", pd.Series(dtype=float)).dropna()
    hr7 = _thin(hr.rolling(SMOOTH_DAYS).mean(), c.start) if not hr.empty else hr
    if hr7.empty:
        raise NoData
    ax.plot(hr7.index, hr7 / 1e18, color=BLUE, label=c.label("hashrate"))
    c.mark(ax, hr7 / 1e18, BLUE)
    ax.set_ylabel(c.axis("left"))
    diff = data.get("BTC_DIFFICULTY", pd.Series(dtype=float)).dropna()
    diff = diff[diff.index >= c.start] if not diff.empty else diff
    if not diff.empty:
        ax2 = _right_axis(fig, ax, c)
        ax2.step(diff.index, diff / 1e12, where="post", color=ORANGE, lw=1.0, label=c.label("difficulty"))
        c.mark(ax2, diff / 1e12, ORANGE, "right")
        ax2.margins(y=0.1)  # headroom above the highest step
    ax.margins(y=0.1)


def _hashprice(fig: MplFigure, c: ChartCtx) -> None:
    """Miners' revenue a day per PH/s over a rolling seven days (US$)."""
    hp = _thin(hashprice_series(c.data), c.start)
    if hp.empty:
        raise NoData
    ax = fig.add_subplot()
    ax.plot(hp.index, hp, color=BLUE, lw=1.2, label=c.label("hashprice"))
    c.mark(ax, hp, BLUE)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(c.axis("left"))


def _supply_in_loss(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    s = _thin(data.get("BTC_SUPPLY_IN_LOSS", pd.Series(dtype=float)), c.start)
    if s.empty:
        raise NoData
    ax.fill_between(s.index, 0, s, color="#f3d9d5", lw=0)
    ax.plot(s.index, s, color=RED, lw=1.1, label=c.label("in_loss"))
    c.mark(ax, s, RED)
    ax.set_ylim(bottom=0)
    _scaled_axis(ax, c)


CHARTS: dict[str, ChartFn] = {
    "reserves": _reserves,
    "balance_sheet": _balance_sheet,
    "sofr": _sofr,
    "net_liquidity": _net_liquidity,
    "btc_liquidity": _btc_liquidity,
    "m2": _m2,
    "payrolls": _payrolls,
    "inflation": _inflation,
    "btc_cost": _btc_cost,
    "cost_basis": _cost_basis,
    "etf_flows": _etf_flows,
    "hashrate": _hashrate,
    "hashprice": _hashprice,
    "supply_in_loss": _supply_in_loss,
}
