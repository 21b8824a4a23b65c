"""Settings: one frozen object from the file and the environment; one clear line on any problem."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import (
    PLACEHOLDER_ENCRYPTION_KEYS,
    PLACEHOLDER_TOKEN,
    PLACEHOLDER_WEBHOOK_SECRET,
    ConfigError,
    load_settings,
)
from storage.crypto import new_key

EXAMPLE = Path(__file__).parent.parent / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "duwtje.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_loads_the_example_with_its_defaults() -> None:
    settings = load_settings(EXAMPLE, {})
    assert settings.telegram.base_url == "https://api.telegram.org"
    assert settings.telegram.mode == "polling"
    assert settings.defaults.time_zone == "Europe/Amsterdam"
    assert settings.defaults.quiet_hours_start == time(21, 0)
    assert settings.defaults.quiet_hours_end == time(8, 0)
    assert settings.pacing.overall_per_second == 29.0
    assert settings.secrets.telegram_token is None


def test_it_is_frozen() -> None:
    settings = load_settings(EXAMPLE, {})
    with pytest.raises(ValidationError):
        settings.telegram.mode = "webhook"  # type: ignore[misc]


def test_the_example_shows_the_placeholders_that_count_as_unset() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for placeholder in (PLACEHOLDER_TOKEN, PLACEHOLDER_WEBHOOK_SECRET, PLACEHOLDER_ENCRYPTION_KEYS):
        assert placeholder in text


@pytest.mark.parametrize(
    ("label", "config", "expected"),
    [
        ("unknown mode", '[telegram]\nmode = "pull"\n', ":2: telegram.mode: expected 'polling' or"),
        ("unknown key", '[telegram]\nmdoe = "polling"\n', ":2: telegram.mdoe: unknown key"),
        ("unknown section", "[telegramm]\n", ":1: telegramm: unknown key"),
        (
            "bad zone",
            '[defaults]\ntime_zone = "Mars/Base"\n',
            "defaults.time_zone: expected an IANA",
        ),
        ("bad hour", '[defaults]\nquiet_hours_start = "25:00"\n', "defaults.quiet_hours_start"),
        ("bad url", '[database]\nurl = "mysql://x"\n', "database.url: expected sqlite:///"),
        ("bad pace", "[pacing]\noverall_per_second = 0\n", "pacing.overall_per_second: expected"),
        (
            "bad key",
            '[organisation]\nkey = "Wijk Team"\n',
            "organisation.key: expected a short key",
        ),
        ("webhook without url", '[telegram]\nmode = "webhook"\n', "telegram: webhook mode needs"),
        (
            "bad language",
            '[defaults]\nlanguage = "de"\n',
            "defaults.language: expected 'nl' or 'en'",
        ),
        ("not toml", "[telegram\n", "not valid TOML"),
    ],
)
def test_it_names_file_key_and_expectation_in_one_line(
    tmp_path: Path, label: str, config: str, expected: str
) -> None:
    path = write(tmp_path, config)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    message = str(caught.value)
    assert message.startswith(str(path)), label
    assert expected in message, (label, message)
    assert "\n" not in message


def test_it_says_how_to_create_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found; create one with `duwtje init`"):
        load_settings(tmp_path / "missing.toml", {})


def test_it_falls_back_to_duwtje_config_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[organisation]\nkey = "buurtteam"\n')
    settings = load_settings(None, {"DUWTJE_CONFIG": str(path)})
    assert settings.organisation.key == "buurtteam"


def test_it_reads_secrets_from_the_environment_and_from_files(tmp_path: Path) -> None:
    key_one, key_two = new_key(), new_key()
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"{key_one}, {key_two}\n", encoding="utf-8")
    settings = load_settings(
        EXAMPLE,
        {
            "DUWTJE_TELEGRAM_TOKEN": "1:T",
            "DUWTJE_WEBHOOK_SECRET": "s3cret_-x",
            "DUWTJE_ENCRYPTION_KEYS_FILE": str(keys_file),
        },
    )
    assert settings.require_token() == "1:T"
    assert settings.require_webhook_secret() == "s3cret_-x"
    assert settings.require_encryption_keys() == [key_one, key_two]


def test_it_never_shows_secrets_in_its_repr() -> None:
    settings = load_settings(EXAMPLE, {"DUWTJE_TELEGRAM_TOKEN": "123:very-secret-token"})
    assert "very-secret-token" not in repr(settings)
    assert "very-secret-token" not in str(settings.model_dump())


@pytest.mark.parametrize(
    "environ",
    [
        {"DUWTJE_TELEGRAM_TOKEN": ""},
        {"DUWTJE_TELEGRAM_TOKEN": PLACEHOLDER_TOKEN},
        {"DUWTJE_ENCRYPTION_KEYS": PLACEHOLDER_ENCRYPTION_KEYS},
        {"DUWTJE_WEBHOOK_SECRET": PLACEHOLDER_WEBHOOK_SECRET},
        {},
    ],
)
def test_it_treats_placeholders_as_unset(environ: dict[str, str]) -> None:
    settings = load_settings(EXAMPLE, environ)
    with pytest.raises(ConfigError, match="DUWTJE_TELEGRAM_TOKEN is not set"):
        settings.require_token()
    with pytest.raises(ConfigError, match="DUWTJE_ENCRYPTION_KEYS is not set"):
        settings.require_encryption_keys()
    with pytest.raises(ConfigError, match="DUWTJE_WEBHOOK_SECRET is not set"):
        settings.require_webhook_secret()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"DUWTJE_TELEGRAM_TOKEN": "not a token"}, "DUWTJE_TELEGRAM_TOKEN: expected a token"),
        ({"DUWTJE_WEBHOOK_SECRET": "has spaces"}, "DUWTJE_WEBHOOK_SECRET: expected 1-256"),
        ({"DUWTJE_ENCRYPTION_KEYS": "abc"}, "DUWTJE_ENCRYPTION_KEYS: key 1 is not a Fernet key"),
        (
            {"DUWTJE_TELEGRAM_TOKEN": "1:T", "DUWTJE_TELEGRAM_TOKEN_FILE": "/x"},
            "both set: keep only one",
        ),
        ({"DUWTJE_TELEGRAM_TOKEN_FILE": "/does/not/exist"}, "cannot read /does/not/exist"),
    ],
)
def test_it_refuses_bad_secrets_with_a_fix(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_settings(EXAMPLE, environ)


def test_it_accepts_any_token_of_telegrams_shape() -> None:
    for token in ("1:T", "123456789:AAH-abc_DEF"):
        assert load_settings(EXAMPLE, {"DUWTJE_TELEGRAM_TOKEN": token}).require_token() == token


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    path = folder / "duwtje.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///data/duwtje.db"\n[content]\nextra_dirs = ["mine"]\n',
        encoding="utf-8",
    )
    settings = load_settings(path, {})
    assert settings.database.url == f"sqlite:///{folder.resolve() / 'data' / 'duwtje.db'}"
    assert settings.content.extra_dirs == (str(folder.resolve() / "mine"),)
