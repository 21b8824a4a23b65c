"""What every scenario needs: a folder with a configuration and a database, people in it and in
the sandbox, a fan-out to queue, a bot to run (in this process, or as `duwtje run` in a process
of its own that can be killed), and the figures of what arrived.

What arrived is read from the sandbox's `bot_message` events (only requests it accepted become
events), so a message counts as delivered when it reached the person's chat, whatever the bot
believes. Every queued text is unique, so copies are counted exactly.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from bot.sandbox import SandboxClient
from bot.settings import Settings, settings_from_data
from bot.setup import prepare_database
from chaos.seed import Person, seed_people
from content import load_content
from services.messages import Outgoing
from storage.crypto import FieldCipher, new_key
from storage.db import make_engine, session_scope
from storage.models import OutboxMessage, OutboxStatus, RecipientKind
from storage.outbox import PRIORITY_BULK, NewMessage, enqueue

TOKEN = "7:CHAOS"
# For scenarios about something else than Telegram's pacing (that is T2's, and the strict
# ones'): sends as fast as the sandbox takes them, and every message answered, not one a
# minute, so each can be checked.
UNPACED = {"overall_per_second": 1000, "per_chat_per_second": 1000}
NO_FLOOD_LIMIT = {"flood_per_minute": 1000}
ORGANISATION = {"key": "wijkteam-chaos", "name": "Wijkteam Chaos", "privacy_contact": "p@x.nl"}
FINAL = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.UNKNOWN)


class Rig:
    """A configuration and a migrated database in `folder`; `sections` add to or replace the
    configuration's sections (pacing stays Telegram's own unless a scenario says otherwise)."""

    def __init__(
        self,
        folder: Path,
        sandbox_url: str,
        *,
        database_url: str | None = None,
        **sections: dict[str, Any],
    ) -> None:
        self.folder = folder
        self.data: dict[str, dict[str, Any]] = {
            "telegram": {"base_url": sandbox_url},
            "database": {"url": database_url or f"sqlite:///{folder / 'duwtje.db'}"},
            "organisation": dict(ORGANISATION),
            "jobs": {"drain_seconds": 0.2},
        }
        for name, values in sections.items():
            self.data[name] = {**self.data.get(name, {}), **values}
        self.environ = {
            "DUWTJE_TELEGRAM_TOKEN": TOKEN,
            "DUWTJE_ENCRYPTION_KEYS": new_key(),
            "DUWTJE_WEBHOOK_SECRET": "chaos-secret",
        }
        self.settings: Settings = settings_from_data(self.data, self.environ, source="(chaos)")
        self.cipher = FieldCipher(self.settings.require_encryption_keys())
        self.notice_version = load_content().notice_version
        prepare_database(self.settings)
        self.engine: Engine = make_engine(self.settings.database.url)

    async def people(
        self, control: SandboxClient, clients: int, *, caseload: int = 100
    ) -> tuple[list[Person], list[Person]]:
        """(professionals, clients) in the database and the sandbox; they pressed Start long
        ago, so those updates are dropped before any bot runs."""
        found = await seed_people(
            control,
            self.engine,
            self.cipher,
            organisation_key=self.settings.organisation.key,
            clients=clients,
            caseload=caseload,
            now=datetime.now(UTC),
            notice_version=self.notice_version,
        )
        await drop_pending_updates(self.settings.telegram.base_url)
        return found

    def close(self) -> None:
        self.engine.dispose()

    def write_config(self) -> Path:
        """The configuration as `duwtje run --config` reads it."""
        path = self.folder / "duwtje.toml"
        lines = []
        for section, values in self.data.items():
            lines.append(f"[{section}]")
            lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def free_port() -> int:
    """A port nobody listens on now (for a webhook receiver)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def drop_pending_updates(sandbox_url: str) -> None:
    """What people did before the bot ran (their Starts) is old news: drop it, as
    `deleteWebhook(drop_pending_updates)` does at Telegram."""
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{sandbox_url}/bot{TOKEN}/deleteWebhook", json={"drop_pending_updates": True}
        )
        answer.raise_for_status()


LOCKED = "database is locked"


class LogTally(logging.Handler):
    """Counts the log records at ERROR and above (`errors`); the failures among them, an
    exception logged or a handler that failed (`failures`; a deliberate error line, such as
    a crisis alert that reached nobody, is not one); and any record at all that mentions a
    locked database (`LOCKED`), in the message or its exception."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.errors = 0
        self.failures = 0
        self.locked = 0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        failed = bool(record.exc_info and record.exc_info[1] is not None)
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]!r}"
        if LOCKED in text:
            self.locked += 1
        if record.levelno >= logging.ERROR:
            self.errors += 1
            if failed or record.name == "bot.handlers.errors":
                self.failures += 1


# --- a fan-out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Queued:
    key: str
    chat_id: int
    text: str
    personal: bool


def queue_fanout(
    rig: Rig, people: Sequence[Person], tag: str, *, personal_every: int = 0, now: datetime
) -> list[Queued]:
    """One message to each person, in one transaction, as a sweep would queue them. Every
    `personal_every`-th is personal (encrypted, never resent after an ambiguous failure), like a
    digest: as urgent as the nudges around it, so it is as likely to be on the wire at a kill."""
    queued = [
        Queued(
            key=f"{tag}:{n}",
            chat_id=person.user_id,
            text=f"{tag} {n} voor {person.name}",
            personal=bool(personal_every) and n % personal_every == 0,
        )
        for n, person in enumerate(people)
    ]
    by_chat = {person.user_id: person for person in people}
    messages = [
        NewMessage(
            key=item.key,
            chat_id=item.chat_id,
            recipient_kind=RecipientKind.CLIENT,
            recipient_id=by_chat[item.chat_id].client_id,
            kind="digest" if item.personal else "nudge",
            payload=Outgoing(item.text).payload,
            priority=PRIORITY_BULK,
            personal=item.personal,
        )
        for item in queued
    ]
    with session_scope(rig.engine) as session:
        enqueue(session=session, messages=messages, now=now, cipher=rig.cipher)
    return queued


def outbox_rows(rig: Rig, tag: str) -> dict[str, tuple[str, int]]:
    """key -> (status, attempts) for the rows of one fan-out."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with session_scope(rig.engine) as session:
        rows = session.execute(
            select(table.c.idempotency_key, table.c.status, table.c.attempts).where(
                table.c.idempotency_key.like(f"{tag}:%")
            )
        ).all()
    return {key: (status, attempts) for key, status, attempts in rows}


def count_rows(rig: Rig, *statuses: str) -> int:
    """Rows of any kind in one of `statuses`."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with session_scope(rig.engine) as session:
        return int(
            session.execute(select(func.count()).where(table.c.status.in_(statuses))).scalar_one()
        )


def unsent(rig: Rig) -> int:
    """Rows of any kind still waiting or on their way."""
    return count_rows(rig, OutboxStatus.PENDING, OutboxStatus.SENDING)


def in_flight(rig: Rig, tag: str) -> set[str]:
    """Rows a sender had put on the wire when it stopped: they may arrive twice (nudges)."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with session_scope(rig.engine) as session:
        keys = session.execute(
            select(table.c.idempotency_key).where(
                table.c.idempotency_key.like(f"{tag}:%"),
                table.c.status == OutboxStatus.SENDING,
                table.c.attempted_at.is_not(None),
            )
        ).scalars()
        return set(keys)


async def eventually(check: Callable[[], Any], *, within: float, every: float = 0.1) -> bool:
    """Until `check()` (a plain or an async function) is true; False after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)


async def wait_settled(rig: Rig, tag: str, *, within: float) -> bool:
    """Until every row of the fan-out is in a final state (sent, failed, unknown)."""

    def settled() -> bool:
        return all(status in FINAL for status, _ in outbox_rows(rig, tag).values())

    return await eventually(settled, within=within, every=0.25)


async def arrivals(control: SandboxClient) -> Counter[tuple[int, str]]:
    """(chat, text) -> how many copies reached that chat."""
    events = await control.events()
    return Counter(
        (event["chat_id"] or 0, event["message"]["text"] or "")
        for event in events
        if event["kind"] == "bot_message" and event["message"] is not None
    )


async def wait_arrived(control: SandboxClient, count: int, *, within: float) -> bool:
    """Until the bot has sent at least `count` messages (as the sandbox counts requests)."""

    async def enough() -> bool:
        return (await control.stats())["per_method"].get("sendMessage", 0) >= count

    return await eventually(enough, within=within, every=0.02)


def fanout_figures(
    queued: Sequence[Queued],
    arrived: Counter[tuple[int, str]],
    rows: dict[str, tuple[str, int]],
    *,
    excused: Iterable[str] | None = None,
) -> dict[str, int]:
    """lost: never arrived and not reported as unknown (the professional sees those);
    duplicated: copies beyond the first; outside `excused` (rows in flight at a kill) and
    personal ones are counted apart, since those must be zero."""
    copies = {item.key: arrived[(item.chat_id, item.text)] for item in queued}
    extra = {key: count - 1 for key, count in copies.items() if count > 1}
    personal = {item.key for item in queued if item.personal}
    figures = {
        "messages": len(queued),
        "delivered": sum(1 for count in copies.values() if count),
        "lost": sum(
            1
            for key, count in copies.items()
            if not count and rows.get(key, ("?", 0))[0] != OutboxStatus.UNKNOWN
        ),
        "unknown": sum(1 for status, _ in rows.values() if status == OutboxStatus.UNKNOWN),
        "duplicated": sum(extra.values()),
        "duplicated_personal": sum(n for key, n in extra.items() if key in personal),
    }
    if excused is not None:
        allowed = set(excused)
        figures["duplicated_not_in_flight"] = sum(
            n for key, n in extra.items() if key not in allowed
        )
    return figures


# --- the bot in a process of its own -------------------------------------------------------


class BotProcess:
    """`duwtje run --config` for this rig, started, killed (-9) and restarted at will."""

    READY = "Duwtje runs as"

    def __init__(self, rig: Rig, *, name: str = "bot") -> None:
        self._config = rig.write_config()
        self._folder = rig.folder
        self._environ = {k: v for k, v in os.environ.items() if not k.startswith("DUWTJE_")}
        self._environ.update(rig.environ)
        self.name = name
        self.output: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._reader = threading.Thread()
        self._ready = threading.Event()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, *, timeout: float = 60.0) -> None:
        self._ready.clear()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--config", str(self._config)],
            cwd=self._folder,
            env=self._environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, args=(self._process,), daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout):
            self.kill()
            tail = "\n".join(self.output[-20:])
            raise RuntimeError(f"{self.name} did not start within {timeout} s:\n{tail}")

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.output.append(line.rstrip("\n"))
            if self.READY in line:
                self._ready.set()

    def kill(self) -> None:
        """kill -9: no clean-up of any kind, as when a machine loses power."""
        if self._process and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=30)
        self._done()

    def _done(self) -> None:
        """The process has ended: read what it still printed and close the pipe."""
        if self._process is not None and self._process.stdout is not None:
            self._reader.join(timeout=10)
            self._process.stdout.close()

    def stop(self, *, timeout: float = 60.0) -> int:
        """SIGTERM, as a supervisor stops it; returns the exit code."""
        process = self._process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._done()
        return process.returncode
