"""``brief doctor``: one verdict a check, exit 1 on any failure, nothing written, no key or password ever shown;
FRED and SMTP are asked for real, of servers on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fakeservers import GOOD_KEY, FakeServer, FredSeries
from helpers import NOWHERE
from smtpserver import PASSWORD, USER, SmtpServer

from report import archive
from report.cli import cli
from report.pipeline import doctor
from report.pipeline.doctor import Check, diagnose
from report.store import SCHEMA_VERSION

NAMES = [
    "settings",
    "Chinese font",
    "HarfBuzz subsetting",
    "WeasyPrint",
    "quality gate",
    "store",
    "archive",
    "FRED key",
    "SMTP",
    "disk",
    "secrets",
]
WRONG_KEY = "0123456789abcdef0123456789abcdef"  # well formed, so it reaches FRED, but not the key FRED knows
# the settings every test sets itself: none may come from the environment of whoever runs the tests
SECRET_VARS = ("FRED_API_KEY", "GLASSNODE_API_KEY")
FETCH_OR_IMPORT = "brief fetch or brief data import"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder; the working folder is tmp_path (no stray ./brief.toml) and no BRIEF_* variable is
    inherited."""
    monkeypatch.chdir(tmp_path)
    for var in list(os.environ):
        if var.startswith("BRIEF_") or var in SECRET_VARS:
            monkeypatch.delenv(var)
    monkeypatch.setenv("BRIEF_OUT_DIR", str(tmp_path / "out"))
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path, tmp_path: Path) -> Path:
    """A real-data store (no demo data) made by ``brief data import`` of a small FRED-format file."""
    csv = tmp_path / "WRESBAL.csv"
    rows = "".join(f"2020-{m:02d}-{d:02d},{2_900_000 + m * 1000 + d}\n" for m in range(1, 13) for d in (1, 8, 15, 22))
    csv.write_text("observation_date,WRESBAL\n" + rows, encoding="utf-8")
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "data", "import", str(csv)])
    assert r.exit_code == 0, r.output
    return data_dir / "brief.sqlite"


def brief_doctor(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args, "doctor"], env=env, catch_exceptions=False)


def brief_doctor_offline(data_dir: Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli, ["--data-dir", str(data_dir), "doctor", "--offline"], env=env, catch_exceptions=False
    )


def verdicts(r: Result) -> dict[str, tuple[str, str]]:
    """{check name: (VERDICT, detail)} from the printed lines (names padded to one width, two spaces after)."""
    out: dict[str, tuple[str, str]] = {}
    for line in r.stdout.splitlines():
        verdict, rest = line[:5].strip(), line[6:]
        name = next(n for n in sorted(NAMES, key=len, reverse=True) if rest.startswith(n))
        out[name] = (verdict, rest[len(name) :].strip())
    return out


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def run_diagnose(data_dir: Path, **kwargs: Any) -> dict[str, Check]:
    checks = diagnose(None, overrides={"data_dir": data_dir}, **kwargs)
    assert [c.name for c in checks] == NAMES
    return by_name(checks)


# --- the whole command -----------------------------------------------------------------------------------------
def test_a_healthy_setup_exits_0_with_a_verdict_for_every_check(store: Path) -> None:
    r = brief_doctor(store.parent)
    assert r.exit_code == 0, r.output
    v = verdicts(r)
    assert list(v) == NAMES
    assert v["settings"] == ("OK", "defaults only (no brief.toml)")
    assert v["Chinese font"][0] == "OK" and "Noto Sans CJK TC" in v["Chinese font"][1]
    assert v["WeasyPrint"][0] == "OK" and v["WeasyPrint"][1].startswith("version ")
    assert v["store"] == ("OK", f"{store}: schema {SCHEMA_VERSION}, 1 series, 48 observations")
    assert v["archive"][0] == "OK" and "no editions yet" in v["archive"][1]
    assert v["FRED key"][0] == "WARN" and "brief data import" in v["FRED key"][1]
    assert v["SMTP"] == ("SKIP", "no SMTP server configured (smtp.host)")
    assert v["disk"][0] == "OK" and "free in" in v["disk"][1]
    assert v["secrets"][0] == "OK" and "environment only" in v["secrets"][1]
    assert "Everything needed" in r.stderr


def test_no_store_yet_is_a_warning_not_a_failure(data_dir: Path) -> None:
    r = brief_doctor(data_dir)
    assert r.exit_code == 0, r.output
    assert verdicts(r)["store"] == ("WARN", f"no real data yet at {data_dir / 'brief.sqlite'}: " + FETCH_OR_IMPORT)
    assert not data_dir.exists()  # looking made nothing


def damage_a_page(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.seek(size // 2 // 4096 * 4096)
        fh.write(bytes(range(256)) * 16)  # one page of garbage in the middle of the file


def not_sqlite(path: Path) -> None:
    path.write_bytes(b"this is not a database, only some text\n" * 200)


@pytest.mark.parametrize("damage", [damage_a_page, not_sqlite])
def test_a_damaged_store_fails_and_is_left_as_it_was(store: Path, damage) -> None:
    damage(store)
    before = store.read_bytes()
    r = brief_doctor(store.parent)
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    verdict, detail = verdicts(r)["store"]
    assert verdict == "FAIL"
    assert f"the data store {store} is damaged" in detail and "restore it from a backup" in detail
    assert "1 check(s) failed: store" in r.stderr
    assert store.read_bytes() == before
    assert sorted(p.name for p in store.parent.iterdir()) == ["brief.lock", "brief.sqlite"]  # no journal left either


def set_schema_version(path: Path, value: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (value,))
    db.close()


def test_a_store_from_a_newer_version_fails_and_an_older_one_warns(store: Path) -> None:
    set_schema_version(store, str(SCHEMA_VERSION + 1))
    newer = run_diagnose(store.parent, network=False)["store"]
    assert newer.verdict == "fail" and "written by a newer version" in newer.detail

    set_schema_version(store, str(SCHEMA_VERSION - 1))
    before = store.read_bytes()
    older = run_diagnose(store.parent, network=False)["store"]
    assert older.verdict == "warn" and "will be upgraded on the next brief fetch or brief data import" in older.detail
    assert store.read_bytes() == before  # the upgrade is the next fetch's job, not the doctor's


def test_an_unknown_key_in_brief_toml_fails_the_settings_naming_the_nearest_key(data_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "brief.toml"
    cfg.write_text('[smpt]\nhost = "smtp.example.org"\n', encoding="utf-8")
    r = brief_doctor(data_dir, "--config", str(cfg))
    assert r.exit_code == 1, r.output
    v = verdicts(r)
    assert v["settings"] == ("FAIL", f"unknown setting smpt.host in {cfg}; did you mean smtp.host?")
    assert v["Chinese font"][0] == "OK"  # checked with the default font all the same
    assert all(v[name] == ("SKIP", "settings did not load") for name in NAMES[4:-1])
    assert v["secrets"][0] == "OK"  # the files are checked all the same


def test_the_settings_name_the_files_read(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "brief.toml").write_text('[fonts]\ncjk = "Noto Sans CJK TC"\n', encoding="utf-8")
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "liquidity-brief" / "brief.toml"
    user.parent.mkdir(parents=True)
    user.write_text("[http]\ntimeout = 5\n", encoding="utf-8")
    check = run_diagnose(data_dir, network=False)["settings"]
    assert check == Check("settings", "ok", f"read {user}, brief.toml")


def test_a_missing_chinese_font_fails_with_the_install_hint(data_dir: Path) -> None:
    checks = run_diagnose(data_dir, network=False, env={"BRIEF_CJK_FONT": "No Such Font TC"})
    font = checks["Chinese font"]
    assert font.verdict == "fail"
    assert "'No Such Font TC'" in font.detail and "apt-get install fonts-noto-cjk" in font.detail


# --- the archive -----------------------------------------------------------------------------------------------
def make_edition(out_dir: Path, name: str = "2025-12-08") -> Path:
    """A small edition as the archive keeps one: its files and a manifest of their hashes (no PDF to build)."""
    folder = archive.editions_dir(out_dir) / name
    folder.mkdir(parents=True)
    (folder / "edition.html").write_text("<html><body>The brief</body></html>\n", encoding="utf-8")
    (folder / "figures.json").write_text('{"figures": []}\n', encoding="utf-8")
    meta = {"edition": name, "as_of": name[:10], "built_at": "2025-12-08T06:00:00+00:00"}
    archive.write_manifest(folder, {**meta, "langs": ["zh-Hant", "en"], "formats": ["html"]})
    return folder


def test_an_intact_archive_is_verified_and_a_tampered_file_fails(data_dir: Path, tmp_path: Path) -> None:
    make_edition(tmp_path / "out", "2025-12-01")
    folder = make_edition(tmp_path / "out", "2025-12-08")
    r = brief_doctor_offline(data_dir)
    assert r.exit_code == 0, r.output
    assert verdicts(r)["archive"] == ("OK", f"2 edition(s) verified in {tmp_path / 'out' / 'editions'}")

    (folder / "edition.html").write_text("<html><body>The brief, edited afterwards</body></html>\n", encoding="utf-8")
    r = brief_doctor_offline(data_dir)
    assert r.exit_code == 1, r.output
    verdict, detail = verdicts(r)["archive"]
    assert verdict == "FAIL"
    assert detail.startswith("1 problem(s) in 1 of 2 edition(s): 2025-12-08: changed edition.html")


# --- FRED ------------------------------------------------------------------------------------------------------
@pytest.fixture
def fred() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        srv.state.fred["GDP"] = FredSeries({"2025-07-01": "30485.729"})
        yield srv


def fred_env(srv: FakeServer, key: str) -> dict[str, str]:
    return {"FRED_API_KEY": key, "BRIEF_FRED_URL": f"{srv.url}/fred"}


def test_a_good_fred_key_is_accepted(data_dir: Path, fred: FakeServer) -> None:
    r = brief_doctor(data_dir, env=fred_env(fred, GOOD_KEY))
    assert r.exit_code == 0, r.output
    assert verdicts(r)["FRED key"] == ("OK", f"accepted by FRED at {fred.url}/fred")
    assert [p.split("?")[0] for p in fred.state.log] == ["/fred/series"]  # one request
    assert GOOD_KEY not in r.output


def test_a_key_echoed_in_a_long_plain_text_answer_is_not_shown_even_in_part(data_dir: Path, fred: FakeServer) -> None:
    fred.state.faults["/fred/"] = ["echo-text"]
    r = brief_doctor(data_dir, env=fred_env(fred, WRONG_KEY))
    assert r.exit_code == 1, r.output
    verdict, detail = verdicts(r)["FRED key"]
    assert verdict == "FAIL" and "api_key" in detail
    shown = {WRONG_KEY[i : i + 6] for i in range(len(WRONG_KEY) - 5)}  # no six characters of it in a row
    assert not any(piece in r.output for piece in shown), detail


@pytest.mark.parametrize("fault", [None, "echo", "echo-upper"])
def test_a_refused_fred_key_fails_and_is_never_shown(data_dir: Path, fred: FakeServer, fault: str | None) -> None:
    """FRED's answer is quoted; "echo" is a server that repeats the key in its message, which is redacted."""
    if fault:
        fred.state.faults["/fred/"] = [fault]
    r = brief_doctor(data_dir, env=fred_env(fred, WRONG_KEY))
    assert r.exit_code == 1, r.output
    verdict, detail = verdicts(r)["FRED key"]
    assert verdict == "FAIL" and detail.startswith("FRED refused the key (HTTP 400: Bad Request.")
    assert "api_key is not registered" in detail
    assert WRONG_KEY not in r.output and WRONG_KEY.upper() not in r.output
    assert "1 check(s) failed: FRED key" in r.stderr


def test_an_unreachable_fred_is_a_warning_and_the_key_is_not_shown(data_dir: Path) -> None:
    r = brief_doctor(data_dir, env={"FRED_API_KEY": GOOD_KEY, "BRIEF_FRED_URL": NOWHERE})
    assert r.exit_code == 0, r.output
    verdict, detail = verdicts(r)["FRED key"]
    assert verdict == "WARN"
    assert detail.startswith(f"could not reach FRED at {NOWHERE} (cannot connect") and detail.endswith("not checked")
    assert GOOD_KEY not in r.output


# --- SMTP ------------------------------------------------------------------------------------------------------
@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    """The project's SMTP test server (STARTTLS, AUTH; a refused login gets its 535, as from a real server)."""
    with SmtpServer(tmp_path) as srv:
        yield srv


def smtp_env(srv: SmtpServer, password: str) -> dict[str, str]:
    return {
        "BRIEF_SMTP_HOST": "127.0.0.1",
        "BRIEF_SMTP_PORT": str(srv.port),
        "BRIEF_SMTP_SECURITY": "starttls",
        "BRIEF_SMTP_CAFILE": str(srv.cafile),
        "BRIEF_SMTP_USER": USER,
        "BRIEF_SMTP_PASSWORD": password,
        "BRIEF_SMTP_TIMEOUT": "5",  # a server that stops answering fails the test in seconds, not minutes
    }


def test_an_smtp_login_is_accepted_and_no_message_is_sent(data_dir: Path, smtp: SmtpServer) -> None:
    r = brief_doctor(data_dir, env=smtp_env(smtp, PASSWORD))
    assert r.exit_code == 0, r.output
    assert verdicts(r)["SMTP"] == ("OK", f"reachable at 127.0.0.1:{smtp.port} (STARTTLS), login accepted as {USER}")
    assert smtp.handler.messages == []
    assert PASSWORD not in r.output


def test_a_refused_smtp_login_fails_and_no_message_is_sent(data_dir: Path, smtp: SmtpServer) -> None:
    r = brief_doctor(data_dir, env=smtp_env(smtp, "not-the-password"))
    assert r.exit_code == 1, r.output
    assert verdicts(r)["SMTP"] == ("FAIL", f"SMTP server 127.0.0.1 refused the login for {USER} (535)")
    assert smtp.handler.messages == []
    assert "not-the-password" not in r.output


def test_an_smtp_server_that_is_not_there_fails(data_dir: Path) -> None:
    checks = run_diagnose(data_dir, env={"BRIEF_SMTP_HOST": "127.0.0.1", "BRIEF_SMTP_PORT": "9"})
    smtp = checks["SMTP"]
    assert smtp.verdict == "fail" and smtp.detail.startswith("cannot reach SMTP server 127.0.0.1:9")


def test_offline_asks_neither_fred_nor_the_smtp_server(data_dir: Path, fred: FakeServer, smtp: SmtpServer) -> None:
    r = brief_doctor_offline(data_dir, env={**fred_env(fred, WRONG_KEY), **smtp_env(smtp, "not-the-password")})
    assert r.exit_code == 0, r.output  # the wrong key and password are not found out without the network
    v = verdicts(r)
    assert v["FRED key"] == ("SKIP", "present (not checked: --offline)")
    assert v["SMTP"] == ("SKIP", "127.0.0.1 not checked: --offline")
    assert fred.state.log == []


# --- the disk, and checks that meet the unexpected -------------------------------------------------------------
Usage = namedtuple("Usage", "total used free")


@pytest.mark.parametrize(
    ("free", "verdict", "words"),
    [(50 * doctor.MIB, "fail", "only 50 MB free"), (600 * doctor.MIB, "warn", "only 600 MB free"), (10**10, "ok", "")],
)
def test_free_disk_below_100_mb_fails_and_below_1_gb_warns(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, free: int, verdict: str, words: str
) -> None:
    asked: list[Path] = []

    def disk_usage(path: Path) -> Usage:
        asked.append(Path(path))
        return Usage(10**12, 10**12 - free, free)

    monkeypatch.setattr(shutil, "disk_usage", disk_usage)
    disk = run_diagnose(data_dir, network=False)["disk"]
    assert disk.verdict == verdict and words in disk.detail
    assert asked == [tmp_path]  # out/ is not made yet: the disk it will be made on


def test_a_check_that_raises_fails_alone_and_shows_no_secret(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unexpected, with api_key={GOOD_KEY} in it")

    monkeypatch.setattr("report.pipeline.archive.verify", broken)
    checks = run_diagnose(data_dir, network=False, env={"FRED_API_KEY": GOOD_KEY})
    assert checks["archive"] == Check("archive", "fail", "RuntimeError: unexpected, with api_key=*** in it")
    assert checks["disk"].verdict == "ok"
    assert all(GOOD_KEY not in c.detail for c in checks.values())


# --- files holding secrets --------------------------------------------------------------------------------------
def test_a_secrets_file_others_can_read_fails_and_its_contents_are_never_shown(data_dir: Path, tmp_path: Path) -> None:
    env_file = tmp_path / "brief.env"
    env_file.write_text("SMTP_PASSWORD=hunter2-very-secret\n", encoding="utf-8")
    env_file.chmod(0o644)
    r = brief_doctor_offline(data_dir)
    assert r.exit_code == 1, r.output
    verdict, detail = verdicts(r)["secrets"]
    assert verdict == "FAIL" and f"{env_file} (mode 0644)" in detail and "chmod 600" in detail
    assert "hunter2" not in r.output
    env_file.chmod(0o600)
    assert run_diagnose(data_dir, network=False)["secrets"] == Check(
        "secrets", "ok", f"readable by their owner alone: {env_file}"
    )


def test_a_settings_file_matters_only_when_it_holds_a_secret(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    cfg = folder / "brief.toml"
    cfg.write_text('[smtp]\nhost = "smtp.example.org"\n', encoding="utf-8")
    cfg.chmod(0o644)
    (folder / "brief.env").write_text("FRED_API_KEY=x\n", encoding="utf-8")
    (folder / "brief.env").chmod(0o600)  # found beside the settings file, not only in the working folder
    checks = diagnose(cfg, overrides={"data_dir": data_dir}, network=False)
    assert by_name(checks)["secrets"] == Check(
        "secrets", "ok", f"readable by their owner alone: {folder / 'brief.env'}"
    )
    cfg.write_text('[smtp]\nhost = "smtp.example.org"\npassword = "pw-in-the-toml"\n', encoding="utf-8")
    check = by_name(diagnose(cfg, overrides={"data_dir": data_dir}, network=False))["secrets"]
    assert check.verdict == "fail" and f"{cfg} (mode 0644)" in check.detail and "pw-in-the-toml" not in check.detail
    # a settings file that does not load is still looked at: a typo beside a password others can read
    cfg.write_text('[smtp]\nhots = "x"\npassword = "pw-in-the-toml"\n', encoding="utf-8")
    checks = by_name(diagnose(cfg, overrides={"data_dir": data_dir}, network=False))
    assert checks["settings"].verdict == "fail" and checks["secrets"].verdict == "fail"
    assert "pw-in-the-toml" not in checks["secrets"].detail


def test_an_output_or_data_folder_that_cannot_be_written_fails(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: with both folders on a read-only mount the doctor said everything was in place, and `run` failed."""
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x", encoding="utf-8")
    disk = run_diagnose(a_file / "data", network=False)["disk"]
    assert disk.verdict == "fail" and f"{a_file} is not a folder" in disk.detail
    import os

    real_access = os.access
    read_only = tmp_path / "ro"
    read_only.mkdir()
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != read_only and real_access(p, mode))
    monkeypatch.setenv("BRIEF_OUT_DIR", str(read_only / "out"))  # as root, a read-only mount is what refuses
    disk = run_diagnose(data_dir, network=False)["disk"]
    assert disk.verdict == "fail" and f"the output folder {read_only / 'out'} cannot be written" in disk.detail
