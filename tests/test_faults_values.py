"""Faults from issue 9: absurd input values are marked implausible (never printed as fact), figures.json stays
strict JSON, and a damaged previous edition is skipped with a warning instead of breaking later builds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import series

from report.cli import cli
from report.figures import compute_all
from report.series import SERIES

AS_OF = dt.date(2025, 12, 8)  # the demo edition date
ROOT = Path(__file__).resolve().parents[1]


def strict_loads(text: str | bytes) -> dict:
    """json.loads that refuses NaN and Infinity, as most JSON parsers do."""

    def refuse(name: str) -> None:
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def by_key(figures) -> dict:
    return {(f["key"] if isinstance(f, dict) else f.key): f for f in figures}


# --- item 7: absurd values ----------------------------------------------------------------------------------------
def test_every_series_has_a_plausible_range_that_the_demo_data_meets(demo_data_dir):
    from report.store import Store

    with Store(demo_data_dir / "demo.sqlite") as store:
        data = store.load(tuple(SERIES), AS_OF)
    for sid, info in SERIES.items():
        low, high = info.plausible
        assert math.isfinite(low) and math.isfinite(high) and low < high, sid
        values = data[sid].dropna()
        assert all(info.is_plausible(float(v)) for v in values), sid


def test_docs_data_states_every_plausible_range():
    from report.i18n import magnitude

    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    assert "| plausible range |" in text.splitlines()[4]
    for sid, info in SERIES.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{sid}` |"))
        low, high = (magnitude(v, "en") for v in info.plausible)
        assert f"{low} to {high}" in row, sid


@pytest.mark.parametrize(
    ("sid", "bad", "keys"),
    [
        ("WRESBAL", math.inf, ("reserves", "reserves_weekly_change", "reserves_since_qt_end", "reserves_gdp_share")),
        ("WRESBAL", 1e36, ("reserves", "reserves_gdp_share")),
        ("SOFR", 1e30, ("sofr_iorb_spread_bp", "sofr_days_at_or_above_iorb", "sofr_max_excess_bp")),
        ("BTC_SUPPLY_IN_LOSS", 1e30, ("supply_in_loss", "supply_in_loss_share")),
        ("BTC_SUPPLY_IN_LOSS", -math.inf, ("supply_in_loss", "supply_in_loss_share")),
        ("CBBTCUSD", math.inf, ("btc_price", "btc_drawdown", "btc_price_to_cost")),
        ("BTC_HASHRATE", 1e40, ("hashrate", "miner_cost", "btc_price_to_cost")),
    ],
)
def test_an_absurd_latest_value_makes_its_figures_implausible(demo_data_dir, make_ctx, sid, bad, keys):
    from report.edition import figures_document
    from report.store import Store

    with Store(demo_data_dir / "demo.sqlite") as store:
        data = dict(store.load(tuple(SERIES), AS_OF))
    s = data[sid].dropna().copy()
    s.iloc[-1] = bad
    data[sid] = s
    figs = by_key(compute_all(data, make_ctx(AS_OF)))
    for key in keys:
        f = figs[key]
        assert f.status == "implausible", key
        assert f.value is None and not f.available
        assert f.formatted("en") == "—" and f.formatted("zh-Hant") == "—"
        assert f.reason is not None and sid in f.reason["en"] and sid in f.reason["zh-Hant"]
        assert "plausible range" in f.reason["en"] and "合理範圍" in f.reason["zh-Hant"]
        for lang in ("en", "zh-Hant"):
            assert "∞" not in f.text[lang] and "000,000" not in f.text[lang]
            assert f.reason[lang] in f.text[lang]
    assert figs["days_to_fomc"].status == "ok"  # the others are untouched
    doc = json.dumps(figures_document(list(figs.values()), AS_OF, demo=False), allow_nan=False)
    assert by_key(strict_loads(doc)["figures"])[keys[0]]["status"] == "implausible"


def test_the_reason_names_series_value_and_range(make_ctx):
    figs = by_key(compute_all({"WRESBAL": series([("2025-11-26", 3e12), ("2025-12-03", 1e36)])}, make_ctx(AS_OF)))
    reason = figs["reserves"].reason
    assert reason is not None
    assert reason["en"] == (
        "WRESBAL 1e+36 on 3 December 2025 is outside the plausible range 0 to 20 trillion; check the data"
    )
    assert reason["zh-Hant"] == "銀行準備金餘額（WRESBAL）於2025年12月3日的數值1e+36超出合理範圍（0至20兆），請檢查資料"
    assert figs["reserves"].text["zh-Hant"].endswith("。")


def test_an_absurd_value_in_the_history_a_figure_uses_is_caught(make_ctx):
    """A stray value inside the SOFR window (not the latest day) would make the largest excess absurd."""
    days = pd.bdate_range("2025-10-01", "2025-12-05")
    sofr = pd.Series(4.0, index=days)
    sofr.iloc[-5] = 1e30
    rate = pd.Series(4.0, index=days)
    data = {"SOFR": sofr, "IORB": rate, "DFEDTARU": rate + 0.25, "DFEDTARL": rate - 0.25}
    figs = by_key(compute_all(data, make_ctx(AS_OF)))
    assert figs["sofr_max_excess_bp"].status == "implausible"
    assert figs["policy_range_upper"].status == "ok"


def test_a_zero_divisor_is_implausible_not_a_crash(make_ctx):
    data = {
        "BTC_SUPPLY_IN_LOSS": series([("2025-12-07", 5e6)]),
        "BTC_SUPPLY": series([("2025-12-07", 0.0)]),
        "GDP": series([("2025-07-01", 0.0)]),
        "WRESBAL": series([("2025-12-03", 3e12)]),
    }
    figs = by_key(compute_all(data, make_ctx(AS_OF)))
    assert figs["supply_in_loss"].status == "ok"
    assert figs["supply_in_loss_share"].status == "implausible"
    assert figs["reserves_gdp_share"].status == "implausible"  # GDP 0 is below its plausible range


@pytest.fixture
def real_store(demo_settings, monkeypatch, tmp_path):
    """A real-data store (a copy of the demo data) and a CLI runner pointed at it."""
    shutil.copy(demo_settings.demo_store_path, demo_settings.store_path)
    monkeypatch.chdir(tmp_path)
    env = {"BRIEF_DATA_DIR": str(demo_settings.data_dir), "BRIEF_OUT_DIR": str(demo_settings.out_dir)}

    def run(*args: str):
        return CliRunner().invoke(cli, list(args), env=env)

    return run


@pytest.mark.parametrize(
    ("rows", "key"),
    [
        ("WRESBAL,2025-12-03,1e30", "reserves"),
        ("SOFR,2025-12-05,1e30", "sofr_iorb_spread_bp"),
        ("BTC_SUPPLY_IN_LOSS,2025-12-07,1e30", "supply_in_loss"),
    ],
)
def test_an_imported_absurd_value_is_implausible_in_figures_and_build(real_store, tmp_path, rows, key):
    csv = tmp_path / "bad.csv"
    csv.write_text(f"series,date,value\n{rows}\n", encoding="utf-8")
    r = real_store("data", "import", str(csv))
    assert r.exit_code == 0, r.output
    r = real_store("figures", "--as-of", AS_OF.isoformat(), "--format", "json")
    assert r.exit_code == 0, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    f = by_key(strict_loads(r.stdout)["figures"])[key]
    assert f["status"] == "implausible" and f["value"] is None
    assert f["formatted"] == {"en": "—", "zh-Hant": "—"}
    assert "000,000,000" not in r.stdout and "∞" not in r.stdout
    r = real_store("build", "--as-of", AS_OF.isoformat(), "--format", "html")
    assert r.exit_code == 0, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    html = next(p for p in (tmp_path / "out").rglob("*.html")).read_text(encoding="utf-8")
    assert "000,000,000,000" not in html and "∞" not in html
    assert "implausible" in html and "數值異常" in html
    strict_loads(next((tmp_path / "out").rglob("figures.json")).read_bytes())


def test_the_demo_has_no_implausible_figure(make_ctx, demo_data_dir):
    from report.store import Store

    with Store(demo_data_dir / "demo.sqlite") as store:
        data = store.load(tuple(SERIES), AS_OF)
    assert all(f.status != "implausible" for f in compute_all(data, make_ctx(AS_OF)))


# --- item 9: a damaged previous edition ---------------------------------------------------------------------------
DAMAGE = {
    "a list": "[]",
    "figures not a list": '{"edition": "2025-12-01", "figures": 3}',
    "key not a string": '{"edition": "2025-12-01", "figures": [{"key": 1}]}',
    "no formatted": json.dumps(
        {
            "edition": "2025-12-01",
            "figures": [{"key": "reserves", "value": 1.0, "unit": "USD", "label": {"en": "a", "zh-Hant": "b"}}],
        }
    ),
    "value a string": json.dumps(
        {
            "edition": "2025-12-01",
            "figures": [
                {
                    "key": "reserves",
                    "value": "3",
                    "unit": "USD",
                    "label": {"en": "a", "zh-Hant": "b"},
                    "formatted": {"en": "a", "zh-Hant": "b"},
                }
            ],
        }
    ),
    "edition not a date": '{"edition": "last week", "figures": []}',
    "Infinity": '{"edition": "2025-12-01", "figures": [], "x": Infinity}',
    "not JSON": "{",
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_edition_ref_figures_refuses_the_wrong_shape(tmp_path, damage):
    from report.archive import FIGURES, parse_name

    folder = tmp_path / "2025-12-01-demo"
    folder.mkdir()
    (folder / FIGURES).write_text(DAMAGE[damage], encoding="utf-8")
    ref = parse_name(folder)
    assert ref is not None and ref.figures() is None


def test_changes_is_defensive(cat):
    from report.figures import Figure
    from report.render.context import changes

    for doc in ([], {"figures": 3}, {"edition": "2025-12-01", "figures": 3}, {"edition": 7, "figures": []}):
        assert changes([], doc, cat) is None
    now = Figure("m2", 2e13, "USD", AS_OF, (), "ok", {"en": "M2", "zh-Hant": "M2"}, {"en": "", "zh-Hant": ""})
    good = {"key": "m2", "value": 1e13, "unit": "USD", "formatted": {"en": "US$10 trillion", "zh-Hant": "10兆美元"}}
    for bad in ({"key": 1}, 5, {"key": "m2"}, {**good, "value": "x"}, {**good, "formatted": {"en": "a"}}):
        for figures in ([bad, good], [bad]):
            out = changes([now], {"edition": "2025-12-01", "figures": figures}, cat)
            assert out is not None and "1 December 2025" in out["title"]["en"]


@pytest.fixture
def html_settings(demo_settings):
    return dataclasses.replace(demo_settings, formats=("html",))


def _since_last(edition) -> str | None:
    html = edition.file(".html").read_text(encoding="utf-8")
    start = html.find('id="since-last"')
    return None if start < 0 else html[start : start + 400]


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_previous_edition_is_skipped_with_a_warning(html_settings, damage):
    from report.pipeline.build import _previous, build
    from report.store import Store

    first = build(html_settings, demo=True, as_of=dt.date(2025, 12, 1), parallel=False)
    (first.folder / "figures.json").write_text(DAMAGE[damage], encoding="utf-8")
    with Store(html_settings.demo_store_path) as store:
        warnings: list[str] = []
        doc, name = _previous(
            html_settings, store, day=AS_OF, demo=True, previous_as_of=None, meetings=(), warnings=warnings
        )
    assert doc is None and name is None
    assert len(warnings) == 1 and first.folder.name in warnings[0] and "skipped" in warnings[0]
    second = build(html_settings, demo=True, as_of=AS_OF, parallel=False)
    assert any(first.folder.name in w and "skipped" in w for w in second.warnings)
    assert _since_last(second) is None
    assert json.loads((second.folder / "manifest.json").read_text())["previous"] is None


def test_a_damaged_previous_edition_falls_back_to_an_older_good_one(html_settings):
    from report.pipeline.build import build

    oldest = build(html_settings, demo=True, as_of=dt.date(2025, 11, 24), parallel=False)
    first = build(html_settings, demo=True, as_of=dt.date(2025, 12, 1), parallel=False)
    (first.folder / "figures.json").write_text(DAMAGE["key not a string"], encoding="utf-8")
    second = build(html_settings, demo=True, as_of=AS_OF, parallel=False)
    since = _since_last(second)
    assert since is not None and "24 November 2025" in since
    assert json.loads((second.folder / "manifest.json").read_text())["previous"] == oldest.folder.name
