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
from report.i18n import LANGS, Catalogue, fmt, magnitude, number, per_lang
from report.i18n import date as fmt_date
from report.i18n import month as fmt_month
from report.releases import ReleaseCalendar, bundled
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
        """The value as printed in ``lang``; a change carries a plus sign when it is a gain (+387億美元)."""
        text = fmt(self.value, self.unit, lang)
        if self.signed and self.value is not None and self.value > 0 and not text.startswith("+"):
            return "+" + text
        return text

    @property
    def signed(self) -> bool:
        """Whether the value is a change (a gain or a fall), so its sign is part of what it says."""
        return "_change" in self.key or "since_qt_end" in self.key or self.detail.get("mode") == "actual_vs_scenario"

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
    calendar: ReleaseCalendar = field(default_factory=bundled)  # when each input period became public


Data = Mapping[str, "pd.Series"]


# --- units the shared formatters do not know yet ------------------------------------------------------------------
def about_money(value: float, lang: str) -> str:
    """A rounded amount for "about": three significant figures, en "US$74,700", zh-Hant "7.47萬美元"."""
    if not math.isfinite(value) or value == 0:
        return number(value, lang)
    digits = 2 - math.floor(math.log10(abs(value)))
    rounded = round(value, digits)
    if lang != "en" and 1e4 <= abs(rounded) < 1e8:
        wan = rounded / 1e4
        decimals = max(0, min(2, digits + 4))
        return f"{number(wan, lang, decimals)}萬美元"
    body = number(abs(rounded), lang, max(0, digits))
    return ("−" if rounded < 0 else "") + (f"US${body}" if lang == "en" else f"{body}美元")


# --- naming inputs and their dates in words (codes and ISO dates belong to the sources appendix) --------------------
def series_names(series_ids: Sequence[str], ctx: Context) -> dict[str, str]:
    """The inputs as a reader calls them, in both languages: "bank reserves and GDP" / "銀行準備金與GDP"."""
    return names_of(series_ids, ctx.cat)


def names_of(series_ids: Sequence[str], cat: Catalogue) -> dict[str, str]:
    """``series_names`` with the catalogue alone."""
    out: dict[str, str] = {}
    for lang in LANGS:
        names = list(dict.fromkeys(_series_name(sid, cat, lang) for sid in series_ids))
        if lang == "en":
            out[lang] = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        else:
            out[lang] = names[0] if len(names) == 1 else "、".join(names[:-1]) + "與" + names[-1]
    return out


def _series_name(sid: str, cat: Catalogue, lang: str) -> str:
    """One input's name in prose: the catalogue's ``reason.series.<ID>``, else the series' title."""
    key = f"reason.series.{sid}"
    if key in cat.strings and lang in cat.strings[key]:
        return cat.t(key, lang)
    info = SERIES.get(sid)
    if info is None:
        return sid
    return info.title if lang == "en" else info.title_zh


def period_words(sid: str, d: dt.date, lang: str) -> str:
    """An observation's period in words: a month for monthly data ("October 2025"), a quarter, else the day."""
    info = SERIES.get(sid)
    frequency = info.frequency if info else "daily"
    if frequency == "monthly":
        return fmt_month(d, lang)
    if frequency == "quarterly":
        q = (d.month - 1) // 3 + 1
        return f"Q{q} {d.year}" if lang == "en" else f"{d.year}年第{q}季"
    return fmt_date(d, lang)


def in_force(s: pd.Series, index: pd.Index) -> pd.Series:
    """The value of ``s`` in force on each day of ``index``: its last observation on or before that day."""
    return s.reindex(s.index.union(index)).ffill().reindex(index)


def on_or_before(s: pd.Series, day: dt.date) -> tuple[dt.date, float] | None:
    """The last observation of ``s`` on or before ``day`` as (date, value); None when there is none."""
    import pandas as pd  # imported lazily here, as everywhere in this module

    s = s[s.index <= pd.Timestamp(day)]
    return (s.index[-1].date(), float(s.iloc[-1])) if not s.empty else None


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


def stale(series_id: str, observed: dt.date, ctx: Context, *, as_of: dt.date | None = None) -> bool:
    """Whether a newer observation should be in the data by the edition (or by ``as_of``: a figure frozen on a
    past date, such as the QT runoff, is judged on that date).

    For a monthly or quarterly series with a release, by the release calendar: the next period (passing over one
    never published) came out on or before that day. September's CPI on 8 December 2025 is current: October's was
    never published and November's came out on 18 December. Otherwise, by the series' cadence: older than its
    maximum age."""
    info = SERIES.get(series_id)
    when = as_of or ctx.as_of
    if info is None:
        return False
    due = ctx.calendar.next_published(series_id, observed)
    if due is not None:
        return due[1].date <= when
    if info.frequency in ("monthly", "quarterly") and ctx.calendar.has_release(series_id):
        return False  # nothing due within six periods: the release is suspended, not late
    return (when - period_end(observed, info.frequency)).days > info.max_age_days


def unavailable(
    key: str, unit: str, ctx: Context, *, reason_key: str, label: Text | None = None, **values: Any
) -> Figure:
    """A figure that cannot be computed, with the reason in both languages."""
    reason = ctx.cat.both(reason_key, **values)
    label = label or ctx.cat.both(f"fig.{key}")
    # "no data" names the series and says it is missing: the label would say the same thing twice
    text = reason if reason_key == "reason.no_data" else ctx.cat.both("fig.unavailable", label=label, reason=reason)
    return Figure(key, None, unit, None, (), "unavailable", label, text, reason)


def missing_reason(series_ids: list[str], ctx: Context) -> dict[str, Any]:
    """Values for the 'no data' reason string: the inputs by name and the edition date, in words."""
    return {"series": series_names(series_ids, ctx), "as_of": per_lang(fmt_date, ctx.as_of)}


def stale_reason(
    old: Sequence[Source], cat: Catalogue, calendar: ReleaseCalendar | None = None, when: dt.date | None = None
) -> dict[str, str]:
    """One sentence per date for the inputs older than they should be, in words, in both languages; with the
    release calendar, an input whose next period came out says when ("…, though March's came out on 5 May")."""
    by_period: dict[tuple[str, ...], list[str]] = {}
    for src in old:
        if src.date is None:
            continue
        words = tuple(period_words(src.series, src.date, lang) for lang in LANGS)
        by_period.setdefault(words, []).append(src.series)
    parts: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for words, sids in by_period.items():
        values: dict[str, Any] = {"series": names_of(sids, cat), "date": dict(zip(LANGS, words, strict=True))}
        first = next((s.date for s in old if s.series == sids[0]), None)
        due = calendar.next_published(sids[0], first) if calendar is not None and first is not None else None
        if due is not None and len(sids) == 1:
            key = "reason.stale_out" if due[1].confirmed else "reason.stale_due"
            last = calendar.latest_published(sids[0], first, when) if calendar is not None and first and when else None
            if last is not None and last[0] != due[0]:  # several periods have come out since: say how far they go
                due, key = last, "reason.stale_out_through" if last[1].confirmed else "reason.stale_due_through"
            values |= {
                "next": {lang: period_words(sids[0], due[0], lang) for lang in LANGS},
                "due": per_lang(fmt_date, due[1].date),
            }
            text = cat.both(key, **values)
        else:
            text = cat.both("reason.stale", **values)
        for lang in LANGS:
            parts[lang].append(text[lang])
    return {lang: ("" if lang != "en" else " ").join(parts[lang]) for lang in LANGS}


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
    note: Text | None = None,
    stale_as_of: dt.date | None = None,
    paired: Sequence[str] = (),
    **values: Any,
) -> Figure:
    """A computed figure; it is stale when any input observation is older than its cadence allows.

    ``note`` is a footnote sentence about the data (a month that was never published): it follows the text of a
    current figure and the reason of a stale one.
    """
    dated = [s for s in sources if s.date is not None]
    observed = max((s.date for s in dated if s.date), default=None)
    latest: dict[str, dt.date] = {}
    for s in dated:
        if s.date and (s.series not in latest or s.date > latest[s.series]):
            latest[s.series] = s.date
    # ``paired`` inputs were read on another input's date on purpose (a price on the cost's day): that input's age
    # is the figure's age, theirs is not news
    old = [Source(sid, d) for sid, d in latest.items() if sid not in paired and stale(sid, d, ctx, as_of=stale_as_of)]
    label = label or ctx.cat.both(f"fig.{key}")
    text = ctx.cat.both(text_key, **values)
    reason = None
    status: Status = "ok"
    detail = dict(detail or {})
    if old:
        status = "stale"
        reason = stale_reason(old, ctx.cat, ctx.calendar, stale_as_of or ctx.as_of)
        detail["stale_inputs"] = {src.series: src.date.isoformat() for src in old if src.date}
        if note:
            reason = {lang: f"{reason[lang]}{' ' if lang == 'en' else ''}{note[lang]}" for lang in LANGS}
    if note and status == "ok":
        text = {lang: f"{text[lang]}{' ' if lang == 'en' else ''}{note[lang]}" for lang in LANGS}
    return Figure(key, value, unit, observed, tuple(sources), status, label, text, reason, detail)


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
