"""One edition made in memory: figures, charts, template context, HTML, PDF and e-mail, from assembled inputs.

No disk and no archive policy here: ``make_edition`` returns the edition's files as bytes with its manifest data
and warnings; ``report.archive.EditionWriter`` commits them. The command modules in ``report/pipeline/`` assemble
``EditionInputs`` (from the store, or from an archived snapshot for a rebuild) and call the two in turn.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report import __version__
from report.archive import FIGURES, NOTES, PREVIOUS, edition_name, json_bytes, tree_hash
from report.calendar import Meeting, status
from report.config import Settings
from report.editor import scenario_settings
from report.errors import DataError, NotesError, UsageError
from report.quality import evaluate, rules
from report.releases import Upcoming, week_ahead
from report.resources import resource_dir

if TYPE_CHECKING:
    from email.message import EmailMessage

    from report.charts import Chart
    from report.editor import Resolved
    from report.figures import Figure
    from report.i18n import Catalogue
    from report.render.context import Notes
    from report.render.email import MailSettings
    from report.render.pdf import PdfWorker
    from report.store import ObservationSource

Progress = Callable[[str], None]
NARRATIVE = "narrative.json"  # every sentence of the commentary with its rule and figures (docs/narrative.md)


def quiet(_: str) -> None:
    """Progress that goes nowhere."""


@dataclass(frozen=True, kw_only=True)
class EditionInputs:
    """Everything an edition is made from; nothing else is read while making it."""

    settings: Settings
    as_of: dt.date
    demo: bool
    source: ObservationSource
    meetings: tuple[Meeting, ...]
    name: str  # the archive folder the edition will have (e-mail content ids and links name it)
    generated: dt.datetime
    notes: Notes | None = None
    previous: Mapping[str, Any] | None = None  # the figures.json "since the last edition" compares with
    previous_name: str | None = None  # the archived edition it came from, if any
    vintages: Mapping[str, str] = field(default_factory=dict)  # kind of data per series, for the manifest
    parallel: bool = True  # draw charts in worker processes
    strict: bool = False  # a claim in the notes that the data contradict fails the build
    template_cache: Path | None = None  # where compiled templates are kept between runs (none: compiled each run)
    chart_cache: Path | None = None  # where drawn charts are kept between runs, by a digest of their inputs

    @property
    def variant(self) -> str:
        """The edition's name without a revision: 2025-12-08-demo."""
        return edition_name(self.as_of, demo=self.demo, langs=self.settings.langs)


@dataclass(frozen=True)
class MadeEdition:
    """An edition in memory: its files, the manifest data (without file hashes) and what went wrong softly."""

    files: dict[str, bytes]
    manifest: dict[str, Any]
    figures: tuple[Figure, ...]
    warnings: tuple[str, ...]


def check_not_future(as_of: dt.date, today: dt.date | None = None) -> None:
    """Reject an edition date after today: an edition can only use data already published."""
    today = today or dt.date.today()
    if as_of > today:
        raise UsageError(f"--as-of {as_of} is after today ({today}); an edition can only use published data")


def check_as_of(as_of: dt.date, source: ObservationSource, today: dt.date | None = None) -> None:
    """Reject an edition date after today, or before the data begins."""
    check_not_future(as_of, today)
    first = source.first_date()
    if first is None:
        raise DataError(f"the data store {getattr(source, 'path', '')} holds no observations")
    if as_of < first:
        raise DataError(f"--as-of {as_of} is before the data begins ({first}); choose a later date")


def failed_claims(notes: Resolved | None, *, strict: bool) -> list[str]:
    """A warning for each claim in the notes that the data contradict; with ``strict``, a NotesError instead."""
    if notes is None:
        return []
    seen: dict[str, str] = {}
    for c in notes.checked:
        if c.verdict == "fails":
            text = f"{c.claim.key} {c.claim.op} {c.claim.written}"
            seen.setdefault(text, f"claim {{{{ claim {text} }}}} does not hold: the data say {c.shown['en']}")
    if seen and strict:
        raise NotesError(f"--strict: {len(seen)} claim(s) in the notes do not hold: " + "; ".join(seen.values()))
    return list(seen.values())


def compute_figures(
    source: ObservationSource, *, as_of: dt.date, settings: Settings, meetings: Sequence[Meeting], cat: Catalogue
) -> tuple[list[Figure], dict[str, Any]]:
    """Load every input series as it stood on ``as_of`` and compute the key figures; returns figures and data."""
    from report.figures import INPUT_SERIES, Context, compute_all
    from report.series import FIRST_PRINT_SERIES

    data = source.load(INPUT_SERIES, as_of)
    for sid in FIRST_PRINT_SERIES:  # where vintages are stored: the recent months as first published
        first, before = source.first_prints(sid, as_of)
        if not first.empty:
            data[f"{sid}@first"], data[f"{sid}@first_before"] = first, before
    ctx = Context(as_of=as_of, cat=cat, meetings=tuple(meetings), calendar=source.calendar, **settings.assumptions())
    return compute_all(data, ctx), dict(data)


def availability(source: ObservationSource, as_of: dt.date) -> dict[str, Mapping[str, tuple[str, str]]]:
    """For every input series, how each observation's public date on ``as_of`` was decided, and that date."""
    from report.figures import INPUT_SERIES

    return {sid: source.availability(sid, as_of) for sid in INPUT_SERIES}


def figures_document(
    figures: Sequence[Figure],
    as_of: dt.date,
    *,
    demo: bool,
    seen: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
) -> dict[str, Any]:
    """The stable JSON interface (docs/figures.md). With ``seen`` (``availability``), each source observation says
    how its availability on the edition date was decided and when it became public."""
    docs = [f.to_json() for f in figures]
    if seen is not None:
        for src in (s for doc in docs for s in doc["sources"]):
            how = seen.get(src["series"], {}).get(src["date"] or "")
            if how is not None:
                src["availability"], src["published"] = how
    return {"edition": as_of.isoformat(), "demo": demo, "version": __version__, "figures": docs}


def mail_settings(settings: Settings) -> MailSettings:
    """Sender and list settings for the newsletter."""
    from report.render.email import MailSettings

    return MailSettings(
        settings.email_from,
        settings.email_reply_to,
        settings.public_url,
        settings.unsubscribe_url,
        settings.unsubscribe_mailto,
    )


def make_edition(
    inputs: EditionInputs,
    *,
    pdf_worker: PdfWorker | None = None,
    progress: Progress = quiet,
    meanwhile: Callable[[], Mapping[str, bytes]] | None = None,
) -> MadeEdition:
    """Make the edition's files in memory. ``pdf_worker`` lays out the PDF in another process when given;
    ``meanwhile`` makes more files (the data snapshot) while it does, and they join the edition's files.

    The order keeps both cores busy: the page-sized charts first, then the PDF is laid out in its worker while the
    chart workers draw the phone-sized copies and the e-mail's PNGs and this process writes the HTML page and the
    e-mail."""
    from report.render.context import with_charts
    from report.render.templating import catalogue, environment

    s = scenario_settings(inputs.settings, inputs.notes)  # forecasts in the notes become the purchase scenarios
    inputs = dataclasses.replace(inputs, settings=s)
    cat = catalogue(s.templates_dir)
    env = environment(s.templates_dir, cache_dir=inputs.template_cache)
    progress(f"Computing figures as of {inputs.as_of}")
    figs, data = compute_figures(inputs.source, as_of=inputs.as_of, settings=s, meetings=inputs.meetings, cat=cat)
    progress("Drawing charts")
    charts = _charts(inputs, data, figs)
    page_charts = charts.page()
    context = _context(inputs, figs, charts=page_charts, cat=cat)
    claim_warnings = failed_claims(context["notes"], strict=inputs.strict)
    stem = f"liquidity-brief-{inputs.variant}"
    seen = availability(inputs.source, inputs.as_of)
    document = figures_document(figs, inputs.as_of, demo=inputs.demo, seen=seen)
    verdict = evaluate(document, rules(s))
    doc = json_bytes(document)
    files: dict[str, bytes] = {FIGURES: doc, NARRATIVE: json_bytes(context["narrative"])}
    warnings: list[str] = list(claim_warnings)
    warnings += [f"quality gate: {reason} (brief send and brief run will not mail it)" for reason in verdict.reasons]
    pdf_name = f"{stem}.pdf"
    pdf = None
    if "pdf" in s.formats:
        progress("Laying out the PDF")
        pdf = _pdf(_page(env, context, media="pdf", font=s.cjk_font), doc, pdf_worker)
    phones, pngs = charts.rest()
    if "html" in s.formats:
        progress("Writing the HTML page")
        page_context = with_charts(context, phones, cat=cat, demo=inputs.demo)
        files[f"{stem}.html"] = _page(env, page_context, media="html", font=s.cjk_font).encode("utf-8")
    if "email" in s.formats and not s.attach_pdf:
        progress("Writing the e-mail")
        files.update(_email_files(inputs, env=env, context=context, cat=cat, pngs=pngs, files=files, stem=stem))
    if meanwhile is not None:
        files.update(meanwhile())
    if pdf is not None:
        files[pdf_name], pdf_warnings = pdf()
        warnings += pdf_warnings
    if "email" in s.formats and s.attach_pdf:  # the PDF goes into the message: written once the PDF is
        progress("Writing the e-mail")
        files.update(_email_files(inputs, env=env, context=context, cat=cat, pngs=pngs, files=files, stem=stem))
    if inputs.previous is not None:  # what "since the last edition" compared with, for rebuilds
        files[PREVIOUS] = json_bytes(inputs.previous, indent=None)
    if inputs.notes is not None:
        files[NOTES] = json_bytes(inputs.notes.to_json(), indent=None)
    return MadeEdition(files, {**_manifest(inputs), "quality": verdict.to_json()}, tuple(figs), tuple(warnings))


class _Drawn:
    """Charts already drawn (by the last build in this process), answering as a ChartJob does."""

    def __init__(self, page: list[Chart], phones: list[Chart], pngs: list[Chart]) -> None:
        self._page, self._phones, self._pngs = page, phones, pngs

    def page(self) -> list[Chart]:
        return self._page

    def rest(self) -> tuple[list[Chart], list[Chart]]:
        return self._phones, self._pngs


class _Remembered:
    """A chart job whose charts are kept for the next build with the same inputs: in this process, and on disk
    when there is a cache folder."""

    def __init__(self, job: Any, key: str, cache: Path | None) -> None:
        self._job, self._key, self._cache = job, key, cache
        self._page: list[Chart] = []

    def page(self) -> list[Chart]:
        self._page = self._job.page()
        return self._page

    def rest(self) -> tuple[list[Chart], list[Chart]]:
        from report.charts import cache

        phones, pngs = self._job.rest()
        _LAST_CHARTS.clear()
        _LAST_CHARTS[self._key] = _Drawn(self._page, phones, pngs)
        if self._cache is not None:
            cache.save(self._cache, self._key, self._page, phones, pngs)
        return phones, pngs


def _charts(inputs: EditionInputs, data: Mapping[str, Any], figs: Sequence[Figure]) -> _Drawn | _Remembered:
    from report.charts import ChartSettings, cache
    from report.render.email import EMAIL_CHARTS

    s = inputs.settings
    chart_settings = ChartSettings(
        s.langs,
        resource_dir("charts"),
        inputs.as_of,
        s.miner_efficiency_j_per_th,
        s.power_usd_per_kwh,
        s.cjk_font,
        phone="html" in s.formats,  # phone-sized drawings serve the web page only
    )
    plausible = _plausible_only(data)
    png_ids = EMAIL_CHARTS if "email" in s.formats else ()
    # the code and style that draw the charts are part of their inputs, for the disk cache
    key = _charts_key((chart_settings, cache.code_digest(chart_settings.style_dir)), plausible, figs, png_ids)
    if key in _LAST_CHARTS:  # the same inputs as the last build in this process (a preview after a notes edit)
        return _LAST_CHARTS[key]
    if inputs.chart_cache is not None and (stored := cache.load(inputs.chart_cache, key)) is not None:
        return _Drawn(*stored)  # the same inputs as an earlier run (a rebuild, a forced build of the same week)
    from report.charts.drawing import ChartJob  # matplotlib, only when something is to be drawn

    job = ChartJob(
        chart_settings,
        data=plausible,
        figures=figs,
        workers=2 if inputs.parallel else 1,
        png_ids=png_ids,
        rest_workers=1 if "pdf" in s.formats else None,  # on two cores: one for the PDF, one for the rest
    )
    return _Remembered(job, key, inputs.chart_cache)


# The charts of the last build in this process, by a digest of everything they are drawn from: a preview rebuilt
# after a notes edit draws nothing again (one entry, so a long backfill holds no more than one edition's charts).
_LAST_CHARTS: dict[str, _Drawn] = {}


def _charts_key(chart_settings: Any, data: Mapping[str, Any], figs: Sequence[Figure], png_ids: Sequence[str]) -> str:
    """A digest of a chart job's inputs: settings, every series (index and values) and every figure."""
    import hashlib
    import json

    h = hashlib.sha256(repr((chart_settings, tuple(png_ids))).encode())
    for sid in sorted(data):
        series = data[sid]
        h.update(sid.encode())
        h.update(series.index.asi8.tobytes() if hasattr(series.index, "asi8") else repr(list(series.index)).encode())
        h.update(series.to_numpy(dtype="float64", na_value=float("nan")).tobytes())
    for f in figs:
        h.update(json.dumps([f.key, f.value, f.unit, str(f.observed), f.status, f.detail], default=str).encode())
    return h.hexdigest()


def _plausible_only(data: Mapping[str, Any]) -> dict[str, Any]:
    """The data with implausible observations blanked, so one absurd value cannot flatten a chart (the figures
    that used it are flagged implausible in the text)."""
    from report.series import SERIES

    out = {}
    for sid, s in data.items():
        info = SERIES.get(sid)
        if info is None or s.empty:
            out[sid] = s
            continue
        low, high = info.plausible
        out[sid] = s.where((s >= low) & (s <= high))  # NaN (missing) outside the range; inf and NaN fail both
    return out


def _context(
    inputs: EditionInputs, figs: Sequence[Figure], *, charts: Sequence[Chart], cat: Catalogue
) -> dict[str, Any]:
    from report.render.context import EditionMeta
    from report.render.context import build as build_context

    meta = EditionMeta(
        as_of=inputs.as_of,
        demo=inputs.demo,
        langs=inputs.settings.langs,
        version=__version__,
        generated=inputs.generated,
        qt_end=inputs.settings.qt_end,
        fomc=status(inputs.meetings, inputs.as_of),
        notes=inputs.notes,
        previous=inputs.previous,
        vintages=dict(inputs.vintages),
        calendar=inputs.source.calendar,
        upcoming=_week_ahead(inputs),
    )
    return build_context(figs, charts, meta=meta, cat=cat)


def _week_ahead(inputs: EditionInputs) -> list[Upcoming]:
    """The data releases from the edition to the next FOMC decision, and the first after it."""
    meeting = status(inputs.meetings, inputs.as_of).meeting
    return week_ahead(inputs.source.calendar, inputs.as_of, meeting.end if meeting else None)


def _page(env: Any, context: Mapping[str, Any], *, media: str, font: str) -> str:
    from report.render.templating import EDITION, render_template

    return render_template(env, EDITION, {**context, "media": media, "font": font})


def _pdf(html: str, doc: bytes, worker: PdfWorker | None) -> Callable[[], tuple[bytes, list[str]]]:
    """Start the PDF (in the worker when there is one); the result, called, waits for it."""
    from report.render.pdf import write_pdf

    attachments = {FIGURES: doc}
    return worker.submit(html, attachments) if worker is not None else lambda: write_pdf(html, attachments)


def _email_files(
    inputs: EditionInputs,
    *,
    env: Any,
    context: Mapping[str, Any],
    cat: Catalogue,
    pngs: Sequence[Chart],
    files: Mapping[str, bytes],
    stem: str,
) -> dict[str, bytes]:
    from report.render.email import compose, preview_html

    s = inputs.settings
    pdf_name = f"{stem}.pdf"
    pdf = (pdf_name, files[pdf_name]) if s.attach_pdf and pdf_name in files else None
    msg: EmailMessage = compose(
        env=env,
        context=context,
        cat=cat,
        mail=mail_settings(s),
        langs=s.langs,
        edition=inputs.name,
        html_name=f"{stem}.html" if "html" in s.formats else None,
        pngs=pngs,
        pdf=pdf,
    )
    return {"email.eml": msg.as_bytes(), "email.html": preview_html(msg).encode("utf-8")}


def _manifest(inputs: EditionInputs) -> dict[str, Any]:
    s = inputs.settings
    return {
        "edition": inputs.name,
        "as_of": inputs.as_of.isoformat(),
        "demo": inputs.demo,
        "langs": list(s.langs),
        "formats": list(s.formats),
        "version": __version__,
        "built_at": inputs.generated.isoformat(),
        "templates_sha256": tree_hash(resource_dir("templates")),
        "charts_sha256": tree_hash(resource_dir("charts")),
        "vintages": dict(inputs.vintages),
        "release_calendar": inputs.source.calendar.version,
        "previous": inputs.previous_name,
    }
