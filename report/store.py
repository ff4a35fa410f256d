"""The SQLite store: series metadata and observations with real-time periods (vintages).

This is the only module that touches the database. An observation row is valid from ``realtime_start`` to
``realtime_end`` inclusive (ALFRED's convention); the current vintage ends on 9999-12-31.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from report.errors import StoreError
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
    PRIMARY KEY (edition, recipient)
);
CREATE INDEX IF NOT EXISTS obs_by_vintage ON observations(series_id, realtime_start, realtime_end);
"""

Row = tuple[dt.date, float | None, dt.date, dt.date | None]


class ObservationSource(Protocol):
    """What building an edition asks of its data: the SQLite store and an archived snapshot both answer it."""

    def first_date(self) -> dt.date | None:
        """The earliest observation date held."""
        ...

    def load(self, series_ids: Iterable[str], as_of: dt.date) -> dict[str, pd.Series]:
        """Several series in plain units as they stood on ``as_of`` (a series not held is empty)."""
        ...


class Store:
    """A handle on one SQLite store file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.executescript(_SCHEMA)
            self._migrate()
            self._db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self._db.commit()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the data store {path}: {exc}") from exc

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
            raise StoreError(f"writing to the data store {self.path} failed: {exc}") from exc

    # --- metadata -------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """Read one value from the meta table."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
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
        """Store one series' observations (inside a transaction).

        Vintages (ALFRED real-time periods) replace the publication-lag estimates of that series. Plain
        observations get their typical publication date as ``realtime_start`` and never override a vintage.
        """
        self.upsert_series(db, info)
        if vintages:
            db.execute("DELETE FROM observations WHERE series_id = ? AND estimated = 1", (info.id,))
            return self.add_observations(db, info.id, rows, estimated=False)
        real = {
            r[0]
            for r in db.execute(
                "SELECT DISTINCT date FROM observations WHERE series_id = ? AND estimated = 0", (info.id,)
            )
        }
        plain = [(d, v, info.published(d), None) for d, v, _rs, _re in rows if d.isoformat() not in real]
        return self.add_observations(db, info.id, plain, estimated=True)

    def last_date(self, series_id: str) -> dt.date | None:
        """The latest observation date stored for a series (any vintage)."""
        row = self._db.execute("SELECT MAX(date) FROM observations WHERE series_id = ?", (series_id,)).fetchone()
        return None if row is None or row[0] is None else dt.date.fromisoformat(row[0])

    def source_updated(self, series_id: str) -> str | None:
        """The provider's last-updated stamp recorded at the previous fetch."""
        row = self._db.execute("SELECT source_updated FROM series WHERE id = ?", (series_id,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def set_source_updated(self, db: sqlite3.Connection, series_id: str, stamp: str) -> None:
        """Record the provider's last-updated stamp (inside a transaction)."""
        db.execute("UPDATE series SET source_updated = ? WHERE id = ?", (stamp, series_id))

    def scale(self, series_id: str) -> float:
        """Multiplier from stored units to plain units."""
        row = self._db.execute("SELECT scale FROM series WHERE id = ?", (series_id,)).fetchone()
        return 1.0 if row is None else float(row[0])

    def vintage_kind(self, series_id: str) -> str:
        """ "vintages" where ALFRED real-time periods are stored for the series, else "publication lag"."""
        row = self._db.execute(
            "SELECT 1 FROM observations WHERE series_id = ? AND estimated = 0 LIMIT 1", (series_id,)
        ).fetchone()
        return "vintages" if row else "publication lag"

    def first_date(self) -> dt.date | None:
        """The earliest observation date in the store."""
        row = self._db.execute("SELECT MIN(date) FROM observations").fetchone()
        return None if row is None or row[0] is None else dt.date.fromisoformat(row[0])

    def last_published(self) -> dt.date | None:
        """The latest real-time start in the store: no data is newer than this."""
        row = self._db.execute("SELECT MAX(realtime_start) FROM observations").fetchone()
        return None if row is None or row[0] is None else dt.date.fromisoformat(row[0])

    # --- the send ledger ---------------------------------------------------------------------------------------
    def sent_to(self, edition: str) -> set[str]:
        """Recipients (lower-case) whose copy of an edition a server has accepted."""
        rows = self._db.execute("SELECT recipient FROM sends WHERE edition = ?", (edition,))
        return {r[0] for r in rows}

    def record_send(self, edition: str, recipient: str, message_id: str) -> None:
        """Record one accepted message at once, so a rerun after a crash skips this reader."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO sends(edition, recipient, message_id, sent_at) VALUES (?, ?, ?, ?)",
                (edition, recipient.lower(), message_id, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )

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
            raise StoreError(f"reading {series_id} from {self.path} failed: {exc}") from exc
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
