"""The template context of an edition: sections, narrative, tables and appendix, built from figures (pure)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from report.calendar import FomcStatus
from report.charts import Chart
from report.figures import Figure
from report.figures.bitcoin import SENSITIVITY_EFFICIENCY, SENSITIVITY_POWER
from report.i18n import LANGS, Catalogue, date, days, hashrate, money, per_lang, percent, ratio
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
    extra: Mapping[str, Any] = field(default_factory=dict)


def _sentence(f: Figure, cat: Catalogue) -> dict[str, str]:
    """A figure's sentence; a stale figure carries its reason in brackets."""
    if f.status == "stale" and f.reason:
        return {lang: f"{f.text[lang]} [{f.reason[lang]}]" for lang in LANGS}
    return dict(f.text)


def _join(parts: Sequence[Mapping[str, str]]) -> dict[str, str]:
    sep = {"en": " ", "zh-Hant": ""}
    return {lang: sep[lang].join(p[lang] for p in parts if p.get(lang)) for lang in LANGS}


def _val(figs: Mapping[str, Figure], key: str) -> float | None:
    f = figs.get(key)
    return f.value if f is not None and f.available else None


def narrative(figs: Mapping[str, Figure], meta: EditionMeta, cat: Catalogue) -> dict[int | str, list[dict[str, str]]]:
    """Paragraphs (per language) for each section, composed from figure sentences by simple rules."""

    def sentences(*keys: str) -> dict[str, str]:
        return _join([_sentence(figs[k], cat) for k in keys if k in figs])

    qt_end = per_lang(date, meta.qt_end)
    out: dict[int | str, list[dict[str, str]]] = {}

    intro_key = "story.s1_intro" if meta.as_of >= meta.qt_end else "story.s1_before_qt_end"
    rmp = [f for f in figs.values() if f.key.startswith("rmp_")]
    out[1] = [
        _join([cat.both(intro_key, qt_end=qt_end)]),
        sentences("reserves", "reserves_weekly_change", "reserves_since_qt_end", "reserves_gdp_share"),
        sentences("fed_assets", "qt_runoff", "fed_treasuries"),
        _join([cat.both("story.s1_scenarios"), *(_sentence(f, cat) for f in rmp)]) if rmp else {},
    ]
    s2 = [sentences("days_to_fomc")]
    if meta.fomc.pre_fomc:
        s2[0] = _join([cat.both("story.s2_pre"), s2[0]])
    s2 += [
        sentences("policy_range_upper", "sofr_iorb_spread_bp", "sofr_days_at_or_above_iorb"),
        sentences("sofr_days_above_range", "sofr_max_excess_bp"),
        cat.both("story.s2_watch"),
    ]
    out[2] = s2

    above = _val(figs, "sofr_days_above_range") or 0
    at_iorb = _val(figs, "sofr_days_at_or_above_iorb") or 0
    stress = above >= 1 or at_iorb >= 10
    out[3] = [
        _join([cat.both("story.s3_intro"), cat.both("story.s3_stress" if stress else "story.s3_calm")]),
        sentences("m2", "m2_yoy", "m2_prior_peak"),
        sentences("supply_in_loss", "supply_in_loss_share"),
    ]
    declines = _val(figs, "payroll_declines_7m")
    avg3 = _val(figs, "payroll_3m_avg")
    weak = (declines is not None and declines >= 3) or (avg3 is not None and avg3 < 50_000)
    out[4] = [
        sentences("payroll_change", "payroll_declines_7m", "payroll_3m_avg"),
        sentences("unemployment_rate", "job_openings", "quits_rate"),
        sentences("core_pce_yoy", "cpi_yoy"),
        cat.both("story.s4_weak" if weak else "story.s4_firm"),
    ]
    p2c = _val(figs, "btc_price_to_cost")
    loss_share = _val(figs, "supply_in_loss_share")
    miner_stress = (p2c is not None and p2c < 1.5) or (loss_share is not None and loss_share >= 25)
    out[5] = [
        sentences("btc_price", "btc_drawdown"),
        sentences("miner_cost", "btc_price_to_cost", "hashrate"),
        sentences("difficulty_change", "supply_in_loss", "supply_in_loss_share"),
        cat.both("story.s5_stress" if miner_stress else "story.s5_calm"),
    ]
    m2 = figs.get("m2")
    record = bool(m2 is not None and m2.available and m2.detail.get("record"))
    turn = meta.as_of >= meta.qt_end and record and weak
    conclusion = [cat.both("story.conclusion_turn" if turn else "story.conclusion_mixed")]
    dd = _val(figs, "btc_drawdown")
    if p2c is not None and dd is not None:
        conclusion.append(
            cat.both("story.conclusion_btc", ratio=per_lang(ratio, p2c), drawdown=per_lang(percent, abs(dd)))
        )
    if any(not f.available for f in figs.values()):
        conclusion.append(cat.both("story.unavailable_note"))
    out["conclusion"] = [_join(conclusion)]
    return {k: [p for p in v if p and any(p.values())] for k, v in out.items()}


def changes(figures: Sequence[Figure], previous: Mapping[str, Any] | None, cat: Catalogue) -> dict[str, Any] | None:
    """Each key figure against the previous archived edition, and revisions of data both editions show."""
    from report.i18n import fmt, month

    if previous is None:
        return None
    prev = {f["key"]: f for f in previous.get("figures", [])}
    rows = []
    revisions: list[dict[str, str]] = []
    for f in figures:
        p = prev.get(f.key)
        if p is None or f.key.startswith("rmp_"):
            continue
        delta = None
        if f.value is not None and p.get("value") is not None and f.unit == p.get("unit"):
            diff = f.value - p["value"]
            unit = {"persons": "persons_change", "percent": "percent_change", "rate": "percent_change"}.get(
                f.unit, f.unit
            )
            delta = {lang: fmt(diff, unit, lang) if diff else "—" for lang in LANGS}
            if f.observed and p.get("observed") == f.observed.isoformat() and abs(diff) > 1e-9 * max(1, abs(f.value)):
                revisions.append(
                    cat.both(
                        "changes.revised_figure",
                        label=f.label,
                        date=f.observed.isoformat(),
                        old=p["formatted"],
                        new={lang: f.formatted(lang) for lang in LANGS},
                    )
                )
        rows.append(
            {
                "label": f.label,
                "previous": p["formatted"],
                "now": {lang: f.formatted(lang) for lang in LANGS},
                "change": delta or {lang: "—" for lang in LANGS},
            }
        )
    now_pay = next((f for f in figures if f.key == "payroll_declines_7m"), None)
    old_pay = prev.get("payroll_declines_7m", {}).get("detail") or {}
    if now_pay is not None and old_pay:
        before = dict(zip(old_pay.get("months", []), old_pay.get("changes", []), strict=False))
        for m, v in zip(now_pay.detail.get("months", []), now_pay.detail.get("changes", []), strict=False):
            old = before.get(m)
            if old is not None and v is not None and abs(v - old) >= 1:
                day = dt.date.fromisoformat(m)
                revisions.append(
                    cat.both(
                        "changes.revised_payroll",
                        month=per_lang(month, day),
                        old={lang: fmt(old, "persons_change", lang) for lang in LANGS},
                        new={lang: fmt(v, "persons_change", lang) for lang in LANGS},
                    )
                )
    return {
        "title": cat.both("ui.since_last", date=per_lang(date, dt.date.fromisoformat(previous["edition"]))),
        "rows": rows,
        "revisions": revisions or [cat.both("changes.no_revisions")],
    }


def data_uri(chart: Chart) -> str:
    """A chart as a data: URI for a standalone page."""
    return f"data:{chart.mime};base64,{base64.b64encode(chart.data).decode('ascii')}"


def _figure_row(f: Figure, cat: Catalogue) -> dict[str, Any]:
    return {
        "key": f.key,
        "label": f.label,
        "value": {lang: f.formatted(lang) for lang in LANGS},
        "observed": f.observed.isoformat() if f.observed else "—",
        "status": f.status,
        "status_text": cat.both(f"ui.status_{f.status}"),
        "reason": f.reason,
        "sources": ", ".join(f"{s.series} ({s.date.isoformat() if s.date else '—'})" for s in f.sources)
        or cat.t("ui.col_source", "en") + ": FOMC calendar",
        "series": sorted({s.series for s in f.sources}),
    }


def build(
    figures: Sequence[Figure],
    charts: Sequence[Chart],
    meta: EditionMeta,
    cat: Catalogue,
    chart_src: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the edition template needs. ``chart_src`` maps chart ids to image sources (default data URIs)."""
    figs = {f.key: f for f in figures}
    story = narrative(figs, meta, cat)
    src = dict(chart_src or {c.id: data_uri(c) for c in charts})
    fomc = figs.get("days_to_fomc")
    m = meta.fomc.meeting
    if m is not None and fomc is not None and fomc.available:
        countdown = cat.both("ui.days_to_fomc", days=per_lang(days, fomc.value or 0), decision=per_lang(date, m.end))
    elif meta.fomc.before_calendar:
        countdown = cat.both("ui.fomc_before", first=per_lang(date, meta.fomc.first_known))
    else:
        countdown = cat.both("ui.fomc_unknown", last=per_lang(date, meta.fomc.last_known))
    sections = []
    for n in (1, 2, 3, 4, 5):
        sections.append(
            {
                "id": f"s{n}",
                "title": cat.both(f"ui.section{n}"),
                "paragraphs": story[n],
                "charts": [
                    {
                        "id": c.id,
                        "title": c.title,
                        "src": src[c.id],
                        "sources": cat.both("ui.chart_source", sources=", ".join(c.sources)),
                    }
                    for c in charts
                    if c.section == n
                ],
            }
        )
    rmp = [f for f in figures if f.key.startswith("rmp_")]
    mc = figs.get("miner_cost")
    sensitivity = None
    if mc is not None and mc.available:
        d = mc.detail
        sensitivity = {
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
    used = sorted({s.series for f in figures for s in f.sources})
    return {
        "langs": list(meta.langs),
        "primary_lang": meta.langs[0],
        "t": {key: cat.both(key) for key in cat.strings if key.startswith("ui.")},
        "edition_date": meta.as_of.isoformat(),
        "edition_label": cat.both("ui.edition", date=per_lang(date, meta.as_of)),
        "demo": meta.demo,
        "pre_fomc": meta.fomc.pre_fomc,
        "countdown": countdown,
        "headline": [_figure_row(figs[k], cat) for k in HEADLINE if k in figs],
        "sections": sections,
        "conclusion": story["conclusion"],
        "rmp": [_figure_row(f, cat) | {"text": f.text} for f in rmp],
        "sensitivity": sensitivity,
        "key_figures": [_figure_row(f, cat) for f in figures],
        "series": [
            {
                "id": sid,
                "title": {"en": SERIES[sid].title, "zh-Hant": SERIES[sid].title_zh},
                "units": SERIES[sid].units,
                "frequency": SERIES[sid].frequency,
                "source": SERIES[sid].source,
            }
            for sid in used
            if sid in SERIES
        ],
        "notes": meta.notes,
        "since_last": changes(figures, meta.previous, cat),
        "generated": cat.both(
            "ui.generated",
            when=meta.generated.strftime("%Y-%m-%d %H:%M UTC"),
            version=meta.version,
            as_of=meta.as_of.isoformat(),
        ),
    }
