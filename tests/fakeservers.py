"""A real HTTP server on 127.0.0.1 answering like FRED (XML), mempool.space, BGeometrics and CoinGecko (JSON).

Faults are queued per path prefix; every request is logged:

- "429", "500": refused; "429-long": refused with ``Retry-After: {retry_after}``
- "timeout": the answer comes after ``slow_seconds``; "malformed": a broken HTML page with status 200
- "html": a well-formed HTML page (a maintenance or login page) with status 200
- "close": the connection is closed without a response
- "truncate": Content-Length promises more than is sent before the connection closes
- "drip-headers", "drip-body": slowloris, one byte every ``drip_seconds`` (of the whole response, or of the body
  after prompt headers), for at most ``drip_limit`` seconds
- "endless": status 200 and a JSON-looking body that never ends (at most ``endless_limit`` bytes)
- "echo": HTTP 400 whose message repeats the API key the request carried (query or X-Api-Key header); "echo-upper":
  the same in upper case; "echo-text": as plain text (not FRED's XML), the key straddling its 200th character
- "noisy": HTTP 400 whose message holds a forged line, a raw CR, C1 CSI (0x9B), U+202E and 5,000 more characters
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
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
    coinmetrics_pages: list[list[dict[str, str]]] = field(default_factory=list)  # Coin Metrics' data, page by page
    coinmetrics_next: str | None = None  # overrides the next page's address (a server sending us elsewhere)
    release_dates: dict[str, list[str]] = field(default_factory=dict)  # FRED release id -> its dates
    faults: dict[str, list[str]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    slow_seconds: float = 1.5
    retry_after: str = "3600"
    drip_seconds: float = 0.2
    drip_limit: float = 8.0
    endless_limit: int = 64 * 1024 * 1024

    def count(self, prefix: str) -> int:
        return sum(1 for p in self.log if p.startswith(prefix))


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Down for maintenance</title></head>"
    b"<body><h1>We'll be back soon</h1><p>Scheduled maintenance.</p></body></html>"
)


NOISE = "Bad Request.\nFetched WRESBAL: 1236 rows OK\r\x9b2K\u202eKO swor 6321\u2028done\t"


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
                return self._fault(fault, url)
        if url.path.startswith("/fred/"):
            return self._fred(url)
        if url.path == "/v4/timeseries/asset-metrics" and st.coinmetrics_pages:
            return self._coinmetrics(url)
        for prefix, body in st.json_routes.items():
            if url.path.startswith(prefix):
                return self._send(200, json.dumps(body).encode(), "application/json")
        self._send(404, b"not found", "text/plain")

    def _fault(self, fault: str, url: urllib.parse.SplitResult) -> None:
        st = self.state
        if fault == "429-long":
            self.send_response(429)
            self.send_header("Retry-After", st.retry_after)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"busy")
        elif fault == "html":
            self._send(200, HTML_PAGE, "text/html; charset=utf-8")
        elif fault == "close":
            self.close_connection = True  # read the request, say nothing, hang up
        elif fault == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "10000")
            self.end_headers()
            self.wfile.write(b'{"partial": [1, 2, ')
            self.close_connection = True
        elif fault in {"drip-headers", "drip-body"}:
            body = b'{"slow": "' + b"x" * 200 + b'"}'
            head = f"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            if fault == "drip-body":
                self.wfile.write(head.encode())
                self._drip(body)
            else:
                self._drip(head.encode() + body)
            self.close_connection = True
        elif fault == "endless":
            self._endless()
        elif fault == "noisy":
            message = NOISE + "x" * 5000
            if url.path.startswith("/fred/"):
                self._send(400, _fred_error(message), "text/xml")
            else:
                self._send(400, json.dumps({"error": message}).encode(), "application/json")
        elif fault == "echo-text":  # a proxy's or a mirror's page: no FRED XML, the key where a cut would fall
            key = dict(urllib.parse.parse_qsl(url.query)).get("api_key", "")
            message = "-" * (200 - len(key) // 2) + f" api_key {key} is not registered."
            self._send(400, message.encode(), "text/plain")
        elif fault in {"echo", "echo-upper"}:
            key = dict(urllib.parse.parse_qsl(url.query)).get("api_key") or self.headers.get("X-Api-Key", "")
            key = key.upper() if fault == "echo-upper" else key
            message = f"Bad Request.  The value {key} for variable api_key is not registered."
            if url.path.startswith("/fred/"):
                self._send(400, _fred_error(message), "text/xml")
            else:
                self._send(400, json.dumps({"error": message}).encode(), "application/json")
        else:
            raise ValueError(f"unknown fault {fault}")

    def _drip(self, data: bytes) -> None:
        """Slowloris: one byte at a time, until the client hangs up or drip_limit passes."""
        stop = time.monotonic() + self.state.drip_limit
        try:
            for i in range(len(data)):
                if time.monotonic() > stop:
                    return
                self.wfile.write(data[i : i + 1])
                time.sleep(self.state.drip_seconds)
        except OSError:  # the client gave up
            pass

    def _endless(self) -> None:
        """Status 200 and a body that never ends (until the client hangs up or endless_limit bytes)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        chunk = b"[" + b"1," * 32767 + b"\n"
        sent = 0
        try:
            while sent < self.state.endless_limit:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        self.close_connection = True

    def _coinmetrics(self, url: urllib.parse.SplitResult) -> None:
        """Coin Metrics' paging: the data of one page, and the next page's full address while more follow."""
        q = dict(urllib.parse.parse_qsl(url.query))
        page = int(q.get("next_page_token", "0"))
        pages = self.state.coinmetrics_pages
        body: dict[str, object] = {"data": pages[page]}
        if page + 1 < len(pages):
            nxt = urllib.parse.urlencode({**q, "next_page_token": str(page + 1)})
            body["next_page_token"] = str(page + 1)
            body["next_page_url"] = self.state.coinmetrics_next or f"http://{self.headers['Host']}{url.path}?{nxt}"
        self._send(200, json.dumps(body).encode(), "application/json")

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
        if url.path == "/fred/release/dates":  # FRED's JSON answer (file_type=json)
            dates = [
                {"release_id": int(q["release_id"]), "date": d}
                for d in self.state.release_dates.get(q["release_id"], [])
            ]
            body = {"realtime_start": q.get("realtime_start"), "count": len(dates), "release_dates": dates}
            return self._send(200, json.dumps(body).encode(), "application/json")
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
    """Start with ``with FakeServer() as srv:``; ``srv.url`` is http://127.0.0.1:PORT (https:// when given a
    certificate and its key, as ``smtpserver.make_certificate`` makes them)."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.state = State()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def unix(d: str) -> int:
    return int(dt.datetime.fromisoformat(d).replace(tzinfo=dt.UTC).timestamp())


DAYS = ("2025-11-20", "2025-11-21", "2025-11-22", "2025-11-23")
PREFIXES = {  # provider -> the path prefix its requests start with
    "FRED": "/fred/",
    "mempool.space": "/api/v1/mining/",
    "CoinGecko": "/api/v3/coins/",
    "BGeometrics": "/v1/supply-loss",
    "Glassnode": "/v1/metrics/",
    "Coin Metrics": "/v4/timeseries/",
}


def serve_everything(state: State) -> None:
    """Good answers from every provider: FRED WRESBAL and WALCL, mempool.space, CoinGecko, BGeometrics, Glassnode."""
    state.fred.update(
        {
            "WRESBAL": FredSeries({"2025-11-19": "2900000", "2025-11-26": "2880000", "2025-12-03": "2860000"}),
            "WALCL": FredSeries({"2025-11-26": "6560000", "2025-12-03": "."}),
        }
    )
    state.json_routes["/api/v1/mining/hashrate/"] = {
        "hashrates": [{"timestamp": unix(d), "avgHashrate": 1.05e21 + i * 1e19} for i, d in enumerate(DAYS)],
        "difficulty": [
            {"time": unix("2025-11-08T10:00:00"), "height": 923_000, "difficulty": 1.55e14, "adjustment": 1.01},
            {"time": unix("2025-11-22T04:00:00"), "height": 925_016, "difficulty": 1.49e14, "adjustment": 0.96},
        ],
        "currentHashrate": 1.08e21,
        "currentDifficulty": 1.49e14,
    }
    state.json_routes["/api/v1/mining/blocks/fees/"] = [
        {"avgHeight": 925_000 + 144 * i, "timestamp": unix(d), "avgFees": 2_500_000} for i, d in enumerate(DAYS)
    ]
    state.json_routes["/api/v3/coins/bitcoin/market_chart"] = {
        "prices": [[unix("2025-12-06") * 1000, 89000.0], [unix("2025-12-07") * 1000, 90000.0]]
    }
    state.json_routes["/v1/supply-loss"] = [{"d": "2025-12-06", "unixTs": 1, "supplyLoss": "6400000.5"}]
    state.json_routes["/v1/metrics/supply/loss_sum"] = [{"t": unix("2025-12-07"), "v": 6.5e6}]
    state.coinmetrics_pages = [
        [{"asset": "btc", "time": f"{d}T00:00:00.000000000Z", "CapMVRVCur": "1.61", "SplyExNtv": "2610000.5"}]
        for d in ("2025-12-06", "2025-12-07")
    ]
