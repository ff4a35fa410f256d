"""Editorial notes: a bilingual commentary file in YAML, or Markdown with YAML front matter.

YAML: ``title: {en: ..., zh-Hant: ...}`` and ``body: {en: ..., zh-Hant: ...}``.
Markdown: optional front matter between ``---`` lines (``title`` as above), then the body; a line ``# en`` or
``# zh-Hant`` starts that language's text, text before any such line belongs to both. Paragraphs are separated by
blank lines. Everything is plain text: the template escapes it.

Notes are checked before any layout: YAML aliases are refused (an alias "bomb" of a few hundred bytes would expand
to gigabytes), as are structures nested deeper than ``MAX_NESTING``, NUL and other control characters (tab and line
breaks are fine) and the bidirectional controls U+202A-U+202E and U+2066-U+2069 (they make text display in another
order than it reads), lone surrogates (U+D800-U+DFFF, which a YAML escape can make) and values YAML reads as
a date or number that Python cannot make (30 February, a 5,000-digit integer), each with the file and line.
Sizes are bounded so the PDF stays quick to lay out: at most ``MAX_PARAGRAPHS`` paragraphs and ``MAX_LANG_CHARS``
characters per language, ``MAX_PARAGRAPH_CHARS`` characters a paragraph and ``MAX_TITLE_CHARS`` a title.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from report.editor import check_syntax
from report.errors import NotesError
from report.i18n import LANGS
from report.render.context import Notes

MAX_BYTES = 1_000_000  # the file
MAX_PARAGRAPHS = 200  # per language (about 40 pages of short paragraphs)
MAX_PARAGRAPH_CHARS = 5_000  # one paragraph, whitespace collapsed
MAX_LANG_CHARS = 50_000  # all the paragraphs of one language (about 20 pages)
MAX_TITLE_CHARS = 200
MAX_NESTING = 10  # YAML collections inside each other (the notes need 2)

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; the bidi embeddings, overrides and
# isolates (U+202A-U+202E, U+2066-U+2069), which make text display in another order than it reads.
# Lone surrogates (U+D800-U+DFFF, which only a YAML escape such as "\ud800" can make) are half a UTF-16 pair: no
# UTF-8 file can hold one.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
SCALARS = (str, int, float, dt.date)


def _forbidden(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char == "\x00":
        return "a NUL (U+0000) character"
    if unicodedata.category(char) == "Cc":
        return f"the control character {code}"
    if unicodedata.category(char) == "Cs":
        return f"the lone surrogate {code} (half of a UTF-16 pair, not a character; write the character itself)"
    return f"the bidirectional control {code} {unicodedata.name(char)}, which reorders how text is displayed"


def _check_chars(text: str, path: Path, *, first_line: int = 1) -> None:
    """A NotesError naming the line of the first forbidden character in ``text`` (which starts at ``first_line``)."""
    found = FORBIDDEN.search(text)
    if found is not None:
        line = first_line + text.count("\n", 0, found.start())
        raise NotesError(f"{path}:{line}: the notes contain {_forbidden(found.group())}; remove it")


class _NotesLoader(yaml.SafeLoader):
    """A safe loader that refuses aliases and deep nesting before building anything, and checks every scalar
    (YAML escapes such as "\\u202e" make characters the raw text does not show)."""

    path: Path = Path()
    first_line = 1
    depth = 0

    def _line(self, event: yaml.Event) -> int:
        return self.first_line + (event.start_mark.line if event.start_mark is not None else 0)

    def _where(self, event: yaml.Event) -> str:
        return f"{self.path}:{self._line(event)}"

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise NotesError(f"{self._where(event)}: notes may not use YAML aliases (*name); write the text out")
        if isinstance(event, yaml.ScalarEvent):
            _check_chars(event.value, self.path, first_line=self._line(event))
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise NotesError(f"{self._where(event)}: the notes are nested more than {MAX_NESTING} levels deep")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """A value YAML reads as a date or a number but Python cannot make (30 February, hour 25, month 13, an
        integer past the 4,300 digits Python will write out) is a NotesError with its line, not a traceback."""
        try:
            data = super().construct_object(node, deep)
            if isinstance(data, int):
                str(data)  # the notes use it as text: ValueError past sys.get_int_max_str_digits()
            return data
        except (ValueError, OverflowError) as exc:
            kind = "date" if node.tag.endswith(":timestamp") else "number"
            value = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
            shown = value if len(value) <= 30 else value[:27] + "..."
            reason = str(exc).split(":")[0].split(";")[0].strip()
            if reason.startswith("Exceeds the limit"):  # Python's limit on writing out (or reading) an integer
                reason = f"more than {sys.get_int_max_str_digits():,} digits"
            elif len(reason) > 60:
                reason = "out of range"
            line = self.first_line + (node.start_mark.line if node.start_mark is not None else 0)
            raise NotesError(
                f"{self.path}:{line}: {shown!r} reads as a {kind} but is not a valid one ({reason}); "
                "put it in quotes to keep it as text"
            ) from None


def _yaml(text: str, path: Path, *, first_line: int = 1) -> Any:
    """The YAML document in ``text`` (which starts at ``first_line`` of ``path``), loaded without aliases."""
    loader = _NotesLoader(text)
    loader.path, loader.first_line = path, first_line
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _text(value: Any, what: str, path: Path) -> str:
    if value is None:
        return ""
    if isinstance(value, SCALARS) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, bool):  # YAML reads yes, no, on, off as true / false
        raise NotesError(f"{path}: {what} must be text, and YAML reads yes / no / on / off as true or false; quote it")
    raise NotesError(f"{path}: {what} must be text, not a list or mapping")


def _per_lang(value: Any, what: str, path: Path) -> dict[str, str]:
    if isinstance(value, Mapping):
        unknown = set(value) - set(LANGS)
        if unknown:
            raise NotesError(
                f"{path}: {what} has unknown language {sorted(map(str, unknown))[0]!r}; use en and zh-Hant"
            )
        return {lang: _text(value.get(lang), f"{what} {lang}", path) for lang in LANGS}
    if value is None or isinstance(value, SCALARS):
        return dict.fromkeys(LANGS, _text(value, what, path))
    raise NotesError(f"{path}: {what} must be text or a mapping of en / zh-Hant to text")


def _check_sizes(path: Path, title: Mapping[str, str], paragraphs: Mapping[str, list[str]]) -> None:
    """Bounds that keep the PDF layout quick (thousands of tiny paragraphs took minutes)."""
    for lang in LANGS:
        if len(title[lang]) > MAX_TITLE_CHARS:
            raise NotesError(
                f"{path}: the {lang} title has {len(title[lang]):,} characters; at most {MAX_TITLE_CHARS} are allowed"
            )
        paras = paragraphs[lang]
        if len(paras) > MAX_PARAGRAPHS:
            raise NotesError(
                f"{path}: the {lang} notes have {len(paras):,} paragraphs; at most {MAX_PARAGRAPHS} are allowed"
            )
        for i, para in enumerate(paras, 1):
            if len(para) > MAX_PARAGRAPH_CHARS:
                raise NotesError(
                    f"{path}: paragraph {i} of the {lang} notes has {len(para):,} characters "
                    f"(it starts {para[:30]!r}); at most {MAX_PARAGRAPH_CHARS:,} are allowed"
                )
        total = sum(map(len, paras))
        if total > MAX_LANG_CHARS:
            raise NotesError(
                f"{path}: the {lang} notes have {total:,} characters; at most {MAX_LANG_CHARS:,} are allowed"
            )


def load_notes(path: Path) -> Notes:
    """Read a notes file; a clear NotesError for anything unreadable or malformed."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotesError(f"cannot read notes file {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise NotesError(f"notes file {path} is larger than {MAX_BYTES // 1000} kB")
    try:
        text = raw.decode("utf-8-sig")  # an editor's byte-order mark is not text
    except UnicodeDecodeError as exc:
        raise NotesError(f"notes file {path} is not UTF-8 text") from exc
    _check_chars(text, path)
    check_syntax(text, path)  # live figures, claims and forecasts: file:line for the first malformed one
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            doc = _yaml(text, path) or {}
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
                front = _yaml("\n".join(lines[1:end]), path, first_line=2) or {}
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
    _check_sizes(path, title, paragraphs)
    return Notes(title=title, paragraphs=paragraphs)
