"""The command line: help everywhere, exit codes, clear one-line errors, nothing left behind on failure."""

import json

import pytest
from click.testing import CliRunner
from helpers import unstamped

from report import __version__
from report.cli import cli


@pytest.fixture
def run(demo_settings, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    env = {"BRIEF_DATA_DIR": str(demo_settings.data_dir), "BRIEF_OUT_DIR": str(demo_settings.out_dir)}

    def _run(*args, extra_env=None):
        return CliRunner().invoke(cli, list(args), env={**env, **(extra_env or {})}, catch_exceptions=False)

    return _run


def _commands(group=cli, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path", [(), *list(_commands())])
def test_every_command_has_help_with_an_example(run, path):
    r = run(*path, "--help")
    assert r.exit_code == 0, r.output
    assert "Usage:" in r.output and "Example" in r.output


def test_version(run):
    r = run("--version")
    assert r.exit_code == 0 and __version__ in r.output


def test_figures_json_is_the_documented_interface(run):
    r = run("figures", "--demo", "--format", "json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["edition"] == "2025-12-08" and doc["demo"] is True
    keys = {f["key"] for f in doc["figures"]}
    required = {
        "reserves",
        "reserves_gdp_share",
        "fed_assets",
        "qt_runoff",
        "m2",
        "m2_prior_peak",
        "sofr_iorb_spread_bp",
        "sofr_days_at_or_above_iorb",
        "sofr_days_above_range",
        "payroll_change",
        "payroll_declines_7m",
        "unemployment_rate",
        "core_pce_yoy",
        "btc_price",
        "miner_cost",
        "btc_price_to_cost",
        "difficulty_change",
        "supply_in_loss",
        "days_to_fomc",
    }
    assert required <= keys
    for f in doc["figures"]:
        assert set(f) >= {"key", "value", "unit", "observed", "sources", "status", "label", "text"}
        assert f["status"] in {"ok", "stale", "unavailable"}
        assert set(f["label"]) == set(f["text"]) == {"en", "zh-Hant"}
        for s in f["sources"]:
            # each observation says how its availability on the edition date was decided (docs/figures.md)
            assert set(s) == {"series", "date", "availability", "published"}
            assert s["availability"] in {"vintage", "release", "schedule", "estimated"}
            assert s["published"] <= doc["edition"]
    res = next(f for f in doc["figures"] if f["key"] == "reserves")
    assert res["unit"] == "USD" and 2.85e12 < res["value"] < 2.87e12  # plain dollars, not millions
    share = next(f for f in doc["figures"] if f["key"] == "reserves_gdp_share")
    assert share["unit"] == "percent" and 9.3 < share["value"] < 9.5  # over Q2 GDP, public on 8 December


def test_figures_table(run):
    r = run("figures", "--demo")
    assert r.exit_code == 0
    assert "DEMONSTRATION DATA" in r.stdout and "2.86兆美元" in r.stdout and "US$2.86 trillion" in r.stdout


def test_calendar(run):
    r = run("calendar", "--year", "2025")
    assert r.exit_code == 0
    assert "2025-12-09" in r.stdout and r.stdout.count("*") >= 4
    assert run("calendar", "--year", "1990").exit_code == 2


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("build", "--demo", "--as-of", "2018-06-01"), 1, "before the data begins"),
        (("build", "--demo", "--as-of", "2999-01-01"), 2, "after today"),
        (("build", "--demo", "--as-of", "someday"), 2, "not a date"),
        (("build", "--demo", "--lang", "fr"), 2, "unknown language 'fr'"),
        (("build", "--demo", "--format", "docx"), 2, "unknown format 'docx'"),
        (("build", "--demo", "--notes", "missing.md"), 1, "cannot read notes file"),
        (("build",), 1, "use --demo"),
        (("figures", "--demo", "--as-of", "2999-01-01"), 2, "after today"),
    ],
)
def test_bad_input_exits_cleanly(run, demo_settings, args, code, message):
    r = run(*args)
    assert r.exit_code == code, r.output
    assert message in r.output
    assert "Traceback" not in r.output
    out = demo_settings.out_dir
    assert not out.exists() or [p for p in out.rglob("*") if p.is_file()] == []


def test_unwritable_output_folder(run, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = run("build", "--demo", "--format", "html", "--out", str(blocker / "sub"))
    assert r.exit_code == 1 and "cannot create the output folder" in r.output


def test_missing_chinese_font(run, demo_settings):
    r = run("build", "--demo", extra_env={"BRIEF_CJK_FONT": "No Such Font TC"})
    assert r.exit_code == 1
    assert "fonts-noto-cjk" in r.output and "No Such Font TC" in r.output
    assert not demo_settings.out_dir.exists() or [p for p in demo_settings.out_dir.rglob("*") if p.is_file()] == []


def test_bad_config_file(run, tmp_path):
    cfg = tmp_path / "brief.toml"
    cfg.write_text("[miner]\nefficiency_j_per_th = 0\n")
    r = run("--config", str(cfg), "figures", "--demo")
    assert r.exit_code == 1 and "miner efficiency" in r.output


def test_docs_data_lists_every_series():
    from pathlib import Path

    from report.series import SERIES

    text = (Path(__file__).resolve().parents[1] / "docs" / "data.md").read_text(encoding="utf-8")
    for sid, info in SERIES.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{sid}` |")), None)
        assert row is not None, sid
        assert info.units in row and info.frequency in row and f"{info.max_age_days} days" in row, sid


def test_a_typo_in_the_config_file_names_the_nearest_key(run, tmp_path):
    cfg = tmp_path / "brief.toml"
    cfg.write_text('[smpt]\nhost = "smtp.example.org"\n')
    r = run("--config", str(cfg), "figures", "--demo")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "smpt.host" in r.output and "did you mean smtp.host?" in r.output


def test_rebuild_says_it_only_checks(run):
    r = run("rebuild", "2025-12-08-demo")
    assert r.exit_code == 2 and "add --check" in r.output


@pytest.mark.parametrize(
    ("exc", "code"),
    [("UsageError", 2), ("DataError", 1), ("PartialFailure", 1), ("ArchiveError", 1), ("KeyboardInterrupt", 130)],
)
def test_one_table_maps_errors_to_exit_codes(exc, code):
    from report import errors

    cls = getattr(errors, exc, None) or KeyboardInterrupt
    assert errors.exit_status(cls("x")) == code


@pytest.mark.parametrize("option", ["--data-dir", "--out"])
def test_a_folder_name_the_system_refuses_is_one_line_not_a_traceback(run, tmp_path, option):
    too_long = str(tmp_path / ("n" * 300))  # one name over the 255 bytes a file name may have
    args = (
        ["--data-dir", too_long, "build", "--demo"] if option == "--data-dir" else ["build", "--demo", option, too_long]
    )
    r = run(*args)
    assert r.exit_code == 1 and "Traceback" not in r.output
    [line] = r.output.strip().splitlines()
    assert unstamped(line).startswith("Error: ") and "too long" in line
