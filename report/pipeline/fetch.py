"""``brief fetch``: fill the real-data store from every provider; one that fails leaves the others fetched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from report.config import Settings
from report.errors import BriefError
from report.sources import registry
from report.sources.http import FetchError, redact
from report.store import Store

PRICE_SERIES = ("CBBTCUSD", "BTC_PRICE")


@dataclass
class FetchReport:
    """What a fetch did, series by series."""

    fetched: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)


def _plan(settings: Settings, provs: Sequence[Any], wanted: set[str] | None) -> list[tuple[Any, str]]:
    """(provider, series) pairs to ask, CoinGecko's price added when no provider delivers CBBTCUSD."""
    plan = [(p, sid) for p in provs for sid in p.series_ids() if wanted is None or sid in wanted]
    price_wanted = wanted is None or any(sid in wanted for sid in PRICE_SERIES)
    if price_wanted and not any(sid == "CBBTCUSD" for _, sid in plan):
        plan.append((registry.price_fallback(settings), "BTC_PRICE"))
    return plan


def _ask(provider: Any, sid: str, since: dt.date | None, stamp: str | None) -> Any:
    """``provider.fetch``, where anything a provider lets escape becomes a FetchError for that series: one provider's
    bug or a library's unexpected exception must not stop the others being asked (nor print a traceback)."""
    try:
        return provider.fetch(sid, since, stamp)
    except BriefError:
        raise
    except Exception as exc:  # the provider boundary: see the docstring
        raise FetchError(f"{provider.name}: unexpected failure ({exc.__class__.__name__}: {exc})") from None


def _fetch_one(store: Store, provider: Any, sid: str, *, since: dt.date | None, report: FetchReport) -> None:
    """Ask one provider for one series and store what it delivers in one transaction."""
    from report.series import SERIES

    got = _ask(provider, sid, since or store.last_date(sid), None if since else store.source_updated(sid))
    if got is None:
        report.unchanged.append(sid)
        return
    with store.transaction() as db:
        report.fetched[sid] = store.write_series(db, SERIES[sid], got.rows, vintages=got.vintages)
        if got.stamp:
            store.set_source_updated(db, sid, got.stamp)


def fetch(
    settings: Settings,
    *,
    series: Sequence[str] | None = None,
    since: dt.date | None = None,
    vintages: bool = False,
    on_series: Callable[[str, str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    providers: tuple[list[Any], dict[str, str]] | None = None,
) -> FetchReport:
    """Fill the real-data store from every provider; one that fails leaves the others fetched.

    Incremental: each series is asked only for observations from its last stored date on, and FRED skips a series
    whose last_updated stamp is unchanged. CBBTCUSD falls back to CoinGecko's price when FRED cannot deliver it.
    """
    provs, missing = providers or registry.providers(settings, vintages=vintages)
    wanted = set(series) if series else None
    report = FetchReport()
    report.failed.update({sid: why for sid, why in missing.items() if wanted is None or sid in wanted})
    plan = _plan(settings, provs, wanted)
    if on_start:
        on_start(len(plan))
    down: dict[str, str] = {}  # providers that could not be reached: their other series are skipped
    secrets = registry.secrets(settings)
    with Store(settings.store_path) as store:
        for provider, sid in plan:
            if on_series:
                on_series(sid, provider.name)
            try:
                if provider.name in down:
                    raise FetchError(f"skipped: {provider.name} could not be reached ({down[provider.name]})")
                _fetch_one(store, provider, sid, since=since, report=report)
            except FetchError as exc:
                report.failed[sid] = redact(str(exc), secrets)  # the clients redact too; this is the last word
                if exc.unreachable:
                    down[provider.name] = report.failed[sid]
                if sid == "CBBTCUSD":  # FRED cannot deliver the price: ask CoinGecko
                    plan.append((registry.price_fallback(settings), "BTC_PRICE"))
        for provider in {id(p): p for p, _ in plan}.values():
            report.requests[provider.name] = report.requests.get(provider.name, 0) + provider.client.requests
    return report
