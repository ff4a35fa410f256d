"""Find the packaged resources (templates, chart catalogue, bundled data) in a checkout or a wheel."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder for ``templates`` or ``charts``.

    In a wheel they live under ``report/_resources``; in a source checkout at the top level.
    """
    packaged = _PKG / "_resources" / name
    if packaged.is_dir():
        return packaged
    checkout = _PKG.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"resource folder {name!r} not found (looked in {packaged} and {checkout})")


def data_file(name: str) -> Path:
    """Return a file bundled in ``report/data``."""
    return _PKG / "data" / name
