import datetime as dt

import pytest

from report.calendar import Meeting, load_calendar, meetings_in, status
from report.errors import ConfigError

D = dt.date


def test_bundled_calendar_matches_the_reference(meetings):
    assert len(meetings_in(meetings, 2025)) == 8
    dec = next(m for m in meetings if m.start == D(2025, 12, 9))
    assert dec.end == D(2025, 12, 10) and dec.projections
    assert [m.projections for m in meetings_in(meetings, 2026)] == [False, True, False, True, False, True, False, True]
    assert meetings[-1].start == D(2028, 1, 25)


def test_blackout_second_saturday_before_to_day_after():
    m = Meeting(D(2025, 12, 9), D(2025, 12, 10), True)
    assert m.blackout_start == D(2025, 11, 29)  # Saturday
    assert m.blackout_start.weekday() == 5
    assert m.blackout_end == D(2025, 12, 11)
    assert m.in_blackout(D(2025, 12, 8)) and not m.in_blackout(D(2025, 11, 28))


def test_status_next_meeting_and_pre_fomc(meetings):
    st = status(meetings, D(2025, 12, 8))
    assert st.meeting.start == D(2025, 12, 9)
    assert st.days_to == 1 and st.pre_fomc and st.in_blackout
    far = status(meetings, D(2025, 11, 10))
    assert far.days_to == 29 and not far.pre_fomc and not far.in_blackout
    during = status(meetings, D(2025, 12, 10))
    assert during.days_to == 0 and during.meeting.start == D(2025, 12, 9)


def test_past_the_last_meeting_says_so(meetings):
    st = status(meetings, D(2028, 3, 1))
    assert st.meeting is None and st.days_to is None and st.last_known == D(2028, 1, 26)


def test_user_calendar_errors_name_the_line(tmp_path):
    p = tmp_path / "cal.csv"
    p.write_text("# comment\nstart,end,projections\n2030-01-01,2030-01-02,yes\n2030-13-01,2030-01-02,no\n")
    with pytest.raises(ConfigError, match=r"cal.csv:4"):
        load_calendar(p)
    p.write_text("start,end,projections\n2030-01-01,2030-01-02,maybe\n")
    with pytest.raises(ConfigError, match=r"cal.csv:2"):
        load_calendar(p)
    p.write_text("start,end,projections\n2030-03-03,2030-03-04,no\n2030-01-01,2030-01-02,yes\n")
    assert [m.start.month for m in load_calendar(p)] == [1, 3]


def test_fomc_figure_unavailable_past_calendar(make_ctx):
    from report.figures.fomc import fomc

    (f,) = fomc(make_ctx(D(2028, 2, 1)))
    assert f.status == "unavailable" and f.value is None
    assert "2028" in f.reason["en"] and "2028" in f.reason["zh-Hant"]
    (g,) = fomc(make_ctx(D(2025, 12, 8)))
    assert g.value == 2 and g.detail["decision"] == "2025-12-10"  # counted to the decision day
    assert g.detail["projections"] and g.detail["pre_fomc"]


def test_before_the_calendar_says_so(meetings, make_ctx):
    from report.figures.fomc import fomc

    st = status(meetings, D(2020, 6, 15))
    assert st.meeting is None and st.before_calendar
    (f,) = fomc(make_ctx(D(2020, 6, 15)))
    assert f.status == "unavailable" and "starts" in f.reason["en"] and "始於" in f.reason["zh-Hant"]
    # seven weeks before the first known meeting is still covered
    assert status(meetings, D(2023, 12, 10)).meeting.start == D(2024, 1, 30)
