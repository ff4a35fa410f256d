"""What every chart shares: colours, the Chart record and its settings, the context a chart function gets, axes
helpers. matplotlib is configured here (Agg) before anything else imports it."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede any pyplot import elsewhere

import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure

from report.charts.chart import ChartSettings
from report.figures import Figure
from report.i18n import number

RED = "#c0392b"
BLUE = "#1f4e79"
GREEN = "#2e8b57"
GREY = "#7f8c8d"
ORANGE = "#e67e22"
PURPLE = "#7d3c98"
MAX_POINTS = 420
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


def _month_label(d: dt.datetime, langs: Sequence[str], first: bool) -> str:
    """A month tick: the month in each language ("10月 Oct"), the year on a second line at January and at the first
    tick ("2025年" / "2025"), never ISO-like "2025-10"."""
    zh, en = [lang for lang in langs if lang.startswith("zh")], [lang for lang in langs if not lang.startswith("zh")]
    month = " ".join(([f"{d.month}月"] if zh else []) + ([d.strftime("%b")] if en or not zh else []))
    if not (first or d.month == 1):
        return month
    return f"{month}\n{d.year}年" if zh and not en else f"{month}\n{d.year}"


def _date_axis(ax: Axes, years: float, langs: Sequence[str] = ("en",), *, phone: bool = False) -> None:
    """Date ticks that read in the chart's languages: years ("2024", "2024年" in Chinese only) with quarter marks
    for a long window, months ("10月 Oct" over the year) for a short one (under 1.5 years)."""
    zh_only = all(lang.startswith("zh") for lang in langs)
    if years >= 1.5:
        ax.xaxis.set_major_locator(mdates.YearLocator(2 if phone and years >= 5 else 1))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y年" if zh_only else "%Y"))
        ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(1, 7) if years >= 5 else (1, 4, 7, 10)))
        ax.tick_params(axis="x", which="minor", length=2.5, width=0.6)
        ax.tick_params(axis="x", which="major", length=4, width=0.6)
        return
    locator = mdates.MonthLocator(bymonth=range(1, 13, 2 if phone else 1))
    ax.xaxis.set_major_locator(locator)

    def label(x: float, pos: int | None) -> str:
        ticks = [t for t in locator() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        return _month_label(mdates.num2date(x), langs, first=bool(ticks) and x <= ticks[0])

    ax.xaxis.set_major_formatter(mticker.FuncFormatter(label))


class NoData(Exception):
    """Raised by a chart function when there is nothing to draw: the chart is left out of the edition."""


def _num(v: float, lang: str, decimals: int | None = None) -> str:
    """A tick or value label: at most three significant digits, no trailing zeros, a true minus sign; or exactly
    ``decimals`` decimals (a value label written as the prose writes it: "3.90%", "9.2%")."""
    if decimals is not None:
        return number(v, lang, decimals)
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
class Note:
    """A text about the data (the QT runoff), placed once the layout is known at the first of its ``spots`` where
    it crosses no line, in the first of its wordings (``texts``: wide, then narrow) that fits: each spot is a point
    in data coordinates, an offset from it in points and the text's alignment there. When none is free the text
    goes to ``above`` (a spot over the data), with the axis' top raised to hold it."""

    ax: Axes
    texts: tuple[str, ...]
    color: str
    spots: tuple[tuple[Any, float, float, float, str, str], ...]  # (x, y, dx, dy, ha, va)
    above: tuple[Any, float, float, float, str, str] | None = None


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
    notes: list[Note] = field(default_factory=list)
    settings_phone: bool = False  # drawn phone-sized (larger type, less room)

    def label(self, key: str, sep: str = " ", **values: Mapping[str, str]) -> str:
        """A legend label in the edition's languages; ``values`` are per language."""
        entry = {lang: self.labels[key][lang].format(**{k: v[lang] for k, v in values.items()}) for lang in self.langs}
        return _text(entry, self.langs, sep)

    def axis(self, side: str) -> str:
        """An axis label in the edition's languages."""
        return _text(self.spec[side], self.langs, " / ") if side in self.spec else ""

    def scale(self, lang: str, side: str = "left") -> float:
        """What one unit of the axis is worth in plotted units, in a language (萬 = 1e4, thousand = 1e3)."""
        scales = self.spec.get(f"{side}_scale")
        return float(scales[lang]) if scales else 1.0

    def value_text(self, v: float, side: str = "left") -> str:
        """A value in the axis' units, one language a line ("4.1萬" over "41k"), once when the languages agree;
        with the catalogue's ``{side}_decimals`` it has the prose's precision ("3.90%")."""
        pattern = self.spec.get(f"{side}_value", {})
        decimals = self.spec.get(f"{side}_decimals")
        texts = []
        for lang in self.langs:
            t = pattern.get(lang, "{v}").format(v=_num(v / self.scale(lang, side), lang, decimals))
            if t not in texts:
                texts.append(t)
        return "\n".join(texts)  # written right of the plot: two short lines take less width than one long

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
