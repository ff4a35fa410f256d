"""``brief data import``: downloaded files into the real-data store, each file in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from report.config import Settings
from report.pipeline.common import check_series_ids


def import_data(settings: Settings, paths: Sequence[Path], *, series: str | None = None) -> tuple[list[Any], list[Any]]:
    """Import CSV files into the real-data store; returns what was imported and the files that failed."""
    from report.sources.imports import import_files
    from report.store import Store

    if series is not None:
        check_series_ids([series], "--series")
    with Store(settings.store_path) as store:
        return import_files(store, paths, series)
