"""Delivering the newsletter over SMTP, each reader exactly once: the send ledger in the store records every
message a server accepted, so a rerun after a crash or a failure sends only to those not yet served.
"""

from __future__ import annotations

import contextlib
import email.utils
import os
import re
import smtplib
import ssl
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from report.config import Security
from report.errors import ArchiveError, BriefError, UsageError
from report.procs import interrupts_deferred
from report.render.email import personalize
from report.store import Store


class DeliveryError(BriefError):
    """The SMTP server cannot be reached or refuses us (the message never holds the password)."""


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP server."""

    host: str
    port: int | None
    security: Security
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: Path | None = None
    timeout: float = 30.0
    pace: float = 0.2


@dataclass
class SendReport:
    """What a send did, reader by reader."""

    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)
    aborted: str | None = None
    written: list[Path] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)  # claimed by a run that died: sent again, same Message-ID
    edition: str | None = None  # the archived edition sent (its folder name, with the revision)
    overridden: tuple[str, ...] = ()  # the quality gate's reasons, when sent anyway (--send-anyway)

    @property
    def ok(self) -> bool:
        """Whether every reader was served."""
        return not (self.refused or self.invalid or self.aborted)


_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-\u0080-\U0010ffff]+$")  # dot-atom, UTF-8 allowed
_LABEL = re.compile(r"^[A-Za-z0-9\u0080-\U0010ffff](?:[A-Za-z0-9\-\u0080-\U0010ffff]*[A-Za-z0-9\u0080-\U0010ffff])?$")
_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:")  # "Bcc: x@y", "To:x@y": a mail header, not an address
_ANGLE = re.compile(r"<([^<>]*)>$")  # the addr-spec of "Name <a@b>", as written
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}  # controls, format characters (U+200B, U+202E...), line separators


def _idna(domain: str) -> str:
    """A domain lower-cased and IDNA-encoded (bücher.de -> xn--bcher-kva.de); UnicodeError if it cannot be."""
    return domain.lower().encode("idna").decode("ascii")


def reader_key(addr: str) -> str:
    """The key one reader is known by (de-duplication and the send ledger): the local part as given (case-folded,
    as the ledger always stored it) and the domain lower-cased and IDNA-encoded, so ``user@bücher.de`` and
    ``user@xn--bcher-kva.de`` are one reader; the local part in Unicode's NFC (RFC 6532), so ``jürgen`` typed with a
    combining umlaut is the same reader."""
    local, _, domain = unicodedata.normalize("NFC", addr).rpartition("@")
    try:
        domain = _idna(domain)
    except UnicodeError:
        domain = domain.lower()
    return f"{local.lower()}@{domain}"


def check_address(text: str) -> str:
    """An addr-spec from "Name <a@b>" or "a@b"; UsageError for anything else (header injection included)."""
    if "\r" in text or "\n" in text or "\0" in text:
        raise UsageError(f"{text!r} is not an e-mail address (line break or NUL)")
    hidden = sorted({f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) in _INVISIBLE})
    if hidden:
        raise UsageError(f"{text.strip()!r} is not an e-mail address (invisible character {', '.join(hidden)})")
    text = text.strip()
    if _HEADER.match(text):
        raise UsageError(f"{text!r} looks like a mail header, not an e-mail address")
    if text.count("<") != text.count(">") or text.count('"') % 2:
        raise UsageError(f"{text!r} is not an e-mail address (unbalanced quotes or < >)")
    m = _ANGLE.search(text)
    written = (m.group(1) if m else text).strip()
    if any(ch.isspace() for ch in written):
        raise UsageError(f"{text!r} is not an e-mail address (white space in it)")
    pairs = email.utils.getaddresses([text])
    addr = pairs[0][1] if len(pairs) == 1 else ""
    local, at, domain = addr.rpartition("@")
    labels = domain.split(".")
    if (
        addr != written  # the parser read something other than what was written: never guess
        or not at
        or not local
        or len(addr) > 254
        or len(labels) < 2
        or not _LOCAL.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or not all(_LABEL.match(label) for label in labels)
    ):
        raise UsageError(f"{text!r} is not an e-mail address")
    try:
        _idna(domain)
    except UnicodeError as exc:
        raise UsageError(f"{text!r} is not an e-mail address (its domain cannot be encoded: {exc})") from exc
    return addr


def split_addresses(line: str) -> list[str]:
    """The entries of one line: addresses separated by "," or ";" (outside quotes and angle brackets), as
    ``email.utils.getaddresses`` reads them after turning ";" into ",", but each entry kept apart so a bad one is
    reported by itself. Empty entries are dropped."""
    entries: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    angle = 0
    for ch in line:
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            angle += 1
        elif not quoted and ch == ">":
            angle = max(0, angle - 1)
        elif not quoted and not angle and ch in ",;":
            entries.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    entries.append("".join(buf))
    return [e.strip() for e in entries if e.strip()]


def read_recipients(spec: str) -> tuple[list[str], dict[str, str]]:
    """Addresses from a file (one or more a line, separated by "," or ";"; # comments) or from
    ADDRESS[,ADDRESS...]; every address is served or reported, duplicates (by ``reader_key``) dropped."""
    path = Path(spec)
    try:
        is_file = path.is_file()
    except OSError:  # a list of addresses longer than a file name may be ("File name too long") names no file
        is_file = False
    if is_file:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the recipient list {path}: {exc}") from exc
        items = [item for line in lines for item in split_addresses(line.split("#", 1)[0])]
    elif "@" in spec:
        items = split_addresses(spec)
    else:
        raise UsageError(f"--to {spec!r} is neither a file nor an e-mail address")
    good: list[str] = []
    bad: dict[str, str] = {}
    seen: set[str] = set()
    for item in items:
        try:
            addr = check_address(item)
        except UsageError as exc:
            bad[item] = str(exc)
            continue
        if reader_key(addr) not in seen:
            seen.add(reader_key(addr))
            good.append(addr)
    return good, bad


def smtp_port(s: SmtpSettings) -> int:
    """The port: as set, else the usual one for the security (465 implicit TLS, 587 STARTTLS, 25 plain)."""
    return s.port or {"ssl": 465, "starttls": 587}.get(s.security, 25)


def _open(s: SmtpSettings) -> smtplib.SMTP:
    """The session itself; a session that fails after connecting is closed before the error goes on."""
    context = ssl.create_default_context(cafile=str(s.cafile) if s.cafile else None)
    port = smtp_port(s)
    smtp: smtplib.SMTP | None = None
    try:
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, port, timeout=s.timeout)
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
        if s.user:
            smtp.login(s.user, s.password or "")
    except BaseException:
        if smtp is not None:  # connected, then refused: the socket is not left open
            smtp.close()
        raise
    return smtp


def connect(s: SmtpSettings) -> smtplib.SMTP:
    """An SMTP session: implicit TLS, STARTTLS (certificate checked) or, only when asked for, plain; its failures
    as one DeliveryError (never holding the password)."""
    port = smtp_port(s)
    try:
        return _open(s)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP server {s.host} refused the login for {s.user} ({exc.smtp_code})") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"SMTP server {s.host} does not offer {s.security.upper()} or AUTH") from exc
    except ssl.SSLError as exc:
        raise DeliveryError(f"TLS with {s.host} failed: {exc.reason or exc}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"cannot reach SMTP server {s.host}:{port} ({exc})") from exc


def _outbox_name(n: int, recipient: str) -> str:
    """A file name for a reader's dry-run message: only safe characters, whatever the address holds."""
    return f"{n:04d}-{re.sub(r'[^A-Za-z0-9._+-]', '_', recipient.replace('@', '_at_'))[:100]}.eml"


def outbox_problem(folder: Path) -> str | None:
    """Why a dry run must not write into ``folder`` (a symbolic link, or not a folder), or None."""
    if folder.is_symlink():
        return f"{folder} is a symbolic link; a dry run never writes through one: remove it"
    if folder.exists() and not folder.is_dir():
        return f"{folder} is not a folder; remove it"
    return None


def _write_outbox(template: EmailMessage, edition: str, *, pending: Sequence[str], folder: Path) -> list[Path]:
    """A dry run: one .eml per reader in ``folder`` (an earlier dry run's messages removed); nothing is sent or
    recorded. Links are never followed."""
    written = []
    try:
        for level in (folder.parent, folder):  # OUT/outbox, then OUT/outbox/EDITION: neither may be a link
            if problem := outbox_problem(level):
                raise ArchiveError(problem)
            level.mkdir(exist_ok=True)
        if problem := outbox_problem(folder):  # replaced in the meantime
            raise ArchiveError(problem)
        for old in folder.glob("*.eml"):  # the outbox holds this dry run's messages only, not an earlier run's
            old.unlink()  # a link is removed, never followed
        for n, r in enumerate(pending, 1):
            path = folder / _outbox_name(n, r)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # a file (or link) left there is replaced, never written through
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
            with os.fdopen(fd, "wb") as fh:
                fh.write(personalize(template, r, edition).as_bytes())
            written.append(path)
    except OSError as exc:
        raise ArchiveError(f"cannot write the dry-run messages into {folder}: {exc.strerror or exc}") from exc
    return written


def _answer(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _deliver_one(smtp: smtplib.SMTP, msg: EmailMessage, envelope_from: str, recipient: str) -> str | None:
    """Hand one message to the server: None when accepted, else why it was refused for this reader.

    A lost connection is raised: whether the server took the message is then unknown.
    """
    try:
        smtp.send_message(msg, from_addr=envelope_from, to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        code, why = exc.recipients.get(recipient, (0, b""))
        return _answer(code, why)
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        return _answer(exc.smtp_code, exc.smtp_error)
    except smtplib.SMTPNotSupportedError:
        return "the server does not accept this address (it has no SMTPUTF8 for non-ASCII addresses)"
    except UnicodeEncodeError:
        return "the address cannot be encoded for this server"
    return None


def _pending(recipients: Sequence[str], served: set[str], report: SendReport) -> tuple[list[str], dict[str, str]]:
    """The readers still to serve, each once (the already served go to ``report.already``), and each one's key."""
    pending: list[str] = []
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for r in recipients:
        key = reader_key(r)
        if key in taken:
            continue  # the same reader twice in the list: one copy
        keys[r] = key
        taken.add(key)
        (report.already if key in served or r.lower() in served else pending).append(r)
    return pending, keys


def send(
    template: EmailMessage,
    edition: str,
    *,
    recipients: Sequence[str],
    ledger: Store,
    smtp_settings: SmtpSettings,
    on_sent: Callable[[str], None] | None = None,
    dry_run: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Send one copy of ``template`` to each recipient not yet in the ledger for ``edition`` (the ledger key: the
    edition variant, so a reader gets one copy per edition whatever its revision).

    Each reader is claimed in the ledger before the server is asked and marked sent the moment it accepts, with no
    work in between. A refused reader is reported and the others go on; a lost connection stops the run (rerun to
    continue). A reader claimed by a run that died is sent the same message again (same Message-ID) and listed as
    ``resent``. ``dry_run`` writes the messages into that folder instead and records nothing.
    """
    report = SendReport()
    claimed = ledger.claimed(edition)
    pending, keys = _pending(recipients, ledger.sent_to(edition), report)
    if dry_run is not None:
        report.written = _write_outbox(template, edition, pending=pending, folder=dry_run)
        return report
    if not pending:
        return report
    envelope_from = email.utils.parseaddr(str(template["From"]))[1]
    smtp = connect(smtp_settings)
    try:
        for i, r in enumerate(pending):
            if i and smtp_settings.pace:
                sleep(smtp_settings.pace)
            key = keys[r]
            earlier = claimed.get(key) or claimed.get(r.lower())
            msg = personalize(template, r, edition, message_id=earlier)
            # from the claim to the record a Ctrl-C or SIGTERM waits (at most the SMTP timeout): cut in between,
            # a message the server took would stay unrecorded and be sent again
            with interrupts_deferred():
                ledger.claim_send(edition, key, str(msg["Message-ID"]))
                try:
                    refused = _deliver_one(smtp, msg, envelope_from, r)
                except (smtplib.SMTPException, OSError) as exc:
                    report.aborted = f"the connection to {smtp_settings.host} was lost ({exc}); rerun to send the rest"
                    break
                if refused is not None:
                    ledger.release_claim(edition, key)
                    report.refused[r] = refused
                    continue
                ledger.record_send(edition, key, str(msg["Message-ID"]))
                report.sent.append(r)
                if earlier is not None:
                    report.resent.append(r)
                if on_sent:
                    on_sent(r)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    return report
