"""Figures on real data (../shared/data/real) against values computed independently here from the raw files.

The expected values use only the csv module and the publication rules written out below, not the package's code.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import REAL_DATA, pdftotext

from report.cli import cli
from report.config import Settings
from report.pipeline.build import build, figures

pytestmark = pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"real data folder {REAL_DATA} is absent")

D = dt.date
MERGED = REAL_DATA / "fred_jonsflow_risk-model" / "merged_to_2026-08-21"
FILES = {
    **{
        sid: MERGED / f"{sid}.csv"
        for sid in (
            "WALCL",
            "WRESBAL",
            "TREAST",
            "SOFR",
            "IORB",
            "DFEDTARU",
            "DFEDTARL",
            "PAYEMS",
            "UNRATE",
            "JTSJOL",
            "PCEPILFE",
            "CPIAUCSL",
        )
    },
    "M2SL": REAL_DATA / "fred_Thecoderstef_Macro-Charts" / "M2SL.csv",
    "GDP": REAL_DATA / "fred_opxie1_usd" / "GDP.csv",
    "JTSQUR": REAL_DATA / "fred_JTSQUR" / "JTSQUR_rjgreenresearch_to_2026-02.csv",
    "CBBTCUSD": REAL_DATA / "fred_JoaoDSO_bitcoin-risk-asset-analysis" / "CBBTCUSD.csv",
    "CM": REAL_DATA / "btc_coinmetrics_community_chrisshao0_APS1052" / "coinmetrics_btc.csv",
    "CM_API": REAL_DATA / "btc_coinmetrics_api_Hakimaxxxx_Haki_Crypto2025" / "btc_onchain_metrics_cm.csv",
}
AS_OF = [D(2024, 6, 12), D(2025, 12, 8), D(2026, 3, 18)]
QT_END = D(2025, 12, 1)


# --- independent reading of the raw files -------------------------------------------------------------------
def raw(sid: str, column: int = 1) -> dict[dt.date, float]:
    out = {}
    with FILES[sid].open(encoding="utf-8-sig") as fh:
        rows = csv.reader(fh)
        next(rows)
        for row in rows:
            if len(row) > column and row[column].strip() not in {"", "."}:
                out[dt.date.fromisoformat(row[0][:10])] = float(row[column])
    return out


def raw_cm(metric: str) -> dict[dt.date, float]:
    """A Coin Metrics metric: the API file's values replace the community file's (it is imported second)."""
    out: dict[dt.date, float] = {}
    for key, date_col in (("CM", "time"), ("CM_API", "date")):
        with FILES[key].open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row.get(metric, "").strip():
                    out[dt.date.fromisoformat(row[date_col][:10])] = float(row[metric])
    return out


def month_end(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


# First publication dates around the 2025 shutdown, copied by hand from ../shared/reference/release-dates.md
ACTUAL = {
    "PAYEMS": {
        D(2025, 9, 1): D(2025, 11, 20),
        D(2025, 10, 1): D(2025, 12, 16),
        D(2025, 11, 1): D(2025, 12, 16),
        D(2025, 12, 1): D(2026, 1, 9),
        D(2026, 1, 1): D(2026, 2, 11),
        D(2026, 2, 1): D(2026, 3, 6),
    },
    "GDP": {D(2025, 7, 1): D(2025, 12, 23), D(2025, 10, 1): D(2026, 2, 20)},
}


def published(sid: str, d: dt.date) -> dt.date:
    """Publication rules, written out independently of report/series.py and report/releases.py."""
    if d in ACTUAL.get(sid, {}):
        return ACTUAL[sid][d]
    if sid in {"WALCL", "WRESBAL", "TREAST", "IORB", "DFEDTARU", "DFEDTARL", "CBBTCUSD", "CM"}:
        return d + dt.timedelta(days=1)  # H.4.1 on the Thursday after the Wednesday; daily data the next day
    if sid == "SOFR":
        nxt = d + dt.timedelta(days=1)
        while nxt.weekday() >= 5:
            nxt += dt.timedelta(days=1)
        return nxt
    if sid == "PAYEMS":
        first = month_end(d) + dt.timedelta(days=1)
        return first + dt.timedelta(days=(4 - first.weekday()) % 7)
    if sid == "M2SL":
        return month_end(d) + dt.timedelta(days=25)
    if sid == "GDP":
        q_end = month_end(d.replace(month=d.month + 2))
        return q_end + dt.timedelta(days=30)
    raise KeyError(sid)


def known(series: dict[dt.date, float], sid: str, as_of: dt.date) -> list[tuple[dt.date, float]]:
    return sorted((d, v) for d, v in series.items() if d <= as_of and published(sid, d) <= as_of)


# --- the package, fed through `brief data import` -------------------------------------------------------------
@pytest.fixture(scope="module")
def real_settings(tmp_path_factory) -> Settings:
    data_dir = tmp_path_factory.mktemp("real")
    files = [str(p) for key, p in FILES.items()]
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "data", "import", *files], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return Settings(data_dir=data_dir, out_dir=data_dir / "out")


@pytest.fixture(scope="module")
def figures_at(real_settings):
    cache = {}

    def get(as_of):
        if as_of not in cache:
            _, figs, _ = figures(real_settings, demo=False, as_of=as_of)
            cache[as_of] = {f.key: f for f in figs}
        return cache[as_of]

    return get


@pytest.mark.parametrize("as_of", AS_OF)
def test_reserves_and_share_of_gdp(figures_at, as_of):
    f = figures_at(as_of)
    res = known(raw("WRESBAL"), "WRESBAL", as_of)
    gdp = known(raw("GDP"), "GDP", as_of)
    assert f["reserves"].observed == res[-1][0]
    assert f["reserves"].value == pytest.approx(res[-1][1] * 1e6)  # millions of dollars -> dollars
    assert f["reserves_weekly_change"].value == pytest.approx((res[-1][1] - res[-2][1]) * 1e6)
    share = res[-1][1] * 1e6 / (gdp[-1][1] * 1e9) * 100  # billions -> dollars
    assert f["reserves_gdp_share"].value == pytest.approx(share)
    assert 5 < f["reserves_gdp_share"].value < 20  # a unit mix-up would be off by a factor of 1,000


@pytest.mark.parametrize("as_of", AS_OF)
def test_qt_runoff(figures_at, as_of):
    """Peak to the end of QT (1 December 2025), then frozen; peak to the latest while QT runs."""
    walcl = known(raw("WALCL"), "WALCL", as_of)
    if as_of >= QT_END:
        walcl = [(d, v) for d, v in walcl if d <= QT_END]
    peak = max(v for _, v in walcl)
    f = figures_at(as_of)
    assert f["qt_runoff"].value == pytest.approx((peak - walcl[-1][1]) * 1e6)
    assert f["qt_runoff"].detail["frozen"] == (as_of >= QT_END)
    assert f["qt_runoff"].detail["peak_date"].startswith("2022-04")


@pytest.mark.parametrize("as_of", AS_OF)
def test_m2_and_prior_peak(figures_at, as_of):
    m2 = known(raw("M2SL"), "M2SL", as_of)
    f = figures_at(as_of)
    assert f["m2"].value == pytest.approx(m2[-1][1] * 1e9)
    peak_2022 = max(v for d, v in m2 if d.year == 2022)
    assert f["m2_prior_peak"].value == pytest.approx(peak_2022 * 1e9)
    assert f["m2"].detail["record"] == (m2[-1][1] >= max(v for _, v in m2[:-1]))


@pytest.mark.parametrize("as_of", AS_OF)
def test_sofr_corridor_days(figures_at, as_of):
    sofr = known(raw("SOFR"), "SOFR", as_of)[-60:]
    top = known(raw("DFEDTARU"), "DFEDTARU", as_of)
    iorb = known(raw("IORB"), "IORB", as_of)

    def in_force(series, d):
        return [v for day, v in series if day <= d][-1]

    above = sum(1 for d, v in sofr if round(v - in_force(top, d), 6) > 0)
    at_iorb = sum(1 for d, v in sofr if round(v - in_force(iorb, d), 6) >= 0)
    f = figures_at(as_of)
    assert f["sofr_days_above_range"].value == above
    assert f["sofr_days_at_or_above_iorb"].value == at_iorb
    assert f["sofr_iorb_spread_bp"].value == pytest.approx((sofr[-1][1] - in_force(iorb, sofr[-1][0])) * 100)


@pytest.mark.parametrize("as_of", AS_OF)
def test_payroll_declines(figures_at, as_of):
    pay = known(raw("PAYEMS"), "PAYEMS", as_of)
    changes = [b - a for (_, a), (_, b) in zip(pay[-8:-1], pay[-7:], strict=True)]
    f = figures_at(as_of)
    assert f["payroll_declines_7m"].value == sum(1 for c in changes if c < 0)
    assert f["payroll_change"].value == pytest.approx(changes[-1] * 1e3)


@pytest.mark.parametrize("as_of", AS_OF)
def test_hash_rate_and_price(figures_at, as_of):
    hr = [(d, v) for d, v in sorted(raw_cm("HashRate").items()) if published("CM", d) <= as_of]
    expected = statistics.mean(v for _, v in hr[-7:]) * 1e12  # TH/s -> H/s
    price = known(raw("CBBTCUSD"), "CBBTCUSD", as_of)
    f = figures_at(as_of)
    assert f["hashrate"].value == pytest.approx(expected)
    assert f["btc_price"].value == pytest.approx(price[-1][1])
    assert f["btc_price"].sources[0].series == "CBBTCUSD"


def test_reference_week_matches_the_commentary(figures_at):
    f = figures_at(D(2025, 12, 8))
    assert round(f["reserves"].value / 1e12, 2) == 2.86
    # 9.4% over the second quarter's GDP, the latest public on 8 December (the third came out on 23 December); the
    # commentary's 9.2% used the later third-quarter GDP
    assert round(f["reserves_gdp_share"].value, 1) == 9.4
    assert round(f["qt_runoff"].value / 1e12, 1) == 2.4
    assert f["sofr_days_above_range"].value >= 3
    assert 65_000 < f["miner_cost"].value < 85_000  # "production cost near US$74,000"
    assert f["days_to_fomc"].value == 2  # to the decision on 10 December, the meeting's last day
    assert f["days_to_fomc"].detail["decision"] == "2025-12-10"


def test_import_errors_name_file_and_line_and_keep_nothing(real_settings, tmp_path):
    bad = tmp_path / "WALCL.csv"
    bad.write_text("observation_date,WALCL\n2030-01-01,1.0\n2030-01-08,lots\n")
    r = CliRunner().invoke(cli, ["--data-dir", str(real_settings.data_dir), "data", "import", str(bad)])
    assert r.exit_code == 1 and f"{bad}:3" in r.output and "'lots' is not a number" in r.output
    from report.store import Store

    with Store(real_settings.store_path) as st:
        assert st.last_date("WALCL") < D(2030, 1, 1)


@pytest.mark.slow
@pytest.mark.parametrize("as_of", [D(2025, 12, 8), D(2026, 8, 21)])
def test_real_edition_builds(real_settings, as_of):
    s = real_settings.replace(formats=("pdf",))
    ed = build(s, demo=False, as_of=as_of)
    gate = [w for w in ed.warnings if w.startswith("quality gate: ")]
    assert [w for w in ed.warnings if w not in gate] == []  # no WeasyPrint warning
    # these files hold no supply in loss, a cover figure: the gate holds the edition back from readers
    assert any(
        w.startswith("quality gate: required figure supply_in_loss (Supply in loss) is unavailable") for w in gate
    )
    text = " ".join(pdftotext(ed.file(".pdf")).split())
    assert "Demonstration data" not in text and "示範資料" not in text
    # real data cite FRED (the attribution FRED's terms ask for); the demo edition says its data are generated
    assert "not endorsed or certified by the Federal Reserve Bank of St. Louis" in text
    # built today from a store without vintages: the cover says its values are today's revisions
    assert "Rebuilt on" in text and "from data revised since" in text
    assert "generated demo data" not in text
    doc = json.loads((ed.folder / "figures.json").read_text(encoding="utf-8"))
    assert doc["demo"] is False and doc["edition"] == as_of.isoformat()
    reserves = next(x for x in doc["figures"] if x["key"] == "reserves")
    assert reserves["formatted"]["en"] in text


def test_files_are_read_in_place_not_copied():
    repo = Path(__file__).resolve().parents[1]
    assert not any(p.name == "coinmetrics_btc.csv" for p in repo.rglob("*.csv"))
