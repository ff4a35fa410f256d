"""brief init: the files it writes load, run and say the truth (every default, the FOMC Fridays, quoting)."""

import csv
import dataclasses
import datetime as dt
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from report.cli import cli
from report.config import Settings, load_settings, setting_keys
from report.deliver import read_recipients
from report.pipeline import scaffold
from report.render.context import HEADLINE
from report.resources import data_file

FILES = ["brief.toml", "readers.txt", "brief.env", "liquidity-brief.service", "liquidity-brief.timer", "crontab.txt"]
TODAY = dt.date(2026, 11, 23)
PYTHON_BRIEF = f"{sys.executable} -m report"


def _init(*args: str):
    return CliRunner().invoke(cli, ["init", *args], catch_exceptions=False)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _uncomment(text: str, *, examples: bool) -> str:
    """brief.toml with each commented-out `# key = value` line made active (the example lines too, if asked)."""
    pattern = re.compile(r"^# ([a-z_]+ = .*)$")
    out = []
    for line in text.splitlines():
        m = pattern.match(line)
        out.append(m.group(1) if m and (examples or scaffold.EXAMPLE not in line) else line)
    return "\n".join(out) + "\n"


def _keys_written(text: str) -> list[str]:
    """The dotted setting keys brief.toml has a line for (active, commented out, or a secret's pointer)."""
    table, keys = "", []
    for line in text.splitlines():
        if m := re.fullmatch(r"\[([a-z_]+)\]", line):
            table = m.group(1)
        elif m := re.match(r"^(?:# )?([a-z_]+)(?: = |: a secret)", line):
            keys.append(f"{table}.{m.group(1)}" if table else m.group(1))
    return keys


def _unit(text: str) -> dict[str, list[str]]:
    """A systemd unit as "Section.Key" -> values (a key may repeat, as OnCalendar= does); comments skipped."""
    section, out = "", {}
    for line in text.splitlines():
        if not line.strip() or line.startswith(("#", ";")):
            continue
        if m := re.fullmatch(r"\[(\w+)\]", line):
            section = m.group(1)
            continue
        key, _, value = line.partition("=")
        out.setdefault(f"{section}.{key}", []).append(value)
    return out


def _fridays_before_meetings(since: dt.date) -> list[dt.date]:
    """The Friday before each meeting in the bundled calendar, read with the csv module, from ``since`` on."""
    lines = [line for line in data_file("fomc_calendar.csv").read_text().splitlines() if not line.startswith("#")]
    fridays = []
    for row in csv.DictReader(lines):
        day = dt.date.fromisoformat(row["start"]) - dt.timedelta(days=1)
        while day.weekday() != 4:
            day -= dt.timedelta(days=1)
        if day >= since:
            fridays.append(day)
    return fridays


def _stub_brief(folder: Path) -> Path:
    """An executable standing in for brief: it records its arguments, working folder and secrets."""
    stub = folder / "fake brief"
    stub.write_text(
        "#!/bin/sh\n"
        'out="$(dirname "$0")/calls.txt"\n'
        'printf "%s\\n" "$@" > "$out"\n'
        'printf "cwd=%s\\nfred=%s\\npassword=%s\\n" "$PWD" "$FRED_API_KEY" "$BRIEF_SMTP_PASSWORD" >> "$out"\n'
    )
    stub.chmod(0o755)
    return stub


def test_every_setting_has_a_description():
    assert set(scaffold.DESCRIPTIONS) == {k.key for k in setting_keys()}
    assert all(text and "\n" not in text for text in scaffold.DESCRIPTIONS.values())


def test_init_writes_every_file_and_prints_their_paths(tmp_path):
    folder = tmp_path / "x" / "y"
    r = _init(str(folder))
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [str(folder / name) for name in FILES]
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)  # no temporary file left behind


def test_settings_file_holds_every_default_in_valid_toml(tmp_path):
    folder = tmp_path / "x"
    assert _init(str(folder)).exit_code == 0
    path = folder / "brief.toml"
    text = path.read_text()
    assert sorted(_keys_written(text)) == sorted(k.key for k in setting_keys())  # each setting exactly once

    # as written: only the data and output folders are set, to absolute paths in the folder
    as_written = load_settings(path, env={})
    defaults = Settings(data_dir=folder / "data", out_dir=folder / "output")
    assert as_written == defaults

    # every value shown is the real default: uncommented, the file gives the defaults
    path.write_text(_uncomment(text, examples=False))
    uncommented = load_settings(path, env={})
    assert uncommented.quality_required == HEADLINE  # what the default (None) means
    assert dataclasses.replace(uncommented, quality_required=None) == defaults

    # a setting unset by default has an example line, which loads too
    unset = {k.key for k in setting_keys() if getattr(Settings(), k.field) is None} - scaffold.SECRETS
    marked = {k for k in _keys_written(text) if any(scaffold.EXAMPLE in line for line in _lines_for(text, k))}
    assert marked == unset - {"quality.required"}
    path.write_text(_uncomment(text, examples=True))
    examples = load_settings(path, env={})
    assert all(getattr(examples, k.field) is not None for k in setting_keys() if k.key in marked)
    assert "api_key =" not in text and "password =" not in text  # secrets get no value here


def _lines_for(text: str, dotted: str) -> list[str]:
    table, _, leaf = dotted.rpartition(".")
    current, found = "", []
    for line in text.splitlines():
        if m := re.fullmatch(r"\[([a-z_]+)\]", line):
            current = m.group(1)
        elif current == table and re.match(rf"^(?:# )?{leaf} = ", line):
            found.append(line)
    return found


def test_a_second_init_changes_nothing_unless_forced(tmp_path):
    folder = tmp_path / "x"
    assert _init(str(folder)).exit_code == 0
    before = _snapshot(folder)
    r = _init(str(folder))
    assert r.exit_code == 2
    assert all(name in r.output for name in FILES) and "--force" in r.output
    assert _snapshot(folder) == before

    (folder / "brief.toml").write_text("# edited\n")
    (folder / "brief.env").write_text("FRED_API_KEY=0123456789abcdef0123456789abcdef\n")
    (folder / "readers.txt").write_text("me@example.org\n")
    r = _init(str(folder), "--force")
    assert r.exit_code == 0, r.output
    after = _snapshot(folder)
    kept = {"brief.env", "readers.txt"}  # what the user filled in is never replaced, even by --force
    assert {k: v for k, v in after.items() if k not in kept} == {k: v for k, v in before.items() if k not in kept}
    assert (folder / "brief.env").read_text() == "FRED_API_KEY=0123456789abcdef0123456789abcdef\n"
    assert (folder / "readers.txt").read_text() == "me@example.org\n"
    assert stat.S_IMODE((folder / "brief.env").stat().st_mode) == 0o600
    assert "brief.env" not in r.stdout and "brief.toml" in r.stdout  # the paths printed are those written


def test_one_existing_file_stops_every_write(tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "readers.txt").write_text("me@example.org\n")
    r = _init(str(folder))
    assert r.exit_code == 2 and "readers.txt" in r.output and "brief.toml" not in r.output
    assert [p.name for p in folder.iterdir()] == ["readers.txt"]
    assert (folder / "readers.txt").read_text() == "me@example.org\n"


def test_secrets_file_is_private_and_empty_values_are_ignored(tmp_path):
    folder = tmp_path / "x"
    assert _init(str(folder)).exit_code == 0
    env_file = folder / "brief.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if line and not line.startswith("#"))
    assert env == dict.fromkeys(["FRED_API_KEY", "BRIEF_SMTP_USER", "BRIEF_SMTP_PASSWORD", "GLASSNODE_API_KEY"], "")
    loaded = load_settings(folder / "brief.toml", env=env)  # empty values: as if unset, not malformed keys
    assert loaded.fred_api_key is None and loaded.smtp_password is None and loaded.smtp_user is None


def test_readers_file_lists_nobody_until_edited(tmp_path):
    folder = tmp_path / "x"
    assert _init(str(folder)).exit_code == 0
    path = folder / "readers.txt"
    assert read_recipients(str(path)) == ([], {})
    path.write_text(re.sub(r"(?m)^# (\S+@example\.org|Grace)", r"\1", path.read_text()))
    good, bad = read_recipients(str(path))
    assert bad == {} and len(good) == 4 and all(a.endswith("@example.org") for a in good)


def test_timer_and_service(tmp_path):
    folder = tmp_path / "x"
    written = scaffold.init(folder, brief=PYTHON_BRIEF, today=TODAY)
    assert [p.name for p in written] == FILES
    timer = _unit((folder / "liquidity-brief.timer").read_text())
    assert timer["Timer.Persistent"] == ["true"] and timer["Install.WantedBy"] == ["timers.target"]
    calendar = timer["Timer.OnCalendar"]
    assert calendar[0] == "Mon *-*-* 07:00:00"
    fridays = _fridays_before_meetings(TODAY)
    assert fridays[0] == dt.date(2026, 12, 4)  # the Friday before the 8-9 December 2026 meeting
    assert calendar[1:] == [f"{d.isoformat()} 07:00:00" for d in fridays]

    service = _unit((folder / "liquidity-brief.service").read_text())
    assert service["Service.Type"] == ["oneshot"]
    assert service["Service.WorkingDirectory"] == [str(folder)]
    assert service["Service.EnvironmentFile"] == [str(folder / "brief.env")]
    assert service["Service.Environment"] == [f"BRIEF_CONFIG={folder / 'brief.toml'}"]
    (exec_start,) = service["Service.ExecStart"]
    assert shlex.split(exec_start) == [
        sys.executable,
        "-m",
        "report",
        "--log-file",
        str(folder / "brief-run.log"),
        "run",
        "--to",
        str(folder / "readers.txt"),
    ]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    folder = tmp_path / "my briefs %d"  # a space, and a % systemd would read as a specifier
    scaffold.init(folder, brief=PYTHON_BRIEF, today=TODAY)
    units = [str(folder / "liquidity-brief.service"), str(folder / "liquidity-brief.timer")]
    r = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    if "Failed to initialize manager" in r.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {r.stderr.strip()}")
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr


def test_paths_with_a_space_are_quoted(tmp_path):
    folder = tmp_path / "my briefs"
    assert _init(str(folder)).exit_code == 0
    service = (folder / "liquidity-brief.service").read_text()
    assert f'--to "{folder}/readers.txt"' in service
    assert f'Environment="BRIEF_CONFIG={folder}/brief.toml"' in service
    assert f"cd '{folder}' && " in (folder / "crontab.txt").read_text()


def test_crontab_lines_run(tmp_path):
    folder = tmp_path / "my briefs 100%"
    stub = _stub_brief(tmp_path)
    scaffold.init(folder, brief=str(stub), today=TODAY)
    text = (folder / "crontab.txt").read_text()
    jobs = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(jobs) == 1 + len(_fridays_before_meetings(TODAY))
    for job in jobs:
        fields = job.split(" ", 5)
        assert all(re.fullmatch(r"\*|[0-9]+", f) for f in fields[:5]), job
        assert "--log-file brief-run.log run --to readers.txt" in fields[5] and ">>" not in fields[5]
        assert "%" not in fields[5].replace("\\%", "")  # cron would cut the command at a bare %
    weekly = jobs[0].split(" ", 5)
    assert weekly[:5] == ["0", "7", "*", "*", "1"]
    assert "0 7 4 12 * " in text  # the Friday before the December 2026 meeting

    command = weekly[5].replace("\\%", "%")  # what cron hands the shell
    assert subprocess.run(["bash", "-n", "-c", command]).returncode == 0
    (folder / "brief.env").write_text("FRED_API_KEY=abc\nBRIEF_SMTP_PASSWORD='p a$s `x` \"y\" \\z'\n")
    subprocess.run(["sh", "-c", command], check=True, cwd="/", timeout=30)
    calls = (tmp_path / "calls.txt").read_text().splitlines()
    assert calls[:5] == ["--log-file", "brief-run.log", "run", "--to", "readers.txt"]
    assert calls[5:] == [f"cwd={folder}", "fred=abc", 'password=p a$s `x` "y" \\z']


def test_a_folder_name_with_a_line_break_is_refused(tmp_path):
    r = _init(str(tmp_path / "a\nb"))
    assert r.exit_code == 2 and "control character" in r.output
    assert list(tmp_path.iterdir()) == []


def test_a_dollar_in_the_folder_is_doubled_in_execstart_only(tmp_path):
    """Before: Environment= had "$$HOME" too, which systemd leaves as two dollars there (it expands no variables in
    Environment=), so BRIEF_CONFIG named a file that does not exist."""
    folder = tmp_path / "50%off $HOME"
    assert _init(str(folder)).exit_code == 0
    service = (folder / "liquidity-brief.service").read_text()
    assert f'Environment="BRIEF_CONFIG={tmp_path}/50%%off $HOME/brief.toml"' in service
    [exec_start] = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    assert f'"{tmp_path}/50%%off $$HOME/readers.txt"' in exec_start
