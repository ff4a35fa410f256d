import datetime as dt
import json
from pathlib import Path

import pytest

from report.config import load_settings
from report.errors import ConfigError


def test_precedence_defaults_file_env_cli(tmp_path):
    cfg = tmp_path / "brief.toml"
    cfg.write_text(
        'langs = ["en"]\n[miner]\nefficiency_j_per_th = 18\npower_usd_per_kwh = 0.05\n[rmp]\nmonthly_usd = [30e9]\n'
    )
    s = load_settings(cfg, env={})
    assert s.langs == ("en",) and s.miner_efficiency_j_per_th == 18 and s.rmp_monthly_usd == (30e9,)
    s = load_settings(cfg, env={"BRIEF_LANG": "zh-Hant,en", "BRIEF_POWER_PRICE": "0.07"})
    assert s.langs == ("zh-Hant", "en") and s.power_usd_per_kwh == 0.07
    s = load_settings(cfg, env={"BRIEF_LANG": "zh-Hant"}, overrides={"langs": ("en",), "out_dir": tmp_path})
    assert s.langs == ("en",) and s.out_dir == tmp_path


def test_data_dir_from_env(tmp_path):
    s = load_settings(None, env={"BRIEF_DATA_DIR": str(tmp_path / "d")})
    assert s.data_dir == tmp_path / "d" and s.demo_store_path == tmp_path / "d" / "demo.sqlite"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("langs = ['fr']", "unknown language 'fr'"),
        ("[miner]\npower_usd_per_kwh = 5", "power price"),
        ("qt_end = 'soon'", "not a date"),
        ("langs = [", "not valid TOML"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path, text, match):
    cfg = tmp_path / "brief.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_settings(cfg, env={})


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})


def test_api_key_is_not_in_repr():
    key = "0123456789abcdef0123456789abcdef"
    s = load_settings(None, env={"FRED_API_KEY": key, "GLASSNODE_API_KEY": "gn-Secret_123"})
    assert s.fred_api_key == key and key not in repr(s) and "gn-Secret_123" not in repr(s)
    assert s.qt_end == dt.date(2025, 12, 1) and isinstance(s.out_dir, Path)


FRED_MESSAGE = "is not a valid FRED API key (32 lower-case letters and digits)"


@pytest.mark.parametrize(
    "key",
    [
        "0123456789abcdef 0123456789abcde",  # a space: urllib's InvalidURL would quote it
        "0123456789abcdef0123456789abcdef\n",  # a line break from a file or a paste
        "0123456789ABCDEF0123456789ABCDEF",  # FRED's keys are lower case
        "0123456789abcdef",  # too short
        "secret-key-123",
    ],
)
def test_a_malformed_fred_key_is_refused_without_showing_it(tmp_path, key):
    with pytest.raises(ConfigError) as err:
        load_settings(None, env={"FRED_API_KEY": key})
    assert str(err.value) == f"FRED_API_KEY {FRED_MESSAGE}"
    cfg = tmp_path / "brief.toml"
    cfg.write_text(f"[fred]\napi_key = {json.dumps(key)}\n")  # a TOML basic string, escapes and all
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env={})
    assert str(err.value) == f"fred.api_key in {cfg} {FRED_MESSAGE}"
    assert key.strip() not in str(err.value)


@pytest.mark.parametrize("key", ["gn-secret\r", "gn secret", "gn-secret\n", "\tgn", "gn\x00x", "gn-sécret"])
def test_a_malformed_glassnode_key_is_refused_without_showing_it(key):
    with pytest.raises(ConfigError) as err:
        load_settings(None, env={"GLASSNODE_API_KEY": key})
    assert str(err.value).startswith("GLASSNODE_API_KEY is not a valid Glassnode API key")
    assert "secret" not in str(err.value) and "gn" not in str(err.value).split("(")[0].replace("GLASSNODE", "")


def test_a_key_that_is_not_a_string_is_refused(tmp_path):
    cfg = tmp_path / "brief.toml"
    cfg.write_text("[fred]\napi_key = 12345\n")
    with pytest.raises(ConfigError, match=r"fred\.api_key in .* is not a valid FRED API key"):
        load_settings(cfg, env={})


def test_settings_replace_checks_keys_too():
    s = load_settings(None, env={})
    with pytest.raises(ConfigError, match=r"^FRED_API_KEY is not a valid FRED API key"):
        s.replace(fred_api_key="bad key")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lang = ['en']", "unknown setting lang in {path}; did you mean langs?"),
        ("[smpt]\nhost = 'mail.example.org'", "unknown setting smpt.host in {path}; did you mean smtp.host?"),
        ("[smtp]\nhots = 'mail.example.org'", "unknown setting smtp.hots in {path}; did you mean smtp.host?"),
        (
            "[miner]\nefficiency = 20",
            "unknown setting miner.efficiency in {path}; did you mean miner.efficiency_j_per_th?",
        ),
        ("smtp = 'mail.example.org'", "setting smtp in {path} must be a table ([smtp])"),
    ],
)
def test_unknown_key_in_config_is_an_error_with_a_suggestion(tmp_path, text, message):
    cfg = tmp_path / "brief.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env={})
    assert str(err.value) == message.format(path=cfg)


def test_every_documented_key_is_known(tmp_path):
    cfg = tmp_path / "brief.toml"
    cfg.write_text(
        'qt_end = 2025-12-01\n[fonts]\ncjk = "X"\n[smtp]\nhost = "h"\nport = 2525\n[email]\nfrom = "a <a@b.c>"\n'
        "[fred]\nurl = 'http://127.0.0.1:9'\n[sofr]\n"
    )
    s = load_settings(cfg, env={})
    assert s.smtp_host == "h" and s.smtp_port == 2525 and s.cjk_font == "X"


@pytest.mark.parametrize("value", ["smtp.example.org", ""])
def test_unknown_environment_variable_is_an_error_with_a_suggestion(value):
    with pytest.raises(ConfigError) as err:
        load_settings(None, env={"BRIEF_SMTP_HOTS": value})
    assert str(err.value) == "unknown environment variable BRIEF_SMTP_HOTS; did you mean BRIEF_SMTP_HOST?"


def test_known_environment_variables_are_accepted(tmp_path):
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text("[smtp]\nsecurity = 'ssl'\n")
    s = load_settings(None, env={"BRIEF_CONFIG": str(cfg), "BRIEF_SMTP_PORT": "", "OTHER_THING": "x"})
    assert s.smtp_security == "ssl" and s.smtp_port is None


# -- hostile tester, round 2: every bad setting is one ConfigError line naming it -------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('langs = ["en", 5]', r"langs: 5 is not a language name"),
        ("[rmp]\nstart = 2025-01-01T10:00:00", r"rmp\.start: .* is not a date \(use YYYY-MM-DD, without a time\)"),
        ("[rmp]\nstart = 20250101", r"rmp\.start: .* is not a date"),
        ("[smtp]\nport = true", r"smtp\.port: 'True' is not a whole number"),
        ("[smtp]\nport = 25.9", r"smtp\.port: '25.9' is not a whole number"),
        ("[rmp]\nmonths = 12.5", r"rmp\.months: .* is not a whole number"),
        ('[rmp]\nmonthly_usd = "inf"', r"rmp\.monthly_usd: .* not a list of finite numbers"),
        ('[rmp]\nmonthly_usd = ["nan"]', r"rmp\.monthly_usd: .* not a list of finite numbers"),
        ("[rmp]\nmonthly_usd = [nan]", r"rmp\.monthly_usd: .* not a list of finite numbers"),
        ("[miner]\nefficiency_j_per_th = true", r"miner\.efficiency_j_per_th: 'True' is not a number"),
        ("[miner]\npower_usd_per_kwh = inf", r"miner\.power_usd_per_kwh: 'inf' is not a finite number"),
        ("[smtp]\ntimeout = 0", r"smtp\.timeout 0\.0 s is outside 0\.1-600"),
    ],
)
def test_malformed_settings_are_one_clear_error(tmp_path, text, match):
    cfg = tmp_path / "brief.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=match) as err:
        load_settings(cfg, env={})
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("var", "value", "match"),
    [
        ("BRIEF_SMTP_TIMEOUT", "nan", r"^BRIEF_SMTP_TIMEOUT: 'nan' is not a finite number$"),
        ("BRIEF_SMTP_TIMEOUT", "-1", r"^smtp\.timeout -1\.0 s is outside 0\.1-600$"),
        ("BRIEF_SMTP_TIMEOUT", "0", r"^smtp\.timeout 0\.0 s is outside 0\.1-600$"),
        ("BRIEF_SMTP_TIMEOUT", "601", r"^smtp\.timeout 601\.0 s is outside 0\.1-600$"),
        ("BRIEF_SMTP_PORT", "25.9", r"^BRIEF_SMTP_PORT: '25.9' is not a whole number$"),
        ("BRIEF_SMTP_PORT", "true", r"^BRIEF_SMTP_PORT: 'true' is not a whole number$"),
        ("BRIEF_RMP_MONTHLY_USD", "35e9,inf", r"^BRIEF_RMP_MONTHLY_USD: .* not a list of finite numbers"),
        ("BRIEF_HTTP_TIMEOUT", "1_0", r"^BRIEF_HTTP_TIMEOUT: '1_0' is not a number$"),
        ("BRIEF_RMP_START", "2025-01-01T10:00:00", r"^BRIEF_RMP_START: .* is not a date"),
    ],
)
def test_malformed_environment_settings_are_one_clear_error(var, value, match):
    with pytest.raises(ConfigError, match=match):
        load_settings(None, env={var: value})


def test_good_numbers_still_load():
    s = load_settings(
        None,
        env={"BRIEF_SMTP_PORT": "2525", "BRIEF_SMTP_TIMEOUT": "0.5", "BRIEF_RMP_MONTHLY_USD": "3e10, 4.5e10"},
    )
    assert s.smtp_port == 2525 and s.smtp_timeout == 0.5 and s.rmp_monthly_usd == (3e10, 4.5e10)


@pytest.mark.parametrize("var", ["BRIEF_SMTP_PASSWORD", "BRIEF_SMTP_USER"])
def test_a_non_ascii_smtp_login_is_refused_without_showing_it(var):
    with pytest.raises(ConfigError, match=r"must be printable ASCII") as err:
        load_settings(None, env={var: "pässwörd-secret"})
    assert "secret" not in str(err.value) and "pässwörd" not in str(err.value)
    assert var in str(err.value)


def test_a_config_that_is_not_a_regular_file_is_refused_at_once(tmp_path):
    import os

    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo, tmp_path):
        with pytest.raises(ConfigError, match="is not a regular file"):
            load_settings(path, env={})


def test_a_config_over_one_megabyte_is_refused(tmp_path):
    cfg = tmp_path / "brief.toml"
    cfg.write_text("# " + "x" * (1 << 20) + "\n")
    with pytest.raises(ConfigError, match="is larger than 1024 KB"):
        load_settings(cfg, env={})


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[email]\nfrom = ["Brief <brief@example.org>"]\n', "email.from"),  # a natural slip: an array for text
        ('[smtp]\nhost = ["127.0.0.1"]\n', "smtp.host"),
        ("[smtp]\npassword = 12345678\n", "smtp.password"),
        ('[fonts]\ncjk = {name = "x"}\n', "fonts.cjk"),
        ("data_dir = 5\n", "data_dir"),
    ],
)
def test_text_settings_take_text_only_and_never_show_the_value(tmp_path, toml, words):
    """Before: any TOML value was turned into text, so From: read "['Brief <brief@example.org>']"."""
    cfg = tmp_path / "brief.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match="in quotes, not a TOML") as err:
        load_settings(cfg, env={})
    assert words in str(err.value) and "12345678" not in str(err.value)


def test_readers_in_brief_toml_may_be_an_array(tmp_path):
    cfg = tmp_path / "brief.toml"
    cfg.write_text('[email]\nto = ["ann@example.org", "bo@example.org"]\n', encoding="utf-8")
    assert load_settings(cfg, env={}).send_to == "ann@example.org, bo@example.org"
