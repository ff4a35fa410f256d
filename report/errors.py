"""One error family for everything the brief can report to a user, and the one table of exit codes.

Library code raises a ``BriefError`` subclass with a message a user can act on; the command line turns it into a
one-line message and the exit code ``exit_status`` gives, in one place (``report/cli.py``'s group).
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """The process exit codes of ``brief``."""

    OK = 0
    FAILURE = 1  # a failure the message explains
    USAGE = 2  # a bad argument (click's own usage errors use 2 as well)
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT


class BriefError(Exception):
    """A failure with a message a user can act on."""


class ConfigError(BriefError):
    """A setting in brief.toml or the environment is invalid."""


class UsageError(BriefError):
    """A bad argument discovered after parsing."""


class DataError(BriefError):
    """The store holds no usable data for what was asked."""


class StoreError(BriefError):
    """The SQLite store cannot be opened or written."""


class RenderError(BriefError):
    """An edition could not be rendered (missing font, unwritable folder, template error)."""


class ArchiveError(BriefError):
    """An edition could not be committed to the archive, or an archived edition cannot be read."""


class NotesError(BriefError):
    """The editorial notes file cannot be read or parsed."""


class QualityError(BriefError):
    """An edition fails the quality gate (report/quality.py), so it is not sent; the message lists every reason."""


class PartialFailure(BriefError):
    """The command did part of its work; what failed was reported item by item before this summary."""


def exit_status(exc: BaseException) -> ExitStatus:
    """The exit code for an exception that reached the command line."""
    if isinstance(exc, UsageError):
        return ExitStatus.USAGE
    if isinstance(exc, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED
    return ExitStatus.FAILURE
