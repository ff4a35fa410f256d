"""``brief send`` and ``brief run``: deliver an edition's e-mail to each reader once; fetch, build and send for cron."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from report import archive
from report.config import Settings
from report.deliver import SendReport, SmtpSettings, outbox_problem, read_recipients, reader_key
from report.deliver import send as deliver
from report.edition import Progress, quiet
from report.errors import ArchiveError, BriefError, QualityError, UsageError
from report.pipeline.build import BuildStatus, Edition, build
from report.pipeline.fetch import FetchReport, fetch
from report.quality import Verdict, evaluate, rules
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


def _verified(ref: archive.EditionRef, name: str, *, who: str) -> bytes:
    """An archived file's bytes, once the edition's manifest says they are the bytes the build wrote; ArchiveError
    otherwise, its message starting with ``who`` ("edition 2025-12-08 is not sent")."""
    rebuild = f"rebuild it (brief build --as-of {ref.as_of.isoformat()}{' --demo' if ref.demo else ''} --force)"
    doc = archive.read_json(ref.folder / archive.MANIFEST)
    problem = archive.manifest_problem(doc) if doc is not None else "is missing or unreadable"
    if problem is not None:
        raise ArchiveError(f"{who}: its {archive.MANIFEST} {problem}; {rebuild}")
    expected = doc["files"].get(name)
    if expected is None:
        raise ArchiveError(f"{who}: its {archive.MANIFEST} lists no {name}; {rebuild}")
    try:
        raw = (ref.folder / name).read_bytes()
    except OSError as exc:
        raise ArchiveError(f"{who}: cannot read {name} ({exc.strerror or exc})") from exc
    if hashlib.sha256(raw).hexdigest() != expected:  # the bytes that will be used, not a second read
        raise ArchiveError(f"{who}: {name} does not match its {archive.MANIFEST} (damaged or changed); {rebuild}")
    return raw


def checked_email(ref: archive.EditionRef) -> bytes:
    """The edition's email.eml, once its manifest says it is the file the build wrote; ArchiveError otherwise
    (a damaged or changed message, or a folder merely named like an edition, is never sent)."""
    if not (ref.folder / EMAIL).is_file():
        raise UsageError(f"{ref.folder} has no {EMAIL}; build it with --format email")
    return _verified(ref, EMAIL, who=f"edition {ref.name} is not sent")


def checked_figures(ref: archive.EditionRef) -> dict[str, Any]:
    """The edition's figures.json, once its manifest says it is the file the build wrote; ArchiveError otherwise."""
    raw = _verified(ref, archive.FIGURES, who=f"edition {ref.name}")
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    if (problem := archive.figures_problem(doc)) is not None:
        raise ArchiveError(f"edition {ref.name}: its {archive.FIGURES} is damaged ({problem})")
    return dict(doc)


def gate(settings: Settings, ref: archive.EditionRef) -> Verdict:
    """The quality gate's verdict on an archived edition, under the current ``[quality]`` settings."""
    return evaluate(checked_figures(ref), rules(settings))


def refusal(ref: archive.EditionRef, verdict: Verdict) -> QualityError:
    """The error that stops a send: the edition, one line per reason, and how to override."""
    lines = "".join(f"\n  - {reason}" for reason in verdict.reasons)
    return QualityError(
        f"edition {ref.name} fails the quality gate; nobody was mailed:{lines}\n"
        "Fix the data (brief fetch, brief data import) and run brief run again (or brief build --force), "
        "relax [quality] in brief.toml, "
        "or send it regardless with --send-anyway (recorded in the send ledger)."
    )


def send(
    settings: Settings,
    edition: str,
    *,
    to: str,
    dry_run: bool = False,
    send_anyway: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_sent: Callable[[str], None] | None = None,
) -> SendReport:
    """Send an edition's e-mail to each reader once (the ledger in the store remembers who was served).

    The ledger is keyed by the edition's variant (its name without the revision): a reader gets one copy per
    edition, and a later revision (``build --force``) is not mailed again to readers already served. An edition
    that fails the quality gate is refused (QualityError) unless ``send_anyway``, which the ledger records. A dry
    run writes the messages into OUT/outbox/EDITION, outside the archived edition.
    """
    from report.render.email import load

    ref = archive.find(settings.out_dir, edition, having=EMAIL)
    template = load(checked_email(ref))
    verdict = gate(settings, ref)
    if not verdict.passed and not send_anyway:
        raise refusal(ref, verdict)
    outbox = archive.outbox_dir(ref)
    if dry_run and (problem := outbox_problem(outbox)):
        raise ArchiveError(problem)
    recipients, invalid = read_recipients(to)
    with Store(settings.store_path) as ledger:
        served = ledger.sent_to(ref.variant)
        pending = sum(1 for r in recipients if reader_key(r) not in served and r.lower() not in served)
        override = None
        if not verdict.passed and not dry_run and pending:  # recorded before the first message goes out
            override = ledger.record_override(ref.name, verdict.reasons)
        if on_start:
            on_start(pending)
        try:
            report = deliver(
                template,
                ref.variant,
                recipients=recipients,
                ledger=ledger,
                smtp_settings=smtp_settings(settings),
                on_sent=on_sent,
                dry_run=outbox if dry_run else None,
            )
        finally:  # however it ended: an override under which nobody was mailed is no override
            if override is not None and not (ledger.sent_to(ref.variant) - served):
                ledger.drop_override(override)
    report.invalid.update(invalid)
    report.edition = ref.name
    if not verdict.passed:
        report.overridden = verdict.reasons
    return report


def _passes(settings: Settings, edition: Edition) -> bool:
    """Whether an archived edition passes the quality gate now (a damaged one does not)."""
    try:
        return gate(settings, archive.find(settings.out_dir, str(edition.folder))).passed
    except BriefError:
        return False


@dataclass
class RunReport:
    """What ``brief run`` did: the fetch (none with demo data), the edition, and the send (none without readers, or
    when the quality gate refused the edition)."""

    edition: Edition
    fetched: FetchReport | None = None
    sent: SendReport | None = None
    refused: QualityError | None = None  # the gate stopped the send: nobody was mailed
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether everything was fetched, the edition passed the gate (or was sent anyway) and every reader
        served."""
        return (
            not (self.fetched and self.fetched.failed) and self.refused is None and (self.sent is None or self.sent.ok)
        )


def run(
    settings: Settings,
    *,
    demo: bool,
    to: str | None = None,
    dry_run: bool = False,
    send_anyway: bool = False,
    progress: Progress = quiet,
    on_fetched: Callable[[FetchReport], None] | None = None,
    on_sent: Callable[[str], None] | None = None,
) -> RunReport:
    """Fetch (unless demo), build PDF, HTML and e-mail, check the quality gate and send to readers not yet served:
    idempotent, for cron. An edition that fails the gate is not mailed unless ``send_anyway``.

    An edition built earlier without the e-mail gets a revision that has it.
    """
    settings = settings.replace(formats=("pdf", "html", "email"))
    rules(settings)  # a typo in [quality] stops the run before it fetches
    fetched = None
    if not demo:
        fetched = fetch(settings, on_series=lambda sid, provider: progress(f"{provider}: {sid}"))
        if on_fetched is not None:
            on_fetched(fetched)
    edition = build(settings, demo=demo, progress=progress)
    if not (edition.folder / EMAIL).is_file():
        edition = build(settings, demo=demo, progress=progress, force=True)
    elif edition.status is BuildStatus.EXISTING and not _passes(settings, edition):
        # held by the gate: built again from what the store holds now, so data fixed since release it; a new
        # revision only when its figures differ (a rerun with nothing new adds none)
        progress(f"{edition.folder.name} fails the quality gate: building it again from the data the store holds now")
        edition = build(settings, demo=demo, progress=progress, force=True, unless_unchanged=True)
    report = RunReport(edition, fetched)
    recipients = to or settings.send_to
    if not recipients:
        report.notes.append("No readers configured (--to or email.to): nothing sent.")
        return report
    try:
        report.sent = send(
            settings, str(edition.folder), to=recipients, dry_run=dry_run, send_anyway=send_anyway, on_sent=on_sent
        )
    except QualityError as exc:  # refused before any message: the edition stays built and archived
        report.refused = exc
    return report


@dataclass(frozen=True)
class GateReport:
    """``brief check``: an edition, the gate's verdict under the current settings, and the ``--send-anyway``
    overrides the send ledger recorded for it (edition, when)."""

    ref: archive.EditionRef
    verdict: Verdict
    recorded: dict[str, Any] | None  # the verdict the build recorded in the manifest, if any
    overrides: list[tuple[str, str]] | None  # None: the send ledger could not be read


def check(settings: Settings, edition: str) -> GateReport:
    """The quality gate's verdict on an archived edition (the one with an e-mail, given a date)."""
    ref = archive.find(settings.out_dir, edition, having=EMAIL)
    verdict = gate(settings, ref)
    recorded = ref.manifest().get("quality")
    overrides: list[tuple[str, str]] | None = []
    if settings.store_path.is_file():
        from report.store import OutdatedStore

        try:
            with Store(settings.store_path, readonly=True) as store:
                overrides = [(name, at) for name, at, _ in store.overrides(ref.name)]
        except OutdatedStore:  # written before the gate existed: no override can be recorded in it
            pass
        except BriefError:  # busy or damaged: the verdict does not need the ledger
            overrides = None
    return GateReport(ref, verdict, recorded if isinstance(recorded, dict) else None, overrides)
