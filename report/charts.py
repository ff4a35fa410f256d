"""The brief's charts: matplotlib's object API, the house style from ``charts/``, SVG (text kept as text) or PNG.

Each chart is drawn once per edition with labels in the edition's languages (Traditional Chinese above English),
from the same data and figures the text uses. Long daily histories are thinned to weekly points: a chart needs no
more points than it has pixels across. The legend sits above the plot, never on the data; the latest value of each
line is written at its end; an axis whose scale words differ by language (萬人 / thousands) is labelled twice, one
language on each side. A chart with no data is not drawn (``Chart.empty``): the edition says so in one line. For the
web page each chart is also drawn phone-sized (``"phone"``), with larger type.
"""

from __future__ import annotations

import datetime as dt
import io
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")  # no display; must precede any pyplot import elsewhere

import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import pandas as pd
from matplotlib import style
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure

from report.figures import Figure
from report.figures.bitcoin import SMOOTH_DAYS, cost_series, price_series
from report.figures.macro import INFLATION_TARGET, on_month_grid, payroll_changes, yoy
from report.i18n import money, number

RED = "#c0392b"
BLUE = "#1f4e79"
GREEN = "#2e8b57"
GREY = "#7f8c8d"
ORANGE = "#e67e22"
MAX_POINTS = 420
ChartFormat = Literal["svg", "png", "phone"]  # "phone": SVG for a narrow screen, larger type
PHONE_SUFFIX = "-phone"  # a phone chart's id: "sofr-phone" beside "sofr"
# A phone-sized chart: about 390 CSS px wide at 1:1, so 9.5 pt ticks read as 12 px text.
PHONE_RC: dict[str, Any] = {
    "figure.figsize": (4.1, 3.3),
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 9.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9,
    "figure.subplot.left": 0.15,
    "figure.subplot.right": 0.96,
    "figure.subplot.bottom": 0.09,
}
LABEL_PT = 7.0  # the latest-value labels, in points (phone: +1.5)


@dataclass(frozen=True)
class Chart:
    """One rendered chart."""

    id: str
    section: int
    title: Mapping[str, str]
    sources: tuple[str, ...]
    data: bytes
    mime: str
    empty: bool = False  # no data to draw: ``data`` is empty and the edition leaves the chart out
    variant: str = "page"  # "page" (PDF and wide screens) or "phone"


@dataclass(frozen=True)
class ChartSettings:
    """Inputs a chart needs besides data: languages, cost assumptions and where the style lives."""

    langs: tuple[str, ...]
    style_dir: Path
    as_of: dt.date
    miner_efficiency_j_per_th: float
    power_usd_per_kwh: float
    font: str = "Noto Sans CJK TC"
    phone: bool = True  # also draw each chart phone-sized (for the web page)


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
    if s.empty:  # a series missing altogether has no dates to compare with
        return s
    s = s[s.index >= start].dropna()
    if len(s) > MAX_POINTS:
        s = s.resample("W").last().dropna()
    return s


def _date_axis(ax: Axes, years: float, *, phone: bool = False) -> None:
    if years >= 3:
        ax.xaxis.set_major_locator(mdates.YearLocator(2 if phone and years >= 5 else 1))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    else:
        step = 3 if years >= 1 else 1
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, step * 2 if phone else step)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))


class NoData(Exception):
    """Raised by a chart function when there is nothing to draw: the chart is left out of the edition."""


def _num(v: float, lang: str) -> str:
    """A tick or value label: at most three significant digits, no trailing zeros, a true minus sign."""
    a = abs(v)
    decimals = 0 if a >= 100 or a == 0 else 1 if a >= 10 else 2
    text = number(v, lang, decimals)
    if decimals and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


ChartFn = Callable[[MplFigure, "ChartCtx"], None]


@dataclass(frozen=True)
class Mark:
    """The latest value of a line, written at its last point."""

    ax: Axes
    x: Any
    y: float
    text: str
    color: str


@dataclass(frozen=True)
class ChartCtx:
    """What a chart function gets: its catalogue entry, legend labels, languages, start date, settings, the data
    and the figures; it collects the latest-value marks the chart function asks for."""

    spec: Mapping[str, Any]
    labels: Mapping[str, Any]
    langs: tuple[str, ...]
    start: pd.Timestamp
    settings: ChartSettings
    data: Mapping[str, pd.Series]
    figs: Mapping[str, Figure]
    marks: list[Mark] = field(default_factory=list)
    settings_phone: bool = False  # drawn phone-sized: value labels in two lines, one language each

    def label(self, key: str, **values: Mapping[str, str]) -> str:
        """A legend label in the edition's languages; ``values`` are per language."""
        entry = {lang: self.labels[key][lang].format(**{k: v[lang] for k, v in values.items()}) for lang in self.langs}
        return _text(entry, self.langs)

    def axis(self, side: str) -> str:
        """An axis label in the edition's languages."""
        return _text(self.spec[side], self.langs, " / ") if side in self.spec else ""

    def scale(self, lang: str, side: str = "left") -> float:
        """What one unit of the axis is worth in plotted units, in a language (萬 = 1e4, thousand = 1e3)."""
        scales = self.spec.get(f"{side}_scale")
        return float(scales[lang]) if scales else 1.0

    def value_text(self, v: float, side: str = "left") -> str:
        """A value in the axis' units, per language ("4.1萬 · 41k"), the same text once when languages agree."""
        pattern = self.spec.get(f"{side}_value", {})
        texts = []
        for lang in self.langs:
            t = pattern.get(lang, "{v}").format(v=_num(v / self.scale(lang, side), lang))
            if t not in texts:
                texts.append(t)
        return ("\n" if self.settings_phone else " · ").join(texts)

    def mark(self, ax: Axes, s: pd.Series, color: str, side: str = "left") -> None:
        """Label the last point of a plotted series with its value."""
        s = s.dropna()
        if not s.empty:
            self.marks.append(Mark(ax, s.index[-1], float(s.iloc[-1]), self.value_text(float(s.iloc[-1]), side), color))


def _scaled_axis(ax: Axes, c: ChartCtx) -> None:
    """The left axis in the first language's scale; when the second language counts in other units (萬人 against
    thousands), a twin axis on the right carries its ticks and label, at the same heights."""
    langs = c.langs
    spec_left = c.spec.get("left", {})
    first = langs[0]
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: _num(v / c.scale(first), first)))
    other = [lang for lang in langs[1:] if c.scale(lang) != c.scale(first)]
    if not other:
        ax.set_ylabel(c.axis("left"))
        return
    ax.set_ylabel(_text({first: spec_left[first]}, [first]))
    lang = other[0]
    ax2 = ax.twinx()
    ax2.set_ylim(ax.get_ylim())
    ax2.set_yticks(ax.get_yticks())
    ax2.set_ylim(ax.get_ylim())
    ax2.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: _num(v / c.scale(lang), lang)))
    ax2.set_ylabel(_text({lang: spec_left[lang]}, [lang]))
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)


def _right_axis(fig: MplFigure, ax: Axes, c: ChartCtx) -> Axes:
    """A second y axis on the right, labelled, without a second grid."""
    ax2 = ax.twinx()
    ax2.set_ylabel(c.axis("right"))
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)
    return ax2


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
        share = (res / gdp.reindex(gdp.index.union(res.index)).ffill().reindex(res.index) * 100).dropna()
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
            fontsize=LABEL_PT + 0.5,
        )
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
        band[sid] = s.reindex(s.index.union(idx)).ffill().reindex(idx) if not s.empty else None
    lower, upper, iorb = band["DFEDTARL"], band["DFEDTARU"], band["IORB"]
    if lower is not None and upper is not None:
        ax.fill_between(idx, lower, upper, step="post", color="#d6e4f0", lw=0, label=c.label("range"))
    if iorb is not None:
        ax.step(idx, iorb, where="post", color=GREEN, lw=1.0, label=c.label("iorb"))
        c.mark(ax, iorb, GREEN)
    ax.plot(idx, sofr, color=BLUE, lw=1.1, label=c.label("sofr"))
    c.mark(ax, sofr, BLUE)
    if upper is not None:
        above = sofr[sofr > upper + 1e-9]
        if not above.empty:
            ax.scatter(above.index, above, color=RED, s=16, zorder=3, label=c.label("breach"))
    # the range covers the data and the whole band, with a little room
    shown = [x.dropna() for x in (sofr, lower, upper, iorb) if x is not None]
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
    "m2": _m2,
    "payrolls": _payrolls,
    "inflation": _inflation,
    "btc_cost": _btc_cost,
    "hashrate": _hashrate,
    "supply_in_loss": _supply_in_loss,
}


def _pt(px: float, fig: MplFigure) -> float:
    return px * 72.0 / fig.dpi


def _place_legend(fig: MplFigure, ax: Axes, renderer: Any) -> Any:
    """One legend for every axis of the chart, in a band above the plot (never on the data): as many columns as
    fit the plot's width."""
    handles: list[Any] = []
    labels: list[str] = []
    for a in fig.axes:
        for h, lab in zip(*a.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if not handles:
        return None
    width = ax.get_window_extent(renderer).width
    for ncols in range(len(handles), 0, -1):
        leg = ax.legend(
            handles,
            labels,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=ncols,
            borderaxespad=0.3,
            borderpad=0.0,
            handlelength=1.4,
            columnspacing=1.1,
            handletextpad=0.4,
        )
        if leg.get_window_extent(renderer).width <= width or ncols == 1:
            return leg
    return None  # pragma: no cover (the loop always returns)


def _label_marks(fig: MplFigure, marks: Sequence[Mark], renderer: Any, size: float) -> float:
    """Write each mark right of its last point, nudged apart vertically so no two overlap; returns the room (in
    points) the labels need right of the latest date."""
    if not marks:
        return 0.0

    def height(m: Mark) -> float:
        return float(m.ax.transData.transform((mdates.date2num(m.x), m.y))[1])

    ordered = sorted(marks, key=height)
    ys = [_pt(height(m), fig) for m in ordered]
    gap = (size + 1.5) * max(m.text.count("\n") + 1 for m in ordered)
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + gap)
    widest = 0.0
    for y_pt, m in zip(ys, ordered, strict=True):
        _, y0 = m.ax.transData.transform((mdates.date2num(m.x), m.y))
        t = m.ax.annotate(
            m.text,
            xy=(m.x, m.y),
            xytext=(4, y_pt - _pt(y0, fig)),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=size,
            color=m.color,
            fontweight="bold",
            annotation_clip=False,
        )
        widest = max(widest, _pt(t.get_window_extent(renderer).width, fig))
    return widest + 6


def _layout(fig: MplFigure, c: ChartCtx, title: str, *, phone: bool) -> None:
    """Title, legend band and latest-value labels, placed with fixed margins measured once (no constrained
    layout: it costs twice the time)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ax = fig.axes[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    size = LABEL_PT + (1.5 if phone else 0.0)
    # room right of the last date for the value labels, as a share of the date range
    room = _label_marks(fig, c.marks, renderer, size)
    if room and ax.get_xticks().size:
        lo, hi = ax.get_xlim()
        width_pt = _pt(ax.get_window_extent(renderer).width, fig)
        last = max(mdates.date2num(m.x) for m in c.marks)
        need = last + (hi - lo) * room / max(width_pt - room, 1.0)
        if need > hi:
            for a in fig.axes:
                a.set_xlim(lo, need)
    leg = _place_legend(fig, ax, renderer)
    leg_h = _pt(leg.get_window_extent(renderer).height, fig) + 3 if leg is not None else 0.0
    t = ax.set_title(title, pad=leg_h + 5)
    title_h = _pt(t.get_window_extent(renderer).height, fig)
    fig_h = fig.get_figheight() * 72.0
    fig.subplots_adjust(top=1.0 - (leg_h + 5 + title_h + 6) / fig_h)


def _phone_title(entry: Mapping[str, str], langs: Sequence[str]) -> str:
    """A title on a phone: each language on its own lines, wrapped to the chart's width."""
    import textwrap

    lines = []
    for lang in langs:
        width = 20 if lang.startswith("zh") else 40  # CJK characters are about twice as wide
        lines += textwrap.wrap(entry[lang], width) if entry[lang] not in lines else []
    return "\n".join(lines).replace("$", r"\$")


def _empty(chart_id: str, spec: Mapping[str, Any], fmt: ChartFormat) -> Chart:
    title = {lang: spec["title"][lang] for lang in spec["title"]}
    mime = "image/png" if fmt == "png" else "image/svg+xml"
    cid = chart_id + (PHONE_SUFFIX if fmt == "phone" else "")
    variant = "phone" if fmt == "phone" else "page"
    return Chart(cid, int(spec["section"]), title, tuple(spec["sources"]), b"", mime, empty=True, variant=variant)


def draw(
    chart_id: str,
    settings: ChartSettings,
    *,
    data: Mapping[str, pd.Series],
    figures: Mapping[str, Figure],
    catalogue: Mapping[str, Any],
    fmt: ChartFormat = "svg",
) -> MplFigure | None:
    """One chart from the catalogue as a laid-out matplotlib figure, or None when it has no data."""
    spec = catalogue[chart_id]
    langs = settings.langs
    phone = fmt == "phone"
    start = pd.Timestamp(settings.as_of) - pd.Timedelta(days=round(365.25 * float(spec["years"])))
    ctx = ChartCtx(spec, catalogue["labels"], langs, start, settings, data, figures, settings_phone=phone)
    fig = MplFigure()
    try:
        CHARTS[chart_id](fig, ctx)
    except NoData:
        return None
    if len(fig.axes) > 1:  # a right-hand axis needs room for its labels
        fig.subplots_adjust(right=0.86 if phone else 0.915)
    ax = fig.axes[0]
    if ax.get_xticks().size:
        _date_axis(ax, float(spec["years"]), phone=phone)
    title = _phone_title(spec["title"], langs) if phone else _text(spec["title"], langs, "  ")
    _layout(fig, ctx, title, phone=phone)
    return fig


def style_context(settings: ChartSettings, fmt: ChartFormat = "svg") -> Any:
    """The house style (phone-sized for ``"phone"``) as a context manager."""
    rc: dict[str, Any] = {"font.sans-serif": [settings.font, "Noto Sans CJK TC", "DejaVu Sans"]}
    if fmt == "phone":
        rc |= PHONE_RC
    return style.context([str(settings.style_dir / "house.mplstyle"), rc])


def render_one(
    chart_id: str,
    settings: ChartSettings,
    *,
    data: Mapping[str, pd.Series],
    figures: Mapping[str, Figure],
    catalogue: Mapping[str, Any],
    fmt: ChartFormat = "svg",
) -> Chart:
    """Draw one chart from the catalogue and serialise it as SVG (page or phone size) or PNG; a chart with no data
    comes back ``empty``, with no image."""
    spec = catalogue[chart_id]
    with style_context(settings, fmt):
        fig = draw(chart_id, settings, data=data, figures=figures, catalogue=catalogue, fmt=fmt)
        if fig is None:
            return _empty(chart_id, spec, fmt)
        buf = io.BytesIO()
        if fmt == "png":
            fig.savefig(buf, format="png", dpi=144)
        else:
            fig.savefig(buf, format="svg", metadata={"Date": None})
    title = {lang: spec["title"][lang] for lang in spec["title"]}
    phone = fmt == "phone"
    return Chart(
        chart_id + (PHONE_SUFFIX if phone else ""),
        int(spec["section"]),
        title,
        tuple(spec["sources"]),
        buf.getvalue(),
        "image/png" if fmt == "png" else "image/svg+xml",
        variant="phone" if phone else "page",
    )


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
    """Charts given as (chart id, "svg", "phone" or "png") pairs."""
    catalogue = load_catalogue(settings.style_dir)
    by_key = {f.key: f for f in figures}
    return [render_one(cid, settings, data=data, figures=by_key, catalogue=catalogue, fmt=fmt) for cid, fmt in tasks]


def _kind(c: Chart) -> ChartFormat:
    return "png" if c.mime == "image/png" else "phone" if c.variant == "phone" else "svg"


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
        if settings.phone:
            self._tasks += [(cid, "phone") for cid in ids]
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
        """The SVG charts in catalogue order (each page chart followed by its phone-sized one, when drawn), and
        the PNG ones asked for (worker errors are raised here)."""
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
        by_task = {(c.id.removesuffix(PHONE_SUFFIX) if c.variant == "phone" else c.id, _kind(c)): c for c in drawn}
        ids = [cid for cid, kind in self._tasks if kind == "svg"]
        svgs = [by_task[(cid, kind)] for cid in ids for kind in ("svg", "phone") if (cid, kind) in by_task]
        pngs = [by_task[t] for t in self._tasks if t[1] == "png"]
        return svgs, pngs
