"""A real HTTP server on 127.0.0.1 answering like FRED (XML), mempool.space, BGeometrics and CoinGecko (JSON).

Faults are queued per path prefix: "429", "500", "timeout", "malformed"; every request is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import quoteattr

GOOD_KEY = "abcdef0123456789abcdef0123456789"


@dataclass
class FredSeries:
    """One fake FRED series: observations and, optionally, ALFRED releases."""

    points: dict[str, str]  # date -> value as FRED writes it ("." for missing)
    last_updated: str = "2025-12-04 15:31:02-06"
    releases: list[tuple[str, str, str]] = field(default_factory=list)  # (date, realtime_start, value)


@dataclass
class State:
    fred: dict[str, FredSeries] = field(default_factory=dict)
    json_routes: dict[str, object] = field(default_factory=dict)  # path prefix -> JSON body
    faults: dict[str, list[str]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    slow_seconds: float = 1.5

    def count(self, prefix: str) -> int:
        return sum(1 for p in self.log if p.startswith(prefix))


def _fred_error(message: str) -> bytes:
    return f'<?xml version="1.0" encoding="utf-8" ?>\n<error code="400" message={quoteattr(message)}/>'.encode()


class Handler(BaseHTTPRequestHandler):
    state: State

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        st = self.state
        st.log.append(self.path)
        url = urllib.parse.urlsplit(self.path)
        for prefix, queue in st.faults.items():
            if url.path.startswith(prefix) and queue:
                fault = queue.pop(0)
                if fault in {"429", "500"}:
                    return self._send(int(fault), b"busy", "text/plain")
                if fault == "timeout":
                    time.sleep(st.slow_seconds)
                    return self._send(200, b"late", "text/plain")
                if fault == "malformed":
                    return self._send(200, b"<html>this is not it", "text/html")
        if url.path.startswith("/fred/"):
            return self._fred(url)
        for prefix, body in st.json_routes.items():
            if url.path.startswith(prefix):
                return self._send(200, json.dumps(body).encode(), "application/json")
        self._send(404, b"not found", "text/plain")

    def _fred(self, url: urllib.parse.SplitResult) -> None:
        q = dict(urllib.parse.parse_qsl(url.query))
        if q.get("api_key") != GOOD_KEY:
            return self._send(
                400,
                _fred_error(
                    "Bad Request.  The value for variable api_key is not registered.  Read "
                    "https://fred.stlouisfed.org/docs/api/api_key.html for more information."
                ),
                "text/xml",
            )
        series = self.state.fred.get(q.get("series_id", ""))
        if series is None:
            return self._send(400, _fred_error("Bad Request.  The series does not exist."), "text/xml")
        if url.path == "/fred/series":
            body = (
                f'<?xml version="1.0" encoding="utf-8" ?>\n<seriess realtime_start="2025-12-08" '
                f'realtime_end="2025-12-08"><series id="{q["series_id"]}" title="t" units="u" '
                f'frequency="Weekly" last_updated={quoteattr(series.last_updated)}/></seriess>'
            )
            return self._send(200, body.encode(), "text/xml")
        rows = []
        if "realtime_start" in q and series.releases:
            for d, start, v in series.releases:
                rows.append(f'<observation realtime_start="{start}" realtime_end="9999-12-31" date="{d}" value="{v}"/>')
        else:
            start = q.get("observation_start", "1776-07-04")
            for d, v in sorted(series.points.items()):
                if d >= start:
                    rows.append(
                        f'<observation realtime_start="2025-12-08" realtime_end="2025-12-08" date="{d}" value="{v}"/>'
                    )
        body = '<?xml version="1.0" encoding="utf-8" ?>\n<observations>' + "".join(rows) + "</observations>"
        self._send(200, body.encode(), "text/xml")


class FakeServer:
    """Start with ``with FakeServer() as srv:``; ``srv.url`` is http://127.0.0.1:PORT."""

    def __init__(self) -> None:
        self.state = State()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def unix(d: str) -> int:
    return int(dt.datetime.fromisoformat(d).replace(tzinfo=dt.UTC).timestamp())
