import pytest

from report.errors import NotesError
from report.notes import load_notes


def test_yaml_notes(tmp_path):
    p = tmp_path / "n.yaml"
    p.write_text(
        "title:\n  en: Week view\n  zh-Hant: 本週觀點\nbody:\n  en: |\n    One.\n\n    Two\n    lines.\n"
        "  zh-Hant: 第一段。\n",
        encoding="utf-8",
    )
    n = load_notes(p)
    assert n.title == {"zh-Hant": "本週觀點", "en": "Week view"}
    assert n.paragraphs["en"] == ["One.", "Two lines."] and n.paragraphs["zh-Hant"] == ["第一段。"]


def test_markdown_with_front_matter(tmp_path):
    p = tmp_path / "n.md"
    p.write_text(
        "---\ntitle: Shared title\n---\nShared intro.\n\n# en\nEnglish only.\n\n# zh-Hant\n中文。\n", encoding="utf-8"
    )
    n = load_notes(p)
    assert n.title["en"] == n.title["zh-Hant"] == "Shared title"
    assert n.paragraphs["en"] == ["Shared intro.", "English only."]
    assert n.paragraphs["zh-Hant"] == ["Shared intro.", "中文。"]


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("n.yaml", "body: [unclosed", "invalid YAML"),
        ("n.yaml", "body:\n  fr: bonjour\n", "unknown language 'fr'"),
        ("n.md", "---\ntitle: x\n", "never ends"),
        ("n.md", "   \n", "no text"),
    ],
)
def test_bad_notes(tmp_path, name, content, match):
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(NotesError, match=match):
        load_notes(p)


def test_unreadable_notes(tmp_path):
    with pytest.raises(NotesError, match="cannot read notes file"):
        load_notes(tmp_path / "missing.md")
    p = tmp_path / "bin.md"
    p.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(NotesError, match="not UTF-8"):
        load_notes(p)
