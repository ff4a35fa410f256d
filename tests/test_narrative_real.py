"""narrative.json on real data (../shared/data/real): every sentence is printed by the PDF, the HTML page and the
e-mail, and the contradictions once seen on these editions cannot come back."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import subprocess

import pytest
from click.testing import CliRunner
from helpers import REAL_DATA

from report.cli import cli
from report.config import Settings
from report.pipeline.build import build
from report.render.email import load

pytestmark = [
    pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"real data folder {REAL_DATA} is absent"),
    pytest.mark.slow,
]

MERGED = REAL_DATA / "fred_jonsflow_risk-model" / "merged_to_2026-08-21"
FILES = [
    *(
        MERGED / f"{sid}.csv"
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
    ),
    REAL_DATA / "fred_Thecoderstef_Macro-Charts" / "M2SL.csv",
    REAL_DATA / "fred_opxie1_usd" / "GDP.csv",
    REAL_DATA / "fred_JTSQUR" / "JTSQUR_rjgreenresearch_to_2026-02.csv",
    REAL_DATA / "fred_JoaoDSO_bitcoin-risk-asset-analysis" / "CBBTCUSD.csv",
    REAL_DATA / "btc_coinmetrics_community_chrisshao0_APS1052" / "coinmetrics_btc.csv",
    REAL_DATA / "btc_coinmetrics_api_Hakimaxxxx_Haki_Crypto2025" / "btc_onchain_metrics_cm.csv",
]
DATES = (dt.date(2025, 12, 8), dt.date(2026, 8, 21))


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """The two real editions, the second comparing with the first, with PDF, HTML and e-mail."""
    data_dir = tmp_path_factory.mktemp("real-narrative")
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "data", "import", *map(str, FILES)])
    assert r.exit_code == 0, r.output
    s = Settings(data_dir=data_dir, out_dir=data_dir / "out", formats=("pdf", "html", "email"))
    return {d: build(s, demo=False, as_of=d, parallel=False) for d in DATES}


def squash(text: str) -> str:
    """Text without any whitespace (line breaks fall anywhere in a laid-out page)."""
    return re.sub(r"\s+", "", text)


def pdf_prose(path) -> str:
    """The PDF's text in reading order without the running header and footer a paragraph may straddle."""
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    lines = [ln for ln in raw.splitlines() if not re.search(r"Page \d+ / \d+|Edition of \d|^流動性週報 · ", ln)]
    return squash("\n".join(lines))


def sentences(edition) -> list[dict]:
    return json.loads((edition.folder / "narrative.json").read_text(encoding="utf-8"))["sentences"]


def verdicts(edition) -> list[dict]:
    return [s for s in sentences(edition) if not s["rule"].startswith(("figure.", "missing."))]


@pytest.mark.parametrize("as_of", DATES)
def test_every_sentence_is_printed_by_the_pdf_html_and_email(editions, as_of):
    ed = editions[as_of]
    manifest = json.loads((ed.folder / "manifest.json").read_text())
    assert "narrative.json" in manifest["files"]
    pdf = pdf_prose(ed.file(".pdf"))
    web = next(ed.folder.glob("liquidity-brief-*.html"))  # the web page, not the e-mail's preview
    page = squash(html.unescape(re.sub(r"<[^>]+>", " ", web.read_text(encoding="utf-8"))))
    msg = load((ed.folder / "email.eml").read_bytes())
    mail_html = squash(html.unescape(re.sub(r"<[^>]+>", " ", msg.get_body(("html",)).get_content())))
    mail_text = squash(msg.get_body(("plain",)).get_content())
    got = sentences(ed)
    assert got and {s["section"] for s in got} >= {"s1", "s2", "s3", "s4", "s5", "conclusion"}
    for s in got:
        for lang in ("en", "zh-Hant"):
            text = squash(s["text"][lang])
            assert text in pdf, (s["rule"], lang, s["text"][lang])
            assert text in page, (s["rule"], lang)
            if s["section"] != "since_last":
                assert text in mail_html, (s["rule"], lang)
            if s["section"] == "conclusion":  # the e-mail's summary, in the text part too
                assert text in mail_text, (s["rule"], lang)


@pytest.mark.parametrize("as_of", DATES)
def test_every_verdict_rests_on_available_figures_and_no_iso_dates(editions, as_of):
    ed = editions[as_of]
    figs = {f["key"]: f for f in json.loads((ed.folder / "figures.json").read_text())["figures"]}
    for s in verdicts(ed):
        assert all(figs[k]["status"] in ("ok", "stale") for k in s["depends_on"]), s
        for lang in ("en", "zh-Hant"):
            assert not re.search(r"\d{4}-\d{2}-\d{2}", s["text"][lang]), s
        assert not re.search(r"bitcoin[^.]*(tracks|liquidity)", s["text"]["en"].lower()), s


def test_no_strain_while_sofr_stayed_inside_the_range(editions):
    """Before: "funding markets show strain" on 21 August 2026, when SOFR was inside the range on all 60 days."""
    ed = editions[dt.date(2026, 8, 21)]
    figs = {f["key"]: f for f in json.loads((ed.folder / "figures.json").read_text())["figures"]}
    assert figs["sofr_days_above_range"]["value"] == 0
    funding = next(s for s in verdicts(ed) if s["rule"] == "funding")
    assert "show strain" not in funding["text"]["en"] and "已現壓力" not in funding["text"]["zh-Hant"]
    strained = next(s for s in verdicts(editions[dt.date(2025, 12, 8)]) if s["rule"] == "funding")
    assert "show strain" in strained["text"]["en"]  # 14 days above the range in December 2025


def test_not_fragile_while_unemployment_fell(editions):
    """Before: "the labour market is turning fragile" while unemployment fell from 4.5% to 4.1%."""
    labour = next(s for s in verdicts(editions[dt.date(2026, 8, 21)]) if s["rule"] == "labour")
    assert "fragile" not in labour["text"]["en"] and "脆弱" not in labour["text"]["zh-Hant"]
    assert "unemployment fell to 4.1%" in labour["text"]["en"]


def test_no_purchases_in_view_once_the_balance_sheet_grew(editions):
    """Before: "bill purchases are in view / the first sustained expansion" with total assets up since QT ended."""
    ed = editions[dt.date(2026, 8, 21)]
    figs = {f["key"]: f for f in json.loads((ed.folder / "figures.json").read_text())["figures"]}
    assert figs["fed_assets_since_qt_end"]["value"] > 150e9
    text = " ".join(s["text"]["en"] for s in verdicts(ed))
    assert "first sustained expansion" not in text and "in view" not in text and "在望" not in text
    lead = next(s for s in verdicts(ed) if s["rule"] == "s1_lead")
    assert "growing again" in lead["text"]["en"]


@pytest.mark.parametrize("as_of", DATES)
def test_no_supply_at_a_loss_without_the_figure(editions, as_of):
    """Before: "a large share of supply sits at a loss" with supply in loss unavailable."""
    ed = editions[as_of]
    for s in verdicts(ed):
        assert "at a loss" not in s["text"]["en"] and "虧損供應量" not in s["text"]["zh-Hant"], s


def test_revisions_cannot_be_seen_without_vintages(editions):
    """Before: "no earlier data were revised" from a store that holds no vintages."""
    ed = editions[dt.date(2026, 8, 21)]
    manifest = json.loads((ed.folder / "manifest.json").read_text())
    assert "vintages" not in set(manifest["vintages"].values())
    notes = [s for s in sentences(ed) if s["section"] == "since_last"]
    assert notes and all("No earlier data were revised" not in s["text"]["en"] for s in notes)
    assert any("cannot be seen" in s["text"]["en"] for s in notes)
