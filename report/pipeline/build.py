"""``brief build`` and ``brief figures``: assemble an edition's inputs, make it in memory, commit it to the archive."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report.archive import FIGURES, SNAPSHOT, EditionRef, EditionWriter, edition_name, previous
from report.calendar import Meeting, load_calendar
from report.config import Settings
from report.edition import (
    EditionInputs,
    MadeEdition,
    Progress,
    availability,
    check_as_of,
    check_not_future,
    compute_figures,
    figures_document,
    make_edition,
    quiet,
)
from report.errors import UsageError
from report.figures import INPUT_SERIES, Figure
from report.pipeline.common import default_as_of, open_store, pdf_worker, preflight
from report.quality import rules
from report.render.context import Notes
from report.snapshot import snapshot, vintage_kinds
from report.store import Store

if TYPE_CHECKING:
    from report.editor import Checked
    from report.render.pdf import PdfWorker


class BuildStatus(enum.Enum):
    """What ``build`` did."""

    BUILT = "built"
    EXISTING = "existing"  # the edition was archived already and is reported as it is


@dataclass(frozen=True)
class Edition:
    """An archived edition: where it is, what it holds, and whether this call built it."""

    folder: Path
    files: tuple[Path, ...]
    as_of: dt.date
    demo: bool
    warnings: tuple[str, ...]
    status: BuildStatus = BuildStatus.BUILT

    def file(self, suffix: str) -> Path:
        """The edition's file ending in ``suffix`` (".pdf", ".html", "figures.json")."""
        return next(p for p in self.files if p.name.endswith(suffix))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _previous(
    settings: Settings,
    store: Store,
    *,
    day: dt.date,
    demo: bool,
    previous_as_of: dt.date | None,
    meetings: tuple[Meeting, ...],
    warnings: list[str] | None = None,
) -> tuple[dict[str, Any] | None, str | None]:
    """What "since the last edition" compares with: the previous date of a backfill, computed point in time from
    the same store, else the newest archived edition before this one (its figures and its name).

    An archived edition whose figures.json is damaged (unreadable, or not of the shape docs/figures.md documents)
    is skipped, with a warning added to ``warnings``, and the one before it is used: it is never fatal."""
    from report.archive import figures_problem, list_editions, read_json

    if previous_as_of is not None:
        from report.render.templating import catalogue

        cat = catalogue(settings.templates_dir)
        figs, _ = compute_figures(store, as_of=previous_as_of, settings=settings, meetings=meetings, cat=cat)
        return json.loads(json.dumps(figures_document(figs, previous_as_of, demo=demo))), None
    suffix = edition_name(day, demo=demo, langs=settings.langs).removeprefix(day.isoformat())
    ref = previous(settings.out_dir, day, demo=demo, variant_suffix=suffix)
    if ref is None:
        return None, None
    candidates = [r for r in list_editions(settings.out_dir) if r.as_of <= ref.as_of and r.demo == demo]
    for r in candidates:  # newest first, the same filter as ``previous``
        if not (r.variant.endswith(suffix) and (r.folder / FIGURES).is_file()):
            continue
        doc = r.figures()
        if doc is not None:
            return doc, r.name
        problem = figures_problem(read_json(r.folder / FIGURES))
        if warnings is not None:
            warnings.append(
                f"the previous edition {r.name} was skipped for “since the last edition”: "
                f"its {FIGURES} is damaged ({problem})"
            )
    return None, None


def build(
    settings: Settings,
    *,
    demo: bool,
    as_of: dt.date | None = None,
    notes_path: Path | None = None,
    force: bool = False,
    parallel: bool = True,
    previous_as_of: dt.date | None = None,
    progress: Progress = quiet,
    strict: bool = False,
    worker: PdfWorker | None = None,
    unless_unchanged: bool = False,
) -> Edition:
    """Build one edition into ``out_dir/editions/<name>/``. An existing edition is kept as it is (``force`` builds
    a new revision beside it; with ``unless_unchanged`` too, the new revision is archived only when its figures
    differ from the latest one's, else that one is returned as EXISTING); ``parallel=False`` draws charts and lays
    out the PDF in this process. ``worker`` is a PDF worker the caller started early (its WeasyPrint import then
    overlaps ours of pandas); the caller stops it."""
    from report.notes import load_notes

    if settings.attach_pdf and "email" in settings.formats and "pdf" not in settings.formats:
        raise UsageError("--attach-pdf needs the PDF: add pdf to --format")
    notes = load_notes(notes_path) if notes_path is not None else None  # fail before any work
    rules(settings)  # a typo in [quality] fails before any work too
    meetings = tuple(load_calendar(settings.fomc_calendar))
    day = as_of or default_as_of(demo=demo)
    check_not_future(day)
    writer = EditionWriter(settings.out_dir)
    variant = edition_name(day, demo=demo, langs=settings.langs)
    existing = writer.existing(variant)
    if existing is not None and not force:
        return _edition(existing, demo=demo, warnings=(), status=BuildStatus.EXISTING)
    warnings = preflight(settings)
    writer.prepare()
    name = writer.claim(variant, revision=force)
    if name is None:  # another build archived it meanwhile
        return build(settings, demo=demo, as_of=day, progress=progress, worker=worker)
    try:
        made = _make(
            settings,
            name=name,
            day=day,
            demo=demo,
            notes=notes,
            meetings=meetings,
            parallel=parallel,
            previous_as_of=previous_as_of,
            progress=progress,
            strict=strict,
            worker=worker,
        )
        if unless_unchanged and existing is not None and _same_figures(existing, made.files[FIGURES]):
            return _edition(existing, demo=demo, warnings=(), status=BuildStatus.EXISTING)
        ref = writer.commit(name, made.files, made.manifest)
    finally:
        writer.release(name)
    return _edition(ref, demo=demo, warnings=(*warnings, *made.warnings), status=BuildStatus.BUILT)


def _same_figures(ref: EditionRef, figures_json: bytes) -> bool:
    """Whether an archived edition has the same key figures (values, dates, statuses, reasons) as a new build."""
    old = ref.figures()
    return old is not None and old.get("figures") == json.loads(figures_json).get("figures")


def _make(
    settings: Settings,
    *,
    name: str,
    day: dt.date,
    demo: bool,
    notes: Notes | None,
    meetings: tuple[Meeting, ...],
    parallel: bool,
    previous_as_of: dt.date | None,
    progress: Progress,
    strict: bool = False,
    worker: PdfWorker | None = None,
) -> MadeEdition:
    """Assemble the inputs from the store and make the edition in memory, with the data snapshot to archive."""
    with contextlib.ExitStack() as stack:
        if worker is None:
            worker = stack.enter_context(pdf_worker(settings, parallel=parallel))
        store = stack.enter_context(open_store(settings, demo=demo, progress=progress, readonly=True))
        check_as_of(day, store)
        skipped: list[str] = []  # damaged previous editions passed over, reported as warnings
        prev_doc, prev_name = _previous(
            settings, store, day=day, demo=demo, previous_as_of=previous_as_of, meetings=meetings, warnings=skipped
        )
        vintages = vintage_kinds(store, INPUT_SERIES)
        inputs = EditionInputs(
            settings=settings,
            as_of=day,
            demo=demo,
            source=store,
            meetings=meetings,
            name=name,
            generated=_now(),
            notes=notes,
            previous=prev_doc,
            previous_name=prev_name,
            vintages=vintages,
            parallel=parallel,
            strict=strict,
            template_cache=settings.data_dir / "cache" / "templates",
            chart_cache=settings.data_dir / "cache" / "charts",
        )
        made = make_edition(
            inputs,
            pdf_worker=worker,
            progress=progress,
            meanwhile=lambda: {SNAPSHOT: snapshot(store, INPUT_SERIES, day)[0]},  # while the PDF is laid out
        )
        return dataclasses.replace(made, warnings=(*skipped, *made.warnings))


def _edition(ref: EditionRef, *, demo: bool, warnings: tuple[str, ...], status: BuildStatus) -> Edition:
    return Edition(ref.folder, ref.files(), ref.as_of, demo, warnings, status)


def figures(
    settings: Settings, *, demo: bool, as_of: dt.date | None = None, progress: Progress = quiet
) -> tuple[dt.date, list[Figure], dict[str, Mapping[str, tuple[str, str]]]]:
    """The key figures for an edition date (``brief figures``), with how each input observation's availability was
    decided (``report.edition.availability``)."""
    from report.render.templating import catalogue

    meetings = load_calendar(settings.fomc_calendar)
    day = as_of or default_as_of(demo=demo)
    with open_store(settings, demo=demo, progress=progress, readonly=True) as store:
        check_as_of(day, store)
        figs, _ = compute_figures(
            store, as_of=day, settings=settings, meetings=meetings, cat=catalogue(settings.templates_dir)
        )
        seen = availability(store, day)
    return day, figs, seen


def check_notes(
    settings: Settings, path: Path, *, demo: bool, as_of: dt.date | None = None, progress: Progress = quiet
) -> tuple[dt.date, list[tuple[int, Checked]]]:
    """Every claim in a notes file with its line, checked against the figures of the edition date (forecasts in
    the notes set the purchase scenarios, as in a build)."""
    from report.editor import Claim, check, check_syntax, scenario_settings
    from report.notes import load_notes

    notes = load_notes(path)
    text = path.read_text(encoding="utf-8-sig")
    claims = [(line, tok) for line, tok in check_syntax(text, path) if isinstance(tok, Claim)]
    day, figs, _ = figures(scenario_settings(settings, notes), demo=demo, as_of=as_of, progress=progress)
    by_key = {f.key: f for f in figs}
    return day, [(line, check(claim, by_key)) for line, claim in claims]
