"""Issue 9, faults 12 and 16 (notes): a YAML alias bomb, notes too large to lay out, and bidi / control characters
are refused with a NotesError naming the file (and the line, or the limit), promptly and in bounded memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from report.errors import NotesError
from report.notes import MAX_LANG_CHARS, MAX_PARAGRAPH_CHARS, MAX_PARAGRAPHS, MAX_TITLE_CHARS, load_notes

# The 467-byte "billion laughs": 9 ** 9 references to one string, 2.9 GB once turned into text.
BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
        "title: {en: Laughs, zh-Hant: 笑}",
        "body:",
        "  en: *i",
        "  zh-Hant: *i",
        "",
    ]
)
MEMORY_LIMIT = 1 << 30  # address space the loading process may use (1 GiB; the bomb needs ~3 GB)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _load_bounded(path: Path) -> subprocess.CompletedProcess[str]:
    """load_notes in a child process limited to MEMORY_LIMIT of address space and 30 s."""
    script = textwrap.dedent(
        f"""
        import resource, sys
        from report.errors import NotesError
        from report.notes import load_notes
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))
        try:
            load_notes(__import__("pathlib").Path(sys.argv[1]))
        except NotesError as exc:
            print(exc)
        """
    )
    return subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("name", ["bomb.yaml", "bomb.md"])
def test_alias_bomb_is_refused_promptly_in_bounded_memory(tmp_path, name):
    text = BOMB if name.endswith(".yaml") else f"---\n{BOMB}---\nBody.\n"
    assert len(BOMB.encode()) < 500
    path = _write(tmp_path, name, text)
    started = time.monotonic()
    done = _load_bounded(path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "notes may not use YAML aliases" in done.stdout and str(path) in done.stdout
    assert time.monotonic() - started < 15


def test_any_alias_is_refused_with_its_line(tmp_path):
    path = _write(tmp_path, "n.yaml", "title: &t {en: A, zh-Hant: 甲}\nbody:\n  en: x\nextra: *t\n")
    with pytest.raises(NotesError, match=r"n\.yaml:4: notes may not use YAML aliases"):
        load_notes(path)


def test_anchor_without_alias_is_harmless(tmp_path):
    path = _write(tmp_path, "n.yaml", "body: &b\n  en: Fine.\n")
    assert load_notes(path).paragraphs["en"] == ["Fine."]


def test_deep_nesting_is_refused(tmp_path):
    path = _write(tmp_path, "n.yaml", "body: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(NotesError, match=r"n\.yaml:1: .*nested"):
        load_notes(path)


def test_non_text_value_is_refused(tmp_path):
    path = _write(tmp_path, "n.yaml", "body:\n  en: [1, 2]\n")
    with pytest.raises(NotesError, match="body en must be text"):
        load_notes(path)


def test_tiny_paragraphs_are_refused_before_layout(tmp_path):
    # The 900 KB of tiny paragraphs (layout ran past 600 s): refused at once, naming the limit.
    path = _write(tmp_path, "n.md", "x.\n\n" * 225_000)
    started = time.monotonic()
    with pytest.raises(
        NotesError, match=rf"n\.md: the (en|zh-Hant) notes have 225,000 paragraphs; at most {MAX_PARAGRAPHS}"
    ):
        load_notes(path)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("p.\n\n" * (MAX_PARAGRAPHS + 1), f"{MAX_PARAGRAPHS + 1} paragraphs; at most {MAX_PARAGRAPHS} are allowed"),
        (
            "ok\n\n" + "w" * (MAX_PARAGRAPH_CHARS + 1) + "\n",
            f"paragraph 2 of the en notes has {MAX_PARAGRAPH_CHARS + 1:,}",
        ),
        (("w" * 4000 + "\n\n") * 13, f"the en notes have 52,000 characters; at most {MAX_LANG_CHARS:,}"),
    ],
)
def test_size_limits(tmp_path, body, match):
    path = _write(tmp_path, "n.md", "# en\n" + body + "# zh-Hant\n中文。\n")
    with pytest.raises(NotesError, match=match):
        load_notes(path)


def test_limits_are_inclusive(tmp_path):
    body = "\n\n".join(["w" * (MAX_LANG_CHARS // MAX_PARAGRAPHS)] * MAX_PARAGRAPHS)
    notes = load_notes(_write(tmp_path, "n.md", "---\ntitle: " + "t" * MAX_TITLE_CHARS + "\n---\n" + body))
    assert len(notes.paragraphs["en"]) == MAX_PARAGRAPHS


def test_long_title_is_refused(tmp_path):
    path = _write(tmp_path, "n.yaml", f"title: {'t' * (MAX_TITLE_CHARS + 1)}\nbody: x\n")
    with pytest.raises(NotesError, match=f"title .*at most {MAX_TITLE_CHARS}"):
        load_notes(path)


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("n.md", "# en\nfine\nbad\x00byte\n", r"n\.md:3: .*NUL \(U\+0000\)"),
        ("n.md", "# en\nan \x1b[31mescape\n", r"n\.md:2: .*control character U\+001B"),
        ("n.md", "# en\nabc \u202eevil\n", r"n\.md:2: .*U\+202E RIGHT-TO-LEFT OVERRIDE"),
        ("n.md", "# en\n\u2066isolate\u2069\n", r"n\.md:2: .*U\+2066 LEFT-TO-RIGHT ISOLATE"),
        ("n.yaml", "title: x\nbody:\n  en: 'a \u202a b'\n", r"n\.yaml:3: .*U\+202A LEFT-TO-RIGHT EMBEDDING"),
        # a YAML escape produces the character only once parsed: refused all the same, with its line
        ("n.yaml", 'title: x\nbody:\n  en: "a \\u202e b"\n', r"n\.yaml:3: .*U\+202E"),
        ("n.yaml", 'body:\n  en: "a \\0 b"\n', r"n\.yaml:2: .*NUL"),
        ("n.md", '---\ntitle: "\\u2067x"\n---\nBody.\n', r"n\.md:2: .*U\+2067"),
    ],
)
def test_bidi_and_control_characters_are_refused(tmp_path, name, text, match):
    with pytest.raises(NotesError, match=match):
        load_notes(_write(tmp_path, name, text))


def test_tabs_crlf_and_bom_are_fine(tmp_path):
    p = tmp_path / "n.md"
    p.write_bytes("\ufeff# en\r\nOne\tword.\r\n\r\nTwo.\r\n".encode())
    assert load_notes(p).paragraphs["en"] == ["One word.", "Two."]


def test_yes_no_title_asks_for_quotes(tmp_path):
    with pytest.raises(NotesError, match="title en must be text, and YAML reads yes / no"):
        load_notes(_write(tmp_path, "n.yaml", "title: {en: No}\nbody: x\n"))


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("n.yaml", "title: 2025-02-30\nbody: x\n", r"n\.yaml:1: '2025-02-30' reads as a date .*day is out of range"),
        ("n.yaml", "body: x\ntitle: 2025-01-01 25:00:00\n", r"n\.yaml:2: '2025-01-01 25:00:00' reads as a date"),
        ("n.yaml", "title: !!timestamp 2025-13-01\nbody: x\n", r"n\.yaml:1: '2025-13-01' reads as a date"),
        ("n.md", "---\ntitle: x\n\ntitle2: 2025-02-30\n---\nBody.\n", r"n\.md:4: '2025-02-30' reads as a date"),
        ("n.yaml", "title: 1" + "0" * 5000 + "\nbody: x\n", r"n\.yaml:1: '10000.*' reads as a number"),
        ("n.yaml", "body: x\ntitle: !!int 0b1" + "0" * 20000 + "\n", r"n\.yaml:2: '0b10.*' reads as a number"),
        ("n.md", "---\ntitle: 1" + "0" * 5000 + "\n---\nBody.\n", r"n\.md:2: .* reads as a number"),
    ],
)
def test_values_yaml_cannot_construct_are_one_line_errors(tmp_path, name, text, match):
    """Before: ValueError tracebacks (an impossible date or time; an integer over Python's 4,300-digit limit for
    writing it out)."""
    with pytest.raises(NotesError, match=match) as caught:
        load_notes(_write(tmp_path, name, text))
    assert len(str(caught.value).splitlines()) == 1
    assert len(str(caught.value)) < 300


def test_a_valid_date_title_is_still_text(tmp_path):
    assert load_notes(_write(tmp_path, "n.yaml", "title: 2025-02-28\nbody: x\n")).title["en"] == "2025-02-28"


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("n.yaml", 'title: x\nbody: "\\ud800"\n', r"n\.yaml:2: .*lone surrogate U\+D800"),
        ("n.yaml", 'title: x\nbody:\n  en: "ok \\udfff"\n', r"n\.yaml:3: .*U\+DFFF"),
        ("n.md", '---\ntitle: "\\udc00"\n---\nBody.\n', r"n\.md:2: .*U\+DC00"),
        ("n.yaml", '"\\ud800": x\nbody: x\n', r"n\.yaml:1: .*U\+D800"),
    ],
)
def test_lone_surrogates_are_refused(tmp_path, name, text, match):
    """Before: a UnicodeEncodeError traceback when the HTML was written (a YAML escape makes half a UTF-16 pair,
    which no UTF-8 file can hold)."""
    with pytest.raises(NotesError, match=match):
        load_notes(_write(tmp_path, name, text))
