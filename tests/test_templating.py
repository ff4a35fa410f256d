"""report/render/templating.py: a user's template folder overrides the packaged one; whatever is broken in it is a
one-line error naming the file (and line), never a traceback; a partial strings.toml overrides only its keys."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from helpers import unstamped

from report.cli import cli
from report.errors import RenderError
from report.render.templating import environment, render_template
from report.resources import resource_dir


@pytest.fixture
def run(demo_settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    user = tmp_path / "mine"
    user.mkdir()
    env = {
        "BRIEF_DATA_DIR": str(demo_settings.data_dir),
        "BRIEF_OUT_DIR": str(demo_settings.out_dir),
        "BRIEF_TEMPLATES_DIR": str(user),
    }

    def _run(*args):
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return user, _run


def _broken_copy(user, name, find, replace):
    text = (resource_dir("templates") / name).read_text(encoding="utf-8")
    assert find in text
    (user / name).write_text(text.replace(find, replace, 1), encoding="utf-8")


def _edition_files(demo_settings):
    out = demo_settings.out_dir
    return [p for p in out.rglob("*") if p.is_file()] if out.exists() else []


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("edition.html.j2", ("build", "--demo", "--format", "html")),
        ("email.html.j2", ("build", "--demo", "--format", "html,email")),
    ],
)
@pytest.mark.parametrize("fault", ["syntax", "undefined"])
def test_a_broken_override_is_one_line_naming_file_and_line(run, demo_settings, name, args, fault):
    user, brief = run
    if fault == "syntax":
        _broken_copy(user, name, "</body>", "{% if %}</body>")
    else:
        _broken_copy(user, name, "</body>", "{{ no_such_value.attribute }}</body>")
    r = brief(*args)
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    error = [line for line in unstamped(r.output).splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and f"{user / name}:" in error[0]
    line_no = int(error[0].split(f"{name}:")[1].split(":")[0])
    assert "</body>" in (user / name).read_text(encoding="utf-8").splitlines()[line_no - 1]
    assert _edition_files(demo_settings) == []  # nothing half-written


def test_a_broken_index_override_is_one_line(run, demo_settings):
    user, brief = run
    assert brief("build", "--demo", "--format", "html").exit_code == 0
    _broken_copy(user, "index.html.j2", "</body>", "{{ 1 / 0 }}</body>")
    r = brief("archive", "index")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"{user / 'index.html.j2'}:" in r.output and "division by zero" in r.output
    assert not (demo_settings.out_dir / "index.html").exists()


def test_a_partial_strings_toml_overrides_only_its_keys(run, demo_settings):
    user, brief = run
    (user / "strings.toml").write_text('[ui]\ntitle = { en = "The Plumbing Brief" }\n', encoding="utf-8")
    r = brief("build", "--demo", "--format", "html")
    assert r.exit_code == 0, r.output
    html = next(demo_settings.out_dir.rglob("*.html")).read_text(encoding="utf-8")
    assert "The Plumbing Brief" in html  # the override
    assert "流動性週報" in html and "Key figures" in html  # the packaged strings it did not override


def test_a_user_string_with_an_unknown_placeholder_is_one_line(run, demo_settings):
    user, brief = run
    (user / "strings.toml").write_text('[ui]\nedition = { en = "Edition of {weekday}" }\n', encoding="utf-8")
    r = brief("build", "--demo", "--format", "html")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "ui.edition" in r.output and "weekday" in r.output and "strings.toml" in r.output
    assert _edition_files(demo_settings) == []


def test_render_template_reports_a_missing_template(tmp_path):
    with pytest.raises(RenderError, match=r"no_such\.html\.j2 not found"):
        render_template(environment(tmp_path), "no_such.html.j2", {})
