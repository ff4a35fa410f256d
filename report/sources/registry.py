"""The one table of data providers: each one's default address, the setting that changes it, its pace and retries,
and which providers a fetch asks given the keys configured."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from report.sources import http
from report.sources.http import Client

if TYPE_CHECKING:
    from report.config import Settings


@dataclass(frozen=True)
class ProviderSpec:
    """How to reach one provider politely."""

    name: str
    url: str  # the public default
    url_setting: str  # the Settings field that overrides it (BRIEF_<NAME>_URL)
    min_interval: float  # seconds between requests
    retries: int = 3
    backoff: float = 1.0  # seconds before the first retry, doubling (a Retry-After up to 30 s is honoured instead)


FRED = ProviderSpec("FRED", "https://api.stlouisfed.org/fred", "fred_url", 0.5)  # 120 requests a minute
MEMPOOL = ProviderSpec("mempool.space", "https://mempool.space", "mempool_url", 1.0)
COINGECKO = ProviderSpec("CoinGecko", "https://api.coingecko.com", "coingecko_url", 2.0)  # public tier
BGEOMETRICS = ProviderSpec("BGeometrics", "https://bitcoin-data.com", "bgeometrics_url", 6.0, retries=1)  # 10/hour
GLASSNODE = ProviderSpec("Glassnode", "https://api.glassnode.com", "glassnode_url", 1.0)
# the free Community API, no key: 10 requests in 6 seconds per address
COINMETRICS = ProviderSpec("Coin Metrics", "https://community-api.coinmetrics.io", "coinmetrics_url", 0.6)
PROVIDERS = (FRED, MEMPOOL, COINGECKO, BGEOMETRICS, GLASSNODE, COINMETRICS)
DEFAULT_URLS = {spec.url_setting: spec.url for spec in PROVIDERS}


def url(spec: ProviderSpec, settings: Settings) -> str:
    """The provider's address: the setting when given, else the public default."""
    return str(getattr(settings, spec.url_setting, None) or spec.url)


def client(spec: ProviderSpec, settings: Settings) -> Client:
    """An HTTP client paced for the provider, each request within ``http.timeout`` and MAX_RESPONSE_BYTES."""
    return Client(
        spec.name,
        spec.min_interval,
        settings.http_timeout,
        retries=spec.retries,
        backoff=spec.backoff,
        max_bytes=http.MAX_RESPONSE_BYTES,
        secrets=secrets(settings),
    )


def secrets(settings: Settings) -> tuple[str, ...]:
    """The API keys configured: redacted from every message a fetch makes."""
    return tuple(key for key in (settings.fred_api_key, settings.glassnode_api_key) if key)


def providers(settings: Settings, *, vintages: bool = False) -> tuple[list[Any], dict[str, str]]:
    """The providers a fetch asks, and the series that cannot be fetched (with why)."""
    from report.sources.bgeometrics import BGeometricsProvider
    from report.sources.coinmetrics import CoinMetricsProvider
    from report.sources.fred import SERIES as FRED_SERIES
    from report.sources.fred import FredProvider
    from report.sources.glassnode import GlassnodeProvider
    from report.sources.mempool import MempoolProvider

    chosen: list[Any] = []
    missing: dict[str, str] = {}
    if settings.fred_api_key:
        chosen.append(
            FredProvider(settings.fred_api_key, client(FRED, settings), url(FRED, settings), vintages=vintages)
        )
    else:
        missing = dict.fromkeys(FRED_SERIES, "FRED: no API key; set FRED_API_KEY or fred.api_key in brief.toml")
    chosen.append(MempoolProvider(client(MEMPOOL, settings), url(MEMPOOL, settings)))
    if settings.glassnode_api_key:
        chosen.append(
            GlassnodeProvider(settings.glassnode_api_key, client(GLASSNODE, settings), url(GLASSNODE, settings))
        )
    else:
        chosen.append(BGeometricsProvider(client(BGEOMETRICS, settings), url(BGEOMETRICS, settings)))
    chosen.append(CoinMetricsProvider(client(COINMETRICS, settings), url(COINMETRICS, settings)))
    return chosen, missing


def price_fallback(settings: Settings) -> Any:
    """CoinGecko's price, asked when FRED cannot deliver CBBTCUSD."""
    from report.sources.coingecko import CoinGeckoProvider

    return CoinGeckoProvider(client(COINGECKO, settings), url(COINGECKO, settings))
