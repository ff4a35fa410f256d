"""A plain WeasyPrint brief: the baseline `benchmarks/bench_build.py` times our build against.

Written the way a competent developer would write a bilingual brief in one script without optimising anything:
pandas reads the demo store, matplotlib draws each chart with its default settings (daily points as they are,
text as paths) to SVG, one Jinja2 template lays out the paragraphs, tables and charts, and WeasyPrint writes the PDF.
The only matplotlib setting is the font, so that the charts' Chinese labels have glyphs. The text is its own,
generated from the data; it is sized to our demo edition (about 20 A4 pages, 14 charts, ~56 figures in a table with
their sources, a data-sources appendix and a disclaimer, both languages in Noto Sans CJK TC).

    python benchmarks/baseline_weasyprint.py --data DEMO.sqlite --out OUT.pdf [--html OUT.html] [--as-of DATE]

With --html it writes the HTML page (without --out, no PDF: the preview benchmark); --as-of drops later
observations (the backfill benchmark). Prints nothing except errors.
"""

from __future__ import annotations

import argparse
import base64
import io
import sqlite3
from pathlib import Path
from typing import Any

import jinja2
import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt
import pandas as pd

plt.rcParams["font.family"] = "Noto Sans CJK TC"  # the one setting: Chinese labels need a font with their glyphs

# Series: Chinese name, English name, how to print a value (kind), section.
SERIES: dict[str, tuple[str, str, str, str]] = {
    "WRESBAL": ("銀行準備金", "Bank reserves", "usd", "fed"),
    "WALCL": ("聯準會總資產", "Fed total assets", "usd", "fed"),
    "TREAST": ("聯準會持有公債", "Fed Treasury holdings", "usd", "fed"),
    "WSHOBL": ("聯準會持有國庫券", "Fed Treasury bill holdings", "usd", "fed"),
    "GDP": ("名目國內生產毛額", "Nominal GDP", "usd", "fed"),
    "SOFR": ("擔保隔夜融資利率（SOFR）", "Secured overnight financing rate (SOFR)", "pct", "rates"),
    "SOFR99": ("SOFR第99百分位數", "SOFR, 99th percentile", "pct", "rates"),
    "EFFR": ("有效聯邦基金利率", "Effective federal funds rate", "pct", "rates"),
    "IORB": ("準備金餘額利率（IORB）", "Interest on reserve balances (IORB)", "pct", "rates"),
    "DFEDTARU": ("聯邦基金利率目標區間上限", "Fed funds target range, top", "pct", "rates"),
    "DFEDTARL": ("聯邦基金利率目標區間下限", "Fed funds target range, bottom", "pct", "rates"),
    "RPONTTLD": ("常設回購便利使用量", "Standing repo facility take-up", "usd", "rates"),
    "M2SL": ("M2貨幣供給", "M2 money supply", "usd", "liquidity"),
    "WDTGAL": ("財政部一般帳戶（TGA）", "Treasury General Account (TGA)", "usd", "liquidity"),
    "RRPONTSYD": ("隔夜逆回購（ON RRP）", "Overnight reverse repo (ON RRP)", "usd", "liquidity"),
    "PAYEMS": ("非農就業人數", "Nonfarm payrolls", "people", "macro"),
    "UNRATE": ("失業率", "Unemployment rate", "pct", "macro"),
    "JTSJOL": ("職缺數（JOLTS）", "Job openings (JOLTS)", "people", "macro"),
    "JTSQUR": ("自願離職率", "Quits rate", "pct", "macro"),
    "PCEPILFE": ("核心PCE物價指數", "Core PCE price index", "index", "macro"),
    "CPIAUCSL": ("消費者物價指數", "Consumer price index", "index", "macro"),
    "CBBTCUSD": ("比特幣價格", "Bitcoin price", "usd", "btc"),
    "BTC_REALIZED_PRICE": ("比特幣已實現價格", "Bitcoin realised price", "usd", "btc"),
    "BTC_ETF_FLOW": ("現貨比特幣ETF每日資金淨流量", "Spot bitcoin ETF net flows, daily", "usd", "btc"),
    "BTC_HASHRATE": ("全網算力", "Hash rate", "hash", "btc"),
    "BTC_DIFFICULTY": ("挖礦難度", "Mining difficulty", "number", "btc"),
    "BTC_ISSUANCE": ("每日區塊補貼", "Block subsidy per day", "btc", "btc"),
    "BTC_FEES": ("每日礦工手續費", "Miner fees per day", "btc", "btc"),
    "BTC_SUPPLY": ("比特幣流通量", "Bitcoin supply", "btc", "btc"),
    "BTC_SUPPLY_IN_LOSS": ("虧損供應量", "Supply in loss", "btc", "btc"),
    "BTC_EXCHANGE_SUPPLY": ("交易所比特幣餘額", "Bitcoin held on exchanges", "btc", "btc"),
}

SECTIONS: list[tuple[str, str, str, list[str]]] = [
    (
        "fed",
        "一、聯準會資產負債表",
        "1. The Fed's balance sheet",
        [
            "聯準會的資產負債表是美元流動性的起點。準備金是銀行存放在聯準會的存款，也是銀行體系最終的"
            "流動性來源；當準備金相對經濟規模下降，貨幣市場利率往往會率先反映壓力。本節整理聯準會總資產、"
            "持有公債與國庫券，以及準備金相對名目GDP的比重。",
            "The Federal Reserve's balance sheet is where dollar liquidity starts. Reserves are the deposits banks "
            "hold at the Fed and the banking system's final source of liquidity; when they fall relative to the size "
            "of the economy, money-market rates tend to show the strain first. This section covers the Fed's total "
            "assets, its holdings of Treasury securities and bills, and reserves as a share of nominal GDP.",
        ],
    ),
    (
        "rates",
        "二、貨幣市場利率",
        "2. Money-market rates",
        [
            "擔保隔夜融資利率（SOFR）是以公債為擔保的隔夜借貸成本。若SOFR持續高於準備金餘額利率（IORB）"
            "甚至高於聯邦基金利率目標區間上限，代表銀行體系的準備金已不再充裕。常設回購便利的使用量則顯示"
            "市場在壓力時向聯準會借款的程度。",
            "The secured overnight financing rate (SOFR) is the cost of borrowing overnight against Treasury "
            "collateral. When SOFR stays above the interest rate on reserve balances (IORB), or even above the top "
            "of the federal funds target range, reserves are no longer ample. Take-up at the standing repo facility "
            "shows how much the market borrows from the Fed under strain.",
        ],
    ),
    (
        "liquidity",
        "三、流動性",
        "3. Liquidity",
        [
            "淨流動性以聯準會總資產減去財政部一般帳戶（TGA）與隔夜逆回購（ON RRP）計算，是觀察金融市場"
            "可用美元的常見指標。財政部增加現金餘額或貨幣市場基金把資金放回聯準會，都會把流動性從市場抽走。",
            "Net liquidity, the Fed's total assets less the Treasury General Account (TGA) and overnight reverse "
            "repos (ON RRP), is a common gauge of the dollars available to financial markets. When the Treasury "
            "builds its cash balance or money-market funds park cash at the Fed, liquidity leaves the market.",
        ],
    ),
    (
        "macro",
        "四、總經與勞動市場",
        "4. Macro data and the labour market",
        [
            "聯準會的雙重目標是充分就業與物價穩定。本節整理非農就業、失業率、職缺與自願離職率，以及核心"
            "PCE與消費者物價指數的年增率，說明利率政策面對的取捨。",
            "The Fed's dual mandate is maximum employment and stable prices. This section covers payrolls, the "
            "unemployment rate, job openings and quits, and the year-on-year change of core PCE prices and the "
            "consumer price index, the trade-off interest-rate policy faces.",
        ],
    ),
    (
        "btc",
        "五、比特幣",
        "5. Bitcoin",
        [
            "比特幣的價格對美元流動性相當敏感，但也受到挖礦經濟與持有者行為影響。本節整理價格與已實現價格、"
            "現貨ETF的資金流量、全網算力與難度、礦工收入，以及處於未實現虧損的供應量。",
            "Bitcoin's price is sensitive to dollar liquidity, but mining economics and holders' behaviour matter "
            "too. This section covers the price and the realised price, spot ETF flows, hash rate and difficulty, "
            "miners' revenue, and the supply held at an unrealised loss.",
        ],
    ),
]

DISCLAIMER = [
    "示範資料：本報告所有數字均由程式產生，並非市場數據。",
    "DEMONSTRATION DATA: every number in this brief is generated for demonstration, not market data.",
    "本報告僅供參考，不構成任何投資建議或推薦。所有投資與交易行為均涉及風險，讀者在做出決定前應自行研究。",
    "This brief is for information only and does not constitute investment advice or a recommendation. All "
    "investment and trading involves risk; readers should do their own research before making any decision.",
    "儘管我們致力於提供準確及時的資訊，本報告不保證所載任何資訊的準確性、完整性或可靠性；數據由第三方"
    "資料自動計算，可能經過修正。",
    "Although we aim to provide accurate and timely information, we do not guarantee the accuracy, completeness "
    "or reliability of any information in this brief; figures are computed automatically from third-party data "
    "that may be revised.",
    "對於因依賴本報告資訊而造成的任何損失或損害，我們概不承擔責任。",
    "We accept no liability for any loss or damage arising from reliance on this information.",
]

TEMPLATE = """<!DOCTYPE html>
<html lang="zh-Hant">
<head>
<meta charset="utf-8">
<title>流動性週報 Liquidity Brief {{ as_of }}</title>
<style>
@page {
  size: A4;
  margin: 18mm 15mm;
  font-family: "Noto Sans CJK TC";
  @bottom-center { content: "第 " counter(page) " 頁 · Page " counter(page) " / " counter(pages); font-size: 8pt; }
}
html { font-family: "Noto Sans CJK TC"; font-size: 10pt; line-height: 1.5; }
h1 { font-size: 24pt; margin-top: 60mm; }
h2 { font-size: 14pt; }
h2.appendix { page-break-before: always; }
.en { color: #333; }
figure { margin: 4mm 0; page-break-inside: avoid; }
figure img { width: 75%; }
figcaption { font-size: 8pt; color: #555; }
table { width: 100%; border-collapse: collapse; font-size: 8pt; line-height: 1.25; }
th, td { border-bottom: 0.5pt solid #ccc; padding: 1pt 3pt; text-align: left; vertical-align: top; }
td.num { text-align: right; }
</style>
</head>
<body>
<h1>流動性週報<br>Liquidity Brief</h1>
<p>{{ as_of_zh }}版 · Edition of {{ as_of_en }}</p>
{% for p in disclaimer[:2] %}<p>{{ p }}</p>{% endfor %}
<div style="page-break-after: always"></div>

{% for section in sections %}
<h2>{{ section.zh }}<br>{{ section.en }}</h2>
<p>{{ section.intro[0] }}</p>
<p class="en">{{ section.intro[1] }}</p>
{% for item in section["items"] %}
<p>{{ item.zh }}</p>
<p class="en">{{ item.en }}</p>
{% endfor %}
{% for chart in section.charts %}
<figure>
<img src="data:image/svg+xml;base64,{{ chart.svg }}" alt="{{ chart.title }}">
<figcaption>資料來源：{{ chart.source_zh }}（程式產生的示範資料）
Source: {{ chart.source_en }} (generated demo data)</figcaption>
</figure>
{% endfor %}
{% endfor %}

<h2 class="appendix">關鍵數據<br>Key figures</h2>
<table>
<thead><tr><th>指標<br>Figure</th><th>數值<br>Value</th><th>日期<br>Date</th><th>變動<br>Change</th></tr></thead>
<tbody>
{% for row in figures %}
<tr><td>{{ row.zh }}<br>{{ row.en }}</td><td class="num">{{ row.value_zh }}<br>{{ row.value_en }}</td>
<td>{{ row.date }}</td><td class="num">{{ row.change }}</td></tr>
{% endfor %}
</tbody>
</table>

<h2>數據來源<br>Sources of the figures</h2>
<table>
<thead><tr><th>指標<br>Figure</th><th>數據序列<br>Series</th><th>來源<br>Source</th></tr></thead>
<tbody>
{% for row in figures %}
<tr><td>{{ row.zh }}<br>{{ row.en }}</td><td>{{ row.series }}<br>{{ row.date }}, {{ row.previous_date }}</td>
<td>示範資料<br>demo data</td></tr>
{% endfor %}
</tbody>
</table>

<h2>附錄：數據序列<br>Appendix: data series</h2>
<table>
<thead><tr><th>ID</th><th>數據序列<br>Series</th><th>單位<br>Units</th><th>來源<br>Source</th></tr></thead>
<tbody>
{% for s in appendix %}
<tr><td>{{ s.id }}</td><td>{{ s.zh }}<br>{{ s.title }}</td><td>{{ s.units }}, {{ s.frequency }}</td>
<td>{{ s.source }}<br>程式產生的示範資料</td></tr>
{% endfor %}
</tbody>
</table>

<h2>免責聲明<br>Disclaimer</h2>
{% for p in disclaimer %}<p>{{ p }}</p>{% endfor %}
</body>
</html>
"""


def load(path: Path, as_of: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every observation (latest vintage of each date, up to ``as_of``) as one column per series, and the series
    table."""
    with sqlite3.connect(path) as conn:
        obs = pd.read_sql(
            "SELECT series_id, date, value, realtime_start FROM observations WHERE date <= ?",
            conn,
            params=[as_of or "9999-12-31"],
            parse_dates=["date"],
        )
        meta = pd.read_sql("SELECT * FROM series", conn, index_col="id")
    obs = obs.sort_values("realtime_start").drop_duplicates(["series_id", "date"], keep="last")
    wide = obs.pivot(index="date", columns="series_id", values="value").sort_index()
    for sid in wide.columns:
        wide[sid] = wide[sid] * meta.loc[sid, "scale"]
    return wide, meta


def fmt(value: float, kind: str) -> tuple[str, str]:
    """A value in Chinese and in English."""
    if pd.isna(value):
        return "—", "—"
    sign = "−" if value < 0 else ""
    a = abs(value)
    if kind == "usd":
        if a >= 1e12:
            return f"{sign}{a / 1e12:.2f}兆美元", f"{sign}US${a / 1e12:.2f} trillion"
        if a >= 1e9:
            return f"{sign}{a / 1e8:,.0f}億美元", f"{sign}US${a / 1e9:.1f} billion"
        if a >= 1e6:
            return f"{sign}{a / 1e4:,.0f}萬美元", f"{sign}US${a / 1e6:.1f} million"
        return f"{sign}{a:,.0f}美元", f"{sign}US${a:,.0f}"
    if kind == "pct":
        return f"{value:.2f}%", f"{value:.2f}%"
    if kind == "people":
        return f"{sign}{a / 1e4:,.1f}萬人", f"{sign}{a / 1e6:.2f} million"
    if kind == "btc":
        return f"{sign}{a:,.0f}枚比特幣", f"{sign}{a:,.0f} BTC"
    if kind == "hash":
        return f"{a / 1e18:,.0f} EH/s", f"{a / 1e18:,.0f} EH/s"
    if kind == "number":
        return f"{a / 1e12:,.1f}兆", f"{a / 1e12:,.1f} trillion"
    return f"{value:,.2f}", f"{value:,.2f}"


def describe(wide: pd.DataFrame, sid: str) -> dict[str, Any]:
    """Latest value, previous value, change over a year and the range of one series, in both languages."""
    zh, en, kind, _ = SERIES[sid]
    s = wide[sid].dropna()
    last, prev = s.iloc[-1], s.iloc[-2]
    date, prev_date = s.index[-1], s.index[-2]
    year_ago = s[: date - pd.DateOffset(years=1)]
    yoy = (last / year_ago.iloc[-1] - 1) * 100 if len(year_ago) and year_ago.iloc[-1] else float("nan")
    hi_date, lo_date = s.idxmax(), s.idxmin()
    v_zh, v_en = fmt(last, kind)
    c_zh, c_en = fmt(last - prev, kind)
    hi_zh, hi_en = fmt(s.max(), kind)
    lo_zh, lo_en = fmt(s.min(), kind)
    d = date.strftime("%Y-%m-%d")
    pd_ = prev_date.strftime("%Y-%m-%d")
    yoy_zh = f"較一年前變動{yoy:+.1f}%" if pd.notna(yoy) else "一年前無資料"
    yoy_en = f"{yoy:+.1f}% on a year earlier" if pd.notna(yoy) else "no value a year earlier"
    return {
        "zh": f"截至{d}，{zh}為{v_zh}，較前一期（{pd_}）變動{c_zh}，{yoy_zh}。自{s.index[0]:%Y年%m月}以來，"
        f"{zh}的高點為{hi_zh}（{hi_date:%Y-%m-%d}），低點為{lo_zh}（{lo_date:%Y-%m-%d}）。",
        "en": f"{en} stood at {v_en} on {d}, a change of {c_en} from the previous reading ({pd_}) and "
        f"{yoy_en}. Since {s.index[0]:%B %Y} its high was {hi_en} ({hi_date:%Y-%m-%d}) and its low "
        f"{lo_en} ({lo_date:%Y-%m-%d}).",
        "value_zh": v_zh,
        "value_en": v_en,
        "date": d,
        "previous_date": pd_,
        "change": c_en,
        "yoy": f"{yoy:+.1f}%" if pd.notna(yoy) else "—",
    }


def svg(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def line_chart(
    wide: pd.DataFrame, columns: list[str], title: str, scale: float = 1.0, right: pd.Series | None = None
) -> str:
    fig, ax = plt.subplots()
    for sid in columns:
        s = wide[sid].dropna() / scale
        ax.plot(s.index, s.values, label=f"{SERIES[sid][0]} {SERIES[sid][1]}")
    ax.set_title(title)
    ax.legend(loc="upper left")
    if right is not None:
        ax2 = ax.twinx()
        ax2.plot(right.index, right.values, color="tab:red", label=right.name)
        ax2.legend(loc="upper right")
    return svg(fig)


def charts(wide: pd.DataFrame) -> dict[str, list[dict[str, str]]]:
    """The 14 charts, by section."""
    weekly = wide[["WALCL", "WDTGAL", "WRESBAL"]].dropna()
    rrp = wide["RRPONTSYD"].ffill().reindex(weekly.index)
    net = (weekly["WALCL"] - weekly["WDTGAL"] - rrp) / 1e12
    net.name = "淨流動性 Net liquidity"
    gdp = wide["GDP"].ffill().reindex(weekly.index)
    share = weekly["WRESBAL"] / gdp * 100
    share.name = "占GDP比重（%） Share of GDP (%)"
    btc = wide["CBBTCUSD"].dropna()
    btc.name = "比特幣價格 Bitcoin price"
    out: dict[str, list[dict[str, str]]] = {k: [] for k, *_ in SECTIONS}

    def add(section: str, title: str, source_zh: str, source_en: str, chart: str) -> None:
        out[section].append({"title": title, "source_zh": source_zh, "source_en": source_en, "svg": chart})

    add(
        "fed",
        "銀行準備金及其占GDP比重 Bank reserves and their share of GDP",
        "銀行準備金、名目GDP",
        "bank reserves, nominal GDP",
        line_chart(wide, ["WRESBAL"], "銀行準備金（兆美元） Bank reserves (US$ trillion)", 1e12, share),
    )
    add(
        "fed",
        "聯準會總資產與持有公債 Fed total assets and Treasury holdings",
        "聯準會總資產、聯準會持有公債",
        "Fed total assets, Fed Treasury holdings",
        line_chart(wide, ["WALCL", "TREAST", "WSHOBL"], "聯準會資產（兆美元） Fed assets (US$ trillion)", 1e12),
    )

    fig, ax = plt.subplots()
    ax.fill_between(wide.index, wide["DFEDTARL"], wide["DFEDTARU"], alpha=0.2, label="目標區間 Target range")
    for sid in ["SOFR", "EFFR", "IORB", "SOFR99"]:
        s = wide[sid].dropna()
        ax.plot(s.index, s.values, label=f"{SERIES[sid][0]} {SERIES[sid][1]}")
    ax.set_title("貨幣市場利率（%） Money-market rates (%)")
    ax.legend()
    add("rates", "", "SOFR、EFFR、IORB、目標區間", "SOFR, EFFR, IORB, target range", svg(fig))

    m2 = wide["M2SL"].dropna()
    fig, ax = plt.subplots()
    ax.plot(m2.index, m2.values / 1e12, label="M2")
    ax2 = ax.twinx()
    ax2.plot(m2.index, m2.pct_change(12) * 100, color="tab:red", label="年增率 YoY (%)")
    ax.set_title("M2貨幣供給（兆美元）與年增率 M2 (US$ trillion) and its growth")
    ax.legend(loc="upper left")
    ax2.legend(loc="upper right")
    add("liquidity", "", "M2貨幣供給", "M2", svg(fig))

    fig, ax = plt.subplots()
    ax.plot(net.index, net.values, label=net.name)
    ax.plot(weekly.index, weekly["WALCL"] / 1e12, label="聯準會總資產 Fed total assets")
    ax.plot(weekly.index, weekly["WDTGAL"] / 1e12, label="TGA")
    ax.plot(rrp.index, rrp.values / 1e12, label="ON RRP")
    ax.set_title("淨流動性（兆美元） Net liquidity (US$ trillion)")
    ax.legend()
    add("liquidity", "", "聯準會總資產、TGA、ON RRP", "Fed total assets, TGA, ON RRP", svg(fig))

    fig, ax = plt.subplots()
    ax.plot(net.index, net.values, label=net.name)
    ax2 = ax.twinx()
    ax2.plot(btc.index, btc.values, color="tab:orange", label=btc.name)
    ax.set_title("淨流動性與比特幣價格 Net liquidity and the bitcoin price")
    ax.legend(loc="upper left")
    ax2.legend(loc="upper right")
    add("liquidity", "", "聯準會總資產、TGA、ON RRP、比特幣價格", "net liquidity, bitcoin price", svg(fig))

    payrolls = wide["PAYEMS"].dropna().diff() / 1e3
    fig, ax = plt.subplots()
    ax.bar(payrolls.index, payrolls.values, width=20, label="月變動（千人） Monthly change (thousands)")
    ax.set_title("非農就業人數月變動 Nonfarm payrolls, monthly change")
    ax.legend()
    add("macro", "", "非農就業人數", "nonfarm payrolls", svg(fig))

    fig, ax = plt.subplots()
    for sid in ["PCEPILFE", "CPIAUCSL"]:
        s = wide[sid].dropna().pct_change(12) * 100
        ax.plot(s.index, s.values, label=f"{SERIES[sid][0]} {SERIES[sid][1]}")
    ax2 = ax.twinx()
    u = wide["UNRATE"].dropna()
    ax2.plot(u.index, u.values, color="tab:gray", label="失業率 Unemployment rate")
    ax.set_title("通膨年增率與失業率（%） Inflation and unemployment (%)")
    ax.legend(loc="upper left")
    ax2.legend(loc="upper right")
    add("macro", "", "核心PCE、CPI、失業率", "core PCE, CPI, unemployment rate", svg(fig))

    revenue = (wide["BTC_ISSUANCE"] + wide["BTC_FEES"]) * wide["CBBTCUSD"]
    revenue = revenue.dropna() / 1e6
    fig, ax = plt.subplots()
    ax.plot(revenue.index, revenue.values, label="礦工每日收入（百萬美元） Miner revenue per day (US$ million)")
    ax2 = ax.twinx()
    ax2.plot(btc.index, btc.values, color="tab:orange", label=btc.name)
    ax.set_title("礦工收入與比特幣價格 Miner revenue and the bitcoin price")
    ax.legend(loc="upper left")
    ax2.legend(loc="upper right")
    add("btc", "", "比特幣價格、區塊補貼、手續費", "bitcoin price, block subsidy, fees", svg(fig))
    add(
        "btc",
        "",
        "比特幣價格、已實現價格",
        "bitcoin price, realised price",
        line_chart(wide, ["CBBTCUSD", "BTC_REALIZED_PRICE"], "比特幣價格（美元） Bitcoin price (US$)"),
    )

    flows = wide["BTC_ETF_FLOW"].dropna() / 1e6
    fig, ax = plt.subplots()
    ax.bar(flows.index, flows.values, label="每日淨流量（百萬美元） Daily net flows (US$ million)")
    ax.plot(flows.index, flows.cumsum().values / 10, color="tab:red", label="累計（十百萬美元） Cumulative (US$ 10m)")
    ax.set_title("現貨比特幣ETF資金流量 Spot bitcoin ETF flows")
    ax.legend()
    add("btc", "", "現貨比特幣ETF資金流量", "spot bitcoin ETF flows", svg(fig))

    hashrate = wide["BTC_HASHRATE"].dropna() / 1e18
    fig, ax = plt.subplots()
    ax.plot(hashrate.index, hashrate.values, label="全網算力（EH/s） Hash rate (EH/s)")
    ax.plot(hashrate.index, hashrate.rolling(7).mean().values, label="7日平均 7-day average")
    ax2 = ax.twinx()
    diff = wide["BTC_DIFFICULTY"].dropna() / 1e12
    ax2.plot(diff.index, diff.values, color="tab:red", label="難度（兆） Difficulty (trillion)")
    ax.set_title("全網算力與挖礦難度 Hash rate and mining difficulty")
    ax.legend(loc="upper left")
    ax2.legend(loc="lower right")
    add("btc", "", "全網算力、挖礦難度", "hash rate, mining difficulty", svg(fig))

    hashprice = (revenue * 1e6 / (hashrate * 1e3)).dropna()
    fig, ax = plt.subplots()
    ax.plot(hashprice.index, hashprice.values, label="算力價格 Hashprice")
    ax.set_title("算力價格（每PH/s每日美元） Hashprice (US$ per PH/s per day)")
    ax.legend()
    add("btc", "", "全網算力、區塊補貼、手續費、比特幣價格", "hash rate, subsidy, fees, bitcoin price", svg(fig))

    loss = (wide["BTC_SUPPLY_IN_LOSS"] / wide["BTC_SUPPLY"] * 100).dropna()
    fig, ax = plt.subplots()
    ax.plot(loss.index, loss.values, label="虧損供應量占比（%） Share of supply in loss (%)")
    ax2 = ax.twinx()
    ax2.plot(btc.index, btc.values, color="tab:orange", label=btc.name)
    ax.set_title("虧損供應量占比 Share of supply in loss")
    ax.legend(loc="upper left")
    ax2.legend(loc="upper right")
    add("btc", "", "虧損供應量、比特幣流通量", "supply in loss, bitcoin supply", svg(fig))
    return out


def build(data: Path, as_of: str | None = None) -> str:
    wide, meta = load(data, as_of)
    latest: pd.Timestamp = wide.index.max()
    described = {sid: describe(wide, sid) for sid in SERIES}
    drawn = charts(wide)
    sections = []
    for key, zh, en, intro in SECTIONS:
        items = [described[sid] for sid, (*_, section) in SERIES.items() if section == key]
        sections.append({"zh": zh, "en": en, "intro": intro, "items": items, "charts": drawn[key]})
    figures = []
    for sid in SERIES:  # the latest value of every series ...
        figures.append({**described[sid], "series": sid, "zh": SERIES[sid][0], "en": SERIES[sid][1]})
    for sid in list(SERIES)[:25]:  # ... and the change on a year earlier of the first 25: 56 figures
        d = described[sid]
        figures.append(
            {
                **d,
                "series": sid,
                "zh": f"{SERIES[sid][0]}年變動",
                "en": f"{SERIES[sid][1]}, change on a year",
                "value_zh": d["yoy"],
                "value_en": d["yoy"],
            }
        )
    appendix = [
        {"id": sid, "zh": SERIES[sid][0], **row}
        for sid, row in meta.sort_index().to_dict("index").items()
        if sid in SERIES
    ]
    template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)
    return template.render(
        as_of=f"{latest:%Y-%m-%d}",
        as_of_zh=f"{latest.year}年{latest.month}月{latest.day}日",
        as_of_en=f"{latest.day} {latest:%B %Y}",
        sections=sections,
        figures=figures,
        appendix=appendix,
        disclaimer=DISCLAIMER,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the demo SQLite store")
    parser.add_argument("--out", type=Path, help="the PDF to write")
    parser.add_argument("--html", type=Path, help="write the HTML page here instead of a PDF")
    parser.add_argument("--as-of", help="YYYY-MM-DD: use only observations up to that date (default: all)")
    args = parser.parse_args()
    if not args.data.exists():  # not part of the timed work: the benchmark passes an existing store
        from report import demo

        demo.ensure_store(args.data).close()
    html = build(args.data, args.as_of)
    if args.html:
        args.html.write_text(html, encoding="utf-8")
    if args.out:
        import weasyprint

        weasyprint.HTML(string=html).write_pdf(args.out)


if __name__ == "__main__":
    main()
