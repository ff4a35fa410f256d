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


def test_fetched_vintages_replace_only_the_dates_they_cover(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        info = SERIES["PAYEMS"]
        with st.transaction() as db:
            plain = [(D(2025, m, 1), float(m), D(2025, m, 1), None) for m in (7, 8, 9)]
            assert st.write_series(db, info, plain, vintages=False) == 3
        with st.transaction() as db:
            revised = [
                (D(2025, 8, 1), 80.0, D(2025, 10, 3), D(2025, 11, 6)),
                (D(2025, 8, 1), 81.0, D(2025, 11, 7), None),
            ]
            assert st.write_series(db, info, revised, vintages=True) == 2
        assert st.observations("PAYEMS", D(2025, 12, 8)) == [
            (D(2025, 7, 1), 7.0),
            (D(2025, 8, 1), 81.0),
            (D(2025, 9, 1), 9.0),
        ]
        assert st.observations("PAYEMS", D(2025, 10, 10))[1] == (D(2025, 8, 1), 80.0)
        assert st.observations("PAYEMS", D(2025, 9, 10)) == [(D(2025, 7, 1), 7.0), (D(2025, 8, 1), 8.0)]  # the estimate


def test_a_repeated_row_is_refused_or_replaced_as_asked(tmp_path):
    from report.store import DuplicateObservation

    with Store(tmp_path / "s.sqlite") as st:
        with (
            pytest.raises(DuplicateObservation, match=r"WALCL 2025-01-11 appears twice \(first on line 10\)") as caught,
            st.transaction() as db,
        ):
            staging = st.staging(db, SERIES, vintages=False)
            for line in range(2, 7000):  # across a batch boundary
                staging.add(line, "WALCL", D(2025, 1, 1) + dt.timedelta(days=line), 1.0)
            staging.add(7000, "WALCL", D(2025, 1, 1) + dt.timedelta(days=10), 2.0)
            staging.merge()
        assert (caught.value.line, caught.value.first_line) == (7000, 10)
        assert st.observations("WALCL", D(2026, 1, 1)) == []
        with st.transaction() as db:
            staging = st.staging(db, SERIES, vintages=False, duplicates="replace")
            staging.add(2, "WALCL", D(2025, 1, 1), 1.0)
            staging.add(3, "WALCL", D(2025, 1, 1), 2.0)
            assert staging.merge() == {"WALCL": 1}
        assert st.observations("WALCL", D(2026, 1, 1)) == [(D(2025, 1, 1), 2.0)]


def test_read_only_store(tmp_path):
    with pytest.raises(StoreError, match=r"cannot open the data store .*: no such file"):
        Store(tmp_path / "none.sqlite", readonly=True)
    assert not (tmp_path / "none.sqlite").exists()
    Store(tmp_path / "s.sqlite").close()
    with Store(tmp_path / "s.sqlite", readonly=True) as st:
        assert st.first_date() is None and st.last_date("WALCL") is None
        failed = pytest.raises(StoreError, match=r"writing to the data store .* failed: attempt to write a readonly")
        with failed, st.transaction() as db:
            st.upsert_series(db, SERIES["WALCL"])


def test_an_older_store_is_upgraded_when_writable_and_named_when_read_only(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', '1');"
        "CREATE TABLE series (id TEXT PRIMARY KEY, title TEXT NOT NULL, units TEXT NOT NULL, scale REAL NOT NULL,"
        " frequency TEXT NOT NULL, source TEXT NOT NULL, updated_at TEXT);"
        "CREATE TABLE observations (series_id TEXT NOT NULL, date TEXT NOT NULL, value REAL,"
        " realtime_start TEXT NOT NULL, realtime_end TEXT NOT NULL DEFAULT '9999-12-31',"
        " PRIMARY KEY (series_id, date, realtime_start));"
    )
    db.close()
    with pytest.raises(StoreError, match="written by an older version"):
        Store(path, readonly=True)
    with Store(path) as st:
        assert st.get_meta("schema_version") == "2" and st.vintage_kind("WALCL") == "publication lag"
    with Store(path, readonly=True) as st:
        assert st.get_meta("schema_version") == "2"
