"""PDF output with WeasyPrint, with checks for the Traditional Chinese font and fast font subsetting."""

from __future__ import annotations

import contextlib
import ctypes.util
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

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


def write_pdf(html: str, attachments: Mapping[str, bytes] | None = None) -> tuple[bytes, list[str]]:
    """Lay out ``html`` as a PDF/A-3b with ``attachments`` embedded; returns the PDF and WeasyPrint's warnings."""
    from weasyprint import HTML, Attachment

    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    files = [
        Attachment(
            string=data.decode("utf-8"),
            name=name,
            relationship="Data",
            description="Key figures of this edition (docs/figures.md)",
        )
        for name, data in (attachments or {}).items()
    ]
    try:
        pdf = HTML(string=html).write_pdf(pdf_variant="pdf/a-3b", attachments=files)
    except OSError as exc:
        raise RenderError(f"cannot lay out the PDF: {exc}") from exc
    finally:
        logger.removeHandler(collect)
    return bytes(pdf), collect.messages


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as a reader's tool extracts it (poppler's pdftotext, layout kept)."""
    if shutil.which("pdftotext") is None:
        raise RenderError("pdftotext (Debian poppler-utils) is needed to read the PDF text")
    with tempfile.TemporaryDirectory(prefix="brief-pdftext-") as tmp:
        path = Path(tmp) / "edition.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RenderError(f"pdftotext could not read the PDF: {done.stderr.strip()}")
    return done.stdout


def _serve(conn: Any, parent_end: Any, parent: int) -> None:
    """Worker loop: import WeasyPrint at once, then write the one PDF it is sent.

    The worker dies with ``parent`` and closes its inherited copy of the parent's end of the pipe, so a parent that
    is gone also reads as end of file here.
    """
    from report.procs import die_with_parent

    die_with_parent(parent)
    parent_end.close()
    try:
        import weasyprint  # noqa: F401  (the point: pay for the import while the parent computes)

        msg = conn.recv()
        if msg is None:
            return
        html, attachments = msg
        try:
            conn.send((True, write_pdf(html, attachments)))
        except BaseException as exc:  # sent back and raised in the parent
            conn.send((False, exc))
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        conn.close()


class PdfWorker:
    """A forked process that imports WeasyPrint while the parent loads data and draws charts.

    WeasyPrint's import costs ~0.35 s and the PDF layout ~1.2 s; starting the worker first overlaps the import with
    the figures. Where fork is unavailable, ``write`` runs in this process.
    """

    def __init__(self, fork: bool = True) -> None:
        import multiprocessing as mp
        import os

        self._proc: Any = None
        self._conn: Any = None
        if fork and "fork" in mp.get_all_start_methods():
            ctx = mp.get_context("fork")
            self._conn, child = ctx.Pipe()
            self._proc = ctx.Process(target=_serve, args=(child, self._conn, os.getpid()), daemon=True)
            self._proc.start()
            child.close()

    def write(self, html: str, attachments: Mapping[str, bytes] | None = None) -> tuple[bytes, list[str]]:
        """Lay out the PDF (in the worker) and return it with WeasyPrint's warnings."""
        return self.submit(html, attachments)()

    def submit(
        self, html: str, attachments: Mapping[str, bytes] | None = None
    ) -> Callable[[], tuple[bytes, list[str]]]:
        """Start laying out the PDF in the worker and return at once; calling the result waits for the PDF and its
        warnings. Without a worker the PDF is laid out when the result is called."""
        if self._proc is None:
            return lambda: write_pdf(html, attachments)
        try:
            self._conn.send((html, dict(attachments or {})))
        except (EOFError, OSError) as exc:
            raise RenderError("the PDF worker stopped before the PDF was written") from exc

        def result() -> tuple[bytes, list[str]]:
            try:
                ok, payload = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise RenderError("the PDF worker stopped before the PDF was written") from exc
            if not ok:
                raise payload
            pdf, warnings = payload
            return pdf, list(warnings)

        return result

    def close(self) -> None:
        """Stop the worker (it exits by itself after one PDF)."""
        if self._proc is None:
            return
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._conn.close()
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc = None

    def kill(self) -> None:
        """Stop the worker now, mid-layout or not (the build failed or was interrupted)."""
        if self._proc is None:
            return
        self._proc.kill()
        self._conn.close()
        self._proc.join(timeout=5)
        self._proc = None

    def __enter__(self) -> PdfWorker:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.kill()
