"""The commentary's records (Sentence, Rule, Facts, Narrative), its named thresholds and the helpers every rule
uses: joining sentences, saying how old data are, reading a figure's value."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from report.i18n import LANGS, Catalogue, date, month
from report.series import SERIES

if TYPE_CHECKING:
    from report.figures import Figure
    from report.render.context import EditionMeta


Text = Mapping[str, str]
Story = dict[int | str, list[dict[str, str]]]
SECTIONS = ("s1", "s2", "s3", "s4", "s5", "conclusion")

# --- named thresholds ------------------------------------------------------------------------------------------
# Funding strain: SOFR printed above the top of the target range on at least this many days of the lookback.
STRAIN_DAYS_ABOVE_RANGE = 3
# Brief pressure: above the range on at least this many days (but fewer than STRAIN_DAYS_ABOVE_RANGE).
PRESSURE_DAYS_ABOVE_RANGE = 1
# Firm (not strained): inside the range on every day, but at or above IORB on at least this many days.
FIRM_DAYS_AT_OR_ABOVE_IORB = 10
# A weak labour market: payrolls fell in at least this many of the last seven months ...
WEAK_PAYROLL_DECLINES_7M = 3
# ... or the three-month average payroll change is below this many jobs a month.
WEAK_PAYROLL_3M_AVG = 50_000
# Unemployment rising or falling: a change of at least this many percentage points (over a year, or since the
# last edition when the figure carries no year-ago value); anything smaller is "little changed".
UNEMPLOYMENT_TREND_PP = 0.2
# The Fed's balance sheet is growing (or shrinking) after QT when total assets moved at least this much since.
BALANCE_SHEET_MOVE_USD = 50e9
# Money is expanding when M2 is at least this much (percent) above a year earlier; below zero it contracts.
M2_EXPANDING_YOY = 3.0
# Miner margins are thin below this multiple of the electricity cost, and negative below MINER_BELOW_COST.
MINER_THIN_PRICE_TO_COST = 1.5
MINER_BELOW_COST = 1.0
# At least this share (percent) of the supply held at a loss is "a large share".
LARGE_SUPPLY_IN_LOSS_SHARE = 25.0
# The reverse-repo cushion is exhausted when ON RRP holds less than this (US dollars): a drain then falls on reserves.
RRP_EXHAUSTED_USD = 50e9
# Bitcoin tracks (or moves against) liquidity when the correlation of their 13-week changes is at least this (or at
# most its negative); in between the link is weak.
LIQUIDITY_CORRELATION = 0.5
# A TGA rebuild (or run-down) that moves reserves: the account changed by at least this much in four weeks.
TGA_MOVE_USD = 100e9
# Repo funding leaned on the Fed's backstop when the standing repo facility lent at least this much (US dollars) on a
# day of the window; smaller take-up is the facility's routine use (test trades, a quiet month end).
SRF_BACKSTOP_USD = 5e9

THRESHOLDS: dict[str, float] = {
    name: value for name, value in globals().items() if name.isupper() and isinstance(value, int | float)
}


# --- records ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sentence:
    """One printed sentence: the rule that said it, where, the figures it rests on, its text per language."""

    rule: str
    section: str
    paragraph: int
    depends_on: tuple[str, ...]
    text: Text

    def to_json(self) -> dict[str, Any]:
        """The form written to narrative.json."""
        return {
            "rule": self.rule,
            "section": self.section,
            "depends_on": list(self.depends_on),
            "text": {lang: self.text[lang] for lang in LANGS},
        }


@dataclass(frozen=True)
class Said:
    """What a rule says and the available figures it actually rested on."""

    text: Text
    uses: tuple[str, ...]
    dated: bool = False  # the text dates its figures itself: no "(data as of ...)" is added


@dataclass(frozen=True)
class Facts:
    """What rules read: the figures, the edition's facts and the strings."""

    figs: Mapping[str, Figure]
    meta: EditionMeta
    cat: Catalogue

    def fig(self, key: str) -> Figure | None:
        """The figure when it has a value (unavailable and implausible figures are never reasoned on)."""
        f = self.figs.get(key)
        return f if f is not None and f.available and f.value is not None and math.isfinite(f.value) else None

    def value(self, key: str) -> float | None:
        """A figure's value when it is available."""
        f = self.fig(key)
        return f.value if f is not None else None

    def say(self, key: str, *uses: str, **values: Any) -> Said:
        """The catalogue string ``key`` resting on the figures ``uses``."""
        return Said(self.cat.both(key, **values), tuple(uses))


@dataclass(frozen=True)
class Rule:
    """A named rule: when it fires and what it says are in ``say``; it is silent when a required figure is not
    available. ``depends_on`` lists every figure it may read; ``thresholds`` names the constants it compares with."""

    name: str
    section: str
    paragraph: int
    depends_on: tuple[str, ...]
    thresholds: tuple[str, ...]
    say: Callable[[Facts], Said | None]
    requires: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class FigureGroup:
    """Figures whose own sentences form one paragraph (a stale figure adds its reason, an unavailable one its
    notice)."""

    section: str
    paragraph: int
    keys: tuple[str, ...]
    prefix: str = ""  # every figure whose key starts with this (the purchase scenarios)


@dataclass(frozen=True)
class Narrative:
    """Every sentence of an edition in print order."""

    sentences: tuple[Sentence, ...] = field(default_factory=tuple)

    def paragraphs(self, section: str) -> list[dict[str, str]]:
        """The section's paragraphs: its sentences joined per language, paragraph by paragraph."""
        numbers = sorted({s.paragraph for s in self.sentences if s.section == section})
        return [join([s.text for s in self.sentences if s.section == section and s.paragraph == n]) for n in numbers]

    @property
    def story(self) -> Story:
        """Paragraphs by section (1..5 and "conclusion"), as the templates print them."""
        out: Story = {n: self.paragraphs(f"s{n}") for n in (1, 2, 3, 4, 5)}
        out["conclusion"] = self.paragraphs("conclusion")
        return out

    def to_json(self) -> dict[str, Any]:
        """The narrative.json document."""
        return {"sentences": [s.to_json() for s in self.sentences]}


def join(parts: Sequence[Text]) -> dict[str, str]:
    """Sentences joined per language (a space in English, nothing in Chinese)."""
    sep = {"en": " ", "zh-Hant": ""}
    return {lang: sep[lang].join(p[lang] for p in parts if p.get(lang)) for lang in LANGS}


def signed_points(value: float, lang: str) -> str:
    """A difference of two percentages with its sign: en "+0.3 pp", zh-Hant "+0.3個百分點" (U+2212 for minus)."""
    from report.i18n import MINUS, points

    body = points(abs(value), lang)
    rounded = round(value, 1)
    return (MINUS if rounded < 0 else "+" if rounded > 0 else "") + body


# --- how old the data are --------------------------------------------------------------------------------------
def period_of(sid: str, d: dt.date, lang: str, edition_year: int) -> str:
    """``_period`` for the rules."""
    return _period(sid, d, lang, edition_year)


def _period(sid: str, d: dt.date, lang: str, edition_year: int) -> str:
    """An observation's period in words, the year dropped when it is the edition's: "October", "24 May"."""
    frequency = SERIES[sid].frequency if sid in SERIES else "daily"
    same_year = d.year == edition_year
    if frequency in ("monthly", "quarterly"):
        if lang == "en":
            return d.strftime("%B") if same_year else month(d, lang)
        return f"{d.month}月" if same_year else month(d, lang)
    if lang == "en":
        return f"{d.day} {d.strftime('%B')}" if same_year else date(d, lang)
    return f"{d.month}月{d.day}日" if same_year else date(d, lang)


def oldest_stale(figs: Sequence[Figure], meta: EditionMeta) -> tuple[str, dt.date] | None:
    """The oldest latest-observation among the stale figures' inputs (series and date), or None."""
    best: tuple[str, dt.date] | None = None
    for f in figs:
        if f.status != "stale":
            continue
        latest: dict[str, dt.date] = {}
        for s in f.sources:
            if s.date is not None and (s.series not in latest or s.date > latest[s.series]):
                latest[s.series] = s.date
        for sid, d in latest.items():
            if best is None or d < best[1]:
                best = (sid, d)
    return best


def with_age(text: Text, figs: Sequence[Figure], facts: Facts) -> dict[str, str]:
    """``text`` with "(data as of October)" before its full stop when a figure it rests on is stale."""
    old = oldest_stale(figs, facts.meta)
    if old is None:
        return dict(text)
    sid, d = old
    out = {}
    for lang in LANGS:
        note = facts.cat.t("rule.as_of", lang, when=_period(sid, d, lang, facts.meta.as_of.year))
        body = text[lang]
        stop = "." if lang == "en" else "。"
        if body.endswith(stop):
            body = body[: -len(stop)]
        out[lang] = f"{body}{' ' if lang == 'en' else ''}{note}{stop}"
    return out


# --- helpers -------------------------------------------------------------------------------------------------------
def _value(figs: Mapping[str, Figure], key: str) -> float | None:
    f = figs.get(key)
    return f.value if f is not None and f.available else None


def value(figs: Mapping[str, Figure], key: str) -> float | None:
    """A figure's value when it is available."""
    return _value(figs, key)


def _previous_figure(meta: EditionMeta, key: str) -> tuple[float, str | None] | None:
    """The previous edition's value and observation date of a figure, when it is a finite number."""
    prev = meta.previous
    if not isinstance(prev, Mapping) or not isinstance(prev.get("figures"), list):
        return None
    for x in prev["figures"]:
        if isinstance(x, Mapping) and x.get("key") == key:
            v = x.get("value")
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                obs = x.get("observed")
                return float(v), obs if isinstance(obs, str) else None
    return None
