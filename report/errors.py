"""One error family for everything the brief can report to a user."""

from __future__ import annotations


class BriefError(Exception):
    """A failure with a message a user can act on; the CLI maps it to exit code 1."""

    exit_code = 1


class ConfigError(BriefError):
    """A setting in brief.toml or the environment is invalid."""


class UsageError(BriefError):
    """A bad argument discovered after parsing (the CLI maps it to exit code 2)."""

    exit_code = 2


class DataError(BriefError):
    """The store holds no usable data for what was asked."""


class StoreError(BriefError):
    """The SQLite store cannot be opened or written."""


class RenderError(BriefError):
    """An edition could not be rendered (missing font, unwritable folder, template error)."""


class NotesError(BriefError):
    """The editorial notes file cannot be read or parsed."""
