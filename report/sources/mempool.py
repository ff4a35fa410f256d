"""mempool.space's public API: hash rate, difficulty adjustments, and block fees (issuance from the subsidy)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from report.sources.base import Fetched, day_of, plain_rows
from report.sources.http import Client, FetchError

HALVING_INTERVAL = 210_000


def subsidy_btc(height: float) -> float:
    """The block subsidy at a height: 50 BTC halved every 210,000 blocks."""
    return 50.0 / 2 ** int(height // HALVING_INTERVAL)


def period_for(since: dt.date | None, today: dt.date) -> str:
    """The shortest mempool.space time period that reaches back to ``since``."""
    if since is None:
        return "3y"
    gap = (today - since).days
    for period, span in (("1m", 28), ("3m", 88), ("6m", 178), ("1y", 360), ("2y", 725), ("3y", 1090)):
        if gap <= span:
            return period
    return "all"


class MempoolProvider:
    """Two requests a run: /mining/hashrate (hash rate and difficulty) and /mining/blocks/fees."""

    name = "mempool.space"

    def __init__(self, client: Client, base_url: str, *, today: dt.date | None = None) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.today = today or dt.date.today()
        self._cache: dict[str, Any] = {}

    def series_ids(self) -> tuple[str, ...]:
        return ("BTC_HASHRATE", "BTC_DIFFICULTY", "BTC_ISSUANCE", "BTC_FEES")

    def _get(self, path: str) -> Any:
        if path not in self._cache:
            self._cache[path] = self.client.get_json(f"{self.base_url}{path}")
        return self._cache[path]

    def fetch(self, series: str, since: dt.date | None, stamp: str | None) -> Fetched | None:
        period = period_for(since, self.today)
        try:
            points: dict[dt.date, float | None]
            if series in ("BTC_HASHRATE", "BTC_DIFFICULTY"):
                body = self._get(f"/api/v1/mining/hashrate/{period}")
                if series == "BTC_HASHRATE":
                    points = {day_of(p["timestamp"]): p["avgHashrate"] / 1e12 for p in body["hashrates"]}
                else:
                    points = _difficulty_days(body["difficulty"], self.today)
            else:
                body = self._get(f"/api/v1/mining/blocks/fees/{period}")
                points = _per_day(body, series)
        except (KeyError, TypeError, ValueError) as exc:
            raise FetchError(
                f"mempool.space: unexpected response for {series} ({exc.__class__.__name__}: {exc})"
            ) from exc
        return Fetched(series, plain_rows(points, since))


def _difficulty_days(adjustments: list[dict[str, Any]], today: dt.date) -> dict[dt.date, float | None]:
    """A daily series of the difficulty in force at the end of each day, from the adjustment events."""
    events = sorted((day_of(a["time"]), float(a["difficulty"])) for a in adjustments)
    out: dict[dt.date, float | None] = {}
    for i, (start, level) in enumerate(events):
        end = events[i + 1][0] if i + 1 < len(events) else today
        d = start
        while d < end or (i + 1 == len(events) and d <= end):
            out[d] = level
            d += dt.timedelta(days=1)
    return out


def _per_day(points: list[dict[str, Any]], series: str) -> dict[dt.date, float | None]:
    """Daily BTC from per-block averages: blocks a day from consecutive average heights (144 when unknown)."""
    pts = sorted(points, key=lambda p: p["timestamp"])
    out: dict[dt.date, float | None] = {}
    for i, p in enumerate(pts):
        blocks = 144.0
        if i > 0 and 0.5 <= (p["timestamp"] - pts[i - 1]["timestamp"]) / 86400 <= 1.5:
            blocks = float(p["avgHeight"] - pts[i - 1]["avgHeight"])
        per_block = float(p["avgFees"]) / 1e8 if series == "BTC_FEES" else subsidy_btc(p["avgHeight"])
        out[day_of(p["timestamp"])] = per_block * blocks
    return out
