"""PDF output with WeasyPrint, with checks for the Traditional Chinese font and fast font subsetting."""

from __future__ import annotations

import ctypes.util
import logging
import shutil
import subprocess
from pathlib import Path

from report.errors import RenderError

FONT_PACKAGE = "fonts-noto-cjk"


def font_installed(family: str) -> bool:
    """Whether fontconfig knows a font family (exact name, case-insensitive)."""
    if shutil.which("fc-list") is None:
        raise RenderError("fontconfig's fc-list is not installed; install the Debian package fontconfig")
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    names = {name.strip().lower() for line in out.splitlines() for name in line.split(",")}
    return family.lower() in names


def require_font(family: str) -> None:
    """Fail clearly when the Traditional Chinese font is missing: the PDF would show empty boxes."""
    if not font_installed(family):
        raise RenderError(
            f"the font {family!r} needed for Traditional Chinese is not installed; "
            f"install the Debian package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) or set fonts.cjk"
        )


def harfbuzz_subset_available() -> bool:
    """Without libharfbuzz-subset WeasyPrint subsets CJK fonts in Python, taking over 10 s a PDF."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def write_pdf(html: str, path: Path, base_url: Path) -> list[str]:
    """Lay out ``html`` and write the PDF; returns WeasyPrint's warnings (missing glyphs, resources...)."""
    from weasyprint import HTML

    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        HTML(string=html, base_url=str(base_url)).write_pdf(str(path))
    except OSError as exc:
        raise RenderError(f"cannot write the PDF {path}: {exc}") from exc
    finally:
        logger.removeHandler(collect)
    return collect.messages
