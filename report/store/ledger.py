"""The send ledger: which reader each edition's e-mail reached, kept in the store so a rerun serves only the rest.

A reader is claimed (with the Message-ID of their copy) before the server is asked, and marked sent the moment the
server accepts. A claim left by a crash means "perhaps delivered": a rerun sends that reader the same message again,
with the same Message-ID, so mail systems that de-duplicate by Message-ID show it once.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from report.errors import StoreError
from report.store.common import now as _now

LEDGER_RETRY_SECONDS = 120.0  # how long a send retries the ledger record before journalling it
_MARK_SENT = (
    "INSERT INTO sends(edition, recipient, message_id, sent_at, state) VALUES (?, ?, ?, ?, 'sent')"
    " ON CONFLICT(edition, recipient) DO UPDATE SET state = 'sent', message_id = excluded.message_id,"
    " sent_at = excluded.sent_at"
)


_REVISION = re.compile(r"\.r\d+$")
_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2}(?:-demo)?)(?:-[A-Za-z][A-Za-z-]*)?$")  # date, -demo, -languages


def edition_key(edition: str) -> str:
    """The ledger key of an edition: its date and whether it is the demo, without the revision or the language
    variant (2025-12-08-demo.r2 and 2025-12-08-demo-en -> 2025-12-08-demo), so a reader gets one copy per edition
    date whatever revision or language variant is sent."""
    name = _REVISION.sub("", edition)
    m = _DATED.match(name)
    return m.group(1) if m else name


# The rows an edition key may be recorded under, by index: the key itself, a revision's name (2025-12-08.r2, as
# older versions recorded) and a language variant's name (2025-12-08-en); the caller keeps those whose
# edition_key is the key (the ranges also take in 2025-12-08-demo for 2025-12-08).
_UNDER_KEY = "(edition = ? OR (edition >= ? AND edition < ?) OR (edition >= ? AND edition < ?))"


def _under_key(key: str) -> tuple[str, ...]:
    return (key, key + ".r", key + ".s", key + "-", key + ".")


def _journal_rows(raw: bytes) -> list[tuple[str, str, str, str]]:
    """The well-formed records of a journal (edition, recipient, Message-ID, time, tab-separated, one a line).

    A line that is not UTF-8 or not four non-empty fields (a damaged file) is skipped; the good ones are kept. A
    torn last line is kept when its four fields are there (only the time can then be cut short): the message it
    records was accepted."""
    rows = []
    for line in raw.split(b"\n"):
        try:
            text = line.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            continue
        parts = text.split("\t")
        if len(parts) != 4 or not all(parts) or "@" not in parts[1]:
            continue
        edition, recipient, message_id, sent_at = parts
        rows.append((edition_key(edition), recipient.lower(), message_id, sent_at))
    return rows


class Ledger:
    """The ledger's part of ``Store`` (a mixin: it uses the store's connection, path and transactions)."""

    path: Path
    _db: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # provided by Store
        raise NotImplementedError

    # A reader is claimed (with the Message-ID of their copy) before the server is asked, and marked sent the
    # moment the server accepts. A claim left by a crash means "perhaps delivered": a rerun sends that reader the
    # same message again, with the same Message-ID, so mail systems that de-duplicate by Message-ID show it once.
    def _ledger(self) -> sqlite3.Connection:
        """The connection, with the records that could only be journalled (the store was locked) moved in; the
        schema itself (the state column of older stores) is migrated when the store is opened."""
        if not getattr(self, "_ledger_ready", False):
            try:
                self._merge_journal()
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read the send ledger in {self.path}: {exc}") from exc
            self._ledger_ready = True
        return self._db

    @property
    def journal_path(self) -> Path:
        """Where accepted sends are journalled when the store stays locked (moved into the ledger next time)."""
        return self.path.with_name(self.path.name + ".sends-journal")

    def _merge_journal(self) -> None:
        """Move the journalled records into the ledger, then remove the journal (damaged lines are skipped)."""
        if not self.journal_path.is_file():
            return
        try:
            raw = self.journal_path.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read the send journal {self.journal_path}: {exc.strerror or exc}") from exc
        with self._db:
            self._db.executemany(_MARK_SENT, _journal_rows(raw))
        try:
            self.journal_path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StoreError(f"cannot remove the send journal {self.journal_path}: {exc.strerror or exc}") from exc

    def _rows(self, edition: str, state: str) -> list[tuple[str, str, str]]:
        """(edition, recipient, Message-ID) of an edition's date in ``state``: rows under its key, under a language
        variant's name (2025-12-08-en) and under a revision's name (2025-12-08.r2, as older versions recorded)."""
        key = edition_key(edition)
        rows = self._ledger().execute(
            f"SELECT edition, recipient, message_id FROM sends WHERE state = ? AND {_UNDER_KEY}",
            (state, *_under_key(key)),
        )
        return [(e, r, m) for e, r, m in rows if edition_key(e) == key]

    def record_override(self, edition: str, reasons: Sequence[str]) -> int:
        """Record that an edition failing the quality gate is being sent anyway (before any message goes out);
        the record's id, for ``drop_override`` when nobody was mailed after all."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO send_overrides(edition, recorded_at, reasons) VALUES (?, ?, ?)",
                (edition, _now(), "\n".join(reasons)),
            )
            return int(cur.lastrowid or 0)

    def drop_override(self, record: int) -> None:
        """Forget an override under which no message went out (the server could not be reached, say)."""
        with self.transaction() as db:
            db.execute("DELETE FROM send_overrides WHERE rowid = ?", (record,))

    def overrides(self, edition: str) -> list[tuple[str, str, list[str]]]:
        """(edition, when, reasons) of every ``--send-anyway`` recorded for an edition's date (any revision or
        language variant), oldest first."""
        key = edition_key(edition)
        rows = self._db.execute(  # reads only: no journal to merge, so a read-only store will do
            f"SELECT edition, recorded_at, reasons FROM send_overrides WHERE {_UNDER_KEY} ORDER BY recorded_at",
            _under_key(key),
        )
        return [(e, at, reasons.split("\n")) for e, at, reasons in rows if edition_key(e) == key]

    def sent_to(self, edition: str) -> set[str]:
        """Recipients (lower-case) whose copy of an edition (any revision or language variant of its date) a server
        has accepted."""
        return {r for _, r, _ in self._rows(edition, "sent")}

    def claimed(self, edition: str) -> dict[str, str]:
        """Recipients (lower-case) claimed but never marked sent (a run died meanwhile), with their Message-ID."""
        sent = self.sent_to(edition)
        key = edition_key(edition)
        found: dict[str, str] = {}
        for e, r, m in self._rows(edition, "claimed"):
            if r not in sent and (r not in found or e == key):  # the variant's own claim before an older one
                found[r] = m
        return found

    def claim_send(self, edition: str, recipient: str, message_id: str) -> None:
        """Claim a reader before their copy goes out (a reader already sent is never claimed again)."""
        with self.transaction() as db:
            self._ledger()
            db.execute(
                "INSERT INTO sends(edition, recipient, message_id, sent_at, state) VALUES (?, ?, ?, ?, 'claimed')"
                " ON CONFLICT(edition, recipient) DO UPDATE SET message_id = excluded.message_id"
                " WHERE sends.state = 'claimed'",
                (edition_key(edition), recipient.lower(), message_id, _now()),
            )

    def release_claim(self, edition: str, recipient: str) -> None:
        """Drop a claim the server refused: that reader was not served."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM sends WHERE edition = ? AND recipient = ? AND state = 'claimed'",
                (edition_key(edition), recipient.lower()),
            )

    def record_send(
        self,
        edition: str,
        recipient: str,
        message_id: str,
        *,
        retry_seconds: float = LEDGER_RETRY_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Mark one accepted message at once. Never gives up: while the store is locked it retries, and after
        ``retry_seconds`` the record goes to a journal beside the store, moved into the ledger on the next send."""
        row = (edition_key(edition), recipient.lower(), message_id, _now())
        deadline = time.monotonic() + retry_seconds
        while True:
            try:
                with self._db:
                    self._db.execute(_MARK_SENT, row)
                return
            except sqlite3.OperationalError:
                if time.monotonic() >= deadline:
                    break
                sleep(0.2)
        with self.journal_path.open("a", encoding="utf-8") as fh:
            fh.write("\t".join(row) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
