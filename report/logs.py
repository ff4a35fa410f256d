"""Standard error as a log: each line stamped with the local time in ISO 8601 when nobody watches a terminal (cron,
systemd, a pipe), and copied into a ``--log-file``.

Only standard error is a log; standard output keeps the paths and JSON a script reads, unstamped.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import TextIO


def timestamp() -> str:
    """The local time with its offset, to the second: 2026-12-07T07:00:03+01:00."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class LogStream(io.TextIOBase):
    """A text stream that writes whole lines to ``inner`` (stamped when ``stamp``) and to ``copy`` (always
    stamped). A progress bar's redraws (text before a carriage return) never reach the copy: only what the line
    finally says."""

    def __init__(
        self, inner: TextIO, *, stamp: bool, copy: TextIO | None = None, clock: Callable[[], str] = timestamp
    ) -> None:
        super().__init__()
        self.inner = inner
        self.stamp = stamp
        self.copy = copy
        self.clock = clock
        self._pending = ""  # the unfinished line, held until its newline (stamped ones only)

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
        if self.copy is not None and final.strip():
            self.copy.write(f"{self.clock()} {final}\n")

    def flush(self) -> None:
        self.inner.flush()
        if self.copy is not None:
            self.copy.flush()

    def close(self) -> None:
        """Write out an unfinished last line; the inner stream stays open (it is the process's standard error)."""
        if self._pending and not self.closed:
            pending, self._pending = self._pending, ""
            self._line(pending)  # stamped, or (a terminal has it already) into the copy only
        if not self.closed:
            self.flush()
        super().close()
