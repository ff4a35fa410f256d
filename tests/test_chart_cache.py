"""Issue 15: charts kept on disk by a digest of their inputs (drawn once for the same week), and leaner SVG that
draws the same."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from report import charts
from report.charts import cache
from report.pipeline.build import build

CHART_URIS = re.compile(rb'(?:src|srcset)="(data:image/svg\+xml;base64,[^"]+)"')


@pytest.fixture
def counted(monkeypatch):
    """How many chart jobs were started; and no charts kept in this process between builds."""
    from report.charts import drawing

    started: list[int] = []
    real = drawing.ChartJob

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(drawing, "ChartJob", Counting)
    monkeypatch.setattr("report.edition._LAST_CHARTS", {})
    return started


def chart_uris(edition) -> list[bytes]:
    """The page's SVG charts (page- and phone-sized), in order."""
    page = next(p for p in edition.files if p.name.startswith("liquidity-brief-") and p.suffix == ".html")
    return CHART_URIS.findall(page.read_bytes())


def test_the_same_week_is_drawn_once_and_looks_the_same(demo_settings, counted, monkeypatch):
    s = demo_settings.replace(formats=("html", "email"))
    first = build(s, demo=True)
    assert counted == [1]
    entries = list((s.data_dir / "cache" / "charts").glob("*.json"))
    assert len(entries) == 1
    monkeypatch.setattr("report.edition._LAST_CHARTS", {})  # a new process: only the disk remembers
    second = build(s, demo=True, force=True)
    assert counted == [1]  # nothing drawn again
    assert chart_uris(second) == chart_uris(first) and len(chart_uris(first)) == 28  # page and phone drawings
    assert (second.folder / "email.eml").read_bytes().count(b"image/png") == (
        first.folder / "email.eml"
    ).read_bytes().count(b"image/png")
    other = build(s, demo=True, as_of=first.as_of.replace(day=1))  # other data: drawn
    assert counted == [1, 1]
    assert len(list((s.data_dir / "cache" / "charts").glob("*.json"))) == 2
    assert chart_uris(other) != chart_uris(first)


def test_a_damaged_entry_is_drawn_again(demo_settings, counted, monkeypatch):
    s = demo_settings.replace(formats=("html",))
    build(s, demo=True)
    [entry] = (s.data_dir / "cache" / "charts").glob("*.json")
    entry.write_bytes(b'{"page": [{"id": 1}]')
    monkeypatch.setattr("report.edition._LAST_CHARTS", {})
    again = build(s, demo=True, force=True)
    assert counted == [1, 1] and len(chart_uris(again)) == 28
    assert cache.load(entry.parent, entry.stem) is not None  # and stored again, whole


def test_a_cache_that_cannot_be_written_is_passed_over(demo_settings, counted):
    s = demo_settings.replace(formats=("html",))
    (s.data_dir / "cache").mkdir(parents=True)
    (s.data_dir / "cache" / "charts").write_text("a file where the folder would be")
    edition = build(s, demo=True)
    assert len(chart_uris(edition)) == 28 and counted == [1]


def test_only_the_newest_entries_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 3)
    chart = charts.Chart("x", 1, {"en": "X"}, ("S",), b"<svg/>", "image/svg+xml")
    for i in range(5):
        cache.save(tmp_path, f"k{i}", [chart], [], [])
        os.utime(tmp_path / f"k{i}.json", (1000 + i, 1000 + i))
    cache.save(tmp_path, "k5", [chart], [], [])
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == ["k3", "k4", "k5"]
    assert cache.load(tmp_path, "k5") == ([chart], [], [])
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.slow
def test_a_build_whose_charts_are_cached_never_imports_matplotlib(demo_settings, tmp_path):
    env = {**os.environ, "BRIEF_DATA_DIR": str(demo_settings.data_dir), "BRIEF_OUT_DIR": str(tmp_path / "out")}
    env.pop("BRIEF_CONFIG", None)
    script = (
        "import sys, runpy\n"
        "sys.argv = ['brief', 'build', '--demo', '--force', '--format', 'html']\n"
        "from report.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MATPLOTLIB' if 'matplotlib' in sys.modules else 'NONE', file=sys.stderr)\n"
    )
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True) for _ in range(2)]
    assert [r.stderr.strip().splitlines()[-1] for r in runs] == ["MATPLOTLIB", "NONE"], [r.stderr for r in runs]


@pytest.mark.slow
@pytest.mark.parametrize("chart_id", ["reserves", "sofr", "hashrate"])
def test_lean_svg_draws_exactly_the_same(demo_data_dir, cat, meetings, chart_id, tmp_path, monkeypatch):
    """The leaner SVG, laid out by WeasyPrint and rasterised by poppler, gives the same pixels as matplotlib's."""
    import datetime as dt

    from weasyprint import HTML

    from report.charts import drawing
    from report.config import Assumptions
    from report.figures import INPUT_SERIES, Context, compute_all
    from report.resources import resource_dir
    from report.store import Store

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; run `make test`, which installs it")
    day, a = dt.date(2025, 12, 8), Assumptions()
    with Store(demo_data_dir / "demo.sqlite") as st:
        data = st.load(INPUT_SERIES, day)
    figs = {f.key: f for f in compute_all(data, Context(as_of=day, cat=cat, meetings=meetings, **a.assumptions()))}
    settings = charts.ChartSettings(
        ("zh-Hant", "en"), resource_dir("charts"), day, a.miner_efficiency_j_per_th, a.power_usd_per_kwh
    )
    catalogue = charts.load_catalogue(settings.style_dir)
    lean_svg = drawing.lean_svg
    monkeypatch.setattr(drawing, "lean_svg", lambda svg: svg)  # matplotlib's own SVG
    raw = drawing.render_one(chart_id, settings, data=data, figures=figs, catalogue=catalogue).data
    lean = lean_svg(raw)
    assert b' style="' not in lean and b"<metadata>" not in lean and len(lean) < len(raw)

    def pixels(svg: bytes, name: str) -> bytes:
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
        pdf = tmp_path / f"{name}.pdf"
        HTML(string=f'<html><body style="margin:0"><img src="{uri}" style="width:100%"></body></html>').write_pdf(pdf)
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(tmp_path / name)], check=True)
        return Path(tmp_path / f"{name}.png").read_bytes()

    assert pixels(lean, "lean") == pixels(raw, "raw")
