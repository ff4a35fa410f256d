"""The one small interface every data provider implements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from report.store import Row


@dataclass(frozen=True)
class Fetched:
    """New observations of one series from a provider."""

    series: str
    rows: list[Row]  # (date, value, realtime_start, realtime_end)
    vintages: bool = False  # True: the rows carry real ALFRED real-time periods
    stamp: str | None = None  # the provider's last-updated marker, to skip unchanged series next time


class Provider(Protocol):
    """A source of some input series. Adding one never touches the figures."""

    name: str

    def series_ids(self) -> tuple[str, ...]:
        """The store series this provider fills."""
        ...

    def fetch(self, series: str, since: dt.date | None, stamp: str | None) -> Fetched | None:
        """Observations from ``since`` on (all when None); None when ``stamp`` shows nothing changed."""
        ...


def day_of(unix_seconds: float) -> dt.date:
    """The UTC date of a Unix timestamp."""
    return dt.datetime.fromtimestamp(unix_seconds, dt.UTC).date()


def plain_rows(points: Mapping[dt.date, float | None], since: dt.date | None) -> list[Row]:
    """Rows without vintages, from ``since`` on."""
    return [(d, v, d, None) for d, v in sorted(points.items()) if since is None or d >= since]
