"""The brief's charts: matplotlib's object API, the house style from ``charts/``, SVG (text kept as text) or PNG.

Each chart is drawn once per edition with labels in the edition's languages (Traditional Chinese above English),
from the same data and figures the text uses. Long daily histories are thinned to weekly points: a chart needs no
more points than it has pixels across. The legend sits above the plot, never on the data; the latest value of each
line is written at its end; an axis whose scale words differ by language (萬人 / thousands) is labelled twice, one
language on each side. A chart with no data is not drawn (``Chart.empty``): the edition says so in one line. For the
web page each chart is also drawn phone-sized (``"phone"``), with larger type.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede any pyplot import elsewhere

import matplotlib.dates as mdates
import pandas as pd
from matplotlib import style
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure

from report.charts.base import (
    LABEL_PT,
    PHONE_RC,
    PHONE_SUFFIX,
    Chart,
    ChartCtx,
    ChartFormat,
    ChartSettings,
    Mark,
    NoData,
    _date_axis,
    _text,
    load_catalogue,
)
from report.charts.kinds import CHARTS
from report.figures import Figure
from report.figures.bitcoin import cost_series


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


__all__ = [
    "CHARTS",
    "Chart",
    "ChartJob",
    "ChartSettings",
    "NoData",
    "chart_ids",
    "cost_series",
    "draw",
    "load_catalogue",
    "render_one",
    "render_tasks",
    "style_context",
]
