"""Time the editor's preview refresh: from a change to the notes file to the rebuilt HTML being served.

    python benchmarks/bench_preview.py [--runs 5]

Target (issue 13): about 3 s on the 2-core project machine. Demo data, HTML only (the preview's default), measured
over HTTP exactly as the page's reload script sees it: the time until /__version changes. Prints the median and
every run as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from report.config import Settings
from report.pipeline.preview import Preview


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        root = Path(tmp)
        notes = root / "notes.md"
        notes.write_text("# en\nDraft 0: {{ reserves }}.\n", encoding="utf-8")
        settings = Settings(data_dir=root / "data", out_dir=root / "out")
        session = Preview(settings, demo=True, as_of=None, notes=notes)
        times = []
        with session.running():
            for i in range(1, args.runs + 1):
                old = _get(session.url + "__version")
                started = time.perf_counter()
                notes.write_text(f"# en\nDraft {i}: {{{{ reserves }}}}.\n", encoding="utf-8")
                while _get(session.url + "__version") == old:
                    time.sleep(0.05)
                times.append(time.perf_counter() - started)
                assert f"Draft {i}:" in _get(session.url)
    print(json.dumps({"median_s": round(statistics.median(times), 2), "runs_s": [round(t, 2) for t in times]}))


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode("utf-8")


if __name__ == "__main__":
    main()
