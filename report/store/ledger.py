"""The send ledger: which reader each edition's e-mail reached, kept in the store so a rerun serves only the rest.

A reader is claimed (with the Message-ID of their copy) before the server is asked, and marked sent the moment the
server accepts. A claim left by a crash means "perhaps delivered": a rerun sends that reader the same message again,
with the same Message-ID, so mail systems that de-duplicate by Message-ID show it once.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
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
        """The connection, with the ledger brought up to date: older stores gain the state column, and records
        that could only be journalled (the store was locked) are moved in."""
        if not getattr(self, "_ledger_ready", False):
            try:
                columns = {row[1] for row in self._db.execute("PRAGMA table_info(sends)")}
                if "state" not in columns:
                    with self._db:
                        self._db.execute("ALTER TABLE sends ADD COLUMN state TEXT NOT NULL DEFAULT 'sent'")
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
        if not self.journal_path.is_file():
            return
        rows = []
        for line in self.journal_path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 4:
                rows.append(parts)
        with self._db:
            self._db.executemany(_MARK_SENT, rows)
        self.journal_path.unlink()

    def sent_to(self, edition: str) -> set[str]:
        """Recipients (lower-case) whose copy of an edition a server has accepted."""
        rows = self._ledger().execute("SELECT recipient FROM sends WHERE edition = ? AND state = 'sent'", (edition,))
        return {r[0] for r in rows}

    def claimed(self, edition: str) -> dict[str, str]:
        """Recipients (lower-case) claimed but never marked sent (a run died meanwhile), with their Message-ID."""
        rows = self._ledger().execute(
            "SELECT recipient, message_id FROM sends WHERE edition = ? AND state = 'claimed'", (edition,)
        )
        return {r[0]: r[1] for r in rows}

    def claim_send(self, edition: str, recipient: str, message_id: str) -> None:
        """Claim a reader before their copy goes out (a reader already sent is never claimed again)."""
        with self.transaction() as db:
            self._ledger()
            db.execute(
                "INSERT INTO sends(edition, recipient, message_id, sent_at, state) VALUES (?, ?, ?, ?, 'claimed')"
                " ON CONFLICT(edition, recipient) DO UPDATE SET message_id = excluded.message_id"
                " WHERE sends.state = 'claimed'",
                (edition, recipient.lower(), message_id, _now()),
            )

    def release_claim(self, edition: str, recipient: str) -> None:
        """Drop a claim the server refused: that reader was not served."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM sends WHERE edition = ? AND recipient = ? AND state = 'claimed'",
                (edition, recipient.lower()),
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
        row = (edition, recipient.lower(), message_id, _now())
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
