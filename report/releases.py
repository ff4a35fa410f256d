"""The release calendar: when each observation of a macro series first became public.

Three layers, the first that knows wins: dated rows (the bundled ``data/release_calendar.csv`` with the actual dates
around the 2025 shutdown, and the dates ``brief fetch`` stores from FRED's release-dates API), then each agency's
regular schedule (a rule per release, below), and for a series without a release, the typical publication lag of
``report/series.py``. An observation is visible on day D when the release that first published it came out on or
before D; stored vintages (ALFRED real-time periods) still win over all of this (``report/store``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from report.errors import ConfigError
from report.resources import data_file
from report.series import SERIES, period_end

# how an observation's public date is known: a stored vintage, a dated row of the calendar, a release's regular
# schedule, or (for a series without a release) its typical publication lag
Basis = Literal["vintage", "release", "schedule", "estimated"]
Status = Literal["published", "scheduled", "never"]
DAY = dt.timedelta(days=1)


# --- US federal holidays (the agencies publish on business days) ---------------------------------------------------
def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th ``weekday`` (Monday 0) of a month; n = -1 for the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = period_end(dt.date(year, month, 1), "monthly")
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    """A fixed-date holiday on a weekend is observed on the Friday before or the Monday after."""
    return day - DAY if day.weekday() == 5 else day + DAY if day.weekday() == 6 else day


@cache
def holidays(year: int) -> frozenset[dt.date]:
    """The US federal holidays of a year, as observed (5 U.S.C. 6103)."""
    days = {
        _observed(dt.date(year, 1, 1)),
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _observed(dt.date(year, 7, 4)),
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _observed(dt.date(year, 11, 11)),
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
        _observed(dt.date(year, 12, 25)),
    }
    if year >= 2021:
        days.add(_observed(dt.date(year, 6, 19)))  # Juneteenth
    if _observed(dt.date(year + 1, 1, 1)).year == year:  # New Year's Day observed on 31 December
        days.add(dt.date(year, 12, 31))
    return frozenset(days)


def business_day(day: dt.date) -> bool:
    """A weekday that is not a federal holiday."""
    return day.weekday() < 5 and day not in holidays(day.year)


def next_business_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a business day, else the next one."""
    while not business_day(day):
        day += DAY
    return day


def previous_business_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a business day, else the one before."""
    while not business_day(day):
        day -= DAY
    return day


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


# --- the agencies' regular schedules ---------------------------------------------------------------------------------
def _empsit(observed: dt.date) -> dt.date:
    """BLS: the third Friday after the reference week (the week, Sunday to Saturday, that includes the 12th)."""
    twelfth = dt.date(observed.year, observed.month, 12)
    saturday = twelfth + dt.timedelta(days=(5 - twelfth.weekday()) % 7)
    return previous_business_day(saturday + dt.timedelta(days=6 + 14))


def _cpi(observed: dt.date) -> dt.date:
    """BLS CPI: between the 10th and the 15th of the next month; the 15th (or the next business day) is never
    early."""
    return next_business_day(period_end(observed, "monthly") + dt.timedelta(days=15))


def _jolts(observed: dt.date) -> dt.date:
    """BLS JOLTS: about five weeks after the month; the first Wednesday 36 days or more after it is never early."""
    return next_business_day(_weekday_on_or_after(period_end(observed, "monthly") + dt.timedelta(days=36), 2))


def _month_end_business_day(observed: dt.date, months_after: int) -> dt.date:
    end = period_end(observed, "monthly")
    for _ in range(months_after):
        end = period_end(end + DAY, "monthly")
    return previous_business_day(end)


def _pio(observed: dt.date) -> dt.date:
    """BEA Personal Income and Outlays: by the last business day of the next month."""
    return _month_end_business_day(observed, 1)


def _gdp(observed: dt.date) -> dt.date:
    """BEA GDP, the first estimate of a quarter: by the last business day of the month after the quarter."""
    return _month_end_business_day(period_end(observed, "quarterly").replace(day=1), 1)


def _h6(observed: dt.date) -> dt.date:
    """Fed H.6 (monthly since 2021): the fourth Tuesday of the next month, 13:00 ET."""
    nxt = period_end(observed, "monthly") + DAY
    return next_business_day(_nth_weekday(nxt.year, nxt.month, 1, 4))


def _h41(observed: dt.date) -> dt.date:
    """Fed H.4.1: the Thursday after the week ending Wednesday, or the next business day after a holiday."""
    return next_business_day(_weekday_on_or_after(observed + DAY, 3))


def _rates(observed: dt.date) -> dt.date:
    """Daily rates (SOFR from the New York Fed, IORB and the target range): the next business day."""
    return next_business_day(observed + DAY)


@dataclass(frozen=True)
class Release:
    """One statistical release: its name in both languages, the series it publishes, its regular schedule."""

    id: str
    name: dict[str, str]
    series: tuple[str, ...]
    schedule: Callable[[dt.date], dt.date] = field(repr=False)
    fred_release_id: int | None = None  # FRED's release id, for its release-dates API


RELEASES: dict[str, Release] = {
    r.id: r
    for r in (
        Release("empsit", {"en": "Employment Situation", "zh-Hant": "就業報告"}, ("PAYEMS", "UNRATE"), _empsit, 50),
        Release("cpi", {"en": "Consumer Price Index", "zh-Hant": "消費者物價指數"}, ("CPIAUCSL",), _cpi, 10),
        Release("jolts", {"en": "JOLTS", "zh-Hant": "職缺調查（JOLTS）"}, ("JTSJOL", "JTSQUR"), _jolts, 192),
        Release("pio", {"en": "Personal Income and Outlays", "zh-Hant": "個人所得與支出"}, ("PCEPILFE",), _pio, 54),
        Release("gdp", {"en": "GDP", "zh-Hant": "國內生產毛額（GDP）"}, ("GDP",), _gdp, 53),
        Release("h6", {"en": "H.6 money stock", "zh-Hant": "H.6貨幣存量"}, ("M2SL",), _h6, 21),
        Release(
            "h41",
            {"en": "H.4.1 Fed balance sheet", "zh-Hant": "H.4.1聯準會資產負債表"},
            ("WALCL", "WRESBAL", "TREAST", "WSHOBL", "WDTGAL"),
            _h41,
            20,
        ),
        Release(
            "rates",
            {"en": "Daily policy and repo rates", "zh-Hant": "每日政策利率與回購利率"},
            ("SOFR", "SOFR99", "EFFR", "IORB", "DFEDTARU", "DFEDTARL", "RRPONTSYD", "RPONTTLD"),
            _rates,
        ),
    )
}
RELEASE_OF: dict[str, Release] = {sid: r for r in RELEASES.values() for sid in r.series}


def period_key(series_id: str, observed: dt.date) -> str:
    """How the calendar names the period of an observation: 2025-10, 2025Q3, or the week's date."""
    freq = SERIES[series_id].frequency if series_id in SERIES else "daily"
    if freq == "monthly":
        return f"{observed.year}-{observed.month:02d}"
    if freq == "quarterly":
        return f"{observed.year}Q{(observed.month - 1) // 3 + 1}"
    return observed.isoformat()


@dataclass(frozen=True)
class Row:
    """One dated row of the calendar."""

    release: str
    date: dt.date
    periods: tuple[str, ...]
    series: tuple[str, ...]  # empty: every series of the release
    status: Status
    reason: str = ""  # for status "never": the key of the reason string
    origin: str = "bundled"  # "bundled" or "fred"

    def covers(self, series_id: str, period: str) -> bool:
        return period in self.periods and (not self.series or series_id in self.series)


@dataclass(frozen=True)
class Availability:
    """When an observation first became public, and how that is known."""

    date: dt.date
    basis: Basis
    confirmed: bool = True  # False for a date that was only scheduled or follows from a regular schedule


@dataclass(frozen=True)
class Upcoming:
    """A release in the data calendar of an edition."""

    date: dt.date
    release: Release
    periods: tuple[str, ...]
    status: Status
    basis: Basis


class ReleaseCalendar:
    """Dated rows (bundled and fetched) over the agencies' regular schedules."""

    def __init__(self, rows: Iterable[Row], *, source: str = "bundled") -> None:
        self.rows = tuple(sorted(rows, key=lambda r: (r.date, r.release)))
        self._index: dict[tuple[str, str], Row] = {}
        # the bundled rows (checked against the agencies' own pages) win over fetched ones; then the first
        # release that published a period wins
        for row in sorted(self.rows, key=lambda r: (r.origin != "bundled", r.date)):
            for sid in row.series or RELEASES[row.release].series:
                for period in row.periods:
                    self._index.setdefault((sid, period), row)  # the first row that published a period wins
        digest = hashlib.sha256(repr([(r.release, r.date, r.periods, r.series, r.status) for r in self.rows]).encode())
        self.version = f"{source}-{digest.hexdigest()[:12]}"

    def to_json(self) -> dict[str, Any]:
        """The calendar as archived in an edition's data snapshot (so a rebuild judges dates as the build did)."""
        return {
            "version": self.version,
            "rows": [
                [r.release, r.date.isoformat(), ";".join(r.periods), ";".join(r.series), r.status, r.reason, r.origin]
                for r in self.rows
            ],
        }

    @classmethod
    def from_json(cls, doc: Any) -> ReleaseCalendar:
        """A calendar archived by ``to_json``; the bundled one when ``doc`` is not one (an older snapshot)."""
        try:
            rows = [
                Row(rel, dt.date.fromisoformat(d), tuple(p.split(";")), tuple(x for x in s.split(";") if x), st, why, o)
                for rel, d, p, s, st, why, o in doc["rows"]
                if rel in RELEASES
            ]
        except (KeyError, TypeError, ValueError):
            return bundled()
        cal = cls(rows)
        cal.version = str(doc.get("version", cal.version))
        return cal

    def has_release(self, series_id: str) -> bool:
        """Whether the calendar knows the release that publishes a series."""
        return series_id in RELEASE_OF

    def row(self, series_id: str, observed: dt.date) -> Row | None:
        """The dated row that first published (or never published) an observation, if the calendar has one."""
        return self._index.get((series_id, period_key(series_id, observed)))

    def published(self, series_id: str, observed: dt.date) -> Availability | None:
        """When the observation first became public; None for a series without a release (its typical lag
        applies) and for a period that was never published."""
        release = RELEASE_OF.get(series_id)
        if release is None:
            return None
        row = self.row(series_id, observed)
        if row is not None:
            return None if row.status == "never" else Availability(row.date, "release", row.status == "published")
        return Availability(release.schedule(observed), "schedule", confirmed=False)

    def next_published(self, series_id: str, observed: dt.date) -> tuple[dt.date, Availability] | None:
        """The first later period of a monthly or quarterly series that was (or is due to be) published, and when;
        a period never published is passed over. None for other series and series without a release."""
        freq = SERIES[series_id].frequency if series_id in SERIES else "daily"
        if freq not in ("monthly", "quarterly") or not self.has_release(series_id):
            return None
        step = 1 if freq == "monthly" else 3
        day = observed.replace(day=1)
        for _ in range(6):
            month = day.month - 1 + step
            day = dt.date(day.year + month // 12, month % 12 + 1, 1)
            seen = self.published(series_id, day)
            if seen is not None:
                return day, seen
        return None

    def latest_published(self, series_id: str, observed: dt.date, when: dt.date) -> tuple[dt.date, Availability] | None:
        """The last period after ``observed`` that had come out by ``when``, and when it did; None if none had."""
        out = None
        step = self.next_published(series_id, observed)
        while step is not None and step[1].date <= when:
            out = step
            step = self.next_published(series_id, step[0])
        return out

    def never(self, series_id: str, observed: dt.date) -> Row | None:
        """The row saying this period was never published, if so."""
        row = self.row(series_id, observed)
        return row if row is not None and row.status == "never" else None

    def upcoming(self, start: dt.date, end: dt.date, *, series: Sequence[str] = ()) -> list[Upcoming]:
        """The releases publishing new periods from ``start`` to ``end`` (both included), in date order: dated
        rows where the calendar has them, each release's regular schedule for the periods it has not."""
        # the daily rates and the weekly H.4.1 come out every business day or week: not news in a data calendar
        wanted = [
            r for r in RELEASES.values() if r.id not in ("rates", "h41") and (not series or set(r.series) & set(series))
        ]
        out: dict[tuple[dt.date, str], Upcoming] = {}
        for release in wanted:
            sid = release.series[0]
            freq = SERIES[sid].frequency
            for observed in _periods_before(end, freq):
                row = self.row(sid, observed)
                if row is not None and row.status == "never":
                    continue
                day = row.date if row is not None else release.schedule(observed)
                if start <= day <= end:
                    key = (day, release.id)
                    period = period_key(sid, observed)
                    prev = out.get(key)
                    periods = (*prev.periods, period) if prev else (period,)
                    status: Status = row.status if row is not None else "scheduled"
                    out[key] = Upcoming(day, release, periods, status, "release" if row else "schedule")
        return [out[k] for k in sorted(out)]


def _periods_before(end: dt.date, frequency: str) -> list[dt.date]:
    """Observation dates whose release could fall on or before ``end``: the last few periods."""
    if frequency == "weekly":
        wed = end - dt.timedelta(days=(end.weekday() - 2) % 7)
        return [wed - dt.timedelta(weeks=k) for k in range(6, -1, -1)]
    if frequency == "quarterly":
        q = dt.date(end.year, (end.month - 1) // 3 * 3 + 1, 1)
        out = []
        for _ in range(4):
            q = (q - DAY).replace(day=1)
            q = dt.date(q.year, (q.month - 1) // 3 * 3 + 1, 1)
            out.append(q)
        return sorted(out)
    first = end.replace(day=1)
    out = []
    for _ in range(5):
        first = (first - DAY).replace(day=1)
        out.append(first)
    return sorted(out)


def read_rows(lines: Iterable[str], *, origin: str, where: str) -> list[Row]:
    """Calendar rows from CSV lines (``#`` comments allowed); a bad row is a ConfigError naming ``where``."""
    body = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    rows = []
    for n, rec in enumerate(csv.DictReader(body), start=2):
        try:
            release = rec["release"].strip()
            if release not in RELEASES:
                raise ValueError(f"unknown release {release!r}")
            status = rec["status"].strip()
            if status not in ("published", "scheduled", "never"):
                raise ValueError(f"unknown status {status!r}")
            series = tuple(s for s in (rec.get("series") or "").split(";") if s)
            if set(series) - set(RELEASES[release].series):
                raise ValueError(f"series {series} are not published by {release}")
            periods = tuple(p.strip() for p in rec["periods"].split(";") if p.strip())
            if not periods:
                raise ValueError("no period")
            rows.append(
                Row(
                    release,
                    dt.date.fromisoformat(rec["date"].strip()),
                    periods,
                    series,
                    status,  # type: ignore[arg-type]
                    (rec.get("reason") or "").strip(),
                    origin,
                )
            )
        except (KeyError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{where}: data row {n - 1}: {exc}") from None
    return rows


@cache
def bundled_rows() -> tuple[Row, ...]:
    """The rows of the bundled calendar."""
    path = data_file("release_calendar.csv")
    return tuple(read_rows(path.read_text(encoding="utf-8").splitlines(), origin="bundled", where=str(path)))


@cache
def bundled() -> ReleaseCalendar:
    """The bundled calendar alone (what is used offline and without a store)."""
    return ReleaseCalendar(bundled_rows())


# --- the week's data calendar --------------------------------------------------------------------------------------
AFTER_DAYS = 21  # how far past the decision (or the edition, with no meeting known) the first releases are looked for


def week_ahead(calendar: ReleaseCalendar, as_of: dt.date, decision: dt.date | None) -> list[Upcoming]:
    """The releases after ``as_of`` up to the FOMC decision, then the first of each release after it (for
    8 December 2025: September and October JOLTS on the 9th; after the decision of the 10th, CPI on the 18th, ...)."""
    end = decision or as_of
    before = calendar.upcoming(as_of + DAY, end) if decision else []
    after: dict[str, Upcoming] = {}
    for u in calendar.upcoming(end + DAY, end + dt.timedelta(days=AFTER_DAYS)):
        after.setdefault(u.release.id, u)
    return [*before, *sorted(after.values(), key=lambda u: (u.date, u.release.id))]


def period_words(release: Release, period: str, lang: str) -> str:
    """A calendar period in words: "September 2025" / "2025年9月", "Q3 2025" / "2025年第3季", or a week's date."""
    from report.i18n import date as fmt_date
    from report.i18n import month as fmt_month

    if "Q" in period:
        year, q = period.split("Q")
        return f"Q{q} {year}" if lang == "en" else f"{year}年第{q}季"
    if len(period) == 7:
        return fmt_month(dt.date.fromisoformat(period + "-01"), lang)
    return fmt_date(dt.date.fromisoformat(period), lang)


# --- dates fetched from FRED ---------------------------------------------------------------------------------------
FETCH_FROM = dt.date(2019, 1, 1)  # the first release date asked of FRED
# how far a fetched date may fall from the date a period's regular schedule gives, for that period (days before,
# days after): wide enough for a holiday or a late month, narrow enough not to take the next period's release
_WINDOW = {"weekly": (1, 6), "monthly": (12, 20), "quarterly": (12, 20)}


def _period_starts(frequency: str, first: dt.date, last: dt.date) -> list[dt.date]:
    """Observation dates from ``first`` to ``last``: Wednesdays for weekly data, first days of months or quarters."""
    if frequency == "weekly":
        day = first + dt.timedelta(days=(2 - first.weekday()) % 7)
        return [day + dt.timedelta(weeks=k) for k in range((last - day).days // 7 + 1)]
    step = 3 if frequency == "quarterly" else 1
    out, day = [], dt.date(first.year, first.month - (first.month - 1) % step, 1)
    while day <= last:
        out.append(day)
        month = day.month - 1 + step
        day = dt.date(day.year + month // 12, month % 12 + 1, 1)
    return out


def rows_from_dates(release: Release, dates: Sequence[dt.date], *, today: dt.date) -> list[Row]:
    """Calendar rows from a release's dates as FRED lists them (dates only): each period is given the date nearest
    the one its regular schedule gives, within a window; a date after ``today`` is scheduled."""
    if not dates:
        return []
    sid = release.series[0]
    frequency = SERIES[sid].frequency
    before, after = _WINDOW[frequency]
    free = sorted(set(dates))
    rows = []
    for observed in _period_starts(frequency, min(free) - dt.timedelta(days=140), max(free)):
        expected = release.schedule(observed)
        near = [d for d in free if -before <= (d - expected).days <= after]
        if not near:
            continue
        day = min(near, key=lambda d: (abs((d - expected).days), d))
        free.remove(day)
        status: Status = "published" if day <= today else "scheduled"
        rows.append(Row(release.id, day, (period_key(sid, observed),), (), status, "", "fred"))
    return rows
