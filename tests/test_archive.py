"""The archive: manifests that catch tampering, no overwrites, PDF/A with figures.json, index and feeds,
'since last edition', backfill and rebuilds."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from helpers import chromium
from pypdf import PdfReader

from report import archive
from report.cli import cli
from report.errors import RenderError
from report.pipeline import backfill as backfill_mod
from report.pipeline.backfill import Outcome, Result, backfill, backfill_dates
from report.pipeline.build import BuildStatus, build, figures
from report.pipeline.calendar import meetings
from report.pipeline.rebuild import rebuild_check
from report.render.context import changes
from report.render.index import write_index
from report.render.templating import environment

D = dt.date


@pytest.fixture(scope="module")
def arch(tmp_path_factory, demo_data_dir):
    """Two demo editions a week apart, archived."""
    from helpers import OFFLINE

    from report.config import Settings

    out = tmp_path_factory.mktemp("archive")
    s = Settings(data_dir=demo_data_dir, out_dir=out, **OFFLINE)
    first = build(s, demo=True, as_of=D(2025, 12, 1))
    second = build(s, demo=True)
    return s, first, second


def copy_edition(arch, tmp_path):
    s, _, second = arch
    dst = tmp_path / "editions" / second.folder.name
    shutil.copytree(second.folder, dst)
    return s.replace(out_dir=tmp_path), dst


def test_manifest_hashes_every_file_and_records_the_build(arch):
    _, first, second = arch
    m = json.loads((second.folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(m["files"]) == {p.name for p in second.folder.iterdir()} - {"manifest.json"}
    assert {"figures.json", "snapshot.json.gz", "previous.json"} <= set(m["files"])
    assert m["as_of"] == "2025-12-08" and m["demo"] is True and m["previous"] == first.folder.name
    assert len(m["templates_sha256"]) == 64 and len(m["charts_sha256"]) == 64
    assert m["vintages"]["PAYEMS"] == "publication lag" and m["version"]
    assert archive.verify(second.folder) == []


@pytest.mark.parametrize("damage", ["change", "delete", "add"])
def test_verify_catches_tampering(arch, tmp_path, damage):
    s, folder = copy_edition(arch, tmp_path)
    if damage == "change":
        with (folder / "figures.json").open("a") as fh:
            fh.write(" ")
    elif damage == "delete":
        next(folder.glob("*.html")).unlink()
    else:
        (folder / "extra.txt").write_text("x")
    problems = archive.verify(folder)
    assert len(problems) == 1 and {"change": "changed", "delete": "missing", "add": "extra"}[damage] in problems[0]
    r = CliRunner().invoke(cli, ["archive", "verify"], env={"BRIEF_OUT_DIR": str(s.out_dir)})
    assert r.exit_code == 1 and folder.name in r.output


def test_existing_edition_is_never_overwritten_force_makes_a_revision(arch, tmp_path):
    s, folder = copy_edition(arch, tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = build(s, demo=True)
    assert again.folder == folder and again.status is BuildStatus.EXISTING
    forced = build(s.replace(formats=("html",)), demo=True, force=True)
    assert forced.folder.name == "2025-12-08-demo.r2"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert archive.find(s.out_dir, "2025-12-08").name == "2025-12-08-demo.r2"  # the date finds the newest


def test_interrupted_build_leaves_no_partial_edition(arch, tmp_path, monkeypatch):
    s, _ = copy_edition(arch, tmp_path)

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("report.render.pdf.write_pdf", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(s.replace(formats=("pdf",)), demo=True, as_of=D(2025, 11, 14), parallel=False)
    assert sorted(p.name for p in (tmp_path / "editions").iterdir()) == ["2025-12-08-demo"]


def test_debris_of_a_killed_build_is_swept(arch, tmp_path):
    import os
    import time

    s, _ = copy_edition(arch, tmp_path)
    old = tmp_path / "editions" / ".2025-12-15-demo.tmp-abc"
    old.mkdir()
    (old / "half.pdf").write_bytes(b"%PDF-")
    recent = tmp_path / "editions" / ".2025-12-16-demo.tmp-def"
    recent.mkdir()
    hour_ago = time.time() - archive.STALE_SECONDS - 5
    os.utime(old, (hour_ago, hour_ago))
    build(s.replace(formats=("html",)), demo=True, as_of=D(2025, 11, 21), parallel=False)
    assert not old.exists() and recent.exists()  # a build still running elsewhere keeps its folder
    assert [r.name for r in archive.list_editions(s.out_dir)] == ["2025-12-08-demo", "2025-11-21-demo"]


def test_pdf_is_pdf_a_3b_with_figures_attached(arch):
    _, _, second = arch
    reader = PdfReader(second.file(".pdf"))
    attached = reader.attachments["figures.json"][0]
    assert json.loads(attached) == json.loads((second.folder / "figures.json").read_bytes())
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert re.search(rb"pdfaid:part[^0-9]{0,3}3", xmp) and re.search(rb"pdfaid:conformance[^A-Z]{0,3}B", xmp)
    assert "Liquidity Brief" in reader.metadata.title and "8 December 2025" in reader.metadata.title
    assert reader.trailer["/Root"].get("/Lang") == "zh-Hant"


def test_index_and_feeds(arch, cat):
    s, _first, second = arch
    written = write_index(s.out_dir, env=environment(None), cat=cat, public_url="https://brief.example.org")
    page = (s.out_dir / "index.html").read_text(encoding="utf-8")
    assert page.index("2025年12月8日") < page.index("2025年12月1日")  # newest first
    assert "<h2>2025</h2>" in page and "流動性週報：歷期總覽" in page and "Liquidity Brief: all editions" in page
    assert f'href="editions/{second.folder.name}/' in page.split('class="latest"')[1][:400]
    assert {p.name for p in written} == {"index.html", "feed.en.xml", "feed.zh-Hant.xml"}
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(s.out_dir / "feed.en.xml").getroot()
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 2 and entries[0].find("a:link", ns).get("href").startswith(
        "https://brief.example.org/editions/2025-12-08-demo/"
    )
    zh = ET.parse(s.out_dir / "feed.zh-Hant.xml").getroot()
    assert "流動性週報" in zh.find("a:entry/a:title", ns).text


def test_since_last_edition_compares_and_calls_out_revisions(arch, cat):
    _, first, second = arch
    text = " ".join(
        subprocess.run(["pdftotext", str(second.file(".pdf")), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "Since the last edition (1 December 2025)" in text and "與上期（2025年12月1日）相比" in text
    prev = json.loads((first.folder / "figures.json").read_text(encoding="utf-8"))
    now = figures(arch[0], demo=True)[1]
    pay = next(f for f in prev["figures"] if f["key"] == "payroll_declines_7m")
    month = pay["detail"]["months"][-1]
    pay["detail"]["changes"][-1] += 50_000  # as if the first print had been 50,000 higher
    out = changes(now, prev, cat)
    revised = [r["en"] for r in out["revisions"] if "Payrolls for" in r["en"]]
    assert revised and dt.date.fromisoformat(month).strftime("%B %Y") in revised[0]
    assert any(r["zh-Hant"].endswith("。") and "修正為" in r["zh-Hant"] for r in out["revisions"])
    assert changes(now, None, cat) is None


def test_backfill_is_parallel_resumable_and_reports_failures(arch, tmp_path, monkeypatch):
    s, _, _ = arch
    s = s.replace(out_dir=tmp_path, formats=("html",))
    dates = backfill_dates(D(2025, 11, 1), D(2025, 11, 22), every="friday", meetings=[])
    assert dates == [D(2025, 11, 7), D(2025, 11, 14), D(2025, 11, 21)]

    def flaky(settings, *, as_of, **kw):
        if as_of == D(2025, 11, 14):
            raise RenderError("simulated failure")
        return build(settings, as_of=as_of, **kw)

    monkeypatch.setattr(backfill_mod, "build", flaky)
    results = backfill(s, demo=True, dates=dates, jobs=2)
    assert results[D(2025, 11, 14)] == Result(Outcome.FAILED, "simulated failure")
    assert results[D(2025, 11, 7)] == Result(Outcome.BUILT)
    monkeypatch.setattr(backfill_mod, "build", build)
    again = backfill(s, demo=True, dates=dates, jobs=2)
    existing, built = Result(Outcome.EXISTING), Result(Outcome.BUILT)
    assert again == {D(2025, 11, 7): existing, D(2025, 11, 14): built, D(2025, 11, 21): existing}
    third = json.loads((tmp_path / "editions" / "2025-11-21-demo" / "previous.json").read_text(encoding="utf-8"))
    assert third["edition"] == "2025-11-14"  # compared with the previous date of the series
    fomc = backfill_dates(D(2025, 1, 1), D(2025, 12, 31), every="fomc", meetings=meetings(s))
    assert len(fomc) == 8 and fomc[-1] == D(2025, 12, 8)


def test_rebuild_check_confirms_and_catches_a_difference(arch, tmp_path):
    s, folder = copy_edition(arch, tmp_path)
    r = CliRunner().invoke(cli, ["rebuild", folder.name, "--check"], env={"BRIEF_OUT_DIR": str(s.out_dir)})
    assert r.exit_code == 0, r.output
    assert "identical" in r.output
    doc = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    doc["figures"][0]["value"] += 1
    (folder / "figures.json").write_text(json.dumps(doc), encoding="utf-8")
    _, differences = rebuild_check(s, folder.name)
    assert differences == ["figures.json differs"]


@pytest.mark.parametrize("width", [390, 1280])
def test_index_and_edition_in_chromium(arch, cat, tmp_path, width):
    s, _, second = arch
    write_index(s.out_dir, env=environment(None), cat=cat, public_url=None)
    probe = (
        "<script>window.__errors=[];window.addEventListener('error',e=>window.__errors.push(String(e.message)));"
        "const ce=console.error;console.error=(...a)=>{window.__errors.push(a.join(' '));ce(...a)};"
        "window.addEventListener('load',()=>{const i=[...document.images];document.title='errors='+"
        "window.__errors.length+' imgs='+i.length+' loaded='+i.filter(x=>x.complete&&x.naturalWidth>0).length+"
        "' scroll='+document.documentElement.scrollWidth+' width='+window.innerWidth;});</script>"
    )
    for page, min_images in ((s.out_dir / "index.html", 0), (second.file(".html"), 8)):
        copy = page.with_name(f".probe-{width}-{page.name}")
        copy.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + probe, 1), encoding="utf-8")
        dom = chromium(tmp_path, width, 900, f"file://{copy}")
        copy.unlink()
        m = re.search(r"errors=(\d+) imgs=(\d+) loaded=(\d+) scroll=(\d+) width=(\d+)", dom)
        assert m, dom[:300]
        errors, imgs, loaded, scroll, inner = map(int, m.groups())
        assert errors == 0 and imgs >= min_images and loaded == imgs, (page.name, m.group(0))
        assert scroll <= inner, (page.name, m.group(0))  # no horizontal overflow
