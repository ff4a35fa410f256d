"""Worker processes that never outlive the command: they die with their parent, and SIGTERM stops the whole tree.

Forked workers (the PDF worker, the chart and backfill pools) call ``die_with_parent`` first thing: on Linux the
kernel sends them SIGKILL when the parent dies, however it dies (``kill -9`` included); elsewhere a thread watches
the parent. ``install_termination_handlers`` (called once by the command line) turns SIGTERM and SIGHUP into a
``Terminated`` exception, a ``KeyboardInterrupt``: the command unwinds as on Ctrl-C, stops its workers, removes its
temporary folder and exits with 130. ``stop_pool`` ends a process pool at once instead of waiting for its queue.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command line imports this module at start: keep it light
    from collections.abc import Iterator
    from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_SECONDS = 0.5  # how often the fallback thread looks at the parent (not Linux)
TERMINATING = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP reached the command: it unwinds like Ctrl-C (exit code 130)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second signal ends the process at once, cleanup or not
    raise Terminated(f"received {signal.Signals(signum).name}")


def install_termination_handlers() -> None:
    """Turn SIGTERM and SIGHUP into ``Terminated`` in the main thread. A signal set to be ignored (``nohup``) stays
    ignored; call from the main thread, before any worker starts."""
    for sig in TERMINATING:
        if signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, _terminate)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP held back while the block runs and acted on when it ends: for a step that must
    not be cut in two (a message the server may have accepted, and its record in the send ledger). The block must
    bound its own waits (the SMTP timeout does); a second signal meanwhile is acted on at once. Outside the main
    thread nothing is held back (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = (signal.SIGINT, *TERMINATING)
    before: dict[int, Any] = {int(sig): signal.getsignal(sig) for sig in held}
    caught: list[int] = []

    def act(signum: int) -> None:
        handler = before[signum]
        if callable(handler):
            handler(signum, None)  # raises: KeyboardInterrupt, or Terminated
        elif handler == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)  # what the signal would have done

    def hold(signum: int, frame: FrameType | None) -> None:
        if caught:  # asked twice: stop now
            restore()
            act(signum)
        caught.append(signum)

    def restore() -> None:
        for sig, handler in before.items():
            if handler is not None:
                signal.signal(sig, handler)

    for sig, handler in before.items():
        if handler not in (signal.SIG_IGN, None):  # an ignored signal (nohup) stays ignored
            signal.signal(sig, hold)
    try:
        yield
    finally:
        restore()
        if caught:
            act(caught[0])


def _prctl_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def die_with_parent(parent: int) -> None:
    """Make this (forked) worker die when process ``parent`` does; call it first in the worker.

    ``parent`` is the parent's pid taken before the fork: if the parent died between the fork and the death signal
    being armed, this process was already handed to another parent and leaves at once. SIGTERM and SIGHUP get their
    default action back (the parent's handlers would raise in the worker) and Ctrl-C is left to the parent, which
    stops its workers itself.
    """
    for sig in TERMINATING:
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _prctl_death_signal():
        threading.Thread(target=_watch, args=(parent,), name="die-with-parent", daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a pool now: kill its workers and cancel what has not run (``shutdown`` alone waits for the whole queue,
    so an interrupted backfill would go on building editions)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way before Python 3.14
    for proc in processes:
        with contextlib.suppress(OSError, ValueError):
            proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)
