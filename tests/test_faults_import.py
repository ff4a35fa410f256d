"""Issue 9, the import and store faults, each reproduced against a real file or a real process.

Files are derived from the real downloads in ``../shared/data/real`` into ``tmp_path`` (never into the repository);
every subprocess runs with a timeout, so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import REAL_DATA

from report.cli import cli
from report.errors import StoreError
from report.series import SERIES
from report.sources.imports import ImportFailed, import_files, parse
from report.store import Store

pytestmark = pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"real data folder {REAL_DATA} is absent")

D = dt.date
MERGED = REAL_DATA / "fred_jonsflow_risk-model" / "merged_to_2026-08-21"
WRESBAL = MERGED / "WRESBAL.csv"  # Date,Value: 1,236 weekly rows, 2002-12-18 to 2026-08-19
WALCL = MERGED / "WALCL.csv"
COINMETRICS = REAL_DATA / "btc_coinmetrics_community_chrisshao0_APS1052" / "coinmetrics_btc.csv"
LATER = D(2026, 9, 1)  # after the last WRESBAL row is published


def brief(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


def assert_one_line_failure(r: Result) -> None:
    assert r.exit_code == 1, r.output
    assert isinstance(r.exception, SystemExit), repr(r.exception)  # not an escaped exception
    assert "Traceback" not in r.output


def real_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def wresbal_dates(store_path: Path, as_of: dt.date = LATER) -> list[tuple[dt.date, float | None]]:
    with Store(store_path) as st:
        return st.observations("WRESBAL", as_of)


# --- 1. an import never deletes history ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("alfred.csv", "observation_date,WRESBAL_20251210\n2025-12-03,2900000\n"),
        ("long.csv", "series,date,value,realtime_start\nWRESBAL,2025-12-03,2900000,2025-12-10\n"),
    ],
)
def test_a_vintage_file_keeps_the_history_it_does_not_cover(tmp_path, name, text):
    data = tmp_path / "data"
    assert brief(data, "data", "import", str(WRESBAL)).exit_code == 0
    store = data / "brief.sqlite"
    history = wresbal_dates(store)
    assert len(history) == 1236
    estimate = dict(history)[D(2025, 12, 3)]

    vintage = tmp_path / name
    vintage.write_text(text, encoding="utf-8")
    r = brief(data, "data", "import", str(vintage))
    assert r.exit_code == 0, r.output
    assert "1 WRESBAL" in r.output  # what was stored

    after = wresbal_dates(store)
    assert len(after) == 1236  # was 1: the vintage deleted every estimated row of the series
    assert dict(after)[D(2025, 12, 3)] == 2900000.0
    assert [p for p in after if p[0] != D(2025, 12, 3)] == [p for p in history if p[0] != D(2025, 12, 3)]
    # point in time: the estimate until the vintage, then the vintage
    assert dict(wresbal_dates(store, D(2025, 12, 5)))[D(2025, 12, 3)] == estimate
    assert dict(wresbal_dates(store, D(2025, 12, 10)))[D(2025, 12, 3)] == 2900000.0
    # importing the history again does not override the vintage, and keeps everything else
    assert brief(data, "data", "import", str(WRESBAL)).exit_code == 0
    assert wresbal_dates(store) == after


def test_a_later_vintage_closes_the_earlier_one_for_the_dates_it_covers(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        first = tmp_path / "a.csv"
        first.write_text("observation_date,PAYEMS_20251107\n2025-09-01,159250\n2025-10-01,159400\n")
        second = tmp_path / "b.csv"
        second.write_text("series,date,value,realtime_start\nPAYEMS,2025-09-01,159300,2025-12-05\n")
        assert import_files(st, [first, second])[1] == []
        assert st.observations("PAYEMS", D(2025, 12, 1)) == [(D(2025, 9, 1), 159250.0), (D(2025, 10, 1), 159400.0)]
        assert st.observations("PAYEMS", D(2025, 12, 8)) == [(D(2025, 9, 1), 159300.0), (D(2025, 10, 1), 159400.0)]


# --- 7. non-finite values and split numbers ---------------------------------------------------------------------
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "NaN", "1e400", "Infinity"])
def test_non_finite_values_are_refused_with_file_and_line(tmp_path, value):
    lines = real_lines(WALCL)
    bad = tmp_path / "WALCL.csv"
    bad.write_text("".join([*lines[:11], f"{lines[11].split(',')[0]},{value}\n", *lines[12:]]), encoding="utf-8")
    with pytest.raises(ImportFailed, match=rf"WALCL.csv:12: .*'{value}' is not a finite number"):
        parse(bad)
    with Store(tmp_path / "s.sqlite") as st:
        done, failed = import_files(st, [bad, WRESBAL])
        assert len(failed) == 1 and [d.path for d in done] == [WRESBAL]
        assert st.observations("WALCL", LATER) == []


def test_an_unquoted_thousands_separator_is_refused(tmp_path):
    lines = real_lines(WALCL)
    bad = tmp_path / "WALCL.csv"
    bad.write_text("".join([*lines[:5], f"{lines[5].split(',')[0]},1,234.5\n", *lines[6:]]), encoding="utf-8")
    with Store(tmp_path / "s.sqlite") as st:
        done, failed = import_files(st, [bad])
        assert done == []  # was: imported, with 1.0 stored for that week
        assert len(failed) == 1 and f"{bad}:6: 3 columns but the header has 2" in str(failed[0])
        assert st.observations("WALCL", LATER) == []


# --- 8. future dates --------------------------------------------------------------------------------------------
def test_a_future_date_is_refused_at_import(tmp_path):
    bad = tmp_path / "WRESBAL.csv"
    future = dt.date.today() + dt.timedelta(days=400)
    bad.write_text(WRESBAL.read_text(encoding="utf-8") + f"{future},3000000.0\n", encoding="utf-8")
    with Store(tmp_path / "s.sqlite") as st:
        done, failed = import_files(st, [bad])
        assert done == [] and len(failed) == 1
        assert f"{bad}:1238: {future} is after today" in str(failed[0])
        assert st.last_date("WRESBAL") is None
    vintage = tmp_path / "v.csv"
    vintage.write_text(f"observation_date,WRESBAL_{future:%Y%m%d}\n2025-12-03,1\n")
    with pytest.raises(ImportFailed, match=r"v.csv:1: .* is after today"):
        parse(vintage)


def test_last_date_ignores_rows_after_today(tmp_path):
    """A future-dated row already in a store must not stop the incremental fetch from asking for new data."""
    data = tmp_path / "data"
    assert brief(data, "data", "import", str(WRESBAL)).exit_code == 0
    with Store(data / "brief.sqlite") as st:
        with st.transaction() as db:
            st.add_observations(db, "WRESBAL", [(D(2030, 1, 2), 1.0, D(2030, 1, 3), None)], estimated=True)
        assert st.last_date("WRESBAL") == D(2026, 8, 19)  # was 2030-01-02: fetch would start in 2030
        assert st.last_date("WRESBAL", today=D(2031, 1, 1)) == D(2030, 1, 2)


# --- 11. streaming, bounded memory, files that are not files -----------------------------------------------------
PEAK_RSS = textwrap.dedent(
    """
    import resource, subprocess, sys, time
    t = time.monotonic()
    p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=300)
    print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, round(time.monotonic() - t, 1))
    sys.stderr.write(p.stdout + p.stderr)
    """
)


def test_a_big_file_streams_in_bounded_memory_and_counts_what_is_stored(tmp_path):
    """50 MB of Coin Metrics rows: the real file's six import columns, repeated (each day many times over).

    Before the fix: peak RSS 575 MB, 57 s, and "591072 BTC_FEES" reported while 6,288 were stored.
    """
    keep = ["time", "PriceUSD", "HashRate", "SplyCur", "IssTotNtv", "FeeTotNtv"]
    with COINMETRICS.open(encoding="utf-8", newline="") as fh:
        body = "".join(",".join(row[k] for k in keep) + "\n" for row in csv.DictReader(fh))
    big = tmp_path / "coinmetrics_big.csv"
    with big.open("w", encoding="utf-8") as fh:
        fh.write(",".join(keep) + "\n")
        while fh.tell() < 50_000_000:
            fh.write(body)
    data = tmp_path / "data"
    cmd = [sys.executable, "-c", PEAK_RSS, sys.executable, "-m", "report", "--data-dir", str(data)]
    p = subprocess.run([*cmd, "data", "import", str(big)], capture_output=True, text=True, timeout=360)
    rc, peak_kb, seconds = p.stdout.split()
    print(f"{big.stat().st_size / 1e6:.0f} MB imported: peak RSS {int(peak_kb) / 1024:.0f} MB in {seconds} s")
    assert rc == "0", p.stderr
    assert int(peak_kb) < 400 * 1024
    with Store(data / "brief.sqlite") as st:
        stored = {sid: len(st.observations(sid, D(2100, 1, 1))) for sid in ("BTC_PRICE", "BTC_FEES")}
    days_with_fees = sum(1 for line in body.splitlines() if line.split(",")[-1])
    assert stored["BTC_FEES"] == days_with_fees  # every day once, however often it was repeated
    assert f"{stored['BTC_PRICE']} BTC_PRICE" in p.stderr and f"{stored['BTC_FEES']} BTC_FEES" in p.stderr


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "directory"])
def test_files_that_are_not_regular_files_are_refused_at_once(tmp_path, kind):
    if kind == "fifo":
        target = tmp_path / "pipe.csv"
        os.mkfifo(target)
    elif kind == "directory":
        target = tmp_path / "folder.csv"
        target.mkdir()
    else:
        target = Path("/dev/zero")
    with Store(tmp_path / "s.sqlite") as st:
        started = time.monotonic()
        done, failed = import_files(st, [target, WRESBAL])
        assert time.monotonic() - started < 10
        assert [d.path for d in done] == [WRESBAL]
        assert len(failed) == 1 and str(failed[0]).startswith(f"{target}: not a regular file")
    if kind != "directory":  # click refuses a directory itself (exit 2)
        data = tmp_path / "data"
        cmd = [sys.executable, "-m", "report", "--data-dir", str(data), "data", "import", str(target), str(WRESBAL)]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert p.returncode == 1 and "not a regular file" in p.stderr and "Traceback" not in p.stderr
        assert "1236 WRESBAL" in p.stdout


# --- 13. one-line errors, and the files after a bad one still import -----------------------------------------------
def _time_header(tmp_path: Path) -> tuple[Path, str]:
    lines = real_lines(COINMETRICS)
    p = tmp_path / "cm.csv"
    p.write_text("".join([lines[0].replace("time,", "Time,", 1), *lines[1:]]), encoding="utf-8")
    return p, ""  # a header spelled Time is a Coin Metrics file: it imports


def _short_row(tmp_path: Path) -> tuple[Path, str]:
    lines = real_lines(COINMETRICS)
    p = tmp_path / "cm.csv"
    p.write_text("".join([*lines[:100], lines[100].split(",")[0] + ",5\n", *lines[101:]]), encoding="utf-8")
    return p, f"{p}:101: 2 columns but the header has"


def _huge_header_field(tmp_path: Path) -> tuple[Path, str]:
    lines = real_lines(WALCL)
    p = tmp_path / "WALCL.csv"
    p.write_text("".join(["x" * 128 * 1024 + lines[0], *lines[1:]]), encoding="utf-8")
    return p, f"{p}:1: "


def _late_bad_byte(tmp_path: Path) -> tuple[Path, str]:
    lines = real_lines(WRESBAL)
    p = tmp_path / "WRESBAL.csv"
    head = "".join(lines[:500]).encode()
    assert len(head) > 8192
    p.write_bytes(head + b"2012-07-04,1\xff\n" + "".join(lines[500:]).encode())
    return p, f"{p}:501: byte 0xff"


@pytest.mark.parametrize("make", [_time_header, _short_row, _huge_header_field, _late_bad_byte])
def test_bad_files_give_one_line_errors_and_the_next_file_still_imports(tmp_path, make):
    bad, message = make(tmp_path)
    data = tmp_path / "data"
    r = brief(data, "data", "import", str(bad), str(WRESBAL))
    assert "Traceback" not in r.output and isinstance(r.exception, (SystemExit, type(None))), repr(r.exception)
    assert f"{WRESBAL}: fred: 1236 WRESBAL" in r.output
    if message:
        assert_one_line_failure(r)
        assert message in r.output
    else:
        assert r.exit_code == 0, r.output
    assert len(wresbal_dates(data / "brief.sqlite")) == 1236


def test_a_line_longer_than_the_limit_is_refused_without_reading_it_whole(tmp_path):
    p = tmp_path / "WALCL.csv"
    with p.open("w") as fh:
        fh.write("observation_date,WALCL\n2025-01-01,")
        fh.write("9" * 5_000_000)
    with pytest.raises(ImportFailed, match=r"WALCL.csv:2: the line is longer than"):
        parse(p)


# --- 16. a damaged store, a read-only store ---------------------------------------------------------------------
def _damaged_store(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    assert brief(data, "data", "import", str(WRESBAL), str(WALCL)).exit_code == 0
    store = data / "brief.sqlite"
    size = store.stat().st_size
    with store.open("r+b") as fh:
        fh.seek(size // 2 // 4096 * 4096)
        fh.write(bytes(range(256)) * 16)  # one page of garbage in the middle of the file
    return store


def test_a_damaged_store_is_a_one_line_error_naming_the_file(tmp_path):
    store = _damaged_store(tmp_path)
    data = store.parent
    r = brief(data, "figures", "--as-of", "2026-08-21")
    assert_one_line_failure(r)  # was: "reading WRESBAL ... failed" here, a traceback where scale() met the damage
    assert f"the data store {store} is damaged" in r.output and "restore it from a backup" in r.output
    r = brief(data, "data", "import", str(MERGED / "SOFR.csv"))
    assert_one_line_failure(r)  # was: exit 0, "2094 SOFR" written into the damaged store
    assert f"the data store {store} is damaged" in r.output
    with pytest.raises(StoreError, match="is damaged"):
        Store(store, readonly=True).observations("WALCL", LATER)


def test_a_file_that_is_not_a_store_is_a_one_line_error(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(WRESBAL, data / "brief.sqlite")  # a CSV where the store should be
    r = brief(data, "data", "import", str(WALCL))
    assert_one_line_failure(r)
    assert f"the data store {data / 'brief.sqlite'} is damaged" in r.output


def test_opening_a_current_store_writes_nothing(tmp_path):
    data = tmp_path / "data"
    assert brief(data, "data", "import", str(WRESBAL)).exit_code == 0
    store = data / "brief.sqlite"
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    with Store(store) as st:
        assert len(st.observations("WRESBAL", LATER)) == 1236
    with Store(store, readonly=True) as st:
        assert len(st.observations("WRESBAL", LATER)) == 1236
        with pytest.raises(StoreError, match=r"readonly|read-only"), st.transaction() as db:
            st.upsert_series(db, SERIES["WALCL"])
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in data.iterdir() if p.name.startswith("brief.sqlite")) == ["brief.sqlite"]


READ_AS_NOBODY = textwrap.dedent(
    """
    import datetime as dt, sys
    from pathlib import Path
    from report.errors import StoreError
    from report.store import Store
    for readonly in (True, False):
        with Store(Path(sys.argv[1]), readonly=readonly) as st:
            print(readonly, len(st.observations("WRESBAL", dt.date(2026, 9, 1))))
    try:
        Store(Path(sys.argv[1]).parent / "new.sqlite")
    except StoreError as exc:
        print("refused:", exc)
    """
)


def _python_for_nobody(env: dict[str, str]) -> str:
    for python in (sys.executable, "/usr/bin/python3"):
        try:
            p = subprocess.run([python, "-c", "import report.store"], env=env, user=65534, group=65534, timeout=60)
        except OSError:
            continue
        if p.returncode == 0:
            return python
    pytest.skip("no Python interpreter that the user nobody may run")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to run a reader as nobody")
def test_a_store_in_a_read_only_folder_can_still_be_read(tmp_path):
    """As root chmod stops nothing, so the reader runs as nobody, owning a folder it may not write (chmod 555)."""
    base = Path(f"/tmp/brief-ro-{os.getpid()}")
    base.mkdir(mode=0o755)
    try:
        data = base / "data"
        assert brief(data, "data", "import", str(WRESBAL)).exit_code == 0
        for p in (data, data / "brief.sqlite"):
            os.chown(p, 65534, 65534)
        data.chmod(0o555)
        repo = Path(__file__).resolve().parents[1]
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(repo), "HOME": str(base)}
        python = _python_for_nobody(env)  # the store needs only the standard library
        cmd = [python, "-c", READ_AS_NOBODY, str(data / "brief.sqlite")]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, user=65534, group=65534, env=env)
        assert p.returncode == 0, p.stderr
        assert "True 1236" in p.stdout and "False 1236" in p.stdout
        assert "refused: cannot open the data store" in p.stdout
    finally:
        shutil.rmtree(base, ignore_errors=True)


# --- hostile tester, round 2: repeated rows, malformed dates and numbers ------------------------------------------
def test_a_repeated_row_in_a_small_file_names_the_file_and_the_others_still_import(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("observation_date,WRESBAL\n2025-04-09,1\n2025-04-09,2\n", encoding="utf-8")
    sofr = MERGED / "SOFR.csv"
    data = tmp_path / "data"
    r = brief(data, "data", "import", str(WALCL), str(dup), str(sofr))
    assert_one_line_failure(r)
    assert f"{dup}:3: WRESBAL 2025-04-09 appears twice (first on line 2)" in r.output
    assert "WALCL" in r.output and "SOFR" in r.output  # both reported as imported
    with Store(data / "brief.sqlite") as st:
        assert st.observations("SOFR", LATER) and st.observations("WALCL", LATER)
        assert st.observations("WRESBAL", LATER) == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "series,date,value,realtime_start\nWRESBAL,2025-04-09,1,2025-04-10\nWRESBAL,2025-04-09,2,2025-04-10\n",
            ":3: WRESBAL 2025-04-09 appears twice (first on line 2)",
        ),
        ("series,date,value\nWRESBAL,2025-04-09,1\nWRESBAL,2025-04-09,2\n", ":3: WRESBAL 2025-04-09 appears twice"),
        (
            "observation_date,WRESBAL_20250101,WRESBAL_20250101\n2024-12-25,1,2\n",
            ":1: WRESBAL_20250101: the vintage column appears twice",
        ),
    ],
)
def test_repeated_observations_are_a_file_and_line_error_not_a_store_error(tmp_path, text, says):
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    with Store(tmp_path / "s.sqlite") as st:
        done, failed = import_files(st, [bad, WRESBAL])
        assert len(failed) == 1 and str(failed[0]).startswith(f"{bad}{says}"), failed
        assert "UNIQUE" not in str(failed[0])
        assert [d.path for d in done] == [WRESBAL]


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        ("2025-01-01junk", "is not a date"),
        ("2025-W02-3", "is not a date"),
        ("20250108", "is not a date"),
        ("2025-01-08T00:00:00junk", "is not a date"),
        ("0001-01-01", "is before 1900"),
        ("1899-12-31", "is before 1900"),
    ],
)
def test_malformed_or_ancient_dates_are_refused(tmp_path, cell, says):
    bad = tmp_path / "WRESBAL.csv"
    bad.write_text(f"observation_date,WRESBAL\n2025-01-01,1\n{cell},2\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match=rf"WRESBAL.csv:3: .*{says}"):
        parse(bad)


def test_dates_with_a_time_of_day_as_coin_metrics_writes_them_still_import(tmp_path):
    ok = tmp_path / "WRESBAL.csv"
    ok.write_text("observation_date,WRESBAL\n2025-01-01T00:00:00Z,1\n2025-01-08T00:00:00.000Z,2\n", encoding="utf-8")
    assert [r[0] for r in parse(ok).series["WRESBAL"]] == [D(2025, 1, 1), D(2025, 1, 8)]


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        ("3_000_000", "is not a number"),
        ("\u0663\u0660\u0660", "is not a number"),  # Arabic-Indic digits
        ("\uff13\uff10\uff10", "is not a number"),  # full-width digits
        ("0x10", "is not a number"),
        ("1e308", "too large"),  # WRESBAL is in millions: 1e314 dollars
    ],
)
def test_numbers_must_be_plain_ascii_and_finite_in_plain_units(tmp_path, cell, says):
    bad = tmp_path / "WRESBAL.csv"
    bad.write_text(f"observation_date,WRESBAL\n2025-01-01,1\n2025-01-08,{cell}\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match=rf"WRESBAL.csv:3: WRESBAL: .*{says}"):
        parse(bad)
    ok = tmp_path / "ok.csv"
    ok.write_text("observation_date,WRESBAL\n2025-01-01,+1.5e3\n2025-01-08,.5\n2025-01-15,-3.\n", encoding="utf-8")
    assert [r[1] for r in parse(ok).series["WRESBAL"]] == [1500.0, 0.5, -3.0]
