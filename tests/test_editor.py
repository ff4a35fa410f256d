"""The editor's desk (issue 13, first part): live figures, checked claims and attributed forecasts in the notes,
parsed strictly with file:line errors, resolved in both languages, escaped, --strict, and `brief notes check`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import REAL_DATA

from report import editor
from report.cli import cli
from report.editor import Claim, Forecast, Ref, check, parse_token, resolve, tolerance
from report.errors import NotesError
from report.figures.model import Figure
from report.notes import load_notes
from report.render.context import Notes

D = dt.date
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "reference-week.md"


def fig(key: str, value: float | None, unit: str, status: str = "ok") -> Figure:
    label = {"en": key.replace("_", " "), "zh-Hant": key}
    return Figure(key, value, unit, D(2025, 12, 3), (), status, label, {}, None, {})  # type: ignore[arg-type]


FIGS = {
    "reserves": fig("reserves", 2.8642e12, "USD"),
    "payroll_declines_7m": fig("payroll_declines_7m", 3.0, "months"),
    "supply_in_loss": fig("supply_in_loss", None, "BTC", "unavailable"),
    "unemployment_rate": fig("unemployment_rate", 4.4, "percent"),
}


def test_tokens_parse_into_references_claims_and_forecasts():
    assert parse_token(" reserves ") == Ref("reserves")
    assert parse_token("reserves.observed") == Ref("reserves", "observed")
    assert parse_token("claim payroll_declines_7m = 5") == Claim("payroll_declines_7m", "=", "5")
    assert parse_token("claim reserves ~ 2.9e12") == Claim("reserves", "~", "2.9e12")
    assert parse_token("claim  reserves\n <= 3e12") == Claim("reserves", "<=", "3e12")
    assert parse_token('forecast "BofA" rmp_monthly = 45e9') == Forecast("BofA", "rmp_monthly", "45e9")
    assert parse_token("claim rmp_45bn > 0") == Claim("rmp_45bn", ">", "0")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("reservs", "unknown figure 'reservs' (did you mean 'reserves'?)"),
        ("claim reserves == 2.9e12", "malformed claim"),
        ("claim reserves = lots", "malformed claim"),
        ("forecast BofA rmp_monthly = 45e9", "malformed forecast"),
        ('forecast "BofA" rmp_monthly = -5e9', "positive amount"),
        ('forecast "BofA" nothing = 5', "unknown forecast key 'nothing'"),
        ("reserves.colour", "cannot read"),
        ("", "empty"),
    ],
)
def test_malformed_tokens_say_what_is_wrong(body, says):
    with pytest.raises(ValueError, match=None) as exc:
        parse_token(body)
    assert says in str(exc.value)


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("# en\nFine {{ reserves }}.\n\nBad {{ reservs }} here.\n", 4, "unknown figure 'reservs'"),
        ("# en\nOne.\n\nOpen {{ claim reserves = 5 and never closed.\n", 4, "never closed"),
        ("# en\nStray }} here.\n", 2, "without its {{"),
    ],
)
def test_a_syntax_error_is_reported_as_file_and_line(tmp_path, text, line, says):
    p = tmp_path / "notes.md"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(NotesError) as exc:
        load_notes(p)
    assert str(exc.value).startswith(f"{p}:{line}: ") and says in str(exc.value)


@pytest.mark.parametrize(
    ("written", "tol"), [("2.9e12", 0.05e12), ("56000", 500.0), ("5", 0.5), ("4.4", 0.05), ("2.86e12", 0.005e12)]
)
def test_the_precision_written_sets_the_tolerance(written, tol):
    assert tolerance(written) == pytest.approx(tol)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (Claim("payroll_declines_7m", "=", "3"), "holds"),
        (Claim("payroll_declines_7m", "=", "5"), "fails"),
        (Claim("reserves", "~", "2.9e12"), "holds"),  # 2.864 is within 0.05 of 2.9
        (Claim("reserves", "~", "2.90e12"), "fails"),  # but not within 0.005
        (Claim("reserves", "~", "2.86e12"), "holds"),
        (Claim("reserves", "<", "3e12"), "holds"),
        (Claim("reserves", ">=", "3e12"), "fails"),
        (Claim("supply_in_loss", "~", "6.5e6"), "unverifiable"),
        (Claim("btc_price", "=", "1"), "unverifiable"),  # not computed at all
    ],
)
def test_claims_against_the_data(claim, verdict):
    assert check(claim, FIGS).verdict == verdict


def notes(en: str, zh: str) -> Notes:
    return Notes(title={"en": "", "zh-Hant": ""}, paragraphs={"en": [en], "zh-Hant": [zh]})


def test_claims_render_in_both_languages(cat):
    r = resolve(
        notes(
            "Payrolls fell in {{ claim payroll_declines_7m = 5 }} of seven; reserves {{ claim reserves ~ 2.9e12 }}; "
            "{{ claim supply_in_loss ~ 6.5e6 }} in loss; "
            "unemployment {{ unemployment_rate }} on {{ reserves.observed }}.",
            "七個月中有{{ claim payroll_declines_7m = 5 }}減少；準備金{{ claim reserves ~ 2.9e12 }}。",
        ),
        FIGS,
        cat,
    )
    en = editor.plain(r.paragraphs["en"][0])
    zh = editor.plain(r.paragraphs["zh-Hant"][0])
    assert "fell in 5 months [the data say 3 months] of seven" in en
    assert "reserves US$2.86 trillion;" in en  # a claim that holds prints the data's figure
    assert "6.50 million BTC [cannot be checked: the figure is not available] in loss" in en
    assert "unemployment 4.4% on 3 December 2025." in en
    assert "有5個月（資料顯示為3個月）減少" in zh and "準備金2.86兆美元。" in zh
    kinds = [s.kind for s in r.paragraphs["en"][0]]
    assert kinds.count("claim_fails") == 1 and kinds.count("note") == 2 and "claim_holds" in kinds
    assert [c.verdict for c in r.checked].count("fails") == 2  # once in each language


def test_forecasts_are_attributed_in_both_languages(cat):
    r = resolve(
        notes('{{ forecast "BofA" rmp_monthly = 45e9 }}.', '{{ forecast "BofA" rmp_monthly = 45e9 }}。'), {}, cat
    )
    assert editor.plain(r.paragraphs["en"][0]) == "BofA expects bill purchases of US$45 billion a month."
    assert editor.plain(r.paragraphs["zh-Hant"][0]) == "BofA預期聯準會每月購買450億美元國庫券。"
    assert r.paragraphs["en"][0][0].kind == "forecast"


def write_notes(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "notes.md"
    p.write_text(body, encoding="utf-8")
    return p


def test_a_demo_build_escapes_text_names_forecast_scenarios_and_marks_failed_claims(demo_settings, tmp_path):
    p = write_notes(
        tmp_path,
        "# en\n<b>Bold?</b> Reserves are {{ reserves }}; payrolls fell in {{ claim payroll_declines_7m = 9 }}. "
        '{{ forecast "BofA" rmp_monthly = 45e9 }} and {{ forecast "Evercore ISI" rmp_monthly = 30e9 }}.\n'
        "# zh-Hant\n準備金{{ reserves }}。\n",
    )
    env = {"BRIEF_DATA_DIR": str(demo_settings.data_dir), "BRIEF_CONFIG": None}
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["build", "--demo", "--format", "html", "--out", str(out), "--notes", str(p)], env=env)
    assert r.exit_code == 0, r.output
    assert "claim {{ claim payroll_declines_7m = 9 }} does not hold: the data say 5 months" in r.stderr
    folder = next((out / "editions").iterdir())
    html = next(folder.glob("*.html")).read_text(encoding="utf-8")
    assert "&lt;b&gt;Bold?&lt;/b&gt;" in html and "<b>Bold?</b>" not in html
    assert (
        '<span class="live live-claim_fails">9 months</span><span class="live live-note"> [the data say 5 months]'
        in html
    )
    assert '<span class="live live-figure">2.86兆美元</span>' in html
    labels = {f["key"]: f["label"]["en"] for f in json.loads((folder / "figures.json").read_text())["figures"]}
    assert labels["rmp_30bn"].startswith("Evercore ISI forecast: ") and labels["rmp_45bn"].startswith("BofA forecast")
    assert "rmp_35bn" not in labels  # the notes' forecasts replaced the configured scenarios
    notes_json = json.loads((folder / "notes.json").read_text(encoding="utf-8"))
    assert "{{ claim payroll_declines_7m = 9 }}" in notes_json["paragraphs"]["en"][0]  # archived as written


def test_strict_fails_the_build_and_archives_nothing(demo_settings, tmp_path):
    p = write_notes(tmp_path, "# en\nPayrolls fell in {{ claim payroll_declines_7m = 9 }} months.\n")
    env = {"BRIEF_DATA_DIR": str(demo_settings.data_dir), "BRIEF_CONFIG": None}
    out = tmp_path / "out"
    args = ["build", "--demo", "--format", "html", "--out", str(out), "--notes", str(p), "--strict"]
    r = CliRunner().invoke(cli, args, env=env)
    assert r.exit_code == 1 and "--strict: 1 claim(s) in the notes do not hold" in r.stderr
    assert "Traceback" not in r.output
    editions = out / "editions"
    assert not editions.exists() or not [d for d in editions.iterdir() if not d.name.startswith(".")]


def test_notes_check_prints_every_claim_and_its_exit_code_follows_them(demo_settings, tmp_path):
    env = {"BRIEF_DATA_DIR": str(demo_settings.data_dir), "BRIEF_CONFIG": None}
    good = write_notes(tmp_path, "# en\n{{ claim payroll_declines_7m = 5 }} and {{ claim reserves ~ 2.9e12 }}.\n")
    r = CliRunner().invoke(cli, ["notes", "check", str(good), "--demo"], env=env)
    assert r.exit_code == 0, r.output
    assert "payroll_declines_7m = 5" in r.stdout and r.stdout.count("holds") == 2
    bad = write_notes(tmp_path, "# en\nOne.\n\n{{ claim payroll_declines_7m = 3 }}\n")
    r = CliRunner().invoke(cli, ["notes", "check", str(bad), "--demo"], env=env)
    assert r.exit_code == 1 and "1 of 1 claims do not hold (line 4)" in r.stderr
    assert "4     payroll_declines_7m = 3  5 months  fails" in r.stdout


@pytest.fixture(scope="module")
def real_payrolls(tmp_path_factory) -> Path:
    merged = REAL_DATA / "fred_jonsflow_risk-model" / "merged_to_2026-08-21"
    if not merged.is_dir():
        pytest.skip(f"real data folder {merged} is absent")
    data_dir = tmp_path_factory.mktemp("editor_real")
    files = [merged / f"{sid}.csv" for sid in ("PAYEMS", "WRESBAL", "WALCL", "UNRATE")]
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "data", "import", *map(str, files)])
    assert r.exit_code == 0, r.output
    return data_dir


def test_the_example_commentary_on_real_data_flags_the_payroll_claim(real_payrolls):
    """The reference article says payrolls fell in five of the last seven months; on 8 December 2025 the data then
    published (through September: the shutdown delayed October and November to 16 December) say otherwise."""
    env = {"BRIEF_DATA_DIR": str(real_payrolls), "BRIEF_CONFIG": None}
    r = CliRunner().invoke(cli, ["notes", "check", str(EXAMPLE), "--as-of", "2025-12-08"], env=env)
    assert r.exit_code == 1, r.output
    rows = [line.split() for line in r.stdout.splitlines() if "payroll_declines_7m" in line]
    assert len(rows) == 2 and all(row[-1] == "fails" for row in rows)  # both languages
    assert all(row[-3:-1] != ["5", "months"] for row in rows)
    qt = [line for line in r.stdout.splitlines() if "qt_runoff" in line]
    assert qt and all(line.endswith("holds") for line in qt)
