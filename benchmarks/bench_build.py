"""Time a warm `brief build --demo` against a plain WeasyPrint script, side by side, as whole processes.

One run alternates our build (`brief build --demo --force --format pdf,html`: PDF and HTML, both languages; its
charts come from the chart cache after the warm-up, as for a rebuild of the same week), the same build with the
chart cache emptied before each run (every chart drawn, as for a week of new data) and
the baseline (`benchmarks/baseline_weasyprint.py`: pandas, matplotlib SVG charts with default settings, one Jinja2
template, `write_pdf`, the same content size) on the same demo store: one warm-up of each, then N timed runs of
each, alternating, so that both see the same machine. Reports the median and slowest wall time of each and the
ratio of the medians (target: ours at most 0.5 of the baseline), peak memory (the whole process tree's PSS, sampled
every 10 ms in two separate runs of each; the largest single process's RSS), the PDF's size, pages and embedded
fonts, and our HTML's size. Prints a Markdown table and writes benchmarks/results/latest.json.

    python benchmarks/bench_build.py [--runs 5]      (or BENCH_RUNS=5)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline_weasyprint.py"
TARGETS = {"ratio": 0.5, "peak_mib": 400.0, "pdf_mb": 1.5}


def tree_pss_kib(pid: int) -> int:
    """Proportional memory (PSS: shared pages split between the processes sharing them) of a process and all its
    descendants, from /proc. Summing RSS instead would count the pages forked workers share several times."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


@dataclass
class Run:
    wall_s: float
    tree_pss_kib: int  # 0 when not sampled
    largest_rss_kib: int  # ru_maxrss of the process and the descendants it waited for


def run(cmd: list[str], env: dict[str, str], sample: bool = False) -> Run:
    """One whole process: wall seconds and (when ``sample``) the peak PSS of its process tree.

    Sampling /proc costs CPU on a 2-core machine, so the timed runs do not sample.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while sample and proc.poll() is None:
        peak = max(peak, tree_pss_kib(proc.pid))
        time.sleep(0.01)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode is None:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        largest = usage.ru_maxrss
    else:  # reaped by poll() while sampling: no rusage of its own
        largest = 0
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}")
    return Run(wall, peak, largest)


@dataclass
class Side:
    """The measurements of one of the two commands."""

    name: str
    cmd: list[str]
    before: Callable[[], None] = lambda: None  # untimed, before each run (clearing a cache)
    walls: list[float] = field(default_factory=list)
    peaks_kib: list[int] = field(default_factory=list)
    largest_kib: int = 0

    def add(self, r: Run) -> None:
        self.largest_kib = max(self.largest_kib, r.largest_rss_kib)
        if r.tree_pss_kib:
            self.peaks_kib.append(r.tree_pss_kib)
        else:
            self.walls.append(r.wall_s)


def pdf_info(pdf: Path) -> dict[str, int | None]:
    """Pages (pdfinfo) and embedded fonts (pdffonts) of a PDF; None where poppler-utils is missing."""
    pages = fonts = None
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = next((int(line.split()[1]) for line in out.splitlines() if line.startswith("Pages:")), None)
    if shutil.which("pdffonts"):
        out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        fonts = sum(1 for line in out.splitlines()[2:] if len(line.split()) >= 6 and line.split()[-5] == "yes")
    return {"pages": pages, "fonts_embedded": fonts}


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def print_report(title: str, info: dict[str, Any], rows: Sequence[Sequence[str]]) -> None:
    """The heading (what was measured, on which machine, at what load) and the Markdown table of a benchmark."""
    print(
        f"{title}: {info['cores']} cores, {info['platform']}, Python {info['python']}, {info['date']} "
        f"(load average {info['loadavg_start'][0]} at the start, {info['loadavg_end'][0]} at the end)\n"
    )
    for row in rows:
        print("| " + " | ".join(row) + " |")


def save_result(name: str, result: dict[str, Any]) -> None:
    """A benchmark's result as benchmarks/results/NAME.json."""
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


def default_runs() -> int:
    return int(os.environ.get("BENCH_RUNS") or 5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=default_runs(), help="timed runs of each (default: BENCH_RUNS or 5)"
    )
    args = parser.parse_args()
    brief = shutil.which("brief", path=str(Path(sys.executable).parent)) or shutil.which("brief")
    if brief is None:
        sys.exit("brief is not installed; run `make setup` first")
    info = machine()
    work = Path(tempfile.mkdtemp(prefix="brief-bench-"))
    env = {**os.environ, "BRIEF_DATA_DIR": str(work / "data")}
    out, base_pdf = work / "out", work / "baseline.pdf"
    ours = Side("ours", [brief, "build", "--demo", "--force", "--format", "pdf,html", "--out", str(out)])
    # the same build with every chart drawn: the chart cache (DATA_DIR/cache/charts) emptied before each run, as
    # for a week whose data are new
    drawn = Side("ours, charts drawn", ours.cmd, before=lambda: shutil.rmtree(work / "data" / "cache" / "charts", True))
    base = Side(
        "baseline",
        [sys.executable, str(BASELINE), "--data", str(work / "data" / "demo.sqlite"), "--out", str(base_pdf)],
    )
    try:
        run(ours.cmd, env)  # warm-up: generates the demo store (which the baseline reads), fills caches
        run(base.cmd, env)
        for i in range(args.runs):  # alternate, so that all see the same machine and none always follows another
            for side in (ours, drawn, base) if i % 2 == 0 else (base, drawn, ours):
                side.before()
                side.add(run(side.cmd, env))
        for _ in range(2):
            for side in (ours, drawn, base):
                side.before()
                side.add(run(side.cmd, env, sample=True))
        edition = max((p for p in (out / "editions").iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
        pdf = next(edition.glob("*.pdf"))
        html = next(edition.glob("*.html"))
        ours_pdf, base_pdf_info = pdf_info(pdf), pdf_info(base_pdf)
        sizes = {
            "pdf": pdf.stat().st_size,
            "html": html.stat().st_size,
            "json": (edition / "figures.json").stat().st_size,
            "baseline_pdf": base_pdf.stat().st_size,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]

    def summary(side: Side) -> dict[str, Any]:
        return {
            "wall_s_median": round(statistics.median(side.walls), 2),
            "wall_s_max": round(max(side.walls), 2),
            "walls_s": [round(w, 2) for w in side.walls],
            "peak_mib_tree": round(max(side.peaks_kib) / 1024, 1),
            "peak_mib_largest_process": round(side.largest_kib / 1024, 1),
        }

    o, d, b = summary(ours), summary(drawn), summary(base)
    result: dict[str, Any] = {
        "runs": args.runs,
        **o,
        "pdf_mb": round(sizes["pdf"] / 1e6, 2),
        "pdf_pages": ours_pdf["pages"],
        "pdf_fonts_embedded": ours_pdf["fonts_embedded"],
        "html_kb": round(sizes["html"] / 1e3),
        "json_kb": round(sizes["json"] / 1e3),
        "baseline": {
            **b,
            "pdf_mb": round(sizes["baseline_pdf"] / 1e6, 2),
            "pdf_pages": base_pdf_info["pages"],
            "pdf_fonts_embedded": base_pdf_info["fonts_embedded"],
        },
        "ratio_wall_median": round(statistics.median(ours.walls) / statistics.median(base.walls), 2),
        "charts_drawn": {
            **d,
            "ratio_wall_median": round(statistics.median(drawn.walls) / statistics.median(base.walls), 2),
        },
        "cores": info["cores"],
        "machine": info,
    }
    bl = result["baseline"]
    rows = [
        ("measure", "ours", "baseline", "target"),
        ("---", "---", "---", "---"),
        (
            f"wall time, median of {args.runs} warm runs",
            f"{o['wall_s_median']} s",
            f"{b['wall_s_median']} s",
            "",
        ),
        ("wall time, slowest run", f"{o['wall_s_max']} s", f"{b['wall_s_max']} s", ""),
        ("ratio of the medians, ours / baseline", f"{result['ratio_wall_median']}", "", f"≤ {TARGETS['ratio']}"),
        (
            "the same with every chart drawn (cache emptied): median, ratio",
            f"{d['wall_s_median']} s, {result['charts_drawn']['ratio_wall_median']}",
            "",
            "",
        ),
        (
            "peak memory with every chart drawn (PSS)",
            f"{d['peak_mib_tree']} MiB",
            "",
            f"< {TARGETS['peak_mib']:.0f} MB",
        ),
        (
            "peak memory, whole process tree (PSS)",
            f"{o['peak_mib_tree']} MiB",
            f"{b['peak_mib_tree']} MiB",
            f"< {TARGETS['peak_mib']:.0f} MB",
        ),
        (
            "peak memory, largest single process (RSS)",
            f"{o['peak_mib_largest_process']} MiB",
            f"{b['peak_mib_largest_process']} MiB",
            "",
        ),
        ("PDF size", f"{result['pdf_mb']} MB", f"{bl['pdf_mb']} MB", f"< {TARGETS['pdf_mb']} MB"),
        ("PDF pages", f"{result['pdf_pages']}", f"{bl['pdf_pages']}", ""),
        ("fonts embedded in the PDF", f"{result['pdf_fonts_embedded']}", f"{bl['pdf_fonts_embedded']}", ""),
        ("HTML size", f"{result['html_kb']} kB", "", ""),
        ("figures.json size", f"{result['json_kb']} kB", "", ""),
    ]
    print_report("Build, ours against the plain WeasyPrint baseline, alternated", info, rows)
    save_result("latest", result)


if __name__ == "__main__":
    main()
