"""BGeometrics' free bitcoin-data.com API: supply in loss (free tier: 10 requests an hour, 15 a day)."""

from __future__ import annotations

import datetime as dt

from report.sources.base import Fetched, plain_rows
from report.sources.http import Client, FetchError


class BGeometricsProvider:
    """GET /v1/supply-loss: a list of {"d": "YYYY-MM-DD", "unixTs": ..., "supplyLoss": "..."}."""

    name = "BGeometrics"

    def __init__(self, client: Client, base_url: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")

    def series_ids(self) -> tuple[str, ...]:
        return ("BTC_SUPPLY_IN_LOSS",)

    def fetch(self, series: str, since: dt.date | None, stamp: str | None) -> Fetched | None:
        query = f"?startday={since.isoformat()}" if since else ""
        body = self.client.get_json(f"{self.base_url}/v1/supply-loss{query}")
        try:
            points: dict[dt.date, float | None] = {}
            for item in body:
                value = item.get("supplyLoss")
                points[dt.date.fromisoformat(item["d"])] = None if value in (None, "") else float(value)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise FetchError(f"BGeometrics: unexpected response ({exc.__class__.__name__})") from exc
        return Fetched(series, plain_rows(points, since))
