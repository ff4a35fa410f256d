"""Charts kept on disk between runs, by a digest of everything they are drawn from (settings, every series, every
figure) and of the code and style that draw them: a rebuild, a preview, a forced build of the same week or a second
run of the same day draws nothing again.

Best effort by design: a cache folder that cannot be read or written, or an entry that is damaged, is passed over
and the charts are drawn. Entries are JSON (never pickle: nothing is executed on loading), written to a temporary
file and renamed into place, so a reader never sees half of one; the oldest go beyond ``KEEP`` entries.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from report.charts.chart import Chart

KEEP = 120  # entries kept: about two years of weekly editions (a 52-week backfill fits), ~1 MB each at most
FORMAT = 1  # the entry's layout; a change makes older entries unreadable, hence misses


@functools.cache
def code_digest(style_dir: Path) -> str:
    """A digest of what draws the charts: the program's source (the charts call the figures' and the formatting
    code too), the style sheet and chart catalogue, the program and matplotlib versions. A change in any of them
    makes every older entry a miss."""
    from importlib.metadata import version

    from report import __version__

    h = hashlib.sha256(f"{FORMAT}|{__version__}|{version('matplotlib')}".encode())
    for folder in (Path(__file__).parents[1], style_dir):  # report/ and the chart style
        for p in sorted(folder.rglob("*")):
            if p.is_file() and p.suffix in {".py", ".mplstyle", ".toml", ".json", ".yaml", ".csv"}:
                h.update(p.relative_to(folder).as_posix().encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def _to_json(c: Chart) -> dict[str, Any]:
    return {
        "id": c.id,
        "section": c.section,
        "title": dict(c.title),
        "sources": list(c.sources),
        "data": base64.b64encode(c.data).decode("ascii"),
        "mime": c.mime,
        "empty": c.empty,
        "variant": c.variant,
    }


def _from_json(d: dict[str, Any]) -> Chart:
    return Chart(
        d["id"],
        int(d["section"]),
        dict(d["title"]),
        tuple(d["sources"]),
        base64.b64decode(d["data"]),
        d["mime"],
        empty=bool(d["empty"]),
        variant=d["variant"],
    )


Drawn = tuple[list[Chart], list[Chart], list[Chart]]  # page SVGs, phone SVGs, PNGs


def load(folder: Path, key: str) -> Drawn | None:
    """The charts stored under ``key``, or None (not there, unreadable, damaged)."""
    try:
        doc = json.loads((folder / f"{key}.json").read_bytes())
        page, phones, pngs = ([_from_json(c) for c in doc[part]] for part in ("page", "phones", "pngs"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return page, phones, pngs


def save(folder: Path, key: str, page: Sequence[Chart], phones: Sequence[Chart], pngs: Sequence[Chart]) -> None:
    """Store the charts under ``key``; any failure leaves the cache as it was."""
    doc = {
        "page": [_to_json(c) for c in page],
        "phones": [_to_json(c) for c in phones],
        "pngs": [_to_json(c) for c in pngs],
    }
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(json.dumps(doc, separators=(",", ":")).encode())
            os.replace(tmp, folder / f"{key}.json")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(folder)


def _prune(folder: Path) -> None:
    """Keep the ``KEEP`` newest entries."""
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()
