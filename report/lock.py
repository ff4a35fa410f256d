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


def _holder(fh: IO[bytes]) -> str:
    try:
        pid = os.pread(fh.fileno(), 32, 0).decode("ascii", "replace").strip()  # a pid is short: read no more
    except OSError:
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "another process"


def _write_pid(fh: IO[bytes], pid: str) -> None:
    """Best effort: the pid only helps a waiting command name the holder, so a full disk never stops the lock."""
    with contextlib.suppress(OSError):
        os.ftruncate(fh.fileno(), 0)
        if pid:
            os.write(fh.fileno(), pid.encode("ascii"))


@contextlib.contextmanager
def data_lock(data_dir: Path, *, wait: bool = True, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the data folder's lock for the duration of the block.

    Creating the lock file or taking the lock can fail (a full disk, a read-only folder): a one-line BriefError.
    Writing the holder's pid into it is best effort. The file is unbuffered, so nothing is left to flush later."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fh = (data_dir / LOCK_FILE).open("a+b", buffering=0)
    except OSError as exc:
        raise BriefError(f"cannot create the lock file in {data_dir}: {exc.strerror or exc}") from exc
    with fh:
        try:
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
        except OSError as exc:
            raise BriefError(f"cannot lock {data_dir / LOCK_FILE}: {exc.strerror or exc}") from exc
        _write_pid(fh, str(os.getpid()))
        try:
            yield
        finally:
            _write_pid(fh, "")
            with contextlib.suppress(OSError):
                fcntl.flock(fh, fcntl.LOCK_UN)
