"""Each import format, and the errors that name file and line."""

import datetime as dt

import pytest

from report.sources.imports import ImportFailed, import_files, parse
from report.store import Store

D = dt.date


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_fred_both_headers_and_missing_values(tmp_path):
    a = parse(write(tmp_path, "a.csv", "observation_date,WALCL\n2025-11-26,6560000\n2025-12-03,.\n"))
    assert a.format == "fred" and a.series["WALCL"][1][:2] == (D(2025, 12, 3), None)
    b = parse(write(tmp_path, "b.csv", "DATE,M2SL\n2025-10-01,22298.1\n"))
    assert b.series["M2SL"][0][:2] == (D(2025, 10, 1), 22298.1)
    c = parse(write(tmp_path, "WRESBAL.csv", "Date,Value\n2025-12-03,2860000\n"))
    assert list(c.series) == ["WRESBAL"]  # from the file name
    d = parse(write(tmp_path, "x.csv", "date,value\n2025-12-03,1\n"), series_hint="GDP")
    assert list(d.series) == ["GDP"]


def test_alfred_vintages(tmp_path):
    p = write(
        tmp_path,
        "payems.csv",
        "observation_date,PAYEMS_20251003,PAYEMS_20251107,PAYEMS_20251205\n"
        "2025-09-01,159300,159250,159250\n2025-10-01,.,159400,159500\n",
    )
    parsed = parse(p)
    assert parsed.format == "alfred" and parsed.vintages
    rows = parsed.series["PAYEMS"]
    assert (D(2025, 9, 1), 159300.0, D(2025, 10, 3), D(2025, 11, 6)) in rows
    assert (D(2025, 9, 1), 159250.0, D(2025, 11, 7), None) in rows  # unchanged in the last vintage: one period
    assert (D(2025, 10, 1), None, D(2025, 10, 3), D(2025, 11, 6)) in rows
    with Store(tmp_path / "s.sqlite") as st:
        import_files(st, [p])
        assert st.observations("PAYEMS", D(2025, 11, 1)) == [(D(2025, 9, 1), 159300.0), (D(2025, 10, 1), None)]
        assert st.observations("PAYEMS", D(2025, 12, 8))[-1] == (D(2025, 10, 1), 159500.0)


def test_coinmetrics_and_long(tmp_path):
    cm = parse(
        write(
            tmp_path,
            "btc.csv",
            "time,PriceUSD,HashRate,SplyCur,IssTotNtv,FeeTotNtv,Other\n"
            "2025-12-06,89000,1.0e9,19960000,450,3.5,x\n2025-12-07,90000,,19960450,,,\n",
        )
    )
    assert cm.series["BTC_HASHRATE"] == [(D(2025, 12, 6), 1.0e9, D(2025, 12, 6), None)]
    assert len(cm.series["BTC_PRICE"]) == 2
    lg = parse(write(tmp_path, "loss.csv", "series,date,value\nBTC_SUPPLY_IN_LOSS,2025-12-07,6500000\n"))
    assert lg.format == "long" and lg.series["BTC_SUPPLY_IN_LOSS"][0][1] == 6.5e6
    vt = parse(
        write(
            tmp_path,
            "v.csv",
            "series,date,value,realtime_start\nGDP,2025-07-01,31000,2025-10-30\nGDP,2025-07-01,31100,2025-11-26\n",
        )
    )
    assert vt.vintages and vt.series["GDP"][0] == (D(2025, 7, 1), 31000.0, D(2025, 10, 30), None)
    with Store(tmp_path / "s.sqlite") as st:  # a period ends the day before the next one starts
        assert import_files(st, [tmp_path / "v.csv"])[1] == []
        assert st.observations("GDP", D(2025, 11, 25)) == [(D(2025, 7, 1), 31000.0)]
        assert st.observations("GDP", D(2025, 11, 26)) == [(D(2025, 7, 1), 31100.0)]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("foo,bar,baz\n1,2,3\n", r"x.csv:1: unrecognised header"),
        ("observation_date,NOPE\n2025-01-01,1\n", r"x.csv:1: column 'NOPE' is not a known series"),
        ("observation_date,WALCL\n2025-01-01,1\n2025-01-01,2\n", r"x.csv:3: WALCL 2025-01-01 appears twice"),
        ("observation_date,WALCL\n2025-13-01,1\n", r"x.csv:2: '2025-13-01' is not a date"),
        ("series,date,value\nFOO,2025-01-01,1\n", r"x.csv:2: unknown series 'FOO'"),
        ("", r"x.csv: the file is empty"),
    ],
)
def test_errors_name_the_line(tmp_path, text, match):
    with pytest.raises(ImportFailed, match=match):
        parse(write(tmp_path, "x.csv", text))


def test_vintages_replace_estimates_and_plain_rows_never_override_them(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        import_files(st, [write(tmp_path, "PAYEMS.csv", "observation_date,PAYEMS\n2025-09-01,1\n2025-10-01,2\n")])
        done, failed = import_files(
            st, [write(tmp_path, "v.csv", "observation_date,PAYEMS_20251121\n2025-09-01,159250\n")]
        )
        assert failed == [] and done[0].format == "alfred" and done[0].counts == {"PAYEMS": 1}
        # the vintage replaces the estimate of the date it covers, from its vintage date on; 2025-10-01 stays (a
        # plain row, public from its release on 16 December 2025 by the release calendar)
        assert st.observations("PAYEMS", D(2025, 12, 16)) == [(D(2025, 9, 1), 159250.0), (D(2025, 10, 1), 2.0)]
        assert st.observations("PAYEMS", D(2025, 12, 15)) == [(D(2025, 9, 1), 159250.0)]
        assert st.observations("PAYEMS", D(2025, 11, 20)) == [(D(2025, 9, 1), 1.0)]  # the estimate until then
        import_files(st, [write(tmp_path, "PAYEMS.csv", "observation_date,PAYEMS\n2025-09-01,9\n2025-10-01,3\n")])
        assert st.observations("PAYEMS", D(2025, 12, 16)) == [(D(2025, 9, 1), 159250.0), (D(2025, 10, 1), 3.0)]
