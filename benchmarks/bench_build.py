"""Time a warm `brief build --demo` (PDF and HTML, both languages) as whole processes.

Reports the median and worst wall time over several runs, peak memory (the largest single process, and the whole
process tree including the chart and PDF workers, sampled every 10 ms) and the output sizes.

    python benchmarks/bench_build.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"wall_s": 3.0, "peak_mib": 400.0, "pdf_mb": 1.5}


def _tree_pss_kib(pid: int) -> int:
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


def run_once(brief: str, env: dict[str, str], out: Path, sample: bool) -> tuple[float, int]:
    """One build: wall seconds and (when ``sample``) peak process-tree PSS in KiB.

    Sampling /proc costs CPU on a 2-core machine, so the timed runs do not sample.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        [brief, "build", "--demo", "--force", "--out", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0
    while sample and proc.poll() is None:
        peak = max(peak, _tree_pss_kib(proc.pid))
        time.sleep(0.01)
    proc.wait()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"brief build failed:\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    brief = shutil.which("brief", path=str(Path(sys.executable).parent)) or shutil.which("brief")
    if brief is None:
        sys.exit("brief is not installed; run `make setup` first")
    work = Path(tempfile.mkdtemp(prefix="brief-bench-"))
    env = {**os.environ, "BRIEF_DATA_DIR": str(work / "data")}
    try:
        import resource

        run_once(brief, env, work / "out", sample=False)  # warm-up: generates the demo store, fills caches
        walls = [run_once(brief, env, work / "out", sample=False)[0] for _ in range(args.runs)]
        peaks = [run_once(brief, env, work / "out", sample=True)[1] for _ in range(2)]
        largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, the largest single process
        edition = work / "out" / "editions" / "2025-12-08-demo"
        sizes = {p.suffix.lstrip("."): p.stat().st_size for p in edition.iterdir() if p.name != "manifest.json"}
        result = {
            "runs": args.runs,
            "wall_s_median": round(statistics.median(walls), 2),
            "wall_s_max": round(max(walls), 2),
            "peak_mib_tree": round(max(peaks) / 1024, 1),
            "peak_mib_largest_process": round(largest / 1024, 1),
            "pdf_mb": round(sizes.get("pdf", 0) / 1e6, 2),
            "html_kb": round(sizes.get("html", 0) / 1e3),
            "json_kb": round((edition / "figures.json").stat().st_size / 1e3),
            "cores": os.cpu_count(),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| wall time, median of {args.runs} warm runs | {result['wall_s_median']} s | < {TARGETS['wall_s']} s |")
    print(f"| wall time, slowest run | {result['wall_s_max']} s | |")
    print(f"| peak memory, whole process tree (PSS) | {result['peak_mib_tree']} MiB | < {TARGETS['peak_mib']} MB |")
    print(f"| peak memory, largest single process (RSS) | {result['peak_mib_largest_process']} MiB | |")
    print(f"| PDF size | {result['pdf_mb']} MB | < {TARGETS['pdf_mb']} MB |")
    print(f"| HTML size | {result['html_kb']} kB | |")
    print(f"| figures.json size | {result['json_kb']} kB | |")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
