"""Data snapshots: the exact observations an edition used, archived beside it as gzipped JSON, and read back as an
ObservationSource so the edition can be rebuilt and checked (``brief rebuild --check``)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report.errors import DataError
from report.releases import ReleaseCalendar
from report.series import FIRST_PRINT_SERIES

if TYPE_CHECKING:
    import pandas as pd

    from report.store import Store


def snapshot(store: Store, series: Iterable[str], as_of: dt.date) -> tuple[bytes, dict[str, str]]:
    """The exact observations an edition used (stored units, as they stood on ``as_of``), gzipped JSON, and the
    vintage kind per series ("vintages" where ALFRED periods were stored, else "publication lag").

    Each row is ``[date, value, basis, published]``: how the observation's public date is known (``vintage``,
    ``release``, ``schedule`` or ``estimated``) and that date; a snapshot written before the release calendar has
    ``[date, value]`` rows and still reads."""
    series = list(series)
    body: dict[str, Any] = {"as_of": as_of.isoformat(), "calendar": store.calendar.to_json(), "series": {}}
    for sid in series:
        rows = store.visible(sid, as_of)
        body["series"][sid] = {
            "scale": store.scale(sid),
            "rows": [[d.isoformat(), v, a.basis, a.date.isoformat()] for d, v, a in rows],
        }
    for sid in FIRST_PRINT_SERIES:  # plain units
        first, before = store.first_prints(sid, as_of)
        if not first.empty:
            body.setdefault("first_prints", {})[sid] = {
                "first": [[ts.date().isoformat(), _num(v)] for ts, v in first.items()],
                "before": [[ts.date().isoformat(), _num(v)] for ts, v in before.items()],
            }
    # level 6, not 9: about 4% larger and a tenth of a second less for every edition built
    return gzip.compress(json.dumps(body, separators=(",", ":")).encode(), compresslevel=6, mtime=0), vintage_kinds(
        store, series
    )


def vintage_kinds(store: Store, series: Iterable[str]) -> dict[str, str]:
    """The kind of data per series: "vintages" where ALFRED periods were stored, else "publication lag"."""
    return {sid: store.vintage_kind(sid) for sid in series}


def _num(v: float) -> float | None:
    return None if math.isnan(v) else float(v)


class SnapshotStore:
    """A snapshot read back: an ObservationSource answering the questions the build asks of a store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._body = json.loads(gzip.decompress(path.read_bytes()))
            self.as_of = dt.date.fromisoformat(self._body["as_of"])
        except (OSError, ValueError, EOFError, KeyError, TypeError) as exc:
            raise DataError(f"cannot read the data snapshot {path}: {exc}") from exc

    def first_prints(self, series_id: str, as_of: dt.date) -> tuple[pd.Series, pd.Series]:
        """The first prints archived with the edition, plain units (empty when the store held no vintages)."""
        entry = self._body.get("first_prints", {}).get(series_id, {"first": [], "before": []})
        return _series(entry["first"], series_id, as_of), _series(entry["before"], series_id, as_of)

    @property
    def calendar(self) -> ReleaseCalendar:
        """The release calendar the edition was built with (the bundled one for an older snapshot)."""
        return ReleaseCalendar.from_json(self._body.get("calendar"))

    def availability(self, series_id: str, as_of: dt.date) -> dict[str, tuple[str, str]]:
        """How each archived observation's public date was decided, and that date (none in an older snapshot)."""
        rows = self._body["series"].get(series_id, {"rows": []})["rows"]
        return {r[0]: (r[2], r[3]) for r in rows if len(r) >= 4 and r[0] <= as_of.isoformat()}

    def first_date(self) -> dt.date | None:
        """The earliest observation in the snapshot."""
        dates = [rows[0][0] for s in self._body["series"].values() if (rows := s["rows"])]
        return dt.date.fromisoformat(min(dates)) if dates else None

    def load(self, series_ids: Iterable[str], as_of: dt.date) -> dict[str, pd.Series]:
        """The snapshot's series in plain units (a series it lacks is empty)."""
        out = {}
        for sid in series_ids:
            entry = self._body["series"].get(sid, {"scale": 1.0, "rows": []})
            out[sid] = _series(entry["rows"], sid, as_of, entry["scale"])
        return out


def _series(rows: list[list[Any]], series_id: str, as_of: dt.date, scale: float = 1.0) -> pd.Series:
    """Archived ``[date, value, ...]`` rows up to ``as_of`` as a Series in plain units (None as NaN)."""
    import pandas as pd

    rows = [r for r in rows if r[0] <= as_of.isoformat()]
    index = pd.DatetimeIndex([pd.Timestamp(r[0]) for r in rows], name="date")
    values = [float("nan") if r[1] is None else r[1] * scale for r in rows]
    return pd.Series(values, index=index, name=series_id, dtype="float64")
