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
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from report.i18n import LANGS, Catalogue, basis_points, count_words, date, days, money, month, per_lang, percent
from report.series import SERIES

if TYPE_CHECKING:
    from report.figures import Figure
    from report.render.context import EditionMeta

Text = Mapping[str, str]
Story = dict[int | str, list[dict[str, str]]]
SECTIONS = ("s1", "s2", "s3", "s4", "s5", "conclusion")

# --- named thresholds ------------------------------------------------------------------------------------------
# Funding strain: SOFR printed above the top of the target range on at least this many days of the lookback.
STRAIN_DAYS_ABOVE_RANGE = 3
# Brief pressure: above the range on at least this many days (but fewer than STRAIN_DAYS_ABOVE_RANGE).
PRESSURE_DAYS_ABOVE_RANGE = 1
# Firm (not strained): inside the range on every day, but at or above IORB on at least this many days.
FIRM_DAYS_AT_OR_ABOVE_IORB = 10
# A weak labour market: payrolls fell in at least this many of the last seven months ...
WEAK_PAYROLL_DECLINES_7M = 3
# ... or the three-month average payroll change is below this many jobs a month.
WEAK_PAYROLL_3M_AVG = 50_000
# Unemployment rising or falling: a change of at least this many percentage points (over a year, or since the
# last edition when the figure carries no year-ago value); anything smaller is "little changed".
UNEMPLOYMENT_TREND_PP = 0.2
# The Fed's balance sheet is growing (or shrinking) after QT when total assets moved at least this much since.
BALANCE_SHEET_MOVE_USD = 50e9
# Money is expanding when M2 is at least this much (percent) above a year earlier; below zero it contracts.
M2_EXPANDING_YOY = 3.0
# Miner margins are thin below this multiple of the electricity cost, and negative below MINER_BELOW_COST.
MINER_THIN_PRICE_TO_COST = 1.5
MINER_BELOW_COST = 1.0
# At least this share (percent) of the supply held at a loss is "a large share".
LARGE_SUPPLY_IN_LOSS_SHARE = 25.0

THRESHOLDS: dict[str, float] = {
    name: value for name, value in globals().items() if name.isupper() and isinstance(value, int | float)
}


# --- records ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sentence:
    """One printed sentence: the rule that said it, where, the figures it rests on, its text per language."""

    rule: str
    section: str
    paragraph: int
    depends_on: tuple[str, ...]
    text: Text

    def to_json(self) -> dict[str, Any]:
        """The form written to narrative.json."""
        return {
            "rule": self.rule,
            "section": self.section,
            "depends_on": list(self.depends_on),
            "text": {lang: self.text[lang] for lang in LANGS},
        }


@dataclass(frozen=True)
class Said:
    """What a rule says and the available figures it actually rested on."""

    text: Text
    uses: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    """What rules read: the figures, the edition's facts and the strings."""

    figs: Mapping[str, Figure]
    meta: EditionMeta
    cat: Catalogue

    def fig(self, key: str) -> Figure | None:
        """The figure when it has a value (unavailable and implausible figures are never reasoned on)."""
        f = self.figs.get(key)
        return f if f is not None and f.available and f.value is not None and math.isfinite(f.value) else None

    def value(self, key: str) -> float | None:
        """A figure's value when it is available."""
        f = self.fig(key)
        return f.value if f is not None else None

    def say(self, key: str, *uses: str, **values: Any) -> Said:
        """The catalogue string ``key`` resting on the figures ``uses``."""
        return Said(self.cat.both(key, **values), tuple(uses))


@dataclass(frozen=True)
class Rule:
    """A named rule: when it fires and what it says are in ``say``; it is silent when a required figure is not
    available. ``depends_on`` lists every figure it may read; ``thresholds`` names the constants it compares with."""

    name: str
    section: str
    paragraph: int
    depends_on: tuple[str, ...]
    thresholds: tuple[str, ...]
    say: Callable[[Facts], Said | None]
    requires: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class FigureGroup:
    """Figures whose own sentences form one paragraph (a stale figure adds its reason, an unavailable one its
    notice)."""

    section: str
    paragraph: int
    keys: tuple[str, ...]
    prefix: str = ""  # every figure whose key starts with this (the purchase scenarios)


@dataclass(frozen=True)
class Narrative:
    """Every sentence of an edition in print order."""

    sentences: tuple[Sentence, ...] = field(default_factory=tuple)

    def paragraphs(self, section: str) -> list[dict[str, str]]:
        """The section's paragraphs: its sentences joined per language, paragraph by paragraph."""
        numbers = sorted({s.paragraph for s in self.sentences if s.section == section})
        return [join([s.text for s in self.sentences if s.section == section and s.paragraph == n]) for n in numbers]

    @property
    def story(self) -> Story:
        """Paragraphs by section (1..5 and "conclusion"), as the templates print them."""
        out: Story = {n: self.paragraphs(f"s{n}") for n in (1, 2, 3, 4, 5)}
        out["conclusion"] = self.paragraphs("conclusion")
        return out

    def to_json(self) -> dict[str, Any]:
        """The narrative.json document."""
        return {"sentences": [s.to_json() for s in self.sentences]}


def join(parts: Sequence[Text]) -> dict[str, str]:
    """Sentences joined per language (a space in English, nothing in Chinese)."""
    sep = {"en": " ", "zh-Hant": ""}
    return {lang: sep[lang].join(p[lang] for p in parts if p.get(lang)) for lang in LANGS}


def signed_points(value: float, lang: str) -> str:
    """A difference of two percentages with its sign: en "+0.3 pp", zh-Hant "+0.3個百分點" (U+2212 for minus)."""
    from report.i18n import MINUS, points

    body = points(abs(value), lang)
    rounded = round(value, 1)
    return (MINUS if rounded < 0 else "+" if rounded > 0 else "") + body


# --- how old the data are --------------------------------------------------------------------------------------
def _period(sid: str, d: dt.date, lang: str, edition_year: int) -> str:
    """An observation's period in words, the year dropped when it is the edition's: "October", "24 May"."""
    frequency = SERIES[sid].frequency if sid in SERIES else "daily"
    same_year = d.year == edition_year
    if frequency in ("monthly", "quarterly"):
        if lang == "en":
            return d.strftime("%B") if same_year else month(d, lang)
        return f"{d.month}月" if same_year else month(d, lang)
    if lang == "en":
        return f"{d.day} {d.strftime('%B')}" if same_year else date(d, lang)
    return f"{d.month}月{d.day}日" if same_year else date(d, lang)


def oldest_stale(figs: Sequence[Figure], meta: EditionMeta) -> tuple[str, dt.date] | None:
    """The oldest latest-observation among the stale figures' inputs (series and date), or None."""
    best: tuple[str, dt.date] | None = None
    for f in figs:
        if f.status != "stale":
            continue
        latest: dict[str, dt.date] = {}
        for s in f.sources:
            if s.date is not None and (s.series not in latest or s.date > latest[s.series]):
                latest[s.series] = s.date
        for sid, d in latest.items():
            if best is None or d < best[1]:
                best = (sid, d)
    return best


def with_age(text: Text, figs: Sequence[Figure], facts: Facts) -> dict[str, str]:
    """``text`` with "(data as of October)" before its full stop when a figure it rests on is stale."""
    old = oldest_stale(figs, facts.meta)
    if old is None:
        return dict(text)
    sid, d = old
    out = {}
    for lang in LANGS:
        note = facts.cat.t("rule.as_of", lang, when=_period(sid, d, lang, facts.meta.as_of.year))
        body = text[lang]
        stop = "." if lang == "en" else "。"
        if body.endswith(stop):
            body = body[: -len(stop)]
        out[lang] = f"{body}{' ' if lang == 'en' else ''}{note}{stop}"
    return out


# --- section 1: where the Fed is --------------------------------------------------------------------------------
Phase = Literal["before_qt_end", "qt_ended", "flat", "growing", "shrinking"]


def balance_sheet_phase(facts: Facts) -> Phase:
    """Where the balance sheet is: before the end of QT, QT ended (too early to tell), flat, growing, shrinking."""
    if facts.meta.as_of < facts.meta.qt_end:
        return "before_qt_end"
    change = facts.value("fed_assets_since_qt_end")
    if change is None:
        return "qt_ended"
    if change >= BALANCE_SHEET_MOVE_USD:
        return "growing"
    return "shrinking" if change <= -BALANCE_SHEET_MOVE_USD else "flat"


def _moved(change: float) -> dict[str, str]:
    """A change as a verb phrase: "grown by US$16.6 billion" / "增加166億美元"."""
    up = change >= 0
    return {
        "en": ("grown by " if up else "shrunk by ") + money(abs(change), "en"),
        "zh-Hant": ("增加" if up else "減少") + money(abs(change), "zh-Hant"),
    }


def s1_lead(f: Facts) -> Said | None:
    qt_end = per_lang(date, f.meta.qt_end)
    phase = balance_sheet_phase(f)
    if phase == "before_qt_end":
        return f.say("rule.s1_before_qt_end", qt_end=qt_end)
    if phase == "qt_ended":
        return f.say("rule.s1_qt_ended", qt_end=qt_end)
    change = f.value("fed_assets_since_qt_end") or 0.0
    key = {"flat": "rule.s1_flat", "growing": "rule.s1_growing", "shrinking": "rule.s1_shrinking"}[phase]
    return f.say(
        key, "fed_assets_since_qt_end", qt_end=qt_end, moved=_moved(change), change=per_lang(money, abs(change))
    )


def _scenarios(f: Facts) -> list[Figure]:
    return [x for k, x in f.figs.items() if k.startswith("rmp_") and f.fig(k) is not None]


def s1_scenarios(f: Facts) -> Said | None:
    rmp = _scenarios(f)
    if not rmp:
        return None
    keys = tuple(x.key for x in rmp)
    if any(x.detail.get("mode") == "actual_vs_scenario" for x in rmp):
        start = dt.date.fromisoformat(str(rmp[0].detail["start"]))
        return f.say("rule.s1_scenarios_actual", *keys, start=per_lang(month, start))
    if balance_sheet_phase(f) in ("before_qt_end", "qt_ended", "flat", "shrinking"):
        return f.say("rule.s1_scenarios_ahead", *keys, "fed_assets")
    return None  # already growing: a projection is no "first expansion"


# --- section 2: the meeting ------------------------------------------------------------------------------------
def s2_pre(f: Facts) -> Said | None:
    return f.say("rule.s2_pre", "days_to_fomc") if f.meta.fomc.pre_fomc else None


def s2_watch(f: Facts) -> Said | None:
    return f.say("rule.s2_watch", "days_to_fomc")


# --- section 3: funding and money --------------------------------------------------------------------------------
Funding = Literal["strain", "pressure", "firm", "calm"]


def funding_state(figs: Mapping[str, Figure]) -> Funding | None:
    """Funding conditions from the days SOFR printed above the target range (and, inside it, at or above IORB);
    None when the days above the range are not available."""
    above = _value(figs, "sofr_days_above_range")
    if above is None:
        return None
    if above >= STRAIN_DAYS_ABOVE_RANGE:
        return "strain"
    if above >= PRESSURE_DAYS_ABOVE_RANGE:
        return "pressure"
    at_iorb = _value(figs, "sofr_days_at_or_above_iorb")
    return "firm" if at_iorb is not None and at_iorb >= FIRM_DAYS_AT_OR_ABOVE_IORB else "calm"


def funding_stress(figs: Mapping[str, Figure]) -> bool:
    """Whether funding markets show strain: SOFR above the range on at least STRAIN_DAYS_ABOVE_RANGE days."""
    return funding_state(figs) == "strain"


def funding(f: Facts) -> Said | None:
    state = funding_state(f.figs)
    above = f.fig("sofr_days_above_range")
    if state is None or above is None:
        return None
    n = int(above.detail.get("window_days") or 0)
    values: dict[str, Any] = {"n": n, "days": per_lang(days, above.value or 0)}
    if state == "strain":
        excess = f.fig("sofr_max_excess_bp")
        if excess is None:
            return f.say("rule.funding_strain_days", "sofr_days_above_range", **values)
        bp = per_lang(basis_points, excess.value or 0.0, sign=False)
        return f.say("rule.funding_strain", "sofr_days_above_range", "sofr_max_excess_bp", excess=bp, **values)
    if state == "pressure":
        return f.say("rule.funding_pressure", "sofr_days_above_range", **values)
    iorb = f.fig("sofr_days_at_or_above_iorb")
    if state == "firm" and iorb is not None:
        return f.say(
            "rule.funding_firm",
            "sofr_days_above_range",
            "sofr_days_at_or_above_iorb",
            iorb_days=per_lang(days, iorb.value or 0),
            **values,
        )
    uses = ("sofr_days_above_range", "sofr_days_at_or_above_iorb") if iorb else ("sofr_days_above_range",)
    return f.say("rule.funding_calm" if iorb else "rule.funding_inside", *uses, **values)


def liquidity(f: Facts) -> Said | None:
    yoy = f.value("m2_yoy")
    if yoy is None:
        return None
    pct = per_lang(percent, abs(yoy))
    if yoy < 0:
        return f.say("rule.liquidity_contracting", "m2_yoy", yoy=pct)
    if yoy < M2_EXPANDING_YOY:
        return f.say("rule.liquidity_slow", "m2_yoy", yoy=pct)
    phase = balance_sheet_phase(f)
    if phase == "before_qt_end":
        return f.say("rule.liquidity_money_qt", "m2_yoy", yoy=pct)
    if phase == "growing":
        change = per_lang(money, f.value("fed_assets_since_qt_end") or 0.0)
        return f.say("rule.liquidity_both", "m2_yoy", "fed_assets_since_qt_end", yoy=pct, change=change)
    if phase in ("flat", "shrinking"):
        return f.say("rule.liquidity_money_only", "m2_yoy", "fed_assets_since_qt_end", yoy=pct)
    return f.say("rule.liquidity_money", "m2_yoy", yoy=pct)


# --- section 4: labour --------------------------------------------------------------------------------------------
Trend = Literal["rising", "falling", "steady"]


def payrolls_weak(figs: Mapping[str, Figure]) -> bool | None:
    """Payrolls fell often in the last seven months, or the three-month average is low; None when neither figure
    is available."""
    declines = _value(figs, "payroll_declines_7m")
    avg3 = _value(figs, "payroll_3m_avg")
    if declines is None and avg3 is None:
        return None
    return (declines is not None and declines >= WEAK_PAYROLL_DECLINES_7M) or (
        avg3 is not None and avg3 < WEAK_PAYROLL_3M_AVG
    )


def labour_weak(figs: Mapping[str, Figure]) -> bool:
    """Whether payrolls are weak (see ``payrolls_weak``)."""
    return bool(payrolls_weak(figs))


def unemployment_trend(f: Facts) -> tuple[Trend, float, float, Text] | None:
    """The unemployment rate's direction: against a year earlier (the figure's ``detail.year_ago``), else against
    the previous edition's figure of an earlier month; None when neither is known."""
    u = f.fig("unemployment_rate")
    if u is None or u.value is None:
        return None
    before, since = None, None
    ago = u.detail.get("year_ago")
    if isinstance(ago, int | float) and not isinstance(ago, bool) and math.isfinite(ago):
        before, since = float(ago), f.cat.both("rule.since_year_ago")
    else:
        prev = _previous_figure(f.meta, "unemployment_rate")
        if prev is not None and prev[1] != (u.observed.isoformat() if u.observed else None):
            before, since = prev[0], f.cat.both("rule.since_last_edition")
    if before is None or since is None:
        return None
    change = round(u.value - before, 2)
    trend: Trend = "steady"
    if change >= UNEMPLOYMENT_TREND_PP:
        trend = "rising"
    elif change <= -UNEMPLOYMENT_TREND_PP:
        trend = "falling"
    return trend, before, u.value, since


def _payroll_clause(f: Facts) -> tuple[Text, tuple[str, ...]]:
    """Why payrolls read weak (or how they moved): the declines when they reach the threshold, else the average."""
    declines = f.fig("payroll_declines_7m")
    if declines is not None and (declines.value or 0) >= WEAK_PAYROLL_DECLINES_7M:
        n = int(declines.detail.get("known") or len(declines.detail.get("months") or []) or 7)
        return f.cat.both("rule.payrolls_declines", declines=int(declines.value or 0), window=n), (declines.key,)
    avg = f.fig("payroll_3m_avg")
    if avg is not None and avg.value is not None:
        key = "rule.payrolls_avg_up" if avg.value >= 0 else "rule.payrolls_avg_down"
        return f.cat.both(key, avg=per_lang(count_words, abs(avg.value))), (avg.key,)
    return f.cat.both("rule.payrolls_declines", declines=int(declines.value or 0) if declines else 0, window=7), ()


def labour_state(f: Facts) -> str | None:
    """The labour verdict's name (fragile, cooling, mixed_falling, weak_payrolls, mixed_rising, firm), or None."""
    weak = payrolls_weak(f.figs)
    if weak is None:
        return None
    trend = unemployment_trend(f)
    if weak:
        if trend is None:
            return "weak_payrolls"
        return {"rising": "fragile", "steady": "cooling", "falling": "mixed_falling"}[trend[0]]
    return "mixed_rising" if trend is not None and trend[0] == "rising" else "firm"


def labour(f: Facts) -> Said | None:
    state = labour_state(f)
    if state is None:
        return None
    clause, pay_keys = _payroll_clause(f)
    trend = unemployment_trend(f)
    values: dict[str, Any] = {"payrolls": clause}
    uses = pay_keys
    if trend is not None and state != "firm":
        _, before, now, since = trend
        values |= {
            "before": per_lang(percent, before),
            "now": per_lang(percent, now),
            "since": since,
        }
        uses = (*uses, "unemployment_rate")
    if state == "firm":
        pay = tuple(k for k in ("payroll_declines_7m", "payroll_3m_avg") if f.fig(k) is not None)
        extra = ("unemployment_rate",) if trend is not None else ()
        return f.say("rule.labour_firm", *pay, *extra)
    return Said(f.cat.both(f"rule.labour_{state}", **values), uses)


# --- section 5: miners and holders --------------------------------------------------------------------------------
def miners(f: Facts) -> Said | None:
    p2c = f.fig("btc_price_to_cost")
    if p2c is None or p2c.value is None:
        return None
    ratio = {lang: p2c.formatted(lang) for lang in LANGS}
    if p2c.value < MINER_BELOW_COST:
        return f.say("rule.miners_below_cost", "btc_price_to_cost", ratio=ratio)
    if p2c.value < MINER_THIN_PRICE_TO_COST:
        return f.say("rule.miners_thin", "btc_price_to_cost", ratio=ratio)
    return f.say("rule.miners_comfortable", "btc_price_to_cost", ratio=ratio)


def miner_stress(figs: Mapping[str, Figure]) -> bool:
    """Miner margins are thin (price under MINER_THIN_PRICE_TO_COST times the electricity cost)."""
    p2c = _value(figs, "btc_price_to_cost")
    return p2c is not None and p2c < MINER_THIN_PRICE_TO_COST


def supply_loss(f: Facts) -> Said | None:
    share = f.value("supply_in_loss_share")
    if share is None:
        return None
    key = "rule.supply_loss_large" if share >= LARGE_SUPPLY_IN_LOSS_SHARE else "rule.supply_loss_small"
    return f.say(key, "supply_in_loss_share", share=per_lang(percent, share))


# --- the conclusion (the e-mail's summary) -------------------------------------------------------------------------
def conclusion_liquidity(f: Facts) -> Said | None:
    phase = balance_sheet_phase(f)
    yoy = f.value("m2_yoy")
    if phase == "before_qt_end":
        return f.say("rule.conclusion_qt_running", qt_end=per_lang(date, f.meta.qt_end))
    if yoy is None or phase == "qt_ended":
        return None
    pct = per_lang(percent, abs(yoy))
    expanding = yoy >= M2_EXPANDING_YOY
    if phase == "growing" and expanding:
        return f.say("rule.conclusion_turned", "fed_assets_since_qt_end", "m2_yoy", yoy=pct)
    if phase == "flat" and expanding:
        return f.say("rule.conclusion_pending", "fed_assets_since_qt_end", "m2_yoy", yoy=pct)
    return f.say("rule.conclusion_mixed", "fed_assets_since_qt_end", "m2_yoy")


def conclusion_labour(f: Facts) -> Said | None:
    state = labour_state(f)
    if state != "fragile":
        return None
    said = labour(f)
    return f.say("rule.conclusion_labour", *(said.uses if said else ()))


def conclusion_btc(f: Facts) -> Said | None:
    p2c, dd = f.fig("btc_price_to_cost"), f.fig("btc_drawdown")
    if p2c is None or dd is None or dd.value is None:
        return None
    return f.say(
        "rule.conclusion_btc",
        "btc_price_to_cost",
        "btc_drawdown",
        ratio={lang: p2c.formatted(lang) for lang in LANGS},
        drawdown=per_lang(percent, abs(dd.value)),
    )


def conclusion_unavailable(f: Facts) -> Said | None:
    missing = [k for k, x in f.figs.items() if not x.available]
    return Said(f.cat.both("story.unavailable_note"), ()) if missing else None


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
    Rule("s2_pre", "s2", 0, ("days_to_fomc",), (), s2_pre, requires=("days_to_fomc",), doc="In a pre-FOMC week."),
    FigureGroup("s2", 0, ("days_to_fomc",)),
    FigureGroup("s2", 1, ("policy_range_upper", "sofr_iorb_spread_bp", "sofr_days_at_or_above_iorb")),
    FigureGroup("s2", 2, ("sofr_days_above_range", "sofr_max_excess_bp")),
    Rule(
        "s2_watch",
        "s2",
        3,
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
    FigureGroup("s5", 2, ("miner_cost", "btc_price_to_cost", "break_even_power_price", "hashrate")),
    FigureGroup("s5", 3, ("difficulty_change", "supply_in_loss", "supply_in_loss_share")),
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
    text = with_age(said.text, [facts.figs[k] for k in uses], facts)
    return Sentence(rule.name, rule.section, rule.paragraph, uses, text)


def figure_sentences(group: FigureGroup, facts: Facts) -> list[Sentence]:
    """Each figure's own sentence; a stale one followed by its reason, a notice for an unavailable one (a notice
    or reason already said in the paragraph is not repeated)."""
    keys = list(group.keys) + [k for k in facts.figs if group.prefix and k.startswith(group.prefix)]
    out: list[Sentence] = []
    said: set[str] = set()
    for key in keys:
        f = facts.figs.get(key)
        if f is None:
            continue
        if not f.available:
            reason = f.reason["en"] if f.reason else f.text["en"]
            if reason in said:
                continue
            said.add(reason)
            out.append(Sentence(f"missing.{key}", group.section, group.paragraph, (key,), dict(f.text)))
            continue
        text = dict(f.text)
        if f.status == "stale" and f.reason and f.reason["en"] not in said:
            said.add(f.reason["en"])
            text = join([f.text, f.reason])
        out.append(Sentence(f"figure.{key}", group.section, group.paragraph, (key,), text))
    return out


def narrative(figs: Mapping[str, Figure], meta: EditionMeta, cat: Catalogue) -> Narrative:
    """Every sentence of the edition's commentary, in print order."""
    facts = Facts(figs, meta, cat)
    out: list[Sentence] = []
    for item in PLAN:
        if isinstance(item, Rule):
            s = speak(item, facts)
            if s is not None:
                out.append(s)
        else:
            out += figure_sentences(item, facts)
    order = {name: i for i, name in enumerate(SECTIONS)}
    out = [s for s in out if any(s.text.values())]
    out.sort(key=lambda s: (order[s.section], s.paragraph))  # stable: the plan's order within a paragraph
    return Narrative(tuple(out))


# --- helpers -------------------------------------------------------------------------------------------------------
def _value(figs: Mapping[str, Figure], key: str) -> float | None:
    f = figs.get(key)
    return f.value if f is not None and f.available else None


def value(figs: Mapping[str, Figure], key: str) -> float | None:
    """A figure's value when it is available."""
    return _value(figs, key)


def _previous_figure(meta: EditionMeta, key: str) -> tuple[float, str | None] | None:
    """The previous edition's value and observation date of a figure, when it is a finite number."""
    prev = meta.previous
    if not isinstance(prev, Mapping) or not isinstance(prev.get("figures"), list):
        return None
    for x in prev["figures"]:
        if isinstance(x, Mapping) and x.get("key") == key:
            v = x.get("value")
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                obs = x.get("observed")
                return float(v), obs if isinstance(obs, str) else None
    return None
