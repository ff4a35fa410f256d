"""``brief doctor``: whether this machine can build and send the brief, one verdict a check; it writes nothing."""

from __future__ import annotations

import dataclasses
import functools
import shutil
import smtplib
import subprocess
import urllib.error
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from report.config import Settings, config_files, load_settings, lookup, read_config
from report.errors import BriefError, ConfigError, StoreError
from report.sources.http import one_line, redact

Verdict = Literal["ok", "warn", "fail", "skip"]

DEFAULT_FONT = Settings.cjk_font  # the font checked when the settings do not load
DEFAULT_SMTP_HOST = Settings.smtp_host  # left as it is, with no login and no readers: nothing to check
FRED_PROBE = "GDP"  # a series every FRED key may read: one request tells a good key from a refused one
MAX_STORE_PROBLEMS = 3  # integrity_check stops after this many; the first few say enough
MIB = 1024 * 1024
MIN_FREE_BYTES = 100 * MIB  # below this an edition (PDF, charts, snapshot) may not fit: fail
LOW_FREE_BYTES = 1024 * MIB  # below this a few weeks of editions fill the disk: warn
FC_MATCH_TIMEOUT = 10.0  # seconds; fontconfig answers in milliseconds unless its cache is being rebuilt
NO_SETTINGS = "settings did not load"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class Check:
    """One verdict: ``detail`` is one line a user can act on and never holds an API key or a password."""

    name: str
    verdict: Verdict
    detail: str


def diagnose(
    config: Path | None,
    *,
    overrides: Mapping[str, Any],
    network: bool = True,
    env: Mapping[str, str] | None = None,
) -> list[Check]:
    """Every check, in a fixed order; a check that meets an unexpected error fails with it instead of raising.

    Without ``network`` neither FRED nor the SMTP server is contacted. ``env`` defaults to the process environment
    (read by ``report.config`` only).
    """
    try:
        settings_check, settings = _settings(config, env, overrides)
    except Exception as exc:  # whatever stopped the settings, the checks that need none still run
        settings_check, settings = Check("settings", "fail", _line(f"{exc.__class__.__name__}: {exc}")), None
    secrets = _secrets(settings)
    font = settings.cjk_font if settings is not None else DEFAULT_FONT
    checks = [
        settings_check,
        _guarded("Chinese font", secrets, functools.partial(_font, font)),
        _guarded("HarfBuzz subsetting", secrets, _harfbuzz),
        _guarded("WeasyPrint", secrets, _weasyprint),
    ]
    needs_settings: list[tuple[str, Callable[[Settings], Check]]] = [
        ("quality gate", _quality),
        ("store", _store),
        ("archive", _archive),
        ("FRED key", functools.partial(_fred, network=network)),
        ("SMTP", functools.partial(_smtp, network=network)),
        ("disk", _disk),
    ]
    for name, check in needs_settings:
        if settings is None:
            checks.append(Check(name, "skip", NO_SETTINGS))
        else:
            checks.append(_guarded(name, secrets, functools.partial(check, settings)))
    # the files alone, so it also runs when the settings do not load (a mistyped key beside a readable password)
    checks.append(_guarded("secrets", secrets, functools.partial(_secret_files, config, env)))
    return checks


def _guarded(name: str, secrets: Iterable[str], check: Callable[[], Check]) -> Check:
    """Run one check; any exception becomes its "fail" (one line, secrets hidden), so the other checks still run."""
    try:
        return check()
    except BriefError as exc:
        return Check(name, "fail", _line(str(exc), secrets))
    except Exception as exc:  # a check must never stop the doctor: what it met is its verdict
        return Check(name, "fail", _line(f"{exc.__class__.__name__}: {exc}", secrets))


def _line(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` as one printable line without any secret (redacted before it is cut, or a cut key would show)."""
    return one_line(redact(text, secrets))


def _secrets(settings: Settings | None) -> tuple[str, ...]:
    if settings is None:
        return ()
    values = (settings.fred_api_key, settings.glassnode_api_key, settings.smtp_password)
    return tuple(v for v in values if v)


# --- settings, fonts, WeasyPrint -------------------------------------------------------------------------------
def _settings(
    config: Path | None, env: Mapping[str, str] | None, overrides: Mapping[str, Any]
) -> tuple[Check, Settings | None]:
    try:
        files = config_files(config, env)
        settings = load_settings(config, env, overrides)
    except ConfigError as exc:  # its message names the file, the key and the nearest known key, never a value
        return Check("settings", "fail", _line(str(exc))), None
    read = ", ".join(str(p) for p in files)
    return Check("settings", "ok", f"read {read}" if files else "defaults only (no brief.toml)"), settings


def _quality(settings: Settings) -> Check:
    """The gate before sending, as the settings make it: a gate that lets anything through is worth a warning (a
    per-user file, say, can loosen it for every unattended run)."""
    from report.editor import known_keys
    from report.quality import rules

    r = rules(settings)  # a ConfigError (an unknown figure) is this check's failure
    limits = f"at most {r.max_unavailable} unavailable and {r.max_stale} stale figures"
    detail = f"{len(r.required)} required figure(s), {limits}"
    if not r.required and r.max_unavailable >= len(known_keys()):
        return Check("quality gate", "warn", f"{detail}: any edition passes, however empty ([quality] in brief.toml)")
    return Check("quality gate", "ok", detail)


def _font(family: str) -> Check:
    from report.render.pdf import require_font

    require_font(family)  # a RenderError with the install hint when it is missing
    found = _font_file(family)
    return Check("Chinese font", "ok", f"{family} ({found})" if found else family)


def _font_file(family: str) -> str | None:
    """The file fontconfig uses for ``family``, or None when it would substitute another family or cannot say."""
    try:
        done = subprocess.run(
            ["fc-match", "--format", "%{family}\n%{file}", family],
            capture_output=True,
            text=True,
            timeout=FC_MATCH_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    families, _, file = done.stdout.partition("\n")
    # fc-match always names some font: only a match of the family itself is the file the PDF will embed
    if done.returncode != 0 or family.lower() not in {f.strip().lower() for f in families.split(",")}:
        return None
    return file.strip() or None


def _harfbuzz() -> Check:
    from report.render.pdf import harfbuzz_subset_available

    if harfbuzz_subset_available():
        return Check("HarfBuzz subsetting", "ok", "libharfbuzz-subset found: fonts are subset in C")
    detail = "libharfbuzz-subset is missing: PDFs take over 10 s; apt-get install libharfbuzz-subset0"
    return Check("HarfBuzz subsetting", "warn", detail)


def _weasyprint() -> Check:
    try:
        import weasyprint
    except Exception as exc:  # ImportError, or OSError when Pango's libraries are missing
        detail = f"cannot import WeasyPrint ({exc.__class__.__name__}: {exc}); reinstall brief and Pango (libpango)"
        return Check("WeasyPrint", "fail", _line(detail))
    return Check("WeasyPrint", "ok", f"version {getattr(weasyprint, '__version__', 'unknown')}")


# --- the store and the archive ---------------------------------------------------------------------------------
def _store(settings: Settings) -> Check:
    from report.store import SCHEMA_VERSION, OutdatedStore, Store
    from report.store.inspect import StoreBusy, inspect_store

    path = settings.store_path
    if not path.exists():
        return Check("store", "warn", f"no real data yet at {path}: brief fetch or brief data import")
    if not path.is_file():
        return Check("store", "fail", f"{path} is not a file; move it away (brief fetch makes a new store)")
    try:
        facts = inspect_store(path, max_problems=MAX_STORE_PROBLEMS)
    except StoreBusy as exc:  # a fetch or an import is writing: not a fault of the store
        return Check("store", "warn", _line(str(exc)))
    except StoreError as exc:  # not SQLite at all, or damaged past reading: one line naming the file
        return Check("store", "fail", _line(str(exc)))
    if facts.problems != ["ok"]:
        found = "; ".join(facts.problems)
        detail = f"the data store {path} is damaged ({found}); restore it from a backup or delete it to start again"
        return Check("store", "fail", _line(detail))
    if not facts.tables:
        return Check("store", "warn", f"{path} is empty; the next brief fetch or brief data import sets it up")
    upgrade = "will be upgraded on the next brief fetch or brief data import"
    if facts.version is None:
        return Check("store", "warn", f"{path} has no schema version: written by an older version, {upgrade}")
    if not facts.version.isdigit():
        return Check("store", "fail", _line(f"{path} has schema version {facts.version[:20]!r}, not one brief knows"))
    version = int(facts.version)
    if version > SCHEMA_VERSION:
        detail = f"{path} was written by a newer version (schema {version}, this brief reads {SCHEMA_VERSION})"
        return Check("store", "fail", f"{detail}; upgrade brief")
    if version < SCHEMA_VERSION:
        return Check("store", "warn", f"{path} has schema {version} (this brief: {SCHEMA_VERSION}); {upgrade}")
    try:
        # the store's own test of an upgrade still due (a column added within a version); read-only, writes nothing
        Store(path, readonly=True).close()
    except OutdatedStore:
        return Check("store", "warn", f"{path} lacks a part of schema {version}; {upgrade}")
    counts = f"{facts.series or 0} series, {facts.observations or 0:,} observations"
    return Check("store", "ok", f"{path}: schema {version}, {counts}")


def _archive(settings: Settings) -> Check:
    from report.pipeline.archive import editions_root, verify

    checked, problems = verify(settings)
    root = editions_root(settings).absolute()
    if not checked:
        return Check("archive", "ok", f"no editions yet in {root}")
    if problems:
        damaged = len({p.split(":", 1)[0] for p in problems})  # each problem starts with its edition's name
        head = f"{len(problems)} problem(s) in {damaged} of {checked} edition(s)"
        return Check("archive", "fail", _line(f"{head}: {problems[0]}; brief archive verify lists them all"))
    return Check("archive", "ok", f"{checked} edition(s) verified in {root}")


# --- FRED and SMTP ---------------------------------------------------------------------------------------------
def _fred(settings: Settings, *, network: bool) -> Check:
    from report.sources import registry
    from report.sources.http import FetchError

    key = settings.fred_api_key
    if key is None:
        return Check(
            "FRED key",
            "warn",
            "no FRED key: real data only by brief data import (set FRED_API_KEY to fetch; the demo works without)",
        )
    if not network:
        return Check("FRED key", "skip", "present (not checked: --offline)")
    root = registry.url(registry.FRED, settings).rstrip("/")
    # the fetch's own client (deadline, size cap, the key redacted from its messages), asked once: no retries
    client = dataclasses.replace(registry.client(registry.FRED, settings), retries=0)
    query = urllib.parse.urlencode({"series_id": FRED_PROBE, "api_key": key, "file_type": "json"})
    secrets = _secrets(settings)
    try:
        client.open(f"{root}/series?{query}")
    except urllib.error.HTTPError as exc:
        # redacted whole before anything is parsed or cut from it: a key cut in two is no longer recognised
        body = redact(exc.read().decode("utf-8", errors="replace"), secrets)
        said = _line(_fred_message(body), secrets)
        if "api_key" in body.lower():
            return Check("FRED key", "fail", _line(f"FRED refused the key (HTTP {exc.code}: {said})", secrets))
        return Check("FRED key", "warn", _line(f"FRED at {root} answered HTTP {exc.code} ({said}): key not checked"))
    except FetchError as exc:
        # the client's message names the provider and its one attempt; the line says both already
        reason = str(exc).removeprefix(f"{registry.FRED.name}: ").removesuffix(" after 1 attempts")
        return Check("FRED key", "warn", _line(f"could not reach FRED at {root} ({reason}): key not checked", secrets))
    return Check("FRED key", "ok", f"accepted by FRED at {root}")


def _fred_message(body: str) -> str:
    """FRED's own words in an error answer: JSON's ``error_message`` or the XML ``message`` attribute, else the
    start of the body."""
    import json
    import xml.etree.ElementTree as ET

    try:
        doc = json.loads(body)
        if isinstance(doc, dict) and isinstance(doc.get("error_message"), str):
            return str(doc["error_message"])
    except ValueError:
        pass
    try:
        message = ET.fromstring(body).get("message")
        if message:
            return message
    except ET.ParseError:
        pass
    return body[:200].strip() or "no message"


def _smtp(settings: Settings, *, network: bool) -> Check:
    from report.deliver import DeliveryError, connect
    from report.pipeline.send import smtp_settings

    if settings.smtp_host == DEFAULT_SMTP_HOST and not settings.smtp_user and not settings.send_to:
        return Check("SMTP", "skip", "no SMTP server configured (smtp.host)")
    if not network:
        return Check("SMTP", "skip", f"{settings.smtp_host} not checked: --offline")
    s = smtp_settings(settings)
    secrets = _secrets(settings)
    try:
        # deliver's own session: EHLO, STARTTLS or SSL as configured, certificate checked, login; no MAIL FROM
        smtp = connect(s)
    except DeliveryError as exc:
        return Check("SMTP", "fail", _line(str(exc), secrets))
    try:
        port = smtp.sock.getpeername()[1] if smtp.sock is not None else s.port
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    where = f"reachable at {s.host}:{port} ({'plain, unencrypted' if s.security == 'plain' else s.security.upper()})"
    if not s.user:
        return Check("SMTP", "ok", f"{where}, no login configured")
    if s.security == "plain" and s.host.lower() not in _LOOPBACK:
        # the password crossed the network in clear: it works, but it should not stay so
        return Check("SMTP", "warn", f"{where}, login accepted as {s.user} but sent unencrypted; use starttls or ssl")
    return Check("SMTP", "ok", f"{where}, login accepted as {s.user}")


# --- the disk --------------------------------------------------------------------------------------------------
def _nearest_existing(path: Path) -> Path:
    """``path``, or its nearest parent that exists (where a folder not made yet will be made)."""
    folder = path.absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _disk(settings: Settings) -> Check:
    import os

    # both folders must take new files: editions and the outbox; the lock, the store and the send ledger
    for what, path in (("output", settings.out_dir), ("data", settings.data_dir)):
        existing = _nearest_existing(path)
        if not existing.is_dir():
            return Check("disk", "fail", f"the {what} folder {path} cannot be made: {existing} is not a folder")
        if not os.access(existing, os.W_OK | os.X_OK):  # asks the system; writes nothing
            return Check("disk", "fail", f"the {what} folder {path} cannot be written ({existing} is read-only to us)")
    folder = _nearest_existing(settings.out_dir)  # not made yet: the disk it will be made on
    free = shutil.disk_usage(folder).free
    where = f"{_size(free)} free in {folder}"
    if free < MIN_FREE_BYTES:
        return Check("disk", "fail", f"only {where}; an edition needs at least {_size(MIN_FREE_BYTES)}")
    if free < LOW_FREE_BYTES:
        return Check("disk", "warn", f"only {where}; under {_size(LOW_FREE_BYTES)} editions soon stop fitting")
    return Check("disk", "ok", where)


def _size(n: int) -> str:
    return f"{n / 1024 / MIB:.1f} GB" if n >= 1024 * MIB else f"{n / MIB:.0f} MB"


# --- files holding secrets --------------------------------------------------------------------------------------
def _secret_files(config: Path | None, env: Mapping[str, str] | None) -> Check:
    """brief.env (beside each settings file read, and in this folder) and any settings file that sets an API key
    or the SMTP password must be readable by their owner alone: an unattended machine keeps them for months."""
    import stat
    import tomllib

    from report.pipeline.scaffold import SECRETS, SECRETS_FILE

    settings_files = config_files(config, env)
    candidates = [*settings_files, *(p.parent / SECRETS_FILE for p in settings_files), Path(SECRETS_FILE)]
    seen: set[Path] = set()
    open_to_others, kept = [], []
    for path in (p.absolute() for p in candidates):
        try:
            resolved = path.resolve()
            mode = path.stat().st_mode
        except OSError:
            continue  # no such file: nothing kept there
        if resolved in seen or not stat.S_ISREG(mode):
            continue
        seen.add(resolved)
        if path.name != SECRETS_FILE:  # a settings file matters only when it holds a secret itself
            try:
                table = tomllib.loads(read_config(path))
            except (ConfigError, tomllib.TOMLDecodeError):
                continue  # the settings check says what is wrong with it
            if not any(lookup(table, key) for key in SECRETS):
                continue
        kept.append(path)
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            open_to_others.append(f"{path} (mode {stat.S_IMODE(mode):04o})")
    if open_to_others:
        names = ", ".join(open_to_others)
        return Check("secrets", "fail", f"readable by others: {names}; chmod 600 each (brief init makes brief.env so)")
    if not kept:
        return Check(
            "secrets", "ok", f"no {SECRETS_FILE} here or beside the settings, and no secret in them (environment only)"
        )
    return Check("secrets", "ok", f"readable by their owner alone: {', '.join(map(str, kept))}")
