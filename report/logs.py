"""Standard error as a log: each line stamped with the local time in ISO 8601 when nobody watches a terminal (cron,
systemd, a pipe), and copied into a ``--log-file`` with what standard output printed.

Standard output itself stays unstamped: it carries the paths and JSON a script reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # terminal control sequences (cursor, colour)


def timestamp() -> str:
    """The local time with its offset, to the second: 2026-12-07T07:00:03+01:00."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class LogFile:
    """The ``--log-file``, shared by standard error and standard output. Writing is best effort: a file that fails
    (a full disk) is given up with one warning, and the command goes on, since losing the log must never lose a
    send."""

    def __init__(self, path: Path, *, warn: Callable[[str], object]) -> None:
        """Open ``path`` for appending: a regular file, created if missing. Anything else (a folder, a FIFO that
        would block until read, a device) is refused with an OSError before anything waits on it."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError:
            if path.exists() and not path.is_file():  # a FIFO nobody reads answers "no such device"
                raise OSError(0, "not a regular file") from None
            raise
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(0, "not a regular file")
            os.set_blocking(fd, True)
            self._file: TextIO | None = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace", buffering=1)
        except BaseException:
            os.close(fd)
            raise
        self._warn = warn

    def write(self, text: str) -> None:
        if self._file is None:
            return
        try:
            self._file.write(text)
        except (OSError, ValueError) as exc:
            self._give_up(exc)

    def flush(self) -> None:
        if self._file is None:
            return
        try:
            self._file.flush()
        except (OSError, ValueError) as exc:
            self._give_up(exc)

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError, ValueError):
                self._file.close()
            self._file = None

    def _give_up(self, exc: BaseException) -> None:
        file, self._file = self._file, None
        if file is not None:
            with contextlib.suppress(OSError, ValueError):
                file.close()
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self._warn(f"warning: cannot write the log file ({why}); the command goes on without it\n")


class LogStream(io.TextIOBase):
    """A text stream that writes whole lines to ``inner`` (stamped when ``stamp``) and to ``copy`` (always
    stamped). A progress bar's redraws (text before a carriage return) and cursor codes never reach the copy: only
    what the line finally says."""

    def __init__(
        self,
        inner: TextIO,
        *,
        stamp: bool,
        copy: LogFile | TextIO | None = None,
        clock: Callable[[], str] = timestamp,
    ) -> None:
        super().__init__()
        self.inner = inner
        self.stamp = stamp
        self.copy = copy
        self.clock = clock
        self._pending = ""  # the unfinished line, held until its newline

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.inner.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", None) or "utf-8"

    def fileno(self) -> int:
        return self.inner.fileno()

    def write(self, text: str) -> int:
        if not self.stamp and self.copy is None:
            return self.inner.write(text)
        if not self.stamp:
            self.inner.write(text)  # a terminal sees progress bars redraw as usual
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        final = line.rsplit("\r", 1)[-1]  # what a terminal would show last
        if self.stamp:
            self.inner.write(f"{self.clock()} {final}\n" if final else "\n")
        plain = _ESCAPES.sub("", final)
        if self.copy is not None and plain.strip():
            self.copy.write(f"{self.clock()} {plain}\n")

    def flush(self) -> None:
        self.inner.flush()
        if self.copy is not None:
            self.copy.flush()

    def close(self) -> None:
        """Write out an unfinished last line; the inner stream and the copy stay open (the process's standard error
        and a file the caller closes)."""
        if self._pending and not self.closed:
            pending, self._pending = self._pending, ""
            self._line(pending)  # stamped, or (a terminal has it already) into the copy only
        if not self.closed:
            self.flush()
        super().close()
