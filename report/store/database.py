"""The SQLite store: series metadata and observations with real-time periods (vintages).

This is the only module that touches the database. An observation row is valid from ``realtime_start`` to
``realtime_end`` inclusive (ALFRED's convention); the current vintage ends on 9999-12-31.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from report.errors import StoreError
from report.releases import Availability, ReleaseCalendar, bundled_rows
from report.releases import Row as CalendarRow
from report.series import SeriesInfo
from report.store.common import OPEN_END, OutdatedStore, Row, store_error, today_utc
from report.store.ledger import Ledger
from report.store.staging import Staging

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 2

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
CREATE TABLE IF NOT EXISTS send_overrides (  -- editions mailed although they failed the quality gate (--send-anyway)
    edition     TEXT NOT NULL,  -- the edition's folder name, with its revision
    recorded_at TEXT NOT NULL,  -- before the first message went out
    reasons     TEXT NOT NULL   -- the gate's reasons, one a line
);
CREATE TABLE IF NOT EXISTS release_dates (  -- FRED's release dates, stored by `brief fetch` (report/releases.py)
    release TEXT NOT NULL,
    date    TEXT NOT NULL,
    periods TEXT NOT NULL,  -- ";"-separated, as in the bundled calendar
    status  TEXT NOT NULL,  -- published or scheduled
    PRIMARY KEY (release, date)
);
"""

# the tables and indexes _SCHEMA creates: a store lacking one of them needs the schema run
_SCHEMA_OBJECTS = frozenset(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", _SCHEMA))


class ObservationSource(Protocol):
    """What building an edition asks of its data: the SQLite store and an archived snapshot both answer it."""

    def first_date(self) -> dt.date | None:
        """The earliest observation date held."""
        ...

    def load(self, series_ids: Iterable[str], as_of: dt.date) -> dict[str, pd.Series]:
        """Several series in plain units as they stood on ``as_of`` (a series not held is empty)."""
        ...

    @property
    def calendar(self) -> ReleaseCalendar:
        """The release calendar the data were read with."""
        ...

    def availability(self, series_id: str, as_of: dt.date) -> Mapping[str, tuple[str, str]]:
        """``{observation date: (basis, published)}`` for a series as it stood on ``as_of`` (ISO dates)."""
        ...

    def first_prints(self, series_id: str, as_of: dt.date) -> tuple[pd.Series, pd.Series]:
        """Observations as first published and the one before each in that vintage (empty without vintages)."""
        ...


class Seen(Mapping[str, tuple[str, str]]):
    """How each observation's availability was decided and when it became public, by ISO date, found by bisection
    in the rows read (an edition asks about the few dates its figures cite, not the 40,000 it read)."""

    def __init__(self, rows: Sequence[tuple[dt.date, float | None, Availability]]) -> None:
        self._rows = rows
        self._days = [d for d, _, _ in rows]  # ascending: the rows come ordered by date

    def __getitem__(self, day: str) -> tuple[str, str]:
        try:
            wanted = dt.date.fromisoformat(day)
        except (TypeError, ValueError):
            raise KeyError(day) from None
        i = bisect.bisect_left(self._days, wanted)
        if i == len(self._days) or self._days[i] != wanted:
            raise KeyError(day)
        seen = self._rows[i][2]
        return seen.basis, seen.date.isoformat()

    def __iter__(self) -> Iterator[str]:
        return (d.isoformat() for d in self._days)

    def __len__(self) -> int:
        return len(self._days)


class Store(Ledger):
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
        self._calendar: ReleaseCalendar | None = None
        self._visible: dict[tuple[str, dt.date], list[tuple[dt.date, float | None, Availability]]] = {}
        self._visible_version: tuple[int, int] | None = None
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
        if row is None or row[0] != str(SCHEMA_VERSION):
            return True
        # a store of this version written before the ledger claimed readers lacks sends.state
        return "state" not in {r[1] for r in self._db.execute("PRAGMA table_info(sends)")}

    def _migrate(self) -> None:
        """Bring a store written by an older version up to this schema."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(observations)")}
        if "estimated" not in columns:
            self._db.execute("ALTER TABLE observations ADD COLUMN estimated INTEGER NOT NULL DEFAULT 0")
        series_columns = {row[1] for row in self._db.execute("PRAGMA table_info(series)")}
        if "source_updated" not in series_columns:
            self._db.execute("ALTER TABLE series ADD COLUMN source_updated TEXT")
        if "state" not in {row[1] for row in self._db.execute("PRAGMA table_info(sends)")}:
            self._db.execute("ALTER TABLE sends ADD COLUMN state TEXT NOT NULL DEFAULT 'sent'")
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

    # --- the release calendar -----------------------------------------------------------------------------------
    @property
    def calendar(self) -> ReleaseCalendar:
        """The bundled release calendar with the dates ``brief fetch`` stored from FRED (theirs win)."""
        if self._calendar is None:
            try:
                stored = self._db.execute("SELECT release, date, periods, status FROM release_dates").fetchall()
            except sqlite3.Error as exc:
                raise store_error(self.path, exc, "reading the release calendar from") from exc
            fetched = [
                CalendarRow(r, dt.date.fromisoformat(d), tuple(p.split(";")), (), st, "", "fred")
                for r, d, p, st in stored
            ]
            self._calendar = ReleaseCalendar([*fetched, *bundled_rows()], source="fred" if fetched else "bundled")
        return self._calendar

    def set_release_dates(self, db: sqlite3.Connection, release: str, rows: Iterable[tuple[dt.date, str, str]]) -> int:
        """Replace one release's stored dates with ``(date, periods, status)`` rows (inside a transaction)."""
        data = [(release, d.isoformat(), periods, status) for d, periods, status in rows]
        db.execute("DELETE FROM release_dates WHERE release = ?", (release,))
        db.executemany("INSERT OR REPLACE INTO release_dates(release, date, periods, status) VALUES (?, ?, ?, ?)", data)
        self._calendar = None
        return len(data)

    # --- reading ----------------------------------------------------------------------------------------------
    def observations(self, series_id: str, as_of: dt.date) -> list[tuple[dt.date, float | None]]:
        """Observations of one series as they stood on ``as_of``: the vintage valid that day."""
        return [(d, v) for d, v, _ in self.visible(series_id, as_of)]

    def visible(self, series_id: str, as_of: dt.date) -> list[tuple[dt.date, float | None, Availability]]:
        """Observations public on ``as_of``, each with how that is known.

        A vintage (an ALFRED real-time period) says it itself. An observation stored without one is public once
        the release that first published it came out, by the release calendar (a dated row, else the release's
        regular schedule); a period the calendar says was never published is left out. A series without a
        release keeps its typical publication lag (``estimated``)."""
        key = (series_id, as_of)
        version = self._data_version()
        if self._visible_version != version:  # written since (by this connection or another): read afresh
            self._visible.clear()
            self._visible_version = version
        if key not in self._visible:  # a build reads each series twice: for its figures and for its snapshot
            self._visible[key] = self._read_visible(series_id, as_of)
        return list(self._visible[key])

    def _data_version(self) -> tuple[int, int]:
        """Changes whenever the database changes: another connection's commits (``PRAGMA data_version``) or this
        connection's own (``total_changes``)."""
        return self._db.execute("PRAGMA data_version").fetchone()[0], self._db.total_changes

    def _read_visible(self, series_id: str, as_of: dt.date) -> list[tuple[dt.date, float | None, Availability]]:
        day = as_of.isoformat()
        try:
            rows = self._db.execute(
                "SELECT date, value, realtime_start, estimated FROM observations"
                " WHERE series_id = ? AND date <= ? AND realtime_end >= ? AND (estimated = 1 OR realtime_start <= ?)"
                " ORDER BY date",
                (series_id, day, day, day),
            ).fetchall()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc, f"reading {series_id} from") from exc
        calendar = self.calendar
        out = []
        for d, v, rs, estimated in rows:
            observed, start = dt.date.fromisoformat(d), dt.date.fromisoformat(rs)
            if not estimated:
                seen: Availability | None = Availability(start, "vintage")
            elif calendar.has_release(series_id):
                seen = calendar.published(series_id, observed)  # None: never published
            else:
                seen = Availability(start, "estimated")
            if seen is not None and seen.date <= as_of:
                out.append((observed, None if v is None else float(v), seen))
        return out

    def first_prints(self, series_id: str, as_of: dt.date) -> tuple[pd.Series, pd.Series]:
        """Where vintages are stored: each observation as first published (its earliest vintage by ``as_of``), and
        the observation before it as it stood in that same vintage (so a monthly change can be read as first
        printed). Plain units; empty without vintages."""
        import pandas as pd

        day = as_of.isoformat()
        try:
            rows = self._db.execute(
                "SELECT date, value, realtime_start, realtime_end FROM observations"
                " WHERE series_id = ? AND estimated = 0 AND realtime_start <= ? ORDER BY date, realtime_start",
                (series_id, day),
            ).fetchall()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc, f"reading {series_id} from") from exc
        by_date: dict[str, list[tuple[str, str, float | None]]] = {}
        for d, v, rs, re_ in rows:
            if v is not None:  # an ALFRED vintage from before the observation existed holds "." (None)
                by_date.setdefault(d, []).append((rs, re_, float(v)))
        scale = self.scale(series_id)
        dates = sorted(by_date)
        first, before = {}, {}
        for i, d in enumerate(dates):
            start, _, value = by_date[d][0]
            first[d] = value
            if i > 0:  # the previous observation in the vintage of this one's first print
                prev = [v for rs, re_, v in by_date[dates[i - 1]] if rs <= start <= re_]
                before[d] = prev[0] if prev else None

        def plain(values: Mapping[str, float | None]) -> pd.Series:
            index = pd.DatetimeIndex([pd.Timestamp(d) for d in values], name="date")
            data = [float("nan") if v is None else v * scale for v in values.values()]
            return pd.Series(data, index=index, name=series_id, dtype="float64")

        return plain(first), plain(before)

    def series(self, series_id: str, as_of: dt.date) -> pd.Series:
        """One series in plain units as a pandas Series indexed by date (missing values as NaN)."""
        import numpy as np
        import pandas as pd

        rows = self.visible(series_id, as_of)
        scale = self.scale(series_id)
        days = np.array([d for d, _, _ in rows], dtype="datetime64[D]")  # one conversion, not a Timestamp a row
        index = pd.DatetimeIndex(days.astype("datetime64[ns]"), name="date")
        values = np.array([np.nan if v is None else v for _, v, _ in rows], dtype="float64") * scale
        return pd.Series(values, index=index, name=series_id, dtype="float64")

    def availability(self, series_id: str, as_of: dt.date) -> Mapping[str, tuple[str, str]]:
        """For each observation of a series public on ``as_of``: how that was decided and when it became public
        (``{date: (basis, published)}``, ISO dates), looked up on demand."""
        return Seen(self.visible(series_id, as_of))

    def load(self, series_ids: Iterable[str], as_of: dt.date) -> dict[str, pd.Series]:
        """Several series as they stood on ``as_of``."""
        return {sid: self.series(sid, as_of) for sid in series_ids}
