"""Time the editor's preview refresh, from a change to the notes file to the rebuilt HTML being served, against
re-running the plain WeasyPrint baseline for its HTML page, side by side.

    python benchmarks/bench_preview.py [--runs 5]      (or BENCH_RUNS=5)

Target (issue 15): about 1 s. Demo data, HTML only (the preview's default), measured over HTTP exactly as the page's
reload script sees it: the time until /__version changes (this includes up to 0.3 s for the watcher to notice the
change; the preview's own timer of the rebuild is reported too). The baseline has no server: an editor using it
runs `benchmarks/baseline_weasyprint.py --html` again, a whole process, alternated with our refreshes. Peak memory
(PSS of the process tree) is sampled in two further runs of each: for the preview that is this process, which holds
the preview session. Prints a Markdown table and writes benchmarks/results/preview.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench_build import BASELINE, default_runs, machine, print_report, run, save_result, tree_pss_kib

from report.config import Settings
from report.pipeline.preview import Preview

TARGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=default_runs(), help="timed runs of each (default: BENCH_RUNS or 5)"
    )
    args = parser.parse_args()
    info = machine()
    ours: list[float] = []
    rebuilt: list[float] = []
    base: list[float] = []
    ours_peak = base_peak = 0
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        root = Path(tmp)
        notes = root / "notes.md"
        notes.write_text("# en\nDraft 0: {{ reserves }}.\n", encoding="utf-8")
        settings = Settings(data_dir=root / "data", out_dir=root / "out")
        session = Preview(settings, demo=True, as_of=None, notes=notes)
        base_html = root / "baseline.html"
        base_cmd = [
            sys.executable,
            str(BASELINE),
            "--data",
            str(root / "data" / "demo.sqlite"),
            "--html",
            str(base_html),
        ]
        env = dict(os.environ)
        draft = 0

        def refresh(sample: bool) -> float:
            """Change the notes; seconds until the server says a new version is out."""
            nonlocal draft, ours_peak
            draft += 1
            old = _get(session.url + "__version")
            stop = threading.Event()
            sampler = threading.Thread(target=_sample, args=(stop,), daemon=True)
            if sample:
                sampler.start()
            started = time.perf_counter()
            notes.write_text(f"# en\nDraft {draft}: {{{{ reserves }}}}.\n", encoding="utf-8")
            while _get(session.url + "__version") == old:
                time.sleep(0.05)
            took = time.perf_counter() - started
            if sample:
                stop.set()
                sampler.join()
                ours_peak = max(ours_peak, peaks[-1])
            assert f"Draft {draft}:" in _get(session.url)
            return took

        peaks = [0]

        def _sample(stop: threading.Event) -> None:
            while not stop.is_set():
                peaks.append(max(peaks[-1], tree_pss_kib(os.getpid())))
                time.sleep(0.01)

        with session.running():  # builds once (creates the demo store), then serves and watches
            run(base_cmd, env)  # warm-up of the baseline
            refresh(sample=False)  # and of the refresh
            for i in range(args.runs):  # alternate (ABBA)
                for side in ("ours", "base") if i % 2 == 0 else ("base", "ours"):
                    if side == "ours":
                        ours.append(refresh(sample=False))
                        rebuilt.append(session.page.built_in)
                    else:
                        base.append(run(base_cmd, env).wall_s)
            for _ in range(2):
                refresh(sample=True)
                base_peak = max(base_peak, run(base_cmd, env, sample=True).tree_pss_kib)
            html_kb = round(len(_get(session.url).encode("utf-8")) / 1e3)
        base_kb = round(base_html.stat().st_size / 1e3)
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result: dict[str, Any] = {
        "runs": args.runs,
        "median_s": round(statistics.median(ours), 2),
        "max_s": round(max(ours), 2),
        "runs_s": [round(t, 2) for t in ours],
        "rebuild_median_s": round(statistics.median(rebuilt), 2),
        "peak_mib_tree": round(ours_peak / 1024, 1),
        "html_kb": html_kb,
        "baseline": {
            "median_s": round(statistics.median(base), 2),
            "max_s": round(max(base), 2),
            "runs_s": [round(t, 2) for t in base],
            "peak_mib_tree": round(base_peak / 1024, 1),
            "html_kb": base_kb,
        },
        "ratio_median": round(statistics.median(ours) / statistics.median(base), 2),
        "machine": info,
    }
    b = result["baseline"]
    rows = [
        ("measure", "ours (`brief preview`)", "baseline (script, HTML only)", "target"),
        ("---", "---", "---", "---"),
        (f"refresh, median of {args.runs}", f"{result['median_s']} s", f"{b['median_s']} s", f"about {TARGET_S} s"),
        ("refresh, slowest", f"{result['max_s']} s", f"{b['max_s']} s", ""),
        ("rebuild alone (the preview's timer), median", f"{result['rebuild_median_s']} s", "", ""),
        ("ratio of the medians, ours / baseline", f"{result['ratio_median']}", "", ""),
        ("peak memory, whole process tree (PSS)", f"{result['peak_mib_tree']} MiB", f"{b['peak_mib_tree']} MiB", ""),
        ("HTML size", f"{result['html_kb']} kB", f"{b['html_kb']} kB", ""),
    ]
    print_report(
        "Preview refresh after a notes change (HTML only), ours against re-running the plain baseline for its HTML, "
        "alternated",
        info,
        rows,
    )
    save_result("preview", result)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode("utf-8")


if __name__ == "__main__":
    main()
