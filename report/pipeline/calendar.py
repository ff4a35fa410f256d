"""``brief calendar``: the FOMC meetings of a year, the next one and its blackout, and crontab lines for ``run``."""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Sequence
from pathlib import Path

from report.calendar import FomcStatus, Meeting, load_calendar, meetings_in, status
from report.config import Settings
from report.errors import UsageError
from report.releases import ReleaseCalendar, Upcoming, bundled

RUN_HOUR = 7  # local time of the weekly run and of the pre-FOMC run
WEEKLY_DAY = 1  # cron's day of week: Monday


def meetings(settings: Settings) -> list[Meeting]:
    """The FOMC meetings of the bundled (or configured) calendar."""
    return load_calendar(settings.fomc_calendar)


def year(settings: Settings, year: int, today: dt.date) -> tuple[list[Meeting], FomcStatus]:
    """The meetings of ``year`` and where ``today`` stands; a UsageError for a year the calendar does not cover."""
    known = meetings(settings)
    listed = meetings_in(known, year)
    if not listed:
        years = sorted({m.start.year for m in known})
        raise UsageError(f"no meetings known for {year}; the calendar covers {years[0]}-{years[-1]}")
    return listed, status(known, today)


def pre_fomc_runs(meetings: Sequence[Meeting], *, today: dt.date) -> list[tuple[Meeting, dt.date]]:
    """Each coming meeting with the Friday before it (from ``today`` on): the day of the pre-FOMC edition."""
    runs: list[tuple[Meeting, dt.date]] = []
    for m in meetings:
        friday = m.start - dt.timedelta(days=(m.start.weekday() - 4) % 7 or 7)
        if friday >= today:
            runs.append((m, friday))
    return runs


def cron_lines(
    meetings: Sequence[Meeting], *, today: dt.date, workdir: Path, brief: str, command: str | None = None
) -> list[str]:
    """Crontab lines: `brief run` every Monday at 07:00, and at 07:00 on the Friday before each coming meeting.

    ``command`` (a shell command run in ``workdir``) replaces `brief run >> brief-run.log 2>&1`. cron has no year
    field, so each meeting's line checks the year itself; cron reads an unescaped ``%`` as a line break, so every
    ``%`` of the command is escaped.
    """
    run = f"{brief} run >> brief-run.log 2>&1" if command is None else command
    cmd = f"cd {shlex.quote(str(workdir))} && {run}".replace("%", "\\%")
    lines = [
        "# Liquidity Brief: the weekly edition, Mondays 07:00",
        f"0 {RUN_HOUR} * * {WEEKLY_DAY} {cmd}",
        "# and on the Friday before each FOMC meeting (the pre-FOMC edition for the desk)",
    ]
    for m, friday in pre_fomc_runs(meetings, today=today):
        lines.append(
            f'0 {RUN_HOUR} {friday.day} {friday.month} * [ "$(date +\\%Y)" = "{friday.year}" ] && {cmd}'
            f"  # meeting {m.start.isoformat()}"
        )
    return lines


def release_calendar(settings: Settings) -> ReleaseCalendar:
    """The release calendar: the store's (with the dates `brief fetch` stored) when there is a store, else the
    bundled one."""
    from report.pipeline.common import open_store

    if not settings.store_path.exists():
        return bundled()
    with open_store(settings, demo=False, readonly=True) as store:
        return store.calendar


def releases(settings: Settings, start: dt.date, end: dt.date) -> list[Upcoming]:
    """The data releases from ``start`` to ``end`` (both included), in date order."""
    if end < start:
        raise UsageError(f"--to {end} is before --from {start}")
    return release_calendar(settings).upcoming(start, end)
