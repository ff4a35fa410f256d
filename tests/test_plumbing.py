"""The TGA, overnight reverse repo, net liquidity and EFFR against IORB: on the real files, computed again here with
the csv module alone, and the narrative rules on both sides of their thresholds."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import REAL_DATA, series

from report.cli import cli
from report.config import Settings
from report.figures.model import Figure
from report.figures.plumbing import plumbing
from report.pipeline.build import figures
from report.render import narrative as n

D = dt.date
MERGED = REAL_DATA / "fred_jonsflow_risk-model" / "merged_to_2026-08-21"
FILES = {
    "WALCL": MERGED / "WALCL.csv",
    "RRPONTSYD": MERGED / "RRPONTSYD.csv",
    "EFFR": MERGED / "EFFR.csv",
    "IORB": MERGED / "IORB.csv",
    "WDTGAL": REAL_DATA / "fred_sphynxkatt0-arch_cot-report" / "WDTGAL_2020-11-25_to_2026-07-22.csv",
}
AS_OF = [D(2024, 6, 12), D(2025, 12, 8), D(2026, 3, 18)]


def raw(path: Path) -> dict[D, float]:
    """A FRED csv as {date: value}, "." and blanks left out."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    return {D.fromisoformat(r[0]): float(r[1]) for r in rows if len(r) > 1 and r[1] not in ("", ".")}


def next_business_day(d: D) -> D:
    d += dt.timedelta(days=1)
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


def public(values: dict[D, float], as_of: D, weekly: bool) -> dict[D, float]:
    """What was public on ``as_of``: H.4.1 Wednesdays on the Thursday, daily rates the next business day (none of
    the three dates is near a holiday)."""
    lag = (lambda d: d + dt.timedelta(days=1)) if weekly else next_business_day
    return {d: v for d, v in values.items() if lag(d) <= as_of}


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Settings:
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data folder {REAL_DATA} is absent")
    data_dir = tmp_path_factory.mktemp("plumbing")
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "data", "import", *map(str, FILES.values())])
    assert r.exit_code == 0, r.output
    return Settings(data_dir=data_dir, out_dir=data_dir / "out")


@pytest.mark.parametrize("as_of", AS_OF)
def test_net_liquidity_tga_and_rrp_from_the_raw_files(real, as_of):
    walcl = public(raw(FILES["WALCL"]), as_of, weekly=True)
    tga = public(raw(FILES["WDTGAL"]), as_of, weekly=True)
    rrp = public(raw(FILES["RRPONTSYD"]), as_of, weekly=False)
    wed = max(set(walcl) & set(tga))
    rrp_day = max(d for d in rrp if d <= wed)
    expected = walcl[wed] * 1e6 - tga[wed] * 1e6 - rrp[rrp_day] * 1e9  # millions, millions, billions
    _, figs, _ = figures(real, demo=False, as_of=as_of)
    f = {x.key: x for x in figs}
    assert f["net_liquidity"].observed == wed
    assert f["net_liquidity"].value == pytest.approx(expected, rel=1e-9)
    assert f["tga"].value == pytest.approx(tga[max(tga)] * 1e6)
    assert f["on_rrp"].value == pytest.approx(rrp[max(rrp)] * 1e9)  # billions: a millions mix-up is 1000x off
    earlier = max(d for d in set(walcl) & set(tga) if d <= wed - dt.timedelta(weeks=4))
    rrp_then = rrp[max(d for d in rrp if d <= earlier)]
    base = walcl[earlier] * 1e6 - tga[earlier] * 1e6 - rrp_then * 1e9
    assert f["net_liquidity_4w_change"].value == pytest.approx(expected - base, rel=1e-9)
    effr, iorb = public(raw(FILES["EFFR"]), as_of, False), public(raw(FILES["IORB"]), as_of, False)
    day = max(effr)
    in_force = iorb[max(d for d in iorb if d <= day)]
    assert f["effr_iorb_spread_bp"].value == pytest.approx((effr[day] - in_force) * 100, abs=1e-6)


def test_the_reference_week(real):
    """8 December 2025: TGA about US$0.9 trillion, ON RRP a few billion (the reference commentary)."""
    _, figs, _ = figures(real, demo=False, as_of=D(2025, 12, 8))
    f = {x.key: x for x in figs}
    assert 0.85e12 < f["tga"].value < 0.95e12
    assert 0 < f["on_rrp"].value < 10e9
    assert "5 December 2025" in f["on_rrp"].text["en"] and "2025年12月5日" in f["on_rrp"].text["zh-Hant"]


def test_a_missing_part_makes_net_liquidity_unavailable_with_the_series_named(make_ctx):
    data = {
        "WALCL": series([("2025-11-26", 6.57e12), ("2025-12-03", 6.56e12)]),
        "RRPONTSYD": series([("2025-12-03", 2e9)]),
    }
    f = {x.key: x for x in plumbing(data, make_ctx(D(2025, 12, 8)))}
    assert f["net_liquidity"].status == "unavailable" and "Treasury General Account" in f["net_liquidity"].reason["en"]
    assert f["on_rrp"].status == "ok" and f["tga"].status == "unavailable"


def _fig(key: str, value: float, **detail) -> Figure:
    return Figure(key, value, "USD", D(2025, 12, 3), (), "ok", {}, {}, None, detail)


@pytest.mark.parametrize(("rrp", "exhausted"), [(n.RRP_EXHAUSTED_USD - 1e9, True), (n.RRP_EXHAUSTED_USD, False)])
def test_the_reverse_repo_cushion_on_both_sides(meta, cat, rrp, exhausted):
    s = n.speak(n.RULES["rrp_cushion"], n.Facts({"on_rrp": _fig("on_rrp", rrp)}, meta(D(2025, 12, 8)), cat))
    assert (
        s is not None and ("all but gone" in s.text["en"]) is exhausted and ("耗盡" in s.text["zh-Hant"]) is exhausted
    )


@pytest.mark.parametrize(
    ("change", "says"),
    [(n.TGA_MOVE_USD, "rebuilt"), (n.TGA_MOVE_USD - 1e9, None), (-n.TGA_MOVE_USD, "ran its cash down")],
)
def test_a_tga_rebuild_drains_reserves_on_both_sides(meta, cat, change, says):
    tga = _fig("tga", 0.9e12, change_4w=change)
    s = n.speak(n.RULES["tga_drain"], n.Facts({"tga": tga}, meta(D(2025, 12, 8)), cat))
    assert (s is None) if says is None else (s is not None and says in s.text["en"])
