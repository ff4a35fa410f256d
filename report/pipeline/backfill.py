"""``brief backfill``: past editions built point in time, in parallel and resumable; a failure never stops the rest."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from report.archive import edition_name, latest
from report.calendar import Meeting
from report.config import Settings
from report.errors import BriefError, UsageError
from report.pipeline.build import build
from report.pipeline.common import open_store

Every = Literal["friday", "fomc"]
FRIDAY = 4  # date.weekday()


class Outcome(enum.Enum):
    """What became of one backfilled date."""

    BUILT = "built"
    EXISTING = "already built"
    FAILED = "failed"


@dataclass(frozen=True)
class Result:
    """One date's outcome, with the error message when it failed."""

    outcome: Outcome
    error: str | None = None


def backfill_dates(
    start: dt.date, end: dt.date, *, every: Every, meetings: Sequence[Meeting], today: dt.date | None = None
) -> list[dt.date]:
    """Edition dates: every Friday, or the day before each FOMC meeting (the pre-FOMC edition)."""
    if end < start:
        raise UsageError(f"--to {end} is before --from {start}")
    today = today or dt.date.today()
    if end > today:
        raise UsageError(f"--to {end} is after today ({today})")
    if every == "fomc":
        dates = [m.start - dt.timedelta(days=1) for m in meetings]
        return [d for d in dates if start <= d <= end]
    first = start + dt.timedelta(days=(FRIDAY - start.weekday()) % 7)
    return [first + dt.timedelta(weeks=k) for k in range((end - first).days // 7 + 1)] if first <= end else []


def plan_dates(
    settings: Settings, *, start: dt.date, end: dt.date, every: Every, today: dt.date | None = None
) -> list[dt.date]:
    """The edition dates of a backfill; a UsageError when there are none."""
    from report.calendar import load_calendar

    dates = backfill_dates(start, end, every=every, meetings=load_calendar(settings.fomc_calendar), today=today)
    if not dates:
        raise UsageError(f"no {every} edition dates between {start} and {end}")
    return dates


def _one(settings: Settings, day: dt.date, *, demo: bool, prev: dt.date | None) -> tuple[dt.date, Result]:
    try:
        build(settings, demo=demo, as_of=day, parallel=False, previous_as_of=prev)
    except BriefError as exc:
        return day, Result(Outcome.FAILED, str(exc))
    return day, Result(Outcome.BUILT)


def backfill(
    settings: Settings,
    *,
    demo: bool,
    dates: Sequence[dt.date],
    jobs: int = 2,
    on_done: Callable[[dt.date, Result], None] | None = None,
) -> dict[dt.date, Result]:
    """Build past editions point in time, ``jobs`` at a time; editions already built are skipped (resumable) and a
    failure is reported while the rest go on. Each edition compares itself with the previous date in ``dates``."""
    import multiprocessing as mp
    import os
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from report.procs import die_with_parent, stop_pool

    done = on_done or (lambda day, result: None)
    results: dict[dt.date, Result] = {}
    todo = []
    ordered = sorted(dates)
    for i, day in enumerate(ordered):
        if latest(settings.out_dir, edition_name(day, demo=demo, langs=settings.langs)) is not None:
            results[day] = Result(Outcome.EXISTING)
            done(day, results[day])
        else:
            todo.append((day, ordered[i - 1] if i else None))
    if demo:
        open_store(settings, demo=demo).close()  # generate the demo store once, before the workers
    if jobs <= 1 or "fork" not in mp.get_all_start_methods():
        for day, prev in todo:
            results[day] = _one(settings, day, demo=demo, prev=prev)[1]
            done(day, results[day])
        return results
    # Workers die with this process (kill -9 included); interrupted (Ctrl-C, SIGTERM) it kills them at once rather
    # than letting them build the queued editions. An edition a worker was writing stays a hidden temp folder.
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=mp.get_context("fork"), initializer=die_with_parent, initargs=(os.getpid(),)
    )
    try:
        futures = [pool.submit(_one, settings, day, demo=demo, prev=prev) for day, prev in todo]
        for fut in as_completed(futures):
            day, result = fut.result()
            results[day] = result
            done(day, result)
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown()
    return results
