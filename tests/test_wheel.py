"""A non-editable install of the wheel gives a working `brief`: templates and charts ship inside it."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_install_builds_an_edition(tmp_path, demo_data_dir):
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = dist.glob("liquidity_brief-*.whl")
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "report/_resources/templates/edition.html.j2" in names
    assert "report/_resources/templates/strings.toml" in names
    assert "report/_resources/charts/house.mplstyle" in names
    assert "report/data/fomc_calendar.csv" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the dependencies come from this environment (no network needed); `report` itself only from the wheel
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True)

    env = {**os.environ, "BRIEF_DATA_DIR": str(tmp_path / "data")}
    env.pop("PYTHONPATH", None)
    where = subprocess.run(
        [str(py), "-c", "import report; print(report.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    ).stdout
    assert where.startswith(str(venv)), where
    brief = venv / "bin" / "brief"
    assert subprocess.run([str(brief), "--help"], capture_output=True, cwd=tmp_path, env=env).returncode == 0
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "demo.sqlite").write_bytes((demo_data_dir / "demo.sqlite").read_bytes())
    r = subprocess.run(
        [str(brief), "build", "--demo", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "out" / "editions" / "2025-12-08-demo"
    assert (folder / "liquidity-brief-2025-12-08-demo.pdf").stat().st_size > 100_000
    assert (folder / "liquidity-brief-2025-12-08-demo.html").exists()
