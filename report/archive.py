"""The archive of editions: output/editions/<name>/ with a manifest of SHA-256 hashes and a data snapshot.

``EditionWriter`` is the one way an edition reaches the archive: it writes into a hidden temporary folder, hashes
every file into the manifest last, and moves the folder into place in one rename. An edition is never
overwritten: a forced rebuild becomes a new revision (``2025-12-08.r2``). ``verify`` recomputes every hash; the
snapshot holds the exact observations an edition used, so it can be rebuilt and checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report.errors import ArchiveError, UsageError

if TYPE_CHECKING:
    pass

MANIFEST = "manifest.json"
SNAPSHOT = "snapshot.json.gz"
FIGURES = "figures.json"
PREVIOUS = "previous.json"
NOTES = "notes.json"
NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})(?P<demo>-demo)?(?P<langs>(?:-(?:en|zh-Hant))*)(?:\.r(?P<rev>\d+))?$")
OUTBOX = "outbox"  # dry-run messages: OUT/outbox/EDITION (older versions wrote EDITION/outbox, still tolerated)
MAX_JSON_BYTES = 20_000_000  # an archived JSON file larger than this is damage, refused before it is read
STALE_SECONDS = 3600  # a hidden temp folder older than this was left by a killed build
_ORDER = {".html": 0, ".pdf": 1, ".eml": 2, ".json": 4, ".gz": 5}  # outputs first, then data, manifest last


def editions_dir(out_dir: Path) -> Path:
    """Where editions live."""
    return out_dir / "editions"


def read_json(path: Path) -> Any:
    """A JSON file's content, or None when it is missing or unreadable (archived files are optional extras).

    Damage never crashes a command: anything that is not a regular file (a FIFO would block, /dev/zero never
    ends) and any file over ``MAX_JSON_BYTES`` are refused before they are read, and JSON nested too deep to
    decode (``RecursionError``) or too big for memory is unreadable like any other damage."""
    try:
        # O_NONBLOCK: opening a FIFO returns at once (and it is refused below); no effect on a regular file
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_JSON_BYTES:
                return None
            raw = fh.read(MAX_JSON_BYTES + 1)
        if len(raw) > MAX_JSON_BYTES:  # grew since the stat
            return None
        return json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError, MemoryError):
        return None


def json_bytes(doc: Any, *, indent: int | None = 2) -> bytes:
    """A document as UTF-8 JSON, non-ASCII kept (the form every archived JSON file takes)."""
    text = json.dumps(doc, ensure_ascii=False, indent=indent, allow_nan=False)  # strict JSON: no NaN or Infinity
    return (text + "\n" if indent else text).encode("utf-8")


def edition_name(as_of: dt.date, *, demo: bool, langs: Sequence[str]) -> str:
    """Folder name of an edition: 2025-12-08, 2025-12-08-demo, 2025-12-08-demo-en."""
    name = as_of.isoformat() + ("-demo" if demo else "")
    if tuple(langs) != ("zh-Hant", "en"):
        name += "-" + "-".join(langs)
    return name


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
        """The edition's manifest (empty when missing, unreadable or not shaped like a manifest)."""
        doc = read_json(self.folder / MANIFEST)
        return dict(doc) if manifest_problem(doc) is None else {}

    def figures(self) -> dict[str, Any] | None:
        """The edition's figures.json, or None when missing, unreadable or not of the documented shape."""
        doc = read_json(self.folder / FIGURES)
        return dict(doc) if figures_problem(doc) is None else None

    def files(self) -> tuple[Path, ...]:
        """The edition's files as its manifest lists them, outputs first and the manifest last."""
        return ordered_files(self.folder, list(self.manifest().get("files", {})))


def manifest_problem(doc: Any) -> str | None:
    """What is wrong with a manifest's shape, or None: a damaged manifest must never crash a command."""
    if not isinstance(doc, dict):
        return "is not a JSON object"
    files = doc.get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return "has no list of files with their hashes"
    for key in ("edition", "as_of", "built_at"):
        if not isinstance(doc.get(key), str):
            return f"has no {key}"
    try:
        dt.date.fromisoformat(doc["as_of"])
        dt.datetime.fromisoformat(doc["built_at"])
    except ValueError:
        return "has a date that is not a date"
    for key in ("langs", "formats"):
        if not isinstance(doc.get(key), list) or not all(isinstance(v, str) for v in doc[key]):
            return f"has no {key}"
    return None


def figures_problem(doc: Any) -> str | None:
    """What makes ``doc`` not a figures document of the shape docs/figures.md documents, or None when it is one.

    Only the fields readers of an archived edition rely on are checked: edition, figures, and in each figure key,
    value, unit, label and formatted (in every language).
    """
    if doc is None:
        return "missing or not valid JSON"
    if not isinstance(doc, dict):
        return f"a JSON {type(doc).__name__}, not an object"
    try:
        dt.date.fromisoformat(doc.get("edition"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return '"edition" is not a date'
    figures = doc.get("figures")
    if not isinstance(figures, list):
        return '"figures" is not a list'
    for i, f in enumerate(figures):
        problem = _figure_problem(f)
        if problem is not None:
            return f"figure {i + 1} {problem}"
    try:  # an edition made before figures.json was strict may hold NaN or Infinity, which cannot be written again
        json.dumps(doc, allow_nan=False)
    except ValueError:
        return "NaN or Infinity, which JSON does not allow"
    return None


def _figure_problem(f: Any) -> str | None:
    """What is wrong with one figure of a figures document, or None."""
    from report.config import LANGUAGES

    def texts(value: Any) -> bool:
        return isinstance(value, dict) and all(isinstance(value.get(lang), str) for lang in LANGUAGES)

    if not isinstance(f, dict):
        return "is not an object"
    if not isinstance(f.get("key"), str):
        return 'has no text "key"'
    value = f.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f'({f["key"]}) has a "value" that is neither a number nor null'
    if not isinstance(f.get("unit"), str):
        return f'({f["key"]}) has no text "unit"'
    for field in ("label", "formatted"):
        if not texts(f.get(field)):
            return f'({f["key"]}) lacks "{field}" in {" and ".join(LANGUAGES)}'
    return None


def ordered_files(folder: Path, names: Sequence[str]) -> tuple[Path, ...]:
    """Edition files, the outputs first, then figures.json, the snapshot and the manifest."""
    paths = [folder / n for n in [*names, MANIFEST]]
    return tuple(sorted(paths, key=lambda p: (p.name == MANIFEST, _ORDER.get(p.suffix, 3), p.name)))


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


def find(out_dir: Path, ref: str, *, having: str | None = None) -> EditionRef:
    """An edition by folder path, by name with its revision (2025-12-08.r2), or by name or date without one (the
    latest revision: after ``build --force``, ``2025-12-08`` means the newest build of that edition).

    ``having`` names a file the edition must hold to be preferred: ``send 2025-12-08`` means the edition of that
    date that has an e-mail, not an English-only variant built without one."""
    path = Path(ref)
    if _is_dir(path) and (r := parse_name(path)) is not None:
        return r
    editions = list_editions(out_dir)  # newest first, the latest revision of each variant before older ones
    if having is not None and not (".r" in ref and any(r.name == ref for r in editions)):
        # a name or a date: the latest revision of each variant it names (an older revision is never picked for
        # having the file), those with the file first, then the variant named exactly, then real data before demo,
        # then the edition in both languages before a one-language variant
        found = [r for r in editions if ref in (r.variant, r.as_of.isoformat())]
        latest = [r for i, r in enumerate(found) if all(o.variant != r.variant for o in found[:i])]
        ranked = sorted(
            latest,
            key=lambda r: (
                not (r.folder / having).is_file(),
                r.variant != ref,
                r.demo,
                r.variant != edition_name(r.as_of, demo=r.demo, langs=("zh-Hant", "en")),
            ),
        )
        if ranked:
            return ranked[0]
    for match in (
        lambda r: r.name == ref and ".r" in ref,
        lambda r: r.variant == ref,
        lambda r: r.as_of.isoformat() == ref,
    ):
        found = [r for r in editions if match(r)]
        if found:
            return found[0]
    hint = ""
    if path.name and path.name != ref and _is_dir(path.parent / "editions" / path.name):
        hint = f" (did you mean {path.parent / 'editions' / path.name}?)"
    raise UsageError(f"no edition {ref!r} in {editions_dir(out_dir)}{hint}; `brief archive list` shows them")


def _is_dir(path: Path) -> bool:
    """Whether a path is a folder; a name too long for the system, say, is simply not one."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def outbox_dir(ref: EditionRef) -> Path:
    """Where a dry run writes an edition's messages: OUT/outbox/EDITION beside OUT/editions, outside the archived
    edition, which stays exactly as its manifest says (OUT is the edition's own, however it was named)."""
    return ref.folder.parent.parent / OUTBOX / ref.name


def latest(out_dir: Path, variant: str) -> EditionRef | None:
    """The newest revision of an edition variant, if any."""
    found = [r for r in list_editions(out_dir) if r.variant == variant]
    return found[0] if found else None


def previous(out_dir: Path, as_of: dt.date, *, demo: bool, variant_suffix: str) -> EditionRef | None:
    """The newest archived edition before ``as_of`` of the same kind (demo or not, same languages)."""
    for r in list_editions(out_dir):
        if r.as_of < as_of and r.demo == demo and r.variant.endswith(variant_suffix) and (r.folder / FIGURES).is_file():
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
    manifest = read_json(folder / MANIFEST)
    problem = manifest_problem(manifest) if manifest is not None else "is missing or unreadable"
    if problem is not None:
        return [f"{folder.name}: {MANIFEST} {problem}"]
    recorded: dict[str, str] = manifest["files"]
    problems = []
    present = set()
    for top, dirs, names in os.walk(folder):  # links are never followed: a link is itself a problem
        for name in [*names, *dirs]:
            p = Path(top) / name
            rel = p.relative_to(folder).as_posix()
            if p.is_symlink():
                problems.append(f"{folder.name}: unexpected link {rel}")
            elif p.is_file() and rel != MANIFEST and not rel.startswith(f"{OUTBOX}/"):
                present.add(rel)
    for name, digest in sorted(recorded.items()):
        if name not in present:
            problems.append(f"{folder.name}: missing {name}")
        elif sha256(folder / name) != digest:
            problems.append(f"{folder.name}: changed {name}")
    problems += [f"{folder.name}: extra {name}" for name in sorted(present - set(recorded))]
    return problems


# --- the writer ------------------------------------------------------------------------------------------------
class EditionWriter:
    """The one way an edition reaches the archive: temp folder, manifest last, one rename, never an overwrite."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.root = editions_dir(out_dir)

    def prepare(self) -> None:
        """Create the archive folder, check it is writable and sweep what killed builds left behind."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(f"cannot create the output folder {self.out_dir}: {exc.strerror or exc}") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise ArchiveError(f"the output folder {self.out_dir} is not writable")
        self.sweep()

    def sweep(self, *, older_than: float = STALE_SECONDS) -> None:
        """Remove hidden temp folders (and snapshots of older versions) a killed build left behind."""
        for p in self.root.glob(".*"):
            if ".claim-dead-" in p.name:  # a claim taken over from a dead process
                shutil.rmtree(p, ignore_errors=True)
                continue
            if not (".tmp-" in p.name or p.name.startswith(".snapshot-")):
                continue
            try:
                if time.time() - p.stat().st_mtime <= older_than:
                    continue
            except FileNotFoundError:
                continue
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)

    def existing(self, variant: str) -> EditionRef | None:
        """The newest archived revision of ``variant``, if any."""
        return latest(self.out_dir, variant)

    def next_name(self, variant: str) -> str:
        """The name a new build of ``variant`` would take now: itself if free, else the next revision."""
        if not (self.root / variant).exists():
            return variant
        rev = 2
        while (self.root / f"{variant}.r{rev}").exists():
            rev += 1
        return f"{variant}.r{rev}"

    def claim(self, variant: str, *, revision: bool) -> str | None:
        """Claim, atomically, the name a new build of ``variant`` takes, so two builds never take the same one.

        Without ``revision``: the variant itself, or None when it is archived already. With it: the first name that
        is neither archived nor claimed (``2025-12-08``, ``2025-12-08.r2``, ...). Release it with ``release``.
        """
        rev = 1
        while True:
            name = variant if rev == 1 else f"{variant}.r{rev}"
            rev += 1
            if (self.root / name).exists():
                if not revision:
                    return None
                continue
            if not self._take(name):
                if not revision:
                    raise ArchiveError(
                        f"edition {name} is being built by another process; run again when it has finished"
                    )
                continue
            if (self.root / name).exists():  # archived between the look and the claim
                self.release(name)
                if not revision:
                    return None
                continue
            return name

    def _claim_path(self, name: str) -> Path:
        return self.root / f".{name}.claim"

    def _take(self, name: str) -> bool:
        """Make the claim folder (atomic); a claim whose process is gone is moved aside and taken over."""
        claim = self._claim_path(name)
        for _ in range(2):
            try:
                claim.mkdir()
            except FileExistsError:
                if not _claim_is_dead(claim):
                    return False
                try:  # a rename succeeds for one taker only
                    os.rename(claim, self.root / f".{name}.claim-dead-{os.getpid()}-{time.time_ns()}")
                except OSError:
                    return False
                continue
            (claim / "pid").write_text(str(os.getpid()), encoding="ascii")
            return True
        return False

    def release(self, name: str) -> None:
        """Give up the claim on ``name`` (after a commit, or when the build failed)."""
        shutil.rmtree(self._claim_path(name), ignore_errors=True)

    def commit(self, name: str, files: Mapping[str, bytes], meta: Mapping[str, Any]) -> EditionRef:
        """Write ``files`` and the manifest (``meta`` plus every file's hash) as edition ``name``, atomically.

        Refuses to replace an edition that exists by the time the files are written.
        """
        target = self.root / name
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=self.root))
        try:
            tmp.chmod(0o755)
            for file_name, data in files.items():
                (tmp / file_name).write_bytes(data)
            write_manifest(tmp, meta)
            if target.exists():
                raise ArchiveError(f"edition {name} appeared in {self.root} during the build; it was left as it is")
            os.rename(tmp, target)
        except OSError as exc:
            raise ArchiveError(f"writing the edition into {self.out_dir} failed: {exc.strerror or exc}") from exc
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        ref = parse_name(target)
        if ref is None:  # the names come from edition_name and next_name, which parse_name reads
            raise ArchiveError(f"{name} is not an edition name")
        return ref


def _claim_is_dead(claim: Path) -> bool:
    """Whether the process that made a claim is gone (a claim without a process id is dead after a minute)."""
    try:
        pid = int((claim / "pid").read_text(encoding="ascii"))
    except (OSError, ValueError):
        try:
            return time.time() - claim.stat().st_mtime > 60
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
