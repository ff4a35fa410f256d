"""Importing downloaded CSV files into the store, each file in one transaction.

Formats, recognised from the header:
- FRED: ``observation_date,SERIES`` or the older ``DATE,SERIES`` (also ``date,value`` with the series taken from
  ``--series`` or the file name, e.g. ``WALCL.csv``); "." is a missing value.
- ALFRED vintages: ``observation_date,SERIES_YYYYMMDD,SERIES_YYYYMMDD,...``, one column per vintage, stored as
  real-time periods.
- Coin Metrics community CSV: ``time,...,PriceUSD,HashRate,SplyCur,IssTotNtv,FeeTotNtv,...`` (also the API's
  ``asset,date,...`` layout, with ``DiffMean``).
- Blockchain.com charts: ``date,unix_ts,value`` (series from ``--series`` or the file name: hash-rate, difficulty,
  market-price, transaction-fees).
- Generic long CSV: ``series,date,value[,realtime_start]``.
Units are those of the source, recorded per series (``report/series.py``); figures convert them.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from report.errors import DataError
from report.series import SERIES
from report.store import Row, Store

MISSING = {"", ".", "na", "nan", "null", "none", "#n/a"}
DATE_COLUMNS = {"observation_date", "date", "time", ""}
ALFRED_COLUMN = re.compile(r"^([A-Za-z0-9]+)_(\d{8})$")
COINMETRICS = {
    "PriceUSD": "BTC_PRICE",
    "HashRate": "BTC_HASHRATE",
    "SplyCur": "BTC_SUPPLY",
    "IssTotNtv": "BTC_ISSUANCE",
    "FeeTotNtv": "BTC_FEES",
    "DiffMean": "BTC_DIFFICULTY",
}
BLOCKCHAIN_COM = {
    "hash-rate": "BTC_HASHRATE",
    "difficulty": "BTC_DIFFICULTY",
    "market-price": "BTC_PRICE",
    "transaction-fees": "BTC_FEES",
}


class ImportFailed(DataError):
    """A file that cannot be imported; the message starts with ``file:line``."""


@dataclass
class Parsed:
    """What one file holds: rows per series, and whether they are vintages."""

    format: str
    vintages: bool
    series: dict[str, list[Row]] = field(default_factory=dict)


@dataclass(frozen=True)
class Imported:
    """The outcome of importing one file."""

    path: Path
    format: str
    counts: dict[str, int]


def _fail(path: Path, line: int, message: str) -> ImportFailed:
    return ImportFailed(f"{path}:{line}: {message}")


def _date(text: str, path: Path, line: int) -> dt.date:
    text = text.strip().strip('"')
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise _fail(path, line, f"{text!r} is not a date (YYYY-MM-DD)") from exc


def _value(text: str, path: Path, *, line: int, column: str) -> float | None:
    text = text.strip().strip('"')
    if text.lower() in MISSING:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise _fail(path, line, f"{column}: {text!r} is not a number") from exc


def _known(series_id: str, path: Path, line: int) -> str:
    if series_id not in SERIES:
        raise _fail(path, line, f"unknown series {series_id!r}; known: {', '.join(sorted(SERIES))}")
    return series_id


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for n, row in enumerate(csv.reader(fh), 1):
            if row and any(cell.strip() for cell in row):
                yield n, row


def _series_from_name(path: Path, hint: str | None, table: dict[str, str] | None = None) -> str | None:
    if hint:
        return hint
    stem = path.stem.split("_")[0]
    if table and path.stem in table:
        return table[path.stem]
    return stem.upper() if stem.upper() in SERIES else None


def parse(path: Path, series_hint: str | None = None) -> Parsed:
    """Read one file into rows per series; raises ImportFailed naming the file and line."""
    try:
        rows = _rows(path)
        first = next(rows, None)
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed(f"{path}: cannot read: {exc}") from exc
    if first is None:
        raise ImportFailed(f"{path}: the file is empty")
    hline, header = first
    names = [h.strip() for h in header]
    lower = [h.lower() for h in names]
    try:
        if {"series", "date", "value"} <= set(lower):
            return _long(path, rows, lower)
        if "time" in lower or ("asset" in lower and "date" in lower):
            return _coinmetrics(path, rows, names)
        if lower == ["date", "unix_ts", "value"]:
            sid = _series_from_name(path, series_hint, BLOCKCHAIN_COM)
            if sid is None:
                raise _fail(path, hline, "cannot tell which series this Blockchain.com file holds; use --series")
            return _two_column(path, rows, sid=_known(sid, path, hline), fmt="blockchain.com", value_col=2)
        if lower[0] in DATE_COLUMNS and len(names) >= 2 and all(ALFRED_COLUMN.match(h) for h in names[1:]):
            return _alfred(path, rows, names=names, hline=hline)
        if lower[0] in DATE_COLUMNS and len(names) == 2:
            sid = names[1] if names[1] in SERIES else _series_from_name(path, series_hint)
            if sid is None:
                raise _fail(path, hline, f"column {names[1]!r} is not a known series; name it with --series")
            return _two_column(path, rows, sid=_known(sid, path, hline), fmt="fred", value_col=1)
    except csv.Error as exc:
        raise ImportFailed(f"{path}: malformed CSV: {exc}") from exc
    raise _fail(path, hline, "unrecognised header; expected a FRED, ALFRED, Coin Metrics or series,date,value CSV")


def _two_column(path: Path, rows: Iterator[tuple[int, list[str]]], *, sid: str, fmt: str, value_col: int) -> Parsed:
    out = Parsed(fmt, vintages=False)
    seen: set[dt.date] = set()
    data: list[Row] = []
    for n, row in rows:
        if len(row) <= value_col:
            raise _fail(path, n, f"expected {value_col + 1} columns, found {len(row)}")
        d = _date(row[0], path, n)
        if d in seen:
            raise _fail(path, n, f"{d} appears twice")
        seen.add(d)
        data.append((d, _value(row[value_col], path, line=n, column=sid), d, None))
    out.series[sid] = data
    return out


def _alfred(path: Path, rows: Iterator[tuple[int, list[str]]], *, names: list[str], hline: int) -> Parsed:
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
            vintages.append(dt.datetime.strptime(stamp, "%Y%m%d").date())
        except ValueError as exc:
            raise _fail(path, hline, f"{h}: {stamp} is not a date") from exc
    if vintages != sorted(vintages):
        raise _fail(path, hline, "vintage columns are not in date order")
    out = Parsed("alfred", vintages=True)
    data: list[Row] = []
    for n, row in rows:
        d = _date(row[0], path, n)
        periods: list[tuple[dt.date, float | None]] = []
        for k, vintage in enumerate(vintages):
            cell = row[k + 1] if k + 1 < len(row) else ""
            if cell.strip() in {"", "#N/A"}:
                continue  # not yet published in that vintage
            v = _value(cell, path, line=n, column=names[k + 1])
            if not periods or periods[-1][1] != v:
                periods.append((vintage, v))
        for i, (start, v) in enumerate(periods):
            end = periods[i + 1][0] - dt.timedelta(days=1) if i + 1 < len(periods) else None
            data.append((d, v, start, end))
    out.series[sid] = data
    return out


def _coinmetrics(path: Path, rows: Iterator[tuple[int, list[str]]], names: list[str]) -> Parsed:
    date_col = names.index("time") if "time" in names else names.index("date")
    cols = {i: COINMETRICS[h] for i, h in enumerate(names) if h in COINMETRICS}
    if not cols:
        raise _fail(path, 1, f"no known Coin Metrics metric ({', '.join(COINMETRICS)})")
    out = Parsed("coinmetrics", vintages=False, series={sid: [] for sid in cols.values()})
    for n, row in rows:
        d = _date(row[date_col], path, n)
        for i, sid in cols.items():
            v = _value(row[i], path, line=n, column=names[i]) if i < len(row) else None
            if v is not None:  # Coin Metrics leaves the newest day's cells empty until it is complete
                out.series[sid].append((d, v, d, None))
    return out


def _long(path: Path, rows: Iterator[tuple[int, list[str]]], lower: list[str]) -> Parsed:
    idx = {name: lower.index(name) for name in ("series", "date", "value")}
    rt = lower.index("realtime_start") if "realtime_start" in lower else None
    out = Parsed("long", vintages=rt is not None)
    points: dict[str, dict[tuple[dt.date, dt.date], float | None]] = {}
    for n, row in rows:
        if len(row) < len(lower):
            raise _fail(path, n, f"expected {len(lower)} columns, found {len(row)}")
        sid = _known(row[idx["series"]].strip(), path, n)
        d = _date(row[idx["date"]], path, n)
        start = _date(row[rt], path, n) if rt is not None else d
        key = (d, start)
        if key in points.setdefault(sid, {}):
            raise _fail(path, n, f"{sid} {d} appears twice")
        points[sid][key] = _value(row[idx["value"]], path, line=n, column=sid)
    for sid, pts in points.items():
        data: list[Row] = []
        by_date: dict[dt.date, list[tuple[dt.date, float | None]]] = {}
        for (d, start), v in sorted(pts.items()):
            by_date.setdefault(d, []).append((start, v))
        for d, periods in by_date.items():
            for i, (start, v) in enumerate(periods):
                end = periods[i + 1][0] - dt.timedelta(days=1) if out.vintages and i + 1 < len(periods) else None
                data.append((d, v, start, end))
        out.series[sid] = data
    return out


def import_files(
    store: Store, paths: Sequence[Path], series_hint: str | None = None
) -> tuple[list[Imported], list[ImportFailed]]:
    """Import each file in its own transaction; a failed file keeps nothing and the others go on."""
    done: list[Imported] = []
    failed: list[ImportFailed] = []
    for path in paths:
        try:
            parsed = parse(path, series_hint)
            with store.transaction() as db:
                counts = {
                    sid: store.write_series(db, SERIES[sid], rows, vintages=parsed.vintages)
                    for sid, rows in parsed.series.items()
                }
            done.append(Imported(path, parsed.format, counts))
        except ImportFailed as exc:
            failed.append(exc)
    return done, failed
