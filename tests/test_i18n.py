import datetime as dt

import pytest

from report.i18n import basis_points, btc, count_words, date, date_range, fmt, money, month, percent, points


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [
        (2.8576e12, "US$2.86 trillion", "2.86兆美元"),
        (45e9, "US$45 billion", "450億美元"),
        (420e9, "US$420 billion", "4,200億美元"),
        (22.298e12, "US$22.3 trillion", "22.3兆美元"),
        (74_000, "US$74,000", "74,000美元"),
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
