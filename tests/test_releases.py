"""The release calendar: the bundled dates against the compiled record of actual release dates
(../shared/reference/release-dates.md), the agencies' regular schedules, never-published periods, and what the
store shows on a given day."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import REAL_DATA

from report import releases as rel
from report.cli import cli
from report.config import Settings
from report.store import Store

D = dt.date
REFERENCE = REAL_DATA.parent.parent / "reference" / "release-dates.md"
MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
SECTIONS = {"1": "empsit", "2": "cpi", "3": "jolts", "4": "pio", "5": "gdp", "7": "h41"}


def _confirmed_rows() -> list[tuple[str, D, list[str], str]]:
    """(release, publication date, periods, raw cell) for every confirmed row of the reference's tables: rows whose
    Confirmed column is "yes" (missed, cancelled and replaced dates say so in brackets and are left out), and only
    rows that published a period for the first time (revisions and later estimates are not first prints)."""
    out, release = [], None
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"## (\d)\.", line):
            release = SECTIONS.get(m.group(1))
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if release is None or len(cells) < 4 or not re.match(r"\*{0,2}\d{4}-\d{2}-\d{2}", cells[0]):
            continue
        if cells[3] != "yes" or cells[1].startswith("*(") or "Revised" in cells[1]:
            continue
        day = D.fromisoformat(re.search(r"\d{4}-\d{2}-\d{2}", cells[0]).group())  # type: ignore[union-attr]
        if release == "h41":
            mm, dd = map(int, cells[1].split("-"))
            week = D(day.year - (1 if mm > day.month else 0), mm, dd)
            out.append((release, day, [week.isoformat()], cells[1]))
        elif release == "gdp":
            if not re.search(r"advance|initial", cells[1]):
                continue  # a second, third or updated estimate: the quarter was first published earlier
            q, y = re.search(r"Q(\d) (\d{4})", cells[1]).groups()  # type: ignore[union-attr]
            out.append((release, day, [f"{y}Q{q}"], cells[1]))
        else:
            found = re.findall(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})", cells[1])
            out.append((release, day, [f"{y}-{MONTHS[m.lower()]:02d}" for m, y in found], cells[1]))
    return out


def _observed(period: str) -> D:
    if "Q" in period:
        y, q = period.split("Q")
        return D(int(y), (int(q) - 1) * 3 + 1, 1)
    if len(period) == 7:
        return D.fromisoformat(period + "-01")
    return D.fromisoformat(period)


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the release-dates reference is absent")
def test_bundled_calendar_matches_every_confirmed_row_of_the_reference():
    rows = _confirmed_rows()
    assert len(rows) >= 45  # the reference's five agency tables and the H.4.1 table
    cal = rel.bundled()
    for release, day, periods, raw in rows:
        assert periods, raw
        series = rel.RELEASES[release].series
        for period in periods:
            seen = {cal.published(sid, _observed(period)) for sid in series}
            dates = {a.date for a in seen if a is not None}
            assert day in dates, (release, period, day, raw, dates)


def test_periods_never_published_have_a_reason_and_are_not_available():
    cal = rel.bundled()
    assert cal.published("UNRATE", D(2025, 10, 1)) is None
    never = cal.never("UNRATE", D(2025, 10, 1))
    assert never is not None and never.reason == "never.household_survey"
    assert cal.published("PAYEMS", D(2025, 10, 1)) == rel.Availability(D(2025, 12, 16), "release")
    assert cal.published("CPIAUCSL", D(2025, 10, 1)) is None


@pytest.mark.parametrize(
    ("sid", "observed", "published"),
    [
        ("PAYEMS", D(2024, 11, 1), D(2024, 12, 6)),  # third Friday after the week of the 12th
        ("PAYEMS", D(2025, 1, 1), D(2025, 2, 7)),
        ("WALCL", D(2024, 12, 25), D(2024, 12, 26)),  # Thursday after the Wednesday
        ("WALCL", D(2024, 11, 27), D(2024, 11, 29)),  # Thanksgiving Thursday: the next business day
        ("SOFR", D(2025, 12, 5), D(2025, 12, 8)),  # a Friday's rate on Monday
        ("M2SL", D(2024, 10, 1), D(2024, 11, 26)),  # H.6: fourth Tuesday of the next month
        ("GDP", D(2024, 7, 1), D(2024, 10, 31)),  # first estimate by the month's last business day after Q3
    ],
)
def test_regular_schedules_outside_the_dated_rows(sid, observed, published):
    seen = rel.bundled().published(sid, observed)
    assert seen is not None and seen.date == published and seen.basis == "schedule" and not seen.confirmed


def test_a_bad_calendar_row_names_file_and_row():
    from report.errors import ConfigError

    lines = ["release,date,periods,series,status,reason", "cpi,2025-13-01,2025-10,,published,"]
    with pytest.raises(ConfigError, match=r"cal.csv: data row 1: .*month"):
        rel.read_rows(lines, origin="bundled", where="cal.csv")


def test_the_calendar_travels_with_a_snapshot():
    cal = rel.bundled()
    back = rel.ReleaseCalendar.from_json(cal.to_json())
    assert back.version == cal.version and back.rows == cal.rows
    assert rel.ReleaseCalendar.from_json(None).version == cal.version  # an older snapshot: the bundled calendar


# --- what the store shows on a day --------------------------------------------------------------------------------
def _store(tmp_path: Path, rows: dict[str, list[tuple[str, float]]]) -> Path:
    files = []
    for sid, points in rows.items():
        f = tmp_path / f"{sid}.csv"
        f.write_text("observation_date," + sid + "\n" + "".join(f"{d},{v}\n" for d, v in points), encoding="utf-8")
        files.append(str(f))
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "import", *files], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return tmp_path / "brief.sqlite"


def test_the_store_shows_an_observation_from_the_day_its_release_came_out(tmp_path):
    path = _store(
        tmp_path,
        {
            "UNRATE": [("2025-08-01", 4.3), ("2025-09-01", 4.4), ("2025-10-01", 4.5), ("2025-11-01", 4.6)],
            "PAYEMS": [("2025-12-01", 159_000), ("2026-01-01", 159_100)],
        },
    )
    with Store(path, readonly=True) as st:
        seen = {d.isoformat(): a for d, _, a in st.visible("UNRATE", D(2025, 12, 16))}
        assert list(seen) == ["2025-08-01", "2025-09-01", "2025-11-01"]  # October: never published
        assert seen["2025-09-01"] == rel.Availability(D(2025, 11, 20), "release")
        assert [d for d, _ in st.observations("UNRATE", D(2025, 12, 15))][-1] == D(2025, 9, 1)
        # the January 2026 report came out on 11 February (the lapse moved it from the 6th)
        assert [d for d, _ in st.observations("PAYEMS", D(2026, 2, 10))][-1] == D(2025, 12, 1)
        assert [d for d, _ in st.observations("PAYEMS", D(2026, 2, 11))][-1] == D(2026, 1, 1)


@pytest.mark.slow
@pytest.mark.skipif(not REAL_DATA.is_dir(), reason="the real data folder is absent")
def test_real_editions_see_what_was_public_on_their_date(tmp_path):
    from report.pipeline.build import figures

    merged = REAL_DATA / "fred_jonsflow_risk-model" / "merged_to_2026-08-21"
    files = [merged / f"{s}.csv" for s in ("WRESBAL", "PAYEMS", "UNRATE", "JTSJOL", "PCEPILFE", "CPIAUCSL")]
    files.append(REAL_DATA / "fred_opxie1_usd" / "GDP.csv")
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "import", *map(str, files)])
    assert r.exit_code == 0, r.output
    settings = Settings(data_dir=tmp_path, out_dir=tmp_path / "out")

    def at(day: D) -> dict:
        _, figs, _ = figures(settings, demo=False, as_of=day)
        return {f.key: f for f in figs}

    f = at(D(2025, 12, 8))
    assert f["payroll_change"].observed == D(2025, 9, 1)  # September's, released 20 November
    assert f["unemployment_rate"].observed == D(2025, 9, 1)
    assert f["core_pce_yoy"].observed == D(2025, 9, 1)  # released 5 December
    assert f["job_openings"].observed == D(2025, 8, 1)  # September and October came out on 9 December
    gdp = [s for s in f["reserves_gdp_share"].sources if s.series == "GDP"]
    assert gdp[0].date == D(2025, 4, 1)  # Q2: Q3 came out on 23 December
    assert all(x.status != "stale" for k, x in f.items() if k in ("payroll_change", "unemployment_rate", "cpi_yoy"))
    f = at(D(2025, 12, 19))
    assert f["payroll_change"].observed == D(2025, 11, 1) and f["cpi_yoy"].observed == D(2025, 11, 1)
    u = f["unemployment_rate"]
    assert u.observed == D(2025, 11, 1)
    assert "October 2025 was never published: the household survey was not collected" in u.text["en"]
    assert "因政府停擺期間未進行家庭調查" in u.text["zh-Hant"]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", u.text["en"] + u.text["zh-Hant"])


def test_an_edition_records_its_calendar_and_lists_the_data_calendar(demo_edition):
    """The demo edition of 8 December 2025: JOLTS for September and October on the 9th, then the decision of the
    10th, then the first releases after it; the manifest names the calendar version and every source says how its
    availability was decided."""
    import gzip
    import json

    folder = demo_edition.folder
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["release_calendar"] == rel.bundled().version
    snap = json.loads(gzip.decompress((folder / "snapshot.json.gz").read_bytes()))
    assert snap["calendar"]["version"] == manifest["release_calendar"]
    doc = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    kinds = {s["availability"] for f in doc["figures"] for s in f["sources"]}
    assert kinds <= {"vintage", "release", "schedule", "estimated"} and {"schedule", "estimated"} <= kinds
    html = demo_edition.file(".html").read_text(encoding="utf-8")
    table = html[html.index('<table class="data releases">') :]
    table = table[: table.index("</table>")]
    order = [table.index(s) for s in ("9 December 2025", "10 December 2025", "16 December 2025")]
    assert order == sorted(order) and "FOMC decision" in table and "FOMC利率決議" in table
    assert "September 2025, October 2025" in table and "2025年9月、2025年10月" in table


# --- refreshing the calendar from FRED (a real local server speaking FRED's JSON) ----------------------------------
def test_fetch_refreshes_the_calendar_from_fred_and_keeps_the_bundled_dates(tmp_path):
    from fakeservers import GOOD_KEY, FakeServer, FredSeries

    from report.pipeline.fetch import CALENDAR, fetch
    from report.sources.fred import FredProvider
    from report.sources.http import Client

    settings = Settings(data_dir=tmp_path, out_dir=tmp_path / "out")
    with FakeServer() as srv:
        srv.state.fred = {"WRESBAL": FredSeries({"2025-11-26": "2880000", "2025-12-03": "2860000"})}
        # FRED lists dates only: 2024 payroll reports, the shutdown's (bundled rows win there) and a future one
        ahead = dt.date.today().year + 1  # a report still to come, whenever the test runs
        srv.state.release_dates["50"] = ["2024-11-01", "2024-12-06", "2025-11-20", f"{ahead}-12-03"]
        client = Client("FRED", min_interval=0.0, timeout=2.0, retries=1, backoff=0.01)
        provider = FredProvider(GOOD_KEY, client, f"{srv.url}/fred")
        report = fetch(settings, providers=([provider], {}))
        assert CALENDAR not in report.failed and report.release_dates["empsit"] == 4
        asked = [p for p in srv.state.log if p.startswith("/fred/release/dates")]
        assert len(asked) == sum(1 for r in rel.RELEASES.values() if r.fred_release_id)
        assert "release_id=50" in asked[0] and "include_release_dates_with_no_data=true" in asked[0]
        again = fetch(settings, providers=([provider], {}))  # the same day: not asked again
        assert len([p for p in srv.state.log if p.startswith("/fred/release/dates")]) == len(asked)
        assert again.release_dates == {}
    with Store(settings.store_path, readonly=True) as st:
        cal = st.calendar
        assert cal.version.startswith("fred-")
        assert cal.published("PAYEMS", D(2024, 11, 1)) == rel.Availability(D(2024, 12, 6), "release")
        assert cal.published("PAYEMS", D(2025, 9, 1)) == rel.Availability(D(2025, 11, 20), "release")
        assert cal.published("UNRATE", D(2025, 10, 1)) is None  # the bundled "never" still stands
        future = cal.published("PAYEMS", D(ahead, 11, 1))
        assert future == rel.Availability(D(ahead, 12, 3), "release", confirmed=False)


def test_a_failed_calendar_refresh_keeps_the_stored_dates_and_is_reported(tmp_path):
    from fakeservers import GOOD_KEY, FakeServer, FredSeries

    from report.pipeline.fetch import CALENDAR, fetch
    from report.sources.fred import FredProvider
    from report.sources.http import Client

    settings = Settings(data_dir=tmp_path, out_dir=tmp_path / "out")
    with FakeServer() as srv:
        srv.state.fred = {"WRESBAL": FredSeries({"2025-12-03": "2860000"})}
        srv.state.faults["/fred/release/dates"] = ["500", "500", "500"]
        client = Client("FRED", min_interval=0.0, timeout=2.0, retries=1, backoff=0.01)
        report = fetch(settings, providers=([FredProvider(GOOD_KEY, client, f"{srv.url}/fred")], {}))
    assert "HTTP 500" in report.failed[CALENDAR] and GOOD_KEY not in report.failed[CALENDAR]
    assert report.fetched["WRESBAL"] == 1  # the data were stored all the same
    with Store(settings.store_path, readonly=True) as st:
        assert st.calendar.version == rel.bundled().version


def test_calendar_releases_command(tmp_path):
    r = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path), "calendar", "--releases", "--from", "2025-12-01", "--to", "2025-12-20"]
    )
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("2025-12-05  Personal Income and Outlays / 個人所得與支出: September 2025")
    assert any(ln.startswith("2025-12-09  JOLTS") and "September 2025, October 2025" in ln for ln in lines)
    bad = CliRunner().invoke(cli, ["calendar", "--releases", "--from", "2025-12-20", "--to", "2025-12-01"])
    assert bad.exit_code == 2 and "before --from" in bad.output and "Traceback" not in bad.output
