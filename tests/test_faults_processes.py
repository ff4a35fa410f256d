"""Issue 9, fault 10: killing ``brief build`` or ``brief backfill`` (SIGKILL, SIGTERM) leaves no worker process
behind and no partial edition folder. Real processes and real signals; every wait is bounded."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and relies on Linux signals"),
]

GRACE = 5.0  # seconds the workers (and a SIGTERMed parent) get to be gone
START_LIMIT = 30.0  # seconds a command gets to start its first worker


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, start time) of a process from /proc, or None when it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[19])


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _descendants(root: int) -> dict[int, int]:
    """Every living descendant of ``root`` (pid -> start time, so a reused pid is not mistaken for it)."""
    parents: dict[int, tuple[int, int]] = {}
    for pid in _all_pids():
        st = _stat(pid)
        if st is not None and st[0] not in "ZX":
            parents[pid] = (st[1], st[2])
    found: dict[int, int] = {}
    frontier = {root}
    while frontier:
        frontier = {pid for pid, (ppid, _) in parents.items() if ppid in frontier and pid not in found}
        found.update({pid: parents[pid][1] for pid in frontier})
    return found


def _alive(pid: int, start: int) -> bool:
    st = _stat(pid)
    return st is not None and st[2] == start and st[0] not in "ZX"  # a zombie has exited already


def _marked(marker: str) -> dict[int, int]:
    """Living processes whose command line holds ``marker`` (forked workers keep their parent's command line)."""
    found = {}
    for pid in _all_pids():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        st = _stat(pid)
        if marker in cmdline and st is not None and st[0] not in "ZX":
            found[pid] = st[2]
    return found


def _editions(out: Path) -> set[str]:
    root = out / "editions"
    return {p.name for p in root.iterdir() if not p.name.startswith(".")} if root.is_dir() else set()


def _assert_no_partial_edition(out: Path, *, temp_allowed: bool) -> None:
    """Every edition folder is complete (its manifest lists exactly its files, hashes matching); hidden temp and
    claim folders only where ``temp_allowed`` (the archive writer sweeps them later)."""
    root = out / "editions"
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.name.startswith("."):
            assert temp_allowed, f"a clean interrupt left the temp folder {folder.name}"
            continue
        manifest = folder / "manifest.json"
        assert manifest.is_file(), f"partial edition folder {folder.name}: {sorted(p.name for p in folder.iterdir())}"
        files = json.loads(manifest.read_text())["files"]
        assert {p.name for p in folder.iterdir()} == {*files, "manifest.json"}, folder.name
        for name, sha in files.items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha, f"{folder.name}/{name}"


class Run:
    """One CLI process started in ``tmp``, its stderr in a file; ``data`` is in its command line (the marker)."""

    def __init__(self, tmp: Path, data: Path, args: list[str]) -> None:
        self.data, self.out = data, tmp / "out"
        self.log = tmp / "stderr.txt"
        entry = ["-m", "report"]  # cli.main() turns SIGTERM into a clean interrupt
        env = {**os.environ, "BRIEF_OUT_DIR": str(self.out)}
        env.pop("BRIEF_CONFIG", None)
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, *entry, "--data-dir", str(data), *args],
                cwd=tmp,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        self.seen: dict[int, int] = {}

    def watch_until(self, ready: int, delay: float) -> bool:
        """Record the process's descendants until ``ready`` of them are up and ``delay`` seconds more have passed;
        False when it finished first (nothing to kill)."""
        limit = time.monotonic() + START_LIMIT
        kill_at = None
        while self.proc.poll() is None:
            now = _descendants(self.proc.pid)
            self.seen.update(now)
            if kill_at is None and len(now) >= ready:
                kill_at = time.monotonic() + delay
            if kill_at is not None and time.monotonic() >= kill_at:
                return True
            assert time.monotonic() < limit, f"no {ready} workers within {START_LIMIT} s: {self.log.read_text()}"
            time.sleep(0.02)
        return False

    def kill(self, sig: signal.Signals) -> int:
        """Send ``sig``; the exit status, the parent waited for at most GRACE seconds."""
        self.seen.update(_descendants(self.proc.pid))
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"{sig.name} did not stop the CLI within {GRACE} s")

    def survivors(self) -> dict[int, int]:
        """Workers still alive GRACE seconds after their parent died (empty as soon as all are gone)."""
        limit = time.monotonic() + GRACE
        while True:
            left = {p: s for p, s in self.seen.items() if _alive(p, s)} | _marked(str(self.data))
            if not left or time.monotonic() > limit:
                return left
            time.sleep(0.05)

    def clean_up(self) -> None:
        """Kill whatever this run left behind (this test's own processes, by pid)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pid, start in ({p: s for p, s in self.seen.items() if _alive(p, s)} | _marked(str(self.data))).items():
            if _alive(pid, start):
                os.kill(pid, signal.SIGKILL)


def _kill_round(
    tmp: Path, data: Path, args: list[str], sig: signal.Signals, *, ready: int, delay: float, temp_allowed: bool
) -> bool:
    """Start the CLI, kill it with ``sig`` ``delay`` s after ``ready`` workers are up, check nothing is left."""
    tmp.mkdir()
    run = Run(tmp, data, args)
    try:
        if not run.watch_until(ready, delay):
            return False
        before = _editions(run.out)
        status = run.kill(sig)
        left = run.survivors()
        after = _editions(run.out)
        assert not left, (
            f"{len(left)} worker(s) outlived their parent ({sig.name} after {delay:.2f} s): {sorted(left)}; "
            f"editions finished after the kill: {sorted(after - before)}"
        )
        if sig is signal.SIGTERM:
            assert status == 130, f"exit status {status}: {run.log.read_text()}"
            assert "Interrupted" in run.log.read_text()
        _assert_no_partial_edition(run.out, temp_allowed=temp_allowed)
        return True
    finally:
        run.clean_up()


@pytest.fixture
def data(tmp_path: Path, demo_data_dir: Path) -> Path:
    # Without the chart cache other tests' builds left there: a cached build starts no chart worker to kill.
    d = tmp_path / "data"
    shutil.copytree(demo_data_dir, d, ignore=shutil.ignore_patterns("cache"))
    return d


BUILD = ["build", "--demo"]
BACKFILL = ["backfill", "--demo", "--from", "2025-10-01", "--to", "2025-12-05", "--jobs", "2"]


def test_sigkill_of_build_leaves_no_worker(tmp_path: Path, data: Path) -> None:
    # Random moments (seeded, so a failure can be replayed): while the PDF worker imports WeasyPrint, and while the
    # chart workers (three descendants and more) draw.
    rng = random.Random(10)
    rounds = [(1, rng.uniform(0.0, 1.0)), (1, rng.uniform(1.0, 2.5)), (3, rng.uniform(0.0, 0.4))]
    killed = [
        _kill_round(tmp_path / f"r{i}", data, BUILD, signal.SIGKILL, ready=ready, delay=delay, temp_allowed=True)
        for i, (ready, delay) in enumerate(rounds)
    ]
    assert sum(killed) >= 2, "the build finished before most kills; nothing was tested"


def test_sigterm_of_build_stops_the_tree(tmp_path: Path, data: Path) -> None:
    # One process unwinds (as on Ctrl-C): its temp folder is removed, so nothing hidden is left either.
    assert _kill_round(tmp_path / "r", data, BUILD, signal.SIGTERM, ready=3, delay=0.1, temp_allowed=False)


def test_sigkill_of_backfill_leaves_no_worker(tmp_path: Path, data: Path) -> None:
    rng = random.Random(11)
    for i, delay in enumerate([rng.uniform(0.2, 1.0), rng.uniform(2.0, 4.0)]):
        assert _kill_round(tmp_path / f"r{i}", data, BACKFILL, signal.SIGKILL, ready=2, delay=delay, temp_allowed=True)


def test_sigterm_of_backfill_stops_the_tree(tmp_path: Path, data: Path) -> None:
    # The parent exits at once with 130 and kills its workers rather than letting them build the queued editions;
    # what a worker was writing stays hidden (temp folder, claim), swept or taken over by the next run.
    assert _kill_round(tmp_path / "r", data, BACKFILL, signal.SIGTERM, ready=2, delay=1.5, temp_allowed=True)


def test_a_worker_whose_parent_is_already_gone_leaves_at_once() -> None:
    # The race: the parent died between the fork and the death signal being armed; the worker sees another parent.
    import multiprocessing as mp

    from report.procs import die_with_parent

    proc = mp.get_context("fork").Process(target=die_with_parent, args=(os.getpid() + 1_000_000,))
    proc.start()
    proc.join(timeout=GRACE)
    assert proc.exitcode == 1


def test_termination_handlers_keep_an_ignored_signal_ignored() -> None:
    # nohup ignores SIGHUP: that must stay so; SIGTERM becomes the KeyboardInterrupt the CLI maps to 130.
    script = (
        "import os, signal\n"
        "from report.procs import Terminated, install_termination_handlers\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
        "install_termination_handlers()\n"
        "assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    signal.pause()\n"
        "except KeyboardInterrupt as exc:\n"
        "    assert isinstance(exc, Terminated)\n"
        "    print('interrupted')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "interrupted", done.stderr


@pytest.mark.parametrize(
    ("signals", "printed"),
    [
        ("TERM", ["in the block", "the block ended", "Terminated"]),  # held back to the end of the block
        ("INT", ["in the block", "the block ended", "KeyboardInterrupt"]),
        ("TERM TERM", ["in the block", "Terminated"]),  # asked twice: at once
    ],
)
def test_interrupts_are_held_back_to_the_end_of_a_deferred_block(signals: str, printed: list[str]) -> None:
    script = f"""
import os, signal
from report.procs import install_termination_handlers, interrupts_deferred
install_termination_handlers()
try:
    with interrupts_deferred():
        print("in the block", flush=True)
        for name in {signals.split()!r}:
            os.kill(os.getpid(), getattr(signal, "SIG" + name))
        print("the block ended", flush=True)
    print("not reached", flush=True)
except KeyboardInterrupt as exc:
    print(type(exc).__name__, flush=True)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert done.stdout.splitlines() == printed, done.stderr
