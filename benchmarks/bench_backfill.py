"""Time a 52-week backfill of demo editions (PDF + HTML, both languages) on this machine, as one process; with
--baseline, also the plain WeasyPrint baseline doing the same weeks (`baseline_weasyprint.py --as-of FRIDAY`,
--jobs processes at a time), once each, one after the other.

    python benchmarks/bench_backfill.py [--weeks 52] [--jobs 2] [--baseline]

Target: under 90 s on the 2-core project machine. Uses the demo data (generated once, outside the timing). Takes
several minutes (the baseline longer than ours), so `make bench` leaves it out: `make bench-backfill`. Prints a
Markdown table and writes benchmarks/results/backfill.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench_build import BASELINE, machine, print_report, save_result

from report import demo

TARGET_S = 90.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--baseline", action="store_true", help="also time the plain baseline on the same weeks")
    args = parser.parse_args()
    brief = shutil.which("brief", path=str(Path(sys.executable).parent)) or shutil.which("brief")
    if brief is None:
        sys.exit("brief is not installed; run `make setup` first")
    info = machine()
    work = Path(tempfile.mkdtemp(prefix="brief-backfill-"))
    env = {**os.environ, "BRIEF_DATA_DIR": str(work / "data"), "BRIEF_OUT_DIR": str(work / "out")}
    end = demo.END - dt.timedelta(days=(demo.END.weekday() - 4) % 7)  # the last Friday of the demo data
    start = end - dt.timedelta(weeks=args.weeks - 1)
    fridays = [start + dt.timedelta(weeks=i) for i in range(args.weeks)]
    base: dict[str, Any] | None = None
    try:
        subprocess.run([brief, "figures", "--demo"], env=env, check=True, capture_output=True)  # demo store
        t0 = time.perf_counter()
        r = subprocess.run(
            [
                brief,
                "backfill",
                "--demo",
                "--from",
                start.isoformat(),
                "--to",
                end.isoformat(),
                "--jobs",
                str(args.jobs),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            sys.exit(f"backfill failed:\n{r.stderr}")
        editions = list((work / "out" / "editions").iterdir())
        size = sum(p.stat().st_size for e in editions for p in e.iterdir())
        if args.baseline:
            base = _baseline(work, fridays, args.jobs, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result: dict[str, Any] = {
        "weeks": args.weeks,
        "jobs": args.jobs,
        "editions": len(editions),
        "wall_s": round(wall, 1),
        "per_edition_s": round(wall / max(1, len(editions)), 2),
        "archive_mb": round(size / 1e6, 1),
        "cores": info["cores"],
        "machine": info,
    }
    if base:
        result["baseline"] = base
        result["ratio"] = round(wall / base["wall_s"], 2)
    b = base or {}
    rows = [
        ("measure", "ours (`brief backfill`)", "baseline (the script once a week)" if base else "", "target"),
        ("---", "---", "---", "---"),
        (
            f"{result['editions']} weekly editions, wall time",
            f"{result['wall_s']} s",
            f"{b['wall_s']} s" if base else "",
            f"< {TARGET_S:.0f} s" if args.weeks == 52 else "",
        ),
        ("per edition", f"{result['per_edition_s']} s", f"{b['per_edition_s']} s" if base else "", ""),
        (
            "written (ours: PDF, HTML, JSON, snapshot; baseline: PDF)",
            f"{result['archive_mb']} MB",
            f"{b['pdfs_mb']} MB" if base else "",
            "",
        ),
    ]
    if base:
        rows.insert(4, ("ratio, ours / baseline", f"{result['ratio']}", "", ""))
    print_report(f"{args.weeks}-week backfill, --jobs {args.jobs}", info, rows)
    save_result("backfill", result)


def _baseline(work: Path, fridays: list[dt.date], jobs: int, env: dict[str, str]) -> dict[str, Any]:
    """The plain script once per week, ``jobs`` processes at a time (as `xargs -P` would run it)."""
    store = work / "data" / "demo.sqlite"
    folder = work / "baseline"
    folder.mkdir()

    def one(day: dt.date) -> None:
        pdf = folder / f"{day.isoformat()}.pdf"
        cmd = [sys.executable, str(BASELINE), "--data", str(store), "--out", str(pdf), "--as-of", day.isoformat()]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"baseline for {day} failed:\n{r.stderr}")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, fridays))
    wall = time.perf_counter() - t0
    pdfs = list(folder.glob("*.pdf"))
    return {
        "editions": len(pdfs),
        "wall_s": round(wall, 1),
        "per_edition_s": round(wall / max(1, len(pdfs)), 2),
        "pdfs_mb": round(sum(p.stat().st_size for p in pdfs) / 1e6, 1),
    }


if __name__ == "__main__":
    main()
