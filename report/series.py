"""The catalogue of input series: what each is, its units, cadence and how late it is published."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SeriesInfo:
    """Metadata for one input series."""

    id: str
    title: str
    title_zh: str
    units: str  # as the source states them
    scale: float  # multiply a stored value by this to get plain units (US dollars, persons, ...)
    frequency: str  # "daily", "weekly", "monthly", "quarterly"
    source: str
    lag_days: int  # typical days from the end of the observed period to publication
    max_age_days: int  # an observation older than this (relative to the edition) is stale
    lag_rule: str = "days"  # "days", "next_business_day" or "first_friday" (of the month after the period)
    # The plausible range (min, max) in plain units: a value outside it is a data fault (a wrong unit, a stray
    # exponent), not a fact, and a figure using it is marked implausible instead of printed (docs/data.md).
    plausible: tuple[float, float] = field(kw_only=True)

    def is_plausible(self, value: float) -> bool:
        """Whether a value in plain units is finite and inside the series' plausible range."""
        low, high = self.plausible
        return math.isfinite(value) and low <= value <= high

    def published(self, observed: dt.date) -> dt.date:
        """When an observation dated ``observed`` is typically first available (see docs/data.md)."""
        end = period_end(observed, self.frequency)
        if self.lag_rule == "next_business_day":
            nxt = end + dt.timedelta(days=1)
            while nxt.weekday() >= 5:
                nxt += dt.timedelta(days=1)
            return nxt
        if self.lag_rule == "first_friday":
            first = end + dt.timedelta(days=1)
            return first + dt.timedelta(days=(4 - first.weekday()) % 7)
        return end + dt.timedelta(days=self.lag_days)


def period_end(observed: dt.date, frequency: str) -> dt.date:
    """Last day of the period an observation stands for (FRED dates periods by their first day)."""
    if frequency == "monthly":
        nxt = dt.date(observed.year + observed.month // 12, observed.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    if frequency == "quarterly":  # the end of the quarter's third month
        third = ((observed.month - 1) // 3) * 3 + 3
        return period_end(dt.date(observed.year, third, 1), "monthly")
    return observed


FRED = "FRED, Federal Reserve Bank of St. Louis"
# Series whose first prints are read where vintages are stored (report/figures/macro.py): "PAYEMS@first" holds each
# month as first published, "PAYEMS@first_before" the month before it in that same vintage
FIRST_PRINT_SERIES = ("PAYEMS",)
# Series the agencies revise after first publishing them: `brief fetch --vintages` asks ALFRED for their vintages, and
# a past edition built without them says its values are later revisions
REVISED = ("PAYEMS", "UNRATE", "JTSJOL", "PCEPILFE", "CPIAUCSL", "M2SL", "GDP")
_M = 1e6
_B = 1e9
_T = 1e12
_RATE = (-5.0, 30.0)  # percent: policy and money-market rates
_BTC_CAP = 21e6  # no more bitcoin can exist

SERIES: dict[str, SeriesInfo] = {
    s.id: s
    for s in [
        SeriesInfo(
            "WRESBAL",
            "Reserve balances with Federal Reserve Banks",
            "銀行準備金餘額",
            "Millions of U.S. Dollars",
            _M,
            "weekly",
            FRED,
            1,
            14,
            plausible=(0, 20 * _T),
        ),
        SeriesInfo(
            "WALCL",
            "Total assets of the Federal Reserve",
            "聯準會總資產",
            "Millions of U.S. Dollars",
            _M,
            "weekly",
            FRED,
            1,
            14,
            plausible=(100 * _B, 30 * _T),
        ),
        SeriesInfo(
            "TREAST",
            "U.S. Treasury securities held outright by the Fed",
            "聯準會持有美國公債",
            "Millions of U.S. Dollars",
            _M,
            "weekly",
            FRED,
            1,
            14,
            plausible=(0, 30 * _T),
        ),
        SeriesInfo(
            "WSHOBL",
            "U.S. Treasury bills held outright by the Fed, Wednesday level",
            "聯準會持有美國國庫券",
            "Millions of U.S. Dollars",
            _M,
            "weekly",
            FRED,
            1,
            14,
            plausible=(0, 10 * _T),
        ),
        SeriesInfo(
            "WDTGAL",
            "Treasury General Account, Wednesday level",
            "財政部一般帳戶（TGA）",
            "Millions of U.S. Dollars",
            _M,
            "weekly",
            FRED,
            1,
            14,
            plausible=(0, 5 * _T),
        ),
        SeriesInfo(
            "RRPONTSYD",
            "Overnight reverse repurchase agreements (ON RRP), Treasury securities sold",
            "隔夜逆回購（ON RRP）",
            "Billions of U.S. Dollars",
            _B,
            "daily",
            FRED,
            1,
            7,
            "next_business_day",
            plausible=(0, 5 * _T),
        ),
        SeriesInfo(
            "M2SL",
            "M2 money supply",
            "M2貨幣供給",
            "Billions of U.S. Dollars",
            _B,
            "monthly",
            FRED,
            25,
            75,
            plausible=(100 * _B, 100 * _T),
        ),
        SeriesInfo(
            "GDP",
            "Gross domestic product (nominal, SAAR)",
            "名目國內生產毛額",
            "Billions of U.S. Dollars",
            _B,
            "quarterly",
            FRED,
            30,
            200,
            plausible=(100 * _B, 150 * _T),
        ),
        SeriesInfo(
            "SOFR",
            "Secured Overnight Financing Rate",
            "擔保隔夜融資利率（SOFR）",
            "Percent",
            1.0,
            "daily",
            FRED,
            1,
            7,
            "next_business_day",
            plausible=_RATE,
        ),
        SeriesInfo(
            "SOFR99",
            "SOFR, 99th percentile of the day's transactions",
            "SOFR成交利率第99百分位數",
            "Percent",
            1.0,
            "daily",
            FRED,
            1,
            7,
            "next_business_day",
            plausible=_RATE,
        ),
        SeriesInfo(
            "RPONTTLD",
            "Overnight repurchase agreements: total securities purchased by the Fed in temporary open market "
            "operations (standing repo facility take-up since July 2021)",
            "聯準會隔夜回購操作買入證券總額（2021年7月起即常設回購便利（SRF）使用量）",
            "Billions of U.S. Dollars",
            _B,
            "daily",
            FRED,
            1,
            7,
            "next_business_day",
            plausible=(0, 5 * _T),
        ),
        SeriesInfo(
            "EFFR",
            "Effective federal funds rate",
            "有效聯邦基金利率（EFFR）",
            "Percent",
            1.0,
            "daily",
            FRED,
            1,
            7,
            "next_business_day",
            plausible=_RATE,
        ),
        SeriesInfo(
            "IORB",
            "Interest rate on reserve balances",
            "準備金餘額利率（IORB）",
            "Percent",
            1.0,
            "daily",
            FRED,
            1,
            7,
            plausible=_RATE,
        ),
        SeriesInfo(
            "DFEDTARU",
            "Federal funds target range, upper limit",
            "聯邦基金利率目標區間上限",
            "Percent",
            1.0,
            "daily",
            FRED,
            1,
            7,
            plausible=_RATE,
        ),
        SeriesInfo(
            "DFEDTARL",
            "Federal funds target range, lower limit",
            "聯邦基金利率目標區間下限",
            "Percent",
            1.0,
            "daily",
            FRED,
            1,
            7,
            plausible=_RATE,
        ),
        SeriesInfo(
            "PAYEMS",
            "All employees, total nonfarm",
            "非農就業人數",
            "Thousands of Persons",
            1e3,
            "monthly",
            FRED,
            7,
            45,
            "first_friday",
            plausible=(0, 400 * _M),
        ),
        SeriesInfo(
            "UNRATE",
            "Unemployment rate",
            "失業率",
            "Percent",
            1.0,
            "monthly",
            FRED,
            7,
            45,
            "first_friday",
            plausible=(0, 50),
        ),
        SeriesInfo(
            "JTSJOL",
            "Job openings, total nonfarm",
            "職缺數（JOLTS）",
            "Thousands",
            1e3,
            "monthly",
            FRED,
            38,
            80,
            plausible=(0, 100 * _M),
        ),
        SeriesInfo(
            "JTSQUR",
            "Quits rate, total nonfarm",
            "自願離職率",
            "Percent",
            1.0,
            "monthly",
            FRED,
            38,
            80,
            plausible=(0, 20),
        ),
        SeriesInfo(
            "PCEPILFE",
            "Core PCE price index",
            "核心PCE物價指數",
            "Index 2017=100",
            1.0,
            "monthly",
            FRED,
            28,
            75,
            plausible=(1, 1000),
        ),
        SeriesInfo(
            "CPIAUCSL",
            "Consumer price index, all urban consumers",
            "消費者物價指數",
            "Index 1982-1984=100",
            1.0,
            "monthly",
            FRED,
            13,
            60,
            plausible=(1, 2000),
        ),
        SeriesInfo(
            "CBBTCUSD",
            "Bitcoin price (Coinbase)",
            "比特幣價格",
            "U.S. Dollars",
            1.0,
            "daily",
            FRED,
            1,
            7,
            plausible=(0, 10 * _M),
        ),
        SeriesInfo(
            "BTC_PRICE",
            "Bitcoin price (Coin Metrics, CoinGecko or another source)",
            "比特幣價格",
            "U.S. Dollars",
            1.0,
            "daily",
            "Coin Metrics / CoinGecko",
            1,
            7,
            plausible=(0, 10 * _M),
        ),
        SeriesInfo(
            "BTC_HASHRATE",
            "Bitcoin network hash rate",
            "比特幣全網算力",
            "Terahashes per second",
            1e12,
            "daily",
            "Coin Metrics / mempool.space",
            1,
            7,
            plausible=(0, 1e24),
        ),
        SeriesInfo(
            "BTC_DIFFICULTY",
            "Bitcoin mining difficulty",
            "比特幣挖礦難度",
            "Difficulty",
            1.0,
            "daily",
            "Coin Metrics / mempool.space",
            1,
            7,
            plausible=(1, 1e17),
        ),
        SeriesInfo(
            "BTC_DIFFICULTY_7D",
            "Bitcoin mining difficulty, 7-day average (Blockchain.com chart)",
            "比特幣挖礦難度7日平均值",
            "Difficulty",
            1.0,
            "daily",
            "Blockchain.com charts (7-day average)",
            1,
            7,
            plausible=(0.1, 1e17),
        ),
        SeriesInfo(
            "BTC_ISSUANCE",
            "New bitcoin issued per day (block subsidy)",
            "每日新發行比特幣（區塊補貼）",
            "BTC",
            1.0,
            "daily",
            "Coin Metrics / mempool.space",
            1,
            7,
            plausible=(0, 100_000),
        ),
        SeriesInfo(
            "BTC_FEES",
            "Transaction fees paid to miners per day",
            "每日礦工手續費收入",
            "BTC",
            1.0,
            "daily",
            "Coin Metrics / mempool.space",
            1,
            7,
            plausible=(0, 10_000),
        ),
        SeriesInfo(
            "BTC_SUPPLY",
            "Bitcoin supply outstanding",
            "比特幣流通量",
            "BTC",
            1.0,
            "daily",
            "Coin Metrics",
            1,
            7,
            plausible=(0, _BTC_CAP),
        ),
        SeriesInfo(
            "BTC_SUPPLY_IN_LOSS",
            "Bitcoin supply held at an unrealised loss",
            "虧損供應量（處於未實現虧損的比特幣）",
            "BTC",
            1.0,
            "daily",
            "BGeometrics / Glassnode",
            1,
            10,
            plausible=(0, _BTC_CAP),
        ),
        SeriesInfo(
            "BTC_MVRV",
            "Bitcoin MVRV ratio (market value over realised value)",
            "比特幣MVRV比率",
            "Ratio",
            1.0,
            "daily",
            "Coin Metrics (CapMVRVCur) / CryptoQuant",
            1,
            10,
            plausible=(0.05, 500),  # 146 on 18 July 2010, the first day bitcoin traded (Coin Metrics' history)
        ),
        SeriesInfo(
            "BTC_REALIZED_PRICE",
            "Bitcoin realised price (the average price at which coins last moved)",
            "比特幣已實現價格",
            "U.S. Dollars",
            1.0,
            "daily",
            "CryptoQuant (or Coin Metrics price over MVRV)",
            1,
            10,
            plausible=(0, 10 * _M),
        ),
        SeriesInfo(
            "BTC_EXCHANGE_SUPPLY",
            "Bitcoin held on exchanges",
            "交易所比特幣餘額",
            "BTC",
            1.0,
            "daily",
            "Coin Metrics",
            1,
            10,
            plausible=(0, _BTC_CAP),
        ),
        SeriesInfo(
            "BTC_ETF_FLOW",
            "US spot bitcoin ETF net flows, daily",
            "美國現貨比特幣ETF資金淨流量",
            "Millions of U.S. Dollars",
            _M,
            "daily",
            "Farside Investors",
            1,
            10,
            plausible=(-100 * _B, 100 * _B),
        ),
    ]
}
