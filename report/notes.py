"""Editorial notes: a bilingual commentary file in YAML, or Markdown with YAML front matter.

YAML: ``title: {en: ..., zh-Hant: ...}`` and ``body: {en: ..., zh-Hant: ...}``.
Markdown: optional front matter between ``---`` lines (``title`` as above), then the body; a line ``# en`` or
``# zh-Hant`` starts that language's text, text before any such line belongs to both. Paragraphs are separated by
blank lines. Everything is plain text: the template escapes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from report.errors import NotesError
from report.i18n import LANGS
from report.render.context import Notes

MAX_BYTES = 1_000_000


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _per_lang(value: Any, what: str, path: Path) -> dict[str, str]:
    if value is None:
        return {lang: "" for lang in LANGS}
    if isinstance(value, str):
        return {lang: value for lang in LANGS}
    if isinstance(value, Mapping):
        unknown = set(value) - set(LANGS)
        if unknown:
            raise NotesError(f"{path}: {what} has unknown language {sorted(unknown)[0]!r}; use en and zh-Hant")
        return {lang: str(value.get(lang) or "") for lang in LANGS}
    raise NotesError(f"{path}: {what} must be text or a mapping of en / zh-Hant to text")


def load_notes(path: Path) -> Notes:
    """Read a notes file; a clear NotesError for anything unreadable or malformed."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotesError(f"cannot read notes file {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise NotesError(f"notes file {path} is larger than {MAX_BYTES // 1000} kB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotesError(f"notes file {path} is not UTF-8 text") from exc
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            doc = yaml.safe_load(text) or {}
            if not isinstance(doc, Mapping):
                raise NotesError(f"{path}: expected a mapping with title and body")
            title = _per_lang(doc.get("title"), "title", path)
            body = _per_lang(doc.get("body"), "body", path)
        else:
            front: Mapping[str, Any] = {}
            lines = text.splitlines()
            if lines and lines[0].strip() == "---":
                try:
                    end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
                except StopIteration as exc:
                    raise NotesError(f"{path}: front matter starts with --- but never ends") from exc
                front = yaml.safe_load("\n".join(lines[1:end])) or {}
                if not isinstance(front, Mapping):
                    raise NotesError(f"{path}: front matter must be a mapping")
                lines = lines[end + 1 :]
            title = _per_lang(front.get("title"), "title", path)
            blocks: dict[str, list[str]] = {lang: [] for lang in LANGS}
            current: list[str] | None = None
            shared: list[str] = []
            for line in lines:
                marker = line.strip().lstrip("#").strip() if line.startswith("# ") else None
                if marker in LANGS:
                    current = blocks[marker]
                    continue
                (current if current is not None else shared).append(line)
            body = {lang: "\n".join(shared + [""] + blocks[lang]) for lang in LANGS}
    except yaml.YAMLError as exc:
        raise NotesError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from exc
    paragraphs = {lang: _paragraphs(body[lang]) for lang in LANGS}
    if not any(paragraphs.values()):
        raise NotesError(f"{path}: the notes have no text")
    return Notes(title=title, paragraphs=paragraphs)
