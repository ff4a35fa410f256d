"""Data snapshots: the exact observations an edition used, archived beside it as gzipped JSON, and read back as an
ObservationSource so the edition can be rebuilt and checked (``brief rebuild --check``)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from report.store import Store


def snapshot(store: Store, series: Iterable[str], as_of: dt.date) -> tuple[bytes, dict[str, str]]:
    """The exact observations an edition used (stored units, as they stood on ``as_of``), gzipped JSON, and the
    vintage kind per series ("vintages" where ALFRED periods were stored, else "publication lag")."""
    body: dict[str, Any] = {"as_of": as_of.isoformat(), "series": {}}
    kinds = {}
    for sid in series:
        rows = store.observations(sid, as_of)
        body["series"][sid] = {"scale": store.scale(sid), "rows": [[d.isoformat(), v] for d, v in rows]}
        kinds[sid] = store.vintage_kind(sid)
    return gzip.compress(json.dumps(body, separators=(",", ":")).encode(), mtime=0), kinds


class SnapshotStore:
    """A snapshot read back: an ObservationSource answering the questions the build asks of a store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._body = json.loads(gzip.decompress(path.read_bytes()))
            self.as_of = dt.date.fromisoformat(self._body["as_of"])
        except (OSError, ValueError, EOFError, KeyError, TypeError) as exc:
            raise DataError(f"cannot read the data snapshot {path}: {exc}") from exc

    def first_date(self) -> dt.date | None:
        """The earliest observation in the snapshot."""
        dates = [rows[0][0] for s in self._body["series"].values() if (rows := s["rows"])]
        return dt.date.fromisoformat(min(dates)) if dates else None

    def load(self, series_ids: Iterable[str], as_of: dt.date) -> dict[str, pd.Series]:
        """The snapshot's series in plain units (a series it lacks is empty)."""
        import pandas as pd

        out = {}
        for sid in series_ids:
            entry = self._body["series"].get(sid, {"scale": 1.0, "rows": []})
            rows = [(d, v) for d, v in entry["rows"] if d <= as_of.isoformat()]
            index = pd.DatetimeIndex([pd.Timestamp(d) for d, _ in rows], name="date")
            values = [float("nan") if v is None else v * entry["scale"] for _, v in rows]
            out[sid] = pd.Series(values, index=index, name=sid, dtype="float64")
        return out
