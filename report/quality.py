"""The quality gate: whether an edition is fit to send to readers unattended (pure: a figures document in, a verdict
out).

An edition fails when a figure that must be available is not (by default the cover's key figures), when more figures
are unavailable than allowed, or when more are stale than allowed. ``brief build`` records the verdict in the
manifest and warns; ``brief send`` and ``brief run`` refuse to mail an edition that fails (``--send-anyway``
overrides, and the send ledger records it); ``brief check`` prints it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from report.config import Settings, did_you_mean
from report.errors import ConfigError

# the statuses of a figure with a value to show (stale: shown with its date); anything else (unavailable,
# implausible, a status this version does not know) has none
AVAILABLE = ("ok", "stale")
_LISTED = 6  # figures named in a reason before "and N more"


@dataclass(frozen=True)
class Rules:
    """What an edition must meet to be sent: figure keys that must be available, and the most unavailable and the
    most stale figures allowed."""

    required: tuple[str, ...]
    max_unavailable: int
    max_stale: int


@dataclass(frozen=True)
class Row:
    """One line of the verdict table: what was checked, what the edition has, what is allowed, and whether it holds."""

    check: str
    found: str
    allowed: str
    ok: bool


@dataclass(frozen=True)
class Gap:
    """A figure the edition does not show as current: unavailable (or implausible, or of unknown status) or stale,
    with the reason the edition gives (English)."""

    key: str
    status: str
    reason: str | None


@dataclass(frozen=True)
class Verdict:
    """The gate's verdict on one edition: its table, when it fails one reason a line, and every figure that is not
    current (what `brief check` lists, whether or not the gate holds)."""

    rows: tuple[Row, ...]
    reasons: tuple[str, ...]
    gaps: tuple[Gap, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether the edition may be sent."""
        return not self.reasons

    def to_json(self) -> dict[str, Any]:
        """The verdict as the manifest records it."""
        return {"passed": self.passed, "reasons": list(self.reasons)}


def rules(settings: Settings) -> Rules:
    """The gate's rules from the settings (``[quality]``); the required keys are checked against the figures the
    brief computes, so a typo is an error naming the nearest key instead of a requirement nothing can meet."""
    from report.editor import known_keys
    from report.render.context import HEADLINE

    required = HEADLINE if settings.quality_required is None else settings.quality_required
    known = known_keys()
    for key in required:
        if key not in known:
            hint = did_you_mean(key, sorted(known)) or "; `brief figures` lists the keys"
            raise ConfigError(f"quality.required: unknown figure {key!r}{hint}")
    return Rules(tuple(required), settings.quality_max_unavailable, settings.quality_max_stale)


def _names(keys: Sequence[str]) -> str:
    more = len(keys) - _LISTED
    return ", ".join(keys[:_LISTED]) + (f" and {more} more" if more > 0 else "")


def _text(value: Any, key: str = "en") -> str | None:
    """The English of a {language: text} field, or None when the field is not of that shape."""
    return value.get(key) if isinstance(value, Mapping) and isinstance(value.get(key), str) else None


def evaluate(document: Mapping[str, Any], rules: Rules) -> Verdict:
    """The verdict on an edition from its figures document (figures.json, docs/figures.md). A figure whose status
    is missing or unknown counts as unavailable: the gate never takes a damaged document for a sound one."""
    listed = document.get("figures")
    figures = {
        f["key"]: f
        for f in (listed if isinstance(listed, list) else [])
        if isinstance(f, Mapping) and isinstance(f.get("key"), str)
    }

    def status(f: Mapping[str, Any]) -> str:
        st = f.get("status")
        return st if isinstance(st, str) else "without a status"

    rows: list[Row] = []
    reasons: list[str] = []
    for key in rules.required:
        fig = figures.get(key)
        found = status(fig) if fig is not None else "missing"
        ok = found in AVAILABLE
        rows.append(Row(f"required: {key}", found, "available", ok))
        if not ok:
            label = (_text(fig.get("label")) if fig is not None else None) or key
            why = _text(fig.get("reason")) if fig is not None else "the edition has no such figure"
            reasons.append(f"required figure {key} ({label}) is {found}" + (f": {why}" if why else ""))
    for what, counted, limit, setting in (
        ("unavailable", lambda st: st not in AVAILABLE, rules.max_unavailable, "quality.max_unavailable"),
        ("stale", lambda st: st == "stale", rules.max_stale, "quality.max_stale"),
    ):
        keys = [k for k, f in figures.items() if counted(status(f))]
        ok = len(keys) <= limit
        rows.append(Row(f"{what} figures", f"{len(keys)} of {len(figures)}", f"at most {limit}", ok))
        if not ok:
            are = "figure is" if len(keys) == 1 else "figures are"
            reasons.append(f"{len(keys)} {are} {what}, more than the {limit} allowed ({setting}): {_names(keys)}")
    gaps = tuple(Gap(k, status(f), _text(f.get("reason"))) for k, f in figures.items() if status(f) != "ok")
    return Verdict(tuple(rows), tuple(reasons), gaps)
