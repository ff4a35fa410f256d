"""What a drawn chart is, and what drawing one takes besides data: light, so that a build whose charts come from the
cache never imports matplotlib."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ChartFormat = Literal["svg", "png", "phone"]  # "phone": SVG for a narrow screen, larger type
PHONE_SUFFIX = "-phone"  # a phone chart's id: "sofr-phone" beside "sofr"


@dataclass(frozen=True)
class Chart:
    """One rendered chart."""

    id: str
    section: int
    title: Mapping[str, str]
    sources: tuple[str, ...]
    data: bytes
    mime: str
    empty: bool = False  # no data to draw: ``data`` is empty and the edition leaves the chart out
    variant: str = "page"  # "page" (PDF and wide screens) or "phone"


@dataclass(frozen=True)
class ChartSettings:
    """Inputs a chart needs besides data: languages, cost assumptions and where the style lives."""

    langs: tuple[str, ...]
    style_dir: Path
    as_of: dt.date
    miner_efficiency_j_per_th: float
    power_usd_per_kwh: float
    font: str = "Noto Sans CJK TC"
    phone: bool = True  # also draw each chart phone-sized (for the web page)
