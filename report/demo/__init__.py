"""A deterministic, seeded demonstration data set covering every input series from 2019 to 2025-12-08.

The paths are shaped like the real history and pinned so that the edition of 2025-12-08 (the week of the 9-10
December 2025 FOMC meeting) shows the reference figures: reserves about US$2.86 trillion and 9.2% of GDP, QT
runoff about US$2.4 trillion from the April 2022 peak, a record M2 of about US$22.3 trillion, SOFR above the top of
the range on several days in the autumn, payrolls down in 5 of the last 7 months, a miner production cost near
US$74,000 and about 6.5 million BTC in loss. These are demonstration numbers, not market data.

Every observation is stored with ``realtime_start`` = its typical publication date, so ``--as-of`` on the demo
store sees only what would have been published by then. ``paths`` holds the building blocks; ``liquidity``,
``macro`` and ``bitcoin`` the series and their anchors.
"""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from report.demo import bitcoin, liquidity, macro
from report.demo.bitcoin import TARGET_MINER_COST, TARGET_SUPPLY_IN_LOSS
from report.demo.liquidity import QT_PEAK
from report.demo.paths import END, START, Anchor, Obs, bridge, days, months
from report.series import SERIES
from report.store import Store

SEED = 20251208
VERSION = "3"  # bump when the generator (or the default cost assumptions it calibrates to) changes

__all__ = [
    "END",
    "QT_PEAK",
    "SEED",
    "START",
    "TARGET_MINER_COST",
    "TARGET_SUPPLY_IN_LOSS",
    "VERSION",
    "Anchor",
    "Obs",
    "bridge",
    "ensure_store",
    "generate",
    "write_store",
]


def generate(rng: np.random.Generator | None = None) -> dict[str, Obs]:
    """All demo series in their source units (FRED's: millions, billions, thousands, percent).

    The series draw from ``rng`` in a fixed order; changing the order changes every later series.
    """
    rng = rng or np.random.default_rng(SEED)
    daily = days(START, END)
    month_starts = months(START, END)
    out: dict[str, Obs] = {}
    out.update(liquidity.balance_sheet(days(START, END, weekdays=[2]), rng))
    out.update(liquidity.gdp_and_m2(months(START, END, step=3), month_starts, rng))
    out.update(liquidity.corridor(daily, days(START, END, weekdays=range(5)), rng))
    out.update(macro.labour(month_starts, rng))
    out.update(macro.inflation(month_starts, rng))
    out.update(bitcoin.generate(daily, rng))
    out.update(liquidity.plumbing(days(START, END, weekdays=[2]), days(START, END, weekdays=range(5)), rng))
    out.update(bitcoin.flows_and_basis(daily, rng))
    bdays = days(START, END, weekdays=range(5))
    out.update(liquidity.repo_and_bills(days(START, END, weekdays=[2]), bdays, out["SOFR"], rng))
    out.update(bitcoin.exchange_balance(daily, rng))
    return out


def _remove_temporary(tmp: Path) -> None:
    """A temporary store and SQLite's files beside it (best effort: the disk may be failing)."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)


def _sweep_dead(path: Path) -> None:
    """Temporary stores left by a demo write whose process is gone (killed, or from before failures cleaned up)."""
    prefix = path.name + ".tmp-"
    with contextlib.suppress(OSError):
        for tmp in path.parent.glob(glob.escape(prefix) + "*"):
            pid = tmp.name.removeprefix(prefix)
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                _remove_temporary(tmp)
            except (PermissionError, OverflowError):  # alive under another user, or not a pid at all
                continue


def write_store(path: Path, progress: Callable[[str], None] | None = None) -> None:
    """Generate the demo data into a fresh store at ``path`` (written beside it, then moved into place).

    Any failure (a full disk, an interrupt) removes the temporary store and its journal: nothing is left behind,
    however often it is retried."""
    data = generate()
    _sweep_dead(path)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    _remove_temporary(tmp)
    try:
        store = Store(tmp)
        try:
            with store.transaction() as db:
                for sid, rows in data.items():
                    info = SERIES[sid]
                    store.upsert_series(db, info)
                    store.add_observations(db, sid, [(d, v, info.published(d), None) for d, v in rows], estimated=True)
                    if progress:
                        progress(sid)
                store.set_meta(db, "demo_version", VERSION)
                store.set_meta(db, "demo_end", END.isoformat())
        finally:
            store.close()
        os.replace(tmp, path)
    except BaseException:
        _remove_temporary(tmp)
        raise


def ensure_store(path: Path, progress: Callable[[str], None] | None = None) -> Store:
    """Open the demo store, (re)generating it when missing or made by another generator version."""
    if path.exists():
        store = Store(path)
        if store.get_meta("demo_version") == VERSION:
            return store
        store.close()
    write_store(path, progress)
    return Store(path)
