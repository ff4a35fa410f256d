"""Time a 52-week backfill of demo editions (PDF + HTML, both languages) on this machine, as one process.

    python benchmarks/bench_backfill.py [--weeks 52] [--jobs 2]

Target: under 90 s on the 2-core project machine. Uses the demo data (generated once, outside the timing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    brief = shutil.which("brief", path=str(Path(sys.executable).parent)) or shutil.which("brief")
    if brief is None:
        sys.exit("brief is not installed; run `make setup` first")
    work = Path(tempfile.mkdtemp(prefix="brief-backfill-"))
    env = {**os.environ, "BRIEF_DATA_DIR": str(work / "data"), "BRIEF_OUT_DIR": str(work / "out")}
    end = demo.END - dt.timedelta(days=(demo.END.weekday() - 4) % 7)  # the last Friday of the demo data
    start = end - dt.timedelta(weeks=args.weeks - 1)
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
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "weeks": args.weeks,
        "jobs": args.jobs,
        "editions": len(editions),
        "wall_s": round(wall, 1),
        "per_edition_s": round(wall / max(1, len(editions)), 2),
        "archive_mb": round(size / 1e6, 1),
        "cores": os.cpu_count(),
    }
    print(
        f"| {result['editions']} weekly editions, --jobs {args.jobs} | {result['wall_s']} s "
        f"({result['per_edition_s']} s each) | archive {result['archive_mb']} MB | target < 90 s |"
    )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "backfill.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
