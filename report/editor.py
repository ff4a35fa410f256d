"""The editor's desk: live figures, checked claims and attributed forecasts inside the notes (docs/notes.md).

Inside a notes paragraph, ``{{ ... }}`` is one of:

- ``{{ reserves }}``, ``{{ reserves.observed }}``, ``{{ reserves.label }}``: a figure's value (as the brief formats
  it in that language), the date it was observed, or its name;
- ``{{ claim payroll_declines_7m = 5 }}``: a value the editor believes, checked against the figure. Operators:
  ``=`` (equal), ``~`` (equal within the precision written: ``2.9e12`` within 0.05e12, ``56000`` within 500), and
  ``<``, ``<=``, ``>``, ``>=``. Values are in the figure's plain units (US dollars, percent, days, ...);
- ``{{ forecast "BofA" rmp_monthly = 45e9 }}``: someone else's forecast, printed as theirs ("BofA expects ...").
  ``rmp_monthly`` forecasts become the purchase scenarios of the edition, named after their source.

Parsing is strict (``file:line: what is wrong``, at load time); resolving is pure: notes and figures in, spans of
text out, each escaped by the template like any other text.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from report.errors import NotesError
from report.i18n import LANGS, date, fmt

if TYPE_CHECKING:
    from report.config import Settings
    from report.figures import Figure
    from report.i18n import Catalogue
    from report.render.context import Notes

TOKEN = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
KEY = r"[a-z][a-z0-9_]*"
NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
REF = re.compile(rf"({KEY})(?:\.(value|observed|label))?")
CLAIM = re.compile(rf"claim\s+({KEY})\s*(<=|>=|=|~|<|>)\s*({NUMBER})")
FORECAST = re.compile(rf'forecast\s+"([^"{{}}]{{1,40}})"\s+({KEY})\s*=\s*({NUMBER})')
# what a forecast may be about besides a figure: its unit, and how it reads in each language
FORECAST_KEYS: dict[str, str] = {"rmp_monthly": "USD"}

Op = Literal["=", "~", "<", "<=", ">", ">="]
Verdict = Literal["holds", "fails", "unverifiable"]
SpanKind = Literal["text", "figure", "claim_holds", "claim_fails", "claim_unverifiable", "forecast", "note"]


@dataclass(frozen=True)
class Ref:
    key: str
    attr: str = "value"


@dataclass(frozen=True)
class Claim:
    key: str
    op: Op
    written: str  # the number as the editor wrote it (its precision matters for ~)

    @property
    def value(self) -> float:
        return float(self.written)


@dataclass(frozen=True)
class Forecast:
    source: str
    key: str
    written: str

    @property
    def value(self) -> float:
        return float(self.written)


Token = Ref | Claim | Forecast


@dataclass(frozen=True)
class Span:
    """A piece of a resolved paragraph; the template escapes ``text`` and styles by ``kind``."""

    kind: SpanKind
    text: str


@dataclass(frozen=True)
class Checked:
    """A claim set against the data."""

    claim: Claim
    verdict: Verdict
    actual: float | None
    shown: Mapping[str, str]  # the data's value as the brief writes it, per language ("" when unavailable)


@dataclass(frozen=True)
class Resolved:
    """Notes with their references filled in: title per language, paragraphs as spans per language."""

    title: Mapping[str, str]
    paragraphs: Mapping[str, Sequence[Sequence[Span]]]
    checked: Sequence[Checked] = field(default_factory=tuple)


# --- parsing --------------------------------------------------------------------------------------------------
def known_keys() -> set[str]:
    """Every figure key a note may name (purchase scenarios by pattern, see ``_known``)."""
    from report.render.context import FIGURE_SERIES

    return {k for k in FIGURE_SERIES if k != "rmp_"}


def _known(key: str, keys: set[str]) -> bool:
    return key in keys or re.fullmatch(r"rmp_\d+(?:_\d+)?bn", key) is not None


def _unknown(key: str, keys: set[str], what: str = "figure") -> str:
    close = difflib.get_close_matches(key, sorted(keys), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else "; docs/figures.md lists them"
    return f"unknown {what} {key!r}{hint}"


def parse_token(body: str, keys: set[str] | None = None) -> Token:
    """One ``{{ ... }}`` body as a token; ValueError says what is wrong."""
    keys = known_keys() if keys is None else keys
    text = " ".join(body.split())
    if not text:
        raise ValueError("empty {{ }}")
    if text.startswith("claim"):
        m = CLAIM.fullmatch(text)
        if m is None:
            raise ValueError(f"malformed claim {{{{ {text} }}}}: write {{{{ claim KEY = NUMBER }}}} (or ~ < <= > >=)")
        if not _known(m[1], keys):
            raise ValueError(_unknown(m[1], keys))
        return Claim(m[1], m[2], m[3])  # type: ignore[arg-type]
    if text.startswith("forecast"):
        m = FORECAST.fullmatch(text)
        if m is None:
            raise ValueError(f'malformed forecast {{{{ {text} }}}}: write {{{{ forecast "SOURCE" KEY = NUMBER }}}}')
        if not (_known(m[2], keys) or m[2] in FORECAST_KEYS):
            raise ValueError(_unknown(m[2], keys | set(FORECAST_KEYS), "forecast key"))
        if m[2] == "rmp_monthly" and not 0 < float(m[3]) < 1e13:
            raise ValueError(f"a monthly purchase forecast must be a positive amount in US dollars, not {m[3]}")
        return Forecast(m[1].strip(), m[2], m[3])
    m = REF.fullmatch(text)
    if m is None:
        raise ValueError(f"cannot read {{{{ {text} }}}}: write a figure key such as {{{{ reserves }}}}")
    if not _known(m[1], keys):
        raise ValueError(_unknown(m[1], keys))
    return Ref(m[1], m[2] or "value")


class Unbalanced(ValueError):
    """A ``{{`` that never closes, or a ``}}`` without its ``{{``, at ``line``."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def scan(text: str) -> Iterator[tuple[int, str]]:
    """Each ``{{ ... }}`` body in ``text`` with the line it starts on; Unbalanced for a ``{{`` that never closes
    or a stray ``}}``."""
    pos = 0
    for m in TOKEN.finditer(text):
        _stray(text[pos : m.start()], text, pos)
        yield text.count("\n", 0, m.start()) + 1, m[1]
        pos = m.end()
    _stray(text[pos:], text, pos)


def _stray(chunk: str, text: str, offset: int) -> None:
    for mark in ("{{", "}}"):
        i = chunk.find(mark)
        if i >= 0:
            line = text.count("\n", 0, offset + i) + 1
            what = "a {{ that is never closed with }}" if mark == "{{" else "a }} without its {{"
            raise Unbalanced(line, what)


def check_syntax(text: str, path: Path, *, first_line: int = 1) -> list[tuple[int, Token]]:
    """Every token in a notes file with its line; a NotesError ``file:line: what is wrong`` for the first bad one."""
    keys = known_keys()
    out: list[tuple[int, Token]] = []
    try:
        for line, body in scan(text):
            try:
                out.append((line + first_line - 1, parse_token(body, keys)))
            except ValueError as exc:
                raise NotesError(f"{path}:{line + first_line - 1}: {exc}") from None
    except Unbalanced as exc:
        raise NotesError(f"{path}:{exc.line + first_line - 1}: {exc}") from None
    return out


# --- checking -------------------------------------------------------------------------------------------------
def tolerance(written: str) -> float:
    """Half a unit of the last significant digit written: 2.9e12 -> 0.05e12, 56000 -> 500, 5 -> 0.5."""
    try:
        d = Decimal(written.lstrip("+"))
    except InvalidOperation:
        return 0.0
    _, digits, exponent = d.as_tuple()
    if not isinstance(exponent, int):
        return 0.0
    if exponent == 0 and "." not in written and "e" not in written.lower():  # 56000: trailing zeros are padding
        trailing = len(digits) - len("".join(map(str, digits)).rstrip("0") or "0")
        exponent = trailing if any(digits) else 0
    return 0.5 * 10.0**exponent


def holds(claim: Claim, actual: float) -> bool:
    """Whether the data bear the claim out."""
    v = claim.value
    if claim.op == "=":
        return math.isclose(actual, v, rel_tol=1e-9, abs_tol=1e-9)
    if claim.op == "~":
        return abs(actual - v) <= tolerance(claim.written) * (1 + 1e-9)
    return {"<": actual < v, "<=": actual <= v, ">": actual > v, ">=": actual >= v}[claim.op]


def _available(fig: Figure | None) -> bool:
    return fig is not None and fig.value is not None and fig.status in ("ok", "stale") and math.isfinite(fig.value)


def check(claim: Claim, figs: Mapping[str, Figure]) -> Checked:
    """A claim against the figures of an edition."""
    fig = figs.get(claim.key)
    if fig is None or not _available(fig) or fig.value is None:
        return Checked(claim, "unverifiable", None, dict.fromkeys(LANGS, ""))
    shown = {lang: fmt(fig.value, fig.unit, lang) for lang in LANGS}
    return Checked(claim, "holds" if holds(claim, fig.value) else "fails", fig.value, shown)


def forecasts(notes: Notes) -> list[Forecast]:
    """The forecasts in the notes, in order, once each (both languages usually carry the same one)."""
    seen: dict[tuple[str, str, str], Forecast] = {}
    for paras in notes.paragraphs.values():
        for para in paras:
            for _, body in scan(para):
                tok = parse_token(body)
                if isinstance(tok, Forecast):
                    seen.setdefault((tok.source, tok.key, tok.written), tok)
    return list(seen.values())


def scenario_settings(settings: Settings, notes: Notes | None) -> Settings:
    """The settings with the notes' monthly purchase forecasts as the purchase scenarios, each named after its
    source; unchanged when the notes forecast none."""
    chosen: dict[float, str] = {}
    for f in forecasts(notes) if notes is not None else []:
        if f.key == "rmp_monthly":
            chosen.setdefault(f.value, f.source)
    if not chosen:
        return settings
    amounts = sorted(chosen)
    return settings.replace(rmp_monthly_usd=tuple(amounts), rmp_sources=tuple(chosen[a] for a in amounts))


# --- resolving ------------------------------------------------------------------------------------------------
def _unit(key: str, figs: Mapping[str, Figure]) -> str:
    fig = figs.get(key)
    return fig.unit if fig is not None else FORECAST_KEYS.get(key, "")


def _ref(tok: Ref, figs: Mapping[str, Figure], cat: Catalogue, lang: str) -> list[Span]:
    fig = figs.get(tok.key)
    if tok.attr == "label":
        return [Span("figure", fig.label[lang] if fig is not None else cat.both(f"fig.{tok.key}")[lang])]
    if fig is None or not _available(fig) or fig.value is None:
        return [Span("claim_unverifiable", cat.both("notes.unavailable")[lang])]
    if tok.attr == "observed":
        return [Span("figure", date(fig.observed, lang) if fig.observed else "—")]
    return [Span("figure", fmt(fig.value, fig.unit, lang))]


def _claim(tok: Claim, figs: Mapping[str, Figure], cat: Catalogue, lang: str) -> tuple[list[Span], Checked]:
    checked = check(tok, figs)
    written = fmt(tok.value, _unit(tok.key, figs), lang)
    if checked.verdict == "holds":
        return [Span("claim_holds", checked.shown[lang])], checked
    if checked.verdict == "fails":
        note = cat.both("notes.claim_fails", actual=checked.shown)[lang]
        return [Span("claim_fails", written), Span("note", note)], checked
    return [Span("claim_unverifiable", written), Span("note", cat.both("notes.claim_unverifiable")[lang])], checked


def _forecast(tok: Forecast, figs: Mapping[str, Figure], cat: Catalogue, lang: str) -> list[Span]:
    value = fmt(tok.value, _unit(tok.key, figs), lang)
    if tok.key in FORECAST_KEYS:
        text = cat.both(f"notes.forecast_{tok.key}", source=tok.source, value=value)
    else:
        label = figs[tok.key].label if tok.key in figs else cat.both(f"fig.{tok.key}")
        text = cat.both("notes.forecast", source=tok.source, label=label, value=value)
    return [Span("forecast", text[lang])]


def resolve_paragraph(
    para: str, figs: Mapping[str, Figure], cat: Catalogue, lang: str, checked: list[Checked]
) -> list[Span]:
    """One paragraph as spans: text between the tokens, and each token filled in for ``lang``."""
    spans: list[Span] = []
    pos = 0
    for m in TOKEN.finditer(para):
        if m.start() > pos:
            spans.append(Span("text", para[pos : m.start()]))
        tok = parse_token(m[1])
        if isinstance(tok, Claim):
            got, result = _claim(tok, figs, cat, lang)
            spans += got
            checked.append(result)
        elif isinstance(tok, Forecast):
            spans += _forecast(tok, figs, cat, lang)
        else:
            spans += _ref(tok, figs, cat, lang)
        pos = m.end()
    if pos < len(para):
        spans.append(Span("text", para[pos:]))
    return spans


def plain(spans: Sequence[Span]) -> str:
    """Spans as one line of text (titles, the plain-text e-mail)."""
    return "".join(s.text for s in spans)


def resolve(notes: Notes, figs: Mapping[str, Figure], cat: Catalogue) -> Resolved:
    """Notes with every reference filled in and every claim checked, per language."""
    checked: list[Checked] = []
    paragraphs = {
        lang: [resolve_paragraph(p, figs, cat, lang, checked) for p in notes.paragraphs.get(lang, ())] for lang in LANGS
    }
    title = {lang: plain(resolve_paragraph(notes.title.get(lang, ""), figs, cat, lang, [])) for lang in LANGS}
    return Resolved(title, paragraphs, tuple(checked))
