"""Coin Metrics' free Community API (no key; CC BY-NC 4.0): MVRV and bitcoin held on exchanges.

GET /v4/timeseries/asset-metrics?assets=btc&metrics=CapMVRVCur,SplyExNtv&frequency=1d answers
``{"data": [{"asset": "btc", "time": "2025-12-07T00:00:00.000000000Z", "CapMVRVCur": "1.61", ...}], "next_page_url":
...}``: values are strings, a metric the day lacks is absent, and more pages follow while ``next_page_url`` is given.
The realised price is the price over MVRV (report/figures/onchain.py), so MVRV is all this provider needs for it.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from report.sources.base import Fetched, plain_rows
from report.sources.http import Client, FetchError

METRICS = {"BTC_MVRV": "CapMVRVCur", "BTC_EXCHANGE_SUPPLY": "SplyExNtv"}
PAGE_SIZE = 10_000  # the API's largest page: about 27 years of daily rows
MAX_PAGES = 10  # a server that keeps paging past this is not answering what was asked
FIRST_DAY = dt.date(2019, 1, 1)  # a first fetch reaches back this far (every chart starts later)


class CoinMetricsProvider:
    """One request (and its pages) a run for both metrics, from the earlier of the two series' starts."""

    name = "Coin Metrics"

    def __init__(self, client: Client, base_url: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self._rows: dict[dt.date, list[dict[str, Any]]] = {}

    def series_ids(self) -> tuple[str, ...]:
        return tuple(METRICS)

    def _data(self, start: dt.date) -> list[dict[str, Any]]:
        """Every row from ``start`` on, following the pages (each page's URL must stay on this provider)."""
        if start in self._rows:
            return self._rows[start]
        query = urllib.parse.urlencode(
            {
                "assets": "btc",
                "metrics": ",".join(METRICS.values()),
                "frequency": "1d",
                "start_time": start.isoformat(),
                "page_size": PAGE_SIZE,
                "ignore_forbidden_errors": "true",  # a metric outside the free tier is left out, not an error
                "ignore_unsupported_errors": "true",
            }
        )
        url: str | None = f"{self.base_url}/v4/timeseries/asset-metrics?{query}"
        rows: list[dict[str, Any]] = []
        pages = 0
        while url is not None:
            if pages == MAX_PAGES:
                raise FetchError(f"Coin Metrics: more than {MAX_PAGES} pages")
            pages += 1
            body = self.client.get_json(url)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise FetchError("Coin Metrics: unexpected response (no data list)")
            rows += body["data"]
            url = body.get("next_page_url") or None
            if url is not None and not str(url).startswith(self.base_url + "/"):
                raise FetchError("Coin Metrics: the next page points to another server")
        self._rows[start] = rows
        return rows

    def fetch(self, series: str, since: dt.date | None, stamp: str | None) -> Fetched | None:
        metric = METRICS[series]
        try:
            points: dict[dt.date, float | None] = {}
            for row in self._data(since or FIRST_DAY):
                if str(row.get("asset", "btc")).lower() != "btc":
                    continue
                day = dt.date.fromisoformat(str(row["time"])[:10])
                if metric in row and row[metric] not in (None, ""):
                    points[day] = float(row[metric])
        except (KeyError, TypeError, ValueError) as exc:
            raise FetchError(f"Coin Metrics: unexpected response for {series} ({exc.__class__.__name__})") from exc
        return Fetched(series, plain_rows(points, since))
