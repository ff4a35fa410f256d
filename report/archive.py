"""The archive of editions: output/editions/<name>/ with a manifest of SHA-256 hashes and a data snapshot.

An edition is never overwritten: a forced rebuild becomes a new revision (``2025-12-08.r2``). ``verify`` recomputes
every hash; the snapshot holds the exact observations an edition used, so it can be rebuilt and checked.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report.errors import DataError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from report.store import Store

MANIFEST = "manifest.json"
SNAPSHOT = "snapshot.json.gz"
NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})(?P<demo>-demo)?(?P<langs>(?:-(?:en|zh-Hant))*)(?:\.r(?P<rev>\d+))?$")


def editions_dir(out_dir: Path) -> Path:
    """Where editions live."""
    return out_dir / "editions"


@dataclass(frozen=True)
class EditionRef:
    """An archived edition found on disk."""

    folder: Path
    as_of: dt.date
    demo: bool
    variant: str  # the name without the revision: 2025-12-08-demo
    revision: int

    @property
    def name(self) -> str:
        """The folder name."""
        return self.folder.name

    def manifest(self) -> dict[str, Any]:
        """The edition's manifest (empty when missing or unreadable)."""
        try:
            return dict(json.loads((self.folder / MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}


def parse_name(folder: Path) -> EditionRef | None:
    """An EditionRef for an edition folder name, or None for anything else."""
    m = NAME.match(folder.name)
    if not m:
        return None
    variant = folder.name.split(".r")[0]
    return EditionRef(folder, dt.date.fromisoformat(m["date"]), bool(m["demo"]), variant, int(m["rev"] or 1))


def list_editions(out_dir: Path) -> list[EditionRef]:
    """Every archived edition, newest first (by date, then revision)."""
    root = editions_dir(out_dir)
    if not root.is_dir():
        return []
    refs = [r for p in root.iterdir() if p.is_dir() and (r := parse_name(p)) is not None]
    return sorted(refs, key=lambda r: (r.as_of, r.variant, r.revision), reverse=True)


def find(out_dir: Path, ref: str) -> EditionRef:
    """An edition by folder path, name (2025-12-08.r2) or date (the latest revision of that date)."""
    path = Path(ref)
    if path.is_dir() and (r := parse_name(path)) is not None:
        return r
    editions = list_editions(out_dir)
    for r in editions:
        if r.name == ref:
            return r
    matches = [r for r in editions if r.variant == ref or r.as_of.isoformat() == ref]
    if matches:
        return matches[0]
    raise UsageError(f"no edition {ref!r} in {editions_dir(out_dir)}; `brief archive list` shows them")


def next_name(out_dir: Path, name: str) -> str:
    """The name for a new build of ``name``: itself if free, else the next revision."""
    root = editions_dir(out_dir)
    if not (root / name).exists():
        return name
    rev = 2
    while (root / f"{name}.r{rev}").exists():
        rev += 1
    return f"{name}.r{rev}"


def latest(out_dir: Path, name: str) -> EditionRef | None:
    """The newest revision of an edition variant, if any."""
    found = [r for r in list_editions(out_dir) if r.variant == name]
    return found[0] if found else None


def previous(out_dir: Path, as_of: dt.date, demo: bool, variant_suffix: str) -> EditionRef | None:
    """The newest archived edition before ``as_of`` of the same kind (demo or not, same languages)."""
    for r in list_editions(out_dir):
        if (
            r.as_of < as_of
            and r.demo == demo
            and r.variant.endswith(variant_suffix)
            and (r.folder / "figures.json").is_file()
        ):
            return r
    return None


def sha256(path: Path) -> str:
    """The SHA-256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tree_hash(folder: Path) -> str:
    """One SHA-256 over a folder's files (names and contents), e.g. the templates or the chart style."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(sha256(p).encode())
    return h.hexdigest()


def write_manifest(folder: Path, meta: Mapping[str, Any]) -> dict[str, Any]:
    """Hash every file of the edition and write manifest.json (last, once everything else is written)."""
    files = {
        p.relative_to(folder).as_posix(): sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    manifest = {**meta, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def verify(folder: Path) -> list[str]:
    """Problems with an edition: changed, missing or extra files (empty when intact)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        recorded: dict[str, str] = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return [f"{folder.name}: {MANIFEST} is missing or unreadable"]
    problems = []
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST}
    for name, digest in sorted(recorded.items()):
        if name not in present:
            problems.append(f"{folder.name}: missing {name}")
        elif sha256(folder / name) != digest:
            problems.append(f"{folder.name}: changed {name}")
    problems += [f"{folder.name}: extra {name}" for name in sorted(present - set(recorded))]
    return problems


# --- data snapshots ----------------------------------------------------------------------------------------------
def write_snapshot(path: Path, store: Store, series: Iterable[str], as_of: dt.date) -> dict[str, str]:
    """The exact observations an edition used (stored units, as they stood on ``as_of``); returns the vintage
    kind per series ("vintage" where ALFRED periods were stored, else "publication lag")."""
    body: dict[str, Any] = {"as_of": as_of.isoformat(), "series": {}}
    kinds = {}
    for sid in series:
        rows = store.observations(sid, as_of)
        body["series"][sid] = {"scale": store.scale(sid), "rows": [[d.isoformat(), v] for d, v in rows]}
        kinds[sid] = store.vintage_kind(sid)
    path.write_bytes(gzip.compress(json.dumps(body, separators=(",", ":")).encode(), mtime=0))
    return kinds


class SnapshotStore:
    """A snapshot read back, answering the questions the build asks of a store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._body = json.loads(gzip.decompress(path.read_bytes()))
        except (OSError, ValueError, EOFError) as exc:
            raise DataError(f"cannot read the data snapshot {path}: {exc}") from exc
        self.as_of = dt.date.fromisoformat(self._body["as_of"])

    def __enter__(self) -> SnapshotStore:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def first_date(self) -> dt.date | None:
        """The earliest observation in the snapshot."""
        dates = [rows[0][0] for s in self._body["series"].values() if (rows := s["rows"])]
        return dt.date.fromisoformat(min(dates)) if dates else None

    def load(self, series_ids: Sequence[str], as_of: dt.date) -> dict[str, pd.Series]:
        """The snapshot's series in plain units (a series it lacks is empty)."""
        import pandas as pd

        out = {}
        for sid in series_ids:
            entry = self._body["series"].get(sid, {"scale": 1.0, "rows": []})
            rows = [(d, v) for d, v in entry["rows"] if d <= as_of.isoformat()]
            index = pd.DatetimeIndex([pd.Timestamp(d) for d, _ in rows], name="date")
            values = [float("nan") if v is None else v * entry["scale"] for _, v in rows]
            out[sid] = pd.Series(values, index=index, name=sid, dtype="float64")
        return out


# --- the index and the feeds -------------------------------------------------------------------------------------
def _first(folder: Path, suffix: str) -> str | None:
    found = sorted(p.name for p in folder.glob(f"liquidity-brief-*{suffix}"))
    return found[0] if found else None


def write_index(out_dir: Path, env: Any, cat: Any, public_url: str | None) -> list[Path]:
    """output/index.html (both languages, newest first, grouped by year, the latest edition linked) and, with a
    public_url, an Atom feed per language. Returns the files written."""
    from report.i18n import LANGS, date

    editions = list_editions(out_dir)
    entries: list[dict[str, Any]] = []
    for r in editions:
        html, pdf = _first(r.folder, ".html"), _first(r.folder, ".pdf")
        entries.append(
            {
                "ref": r,
                "year": r.as_of.year,
                "demo": r.demo,
                "revision": r.revision,
                "date": {lang: date(r.as_of, lang) for lang in LANGS},
                "rev": {lang: cat.t("archive.revision", lang, n=r.revision) for lang in LANGS},
                "html": f"editions/{r.name}/{html}" if html else None,
                "pdf": f"editions/{r.name}/{pdf}" if pdf else None,
            }
        )
    years = [(y, [e for e in entries if e["year"] == y]) for y in sorted({e["year"] for e in entries}, reverse=True)]
    latest = next((e for e in entries if not e["demo"]), entries[0] if entries else None)
    feeds = {lang: f"feed.{lang}.xml" for lang in LANGS} if public_url else {}
    t = {k: cat.both(k) for k in cat.strings if k.startswith("archive.")}
    page = env.get_template("index.html.j2").render(
        langs=list(LANGS),
        t=t,
        years=years,
        feeds=feeds,
        latest={"href": latest["html"] or latest["pdf"]} if latest else None,
        t_latest={lang: cat.t("archive.latest", lang, date=latest["date"][lang]) for lang in LANGS} if latest else {},
    )
    written = [out_dir / "index.html"]
    _atomic_write(out_dir / "index.html", page.encode("utf-8"))
    if public_url:
        for lang in LANGS:
            path = out_dir / f"feed.{lang}.xml"
            _atomic_write(path, _feed(entries, lang, cat, public_url.rstrip("/")))
            written.append(path)
    return written


def _feed(entries: Sequence[dict[str, Any]], lang: str, cat: Any, base: str) -> bytes:
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
        fe.summary(_summary(r.folder, lang))
    fg.updated(newest or dt.datetime.now(dt.UTC))
    return bytes(fg.atom_str(pretty=True))


def _summary(folder: Path, lang: str) -> str:
    try:
        doc = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    keys = ("reserves", "qt_runoff", "m2", "btc_price", "days_to_fomc")
    return " · ".join(f"{f['label'][lang]} {f['formatted'][lang]}" for f in doc["figures"] if f["key"] in keys)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
