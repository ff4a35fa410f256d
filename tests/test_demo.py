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
    day, figs = figures(s, demo=True)
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
            if sid == "BTC_PRICE":  # an alternative price source; the demo has CBBTCUSD
                continue
            obs = st.observations(sid, demo.END)
            assert obs, sid
            assert obs[0][0] <= dt.date(2019, 1, 2) or sid == "IORB", sid  # IORB exists from July 2021
            assert obs[-1][0] >= dt.date(2025, 7, 1), sid
        assert st.last_published() <= demo.END


def test_reference_figures(ref):
    assert round(ref["reserves"].value / 1e12, 2) == 2.86
    assert round(ref["reserves_gdp_share"].value, 1) == 9.2
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
    assert ref["days_to_fomc"].value == 1 and ref["days_to_fomc"].detail["projections"]
    assert ref["core_pce_yoy"].value > 2.0  # eased but above target
    assert all(f.status == "ok" for f in ref.values()), [f.key for f in ref.values() if f.status != "ok"]


def test_as_of_sees_only_what_was_published(demo_data_dir):
    from report.config import Settings

    s = Settings(data_dir=demo_data_dir)
    f = {x.key: x for x in figures(s, demo=True, as_of=dt.date(2025, 12, 3))[1]}
    assert f["reserves"].observed == dt.date(2025, 11, 26)  # the week to 3 December is published on the 4th
    assert f["payroll_change"].observed == dt.date(2025, 10, 1)  # November payrolls not yet published
    g = {x.key: x for x in figures(s, demo=True, as_of=dt.date(2025, 12, 4))[1]}
    assert g["reserves"].observed == dt.date(2025, 12, 3)
