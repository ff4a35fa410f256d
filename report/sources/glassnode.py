"""Glassnode (with GLASSNODE_API_KEY): supply in loss, sent with the key in a header, never in the URL."""

from __future__ import annotations

import datetime as dt

from report.sources.base import Fetched, day_of, plain_rows
from report.sources.http import Client, FetchError


class GlassnodeProvider:
    """GET /v1/metrics/supply/loss_sum: a list of {"t": unix seconds, "v": BTC}."""

    name = "Glassnode"

    def __init__(self, api_key: str, client: Client, base_url: str) -> None:
        self._key = api_key
        self.client = client
        client.add_secret(api_key)
        self.base_url = base_url.rstrip("/")

    def series_ids(self) -> tuple[str, ...]:
        return ("BTC_SUPPLY_IN_LOSS",)

    def fetch(self, series: str, since: dt.date | None, stamp: str | None) -> Fetched | None:
        start = f"&s={int(dt.datetime.combine(since, dt.time(), dt.UTC).timestamp())}" if since else ""
        body = self.client.get_json(
            f"{self.base_url}/v1/metrics/supply/loss_sum?a=BTC&i=24h{start}", headers={"X-Api-Key": self._key}
        )
        try:
            points: dict[dt.date, float | None] = {day_of(p["t"]): float(p["v"]) for p in body}
        except (KeyError, TypeError, ValueError) as exc:
            raise FetchError(f"Glassnode: unexpected response ({exc.__class__.__name__})") from exc
        return Fetched(series, plain_rows(points, since))
