"""Fetching against a real local HTTP server speaking FRED's XML and the bitcoin providers' JSON, with faults."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from fakeservers import GOOD_KEY, FakeServer, FredSeries, unix

from report.cli import cli
from report.pipeline.fetch import fetch
from report.sources.bgeometrics import BGeometricsProvider
from report.sources.coinmetrics import CoinMetricsProvider
from report.sources.fred import FredProvider
from report.sources.http import Client, FetchError
from report.sources.mempool import MempoolProvider, period_for, subsidy_btc
from report.sources.registry import providers
from report.store import Store

D = dt.date


def fast(name: str, timeout: float = 2.0) -> Client:
    return Client(name, min_interval=0.0, timeout=timeout, retries=2, backoff=0.01)


@pytest.fixture
def srv():
    with FakeServer() as s:
        s.state.fred = {
            "WRESBAL": FredSeries({"2025-11-19": "2900000", "2025-11-26": "2880000", "2025-12-03": "2860000"}),
            "WALCL": FredSeries({"2025-11-26": "6560000", "2025-12-03": "."}),
        }
        yield s


def fred(srv, key=GOOD_KEY, vintages=False, timeout=2.0):
    return FredProvider(key, fast("FRED", timeout), f"{srv.url}/fred", vintages=vintages)


def run(settings, provs, series=None, since=None):
    return fetch(settings, series=series, since=since, providers=(provs, {}))


def test_fred_fetch_is_incremental(srv, settings):
    p = fred(srv)
    report = run(settings, [p], ["WRESBAL", "WALCL"])
    assert report.fetched == {"WRESBAL": 3, "WALCL": 2} and not report.failed
    with Store(settings.store_path) as st:
        s = st.series("WRESBAL", D(2025, 12, 8))
        assert s.iloc[-1] == pytest.approx(2.86e12)  # millions -> dollars
        assert st.observations("WALCL", D(2025, 12, 8))[-1] == (D(2025, 12, 3), None)  # "." is missing
        # point in time: the 3 December H.4.1 value is published on the 4th
        assert st.observations("WRESBAL", D(2025, 12, 3))[-1][0] == D(2025, 11, 26)
    # nothing changed: one request per series
    before = len(srv.state.log)
    report = run(settings, [fred(srv)], ["WRESBAL", "WALCL"])
    assert sorted(report.unchanged) == ["WALCL", "WRESBAL"] and len(srv.state.log) - before == 2
    # a new observation: only what is new is asked for
    srv.state.fred["WRESBAL"].points["2025-12-10"] = "2870000"
    srv.state.fred["WRESBAL"].last_updated = "2025-12-11 15:31:02-06"
    report = run(settings, [fred(srv)], ["WRESBAL"])
    assert report.fetched == {"WRESBAL": 2}  # the last stored week again, and the new one
    assert "observation_start=2025-12-03" in srv.state.log[-1]


def test_bad_key_and_unknown_series_are_clear_and_keep_the_key_secret(srv, settings):
    bad = "0000000000000000000000000000dead"
    report = run(settings, [fred(srv, key=bad)], ["WRESBAL"])
    assert "api_key is not registered" in report.failed["WRESBAL"] and bad not in report.failed["WRESBAL"]
    srv.state.fred.pop("WALCL")
    report = run(settings, [fred(srv)], ["WALCL"])
    assert "series does not exist" in report.failed["WALCL"]


def test_retries_on_429_and_500_then_succeeds(srv, settings):
    srv.state.faults["/fred/series"] = ["429", "500"]
    report = run(settings, [fred(srv)], ["WRESBAL"])
    assert report.fetched == {"WRESBAL": 3}
    assert srv.state.count("/fred/series?") == 3  # two refused, then the answer


def test_gives_up_after_retries_and_times_out(srv, settings):
    srv.state.faults["/fred/series"] = ["500"] * 10
    report = run(settings, [fred(srv)], ["WRESBAL"])
    assert "HTTP 500 after 3 attempts" in report.failed["WRESBAL"]
    srv.state.faults["/fred/series"] = ["timeout"] * 3
    srv.state.slow_seconds = 1.0
    report = run(settings, [fred(srv, timeout=0.2)], ["WRESBAL"])
    assert "no answer within 0.2 s" in report.failed["WRESBAL"]


def test_unreachable_provider_is_asked_once(settings):
    p = FredProvider(GOOD_KEY, Client("FRED", 0.0, 0.2, retries=1, backoff=0.01), "http://127.0.0.1:9/fred")
    report = run(settings, [p], ["WRESBAL", "WALCL", "SOFR"])
    assert "cannot connect" in report.failed["WRESBAL"]
    assert report.failed["WALCL"].startswith("skipped: FRED could not be reached")
    assert p.client.requests == 2  # one attempt and one retry, for the first series only


def test_malformed_body(srv, settings):
    srv.state.faults["/fred/series"] = ["malformed"]
    report = run(settings, [fred(srv)], ["WRESBAL"])
    assert "malformed" in report.failed["WRESBAL"]
    with Store(settings.store_path) as st:
        assert st.observations("WRESBAL", D(2026, 1, 1)) == []


def test_alfred_vintages_are_real_time_periods(srv, settings):
    srv.state.fred["PAYEMS"] = FredSeries(
        {"2025-10-01": "159500"},
        releases=[
            ("2025-09-01", "2025-10-03", "159300"),
            ("2025-09-01", "2025-11-07", "159250"),
            ("2025-10-01", "2025-11-07", "159400"),
            ("2025-10-01", "2025-12-05", "159500"),
        ],
    )
    report = run(settings, [fred(srv, vintages=True)], ["PAYEMS"])
    assert report.fetched == {"PAYEMS": 4}
    with Store(settings.store_path) as st:
        assert st.observations("PAYEMS", D(2025, 10, 20)) == [(D(2025, 9, 1), 159300.0)]
        assert st.observations("PAYEMS", D(2025, 11, 10)) == [(D(2025, 9, 1), 159250.0), (D(2025, 10, 1), 159400.0)]
        assert st.observations("PAYEMS", D(2025, 12, 8))[-1] == (D(2025, 10, 1), 159500.0)


def mempool_routes(srv):
    days = ["2025-11-20", "2025-11-21", "2025-11-22", "2025-11-23"]
    srv.state.json_routes["/api/v1/mining/hashrate/"] = {
        "hashrates": [{"timestamp": unix(d), "avgHashrate": 1.05e21 + i * 1e19} for i, d in enumerate(days)],
        "difficulty": [
            {"time": unix("2025-11-08T10:00:00"), "height": 923_000, "difficulty": 1.55e14, "adjustment": 1.01},
            {"time": unix("2025-11-22T04:00:00"), "height": 925_016, "difficulty": 1.49e14, "adjustment": 0.96},
        ],
        "currentHashrate": 1.08e21,
        "currentDifficulty": 1.49e14,
    }
    srv.state.json_routes["/api/v1/mining/blocks/fees/"] = [
        {"avgHeight": 925_000 + 144 * i, "timestamp": unix(d), "avgFees": 2_500_000} for i, d in enumerate(days)
    ]


def test_mempool_hash_rate_difficulty_issuance_fees(srv, settings):
    mempool_routes(srv)
    p = MempoolProvider(fast("mempool.space"), srv.url, today=D(2025, 11, 24))
    report = run(settings, [p], ["BTC_HASHRATE", "BTC_DIFFICULTY", "BTC_ISSUANCE", "BTC_FEES"])
    assert not report.failed and srv.state.count("/api/") == 2  # one request per endpoint
    with Store(settings.store_path) as st:
        hr = st.series("BTC_HASHRATE", D(2025, 11, 25))
        assert hr.iloc[0] == pytest.approx(1.05e21)  # stored in TH/s, read back in H/s
        diff = dict(st.observations("BTC_DIFFICULTY", D(2025, 11, 25)))
        assert diff[D(2025, 11, 21)] == 1.55e14 and diff[D(2025, 11, 22)] == 1.49e14
        fees = dict(st.observations("BTC_FEES", D(2025, 11, 25)))
        assert fees[D(2025, 11, 21)] == pytest.approx(0.025 * 144)
        iss = dict(st.observations("BTC_ISSUANCE", D(2025, 11, 25)))
        assert iss[D(2025, 11, 21)] == pytest.approx(3.125 * 144)
    from report.figures.bitcoin import adjustments

    with Store(settings.store_path) as st:
        adj = adjustments(st.series("BTC_DIFFICULTY", D(2025, 11, 25)))
    assert adj[-1].day == D(2025, 11, 22) and adj[-1].change == pytest.approx(1.49 / 1.55 - 1)


def test_mempool_helpers():
    assert subsidy_btc(0) == 50 and subsidy_btc(840_000) == 3.125 and subsidy_btc(839_999) == 6.25
    assert period_for(None, D(2025, 12, 8)) == "3y" and period_for(D(2025, 12, 1), D(2025, 12, 8)) == "1m"


def test_bgeometrics_supply_in_loss_and_malformed(srv, settings):
    srv.state.json_routes["/v1/supply-loss"] = [
        {"d": "2025-12-06", "unixTs": 1, "supplyLoss": "6400000.5"},
        {"d": "2025-12-07", "unixTs": 2, "supplyLoss": "6500000"},
    ]
    report = run(settings, [BGeometricsProvider(fast("BGeometrics"), srv.url)], ["BTC_SUPPLY_IN_LOSS"])
    assert report.fetched == {"BTC_SUPPLY_IN_LOSS": 2}
    srv.state.json_routes["/v1/supply-loss"] = {"error": "rate limited"}
    report = run(settings, [BGeometricsProvider(fast("BGeometrics"), srv.url)], ["BTC_SUPPLY_IN_LOSS"])
    assert "BGeometrics: unexpected response" in report.failed["BTC_SUPPLY_IN_LOSS"]


def test_coin_metrics_follows_its_pages_and_reads_both_metrics(srv, settings):
    """Coin Metrics' Community API answers strings, leaves out a metric a day lacks, and pages with next_page_url;
    both series come from the same requests, and the realised price follows from MVRV and the price."""
    srv.state.coinmetrics_pages = [
        [
            {"asset": "btc", "time": "2025-12-05T00:00:00.000000000Z", "CapMVRVCur": "1.58", "SplyExNtv": "2600100"},
            {"asset": "btc", "time": "2025-12-06T00:00:00.000000000Z", "CapMVRVCur": "1.61"},
        ],
        [{"asset": "btc", "time": "2025-12-07T00:00:00.000000000Z", "CapMVRVCur": "1.6", "SplyExNtv": "2599000.5"}],
    ]
    provider = CoinMetricsProvider(fast("Coin Metrics"), srv.url)
    report = run(settings, [provider], ["BTC_MVRV", "BTC_EXCHANGE_SUPPLY"])
    assert report.fetched == {"BTC_MVRV": 3, "BTC_EXCHANGE_SUPPLY": 2}, report.failed
    assert srv.state.count("/v4/timeseries/asset-metrics") == 2  # two pages, once for both series
    with Store(settings.store_path) as st:
        assert [v for _, v in st.observations("BTC_MVRV", D(2025, 12, 8))] == [1.58, 1.61, 1.6]
        assert st.observations("BTC_EXCHANGE_SUPPLY", D(2025, 12, 8))[-1][1] == 2599000.5
    first = srv.state.log[0]
    assert "metrics=CapMVRVCur%2CSplyExNtv" in first and "assets=btc" in first and "frequency=1d" in first


def test_coin_metrics_refuses_a_next_page_elsewhere_and_a_malformed_answer(srv, settings):
    srv.state.coinmetrics_pages = [[{"asset": "btc", "time": "2025-12-05T00:00:00Z", "CapMVRVCur": "1.5"}], []]
    srv.state.coinmetrics_next = "http://198.51.100.7/v4/timeseries/asset-metrics?next_page_token=1"
    report = run(settings, [CoinMetricsProvider(fast("Coin Metrics"), srv.url)], ["BTC_MVRV"])
    assert "next page points to another server" in report.failed["BTC_MVRV"]
    srv.state.coinmetrics_pages = [[{"asset": "btc", "time": "yesterday", "CapMVRVCur": "1.5"}]]
    srv.state.coinmetrics_next = None
    report = run(settings, [CoinMetricsProvider(fast("Coin Metrics"), srv.url)], ["BTC_MVRV"])
    assert report.failed["BTC_MVRV"].startswith("Coin Metrics: unexpected response for BTC_MVRV")
    with Store(settings.store_path) as st:
        assert st.observations("BTC_MVRV", D(2025, 12, 8)) == []  # nothing half-stored


def test_a_failing_provider_leaves_the_rest_and_price_falls_back(srv, settings):
    mempool_routes(srv)
    srv.state.faults["/api/v1/mining"] = ["500"] * 20
    srv.state.json_routes["/api/v3/coins/bitcoin/market_chart"] = {
        "prices": [[unix("2025-12-06") * 1000, 89000.0], [unix("2025-12-07") * 1000, 90000.0]]
    }
    s = settings.replace(
        fred_api_key=GOOD_KEY,
        fred_url=f"{srv.url}/fred",
        mempool_url=srv.url,
        coingecko_url=srv.url,
        bgeometrics_url=srv.url,
    )
    provs = [fred(srv), MempoolProvider(fast("mempool.space"), srv.url)]
    report = fetch(s, series=["WRESBAL", "CBBTCUSD", "BTC_HASHRATE"], providers=(provs, {}))
    assert report.fetched["WRESBAL"] == 3
    assert "HTTP 500" in report.failed["BTC_HASHRATE"]
    assert "series does not exist" in report.failed["CBBTCUSD"]
    assert report.fetched["BTC_PRICE"] == 2  # CoinGecko stood in for FRED's CBBTCUSD


def test_cli_fetch_end_to_end(srv, tmp_path):
    env = {
        "BRIEF_DATA_DIR": str(tmp_path / "d"),
        "FRED_API_KEY": GOOD_KEY,
        "BRIEF_FRED_URL": f"{srv.url}/fred",
        "BRIEF_MEMPOOL_URL": srv.url,
        "BRIEF_BGEOMETRICS_URL": srv.url,
        "BRIEF_COINGECKO_URL": srv.url,
        "BRIEF_COINMETRICS_URL": srv.url,
    }
    r = CliRunner().invoke(cli, ["fetch", "--series", "WRESBAL,WALCL"], env=env)
    assert r.exit_code == 0, r.output
    assert "WRESBAL: 3 observations" in r.output and GOOD_KEY not in r.output
    assert GOOD_KEY.encode() not in (tmp_path / "d" / "brief.sqlite").read_bytes()
    wrong = "0000000000000000000000000000dead"  # well formed, but FRED does not know it
    r = CliRunner().invoke(cli, ["fetch", "--series", "WRESBAL"], env={**env, "FRED_API_KEY": wrong})
    assert r.exit_code == 1 and "api_key is not registered" in r.output and wrong not in r.output
    r = CliRunner().invoke(cli, ["fetch", "--series", "WRESBAL"], env={**env, "FRED_API_KEY": "wrong"})
    assert r.exit_code == 1 and "FRED_API_KEY is not a valid FRED API key" in r.output and "wrong" not in r.output
    r = CliRunner().invoke(cli, ["fetch", "--series", "NOPE"], env=env)
    assert r.exit_code == 2 and "unknown series NOPE" in r.output


def test_no_key_is_reported(settings):
    provs, missing = providers(settings.replace(fred_api_key=None))
    assert "FRED_API_KEY" in missing["WRESBAL"] and all(p.name != "FRED" for p in provs)


def test_client_redacts_and_paces():
    from report.sources.http import redact

    assert redact("https://x/y?series_id=A&api_key=SECRET&b=1") == "https://x/y?series_id=A&api_key=***&b=1"
    slept = []
    now = [0.0]
    c = Client(
        "t", min_interval=0.5, sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)), clock=lambda: now[0]
    )
    c._pace()
    c._pace()
    assert slept == [0.5]
    with pytest.raises(FetchError):
        Client("t", timeout=0.2, retries=0).open("http://127.0.0.1:9/")  # nothing listens on the discard port


def test_glassnode_sends_the_key_in_a_header(srv, settings):
    from report.sources.glassnode import GlassnodeProvider

    srv.state.json_routes["/v1/metrics/supply/loss_sum"] = [{"t": unix("2025-12-07"), "v": 6.5e6}]
    p = GlassnodeProvider("gn-secret", fast("Glassnode"), srv.url)
    report = run(settings, [p], ["BTC_SUPPLY_IN_LOSS"])
    assert report.fetched == {"BTC_SUPPLY_IN_LOSS": 1}
    assert "gn-secret" not in srv.state.log[-1] and "a=BTC" in srv.state.log[-1]
