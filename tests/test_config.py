import datetime as dt
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
    s = load_settings(None, env={"FRED_API_KEY": "secret-key-123"})
    assert s.fred_api_key == "secret-key-123" and "secret-key-123" not in repr(s)
    assert s.qt_end == dt.date(2025, 12, 1) and isinstance(s.out_dir, Path)


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
