"""The template context of an edition: sections, narrative, tables and appendix, built from figures (pure)."""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from report.calendar import FomcStatus
from report.charts import Chart
from report.figures import Figure
from report.figures.bitcoin import SENSITIVITY_EFFICIENCY, SENSITIVITY_POWER
from report.i18n import (
    LANGS,
    MINUS,
    Catalogue,
    basis_points,
    btc,
    count_words,
    date,
    days,
    fmt,
    hashrate,
    money,
    month,
    number,
    per_lang,
)
from report.render.narrative import Narrative, Sentence, Story, narrative, signed_points
from report.series import SERIES

Text = Mapping[str, str]

SECTION_FIGURES: dict[int, tuple[str, ...]] = {
    1: (
        "reserves",
        "reserves_weekly_change",
        "reserves_since_qt_end",
        "reserves_gdp_share",
        "fed_assets",
        "qt_runoff",
        "fed_treasuries",
    ),
    2: (
        "days_to_fomc",
        "policy_range_upper",
        "sofr_iorb_spread_bp",
        "sofr_days_at_or_above_iorb",
        "sofr_days_above_range",
        "sofr_max_excess_bp",
    ),
    3: ("m2", "m2_yoy", "m2_prior_peak"),
    4: (
        "payroll_change",
        "payroll_declines_7m",
        "payroll_3m_avg",
        "unemployment_rate",
        "job_openings",
        "quits_rate",
        "core_pce_yoy",
        "cpi_yoy",
    ),
    5: (
        "btc_price",
        "btc_drawdown",
        "miner_cost",
        "btc_price_to_cost",
        "hashrate",
        "difficulty_change",
        "supply_in_loss",
        "supply_in_loss_share",
    ),
}
HEADLINE = (
    "reserves",
    "reserves_gdp_share",
    "qt_runoff",
    "m2",
    "sofr_days_above_range",
    "payroll_declines_7m",
    "miner_cost",
    "supply_in_loss",
)


@dataclass(frozen=True)
class Notes:
    """Editorial commentary: a title and paragraphs per language (plain text, escaped by the template)."""

    title: Text
    paragraphs: Mapping[str, Sequence[str]]

    def to_json(self) -> dict[str, Any]:
        """The form archived as notes.json."""
        return {"title": dict(self.title), "paragraphs": {k: list(v) for k, v in self.paragraphs.items()}}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Notes:
        """Notes read back from notes.json."""
        return cls(title=dict(doc["title"]), paragraphs={k: list(v) for k, v in doc["paragraphs"].items()})


@dataclass(frozen=True)
class EditionMeta:
    """Facts about the edition that are not figures."""

    as_of: dt.date
    demo: bool
    langs: tuple[str, ...]
    version: str
    generated: dt.datetime
    qt_end: dt.date
    fomc: FomcStatus
    notes: Notes | None = None
    previous: Mapping[str, Any] | None = None  # the previous archived edition's figures.json
    vintages: Mapping[str, str] | None = None  # kind of data per series (the manifest's map); None: unknown


# The series each figure is computed from (report/figures/*), to name them for a figure that is unavailable and so
# carries no sources; days_to_fomc comes from the FOMC calendar. A test checks it against the figures' sources.
FIGURE_SERIES: dict[str, tuple[str, ...]] = {
    "reserves": ("WRESBAL",),
    "reserves_weekly_change": ("WRESBAL",),
    "reserves_since_qt_end": ("WRESBAL",),
    "reserves_gdp_share": ("WRESBAL", "GDP"),
    "fed_assets": ("WALCL",),
    "qt_runoff": ("WALCL",),
    "fed_assets_since_qt_end": ("WALCL",),
    "fed_treasuries": ("TREAST",),
    "fed_treasuries_since_qt_end": ("TREAST",),
    "fed_treasuries_monthly_pace": ("TREAST",),
    "rmp_": ("WALCL", "TREAST"),  # every purchase scenario
    "m2": ("M2SL",),
    "m2_yoy": ("M2SL",),
    "m2_prior_peak": ("M2SL",),
    "sofr_iorb_spread_bp": ("SOFR", "IORB"),
    "sofr_days_at_or_above_iorb": ("SOFR", "IORB"),
    "sofr_days_above_range": ("SOFR", "DFEDTARU"),
    "sofr_max_excess_bp": ("SOFR", "DFEDTARU"),
    "policy_range_upper": ("DFEDTARU", "DFEDTARL"),
    "payroll_change": ("PAYEMS",),
    "payroll_declines_7m": ("PAYEMS",),
    "payroll_3m_avg": ("PAYEMS",),
    "unemployment_rate": ("UNRATE",),
    "job_openings": ("JTSJOL",),
    "quits_rate": ("JTSQUR",),
    "core_pce_yoy": ("PCEPILFE",),
    "cpi_yoy": ("CPIAUCSL",),
    "btc_price": ("CBBTCUSD", "BTC_PRICE"),
    "btc_drawdown": ("CBBTCUSD", "BTC_PRICE"),
    "hashrate": ("BTC_HASHRATE",),
    "miner_cost": ("BTC_HASHRATE", "BTC_ISSUANCE", "BTC_FEES"),
    "btc_price_to_cost": ("CBBTCUSD", "BTC_PRICE", "BTC_HASHRATE", "BTC_ISSUANCE", "BTC_FEES"),
    "break_even_power_price": ("CBBTCUSD", "BTC_PRICE", "BTC_HASHRATE", "BTC_ISSUANCE", "BTC_FEES"),
    "difficulty_change": ("BTC_DIFFICULTY",),
    "supply_in_loss": ("BTC_SUPPLY_IN_LOSS",),
    "supply_in_loss_share": ("BTC_SUPPLY_IN_LOSS", "BTC_SUPPLY"),
    "days_to_fomc": (),
}


def figure_series(key: str) -> tuple[str, ...]:
    """The series a figure is computed from (empty for the FOMC countdown and for an unknown key)."""
    if key.startswith("rmp_"):
        return FIGURE_SERIES["rmp_"]
    return FIGURE_SERIES.get(key, ())


def _signed(fn: Any, diff: float, lang: str) -> str:
    """A formatter applied to the size of ``diff``, with "+" for a gain and U+2212 for a fall."""
    body = str(fn(abs(diff), lang))
    return ("+" if diff > 0 else MINUS) + body


def delta(diff: float, unit: str, lang: str) -> str:
    """The change between two values of a figure: two percentages differ in percentage points, two rates in basis
    points; a gain carries a plus sign and a fall U+2212."""
    if unit in ("percent", "percent_change"):
        return signed_points(diff, lang)
    if unit == "rate":
        return basis_points(diff * 100, lang, sign=True)
    if unit == "bp":
        return basis_points(diff, lang, sign=True)
    formatters: dict[str, Any] = {
        "USD": money,
        "persons": count_words,
        "persons_change": lambda v, lg: count_words(v, lg) + ("人" if lg == "zh-Hant" else ""),  # 增加4.1萬人
        "BTC": btc,
        "days": days,
        "H/s": hashrate,
        "count": lambda v, lg: number(v, lg, 0),
        "ratio": lambda v, lg: number(v, lg, 2),
        "USD/kWh": lambda v, lg: f"US${number(v, lg, 3)}/kWh" if lg == "en" else f"每度{number(v, lg, 3)}美元",
    }
    fn = formatters.get(unit)
    if fn is None:
        return fmt(diff, unit, lang)
    return _signed(fn, diff, lang)


# How a status looks in the templates (a CSS class): an implausible figure is greyed out like an unavailable one.
STATUS_CLASS = {"implausible": "unavailable"}


def _number(value: Any) -> float | None:
    """A previous edition's value when it is a finite number (bool is not one), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _text(value: Any) -> dict[str, str] | None:
    """A previous edition's per-language text when it has every language, else None."""
    if not isinstance(value, Mapping) or not all(isinstance(value.get(lang), str) for lang in LANGS):
        return None
    return {lang: value[lang] for lang in LANGS}


def _previous_figures(previous: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The previous edition's figures by key, leaving out any that is not of the documented shape."""
    figures = previous.get("figures")
    if not isinstance(figures, list):
        return {}
    return {
        f["key"]: f
        for f in figures
        if isinstance(f, Mapping) and isinstance(f.get("key"), str) and _text(f.get("formatted")) is not None
    }


def _edition_date(previous: Mapping[str, Any]) -> dt.date | None:
    """The previous edition's date, or None when it is missing or not a date."""
    try:
        return dt.date.fromisoformat(previous["edition"])
    except (KeyError, TypeError, ValueError):
        return None


def _change_row(f: Figure, p: Mapping[str, Any], cat: Catalogue) -> tuple[dict[str, Any], dict[str, str] | None]:
    """One figure against its previous value, and the revision note when the same observation changed."""
    change, revision = None, None
    old_value, old_text = _number(p.get("value")), _text(p.get("formatted")) or {lang: "—" for lang in LANGS}
    if f.value is not None and old_value is not None and f.unit == p.get("unit"):
        diff = f.value - old_value
        change = {lang: delta(diff, f.unit, lang) if diff else "—" for lang in LANGS}
        if f.observed and p.get("observed") == f.observed.isoformat() and abs(diff) > 1e-9 * max(1, abs(f.value)):
            revision = cat.both(
                "changes.revised_figure",
                label=f.label,
                date=per_lang(date, f.observed),
                old=old_text,
                new={lang: f.formatted(lang) for lang in LANGS},
            )
    row = {
        "label": f.label,
        "previous": old_text,
        "now": {lang: f.formatted(lang) for lang in LANGS},
        "change": change or {lang: "—" for lang in LANGS},
    }
    return row, revision


def _payroll_revisions(now: Figure | None, old: Mapping[str, Any], cat: Catalogue) -> list[dict[str, str]]:
    """Months whose payroll change differs from what the previous edition printed."""
    if now is None or not isinstance(old, Mapping) or not old:
        return []
    months, values = old.get("months"), old.get("changes")
    if not isinstance(months, list) or not isinstance(values, list):
        return []
    before = {m: _number(v) for m, v in zip(months, values, strict=False) if isinstance(m, str)}
    out = []
    for m, v in zip(now.detail.get("months", []), now.detail.get("changes", []), strict=False):
        was = before.get(m)
        if was is not None and v is not None and abs(v - was) >= 1:
            out.append(
                cat.both(
                    "changes.revised_payroll",
                    month=per_lang(month, dt.date.fromisoformat(m)),
                    old={lang: fmt(was, "persons_change", lang) for lang in LANGS},
                    new={lang: fmt(v, "persons_change", lang) for lang in LANGS},
                )
            )
    return out


def _no_revisions(series: Sequence[str], vintages: Mapping[str, str] | None, cat: Catalogue) -> dict[str, str]:
    """What to say when no revision was found: that none was made only where vintages are stored (elsewhere the
    store holds the latest values alone, so a revision cannot be seen)."""
    kinds = vintages or {}
    with_v = [s for s in series if kinds.get(s) == "vintages"]
    if with_v and len(with_v) == len(series):
        return cat.both("changes.no_revisions")
    if not with_v:
        return cat.both("changes.no_vintages")
    return cat.both("changes.no_revisions_partial", with_vintages=len(with_v), without=len(series) - len(with_v))


def changes(
    figures: Sequence[Figure],
    previous: Mapping[str, Any] | None,
    cat: Catalogue,
    *,
    vintages: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """Each key figure against the previous archived edition, and revisions of data both editions show (whether
    revisions can be seen at all depends on ``vintages``, the kind of data per series)."""
    if not isinstance(previous, Mapping):
        return None
    edition = _edition_date(previous)
    if edition is None or not isinstance(previous.get("figures"), list):
        return None  # not a figures document: nothing to compare with (the build warns about it)
    prev = _previous_figures(previous)
    rows, revisions = [], []
    compared: set[str] = set()
    for f in figures:
        p = prev.get(f.key)
        if p is None or f.key.startswith("rmp_"):
            continue
        row, revision = _change_row(f, p, cat)
        rows.append(row)
        compared.update(s.series for s in f.sources)
        if revision is not None:
            revisions.append(revision)
    now_pay = next((f for f in figures if f.key == "payroll_declines_7m"), None)
    revisions += _payroll_revisions(now_pay, prev.get("payroll_declines_7m", {}).get("detail") or {}, cat)
    return {
        "title": cat.both("ui.since_last", date=per_lang(date, edition)),
        "rows": rows,
        "revisions": revisions or [_no_revisions(sorted(compared), vintages, cat)],
    }


def data_uri(chart: Chart) -> str:
    """A chart as a data: URI for a standalone page."""
    return f"data:{chart.mime};base64,{base64.b64encode(chart.data).decode('ascii')}"


def _figure_row(f: Figure, cat: Catalogue) -> dict[str, Any]:
    sources = _sources(f, cat)
    return {
        "key": f.key,
        "label": f.label,
        "value": {lang: f.formatted(lang) for lang in LANGS},
        "observed": f.observed.isoformat() if f.observed else "—",
        "status": STATUS_CLASS.get(f.status, f.status),
        "status_text": cat.both(f"ui.status_{f.status}"),
        "reason": f.reason,
        # the mono cell of the current template takes codes only (Chinese there falls back to a Japanese font);
        # sources_text says the same in both languages
        "sources": _codes(f),
        "sources_text": sources,
        "series": sorted({s.series for s in f.sources} or set(figure_series(f.key))),
    }


def _codes(f: Figure) -> str:
    """The series used with their dates, or the series an unavailable figure would use, as codes."""
    if f.sources:
        return ", ".join(f"{s.series} ({s.date.isoformat() if s.date else '—'})" for s in f.sources)
    needed = figure_series(f.key)
    return f"({', '.join(needed)})" if needed else "FOMC calendar"


def _sources(f: Figure, cat: Catalogue) -> dict[str, str]:
    """The series a figure used with the dates of their observations; for an unavailable figure, the series it
    would use; for the FOMC countdown, the calendar."""
    if f.sources:
        used = ", ".join(f"{s.series} ({s.date.isoformat() if s.date else '—'})" for s in f.sources)
        return {lang: used for lang in LANGS}
    needed = figure_series(f.key)
    if not needed:
        return cat.both("story.sources_calendar")
    return cat.both("story.sources_needed", series={"en": ", ".join(needed), "zh-Hant": "、".join(needed)})


def _countdown(fomc: Figure | None, meta: EditionMeta, cat: Catalogue) -> dict[str, str]:
    """Days to the next FOMC decision, or why they are unknown."""
    m = meta.fomc.meeting
    if m is not None and fomc is not None and fomc.available:
        return cat.both("ui.days_to_fomc", days=per_lang(days, fomc.value or 0), decision=per_lang(date, m.end))
    if meta.fomc.before_calendar:
        return cat.both("ui.fomc_before", first=per_lang(date, meta.fomc.first_known))
    return cat.both("ui.fomc_unknown", last=per_lang(date, meta.fomc.last_known))


def _chart_sources(ids: Sequence[str], cat: Catalogue) -> dict[str, str]:
    """A chart's inputs under it: the codes in English (as before), by name in Chinese, where the house style keeps
    codes to the sources appendix ("銀行準備金、名目GDP")."""
    zh = [cat.t(f"reason.series.{sid}", "zh-Hant") if f"reason.series.{sid}" in cat.strings else sid for sid in ids]
    return {"en": ", ".join(ids), "zh-Hant": "、".join(dict.fromkeys(zh))}


def _sections(story: Story, *, charts: Sequence[Chart], src: Mapping[str, str], cat: Catalogue) -> list[dict[str, Any]]:
    """The five sections: title, paragraphs and charts."""
    return [
        {
            "id": f"s{n}",
            "title": cat.both(f"ui.section{n}"),
            "paragraphs": story[n],
            "charts": [
                {
                    "id": c.id,
                    "title": c.title,
                    "src": src[c.id],
                    "empty": c.empty,
                    "sources": cat.both("ui.chart_source", sources=_chart_sources(c.sources, cat)),
                }
                for c in charts
                if c.section == n
            ],
        }
        for n in (1, 2, 3, 4, 5)
    ]


def _sensitivity(mc: Figure | None, cat: Catalogue) -> dict[str, Any] | None:
    """The production-cost table over miner efficiency and power price, with the base case marked."""
    if mc is None or not mc.available:
        return None
    d = mc.detail
    return {
        "caption": cat.both("ui.sensitivity"),
        "power": [f"{p:.2f}" for p in SENSITIVITY_POWER],
        "rows": [
            {
                "efficiency": f"{e:g}",
                "cells": [{lang: money(v, lang) for lang in LANGS} for v in row],
                "base": [
                    abs(e - d["efficiency_j_per_th"]) < 1e-9 and abs(p - d["power_usd_per_kwh"]) < 1e-9
                    for p in SENSITIVITY_POWER
                ],
            }
            for e, row in zip(SENSITIVITY_EFFICIENCY, d["sensitivity"]["cost"], strict=True)
        ],
        "assumptions": cat.both(
            "ui.assumptions",
            eff=f"{d['efficiency_j_per_th']:g}",
            power=f"{d['power_usd_per_kwh']:.3f}".rstrip("0"),
            hashrate=per_lang(hashrate, d["hashrate_hs"]),
            n=d["smooth_days"],
            per_day={lang: f"{d['btc_per_day']:,.1f} BTC" for lang in LANGS},
        ),
    }


def _series_table(figures: Sequence[Figure]) -> list[dict[str, Any]]:
    """The data-sources appendix: every series a figure used, and those an unavailable figure would use."""
    used = sorted({s.series for f in figures for s in f.sources} | {sid for f in figures for sid in _needed(f)})
    return [
        {
            "id": sid,
            "title": {"en": SERIES[sid].title, "zh-Hant": SERIES[sid].title_zh},
            "units": SERIES[sid].units,
            "frequency": SERIES[sid].frequency,
            "source": SERIES[sid].source,
        }
        for sid in used
        if sid in SERIES
    ]


def _needed(f: Figure) -> tuple[str, ...]:
    """The series an unavailable figure would use (none for an available one: its sources say what it used)."""
    return () if f.sources else figure_series(f.key)


def revision_sentences(since_last: Mapping[str, Any] | None) -> list[Sentence]:
    """The "since the last edition" notes as sentences of the narrative."""
    if not since_last:
        return []
    return [Sentence("changes.revisions", "since_last", 0, (), dict(r)) for r in since_last["revisions"]]


def build(
    figures: Sequence[Figure],
    charts: Sequence[Chart],
    *,
    meta: EditionMeta,
    cat: Catalogue,
    chart_src: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the templates need. ``chart_src`` maps chart ids to image sources (default data URIs)."""
    figs = {f.key: f for f in figures}
    told: Narrative = narrative(figs, meta, cat)
    story: Story = told.story
    since_last = changes(figures, meta.previous, cat, vintages=meta.vintages)
    sentences = [*told.sentences, *revision_sentences(since_last)]
    fomc = figs.get("days_to_fomc")
    return {
        "langs": list(meta.langs),
        "primary_lang": meta.langs[0],
        "t": {key: cat.both(key) for key in cat.strings if key.startswith("ui.")},
        "edition_date": meta.as_of.isoformat(),
        "edition_date_text": per_lang(date, meta.as_of),
        "edition_label": cat.both("ui.edition", date=per_lang(date, meta.as_of)),
        "demo": meta.demo,
        "pre_fomc": meta.fomc.pre_fomc,
        "countdown": _countdown(fomc, meta, cat),
        "fomc_days_text": {lang: fomc.formatted(lang) for lang in LANGS} if fomc and fomc.available else None,
        "headline": [_figure_row(figs[k], cat) for k in HEADLINE if k in figs],
        "sections": _sections(
            story, charts=charts, src=dict(chart_src or {c.id: data_uri(c) for c in charts}), cat=cat
        ),
        "conclusion": story["conclusion"],
        "summary": told.paragraphs("conclusion"),  # the e-mail's summary: the conclusion's sentences
        "summary_title": cat.both("story.summary_title"),
        "narrative": {"sentences": [s.to_json() for s in sentences]},
        "rmp": [_figure_row(f, cat) | {"text": f.text} for f in figures if f.key.startswith("rmp_")],
        "sensitivity": _sensitivity(figs.get("miner_cost"), cat),
        "key_figures": [_figure_row(f, cat) for f in figures],
        "series": _series_table(figures),
        "notes": meta.notes,
        "since_last": since_last,
        "generated": cat.both(
            "ui.generated",
            # Chinese dates in words (2025年12月8日), as everywhere in the Chinese text
            when={
                "en": meta.generated.strftime("%Y-%m-%d %H:%M UTC"),
                "zh-Hant": f"{date(meta.generated.date(), 'zh-Hant')}{meta.generated:%H時%M分}（UTC）",
            },
            version=meta.version,
            as_of={"en": meta.as_of.isoformat(), "zh-Hant": date(meta.as_of, "zh-Hant")},
        ),
    }
