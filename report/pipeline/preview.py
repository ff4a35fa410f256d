"""``brief preview``: the editor's live preview. Builds the edition into a scratch folder outside the archive, serves
it on 127.0.0.1, and rebuilds when the notes, the templates or the data change; the page polls ``/__version`` and
reloads itself after each rebuild (as ``mkdocs serve`` does). Nothing is written under ``output/editions``."""

from __future__ import annotations

import contextlib
import html
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from report.errors import BriefError
from report.resources import resource_dir

if TYPE_CHECKING:
    import datetime as dt

    from report.config import Settings

POLL_SECONDS = 0.3  # how often the watched files are looked at
RELOAD_SCRIPT = b"""<script>
(function () {
  var seen = null;
  function poll() {
    fetch("/__version", {cache: "no-store"}).then(function (r) { return r.text(); }).then(function (v) {
      if (seen === null) { seen = v; } else if (v !== seen) { location.reload(); return; }
      setTimeout(poll, 500);
    }).catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>"""


@dataclass
class Page:
    """What the server shows: the latest build's files, or the error that stopped it."""

    version: int = 0
    html: bytes = b""
    pdf: bytes | None = None
    email: bytes | None = None
    error: str | None = None
    built_in: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Preview:
    """One preview session: a scratch folder, the watcher and the server."""

    def __init__(
        self,
        settings: Settings,
        *,
        demo: bool,
        as_of: dt.date | None,
        notes: Path | None,
        port: int = 0,
        formats: tuple[str, ...] = ("html",),
        progress: Callable[[str], None] = lambda _m: None,
    ) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="brief-preview-"))
        self.settings = settings.replace(out_dir=self.scratch, formats=formats)
        self.demo, self.as_of, self.notes = demo, as_of, notes
        self.progress = progress
        self.page = Page()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.page))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._stop = threading.Event()

    def watched(self) -> list[Path]:
        """The files whose change means a rebuild: the notes, the templates and chart styles, the store."""
        roots = [self.settings.templates_dir or resource_dir("templates"), resource_dir("charts")]
        files = [p for root in roots if Path(root).is_dir() for p in sorted(Path(root).rglob("*"))]
        store = self.settings.data_dir / ("demo.sqlite" if self.demo else "brief.sqlite")
        return [*(p for p in [self.notes, store] if p is not None), *(p for p in files if p.is_file())]

    def _stamp(self) -> tuple[tuple[str, float, int], ...]:
        out = []
        for p in self.watched():
            with contextlib.suppress(OSError):
                st = p.stat()
                out.append((str(p), st.st_mtime, st.st_size))
        return tuple(out)

    def build(self) -> None:
        """One build into the scratch folder; the page shows it, or the error when it fails."""
        from report.pipeline.build import build

        started = time.perf_counter()
        try:
            edition = build(
                self.settings, demo=self.demo, as_of=self.as_of, notes_path=self.notes, force=True, parallel=False
            )
        except Exception as exc:  # the preview outlives any failed build: it shows the error until the next change
            message = str(exc) if isinstance(exc, BriefError) else f"{exc.__class__.__name__}: {exc}"
            with self.page.lock:
                self.page.error, self.page.version = message, self.page.version + 1
            self.progress(f"error: {message}")
            return
        by_name = {p.name: p for p in edition.files}
        page = next((p for n, p in by_name.items() if n.startswith("liquidity-brief-") and n.endswith(".html")), None)
        pdf = next((p for n, p in by_name.items() if n.endswith(".pdf")), None)
        email = by_name.get("email.html")
        with self.page.lock:
            self.page.html = page.read_bytes() if page else b""
            self.page.pdf = pdf.read_bytes() if pdf else None
            self.page.email = email.read_bytes() if email else None
            self.page.error = None
            self.page.built_in = time.perf_counter() - started
            self.page.version += 1
        shutil.rmtree(edition.folder, ignore_errors=True)  # keep the scratch folder small: the page holds the files
        self.progress(f"Rebuilt in {self.page.built_in:.1f} s: {self.url}")

    def watch(self) -> None:
        """Rebuild whenever a watched file changes, until stopped."""
        last = self._stamp()
        while not self._stop.wait(POLL_SECONDS):
            now = self._stamp()
            if now != last:
                last = now
                self.build()

    @contextlib.contextmanager
    def running(self) -> Iterator[Preview]:
        """Build once, then serve and watch in background threads; everything stops and the scratch folder goes
        on leaving the block (Ctrl-C included)."""
        self.build()
        threads = [
            threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True),
            threading.Thread(target=self.watch, daemon=True),
        ]
        for t in threads:
            t.start()
        try:
            yield self
        finally:
            self._stop.set()
            self.server.shutdown()
            self.server.server_close()
            for t in threads:
                t.join(timeout=5)
            shutil.rmtree(self.scratch, ignore_errors=True)


def _handler(page: Page) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # the terminal shows rebuilds, not every poll
            pass

        def _send(self, code: int, body: bytes, ctype: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            with page.lock:
                version, body, pdf, email, error = page.version, page.html, page.pdf, page.email, page.error
            path = self.path.split("?", 1)[0]
            if path == "/__version":
                return self._send(200, str(version).encode(), "text/plain; charset=utf-8")
            if path == "/edition.pdf" and pdf is not None:
                return self._send(200, pdf, "application/pdf")
            if path == "/email" and email is not None:
                return self._send(200, _with_reload(email), "text/html; charset=utf-8")
            if path != "/":
                return self._send(404, b"not found", "text/plain; charset=utf-8")
            if error is not None:
                message = html.escape(error)
                doc = "<!DOCTYPE html><meta charset=utf-8><title>Preview: build failed</title><h1>Build failed</h1>"
                doc += f"<pre>{message}</pre>"
                return self._send(200, _with_reload(doc.encode()), "text/html; charset=utf-8")
            return self._send(200, _with_reload(body), "text/html; charset=utf-8")

    return Handler


def _with_reload(doc: bytes) -> bytes:
    """The page with the reload script before its closing body tag (or at its end)."""
    i = doc.rfind(b"</body>")
    return doc[:i] + RELOAD_SCRIPT + doc[i:] if i >= 0 else doc + RELOAD_SCRIPT
