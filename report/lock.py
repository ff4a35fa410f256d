"""One brief command at a time per data folder: ``run``, ``build``, ``send``, ``fetch``, ``backfill`` and
``data import`` take an exclusive lock on ``DATA_DIR/brief.lock``; a second one waits (saying so) or, with
``--no-wait``, stops at once with a clear message. The operating system releases the lock when the process ends,
however it ends."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from report.errors import BriefError

LOCK_FILE = "brief.lock"


class LockedError(BriefError):
    """Another brief command holds the data folder's lock."""


def _holder(fh: IO[str]) -> str:
    fh.seek(0)
    pid = fh.read().strip()
    return f"pid {pid}" if pid.isdigit() else "another process"


@contextlib.contextmanager
def data_lock(data_dir: Path, *, wait: bool = True, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the data folder's lock for the duration of the block."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fh = (data_dir / LOCK_FILE).open("a+", encoding="ascii")
    except OSError as exc:
        raise BriefError(f"cannot create the lock file in {data_dir}: {exc.strerror or exc}") from exc
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fh)
            if not wait:
                raise LockedError(
                    f"another brief command ({holder}) is using {data_dir}; try again when it has finished"
                ) from None
            if on_wait:
                on_wait(f"Waiting for another brief command ({holder}) to finish with {data_dir}")
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)
