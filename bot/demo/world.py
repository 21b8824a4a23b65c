"""A throwaway world: a temporary folder, the sandbox on its own thread, the real bot."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from telegram.ext import Application

from bot.clock import VirtualClock
from bot.run import running_bot
from bot.sandbox import SandboxClient, SandboxThread
from bot.settings import Settings, settings_from_data
from services.admin import invite_professional
from storage.crypto import new_key
from storage.db import make_engine, session_scope
from storage.models import OutboxMessage

DEMO_TOKEN = "1:DEMO"
DEMO_BOT = "duwtje_demo_bot"
ORGANISATION = "wijkteam-demo"
# Monday 2 March 2026, 09:00 in Amsterdam: a school week starts.
DEMO_START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass
class DemoWorld:
    folder: Path
    settings: Settings
    clock: VirtualClock
    sandbox: SandboxThread
    client: SandboxClient
    application: Application  # type: ignore[type-arg]
    engine: Engine

    def label(self, key: str, **values: Any) -> str:
        """A button label as the bot shows it, so the story presses what people see."""
        runtime = self.application.bot_data["runtime"]
        return str(runtime.content.renderer.label(key, self.settings.defaults.language, **values))

    def invite_professional(self, name: str) -> str:
        """What `duwtje invite professional` does, against the demo's database."""
        with session_scope(self.engine) as session:
            return invite_professional(
                session=session,
                organisation_key=ORGANISATION,
                name=name,
                bot_username=self.application.bot.username,
                now=self.clock.now(),
            )

    def kinds(self) -> dict[tuple[int, int], str]:
        """The template family of each message the bot sent, by (chat, Telegram message id)."""
        with session_scope(self.engine) as session:
            table = OutboxMessage.__table__  # type: ignore[attr-defined]
            rows = session.execute(
                select(table.c.chat_id, table.c.telegram_message_id, table.c.kind).where(
                    table.c.telegram_message_id.is_not(None)
                )
            ).all()
        return {(row[0], row[1]): row[2] for row in rows}

    def advance_to(self, moment: datetime) -> None:
        """Jump the virtual clock (it keeps ticking from there)."""
        self.clock.set(moment)


RELAXED_PACING = {
    "overall_per_second": 1000,
    "per_chat_per_second": 1000,
    "per_group_per_minute": 60000,
}


def demo_settings(
    folder: Path,
    base_url: str,
    *,
    relaxed: bool = False,
    extra: Mapping[str, Mapping[str, object]] | None = None,
) -> Settings:
    data: dict[str, object] = {
        "telegram": {"base_url": base_url},
        "database": {"url": f"sqlite:///{folder / 'demo.db'}"},
        "organisation": {
            "key": ORGANISATION,
            "name": "Wijkteam Demo",
            "privacy_contact": "privacy@wijkteam-demo.nl",
            "contact": "Dorpsstraat 1 in Demodorp, of bel 020-123 45 67",
        },
        # Telegram's limits stay as they are; the jobs look often, so days pass in seconds.
        "jobs": {"sweep_seconds": 0.2, "drain_seconds": 0.05, "housekeeping_seconds": 3600},
    }
    if relaxed:  # for long functional runs in tests; strict pacing has its own tests
        data["pacing"] = RELAXED_PACING
    for section, values in (extra or {}).items():  # what a test configures besides
        data[section] = {**data.get(section, {}), **values}  # type: ignore[dict-item]
    environ = {"DUWTJE_TELEGRAM_TOKEN": DEMO_TOKEN, "DUWTJE_ENCRYPTION_KEYS": new_key()}
    return settings_from_data(data, environ, source="(demo)")


@contextlib.asynccontextmanager
async def demo_world(
    *,
    strict: bool = True,
    relaxed: bool = False,
    keep_media: bool = False,
    extra: Mapping[str, Mapping[str, object]] | None = None,
) -> AsyncIterator[DemoWorld]:
    """`relaxed`: Telegram's limits off on both sides, for long functional tests; `extra`:
    configuration sections to add (`{"nudges": {...}}`)."""
    clock = VirtualClock(DEMO_START)
    with (
        tempfile.TemporaryDirectory(prefix="duwtje-demo-") as tmp,
        SandboxThread(strict=strict and not relaxed, clock=clock, bot_username=DEMO_BOT) as sandbox,
    ):
        folder = Path(tmp)
        settings = demo_settings(folder, sandbox.url, relaxed=relaxed, extra=extra)
        if keep_media:
            privacy = settings.privacy.model_copy(update={"keep_media": True})
            settings = settings.model_copy(update={"privacy": privacy})

        engine = make_engine(settings.database.url)
        try:
            async with (
                SandboxClient(sandbox.url) as client,
                running_bot(settings, clock) as application,
            ):
                yield DemoWorld(folder, settings, clock, sandbox, client, application, engine)
        finally:
            engine.dispose()


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the demo's March 2026 (Amsterdam winter time, UTC+1)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=1)
