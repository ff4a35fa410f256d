"""Pages and screens: the PDF's pages are filled by flow and keep together what belongs together; the web page
carries phone-sized charts, scrolling tables, unbreakable dates and a dark mode; a chart with no data is left out."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from report import charts
from report.pipeline.build import build
from report.render.templating import catalogue
from report.resources import resource_dir

TOP = BOTTOM = 18 / 25.4 * 72  # the @page margins, in points


def _pages(pdf) -> list[list[tuple[float, float, str]]]:
    """Each page's words as (top, bottom, text), from pdftotext's bounding boxes."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; run `make test`, which installs it")
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page)
        pages.append([(float(a), float(b), w) for a, b, w in words])
    return pages


def _fill(words, height: float = 841.89) -> float:
    body = [b for a, b, _ in words if a >= TOP - 1 and b <= height - BOTTOM + 1]
    return (max(body) - TOP) / (height - TOP - BOTTOM) if body else 0.0


def _text(words) -> str:
    return "".join(w for _, _, w in words)


def _flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def pages(demo_edition):
    return _pages(demo_edition.file(".pdf"))


def test_no_page_under_forty_percent_full_but_the_last_of_a_part(pages):
    cat = catalogue(None)
    heading = _flat(cat.t("ui.key_figures", "zh-Hant") + cat.t("ui.key_figures", "en"))
    appendix = next(i for i, p in enumerate(pages) if heading in _text(p))
    ends = {0, appendix - 1, len(pages) - 1}  # the cover, the body's last page, the appendix's last page
    fills = [_fill(p) for p in pages]
    low = [(i + 1, round(f, 2)) for i, f in enumerate(fills) if i not in ends and f < 0.4]
    assert not low, f"pages under 40% full: {low} (all: {[round(f, 2) for f in fills]})"


def test_disclaimer_heading_stays_with_its_text(pages):
    cat = catalogue(None)
    heading = _flat(cat.t("ui.disclaimer", "zh-Hant"))
    advice = _flat(cat.t("ui.disclaimer_advice", "zh-Hant"))[:12]
    with_heading = [i for i, p in enumerate(pages) if advice in _text(p)]
    assert with_heading and heading in _text(pages[with_heading[0]])


def test_a_figure_label_never_splits_from_its_translation(demo_edition, pages):
    import json

    doc = json.loads(demo_edition.file("figures.json").read_text(encoding="utf-8"))
    texts = [_text(p) for p in pages]
    for f in doc["figures"]:
        zh, en = _flat(f["label"]["zh-Hant"]), _flat(f["label"]["en"])
        alone = re.compile(re.escape(zh) + r"(?![\u4e00-\u9fff（])")  # not part of a longer name
        for i, t in enumerate(texts):
            # in a table row the Chinese label is followed by its English one, on the same page
            rows = t.count(zh + en)
            assert rows == 0 or rows == len(alone.findall(t)) - t.count(zh + "（"), (f["key"], i + 1)


def test_print_css_keeps_rows_and_headings_together():
    css = (resource_dir("templates") / "print.css").read_text(encoding="utf-8")
    assert re.search(r"tr\b[^{]*\{[^}]*break-inside:\s*avoid", css)
    assert re.search(r"h2\b[^{]*\{[^}]*break-after:\s*avoid", css)
    assert "#disclaimer { break-inside: avoid; }" in css


@pytest.fixture(scope="module")
def page_html(demo_edition):
    return demo_edition.file(".html").read_text(encoding="utf-8")


def test_web_page_has_phone_charts_scrolling_tables_and_dark_mode(page_html):
    ids = re.findall(r'<figure class="chart" id="chart-([a-z0-9_]+)">', page_html)
    assert len(ids) >= 8
    assert page_html.count('<source media="(max-width: 600px)" srcset="data:image/svg+xml;base64,') == len(ids)
    assert 'id="chart-reserves-phone"' not in page_html  # a phone drawing is never a figure of its own
    assert page_html.count('<div class="table-scroll wide">') >= 3 and "scroll-hint" in page_html
    # on a phone the key figures are cards (value on its own line), not a table that scrolls its values away
    assert '<div class="table-scroll"><table class="data figures">' in page_html
    assert "table.figures tr { display: block;" in page_html and 'class="card-label"' in page_html
    assert "overflow-x: auto" in page_html
    assert "@media (prefers-color-scheme: dark)" in page_html and 'name="color-scheme"' in page_html
    assert '<td class="date">' in page_html and ".date, .cover .edition span { white-space: nowrap; }" in page_html


def test_pdf_carries_no_phone_charts(demo_edition):
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(demo_edition.file(".pdf")).pages)
    # each chart title is drawn once (the phone drawing would repeat it)
    assert text.count("Bank reserves and their share of GDP") == 1


def test_a_chart_with_no_data_is_left_out_and_said_so(demo_settings, monkeypatch):
    def nothing(fig, c):
        raise charts.NoData

    monkeypatch.setitem(charts.CHARTS, "supply_in_loss", nothing)
    monkeypatch.setattr("report.edition._LAST_CHARTS", {})  # no charts of an earlier build in this process
    ed = build(demo_settings.replace(formats=("html",)), demo=True)
    page = ed.file(".html").read_text(encoding="utf-8")
    assert '<figure class="chart" id="chart-supply_in_loss">' not in page
    assert '<p class="chart-missing" id="chart-supply_in_loss">' in page
    cat = catalogue(None)
    for lang in ("en", "zh-Hant"):
        title = charts.load_catalogue(resource_dir("charts"))["supply_in_loss"]["title"][lang]
        assert cat.t("ui.chart_no_data", lang).replace("{title}", title) in page


def test_cover_marks_a_stale_key_figure(demo_settings, monkeypatch):
    from report.render import context

    real = context._figure_row

    def stale_reserves(f, cat):
        row = real(f, cat)
        return row | {"status": "stale"} if f.key == "reserves" else row

    monkeypatch.setattr(context, "_figure_row", stale_reserves)
    ed = build(demo_settings.replace(formats=("html",)), demo=True)
    page = ed.file(".html").read_text(encoding="utf-8")
    cover = page[page.index('<section class="cover">') : page.index("</section>")]
    cat = catalogue(None)
    assert cover.count('class="flag flag-stale"') == 1
    for lang in ("en", "zh-Hant"):
        assert cat.t("ui.cover_flag_stale", lang) in cover
        assert (
            cat.t("ui.cover_stale_note", lang).replace("“", "&#8220;")[:10] in cover
            or cat.t("ui.cover_stale_note", lang)[:10] in cover
        )
