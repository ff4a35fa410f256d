"""The Figure record every key figure is returned as, and the context figures are computed in."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from report.calendar import Meeting
from report.config import Assumptions
from report.i18n import LANGS, Catalogue, fmt, magnitude, per_lang
from report.i18n import date as fmt_date
from report.series import SERIES, period_end

if TYPE_CHECKING:
    import pandas as pd

Text = Mapping[str, str]  # {"en": ..., "zh-Hant": ...}
Status = Literal["ok", "stale", "unavailable", "implausible"]


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
        """Whether the figure has a value (an implausible one has none: it is never printed or reasoned on)."""
        return self.status not in ("unavailable", "implausible")

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form documented in docs/figures.md."""
        return {
            "key": self.key,
            "value": None if self.value is None or not math.isfinite(self.value) else self.value,
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
    if isinstance(value, float) and not math.isfinite(value):  # strict JSON has no NaN or Infinity
        return None
    return value


def ratio_of(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, NaN for a zero denominator (the figure is then implausible, not a crash)."""
    return numerator / denominator if denominator else math.nan


# --- plausibility --------------------------------------------------------------------------------------------------
Outliers = Mapping[str, Sequence[tuple[dt.date, float]]]


def outliers(data: Data) -> dict[str, list[tuple[dt.date, float]]]:
    """Every observation outside its series' plausible range (report/series.py), by series, oldest first."""
    out: dict[str, list[tuple[dt.date, float]]] = {}
    for sid, s in data.items():
        info = SERIES.get(sid)
        if info is None or s is None:
            continue
        low, high = info.plausible
        values = s.dropna()
        wrong = values[~((values >= low) & (values <= high))]  # an infinity fails too; NaN is missing, not wrong
        bad = [(ts.date(), float(v)) for ts, v in wrong.items()]
        if bad:
            out[sid] = bad
    return out


def check_plausible(fig: Figure, bad: Outliers, ctx: Context) -> Figure:
    """``fig``, or the same figure marked implausible when an input it may have used is outside its series'
    plausible range, or when its own value is not a finite number.

    Figures read history (peaks, windows, averages), not only the observations they list, so every out-of-range
    observation of a source series up to the latest date the figure used counts; the latest of them is named.
    """
    if fig.status in ("unavailable", "implausible"):
        return fig
    used: dict[str, dt.date] = {}
    for s in fig.sources:
        if s.date is not None and (s.series not in used or s.date > used[s.series]):
            used[s.series] = s.date
    for sid, last in used.items():
        hits = [(d, v) for d, v in bad.get(sid, ()) if d <= last]
        if hits:
            d, v = hits[-1]
            low, high = SERIES[sid].plausible
            reason = ctx.cat.both(
                "reason.implausible",
                series={"en": sid, "zh-Hant": f"{SERIES[sid].title_zh}（{sid}）"},  # a code alone is no name in prose
                value=per_lang(magnitude, v),
                date=per_lang(fmt_date, d),
                low=per_lang(magnitude, low),
                high=per_lang(magnitude, high),
            )
            return _implausible(fig, reason, ctx)
    if fig.value is not None and not math.isfinite(fig.value):
        return _implausible(fig, ctx.cat.both("reason.not_finite"), ctx)
    return fig


def _implausible(fig: Figure, reason: Text, ctx: Context) -> Figure:
    """The figure without its value, its sentence replaced by the reason (its detail kept for the record)."""
    text = ctx.cat.both("fig.implausible", label=fig.label, reason=reason)
    return dataclasses.replace(fig, value=None, status="implausible", text=text, reason=reason)
