"""The brief's commentary: paragraphs per section composed from figure sentences, and the named thresholds that
decide which verdict a section carries. Pure: figures and strings in, text per language out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from report.i18n import LANGS, Catalogue, date, per_lang, percent, ratio

if TYPE_CHECKING:
    from report.figures import Figure
    from report.render.context import EditionMeta

Text = Mapping[str, str]
Story = dict[int | str, list[dict[str, str]]]

# Funding strain: SOFR printed above the top of the target range on at least this many days of the lookback ...
STRESS_DAYS_ABOVE_RANGE = 1
# ... or at or above interest on reserves on at least this many days.
STRESS_DAYS_AT_OR_ABOVE_IORB = 10
# A weak labour market: payrolls fell in at least this many of the last seven months ...
WEAK_PAYROLL_DECLINES_7M = 3
# ... or the three-month average payroll change is below this many jobs a month.
WEAK_PAYROLL_3M_AVG = 50_000
# Miner stress: the price is less than this multiple of the production cost ...
STRESS_PRICE_TO_COST = 1.5
# ... or at least this share (percent) of the supply is held at a loss.
STRESS_SUPPLY_IN_LOSS_SHARE = 25.0


def _sentence(f: Figure) -> dict[str, str]:
    """A figure's sentence; a stale figure carries its reason in brackets."""
    if f.status == "stale" and f.reason:
        return {lang: f"{f.text[lang]} [{f.reason[lang]}]" for lang in LANGS}
    return dict(f.text)


def join(parts: Sequence[Text]) -> dict[str, str]:
    """Sentences joined per language (a space in English, nothing in Chinese)."""
    sep = {"en": " ", "zh-Hant": ""}
    return {lang: sep[lang].join(p[lang] for p in parts if p.get(lang)) for lang in LANGS}


def value(figs: Mapping[str, Figure], key: str) -> float | None:
    """A figure's value when it is available."""
    f = figs.get(key)
    return f.value if f is not None and f.available else None


def funding_stress(figs: Mapping[str, Figure]) -> bool:
    """SOFR above the range, or often at or above IORB, over the lookback."""
    above = value(figs, "sofr_days_above_range") or 0
    at_iorb = value(figs, "sofr_days_at_or_above_iorb") or 0
    return above >= STRESS_DAYS_ABOVE_RANGE or at_iorb >= STRESS_DAYS_AT_OR_ABOVE_IORB


def labour_weak(figs: Mapping[str, Figure]) -> bool:
    """Payrolls fell often in the last seven months, or the three-month average is low."""
    declines = value(figs, "payroll_declines_7m")
    avg3 = value(figs, "payroll_3m_avg")
    return (declines is not None and declines >= WEAK_PAYROLL_DECLINES_7M) or (
        avg3 is not None and avg3 < WEAK_PAYROLL_3M_AVG
    )


def miner_stress(figs: Mapping[str, Figure]) -> bool:
    """The price is close to the production cost, or much of the supply is held at a loss."""
    p2c = value(figs, "btc_price_to_cost")
    loss_share = value(figs, "supply_in_loss_share")
    return (p2c is not None and p2c < STRESS_PRICE_TO_COST) or (
        loss_share is not None and loss_share >= STRESS_SUPPLY_IN_LOSS_SHARE
    )


def _balance_sheet(figs: Mapping[str, Figure], meta: EditionMeta, cat: Catalogue) -> list[dict[str, str]]:
    intro_key = "story.s1_intro" if meta.as_of >= meta.qt_end else "story.s1_before_qt_end"
    rmp = [f for f in figs.values() if f.key.startswith("rmp_")]
    return [
        join([cat.both(intro_key, qt_end=per_lang(date, meta.qt_end))]),
        said(figs, "reserves", "reserves_weekly_change", "reserves_since_qt_end", "reserves_gdp_share"),
        said(figs, "fed_assets", "qt_runoff", "fed_treasuries"),
        join([cat.both("story.s1_scenarios"), *(_sentence(f) for f in rmp)]) if rmp else {},
    ]


def _fomc(figs: Mapping[str, Figure], meta: EditionMeta, cat: Catalogue) -> list[dict[str, str]]:
    first = said(figs, "days_to_fomc")
    if meta.fomc.pre_fomc:
        first = join([cat.both("story.s2_pre"), first])
    return [
        first,
        said(figs, "policy_range_upper", "sofr_iorb_spread_bp", "sofr_days_at_or_above_iorb"),
        said(figs, "sofr_days_above_range", "sofr_max_excess_bp"),
        cat.both("story.s2_watch"),
    ]


def said(figs: Mapping[str, Figure], *keys: str) -> dict[str, str]:
    """The named figures' sentences joined; a figure not computed is left out."""
    return join([_sentence(figs[k]) for k in keys if k in figs])


def _conclusion(figs: Mapping[str, Figure], meta: EditionMeta, cat: Catalogue) -> list[dict[str, str]]:
    m2 = figs.get("m2")
    record = bool(m2 is not None and m2.available and m2.detail.get("record"))
    turn = meta.as_of >= meta.qt_end and record and labour_weak(figs)
    parts = [cat.both("story.conclusion_turn" if turn else "story.conclusion_mixed")]
    p2c, dd = value(figs, "btc_price_to_cost"), value(figs, "btc_drawdown")
    if p2c is not None and dd is not None:
        parts.append(cat.both("story.conclusion_btc", ratio=per_lang(ratio, p2c), drawdown=per_lang(percent, abs(dd))))
    if any(not f.available for f in figs.values()):
        parts.append(cat.both("story.unavailable_note"))
    return [join(parts)]


def narrative(figs: Mapping[str, Figure], meta: EditionMeta, cat: Catalogue) -> Story:
    """Paragraphs (per language) for each section and the conclusion, composed from figure sentences by rules."""
    out: Story = {
        1: _balance_sheet(figs, meta, cat),
        2: _fomc(figs, meta, cat),
        3: [
            join(
                [
                    cat.both("story.s3_intro"),
                    cat.both("story.s3_stress" if funding_stress(figs) else "story.s3_calm"),
                ]
            ),
            said(figs, "m2", "m2_yoy", "m2_prior_peak"),
            said(figs, "supply_in_loss", "supply_in_loss_share"),
        ],
        4: [
            said(figs, "payroll_change", "payroll_declines_7m", "payroll_3m_avg"),
            said(figs, "unemployment_rate", "job_openings", "quits_rate"),
            said(figs, "core_pce_yoy", "cpi_yoy"),
            cat.both("story.s4_weak" if labour_weak(figs) else "story.s4_firm"),
        ],
        5: [
            said(figs, "btc_price", "btc_drawdown"),
            said(figs, "miner_cost", "btc_price_to_cost", "hashrate"),
            said(figs, "difficulty_change", "supply_in_loss", "supply_in_loss_share"),
            cat.both("story.s5_stress" if miner_stress(figs) else "story.s5_calm"),
        ],
        "conclusion": _conclusion(figs, meta, cat),
    }
    return {k: [p for p in v if p and any(p.values())] for k, v in out.items()}
