"""The archive under faults: concurrent builds never overwrite, damaged manifests never crash a command, links
inside an edition are caught (issue 9, items 3 and 16)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from report import archive
from report.cli import cli
from report.pipeline.build import build

BRIEF = [sys.executable, "-m", "report"]


def brief_env(data_dir: Path, out_dir: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("BRIEF_")}
    return {**keep, "BRIEF_DATA_DIR": str(data_dir), "BRIEF_OUT_DIR": str(out_dir)}


def together(*commands: tuple[list[str], dict[str, str]]) -> list[subprocess.CompletedProcess[str]]:
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for cmd, env in commands
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    return [subprocess.CompletedProcess(p.args, p.returncode, o, e) for p, (o, e) in zip(procs, outs, strict=True)]


def test_two_concurrent_builds_of_one_date_keep_one_edition(demo_settings, tmp_path):
    """Before: both exited 0 and the second silently replaced the first."""
    cmd = [*BRIEF, "build", "--demo", "--format", "html"]
    env = brief_env(demo_settings.data_dir, tmp_path / "out")
    runs = together((cmd, env), (cmd, env))
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    folders = sorted(p.name for p in (tmp_path / "out" / "editions").iterdir())
    assert folders == ["2025-12-08-demo"]
    assert sum("Already built" in r.stderr for r in runs) == 1
    assert archive.verify(tmp_path / "out" / "editions" / "2025-12-08-demo") == []


def test_two_concurrent_forced_builds_take_two_revisions(demo_settings, tmp_path):
    """Before: two --force builds both took .r2 and one revision was lost. Two data folders (so no lock between
    them) share one output folder: only the atomic claim of the name keeps them apart."""
    out = tmp_path / "out"
    build(demo_settings.replace(out_dir=out, formats=("html",)), demo=True)
    other = tmp_path / "data2"
    shutil.copytree(demo_settings.data_dir, other)
    cmd = [*BRIEF, "build", "--demo", "--format", "html", "--force"]
    runs = together((cmd, brief_env(demo_settings.data_dir, out)), (cmd, brief_env(other, out)))
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    names = sorted(p.name for p in (out / "editions").iterdir())
    assert names == ["2025-12-08-demo", "2025-12-08-demo.r2", "2025-12-08-demo.r3"]
    assert all(archive.verify(out / "editions" / n) == [] for n in names)


def test_a_claim_left_by_a_dead_build_is_taken_over(tmp_path):
    w = archive.EditionWriter(tmp_path)
    w.prepare()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    claim = w.root / ".2025-12-08.claim"
    claim.mkdir()
    (claim / "pid").write_text(dead.stdout.strip())
    assert w.claim("2025-12-08", revision=False) == "2025-12-08"
    (claim / "pid").write_text(str(os.getpid()))  # a live claim is respected
    with pytest.raises(archive.ArchiveError, match="being built by another process"):
        archive.EditionWriter(tmp_path).claim("2025-12-08", revision=False)
    assert w.claim("2025-12-08", revision=True) == "2025-12-08.r2"


DAMAGE = {
    "not json": "{",
    "a list": "[]",
    "files a list": json.dumps({"edition": "x", "as_of": "2025-12-08", "files": []}),
    "no as_of": json.dumps({"edition": "x", "files": {}, "built_at": "2025-12-08T00:00:00+00:00"}),
    "bad date": json.dumps(
        {"edition": "x", "as_of": "someday", "built_at": "x", "files": {}, "langs": [], "formats": []}
    ),
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,  # before: RecursionError in every command
}


@pytest.fixture(scope="module")
def archived(tmp_path_factory, demo_data_dir):
    from helpers import OFFLINE

    from report.config import Settings

    out = tmp_path_factory.mktemp("out")
    s = Settings(data_dir=demo_data_dir, out_dir=out, formats=("html",), **OFFLINE)
    return s, build(s, demo=True)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_manifest_never_gives_a_traceback(archived, tmp_path, damage):
    """Before: list, show, verify, build and rebuild gave tracebacks on malformed manifests."""
    s, edition = archived
    out = tmp_path / "out"
    shutil.copytree(s.out_dir, out)
    (out / "editions" / edition.folder.name / "manifest.json").write_text(DAMAGE[damage])
    env = {"BRIEF_DATA_DIR": str(s.data_dir), "BRIEF_OUT_DIR": str(out)}
    name = edition.folder.name
    for args, codes in [
        (("archive", "list"), {0}),
        (("archive", "show", name), {0}),
        (("archive", "verify"), {1}),
        (("build", "--demo", "--format", "html"), {0}),
        (("rebuild", name, "--check"), {1}),
    ]:
        r = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        assert r.exit_code in codes, (args, r.output)
        assert "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["archive", "verify"], env=env)
    assert "manifest.json" in r.output


def test_verify_reports_a_link_inside_an_edition(archived, tmp_path):
    """Before: verify passed with a symlink to / inside an edition."""
    s, edition = archived
    out = tmp_path / "out"
    shutil.copytree(s.out_dir, out)
    folder = out / "editions" / edition.folder.name
    (folder / "root").symlink_to("/")
    (folder / "zero").symlink_to("/dev/zero")
    problems = archive.verify(folder)
    assert f"{folder.name}: unexpected link root" in problems
    assert f"{folder.name}: unexpected link zero" in problems


def test_the_lock_on_a_full_disk_is_held_without_a_traceback(tmp_path):
    """Before: an OSError traceback (writing the pid) from every command that takes the lock. /dev/full answers
    every write with ENOSPC, as a full disk does; the pid is best effort, the lock itself still holds."""
    from report.lock import LockedError, data_lock

    data = tmp_path / "data"
    data.mkdir()
    (data / "brief.lock").symlink_to("/dev/full")
    with (
        data_lock(data, wait=False),
        pytest.raises(LockedError, match=r"another brief command \(another process\)"),
        data_lock(data, wait=False),
    ):
        pass
    with data_lock(data, wait=False):  # released, and taken again
        pass


def test_the_pid_write_failing_on_a_full_disk_still_holds_the_lock(tmp_path, monkeypatch):
    """A regular lock file on a full disk: truncating works, writing the pid fails with ENOSPC."""
    import errno

    from report.lock import LockedError, data_lock

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as m:
        m.setattr(os, "write", full)
        with data_lock(tmp_path, wait=False):
            m.undo()
            with pytest.raises(LockedError, match="another process"), data_lock(tmp_path, wait=False):
                pass
    assert (tmp_path / "brief.lock").read_text() == ""


def test_a_lock_file_that_cannot_be_created_is_one_line(tmp_path):
    from report.errors import BriefError
    from report.lock import data_lock

    (tmp_path / "brief.lock").mkdir()
    with pytest.raises(BriefError, match="cannot create the lock file in"), data_lock(tmp_path):
        pass


def test_an_unwritable_output_folder_is_one_line_for_archive_index(archived, tmp_path):
    """Before: an OSError traceback writing .index.html.tmp. As root a read-only folder is still writable, so the
    temporary file's place is taken by a folder, which fails the same way."""
    s, _ = archived
    out = tmp_path / "out"
    shutil.copytree(s.out_dir, out)
    (out / ".index.html.tmp").mkdir()
    env = {"BRIEF_DATA_DIR": str(s.data_dir), "BRIEF_OUT_DIR": str(out)}
    r = CliRunner().invoke(cli, ["archive", "index"], env=env, catch_exceptions=False)
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output and str(out) in r.output
    assert len(r.output.strip().splitlines()) == 1, r.output
    assert not (out / "index.html").exists()


def _edition_copy(archived, tmp_path: Path) -> tuple[Path, Path]:
    s, edition = archived
    out = tmp_path / "out"
    shutil.copytree(s.out_dir, out)
    return out, out / "editions" / edition.folder.name


def test_read_json_refuses_deep_nesting_and_big_files(archived, tmp_path):
    """Before: RecursionError for 100,000 nested lists; a file of any size was read whole (3 GB: MemoryError)."""
    _, folder = _edition_copy(archived, tmp_path)
    good = archive.read_json(folder / "figures.json")
    assert good is not None
    (folder / "figures.json").write_text("[" * 100_000 + "]" * 100_000)
    assert archive.read_json(folder / "figures.json") is None
    ref = archive.parse_name(folder)
    assert ref is not None and ref.figures() is None
    big = json.dumps(good).encode() + b" " * archive.MAX_JSON_BYTES  # valid JSON, over the cap
    (folder / "figures.json").write_bytes(big)
    assert archive.read_json(folder / "figures.json") is None


def test_read_json_does_not_wait_on_a_fifo(tmp_path):
    """Anything that is not a regular file is refused before it is opened (before: a FIFO blocked for ever)."""
    fifo = tmp_path / "manifest.json"
    os.mkfifo(fifo)
    result: list[object] = []
    reader = threading.Thread(target=lambda: result.append(archive.read_json(fifo)), daemon=True)
    reader.start()
    reader.join(5)
    if reader.is_alive():
        with open(fifo, "w"):  # let the reader go
            pass
        reader.join()
        pytest.fail("read_json waited on a FIFO")
    assert result == [None]
    (tmp_path / "dir.json").mkdir()
    assert archive.read_json(tmp_path / "dir.json") is None


def test_a_deeply_nested_previous_figures_file_is_skipped(archived, tmp_path):
    """Before: build gave a RecursionError when the previous edition's figures.json was nested 100,000 deep."""
    from report.pipeline.build import _previous
    from report.store import Store

    s, _ = archived
    out, folder = _edition_copy(archived, tmp_path)
    (folder / "figures.json").write_text("[" * 100_000 + "]" * 100_000)
    settings = s.replace(out_dir=out)
    warnings: list[str] = []
    with Store(settings.demo_store_path) as store:
        doc, name = _previous(
            settings, store, day=dt.date(2025, 12, 15), demo=True, previous_as_of=None, meetings=(), warnings=warnings
        )
    assert doc is None and name is None
    assert len(warnings) == 1 and folder.name in warnings[0]
