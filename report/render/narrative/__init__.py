"""The brief's commentary as named rules over figures (docs/narrative.md).

Every interpretive sentence (section leads, verdicts, the conclusion, which the e-mail prints as its summary) comes
from a ``Rule``: a name, a section, the figures it rests on, its named thresholds and a function from figures to
an optional sentence in both languages. A rule whose figures are unavailable or implausible says nothing; a rule
resting on a stale figure says how old its data are, in words. The figures' own sentences go through the same
machinery (``FigureGroup``), so ``Narrative.sentences`` lists every sentence the edition prints (narrative.json).
Pure: figures and strings in, sentences out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from report.figures.model import Source, stale_reason
from report.i18n import Catalogue

if TYPE_CHECKING:
    from report.figures import Figure
    from report.render.context import EditionMeta

from report.render.narrative.base import (
    BALANCE_SHEET_MOVE_USD,
    FIRM_DAYS_AT_OR_ABOVE_IORB,
    LARGE_SUPPLY_IN_LOSS_SHARE,
    LIQUIDITY_CORRELATION,
    M2_EXPANDING_YOY,
    MINER_BELOW_COST,
    MINER_THIN_PRICE_TO_COST,
    PRESSURE_DAYS_ABOVE_RANGE,
    RRP_EXHAUSTED_USD,
    SECTIONS,
    SRF_BACKSTOP_USD,
    STRAIN_DAYS_ABOVE_RANGE,
    TGA_MOVE_USD,
    THRESHOLDS,
    UNEMPLOYMENT_TREND_PP,
    WEAK_PAYROLL_3M_AVG,
    WEAK_PAYROLL_DECLINES_7M,
    Facts,
    FigureGroup,
    Narrative,
    Rule,
    Said,
    Sentence,
    Story,
    Text,
    join,
    oldest_stale,
    signed_points,
    value,
    with_age,
)
from report.render.narrative.rules import (
    Funding,
    Phase,
    Trend,
    balance_sheet_phase,
    btc_liquidity,
    conclusion_btc,
    conclusion_labour,
    conclusion_liquidity,
    conclusion_unavailable,
    funding,
    funding_state,
    funding_stress,
    labour,
    labour_state,
    labour_weak,
    liquidity,
    miner_stress,
    miners,
    payrolls_weak,
    purchase_pace,
    repo_backstop,
    rrp_cushion,
    s1_lead,
    s1_scenarios,
    s2_pre,
    s2_watch,
    supply_loss,
    tga_drain,
    unemployment_trend,
)

# --- the plan: rules and figure paragraphs in print order ---------------------------------------------------------
BS = ("fed_assets_since_qt_end",)
PAY = ("payroll_declines_7m", "payroll_3m_avg", "unemployment_rate")
PLAN: tuple[Rule | FigureGroup, ...] = (
    Rule(
        "s1_lead",
        "s1",
        0,
        BS,
        ("BALANCE_SHEET_MOVE_USD",),
        s1_lead,
        doc="Always. Before the end of QT: QT is scheduled to end. After it: growing, flat or shrinking by the change "
        "in total assets since QT ended; QT ended alone while that change is not available.",
    ),
    FigureGroup("s1", 1, ("reserves", "reserves_weekly_change", "reserves_since_qt_end", "reserves_gdp_share")),
    FigureGroup(
        "s1",
        2,
        (
            "fed_assets",
            "qt_runoff",
            "fed_assets_since_qt_end",
            "fed_treasuries",
            "fed_treasuries_since_qt_end",
            "fed_treasuries_monthly_pace",
            "fed_bills",
            "fed_bills_since_qt_end",
        ),
    ),
    Rule(
        "s1_scenarios",
        "s1",
        3,
        ("rmp_*", "fed_assets", *BS),
        ("BALANCE_SHEET_MOVE_USD",),
        s1_scenarios,
        doc="When purchase scenarios are available: actual against scenario once their start has passed; a "
        "projection is called the first sustained expansion only while the balance sheet is not yet growing.",
    ),
    FigureGroup("s1", 3, (), prefix="rmp_"),
    Rule(
        "purchase_pace",
        "s1",
        4,
        ("rmp_*",),
        (),
        purchase_pace,
        doc="Once the purchase scenarios have begun: the average monthly growth of Treasury holdings since their "
        "start against the scenarios' amounts (the `rmp.monthly_usd` setting): faster than the largest, between "
        "them, slower than the smallest, or shrinking. Silent while the scenarios lie ahead.",
    ),
    Rule("s2_pre", "s2", 0, ("days_to_fomc",), (), s2_pre, requires=("days_to_fomc",), doc="In a pre-FOMC week."),
    FigureGroup("s2", 0, ("days_to_fomc",)),
    FigureGroup("s2", 1, ("policy_range_upper", "sofr_iorb_spread_bp", "sofr_days_at_or_above_iorb")),
    FigureGroup("s2", 2, ("sofr_days_above_range", "sofr_max_excess_bp", "effr_iorb_spread_bp")),
    FigureGroup("s2", 3, ("sofr99_iorb_spread_bp", "sofr99_max_spread_bp", "srf_takeup")),
    Rule(
        "repo_backstop",
        "s2",
        3,
        ("srf_takeup",),
        ("SRF_BACKSTOP_USD",),
        repo_backstop,
        requires=("srf_takeup",),
        doc="Standing repo facility take-up on some day of the window at or above the threshold: repo funding "
        "leaned on the Fed's backstop; below it (or none): repo cleared without it. Silent without the series.",
    ),
    Rule(
        "s2_watch",
        "s2",
        4,
        ("days_to_fomc",),
        (),
        s2_watch,
        requires=("days_to_fomc",),
        doc="When the next decision is known.",
    ),
    Rule(
        "funding",
        "s3",
        0,
        ("sofr_days_above_range", "sofr_days_at_or_above_iorb", "sofr_max_excess_bp"),
        ("STRAIN_DAYS_ABOVE_RANGE", "PRESSURE_DAYS_ABOVE_RANGE", "FIRM_DAYS_AT_OR_ABOVE_IORB"),
        funding,
        requires=("sofr_days_above_range",),
        doc="Strain on days above the range; brief pressure on fewer; inside the range on every day it is firm "
        "(often at or above IORB) or calm.",
    ),
    Rule(
        "liquidity",
        "s3",
        0,
        ("m2_yoy", *BS),
        ("M2_EXPANDING_YOY", "BALANCE_SHEET_MOVE_USD"),
        liquidity,
        requires=("m2_yoy",),
        doc="M2 growth against a year earlier, and whether the Fed's balance sheet grows with it. It never says "
        "bitcoin tracks liquidity: no figure shows that yet.",
    ),
    FigureGroup("s3", 1, ("m2", "m2_yoy", "m2_prior_peak")),
    Rule(
        "rrp_cushion",
        "s3",
        2,
        ("on_rrp",),
        ("RRP_EXHAUSTED_USD",),
        rrp_cushion,
        requires=("on_rrp",),
        doc="ON RRP below the threshold: the cushion is exhausted and a drain falls on reserves; above it: the "
        "cushion can still absorb one.",
    ),
    Rule(
        "tga_drain",
        "s3",
        2,
        ("tga",),
        ("TGA_MOVE_USD",),
        tga_drain,
        requires=("tga",),
        doc="The TGA rose (or fell) by at least the threshold in four weeks: it drained (or added) reserves; "
        "silent otherwise.",
    ),
    FigureGroup("s3", 3, ("net_liquidity", "net_liquidity_4w_change", "tga", "on_rrp")),
    Rule(
        "btc_liquidity",
        "s3",
        4,
        ("btc_liquidity_correlation",),
        ("LIQUIDITY_CORRELATION",),
        btc_liquidity,
        requires=("btc_liquidity_correlation",),
        doc="Whether bitcoin tracks liquidity, from the correlation of 13-week changes over two years: with it at or "
        "above the threshold, against it at or below its negative, a weak link in between. Silent without the "
        "statistic: section 3 never claims the link without it.",
    ),
    FigureGroup("s3", 4, ("btc_liquidity_correlation",)),
    Rule(
        "labour",
        "s4",
        0,
        PAY,
        ("WEAK_PAYROLL_DECLINES_7M", "WEAK_PAYROLL_3M_AVG", "UNEMPLOYMENT_TREND_PP"),
        labour,
        doc="Weak payrolls with rising unemployment: fragile; with it little changed: cooling; with it falling: "
        "mixed; trend unknown: payrolls weak. Payrolls not weak: mixed if unemployment rises, else holding up.",
    ),
    FigureGroup("s4", 1, ("payroll_change", "payroll_declines_7m", "payroll_3m_avg")),
    FigureGroup("s4", 2, ("unemployment_rate", "job_openings", "quits_rate")),
    FigureGroup("s4", 3, ("core_pce_yoy", "cpi_yoy")),
    Rule(
        "miners",
        "s5",
        0,
        ("btc_price_to_cost",),
        ("MINER_BELOW_COST", "MINER_THIN_PRICE_TO_COST"),
        miners,
        requires=("btc_price_to_cost",),
        doc="Price over the electricity cost of mining: below cost, thin, or comfortable.",
    ),
    Rule(
        "supply_loss",
        "s5",
        0,
        ("supply_in_loss_share",),
        ("LARGE_SUPPLY_IN_LOSS_SHARE",),
        supply_loss,
        requires=("supply_in_loss_share",),
        doc="The share of supply held at a loss, large or small; silent when it is not available.",
    ),
    FigureGroup("s5", 1, ("btc_price", "btc_drawdown")),
    FigureGroup("s5", 2, ("miner_cost", "btc_price_to_cost", "break_even_power_price", "hashrate", "hashprice")),
    FigureGroup("s5", 3, ("difficulty_change", "supply_in_loss", "supply_in_loss_share")),
    FigureGroup("s5", 4, ("realized_price", "mvrv")),
    FigureGroup("s5", 5, ("etf_net_flows_4w", "etf_net_flows_week", "exchange_balance", "exchange_balance_30d_change")),
    Rule(
        "conclusion_liquidity",
        "conclusion",
        0,
        ("m2_yoy", *BS),
        ("BALANCE_SHEET_MOVE_USD", "M2_EXPANDING_YOY"),
        conclusion_liquidity,
        doc="QT still running; or, after it, turned (balance sheet growing and M2 expanding), pending (flat and M2 "
        "expanding) or mixed.",
    ),
    Rule(
        "conclusion_labour",
        "conclusion",
        0,
        PAY,
        ("WEAK_PAYROLL_DECLINES_7M", "WEAK_PAYROLL_3M_AVG", "UNEMPLOYMENT_TREND_PP"),
        conclusion_labour,
        doc="Only when the labour verdict is fragile.",
    ),
    Rule(
        "conclusion_btc",
        "conclusion",
        0,
        ("btc_price_to_cost", "btc_drawdown"),
        (),
        conclusion_btc,
        requires=("btc_price_to_cost", "btc_drawdown"),
        doc="Price against the electricity cost of mining and the drawdown from the high.",
    ),
    Rule(
        "conclusion_unavailable",
        "conclusion",
        0,
        (),
        (),
        conclusion_unavailable,
        doc="When any figure is unavailable or implausible.",
    ),
)
RULES: dict[str, Rule] = {r.name: r for r in PLAN if isinstance(r, Rule)}


# --- the machinery ---------------------------------------------------------------------------------------------
def speak(rule: Rule, facts: Facts) -> Sentence | None:
    """The rule's sentence, or None when a required figure is unavailable or the rule does not fire; the
    sentence says how old its data are when a figure it rests on is stale."""
    if any(facts.fig(k) is None for k in rule.requires):
        return None
    said = rule.say(facts)
    if said is None:
        return None
    uses = tuple(dict.fromkeys(k for k in said.uses if facts.fig(k) is not None))
    text = dict(said.text) if said.dated else with_age(said.text, [facts.figs[k] for k in uses], facts)
    return Sentence(rule.name, rule.section, rule.paragraph, uses, text)


_EN_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _sentences(text: Text) -> list[dict[str, str]]:
    """A notice split into its sentences, paired across languages; one piece when the languages do not pair."""
    zh = [p + "。" for p in text.get("zh-Hant", "").split("。") if p]
    en = [p for p in _EN_SENTENCE_END.split(text.get("en", "")) if p]
    if len(zh) != len(en):
        return [dict(text)]
    return [{"en": e, "zh-Hant": z} for e, z in zip(en, zh, strict=True)]


def _unsaid(text: Text, said: set[str]) -> list[dict[str, str]]:
    """The sentences of a notice not yet said in this section (and now marked said)."""
    out = []
    for piece in _sentences(text):
        if piece["en"] not in said:
            said.add(piece["en"])
            out.append(piece)
    return out


def figure_sentences(group: FigureGroup, facts: Facts, said: set[str] | None = None) -> list[Sentence]:
    """Each figure's own sentence; a stale one followed by its reason, a notice for an unavailable one. A notice
    sentence already said in the section (``said``, shared by the section's groups) is not repeated."""
    said = set() if said is None else said
    keys = list(group.keys) + [k for k in facts.figs if group.prefix and k.startswith(group.prefix)]
    out: list[Sentence] = []
    notices: list[dict[str, str]] = []  # how old the data are: said once, after the paragraph's own sentences
    old: dict[str, tuple[str, str]] = {}  # the paragraph's stale inputs not yet dated in the section
    stale_keys: list[str] = []
    for key in keys:
        f = facts.figs.get(key)
        if f is None:
            continue
        if not f.available:
            fresh = _unsaid(f.text, said)
            if fresh:
                out.append(Sentence(f"missing.{key}", group.section, group.paragraph, (key,), join(fresh)))
            continue
        out.append(Sentence(f"figure.{key}", group.section, group.paragraph, (key,), dict(f.text)))
        if f.status != "stale" or not f.reason:
            continue
        inputs = f.detail.get("stale_inputs")
        if not inputs:  # a figure that does not say which inputs are old: its reason as written
            notices += _unsaid(f.reason, said)
            stale_keys.append(key)
            continue
        new = {f"{sid}@{d}": (sid, d) for sid, d in inputs.items() if f"{sid}@{d}" not in said | old.keys()}
        if new:
            stale_keys.append(key)
        old |= new
    if old:  # one sentence per date, inputs named together: "price, hash rate ... are from 22 March 2026"
        said |= old.keys()
        dated = [Source(sid, dt.date.fromisoformat(d)) for sid, d in old.values()]
        calendar = facts.meta.calendar if facts.meta is not None else None  # tests give no edition
        reason = stale_reason(dated, facts.cat, calendar, facts.meta.as_of if facts.meta is not None else None)
        notices += _unsaid(reason, said)
    if notices:
        out.append(Sentence("notice.stale", group.section, group.paragraph, tuple(stale_keys), join(notices)))
    return out


def narrative(figs: Mapping[str, Figure], meta: EditionMeta, cat: Catalogue) -> Narrative:
    """Every sentence of the edition's commentary, in print order."""
    facts = Facts(figs, meta, cat)
    out: list[Sentence] = []
    said: dict[str, set[str]] = {}  # notice sentences said so far, per section
    for item in PLAN:
        if isinstance(item, Rule):
            s = speak(item, facts)
            if s is not None:
                out.append(s)
        else:
            out += figure_sentences(item, facts, said.setdefault(item.section, set()))
    order = {name: i for i, name in enumerate(SECTIONS)}
    out = [s for s in out if any(s.text.values())]
    out.sort(key=lambda s: (order[s.section], s.paragraph))  # stable: the plan's order within a paragraph
    return Narrative(tuple(out))


__all__ = [
    "BALANCE_SHEET_MOVE_USD",
    "BS",
    "FIRM_DAYS_AT_OR_ABOVE_IORB",
    "LARGE_SUPPLY_IN_LOSS_SHARE",
    "LIQUIDITY_CORRELATION",
    "M2_EXPANDING_YOY",
    "MINER_BELOW_COST",
    "MINER_THIN_PRICE_TO_COST",
    "PAY",
    "PLAN",
    "PRESSURE_DAYS_ABOVE_RANGE",
    "RRP_EXHAUSTED_USD",
    "RULES",
    "SECTIONS",
    "SRF_BACKSTOP_USD",
    "STRAIN_DAYS_ABOVE_RANGE",
    "TGA_MOVE_USD",
    "THRESHOLDS",
    "UNEMPLOYMENT_TREND_PP",
    "WEAK_PAYROLL_3M_AVG",
    "WEAK_PAYROLL_DECLINES_7M",
    "Facts",
    "FigureGroup",
    "Funding",
    "Narrative",
    "Phase",
    "Rule",
    "Said",
    "Sentence",
    "Story",
    "Text",
    "Trend",
    "balance_sheet_phase",
    "conclusion_btc",
    "conclusion_labour",
    "conclusion_liquidity",
    "conclusion_unavailable",
    "figure_sentences",
    "funding",
    "funding_state",
    "funding_stress",
    "join",
    "labour",
    "labour_state",
    "labour_weak",
    "liquidity",
    "miner_stress",
    "miners",
    "narrative",
    "oldest_stale",
    "payrolls_weak",
    "s1_lead",
    "s1_scenarios",
    "s2_pre",
    "s2_watch",
    "signed_points",
    "speak",
    "supply_loss",
    "unemployment_trend",
    "value",
    "with_age",
]
