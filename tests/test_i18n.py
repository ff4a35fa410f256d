import datetime as dt
import math

import pytest

from report.errors import ConfigError, RenderError
from report.i18n import (
    Catalogue,
    basis_points,
    btc,
    count_words,
    date,
    date_range,
    days,
    fmt,
    hashrate,
    load_catalogue,
    magnitude,
    merge_catalogues,
    money,
    month,
    number,
    percent,
    points,
    ratio,
)
from report.render.templating import catalogue
from report.resources import resource_dir

PACKAGED = str(resource_dir("templates") / "strings.toml")


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [
        (2.8576e12, "US$2.86 trillion", "2.86兆美元"),
        (45e9, "US$45 billion", "450億美元"),
        (420e9, "US$420 billion", "4,200億美元"),
        (22.298e12, "US$22.3 trillion", "22.3兆美元"),
        (74_000, "US$74,000", "7.40萬美元"),  # 萬 as the house style asks (7.47萬美元, not 74,678美元)
        (9_000, "US$9,000", "9,000美元"),
        (500e6, "US$500 million", "5億美元"),
        (-22.2e9, "−US$22.2 billion", "−222億美元"),
        (0.5, "US$0.50", "0.50美元"),
    ],
)
def test_money_per_language(value, en, zh):
    assert money(value, "en") == en
    assert money(value, "zh-Hant") == zh


def test_money_sign_and_no_negative_zero():
    assert money(1e9, "en", sign=True) == "+US$1 billion"
    assert percent(-0.01, "en") == "0.0%"


def test_counts_and_units():
    assert btc(6.5e6, "en") == "6.50 million BTC"
    assert btc(6.5e6, "zh-Hant") == "650萬枚比特幣"
    assert count_words(-105_000, "zh-Hant") == "−10.5萬"
    assert count_words(-105_000, "en", sign=True) == "−105,000"
    assert basis_points(12, "en") == "+12 bp"
    assert basis_points(-3, "zh-Hant") == "−3個基點"
    assert points(0.8, "zh-Hant") == "0.8個百分點"
    assert percent(9.2, "zh-Hant") == "9.2%"


def test_dates():
    d = dt.date(2025, 12, 8)
    assert date(d, "en") == "8 December 2025"
    assert date(d, "zh-Hant") == "2025年12月8日"
    assert month(dt.date(2025, 7, 1), "zh-Hant") == "2025年7月"
    assert month(dt.date(2025, 7, 1), "en") == "July 2025"
    assert date_range(dt.date(2025, 12, 9), dt.date(2025, 12, 10), "en") == "9–10 December 2025"
    assert date_range(dt.date(2024, 4, 30), dt.date(2024, 5, 1), "zh-Hant") == "2024年4月30日至5月1日"


UNITS = (
    "USD",
    "percent",
    "bp",
    "days",
    "BTC",
    "persons",
    "jobs",
    "months",
    "persons_change",
    "rate",
    "count",
    "H/s",
    "ratio",
    "percent_change",
    "no such unit",
)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e30, -1e30, 1e40])
def test_non_finite_or_absurd_values_format_as_a_dash(value):
    """Never "US$∞ trillion", never 25 digits, never a decimal.InvalidOperation from Babel."""
    for unit in UNITS:
        for lang in ("en", "zh-Hant"):
            assert fmt(value, unit, lang) == "—", (unit, lang)
    for fn in (money, count_words, btc, percent, basis_points, points, number, days, hashrate, ratio):
        for lang in ("en", "zh-Hant"):
            assert fn(value, lang) == "—", (fn.__name__, lang)


def test_large_but_printable_values_still_print():
    assert money(999e12, "en") == "US$999 trillion"
    assert hashrate(1.1e21, "en") == "1,100 EH/s" and hashrate(1.1e21, "zh-Hant") == "1,100EH/s"
    assert basis_points(35_000, "en") == "+35,000 bp"


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [
        (0, "0", "0"),
        (-5, "−5", "−5"),
        (30, "30", "30"),
        (20e12, "20 trillion", "20兆"),
        (100e9, "100 billion", "1,000億"),
        (21e6, "21 million", "2,100萬"),
        (400e6, "400 million", "4億"),
        (1e24, "1e+24", "1e+24"),
        (1e36, "1e+36", "1e+36"),
        (math.inf, "infinity", "無限大"),
        (-math.inf, "−infinity", "負無限大"),
        (math.nan, "not a number", "非數值"),
    ],
)
def test_magnitude_states_a_range_or_an_absurd_value(value, en, zh):
    assert magnitude(value, "en") == en
    assert magnitude(value, "zh-Hant") == zh


def test_fmt_missing_value_is_a_dash():
    assert fmt(None, "USD", "en") == "—"
    assert fmt(float("nan"), "percent", "zh-Hant") == "—"


def test_catalogue_has_every_language(cat):
    for key, entry in cat.strings.items():
        assert key == "ui.page_suffix" or (entry["en"].strip() and entry["zh-Hant"].strip()), key
        # the same placeholders in both languages
        import string

        names = [{f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f} for lang in ("en", "zh-Hant")]
        assert names[0] == names[1], key


def _user_strings(tmp_path, text):
    (tmp_path / "strings.toml").write_text(text, encoding="utf-8")
    return tmp_path / "strings.toml"


def test_partial_user_strings_override_one_text_and_keep_the_rest(tmp_path, cat):
    user = _user_strings(tmp_path, '[ui.title]\nen = "My Liquidity Letter"\n')
    merged = catalogue(tmp_path)
    assert merged.t("ui.title", "en") == "My Liquidity Letter"
    assert merged.t("ui.title", "zh-Hant") == cat.t("ui.title", "zh-Hant") == "流動性週報"
    assert merged.both("ui.since_last", date="1 Dec") == cat.both("ui.since_last", date="1 Dec")
    assert merged.strings.keys() == cat.strings.keys()
    assert merged.origin["ui.title"] == str(user) and merged.origin["ui.since_last"] == PACKAGED


def test_merge_is_per_key_and_per_language():
    base = Catalogue({"a": {"en": "A", "zh-Hant": "甲"}, "b": {"en": "B", "zh-Hant": "乙"}}, {"a": "base", "b": "base"})
    override = Catalogue({"a": {"zh-Hant": "甲甲"}, "c": {"en": "C", "zh-Hant": "丙"}}, {"a": "user", "c": "user"})
    merged = merge_catalogues(base, override)
    assert merged.strings == {
        "a": {"en": "A", "zh-Hant": "甲甲"},
        "b": {"en": "B", "zh-Hant": "乙"},
        "c": {"en": "C", "zh-Hant": "丙"},
    }
    assert merged.origin == {"a": "user", "b": "base", "c": "user"}
    assert base.strings["a"] == {"en": "A", "zh-Hant": "甲"}  # the inputs are left alone


def test_missing_key_or_language_is_a_one_line_render_error(tmp_path):
    path = _user_strings(tmp_path, '[ui.title]\nen = "Brief"\n')
    partial = load_catalogue(path, partial=True)
    with pytest.raises(RenderError) as err:
        partial.t("ui.nope", "en")
    assert str(err.value) == f"string 'ui.nope' is not in {path}"
    with pytest.raises(RenderError) as err:
        partial.both("ui.title")
    assert str(err.value) == f"string 'ui.title' has no 'zh-Hant' text in {path}"


def test_missing_key_in_a_merged_catalogue_names_both_files(tmp_path):
    user = _user_strings(tmp_path, '[ui.title]\nen = "Brief"\n')
    with pytest.raises(RenderError) as err:
        catalogue(tmp_path).t("ui.nope", "en")
    assert (
        str(err.value).startswith("string 'ui.nope' is not in ")
        and PACKAGED in str(err.value)
        and str(user) in str(err.value)
        and "\n" not in str(err.value)
    )


def test_a_user_placeholder_the_code_does_not_give_is_a_render_error(tmp_path):
    user = _user_strings(tmp_path, '[email.subject]\nen = "Brief {date}, {weekday}"\n')
    cat = catalogue(tmp_path)
    assert cat.t("email.subject", "zh-Hant", date="8 Dec", days="3天").startswith("流動性週報（8 Dec）")
    with pytest.raises(RenderError) as err:
        cat.both("email.subject", date="8 Dec", days="3 days")
    msg = str(err.value)
    assert msg.startswith(f"string 'email.subject' (en) in {user} names the placeholder {{weekday}}")
    assert "{date}, {days}" in msg and "\n" not in msg


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [('en = "Brief {date"', None), ('en = "Brief {0}"', "{0}"), ('en = "Brief {date:d}"', "{date:d}")],
)
def test_a_malformed_user_template_is_a_render_error(tmp_path, text, placeholder):
    user = _user_strings(tmp_path, f"[email.subject]\n{text}\n")
    with pytest.raises(RenderError) as err:
        catalogue(tmp_path).t("email.subject", "en", date="8 Dec", days="3 days")
    msg = str(err.value)
    assert msg.startswith(f"string 'email.subject' (en) in {user}") and "\n" not in msg
    assert placeholder is None or placeholder in msg


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[ui.title]\nfr = "Bulletin"\n', "string 'ui.title' in {path} has unknown language 'fr'; use zh-Hant, en"),
        ('[ui.title]\nzh-hant = "週報"\n', "has unknown language 'zh-hant' (did you mean zh-Hant?)"),
        ('[ui.title]\nen = "Brief"\nzh-Hant = "週報"\nfr = "Bulletin"\n', "has unknown language 'fr'"),
        ('title = "Brief"\n', "string 'title' in {path} must be a table"),
        ("[ui.title]\nen = 5\n", "string 'ui.title' in {path}: en must be text"),
        ("[ui.title]\n", "string 'ui.title' in {path} lacks zh-Hant, en"),
        ('[ui.title\nen = "Brief"\n', "string catalogue {path} is not valid TOML"),
    ],
)
def test_a_bad_user_strings_file_is_a_config_error_naming_it(tmp_path, text, match):
    path = _user_strings(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        catalogue(tmp_path)
    assert match.format(path=path) in str(err.value) and str(path) in str(err.value)


def test_the_packaged_catalogue_needs_every_language(tmp_path):
    path = _user_strings(tmp_path, '[ui.title]\nen = "Brief"\n')
    with pytest.raises(ConfigError, match="lacks zh-Hant"):
        load_catalogue(path)
    assert load_catalogue(path, partial=True).origin == {"ui.title": str(path)}
