"""report/render/narrative/: every named threshold tried on both sides, rules silent without their figures, stale
figures dated in words, and the contradictions seen on real data made impossible (on constructed figures)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from report.figures import Figure, Source
from report.render import narrative as n
from report.render.context import EditionMeta

TEXT = {"en": "", "zh-Hant": ""}
AS_OF = dt.date(2026, 8, 21)
QT_END = dt.date(2025, 12, 1)


def fig(key: str, value: float | None, *, status_: str = "ok", detail=None, sources=(), unit="count") -> Figure:
    st = status_ if value is not None else "unavailable"
    return Figure(
        key, value, unit, AS_OF if value is not None else None, tuple(sources), st, TEXT, TEXT, None, detail or {}
    )


def figs(**values: float | None) -> dict[str, Figure]:
    return {k: fig(k, v) for k, v in values.items()}


def said(rule: str, fs: dict[str, Figure], meta: EditionMeta, cat) -> n.Sentence | None:
    return n.speak(n.RULES[rule], n.Facts(fs, meta, cat))


# --- thresholds on both sides -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("above", "at_iorb", "state"),
    [
        (n.STRAIN_DAYS_ABOVE_RANGE, 0, "strain"),
        (n.STRAIN_DAYS_ABOVE_RANGE - 1, 60, "pressure"),
        (n.PRESSURE_DAYS_ABOVE_RANGE, 0, "pressure"),
        (n.PRESSURE_DAYS_ABOVE_RANGE - 1, n.FIRM_DAYS_AT_OR_ABOVE_IORB, "firm"),
        (0, n.FIRM_DAYS_AT_OR_ABOVE_IORB - 1, "calm"),
        (None, 60, None),  # unavailable says nothing of funding
    ],
)
def test_funding_state(above, at_iorb, state):
    got = n.funding_state(figs(sofr_days_above_range=above, sofr_days_at_or_above_iorb=at_iorb))
    assert got == state
    assert n.funding_stress(figs(sofr_days_above_range=above, sofr_days_at_or_above_iorb=at_iorb)) is (
        state == "strain"
    )


@pytest.mark.parametrize(
    ("declines", "avg3", "weak"),
    [
        (n.WEAK_PAYROLL_DECLINES_7M - 1, n.WEAK_PAYROLL_3M_AVG, False),
        (n.WEAK_PAYROLL_DECLINES_7M, n.WEAK_PAYROLL_3M_AVG, True),
        (0, n.WEAK_PAYROLL_3M_AVG - 1, True),
        (None, None, None),
    ],
)
def test_payrolls_weak(declines, avg3, weak):
    assert n.payrolls_weak(figs(payroll_declines_7m=declines, payroll_3m_avg=avg3)) is weak
    assert n.labour_weak(figs(payroll_declines_7m=declines, payroll_3m_avg=avg3)) is bool(weak)


def _labour(declines: float, now: float, year_ago: float | None) -> dict[str, Figure]:
    fs = figs(payroll_declines_7m=declines, payroll_3m_avg=100_000)
    fs["unemployment_rate"] = fig("unemployment_rate", now, detail={} if year_ago is None else {"year_ago": year_ago})
    return fs


@pytest.mark.parametrize(
    ("declines", "change", "state"),
    [
        (n.WEAK_PAYROLL_DECLINES_7M, n.UNEMPLOYMENT_TREND_PP, "fragile"),
        (n.WEAK_PAYROLL_DECLINES_7M, n.UNEMPLOYMENT_TREND_PP - 0.1, "cooling"),
        (n.WEAK_PAYROLL_DECLINES_7M, -n.UNEMPLOYMENT_TREND_PP + 0.1, "cooling"),
        (n.WEAK_PAYROLL_DECLINES_7M, -n.UNEMPLOYMENT_TREND_PP, "mixed_falling"),
        (0, n.UNEMPLOYMENT_TREND_PP, "mixed_rising"),
        (0, n.UNEMPLOYMENT_TREND_PP - 0.1, "firm"),
        (0, -1.0, "firm"),
    ],
)
def test_labour_state_reads_the_unemployment_trend(declines, change, state, meta, cat):
    fs = _labour(declines, 4.3 + change, 4.3)
    assert n.labour_state(n.Facts(fs, meta(), cat)) == state


def test_labour_without_an_unemployment_trend_speaks_of_payrolls_only(meta, cat):
    fs = _labour(n.WEAK_PAYROLL_DECLINES_7M, 4.5, None)
    s = said("labour", fs, meta(), cat)
    assert s is not None and s.rule == "labour" and "unemployment_rate" not in s.depends_on
    assert "fragile" not in s.text["en"] and "Payroll growth has weakened" in s.text["en"]


def test_unemployment_trend_falls_back_on_the_previous_edition(meta, cat):
    prev = {"edition": "2025-12-08", "figures": [{"key": "unemployment_rate", "value": 4.5, "observed": "2025-11-01"}]}
    fs = _labour(n.WEAK_PAYROLL_DECLINES_7M, 4.1, None)
    s = said("labour", fs, meta(previous=prev), cat)
    assert s is not None and "mixed" in s.text["en"] and "4.5%" in s.text["en"] and "上期" in s.text["zh-Hant"]


@pytest.mark.parametrize(
    ("change", "phase"),
    [
        (n.BALANCE_SHEET_MOVE_USD, "growing"),
        (n.BALANCE_SHEET_MOVE_USD - 1, "flat"),
        (-n.BALANCE_SHEET_MOVE_USD + 1, "flat"),
        (-n.BALANCE_SHEET_MOVE_USD, "shrinking"),
        (None, "qt_ended"),
    ],
)
def test_balance_sheet_phase(change, phase, meta, cat):
    fs = figs(fed_assets_since_qt_end=change)
    assert n.balance_sheet_phase(n.Facts(fs, meta(), cat)) == phase
    assert n.balance_sheet_phase(n.Facts(fs, meta(dt.date(2025, 11, 24)), cat)) == "before_qt_end"


@pytest.mark.parametrize(
    ("yoy", "words"),
    [
        (n.M2_EXPANDING_YOY, "both expanding"),
        (n.M2_EXPANDING_YOY - 0.01, "growing slowly"),
        (0.0, "growing slowly"),
        (-0.01, "contracting"),
    ],
)
def test_liquidity_m2_threshold(yoy, words, meta, cat):
    fs = figs(m2_yoy=yoy, fed_assets_since_qt_end=n.BALANCE_SHEET_MOVE_USD)
    s = said("liquidity", fs, meta(), cat)
    assert s is not None and words in s.text["en"]


@pytest.mark.parametrize(
    ("p2c", "rule_key"),
    [
        (n.MINER_BELOW_COST - 0.01, "below the electricity cost"),
        (n.MINER_BELOW_COST, "thin"),
        (n.MINER_THIN_PRICE_TO_COST - 0.01, "thin"),
        (n.MINER_THIN_PRICE_TO_COST, "comfortably"),
    ],
)
def test_miner_thresholds(p2c, rule_key, meta, cat):
    fs = {"btc_price_to_cost": fig("btc_price_to_cost", p2c, unit="ratio")}
    s = said("miners", fs, meta(), cat)
    assert s is not None and rule_key in s.text["en"]
    assert n.miner_stress(fs) is (p2c < n.MINER_THIN_PRICE_TO_COST)


@pytest.mark.parametrize(
    ("share", "large"),
    [(n.LARGE_SUPPLY_IN_LOSS_SHARE, True), (n.LARGE_SUPPLY_IN_LOSS_SHARE - 0.1, False)],
)
def test_supply_in_loss_threshold(share, large, meta, cat):
    s = said("supply_loss", figs(supply_in_loss_share=share), meta(), cat)
    assert s is not None and ("under water" in s.text["en"]) is large
    assert "past drawdowns" not in s.text["en"]  # no claim about history the brief does not show


# --- contradictions that must be impossible -------------------------------------------------------------------------
def test_no_strain_when_sofr_stayed_inside_the_range(meta, cat):
    """Before: 0 days above the range and 14 at or above IORB said "funding markets show strain"."""
    fs = figs(sofr_days_above_range=0, sofr_days_at_or_above_iorb=60, sofr_max_excess_bp=-6)
    fs["sofr_days_above_range"] = fig("sofr_days_above_range", 0, detail={"window_days": 60})
    s = said("funding", fs, meta(), cat)
    assert s is not None and "strain" not in s.text["en"].replace("not strained", "").replace("no sign of", "")
    assert "壓力：" not in s.text["zh-Hant"] and "all of the last 60" in s.text["en"]


def test_not_fragile_while_unemployment_falls(meta, cat):
    """Before: weak payrolls alone said "the labour market is turning fragile" while unemployment fell 4.5%->4.1%."""
    fs = _labour(n.WEAK_PAYROLL_DECLINES_7M + 2, 4.1, 4.5)
    text = said("labour", fs, meta(), cat).text  # type: ignore[union-attr]
    assert "fragile" not in text["en"] and "脆弱" not in text["zh-Hant"]
    assert "mixed" in text["en"] and "4.1%" in text["en"] and "4.5%" in text["en"]
    assert n.speak(n.RULES["conclusion_labour"], n.Facts(fs, meta(), cat)) is None


def test_no_first_expansion_when_the_balance_sheet_already_grew(meta, cat):
    """Before: "the first sustained expansion" / "purchases in view" with total assets up US$210 billion."""
    fs = figs(fed_assets_since_qt_end=210e9, m2_yoy=5.5, fed_assets=6.7e12)
    fs["rmp_35bn"] = fig("rmp_35bn", 4.2e11, detail={"mode": "projection", "start": "2026-09-01"})
    story = n.narrative(fs, meta(), cat)
    everything = " ".join(s.text["en"] for s in story.sentences)
    assert "first sustained expansion" not in everything and "in view" not in everything
    lead = next(s for s in story.sentences if s.rule == "s1_lead")
    assert "growing again" in lead.text["en"] and "US$210 billion" in lead.text["en"]
    before = n.narrative(fs, meta(dt.date(2025, 11, 24)), cat)
    assert "scheduled to end" in next(s for s in before.sentences if s.rule == "s1_lead").text["en"]


def test_no_supply_at_a_loss_when_it_is_unavailable(meta, cat):
    """Before: "a large share of supply sits at a loss" with supply in loss unavailable (miner stress fired on the
    price-to-cost ratio and the sentence claimed both)."""
    fs = figs(supply_in_loss=None, supply_in_loss_share=None)
    fs["btc_price_to_cost"] = fig("btc_price_to_cost", 1.1, unit="ratio")
    story = n.narrative(fs, meta(), cat)
    verdicts = [s for s in story.sentences if not s.rule.startswith(("figure.", "missing."))]
    assert not any("at a loss" in s.text["en"] or "虧損供應量" in s.text["zh-Hant"] for s in verdicts)
    assert all("supply_in_loss_share" not in s.depends_on for s in verdicts)


def test_no_sentence_claims_bitcoin_tracks_liquidity(meta, cat):
    fs = figs(m2_yoy=5.0, fed_assets_since_qt_end=2e11, btc_drawdown=-20)
    fs["btc_price_to_cost"] = fig("btc_price_to_cost", 2.0, unit="ratio")
    text = " ".join(s.text["en"] for s in n.narrative(fs, meta(), cat).sentences).lower()
    assert not re.search(r"bitcoin[^.]*(track|liquidity)|liquidity[^.]*bitcoin", text)


# --- silence and age ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule", [r for r in n.RULES.values() if r.requires])
def test_rules_are_silent_without_their_required_figures(rule, meta, cat):
    fs = {k: fig(k, None) for k in rule.depends_on if not k.endswith("*")}
    assert n.speak(rule, n.Facts(fs, meta(), cat)) is None


def test_implausible_figures_are_not_reasoned_on(meta, cat):
    fs = {"sofr_days_above_range": fig("sofr_days_above_range", 14, status_="implausible")}
    assert said("funding", fs, meta(), cat) is None


def test_a_rule_on_stale_figures_says_how_old_they_are_in_words(meta, cat):
    src = (Source("BTC_HASHRATE", dt.date(2026, 3, 22)), Source("CBBTCUSD", dt.date(2026, 5, 24)))
    fs = {"btc_price_to_cost": fig("btc_price_to_cost", 1.09, status_="stale", sources=src, unit="ratio")}
    s = said("miners", fs, meta(), cat)
    assert s is not None
    assert s.text["en"].endswith("(data as of 22 March).") and s.text["zh-Hant"].endswith("（資料截至3月22日）。")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", s.text["en"] + s.text["zh-Hant"])


def test_every_rule_is_documented(cat):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "narrative.md").read_text(encoding="utf-8")
    for name, rule in n.RULES.items():
        assert f"`{name}`" in doc, name
        for t in rule.thresholds:
            assert t in n.THRESHOLDS and f"`{t}`" in doc, t
    for key in cat.strings:
        if key.startswith("rule.") and key not in ("rule.as_of",):
            assert f"`{key}`" in doc, key


def test_the_bitcoin_conclusion_dates_each_number_when_their_days_differ(meta, cat):
    """21 August 2026: the cost data end on 22 March, the price on 24 May; one "(data as of 22 March)" for both
    would date the drawdown wrongly."""
    import dataclasses

    p2c = dataclasses.replace(fig("btc_price_to_cost", 0.96, unit="ratio"), observed=dt.date(2026, 3, 22))
    dd = dataclasses.replace(fig("btc_drawdown", -38.2, unit="percent"), observed=dt.date(2026, 5, 24))
    s = said("conclusion_btc", {"btc_price_to_cost": p2c, "btc_drawdown": dd}, meta(dt.date(2026, 8, 21)), cat)
    assert s is not None and "data as of" not in s.text["en"]
    assert "on 22 March (the latest cost data)" in s.text["en"] and "below its high on 24 May" in s.text["en"]
    assert s.text["zh-Hant"].startswith("3月22日") and "5月24日較高點回落38.2%" in s.text["zh-Hant"]
    same = said(
        "conclusion_btc",
        {
            "btc_price_to_cost": fig("btc_price_to_cost", 1.2, unit="ratio"),
            "btc_drawdown": fig("btc_drawdown", -10.0, unit="percent"),
        },
        meta(),
        cat,
    )
    assert same is not None and "(the latest cost data)" not in same.text["en"]
