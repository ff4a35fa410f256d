"""Shared fixtures: settings rooted in tmp_path, the catalogue, the demo store, one demo edition (helpers that
tests import live in tests/helpers.py)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from helpers import OFFLINE

from report.calendar import load_calendar
from report.config import Settings
from report.figures import Context
from report.i18n import Catalogue
from report.render.templating import catalogue as load_cat


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


@pytest.fixture
def meta(meetings):
    """Edition facts for the narrative rules: ``meta(as_of, previous=None)`` (default 21 August 2026)."""
    from report.calendar import status
    from report.render.context import EditionMeta

    def _meta(as_of: dt.date = dt.date(2026, 8, 21), previous=None) -> EditionMeta:
        return EditionMeta(
            as_of=as_of,
            demo=False,
            langs=("zh-Hant", "en"),
            version="test",
            generated=dt.datetime(2026, 8, 21, tzinfo=dt.UTC),
            qt_end=dt.date(2025, 12, 1),
            fomc=status(meetings, as_of),
            previous=previous,
        )

    return _meta


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


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch, tmp_path_factory):
    """The per-user settings file of whoever runs the tests is never read: XDG_CONFIG_HOME points at an empty
    folder (a test that wants a user file writes it there)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))


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
    # without the caches other tests' builds left there: a test that changes how charts are drawn sees them drawn
    shutil.copytree(demo_data_dir, data, ignore=shutil.ignore_patterns("cache"))
    return Settings(data_dir=data, out_dir=tmp_path / "out", **OFFLINE)


@pytest.fixture(scope="session")
def demo_edition(tmp_path_factory, demo_data_dir):
    """One demo edition (PDF + HTML, both languages), built once for every test that reads it."""
    from report.pipeline.build import build

    out = tmp_path_factory.mktemp("out")
    s = Settings(data_dir=demo_data_dir, out_dir=out)
    return build(s, demo=True)
