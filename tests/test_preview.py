"""brief preview: a scratch build served on 127.0.0.1, rebuilt when the notes change, with the page told to reload;
nothing in the archive. Measured here for function, not speed (benchmarks/ times the refresh)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from report.cli import cli
from report.pipeline.preview import Preview

WAIT = 120.0  # seconds a rebuild may take on a loaded test machine


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8")


def wait_for_version(url: str, old: str) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        v = get(url + "__version")
        if v != old:
            return v
        time.sleep(0.2)
    raise AssertionError("no rebuild was signalled")


def write(path: Path, en: str, zh: str) -> None:
    path.write_text(f"# en\n{en}\n\n# zh-Hant\n{zh}\n", encoding="utf-8")


def test_preview_rebuilds_on_a_notes_change_and_signals_a_reload(demo_settings, tmp_path):
    notes = tmp_path / "notes.md"
    write(notes, "First draft: reserves are {{ reserves }}.", "初稿。")
    out = tmp_path / "out"
    session = Preview(demo_settings.replace(out_dir=out), demo=True, as_of=None, notes=notes)
    with session.running():
        page = get(session.url)
        assert "First draft: reserves are" in page and "US$2.86 trillion" in page
        assert 'fetch("/__version"' in page  # the page polls for rebuilds
        v0 = get(session.url + "__version")
        write(notes, "Second draft: payrolls fell in {{ claim payroll_declines_7m = 9 }} months.", "二稿。")
        v1 = wait_for_version(session.url, v0)
        assert int(v1) == int(v0) + 1
        page = get(session.url)
        assert "Second draft" in page and "First draft" not in page and "[the data say 5 months]" in page
        write(notes, "Broken {{ reservs }}.", "壞。")
        wait_for_version(session.url, v1)
        assert "unknown figure &#x27;reservs&#x27;" in get(session.url)  # the error, escaped, until fixed
        scratch = session.scratch
        assert scratch.is_dir() and not str(scratch).startswith(str(out))
    assert not scratch.exists()  # the scratch folder goes with the session
    assert not (out / "editions").exists()  # nothing archived


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_a_headless_browser_renders_the_previewed_page(demo_settings, tmp_path):
    notes = tmp_path / "notes.md"
    write(notes, "Browser check.", "瀏覽器檢查。")
    session = Preview(
        demo_settings.replace(out_dir=tmp_path / "out"), demo=True, as_of=None, notes=notes, formats=("html", "email")
    )
    shot = tmp_path / "preview.png"
    with session.running():
        assert "Browser check." in get(session.url + "email")  # the e-mail preview, beside the page
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=1000,1400",
                f"--screenshot={shot}",
                session.url,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a rendered page, not a blank one


def test_a_port_in_use_is_a_clear_error(demo_settings):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"BRIEF_DATA_DIR": str(demo_settings.data_dir), "BRIEF_CONFIG": None}
        r = CliRunner().invoke(cli, ["preview", "--demo", "--port", str(port)], env=env)
    assert r.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in r.stderr and "Traceback" not in r.output


def test_the_chart_digest_follows_data_and_figures_not_notes():
    """A notes edit leaves the charts' inputs alone (they are reused); a changed observation or figure does not."""
    import dataclasses
    import datetime as dt

    from helpers import series

    from report.edition import _charts_key
    from report.figures.model import Figure

    data = {"WRESBAL": series([("2025-11-26", 2.88e12), ("2025-12-03", 2.86e12)])}
    f = Figure("reserves", 2.86e12, "USD", dt.date(2025, 12, 3), (), "ok", {}, {}, None, {})
    key = _charts_key(("settings",), data, [f], ())
    assert key == _charts_key(("settings",), dict(data), [f], ())
    moved = {"WRESBAL": series([("2025-11-26", 2.88e12), ("2025-12-03", 2.85e12)])}
    assert key != _charts_key(("settings",), moved, [f], ())
    assert key != _charts_key(("settings",), data, [dataclasses.replace(f, value=2.85e12)], ())
    assert key != _charts_key(("settings",), data, [f], ("reserves",))
