"""The ``brief`` command line: thin glue over ``report.pipeline``. The only module that imports click and prints.

Every BriefError that reaches a command is printed as one line and mapped to its exit code by ``BriefGroup``, the
single handler, through ``report.errors.exit_status`` (0 ok, 1 a failure the message explains, 2 bad arguments,
130 interrupted).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from report import __version__
from report.config import FORMATS, LANGUAGES, Settings, load_settings, parse_list
from report.errors import BriefError, ConfigError, NotesError, PartialFailure, UsageError, exit_status

if TYPE_CHECKING:
    from report.pipeline.backfill import Every
    from report.releases import Upcoming


@dataclass
class State:
    """Options of the ``brief`` group, handed to every command."""

    verbose: bool = False
    config: Path | None = None
    data_dir: Path | None = None
    started: float = field(default_factory=time.perf_counter)

    def settings(self, **overrides: Any) -> Settings:
        """Settings merged from defaults, brief.toml, the environment and these command-line options."""
        return load_settings(self.config, overrides={"data_dir": self.data_dir, **overrides})

    def progress(self, message: str) -> None:
        """Progress on standard error, so standard output stays clean for paths and JSON."""
        elapsed = f"[{time.perf_counter() - self.started:5.1f}s] " if self.verbose else ""
        click.echo(f"{elapsed}· {message}", err=True)


class BriefGroup(click.Group):
    """The single error handler: a BriefError becomes one line on standard error and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            # a command line that cron or a timer got wrong belongs in the log like any other error: stamped, and
            # in --log-file (an unknown command is found before the group's callback has set the log up)
            if _LOGGING not in ctx.meta:
                with contextlib.suppress(click.UsageError):
                    _log_to(ctx, ctx.params.get("log_file"))
            exc.show(file=sys.stderr)
            ctx.exit(exc.exit_code)
        except BriefError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exit_status(exc))
        except OSError as exc:  # what the system refused and no layer foresaw (a name too long): one line, not a trace
            where = f" ({click.format_filename(exc.filename)})" if exc.filename is not None else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt as exc:
            click.echo("Interrupted.", err=True)
            ctx.exit(exit_status(exc))


def _list_option(allowed: tuple[str, ...], what: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        try:
            return parse_list(value, allowed, what)
        except ConfigError as exc:
            raise click.BadParameter(str(exc)) from exc

    return callback


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from exc


def _locked(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command that writes holding the data folder's lock (report/lock.py); adds --no-wait."""

    @functools.wraps(fn)
    def wrapper(state: State, *args: Any, no_wait: bool, **kwargs: Any) -> Any:
        from report.lock import data_lock

        with data_lock(state.settings().data_dir, wait=not no_wait, on_wait=state.progress):
            return fn(state, *args, **kwargs)

    return click.option(
        "--no-wait",
        is_flag=True,
        help="If another brief command is using the data folder, stop at once instead of waiting for it.",
    )(wrapper)


as_of_option = click.option(
    "--as-of",
    callback=_date,
    metavar="DATE",
    help="Edition date (YYYY-MM-DD): only data published by then is used. Default: today, or 2025-12-08 with --demo.",
)
demo_option = click.option("--demo", is_flag=True, help="Use the bundled demonstration data, not market data.")
notes_option = click.option(
    "--notes",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Bilingual editorial notes: YAML, or Markdown with front matter; live figures and claims (docs/notes.md).",
)


def _examples(*lines: str) -> str:
    """A command's epilog: its examples, one a line. The line holding only \\b stops Click from re-wrapping the
    paragraph after it to the terminal's width, so each example stays on one line and can be copied as printed."""
    return ("Examples" if len(lines) > 1 else "Example") + ":\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


@click.group(
    cls=BriefGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=_examples("brief build --demo"),
)
@click.version_option(__version__, "--version", prog_name="brief")
@click.option("-v", "--verbose", is_flag=True, help="Show timings with the progress messages.")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Settings file (default: ./brief.toml, or $BRIEF_CONFIG).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Where the data stores live (default: the user data folder, or $BRIEF_DATA_DIR).",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also append every line to FILE, each with its time (ISO 8601): progress, warnings and errors, and what "
    "standard output printed (edition paths, sent: lines).",
)
@click.pass_context
def cli(ctx: click.Context, verbose: bool, config: Path | None, data_dir: Path | None, log_file: Path | None) -> None:
    """Liquidity Brief (流動性週報): a bilingual weekly macro-liquidity and bitcoin brief.

    Builds a Traditional Chinese + English edition (PDF and HTML) from FRED and bitcoin data, with every figure's
    source and observation date. When standard error is not a terminal (cron, systemd, a pipe), each line written
    there starts with the time in ISO 8601.
    """
    _log_to(ctx, log_file)
    ctx.obj = State(verbose=verbose, config=config, data_dir=data_dir)


_LOGGING = "brief.logging"  # ctx.meta key: standard error has been made a log (or that was tried)


def _log_to(ctx: click.Context, log_file: Path | None) -> None:
    """Make standard error a log for this command: stamped when no terminal watches it, copied into ``log_file``."""
    from report.logs import LogFile, LogStream

    ctx.meta[_LOGGING] = True  # tried once: a log file that cannot be opened is not tried again for its error
    stamp = not sys.stderr.isatty()
    if not stamp and log_file is None:
        return
    copy = None
    unopened = None
    if log_file is not None:
        try:
            copy = LogFile(log_file.expanduser(), warn=lambda message: sys.stderr.write(message))
        except OSError as exc:  # as a log that fails midway: said once, and the command goes on (a send too)
            where = click.format_filename(log_file)  # a name that is not UTF-8 is shown, not crashed on
            unopened = (
                f"warning: cannot open the log file {where} ({exc.strerror or exc}); the command goes on without it"
            )
        else:
            ctx.call_on_close(copy.close)
    original = sys.stderr
    stream = LogStream(original, stamp=stamp, copy=copy)
    sys.stderr = stream
    if unopened is not None:
        click.echo(unopened, err=True)
    out = sys.stdout
    if copy is not None:  # the log also keeps what a run printed for scripts (edition paths, readers served)
        sys.stdout = LogStream(out, stamp=False, copy=copy)

    def restore() -> None:
        stream.close()
        if sys.stdout is not out:
            sys.stdout.close()
        sys.stderr, sys.stdout = original, out

    ctx.call_on_close(restore)


@cli.command(epilog=_examples("brief build --demo", "brief build --demo --lang en --format html --out /tmp/ed"))
@as_of_option
@click.option(
    "--lang",
    "langs",
    callback=_list_option(LANGUAGES, "language"),
    metavar="LANGS",
    help="Languages, comma-separated: zh-Hant,en (default both).",
)
@click.option(
    "--format",
    "formats",
    callback=_list_option(FORMATS, "format"),
    metavar="FORMATS",
    help="Outputs, comma-separated: pdf, html, email (default pdf,html; email adds the newsletter).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Folder the edition folder is written into (default: ./output).",
)
@notes_option
@click.option("--attach-pdf", is_flag=True, default=None, help="Attach the PDF to the e-mail (with --format email).")
@click.option("--force", is_flag=True, help="Build again although the edition exists: a new revision (DATE.r2).")
@click.option("--strict", is_flag=True, help="Fail (and archive nothing) when a claim in the notes does not hold.")
@demo_option
@click.pass_obj
@_locked
def build(
    state: State,
    as_of: dt.date | None,
    langs: tuple[str, ...] | None,
    formats: tuple[str, ...] | None,
    out_dir: Path | None,
    notes: Path | None,
    attach_pdf: bool | None,
    force: bool,
    strict: bool,
    demo: bool,
) -> None:
    """Build an edition: PDF/A and standalone HTML in both languages, figures.json, a data snapshot and a manifest.

    The edition is written to a temporary folder and moved into OUT/editions/DATE[-demo] only when complete. An
    existing edition is never overwritten: it is reported as it is, and --force builds a new revision beside it.
    """
    from report.render.pdf import PdfWorker

    settings = state.settings(langs=langs, formats=formats, out_dir=out_dir, attach_pdf=attach_pdf)
    # the PDF worker starts before pandas and the rest are imported here, so that its import of WeasyPrint is done
    # by the time the page is ready to lay out
    with PdfWorker(fork="pdf" in settings.formats) as worker:
        from report.pipeline.build import BuildStatus
        from report.pipeline.build import build as build_edition

        edition = build_edition(
            settings,
            demo=demo,
            as_of=as_of,
            notes_path=notes,
            progress=state.progress,
            force=force,
            strict=strict,
            worker=worker if "pdf" in settings.formats else None,
        )
    if edition.status is BuildStatus.EXISTING:
        click.echo("Already built; use --force for a new revision.", err=True)
    for warning in edition.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"Edition {edition.as_of}{' (demo data)' if edition.demo else ''} written to {edition.folder}:",
        err=True,
    )
    for path in edition.files:
        click.echo(str(path))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _table(rows: Sequence[Sequence[str]], indent: str = "") -> None:
    """Rows as aligned columns (Chinese counted two columns wide), the first row being the header."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        click.echo(indent + "  ".join(_pad(cell, w) for cell, w in zip(r, widths, strict=True)).rstrip())


@cli.command(epilog=_examples("brief figures --demo", "brief figures --demo --format json --as-of 2025-06-30"))
@as_of_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A terminal table or the JSON interface documented in docs/figures.md.",
)
@demo_option
@click.pass_obj
def figures(state: State, as_of: dt.date | None, fmt: str, demo: bool) -> None:
    """Print the key figures with their values, observation dates and sources."""
    from report.edition import figures_document
    from report.pipeline.build import figures as key_figures

    settings = state.settings()
    day, figs, seen = key_figures(settings, demo=demo, as_of=as_of, progress=state.progress)
    if fmt == "json":
        click.echo(json.dumps(figures_document(figs, day, demo=demo, seen=seen), ensure_ascii=False, indent=2))
        return
    rows = [("key", "figure", "value", "數值", "observed", "status")]
    for f in figs:
        rows.append(
            (
                f.key,
                f.label["en"],
                f.formatted("en"),
                f.formatted("zh-Hant"),
                f.observed.isoformat() if f.observed else "—",
                f.status,
            )
        )
    click.echo(f"Key figures for {day}{' (DEMONSTRATION DATA, not market data)' if demo else ''}")
    _table(rows)
    for f in figs:
        if f.reason:
            click.echo(f"{f.key}: {f.reason['en']}")


@cli.command(
    epilog=_examples("brief calendar --year 2026", "brief calendar --releases --from 2025-12-01 --to 2025-12-31")
)
@click.option("--year", type=click.IntRange(1900, 2100), help="Year to list (default: this year).")
@click.option("--cron", is_flag=True, help="Print crontab lines that run `brief run` weekly and before each meeting.")
@click.option("--releases", "show_releases", is_flag=True, help="List the data releases (payrolls, CPI, JOLTS, ...).")
@click.option(
    "--from", "start", callback=_date, metavar="YYYY-MM-DD", help="With --releases: first day (default: today)."
)
@click.option(
    "--to",
    "end",
    callback=_date,
    metavar="YYYY-MM-DD",
    help="With --releases: last day (default: 30 days after --from).",
)
@click.pass_obj
def calendar(
    state: State, year: int | None, cron: bool, show_releases: bool, start: dt.date | None, end: dt.date | None
) -> None:
    """List FOMC meetings: * marks a Summary of Economic Projections (dot plot); the next meeting and its blackout.

    The calendar is data (report/data/fomc_calendar.csv); point fomc_calendar in brief.toml or
    BRIEF_FOMC_CALENDAR at your own copy to update it. With --releases, the data releases instead: the actual
    dates around the 2025 shutdown, the dates `brief fetch` stored from FRED, else each agency's regular schedule.
    """
    from report.pipeline import calendar as fomc

    settings = state.settings()
    today = dt.date.today()
    if show_releases:
        _print_releases(fomc.releases(settings, start or today, end or (start or today) + dt.timedelta(days=30)))
        return
    if start or end:
        raise click.UsageError("--from and --to go with --releases")
    if cron:
        for line in fomc.cron_lines(fomc.meetings(settings), today=today, workdir=Path.cwd(), brief=_brief_command()):
            click.echo(line)
        return
    year = year or today.year
    listed, st = fomc.year(settings, year, today)
    click.echo(f"FOMC meetings {year}  (* = projections / dot plot)")
    for m in listed:
        days = (
            f"{m.start:%b} {m.start.day}-{m.end.day}"
            if m.start.month == m.end.month
            else f"{m.start:%b} {m.start.day}-{m.end:%b} {m.end.day}"
        )
        mark = "*" if m.projections else " "
        note = ""
        if st.meeting == m:
            decision = (m.end - today).days
            note = f"  <- next: decision in {decision} days; blackout {m.blackout_start} to {m.blackout_end}"
            if st.in_blackout:
                note += " (in blackout now)"
        click.echo(f"  {m.start.isoformat()}  {days:<14}{mark}{note}")
    if st.meeting is None:
        click.echo(f"No meeting known after {st.last_known}: update the calendar file.")


@cli.command(
    epilog=_examples(
        "FRED_API_KEY=... brief fetch",
        "brief fetch --series WRESBAL,WALCL --since 2025-01-01",
        "brief fetch --vintages",
    )
)
@click.option("--series", "series_csv", metavar="IDS", help="Only these series, comma-separated (default: all).")
@click.option(
    "--since",
    callback=_date,
    metavar="DATE",
    help="Ask for observations from DATE on (default: from the last stored observation of each series).",
)
@click.option(
    "--vintages",
    is_flag=True,
    help="Store ALFRED real-time periods for revised series (PAYEMS, M2SL, GDP, JTSJOL, PCEPILFE, CPIAUCSL, UNRATE).",
)
@click.pass_obj
@_locked
def fetch(state: State, series_csv: str | None, since: dt.date | None, vintages: bool) -> None:
    """Fetch the latest data into the store: FRED (key in FRED_API_KEY), mempool.space, BGeometrics or Glassnode.

    Incremental and paced to each provider's limits; a provider that fails leaves the rest fetched and is reported
    at the end. Exit code 1 if anything failed.
    """
    from report.pipeline.common import check_series_ids
    from report.pipeline.fetch import fetch as fetch_data

    wanted = check_series_ids(series_csv.split(",")) if series_csv else None
    settings = state.settings()
    with click.progressbar(
        length=0, label="Fetching", file=sys.stderr, show_pos=True, item_show_func=lambda x: x
    ) as bar:

        def start(n: int) -> None:
            bar.length = n

        def step(sid: str, provider: str) -> None:
            bar.update(1, f"{provider}: {sid}")

        report = fetch_data(settings, series=wanted, since=since, vintages=vintages, on_series=step, on_start=start)
    for sid, n in report.fetched.items():
        click.echo(f"{sid}: {n} observations")
    for sid in report.unchanged:
        click.echo(f"{sid}: unchanged")
    if report.release_dates:
        click.echo(f"release calendar: {sum(report.release_dates.values())} dates from FRED")
    _print_fetch_failures(report)
    requests = ", ".join(f"{name} {n}" for name, n in report.requests.items())
    click.echo(f"Requests: {requests}. Store: {settings.store_path}", err=True)
    if report.failed:
        raise PartialFailure(f"{len(report.failed)} series could not be fetched (see above)")


def _print_fetch_failures(report: Any) -> None:
    for sid, why in report.failed.items():
        click.echo(f"error: {sid}: {why}", err=True)


def _smtp_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--smtp-host", metavar="HOST", help="SMTP server (or BRIEF_SMTP_HOST; default localhost)."),
            click.option(
                "--smtp-port", type=int, metavar="PORT", help="Port (default 587 starttls, 465 ssl, 25 plain)."
            ),
            click.option(
                "--smtp-security",
                type=click.Choice(["starttls", "ssl", "plain"]),
                help="STARTTLS (default), implicit TLS, or plain only when asked for.",
            ),
        ]
    ):
        fn = option(fn)
    return fn


send_anyway_option = click.option(
    "--send-anyway",
    is_flag=True,
    help="Send even if the edition fails the quality gate (the override is recorded in the send ledger).",
)


@contextlib.contextmanager
def _served_if_interrupted() -> Iterator[list[str]]:
    """A list for the readers served as they are; when Ctrl-C or SIGTERM stops the send, they are printed before
    it unwinds (a message in flight is finished and recorded first: report.deliver)."""
    served: list[str] = []
    try:
        yield served
    except KeyboardInterrupt:
        if served:
            click.echo(f"{len(served)} reader(s) served before the interruption; a rerun sends to the rest", err=True)
        for r in served:
            click.echo(f"sent: {r}")
        raise


def _print_send(report: Any) -> bool:
    done = "sent" if report.sent else "written (dry run)" if report.written else "not sent"
    for reason in report.overridden if (report.sent or report.written) else ():
        click.echo(f"warning: {done} although the quality gate failed it (--send-anyway): {reason}", err=True)
    if not (report.sent or report.already or report.written or report.refused or report.invalid or report.aborted):
        click.echo("warning: the readers list names nobody: nothing sent", err=True)
    if report.sent:
        click.echo(f"Edition {report.edition}: {len(report.sent)} reader(s) served", err=True)
    for r in report.sent:
        click.echo(f"sent: {r}")
    for r in report.resent:
        click.echo(
            f"warning: {r} was sent again: a run that stopped without a trace (kill -9, a power cut) had handed "
            "the server this message, which may then arrive twice (the same Message-ID lets mail programs drop "
            "the copy)",
            err=True,
        )
    for path in report.written:
        click.echo(str(path))
    if report.already:
        click.echo(f"{len(report.already)} already served earlier: skipped", err=True)
    for r, why in report.refused.items():
        click.echo(f"error: {r}: refused by the server: {why}", err=True)
    for why in report.invalid.values():
        click.echo(f"error: {why}", err=True)
    if report.aborted:
        click.echo(f"error: {report.aborted}", err=True)
    return bool(report.ok)


@cli.command(
    epilog=_examples(
        "brief send 2025-12-08 --to readers.txt --dry-run",
        "BRIEF_SMTP_USER=me BRIEF_SMTP_PASSWORD=... brief send output/editions/2025-12-08-demo --to readers.txt "
        "--smtp-host smtp.example.org",
    )
)
@click.argument("edition")
@click.option(
    "--to",
    "to",
    required=True,
    metavar="FILE|ADDRESS",
    help="A file of addresses (one a line, # comments) or ADDRESS[,ADDRESS...].",
)
@click.option("--dry-run", is_flag=True, help="Write the messages into OUT/outbox/EDITION instead of sending.")
@send_anyway_option
@_smtp_options
@click.pass_obj
@_locked
def send(
    state: State,
    edition: str,
    to: str,
    dry_run: bool,
    send_anyway: bool,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_security: str | None,
) -> None:
    """Send an edition's e-mail (built with --format email) to a list, each reader exactly once.

    EDITION is a date (the edition of that date that has an e-mail), a name (2025-12-08-demo, 2025-12-08.r2) or a
    folder (output/editions/2025-12-08). An edition that fails the quality gate ([quality] in brief.toml; see
    `brief check`) is not sent: exit 1, one line per reason, nobody mailed, unless --send-anyway.

    The send ledger in the store records every message the server accepted: a rerun after a crash or a failure
    sends only to those not yet served. A refused reader is reported and the others go on; exit code 1 if any
    reader was not served. Credentials come from BRIEF_SMTP_USER / BRIEF_SMTP_PASSWORD or brief.toml.
    """
    from report.pipeline.send import send as send_edition

    settings = state.settings(smtp_host=smtp_host, smtp_port=smtp_port, smtp_security=smtp_security)
    with (
        _served_if_interrupted() as served,
        click.progressbar(length=0, label="Sending", file=sys.stderr, show_pos=True) as bar,
    ):

        def start(n: int) -> None:
            bar.length = n

        def sent(r: str) -> None:
            served.append(r)
            bar.update(1)

        report = send_edition(
            settings,
            edition,
            to=to,
            dry_run=dry_run,
            send_anyway=send_anyway,
            on_start=start,
            on_sent=sent,
        )
    if not _print_send(report):
        raise PartialFailure("not every reader was served (see above); rerun to retry the rest")


@cli.command(epilog=_examples("brief run --to readers.txt", "brief run --demo --to me@example.org --dry-run"))
@click.option("--to", "to", metavar="FILE|ADDRESS", help="Readers (default: email.to in brief.toml / BRIEF_SEND_TO).")
@click.option("--dry-run", is_flag=True, help="Write the messages into OUT/outbox/EDITION instead of sending.")
@send_anyway_option
@demo_option
@_smtp_options
@click.pass_obj
@_locked
def run(
    state: State,
    to: str | None,
    dry_run: bool,
    send_anyway: bool,
    demo: bool,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_security: str | None,
) -> None:
    """Fetch, build (PDF, HTML, e-mail), check the quality gate and send: one idempotent command for cron.

    Rerunning it sends only to readers not yet served; an edition the gate held is built again from the data the
    store holds now (a new revision when its figures changed), so fixing the data releases it. An edition that
    fails the quality gate ([quality] in brief.toml; see `brief check`) is built and archived but mailed to
    nobody, unless --send-anyway. Exit code 1 if fetching or sending failed for anything or the gate refused the
    edition (the edition is still built from what the store holds).
    """
    from report.pipeline.send import run as run_once

    settings = state.settings(smtp_host=smtp_host, smtp_port=smtp_port, smtp_security=smtp_security)
    with _served_if_interrupted() as served:
        report = run_once(
            settings,
            demo=demo,
            to=to,
            dry_run=dry_run,
            send_anyway=send_anyway,
            progress=state.progress,
            on_fetched=_print_fetch_failures,  # before the build, which may then fail for what was not fetched
            on_sent=served.append,
        )
    for warning in report.edition.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(str(report.edition.folder))
    if report.sent is not None:
        _print_send(report.sent)
    for note in report.notes:
        click.echo(note, err=True)
    if report.refused is not None:
        raise report.refused
    if not report.ok:
        raise PartialFailure("the run finished with failures (see above)")


@cli.command(epilog=_examples("brief check 2025-12-08-demo", "brief check output/editions/2025-12-08"))
@click.argument("edition")
@click.pass_obj
def check(state: State, edition: str) -> None:
    """Print the quality gate's verdict on an archived edition as a table; exit 1 if it fails.

    The gate ([quality] in brief.toml) requires some figures to be available (default: the cover's key figures)
    and allows at most quality.max_unavailable unavailable and quality.max_stale stale figures. brief send and
    brief run refuse to mail an edition that fails it unless --send-anyway.
    """
    from report.pipeline.send import check as check_edition

    got = check_edition(state.settings(), edition)
    v = got.verdict
    table = [("check", "the edition", "allowed", "verdict")]
    table += [(r.check, r.found, r.allowed, "pass" if r.ok else "FAIL") for r in v.rows]
    click.echo(f"Quality gate for {got.ref.name} ({got.ref.folder}): {'passes' if v.passed else 'FAILS'}")
    _table(table, indent="  ")
    for reason in v.reasons:
        click.echo(f"  - {reason}")
    if got.recorded is not None and got.recorded.get("passed") != v.passed:
        click.echo(f"  (when built it {'passed' if got.recorded.get('passed') else 'failed'}: the settings changed)")
    if got.overrides is None:
        click.echo("  (the send ledger could not be read: whether it was sent anyway is not shown)")
    for name, at in got.overrides or []:
        click.echo(f"  sent anyway (--send-anyway): {name} at {at}")
    if v.gaps:  # all of them, where a reason names six: what an editor weighs before --send-anyway
        click.echo("Figures not current in this edition:")
        _table([("figure", "status", "why")] + [(g.key, g.status, g.reason or "") for g in v.gaps], indent="  ")
    if not v.passed:
        raise PartialFailure(f"{got.ref.name} fails the quality gate ({len(v.reasons)} reason(s))")


@cli.group(epilog=_examples("brief archive list", "brief archive verify", "brief archive index"))
def archive() -> None:
    """The archive of editions in OUT/editions: list, show, verify, index."""


@archive.command("list", epilog=_examples("brief archive list"))
@click.pass_obj
def archive_list(state: State) -> None:
    """List archived editions, newest first."""
    from report.pipeline import archive as arch

    settings = state.settings()
    editions = arch.list_editions(settings)
    if not editions:
        click.echo(f"No editions in {arch.editions_root(settings)}.", err=True)
        return
    for r in editions:
        m = r.manifest()
        flags = ("demo " if r.demo else "") + (f"r{r.revision} " if r.revision > 1 else "")
        click.echo(
            f"{r.name:<28} {r.as_of}  {flags:<9} {len(m.get('files', {}))} files  built {m.get('built_at', '?')}"
        )


@archive.command("show", epilog=_examples("brief archive show 2025-12-08-demo"))
@click.argument("edition")
@click.pass_obj
def archive_show(state: State, edition: str) -> None:
    """Show an edition's manifest and key figures."""
    from report.pipeline import archive as arch

    info = arch.show(state.settings(), edition)
    r, m = info.ref, info.manifest
    click.echo(f"{r.name}  ({r.folder})")
    if info.problem:
        click.echo(f"  warning: manifest.json {info.problem}; `brief archive verify` checks the files")
    for key in (
        "as_of",
        "demo",
        "langs",
        "formats",
        "version",
        "built_at",
        "previous",
        "templates_sha256",
        "charts_sha256",
    ):
        click.echo(f"  {key}: {m.get(key)}")
    for name, digest in m.get("files", {}).items():
        click.echo(f"  {digest[:16]}  {name}")
    for f in (info.figures or {}).get("figures", []):
        click.echo(f"  {f['key']}: {f['formatted']['en']} / {f['formatted']['zh-Hant']} ({f['status']})")


@archive.command("verify", epilog=_examples("brief archive verify", "brief archive verify 2025-12-08"))
@click.argument("edition", required=False)
@click.pass_obj
def archive_verify(state: State, edition: str | None) -> None:
    """Recompute every file's SHA-256 against the manifest; report changed, missing or extra files (exit 1)."""
    from report.pipeline import archive as arch

    checked, problems = arch.verify(state.settings(), edition)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        raise PartialFailure(f"{len(problems)} problem(s) in {checked} edition(s)")
    click.echo(f"{checked} edition(s) verified: every file matches its manifest.")


@archive.command("index", epilog=_examples("BRIEF_PUBLIC_URL=https://brief.example.org brief archive index"))
@click.pass_obj
def archive_index(state: State) -> None:
    """Write OUT/index.html (both languages, newest first, by year) and, with public_url, Atom feeds per language."""
    from report.pipeline import archive as arch

    settings = state.settings()
    written = arch.index(settings)
    for path in written:
        click.echo(str(path))
    if not settings.public_url:
        click.echo("No public_url (email.public_url / BRIEF_PUBLIC_URL): Atom feeds not written.", err=True)


@cli.command(
    epilog=_examples(
        "brief backfill --from 2025-11-24 --to 2025-12-08",
        "brief backfill --demo --from 2025-10-01 --to 2025-12-08 --every fomc --jobs 2",
    )
)
@click.option("--from", "start", callback=_date, required=True, metavar="DATE", help="First edition date.")
@click.option("--to", "end", callback=_date, required=True, metavar="DATE", help="Last edition date.")
@click.option(
    "--every",
    type=click.Choice(["friday", "fomc"]),
    default="friday",
    show_default=True,
    help="Every Friday, or the day before each FOMC meeting.",
)
@click.option("--jobs", type=click.IntRange(1, 16), default=2, show_default=True, help="Editions built at once.")
@demo_option
@click.pass_obj
@_locked
def backfill(state: State, start: dt.date, end: dt.date, every: Every, jobs: int, demo: bool) -> None:
    """Build past editions point in time, in parallel; editions already built are skipped, so it can be resumed.

    A failure in one edition is reported and the rest go on; exit code 1 if any failed.
    """
    from report.pipeline.archive import editions_root
    from report.pipeline.backfill import Outcome, plan_dates
    from report.pipeline.backfill import backfill as backfill_editions

    settings = state.settings()
    dates = plan_dates(settings, start=start, end=end, every=every)
    with click.progressbar(
        length=len(dates), label="Backfilling", file=sys.stderr, show_pos=True, item_show_func=lambda x: x
    ) as bar:
        results = backfill_editions(
            settings,
            demo=demo,
            dates=dates,
            jobs=jobs,
            on_done=lambda day, result: bar.update(1, f"{day} {result.outcome.value}"),
        )
    counts = {o: sum(1 for r in results.values() if r.outcome is o) for o in Outcome}
    for day, result in sorted(results.items()):
        if result.outcome is Outcome.FAILED:
            click.echo(f"error: {day}: {result.error}", err=True)
    click.echo(
        f"{counts[Outcome.BUILT]} built, {counts[Outcome.EXISTING]} already built, "
        f"{counts[Outcome.FAILED]} failed (in {editions_root(settings)})",
        err=True,
    )
    if counts[Outcome.FAILED]:
        raise PartialFailure(f"{counts[Outcome.FAILED]} edition(s) failed")


@cli.command(epilog=_examples("brief rebuild 2025-12-08-demo --check"))
@click.argument("edition")
@click.option(
    "--check",
    is_flag=True,
    help="Required: rebuild in memory and compare; the archived edition is never replaced.",
)
@click.pass_obj
def rebuild(state: State, edition: str, check: bool) -> None:
    """Rebuild an archived edition from its own data snapshot and confirm figures and PDF text are identical.

    The rebuild is made in memory and compared; nothing in the archive changes.
    """
    from report.pipeline.rebuild import rebuild_check

    if not check:
        raise click.UsageError("brief rebuild only checks an archived edition: add --check")
    folder, differences = rebuild_check(state.settings(), edition)
    for d in differences:
        click.echo(f"error: {folder.name}: {d}", err=True)
    if differences:
        raise PartialFailure(f"{folder.name} does not rebuild identically")
    click.echo(f"{folder.name}: rebuilt from its snapshot; figures and PDF text are identical.")


@cli.command(
    epilog=_examples(
        "brief preview --demo --notes notes.md", "brief preview --as-of 2025-12-08 --notes notes.md --port 8000"
    )
)
@as_of_option
@notes_option
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free)."
)
@click.option("--pdf", "with_pdf", is_flag=True, help="Also lay out the PDF (served at /edition.pdf; slower rebuilds).")
@click.option("--email", "with_email", is_flag=True, help="Also make the e-mail (its HTML served at /email).")
@demo_option
@click.pass_obj
def preview(
    state: State, as_of: dt.date | None, notes: Path | None, port: int, with_pdf: bool, with_email: bool, demo: bool
) -> None:
    """Serve a live preview of an edition on 127.0.0.1, rebuilt when the notes, templates or data change.

    The page reloads itself after each rebuild. Builds go to a scratch folder that is removed on exit: nothing is
    archived until brief build. Stop with Ctrl-C.
    """
    from report.pipeline.preview import Preview

    formats = ("html",) + (("pdf",) if with_pdf else ()) + (("email",) if with_email else ())
    try:
        session = Preview(
            state.settings(), demo=demo, as_of=as_of, notes=notes, port=port, formats=formats, progress=state.progress
        )
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    with session.running():
        click.echo(f"Previewing at {session.url} (Ctrl-C stops)", err=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("Preview stopped.", err=True)


@cli.group(epilog=_examples("brief notes check docs/examples/reference-week.md --as-of 2025-12-08"))
def notes() -> None:
    """Check editorial notes: live figures, claims and forecasts (docs/notes.md)."""


@notes.command(
    "check",
    epilog=_examples("brief notes check notes.md --as-of 2025-12-08", "brief notes check notes.md --demo"),
)
@click.argument("notes_file", metavar="NOTES", type=click.Path(dir_okay=False, path_type=Path))
@as_of_option
@demo_option
@click.pass_obj
def notes_check(state: State, notes_file: Path, as_of: dt.date | None, demo: bool) -> None:
    """Print every claim in NOTES against the data of the edition date, one row each; exit 1 if one fails.

    A claim is {{ claim KEY = NUMBER }} (also ~ < <= > >=); ~ means equal within the precision written.
    A claim whose figure is unavailable is unverifiable: reported, but not a failure.
    """
    from report.pipeline.build import check_notes

    day, rows = check_notes(state.settings(), notes_file, demo=demo, as_of=as_of, progress=state.progress)
    table = [("line", "claim", "the data", "verdict")]
    table += [
        (str(line), f"{c.claim.key} {c.claim.op} {c.claim.written}", c.shown["en"] or "—", c.verdict)
        for line, c in rows
    ]
    click.echo(f"Claims in {notes_file} against the data of {day}:")
    _table(table)
    failed = [line for line, c in rows if c.verdict == "fails"]
    if not rows:
        click.echo("No claims in the notes.")
    if failed:
        raise NotesError(f"{len(failed)} of {len(rows)} claims do not hold (line {', '.join(map(str, failed))})")


@cli.group(epilog=_examples("brief data import WALCL.csv coinmetrics_btc.csv"))
def data() -> None:
    """Manage the real-data store: import downloaded files."""


@data.command(
    "import",
    epilog=_examples("brief data import fredgraph.csv M2SL.csv", "brief data import --series WRESBAL reserves.csv"),
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--series", metavar="ID", help="Series id for files whose header does not name it (e.g. Date,Value).")
@click.pass_obj
@_locked
def data_import(state: State, files: tuple[Path, ...], series: str | None) -> None:
    """Import CSV files: FRED and ALFRED downloads, Coin Metrics, Blockchain.com charts, or series,date,value.

    Each file is imported in one transaction: a bad row is reported as FILE:LINE and nothing from that file is
    kept; the other files go on. Exit code 1 if any file failed.
    """
    from report.pipeline.data import import_data

    settings = state.settings()
    done, failed = import_data(settings, list(files), series=series)
    for item in done:
        counts = ", ".join(f"{n} {sid}" for sid, n in item.counts.items())
        click.echo(f"{item.path}: {item.format}: {counts}")
    for exc in failed:
        click.echo(f"error: {exc}", err=True)
    if failed:
        raise PartialFailure(f"{len(failed)} of {len(files)} files failed; nothing from them was kept")
    click.echo(f"Imported into {settings.store_path}", err=True)


@cli.command(epilog=_examples("brief doctor", "brief doctor --offline"))
@click.option("--offline", is_flag=True, help="Do not contact FRED or the SMTP server (their checks are skipped).")
@click.pass_obj
def doctor(state: State, offline: bool) -> None:
    """Check that this machine can build and send the brief, one verdict a line; exit 1 if any check fails.

    Checks the settings files, the Chinese font and HarfBuzz subsetting, WeasyPrint, the quality gate (a warning when
    it lets anything through), the store (integrity, schema version), the archive, the FRED key (accepted by FRED,
    when the network is there), the SMTP server and its login (no message is sent), the output and data folders
    (writable, free disk) and the files holding secrets (brief.env, a settings file with a key or password: others
    must not be able to read them).
    """
    from report.pipeline.doctor import diagnose

    checks = diagnose(state.config, overrides={"data_dir": state.data_dir}, network=not offline)
    width = max(_width(c.name) for c in checks)
    for c in checks:
        click.echo(f"{c.verdict.upper():<5} {_pad(c.name, width)}  {c.detail}")
    failed = [c.name for c in checks if c.verdict == "fail"]
    if failed:
        raise PartialFailure(f"{len(failed)} check(s) failed: {', '.join(failed)}")
    warned = sum(c.verdict == "warn" for c in checks)
    sending = not any(c.name == "SMTP" and c.verdict == "skip" for c in checks)
    click.echo(
        f"Everything needed to build {'and send ' if sending else ''}the brief is in place"
        + (f" ({warned} warning{'s' if warned > 1 else ''} above)" if warned else "")
        + ("." if sending else "; sending was not checked (no SMTP server configured, or --offline)."),
        err=True,
    )


@cli.command(epilog=_examples("brief init", "brief init /srv/brief"))
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path), metavar="[DIR]")
@click.option(
    "--force",
    is_flag=True,
    help="Write the files again although they exist (an existing brief.env and readers.txt are kept).",
)
@click.pass_obj
def init(state: State, directory: Path, force: bool) -> None:
    """Set up DIR (default: here) for unattended runs: a commented brief.toml with every setting and its default,
    an example readers file, a secrets file, a systemd service and timer, and the equivalent crontab lines.

    Nothing is overwritten unless --force is given, and even then your brief.env and readers.txt are kept. The files
    say what to edit; docs/unattended.md says how to
    install them.
    """
    from report.pipeline.scaffold import init as scaffold

    written = scaffold(directory, brief=_brief_command(), today=dt.date.today(), force=force)
    for path in written:
        click.echo(str(path))
    click.echo(
        f"Wrote {len(written)} files into {directory}: edit brief.toml, brief.env and readers.txt, check with "
        "`brief doctor`, then install the timer or the crontab (docs/unattended.md).",
        err=True,
    )


def _print_releases(rows: Sequence[Upcoming]) -> None:
    """The data releases as a table: date, release in both languages, periods, how the date is known."""
    from report.releases import period_words

    how = {"published": "published", "scheduled": "scheduled", "never": "never"}
    if not rows:
        click.echo("No data releases in that period.")
    for u in rows:
        periods = ", ".join(period_words(u.release, p, "en") for p in u.periods)
        note = "by this date (regular schedule)" if u.basis == "schedule" else how[u.status]
        click.echo(f"{u.date.isoformat()}  {u.release.name['en']} / {u.release.name['zh-Hant']}: {periods}  [{note}]")


def _brief_command() -> str:
    import shlex
    import shutil

    found = shutil.which("brief")
    return shlex.quote(found) if found else shlex.join([sys.executable, "-m", "report"])


def main() -> None:
    """Console-script entry point: SIGTERM and SIGHUP stop the command (and its workers) like Ctrl-C."""
    from report.procs import install_termination_handlers

    install_termination_handlers()
    cli(prog_name="brief")


if __name__ == "__main__":  # pragma: no cover
    main()
