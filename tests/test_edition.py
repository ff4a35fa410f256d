"""The built edition read as a reader would: PDF text in both languages, fonts, charts, HTML, JSON agreement."""

import datetime as dt
import html
import json
import re

import pytest
from helpers import pdftotext
from pypdf import PdfReader

from report.edition import figures_document
from report.errors import RenderError
from report.pipeline.build import build, figures
from report.render.templating import catalogue


def _files(edition):
    return {".pdf": edition.file(".pdf"), ".html": edition.file(".html"), ".json": edition.file("figures.json")}


@pytest.fixture(scope="module")
def pdf_text(demo_edition):
    return pdftotext(_files(demo_edition)[".pdf"])


@pytest.fixture(scope="module")
def html_text(demo_edition):
    return _files(demo_edition)[".html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def doc(demo_edition):
    return json.loads(_files(demo_edition)[".json"].read_text(encoding="utf-8"))


def _flat(text):
    return re.sub(r"\s+", "", text)


def test_no_weasyprint_warnings(demo_edition):
    assert demo_edition.warnings == ()


def test_pdf_has_sections_disclaimer_and_attribution_in_both_languages(pdf_text):
    cat = catalogue(None)
    flat = _flat(pdf_text)
    keys = [f"ui.section{n}" for n in range(1, 6)] + [
        "ui.conclusion",
        "ui.key_figures",
        "ui.sources",
        "ui.disclaimer",
        "ui.disclaimer_advice",
        "ui.disclaimer_liability",
        "ui.demo_attribution",
    ]
    for key in keys:
        for lang in ("en", "zh-Hant"):
            assert _flat(cat.t(key, lang)) in flat, (key, lang)
    # the demo uses no FRED data, so it neither cites FRED under its charts nor carries FRED's attribution
    assert "not endorsed or certified by the Federal Reserve Bank of St. Louis" not in " ".join(pdf_text.split())
    assert "(FRED)" not in pdf_text and _flat(cat.t("ui.demo_source", "zh-Hant")) in flat


def test_every_pdf_page_says_demo_data_in_both_languages(pdf_text):
    cat = catalogue(None)
    pages = [p for p in pdf_text.split("\f") if p.strip()]
    assert len(pages) >= 8
    for page in pages:
        assert _flat(cat.t("ui.demo_short", "en")) in _flat(page)
        assert _flat(cat.t("ui.demo_short", "zh-Hant")) in _flat(page)


def test_pdf_and_html_print_what_figures_json_says(pdf_text, html_text, doc, demo_settings):
    flat_pdf = _flat(pdf_text)
    flat_html = _flat(html.unescape(re.sub(r"<[^>]+>", " ", html_text)))
    for f in doc["figures"]:
        for lang in ("en", "zh-Hant"):
            shown = _flat(f["formatted"][lang])
            assert shown in flat_pdf, (f["key"], lang, shown)
            assert shown in flat_html, (f["key"], lang, shown)
    # and the JSON is what `brief figures --format json` prints
    day, figs, seen = figures(demo_settings, demo=True)
    again = figures_document(figs, day, demo=True, seen=seen)
    assert json.loads(json.dumps(again, ensure_ascii=False)) == doc


def test_reference_figures_appear_as_formatted(pdf_text):
    flat = _flat(pdf_text)
    for shown in (
        "2.86兆美元",
        "US$2.86trillion",
        # reserves over the GDP known on 8 December (Q2: Q3 came out on 23 December, issue 11); the reference
        # article's 9.2% used the later third quarter
        "9.4%",
        "2.39兆美元",  # QT runoff frozen at the end of QT (issue 10)
        "22.3兆美元",
        "450億美元",
        "US$45billion",
        "7.40萬美元",
        "US$74,000",
        "650萬枚比特幣",
        "過去7個月中有5個月非農就業人數下降",
    ):
        assert _flat(shown) in flat, shown


def test_pdf_embeds_traditional_chinese_font_and_vector_charts(demo_edition):
    pdf = _files(demo_edition)[".pdf"]
    reader = PdfReader(pdf)
    fonts = set()
    for page in reader.pages:
        res = page.get("/Resources") or {}
        for font in (res.get("/Font") or {}).values():
            font = font.get_object()
            fonts.add(str(font.get("/BaseFont")))
        assert len(page.images) == 0  # charts are SVG drawn as vectors, not bitmaps
    assert any("Noto-Sans-CJK-TC" in f for f in fonts), fonts
    assert not any("CJK-JP" in f or "CJK-SC" in f for f in fonts), fonts
    # two faces, each a subset to write: no monospace face and no synthesised oblique (issue 15)
    assert {f.split("+", 1)[-1] for f in fonts} == {"Noto-Sans-CJK-TC", "Noto-Sans-CJK-TC-Bold"}, fonts
    assert pdf.stat().st_size < 1_500_000


def test_chart_labels_are_searchable_text(pdf_text):
    flat = _flat(pdf_text)
    assert _flat("Bank reserves and their share of GDP") in flat
    assert _flat("SOFR、有效聯邦基金利率與利率走廊") in flat


def test_html_is_standalone_and_marked(html_text):
    assert '<html lang="zh-Hant">' in html_text
    srcs = re.findall(r'src="([^"]+)"', html_text)
    assert len(srcs) >= 8 and all(s.startswith("data:image/svg+xml;base64,") for s in srcs)
    assert "<link" not in html_text and "http://" not in html_text.replace("http://www.w3.org", "")
    assert 'name="viewport"' in html_text
    assert "示範資料" in html_text and "DEMONSTRATION DATA" in html_text


def test_edition_folder_holds_only_the_edition(demo_edition):
    names = sorted(p.name for p in demo_edition.folder.iterdir())
    assert names == sorted(p.name for p in demo_edition.files)
    assert {"manifest.json", "snapshot.json.gz", "figures.json"} <= set(names)
    assert [p.name for p in demo_edition.folder.parent.iterdir()] == [demo_edition.folder.name]
    assert demo_edition.folder.parent.name == "editions"


def test_notes_are_placed_and_escaped(demo_settings, tmp_path):
    notes = tmp_path / "notes.yaml"
    notes.write_text(
        "title:\n  en: Desk view\n  zh-Hant: 本週觀點\nbody:\n  en: 'Watch <script>alert(1)</script> & bills.'\n"
        "  zh-Hant: 關注國庫券。\n",
        encoding="utf-8",
    )
    s = demo_settings.replace(formats=("html",))
    ed = build(s, demo=True, notes_path=notes)
    text = ed.file(".html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; bills." in text and "<script>" not in text
    assert "本週觀點" in text and "關注國庫券。" in text


def test_single_language_edition(demo_settings):
    s = demo_settings.replace(langs=("en",), formats=("pdf",))
    ed = build(s, demo=True)
    assert ed.folder.name == "2025-12-08-demo-en"
    text = pdftotext(ed.file(".pdf"))
    assert "Bank reserves" in text and "銀行準備金" not in text and "流動性週報" not in text
    assert "Demonstration data, not market data" in text


def test_failed_build_leaves_nothing_and_keeps_the_old_edition(demo_settings, monkeypatch):
    s = demo_settings.replace(formats=("html", "pdf"))
    first = build(s, demo=True)
    before = {p.name: p.read_bytes() for p in first.folder.iterdir()}

    def boom(*a, **k):
        raise RenderError("simulated failure while writing the PDF")

    monkeypatch.setattr("report.render.pdf.write_pdf", boom)
    with pytest.raises(RenderError):
        build(s, demo=True, force=True)
    editions = s.out_dir / "editions"
    assert [p.name for p in editions.iterdir()] == [first.folder.name]  # no temp folder, no half revision
    assert {p.name: p.read_bytes() for p in first.folder.iterdir()} == before


def test_early_edition_shows_unavailable_figures_with_reasons(demo_settings):
    # mid-2020: no IORB yet (it starts in July 2021) and QT had not ended; the build still completes
    s = demo_settings.replace(formats=("pdf",))
    ed = build(s, demo=True, as_of=dt.date(2020, 6, 15))
    doc = json.loads((ed.folder / "figures.json").read_text(encoding="utf-8"))
    missing = {f["key"]: f for f in doc["figures"] if f["status"] == "unavailable"}
    assert {"sofr_iorb_spread_bp", "reserves_since_qt_end"} <= set(missing)
    flat = _flat(pdftotext(ed.file(".pdf")))
    for f in missing.values():
        assert f["value"] is None
        for lang in ("en", "zh-Hant"):
            assert _flat(f["reason"][lang]) in flat, (f["key"], lang)
    # no WeasyPrint warning; only the quality gate's, which such an edition fails (it is not mailed)
    assert [w for w in ed.warnings if not w.startswith("quality gate: ")] == []
    assert any(w.startswith(f"quality gate: {len(missing)} figures are unavailable") for w in ed.warnings)
