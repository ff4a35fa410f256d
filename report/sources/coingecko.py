"""CoinGecko's public market chart: the bitcoin price when FRED's CBBTCUSD cannot be had."""

from __future__ import annotations

import datetime as dt

from report.sources.base import Fetched, plain_rows
from report.sources.http import Client, FetchError


class CoinGeckoProvider:
    """Daily closes as BTC_PRICE; today's partial day is left out."""

    name = "CoinGecko"

    def __init__(self, client: Client, base_url: str, *, today: dt.date | None = None) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.today = today or dt.date.today()

    def series_ids(self) -> tuple[str, ...]:
        return ("BTC_PRICE",)

    def fetch(self, series: str, since: dt.date | None, stamp: str | None) -> Fetched | None:
        days = 365 if since is None else max(2, min(365, (self.today - since).days + 1))
        body = self.client.get_json(
            f"{self.base_url}/api/v3/coins/bitcoin/market_chart?vs_currency=usd&days={days}&interval=daily"
        )
        try:
            points: dict[dt.date, float | None] = {}
            for ms, price in body["prices"]:
                d = dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date()
                if d < self.today:
                    points[d] = float(price)
        except (KeyError, TypeError, ValueError) as exc:
            raise FetchError(f"CoinGecko: unexpected response ({exc.__class__.__name__})") from exc
        return Fetched(series, plain_rows(points, since))
