"""The brief's work as plain functions: open the store, compute figures, build an edition.

Data flows one way: store -> figures -> charts -> render -> (archive, deliver). Heavy libraries (pandas,
matplotlib, WeasyPrint) are imported inside the functions that need them, so ``--help`` and ``calendar`` start
fast.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report import __version__
from report.calendar import Meeting, load_calendar, status
from report.config import Settings
from report.errors import BriefError, DataError, RenderError, UsageError

if TYPE_CHECKING:
    from report.figures import Figure
    from report.render.context import Notes
    from report.render.pdf import PdfWorker
    from report.store import Store

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


_ORDER = {".html": 0, ".pdf": 1, ".eml": 2, ".json": 4, ".gz": 5}


def _ordered(folder: Path, names: Sequence[str]) -> tuple[Path, ...]:
    """Edition files, the outputs first, then figures.json, the snapshot and the manifest."""
    from report.archive import MANIFEST

    paths = [folder / n for n in [*names, MANIFEST]]
    return tuple(sorted(paths, key=lambda p: (p.name == MANIFEST, _ORDER.get(p.suffix, 3), p.name)))


@dataclass(frozen=True)
class Edition:
    """A built edition: where it is and what it holds."""

    folder: Path
    files: tuple[Path, ...]
    as_of: dt.date
    demo: bool
    warnings: tuple[str, ...]

    def file(self, suffix: str) -> Path:
        """The edition's file ending in ``suffix`` (".pdf", ".html", "figures.json")."""
        return next(p for p in self.files if p.name.endswith(suffix))


def open_store(settings: Settings, demo: bool, progress: Progress = _quiet) -> Store:
    """The demo store (generated on first use) or the real-data store."""
    from report.store import Store

    if demo:
        from report import demo as demo_data

        if not settings.demo_store_path.exists():
            progress(f"Generating the demo data set into {settings.demo_store_path}")
        return demo_data.ensure_store(settings.demo_store_path)
    if not settings.store_path.exists():
        raise DataError(
            f"no data store at {settings.store_path}: there is no real data yet; "
            "use --demo for the bundled demonstration data"
        )
    return Store(settings.store_path)


def default_as_of(demo: bool, today: dt.date | None = None) -> dt.date:
    """The demo data ends on its edition date; real editions default to today."""
    if demo:
        from report.demo import END

        return END
    return today or dt.date.today()


def check_not_future(as_of: dt.date, today: dt.date | None = None) -> None:
    """Reject an edition date after today: an edition can only use data already published."""
    today = today or dt.date.today()
    if as_of > today:
        raise UsageError(f"--as-of {as_of} is after today ({today}); an edition can only use published data")


def check_as_of(as_of: dt.date, store: Store, today: dt.date | None = None) -> None:
    """Reject an edition date after today, or before the store's data begins."""
    check_not_future(as_of, today)
    first = store.first_date()
    if first is None:
        raise DataError(f"the data store {store.path} holds no observations")
    if as_of < first:
        raise DataError(f"--as-of {as_of} is before the data begins ({first}); choose a later date")


def compute_figures(
    settings: Settings, store: Store, as_of: dt.date, meetings: Sequence[Meeting]
) -> tuple[list[Figure], dict[str, Any]]:
    """Load every input series as it stood on ``as_of`` and compute the key figures."""
    from report.figures import INPUT_SERIES, Context, compute_all
    from report.render.templating import catalogue

    data = store.load(INPUT_SERIES, as_of)
    ctx = Context(
        as_of=as_of, cat=catalogue(settings.templates_dir), meetings=tuple(meetings), **settings.assumptions()
    )
    return compute_all(data, ctx), dict(data)


def figures_document(figures: Sequence[Figure], as_of: dt.date, demo: bool) -> dict[str, Any]:
    """The stable JSON interface (docs/figures.md)."""
    return {
        "edition": as_of.isoformat(),
        "demo": demo,
        "version": __version__,
        "figures": [f.to_json() for f in figures],
    }


def figures(
    settings: Settings, demo: bool, as_of: dt.date | None = None, progress: Progress = _quiet
) -> tuple[dt.date, list[Figure]]:
    """The key figures for an edition date."""
    meetings = load_calendar(settings.fomc_calendar)
    with open_store(settings, demo, progress) as store:
        day = as_of or default_as_of(demo)
        check_as_of(day, store)
        figs, _ = compute_figures(settings, store, day, meetings)
    return day, figs


def edition_name(as_of: dt.date, demo: bool, langs: Sequence[str]) -> str:
    """Folder name of an edition: 2025-12-08, 2025-12-08-demo, 2025-12-08-demo-en."""
    name = as_of.isoformat() + ("-demo" if demo else "")
    if tuple(langs) != ("zh-Hant", "en"):
        name += "-" + "-".join(langs)
    return name


def _move_into_place(tmp: Path, target: Path) -> None:
    """Swap the finished edition in; an older build of the same edition is replaced only once the new one is whole."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _prepare_out_dir(out_dir: Path) -> None:
    from report.archive import editions_dir

    try:
        editions_dir(out_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot create the output folder {out_dir}: {exc.strerror or exc}") from exc
    if not os.access(editions_dir(out_dir), os.W_OK | os.X_OK):
        raise RenderError(f"the output folder {out_dir} is not writable")
    _sweep(editions_dir(out_dir))


STALE_SECONDS = 3600


def _sweep(root: Path) -> None:
    """Remove what a killed build left behind (hidden temp folders and snapshots over an hour old)."""
    import time

    for p in root.glob(".*"):
        if (".tmp-" in p.name or p.name.startswith(".snapshot-")) and time.time() - p.stat().st_mtime > STALE_SECONDS:
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


@dataclass(frozen=True)
class Rebuild:
    """What a rebuild from an archived edition takes over from it."""

    snapshot: Path
    generated: dt.datetime
    previous: dict[str, Any] | None  # the previous edition's figures.json, as at the original build


def build(
    settings: Settings,
    demo: bool,
    as_of: dt.date | None = None,
    notes_path: Path | None = None,
    progress: Progress = _quiet,
    force: bool = False,
    parallel: bool = True,
    rebuild: Rebuild | None = None,
    previous_as_of: dt.date | None = None,
) -> Edition:
    """Build one edition into ``out_dir/editions/<name>/``, atomically; an existing edition is kept as it is
    (``force`` builds a new revision beside it). ``parallel=False`` draws charts and the PDF in this process."""
    from report import archive
    from report.notes import load_notes
    from report.render.pdf import PdfWorker, harfbuzz_subset_available, require_font

    notes = load_notes(notes_path) if notes_path is not None else None  # fail before any work
    meetings = load_calendar(settings.fomc_calendar)
    day = as_of or default_as_of(demo)
    check_not_future(day)  # before anything is written or started
    base = edition_name(day, demo, settings.langs)
    existing = archive.latest(settings.out_dir, base)
    if existing is not None and not force and rebuild is None:
        files = _ordered(existing.folder, list(existing.manifest().get("files", {})))
        return Edition(existing.folder, files, day, demo, ("already built; use --force for a new revision",))
    warnings: list[str] = []
    if "pdf" in settings.formats:
        require_font(settings.cjk_font)
        if not harfbuzz_subset_available():
            warnings.append("libharfbuzz-subset0 is not installed: the PDF will take much longer to write")
    _prepare_out_dir(settings.out_dir)
    pdf_worker = PdfWorker(fork=parallel) if "pdf" in settings.formats else None
    try:
        return _build(
            settings, demo, day, notes, meetings, pdf_worker, warnings, progress, parallel, rebuild, previous_as_of
        )
    finally:
        if pdf_worker is not None:
            pdf_worker.close()


def _build(
    settings: Settings,
    demo: bool,
    day: dt.date,
    notes: Notes | None,
    meetings: Sequence[Meeting],
    pdf_worker: PdfWorker | None,
    warnings: list[str],
    progress: Progress,
    parallel: bool,
    rebuild: Rebuild | None,
    previous_as_of: dt.date | None = None,
) -> Edition:
    from report import archive
    from report.figures import INPUT_SERIES

    base = edition_name(day, demo, settings.langs)
    source = archive.SnapshotStore(rebuild.snapshot) if rebuild else open_store(settings, demo, progress)
    with source as store:
        check_as_of(day, store)  # type: ignore[arg-type]
        progress(f"Computing figures as of {day}")
        figs, data = compute_figures(settings, store, day, meetings)  # type: ignore[arg-type]
        computed_prev = None
        if previous_as_of is not None and rebuild is None:  # backfill: the previous date, point in time
            prev_figs, _ = compute_figures(settings, store, previous_as_of, meetings)  # type: ignore[arg-type]
            computed_prev = json.loads(json.dumps(figures_document(prev_figs, previous_as_of, demo)))
        if rebuild is None:
            tmp_snapshot = Path(tempfile.mkstemp(prefix=".snapshot-", dir=archive.editions_dir(settings.out_dir))[1])
            vintages = archive.write_snapshot(tmp_snapshot, store, INPUT_SERIES, day)  # type: ignore[arg-type]
        else:
            tmp_snapshot, vintages = rebuild.snapshot, {}

    from report.charts import ChartJob, ChartSettings
    from report.render.email import EMAIL_CHARTS
    from report.resources import resource_dir

    progress("Drawing charts")
    chart_settings = ChartSettings(
        settings.langs,
        resource_dir("charts"),
        day,
        settings.miner_efficiency_j_per_th,
        settings.power_usd_per_kwh,
        settings.cjk_font,
    )
    job = ChartJob(
        data,
        figs,
        chart_settings,
        workers=2 if parallel else 1,
        png_ids=EMAIL_CHARTS if "email" in settings.formats else (),
    )
    # while the chart workers draw, load the renderers
    from report.render.context import EditionMeta
    from report.render.context import build as build_context
    from report.render.templating import catalogue, environment, render

    cat = catalogue(settings.templates_dir)
    env = environment(settings.templates_dir)
    suffix = base.removeprefix(day.isoformat())
    prev_ref = None if rebuild or computed_prev else archive.previous(settings.out_dir, day, demo, suffix)
    if rebuild:
        prev_doc = rebuild.previous
    elif computed_prev is not None:
        prev_doc = computed_prev
    else:
        prev_doc = _read_json(prev_ref.folder / "figures.json") if prev_ref else None
    charts, pngs = job.result()
    generated = rebuild.generated if rebuild else dt.datetime.now(dt.UTC).replace(microsecond=0)
    meta = EditionMeta(
        as_of=day,
        demo=demo,
        langs=settings.langs,
        version=__version__,
        generated=generated,
        qt_end=settings.qt_end,
        fomc=status(meetings, day),
        notes=notes,
        previous=prev_doc,
    )
    context = build_context(figs, charts, meta, cat)

    out_root = archive.editions_dir(settings.out_dir)
    name = archive.next_name(settings.out_dir, base) if rebuild is None else base
    target = out_root / name
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=out_root))
    try:
        tmp.chmod(0o755)
        stem = f"liquidity-brief-{base}"
        doc = figures_document(figs, day, demo)
        doc_bytes = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        (tmp / "figures.json").write_bytes(doc_bytes)
        if "html" in settings.formats:
            progress("Writing the HTML page")
            (tmp / f"{stem}.html").write_text(render(env, context, "html", settings.cjk_font), encoding="utf-8")
        if pdf_worker is not None:
            progress("Laying out the PDF")
            html = render(env, context, "pdf", settings.cjk_font)
            warnings += pdf_worker.write(html, tmp / f"{stem}.pdf", tmp, {"figures.json": doc_bytes})
        if "email" in settings.formats:
            progress("Writing the e-mail")
            pdf_path = tmp / f"{stem}.pdf"
            pdf = (pdf_path.name, pdf_path.read_bytes()) if settings.attach_pdf and pdf_path.exists() else None
            msg = _email(settings, env, context, cat, figs, pngs, name, f"{stem}.html", pdf)
            from report.render.email import preview_html

            (tmp / "email.eml").write_bytes(msg.as_bytes())
            (tmp / "email.html").write_text(preview_html(msg), encoding="utf-8")
        if rebuild is None:
            os.replace(tmp_snapshot, tmp / archive.SNAPSHOT)
            if prev_doc is not None:  # what "since the last edition" compared with, for rebuilds
                (tmp / "previous.json").write_text(json.dumps(prev_doc, ensure_ascii=False), encoding="utf-8")
            if notes is not None:
                (tmp / "notes.json").write_text(
                    json.dumps(
                        {"title": dict(notes.title), "paragraphs": {k: list(v) for k, v in notes.paragraphs.items()}},
                        ensure_ascii=False,
                    ),
                    encoding="utf-8",
                )
        manifest = archive.write_manifest(
            tmp,
            {
                "edition": name,
                "as_of": day.isoformat(),
                "demo": demo,
                "langs": list(settings.langs),
                "formats": list(settings.formats),
                "version": __version__,
                "built_at": generated.isoformat(),
                "templates_sha256": archive.tree_hash(resource_dir("templates")),
                "charts_sha256": archive.tree_hash(resource_dir("charts")),
                "vintages": vintages,
                "previous": prev_ref.name if prev_ref else None,
            },
        )
        if rebuild is not None:
            return Edition(tmp, _ordered(tmp, list(manifest["files"])), day, demo, tuple(warnings))
        _move_into_place(tmp, target)
    except OSError as exc:
        raise RenderError(f"writing the edition into {settings.out_dir} failed: {exc.strerror or exc}") from exc
    finally:
        if rebuild is None:
            shutil.rmtree(tmp, ignore_errors=True)
            Path(tmp_snapshot).unlink(missing_ok=True)
    return Edition(target, _ordered(target, list(manifest["files"])), day, demo, tuple(warnings))


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def editions_root(settings: Settings) -> Path:
    """Where the editions are archived."""
    from report.archive import editions_dir

    return editions_dir(settings.out_dir)


def backfill_dates(start: dt.date, end: dt.date, every: str, meetings: Sequence[Meeting]) -> list[dt.date]:
    """Edition dates: every Friday, or the day before each FOMC meeting (the pre-FOMC edition)."""
    if every == "fomc":
        return [m.start - dt.timedelta(days=1) for m in meetings if start <= m.start - dt.timedelta(days=1) <= end]
    first = start + dt.timedelta(days=(4 - start.weekday()) % 7)
    return [first + dt.timedelta(weeks=k) for k in range((end - first).days // 7 + 1)] if first <= end else []


def _backfill_one(settings: Settings, demo: bool, day: dt.date, prev: dt.date | None) -> tuple[dt.date, str | None]:
    try:
        build(settings, demo, day, parallel=False, previous_as_of=prev)
    except BriefError as exc:
        return day, str(exc)
    return day, None


def backfill(
    settings: Settings,
    demo: bool,
    dates: Sequence[dt.date],
    jobs: int = 2,
    on_done: Callable[[dt.date, str | None], None] | None = None,
) -> dict[dt.date, str | None]:
    """Build past editions point in time, ``jobs`` at a time; editions already built are skipped (resumable) and a
    failure is reported while the rest go on. Each edition compares itself with the previous date in ``dates``."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from report.archive import latest

    todo = []
    results: dict[dt.date, str | None] = {}
    ordered = sorted(dates)
    for i, day in enumerate(ordered):
        prev = ordered[i - 1] if i else None
        if latest(settings.out_dir, edition_name(day, demo, settings.langs)) is not None:
            results[day] = "already built"
            if on_done:
                on_done(day, "already built")
            continue
        todo.append((day, prev))
    if demo:
        open_store(settings, demo).close()  # generate the demo store once, before the workers
    if jobs <= 1 or "fork" not in mp.get_all_start_methods():
        for day, prev in todo:
            results[day] = _backfill_one(settings, demo, day, prev)[1]
            if on_done:
                on_done(day, results[day])
        return results
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("fork")) as pool:
        futures = [pool.submit(_backfill_one, settings, demo, day, prev) for day, prev in todo]
        for fut in as_completed(futures):
            day, error = fut.result()
            results[day] = error
            if on_done:
                on_done(day, error)
    return results


def rebuild_check(settings: Settings, ref: str) -> tuple[Path, list[str]]:
    """Rebuild an archived edition from its own snapshot and compare figures.json and the PDF text."""
    import subprocess

    from report import archive

    r = archive.find(settings.out_dir, ref)
    m = r.manifest()
    if not m or not (r.folder / archive.SNAPSHOT).is_file():
        raise DataError(f"{r.name} has no manifest or data snapshot: it predates the archive and cannot be rebuilt")
    notes = _read_json(r.folder / "notes.json")
    work = Path(tempfile.mkdtemp(prefix="brief-rebuild-"))
    try:
        s = settings.replace(
            langs=tuple(m["langs"]), formats=tuple(f for f in m["formats"] if f != "email"), out_dir=work
        )
        notes_path = None
        if notes is not None:
            notes_path = work / "notes.yaml"
            import yaml

            notes_path.write_text(
                yaml.safe_dump(
                    {"title": notes["title"], "body": {k: "\n\n".join(v) for k, v in notes["paragraphs"].items()}},
                    allow_unicode=True,
                ),
                encoding="utf-8",
            )
        redo = build(
            s,
            bool(m["demo"]),
            dt.date.fromisoformat(m["as_of"]),
            notes_path=notes_path,
            rebuild=Rebuild(
                r.folder / archive.SNAPSHOT,
                dt.datetime.fromisoformat(m["built_at"]),
                _read_json(r.folder / "previous.json"),
            ),
        )
        differences = []
        if _read_json(r.folder / "figures.json") != _read_json(redo.folder / "figures.json"):
            differences.append("figures.json differs")
        pdfs = sorted(r.folder.glob("*.pdf")), sorted(redo.folder.glob("*.pdf"))
        if pdfs[0] and pdfs[1]:
            if shutil.which("pdftotext") is None:
                raise RenderError("pdftotext (Debian poppler-utils) is needed to compare the PDF text")
            texts = [
                subprocess.run(
                    ["pdftotext", "-layout", str(p[0]), "-"], capture_output=True, text=True, check=True
                ).stdout
                for p in pdfs
            ]
            if texts[0] != texts[1]:
                differences.append("the PDF text differs")
        return r.folder, differences
    finally:
        shutil.rmtree(work, ignore_errors=True)


def import_data(settings: Settings, paths: Sequence[Path], series: str | None = None) -> tuple[list[Any], list[Any]]:
    """Import CSV files into the real-data store, each file in one transaction."""
    from report.sources.imports import import_files
    from report.store import Store

    with Store(settings.store_path) as store:
        return import_files(store, paths, series)


def mail_settings(settings: Settings) -> Any:
    """Sender and list settings for the newsletter."""
    from report.render.email import MailSettings

    return MailSettings(
        settings.email_from,
        settings.email_reply_to,
        settings.public_url,
        settings.unsubscribe_url,
        settings.unsubscribe_mailto,
    )


def _email(
    settings: Settings,
    env: Any,
    context: dict[str, Any],
    cat: Any,
    figs: Sequence[Figure],
    pngs: Sequence[Any],
    edition: str,
    html_name: str,
    pdf: tuple[str, bytes] | None,
) -> Any:
    """Render the newsletter for one edition (HTML with CSS inlined, text part, PNG charts by cid:)."""
    from report.render.email import (
        EMAIL_CHARTS,
        build_message,
        check_size,
        cid_for,
        domain_of,
        inline_css,
        plain_text,
        subject,
        view_url,
    )

    mail = mail_settings(settings)
    langs = settings.langs
    url = view_url(mail, edition, html_name) if "html" in settings.formats else None
    domain = domain_of(mail.sender)
    cids = {c.id: cid_for(c.id, edition, domain) for c in pngs}
    fomc = next((f for f in figs if f.key == "days_to_fomc" and f.available), None)
    from report.i18n import date as fmt_date

    day = dt.date.fromisoformat(context["edition_date"])
    date_text = {lang: fmt_date(day, lang) for lang in langs}
    subj = subject(cat, langs, date_text, {lang: fomc.formatted(lang) for lang in langs} if fomc else None)
    unsubscribe = mail.unsubscribe_url or (f"mailto:{mail.unsubscribe_mailto}" if mail.unsubscribe_mailto else None)
    preheader = " · ".join(f"{row['label'][langs[0]]} {row['value'][langs[0]]}" for row in context["headline"][:4])
    html = env.get_template("email.html.j2").render(
        **context,
        subject=subj,
        preheader=preheader,
        view_url=url,
        email_charts=EMAIL_CHARTS,
        cids=cids,
        t_email={k: cat.both(k) for k in cat.strings if k.startswith("email.")},
        unsubscribe_link=unsubscribe,
    )
    msg = build_message(
        subject_line=subj,
        html=inline_css(html),
        text=plain_text(context, cat, langs, url, unsubscribe),
        pngs={cids[c.id]: c.data for c in pngs},
        mail=mail,
        edition=edition,
        pdf=pdf,
    )
    check_size(msg, with_pdf=pdf is not None)
    return msg


@dataclass
class FetchReport:
    """What a fetch did, series by series."""

    fetched: dict[str, int]
    unchanged: list[str]
    failed: dict[str, str]
    requests: dict[str, int]


def providers(settings: Settings, vintages: bool = False) -> tuple[list[Any], dict[str, str]]:
    """The providers to ask, and the series that cannot be fetched (with why)."""
    from report.sources.bgeometrics import BGeometricsProvider
    from report.sources.fred import SERIES as FRED_SERIES
    from report.sources.fred import FredProvider
    from report.sources.glassnode import GlassnodeProvider
    from report.sources.http import Client
    from report.sources.mempool import MempoolProvider

    t = settings.http_timeout
    chosen: list[Any] = []
    missing: dict[str, str] = {}
    if settings.fred_api_key:
        chosen.append(FredProvider(settings.fred_api_key, Client("FRED", 0.5, t), settings.fred_url, vintages))
    else:
        missing = dict.fromkeys(FRED_SERIES, "FRED: no API key; set FRED_API_KEY or fred.api_key in brief.toml")
    chosen.append(MempoolProvider(Client("mempool.space", 1.0, t), settings.mempool_url))
    if settings.glassnode_api_key:
        chosen.append(
            GlassnodeProvider(settings.glassnode_api_key, Client("Glassnode", 1.0, t), settings.glassnode_url)
        )
    else:
        chosen.append(BGeometricsProvider(Client("BGeometrics", 6.0, t, retries=1), settings.bgeometrics_url))
    return chosen, missing


def fetch(
    settings: Settings,
    series: Sequence[str] | None = None,
    since: dt.date | None = None,
    vintages: bool = False,
    on_series: Callable[[str, str], None] | None = None,
    chosen: tuple[list[Any], dict[str, str]] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> FetchReport:
    """Fill the real-data store from every provider; one that fails leaves the others fetched.

    Incremental: each series is asked only for observations from its last stored date on, and FRED skips a series
    whose last_updated stamp is unchanged. CBBTCUSD falls back to CoinGecko's price when FRED cannot deliver it.
    """
    from report.series import SERIES
    from report.sources.coingecko import CoinGeckoProvider
    from report.sources.http import Client, FetchError
    from report.store import Store

    provs, missing = chosen or providers(settings, vintages)
    wanted = set(series) if series else None
    report = FetchReport({}, [], {}, {})
    report.failed.update({sid: why for sid, why in missing.items() if wanted is None or sid in wanted})
    plan = [(p, sid) for p in provs for sid in p.series_ids() if wanted is None or sid in wanted]

    def price_fallback() -> None:
        plan.append(
            (CoinGeckoProvider(Client("CoinGecko", 2.0, settings.http_timeout), settings.coingecko_url), "BTC_PRICE")
        )

    if (wanted is None or "CBBTCUSD" in wanted or "BTC_PRICE" in wanted) and not any(
        sid == "CBBTCUSD" for _, sid in plan
    ):
        price_fallback()
    if on_start:
        on_start(len(plan))
    down: dict[str, str] = {}
    with Store(settings.store_path) as store:
        for provider, sid in plan:
            if on_series:
                on_series(sid, provider.name)
            if provider.name in down:
                report.failed[sid] = f"skipped: {provider.name} could not be reached ({down[provider.name]})"
                if sid == "CBBTCUSD":  # FRED cannot deliver the price: ask CoinGecko
                    price_fallback()
                continue
            try:
                got = provider.fetch(sid, since or store.last_date(sid), None if since else store.source_updated(sid))
                if got is None:
                    report.unchanged.append(sid)
                    continue
                with store.transaction() as db:
                    report.fetched[sid] = store.write_series(db, SERIES[sid], got.rows, got.vintages)
                    if got.stamp:
                        store.set_source_updated(db, sid, got.stamp)
            except FetchError as exc:
                report.failed[sid] = str(exc)
                if exc.unreachable:
                    down[provider.name] = str(exc)
                if sid == "CBBTCUSD":
                    price_fallback()
        for provider in {id(p): p for p, _ in plan}.values():
            report.requests[provider.name] = report.requests.get(provider.name, 0) + provider.client.requests
    return report


def edition_folder(settings: Settings, ref: str) -> Path:
    """An edition given as a folder path, a name (2025-12-08-demo.r2) or a date, under ``out_dir/editions``."""
    from report.archive import find

    return find(settings.out_dir, ref).folder


def send(
    settings: Settings,
    edition_ref: str,
    to: str,
    dry_run: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_sent: Callable[[str], None] | None = None,
) -> Any:
    """Send an edition's e-mail to each reader once (the ledger in the store remembers who was served)."""
    from report.deliver import SmtpSettings, read_recipients
    from report.deliver import send as deliver
    from report.render.email import load
    from report.store import Store

    folder = edition_folder(settings, edition_ref)
    eml = folder / "email.eml"
    if not eml.is_file():
        raise UsageError(f"{folder} has no email.eml; build it with --format email")
    template = load(eml.read_bytes())
    recipients, invalid = read_recipients(to)
    smtp = SmtpSettings(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_security,
        settings.smtp_user,
        settings.smtp_password,
        settings.smtp_cafile,
        settings.smtp_timeout,
        settings.send_pace,
    )
    with Store(settings.store_path) as ledger:
        pending = len(recipients) - len(ledger.sent_to(folder.name) & {r.lower() for r in recipients})
        if on_start:
            on_start(pending)
        report = deliver(
            template, folder.name, recipients, ledger, smtp, on_sent, dry_run=folder / "outbox" if dry_run else None
        )
    report.invalid.update(invalid)
    return report


def cron_lines(meetings: Sequence[Meeting], today: dt.date, workdir: Path, brief: str) -> list[str]:
    """Crontab lines: `brief run` every Monday at 07:00, and at 07:00 on the Friday before each coming meeting.

    cron has no year field, so each meeting's line checks the year itself.
    """
    import shlex

    cmd = f"cd {shlex.quote(str(workdir))} && {brief} run >> brief-run.log 2>&1"
    lines = [
        "# Liquidity Brief: the weekly edition, Mondays 07:00",
        f"0 7 * * 1 {cmd}",
        "# and on the Friday before each FOMC meeting (the pre-FOMC edition for the desk)",
    ]
    for m in meetings:
        friday = m.start - dt.timedelta(days=(m.start.weekday() - 4) % 7 or 7)
        if friday >= today:
            lines.append(
                f'0 7 {friday.day} {friday.month} * [ "$(date +\\%Y)" = "{friday.year}" ] && {cmd}'
                f"  # meeting {m.start.isoformat()}"
            )
    return lines


def calendar(settings: Settings) -> list[Meeting]:
    """The FOMC meetings of the bundled (or configured) calendar."""
    return load_calendar(settings.fomc_calendar)
