"""Importing into the store: an import's rows wait in a temporary table (SQLite keeps a large one in a temporary
file, not in memory) until the file has been read to the end; then they are merged into the observations in the same
transaction. An import never removes an observation it does not replace."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from report.series import SeriesInfo
from report.store.common import OPEN_END, DuplicateObservation

if TYPE_CHECKING:
    from report.store.database import Store

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
