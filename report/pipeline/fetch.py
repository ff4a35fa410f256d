"""``brief fetch``: fill the real-data store from every provider; one that fails leaves the others fetched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from report.config import Settings
from report.errors import BriefError
from report.sources import registry
from report.sources.http import MAX_SERVER_TEXT, FetchError, one_line, redact
from report.sources.imports import date_problem, value_problem
from report.store import Row, Store, today_utc

PRICE_SERIES = ("CBBTCUSD", "BTC_PRICE")


@dataclass
class FetchReport:
    """What a fetch did, series by series."""

    fetched: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    release_dates: dict[str, int] = field(default_factory=dict)  # release id -> dates stored from FRED


CALENDAR = "release calendar"  # the key of a failure to refresh it in ``FetchReport.failed``
CALENDAR_FETCHED = "release_dates_fetched"  # the store's meta key: the day the calendar was last refreshed


def _plan(settings: Settings, provs: Sequence[Any], wanted: set[str] | None) -> list[tuple[Any, str]]:
    """(provider, series) pairs to ask, CoinGecko's price added when no provider delivers CBBTCUSD."""
    plan = [(p, sid) for p in provs for sid in p.series_ids() if wanted is None or sid in wanted]
    price_wanted = wanted is None or any(sid in wanted for sid in PRICE_SERIES)
    if price_wanted and not any(sid == "CBBTCUSD" for _, sid in plan):
        plan.append((registry.price_fallback(settings), "BTC_PRICE"))
    return plan


def _ask(provider: Any, sid: str, since: dt.date | None, stamp: str | None, secrets: tuple[str, ...]) -> Any:
    """``provider.fetch``, where anything a provider lets escape becomes a FetchError for that series: one provider's
    bug or a library's unexpected exception must not stop the others being asked (nor print a traceback)."""
    try:
        return provider.fetch(sid, since, stamp)
    except BriefError:
        raise
    except Exception as exc:  # the provider boundary: see the docstring
        what = one_line(redact(f"{exc.__class__.__name__}: {exc}", secrets), MAX_SERVER_TEXT)  # redact, then cut
        raise FetchError(f"{provider.name}: unexpected failure ({what})") from None


def _admissible(rows: list[Row], sid: str, today: dt.date) -> tuple[list[Row], dict[str, int]]:
    """The rows an import would accept (``report/sources/imports.py``'s rules: a finite value, a date from 1900 to
    today, a real-time start no later than today), and how many were refused for each reason."""
    kept: list[Row] = []
    refused: dict[str, int] = {}
    for row in rows:
        d, value, start, _end = row
        why = value_problem(value, sid) or date_problem(d, today) or (start and date_problem(start, today))
        if why:
            refused[why] = refused.get(why, 0) + 1
        else:
            kept.append(row)
    return kept, refused


def _fetch_one(
    store: Store,
    provider: Any,
    sid: str,
    *,
    since: dt.date | None,
    report: FetchReport,
    secrets: tuple[str, ...],
) -> None:
    """Ask one provider for one series and store what it delivers in one transaction; observations an import
    would refuse are left out and reported as a failure of that series (the rest are stored)."""
    from report.series import SERIES

    got = _ask(provider, sid, since or store.last_date(sid), None if since else store.source_updated(sid), secrets)
    if got is None:
        report.unchanged.append(sid)
        return
    rows, refused = _admissible(list(got.rows), sid, today_utc())
    with store.transaction() as db:
        report.fetched[sid] = store.write_series(db, SERIES[sid], rows, vintages=got.vintages)
        # a series with refused observations keeps its old stamp, so the next fetch asks again
        if got.stamp and not refused:
            store.set_source_updated(db, sid, got.stamp)
    if refused:
        n = sum(refused.values())
        raise FetchError(
            f"{provider.name}: {n} observation{'s' if n > 1 else ''} of {sid} refused ({', '.join(sorted(refused))});"
            f" {report.fetched[sid]} stored"
        )


def _fetch_release_dates(store: Store, fred: Any, report: FetchReport) -> None:
    """Refresh the release calendar from FRED: each release's dates, scheduled ones included, matched to the
    periods they publish (``report.releases.rows_from_dates``); one transaction, so a failure keeps the old dates."""
    from report.releases import FETCH_FROM, RELEASES, rows_from_dates

    today = today_utc()
    if store.get_meta(CALENDAR_FETCHED) == today.isoformat():
        return  # once a day is enough: the dates change when an agency reschedules, not by the hour
    found = {}
    for release in RELEASES.values():
        if release.fred_release_id is not None:
            dates = fred.release_dates(release.fred_release_id, FETCH_FROM)
            found[release.id] = rows_from_dates(release, dates, today=today)
    with store.transaction() as db:
        store.set_meta(db, CALENDAR_FETCHED, today.isoformat())
        for rid, rows in found.items():
            stored = [(r.date, ";".join(r.periods), r.status) for r in rows]
            report.release_dates[rid] = store.set_release_dates(db, rid, stored)


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
                _fetch_one(store, provider, sid, since=since, report=report, secrets=secrets)
            except FetchError as exc:
                report.failed[sid] = redact(str(exc), secrets)  # the clients redact too; this is the last word
                if exc.unreachable:
                    down[provider.name] = report.failed[sid]
                if sid == "CBBTCUSD":  # FRED cannot deliver the price: ask CoinGecko
                    plan.append((registry.price_fallback(settings), "BTC_PRICE"))
        fred = next((p for p, _ in plan if p.name == "FRED"), None)
        if fred is not None and "FRED" not in down:
            try:
                _fetch_release_dates(store, fred, report)
            except FetchError as exc:
                report.failed[CALENDAR] = redact(str(exc), secrets)
        for provider in {id(p): p for p, _ in plan}.values():
            report.requests[provider.name] = report.requests.get(provider.name, 0) + provider.client.requests
    return report
