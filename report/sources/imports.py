"""Importing downloaded CSV files into the store, each file in one transaction.

Formats, recognised from the header:
- FRED: ``observation_date,SERIES`` or the older ``DATE,SERIES`` (also ``date,value`` with the series taken from
  ``--series`` or the file name, e.g. ``WALCL.csv``); "." is a missing value.
- ALFRED vintages: ``observation_date,SERIES_YYYYMMDD,SERIES_YYYYMMDD,...``, one column per vintage, stored as
  real-time periods.
- Coin Metrics community CSV: ``time,...,PriceUSD,HashRate,SplyCur,IssTotNtv,FeeTotNtv,...`` (also the API's
  ``asset,date,...`` layout, with ``DiffMean``).
- Blockchain.com charts: ``date,unix_ts,value`` (series from ``--series`` or the file name: hash-rate, difficulty,
  market-price, transaction-fees; the chart's difficulty is a 7-day average, stored as BTC_DIFFICULTY_7D).
- Generic long CSV: ``series,date,value[,realtime_start]``.
Units are those of the source, recorded per series (``report/series.py``); figures convert them.

A file is read as a stream (one line at a time, each at most ``MAX_LINE`` bytes) into the store's staging table,
so memory stays bounded however large it is; anything that is not a regular file is refused before it is read.
Every problem is an ``ImportFailed`` whose one-line message starts with ``file:line``.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from report.errors import DataError
from report.series import SERIES
from report.store import DuplicateObservation, Row, Store, today_utc

MISSING = {"", ".", "na", "null", "none", "#n/a"}
DATE_COLUMNS = {"observation_date", "date", "time", ""}
ALFRED_COLUMN = re.compile(r"^([A-Za-z0-9]+)_([0-9]{8})$")
# a date as FRED, ALFRED and Coin Metrics write it: YYYY-MM-DD, optionally with a time of day (Coin Metrics'
# 2025-01-08T00:00:00Z or 2025-01-08T00:00:00.000Z); ASCII digits only, nothing after it
DATE_TEXT = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
# a number in plain ASCII notation: no digit separators (3_000_000), no other scripts' digits, no inf or nan
NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NON_FINITE = {"inf", "infinity", "nan"}
FIRST_YEAR = 1900  # no series the brief uses starts earlier; an earlier date is a typo (and breaks the charts)
MAX_LINE = 1 << 20  # bytes in one CSV record; a longer one is not a data file this reads
BOM = b"\xef\xbb\xbf"
COINMETRICS = {
    "PriceUSD": "BTC_PRICE",
    "HashRate": "BTC_HASHRATE",
    "SplyCur": "BTC_SUPPLY",
    "IssTotNtv": "BTC_ISSUANCE",
    "FeeTotNtv": "BTC_FEES",
    "DiffMean": "BTC_DIFFICULTY",
    "CapMVRVCur": "BTC_MVRV",
    "SplyExNtv": "BTC_EXCHANGE_SUPPLY",
}
# CryptoQuant and Farside-style exports: Datetime,<metric> (ETF flows in US$ millions)
CRYPTOQUANT = {
    "Realized Price": "BTC_REALIZED_PRICE",
    "MVRV Ratio": "BTC_MVRV",
    "ETF Net Flow (USD mn)": "BTC_ETF_FLOW",
}
BLOCKCHAIN_COM = {
    "hash-rate": "BTC_HASHRATE",
    # the chart's difficulty is a 7-day average: held apart, since it blends two adjustments and dates them late
    "difficulty": "BTC_DIFFICULTY_7D",
    "market-price": "BTC_PRICE",
    "transaction-fees": "BTC_FEES",
}

# one observation as read: (line, series, date, value, realtime_start, realtime_end); a plain observation (not a
# vintage) has no real-time period: the store stamps it with its typical publication date
Record = tuple[int, str, dt.date, float | None, dt.date | None, dt.date | None]


class ImportFailed(DataError):
    """A file that cannot be imported; the message starts with ``file:line``."""


@dataclass
class Reader:
    """A file whose header has been recognised, and its observations as a stream."""

    format: str
    vintages: bool
    series: list[str]
    records: Iterator[Record]
    duplicates: Literal["refuse", "replace"] = "refuse"


@dataclass
class Parsed:
    """What one file holds: rows per series, and whether they are vintages."""

    format: str
    vintages: bool
    series: dict[str, list[Row]] = field(default_factory=dict)


@dataclass(frozen=True)
class Imported:
    """The outcome of importing one file: observations stored per series."""

    path: Path
    format: str
    counts: dict[str, int]


def _fail(path: Path, line: int, message: str) -> ImportFailed:
    return ImportFailed(f"{path}:{line}: {message}")


def date_problem(day: dt.date, today: dt.date) -> str | None:
    """Why an observation's date cannot be stored (before FIRST_YEAR or after today), or None when it can."""
    if day.year < FIRST_YEAR:
        return f"before {FIRST_YEAR}"
    if day > today:
        return "after today"
    return None


def value_problem(value: float | None, series_id: str) -> str | None:
    """Why a value cannot be stored (not finite, as read or in plain units), or None when it can."""
    if value is None:
        return None
    info = SERIES.get(series_id)
    if not math.isfinite(value) or (info is not None and not math.isfinite(value * info.scale)):
        return "not finite"
    return None


def _date(text: str, path: Path, line: int) -> dt.date:
    text = text.strip().strip('"')
    match = DATE_TEXT.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        day = dt.date.fromisoformat(match.group(1))
    except ValueError as exc:
        raise _fail(path, line, f"{text[:40]!r} is not a date (YYYY-MM-DD)") from exc
    if day.year < FIRST_YEAR:
        raise _fail(path, line, f"{day} is before {FIRST_YEAR}; no series the brief uses starts that early")
    return day


def _value(text: str, path: Path, *, line: int, column: str, series: str | None = None) -> float | None:
    text = text.strip().strip('"')
    if text.lower() in MISSING:
        return None
    if not NUMBER_TEXT.fullmatch(text):
        if text.lower().lstrip("+-") in NON_FINITE:
            raise _fail(path, line, f"{column}: {text!r} is not a finite number")
        raise _fail(path, line, f"{column}: {text[:40]!r} is not a number (plain digits, e.g. 1234.5 or 1.2e6)")
    value = float(text)
    if not math.isfinite(value):
        raise _fail(path, line, f"{column}: {text!r} is not a finite number")
    if value_problem(value, series or column) is not None:
        raise _fail(path, line, f"{column}: {text!r} is too large (not a finite number in plain units)")
    return value


def _known(series_id: str, path: Path, line: int) -> str:
    if series_id not in SERIES:
        raise _fail(path, line, f"unknown series {series_id!r}; known: {', '.join(sorted(SERIES))}")
    return series_id


# --- reading: bounded, line-numbered, strict ---------------------------------------------------------------------
@contextmanager
def _open(path: Path) -> Iterator[BinaryIO]:
    """Open a regular file for reading; anything else (a FIFO, a device, a folder) is refused unread."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever (no effect on regular files)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a pipe" if stat.S_ISFIFO(mode) else "a device or socket"
            raise ImportFailed(f"{path}: not a regular file ({kind}); give the path of a downloaded CSV file")
        os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        yield fh


class _Lines:
    """A binary file's lines as text for ``csv.reader``: each decoded as UTF-8 on its own (so an error names its
    line), and no record longer than ``MAX_LINE`` bytes read into memory."""

    def __init__(self, fh: BinaryIO, path: Path) -> None:
        self._fh = fh
        self._path = path
        self.number = 0  # lines read so far
        self.record_bytes = 0  # bytes of the record being read (a quoted field may span lines)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            raw = self._fh.readline(MAX_LINE + 1 - self.record_bytes)
        except OSError as exc:
            raise _fail(self._path, self.number + 1, f"cannot read: {exc.strerror}") from exc
        if not raw:
            raise StopIteration
        self.number += 1
        self.record_bytes += len(raw)
        if self.record_bytes > MAX_LINE:
            raise _fail(self._path, self.number, f"the line is longer than {MAX_LINE // 1024} KB; is this a CSV file?")
        if self.number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(
                self._path,
                self.number,
                f"byte 0x{raw[exc.start]:02x} (column {exc.start + 1}) is not UTF-8 text; save the file as UTF-8",
            ) from None


def _records(fh: BinaryIO, path: Path) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the line each starts on."""
    lines = _Lines(fh, path)
    reader = csv.reader(lines)
    while True:
        start = lines.number + 1
        lines.record_bytes = 0
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _fail(path, start, f"malformed CSV: {exc}") from None
        if row and any(cell.strip() for cell in row):
            yield start, row


def _fitted(rows: Iterator[tuple[int, list[str]]], path: Path, width: int) -> Iterator[tuple[int, list[str]]]:
    """Rows with exactly the header's columns: more means a split number (an unquoted 1,234.5), fewer a cut row."""
    for n, row in rows:
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            raise _fail(
                path,
                n,
                f"{len(row)} columns but the header has {width}; a number with a thousands separator "
                "(1,234.5) must be written 1234.5 or quoted",
            )
        if len(row) < width:
            raise _fail(path, n, f"{len(row)} columns but the header has {width}")
        yield n, row[:width]


def _not_future(records: Iterator[Record], path: Path, today: dt.date) -> Iterator[Record]:
    """Refuse a date (or real-time start) after today. Reported once the rest of the file has been read, so a
    malformed row is named first."""
    late: tuple[int, dt.date] | None = None
    for rec in records:
        n, _sid, d, _v, start, _end = rec
        for day in (d, start):
            if late is None and day is not None and day > today:
                late = (n, day)
        yield rec
    if late is not None:
        raise _fail(path, late[0], f"{late[1]} is after today ({today}); a file may hold only published data")


def _series_from_name(path: Path, hint: str | None, table: dict[str, str] | None = None) -> str | None:
    if hint:
        return hint
    stem = path.stem.split("_")[0]
    if table and path.stem in table:
        return table[path.stem]
    return stem.upper() if stem.upper() in SERIES else None


def open_reader(fh: BinaryIO, path: Path, series_hint: str | None = None, *, today: dt.date | None = None) -> Reader:
    """Recognise a file from its header; its observations are then read as the reader's records are."""
    rows = _records(fh, path)
    first = next(rows, None)
    if first is None:
        raise ImportFailed(f"{path}: the file is empty")
    hline, header = first
    names = [h.strip() for h in header]
    lower = [h.lower() for h in names]
    body = _fitted(rows, path, len(names))
    today = today or today_utc()
    reader = _recognise(path, body, names=names, lower=lower, hline=hline, hint=series_hint, today=today)
    reader.records = _not_future(reader.records, path, today)
    return reader


def _recognise(
    path: Path,
    rows: Iterator[tuple[int, list[str]]],
    *,
    names: list[str],
    lower: list[str],
    hline: int,
    hint: str | None,
    today: dt.date,
) -> Reader:
    if {"series", "date", "value"} <= set(lower):
        return _long(path, rows, lower)
    if "time" in lower or ("asset" in lower and "date" in lower):
        return _coinmetrics(path, rows, names=names, lower=lower, hline=hline)
    if lower == ["date", "unix_ts", "value"]:
        sid = _series_from_name(path, hint, BLOCKCHAIN_COM)
        if sid is None:
            raise _fail(path, hline, "cannot tell which series this Blockchain.com file holds; use --series")
        return _two_column(path, rows, sid=_known(sid, path, hline), fmt="blockchain.com", value_col=2)
    if lower[0] in DATE_COLUMNS and len(names) >= 2 and all(ALFRED_COLUMN.match(h) for h in names[1:]):
        return _alfred(path, rows, names=names, hline=hline, today=today)
    if lower[0] in (*DATE_COLUMNS, "datetime") and len(names) == 2 and names[1] in CRYPTOQUANT:
        return _two_column(path, rows, sid=CRYPTOQUANT[names[1]], fmt="cryptoquant", value_col=1)
    if lower[0] in DATE_COLUMNS and len(names) == 2:
        sid = names[1] if names[1] in SERIES else _series_from_name(path, hint)
        if sid is None:
            raise _fail(path, hline, f"column {names[1]!r} is not a known series; name it with --series")
        return _two_column(path, rows, sid=_known(sid, path, hline), fmt="fred", value_col=1)
    raise _fail(path, hline, "unrecognised header; expected a FRED, ALFRED, Coin Metrics or series,date,value CSV")


def _two_column(path: Path, rows: Iterator[tuple[int, list[str]]], *, sid: str, fmt: str, value_col: int) -> Reader:
    def records() -> Iterator[Record]:
        for n, row in rows:
            yield n, sid, _date(row[0], path, n), _value(row[value_col], path, line=n, column=sid), None, None

    return Reader(fmt, vintages=False, series=[sid], records=records())


def _alfred(
    path: Path, rows: Iterator[tuple[int, list[str]]], *, names: list[str], hline: int, today: dt.date
) -> Reader:
    """One column per vintage: a value holds from its vintage date until the next vintage that changes it."""
    matches = [(h, m) for h in names[1:] if (m := ALFRED_COLUMN.match(h)) is not None]
    ids = {m.group(1) for _, m in matches}
    if len(ids) != 1:
        raise _fail(path, hline, f"vintage columns name several series: {', '.join(sorted(ids))}")
    sid = _known(ids.pop(), path, hline)
    vintages = []
    for h, m in matches:
        stamp = m.group(2)
        try:
            vintage = dt.datetime.strptime(stamp, "%Y%m%d").date()
        except ValueError as exc:
            raise _fail(path, hline, f"{h}: {stamp} is not a date") from exc
        if vintage.year < FIRST_YEAR:
            raise _fail(path, hline, f"{h}: the vintage {vintage} is before {FIRST_YEAR}")
        if vintage in vintages:
            raise _fail(path, hline, f"{h}: the vintage column appears twice")
        if vintage > today:
            raise _fail(path, hline, f"{h}: the vintage {vintage} is after today ({today})")
        vintages.append(vintage)
    if vintages != sorted(vintages):
        raise _fail(path, hline, "vintage columns are not in date order")

    def records() -> Iterator[Record]:
        for n, row in rows:
            d = _date(row[0], path, n)
            periods: list[tuple[dt.date, float | None]] = []
            for k, vintage in enumerate(vintages):
                cell = row[k + 1]
                if cell.strip() in {"", "#N/A"}:
                    continue  # not yet published in that vintage
                v = _value(cell, path, line=n, column=names[k + 1], series=sid)
                if not periods or periods[-1][1] != v:
                    periods.append((vintage, v))
            for i, (start, v) in enumerate(periods):
                end = periods[i + 1][0] - dt.timedelta(days=1) if i + 1 < len(periods) else None
                yield n, sid, d, v, start, end

    return Reader("alfred", vintages=True, series=[sid], records=records())


def _coinmetrics(
    path: Path, rows: Iterator[tuple[int, list[str]]], *, names: list[str], lower: list[str], hline: int
) -> Reader:
    date_col = lower.index("time") if "time" in lower else lower.index("date")
    asset_col = lower.index("asset") if "asset" in lower else None
    cols = {i: COINMETRICS[h] for i, h in enumerate(names) if h in COINMETRICS}
    if not cols:
        raise _fail(path, hline, f"no known Coin Metrics metric ({', '.join(COINMETRICS)})")

    def records() -> Iterator[Record]:
        for n, row in rows:
            if asset_col is not None and row[asset_col].strip().lower() != "btc":
                raise _fail(path, n, f"asset {row[asset_col]!r}: only btc rows can be imported")
            d = _date(row[date_col], path, n)
            for i, sid in cols.items():
                v = _value(row[i], path, line=n, column=names[i], series=sid)
                if v is not None:  # Coin Metrics leaves the newest day's cells empty until it is complete
                    yield n, sid, d, v, None, None

    # a repeated day replaces the earlier one (Coin Metrics files are often appended to)
    return Reader("coinmetrics", vintages=False, series=list(cols.values()), records=records(), duplicates="replace")


def _long(path: Path, rows: Iterator[tuple[int, list[str]]], lower: list[str]) -> Reader:
    """``series,date,value[,realtime_start]``: with ``realtime_start`` each row starts a real-time period, which
    lasts until the next one of the same observation starts (worked out when the rows are stored)."""
    idx = {name: lower.index(name) for name in ("series", "date", "value")}
    rt = lower.index("realtime_start") if "realtime_start" in lower else None
    seen: list[str] = []

    def records() -> Iterator[Record]:
        for n, row in rows:
            sid = _known(row[idx["series"]].strip(), path, n)
            if sid not in seen:
                seen.append(sid)
            d = _date(row[idx["date"]], path, n)
            start = _date(row[rt], path, n) if rt is not None else None
            yield n, sid, d, _value(row[idx["value"]], path, line=n, column=sid), start, None

    return Reader("long", vintages=rt is not None, series=seen, records=records())


# --- the two entry points ----------------------------------------------------------------------------------------
def parse(path: Path, series_hint: str | None = None) -> Parsed:
    """Read one whole file into rows per series (for looking at a file; importing streams instead).

    Rows are ``(date, value, realtime_start, realtime_end)``; a plain observation has its own date as
    ``realtime_start``, and a long-format vintage has no ``realtime_end`` (the store closes it at the next one).
    """
    with _open(path) as fh:
        reader = open_reader(fh, path, series_hint)
        out = Parsed(reader.format, reader.vintages, {sid: [] for sid in reader.series})
        lines: dict[tuple[str, dt.date, dt.date | None], int] = {}
        for n, sid, d, v, start, end in reader.records:
            first = lines.setdefault((sid, d, start), n)
            if first != n and reader.duplicates == "refuse":
                raise _fail(path, n, f"{sid} {d} appears twice (first on line {first})")
            out.series.setdefault(sid, []).append((d, v, start or d, end))
    return out


def import_file(store: Store, path: Path, series_hint: str | None = None) -> Imported:
    """Import one file in one transaction: all of it, or nothing (ImportFailed naming the file and line)."""
    with _open(path) as fh:
        reader = open_reader(fh, path, series_hint)
        with store.transaction() as db:
            staging = store.staging(db, SERIES, vintages=reader.vintages, duplicates=reader.duplicates)
            try:
                for n, sid, d, v, start, end in reader.records:
                    staging.add(n, sid, d, v, start=start, end=end)
                # the last rows are checked for repeats only here (a file under one batch: all of them)
                stored = staging.merge()
            except DuplicateObservation as exc:
                raise _fail(path, exc.line, str(exc)) from None
    # reader.series is complete only now: the long format learns its series while reading
    return Imported(path, reader.format, {sid: stored.get(sid, 0) for sid in reader.series})


def import_files(
    store: Store, paths: Sequence[Path], series_hint: str | None = None
) -> tuple[list[Imported], list[ImportFailed]]:
    """Import each file in its own transaction; a failed file keeps nothing and the others go on.

    A damaged or unwritable store (StoreError) stops the whole import: no other file could go in either.
    """
    done: list[Imported] = []
    failed: list[ImportFailed] = []
    for path in paths:
        try:
            done.append(import_file(store, path, series_hint))
        except ImportFailed as exc:
            failed.append(exc)
    return done, failed
