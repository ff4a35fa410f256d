"""The brief's charts. The drawing (matplotlib) lives in ``report.charts.drawing`` and is imported on first use of
one of its names, so that a build whose charts come from the cache (``report.charts.cache``) never pays for
importing matplotlib; ``Chart`` and ``ChartSettings`` (``report.charts.chart``) are light."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from report.charts.chart import PHONE_SUFFIX, Chart, ChartFormat, ChartSettings

if TYPE_CHECKING:
    from report.charts.drawing import *  # noqa: F403

_SUBMODULES = frozenset({"base", "cache", "chart", "drawing", "kinds"})  # imported as modules, never looked up


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES or name.startswith("__"):
        raise AttributeError(name)
    from report.charts import drawing

    return getattr(drawing, name)


__all__ = ["PHONE_SUFFIX", "Chart", "ChartFormat", "ChartSettings"]
