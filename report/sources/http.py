"""HTTP for the providers: a pace per provider, timeouts, retries with backoff on 429 and 5xx, secrets redacted."""

from __future__ import annotations

import io
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from report import __version__
from report.errors import DataError

USER_AGENT = f"liquidity-brief/{__version__}"
_SECRET = re.compile(r"((?:api_key|token|key)=)[^&\s]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Hide API keys and tokens in anything that may be shown or logged."""
    return _SECRET.sub(r"\1***", text)


class FetchError(DataError):
    """A provider could not deliver; the message names the provider and never holds a key."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable  # no answer at all: asking for its other series is pointless


@dataclass
class Client:
    """One provider's HTTP client: at most one request per ``min_interval`` seconds."""

    provider: str
    min_interval: float = 0.5
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    _last: float = field(default=-1e9, repr=False)

    def _pace(self) -> None:
        wait = self._last + self.min_interval - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last = self.clock()

    def open(self, url: str, headers: dict[str, str] | None = None) -> bytes:
        """GET ``url``; retries 429, 5xx, timeouts and connection errors; a 4xx other than 429 is raised at once."""
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
        last_error = ""
        unreachable = True
        for attempt in range(self.retries + 1):
            self._pace()
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return bytes(response.read())
            except urllib.error.HTTPError as exc:
                if exc.code != 429 and exc.code < 500:
                    raise
                last_error, unreachable = f"HTTP {exc.code}", False
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                delay = float(retry_after) if retry_after and retry_after.isdigit() else self.backoff * 2**attempt
            except TimeoutError:
                last_error, delay = f"no answer within {self.timeout:g} s", self.backoff * 2**attempt
            except urllib.error.URLError as exc:
                last_error, delay = f"cannot connect ({exc.reason})", self.backoff * 2**attempt
            if attempt < self.retries:
                self.sleep(min(delay, 60.0))
        raise FetchError(f"{self.provider}: {redact(last_error)} after {self.retries + 1} attempts", unreachable)

    def get_json(self, url: str, headers: dict[str, str] | None = None) -> Any:
        """GET and parse JSON; HTTP errors and malformed bodies become FetchError."""
        try:
            body = self.open(url, headers)
        except urllib.error.HTTPError as exc:
            raise FetchError(f"{self.provider}: HTTP {exc.code} for {redact(url)}") from exc
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FetchError(f"{self.provider}: malformed JSON from {redact(url)}") from exc

    def urlopen(self, url: str, *args: Any, **kwargs: Any) -> io.BytesIO:
        """A drop-in for ``urllib.request.urlopen`` (what fredapi calls), with this client's pace and retries."""
        return io.BytesIO(self.open(url))
