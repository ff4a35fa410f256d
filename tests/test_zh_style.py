"""The Traditional Chinese house style (../shared/reference/zh-Hant-style.md) on every Chinese string the brief prints.

The guide is the law for the zh-Hant text: Taiwan register, one term per concept, no series codes and no ISO dates in
prose (codes belong to the sources appendix), every notice a full sentence ending in 。. These tests scan

- every zh-Hant string of the string catalogue (templates/strings.toml) and of the chart catalogue
  (charts/catalogue.toml), and
- the Chinese text of a built demo edition (HTML), outside the sources appendix,

for the terms the guide tells us to avoid, for series codes and ISO dates, and for a few typographic faults.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from report.pipeline.build import build
from report.render.templating import catalogue
from report.series import SERIES

ROOT = Path(__file__).resolve().parents[1]
CHARTS = ROOT / "charts" / "catalogue.toml"

# The "avoid" column of the glossary in zh-Hant-style.md, with the guide's reason, plus the Hong Kong terms of its
# last column where they differ from the Taiwan term (the brief is written in the Taiwan register) and the calques
# and colloquialisms its "Numbers" and "Register" sections name.
AVOIDED: dict[str, str] = {
    "美聯儲": "Federal Reserve is 聯準會",
    "聯儲局": "Federal Reserve is 聯準會 (Hong Kong term)",
    "儲備": "bank reserves are 準備金, never 儲備 (also 外匯儲備, 儲備管理購買)",
    "準備金利率": "IORB is 準備金餘額利率（IORB）; 準備金利率 reads as the reserve-requirement ratio",
    "量化交易": "quantitative tightening is 量化緊縮（QT）",
    "政策走廊": "the policy rate corridor is 利率走廊",
    "上緣": "the top of the corridor is 目標區間上限 (no 政策走廊的上緣, no 測試…上緣)",
    "測試": "a calque (測試上緣): say 高於目標區間上限",
    "聯邦基金目標區間": "the target range is 聯邦基金利率目標區間",
    "職位空缺": "job openings are 職缺數（JOLTS）",
    "通縮": "disinflation is not 通縮",
    "通脹": "inflation is 通膨 (通脹 is the Hong Kong term)",
    "生產成本": "miner cost is energy only: 挖礦電力成本 (never 礦工生產成本, it is not all-in)",
    "虧損供給": "supply in loss is 虧損供應量, one term",
    "處於虧損狀態": "supply in loss is 虧損供應量（處於未實現虧損的比特幣）",
    "名義GDP": "nominal GDP is 名目GDP (名義GDP is the Hong Kong term)",
    "靜默期": "the blackout period is 緘默期 (靜默期 is the Hong Kong term)",
    "萬億": "10^12 is 兆 (萬億 is the Hong Kong usage)",
    "百萬": "scale words are 萬 / 億 / 兆 (萬枚, not 百萬枚)",
    "千人": "scale words are 萬 / 億 / 兆 (萬人, not 千人)",
    "千美元": "scale words are 萬 / 億 / 兆 (萬美元, not 千美元)",
    "收在": "colloquial: use 收於",
    "×": "multiples are 1.21倍, never ×",
    "[數據過時": "missing or stale data read like a footnote, never [數據過時：…]",
}

# Series ids that are also the plain names of what they measure (the glossary writes 擔保隔夜融資利率（SOFR）,
# 準備金餘額利率（IORB）, 名目GDP): these may appear in prose; every other id is a code for the sources appendix.
WORDS = {"SOFR", "IORB", "GDP", "EFFR"}
CODES = sorted((sid for sid in SERIES if sid not in WORDS), key=len, reverse=True)
CODE = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, CODES)) + r")(?![A-Za-z0-9_])")
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?!\d)")
HAN = "\u3400-\u4dbf\u4e00-\u9fff"
# No space between Chinese and digits or Latin words (第1頁, 準備金2.86兆美元); half-width punctuation in a Chinese
# sentence instead of ，。：；（）
SPACE = re.compile(rf"[{HAN}] [!-~]|[!-~] [{HAN}]")
HALF_WIDTH = re.compile(rf"[{HAN}][,.;:!?()]|[(][{HAN}]")
# A change is a verb, not a signed noun: 減少222億美元, not 變動−222億美元
SIGNED_NOUN = re.compile(r"變動\s*[+−-]\s*\d")


def faults(text: str) -> list[str]:
    """Every way ``text`` breaks the house style, as readable messages (empty when it reads right)."""
    found = [f"avoided term {term!r} ({why})" for term, why in AVOIDED.items() if term in text]
    found += [f"series code {m!r} in prose" for m in CODE.findall(text)]
    found += [f"ISO date {m!r} in prose" for m in ISO_DATE.findall(text)]
    found += [f"space between Chinese and Latin/digits: {m.group()!r}" for m in SPACE.finditer(text)]
    found += [f"half-width punctuation: {m.group()!r}" for m in HALF_WIDTH.finditer(text)]
    found += [f"signed noun instead of a verb: {m.group()!r}" for m in SIGNED_NOUN.finditer(text)]
    return found


def _zh_strings() -> dict[str, str]:
    return {key: entry["zh-Hant"] for key, entry in catalogue(None).strings.items() if "zh-Hant" in entry}


def _chart_texts(table: dict, path: str = "") -> Iterator[tuple[str, str]]:
    for key, value in table.items():
        where = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            yield from _chart_texts(value, where)
        elif key == "zh-Hant" and isinstance(value, str):
            yield where, value


def test_the_fault_finder_sees_the_faults_the_guide_names():
    assert faults("截至2025年12月3日當週，銀行準備金為2.86兆美元。") == []
    assert faults("SOFR測試政策走廊的上緣")
    assert faults("[數據過時：WRESBAL 2025-11-26]")
    assert faults("美聯儲的儲備管理購買") and faults("職位空缺為717萬個") and faults("準備金利率（IORB）")
    assert faults("非農就業變動+4.1萬") and faults("1.21×") and faults("流動性週報 0.1.0")
    assert not faults("準備金餘額利率（IORB）與擔保隔夜融資利率（SOFR）、名目GDP")


def test_every_zh_string_of_the_catalogue_follows_the_house_style():
    bad = {key: f for key, text in _zh_strings().items() if (f := faults(text))}
    assert not bad, "\n".join(f"{key}: {'; '.join(f)}" for key, f in bad.items())


def test_every_zh_text_of_the_chart_catalogue_follows_the_house_style():
    texts = dict(_chart_texts(tomllib.loads(CHARTS.read_text(encoding="utf-8"))))
    assert texts, "no zh-Hant text found in charts/catalogue.toml"
    bad = {key: f for key, text in texts.items() if (f := faults(text))}
    assert not bad, "\n".join(f"{key}: {'; '.join(f)}" for key, f in bad.items())


# Sentence fragments that the code puts inside other sentences: they carry no 。 of their own.
FRAGMENTS = {
    "reason.implausible",  # inside fig.implausible: "{label}數值異常，未予列出：{reason}。"
    "reason.not_finite",
    "rule.as_of",
    "rule.since_year_ago",
    "rule.since_last_edition",
    "rule.payrolls_declines",
    "rule.payrolls_avg_up",
    "rule.payrolls_avg_down",
}
SENTENCES = ("text.", "rule.", "reason.", "changes.", "fomc.")


def test_every_zh_sentence_and_notice_ends_with_a_full_stop():
    """Every sentence ends with 。, the generated notices for missing or stale data too, so two never run together
    (a template may end with a placeholder that is itself a sentence, like {reason} or {blackout})."""
    bad = [
        key
        for key, text in _zh_strings().items()
        if key.startswith(SENTENCES)
        and not key.startswith("reason.series.")
        and key not in FRAGMENTS
        and not text.rstrip().endswith(("。", "}"))
    ]
    notices = [
        "fig.unavailable",
        "fig.implausible",
        "ui.chart_no_data",
        "story.unavailable_note",
        "ui.cover_stale_note",
    ]
    bad += [key for key in notices if not _zh_strings()[key].endswith(("。", "}"))]
    assert not bad, f"zh-Hant sentences without a closing 。: {bad}"


class _ZhText(HTMLParser):
    """The text of every element marked lang="zh-Hant", outside the sources appendix (where codes belong), in order;
    ``prose`` holds that of the sections' paragraphs (class "prose")."""

    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool, bool]] = []  # tag, zh, appendix, prose
        self.texts: list[str] = []
        self.prose: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        a = dict(attrs)
        zh0, appendix0, prose0 = self.stack[-1][1:] if self.stack else (False, False, False)
        zh = zh0 or (tag != "html" and a.get("lang") == "zh-Hant")  # <html lang> is the page's primary language
        appendix = appendix0 or (tag == "section" and a.get("id") == "sources")
        prose = prose0 or (zh and "prose" in (a.get("class") or "").split())
        self.stack.append((tag, zh, appendix, prose))
        if zh and tag in ("p", "div", "td", "th", "li", "h2", "h3", "small", "caption", "figcaption", "span"):
            self.texts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][1] and not self.stack[-1][2]:
            self.texts.append(data)
            if self.stack[-1][3]:
                self.prose.append(data)


@pytest.fixture
def demo_html(demo_settings) -> str:
    ed = build(demo_settings.replace(formats=("html",)), demo=True)
    return ed.file(".html").read_text(encoding="utf-8")


def test_the_chinese_of_a_built_edition_follows_the_house_style(demo_html):
    parser = _ZhText()
    parser.feed(demo_html)
    lines = [line.strip() for line in "".join(parser.texts).splitlines() if line.strip()]
    assert len(lines) > 50, "too little Chinese text found in the edition"
    bad = [(line, f) for line in lines if (f := faults(line))]
    assert not bad, "\n".join(f"{line}\n    {'; '.join(f)}" for line, f in bad)
    # SOFR is spelled out at its first use in the body
    prose = "".join(parser.prose)
    first = prose.find("SOFR")
    assert first >= 0, "the demo edition's Chinese prose never names SOFR"
    assert prose[:first].endswith("擔保隔夜融資利率（"), (
        f"first SOFR in the prose is bare: {prose[first - 40 : first + 20]!r}"
    )
