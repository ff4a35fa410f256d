"""The demo data set is deterministic and the 2025-12-08 edition shows the reference figures."""

import datetime as dt

import numpy as np
import pytest

from report import demo
from report.pipeline.build import figures
from report.store import Store


@pytest.fixture(scope="module")
def ref(demo_data_dir):
    from report.config import Settings

    s = Settings(data_dir=demo_data_dir)
    day, figs, _ = figures(s, demo=True)
    assert day == dt.date(2025, 12, 8)
    return {f.key: f for f in figs}


def test_generation_is_deterministic():
    a = demo.generate(np.random.default_rng(demo.SEED))
    b = demo.generate(np.random.default_rng(demo.SEED))
    assert a == b


def test_every_input_series_covered_2019_to_edition(demo_data_dir):
    from report.figures import INPUT_SERIES

    with Store(demo_data_dir / "demo.sqlite") as st:
        for sid in INPUT_SERIES:
            if sid in (
                "BTC_PRICE",
                "BTC_DIFFICULTY_7D",
                "BTC_MVRV",
            ):  # alternative sources; the demo has CBBTCUSD, exact difficulty, the realised price
                continue
            obs = st.observations(sid, demo.END)
            assert obs, sid
            # IORB exists from July 2021, the spot bitcoin ETFs from January 2024
            assert obs[0][0] <= dt.date(2019, 1, 2) or sid in ("IORB", "BTC_ETF_FLOW"), sid
            # GDP: the second quarter is the latest public on 8 December 2025 (the third came out on 23 December)
            assert obs[-1][0] >= (dt.date(2025, 4, 1) if sid == "GDP" else dt.date(2025, 7, 1)), sid
        assert st.last_published() <= demo.END


def test_reference_figures(ref):
    assert round(ref["reserves"].value / 1e12, 2) == 2.86
    assert round(ref["reserves_gdp_share"].value, 1) == 9.4  # over Q2 GDP, the latest public on 8 December
    assert round(ref["qt_runoff"].value / 1e12, 1) == 2.4
    assert ref["qt_runoff"].detail["peak_date"].startswith("2022-04")
    assert round(ref["m2"].value / 1e12, 1) == 22.3 and ref["m2"].detail["record"]
    assert ref["m2_prior_peak"].detail["peak_date"].startswith("2022")
    assert ref["sofr_days_above_range"].value >= 3
    dates = ref["sofr_days_above_range"].detail["dates"]
    assert sum(d >= "2025-10-01" for d in dates) >= 3  # several days in October-December
    assert ref["payroll_declines_7m"].value == 5
    assert ref["miner_cost"].value == pytest.approx(74_000, rel=0.01)
    assert round(ref["supply_in_loss"].value / 1e6, 1) == 6.5
    assert ref["difficulty_change"].value < 0 and ref["difficulty_change"].detail["largest_drop_since"][:7] == "2025-07"
    assert ref["days_to_fomc"].value == 2 and ref["days_to_fomc"].detail["projections"]  # to the 10 December decision
    assert ref["days_to_fomc"].detail["decision"] == "2025-12-10"
    assert ref["core_pce_yoy"].value > 2.0  # eased but above target
    assert ref["qt_runoff"].detail["frozen"] and ref["qt_runoff"].detail["end_date"] <= "2025-12-01"
    assert ref["rmp_45bn"].detail["mode"] == "projection"  # January 2026 still lies ahead
    # one week after QT ended is no monthly pace: unavailable with the reason, every other figure ok
    pace = ref["fed_treasuries_monthly_pace"]
    assert pace.status == "unavailable" and "four weeks" in pace.reason["en"]
    others = [f for f in ref.values() if f.key != "fed_treasuries_monthly_pace"]
    assert all(f.status == "ok" for f in others), [f.key for f in others if f.status != "ok"]


def test_as_of_sees_only_what_was_published(demo_data_dir):
    from report.config import Settings

    s = Settings(data_dir=demo_data_dir)
    f = {x.key: x for x in figures(s, demo=True, as_of=dt.date(2025, 12, 3))[1]}
    assert f["reserves"].observed == dt.date(2025, 11, 26)  # the week to 3 December is published on the 4th
    assert f["payroll_change"].observed == dt.date(2025, 9, 1)  # October and November came out on 16 December
    g = {x.key: x for x in figures(s, demo=True, as_of=dt.date(2025, 12, 4))[1]}
    assert g["reserves"].observed == dt.date(2025, 12, 3)


def _tiny(monkeypatch):
    """A two-series demo data set, so write_store runs in milliseconds."""
    rows = [(dt.date(2025, 1, 1) + dt.timedelta(days=7 * i), 1.0 + i) for i in range(50)]
    monkeypatch.setattr(demo, "generate", lambda: {"WALCL": rows, "WRESBAL": rows})


def test_a_failed_demo_write_leaves_no_temporary_files(tmp_path, monkeypatch):
    """Before: a full disk left demo.sqlite.tmp-PID and its -journal behind, one more pair at each retry."""
    import sqlite3

    from report.errors import StoreError

    _tiny(monkeypatch)
    real = Store.add_observations
    seen: list[list[str]] = []

    def full_disk(self, db, sid, rows, **kw):
        real(self, db, sid, rows, **kw)
        seen.append(sorted(p.name for p in tmp_path.iterdir()))
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "add_observations", full_disk)
    for _ in range(2):  # a retry leaves nothing either
        with pytest.raises(StoreError, match="disk is full"):
            demo.write_store(tmp_path / "demo.sqlite")
        assert list(tmp_path.iterdir()) == []
    assert any(n.endswith(("-journal", "-wal")) for n in seen[0]), seen  # the failure came mid-transaction


def test_temporary_files_of_a_dead_demo_write_are_swept(tmp_path, monkeypatch):
    import subprocess
    import sys

    _tiny(monkeypatch)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = dead.stdout.strip()
    for suffix in ("", "-journal"):
        (tmp_path / f"demo.sqlite.tmp-{pid}{suffix}").write_bytes(b"x")
    (tmp_path / "demo.sqlite.tmp-notapid").write_bytes(b"x")  # not ours: left alone
    demo.write_store(tmp_path / "demo.sqlite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite", "demo.sqlite.tmp-notapid"]
    with Store(tmp_path / "demo.sqlite") as st:
        assert st.get_meta("demo_version") == demo.VERSION
