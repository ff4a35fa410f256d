"""The rules, section by section: each reads figures and named thresholds and returns a sentence or nothing."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from report.i18n import LANGS, basis_points, count_words, date, days, money, month, number, per_lang, percent

if TYPE_CHECKING:
    from report.figures import Figure

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
    SRF_BACKSTOP_USD,
    STRAIN_DAYS_ABOVE_RANGE,
    TGA_MOVE_USD,
    UNEMPLOYMENT_TREND_PP,
    WEAK_PAYROLL_3M_AVG,
    WEAK_PAYROLL_DECLINES_7M,
    Facts,
    Said,
    Text,
    _previous_figure,
    _value,
    period_of,
)

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


def purchase_pace(f: Facts) -> Said | None:
    """Once the purchase scenarios have begun: the actual monthly pace since their start against their range."""
    actual = [x for x in _scenarios(f) if x.detail.get("mode") == "actual_vs_scenario"]
    if not actual:
        return None
    pace = float(actual[0].detail["actual_monthly_pace"])
    amounts = sorted(float(x.detail["monthly"]) for x in actual)
    low, high = amounts[0], amounts[-1]
    values: dict[str, Any] = {
        "start": per_lang(month, dt.date.fromisoformat(str(actual[0].detail["start"]))),
        "pace": per_lang(money, abs(pace)),
        "low": per_lang(money, low),
        "high": per_lang(money, high),
    }
    keys = tuple(x.key for x in actual)
    if pace < 0:
        return f.say("rule.purchases_shrinking", *keys, **values)
    if pace > high:
        return f.say("rule.purchases_above", *keys, **values)
    if pace < low:
        return f.say("rule.purchases_below", *keys, **values)
    return f.say("rule.purchases_between" if low < high else "rule.purchases_at", *keys, **values)


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


# --- section 3: the plumbing ---------------------------------------------------------------------------------------
def rrp_cushion(f: Facts) -> Said | None:
    rrp = f.value("on_rrp")
    if rrp is None:
        return None
    level = per_lang(money, rrp)
    if rrp < RRP_EXHAUSTED_USD:
        return f.say("rule.rrp_exhausted", "on_rrp", level=level)
    return f.say("rule.rrp_cushion", "on_rrp", level=level)


def repo_backstop(f: Facts) -> Said | None:
    srf = f.fig("srf_takeup")
    if srf is None or srf.value is None:
        return None
    if srf.value >= SRF_BACKSTOP_USD:
        return f.say("rule.srf_backstop", "srf_takeup")
    return f.say("rule.srf_routine", "srf_takeup")


def btc_liquidity(f: Facts) -> Said | None:
    r = f.value("btc_liquidity_correlation")
    if r is None:
        return None
    key = (
        "rule.btc_tracks_liquidity"
        if r >= LIQUIDITY_CORRELATION
        else "rule.btc_against_liquidity"
        if r <= -LIQUIDITY_CORRELATION
        else "rule.btc_weak_link"
    )
    return f.say(key, "btc_liquidity_correlation", r={lang: number(r, lang, 2) for lang in LANGS})


def tga_drain(f: Facts) -> Said | None:
    tga = f.fig("tga")
    change = tga.detail.get("change_4w") if tga is not None else None
    if change is None or abs(change) < TGA_MOVE_USD:
        return None
    key = "rule.tga_rebuild" if change > 0 else "rule.tga_rundown"
    return f.say(key, "tga", change=per_lang(money, abs(change)))


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
    values = {"ratio": {lang: p2c.formatted(lang) for lang in LANGS}, "drawdown": per_lang(percent, abs(dd.value))}
    if p2c.observed and dd.observed and p2c.observed != dd.observed:  # each number with its own day
        year = f.meta.as_of.year
        values |= {
            "cost_date": {lang: period_of("BTC_HASHRATE", p2c.observed, lang, year) for lang in LANGS},
            "price_date": {lang: period_of("CBBTCUSD", dd.observed, lang, year) for lang in LANGS},
        }
        said = f.say("rule.conclusion_btc_dated", "btc_price_to_cost", "btc_drawdown", **values)
        return Said(said.text, said.uses, dated=True)
    return f.say("rule.conclusion_btc", "btc_price_to_cost", "btc_drawdown", **values)


def conclusion_unavailable(f: Facts) -> Said | None:
    missing = [k for k, x in f.figs.items() if not x.available]
    return Said(f.cat.both("story.unavailable_note"), ()) if missing else None
