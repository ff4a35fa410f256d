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
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede any pyplot import elsewhere

import matplotlib.dates as mdates
import pandas as pd
from matplotlib import style
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure
from matplotlib.text import Annotation, Text

from report.charts.base import (
    LABEL_PT,
    PHONE_RC,
    ChartCtx,
    Mark,
    NoData,
    Note,
    _date_axis,
    _text,
    load_catalogue,
)
from report.charts.chart import PHONE_SUFFIX, Chart, ChartFormat, ChartSettings
from report.charts.kinds import CHARTS
from report.figures import Figure
from report.figures.bitcoin import cost_series


def _pt(px: float, fig: MplFigure) -> float:
    return px * 72.0 / fig.dpi


_LANG_BREAK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[A-Za-z0-9$\\])")  # 中文 English


def _place_legend(fig: MplFigure, ax: Axes, renderer: Any) -> Any:
    """One legend for every axis of the chart, in a band above the plot (never on the data): as many columns as
    fit the plot's width; where one entry alone is wider, each language of it on a line of its own."""
    handles: list[Any] = []
    labels: list[str] = []
    for a in fig.axes:
        for h, lab in zip(*a.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if not handles:
        return None
    right = ax.get_window_extent(renderer).x1
    tries = [(n, labels) for n in range(len(handles), 0, -1)] + [(1, [_LANG_BREAK.sub("\n", x) for x in labels])]
    for ncols, texts in tries:
        leg = ax.legend(
            handles,
            texts,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=ncols,
            borderaxespad=0.3,
            borderpad=0.0,
            handlelength=1.4,
            columnspacing=1.1,
            handletextpad=0.4,
        )
        if leg.get_window_extent(renderer).x1 <= right + 0.5:  # never past the plot's right edge
            return leg
    return leg  # the narrowest there is


LABEL_GAP = 4.0  # points between the plot's right edge and the latest-value labels
END_PAD_DAYS = (7.0, 31.0)  # the time axis runs on past the last observation by 4% of the window, within these


def _fit_time_axis(fig: MplFigure) -> None:
    """The time axis from the first to the last thing drawn (projections included), with a few days' to a month's
    room each side: it never runs a quarter past the data."""
    axes = [a for a in fig.axes if a.has_data()]
    lo = min(a.dataLim.x0 for a in axes)
    hi = max(a.dataLim.x1 for a in axes)
    pad = min(max((hi - lo) * 0.04, END_PAD_DAYS[0]), END_PAD_DAYS[1])
    fig.axes[0].set_xlim(lo - pad, hi + pad)  # twin axes share it


def _box(t: Text, renderer: Any) -> Any:
    """A text's box without its leader line (an annotation's own box takes the line in)."""
    if isinstance(t, Annotation):
        t.update_positions(renderer)  # where its offset puts it now
    return Text.get_window_extent(t, renderer)


def _make_labels(fig: MplFigure, marks: Sequence[Mark], renderer: Any, size: float) -> tuple[list[Any], float]:
    """One text per mark, not yet placed, and the width (points) of the widest: the room they need right of the
    plot."""
    texts = [
        m.ax.annotate(
            m.text,
            xy=(m.x, m.y),
            xytext=(1.0, 0.5),
            textcoords="axes fraction",
            ha="left",
            va="center",
            fontsize=size,
            linespacing=1.05,
            color=m.color,
            fontweight="bold",
            annotation_clip=False,
            # a dotted leader line from the last point to its label: never to be read as data (a series that ends
            # months before the others has a long one), and a dot marks where the data end
            arrowprops={
                "arrowstyle": "-",
                "color": m.color,
                "lw": 0.5,
                "linestyle": (0, (1, 2)),
                "alpha": 0.7,
                "shrinkA": 1.5,
                "shrinkB": 1.5,
            },
        )
        for m in marks
    ]
    for m in marks:
        m.ax.plot([m.x], [m.y], marker="o", ms=2.6, color=m.color, zorder=4, clip_on=False)
    widest = max((_pt(_box(t, renderer).width, fig) for t in texts), default=0.0)
    return texts, widest


def _stack(wanted: Sequence[float], heights: Sequence[float], top: float) -> list[float]:
    """Label centres (points from the plot's bottom, ascending) as near as can be to ``wanted``, no two
    overlapping, all between 0 and ``top``."""
    ys = list(wanted)
    ys[0] = max(ys[0], heights[0] / 2)  # the lowest label stays above the plot's bottom
    for i in range(1, len(ys)):  # push up, from the lowest
        ys[i] = max(ys[i], ys[i - 1] + (heights[i - 1] + heights[i]) / 2)
    ys[-1] = min(ys[-1], top - heights[-1] / 2)
    for i in range(len(ys) - 2, -1, -1):  # then down, from the highest, if the top one was over the plot's top
        ys[i] = min(ys[i], ys[i + 1] - (heights[i] + heights[i + 1]) / 2)
    return ys


def _place_labels(fig: MplFigure, marks: Sequence[Mark], texts: Sequence[Any], renderer: Any, gap: float) -> None:
    """Each label right of the plot at the height of its line's last point, nudged apart vertically, joined to
    that point by its leader line; ``gap``: points from the plot's right edge."""
    if not marks:
        return
    ax = fig.axes[0]
    box = ax.get_window_extent(renderer)
    w, h = _pt(box.width, fig), _pt(box.height, fig)

    def height(m: Mark) -> float:
        m.ax.get_ylim()  # settle the autoscaled limits first
        return _pt(float(m.ax.transData.transform((mdates.date2num(m.x), m.y))[1]) - box.y0, fig)

    order = sorted(range(len(marks)), key=lambda i: height(marks[i]))
    heights = [_pt(_box(texts[i], renderer).height, fig) + 1.0 for i in order]
    ys = _stack([height(marks[i]) for i in order], heights, h)
    for i, y in zip(order, ys, strict=True):
        texts[i].set_position((1.0 + gap / w, y / h))


def _crossings(fig: MplFigure, box: Any, avoid: Sequence[Any], renderer: Any) -> int:
    """How many lines of the chart (and texts in ``avoid``) a text's box crosses."""
    n = sum(_box(a, renderer).overlaps(box) for a in avoid)
    for a in fig.axes:
        for line in a.get_lines():
            path = line.get_transform().transform_path(line.get_path())
            n += len(path) > 0 and path.intersects_bbox(box, filled=False)
    return n


def _spot_score(fig: MplFigure, t: Text, renderer: Any, avoid: Sequence[Any]) -> int:
    """How bad a note's spot is: 2 for each line or text it crosses, 1 if it leaves the plot, 10 the figure."""
    box = _box(t, renderer)
    plot, page = fig.axes[0].get_window_extent(renderer), fig.bbox
    inside = plot.x0 <= box.x0 and box.x1 <= plot.x1 and plot.y0 <= box.y0 and box.y1 <= plot.y1
    on_page = page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    return 2 * _crossings(fig, box, avoid, renderer) + (0 if inside else 1) + (0 if on_page else 10)


def _note(n: Note, text: str, spot: tuple[Any, float, float, float, str, str], size: float) -> Annotation:
    x, y, dx, dy, ha, va = spot
    t = n.ax.annotate(text, xy=(x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va)
    t.set(color=n.color, fontsize=size, linespacing=1.1, annotation_clip=False)
    return t


def _raise_top(n: Note, t: Annotation, renderer: Any) -> None:
    """Raise the axis' top just enough for a note written above its anchor to sit inside the plot."""
    lo, hi = n.ax.get_ylim()
    plot, box = n.ax.get_window_extent(renderer), _box(t, renderer)
    over = box.y1 - n.ax.transData.transform((0, t.xy[1]))[1] + 2  # pixels the text rises above its anchor
    anchor = (t.xy[1] - lo) / (hi - lo)  # the anchor's height, a share of the plot's
    if box.y1 + 2 > plot.y1 and over < plot.height:
        n.ax.set_ylim(lo, lo + (hi - lo) * anchor * plot.height / (plot.height - over))


def _place_notes(fig: MplFigure, notes: Sequence[Note], renderer: Any, size: float, avoid: Sequence[Any]) -> bool:
    """Each note at the first spot and wording where it crosses nothing and stays in the plot, else above the
    data (``Note.above``) or where it is least in the way (see ``_spot_score``); True if an axis' top was raised
    for one."""
    raised = False
    for n in notes:
        best: tuple[int, Annotation] | None = None
        for text in n.texts:
            for spot in n.spots:
                t = _note(n, text, spot, size)
                score = _spot_score(fig, t, renderer, avoid)
                if best is None or score < best[0]:
                    if best is not None:
                        best[1].remove()
                    best = (score, t)
                else:
                    t.remove()
                if score == 0:
                    break
            if best is not None and best[0] == 0:
                break
        if best is not None and best[0] > 0 and n.above is not None:
            best[1].remove()
            best = (0, _note(n, n.texts[0], n.above, size))
            _raise_top(n, best[1], renderer)
            raised = True
        if best is not None:
            avoid = [*avoid, best[1]]
    return raised


def _layout(fig: MplFigure, c: ChartCtx, title: str, *, phone: bool) -> None:
    """Latest-value labels right of the plot, then legend band and title, placed with fixed margins measured once
    (no constrained layout: it costs twice the time)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ax = fig.axes[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    size = LABEL_PT + (1.5 if phone else 0.0)
    texts, widest = _make_labels(fig, c.marks, renderer, size)
    if widest:  # make room for the labels right of the plot; a right-hand axis' ticks move out beyond them
        room = widest + LABEL_GAP + 2
        right = fig.subplotpars.right - room / (fig.get_figwidth() * 72.0)
        fig.subplots_adjust(right=right)
        for a in fig.axes[1:]:
            a.tick_params(axis="y", pad=room + 1)
    leg = _place_legend(fig, ax, renderer)
    leg_h = _pt(leg.get_window_extent(renderer).height, fig) + 3 if leg is not None else 0.0
    t = ax.set_title(title, pad=leg_h + 5)
    title_h = _pt(t.get_window_extent(renderer).height, fig)
    fig_h = fig.get_figheight() * 72.0
    fig.subplots_adjust(top=1.0 - (leg_h + 5 + title_h + 6) / fig_h)
    _place_labels(fig, c.marks, texts, renderer, LABEL_GAP)
    if _place_notes(fig, c.notes, renderer, LABEL_PT + 0.5, texts):
        _place_labels(fig, c.marks, texts, renderer, LABEL_GAP)  # the lines' ends moved when the top was raised


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
    # the e-mail's PNG is laid out as the phone chart: most newsletters are read on a phone, where a page-sized
    # chart scaled to the screen has 5-pixel text
    phone = fmt in ("phone", "png")
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
        _fit_time_axis(fig)
        _date_axis(ax, float(spec["years"]), langs, phone=phone)
        if float(spec["years"]) < 1.5:  # month ticks carry the year on a second line: room for it
            fig.subplots_adjust(bottom=fig.subplotpars.bottom + 9.5 / (fig.get_figheight() * 72.0))
    title = _phone_title(spec["title"], langs) if phone else _text(spec["title"], langs, "  ")
    _layout(fig, ctx, title, phone=phone)
    return fig


def style_context(settings: ChartSettings, fmt: ChartFormat = "svg") -> Any:
    """The house style (phone-sized for ``"phone"``) as a context manager."""
    rc: dict[str, Any] = {"font.sans-serif": [settings.font, "Noto Sans CJK TC", "DejaVu Sans"]}
    if fmt in ("phone", "png"):  # the e-mail's PNG is phone-sized (see draw)
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
            buf = io.BytesIO(lean_svg(buf.getvalue()))
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


_METADATA = re.compile(rb"\s*<metadata>.*?</metadata>", re.S)
_STAR_RULE = re.compile(rb"\s*<style type=\"text/css\">\*\{([^}<]*)\}</style>")
_STYLE_ATTR = re.compile(rb' style="([^"]*)"')


def _attributes(declarations: bytes) -> bytes:
    """``fill: #fff; stroke-width: 0.6`` as the presentation attributes ``fill="#fff" stroke-width="0.6"``."""
    pairs = (d.split(b":", 1) for d in declarations.split(b";") if b":" in d)
    return b" ".join(b'%s="%s"' % (k.strip(), v.strip()) for k, v in pairs)


def lean_svg(svg: bytes) -> bytes:
    """Matplotlib's SVG, drawn the same but cheaper to lay out: every ``style="..."`` becomes presentation
    attributes (WeasyPrint parses each style attribute as CSS, a third of the time it spends drawing the charts),
    the stylesheet's one rule (``*{stroke-linejoin: round; ...}``) becomes attributes of the root, inherited by
    whatever sets no value of its own, and the RDF metadata goes. Matplotlib writes only properties that are also
    presentation attributes (fill, stroke, font-size, text-anchor...)."""
    svg = _METADATA.sub(b"", svg, count=1)
    rule = _STAR_RULE.search(svg)
    if rule is not None:
        svg = svg[: rule.start()] + svg[rule.end() :]
        svg = svg.replace(b"<svg ", b"<svg " + _attributes(rule.group(1)) + b" ", 1)
    svg = svg.replace(b"<defs>\n </defs>\n", b"")  # the stylesheet's now empty container
    return _STYLE_ATTR.sub(lambda m: b" " + _attributes(m.group(1)), svg)


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


# What a chart worker draws from, set once when it is forked (a forked worker gets it without pickling; only the
# short task lists travel to it)
_JOB: tuple[ChartSettings, Mapping[str, pd.Series], Sequence[Figure]] | None = None


def _start_worker(
    parent: int, settings: ChartSettings, data: Mapping[str, pd.Series], figures: Sequence[Figure]
) -> None:
    from report.procs import die_with_parent

    global _JOB
    die_with_parent(parent)  # a killed build leaves no chart worker behind
    _JOB = (settings, data, figures)


def _render_in_worker(tasks: Sequence[tuple[str, ChartFormat]]) -> list[Chart]:
    assert _JOB is not None, "a chart worker is started by ChartJob"
    settings, data, figures = _JOB
    return render_tasks(tasks, settings, data=data, figures=figures)


class ChartJob:
    """Charts drawn in forked worker processes while the caller does other work (imports WeasyPrint, say).

    Charts are independent of each other and matplotlib holds the GIL, so two processes on two cores halve the
    wall time. The page-sized SVGs the PDF needs are drawn first (``page``); the phone-sized copies and the
    e-mail's PNGs after them (``rest``, by ``rest_workers`` of the workers), so they are drawn while the PDF is laid
    out. Where fork is unavailable
    the charts are drawn in this process when asked for.
    """

    def __init__(
        self,
        settings: ChartSettings,
        *,
        data: Mapping[str, pd.Series],
        figures: Sequence[Figure],
        workers: int = 2,
        png_ids: Sequence[str] = (),
        rest_workers: int | None = None,
    ) -> None:
        import multiprocessing as mp
        import os
        from concurrent.futures import Future, ProcessPoolExecutor

        self._settings = settings
        self._data, self._figures = data, figures
        ids = chart_ids(settings)
        self._page_tasks: list[tuple[str, ChartFormat]] = [(cid, "svg") for cid in ids]
        self._rest_tasks: list[tuple[str, ChartFormat]] = [(cid, "phone") for cid in ids] if settings.phone else []
        self._rest_tasks += [(cid, "png") for cid in png_ids if cid in ids]
        self._page: list[Future[list[Chart]]] = []
        self._rest: list[Future[list[Chart]]] = []
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1 and "fork" in mp.get_all_start_methods():
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=mp.get_context("fork"),
                initializer=_start_worker,
                initargs=(os.getpid(), settings, data, figures),
            )
            # first in, first drawn: every page chart is queued before any phone copy or PNG
            self._page = [self._pool.submit(_render_in_worker, g) for g in _split(self._page_tasks, workers)]
            # the phone copies and PNGs are drawn while the PDF is laid out: one worker leaves the PDF a core
            rest = _split(self._rest_tasks, rest_workers or workers)
            self._rest = [self._pool.submit(_render_in_worker, g) for g in rest]

    def _wait(self, futures: Sequence[Any], tasks: Sequence[tuple[str, ChartFormat]]) -> list[Chart]:
        from report.procs import stop_pool

        if self._pool is None:
            return render_tasks(tasks, self._settings, data=self._data, figures=self._figures)
        try:
            return [c for f in futures for c in f.result()]
        except BaseException:
            stop_pool(self._pool)  # interrupted or failed: do not wait for the other worker's charts
            raise

    def page(self) -> list[Chart]:
        """The page-sized SVG charts, in catalogue order (worker errors are raised here)."""
        by_id = {c.id: c for c in self._wait(self._page, self._page_tasks)}
        return [by_id[cid] for cid, _ in self._page_tasks]

    def rest(self) -> tuple[list[Chart], list[Chart]]:
        """The phone-sized SVG charts (catalogue order) and the PNG ones asked for; the workers are then done."""
        drawn = self._wait(self._rest, self._rest_tasks)
        if self._pool is not None:
            self._pool.shutdown()
        by_task = {(c.id.removesuffix(PHONE_SUFFIX) if c.variant == "phone" else c.id, _kind(c)): c for c in drawn}
        phones = [by_task[t] for t in self._rest_tasks if t[1] == "phone"]
        pngs = [by_task[t] for t in self._rest_tasks if t[1] == "png"]
        return phones, pngs

    def result(self) -> tuple[list[Chart], list[Chart]]:
        """The SVG charts in catalogue order (each page chart followed by its phone-sized one, when drawn), and
        the PNG ones asked for."""
        page = self.page()
        phones, pngs = self.rest()
        return interleave(page, phones), pngs


def interleave(page: Sequence[Chart], phones: Sequence[Chart]) -> list[Chart]:
    """Page charts, each followed by its phone-sized copy when there is one."""
    by_id = {c.id.removesuffix(PHONE_SUFFIX): c for c in phones}
    return [x for c in page for x in ((c, by_id[c.id]) if c.id in by_id else (c,))]


def _split(tasks: Sequence[tuple[str, ChartFormat]], n: int) -> list[list[tuple[str, ChartFormat]]]:
    return [g for g in (list(tasks[i::n]) for i in range(n)) if g]


__all__ = [
    "CHARTS",
    "Chart",
    "ChartJob",
    "ChartSettings",
    "NoData",
    "chart_ids",
    "cost_series",
    "draw",
    "interleave",
    "load_catalogue",
    "render_one",
    "render_tasks",
    "style_context",
]
