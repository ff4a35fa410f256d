"""Unattended runs (issue 14): the quality gate before sending, `brief check`, timestamped logs and --log-file,
dry runs outside the archive, `send DATE` picking the edition with an e-mail, and the per-user settings file."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import NOWHERE, OFFLINE, STAMP, unstamped
from smtpserver import SmtpServer, brief_env

from report.archive import verify
from report.cli import cli
from report.config import Settings, load_settings
from report.errors import ConfigError, QualityError
from report.logs import LogStream
from report.pipeline.build import build
from report.pipeline.send import send
from report.quality import Rules, evaluate, rules
from report.store import Store

BRIEF = [sys.executable, "-m", "report"]


# --- the gate itself: a figures document in, a verdict out ------------------------------------------------------
def doc(**statuses: str) -> dict:
    return {
        "edition": "2025-12-08",
        "figures": [
            {"key": k, "status": st, "label": {"en": k.title()}, "reason": {"en": f"why {k}"} if st != "ok" else None}
            for k, st in statuses.items()
        ],
    }


def test_an_edition_with_its_required_figures_and_few_gaps_passes():
    v = evaluate(doc(a="ok", b="stale", c="unavailable"), Rules(("a", "b"), max_unavailable=1, max_stale=1))
    assert v.passed and v.reasons == ()
    assert [(r.check, r.found, r.ok) for r in v.rows] == [
        ("required: a", "ok", True),
        ("required: b", "stale", True),  # stale is shown, with its date: available
        ("unavailable figures", "1 of 3", True),
        ("stale figures", "1 of 3", True),
    ]


def test_each_reason_is_one_line_and_implausible_counts_as_unavailable():
    v = evaluate(
        doc(a="unavailable", b="implausible", c="stale", d="stale", e="ok"),
        Rules(("a", "b", "zz"), max_unavailable=1, max_stale=1),
    )
    assert not v.passed
    assert v.reasons == (
        "required figure a (A) is unavailable: why a",
        "required figure b (B) is implausible: why b",
        "required figure zz (zz) is missing: the edition has no such figure",
        "2 figures are unavailable, more than the 1 allowed (quality.max_unavailable): a, b",
        "2 figures are stale, more than the 1 allowed (quality.max_stale): c, d",
    )
    assert all("\n" not in r for r in v.reasons)
    # every figure not current is listed in full, beyond the six a reason names
    assert [(g.key, g.status, g.reason) for g in v.gaps] == [
        ("a", "unavailable", "why a"),
        ("b", "implausible", "why b"),
        ("c", "stale", "why c"),
        ("d", "stale", "why d"),
    ]
    many = evaluate(doc(**{f"k{i}": "unavailable" for i in range(9)}), Rules((), max_unavailable=0, max_stale=0))
    assert many.reasons[0].endswith("k0, k1, k2, k3, k4, k5 and 3 more") and len(many.gaps) == 9
    one = evaluate(doc(a="unavailable"), Rules((), max_unavailable=0, max_stale=0))
    assert one.reasons == ("1 figure is unavailable, more than the 0 allowed (quality.max_unavailable): a",)


def test_the_limits_are_inclusive():
    rules_ = Rules((), max_unavailable=2, max_stale=0)
    assert evaluate(doc(a="unavailable", b="unavailable"), rules_).passed
    assert not evaluate(doc(a="unavailable", b="unavailable", c="unavailable"), rules_).passed


def test_rules_default_to_the_cover_and_refuse_unknown_keys():
    from report.render.context import HEADLINE

    assert rules(Settings()).required == HEADLINE
    assert rules(Settings(quality_required=("reserves",))).required == ("reserves",)
    with pytest.raises(ConfigError, match="unknown figure 'reservs'; did you mean reserves"):
        rules(Settings(quality_required=("reservs",)))


def test_quality_settings_from_toml_and_environment(tmp_path):
    toml = tmp_path / "brief.toml"
    toml.write_text('[quality]\nrequired = ["reserves", "m2"]\nmax_unavailable = 3\nmax_stale = 0\n')
    s = load_settings(toml, env={})
    assert (s.quality_required, s.quality_max_unavailable, s.quality_max_stale) == (("reserves", "m2"), 3, 0)
    s = load_settings(toml, env={"BRIEF_QUALITY_REQUIRED": "m2,sofr_days_above_range", "BRIEF_QUALITY_MAX_STALE": "4"})
    assert s.quality_required == ("m2", "sofr_days_above_range") and s.quality_max_stale == 4
    for bad in ("max_unavailable = -1", "max_stale = 2.5", 'required = "reserves"\nrequired2 = 1'):
        toml.write_text(f"[quality]\n{bad}\n")
        with pytest.raises(ConfigError):
            load_settings(toml, env={})


# --- build, send, run and check with the gate -------------------------------------------------------------------
@pytest.fixture(scope="module")
def out(tmp_path_factory, demo_data_dir):
    """A demo edition with its e-mail (no PDF, to be quick) in an output folder of this module."""
    out = tmp_path_factory.mktemp("out")
    build(Settings(data_dir=demo_data_dir, out_dir=out, formats=("html", "email"), **OFFLINE), demo=True)
    return out


env_for = brief_env


def test_build_records_the_verdict_in_the_manifest_and_warns(demo_settings):
    passed = build(demo_settings.replace(formats=("html",)), demo=True)
    manifest = json.loads((passed.folder / "manifest.json").read_text())
    assert manifest["quality"] == {"passed": True, "reasons": []}
    assert not [w for w in passed.warnings if w.startswith("quality gate")]
    strict = demo_settings.replace(formats=("html",), quality_max_unavailable=0)
    failed = build(strict, demo=True, force=True)
    manifest = json.loads((failed.folder / "manifest.json").read_text())
    assert manifest["quality"]["passed"] is False
    assert manifest["quality"]["reasons"] == [
        "1 figure is unavailable, more than the 0 allowed (quality.max_unavailable): fed_treasuries_monthly_pace"
    ]
    assert [w for w in failed.warnings if w.startswith("quality gate: 1 figure is unavailable")]
    assert verify(failed.folder) == []


def test_send_refuses_an_edition_that_fails_the_gate_and_mails_nobody(out, tmp_path):
    with SmtpServer(tmp_path, starttls=False) as srv:
        env = env_for(srv, tmp_path / "data", out, BRIEF_QUALITY_MAX_UNAVAILABLE="0")
        r = CliRunner().invoke(cli, ["send", "2025-12-08", "--to", "ann@example.org,bo@example.org"], env=env)
        assert r.exit_code == 1, r.output
        assert srv.handler.messages == []
        text = unstamped(r.output)
        assert "fails the quality gate; nobody was mailed" in text
        assert "\n  - 1 figure is unavailable, more than the 0 allowed" in text and "--send-anyway" in text
        assert "Traceback" not in r.output
        # the dry run is refused too: it shows what a real send would do
        before = sorted(out.rglob("*"))
        dry = CliRunner().invoke(cli, ["send", "2025-12-08", "--to", "ann@example.org", "--dry-run"], env=env)
        assert dry.exit_code == 1 and sorted(out.rglob("*")) == before  # no outbox written
        # overridden: sent, and the override is in the send ledger before the first message
        r = CliRunner().invoke(
            cli, ["send", "2025-12-08", "--to", "ann@example.org,bo@example.org", "--send-anyway"], env=env
        )
        assert r.exit_code == 0, r.output
        assert sorted(m.rcpt_tos[0] for m in srv.handler.messages) == ["ann@example.org", "bo@example.org"]
    with Store(tmp_path / "data" / "brief.sqlite") as store:
        [(name, _at, reasons)] = store.overrides("2025-12-08-demo")
    assert name == "2025-12-08-demo" and reasons[0].startswith("1 figure is unavailable")
    # brief check shows the verdict and the override, and fails
    r = CliRunner().invoke(cli, ["check", "2025-12-08-demo"], env=env)
    assert r.exit_code == 1
    assert "Quality gate for 2025-12-08-demo" in r.output and "FAIL" in r.output
    assert "sent anyway (--send-anyway): 2025-12-08-demo at" in r.output
    assert "(when built it passed: the settings changed)" in r.output
    ok = CliRunner().invoke(cli, ["check", "2025-12-08-demo"], env={**env, "BRIEF_QUALITY_MAX_UNAVAILABLE": "8"})
    assert ok.exit_code == 0 and ": passes" in ok.output
    # a passing edition still lists what it does not show as current, with the edition's own reason
    figures = json.loads(next(out.glob("editions/2025-12-08-demo/figures.json")).read_text())["figures"]
    gaps = [f for f in figures if f["status"] != "ok"]
    assert gaps and "Figures not current in this edition:" in ok.output
    for f in gaps:
        assert re.search(rf"^  {f['key']} +{f['status']} +{re.escape(f['reason']['en'])}$", ok.output, re.M), f["key"]


def test_a_passing_edition_is_sent_without_an_override(out, tmp_path):
    with SmtpServer(tmp_path, starttls=False) as srv:
        env = env_for(srv, tmp_path / "data", out)
        r = CliRunner().invoke(cli, ["send", "2025-12-08-demo", "--to", "ann@example.org"], env=env)
        assert r.exit_code == 0, r.output
        assert len(srv.handler.messages) == 1
    with Store(tmp_path / "data" / "brief.sqlite") as store:
        assert store.overrides("2025-12-08-demo") == []


def test_run_after_a_failed_fetch_builds_but_mails_nobody(tmp_path):
    """Before: with every provider down, `brief run` built an edition with 29 of 34 figures unavailable and
    mailed it to every reader."""
    data = tmp_path / "data"
    csv = tmp_path / "WRESBAL.csv"
    csv.write_text("observation_date,WRESBAL\n2025-11-19,2850000\n2025-11-26,2870000\n2025-12-03,2880000\n")
    assert CliRunner().invoke(cli, ["--data-dir", str(data), "data", "import", str(csv)]).exit_code == 0
    providers = {f"BRIEF_{p.upper()}_URL": NOWHERE for p in ("fred", "mempool", "coingecko", "bgeometrics")}
    providers |= {"BRIEF_COINMETRICS_URL": NOWHERE, "BRIEF_GLASSNODE_URL": NOWHERE}
    with SmtpServer(tmp_path, starttls=False) as srv:
        env = env_for(srv, data, tmp_path / "out", **providers, BRIEF_HTTP_TIMEOUT="2")
        r = CliRunner().invoke(cli, ["run", "--to", "ann@example.org"], env=env)
        assert r.exit_code == 1, r.output
        assert srv.handler.messages == []
    text = unstamped(r.output)
    assert "fails the quality gate; nobody was mailed" in text
    assert "  - required figure reserves_gdp_share" in text  # the cover's figures, one line each
    [edition] = (tmp_path / "out" / "editions").iterdir()  # built and archived all the same
    assert verify(edition) == []
    assert json.loads((edition / "manifest.json").read_text())["quality"]["passed"] is False


def test_a_rerun_after_the_data_are_fixed_releases_the_held_edition(tmp_path, monkeypatch):
    """Before: `brief run` reused the edition the gate held whatever data arrived since, though the refusal said
    "fix the data and rebuild" and --help "rerunning it rebuilds": only `brief build --force` released it."""
    from report.pipeline import send as send_module
    from report.pipeline.fetch import FetchReport

    # the providers are down (test_run_after_a_failed_fetch... asks them); here the data come by import
    monkeypatch.setattr(send_module, "fetch", lambda settings, on_series=None: FetchReport())
    data, out = tmp_path / "data", tmp_path / "out"

    def imported(sid: str) -> None:
        csv = tmp_path / f"{sid}.csv"
        csv.write_text(f"observation_date,{sid}\n2025-11-19,2850000\n2025-11-26,2870000\n2025-12-03,2880000\n")
        assert CliRunner().invoke(cli, ["--data-dir", str(data), "data", "import", str(csv)]).exit_code == 0

    gate = {
        "BRIEF_QUALITY_REQUIRED": "reserves",
        "BRIEF_QUALITY_MAX_UNAVAILABLE": "99",
        "BRIEF_QUALITY_MAX_STALE": "99",
    }
    imported("WALCL")  # not the reserves the gate requires
    with SmtpServer(tmp_path, starttls=False) as srv:
        env = env_for(srv, data, out, **gate)
        held = CliRunner().invoke(cli, ["run", "--to", "ann@example.org"], env=env)
        assert held.exit_code == 1 and "required figure reserves (" in unstamped(held.output), held.output
        again = CliRunner().invoke(cli, ["run", "--to", "ann@example.org"], env=env)  # nothing new: no new revision
        assert again.exit_code == 1 and "fails the quality gate: building it again" in unstamped(again.output)
        assert len(list((out / "editions").iterdir())) == 1
        imported("WRESBAL")  # the data fixed
        released = CliRunner().invoke(cli, ["run", "--to", "ann@example.org"], env=env)
        assert [m.rcpt_tos for m in srv.handler.messages] == [["ann@example.org"]], released.output
    editions = sorted(p.name for p in (out / "editions").iterdir())
    assert len(editions) == 2 and editions[1].endswith(".r2")
    assert all(verify(out / "editions" / name) == [] for name in editions)


def test_run_with_send_anyway_records_the_override(tmp_path, demo_settings):
    with SmtpServer(tmp_path, starttls=False) as srv:
        env = env_for(srv, demo_settings.data_dir, tmp_path / "out", BRIEF_QUALITY_MAX_UNAVAILABLE="0")
        r = CliRunner().invoke(cli, ["run", "--demo", "--to", "ann@example.org", "--send-anyway"], env=env)
        assert r.exit_code == 0, r.output
        assert len(srv.handler.messages) == 1
        assert "warning: quality gate: 1 figure is unavailable" in unstamped(r.output)
    with Store(demo_settings.data_dir / "brief.sqlite") as store:
        assert len(store.overrides("2025-12-08-demo")) == 1


def test_an_unknown_required_figure_stops_before_any_work(tmp_path, demo_settings):
    env = {"BRIEF_DATA_DIR": str(demo_settings.data_dir), "BRIEF_OUT_DIR": str(tmp_path / "out")}
    r = CliRunner().invoke(cli, ["build", "--demo"], env={**env, "BRIEF_QUALITY_REQUIRED": "reserves,mvrvv"})
    assert r.exit_code == 1 and "quality.required: unknown figure 'mvrvv'; did you mean mvrv?" in r.output
    assert not (tmp_path / "out" / "editions").exists() or not any((tmp_path / "out" / "editions").iterdir())


# --- sending without touching the archive -----------------------------------------------------------------------
def test_a_dry_run_leaves_the_archive_verifiable(out, tmp_path):
    env = {"BRIEF_DATA_DIR": str(tmp_path / "data"), "BRIEF_OUT_DIR": str(out)}
    r = CliRunner().invoke(cli, ["send", "2025-12-08", "--to", "ann@example.org", "--dry-run"], env=env)
    assert r.exit_code == 0, r.output
    written = [Path(line) for line in r.stdout.splitlines()]
    assert [p.parent for p in written] == [out / "outbox" / "2025-12-08-demo"]
    assert not (out / "editions" / "2025-12-08-demo" / "outbox").exists()
    v = CliRunner().invoke(cli, ["archive", "verify"], env=env)
    assert v.exit_code == 0 and "every file matches its manifest" in v.output


def test_send_by_date_picks_the_edition_that_has_the_email(tmp_path, demo_settings):
    """Before: `send 2025-12-08` picked the English-only variant (2025-12-08-demo-en, built without an e-mail)
    and failed."""
    s = demo_settings.replace(out_dir=tmp_path / "out")
    build(s.replace(formats=("html", "email")), demo=True)
    english = build(s.replace(formats=("html",), langs=("en",)), demo=True)
    assert english.folder.name == "2025-12-08-demo-en"
    report = send(s, "2025-12-08", to="ann@example.org", dry_run=True)
    assert report.written[0].parent.name == "2025-12-08-demo"


def test_an_edition_path_without_editions_says_where_it_is(out, tmp_path):
    env = {"BRIEF_DATA_DIR": str(tmp_path / "data"), "BRIEF_OUT_DIR": str(out)}
    r = CliRunner().invoke(cli, ["send", str(out / "2025-12-08-demo"), "--to", "a@example.org", "--dry-run"], env=env)
    assert r.exit_code == 2
    assert f"did you mean {out / 'editions' / '2025-12-08-demo'}?" in r.output


# --- logs ------------------------------------------------------------------------------------------------------
class Sink:
    def __init__(self, tty: bool) -> None:
        self.text, self.tty = "", tty

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.tty


def test_log_stream_stamps_whole_lines_and_keeps_only_what_a_bar_finally_says():
    inner, copy = Sink(tty=False), Sink(tty=False)
    stream = LogStream(inner, stamp=True, copy=copy, clock=lambda: "T")  # type: ignore[arg-type]
    stream.write("· one\nwarning: t")
    assert inner.text == "T · one\n"  # half a line waits for its end
    stream.write("wo\nSending  [###---]  1/2\rSending  [######]  2/2\n\nlast")
    stream.close()
    assert inner.text == "T · one\nT warning: two\nT Sending  [######]  2/2\n\nT last\n"
    assert copy.text == "T · one\nT warning: two\nT Sending  [######]  2/2\nT last\n"


def test_a_terminal_sees_its_lines_as_written_and_the_log_file_gets_them_stamped():
    inner, copy = Sink(tty=True), Sink(tty=False)
    stream = LogStream(inner, stamp=False, copy=copy, clock=lambda: "T")  # type: ignore[arg-type]
    stream.write("Fetching  1/3\rFetching  3/3\nError: x")
    stream.close()
    assert inner.text == "Fetching  1/3\rFetching  3/3\nError: x"
    assert copy.text == "T Fetching  3/3\nT Error: x\n"


def test_a_piped_standard_error_is_stamped_and_copied_to_the_log_file(tmp_path):
    log = tmp_path / "logs" / "brief.log"
    log.parent.mkdir()
    env = {**os.environ, "BRIEF_DATA_DIR": str(tmp_path / "data"), "BRIEF_OUT_DIR": str(tmp_path / "out")}
    env.pop("BRIEF_CONFIG", None)
    done = subprocess.run(
        [*BRIEF, "--log-file", str(log), "build"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert STAMP.match(line) and line.endswith("use --demo for the bundled demonstration data")
    stamp = dt.datetime.fromisoformat(line.split(" ", 1)[0])
    assert abs((dt.datetime.now().astimezone() - stamp).total_seconds()) < 120
    assert log.read_text() == line + "\n"
    again = subprocess.run(
        [*BRIEF, "--log-file", str(log), "calendar", "--year", "2026"], env=env, capture_output=True, text=True
    )
    assert again.returncode == 0 and not STAMP.search(again.stdout)  # standard output itself is never stamped
    logged = log.read_text().splitlines()
    assert logged[0] == line  # appended to, never truncated
    # what the command printed for scripts is in the log too, each line stamped
    assert [unstamped(x) for x in logged[1:]] == again.stdout.splitlines()
    assert all(STAMP.match(x) for x in logged[1:])


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["build", "--demoo"], "Error: No such option '--demoo'. Did you mean '--demo'?"),  # found by the command
        (["biuld", "--demo"], "Error: No such command 'biuld'."),  # found before the group's callback runs; Click
        # then suggests 'build' and 'rebuild' in words of its own
    ],
)
def test_a_command_line_cron_got_wrong_is_stamped_and_logged(tmp_path, args, error):
    log = tmp_path / "brief.log"
    env = {**os.environ, "BRIEF_DATA_DIR": str(tmp_path / "data"), "BRIEF_OUT_DIR": str(tmp_path / "out")}
    done = subprocess.run([*BRIEF, "--log-file", str(log), *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    printed = [line for line in done.stderr.splitlines() if line]
    assert all(STAMP.match(line) for line in printed) and unstamped(printed[-1]).startswith(error)
    assert log.read_text().splitlines() == printed
    assert not (tmp_path / "out").exists()


def test_a_log_file_that_cannot_be_opened_is_said_and_the_command_goes_on(tmp_path):
    """Before: exit 2 and nothing done, so a cron run whose log folder was missing or read-only mailed nobody; now
    as for a log file that fails midway: one warning, and the command goes on."""
    r = CliRunner().invoke(cli, ["--log-file", str(tmp_path / "no" / "such" / "x.log"), "calendar", "--year", "2026"])
    assert r.exit_code == 0 and "Traceback" not in r.output
    assert "warning: cannot open the log file" in r.output and "the command goes on without it" in r.output
    assert "FOMC" in r.output or "2026" in r.output  # the command's own output


# --- settings from a per-user file beneath ./brief.toml ----------------------------------------------------------
def test_the_user_file_is_read_beneath_the_project_file(tmp_path, monkeypatch):
    from report.config import config_files, user_config_path

    user = user_config_path()
    assert str(user).startswith(os.environ["XDG_CONFIG_HOME"])  # conftest's empty folder, never the real one
    user.parent.mkdir(parents=True)
    user.write_text('[smtp]\nhost = "user.example.org"\nport = 2525\n')
    project = tmp_path / "brief.toml"
    project.write_text('[smtp]\nhost = "project.example.org"\n')
    assert load_settings(None, env={}).smtp_host == "user.example.org"
    s = load_settings(project, env={})
    assert (s.smtp_host, s.smtp_port) == ("project.example.org", 2525)  # the project file wins, key by key
    assert load_settings(project, env={"BRIEF_SMTP_HOST": "env.example.org"}).smtp_host == "env.example.org"
    assert config_files(project, {}) == [user, project]
    monkeypatch.chdir(tmp_path)  # ./brief.toml found by itself
    assert load_settings(None, env={}).smtp_host == "project.example.org"
    user.write_text('[smtp]\nhots = "x"\n')
    with pytest.raises(ConfigError, match=re.escape(f"unknown setting smtp.hots in {user}; did you mean smtp.host?")):
        load_settings(project, env={})


def test_quality_error_is_a_failure_exit(tmp_path):
    from report.errors import ExitStatus, exit_status

    assert exit_status(QualityError("x")) is ExitStatus.FAILURE


# --- what the hostile review found (/work/review14/findings.md); each failed before its fix --------------------------
def test_send_by_name_never_falls_back_to_an_older_revision(tmp_path, demo_settings):
    """Before: with r2 built without the e-mail, `send 2025-12-08-demo` quietly mailed r1."""
    from report.errors import UsageError

    s = demo_settings.replace(out_dir=tmp_path / "out")
    build(s.replace(formats=("html", "email")), demo=True)
    latest = build(s.replace(formats=("html",)), demo=True, force=True)
    assert latest.folder.name == "2025-12-08-demo.r2"
    for ref in ("2025-12-08-demo", "2025-12-08"):
        with pytest.raises(UsageError, match=r"2025-12-08-demo\.r2 has no email\.eml"):
            send(s, ref, to="ann@example.org", dry_run=True)


def test_an_empty_figure_key_is_refused_and_an_empty_list_requires_none(tmp_path):
    toml = tmp_path / "brief.toml"
    for bad in ('required = [""]', 'required = ["reserves", " "]'):
        toml.write_text(f"[quality]\n{bad}\n")
        with pytest.raises(ConfigError, match="empty figure key"):
            load_settings(toml, env={})
    with pytest.raises(ConfigError, match="empty figure key"):
        load_settings(None, env={"BRIEF_QUALITY_REQUIRED": ","})
    toml.write_text("[quality]\nrequired = []\n")
    assert rules(load_settings(toml, env={})).required == ()


def test_a_damaged_or_unknown_status_is_never_taken_for_available():
    rules_ = Rules(("a", "b", "c"), max_unavailable=10, max_stale=10)
    v = evaluate(
        {"figures": [{"key": "a", "status": "n/a"}, {"key": "b", "status": None, "reason": 3}, {"key": "c"}, "junk"]},
        rules_,
    )
    assert [r.found for r in v.rows[:3]] == ["n/a", "without a status", "without a status"]
    assert len(v.reasons) == 3 and v.rows[3].found == "3 of 3"
    assert not evaluate({"figures": "junk"}, Rules(("a",), 0, 0)).passed


def test_a_log_file_that_fails_midway_is_given_up_with_one_warning(tmp_path):
    from report.logs import LogFile

    class Full:
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

        def flush(self) -> None:
            raise OSError(28, "No space left on device")

        def close(self) -> None:
            pass

    inner = Sink(tty=False)
    log = LogFile(tmp_path / "brief.log", warn=lambda m: inner.write(m))
    log._file = Full()  # type: ignore[assignment]  (the disk fills up after the file was opened)
    err = LogStream(inner, stamp=True, copy=log, clock=lambda: "T")  # type: ignore[arg-type]
    out = LogStream(Sink(tty=False), stamp=False, copy=log, clock=lambda: "T")  # type: ignore[arg-type]
    err.write("· one\n· two\n")
    out.write("/path\n")
    err.close()
    out.close()
    assert inner.text.count("cannot write the log file (No space left on device)") == 1
    assert "T · one\n" in inner.text and "T · two\n" in inner.text  # the command's own lines go on


def test_a_log_file_that_is_not_a_regular_file_is_refused_before_anything_waits(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (fifo, Path("/dev/null")):
        r = CliRunner().invoke(cli, ["--log-file", str(target), "calendar", "--year", "2026"])
        assert r.exit_code == 0 and "not a regular file" in r.output and "goes on without it" in r.output


def test_send_anyway_is_said_and_recorded_only_when_someone_is_mailed(out, tmp_path):
    with SmtpServer(tmp_path, starttls=False) as srv:
        env = env_for(srv, tmp_path / "data", out, BRIEF_QUALITY_MAX_UNAVAILABLE="0")
        args = ["send", "2025-12-08", "--to", "ann@example.org", "--send-anyway"]
        first = CliRunner().invoke(cli, args, env=env)
        assert first.exit_code == 0, first.output
        assert "warning: sent although the quality gate failed it (--send-anyway): 1 figure is unavailable" in (
            unstamped(first.output)
        )
        assert "Edition 2025-12-08-demo: 1 reader(s) served" in unstamped(first.output)
        again = CliRunner().invoke(cli, args, env=env)  # everyone served already: nothing is sent, nothing recorded
        assert again.exit_code == 0 and len(srv.handler.messages) == 1
        assert "although the quality gate" not in again.output
        dry = CliRunner().invoke(
            cli, ["send", "2025-12-08", "--to", "bo@example.org", "--send-anyway", "--dry-run"], env=env
        )
        assert "warning: written (dry run) although the quality gate failed it" in unstamped(dry.output)
    # the server cannot be reached: nobody mailed, so no override is left on record and none is claimed
    unreachable = {**env, "BRIEF_SMTP_PORT": "9"}
    r = CliRunner().invoke(cli, ["send", "2025-12-08", "--to", "cy@example.org", "--send-anyway"], env=unreachable)
    assert r.exit_code != 0 and "although the quality gate" not in r.output
    with Store(tmp_path / "data" / "brief.sqlite") as store:
        assert len(store.overrides("2025-12-08-demo")) == 1


def test_check_gives_its_verdict_while_another_command_writes_the_store(out, tmp_path):
    import sqlite3

    data = tmp_path / "data"
    Store(data / "brief.sqlite").close()
    holder = sqlite3.connect(data / "brief.sqlite")
    holder.execute("BEGIN EXCLUSIVE")  # a fetch in the middle of a transaction
    try:
        env = {"BRIEF_DATA_DIR": str(data), "BRIEF_OUT_DIR": str(out)}
        r = CliRunner().invoke(cli, ["check", "2025-12-08-demo"], env=env)
        assert r.exit_code == 0, r.output
        assert ": passes" in r.output and "the send ledger could not be read" in r.output
        d = CliRunner().invoke(cli, ["doctor", "--offline"], env=env)
        line = next(x for x in d.output.splitlines() if x.startswith(("WARN  store", "FAIL  store")))
        assert line.startswith("WARN  store") and "in use by another command" in line
    finally:
        holder.rollback()
        holder.close()


def test_doctor_warns_when_the_gate_lets_anything_through(tmp_path):
    env = {"BRIEF_DATA_DIR": str(tmp_path / "data"), "BRIEF_OUT_DIR": str(tmp_path / "out")}
    ok = CliRunner().invoke(cli, ["doctor", "--offline"], env=env)
    assert re.search(
        r"^OK +quality gate +8 required figure\(s\), at most 8 unavailable and 6 stale figures$", ok.output, re.M
    )
    toml = tmp_path / "brief.toml"
    toml.write_text("[quality]\nrequired = []\nmax_unavailable = 1000\n")
    off = CliRunner().invoke(cli, ["--config", str(toml), "doctor", "--offline"], env=env)
    assert "WARN  quality gate" in off.output and "any edition passes, however empty" in off.output
