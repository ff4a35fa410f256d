"""FOMC meetings: the bundled, user-updatable calendar, blackout windows and the next meeting."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from report.errors import ConfigError
from report.resources import data_file

PRE_FOMC_DAYS = 7
# Scheduled meetings are never more than ~8 weeks apart: a date further before the first known meeting than this
# is outside the calendar, and its "next meeting" is unknown rather than the first one listed.
MAX_GAP_DAYS = 70


@dataclass(frozen=True)
class Meeting:
    """One scheduled two-day FOMC meeting."""

    start: dt.date
    end: dt.date
    projections: bool

    @property
    def blackout_start(self) -> dt.date:
        """Blackout begins the second Saturday before the meeting's first day."""
        back = (self.start.weekday() - 5) % 7 or 7  # days back to the Saturday before
        return self.start - dt.timedelta(days=back + 7)

    @property
    def blackout_end(self) -> dt.date:
        """Blackout ends at midnight the day after the meeting ends (that day is still inside)."""
        return self.end + dt.timedelta(days=1)

    def in_blackout(self, day: dt.date) -> bool:
        """Whether ``day`` falls in this meeting's blackout window."""
        return self.blackout_start <= day <= self.blackout_end


@dataclass(frozen=True)
class FomcStatus:
    """Where an edition date stands relative to the calendar."""

    day: dt.date
    meeting: Meeting | None  # None: the day is outside the calendar (see before_calendar)
    last_known: dt.date
    first_known: dt.date

    @property
    def before_calendar(self) -> bool:
        """Whether the day is earlier than the calendar covers."""
        return self.meeting is None and self.day < self.first_known

    @property
    def days_to(self) -> int | None:
        """Days from ``day`` to the meeting's first day (0 while it is under way)."""
        if self.meeting is None:
            return None
        return max(0, (self.meeting.start - self.day).days)

    @property
    def pre_fomc(self) -> bool:
        """An edition within a week of a meeting is the pre-FOMC edition."""
        return self.days_to is not None and self.days_to <= PRE_FOMC_DAYS

    @property
    def in_blackout(self) -> bool:
        """Whether Fed officials are in their pre-meeting quiet period."""
        return self.meeting is not None and self.meeting.in_blackout(self.day)


def load_calendar(path: Path | None = None) -> list[Meeting]:
    """Read the meeting calendar CSV (``#`` lines are comments); errors name file and line."""
    path = path or data_file("fomc_calendar.csv")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the FOMC calendar {path}: {exc}") from exc
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip() and not line.startswith("#")]
    if not numbered:
        raise ConfigError(f"{path}: no meetings")
    reader = csv.DictReader([line for _, line in numbered])
    if reader.fieldnames is None or not {"start", "end", "projections"} <= set(reader.fieldnames):
        raise ConfigError(f"{path}:{numbered[0][0]}: header must be start,end,projections")
    meetings: list[Meeting] = []
    for (lineno, _), row in zip(numbered[1:], reader, strict=False):
        try:
            start = dt.date.fromisoformat(row["start"].strip())
            end = dt.date.fromisoformat(row["end"].strip())
        except (ValueError, AttributeError) as exc:
            raise ConfigError(f"{path}:{lineno}: dates must be YYYY-MM-DD ({exc})") from exc
        flag = (row["projections"] or "").strip().lower()
        if flag not in {"yes", "no"} or end < start:
            raise ConfigError(f"{path}:{lineno}: projections must be yes or no and end not before start")
        meetings.append(Meeting(start, end, flag == "yes"))
    return sorted(meetings, key=lambda m: m.start)


def status(meetings: Sequence[Meeting], day: dt.date) -> FomcStatus:
    """The next meeting (or the one under way) as seen on ``day``."""
    first = meetings[0].start
    upcoming = [m for m in meetings if m.end >= day]
    covered = day >= first - dt.timedelta(days=MAX_GAP_DAYS)
    return FomcStatus(day, upcoming[0] if upcoming and covered else None, meetings[-1].end, first)


def meetings_in(meetings: Sequence[Meeting], year: int) -> list[Meeting]:
    """The meetings that start in ``year``."""
    return [m for m in meetings if m.start.year == year]
