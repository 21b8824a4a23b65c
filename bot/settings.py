"""Configuration: one validated, frozen settings object.

`load_settings(path, environ)` reads the TOML file and the secrets from `environ` (never from
the file) and returns `Settings`. Every problem becomes one `ConfigError` that names the file,
the key (and the line when we can find it) and what is expected, so the CLI can print one line.
Nothing here runs at import time: `main()` builds the settings once and passes them down.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.errors import UserError
from storage.organisations import ORG_KEY_PATTERN

# The values shown in config.example.toml. A secret equal to one of these is treated as unset,
# so copying the example without filling it in fails loudly instead of running with a dummy.
PLACEHOLDER_TOKEN = "123456789:put-your-botfather-token-here"
PLACEHOLDER_WEBHOOK_SECRET = "put-a-long-random-secret-here"
PLACEHOLDER_ENCRYPTION_KEYS = "put-your-fernet-key-here"

TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

DEFAULT_CONFIG_NAME = "duwtje.toml"


class ConfigError(UserError):
    """A configuration problem, worded for the person who has to fix it (one line)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramSettings(_Section):
    base_url: str = "https://api.telegram.org"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8081, ge=1, le=65535)
    webhook_max_body_bytes: int = Field(default=1_000_000, ge=10_000, le=20_000_000)
    # Timeouts for one Bot API call. A read timeout on a send is "ambiguous" (it may have arrived).
    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    read_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+(:\d+)?(/[^\s]*)?$", value):
            raise ValueError("expected an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+(:\d+)?/[^\s]*$", value):
            raise ValueError(
                "expected the public URL Telegram posts to, such as https://bot.example.nl/telegram"
            )
        return value

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramSettings:
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError(
                "webhook mode needs webhook_url, the public HTTPS address Telegram posts to"
            )
        return self


class DatabaseSettings(_Section):
    url: str = "sqlite:///duwtje.db"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgresql+psycopg://")):
            raise ValueError(
                "expected sqlite:///path.db or postgresql+psycopg://user:password@host/dbname"
            )
        return value


class DefaultsSettings(_Section):
    """Defaults for the first organisation and for people who did not choose otherwise."""

    time_zone: str = "Europe/Amsterdam"
    language: Literal["nl", "en"] = "nl"
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_time_zone(value)


class PacingSettings(_Section):
    """Telegram's limits. Functional tests relax these; production keeps the defaults."""

    overall_per_second: float = Field(default=29.0, gt=0, le=1000)
    per_chat_per_second: float = Field(default=1.0, gt=0, le=1000)
    per_group_per_minute: float = Field(default=20.0, gt=0, le=60000)


class JobsSettings(_Section):
    """How often the few repeating jobs tick. They only tick: the database holds what is due."""

    sweep_seconds: float = Field(default=60.0, gt=0, le=3600)
    drain_seconds: float = Field(default=1.0, gt=0, le=60)
    housekeeping_seconds: float = Field(default=3600.0, gt=0, le=86400)
    # SQLite only: how often the write-ahead log is moved into the database file (off the
    # event loop; see storage/db.py).
    checkpoint_seconds: float = Field(default=30.0, gt=0, le=3600)
    # The sender lease: with several processes, another takes over this long after the
    # holder stopped renewing (it renews every quarter of it).
    lease_seconds: float = Field(default=20.0, ge=2, le=300)


class NudgeSettings(_Section):
    """The nudge ladder and the caps on automatic messages (reminders/). Quiet hours are in
    [defaults]; how many days before a step counts as stalled is each line's `stall_days`."""

    gap_days: int = Field(default=2, ge=1, le=14)  # between one rung and the next
    per_week: int = Field(default=3, ge=1, le=14)  # automatic messages in any seven days
    # A nudge may still go this long after the person's moment (after a restart, say).
    moment_window_hours: float = Field(default=3.0, gt=0, le=12)
    # Someone who wrote this recently gets no automatic message.
    just_wrote_hours: float = Field(default=12.0, ge=0, le=72)
    # When the ladder ends without a reaction: tell the professional in the digest, or at once.
    tell_professional: Literal["digest", "at_once"] = "digest"
    on_public_holidays: bool = False
    school_start: time = time(8, 30)
    school_end: time = time(15, 0)
    # A check-in not answered this long after it came gets one gentle reminder.
    checkin_reminder_hours: float = Field(default=24.0, ge=1, le=168)

    @model_validator(mode="after")
    def _school_hours(self) -> NudgeSettings:
        if self.school_start >= self.school_end:
            raise ValueError("school_start must come before school_end")
        return self


class BridgeSettings(_Section):
    """The bridge to a human: working hours (a crisis outside them goes to who is on duty at
    once), how long an alert may wait for "Ik neem contact op", the moments /afspraak offers."""

    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # 0 Monday
    working_start: time = time(8, 30)
    working_end: time = time(17, 0)
    alert_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    appointment_times: tuple[time, ...] = (time(10, 0), time(14, 0))

    @model_validator(mode="after")
    def _hours(self) -> BridgeSettings:
        if self.working_start >= self.working_end:
            raise ValueError("working_start must come before working_end")
        if not self.working_days or not all(0 <= d <= 6 for d in self.working_days):
            raise ValueError("working_days: weekdays 0 (Monday) to 6 (Sunday), at least one")
        if not self.appointment_times:
            raise ValueError('appointment_times: at least one time, such as "10:00"')
        return self


class GroupSettings(_Section):
    """Peer groups of carers: when the bot posts (never at night), how long an unlinked group
    keeps it, how long a link code holds, and the line its welcome offers."""

    day_start: time = time(9, 0)
    day_end: time = time(21, 0)
    post_time: time = time(10, 0)
    leave_after_minutes: float = Field(default=60.0, gt=0, le=7 * 24 * 60)
    code_minutes: float = Field(default=30.0, gt=0, le=24 * 60)
    welcome_gap_minutes: float = Field(default=10.0, ge=0, le=24 * 60)
    poll_open_hours: float = Field(default=48.0, gt=0, le=7 * 24)
    meeting_minutes: int = Field(default=90, gt=0, le=8 * 60)
    line: str = "mantelzorg"

    @model_validator(mode="after")
    def _day(self) -> GroupSettings:
        if self.day_start >= self.day_end:
            raise ValueError("day_start must come before day_end")
        if not self.day_start <= self.post_time < self.day_end:
            raise ValueError("post_time must lie between day_start and day_end (never at night)")
        return self


class SchoolHolidaySettings(_Section):
    name: str
    first: date
    last: date

    @model_validator(mode="after")
    def _order(self) -> SchoolHolidaySettings:
        if self.first > self.last:
            raise ValueError(f"{self.name}: the first day ({self.first}) is after the last")
        return self


class OrganisationSettings(_Section):
    key: str = "mijn-organisatie"
    name: str = "Mijn organisatie"
    privacy_contact: str = "privacy@example.nl"
    # Whose school holidays its pupils follow: one of the regions in [school_holidays].
    school_region: str | None = None
    # A client who sends a question is told: usually an answer within this many working days.
    answer_days: int = Field(default=2, ge=1, le=10)
    # How to reach a person face to face: given with every answer path ("" leaves it out).
    contact: str = Field(default="", max_length=300)
    # The organisation's on-call number for a crisis outside working hours ("" if none).
    on_call: str = Field(default="", max_length=100)
    # Answers and questions are deleted this many days after a client's line ended.
    retention_days: int = Field(default=90, ge=7, le=3650)
    # Professionals enter a PIN in the chat before client data is shown (valid a working day).
    require_pin: bool = False

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not ORG_KEY_PATTERN.match(value):
            raise ValueError(
                "expected a short key of lowercase letters, digits and dashes, "
                "such as wijkteam-noord"
            )
        return value

    @field_validator("name", "privacy_contact")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("expected a non-empty text")
        return value.strip()


class ContentSettings(_Section):
    # Extra folders with learning lines and templates of this organisation. They are layered over
    # the shipped content: a file with the same name replaces the shipped one.
    extra_dirs: tuple[str, ...] = ()
    # The organisation's own videos: "line.step" = "https://...", replacing a step's video_url.
    video_links: dict[str, str] = Field(default_factory=dict)

    @field_validator("video_links")
    @classmethod
    def _video_links(cls, value: dict[str, str]) -> dict[str, str]:
        for key, url in value.items():
            if not re.match(r"^[a-z0-9_-]+\.[a-z0-9_-]+$", key):
                raise ValueError(f"expected keys like faalangst.wat-is-het, not {key!r}")
            if not re.match(r"^https://\S+$", url):
                raise ValueError(f"expected an https link for {key}")
        return value


class PrivacySettings(_Section):
    # Voice notes and photos clients send: by default only what and when is logged. With
    # keep_media the file itself is kept too, encrypted, up to media_max_bytes.
    keep_media: bool = False
    media_max_bytes: int = Field(default=5_000_000, ge=10_000, le=20_000_000)
    # Messages showing a client's answers in a professional's chat are deleted this many hours
    # after they were sent (services/tidy.py); 0 keeps them. Telegram allows up to 48 hours.
    tidy_after_hours: float = Field(default=24.0, ge=0, le=47)
    # More messages than this from one person in a minute: each is still kept, but the bot
    # answers once, kindly, instead of to every one.
    flood_per_minute: int = Field(default=20, ge=5, le=1000)
    # Pupils younger than this need a linked parent's agreement before their professional
    # reads their answers (the professional is asked the pupil's age group at the invite);
    # 0 switches the rule off.
    parent_consent_under: int = Field(default=16, ge=0, le=18)


class Secrets(BaseModel):
    model_config = ConfigDict(frozen=True)

    telegram_token: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    encryption_keys: tuple[SecretStr, ...] = ()


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    defaults: DefaultsSettings = DefaultsSettings()
    pacing: PacingSettings = PacingSettings()
    jobs: JobsSettings = JobsSettings()
    nudges: NudgeSettings = NudgeSettings()
    bridge: BridgeSettings = BridgeSettings()
    groups: GroupSettings = GroupSettings()
    # Per region ("noord", "midden", "zuid"), the school holidays: pupils get no automatic
    # messages then, and a welcome back on the first school day after.
    school_holidays: dict[str, tuple[SchoolHolidaySettings, ...]] = Field(default_factory=dict)
    organisation: OrganisationSettings = OrganisationSettings()
    content: ContentSettings = ContentSettings()
    privacy: PrivacySettings = PrivacySettings()
    secrets: Secrets = Field(default_factory=Secrets, exclude=True)
    source: str = Field(default="(defaults)", exclude=True)

    @model_validator(mode="after")
    def _school_region(self) -> Settings:
        region = self.organisation.school_region
        if region is not None and region not in self.school_holidays:
            known = ", ".join(sorted(self.school_holidays)) or "none yet"
            raise ValueError(
                f"organisation.school_region = {region!r} has no [school_holidays] entry "
                f"(regions: {known}); add `{region} = [{{ name = ..., first = ..., last = ... }}]`"
                " under [school_holidays]"
            )
        return self

    def require_token(self) -> str:
        if self.secrets.telegram_token is None:
            raise ConfigError(
                "DUWTJE_TELEGRAM_TOKEN is not set: put the token from @BotFather in the "
                "environment (or its file path in DUWTJE_TELEGRAM_TOKEN_FILE)"
            )
        return self.secrets.telegram_token.get_secret_value()

    def require_encryption_keys(self) -> list[str]:
        if not self.secrets.encryption_keys:
            raise ConfigError(
                "DUWTJE_ENCRYPTION_KEYS is not set: create a key with `duwtje init --new-key` and "
                "put it in the environment (or its file path in DUWTJE_ENCRYPTION_KEYS_FILE)"
            )
        return [key.get_secret_value() for key in self.secrets.encryption_keys]

    def require_webhook_secret(self) -> str:
        if self.secrets.webhook_secret is None:
            raise ConfigError(
                "DUWTJE_WEBHOOK_SECRET is not set: webhook mode needs a random secret of "
                "letters, digits, _ and - (for example from `duwtje init --new-key`)"
            )
        return self.secrets.webhook_secret.get_secret_value()


def check_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone such as Europe/Amsterdam") from None
    return value


def default_config_path(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("DUWTJE_CONFIG") or DEFAULT_CONFIG_NAME)


def load_settings(path: Path | str | None, environ: Mapping[str, str]) -> Settings:
    """Read `path` (TOML) and the secrets in `environ` into one frozen `Settings`.

    A missing file is an error: running on silent defaults against the wrong database is worse.
    """
    config_path = Path(path) if path is not None else default_config_path(environ)
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{config_path}: file not found; create one with `duwtje init` "
            f"or pass --config PATH (or set DUWTJE_CONFIG)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config_path}: cannot read the file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
    data = _resolve_relative_paths(data, config_path.parent)
    return settings_from_data(data, environ, source=str(config_path), text=text)


def _resolve_relative_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative paths in the file are relative to the file, not to where Duwtje was started."""
    data = {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}
    database = data.get("database")
    if isinstance(database, dict) and isinstance(database.get("url"), str):
        url = database["url"]
        path = url.removeprefix("sqlite:///")
        if url.startswith("sqlite:///") and path and not Path(path).is_absolute():
            database["url"] = f"sqlite:///{(base / path).resolve()}"
    content = data.get("content")
    if isinstance(content, dict) and isinstance(content.get("extra_dirs"), list):
        content["extra_dirs"] = [
            str((base / entry).resolve()) if isinstance(entry, str) else entry
            for entry in content["extra_dirs"]
        ]
    return data


def settings_from_data(
    data: Mapping[str, Any], environ: Mapping[str, str], *, source: str, text: str = ""
) -> Settings:
    secrets = load_secrets(environ)
    try:
        return Settings.model_validate({**data, "secrets": secrets, "source": source})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source, text)) from None


def load_secrets(environ: Mapping[str, str]) -> Secrets:
    token = _secret(environ, "DUWTJE_TELEGRAM_TOKEN", PLACEHOLDER_TOKEN)
    if token is not None and not TOKEN_PATTERN.match(token):
        raise ConfigError(
            "DUWTJE_TELEGRAM_TOKEN: expected a token like 123456:ABC-def from @BotFather"
        )
    webhook_secret = _secret(environ, "DUWTJE_WEBHOOK_SECRET", PLACEHOLDER_WEBHOOK_SECRET)
    if webhook_secret is not None and not WEBHOOK_SECRET_PATTERN.match(webhook_secret):
        raise ConfigError(
            "DUWTJE_WEBHOOK_SECRET: expected 1-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    keys_text = _secret(environ, "DUWTJE_ENCRYPTION_KEYS", PLACEHOLDER_ENCRYPTION_KEYS)
    keys: list[SecretStr] = []
    if keys_text is not None:
        for position, key in enumerate(k.strip() for k in keys_text.split(",")):
            try:
                Fernet(key)
            except ValueError:
                raise ConfigError(
                    f"DUWTJE_ENCRYPTION_KEYS: key {position + 1} is not a Fernet key "
                    "(32 url-safe base64 bytes); create one with `duwtje init --new-key`"
                ) from None
            keys.append(SecretStr(key))
    return Secrets(
        telegram_token=SecretStr(token) if token else None,
        webhook_secret=SecretStr(webhook_secret) if webhook_secret else None,
        encryption_keys=tuple(keys),
    )


def _secret(environ: Mapping[str, str], name: str, placeholder: str) -> str | None:
    """A secret from NAME or from the file named by NAME_FILE; None when unset or a placeholder."""
    direct = environ.get(name, "").strip()
    file_name = environ.get(f"{name}_FILE", "").strip()
    if direct and file_name:
        raise ConfigError(f"{name} and {name}_FILE are both set: keep only one of them")
    value = direct
    if file_name:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{name}_FILE: cannot read {file_name} ({exc.strerror or exc})"
            ) from None
    if not value or value == placeholder:
        return None
    return value


def _describe(exc: ValidationError, source: str, text: str) -> str:
    """One line for the first problem: file, key, line when found, and what is expected."""
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    key = ".".join(loc) or "(top level)"
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = "unknown key; check the spelling against config.example.toml"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    elif message.startswith("Input should be "):
        message = "expected " + message.removeprefix("Input should be ")
    else:
        message = "expected a valid value: " + message[0].lower() + message[1:]
    line = find_key_line(text, loc)
    where = f"{source}:{line}" if line else source
    got = ""
    if (
        error["type"] != "extra_forbidden"
        and "input" in error
        and not isinstance(error["input"], dict)
    ):
        got = f" (got {error['input']!r})"
    return f"{where}: {key}: {message}{got}"


def find_key_line(text: str, loc: list[str]) -> int | None:
    """The 1-based line of `section.key` in TOML text, for error messages; None if not found."""
    if not text or not loc:
        return None
    section, key = (loc[0], loc[1]) if len(loc) > 1 else ("", loc[0])
    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[([^\[\]]+)\]", line)
        if header:
            current = header.group(1).strip()
            if not section and current == key:
                return number
            continue
        if current == section and re.match(rf"^{re.escape(key)}\s*=", line):
            return number
    return None
