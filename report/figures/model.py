"""The Figure record every key figure is returned as, and the context figures are computed in."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from report.calendar import Meeting
from report.config import Assumptions
from report.i18n import LANGS, Catalogue, fmt
from report.series import SERIES, period_end

if TYPE_CHECKING:
    import pandas as pd

Text = Mapping[str, str]  # {"en": ..., "zh-Hant": ...}
Status = Literal["ok", "stale", "unavailable"]


@dataclass(frozen=True)
class Source:
    """One input behind a figure: a series id and the date of the observation used."""

    series: str
    date: dt.date | None


@dataclass(frozen=True)
class Figure:
    """One key figure of the brief with its provenance."""

    key: str
    value: float | None
    unit: str
    observed: dt.date | None
    sources: tuple[Source, ...]
    status: Status
    label: Text
    text: Text
    reason: Text | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)  # extra values for charts and tables

    def formatted(self, lang: str) -> str:
        """The value as printed in ``lang``."""
        return fmt(self.value, self.unit, lang)

    @property
    def available(self) -> bool:
        """Whether the figure has a value."""
        return self.status != "unavailable"

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form documented in docs/figures.md."""
        return {
            "key": self.key,
            "value": None if self.value is None or math.isnan(self.value) else self.value,
            "unit": self.unit,
            "observed": self.observed.isoformat() if self.observed else None,
            "sources": [{"series": s.series, "date": s.date.isoformat() if s.date else None} for s in self.sources],
            "status": self.status,
            "reason": dict(self.reason) if self.reason else None,
            "label": dict(self.label),
            "text": dict(self.text),
            "formatted": {lang: self.formatted(lang) for lang in LANGS},
            "detail": _plain(self.detail),
        }


@dataclass(frozen=True, kw_only=True)
class Context(Assumptions):
    """What every figure function may use besides the data: the edition date, strings, calendar, assumptions."""

    as_of: dt.date
    cat: Catalogue
    meetings: tuple[Meeting, ...]


Data = Mapping[str, "pd.Series"]


def clean(data: Data, sid: str) -> pd.Series:
    """A series without its missing values (empty when the series is absent)."""
    import pandas as pd

    s = data.get(sid)
    return pd.Series(dtype="float64") if s is None else s.dropna()


def last_valid(series: pd.Series | None) -> tuple[dt.date, float] | None:
    """The latest non-missing observation of a series, or None."""
    if series is None:
        return None
    s = series.dropna()
    if s.empty:
        return None
    return s.index[-1].date(), float(s.iloc[-1])


def stale(series_id: str, observed: dt.date, ctx: Context) -> bool:
    """Whether an observation is older than the series' cadence allows, counted from the end of its period."""
    info = SERIES.get(series_id)
    return info is not None and (ctx.as_of - period_end(observed, info.frequency)).days > info.max_age_days


def unavailable(
    key: str, unit: str, ctx: Context, *, reason_key: str, label: Text | None = None, **values: Any
) -> Figure:
    """A figure that cannot be computed, with the reason in both languages."""
    reason = ctx.cat.both(reason_key, **values)
    label = label or ctx.cat.both(f"fig.{key}")
    text = ctx.cat.both("fig.unavailable", label=label, reason=reason)
    return Figure(key, None, unit, None, (), "unavailable", label, text, reason)


def missing_reason(series_ids: list[str], ctx: Context) -> dict[str, Any]:
    """Values for the 'no data' reason string."""
    return {"series": ", ".join(series_ids), "as_of": ctx.as_of.isoformat()}


def make(
    key: str,
    value: float,
    *,
    unit: str,
    sources: list[Source],
    ctx: Context,
    text_key: str,
    detail: Mapping[str, Any] | None = None,
    label: Text | None = None,
    **values: Any,
) -> Figure:
    """A computed figure; it is stale when any input observation is older than its cadence allows."""
    dated = [s for s in sources if s.date is not None]
    observed = max((s.date for s in dated if s.date), default=None)
    latest: dict[str, dt.date] = {}
    for s in dated:
        if s.date and (s.series not in latest or s.date > latest[s.series]):
            latest[s.series] = s.date
    old = [Source(sid, d) for sid, d in latest.items() if stale(sid, d, ctx)]
    label = label or ctx.cat.both(f"fig.{key}")
    text = ctx.cat.both(text_key, **values)
    reason = None
    status: Status = "ok"
    if old:
        status = "stale"
        reason = ctx.cat.both(
            "reason.stale",
            series=", ".join(s.series for s in old),
            date=", ".join(s.date.isoformat() for s in old if s.date),
        )
    return Figure(key, value, unit, observed, tuple(sources), status, label, text, reason, dict(detail or {}))


def _plain(value: Any) -> Any:
    """Detail values as JSON: tuples become lists, dates ISO strings, NaN null."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
