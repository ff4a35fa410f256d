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
