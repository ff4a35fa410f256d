"""The Jinja environment: autoescaped, strict, with a user template folder able to override the packaged one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError
from markupsafe import Markup

from report.errors import RenderError
from report.i18n import Catalogue, load_catalogue
from report.resources import resource_dir

TEMPLATE = "edition.html.j2"


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


def environment(user_dir: Path | None = None) -> Environment:
    """An environment that looks in ``user_dir`` first, then in the packaged templates."""
    if user_dir is not None and not user_dir.is_dir():
        raise RenderError(f"template folder {user_dir} does not exist")
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(p)) for p in _folders(user_dir)]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    return env


def catalogue(user_dir: Path | None = None) -> Catalogue:
    """The string catalogue: a user's ``strings.toml`` overrides the packaged one."""
    for folder in _folders(user_dir):
        path = folder / "strings.toml"
        if path.is_file():
            return load_catalogue(path)
    raise RenderError("no strings.toml found in the template folders")


def render(env: Environment, context: dict[str, Any], media: str, font: str) -> str:
    """Render the edition page for ``media`` ("pdf" or "html")."""
    try:
        return env.get_template(TEMPLATE).render(**context, media=media, font=font)
    except TemplateError as exc:
        raise RenderError(f"template error in {TEMPLATE}: {exc}") from exc
