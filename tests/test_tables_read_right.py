"""Tables and chart captions as a reader sees them: signed changes carry their sign, counts no false precision, the
comparison with an older edition says how far back it is, the FOMC countdown is compared only for the same meeting,
and the same change is never given as two facts."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import series

from report.figures.liquidity import reserves
from report.figures.model import Figure, Source
from report.i18n import fmt
from report.render.changes import changes, delta
from report.render.context import _chart_sources

D = dt.date


def _fig(key: str, value: float, unit: str = "USD", **detail) -> Figure:
    return Figure(key, value, unit, D(2026, 8, 19), (Source("WRESBAL", D(2026, 8, 19)),), "ok", {}, {}, None, detail)


@pytest.mark.parametrize(
    ("key", "value", "zh", "en"),
    [
        ("reserves_since_qt_end", 38.7e9, "+387億美元", "+US$38.7 billion"),
        ("reserves_since_qt_end", -38.3e9, "−383億美元", "−US$38.3 billion"),
        ("reserves_weekly_change", 8.8e9, "+88億美元", "+US$8.80 billion"),
        ("reserves", 2.94e12, "2.94兆美元", "US$2.94 trillion"),  # a level has no sign
    ],
)
def test_a_change_carries_its_sign_and_a_level_does_not(key, value, zh, en):
    f = _fig(key, value)
    assert (f.formatted("zh-Hant"), f.formatted("en")) == (zh, en)


def test_a_scenario_gap_is_signed():
    f = _fig("rmp_35bn", 50e9, mode="actual_vs_scenario")
    assert f.formatted("en") == "+US$50 billion" and f.formatted("zh-Hant") == "+500億美元"


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [(7666.67, "+7,700", "+7,700人"), (27666.7, "+27,700", "+2.8萬人"), (-23000, "−23,000", "−2.3萬人")],
)
def test_counts_in_the_thousands_keep_no_false_precision(value, en, zh):
    assert fmt(value, "persons_change", "en") == en and fmt(value, "persons_change", "zh-Hant") == zh


def test_a_power_price_change_puts_its_sign_on_the_number_and_a_ratio_keeps_its_unit():
    assert delta(-0.007, "USD/kWh", "zh-Hant") == "每度−0.007美元"
    assert delta(-0.007, "USD/kWh", "en") == "−US$0.007/kWh"
    assert delta(-0.12, "ratio", "zh-Hant") == "−0.12倍" and delta(0.12, "ratio", "en") == "+0.12x"


def _previous(edition: str, **figures) -> dict:
    return {
        "edition": edition,
        "figures": [
            {"key": k, "value": v, "unit": u, "formatted": {"en": str(v), "zh-Hant": str(v)}, "detail": d, "status": st}
            for k, (v, u, d, st) in figures.items()
        ],
    }


@pytest.mark.parametrize(
    ("previous", "en", "zh"),
    [
        ("2026-08-14", "Since the last edition (14 August 2026)", "與上期（2026年8月14日）相比"),
        (
            "2026-07-24",
            "Compared with the edition of 24 July 2026 (28 days earlier)",
            "與2026年7月24日版相比（相隔28天）",
        ),
        ("2025-12-08", "Compared with the edition of 8 December 2025 (about 8 months earlier)", "相隔約8個月"),
    ],
)
def test_the_comparison_says_how_far_back_the_other_edition_is(cat, previous, en, zh):
    out = changes([_fig("reserves", 2.9e12)], _previous(previous), cat, as_of=D(2026, 8, 21))
    assert out is not None and out["title"]["en"] == en and zh in out["title"]["zh-Hant"]


def test_the_fomc_countdown_is_compared_only_for_the_same_meeting(cat):
    now = _fig("days_to_fomc", 26, "days", decision="2026-09-16")
    other = _previous("2025-12-08", days_to_fomc=(2, "days", {"decision": "2025-12-10"}, "ok"))
    same = _previous("2026-08-14", days_to_fomc=(33, "days", {"decision": "2026-09-16"}, "ok"))
    row = changes([now], other, cat, as_of=D(2026, 8, 21))["rows"][0]  # type: ignore[index]
    assert row["change"]["en"] == "—"
    row = changes([now], same, cat, as_of=D(2026, 8, 21))["rows"][0]  # type: ignore[index]
    assert row["change"]["en"] != "—" and row["change"]["en"].startswith("−")


def test_a_stale_value_is_marked_in_the_comparison(cat):
    now = Figure("btc_price", 77078.0, "USD", D(2026, 5, 24), (), "stale", {}, {})
    out = changes([now], _previous("2025-12-08", btc_price=(90435.0, "USD", {}, "ok")), cat, as_of=D(2026, 8, 21))
    row = out["rows"][0]  # type: ignore[index]
    assert row["stale_now"] is True and row["stale_previous"] is False


def test_one_week_after_qt_the_change_since_qt_is_not_a_second_fact(make_ctx):
    """8 December 2025: reserves fell US$38.3 billion in the week to 3 December, the first week after QT ended on
    1 December; the change since QT ended is that same change and is said so, measured from the week to 26 November."""
    data = {"WRESBAL": series([("2025-11-19", 2.90e12), ("2025-11-26", 2.89e12), ("2025-12-03", 2.8517e12)])}
    figs = {f.key: f for f in reserves(data, make_ctx(D(2025, 12, 8)))}
    since, weekly = figs["reserves_since_qt_end"], figs["reserves_weekly_change"]
    assert since.value == pytest.approx(weekly.value)
    assert "first week since QT ended" in since.text["en"] and "第一週" in since.text["zh-Hant"]
    assert "383" not in since.text["zh-Hant"]
    data["WRESBAL"] = series([("2025-11-26", 2.89e12), ("2025-12-03", 2.8517e12), ("2025-12-10", 2.88e12)])
    since = {f.key: f for f in reserves(data, make_ctx(D(2025, 12, 15)))}["reserves_since_qt_end"]
    assert "Since QT ended on 1 December 2025 (measured from the week to 26 November 2025)" in since.text["en"]


def test_chart_sources_name_series_and_publisher_and_the_demo_says_generated(cat):
    real = _chart_sources(["WRESBAL", "GDP"], cat, demo=False)
    assert real == {
        "en": "Source: bank reserves, nominal GDP (FRED)",
        "zh-Hant": "資料來源：銀行準備金、名目GDP（FRED）",
    }
    demo = _chart_sources(["WRESBAL"], cat, demo=True)
    assert "FRED" not in demo["en"] and "generated demo data" in demo["en"] and "示範資料" in demo["zh-Hant"]
