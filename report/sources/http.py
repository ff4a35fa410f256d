"""HTTP for the providers: a pace per provider, one deadline for each whole request, a cap on the size of an answer,
retries with backoff on 429 and 5xx (Retry-After honoured up to a cap), secrets redacted from every message."""

from __future__ import annotations

import email.utils
import functools
import http.client
import io
import json
import re
import socket
import ssl
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from report import __version__
from report.errors import DataError

USER_AGENT = f"liquidity-brief/{__version__}"
MAX_RESPONSE_BYTES = 50 * 1024 * 1024  # no provider's answer comes near this; a bigger one is refused unread
MAX_ERROR_BODY_BYTES = 64 * 1024  # what is kept of an HTTP error's body (FRED's error message is in it)
MAX_RETRY_AFTER = 30.0  # seconds: a provider asking for a longer wait is given up on for this fetch
CHUNK_BYTES = 64 * 1024
_SECRET = re.compile(r"((?:api_key|token|key)=)[^&\s]+", re.IGNORECASE)
MAX_MESSAGE = 600  # characters of a FetchError's message; a provider's own text in it is cut to MAX_SERVER_TEXT
MAX_SERVER_TEXT = 300
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _forms(secret: str) -> Iterable[str]:
    """The ways a secret may appear in a message: as is, as repr() shows it, and percent-encoded in a URL."""
    yield secret
    yield repr(secret)[1:-1]
    yield urllib.parse.quote(secret, safe="")
    yield urllib.parse.quote_plus(secret, safe="")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Hide API keys and tokens in anything that may be shown or logged: ``key=`` values and each given secret, in
    any of its forms (``_forms``) and in any mix of upper and lower case."""
    for secret in secrets:
        if secret:
            for form in sorted(set(_forms(secret)), key=len, reverse=True):
                text = re.sub(re.escape(form), "***", text, flags=re.IGNORECASE)
    return _SECRET.sub(r"\1***", text)


def _escaped(ch: str) -> str:
    """A control, format (bidi, zero-width) or line-separator character as Python writes it (``\\n``,
    ``\\x9b``, ``\\u202e``); any other character as it is."""
    if ch in _BIDI or unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}:
        return repr(ch)[1:-1]
    return ch


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` safe to print on a terminal as one line: control and bidi characters escaped, cut to ``limit``
    characters (redact before cutting: a cut secret is no longer recognised)."""
    text = "".join(_escaped(ch) for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class FetchError(DataError):
    """A provider could not deliver; the message names the provider and never holds a key."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(one_line(message))  # one line whatever a provider sent: no forged lines, no escapes
        self.unreachable = unreachable  # no answer at all: asking for its other series is pointless


class _Retry(Exception):
    """One attempt failed in a way another attempt may not."""

    def __init__(self, message: str, *, answered: bool, delay: float | None = None) -> None:
        super().__init__(message)
        self.answered = answered  # the provider did answer (a status line came): it is reachable
        self.delay = delay  # what the provider asked us to wait (Retry-After), if anything


# -- one deadline for the whole request: connect, TLS handshake, request, headers and body ---------------------


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed")
    return left


class _DeadlineSocket(socket.socket):
    """A socket whose every receive and send ends by ``deadline``: a server sending a byte a second cannot hold a
    request longer than its timeout (a plain socket timeout bounds each receive only)."""

    deadline: float = float("inf")

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self.settimeout(_remaining(self.deadline))
        return super().recv_into(buffer, nbytes, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self.settimeout(_remaining(self.deadline))
        super().sendall(data, flags)


class _DeadlineSSLSocket(ssl.SSLSocket):
    """The TLS counterpart of ``_DeadlineSocket`` (the class a deadline context's ``wrap_socket`` returns)."""

    deadline: float = float("inf")

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        self.settimeout(_remaining(self.deadline))
        return super().recv_into(buffer, nbytes, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self.settimeout(_remaining(self.deadline))
        super().sendall(data, flags)


def _connect(address: tuple[str, int], timeout: Any = None, source_address: Any = None, *, deadline: float) -> Any:
    plain = socket.create_connection(address, _remaining(deadline), source_address)
    sock = _DeadlineSocket(plain.family, plain.type, plain.proto, fileno=plain.detach())
    sock.deadline = deadline
    return sock


class _DeadlineHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, deadline: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = functools.partial(_connect, deadline=deadline)


class _DeadlineHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, deadline: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self._create_connection = functools.partial(_connect, deadline=deadline)

    def connect(self) -> None:
        """HTTPSConnection.connect, with the handshake and then every read and write within the deadline."""
        http.client.HTTPConnection.connect(self)  # TCP, and the proxy tunnel if any, on a _DeadlineSocket
        self.sock.settimeout(_remaining(self._deadline))  # CPython's TLS handshake keeps to one timeout overall
        hostname = getattr(self, "_tunnel_host", None) or self.host
        sock = cast(_DeadlineSSLSocket, _tls_context().wrap_socket(self.sock, server_hostname=hostname))
        sock.deadline = self._deadline
        self.sock = sock


@functools.cache
def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.sslsocket_class = _DeadlineSSLSocket
    return context


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_DeadlineHTTPConnection, deadline=self.deadline), req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: float) -> None:
        super().__init__(context=_tls_context())
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(_DeadlineHTTPSConnection, deadline=self.deadline)
        return self.do_open(connection, req, context=_tls_context())


def _opener(deadline: float) -> urllib.request.OpenerDirector:
    """urllib's usual opener (proxies, redirects) whose connections all keep to ``deadline``."""
    return urllib.request.build_opener(_DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline))


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (a number of seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _looks_like_html(content_type: str, body: bytes) -> bool:
    """A web page (maintenance, login, a wrong address) where data was expected."""
    start = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return content_type.split(";")[0].strip().lower() == "text/html" or start.startswith((b"<!doctype html", b"<html"))


@dataclass
class Client:
    """One provider's HTTP client: at most one request per ``min_interval`` seconds, each request (connect, headers
    and body) within ``timeout`` seconds, answers of at most ``max_bytes``; ``secrets`` never appear in a message."""

    provider: str
    min_interval: float = 0.5
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    max_bytes: int = MAX_RESPONSE_BYTES
    max_retry_after: float = MAX_RETRY_AFTER
    secrets: tuple[str, ...] = field(default=(), repr=False)
    _last: float = field(default=-1e9, repr=False)

    def add_secret(self, secret: str | None) -> None:
        """Redact ``secret`` from every message this client makes."""
        if secret and secret not in self.secrets:
            self.secrets = (*self.secrets, secret)

    def redact(self, text: str) -> str:
        """``text`` without this client's secrets or any ``key=`` value."""
        return redact(text, self.secrets)

    def _pace(self) -> None:
        wait = self._last + self.min_interval - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last = self.clock()

    def open(self, url: str, headers: dict[str, str] | None = None) -> bytes:
        """GET ``url``; retries 429, 5xx, timeouts and broken connections; a 4xx other than 429 is raised at once as
        ``urllib.error.HTTPError`` (its body read, capped, into memory); every other failure is a FetchError."""
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
        last_error = ""
        unreachable = True
        for attempt in range(self.retries + 1):
            self._pace()
            self.requests += 1
            try:
                return self._attempt(request)
            except _Retry as exc:
                last_error, unreachable = str(exc), unreachable and not exc.answered
                delay = self.backoff * 2**attempt if exc.delay is None else exc.delay
                if exc.delay is not None and exc.delay > self.max_retry_after:
                    raise FetchError(
                        f"{self.provider}: {self.redact(last_error)}; Retry-After asks for {exc.delay:g} s, more than"
                        f" the {self.max_retry_after:g} s a fetch waits: not asked again this time",
                        unreachable=True,
                    ) from exc
            if attempt < self.retries:
                self.sleep(min(delay, self.max_retry_after))
        raise FetchError(f"{self.provider}: {self.redact(last_error)} after {self.retries + 1} attempts", unreachable)

    def _attempt(self, request: urllib.request.Request) -> bytes:
        """One request within one deadline: the body, or _Retry, FetchError or HTTPError (4xx but 429)."""
        deadline = time.monotonic() + self.timeout
        answered = False
        try:
            with _opener(deadline).open(request, timeout=self.timeout) as response:
                answered = True
                body = self._read(response, self.max_bytes, deadline)
                if _looks_like_html(response.headers.get("Content-Type", ""), body):
                    raise FetchError(
                        f"{self.provider}: malformed response: an HTML page (HTTP {response.status}) instead of data"
                        f" from {self.redact(request.full_url)}"
                    )
                return body
        except urllib.error.HTTPError as exc:
            if exc.code == 429 or exc.code >= 500:
                wait = retry_after(exc.headers.get("Retry-After")) if exc.headers else None
                raise _Retry(f"HTTP {exc.code}", answered=True, delay=wait) from None
            raise self._in_memory(exc, deadline) from None
        except TimeoutError:  # a provider that trickles is as good as silent: its other series are not asked
            raise _Retry(f"no answer within {self.timeout:g} s", answered=False) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise _Retry(f"no answer within {self.timeout:g} s", answered=False) from None
            raise _Retry(f"cannot connect ({exc.reason})", answered=False) from None
        except http.client.RemoteDisconnected:
            raise _Retry("connection closed without a response", answered=False) from None
        except http.client.IncompleteRead as exc:
            raise _Retry(f"truncated response ({_incomplete(exc)})", answered=True) from None
        except _Truncated as exc:
            raise _Retry(f"truncated response ({exc})", answered=True) from None
        except http.client.InvalidURL as exc:  # its message quotes the URL, key and all
            raise FetchError(f"{self.provider}: invalid request URL ({self.redact(str(exc))})") from None
        except http.client.HTTPException as exc:  # a status line or headers that are not HTTP
            raise _Retry(f"not an HTTP answer ({exc.__class__.__name__})", answered=answered) from None
        except OSError as exc:  # connection reset or refused mid-way
            raise _Retry(f"connection failed ({exc.__class__.__name__}: {exc})", answered=answered) from None
        except ValueError as exc:  # a header value or URL urllib refuses to send (its message quotes it)
            raise FetchError(f"{self.provider}: invalid request ({self.redact(str(exc))})") from None

    def _read(self, response: Any, limit: int, deadline: float) -> bytes:
        """The body in chunks, refusing one over ``limit`` bytes (as soon as it is declared or seen) unread."""
        declared = response.headers.get("Content-Length", "").strip()
        length = int(declared) if declared.isdigit() else None
        if length is not None and length > limit:
            raise FetchError(f"{self.provider}: {_too_large(limit)} (Content-Length {length}); not read")
        buffer = io.BytesIO()
        while chunk := response.read(CHUNK_BYTES):
            buffer.write(chunk)
            if buffer.tell() > limit:
                raise FetchError(f"{self.provider}: {_too_large(limit)}; stopped reading")
            _remaining(deadline)
        if length is not None and buffer.tell() < length:
            raise _Truncated(f"{buffer.tell()} of {length} bytes")
        return buffer.getvalue()

    def _in_memory(self, exc: urllib.error.HTTPError, deadline: float) -> urllib.error.HTTPError:
        """The same HTTP error with its body (at most MAX_ERROR_BODY_BYTES) read now, within the deadline."""
        body = b""
        try:
            body = self._read(exc, MAX_ERROR_BODY_BYTES, deadline)
        except (FetchError, _Truncated, OSError, http.client.HTTPException):
            pass  # the status is what matters; the body only explains it
        finally:
            exc.close()
        return urllib.error.HTTPError(exc.url, exc.code, exc.msg, exc.headers, io.BytesIO(body))

    def get_json(self, url: str, headers: dict[str, str] | None = None) -> Any:
        """GET and parse JSON; HTTP errors and malformed bodies become FetchError."""
        try:
            body = self.open(url, headers)
        except urllib.error.HTTPError as exc:
            raise FetchError(f"{self.provider}: HTTP {exc.code} for {self.redact(url)}") from None
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FetchError(f"{self.provider}: malformed JSON from {self.redact(url)}") from exc

    def urlopen(self, url: str, *args: Any, **kwargs: Any) -> io.BytesIO:
        """A drop-in for ``urllib.request.urlopen`` (what fredapi calls), with this client's pace, deadline, size cap
        and retries."""
        return io.BytesIO(self.open(url))


class _Truncated(Exception):
    """The connection closed before Content-Length bytes came."""


def _incomplete(exc: http.client.IncompleteRead) -> str:
    got = len(exc.partial)
    return f"{got} of {got + exc.expected} bytes" if exc.expected is not None else f"{got} bytes, then nothing"


def _too_large(limit: int) -> str:
    return f"response larger than {limit / 1024 / 1024:g} MB"
