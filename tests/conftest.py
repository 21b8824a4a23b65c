"""Shared fixtures: databases on both engines, settings, content.

PostgreSQL: set DUWTJE_TEST_DATABASE_URL to a server URL (for example
postgresql+psycopg://postgres@127.0.0.1:5432/postgres). Each test run creates its own database
on that server and drops it at the end, so runs never see each other's data. Without the URL the
PostgreSQL variants are skipped, unless DUWTJE_REQUIRE_POSTGRES=1 (CI), where that is an error.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from telegram.ext import Application

from bot.app import build_application, runtime_of
from bot.clock import VirtualClock
from bot.sandbox import default_spec_path
from bot.settings import Settings, settings_from_data
from bot.setup import prepare_database
from storage.db import make_engine, normalise_url, scratch_database
from storage.migrate import upgrade
from tests.offline import OfflineRequest

pytest_plugins = ["tests.factories", "tests.story"]


def _server_url() -> str | None:
    url = os.environ.get("DUWTJE_TEST_DATABASE_URL", "").strip()
    if not url and os.environ.get("DUWTJE_REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("DUWTJE_REQUIRE_POSTGRES=1 but DUWTJE_TEST_DATABASE_URL is not set")
    return normalise_url(url) if url else None


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    server = _server_url()
    if server is None:
        pytest.skip("PostgreSQL tests need DUWTJE_TEST_DATABASE_URL (see tests/conftest.py)")
    with scratch_database(server, "duwtje_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each engine: a SQLite file, and a clean PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'duwtje.db'}"
        return
    url: str = request.getfixturevalue("postgres_server_url")
    _reset_postgres(url)
    yield url


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'duwtje.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def bot_api_spec() -> Path:
    """The Bot API spec file, or skip: it is third-party data that lives outside the repository."""
    path = default_spec_path()
    if path is None:
        pytest.skip(
            "Bot API spec not found: set DUWTJE_BOT_API_SPEC or put it at "
            "../shared/telegram-bot-api/api-10.0.json"
        )
    return path


# --- settings and the offline application -------------------------------------------------

TEST_KEY = "l3lTyaYkU3rGqQIoJwkw6nK5VzIvF4yqTDGnQmYMSe4="


def settings_for(database_url: str, **sections: dict[str, object]) -> Settings:
    """Settings as a test wants them: relaxed pacing, quick jobs, a token and a key."""
    data: dict[str, object] = {
        "database": {"url": database_url},
        "organisation": {
            "key": "wijkteam-noord",
            "name": "Wijkteam Noord",
            "privacy_contact": "privacy@example.nl",
        },
        "pacing": {
            "overall_per_second": 1000,
            "per_chat_per_second": 1000,
            "per_group_per_minute": 60000,
        },
        "jobs": {"drain_seconds": 0.05, "sweep_seconds": 0.2},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}  # type: ignore[dict-item]
    environ = {
        "DUWTJE_TELEGRAM_TOKEN": "1:T",
        "DUWTJE_ENCRYPTION_KEYS": TEST_KEY,
        "DUWTJE_WEBHOOK_SECRET": "test-secret",
    }
    return settings_from_data(data, environ, source="(test)")


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def offline_request() -> OfflineRequest:
    return OfflineRequest()


@pytest.fixture
async def offline_app(
    database_url: str, clock: VirtualClock, offline_request: OfflineRequest
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    settings = settings_for(database_url)
    prepare_database(settings)
    application = build_application(settings, clock, request=offline_request)
    async with application:
        yield application
    runtime_of(application).engine.dispose()


@pytest.fixture(autouse=True)
def nothing_personal_in_groups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Issue 11's promise, across the whole suite: every sandbox a test starts is read as it
    stops, and no bot message in a group there may name anyone (tests/group_privacy.py)."""
    from bot.sandbox import SandboxThread
    from tests.group_privacy import personal_in_groups

    found: list[str] = []
    original = SandboxThread.__exit__

    def checked(self: SandboxThread, *exc: object) -> None:
        found.extend(personal_in_groups(self.world))
        original(self, *exc)  # type: ignore[arg-type]

    monkeypatch.setattr(SandboxThread, "__exit__", checked)
    yield found
    assert found == [], f"personal data was posted in a group: {found}"
