"""The Jinja environment (autoescaped, strict, a user template folder overriding the packaged one) and the one
``render_template`` every template goes through, turning template and catalogue errors into one-line errors."""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.bccache import Bucket
from markupsafe import Markup

from report.errors import BriefError, RenderError
from report.i18n import Catalogue, load_catalogue, merge_catalogues
from report.resources import resource_dir

EDITION = "edition.html.j2"
EMAIL = "email.html.j2"
INDEX = "index.html.j2"


def _folders(user_dir: Path | None) -> list[Path]:
    folders = [user_dir] if user_dir is not None else []
    return [*folders, resource_dir("templates")]


def css_string(value: object) -> Markup:
    """Text safe inside a double-quoted CSS string in a <style> element (no quote, backslash or tag escapes)."""
    text = str(value)
    out = []
    for ch in text:
        if ch in '\\"<>&' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup("".join(out))


class _CompiledTemplates(FileSystemBytecodeCache):
    """Templates compiled once and kept on disk (compiling the edition's and the e-mail's costs about 0.1 s a build);
    Jinja keys each by the template's source, so an edited template is compiled again. A cache folder that cannot
    be read or written is passed over: the template is compiled as if there were none."""

    def load_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


# One environment per template folder and cache in a process: a preview or a backfill builds many editions, and
# an environment keeps its compiled templates (it still notices an edited template: auto_reload checks the file)
_ENVIRONMENTS: dict[tuple[Path | None, Path | None], Environment] = {}


def environment(user_dir: Path | None = None, *, cache_dir: Path | None = None) -> Environment:
    """An environment that looks in ``user_dir`` first, then in the packaged templates; ``cache_dir`` keeps the
    compiled templates between runs."""
    if user_dir is not None and not user_dir.is_dir():
        raise RenderError(f"template folder {user_dir} does not exist")
    key = (user_dir, cache_dir)
    if key in _ENVIRONMENTS:
        return _ENVIRONMENTS[key]
    cache = None
    if cache_dir is not None:
        with contextlib.suppress(OSError):
            cache_dir.mkdir(parents=True, exist_ok=True)
            cache = _CompiledTemplates(str(cache_dir))
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(p)) for p in _folders(user_dir)]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=cache,
    )
    env.filters["css_string"] = css_string
    _ENVIRONMENTS[key] = env
    return env


def catalogue(user_dir: Path | None = None) -> Catalogue:
    """The packaged string catalogue, with a user's ``strings.toml`` (any keys, any of the languages) over it."""
    packaged = resource_dir("templates") / "strings.toml"
    if not packaged.is_file():
        raise RenderError(f"the packaged string catalogue {packaged} is missing; reinstall liquidity-brief")
    base = load_catalogue(packaged)
    user = user_dir / "strings.toml" if user_dir is not None else None
    return merge_catalogues(base, load_catalogue(user, partial=True)) if user and user.is_file() else base


def _where(name: str, filename: str | None, exc: BaseException) -> str:
    """``file:line`` of the template line that failed, from the traceback Jinja rewrites to template lines."""
    path = filename or name
    line = next(
        (f.lineno for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename == filename),
        None,
    )
    return f"{path}:{line}" if line else path


def render_template(env: Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render one template; any failure of a template (a user's override included) is one RenderError naming the
    file and line, never a traceback."""
    filename = None
    try:
        template = env.get_template(name)
        filename = template.filename
        return template.render(**context)
    except TemplateNotFound as exc:
        raise RenderError(f"template {exc.name} not found in the template folders") from exc
    except TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}") from exc
    except BriefError as exc:  # e.g. a catalogue string the template asked for is missing
        raise RenderError(f"{_where(name, filename, exc)}: {exc}") from exc
    except Exception as exc:
        what = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
        raise RenderError(f"{_where(name, filename, exc)}: template error: {what}") from exc
