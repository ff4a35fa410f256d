"""The archive's front page (both languages, newest first, grouped by year) and an Atom feed per language."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment

from report.archive import EditionRef, list_editions
from report.errors import ArchiveError
from report.i18n import LANGS, Catalogue, date
from report.render.templating import INDEX, render_template

SUMMARY_FIGURES = ("reserves", "qt_runoff", "m2", "btc_price", "days_to_fomc")  # a feed entry's summary


def _first(folder: Path, suffix: str) -> str | None:
    found = sorted(p.name for p in folder.glob(f"liquidity-brief-*{suffix}"))
    return found[0] if found else None


def _entry(r: EditionRef, cat: Catalogue) -> dict[str, Any]:
    html, pdf = _first(r.folder, ".html"), _first(r.folder, ".pdf")
    return {
        "ref": r,
        "year": r.as_of.year,
        "demo": r.demo,
        "revision": r.revision,
        "date": {lang: date(r.as_of, lang) for lang in LANGS},
        "rev": {lang: cat.t("archive.revision", lang, n=r.revision) for lang in LANGS},
        "html": f"editions/{r.name}/{html}" if html else None,
        "pdf": f"editions/{r.name}/{pdf}" if pdf else None,
    }


def index_page(entries: Sequence[dict[str, Any]], env: Environment, cat: Catalogue, *, feeds: bool) -> str:
    """The index page for archive entries (newest first)."""
    years = [(y, [e for e in entries if e["year"] == y]) for y in sorted({e["year"] for e in entries}, reverse=True)]
    latest = next((e for e in entries if not e["demo"]), entries[0] if entries else None)
    return render_template(
        env,
        INDEX,
        {
            "langs": list(LANGS),
            "t": {k: cat.both(k) for k in cat.strings if k.startswith("archive.")},
            "years": years,
            "feeds": {lang: f"feed.{lang}.xml" for lang in LANGS} if feeds else {},
            "latest": {"href": latest["html"] or latest["pdf"]} if latest else None,
            "t_latest": {lang: cat.t("archive.latest", lang, date=latest["date"][lang]) for lang in LANGS}
            if latest
            else {},
        },
    )


def write_index(out_dir: Path, *, env: Environment, cat: Catalogue, public_url: str | None) -> list[Path]:
    """output/index.html (both languages, newest first, grouped by year, the latest edition linked) and, with a
    public_url, an Atom feed per language. Returns the files written."""
    entries = [_entry(r, cat) for r in list_editions(out_dir)]
    written = [out_dir / "index.html"]
    _atomic_write(out_dir / "index.html", index_page(entries, env, cat, feeds=bool(public_url)).encode("utf-8"))
    if public_url:
        for lang in LANGS:
            path = out_dir / f"feed.{lang}.xml"
            _atomic_write(path, feed(entries, lang, cat=cat, base=public_url.rstrip("/")))
            written.append(path)
    return written


def feed(entries: Sequence[dict[str, Any]], lang: str, *, cat: Catalogue, base: str) -> bytes:
    """The Atom feed of one language."""
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(f"{base}/feed.{lang}.xml")
    fg.title(cat.t("archive.title", lang))
    fg.language(lang)
    fg.link(href=f"{base}/index.html", rel="alternate")
    fg.link(href=f"{base}/feed.{lang}.xml", rel="self")
    fg.author({"name": cat.t("ui.title", lang)})
    newest = None
    for e in reversed(entries):  # feedgen puts each new entry first
        r: EditionRef = e["ref"]
        built = r.manifest().get("built_at") or f"{r.as_of.isoformat()}T00:00:00+00:00"
        stamp = dt.datetime.fromisoformat(built)
        newest = max(newest, stamp) if newest else stamp
        fe = fg.add_entry()
        link = f"{base}/{e['html'] or e['pdf']}"
        fe.id(link)
        title = cat.t("archive.entry_title", lang, date=e["date"][lang])
        fe.title(title + (f" ({cat.t('archive.demo', lang)})" if e["demo"] else ""))
        fe.link(href=link)
        fe.updated(stamp)
        fe.published(stamp)
        fe.summary(_summary(r, lang))
    fg.updated(newest or dt.datetime.now(dt.UTC))
    return bytes(fg.atom_str(pretty=True))


def _summary(r: EditionRef, lang: str) -> str:
    doc = r.figures()
    if doc is None:
        return ""
    return " · ".join(
        f"{f['label'][lang]} {f['formatted'][lang]}" for f in doc["figures"] if f["key"] in SUMMARY_FIGURES
    )


def _atomic_write(path: Path, data: bytes) -> None:
    """Write beside ``path`` and move into place; an unwritable folder (read-only, full) is an ArchiveError."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ArchiveError(f"cannot write {path.name} in {path.parent}: {exc.strerror or exc}") from exc
