"""What the store's modules share: the observation row, the open end of a real-time period, today, and turning
SQLite's errors into one-line StoreErrors."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from report.errors import DataError, StoreError

OPEN_END = "9999-12-31"
Row = tuple[dt.date, float | None, dt.date, dt.date | None]
_DAMAGED = ("malformed", "not a database", "corrupt")


def now() -> str:
    """The current UTC time, to the second, as stored."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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


class OutdatedStore(StoreError):
    """A store written by an older version, opened read-only: it must be opened writable once to upgrade it."""
