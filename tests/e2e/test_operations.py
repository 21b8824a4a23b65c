"""Operations end to end: /healthz, a backup taken while the bot runs and restored, and the
warning when the bot was away longer than Telegram keeps updates."""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.clock import VirtualClock
from bot.ops import backup
from bot.run import running_bot
from bot.sandbox import SandboxClient, SandboxThread
from bot.settings import Settings
from storage.db import make_engine, session_scope
from storage.models import OutboxMessage, ProcessedUpdate
from tests.conftest import settings_for
from tests.e2e.test_adapter import free_port

pytestmark = pytest.mark.e2e


def count(settings: Settings, model: type) -> int:
    engine = make_engine(settings.database.url)
    with session_scope(engine) as session:
        found = session.execute(select(func.count()).select_from(model)).scalar_one()
    engine.dispose()
    return int(found)


async def test_healthz_in_webhook_mode(
    tmp_path: Path, sandbox: SandboxThread, clock: VirtualClock, client: SandboxClient
) -> None:
    port = free_port()
    settings = settings_for(
        f"sqlite:///{tmp_path / 'duwtje.db'}",
        telegram={
            "base_url": sandbox.url,
            "mode": "webhook",
            "webhook_port": port,
            "webhook_url": f"http://127.0.0.1:{port}/telegram",
        },
    )
    async with running_bot(settings, clock), httpx.AsyncClient() as http:
        answer = await http.get(f"http://127.0.0.1:{port}/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["healthy"] is True and body["database"] == "ok"
    assert body["lease"]["held_here"] is True and body["lease"]["holder"]
    assert body["outbox"] == {"pending": 0, "oldest_due_seconds": 0.0}


async def test_a_backup_taken_while_running_is_restored_and_the_bot_carries_on(
    tmp_path: Path, e2e_settings: Settings, clock: VirtualClock, client: SandboxClient
) -> None:
    sanne = await client.create_user(first_name="Sanne", language_code="nl")
    async with running_bot(e2e_settings, clock):
        started = await client.start(sanne["id"])
        await client.wait_for_bot_message(sanne["id"])
        copy = tmp_path / "backup.db"
        assert "To restore" in backup(e2e_settings, copy)
    restored_file = tmp_path / "restored.db"
    shutil.copy(copy, restored_file)
    restored = e2e_settings.model_copy(
        update={
            "database": e2e_settings.database.model_copy(
                update={"url": f"sqlite:///{restored_file}"}
            )
        }
    )
    assert count(restored, OutboxMessage) == 1 and count(restored, ProcessedUpdate) == 1
    async with running_bot(restored, clock):
        await client.text(sanne["id"], "hallo")
        await client.wait_for_bot_message(sanne["id"])
    assert count(restored, OutboxMessage) == 2
    assert started["update_id"] is not None


async def test_a_long_absence_is_warned_about_at_start(
    e2e_settings: Settings,
    clock: VirtualClock,
    client: SandboxClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sanne = await client.create_user(first_name="Sanne", language_code="nl")
    async with running_bot(e2e_settings, clock):
        await client.start(sanne["id"])
        await client.wait_for_bot_message(sanne["id"])
    clock.advance(timedelta(hours=30))
    with caplog.at_level(logging.WARNING):
        async with running_bot(e2e_settings, clock):
            pass
    assert "more than 24 hours ago" in caplog.text


@pytest.mark.postgres
async def test_a_postgresql_backup_made_as_told_is_restored_and_the_bot_carries_on(
    tmp_path: Path, sandbox: SandboxThread, clock: VirtualClock, client: SandboxClient
) -> None:
    """`duwtje backup` prints the pg_dump and pg_restore commands: run them as printed, lose
    everything in between, and the bot goes on where it was."""
    import asyncio
    import os
    import shlex
    import subprocess

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from storage.db import scratch_database
    from tests.conftest import _server_url

    server = _server_url()
    if server is None:
        pytest.skip("PostgreSQL tests need DUWTJE_TEST_DATABASE_URL (see tests/conftest.py)")
    with scratch_database(server, "duwtje_backup") as url:
        settings = settings_for(url, telegram={"base_url": sandbox.url})
        sanne = await client.create_user(first_name="Sanne", language_code="nl")
        async with running_bot(settings, clock):
            await client.start(sanne["id"])
            await client.wait_for_bot_message(sanne["id"])
        advice = backup(settings, tmp_path / "duwtje.dump")
        dump, restore = (
            shlex.split(line.split(":", 1)[1] if line.startswith("and restore") else line)
            for line in (row.strip() for row in advice.splitlines())
            if line.startswith(("pg_dump", "and restore"))
        )
        environ = {**os.environ, "PGPASSWORD": make_url(url).password or ""}
        await asyncio.to_thread(subprocess.run, dump, env=environ, check=True, capture_output=True)
        wipe = create_engine(url, isolation_level="AUTOCOMMIT")
        with wipe.connect() as connection:  # the disaster
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        wipe.dispose()
        await asyncio.to_thread(
            subprocess.run, restore, env=environ, check=True, capture_output=True
        )
        assert count(settings, OutboxMessage) == 1 and count(settings, ProcessedUpdate) == 1
        async with running_bot(settings, clock):
            await client.text(sanne["id"], "hallo")
            await client.wait_for_bot_message(sanne["id"])
        assert count(settings, OutboxMessage) == 2
