"""Settings: defaults, then the per-user brief.toml (platformdirs), then the project's brief.toml (./brief.toml,
--config or $BRIEF_CONFIG), then BRIEF_* environment variables, then command-line options.

This is the only module that reads ``os.environ``. Settings are merged and validated once, here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from report.errors import ConfigError

Lang = Literal["zh-Hant", "en"]
Format = Literal["pdf", "html", "email"]
Security = Literal["starttls", "ssl", "plain"]

LANGUAGES: tuple[Lang, ...] = get_args(Lang)
FORMATS: tuple[Format, ...] = get_args(Format)
DEFAULT_FORMATS: tuple[Format, ...] = ("pdf", "html")
SECURITY: tuple[Security, ...] = get_args(Security)
CONFIG_ENV = "BRIEF_CONFIG"  # names the settings file; read by config_path, not a setting itself
ENV_PREFIX = "BRIEF_"  # every variable with this prefix must be one the brief knows
APP_NAME = "liquidity-brief"
MAX_CONFIG_BYTES = 1 << 20  # a settings file is a few KB; a bigger one is not one


USER_CONFIG = "brief.toml"  # the per-user settings file's name, in the platformdirs config folder


def user_config_path() -> Path:
    """The per-user settings file (platformdirs), e.g. ~/.config/liquidity-brief/brief.toml; read beneath the
    project's ./brief.toml (or --config / $BRIEF_CONFIG)."""
    from platformdirs import user_config_path as user_config

    return Path(user_config(APP_NAME, appauthor=False)) / USER_CONFIG


def default_data_dir() -> Path:
    """The per-user data folder (platformdirs), e.g. ~/.local/share/liquidity-brief."""
    from platformdirs import user_data_path

    return Path(user_data_path(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Assumptions:
    """The settings that change what a figure says (the rest of Settings only changes where and how it is shown)."""

    miner_efficiency_j_per_th: float = 22.0
    power_usd_per_kwh: float = 0.06
    rmp_monthly_usd: tuple[float, ...] = (35e9, 45e9)
    # who forecast each amount (notes' {{ forecast "BofA" rmp_monthly = 45e9 }}), in the same order; empty: nobody
    rmp_sources: tuple[str, ...] = ()
    rmp_start: dt.date = dt.date(2026, 1, 1)
    rmp_months: int = 12
    sofr_lookback_days: int = 60
    qt_end: dt.date = dt.date(2025, 12, 1)

    def assumptions(self) -> dict[str, Any]:
        """These fields as keyword arguments."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(Assumptions)}


@dataclass(frozen=True)
class Settings(Assumptions):
    """Everything a command needs to know, validated."""

    data_dir: Path = field(default_factory=default_data_dir)
    out_dir: Path = Path("output")
    langs: tuple[Lang, ...] = LANGUAGES
    formats: tuple[Format, ...] = DEFAULT_FORMATS
    fomc_calendar: Path | None = None
    templates_dir: Path | None = None
    cjk_font: str = "Noto Sans CJK TC"
    fred_api_key: str | None = field(default=None, repr=False)
    glassnode_api_key: str | None = field(default=None, repr=False)
    # provider addresses: None means the public default in report/sources/registry.py
    fred_url: str | None = None
    mempool_url: str | None = None
    coingecko_url: str | None = None
    bgeometrics_url: str | None = None
    coinmetrics_url: str | None = None
    glassnode_url: str | None = None
    http_timeout: float = 20.0
    email_from: str = "Liquidity Brief <brief@localhost>"
    email_reply_to: str | None = None
    public_url: str | None = None  # where editions are published: "view in browser" and the text part's link
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    attach_pdf: bool = False
    send_to: str | None = None  # default recipients for `brief run`: an address or a file of addresses
    smtp_host: str = "localhost"
    smtp_port: int | None = None  # default: 587 for starttls, 465 for ssl, 25 for plain
    smtp_security: Security = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_cafile: Path | None = None  # a CA bundle to trust (e.g. a private relay's certificate)
    smtp_timeout: float = 30.0
    send_pace: float = 0.2  # seconds between messages
    # the quality gate (report/quality.py): None means the cover's key figures
    quality_required: tuple[str, ...] | None = None
    quality_max_unavailable: int = 8
    quality_max_stale: int = 6

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed and validated."""
        merged = dataclasses.replace(self, **changes)
        validate(merged)
        return merged

    @property
    def store_path(self) -> Path:
        """The SQLite store for real data."""
        return self.data_dir / "brief.sqlite"

    @property
    def demo_store_path(self) -> Path:
        """The separate SQLite store holding the generated demo data."""
        return self.data_dir / "demo.sqlite"


def parse_list(value: str | list[str] | tuple[str, ...], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    """Parse 'a,b' or a list into a tuple of known, unique values, keeping the canonical order."""
    items = value.split(",") if isinstance(value, str) else list(value)
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"{item!r} is not a {what} name; choose from {', '.join(allowed)}")
    wanted = [i.strip() for i in items if i.strip()]
    if not wanted:
        raise ConfigError(f"no {what} given; choose from {', '.join(allowed)}")
    lower = {a.lower(): a for a in allowed}
    out: list[str] = []
    for item in wanted:
        canon = lower.get(item.lower())
        if canon is None:
            raise ConfigError(f"unknown {what} {item!r}; choose from {', '.join(allowed)}")
        if canon not in out:
            out.append(canon)
    return tuple(a for a in allowed if a in out)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(f"{str(value)[:40]!r} is not a date (use YYYY-MM-DD, without a time)")


_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _float(value: Any) -> float:
    """A finite number: a TOML integer or float, or its text (true/false, inf and nan are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{str(value)[:40]!r} is not a number")
    if isinstance(value, str) and not _NUMBER.fullmatch(value.strip()):
        finite = value.strip().lower().lstrip("+-") not in {"inf", "infinity", "nan"}
        raise ConfigError(f"{value[:40]!r} is not a {'' if finite else 'finite '}number")
    number = float(value)
    if not math.isfinite(number):
        raise ConfigError(f"{str(value)[:40]!r} is not a finite number")
    return number


def _int(value: Any) -> int:
    """A whole number: a TOML integer or its text (true/false and fractions like 25.9 are refused, not truncated)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,18}", value.strip()):
        return int(value.strip())
    raise ConfigError(f"{str(value)[:40]!r} is not a whole number")


def _float_list(value: Any) -> tuple[float, ...]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else [value]
    try:
        return tuple(_float(v) for v in items)
    except ConfigError as exc:
        raise ConfigError(f"{str(value)[:60]!r} is not a list of finite numbers ({exc})") from exc


def _key_list(value: Any) -> tuple[str, ...]:
    """A list of figure keys: a TOML array of strings or "a,b" text (checked against the figures by the gate)."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else None
    if items is None or not all(isinstance(v, str) for v in items):
        raise ConfigError(f"{str(value)[:60]!r} is not a list of figure keys")
    if any(not v.strip() for v in items):  # "," or [""] would quietly require nothing
        raise ConfigError(f"{str(value)[:60]!r} holds an empty figure key (an empty list, [], requires none)")
    return tuple(dict.fromkeys(v.strip() for v in items))


def _text(value: Any) -> str:
    """Text: a TOML string or an environment variable (an array or a number is a slip, not text; the value itself
    is not shown, since it may be a password)."""
    if not isinstance(value, str):
        raise ConfigError(f"must be text in quotes, not a TOML {_toml_type(value)}")
    return value


def _toml_type(value: Any) -> str:
    kinds = ((bool, "boolean"), (int, "integer"), (float, "float"), (list, "array"), (dict, "table"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "date or time")


def _addresses(value: Any) -> str:
    """Readers: a file, or addresses separated by commas, or a TOML array of addresses."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return _text(value)


def _path(value: Any) -> Path:
    if not isinstance(value, str | os.PathLike):
        raise ConfigError(f"must be a path in quotes, not a TOML {_toml_type(value)}")
    return Path(value).expanduser()


# field -> (toml key path, environment variable, parser)
_SOURCES: dict[str, tuple[str, str | None, Callable[[Any], Any]]] = {
    "data_dir": ("data_dir", "BRIEF_DATA_DIR", _path),
    "out_dir": ("out_dir", "BRIEF_OUT_DIR", _path),
    "langs": ("langs", "BRIEF_LANG", lambda v: cast(tuple[Lang, ...], parse_list(v, LANGUAGES, "language"))),
    "formats": ("formats", "BRIEF_FORMAT", lambda v: cast(tuple[Format, ...], parse_list(v, FORMATS, "format"))),
    "fomc_calendar": ("fomc_calendar", "BRIEF_FOMC_CALENDAR", _path),
    "templates_dir": ("templates_dir", "BRIEF_TEMPLATES_DIR", _path),
    "cjk_font": ("fonts.cjk", "BRIEF_CJK_FONT", _text),
    "miner_efficiency_j_per_th": ("miner.efficiency_j_per_th", "BRIEF_MINER_EFFICIENCY", _float),
    "power_usd_per_kwh": ("miner.power_usd_per_kwh", "BRIEF_POWER_PRICE", _float),
    "rmp_monthly_usd": ("rmp.monthly_usd", "BRIEF_RMP_MONTHLY_USD", _float_list),
    "rmp_start": ("rmp.start", "BRIEF_RMP_START", _date),
    "rmp_months": ("rmp.months", "BRIEF_RMP_MONTHS", _int),
    "sofr_lookback_days": ("sofr.lookback_days", "BRIEF_SOFR_LOOKBACK_DAYS", _int),
    "qt_end": ("qt_end", "BRIEF_QT_END", _date),
    "fred_api_key": ("fred.api_key", "FRED_API_KEY", _text),
    "glassnode_api_key": ("glassnode.api_key", "GLASSNODE_API_KEY", _text),
    "fred_url": ("fred.url", "BRIEF_FRED_URL", _text),
    "mempool_url": ("mempool.url", "BRIEF_MEMPOOL_URL", _text),
    "coingecko_url": ("coingecko.url", "BRIEF_COINGECKO_URL", _text),
    "bgeometrics_url": ("bgeometrics.url", "BRIEF_BGEOMETRICS_URL", _text),
    "coinmetrics_url": ("coinmetrics.url", "BRIEF_COINMETRICS_URL", _text),
    "glassnode_url": ("glassnode.url", "BRIEF_GLASSNODE_URL", _text),
    "http_timeout": ("http.timeout", "BRIEF_HTTP_TIMEOUT", _float),
    "email_from": ("email.from", "BRIEF_EMAIL_FROM", _text),
    "email_reply_to": ("email.reply_to", "BRIEF_EMAIL_REPLY_TO", _text),
    "public_url": ("email.public_url", "BRIEF_PUBLIC_URL", _text),
    "unsubscribe_url": ("email.unsubscribe_url", "BRIEF_UNSUBSCRIBE_URL", _text),
    "unsubscribe_mailto": ("email.unsubscribe_mailto", "BRIEF_UNSUBSCRIBE_MAILTO", _text),
    "attach_pdf": ("email.attach_pdf", "BRIEF_ATTACH_PDF", lambda v: str(v).lower() in {"1", "true", "yes"}),
    "send_to": ("email.to", "BRIEF_SEND_TO", _addresses),
    "smtp_host": ("smtp.host", "BRIEF_SMTP_HOST", _text),
    "smtp_port": ("smtp.port", "BRIEF_SMTP_PORT", _int),
    "smtp_security": (
        "smtp.security",
        "BRIEF_SMTP_SECURITY",
        lambda v: cast(Security, parse_list(v, SECURITY, "SMTP security")[0]),
    ),
    "smtp_user": ("smtp.user", "BRIEF_SMTP_USER", _text),
    "smtp_password": ("smtp.password", "BRIEF_SMTP_PASSWORD", _text),
    "smtp_cafile": ("smtp.cafile", "BRIEF_SMTP_CAFILE", _path),
    "smtp_timeout": ("smtp.timeout", "BRIEF_SMTP_TIMEOUT", _float),
    "send_pace": ("smtp.pace", "BRIEF_SEND_PACE", _float),
    "quality_required": ("quality.required", "BRIEF_QUALITY_REQUIRED", _key_list),
    "quality_max_unavailable": ("quality.max_unavailable", "BRIEF_QUALITY_MAX_UNAVAILABLE", _int),
    "quality_max_stale": ("quality.max_stale", "BRIEF_QUALITY_MAX_STALE", _int),
}


@dataclass(frozen=True)
class SettingKey:
    """One setting as a user writes it: the Settings field, the brief.toml key and the environment variable."""

    field: str
    key: str
    env: str | None


def setting_keys() -> list[SettingKey]:
    """Every setting, in the order brief.toml documents them (``brief init`` writes them all)."""
    return [SettingKey(name, key, var) for name, (key, var, _parser) in _SOURCES.items()]


# API keys, checked as they are read so a malformed one never reaches a URL or a header (whose errors would quote it);
# the messages name the setting, never the value
_API_KEYS: dict[str, tuple[re.Pattern[str], str]] = {
    "fred_api_key": (re.compile(r"[a-z0-9]{32}"), "a valid FRED API key (32 lower-case letters and digits)"),
    "glassnode_api_key": (
        re.compile(r"[\x21-\x7e]+"),
        "a valid Glassnode API key (printable characters, no spaces, line breaks or control characters)",
    ),
}


def _check_api_key(name: str, value: Any, origin: str) -> None:
    """Reject a malformed API key, naming where it came from and never showing it."""
    pattern, what = _API_KEYS[name]
    if value is not None and not (isinstance(value, str) and pattern.fullmatch(value)):
        raise ConfigError(f"{origin} is not {what}")


_KEYS = tuple(key for key, _var, _parser in _SOURCES.values())
_TABLES = frozenset(key.rsplit(".", 1)[0] for key in _KEYS if "." in key)
_ENV_VARS = (*(var for _key, var, _parser in _SOURCES.values() if var), CONFIG_ENV)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """The hint "; did you mean X?" naming the nearest known name, or nothing when no name is close."""
    near = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {near[0]}?" if near else ""


def _unknown_keys(table: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """The dotted keys in a brief.toml table that no setting reads (an unknown table yields each key inside it)."""
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if dotted in _KEYS:
            continue
        if isinstance(value, Mapping) and (value or dotted in _TABLES):
            yield from _unknown_keys(value, dotted + ".")
        else:
            yield dotted


def _check_keys(table: Mapping[str, Any], path: Path) -> None:
    """Reject a key in brief.toml that no setting reads: a typo would otherwise be ignored without a word."""
    dotted = next(_unknown_keys(table), None)
    if dotted is None:
        return
    if dotted in _TABLES:
        raise ConfigError(f"setting {dotted} in {path} must be a table ([{dotted}])")
    known = _KEYS if "." in dotted else (*_KEYS, *_TABLES)
    raise ConfigError(f"unknown setting {dotted} in {path}{did_you_mean(dotted, known)}")


def _check_env(env: Mapping[str, str]) -> None:
    """Reject a BRIEF_* environment variable the brief does not know, even an empty one (a typo would be ignored)."""
    for var in sorted(env):
        if var.startswith(ENV_PREFIX) and var not in _ENV_VARS:
            raise ConfigError(f"unknown environment variable {var}{did_you_mean(var, _ENV_VARS)}")


def lookup(table: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted key of a settings table (``smtp.password``), or None when it is not set."""
    node: Any = table
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _parse(name: str, raw: Any, origin: str) -> Any:
    if name in _API_KEYS:
        _check_api_key(name, raw, origin)
        return raw
    parser = _SOURCES[name][2]
    try:
        return parser(raw)
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: invalid value {raw!r}") from exc


def config_path(explicit: Path | None, env: Mapping[str, str]) -> Path | None:
    """The brief.toml to read: --config, else BRIEF_CONFIG, else ./brief.toml when present."""
    if explicit is not None:
        return explicit
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    local = Path("brief.toml")
    return local if local.is_file() else None


def read_config(path: Path) -> str:
    """The text of a settings file: a regular file of at most MAX_CONFIG_BYTES of UTF-8. Anything else (a FIFO,
    a device such as /dev/zero, a folder) is refused before it is read, so it can neither hang nor fill memory."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever (no effect on regular files)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"config file {path} is not a regular file; give the path of a brief.toml")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"config file {path} is larger than {MAX_CONFIG_BYTES // 1024} KB; is it a brief.toml?")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {path} is larger than {MAX_CONFIG_BYTES // 1024} KB; is it a brief.toml?")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read config file {path}: byte {exc.start} is not UTF-8 text") from exc


def config_files(explicit: Path | None = None, env: Mapping[str, str] | None = None) -> list[Path]:
    """The settings files read, lowest precedence first: the per-user file when present, then the project's."""
    env = os.environ if env is None else env
    user = user_config_path()
    project = config_path(explicit, env)
    files = [user] if user.is_file() else []
    if project is not None and not (files and _same_file(project, user)):
        files.append(project)
    return files


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def load_settings(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge defaults, brief.toml, environment and command-line overrides into validated Settings."""
    env = os.environ if env is None else env
    _check_env(env)
    values: dict[str, Any] = {}
    for path in config_files(config_file, env):
        try:
            table = tomllib.loads(read_config(path))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
        _check_keys(table, path)
        for name, (key, _env, _parser) in _SOURCES.items():
            raw = lookup(table, key)
            if raw is not None:
                values[name] = _parse(name, raw, f"{key} in {path}" if name in _API_KEYS else f"{path}: {key}")
    for name, (_key, var, _parser) in _SOURCES.items():
        if var and env.get(var):
            values[name] = _parse(name, env[var], var)
    for name, raw in (overrides or {}).items():
        if raw is None:
            continue
        values[name] = _parse(name, raw, f"--{name.replace('_', '-')}") if name in _SOURCES else raw
    settings = Settings(**values)
    validate(settings)
    return settings


def validate(s: Settings) -> None:
    """Reject settings that would give meaningless figures."""
    if not 1 <= s.miner_efficiency_j_per_th <= 500:
        raise ConfigError(f"miner efficiency {s.miner_efficiency_j_per_th} J/TH is outside 1-500")
    if not 0 < s.power_usd_per_kwh <= 1:
        raise ConfigError(f"power price US${s.power_usd_per_kwh}/kWh is outside 0-1")
    if not s.rmp_monthly_usd or any(not (math.isfinite(v) and v > 0) for v in s.rmp_monthly_usd):
        raise ConfigError("rmp.monthly_usd needs one or more positive amounts in US dollars")
    if not 1 <= s.rmp_months <= 60:
        raise ConfigError(f"rmp.months {s.rmp_months} is outside 1-60")
    for name in ("email_from", "email_reply_to", "unsubscribe_url", "unsubscribe_mailto", "public_url"):
        value = getattr(s, name)
        if value is not None and ("\r" in value or "\n" in value):
            raise ConfigError(f"{name} must be one line")
    if "@" not in s.email_from:
        raise ConfigError(f"email.from {s.email_from!r} is not an e-mail address")
    if s.smtp_port is not None and not 1 <= s.smtp_port <= 65535:
        raise ConfigError(f"smtp.port {s.smtp_port} is not a port")
    if not 0 <= s.send_pace <= 60:
        raise ConfigError(f"smtp.pace {s.send_pace} s is outside 0-60")
    if not 0.1 <= s.http_timeout <= 300:
        raise ConfigError(f"http.timeout {s.http_timeout} s is outside 0.1-300")
    if not 0.1 <= s.smtp_timeout <= 600:
        raise ConfigError(f"smtp.timeout {s.smtp_timeout} s is outside 0.1-600")
    for name, setting in (
        ("smtp_user", "smtp.user (BRIEF_SMTP_USER)"),
        ("smtp_password", "smtp.password (BRIEF_SMTP_PASSWORD)"),
    ):
        value = getattr(s, name)
        if value is not None and not (value.isascii() and value.isprintable()):
            # smtplib's login encodes them as ASCII; never show the value
            raise ConfigError(f"{setting} must be printable ASCII characters (SMTP login cannot send others)")
    for name, setting in (
        ("quality_max_unavailable", "quality.max_unavailable"),
        ("quality_max_stale", "quality.max_stale"),
    ):
        if not 0 <= getattr(s, name) <= 1000:
            raise ConfigError(f"{setting} {getattr(s, name)} is outside 0-1000 (a number of figures)")
    if not 5 <= s.sofr_lookback_days <= 750:
        raise ConfigError(f"sofr.lookback_days {s.sofr_lookback_days} is outside 5-750")
    for name in _API_KEYS:
        _check_api_key(name, getattr(s, name), _SOURCES[name][1] or name)
