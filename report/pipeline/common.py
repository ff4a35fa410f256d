"""What several commands share: opening the right store, the default edition date, checks before any work."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from report.config import Settings
from report.edition import Progress, quiet
from report.errors import DataError, UsageError

if TYPE_CHECKING:
    from report.render.pdf import PdfWorker
    from report.store import Store


def open_store(settings: Settings, *, demo: bool, progress: Progress = quiet, readonly: bool = False) -> Store:
    """The demo store (generated on first use) or the real-data store; ``readonly`` for commands that only read it
    (they then work in a data folder the user may not write; an older store is upgraded once, writable)."""
    from report.store import OutdatedStore, Store

    if demo:
        from report import demo as demo_data

        if not settings.demo_store_path.exists():
            progress(f"Generating the demo data set into {settings.demo_store_path}")
        return demo_data.ensure_store(settings.demo_store_path)
    if not settings.store_path.exists():
        raise DataError(
            f"no data store at {settings.store_path}: there is no real data yet; "
            "use --demo for the bundled demonstration data"
        )
    if readonly:
        try:
            return Store(settings.store_path, readonly=True)
        except OutdatedStore:
            pass
    return Store(settings.store_path)


def default_as_of(*, demo: bool, today: dt.date | None = None) -> dt.date:
    """The demo data ends on its edition date; real editions default to today."""
    if demo:
        from report.demo import END

        return END
    return today or dt.date.today()


def check_series_ids(ids: Iterable[str], what: str = "--series") -> list[str]:
    """Series ids the catalogue knows (report/series.py); a UsageError naming the unknown ones."""
    from report.series import SERIES

    wanted = [s.strip() for s in ids if s.strip()]
    unknown = [s for s in wanted if s not in SERIES]
    if unknown:
        raise UsageError(f"{what}: unknown series {', '.join(unknown)}; known: {', '.join(sorted(SERIES))}")
    return wanted


def preflight(settings: Settings) -> list[str]:
    """Fail before any work when the PDF cannot be made well; warnings for what only makes it slow."""
    if "pdf" not in settings.formats:
        return []
    from report.render.pdf import harfbuzz_subset_available, require_font

    require_font(settings.cjk_font)
    if not harfbuzz_subset_available():
        return ["libharfbuzz-subset0 is not installed: the PDF will take much longer to write"]
    return []


@contextlib.contextmanager
def pdf_worker(settings: Settings, *, parallel: bool) -> Iterator[PdfWorker | None]:
    """A worker importing WeasyPrint while this process computes, when the edition has a PDF (else None); it is
    stopped when the block ends, however it ends."""
    if "pdf" not in settings.formats:
        yield None
        return
    from report.render.pdf import PdfWorker

    with PdfWorker(fork=parallel) as worker:
        yield worker
