"""``brief rebuild EDITION --check``: make an archived edition again from its own snapshot, in memory, and compare."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from report import archive
from report.calendar import load_calendar
from report.config import Settings
from report.edition import EditionInputs, check_as_of, make_edition
from report.errors import DataError
from report.pipeline.common import pdf_worker, preflight
from report.render.context import Notes
from report.snapshot import SnapshotStore


def _inputs(settings: Settings, ref: archive.EditionRef) -> EditionInputs:
    """The edition's inputs as archived: its snapshot, notes, previous figures, build time, languages, formats."""
    m = ref.manifest()
    doc = archive.read_json(ref.folder / archive.MANIFEST)
    problem = archive.manifest_problem(doc) if doc is not None else None
    if problem is not None:
        raise DataError(f"{ref.name}: its manifest.json {problem}; it cannot be rebuilt")
    if not m or not (ref.folder / archive.SNAPSHOT).is_file():
        raise DataError(f"{ref.name} has no manifest or data snapshot: it predates the archive and cannot be rebuilt")
    notes = archive.read_json(ref.folder / archive.NOTES)
    previous = archive.read_json(ref.folder / archive.PREVIOUS)
    source = SnapshotStore(ref.folder / archive.SNAPSHOT)
    as_of = dt.date.fromisoformat(m["as_of"])
    check_as_of(as_of, source)
    return EditionInputs(
        settings=settings.replace(
            langs=tuple(m["langs"]), formats=tuple(f for f in m["formats"] if f != "email"), attach_pdf=False
        ),
        as_of=as_of,
        demo=bool(m["demo"]),
        source=source,
        meetings=tuple(load_calendar(settings.fomc_calendar)),
        name=ref.name,
        generated=dt.datetime.fromisoformat(m["built_at"]),
        notes=Notes.from_json(notes) if isinstance(notes, dict) else None,
        previous=previous if isinstance(previous, dict) else None,
        previous_name=m.get("previous"),
    )


def rebuild_check(settings: Settings, edition: str) -> tuple[Path, list[str]]:
    """Rebuild an archived edition from its own snapshot and compare figures.json and the PDF text."""
    from report.render.pdf import pdf_text

    ref = archive.find(settings.out_dir, edition)
    inputs = _inputs(settings, ref)
    preflight(inputs.settings)
    with pdf_worker(inputs.settings, parallel=True) as worker:
        made = make_edition(inputs, pdf_worker=worker)
    differences = []
    if archive.read_json(ref.folder / archive.FIGURES) != json.loads(made.files[archive.FIGURES]):
        differences.append("figures.json differs")
    old_pdfs = sorted(ref.folder.glob("*.pdf"))
    new_pdfs = sorted(name for name in made.files if name.endswith(".pdf"))
    if old_pdfs and new_pdfs and pdf_text(old_pdfs[0].read_bytes()) != pdf_text(made.files[new_pdfs[0]]):
        differences.append("the PDF text differs")
    return ref.folder, differences
