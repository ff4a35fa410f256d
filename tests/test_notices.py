"""The words around figures as a reader sees them: which rate is higher said in words (no signed spread in prose),
counts with their units, a "no data" notice said once, and a notice sentence never repeated within a section."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import series

from report.figures import Figure
from report.figures.corridor import sofr_corridor
from report.figures.model import unavailable
from report.i18n import fmt
from report.render import narrative as n

D = dt.date


def _spread_figure(make_ctx, sofr: float) -> Figure:
    data = {
        "SOFR": series([("2025-12-04", 3.90), ("2025-12-05", sofr)]),
        "IORB": series([("2025-10-30", 3.90)]),
        "DFEDTARU": series([("2025-10-30", 4.00)]),
        "DFEDTARL": series([("2025-10-30", 3.75)]),
    }
    return {f.key: f for f in sofr_corridor(data, make_ctx(D(2025, 12, 8)))}["sofr_iorb_spread_bp"]


@pytest.mark.parametrize(
    ("sofr", "en", "zh"),
    [
        (3.93, "3.93%, 3 bp above IORB of 3.90%", "比準備金餘額利率（IORB）的3.90%高3個基點"),
        (3.87, "3.87%, 3 bp below IORB of 3.90%", "比準備金餘額利率（IORB）的3.90%低3個基點"),
        (3.90, "3.90%, level with IORB", "與準備金餘額利率（IORB）持平"),
    ],
)
def test_the_spread_to_iorb_is_said_as_above_or_below_never_signed(make_ctx, sofr, en, zh):
    f = _spread_figure(make_ctx, sofr)
    assert en in f.text["en"], f.text["en"]
    assert zh in f.text["zh-Hant"], f.text["zh-Hant"]
    for text in f.text.values():
        assert "+" not in text and "−" not in text


@pytest.mark.parametrize(
    ("value", "unit", "en", "zh"),
    [
        (3, "months", "3 months", "3個月"),
        (1, "months", "1 month", "1個月"),
        (7.17e6, "jobs", "7.17 million", "717萬個"),
    ],
)
def test_counts_carry_their_units_in_both_languages(value, unit, en, zh):
    assert fmt(value, unit, "en") == en
    assert fmt(value, unit, "zh-Hant") == zh


def test_a_no_data_notice_names_the_figure_once(make_ctx):
    f = unavailable(
        "supply_in_loss",
        "BTC",
        make_ctx(D(2026, 8, 21)),
        reason_key="reason.no_data",
        series={"en": "supply in loss", "zh-Hant": "虧損供應量"},
        as_of={"en": "21 August 2026", "zh-Hant": "2026年8月21日"},
    )
    assert f.text["zh-Hant"] == "截至2026年8月21日，本期未取得虧損供應量資料。"
    assert f.text["en"] == "No supply in loss data were available for this edition (to 21 August 2026)."
    other = unavailable(
        "fed_treasuries_monthly_pace",
        "USD",
        make_ctx(D(2025, 12, 8)),
        reason_key="reason.qt_later",
        qt_end={"en": "1 December 2025", "zh-Hant": "2025年12月1日"},
    )
    assert other.text["en"].startswith(other.label["en"])  # a reason that does not name the figure keeps the label


def _stale(key: str, reason_en: str, reason_zh: str) -> Figure:
    text = {"en": f"{key} text.", "zh-Hant": f"{key}文字。"}
    reason = {"en": reason_en, "zh-Hant": reason_zh}
    return Figure(key, 1.0, "count", D(2026, 3, 22), (), "stale", text, text, reason, {})


def test_a_stale_notice_sentence_is_said_once_per_section(cat):
    price = "The latest bitcoin price data are from 24 May 2026."
    hash_ = "The latest hash rate data are from 22 March 2026."
    figs = {
        "btc_price": _stale("btc_price", price, "比特幣價格最新資料僅至2026年5月24日。"),
        "miner_price_to_cost": _stale(
            "miner_price_to_cost",
            f"{price} {hash_}",
            "比特幣價格最新資料僅至2026年5月24日。全網算力最新資料僅至2026年3月22日。",
        ),
        "hashrate": _stale("hashrate", hash_, "全網算力最新資料僅至2026年3月22日。"),
    }
    facts = n.Facts(figs, None, cat)  # type: ignore[arg-type]
    said: set[str] = set()
    out = []
    for group in (n.FigureGroup("s5", 1, ("btc_price", "miner_price_to_cost")), n.FigureGroup("s5", 2, ("hashrate",))):
        out += n.figure_sentences(group, facts, said)
    en = " ".join(s.text["en"] for s in out)
    zh = "".join(s.text["zh-Hant"] for s in out)
    assert en.count(price) == 1 and en.count(hash_) == 1, en
    assert zh.count("比特幣價格最新資料") == 1 and zh.count("全網算力最新資料") == 1, zh
    assert all(f"{k} text." in en for k in figs)  # every figure still says its own sentence
    # the notices follow the paragraph's own sentences ("That is 38.2% below..." still follows the price)
    assert [s.rule for s in out] == [
        "figure.btc_price",
        "figure.miner_price_to_cost",
        "notice.stale",
        "figure.hashrate",
    ]


def test_notices_that_do_not_pair_across_languages_are_kept_whole(cat):
    f = _stale("x", "One. Two.", "一句話。")
    out = n.figure_sentences(n.FigureGroup("s5", 1, ("x",)), n.Facts({"x": f}, None, cat), set())  # type: ignore[arg-type]
    assert out[1].text["en"] == "One. Two." and out[1].text["zh-Hant"] == "一句話。"


def test_an_input_dated_once_in_a_section_is_not_dated_again(cat):
    grouped = "The latest hash rate, block subsidy and transaction fee data are from 22 March 2026."
    alone = "The latest hash rate data are from 22 March 2026."
    cost = _stale("miner_cost", grouped, "全網算力、區塊補貼與礦工手續費最新資料僅至2026年3月22日。")
    cost.detail["stale_inputs"] = {"BTC_HASHRATE": "2026-03-22", "BTC_ISSUANCE": "2026-03-22", "BTC_FEES": "2026-03-22"}
    hashrate = _stale("hashrate", alone, "全網算力最新資料僅至2026年3月22日。")
    hashrate.detail["stale_inputs"] = {"BTC_HASHRATE": "2026-03-22"}
    older = _stale(
        "difficulty", "The latest difficulty data are from 26 September 2025.", "挖礦難度最新資料僅至2025年9月26日。"
    )
    older.detail["stale_inputs"] = {"BTC_HASHRATE": "2025-09-26"}  # the same series at another date is news
    figs = {"miner_cost": cost, "hashrate": hashrate, "difficulty": older}
    out = n.figure_sentences(n.FigureGroup("s5", 1, tuple(figs)), n.Facts(figs, None, cat), set())  # type: ignore[arg-type]
    en = " ".join(s.text["en"] for s in out)
    assert grouped in en and alone not in en and "26 September 2025" in en, en


def test_a_stale_figure_records_which_inputs_are_old(make_ctx):
    from report.figures import Source
    from report.figures.model import make

    f = make(
        "btc_price",
        7e4,
        unit="USD",
        sources=[Source("CBBTCUSD", D(2026, 5, 24))],
        ctx=make_ctx(D(2026, 8, 21)),
        text_key="text.btc_price",
        price={"en": "", "zh-Hant": ""},
        date={"en": "", "zh-Hant": ""},
    )
    assert f.status == "stale" and f.detail["stale_inputs"] == {"CBBTCUSD": "2026-05-24"}
    fresh = make(
        "btc_price",
        7e4,
        unit="USD",
        sources=[Source("CBBTCUSD", D(2026, 8, 20))],
        ctx=make_ctx(D(2026, 8, 21)),
        text_key="text.btc_price",
        price={"en": "", "zh-Hant": ""},
        date={"en": "", "zh-Hant": ""},
    )
    assert fresh.status == "ok" and "stale_inputs" not in fresh.detail
