import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_the_embedded_ones(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database_url.startswith("sqlite")
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.admin_host == "127.0.0.1"
    assert settings.admin_port == 8080
    assert settings.timezone == "Europe/Amsterdam"
    assert settings.webhook_url is None


def test_environment_prefix_is_read(monkeypatch):
    monkeypatch.setenv("INBEELD_ADMIN_PORT", "9090")
    monkeypatch.setenv("INBEELD_TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings()
    assert settings.admin_port == 9090
    assert settings.telegram_api_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("INBEELD_ADMIN_PORT", "eighty", "INBEELD_ADMIN_PORT"),
        ("INBEELD_ADMIN_PORT", "70000", "INBEELD_ADMIN_PORT"),
        ("INBEELD_TIMEZONE", "Mars/Olympus", "INBEELD_TIMEZONE"),
        ("INBEELD_DATABASE_URL", "mysql://x", "INBEELD_DATABASE_URL"),
        (
            "INBEELD_WEBHOOK_URL",
            "https://bot.example.nl/telegram/webhook",
            "INBEELD_WEBHOOK_SECRET",
        ),
        ("INBEELD_TELEGRAM_API_URL", "ftp://x", "INBEELD_TELEGRAM_API_URL"),
    ],
)
def test_invalid_settings_name_the_variable(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(expected)


def test_cli_reports_a_bad_setting_in_one_line_with_exit_status_2(tmp_path):
    env = {"INBEELD_ADMIN_PORT": "not-a-port", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "INBEELD_ADMIN_PORT" in lines[0]
    assert "Traceback" not in result.stderr


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`INBEELD_([A-Z_]+)`", readme))
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - documented == set(), "undocumented settings"
    assert (
        documented - settings - {"TEST_DATABASE_URL", "TEST_REQUIRE_PG", "TEST_REQUIRE_BROWSER"}
        == set()
    ), "README documents settings that do not exist"
