"""Per-language formatting of numbers, money, dates and units, and the bilingual string catalogue.

Formatting never depends on the process locale: Babel is asked for a named locale explicitly.
zh-Hant uses Taiwan's large-number words (萬 10^4, 億 10^8, 兆 10^12): US$2.86 trillion is 2.86兆美元.
"""

from __future__ import annotations

import datetime as dt
import decimal
import difflib
import functools
import math
import string
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from report.config import LANGUAGES
from report.errors import ConfigError, RenderError

LANGS: tuple[str, ...] = LANGUAGES  # typed str so callers may key plain dicts by language
_BABEL = {"zh-Hant": "zh_Hant_TW", "en": "en_GB"}
MINUS = "−"  # U+2212, typographic minus
DASH = "—"  # what a missing, non-finite or absurd value prints as
# A printed number (after its scale word) this large is a data fault, never a fact: 10^12 trillion dollars, 10^12
# EH/s. Babel cannot even round numbers past ~10^26 (decimal.InvalidOperation), so they must never reach it.
ABSURD = 1e12


class _Unprintable(Exception):
    """A value that must print as a dash (raised inside a formatter, caught at its edge)."""


def _never_raises(fn: Callable[..., str]) -> Callable[..., str]:
    """A formatter that prints a dash for a non-finite or absurd value instead of a number or a traceback."""

    @functools.wraps(fn)
    def guarded(value: float, *args: Any, **kwargs: Any) -> str:
        try:
            if not math.isfinite(value):
                return DASH
            return fn(value, *args, **kwargs)
        except (_Unprintable, ArithmeticError, decimal.InvalidOperation):  # InvalidOperation is an ArithmeticError
            return DASH

    return guarded


def _babel(lang: str) -> str:
    try:
        return _BABEL[lang]
    except KeyError as exc:
        raise ValueError(f"unsupported language {lang!r}") from exc


@_never_raises
def number(value: float, lang: str, decimals: int = 0, *, sign: bool = False) -> str:
    """A grouped number with a fixed count of decimals: 74,000 / 2.86 / +1.5 (a dash when non-finite or absurd)."""
    if not abs(value) < ABSURD:
        raise _Unprintable
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    rounded = round(value, decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    text = format_decimal(abs(rounded), format=pattern, locale=_babel(lang))
    if rounded < 0:
        return MINUS + text
    return ("+" + text) if sign and rounded > 0 else text


def _decimals_for(scaled: float) -> int:
    a = abs(scaled)
    if a >= 100:
        return 0
    if a >= 10:
        return 1
    return 2


def _digits(value: float, lang: str, decimals: int = 0, *, sign: bool = False) -> str:
    """``number`` inside a composite formatter: an unprintable value makes the whole text a dash."""
    text = number(value, lang, decimals, sign=sign)
    if text == DASH:
        raise _Unprintable
    return text


def _scaled(scaled: float, lang: str) -> str:
    """A scaled amount: 2.86, 22.3, 450; whole numbers lose their ".0" (US$35 billion, not 35.0)."""
    decimals = _decimals_for(scaled)
    if decimals and round(scaled, decimals) == round(scaled):
        decimals = 0
    return _digits(scaled, lang, decimals)


_MONEY_SCALES = {
    "en": ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")),
    "zh-Hant": ((1e12, "兆"), (1e8, "億"), (1e4, "萬")),
}


def _with_scale(a: float, lang: str, scales: tuple[tuple[float, str], ...]) -> str:
    """``a`` in the largest scale word it reaches (2.86 trillion), or in full below the smallest."""
    for size, word in scales:
        if a >= size * 0.9995:
            return _scaled(a / size, lang) + word
    return _digits(a, lang, 0 if a >= 100 else 2)


@_never_raises
def money(value: float, lang: str, sign: bool = False) -> str:
    """US dollars in words of scale: en "US$2.86 trillion", zh-Hant "2.86兆美元"."""
    body = _with_scale(abs(value), lang, _MONEY_SCALES[lang] if lang in _MONEY_SCALES else _MONEY_SCALES["en"])
    text = f"US${body}" if lang == "en" else f"{body}美元"
    if value < 0:
        return MINUS + text
    return ("+" + text) if sign and value > 0 else text


@_never_raises
def count_words(value: float, lang: str, sign: bool = False) -> str:
    """A large count: en "6.50 million" / "105,000"; zh-Hant "650萬" / "10.5萬". Counts in the thousands are
    rounded to the hundred (a three-month average of payrolls is 7,700, not 7,667)."""
    a = abs(value)
    if 1e3 <= a < 1e6:
        a = round(a, -2)
    if lang == "en":
        body = _with_scale(a, lang, ((1e6, " million"),)) if a >= 1e6 * 0.9995 else _digits(a, lang, 0)
    else:
        if a >= 1e8 * 0.9995:
            body = _scaled(a / 1e8, lang) + "億"
        elif a >= 1e4:
            scaled = a / 1e4
            body = _digits(scaled, lang, 1 if scaled < 100 else 0) + "萬"
        else:
            body = _digits(a, lang, 0)
    if value < 0 and round(a) != 0:
        return MINUS + body
    return ("+" + body) if sign and value > 0 else body


@_never_raises
def persons_change(value: float, lang: str) -> str:
    """A signed change in a count of persons: en "+41,000", zh-Hant "+4.1萬人" (a payroll change carries 人)."""
    body = count_words(value, lang, sign=True)
    if body == DASH:
        raise _Unprintable
    return body if lang == "en" else f"{body}人"


@_never_raises
def percent(value: float, lang: str, decimals: int = 1, *, sign: bool = False) -> str:
    """A percentage given in percent units: 9.2 -> "9.2%"."""
    return _digits(value, lang, decimals, sign=sign) + "%"


@_never_raises
def points(value: float, lang: str) -> str:
    """A difference of percentages: en "0.8 pp", zh-Hant "0.8個百分點"."""
    body = _digits(value, lang, 1)
    return f"{body} pp" if lang == "en" else f"{body}個百分點"


@_never_raises
def basis_points(value: float, lang: str, sign: bool = True) -> str:
    """Basis points: en "+12 bp", zh-Hant "+12個基點"."""
    body = _digits(value, lang, 0, sign=sign)
    return f"{body} bp" if lang == "en" else f"{body}個基點"


@_never_raises
def btc(value: float, lang: str) -> str:
    """An amount of bitcoin: en "6.50 million BTC", zh-Hant "650萬枚比特幣"."""
    body = count_words(value, lang)
    if body == DASH:
        return DASH
    return f"{body} BTC" if lang == "en" else f"{body}枚比特幣"


def _whole(value: float, lang: str, *, en: str, zh: str) -> str:
    """A whole count with its unit: en "3 days" / "1 day" (``en`` is the singular), zh-Hant "3天"."""
    if not abs(value) < ABSURD:
        raise _Unprintable
    n = round(value)
    if lang == "en":
        return f"{n} {en}" if n == 1 else f"{n} {en}s"
    return f"{n}{zh}"


@_never_raises
def months(value: float, lang: str) -> str:
    """A count of months: en "3 months" / "1 month", zh-Hant "3個月"."""
    return _whole(value, lang, en="month", zh="個月")


@_never_raises
def jobs(value: float, lang: str) -> str:
    """A count of jobs: en "7.17 million", zh-Hant "717萬個" (the Chinese count carries its measure word)."""
    body = count_words(value, lang)
    return body if lang == "en" or body == DASH else f"{body}個"


@_never_raises
def days(value: float, lang: str) -> str:
    """A count of days: en "3 days" / "1 day", zh-Hant "3天"."""
    return _whole(value, lang, en="day", zh="天")


@_never_raises
def hashrate(value_hs: float, lang: str) -> str:
    """Hash rate in hashes per second shown in EH/s ("962EH/s" in Chinese: justified Chinese text stretches even a
    no-break space into a wide gap)."""
    space = " " if lang == "en" else ""  # no space in Chinese: justification would stretch any space
    return f"{_digits(value_hs / 1e18, lang, 0)}{space}EH/s"


@_never_raises
def ratio(value: float, lang: str) -> str:
    """A multiple such as price over cost: en "1.21x", zh-Hant "1.21倍" (never the sign ×)."""
    body = _digits(value, lang, 2)
    return f"{body}x" if lang == "en" else f"{body}倍"


@_never_raises
def power_price(value: float, lang: str) -> str:
    """A power price in US dollars a kilowatt-hour: en "US$0.073/kWh", zh-Hant "每度0.073美元"."""
    body = _digits(value, lang, 3)
    return f"US${body}/kWh" if lang == "en" else f"每度{body}美元"


def date(d: dt.date, lang: str) -> str:
    """A full date: en "8 December 2025", zh-Hant "2025年12月8日"."""
    return format_date(d, "long", locale=_babel(lang))


def month(d: dt.date, lang: str) -> str:
    """A month: en "July 2025", zh-Hant "2025年7月"."""
    if lang == "en":
        return format_date(d, "MMMM y", locale=_babel(lang))
    return f"{d.year}年{d.month}月"


def date_range(start: dt.date, end: dt.date, lang: str) -> str:
    """A meeting's days: en "9-10 December 2025", zh-Hant "2025年12月9日至10日"."""
    if lang == "en":
        if start.month == end.month:
            return f"{start.day}–{date(end, lang)}"
        return f"{format_date(start, 'd MMMM', locale=_babel(lang))} – {date(end, lang)}"
    if start.month == end.month:
        return f"{start.year}年{start.month}月{start.day}日至{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"


# unit name -> formatter; the unit names are those of the figures JSON
_FORMATTERS: dict[str, Any] = {
    "USD": money,
    "percent": percent,
    "bp": basis_points,
    "days": days,
    "BTC": btc,
    "persons": count_words,
    "jobs": jobs,
    "months": months,
    "persons_change": persons_change,
    "rate": lambda v, lang: percent(v, lang, 2),
    "count": lambda v, lang: number(v, lang, 0),
    "H/s": hashrate,
    "ratio": ratio,
    "USD/kWh": power_price,
    "percent_change": lambda v, lang: percent(v, lang, 2, sign=True),
    "correlation": lambda v, lang: number(v, lang, 2),  # a correlation coefficient, −1 to 1
}


def unit_formatter(unit: str) -> Any:
    """The formatter of a unit (``fmt`` without the checks), None for a unit without one."""
    return _FORMATTERS.get(unit)


def fmt(value: float | None, unit: str, lang: str) -> str:
    """Format a figure's value in its unit for one language; None, non-finite and absurd values are an em dash."""
    if value is None or not math.isfinite(value):
        return DASH
    formatter = _FORMATTERS.get(unit)
    if formatter is None:
        return number(value, lang, 2)
    return str(formatter(value, lang))


_MAGNITUDE_SCALES = {
    "en": ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")),
    "zh-Hant": ((1e12, "兆"), (1e8, "億"), (1e4, "萬")),
}


_NOT_A_NUMBER = {"en": "not a number", "zh-Hant": "非數值"}
_INFINITY = (("infinity", MINUS + "infinity"), ("無限大", "負無限大"))  # [zh-Hant?][negative?]


def magnitude(value: float, lang: str) -> str:
    """A bound or an offending value, for messages: "20 trillion" / "20兆", "−5", "1e+36", "inf".

    Unlike the formatters it prints any value, absurd or not finite, since the message must name it.
    """
    if math.isnan(value):
        return _NOT_A_NUMBER.get(lang, _NOT_A_NUMBER["en"])
    if math.isinf(value):
        return _INFINITY[lang == "zh-Hant"][value < 0]
    if value and not 1e-3 <= abs(value) < 1e15:
        return f"{value:g}".replace("-", MINUS)
    a = abs(value)
    body = f"{a:g}"
    for size, word in _MAGNITUDE_SCALES.get(lang, _MAGNITUDE_SCALES["en"]):
        if a >= size:
            body = number(a / size, lang, 0 if a / size >= 100 else 2).removesuffix(".00") + word
            break
    else:
        body = number(a, lang, 0) if a == round(a) else f"{a:g}"
    return (MINUS if value < 0 else "") + body


_TEMPLATE_ERRORS = (KeyError, IndexError, ValueError, AttributeError, TypeError)  # what str.format raises


def _culprit(template: str, values: Mapping[str, Any]) -> str:
    """The first placeholder of ``template`` that ``values`` cannot fill, as written ("{date}"), or "" if none."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return ""  # unbalanced braces: no placeholder to name
    for name, spec, conv in fields:
        text = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
        try:
            text.format(**values)
        except _TEMPLATE_ERRORS:
            return text
    return ""


@dataclass(frozen=True)
class Catalogue:
    """Every user-facing string in both languages, read from ``strings.toml`` (and a user's overrides)."""

    strings: Mapping[str, Mapping[str, str]]
    origin: Mapping[str, str] = field(default_factory=dict)  # key -> the file its text came from

    def _files(self) -> str:
        """The files this catalogue was read from, for messages."""
        files = list(dict.fromkeys(self.origin.values()))
        return " and ".join(files) if files else "the string catalogue"

    def t(self, key: str, lang: str, **values: Any) -> str:
        """The string ``key`` in ``lang`` with ``{placeholders}`` filled (as written when no values are given)."""
        entry = self.strings.get(key)
        if entry is None:
            raise RenderError(f"string {key!r} is not in {self._files()}")
        template = entry.get(lang)
        if template is None:
            raise RenderError(f"string {key!r} has no {lang!r} text in {self._files()}")
        if not values:
            return template
        try:
            return template.format(**values)
        except _TEMPLATE_ERRORS as exc:
            raise RenderError(self._template_error(key, lang, template, values=values, exc=exc)) from exc

    def _template_error(self, key: str, lang: str, template: str, *, values: Mapping[str, Any], exc: Exception) -> str:
        """A one-line message naming the string, its file and the placeholder that failed."""
        where = f"string {key!r} ({lang}) in {self.origin.get(key) or self._files()}"
        culprit = _culprit(template, values)
        given = ", ".join("{" + name + "}" for name in sorted(values))
        if isinstance(exc, KeyError) and culprit:
            return f"{where} names the placeholder {culprit}, which is not given here; use {given}"
        if culprit:
            return f"{where}: the placeholder {culprit} cannot be filled ({exc}); use {given}"
        return f"{where} is not a valid template ({exc}); write {{{{ and }}}} for literal braces"

    def both(self, key: str, **values: Any) -> dict[str, str]:
        """The string ``key`` in every language, with the same values (already formatted, or per language)."""
        out: dict[str, str] = {}
        for lang in LANGS:
            vals = {k: (v[lang] if isinstance(v, Mapping) else v) for k, v in values.items()}
            out[lang] = self.t(key, lang, **vals)
        return out


def _flatten(table: Mapping[str, Any], path: Path, prefix: str = "") -> dict[str, dict[str, str]]:
    """Dotted key -> texts by language; a table holding only texts is an entry, one holding only tables a group."""
    out: dict[str, dict[str, str]] = {}
    for key, entry in table.items():
        name = f"{prefix}{key}"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"string {name!r} in {path} must be a table of texts by language ({', '.join(LANGS)})")
        groups = [k for k, v in entry.items() if isinstance(v, Mapping)]
        if not groups:
            texts = {k: v for k, v in entry.items() if isinstance(v, str)}
            if len(texts) != len(entry):
                bad = next(k for k in entry if k not in texts)
                raise ConfigError(f"string {name!r} in {path}: {bad} must be text in quotes")
            out[name] = texts
        elif len(groups) == len(entry):
            out.update(_flatten(entry, path, name + "."))
        else:
            plain = ", ".join(k for k in entry if k not in groups)
            raise ConfigError(f"string {name!r} in {path} mixes texts ({plain}) with tables ({', '.join(groups)})")
    return out


def load_catalogue(path: Path, *, partial: bool = False) -> Catalogue:
    """Read and check a string catalogue: every entry has every language, or some of them when ``partial``.

    ``partial`` is for a user's ``strings.toml``, which overrides only the texts it names (see ``merge_catalogues``).
    """
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"string catalogue {path} is not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the string catalogue {path}: {exc}") from exc
    strings = _flatten(table, path)
    for key, entry in strings.items():
        unknown = [lang for lang in entry if lang not in LANGS]
        if unknown:
            near = difflib.get_close_matches(unknown[0], LANGS, n=1, cutoff=0.4)
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise ConfigError(
                f"string {key!r} in {path} has unknown language {unknown[0]!r}{hint}; use {', '.join(LANGS)}"
            )
        missing = [lang for lang in LANGS if lang not in entry]
        if missing and not (partial and entry):
            raise ConfigError(f"string {key!r} in {path} lacks {', '.join(missing)}")
    return Catalogue(strings, origin=dict.fromkeys(strings, str(path)))


def merge_catalogues(base: Catalogue, override: Catalogue) -> Catalogue:
    """``base`` with ``override`` over it, per key and per language; keys only in either are kept.

    ``origin`` names, for each key, the file its text came from: the override's file for any key it touches.
    """
    strings = {key: dict(entry) for key, entry in base.strings.items()}
    origin = dict(base.origin)
    for key, entry in override.strings.items():
        strings[key] = {**strings.get(key, {}), **entry}
        if key in override.origin:
            origin[key] = override.origin[key]
    return Catalogue(strings, origin)


def per_lang(fn: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    """Apply a formatter for every language: ``per_lang(money, 2.86e12)``."""
    return {lang: fn(*args, lang=lang, **kwargs) for lang in LANGS}
