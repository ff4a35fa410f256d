"""``brief send`` and ``brief run``: deliver an edition's e-mail to each reader once; fetch, build and send for cron."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from report import archive
from report.config import Settings
from report.deliver import SendReport, SmtpSettings, outbox_problem, read_recipients, reader_key
from report.deliver import send as deliver
from report.edition import Progress, quiet
from report.errors import ArchiveError, UsageError
from report.pipeline.build import Edition, build
from report.pipeline.fetch import FetchReport, fetch
from report.store import Store

EMAIL = "email.eml"


def smtp_settings(settings: Settings) -> SmtpSettings:
    """How to reach the SMTP server, from the settings."""
    return SmtpSettings(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_security,
        settings.smtp_user,
        settings.smtp_password,
        settings.smtp_cafile,
        settings.smtp_timeout,
        settings.send_pace,
    )


def checked_email(ref: archive.EditionRef) -> bytes:
    """The edition's email.eml, once its manifest says it is the file the build wrote; ArchiveError otherwise
    (a damaged or changed message, or a folder merely named like an edition, is never sent)."""
    eml = ref.folder / EMAIL
    if not eml.is_file():
        raise UsageError(f"{ref.folder} has no {EMAIL}; build it with --format email")
    rebuild = f"rebuild it (brief build --as-of {ref.as_of.isoformat()}{' --demo' if ref.demo else ''} --force)"
    doc = archive.read_json(ref.folder / archive.MANIFEST)
    problem = archive.manifest_problem(doc) if doc is not None else "is missing or unreadable"
    if problem is not None:
        raise ArchiveError(f"edition {ref.name} is not sent: its {archive.MANIFEST} {problem}; {rebuild}")
    expected = ref.manifest()["files"].get(EMAIL)
    if expected is None:
        raise ArchiveError(f"edition {ref.name} is not sent: its {archive.MANIFEST} lists no {EMAIL}; {rebuild}")
    try:
        raw = eml.read_bytes()
    except OSError as exc:
        raise ArchiveError(f"edition {ref.name} is not sent: cannot read {EMAIL} ({exc.strerror or exc})") from exc
    if hashlib.sha256(raw).hexdigest() != expected:  # the bytes that will be sent, not a second read
        raise ArchiveError(
            f"edition {ref.name} is not sent: {EMAIL} does not match its {archive.MANIFEST} (damaged or changed); "
            f"{rebuild}"
        )
    return raw


def send(
    settings: Settings,
    edition: str,
    *,
    to: str,
    dry_run: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_sent: Callable[[str], None] | None = None,
) -> SendReport:
    """Send an edition's e-mail to each reader once (the ledger in the store remembers who was served).

    The ledger is keyed by the edition's variant (its name without the revision): a reader gets one copy per
    edition, and a later revision (``build --force``) is not mailed again to readers already served.
    """
    from report.render.email import load

    ref = archive.find(settings.out_dir, edition)
    folder = ref.folder
    template = load(checked_email(ref))
    outbox = folder / archive.OUTBOX
    if dry_run and (problem := outbox_problem(outbox)):
        raise ArchiveError(problem)
    recipients, invalid = read_recipients(to)
    with Store(settings.store_path) as ledger:
        served = ledger.sent_to(ref.variant)
        pending = sum(1 for r in recipients if reader_key(r) not in served and r.lower() not in served)
        if on_start:
            on_start(pending)
        report = deliver(
            template,
            ref.variant,
            recipients=recipients,
            ledger=ledger,
            smtp_settings=smtp_settings(settings),
            on_sent=on_sent,
            dry_run=outbox if dry_run else None,
        )
    report.invalid.update(invalid)
    return report


@dataclass
class RunReport:
    """What ``brief run`` did: the fetch (none with demo data), the edition, and the send (none without readers)."""

    edition: Edition
    fetched: FetchReport | None = None
    sent: SendReport | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether everything was fetched and every reader served."""
        return not (self.fetched and self.fetched.failed) and (self.sent is None or self.sent.ok)


def run(
    settings: Settings,
    *,
    demo: bool,
    to: str | None = None,
    dry_run: bool = False,
    progress: Progress = quiet,
) -> RunReport:
    """Fetch (unless demo), build PDF, HTML and e-mail, and send to readers not yet served: idempotent, for cron.

    An edition built earlier without the e-mail gets a revision that has it.
    """
    settings = settings.replace(formats=("pdf", "html", "email"))
    fetched = None
    if not demo:
        fetched = fetch(settings, on_series=lambda sid, provider: progress(f"{provider}: {sid}"))
    edition = build(settings, demo=demo, progress=progress)
    if not (edition.folder / EMAIL).is_file():
        edition = build(settings, demo=demo, progress=progress, force=True)
    report = RunReport(edition, fetched)
    recipients = to or settings.send_to
    if recipients:
        report.sent = send(settings, str(edition.folder), to=recipients, dry_run=dry_run)
    else:
        report.notes.append("No readers configured (--to or email.to): nothing sent.")
    return report
