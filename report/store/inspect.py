"""A read-only look at a store file for ``brief doctor``: SQLite's full integrity check, the schema version and how
much it holds, without opening it as a Store (which would upgrade an older one)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from report.errors import StoreError
from report.store.common import store_error


class StoreBusy(StoreError):
    """Another process holds the store's write lock: it cannot be checked now, which says nothing of its health."""


@dataclass(frozen=True)
class StoreFacts:
    """What a read-only look at a store file found."""

    problems: list[str]  # integrity_check's first findings; ["ok"] when sound
    tables: frozenset[str]
    version: str | None  # meta.schema_version as stored
    series: int | None
    observations: int | None


def inspect_store(path: Path, *, max_problems: int = 3) -> StoreFacts:
    """Read a store file without writing to it (``mode=ro``): a full integrity check, its schema version, counts.
    A file SQLite cannot read at all is a StoreError naming it."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise store_error(path, exc, "checking") from exc
    try:
        # the full check (not quick_check, which Store runs on every open): doctor has the time to read every page
        problems = [str(r[0]) for r in db.execute(f"PRAGMA integrity_check({max_problems})")]
        if problems != ["ok"]:
            return StoreFacts(problems, frozenset(), None, None, None)
        tables = frozenset(str(r[0]) for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))

        def count(table: str) -> int | None:
            return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]) if table in tables else None

        version = None
        if "meta" in tables:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = None if row is None else str(row[0])
        return StoreFacts(problems, tables, version, count("series"), count("observations"))
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreBusy(
                f"the data store {path} is in use by another command; check again when it has finished"
            ) from exc
        raise store_error(path, exc, "checking") from exc
    except sqlite3.Error as exc:
        raise store_error(path, exc, "checking") from exc
    finally:
        db.close()
