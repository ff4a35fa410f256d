import datetime as dt

import pytest

from report.errors import StoreError
from report.series import SERIES
from report.store import Store

D = dt.date


def test_vintages_give_the_value_as_it_stood(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        with st.transaction() as db:
            st.upsert_series(db, SERIES["PAYEMS"])
            st.add_observations(
                db,
                "PAYEMS",
                [
                    (D(2025, 5, 1), 159_000.0, D(2025, 6, 6), D(2025, 7, 2)),  # first print
                    (D(2025, 5, 1), 158_900.0, D(2025, 7, 3), None),  # revised
                    (D(2025, 6, 1), 159_100.0, D(2025, 7, 3), None),
                ],
            )
        assert st.observations("PAYEMS", D(2025, 6, 1)) == []
        assert st.observations("PAYEMS", D(2025, 6, 20)) == [(D(2025, 5, 1), 159_000.0)]
        assert st.observations("PAYEMS", D(2025, 7, 10)) == [(D(2025, 5, 1), 158_900.0), (D(2025, 6, 1), 159_100.0)]
        # plain units: thousands of persons -> persons
        s = st.series("PAYEMS", D(2025, 7, 10))
        assert s.iloc[-1] == pytest.approx(159_100_000.0)


def test_missing_values_are_nan_and_units_scale(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        with st.transaction() as db:
            st.upsert_series(db, SERIES["WRESBAL"])
            st.add_observations(
                db,
                "WRESBAL",
                [(D(2025, 1, 1), None, D(2025, 1, 2), None), (D(2025, 1, 8), 3_000_000.0, D(2025, 1, 9), None)],
            )
        s = st.series("WRESBAL", D(2025, 2, 1))
        assert s.isna().iloc[0] and s.iloc[1] == pytest.approx(3e12)
        assert st.first_date() == D(2025, 1, 1)


def test_failed_transaction_keeps_nothing(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        with pytest.raises(StoreError), st.transaction() as db:
            st.upsert_series(db, SERIES["WALCL"])
            st.add_observations(db, "WALCL", [(D(2025, 1, 1), 1.0, D(2025, 1, 2), None)])
            st.add_observations(db, "NOPE", [(D(2025, 1, 1), 1.0, D(2025, 1, 2), None)])  # no such series
        assert st.observations("WALCL", D(2026, 1, 1)) == []


def test_unopenable_store_is_a_clear_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(StoreError, match="cannot open the data store"):
        Store(tmp_path / "f" / "s.sqlite")
