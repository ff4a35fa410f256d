"""The brief's charts: matplotlib's object API, the house style from ``charts/``, SVG (text kept as text) or PNG.

Each chart is drawn once per edition with labels in the edition's languages (Traditional Chinese above English),
from the same data and figures the text uses. Long daily histories are thinned to weekly points: a chart needs no
more points than it has pixels across.
"""

from __future__ import annotations

import datetime as dt
import io
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")  # no display; must precede any pyplot import elsewhere

import matplotlib.dates as mdates
import pandas as pd
from matplotlib import style
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure

from report.figures import Figure
from report.figures.bitcoin import SMOOTH_DAYS, cost_series, price_series
from report.figures.macro import INFLATION_TARGET, on_month_grid, payroll_changes, yoy
from report.i18n import money

RED = "#c0392b"
BLUE = "#1f4e79"
GREEN = "#2e8b57"
GREY = "#7f8c8d"
ORANGE = "#e67e22"
MAX_POINTS = 420
ChartFormat = Literal["svg", "png"]


@dataclass(frozen=True)
class Chart:
    """One rendered chart."""

    id: str
    section: int
    title: Mapping[str, str]
    sources: tuple[str, ...]
    data: bytes
    mime: str


@dataclass(frozen=True)
class ChartSettings:
    """Inputs a chart needs besides data: languages, cost assumptions and where the style lives."""

    langs: tuple[str, ...]
    style_dir: Path
    as_of: dt.date
    miner_efficiency_j_per_th: float
    power_usd_per_kwh: float
    font: str = "Noto Sans CJK TC"


def load_catalogue(style_dir: Path) -> dict[str, Any]:
    """The chart catalogue (``catalogue.toml``)."""
    return tomllib.loads((style_dir / "catalogue.toml").read_text(encoding="utf-8"))


def _text(entry: Mapping[str, str], langs: Sequence[str], sep: str = " ") -> str:
    """Text in the edition's languages; "$" escaped so matplotlib does not read it as mathtext."""
    parts: list[str] = []
    for lang in langs:
        if entry[lang] not in parts:
            parts.append(entry[lang])
    return sep.join(parts).replace("$", r"\$")


def _thin(s: pd.Series, start: pd.Timestamp) -> pd.Series:
    s = s[s.index >= start].dropna()
    if len(s) > MAX_POINTS:
        s = s.resample("W").last().dropna()
    return s


def _date_axis(ax: Axes, years: float) -> None:
    if years >= 3:
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    else:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, 3 if years >= 1 else 1)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))


def _no_data(ax: Axes, labels: Mapping[str, Any], langs: Sequence[str]) -> None:
    ax.text(
        0.5,
        0.5,
        _text(labels["no_data"], langs, "\n"),
        ha="center",
        va="center",
        transform=ax.transAxes,
        color=GREY,
    )
    ax.set_xticks([])
    ax.set_yticks([])


ChartFn = Callable[[MplFigure, "ChartCtx"], None]


@dataclass(frozen=True)
class ChartCtx:
    """What a chart function gets: its catalogue entry, legend labels, languages, start date, settings, the data
    and the figures."""

    spec: Mapping[str, Any]
    labels: Mapping[str, Any]
    langs: tuple[str, ...]
    start: pd.Timestamp
    settings: ChartSettings
    data: Mapping[str, pd.Series]
    figs: Mapping[str, Figure]

    def label(self, key: str, **values: Mapping[str, str]) -> str:
        """A legend label in the edition's languages; ``values`` are per language."""
        entry = {lang: self.labels[key][lang].format(**{k: v[lang] for k, v in values.items()}) for lang in self.langs}
        return _text(entry, self.langs)

    def axis(self, side: str) -> str:
        """An axis label in the edition's languages."""
        return _text(self.spec[side], self.langs, " / ") if side in self.spec else ""


def _right_axis(fig: MplFigure, ax: Axes, c: ChartCtx) -> Axes:
    """A second y axis on the right, labelled, without a second grid."""
    ax2 = ax.twinx()
    ax2.set_ylabel(c.axis("right"))
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)
    return ax2


def _legend(fig: MplFigure, ax: Axes) -> None:
    """One legend for all axes of the chart, top left."""
    if len(fig.axes) > 1:
        fig.legend(loc="upper left", bbox_to_anchor=(0.09, 0.86))
    else:
        ax.legend(loc="upper left")


def _reserves(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    res = _thin(data.get("WRESBAL", pd.Series(dtype=float)), c.start)
    if res.empty:
        return _no_data(ax, c.labels, c.langs)
    ax.plot(res.index, res / 1e12, color=BLUE, label=c.label("reserves"))
    ax.set_ylabel(c.axis("left"))
    gdp = data.get("GDP", pd.Series(dtype=float)).dropna()
    if not gdp.empty:
        share = (res / gdp.reindex(gdp.index.union(res.index)).ffill().reindex(res.index) * 100).dropna()
        _right_axis(fig, ax, c).plot(share.index, share, color=ORANGE, lw=1.0, label=c.label("share"))
    _legend(fig, ax)


def _balance_sheet(fig: MplFigure, c: ChartCtx) -> None:
    data, figs = c.data, c.figs
    ax = fig.add_subplot()
    s = _thin(data.get("WALCL", pd.Series(dtype=float)), c.start)
    if s.empty:
        return _no_data(ax, c.labels, c.langs)
    ax.plot(s.index, s / 1e12, color=BLUE, label=c.label("walcl"))
    pk = figs.get("qt_runoff")
    if pk is not None and pk.available:
        pd_ = pd.Timestamp(pk.detail["peak_date"])
        ax.scatter([pd_], [pk.detail["peak"] / 1e12], color=RED, zorder=3, s=14, label=c.label("peak"))
        runoff = _text({lang: f"QT −{money(pk.value or 0.0, lang)}" for lang in c.langs}, c.langs, "\n")
        ax.annotate(
            runoff,
            xy=(s.index[-1], s.iloc[-1] / 1e12),
            xytext=(-6, -28),
            textcoords="offset points",
            ha="right",
            color=RED,
            fontsize=7.5,
        )
    for i, f in enumerate(x for x in figs.values() if x.key.startswith("rmp_") and x.available):
        path = f.detail["path"]
        xs = [s.index[-1]] + [pd.Timestamp(d) for d, _ in path]
        ys = [s.iloc[-1] / 1e12] + [v / 1e12 for _, v in path]
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
    ax.legend(loc="upper left")


def _m2(fig: MplFigure, c: ChartCtx) -> None:
    data, figs = c.data, c.figs
    ax = fig.add_subplot()
    s = _thin(data.get("M2SL", pd.Series(dtype=float)), c.start)
    if s.empty:
        return _no_data(ax, c.labels, c.langs)
    ax.plot(s.index, s / 1e12, color=BLUE, label=c.label("m2"))
    pk = figs.get("m2_prior_peak")
    if pk is not None and pk.available and pk.value is not None:
        ax.axhline(pk.value / 1e12, color=RED, lw=0.8, ls="--", label=c.label("prior_peak"))
        ax.scatter([pd.Timestamp(pk.detail["peak_date"])], [pk.value / 1e12], color=RED, s=14, zorder=3)
    ax.set_ylabel(c.axis("left"))
    ax.legend(loc="upper left")


def _sofr(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    sofr = data.get("SOFR", pd.Series(dtype=float)).dropna()
    sofr = sofr[sofr.index >= c.start]
    if sofr.empty:
        return _no_data(ax, c.labels, c.langs)
    idx = sofr.index
    band = {}
    for sid in ("DFEDTARL", "DFEDTARU", "IORB"):
        s = data.get(sid, pd.Series(dtype=float)).dropna()
        band[sid] = s.reindex(s.index.union(idx)).ffill().reindex(idx) if not s.empty else None
    if band["DFEDTARL"] is not None and band["DFEDTARU"] is not None:
        ax.fill_between(
            idx,
            band["DFEDTARL"],
            band["DFEDTARU"],
            step="post",
            color="#d6e4f0",
            lw=0,
            label=c.label("range"),
        )
    if band["IORB"] is not None:
        ax.step(idx, band["IORB"], where="post", color=GREEN, lw=1.0, label=c.label("iorb"))
    ax.plot(idx, sofr, color=BLUE, lw=1.1, label=c.label("sofr"))
    if band["DFEDTARU"] is not None:
        above = sofr[sofr > band["DFEDTARU"] + 1e-9]
        if not above.empty:
            ax.scatter(above.index, above, color=RED, s=16, zorder=3, label=c.label("breach"))
    ax.set_ylabel(c.axis("left"))
    ax.legend(loc="lower left", ncols=4)


def _payrolls(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    s = data.get("PAYEMS", pd.Series(dtype=float)).dropna()
    if s.empty:
        return _no_data(ax, c.labels, c.langs)
    chg = (payroll_changes(on_month_grid(s)) / 1e3).dropna()
    chg = chg[chg.index >= c.start]
    colors = [RED if v < 0 else BLUE for v in chg]
    ax.bar(chg.index, chg, width=20, color=colors)
    ax.axhline(0, color="#666666", lw=0.6)
    ax.set_ylabel(c.axis("left"))


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
            drawn = True
    if not drawn:
        return _no_data(ax, c.labels, c.langs)
    ax.axhline(INFLATION_TARGET, color=RED, lw=0.8, ls="--", label=c.label("target"))
    ax.set_ylabel(c.axis("left"))
    ax.legend(loc="upper right")


def _btc_cost(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    price = _thin(price_series(data)[1], c.start)
    if price.empty:
        return _no_data(ax, c.labels, c.langs)
    ax.plot(price.index, price, color=BLUE, label=c.label("price"))
    cost = _thin(cost_series(data, c.settings.miner_efficiency_j_per_th, c.settings.power_usd_per_kwh), c.start)
    if not cost.empty:
        ax.plot(cost.index, cost, color=RED, lw=1.1, label=c.label("cost"))
        ax.fill_between(
            cost.index, cost, price.reindex(cost.index).ffill(), where=None, color="#f3d9d5", alpha=0.5, lw=0
        )
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1e3:,.0f}k"))
    ax.set_ylabel(c.axis("left"))
    ax.legend(loc="upper left")


def _hashrate(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    hr = data.get("BTC_HASHRATE", pd.Series(dtype=float)).dropna()
    if hr.empty:
        return _no_data(ax, c.labels, c.langs)
    hr7 = _thin(hr.rolling(SMOOTH_DAYS).mean(), c.start)
    ax.plot(hr7.index, hr7 / 1e18, color=BLUE, label=c.label("hashrate"))
    ax.set_ylabel(c.axis("left"))
    diff = data.get("BTC_DIFFICULTY", pd.Series(dtype=float)).dropna()
    diff = diff[diff.index >= c.start]
    if not diff.empty:
        ax2 = _right_axis(fig, ax, c)
        ax2.step(diff.index, diff / 1e12, where="post", color=ORANGE, lw=1.0, label=c.label("difficulty"))
    _legend(fig, ax)


def _supply_in_loss(fig: MplFigure, c: ChartCtx) -> None:
    data = c.data
    ax = fig.add_subplot()
    s = _thin(data.get("BTC_SUPPLY_IN_LOSS", pd.Series(dtype=float)), c.start)
    if s.empty:
        return _no_data(ax, c.labels, c.langs)
    ax.fill_between(s.index, 0, s / 1e6, color="#f3d9d5", lw=0)
    ax.plot(s.index, s / 1e6, color=RED, lw=1.1, label=c.label("in_loss"))
    ax.set_ylabel(c.axis("left"))
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")


CHARTS: dict[str, ChartFn] = {
    "reserves": _reserves,
    "balance_sheet": _balance_sheet,
    "sofr": _sofr,
    "m2": _m2,
    "payrolls": _payrolls,
    "inflation": _inflation,
    "btc_cost": _btc_cost,
    "hashrate": _hashrate,
    "supply_in_loss": _supply_in_loss,
}


def render_one(
    chart_id: str,
    settings: ChartSettings,
    *,
    data: Mapping[str, pd.Series],
    figures: Mapping[str, Figure],
    catalogue: Mapping[str, Any],
    fmt: ChartFormat = "svg",
) -> Chart:
    """Draw one chart from the catalogue and serialise it as SVG or PNG."""
    spec = catalogue[chart_id]
    langs = settings.langs
    start = pd.Timestamp(settings.as_of) - pd.Timedelta(days=round(365.25 * float(spec["years"])))
    ctx = ChartCtx(spec, catalogue["labels"], langs, start, settings, data, figures)
    rc = {"font.sans-serif": [settings.font, "Noto Sans CJK TC", "DejaVu Sans"]}
    with style.context([str(settings.style_dir / "house.mplstyle"), rc]):
        fig = MplFigure()
        CHARTS[chart_id](fig, ctx)
        if len(fig.axes) > 1:  # a right-hand axis needs room for its labels
            fig.subplots_adjust(right=0.915)
        for ax in fig.axes[:1]:
            ax.set_title(_text(spec["title"], langs, "  "), pad=8)
            if ax.get_xticks().size:
                _date_axis(ax, float(spec["years"]))
        buf = io.BytesIO()
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
            mime = "image/svg+xml"
        else:
            fig.savefig(buf, format="png", dpi=144)
            mime = "image/png"
    title = {lang: spec["title"][lang] for lang in spec["title"]}
    return Chart(chart_id, int(spec["section"]), title, tuple(spec["sources"]), buf.getvalue(), mime)


def chart_ids(settings: ChartSettings) -> list[str]:
    """The charts of the catalogue that this version can draw, in catalogue order."""
    return [cid for cid in load_catalogue(settings.style_dir) if cid in CHARTS]


def render_tasks(
    tasks: Sequence[tuple[str, ChartFormat]],
    settings: ChartSettings,
    *,
    data: Mapping[str, pd.Series],
    figures: Sequence[Figure],
) -> list[Chart]:
    """Charts given as (chart id, "svg" or "png") pairs."""
    catalogue = load_catalogue(settings.style_dir)
    by_key = {f.key: f for f in figures}
    return [render_one(cid, settings, data=data, figures=by_key, catalogue=catalogue, fmt=fmt) for cid, fmt in tasks]


class ChartJob:
    """Charts drawn in forked worker processes while the caller does other work (imports WeasyPrint, say).

    Charts are independent of each other and matplotlib holds the GIL, so two processes on two cores halve the
    wall time. Where fork is unavailable the charts are drawn in this process when ``result`` is called.
    """

    def __init__(
        self,
        settings: ChartSettings,
        *,
        data: Mapping[str, pd.Series],
        figures: Sequence[Figure],
        workers: int = 2,
        png_ids: Sequence[str] = (),
    ) -> None:
        import multiprocessing as mp
        import os
        from concurrent.futures import Future, ProcessPoolExecutor

        from report.procs import die_with_parent

        self._settings = settings
        self._data, self._figures = data, figures
        ids = chart_ids(settings)
        self._tasks: list[tuple[str, ChartFormat]] = [(cid, "svg") for cid in ids]
        self._tasks += [(cid, "png") for cid in png_ids if cid in ids]
        self._futures: list[Future[list[Chart]]] = []
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1 and "fork" in mp.get_all_start_methods():
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=mp.get_context("fork"),
                initializer=die_with_parent,  # a killed build leaves no chart worker behind
                initargs=(os.getpid(),),
            )
            groups = [self._tasks[i::workers] for i in range(workers)]
            self._futures = [
                self._pool.submit(render_tasks, g, settings, data=data, figures=figures) for g in groups if g
            ]

    def result(self) -> tuple[list[Chart], list[Chart]]:
        """The SVG charts in catalogue order, and the PNG ones asked for (worker errors are raised here)."""
        from report.procs import stop_pool

        if self._pool is None:
            drawn = render_tasks(self._tasks, self._settings, data=self._data, figures=self._figures)
        else:
            try:
                drawn = [c for f in self._futures for c in f.result()]
            except BaseException:
                stop_pool(self._pool)  # interrupted or failed: do not wait for the other worker's charts
                raise
            self._pool.shutdown()
        by_task = {(c.id, "png" if c.mime == "image/png" else "svg"): c for c in drawn}
        svgs = [by_task[t] for t in self._tasks if t[1] == "svg"]
        pngs = [by_task[t] for t in self._tasks if t[1] == "png"]
        return svgs, pngs
