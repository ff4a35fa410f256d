"""Shared fixtures: settings rooted in tmp_path, the catalogue, small hand-made series, one demo edition."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from report.calendar import load_calendar
from report.config import Settings
from report.figures import Context
from report.i18n import Catalogue
from report.render.templating import catalogue as load_cat

# ../shared/data/real beside the checkout (as in CI), or wherever BRIEF_REAL_DATA points
REAL_DATA = Path(os.environ.get("BRIEF_REAL_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data" / "real")


@pytest.fixture(scope="session")
def cat() -> Catalogue:
    return load_cat(None)


@pytest.fixture(scope="session")
def meetings():
    return tuple(load_calendar())


@pytest.fixture
def make_ctx(cat, meetings):
    def _make(as_of: dt.date, **kw) -> Context:
        return Context(as_of=as_of, cat=cat, meetings=meetings, **kw)

    return _make


def series(points: Sequence[tuple[str, float | None]], name: str = "S") -> pd.Series:
    """A small hand-made series from (ISO date, value) pairs; None is a missing value."""
    idx = pd.DatetimeIndex([pd.Timestamp(d) for d, _ in points])
    return pd.Series([float("nan") if v is None else v for _, v in points], index=idx, name=name, dtype="float64")


NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, so a forgotten provider fails fast
OFFLINE = {f"{name}_url": NOWHERE for name in ("fred", "mempool", "coingecko", "bgeometrics", "glassnode")}


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Tests never reach the internet: only loopback names resolve."""
    import socket

    real = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):
        if host not in {"127.0.0.1", "localhost", "::1", None}:
            raise OSError(f"tests may not reach the internet (asked for {host})")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", out_dir=tmp_path / "out", **OFFLINE)


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory) -> Path:
    """A data folder holding the generated demo store, shared by the whole session."""
    from report import demo

    d = tmp_path_factory.mktemp("data")
    demo.write_store(d / "demo.sqlite")
    return d


@pytest.fixture
def demo_settings(tmp_path: Path, demo_data_dir: Path) -> Settings:
    data = tmp_path / "data"
    shutil.copytree(demo_data_dir, data)
    return Settings(data_dir=data, out_dir=tmp_path / "out", **OFFLINE)


@pytest.fixture(scope="session")
def demo_edition(tmp_path_factory, demo_data_dir):
    """One demo edition (PDF + HTML, both languages), built once for every test that reads it."""
    from report import pipeline

    out = tmp_path_factory.mktemp("out")
    s = Settings(data_dir=demo_data_dir, out_dir=out)
    return pipeline.build(s, demo=True)


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
