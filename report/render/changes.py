"""\"Since the last edition\": each key figure against the previous archived edition, in the right unit of change
(points for percentages, basis points for rates), and the revisions both editions show (pure)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from report.figures import Figure
from report.i18n import (
    LANGS,
    MINUS,
    Catalogue,
    basis_points,
    count_words,
    date,
    fmt,
    month,
    number,
    per_lang,
    unit_formatter,
)
from report.render.narrative import signed_points


def _signed(fn: Any, diff: float, lang: str) -> str:
    """A formatter applied to the size of ``diff``, with "+" for a gain and U+2212 for a fall."""
    body = str(fn(abs(diff), lang))
    return ("+" if diff > 0 else MINUS) + body


def delta(diff: float, unit: str, lang: str) -> str:
    """The change between two values of a figure: two percentages differ in percentage points, two rates in basis
    points; a gain carries a plus sign and a fall U+2212."""
    if unit in ("percent", "percent_change"):
        return signed_points(diff, lang)
    if unit == "rate":
        return basis_points(diff * 100, lang, sign=True)
    if unit == "bp":
        return basis_points(diff, lang, sign=True)
    if unit == "USD/kWh" and lang == "zh-Hant":  # the sign goes with the number: 每度−0.007美元
        return f"每度{_signed(lambda v, lg: number(v, lg, 3), diff, lang)}美元"
    # where a change reads differently from a value; every other unit uses the unit's own formatter
    formatters: dict[str, Any] = {
        "persons_change": lambda v, lg: count_words(v, lg) + ("人" if lg == "zh-Hant" else ""),  # 增加4.1萬人
        "ratio": lambda v, lg: number(v, lg, 2) + ("倍" if lg == "zh-Hant" else "x"),
        "USD/kWh": lambda v, lg: f"US${number(v, lg, 3)}/kWh" if lg == "en" else f"每度{number(v, lg, 3)}美元",
    }
    fn = formatters.get(unit) or unit_formatter(unit)
    if fn is None:
        return fmt(diff, unit, lang)
    return _signed(fn, diff, lang)


# How a status looks in the templates (a CSS class): an implausible figure is greyed out like an unavailable one.


def _number(value: Any) -> float | None:
    """A previous edition's value when it is a finite number (bool is not one), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _text(value: Any) -> dict[str, str] | None:
    """A previous edition's per-language text when it has every language, else None."""
    if not isinstance(value, Mapping) or not all(isinstance(value.get(lang), str) for lang in LANGS):
        return None
    return {lang: value[lang] for lang in LANGS}


def _previous_figures(previous: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The previous edition's figures by key, leaving out any that is not of the documented shape."""
    figures = previous.get("figures")
    if not isinstance(figures, list):
        return {}
    return {
        f["key"]: f
        for f in figures
        if isinstance(f, Mapping) and isinstance(f.get("key"), str) and _text(f.get("formatted")) is not None
    }


def _edition_date(previous: Mapping[str, Any]) -> dt.date | None:
    """The previous edition's date, or None when it is missing or not a date."""
    try:
        return dt.date.fromisoformat(previous["edition"])
    except (KeyError, TypeError, ValueError):
        return None


def _change_row(f: Figure, p: Mapping[str, Any], cat: Catalogue) -> tuple[dict[str, Any], dict[str, str] | None]:
    """One figure against its previous value, and the revision note when the same observation changed."""
    change, revision = None, None
    old_value, old_text = _number(p.get("value")), _text(p.get("formatted")) or {lang: "—" for lang in LANGS}
    if f.value is not None and old_value is not None and f.unit == p.get("unit") and _comparable(f, p):
        diff = f.value - old_value
        change = {lang: delta(diff, f.unit, lang) if diff else "—" for lang in LANGS}
        if f.observed and p.get("observed") == f.observed.isoformat() and abs(diff) > 1e-9 * max(1, abs(f.value)):
            revision = cat.both(
                "changes.revised_figure",
                label=f.label,
                date=per_lang(date, f.observed),
                old=old_text,
                new={lang: f.formatted(lang) for lang in LANGS},
            )
    row = {
        "label": f.label,
        "previous": old_text,
        "now": {lang: f.formatted(lang) for lang in LANGS},
        "change": change or {lang: "—" for lang in LANGS},
        # a stale value is marked here as on the cover
        "stale_previous": p.get("status") == "stale",
        "stale_now": f.status == "stale",
    }
    return row, revision


def _comparable(f: Figure, p: Mapping[str, Any]) -> bool:
    """Whether two editions' values measure the same thing: days to the FOMC decision compare only when both
    count to the same meeting (26 days to September's against 2 days to December's is no change)."""
    if f.key != "days_to_fomc":
        return True
    old = p.get("detail")
    return isinstance(old, Mapping) and old.get("decision") == f.detail.get("decision")


def _title(edition: dt.date, as_of: dt.date | None, cat: Catalogue) -> dict[str, str]:
    """The section heading: "since the last edition" a week or so back; for an older edition, its date and how
    far back it is (上期 would read as last week)."""
    gap = (as_of - edition).days if as_of else 0
    if gap <= 10:
        return cat.both("ui.since_last", date=per_lang(date, edition))
    if gap < 60:
        return cat.both("ui.since_edition_days", date=per_lang(date, edition), days=str(gap))
    return cat.both("ui.since_edition_months", date=per_lang(date, edition), months=str(round(gap / 30.44)))


def _payroll_revisions(now: Figure | None, old: Mapping[str, Any], cat: Catalogue) -> list[dict[str, str]]:
    """Months whose payroll change differs from what the previous edition printed."""
    if now is None or not isinstance(old, Mapping) or not old:
        return []
    months, values = old.get("months"), old.get("changes")
    if not isinstance(months, list) or not isinstance(values, list):
        return []
    before = {m: _number(v) for m, v in zip(months, values, strict=False) if isinstance(m, str)}
    out = []
    for m, v in zip(now.detail.get("months", []), now.detail.get("changes", []), strict=False):
        was = before.get(m)
        if was is not None and v is not None and abs(v - was) >= 1:
            out.append(
                cat.both(
                    "changes.revised_payroll",
                    month=per_lang(month, dt.date.fromisoformat(m)),
                    old={lang: fmt(was, "persons_change", lang) for lang in LANGS},
                    new={lang: fmt(v, "persons_change", lang) for lang in LANGS},
                )
            )
    return out


def _no_revisions(series: Sequence[str], vintages: Mapping[str, str] | None, cat: Catalogue) -> dict[str, str]:
    """What to say when no revision was found: that none was made only where vintages are stored (elsewhere the
    store holds the latest values alone, so a revision cannot be seen)."""
    kinds = vintages or {}
    with_v = [s for s in series if kinds.get(s) == "vintages"]
    if with_v and len(with_v) == len(series):
        return cat.both("changes.no_revisions")
    if not with_v:
        return cat.both("changes.no_vintages")
    return cat.both("changes.no_revisions_partial", with_vintages=len(with_v), without=len(series) - len(with_v))


def changes(
    figures: Sequence[Figure],
    previous: Mapping[str, Any] | None,
    cat: Catalogue,
    *,
    vintages: Mapping[str, str] | None = None,
    as_of: dt.date | None = None,
) -> dict[str, Any] | None:
    """Each key figure against the previous archived edition, and revisions of data both editions show (whether
    revisions can be seen at all depends on ``vintages``, the kind of data per series)."""
    if not isinstance(previous, Mapping):
        return None
    edition = _edition_date(previous)
    if edition is None or not isinstance(previous.get("figures"), list):
        return None  # not a figures document: nothing to compare with (the build warns about it)
    prev = _previous_figures(previous)
    rows, revisions = [], []
    compared: set[str] = set()
    for f in figures:
        p = prev.get(f.key)
        if p is None or f.key.startswith("rmp_"):
            continue
        row, revision = _change_row(f, p, cat)
        rows.append(row)
        compared.update(s.series for s in f.sources)
        if revision is not None:
            revisions.append(revision)
    now_pay = next((f for f in figures if f.key == "payroll_declines_7m"), None)
    revisions += _payroll_revisions(now_pay, prev.get("payroll_declines_7m", {}).get("detail") or {}, cat)
    return {
        "title": _title(edition, as_of, cat),
        "rows": rows,
        "revisions": revisions or [_no_revisions(sorted(compared), vintages, cat)],
    }
