"""``brief send`` and ``brief run``: deliver an edition's e-mail to each reader once; fetch, build and send for cron."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from report import archive
from report.config import Settings
from report.deliver import SendReport, SmtpSettings, read_recipients
from report.deliver import send as deliver
from report.edition import Progress, quiet
from report.errors import UsageError
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


def send(
    settings: Settings,
    edition: str,
    *,
    to: str,
    dry_run: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_sent: Callable[[str], None] | None = None,
) -> SendReport:
    """Send an edition's e-mail to each reader once (the ledger in the store remembers who was served)."""
    from report.render.email import load

    folder = archive.find(settings.out_dir, edition).folder
    eml = folder / EMAIL
    if not eml.is_file():
        raise UsageError(f"{folder} has no {EMAIL}; build it with --format email")
    template = load(eml.read_bytes())
    recipients, invalid = read_recipients(to)
    with Store(settings.store_path) as ledger:
        pending = len(recipients) - len(ledger.sent_to(folder.name) & {r.lower() for r in recipients})
        if on_start:
            on_start(pending)
        report = deliver(
            template,
            folder.name,
            recipients=recipients,
            ledger=ledger,
            smtp_settings=smtp_settings(settings),
            on_sent=on_sent,
            dry_run=folder / archive.OUTBOX if dry_run else None,
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
