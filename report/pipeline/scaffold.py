"""``brief init``: a folder set up for unattended runs (settings, readers, secrets, a systemd timer, crontab lines)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import os
import re
import secrets
import shlex
import unicodedata
from pathlib import Path
from typing import Any

from report import __version__
from report.calendar import load_calendar
from report.config import SettingKey, Settings, setting_keys, user_config_path
from report.errors import BriefError, UsageError
from report.pipeline.calendar import RUN_HOUR, cron_lines, pre_fomc_runs

SETTINGS_FILE = "brief.toml"
READERS_FILE = "readers.txt"
SECRETS_FILE = "brief.env"
SERVICE_FILE = "liquidity-brief.service"
TIMER_FILE = "liquidity-brief.timer"
CRONTAB_FILE = "crontab.txt"
LOG_FILE = "brief-run.log"
SECRETS_MODE = 0o600  # API keys and the SMTP password: readable by their owner alone

# settings brief.toml sets (not commented out) to absolute paths in the folder, so that the timer, cron and a command
# run from any other folder all use one store, one lock and one archive
ACTIVE_PATHS = {"data_dir": "data", "out_dir": "output"}

# settings never written into brief.toml: their value goes in brief.env (mode 0600), which no one else can read
SECRETS = frozenset({"fred.api_key", "glassnode.api_key", "smtp.password"})

# one line per setting, keyed by its brief.toml key; a test checks every setting has one, so none can be forgotten
DESCRIPTIONS: dict[str, str] = {
    "data_dir": "The SQLite stores (market data, the send ledger), the lock each brief command takes, and cache/.",
    "out_dir": "Where editions, the archive page and the feeds are written.",
    "langs": 'Languages of an edition: "zh-Hant", "en" or both.',
    "formats": 'What `brief build` makes: "pdf", "html", "email" (`brief run` always makes all three).',
    "fomc_calendar": "Your own FOMC meeting calendar (CSV: start,end,projections); unset: the bundled one.",
    "templates_dir": "A folder of templates and strings.toml overriding the packaged ones; unset: none.",
    "qt_end": "The day quantitative tightening (the balance-sheet runoff) ended.",
    "fonts.cjk": "The Chinese font family (a fontconfig name) the PDF is set in.",
    "miner.efficiency_j_per_th": "Miners' efficiency in joules per terahash, for bitcoin's production cost (1-500).",
    "miner.power_usd_per_kwh": "Miners' electricity price in US$ per kWh, for the production cost (0-1).",
    "rmp.monthly_usd": "Reserve-management bill purchases in US$ a month: one scenario per amount.",
    "rmp.start": "The first day of the reserve-management purchases.",
    "rmp.months": "How many months the purchase scenarios run (1-60).",
    "sofr.lookback_days": "Days of SOFR history the funding-stress figures look back over (5-750).",
    "fred.api_key": "Your FRED API key (free, 32 lower-case letters and digits); without one, no FRED series.",
    "glassnode.api_key": "A Glassnode API key, optional: the on-chain series it serves.",
    "fred.url": "FRED's API address; unset: the public one (change it only for a mirror or a test server).",
    "mempool.url": "mempool.space's address; unset: the public one.",
    "coingecko.url": "CoinGecko's API address; unset: the public one.",
    "bgeometrics.url": "BGeometrics' API address; unset: the public one.",
    "coinmetrics.url": "Coin Metrics' Community API address; unset: the public one.",
    "glassnode.url": "Glassnode's API address; unset: the public one.",
    "http.timeout": "Seconds to wait for a data provider's answer (0.1-300).",
    "email.from": "The e-mail edition's From: (use an address your SMTP server may send as).",
    "email.reply_to": "Where readers' replies go (Reply-To:); unset: to the From: address.",
    "email.public_url": "Where editions are published (<url>/<edition>/): the 'view in browser' link and the feeds.",
    "email.unsubscribe_url": "A one-click unsubscribe page (List-Unsubscribe); unset: none.",
    "email.unsubscribe_mailto": "An unsubscribe address, used when unsubscribe_url is unset; unset: none.",
    "email.attach_pdf": "Attach the PDF to the e-mail.",
    "email.to": "Readers for `brief run` without --to (a file, addresses separated by commas, or an array of "
    "addresses); the timer and crontab pass --to.",
    "smtp.host": "The SMTP server.",
    "smtp.port": "The SMTP port; unset: 587 for starttls, 465 for ssl, 25 for plain.",
    "smtp.security": '"starttls" (certificate checked), "ssl" (implicit TLS) or "plain" (unencrypted).',
    "smtp.user": "The SMTP login; unset: no login. It may also go in brief.env.",
    "smtp.password": "The SMTP password.",
    "smtp.cafile": "A CA bundle to trust (a relay with a private certificate); unset: the system's.",
    "smtp.timeout": "Seconds to wait for the SMTP server (0.1-600).",
    "smtp.pace": "Seconds between two messages, to stay under the server's rate limit (0-60).",
    "quality.required": "Figures an edition must have to be sent; default: the cover's key figures (listed).",
    "quality.max_unavailable": "The most unavailable figures an edition may have and still be sent.",
    "quality.max_stale": "The most stale figures an edition may have and still be sent.",
}

EXAMPLE = "  # example"  # marks the line that shows an example value for a setting unset by default


def _examples(folder: Path) -> dict[str, Any]:
    """Example values for the settings whose default is unset, shown commented out (uncommented, they load)."""
    from report.sources.registry import DEFAULT_URLS

    by_field = {k.field: k.key for k in setting_keys()}
    examples: dict[str, Any] = {by_field[name]: url for name, url in DEFAULT_URLS.items()}
    examples.update(
        {
            "fomc_calendar": folder / "fomc-calendar.csv",
            "templates_dir": folder / "templates",
            "email.reply_to": "desk@example.org",
            "email.public_url": "https://brief.example.org",
            "email.unsubscribe_url": "https://brief.example.org/unsubscribe",
            "email.unsubscribe_mailto": "unsubscribe@example.org",
            "email.to": folder / READERS_FILE,
            "smtp.port": 587,
            "smtp.user": "mailer",
            "smtp.cafile": folder / "relay-ca.pem",
        }
    )
    return examples


def _toml_string(text: str) -> str:
    """A TOML basic string; control characters (which TOML forbids raw) as \\u escapes."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif unicodedata.category(ch) == "Cc":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_float(number: float) -> str:
    """A float as TOML: 35e9 rather than 35000000000.0 for large round amounts."""
    if number.is_integer() and abs(number) >= 1e6:
        digits = str(int(number))
        zeros = len(digits) - len(digits.rstrip("0"))
        return f"{digits[: len(digits) - zeros]}e{zeros}"
    return repr(number)


def toml_value(value: Any) -> str:
    """A setting's value in TOML syntax: strings and paths quoted, tuples as arrays, dates as TOML dates."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _toml_float(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str | Path):
        return _toml_string(str(value))
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _home(path: Path) -> str:
    """A path with the home folder as ~, as a reader recognises it."""
    try:
        home = Path.home()
    except RuntimeError:  # no $HOME and no password-database entry: show the path as it is
        return str(path)
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


def _defaults() -> dict[str, Any]:
    """Every setting's default, by field name (the data folder's default comes from its factory)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


def _setting_lines(k: SettingKey, default: Any, folder: Path, examples: dict[str, Any]) -> list[str]:
    """One setting: its description, then its line (commented out unless in ACTIVE_PATHS) naming its environment
    variable."""
    from report.render.context import HEADLINE

    leaf = k.key.rsplit(".", 1)[-1]
    env = f"  # {k.env}" if k.env else ""
    lines = [f"# {DESCRIPTIONS[k.key]}"]
    if k.key in SECRETS:
        lines.append(f"# {leaf}: a secret, so not here: set {k.env} in {SECRETS_FILE}, which only you can read")
    elif k.field in ACTIVE_PATHS:
        shown = _home(default) if default.is_absolute() else f"{toml_value(default)}, in the working folder"
        lines.append(f"# Default: {shown}; set to this folder's {ACTIVE_PATHS[k.field]}/ (see above).")
        lines.append(f"{leaf} = {toml_value(folder / ACTIVE_PATHS[k.field])}{env}")
    elif k.field == "quality_required" and default is None:
        lines.append(f"# {leaf} = {toml_value(HEADLINE)}{env}")
    elif default is None:
        note = f"{EXAMPLE}; {k.env}" if k.env else EXAMPLE
        lines.append(f"# {leaf} = {toml_value(examples[k.key])}{note}")
    else:
        lines.append(f"# {leaf} = {toml_value(default)}{env}")
    return lines


def settings_file(folder: Path, *, today: dt.date) -> str:
    """brief.toml: every setting with its default, commented out, except the data and output folders."""
    defaults = _defaults()
    examples = _examples(folder)
    keys = setting_keys()
    # TOML puts top-level keys before the first [table]; each table's keys go under its one header
    tables: dict[str, list[SettingKey]] = {"": []}
    for k in keys:
        tables.setdefault(k.key.rsplit(".", 1)[0] if "." in k.key else "", []).append(k)
    lines = f"""\
# Liquidity Brief settings, written by `brief init` (brief {__version__}) on {today}.
#
# Every setting is listed with its default, commented out: delete the "# " before a line to
# change it. A line marked example shows a value for a setting that is unset by default. The
# comment at the end of a line names the environment variable that overrides it.
# Precedence: defaults < your per-user file ({_home(user_config_path())})
# < this file < BRIEF_* environment variables < command-line options.
# Secrets (API keys, the SMTP password) go in {SECRETS_FILE}, not here.
# The service and the crontab lines read this file; elsewhere, run brief in this folder or with
#   --config {shlex.quote(str(folder / SETTINGS_FILE))}
# `brief doctor` checks the settings.
#
# data_dir and out_dir are set (not commented out) to absolute paths in this folder, so that the
# timer, cron and a brief command run from any other folder all use the same store, lock and
# archive. To keep using an existing store, point data_dir at it.""".splitlines()
    for table, members in tables.items():
        lines.append("")
        if table:
            lines += [f"[{table}]", ""]
        for i, k in enumerate(members):
            if i:
                lines.append("")
            lines += _setting_lines(k, defaults[k.field], folder, examples)
    return "\n".join(lines) + "\n"


READERS = """\
# Readers of the Liquidity Brief: one e-mail address a line (or several, separated by , or ;).
# Everything after a "#" is a comment. As written, this file lists nobody: `brief run` builds
# the edition and sends it to no one. Add your readers, one a line, like the examples below
# (which are not real). Every address is checked: one that is not an address is reported,
# never sent to. Each reader gets one copy of each edition, however often the run is repeated
# (the send ledger remembers). To see the messages without sending them (one .eml a reader,
# in output/outbox/EDITION/):
#   brief run --to readers.txt --dry-run
#
# ada@example.org
# Grace Hopper <grace@example.org>
# desk@example.org, research@example.org
"""


def readers_file() -> str:
    """readers.txt: the format, with example readers commented out so that, as written, it lists nobody."""
    return READERS


def secrets_file(*, today: dt.date) -> str:
    """brief.env: the secrets, empty, for systemd's EnvironmentFile= and for the crontab lines (sh's `.`)."""
    env = {k.key: k.env for k in setting_keys()}
    return f"""\
# Liquidity Brief secrets, written by `brief init` on {today}.
# Only you can read this file (mode 0600): keep it that way, and never commit it.
# The systemd service reads it (EnvironmentFile=); the crontab lines load it
# (set -a && . ./{SECRETS_FILE}). One NAME=value a line, no spaces around "="; an empty value
# is the same as none. Put a value holding anything but letters, digits and . _ - in single
# quotes ('...'): systemd and sh both read it as written (it cannot hold a single quote).

# Your free FRED API key (without it, no FRED series):
# https://fred.stlouisfed.org/docs/api/api_key.html
{env["fred.api_key"]}=

# The SMTP login and its password (the login may go in brief.toml instead; the password only here)
{env["smtp.user"]}=
{env["smtp.password"]}=

# Optional: a Glassnode API key
{env["glassnode.api_key"]}=
"""


def _argv(brief: str) -> list[str]:
    """The brief command as arguments: an executable's path (spaces and all) or a command line such as
    "/usr/bin/python3 -m report" (whose interpreter's path may hold spaces too)."""
    if Path(brief).is_file():
        return [os.path.abspath(brief)]
    module = " -m report"
    if brief.endswith(module) and Path(brief[: -len(module)]).is_file():
        return [os.path.abspath(brief[: -len(module)]), "-m", "report"]
    try:
        argv = shlex.split(brief)
    except ValueError as exc:
        raise UsageError(f"cannot read the brief command {brief!r}: {exc}") from exc
    if not argv:
        raise UsageError("the brief command is empty")
    return argv


_PLAIN = re.compile(r"[A-Za-z0-9_@+=:,./-]+")  # needs no quotes on a systemd command line


def _unit_path(path: Path) -> str:
    """A path as a systemd setting that takes one path (WorkingDirectory=, EnvironmentFile=): taken as written,
    spaces included, but % starts a specifier."""
    return str(path).replace("%", "%%")


def _unit_arg(text: str, *, variables: bool = True) -> str:
    """One argument of a systemd command line or assignment, as written when it is plain, else double-quoted with
    \\ and " escaped; % (a specifier) doubled, and $ where it starts a variable (``variables``: ExecStart= does,
    Environment= does not, where "$" has no special meaning and "$$" would stay two)."""
    escaped = text.replace("%", "%%")
    if variables:
        escaped = escaped.replace("$", "$$")
    if _PLAIN.fullmatch(text):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _user() -> str:
    """The login name to suggest for User= in a system-wide install."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment and none in the password database
        return "YOUR-USER"


def service_file(folder: Path, *, brief: str, today: dt.date) -> str:
    """liquidity-brief.service: `brief run` once, in the folder, with its secrets, settings and log."""
    argv = [*_argv(brief), "--log-file", str(folder / LOG_FILE), "run", "--to", str(folder / READERS_FILE)]
    return f"""\
# Liquidity Brief: fetch, build and send this week's edition.
# Written by `brief init` on {today}. Started by {TIMER_FILE}, which says how to install
# both; to run it once now: systemctl --user start {SERVICE_FILE}
# The command takes the data folder's lock itself (one brief command at a time per data
# folder): a run that overlaps another brief command (a manual build or fetch) waits for it to
# finish, and systemd never starts this service while it is still running.

[Unit]
Description=Liquidity Brief: fetch, build and send this week's edition
# the data providers and the SMTP server need the network (a catch-up run at boot starts early)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={_unit_path(folder)}
# the secrets: FRED_API_KEY, BRIEF_SMTP_USER, BRIEF_SMTP_PASSWORD, GLASSNODE_API_KEY
EnvironmentFile={_unit_path(folder / SECRETS_FILE)}
Environment={_unit_arg(f"BRIEF_CONFIG={folder / SETTINGS_FILE}", variables=False)}
ExecStart={" ".join(_unit_arg(a) for a in argv)}
# a run takes minutes; a hung one is stopped (SIGTERM stops brief and its workers) rather than
# keep the data folder locked
TimeoutStartSec=2h
# Installed system-wide (/etc/systemd/system/), run as your user, not root: delete the # below.
#User={_user()}
"""


def timer_file(folder: Path, *, today: dt.date) -> str:
    """liquidity-brief.timer: Mondays at 07:00, and at 07:00 on the Friday before each coming FOMC meeting."""
    at = f"{RUN_HOUR:02d}:00"
    runs = pre_fomc_runs(load_calendar(None), today=today)
    fridays = "".join(f"# the FOMC meeting of {m.start}\nOnCalendar={friday} {at}:00\n" for m, friday in runs)
    through = f", through {runs[-1][1]}" if runs else ""
    units = " ".join(shlex.quote(str(folder / name)) for name in (SERVICE_FILE, TIMER_FILE))
    return f"""\
# Liquidity Brief: when {SERVICE_FILE} runs. Written by `brief init` on {today}.
# Mondays at {at} local time, and at {at} on the Friday before each FOMC meeting of the
# bundled calendar from {today} on{through}. Persistent=true: a run missed while the
# machine was off happens at the next boot.
#
# Install for your user (no root needed):
#   mkdir -p ~/.config/systemd/user
#   cp {units} ~/.config/systemd/user/
#   systemctl --user daemon-reload
#   systemctl --user enable --now {TIMER_FILE}
#   loginctl enable-linger "$USER"    # run even when you are not logged in
#   systemctl --user list-timers {TIMER_FILE}    # the next run
#   journalctl --user -u {SERVICE_FILE}    # what the runs printed
# Or system-wide, as root: delete the # before User= in the service, then
#   cp {units} /etc/systemd/system/
#   systemctl daemon-reload && systemctl enable --now {TIMER_FILE}
# When the Fed announces more meetings (a newer brief knows them), `brief init SCRATCH-DIR`
# writes fresh OnCalendar= lines to copy here.

[Unit]
Description=Liquidity Brief: Mondays {at} and the Friday before each FOMC meeting

[Timer]
OnCalendar=Mon *-*-* {at}:00
{fridays}Persistent=true

[Install]
WantedBy=timers.target
"""


def crontab_file(folder: Path, *, brief: str, today: dt.date) -> str:
    """crontab.txt: the timer's runs as crontab lines, each loading brief.env and logging to brief-run.log."""
    command = (
        f"set -a && . ./{SECRETS_FILE} && set +a && "
        f"{shlex.join(_argv(brief))} --log-file {LOG_FILE} run --to {READERS_FILE}"
    )
    lines = cron_lines(load_calendar(None), today=today, workdir=folder, brief=brief, command=command)
    return (
        f"""\
# Liquidity Brief: crontab lines written by `brief init` on {today}: the same runs as
# {TIMER_FILE} (use one or the other). Install them once (this appends to your crontab;
# with no crontab yet, `crontab -l` says so and the lines are installed all the same):
#   crontab -l | cat - {shlex.quote(str(folder / CRONTAB_FILE))} | crontab -
# Each run works in {folder}: it loads the secrets from {SECRETS_FILE}, reads
# {SETTINGS_FILE} there and logs to {LOG_FILE}. cron uses local time and, unlike the timer,
# skips a run missed while the machine was off. The command takes the data folder's lock, so a
# run that overlaps another brief command waits for it.
"""
        + "\n".join(lines)
        + "\n"
    )


def _check_folder(folder: Path) -> None:
    """Refuse a folder a systemd unit or a crontab line cannot name (a line break would end the line)."""
    if any(unicodedata.category(ch) == "Cc" for ch in str(folder)):
        raise UsageError(f"{str(folder)!r} holds a control character; systemd units and crontab lines cannot name it")


def _write(path: Path, text: str, mode: int | None) -> None:
    """Write a file atomically: a temporary file beside it, then a rename; ``mode`` exact, else the umask's."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)  # the umask may only take bits away; make it exactly this
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


KEPT = (SECRETS_FILE, READERS_FILE)  # what a user fills in: --force never replaces an existing one


def init(directory: Path, *, brief: str, today: dt.date, force: bool = False) -> list[Path]:
    """Write brief.toml, readers.txt, brief.env, the systemd service and timer and crontab.txt into ``directory``
    (created if missing); return the paths written. Nothing is written when one exists already, unless ``force``,
    which writes the others again but keeps an existing brief.env and readers.txt."""
    folder = directory.expanduser().resolve()
    _check_folder(folder)
    files: dict[str, tuple[str, int | None]] = {
        SETTINGS_FILE: (settings_file(folder, today=today), None),
        READERS_FILE: (readers_file(), None),
        SECRETS_FILE: (secrets_file(today=today), SECRETS_MODE),
        SERVICE_FILE: (service_file(folder, brief=brief, today=today), None),
        TIMER_FILE: (timer_file(folder, today=today), None),
        CRONTAB_FILE: (crontab_file(folder, brief=brief, today=today), None),
    }
    # every check before the first write, so a refusal leaves the folder as it was
    existing = [name for name in files if os.path.lexists(folder / name)]
    if existing and not force:
        raise UsageError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''} in {folder}; nothing was written "
            f"(--force writes them again, but keeps your {SECRETS_FILE} and {READERS_FILE})"
        )
    folders = [name for name in existing if (folder / name).is_dir() and not (folder / name).is_symlink()]
    if folders:
        raise UsageError(f"{', '.join(folders)} in {folder} is a folder; nothing was written")
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, (text, mode) in files.items():
            if name in KEPT and name in existing:  # your secrets and readers are never replaced, even by --force
                continue
            _write(folder / name, text, mode)
            written.append(folder / name)
    except OSError as exc:
        raise BriefError(f"cannot write {exc.filename or folder}: {exc.strerror or exc}") from exc
    return written
