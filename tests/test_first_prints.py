"""First prints: with ALFRED vintages stored, the labour section shows recent payroll changes as first printed beside
the current ones, and a rebuild from the archived snapshot shows the same."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from report.cli import cli
from report.config import Settings
from report.pipeline.build import build, figures

D = dt.date
# An ALFRED download: one column per vintage; "." where the month did not exist yet
ALFRED = """observation_date,PAYEMS_20250905,PAYEMS_20251120,PAYEMS_20251216
2025-06-01,159000,158990,158980
2025-07-01,159080,159060,159050
2025-08-01,159100,159050,159040
2025-09-01,.,159170,159160
"""


@pytest.fixture
def vintaged(tmp_path) -> Settings:
    f = tmp_path / "PAYEMS_alfred.csv"
    f.write_text(ALFRED, encoding="utf-8")
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "import", str(f)])
    assert r.exit_code == 0, r.output
    return Settings(data_dir=tmp_path, out_dir=tmp_path / "out", formats=("html",))


def test_recent_changes_as_first_printed_and_now(vintaged):
    _, figs, _ = figures(vintaged, demo=False, as_of=D(2025, 12, 20))
    rows = next(f for f in figs if f.key == "payroll_declines_7m").detail["first_prints"]
    # July first printed +80,000 (5 September), now +70,000; August +20,000 then, −10,000 now; September +120,000
    # first printed on 20 November (the 5 September vintage had no September yet)
    assert rows == [
        {"month": "2025-07-01", "first": 80_000.0, "now": 70_000.0},
        {"month": "2025-08-01", "first": 20_000.0, "now": -10_000.0},
        {"month": "2025-09-01", "first": 120_000.0, "now": 120_000.0},
    ]
    # before the 20 November vintage, the store saw only the first one: no revision yet
    _, early, _ = figures(vintaged, demo=False, as_of=D(2025, 11, 1))
    rows = next(f for f in early if f.key == "payroll_declines_7m").detail["first_prints"]
    assert all(r["first"] == r["now"] for r in rows) and [r["month"] for r in rows] == ["2025-07-01", "2025-08-01"]


def test_the_edition_prints_the_table_and_a_rebuild_keeps_it(vintaged):
    from report.pipeline.rebuild import rebuild_check

    ed = build(vintaged, demo=False, as_of=D(2025, 12, 20))
    page = ed.file(".html").read_text(encoding="utf-8")
    table = page[page.index('<table class="data first-prints">') :]
    table = table[: table.index("</table>")]
    for shown in ("Payroll changes as first printed and now", "非農就業變動：初值與最新值", "August 2025", "−30,000"):
        assert shown in table, shown
    snap_doc = json.loads((ed.folder / "figures.json").read_text(encoding="utf-8"))
    assert any("first_prints" in f["detail"] for f in snap_doc["figures"])
    _, problems = rebuild_check(vintaged, ed.folder.name)
    assert problems == []


def test_without_vintages_there_is_no_first_print_table(tmp_path):
    f = tmp_path / "PAYEMS.csv"
    f.write_text("observation_date,PAYEMS\n2025-06-01,158980\n2025-07-01,159050\n2025-08-01,159040\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "data", "import", str(f)]).exit_code == 0
    _, figs, _ = figures(Settings(data_dir=tmp_path), demo=False, as_of=D(2025, 12, 20))
    assert "first_prints" not in next(x for x in figs if x.key == "payroll_declines_7m").detail
