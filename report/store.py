"""The SQLite store: series metadata and observations with real-time periods (vintages).

This is the only module that touches the database. An observation row is valid from ``realtime_start`` to
``realtime_end`` inclusive (ALFRED's convention); the current vintage ends on 9999-12-31.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from report.errors import DataError, StoreError
from report.series import SeriesInfo

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 2
OPEN_END = "9999-12-31"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS series (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    units      TEXT NOT NULL,
    scale      REAL NOT NULL,
    frequency  TEXT NOT NULL,
    source     TEXT NOT NULL,
    updated_at TEXT
);
CREATE TABLE IF NOT EXISTS observations (
    series_id      TEXT NOT NULL REFERENCES series(id),
    date           TEXT NOT NULL,
    value          REAL,
    realtime_start TEXT NOT NULL,
    realtime_end   TEXT NOT NULL DEFAULT '9999-12-31',
    estimated      INTEGER NOT NULL DEFAULT 0,  -- 1: realtime_start is the typical publication date, not a vintage
    PRIMARY KEY (series_id, date, realtime_start)
);
CREATE TABLE IF NOT EXISTS sends (
    edition    TEXT NOT NULL,
    recipient  TEXT NOT NULL,  -- lower-case address
    message_id TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'sent',  -- 'claimed' before the server is asked, 'sent' once it accepted
    PRIMARY KEY (edition, recipient)
);
CREATE INDEX IF NOT EXISTS obs_by_vintage ON observations(series_id, realtime_start, realtime_end);
"""

Row = tuple[dt.date, float | None, dt.date, dt.date | None]
# the tables and indexes _SCHEMA creates: a store lacking one of them needs the schema run
_SCHEMA_OBJECTS = frozenset(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", _SCHEMA))
_DAMAGED = ("malformed", "not a database", "corrupt")
LEDGER_RETRY_SECONDS = 120.0  # how long a send retries the ledger record before journalling it
_MARK_SENT = (
    "INSERT INTO sends(edition, recipient, message_id, sent_at, state) VALUES (?, ?, ?, ?, 'sent')"
    " ON CONFLICT(edition, recipient) DO UPDATE SET state = 'sent', message_id = excluded.message_id,"
    " sent_at = excluded.sent_at"
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class OutdatedStore(StoreError):
    """A store written by an older version, opened read-only: it must be opened writable once to upgrade it."""


class ObservationSource(Protocol):
    """What building an edition asks of its data: the SQLite store and an archived snapshot both answer it."""

    def first_date(self) -> dt.date | None:
        """The earliest observation date held."""
        ...

    def load(self, series_ids: Iterable[str], as_of: dt.date) -> dict[str, pd.Series]:
        """Several series in plain units as they stood on ``as_of`` (a series not held is empty)."""
        ...


class Store:
    """A handle on one SQLite store file.

    ``readonly=True`` opens it read-only (SQLite's ``mode=ro``): nothing is created or written, so reading works in
    a folder the user may not write. Either way the file's structure is checked first (``PRAGMA quick_check``: 30 ms
    for a 10 MB store), so a damaged store is reported as such before anything is read from it or written into it,
    and the schema is written only when it is missing or older than this version: opening a current store writes
    nothing.
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        try:
            if readonly:
                if not path.is_file():
                    raise StoreError(f"cannot open the data store {path}: no such file")
                self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the data store {path}: {exc}") from exc
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            self._check()
            if self._outdated():
                if readonly:
                    raise OutdatedStore(
                        f"the data store {path} was written by an older version; "
                        "run `brief data import` or `brief fetch` once to upgrade it"
                    )
                self._db.executescript(_SCHEMA)
                self._migrate()
                self._db.commit()
        except sqlite3.Error as exc:
            self._db.close()
            raise store_error(path, exc, "opening") from exc
        except StoreError:
            self._db.close()
            raise

    def _check(self) -> None:
        """Refuse a damaged file before anything is read from it or written into it."""
        problems = [str(r[0]) for r in self._db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise StoreError(
                f"the data store {self.path} is damaged ({'; '.join(problems)}); "
                "restore it from a backup or delete it to start again"
            )

    def _outdated(self) -> bool:
        """Whether the schema must be created or migrated (asked with read-only queries)."""
        names = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}
        if not _SCHEMA_OBJECTS.issubset(names):
            return True
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return row is None or row[0] != str(SCHEMA_VERSION)

    def _migrate(self) -> None:
        """Bring a store written by an older version up to this schema."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(observations)")}
        if "estimated" not in columns:
            self._db.execute("ALTER TABLE observations ADD COLUMN estimated INTEGER NOT NULL DEFAULT 0")
        series_columns = {row[1] for row in self._db.execute("PRAGMA table_info(series)")}
        if "source_updated" not in series_columns:
            self._db.execute("ALTER TABLE series ADD COLUMN source_updated TEXT")
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Everything inside commits together or not at all."""
        try:
            with self._db:
                yield self._db
        except sqlite3.Error as exc:
            raise store_error(self.path, exc, "writing to") from exc

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        """One row of a read query; a SQLite error becomes a StoreError naming the file."""
        try:
            row: tuple[Any, ...] | None = self._db.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc, "reading") from exc
        return row

    # --- metadata -------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """Read one value from the meta table."""
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def set_meta(self, db: sqlite3.Connection, key: str, value: str) -> None:
        """Write one value to the meta table (inside a transaction)."""
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def upsert_series(self, db: sqlite3.Connection, info: SeriesInfo) -> None:
        """Record or update a series' metadata (inside a transaction)."""
        db.execute(
            "INSERT INTO series(id, title, units, scale, frequency, source, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET title=excluded.title, units=excluded.units, scale=excluded.scale,"
            " frequency=excluded.frequency, source=excluded.source, updated_at=excluded.updated_at",
            (
                info.id,
                info.title,
                info.units,
                info.scale,
                info.frequency,
                info.source,
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            ),
        )

    def add_observations(
        self, db: sqlite3.Connection, series_id: str, rows: Iterable[Row], *, estimated: bool = False
    ) -> int:
        """Insert observations ``(date, value, realtime_start, realtime_end)``; returns the count."""
        data = [
            (series_id, d.isoformat(), v, rs.isoformat(), re.isoformat() if re else OPEN_END, int(estimated))
            for d, v, rs, re in rows
        ]
        db.executemany(
            "INSERT OR REPLACE INTO observations(series_id, date, value, realtime_start, realtime_end, estimated)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            data,
        )
        return len(data)

    def write_series(self, db: sqlite3.Connection, info: SeriesInfo, rows: Iterable[Row], *, vintages: bool) -> int:
        """Store one series' observations (inside a transaction); returns how many were stored.

        Vintages (ALFRED real-time periods) replace the publication-lag estimates of the dates they cover, and only
        of those. Plain observations get their typical publication date as ``realtime_start`` and never override a
        vintage.
        """
        self.upsert_series(db, info)
        staging = self.staging(db, {info.id: info}, vintages=vintages, duplicates="replace")
        for d, v, rs, re_ in rows:
            staging.add(0, info.id, d, v, start=rs, end=re_)
        return staging.merge().get(info.id, 0)

    def staging(
        self,
        db: sqlite3.Connection,
        infos: Mapping[str, SeriesInfo],
        *,
        vintages: bool,
        duplicates: Literal["refuse", "replace"] = "refuse",
    ) -> Staging:
        """Where one import's rows wait (inside a transaction): ``add`` them as they are read, then ``merge``."""
        return Staging(self, db, infos, vintages=vintages, duplicates=duplicates)

    def last_date(self, series_id: str, *, today: dt.date | None = None) -> dt.date | None:
        """The latest observation date stored for a series (any vintage), not after today.

        A row dated in the future must not make an incremental fetch start after it.
        """
        day = (today or today_utc()).isoformat()
        row = self._one("SELECT MAX(date) FROM observations WHERE series_id = ? AND date <= ?", (series_id, day))
        return None if row is None or row[0] is None else dt.date.fromisoformat(row[0])

    def source_updated(self, series_id: str) -> str | None:
        """The provider's last-updated stamp recorded at the previous fetch."""
        row = self._one("SELECT source_updated FROM series WHERE id = ?", (series_id,))
        return None if row is None or row[0] is None else str(row[0])

    def set_source_updated(self, db: sqlite3.Connection, series_id: str, stamp: str) -> None:
        """Record the provider's last-updated stamp (inside a transaction)."""
        db.execute("UPDATE series SET source_updated = ? WHERE id = ?", (stamp, series_id))

    def scale(self, series_id: str) -> float:
        """Multiplier from stored units to plain units."""
        row = self._one("SELECT scale FROM series WHERE id = ?", (series_id,))
        return 1.0 if row is None else float(row[0])

    def vintage_kind(self, series_id: str) -> str:
        """ "vintages" where ALFRED real-time periods are stored for the series, else "publication lag"."""
        row = self._one("SELECT 1 FROM observations WHERE series_id = ? AND estimated = 0 LIMIT 1", (series_id,))
        return "vintages" if row else "publication lag"

    def first_date(self) -> dt.date | None:
        """The earliest observation date in the store."""
        row = self._one("SELECT MIN(date) FROM observations")
        return None if row is None or row[0] is None else dt.date.fromisoformat(row[0])

    def last_published(self) -> dt.date | None:
        """The latest real-time start in the store: no data is newer than this."""
        row = self._one("SELECT MAX(realtime_start) FROM observations")
        return None if row is None or row[0] is None else dt.date.fromisoformat(row[0])

    # --- the send ledger ---------------------------------------------------------------------------------------
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

    # --- reading ----------------------------------------------------------------------------------------------
    def observations(self, series_id: str, as_of: dt.date) -> list[tuple[dt.date, float | None]]:
        """Observations of one series as they stood on ``as_of``: the vintage valid that day."""
        day = as_of.isoformat()
        try:
            rows = self._db.execute(
                "SELECT date, value FROM observations"
                " WHERE series_id = ? AND date <= ? AND realtime_start <= ? AND realtime_end >= ?"
                " ORDER BY date",
                (series_id, day, day, day),
            ).fetchall()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc, f"reading {series_id} from") from exc
        return [(dt.date.fromisoformat(d), None if v is None else float(v)) for d, v in rows]

    def series(self, series_id: str, as_of: dt.date) -> pd.Series:
        """One series in plain units as a pandas Series indexed by date (missing values as NaN)."""
        import pandas as pd

        rows = self.observations(series_id, as_of)
        scale = self.scale(series_id)
        index = pd.DatetimeIndex([pd.Timestamp(d) for d, _ in rows], name="date")
        values = [float("nan") if v is None else v * scale for _, v in rows]
        return pd.Series(values, index=index, name=series_id, dtype="float64")

    def load(self, series_ids: Iterable[str], as_of: dt.date) -> dict[str, pd.Series]:
        """Several series as they stood on ``as_of``."""
        return {sid: self.series(sid, as_of) for sid in series_ids}


# --- importing: staging and merging ---------------------------------------------------------------------------
# An import's rows wait in a temporary table (SQLite keeps a large one in a temporary file, not in memory) until
# the file has been read to the end; then they are merged into the observations in the same transaction.
_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS staged (
    series_id      TEXT NOT NULL,
    date           TEXT NOT NULL,
    realtime_start TEXT NOT NULL,
    realtime_end   TEXT NOT NULL,
    value          REAL,
    line           INTEGER NOT NULL,
    PRIMARY KEY (series_id, date, realtime_start)
) WITHOUT ROWID
"""
_STAGED_DATES = "SELECT date FROM temp.staged WHERE series_id = ?1"
_VINTAGE_DATES = "SELECT date FROM observations WHERE series_id = ?1 AND estimated = 0"
_MERGE_PLAIN = (
    # an estimate is replaced by the file's estimate for the same date; a date that has vintages keeps them
    f"DELETE FROM observations WHERE series_id = ?1 AND estimated = 1 AND date IN ({_STAGED_DATES})"
    f" AND date NOT IN ({_VINTAGE_DATES})",
    "INSERT OR REPLACE INTO observations(series_id, date, value, realtime_start, realtime_end, estimated)"
    " SELECT series_id, date, value, realtime_start, realtime_end, 1 FROM temp.staged"
    f" WHERE series_id = ?1 AND date NOT IN ({_VINTAGE_DATES})",
)
_MERGE_VINTAGES = (
    "INSERT OR REPLACE INTO observations(series_id, date, value, realtime_start, realtime_end, estimated)"
    " SELECT series_id, date, value, realtime_start, realtime_end, 0 FROM temp.staged WHERE series_id = ?1",
    # for the dates the file covers only: an estimate from the first vintage on goes; an earlier one stays,
    # closed (below) the day before the first vintage
    f"DELETE FROM observations AS o WHERE o.series_id = ?1 AND o.estimated = 1 AND o.date IN ({_STAGED_DATES})"
    " AND o.realtime_start >= (SELECT MIN(r.realtime_start) FROM observations AS r"
    " WHERE r.series_id = o.series_id AND r.date = o.date AND r.estimated = 0)",
    # each real-time period of those dates ends, at the latest, the day before the next one starts
    "UPDATE observations AS o SET realtime_end = n.next_end FROM ("
    " SELECT date, realtime_start,"
    " date(LEAD(realtime_start) OVER (PARTITION BY date ORDER BY realtime_start), '-1 day') AS next_end"
    f" FROM observations WHERE series_id = ?1 AND date IN ({_STAGED_DATES})) AS n"
    " WHERE o.series_id = ?1 AND o.date = n.date AND o.realtime_start = n.realtime_start"
    " AND n.next_end IS NOT NULL AND n.next_end < o.realtime_end",
)


class Staging:
    """One import's observations, gathered row by row and merged into the store at the end.

    Use it inside a transaction. Rows go to a temporary table in batches, so memory stays bounded however large
    the file. ``merge`` returns how many observations were stored per series: fewer than the rows read when
    rows repeat (``duplicates="replace"``: the last one counts) or when a plain row meets a date held as vintages.
    An import never removes an observation it does not replace.
    """

    BATCH = 5000

    def __init__(
        self,
        store: Store,
        db: sqlite3.Connection,
        infos: Mapping[str, SeriesInfo],
        *,
        vintages: bool,
        duplicates: Literal["refuse", "replace"],
    ) -> None:
        self._store = store
        self._db = db
        self._infos = infos
        self._vintages = vintages
        verb = "INSERT OR REPLACE" if duplicates == "replace" else "INSERT"
        self._insert = (
            f"{verb} INTO temp.staged(series_id, date, realtime_start, realtime_end, value, line)"
            " VALUES (?, ?, ?, ?, ?, ?)"
        )
        self._batch: list[tuple[str, str, str, str, float | None, int]] = []
        db.execute(_STAGING)
        db.execute("DELETE FROM temp.staged")

    def add(
        self,
        line: int,
        series_id: str,
        date: dt.date,
        value: float | None,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> None:
        """One observation read from ``line``; a plain one (not a vintage) is stamped with its typical
        publication date. Raises DuplicateObservation for a repeated one when duplicates are refused."""
        if self._vintages:
            row = (series_id, date.isoformat(), (start or date).isoformat(), end.isoformat() if end else OPEN_END)
        else:
            row = (series_id, date.isoformat(), self._infos[series_id].published(date).isoformat(), OPEN_END)
        self._batch.append((*row, value, line))
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        try:
            self._db.executemany(self._insert, batch)
        except sqlite3.IntegrityError:
            # the batch stopped at the repeated row: rows before it are in, each under its own line
            for sid, d, rs, _end, _value, line in batch:
                held = self._db.execute(
                    "SELECT line FROM temp.staged WHERE series_id = ? AND date = ? AND realtime_start = ?", (sid, d, rs)
                ).fetchone()
                if held is not None and held[0] != line:
                    raise DuplicateObservation(line, sid, d, held[0]) from None
            raise

    def merge(self) -> dict[str, int]:
        """Store the staged rows; returns how many observations were stored, per series that had rows."""
        self._flush()
        counts: dict[str, int] = {}
        for (sid,) in self._db.execute("SELECT DISTINCT series_id FROM temp.staged").fetchall():
            self._store.upsert_series(self._db, self._infos[sid])
            for sql in _MERGE_VINTAGES if self._vintages else _MERGE_PLAIN:
                cursor = self._db.execute(sql, (sid,))
                if sql.startswith("INSERT"):
                    counts[sid] = cursor.rowcount
        self._db.execute("DELETE FROM temp.staged")
        return counts


def today_utc() -> dt.date:
    """Today by the later of the local and the UTC calendars: a source keeping UTC dates may be on tomorrow."""
    return max(dt.date.today(), dt.datetime.now(dt.UTC).date())


def store_error(path: Path, exc: sqlite3.Error, doing: str) -> StoreError:
    """A one-line StoreError naming the file; a damaged file says so, and what to do about it."""
    text = str(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    if code in {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB} or any(w in text.lower() for w in _DAMAGED):
        return StoreError(
            f"the data store {path} is damaged ({text}); restore it from a backup or delete it to start again"
        )
    return StoreError(f"{doing} the data store {path} failed: {text}")


class DuplicateObservation(DataError):
    """An import holds the same observation twice (the importer adds the file name)."""

    def __init__(self, line: int, series_id: str, date: str, first_line: int) -> None:
        super().__init__(f"{series_id} {date} appears twice (first on line {first_line})")
        self.line = line
        self.first_line = first_line
