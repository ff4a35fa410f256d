"""Helpers the tests import: hand-made series, offline provider settings, the real-data folder, and reading
outputs as a reader would (pdftotext, headless Chromium)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

# ../shared/data/real beside the checkout (as in CI), or wherever LIQUIDITY_BRIEF_REAL_DATA points
REAL_DATA = Path(
    os.environ.get("LIQUIDITY_BRIEF_REAL_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
)


def series(points: Sequence[tuple[str, float | None]], name: str = "S") -> pd.Series:
    """A small hand-made series from (ISO date, value) pairs; None is a missing value."""
    idx = pd.DatetimeIndex([pd.Timestamp(d) for d, _ in points])
    return pd.Series([float("nan") if v is None else v for _, v in points], index=idx, name=name, dtype="float64")


STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2} ", re.MULTILINE)


def unstamped(text: str) -> str:
    """Standard error without the ISO time that starts each line when it is not a terminal (report/logs.py)."""
    return STAMP.sub("", text)


NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, so a forgotten provider fails fast
OFFLINE = {
    f"{name}_url": NOWHERE for name in ("fred", "mempool", "coingecko", "bgeometrics", "glassnode", "coinmetrics")
}


def pdftotext(path: Path) -> str:
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; run `make test`, which installs it")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def chromium(tmp_path: Path, width: int, height: int, url: str, action: str = "--dump-dom") -> str:
    """Headless Debian Chromium, with the flags this closed network needs; skips the test without it."""
    import subprocess

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium is not installed; `make test` installs it (scripts/system-deps.sh --test)")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        f"--window-size={width},{height}",
        "--virtual-time-budget=3000",
    ]
    return subprocess.run([exe, *flags, action, url], capture_output=True, text=True, timeout=120).stdout
