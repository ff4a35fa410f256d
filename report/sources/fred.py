"""FRED and ALFRED through fredapi, with this project's pace, deadline, size cap and retries injected at fredapi's
seam (``fredapi.fred.urlopen``), and every failure of fredapi's as a FetchError without the key."""

from __future__ import annotations

import datetime as dt
import io
import math
import urllib.error
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from report.series import FRED, REVISED
from report.series import SERIES as CATALOGUE
from report.sources.base import Fetched
from report.sources.http import MAX_SERVER_TEXT, Client, FetchError, one_line
from report.store import Row

SERIES = tuple(sid for sid, info in CATALOGUE.items() if info.source == FRED)
FRED_ROOTS = frozenset({"seriess", "observations", "error"})  # the root elements of the answers fredapi reads here


class FredProvider:
    """Observations (and, with vintages, ALFRED real-time periods) of the FRED series the brief uses.

    A series whose ``last_updated`` is unchanged since the last fetch costs one request.
    """

    name = "FRED"

    def __init__(self, api_key: str, client: Client, root_url: str, *, vintages: bool = False) -> None:
        self._key = api_key
        self.client = client
        client.add_secret(api_key)
        self.root_url = root_url.rstrip("/")
        self.vintages = vintages

    def series_ids(self) -> tuple[str, ...]:
        return SERIES

    def _urlopen(self, url: str, *args: Any, **kwargs: Any) -> io.BytesIO:
        """What fredapi calls: the client's request, FRED's error message on a 4xx, and only FRED's XML let through."""
        try:
            body = self.client.open(url)
        except urllib.error.HTTPError as exc:
            message = one_line(self.client.redact(_error_message(exc.read())), MAX_SERVER_TEXT)
            raise FetchError(f"FRED: HTTP {exc.code}{message}") from None
        if _root_tag(body) not in FRED_ROOTS:
            raise FetchError("FRED: malformed response (not FRED's XML)")
        return io.BytesIO(body)

    @contextmanager
    def _fred(self) -> Iterator[Any]:
        import fredapi.fred

        original = fredapi.fred.urlopen
        fredapi.fred.urlopen = self._urlopen  # fredapi passes no timeout: use ours
        try:
            fred = fredapi.Fred(api_key=self._key)
            fred.root_url = self.root_url
            yield fred
        except ValueError as exc:  # fredapi turns FRED's XML error message into a bare ValueError
            raise FetchError(f"FRED: {one_line(self.client.redact(str(exc)), MAX_SERVER_TEXT)}") from None
        except ET.ParseError:
            raise FetchError("FRED: malformed response (not FRED's XML)") from None
        except urllib.error.HTTPError as exc:
            raise FetchError(f"FRED: HTTP {exc.code}") from None
        except (AttributeError, IndexError, KeyError, TypeError) as exc:  # FRED's XML without what fredapi expects
            raise FetchError(f"FRED: unexpected response ({exc.__class__.__name__})") from None
        finally:
            fredapi.fred.urlopen = original

    def fetch(self, series: str, since: dt.date | None, stamp: str | None) -> Fetched | None:
        try:
            with self._fred() as fred:
                info = fred.get_series_info(series)
                updated = str(info.get("last_updated", "")) or None
                revised = self.vintages and series in REVISED
                if stamp is not None and updated == stamp and not revised:
                    return None
                if revised:
                    return Fetched(series, _vintage_rows(fred.get_series_all_releases(series)), True, updated)
                data = fred.get_series(series, observation_start=since.isoformat() if since else None)
                rows: list[Row] = []
                for ts, v in data.items():
                    d = ts.date()
                    rows.append((d, None if v is None or math.isnan(float(v)) else float(v), d, None))
        except FetchError as exc:
            raise FetchError(f"{exc} ({series})", exc.unreachable) from exc
        return Fetched(series, rows, False, updated)

    def release_dates(self, release_id: int, start: dt.date) -> list[dt.date]:
        """A release's dates from ``start`` on, scheduled ones included (FRED's ``fred/release/dates``, JSON)."""
        query = urllib.parse.urlencode(
            {
                "release_id": release_id,
                "api_key": self._key,
                "file_type": "json",
                "include_release_dates_with_no_data": "true",
                "realtime_start": start.isoformat(),
                "realtime_end": "9999-12-31",
                "sort_order": "asc",
                "limit": 10000,
            }
        )
        doc = self.client.get_json(f"{self.root_url}/release/dates?{query}")
        try:
            return [dt.date.fromisoformat(r["date"]) for r in doc["release_dates"]]
        except (KeyError, TypeError, ValueError):
            raise FetchError(f"FRED: unexpected answer for the dates of release {release_id}") from None


def _error_message(body: bytes) -> str:
    """ ": <FRED's message>" from the XML of an error answer, or nothing when the body is not that."""
    try:
        message = ET.fromstring(body).get("message")
    except ET.ParseError:
        return ""
    return f": {message}" if message else ""


def _root_tag(body: bytes) -> str | None:
    """The name of the XML document's root element, read without parsing the rest; None when it is not XML."""
    parser: Any = ET.XMLPullParser(events=("start",))
    try:
        for i in range(0, len(body), 4096):
            parser.feed(body[i : i + 4096])
            for event in parser.read_events():
                element = event[1]
                return element.tag if isinstance(element, ET.Element) else None
    except ET.ParseError:
        return None
    return None


def _vintage_rows(frame: Any) -> list[Row]:
    """ALFRED releases (date, realtime_start, value) into real-time periods ending the day before the next."""
    by_date: dict[dt.date, list[tuple[dt.date, float | None]]] = {}
    for _, r in frame.iterrows():
        raw = float(r["value"])
        by_date.setdefault(r["date"].date(), []).append((r["realtime_start"].date(), None if math.isnan(raw) else raw))
    rows: list[Row] = []
    for d, releases in sorted(by_date.items()):
        releases.sort()
        for i, (start, value) in enumerate(releases):
            end = releases[i + 1][0] - dt.timedelta(days=1) if i + 1 < len(releases) else None
            rows.append((d, value, start, end))
    return rows
