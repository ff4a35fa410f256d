"""``brief archive list|show|verify|index``: read the archive of editions and write its front page and feeds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report import archive
from report.config import Settings


def list_editions(settings: Settings) -> list[archive.EditionRef]:
    """Every archived edition, newest first."""
    return archive.list_editions(settings.out_dir)


@dataclass(frozen=True)
class EditionInfo:
    """An archived edition as ``archive show`` describes it."""

    ref: archive.EditionRef
    manifest: dict[str, Any]
    figures: dict[str, Any] | None
    problem: str | None  # what is wrong with the manifest, when it is damaged


def show(settings: Settings, edition: str) -> EditionInfo:
    """An edition's manifest and key figures."""
    ref = archive.find(settings.out_dir, edition)
    doc = archive.read_json(ref.folder / archive.MANIFEST)
    problem = archive.manifest_problem(doc) if doc is not None else "is missing or unreadable"
    return EditionInfo(ref, ref.manifest(), ref.figures(), problem)


def verify(settings: Settings, edition: str | None = None) -> tuple[int, list[str]]:
    """Recompute every hash of one edition (or all); returns how many were checked and the problems found."""
    refs = [archive.find(settings.out_dir, edition)] if edition else archive.list_editions(settings.out_dir)
    return len(refs), [p for r in refs for p in archive.verify(r.folder)]


def index(settings: Settings) -> list[Path]:
    """Write OUT/index.html and, with public_url, the Atom feeds; returns the files written."""
    from report.render.index import write_index
    from report.render.templating import catalogue, environment

    return write_index(
        settings.out_dir,
        env=environment(settings.templates_dir),
        cat=catalogue(settings.templates_dir),
        public_url=settings.public_url,
    )


def editions_root(settings: Settings) -> Path:
    """Where the editions are archived."""
    return archive.editions_dir(settings.out_dir)
