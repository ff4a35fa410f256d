"""Issue 9, items 14 and 15: every way a provider can misbehave ends as a FetchError for that series, bounded in time
and memory, and no API key is ever shown; checked through ``brief fetch`` against a real server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc

import pytest
from click.testing import CliRunner, Result
from fakeservers import GOOD_KEY, PREFIXES, FakeServer, serve_everything
from helpers import unstamped

from report.cli import cli
from report.sources import registry
from report.sources.http import Client, FetchError

GLASSNODE_KEY = "gn-0123456789-SECRET"
# one series a provider: FRED, mempool.space, BGeometrics (or Glassnode with a key), CoinGecko, Coin Metrics
SERIES = {
    "FRED": "WRESBAL",
    "mempool.space": "BTC_HASHRATE",
    "BGeometrics": "BTC_SUPPLY_IN_LOSS",
    "Glassnode": "BTC_SUPPLY_IN_LOSS",
    "CoinGecko": "BTC_PRICE",
    "Coin Metrics": "BTC_MVRV",
}


@pytest.fixture
def srv():
    with FakeServer() as s:
        serve_everything(s.state)
        yield s


@pytest.fixture(autouse=True)
def quick_clients(monkeypatch):
    """The registry's clients, unpaced and with one quick retry, so a fault costs milliseconds, not minutes."""
    real = registry.client

    def quick(spec, settings):
        c = real(spec, settings)
        c.min_interval, c.retries, c.backoff = 0.0, min(c.retries, 1), 0.01
        return c

    monkeypatch.setattr(registry, "client", quick)


def env_for(srv, tmp_path, *, timeout: float = 2.0, glassnode: str | None = None, fred: str = GOOD_KEY) -> dict:
    return {
        "BRIEF_DATA_DIR": str(tmp_path / "d"),
        "BRIEF_CONFIG": None,
        "FRED_API_KEY": fred,
        "GLASSNODE_API_KEY": glassnode,
        "BRIEF_HTTP_TIMEOUT": str(timeout),
        "BRIEF_FRED_URL": f"{srv.url}/fred",
        "BRIEF_MEMPOOL_URL": srv.url,
        "BRIEF_COINGECKO_URL": srv.url,
        "BRIEF_BGEOMETRICS_URL": srv.url,
        "BRIEF_GLASSNODE_URL": srv.url,
        "BRIEF_COINMETRICS_URL": srv.url,
    }


def brief_fetch(env: dict, series: str = "WRESBAL,WALCL,BTC_HASHRATE,BTC_SUPPLY_IN_LOSS,BTC_PRICE,BTC_MVRV") -> Result:
    return CliRunner().invoke(cli, ["fetch", "--series", series], env=env)


def assert_clean_failure(r: Result) -> None:
    """Exit code 1 with one-line messages: no exception escaped the command, no traceback was printed."""
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output


def failures(r: Result) -> dict[str, str]:
    lines = unstamped(r.stderr).splitlines()
    return dict(line[len("error: ") :].split(": ", 1) for line in lines if line.startswith("error: "))


# -- item 14: a broken answer is a FetchError for that provider; the others are still asked ---------------------


@pytest.mark.parametrize("provider", ["FRED", "mempool.space", "BGeometrics", "Glassnode", "CoinGecko", "Coin Metrics"])
@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("close", "connection closed without a response"),
        ("truncate", "truncated"),
        ("html", "HTML page"),
    ],
)
def test_broken_answers_fail_one_provider_and_the_rest_are_fetched(srv, tmp_path, provider, fault, says):
    srv.state.faults[PREFIXES[provider]] = [fault] * 20
    env = env_for(srv, tmp_path, glassnode=GLASSNODE_KEY if provider == "Glassnode" else None)
    r = brief_fetch(env)
    assert_clean_failure(r)
    failed = failures(r)
    sid = SERIES[provider]
    assert says in failed[sid] and failed[sid].startswith(provider), failed
    for other in set(SERIES.values()) - {sid}:  # every other provider was asked and delivered
        assert f"{other}: " in r.stdout and other not in failed, (other, r.output)


def test_slowloris_is_bounded_by_the_timeout_for_the_whole_request(srv, tmp_path):
    srv.state.faults["/fred/"] = ["drip-body"] * 10
    srv.state.faults["/api/v1/mining/"] = ["drip-headers"] * 10
    started = time.monotonic()
    r = brief_fetch(env_for(srv, tmp_path, timeout=0.5))
    elapsed = time.monotonic() - started
    assert_clean_failure(r)
    failed = failures(r)
    assert "no answer within 0.5 s" in failed["WRESBAL"] and "no answer within 0.5 s" in failed["BTC_HASHRATE"]
    assert failed["WALCL"].startswith("skipped: FRED could not be reached")  # not another 2 x 0.5 s
    assert "BTC_SUPPLY_IN_LOSS: 1 observations" in r.stdout and "BTC_PRICE: 2 observations" in r.stdout
    assert elapsed < 3.5  # two providers x two attempts x 0.5 s, not 0.2 s a byte for 200 bytes


def test_client_deadline_covers_headers_and_body(srv):
    for fault in ("drip-headers", "drip-body"):
        srv.state.faults["/api/"] = [fault]
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"no answer within 0\.4 s"):
            Client("t", min_interval=0, timeout=0.4, retries=0).open(f"{srv.url}/api/x")
        assert time.monotonic() - started < 1.0


def test_the_deadline_holds_over_https_too(tmp_path, monkeypatch):
    from smtpserver import make_certificate

    from report.sources import http

    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client's own TLS context, trusting this certificate
    http._tls_context.cache_clear()
    try:
        with FakeServer(tls=(cert, key)) as s:
            s.state.json_routes["/api/"] = {"ok": 1}
            assert Client("t", min_interval=0, timeout=2, retries=0).get_json(f"{s.url}/api/x") == {"ok": 1}
            for fault in ("drip-headers", "drip-body"):
                s.state.faults["/api/"] = [fault]
                started = time.monotonic()
                with pytest.raises(FetchError, match=r"no answer within 0\.4 s"):
                    Client("t", min_interval=0, timeout=0.4, retries=0).open(f"{s.url}/api/x")
                assert time.monotonic() - started < 1.0
    finally:
        http._tls_context.cache_clear()


def test_a_huge_retry_after_gives_up_on_the_provider_at_once(srv, tmp_path):
    srv.state.faults["/fred/"] = ["429-long"] * 10
    started = time.monotonic()
    r = brief_fetch(env_for(srv, tmp_path))
    assert_clean_failure(r)
    assert time.monotonic() - started < 3
    failed = failures(r)
    assert "Retry-After" in failed["WRESBAL"] and "3600" in failed["WRESBAL"]
    assert failed["WALCL"].startswith("skipped: FRED could not be reached")
    assert srv.state.count("/fred/") == 1  # asked once, not once a series and retry
    assert "BTC_HASHRATE: " in r.stdout


def test_retry_after_is_honoured_up_to_the_cap(srv):
    slept: list[float] = []
    srv.state.faults["/api/"] = ["429-long", "429-long"]
    srv.state.retry_after = "20"
    srv.state.json_routes["/api/"] = {"ok": 1}
    c = Client("t", min_interval=0, timeout=2, retries=3, sleep=slept.append)
    assert c.get_json(f"{srv.url}/api/x") == {"ok": 1}
    assert slept == [20.0, 20.0]
    srv.state.faults["/api/"] = ["429-long"]
    srv.state.retry_after = "31"
    slept.clear()
    with pytest.raises(FetchError, match="Retry-After") as err:
        Client("t", min_interval=0, timeout=2, retries=3, sleep=slept.append).open(f"{srv.url}/api/x")
    assert err.value.unreachable and slept == []


@pytest.mark.parametrize("series", ["WRESBAL", "BTC_HASHRATE"])  # fredapi's urlopen, and get_json
def test_an_endless_body_fails_promptly_in_bounded_memory(srv, tmp_path, monkeypatch, series):
    import report.pipeline.fetch
    import report.sources.fred

    assert report.pipeline.fetch and report.sources.fred  # imported before measuring, not while

    cap = 2 * 1024 * 1024
    monkeypatch.setattr("report.sources.http.MAX_RESPONSE_BYTES", cap, raising=False)
    srv.state.faults["/fred/"] = ["endless"] * 5
    srv.state.faults["/api/v1/mining/"] = ["endless"] * 5
    tracemalloc.start()
    started = time.monotonic()
    try:
        r = brief_fetch(env_for(srv, tmp_path), series=series)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_clean_failure(r)
    assert "larger than 2 MB" in failures(r)[series]
    assert time.monotonic() - started < 3
    assert peak < 6 * cap, f"peak {peak / 1e6:.0f} MB"


def test_a_declared_oversize_body_is_refused_before_reading(srv):
    srv.state.json_routes["/api/"] = {"x": "y" * 5000}
    with pytest.raises(FetchError, match="larger than"):
        Client("t", min_interval=0, timeout=2, retries=0, max_bytes=1000).open(f"{srv.url}/api/x")
    assert Client("t", min_interval=0, timeout=2, retries=0, max_bytes=10_000).get_json(f"{srv.url}/api/x")


# -- item 15: keys are checked at load and never shown ---------------------------------------------------------


@pytest.mark.parametrize(
    ("var", "key", "says"),
    [
        ("FRED_API_KEY", "abcdef0123456789 bcdef0123456789a", "FRED_API_KEY is not a valid FRED API key"),
        ("FRED_API_KEY", "abcdef0123456789abcdef0123456789\n", "FRED_API_KEY is not a valid FRED API key"),
        ("GLASSNODE_API_KEY", "gn-0123456789-SECRET\r", "GLASSNODE_API_KEY is not a valid Glassnode API key"),
    ],
)
def test_a_malformed_key_is_refused_at_load_without_showing_it(srv, tmp_path, var, key, says):
    r = brief_fetch({**env_for(srv, tmp_path), var: key})
    assert_clean_failure(r)
    assert says in r.stderr
    assert key.strip() not in r.output and key.split()[0] not in r.output
    assert srv.state.log == []  # refused before asking anyone


def test_a_key_echoed_by_a_provider_is_redacted(srv, tmp_path):
    srv.state.faults["/fred/"] = ["echo"] * 5
    srv.state.faults["/v1/metrics/"] = ["echo"] * 5
    r = brief_fetch(env_for(srv, tmp_path, glassnode=GLASSNODE_KEY))
    assert_clean_failure(r)
    assert GOOD_KEY not in r.output and GLASSNODE_KEY not in r.output
    failed = failures(r)
    assert "is not registered" in failed["WRESBAL"] and "***" in failed["WRESBAL"]
    assert failed["BTC_SUPPLY_IN_LOSS"].startswith("Glassnode: HTTP 400")


def test_redact_hides_the_exact_key_in_any_form():
    from report.sources.http import redact

    key = "abc def\r"
    text = f"bad {key} / {key!r} / abc%20def%0D / api_key=zzz&x=1"
    out = redact(text, (key,))
    assert "abc" not in out and "zzz" not in out and out.count("***") == 4
    c = Client("t")
    c.add_secret("s3cr3t")
    assert c.redact("HTTP 400: key s3cr3t unknown") == "HTTP 400: key *** unknown"


def test_a_malformed_key_that_slips_past_the_settings_is_still_never_shown(srv, settings):
    from report.pipeline.fetch import fetch
    from report.sources.fred import FredProvider
    from report.sources.glassnode import GlassnodeProvider

    fred_key, gn_key = "abcdef0123456789 bcdef0123456789a", "gn-0123456789-SECRET\r"
    provs = [
        FredProvider(fred_key, Client("FRED", 0.0, 2.0, retries=0), f"{srv.url}/fred"),
        GlassnodeProvider(gn_key, Client("Glassnode", 0.0, 2.0, retries=0), srv.url),
    ]
    report = fetch(settings, series=["WRESBAL", "BTC_SUPPLY_IN_LOSS"], providers=(provs, {}))
    text = " ".join(report.failed.values())
    assert (
        "invalid request URL" in report.failed["WRESBAL"] and "invalid request" in report.failed["BTC_SUPPLY_IN_LOSS"]
    )
    assert "abcdef" not in text and "bcdef0123456789a" not in text and "SECRET" not in text


def test_an_exception_a_provider_lets_escape_fails_only_its_series(srv, settings):
    from report.pipeline.fetch import fetch
    from report.sources.mempool import MempoolProvider

    class Broken:
        name = "Broken"
        client = Client("Broken")

        def series_ids(self) -> tuple[str, ...]:
            return ("BTC_SUPPLY_IN_LOSS",)

        def fetch(self, series, since, stamp):
            raise RuntimeError(f"bug holding {GOOD_KEY}")

    s = settings.replace(fred_api_key=GOOD_KEY)
    provs = [Broken(), MempoolProvider(Client("mempool.space", 0.0, 2.0), srv.url)]
    report = fetch(s, series=["BTC_SUPPLY_IN_LOSS", "BTC_HASHRATE"], providers=(provs, {}))
    assert report.failed == {"BTC_SUPPLY_IN_LOSS": "Broken: unexpected failure (RuntimeError: bug holding ***)"}
    assert report.fetched["BTC_HASHRATE"] == 4


# -- hostile tester, round 2: keys in other cases, server text on the terminal, values an import refuses ----------


def test_a_key_echoed_in_upper_case_is_redacted(srv, tmp_path):
    srv.state.faults["/fred/"] = ["echo-upper"] * 5
    r = brief_fetch(env_for(srv, tmp_path), series="WRESBAL")
    assert_clean_failure(r)
    assert GOOD_KEY.upper() not in r.output and GOOD_KEY not in r.output
    assert "The value *** for variable api_key" in failures(r)["WRESBAL"]


def test_redact_ignores_case_in_every_form():
    from report.sources.http import redact

    key = "abc def\r"
    text = f"{key.upper()} / {key.upper()!r} / ABC%20DEF%0d / abc+DEF%0D"
    assert redact(text, (key,)) == "*** / '***' / *** / ***"


def test_a_providers_message_is_one_line_with_control_and_bidi_characters_escaped(srv, tmp_path):
    srv.state.faults["/fred/"] = ["noisy"] * 5
    r = brief_fetch(env_for(srv, tmp_path), series="WRESBAL,BTC_HASHRATE")
    assert_clean_failure(r)
    lines = [line for line in unstamped(r.stderr).splitlines() if "WRESBAL" in line]
    assert len(lines) == 1 and lines[0].startswith("error: WRESBAL: FRED: HTTP 400: Bad Request.\\nFetched"), lines
    line = lines[0]
    for raw, shown in [("\r", "\\r"), ("\x9b", "\\x9b"), ("\u202e", "\\u202e"), ("\u2028", "\\u2028"), ("\t", "\\t")]:
        assert raw not in r.output and shown in line
    assert len(line) < 400 and "x" * 400 not in line
    assert "BTC_HASHRATE: 4 observations" in r.output


def test_fetch_error_messages_are_always_one_line_and_bounded():
    message = str(FetchError("P: " + "a\n\x85\u200f\x00" * 1000))
    assert message.isprintable() and len(message) <= 600 and message.startswith("P: a\\n\\x85\\u200f\\x00a")


def test_fetched_values_an_import_would_refuse_are_not_stored(srv, tmp_path):
    from report.config import load_settings
    from report.store import Store

    srv.state.fred["WRESBAL"].points.update(
        {"2025-11-12": "inf", "2025-11-05": "1e308", "2099-01-01": "2700000", "1800-01-01": "1"}
    )
    env = env_for(srv, tmp_path)
    r = brief_fetch(env, series="WRESBAL,WALCL")
    assert_clean_failure(r)
    assert (
        failures(r)["WRESBAL"]
        == "FRED: 4 observations of WRESBAL refused (after today, before 1900, not finite); 3 stored"
    )
    assert "WALCL: 2 observations" in r.output and "WALCL" not in failures(r)
    settings = load_settings(None, env={k: v for k, v in env.items() if v is not None})
    with Store(settings.store_path) as st:
        stored = st.observations("WRESBAL", dt.date(2100, 1, 1))
    assert [(d.isoformat(), v) for d, v in stored] == [
        ("2025-11-19", 2900000.0),
        ("2025-11-26", 2880000.0),
        ("2025-12-03", 2860000.0),
    ]
