"""The template context of an edition: sections, narrative, tables and appendix, built from figures (pure)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from report.calendar import FomcStatus
from report.charts.chart import Chart
from report.editor import resolve
from report.figures import Figure
from report.figures.bitcoin import SENSITIVITY_EFFICIENCY, SENSITIVITY_POWER
from report.figures.model import names_of
from report.i18n import (
    LANGS,
    Catalogue,
    btc,
    date,
    days,
    fmt,
    hashrate,
    money,
    month,
    per_lang,
)
from report.releases import ReleaseCalendar, Upcoming, period_words
from report.render.changes import changes
from report.render.narrative import Narrative, Sentence, Story, narrative
from report.series import FRED, REVISED, SERIES

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
    "btc_price_to_cost",  # the cost alone cannot be read without the price: their ratio says where miners stand
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
    calendar: ReleaseCalendar | None = None  # the release calendar the data were read with
    upcoming: Sequence[Upcoming] = ()  # the releases due from the edition to the FOMC decision, and just after


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
    "fed_bills": ("WSHOBL",),
    "fed_bills_since_qt_end": ("WSHOBL",),
    "rmp_": ("WALCL", "TREAST"),  # every purchase scenario
    "tga": ("WDTGAL",),
    "on_rrp": ("RRPONTSYD",),
    "net_liquidity": ("WALCL", "WDTGAL", "RRPONTSYD"),
    "net_liquidity_4w_change": ("WALCL", "WDTGAL", "RRPONTSYD"),
    "effr_iorb_spread_bp": ("EFFR", "IORB"),
    "sofr99_iorb_spread_bp": ("SOFR99", "IORB"),
    "sofr99_max_spread_bp": ("SOFR99", "IORB"),
    "srf_takeup": ("RPONTTLD",),
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
    "realized_price": ("BTC_REALIZED_PRICE", "BTC_MVRV", "CBBTCUSD", "BTC_PRICE"),
    "mvrv": ("BTC_REALIZED_PRICE", "BTC_MVRV", "CBBTCUSD", "BTC_PRICE"),
    "hashprice": ("BTC_HASHRATE", "BTC_ISSUANCE", "BTC_FEES", "CBBTCUSD", "BTC_PRICE"),
    "etf_net_flows_4w": ("BTC_ETF_FLOW",),
    "etf_net_flows_week": ("BTC_ETF_FLOW",),
    "exchange_balance": ("BTC_EXCHANGE_SUPPLY",),
    "exchange_balance_30d_change": ("BTC_EXCHANGE_SUPPLY",),
    "btc_liquidity_correlation": ("WALCL", "WDTGAL", "RRPONTSYD", "CBBTCUSD", "BTC_PRICE"),
    "days_to_fomc": (),
}


def figure_series(key: str) -> tuple[str, ...]:
    """The series a figure is computed from (empty for the FOMC countdown and for an unknown key)."""
    if key.startswith("rmp_"):
        return FIGURE_SERIES["rmp_"]
    return FIGURE_SERIES.get(key, ())


STATUS_CLASS = {"implausible": "unavailable"}


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


def _chart_sources(ids: Sequence[str], cat: Catalogue, *, demo: bool) -> dict[str, str]:
    """A chart's inputs under it by name, with who publishes them ("bank reserves, nominal GDP (FRED)"); codes
    belong to the sources appendix. A demo chart says its data are generated."""
    names = {
        lang: list(
            dict.fromkeys(cat.t(f"reason.series.{s}", lang) if f"reason.series.{s}" in cat.strings else s for s in ids)
        )
        for lang in LANGS
    }
    if demo:
        publisher = cat.both("ui.demo_source")
    else:
        short = ", ".join(dict.fromkeys(_publisher(s) for s in ids))
        publisher = {lang: short for lang in LANGS}
    return cat.both(
        "ui.chart_source",
        sources={"en": ", ".join(names["en"]), "zh-Hant": "、".join(names["zh-Hant"])},
        publisher=publisher,
    )


def _publisher(sid: str) -> str:
    """Who publishes a series, shortly: "FRED" for FRED series, else the catalogue's source."""
    src = SERIES[sid].source if sid in SERIES else sid
    return "FRED" if src == FRED else src


SECTIONS = (1, 2, 3, 4, 5)


def _chart_entry(c: Chart, src: str, cat: Catalogue, *, demo: bool) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "src": src,
        "empty": c.empty,
        "sources": _chart_sources(c.sources, cat, demo=demo),
    }


def _sections(
    story: Story, *, charts: Sequence[Chart], src: Mapping[str, str], cat: Catalogue, pre_fomc: bool, demo: bool
) -> list[dict[str, Any]]:
    """The five sections: title, paragraphs and charts (section 2 is "this week's FOMC" only in the week before
    the decision, else "the next FOMC meeting")."""
    return [
        {
            "id": f"s{n}",
            "title": cat.both("ui.section2_next" if n == 2 and not pre_fomc else f"ui.section{n}"),
            "paragraphs": story[n],
            "charts": [_chart_entry(c, src[c.id], cat, demo=demo) for c in charts if c.section == n],
        }
        for n in SECTIONS
    ]


def with_charts(context: Mapping[str, Any], charts: Sequence[Chart], *, cat: Catalogue, demo: bool) -> dict[str, Any]:
    """The context with more charts in their sections (the phone-sized copies, drawn while the PDF was laid out,
    which only the web page shows), as data URIs."""
    extra = {n: [_chart_entry(c, data_uri(c), cat, demo=demo) for c in charts if c.section == n] for n in SECTIONS}
    sections = [
        {**sec, "charts": [*sec["charts"], *extra[n]]} for n, sec in zip(SECTIONS, context["sections"], strict=True)
    ]
    return {**context, "sections": sections}


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
            per_day=per_lang(btc, d["btc_per_day"]),
        ),
    }


REBUILT_AFTER_DAYS = 14  # an edition built this long after its date is a rebuild


def _revised_note(meta: EditionMeta, cat: Catalogue) -> dict[str, str] | None:
    """On a past edition rebuilt from a store without vintages of revised series: its values are today's
    revisions, not what was published by its date."""
    if meta.demo or meta.vintages is None or (meta.generated.date() - meta.as_of).days <= REBUILT_AFTER_DAYS:
        return None
    plain = [sid for sid in REVISED if meta.vintages.get(sid) == "publication lag"]
    if not plain:
        return None
    return cat.both(
        "ui.rebuilt_revised",
        series=names_of(plain, cat),
        as_of=per_lang(date, meta.as_of),
        generated=per_lang(date, meta.generated.date()),
    )


def _first_prints(declines: Figure | None, cat: Catalogue) -> dict[str, Any] | None:
    """Recent payroll changes as first printed beside the current ones (only where vintages are stored)."""
    rows = declines.detail.get("first_prints") if declines is not None else None
    if not rows:
        return None
    out = []
    for r in rows:
        first, now = r["first"], r["now"]
        out.append(
            {
                "month": per_lang(month, dt.date.fromisoformat(r["month"])),
                "first": {lang: fmt(first, "persons_change", lang) for lang in LANGS},
                "now": {lang: fmt(now, "persons_change", lang) for lang in LANGS},
                "revision": {
                    lang: "—" if first is None or abs(now - first) < 1 else fmt(now - first, "persons_change", lang)
                    for lang in LANGS
                },
            }
        )
    return {"title": cat.both("ui.first_prints"), "rows": out}


def _data_calendar(meta: EditionMeta, cat: Catalogue) -> dict[str, Any] | None:
    """The releases from the edition to the FOMC decision and the first after it, with the decision in its place;
    a date from a release's regular schedule is given as "by" (the rule is never early)."""
    if not meta.upcoming:
        return None
    rows: list[tuple[dt.date, dict[str, Any]]] = []
    for u in meta.upcoming:
        # every row lies after the edition: to its reader a date is scheduled, or follows from the regular schedule
        note = "ui.release_by" if u.basis == "schedule" else "ui.release_scheduled"
        rows.append(
            (
                u.date,
                {
                    "date": per_lang(date, u.date),
                    "release": dict(u.release.name),
                    "periods": {
                        lang: ("、" if lang != "en" else ", ").join(period_words(u.release, p, lang) for p in u.periods)
                        for lang in LANGS
                    },
                    "note": cat.both(note),
                    "decision": False,
                },
            )
        )
    m = meta.fomc.meeting
    if m is not None and m.end >= meta.as_of:
        rows.append(
            (
                m.end,
                {
                    "date": per_lang(date, m.end),
                    "release": cat.both("ui.fomc_decision"),
                    "periods": {lang: "" for lang in LANGS},
                    "note": {lang: "" for lang in LANGS},
                    "decision": True,
                },
            )
        )
    rows.sort(key=lambda r: (r[0], not r[1]["decision"]))
    return {"title": cat.both("ui.data_calendar"), "rows": [r for _, r in rows]}


def _series_table(figures: Sequence[Figure], *, demo: bool, cat: Catalogue) -> list[dict[str, Any]]:
    """The data-sources appendix: every series a figure used, and those an unavailable figure would use (in a demo
    edition the values come from the generator, and the source column says so)."""
    used = sorted({s.series for f in figures for s in f.sources} | {sid for f in figures for sid in _needed(f)})
    return [
        {
            "id": sid,
            "title": {"en": SERIES[sid].title, "zh-Hant": SERIES[sid].title_zh},
            "units": SERIES[sid].units,
            "frequency": SERIES[sid].frequency,
            "source": cat.both("ui.demo_source") if demo else {lang: SERIES[sid].source for lang in LANGS},
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
    since_last = changes(figures, meta.previous, cat, vintages=meta.vintages, as_of=meta.as_of)
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
            story,
            charts=charts,
            src=dict(chart_src or {c.id: data_uri(c) for c in charts}),
            cat=cat,
            pre_fomc=meta.fomc.pre_fomc,
            demo=meta.demo,
        ),
        "conclusion": story["conclusion"],
        "summary": told.paragraphs("conclusion"),  # the e-mail's summary: the conclusion's sentences
        "summary_title": cat.both("story.summary_title"),
        "narrative": {"sentences": [s.to_json() for s in sentences]},
        "rmp": [_figure_row(f, cat) | {"text": f.text} for f in figures if f.key.startswith("rmp_")],
        "sensitivity": _sensitivity(figs.get("miner_cost"), cat),
        "data_calendar": _data_calendar(meta, cat),
        "first_prints": _first_prints(figs.get("payroll_declines_7m"), cat),
        "revised_note": _revised_note(meta, cat),
        "key_figures": [_figure_row(f, cat) for f in figures],
        "series": _series_table(figures, demo=meta.demo, cat=cat),
        "notes": resolve(meta.notes, figs, cat) if meta.notes is not None else None,
        "since_last": since_last,
        "generated": cat.both(
            "ui.generated",
            # dates in words (8 December 2025, 2025年12月8日), as everywhere in the text
            when={
                "en": f"{date(meta.generated.date(), 'en')}, {meta.generated:%H:%M} UTC",
                "zh-Hant": f"{date(meta.generated.date(), 'zh-Hant')}{meta.generated:%H時%M分}（UTC）",
            },
            version=meta.version,
            as_of=per_lang(date, meta.as_of),
        ),
    }
