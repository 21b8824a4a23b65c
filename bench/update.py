"""T1: one update through the real bot, against two floors measured in the same process.

What is timed is `Application.process_update` of the real application (`bot.app`), with an
offline request (no network), for:

- `reply`: a client typing the answer to a question step: the update deduplicated, the answer
  stored (encrypted), the step completed, the next step or thanks queued in the outbox, in one
  commit;
- `help`: a client's `/help` (the help text queued).

The floors, in the same run and process, with the same offline request:

- `echo`: python-telegram-bot with a bare handler that answers the text with `reply_text`;
- `realistic`: a handler that renders a Jinja2 reply, stores one row through a SQLModel session
  on SQLite (WAL, synchronous=NORMAL, as the bot's own database) and answers with `reply_text`.

Each client answers once (a fresh waiting step each time, as in real use); the median and the
99th percentile count. Targets: reply median <= 1.5x realistic, reply p99 <= 2x realistic p99,
help median <= 1.5x realistic, and at least 1,000 updates a second (from the reply median).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, event, insert
from sqlmodel import Session, func, select
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench import Figures
from bot.app import build_application, runtime_of
from bot.clock import VirtualClock
from bot.offline import OfflineRequest
from bot.settings import Settings, settings_from_data
from bot.setup import prepare_database
from storage.crypto import new_key
from storage.db import session_scope
from storage.models import Client, Organisation, OutboxMessage, Professional, Reply, Traject

TARGET = (
    "reply median <= 1.5x realistic, p99 <= 2x realistic p99, /help <= 1.5x realistic, "
    ">= 1000 updates/s"
)
NOW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # a Tuesday afternoon
LINE, QUESTION_STEP = "faalangst", "eigen-zin"
App = Application[Any, Any, Any, Any, Any, Any]


def _update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    sender = {"id": user_id, "is_bot": False, "first_name": "Sanne"}
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(NOW.timestamp()),
        "chat": {"id": user_id, "type": "private", "first_name": "Sanne"},
        "from": sender,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


async def _timed(app: App, updates: list[dict[str, Any]]) -> list[float]:
    """Microseconds per update, each processed on its own as the poller does."""
    spent = []
    for data in updates:
        update = Update.de_json(data, app.bot)
        started = time.perf_counter()
        await app.process_update(update)
        spent.append((time.perf_counter() - started) * 1e6)
    return spent


def run(quick: bool) -> Figures:
    return asyncio.run(_run(300 if quick else 2_000))


async def _run(count: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix="duwtje-bench-") as folder:
        echo = await _floor(_echo_app(), count)
        realistic = await _floor(_realistic_app(Path(folder) / "realistic.db"), count)
        reply, help_, lost, queued = await _ours(Path(folder) / "duwtje.db", count)
    figures: Figures = {
        "updates": count,
        "echo_median_us": _median(echo),
        "realistic_median_us": _median(realistic),
        "realistic_p99_us": _p99(realistic),
        "reply_median_us": _median(reply),
        "reply_p99_us": _p99(reply),
        "help_median_us": _median(help_),
        "updates_per_s": round(1e6 / _median(reply)),
        "lost_answers": lost,
        "queued": queued,
    }
    figures["reply_ratio"] = round(figures["reply_median_us"] / figures["realistic_median_us"], 2)
    figures["p99_ratio"] = round(figures["reply_p99_us"] / figures["realistic_p99_us"], 2)
    figures["help_ratio"] = round(figures["help_median_us"] / figures["realistic_median_us"], 2)
    figures["met"] = (
        figures["reply_ratio"] <= 1.5
        and figures["p99_ratio"] <= 2
        and figures["help_ratio"] <= 1.5
        and figures["updates_per_s"] >= 1_000
        and lost == 0
    )
    return figures


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def _p99(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=100)[98], 1)


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def _bare(handler: Handler) -> App:
    app = Application.builder().token("1:BENCH").request(OfflineRequest()).updater(None).build()
    app.add_handler(MessageHandler(filters.TEXT, handler))
    return app


def _echo_app() -> App:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(update.message.text or "")

    return _bare(echo)


def _realistic_app(path: Path) -> App:
    from jinja2 import Environment

    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")

    metadata = MetaData()  # its own: never part of the bot's schema
    rows = Table(
        "answer",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", Integer),
        Column("text", String),
    )
    metadata.create_all(engine)
    template = Environment(autoescape=True).from_string("Dank je, {{ name }}! Bewaard: {{ text }}")

    async def realistic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.effective_user is not None
        text = template.render(name=update.effective_user.first_name, text=update.message.text)
        with Session(engine) as session:
            session.execute(
                insert(rows).values(user_id=update.effective_user.id, text=update.message.text)
            )
            session.commit()
        await update.message.reply_text(text)

    return _bare(realistic)


async def _floor(app: App, count: int) -> list[float]:
    async with app:
        warm = [_update(900_000 + n, 5_000 + n, "Hallo") for n in range(50)]
        await _timed(app, warm)
        return await _timed(
            app, [_update(n + 1, 5_000 + n, "Dit is mijn antwoord.") for n in range(count)]
        )


def offline_settings(
    path: Path, *, source: str, sections: dict[str, dict[str, Any]] | None = None
) -> Settings:
    """The embedded defaults (and `sections`) on a fresh, migrated SQLite file at `path`, for a
    bot that runs offline (a made-up token, a new key); also chaos/fuzz.py's and clock.py's."""
    settings = settings_from_data(
        {
            "database": {"url": f"sqlite:///{path}"},
            "organisation": {"key": "gemeente", "name": "Gemeente"},
            **(sections or {}),
        },
        {"DUWTJE_TELEGRAM_TOKEN": "1:OFFLINE", "DUWTJE_ENCRYPTION_KEYS": new_key()},
        source=source,
    )
    prepare_database(settings)
    return settings


async def _ours(path: Path, count: int) -> tuple[list[float], list[float], int, int]:
    settings = offline_settings(path, source="(bench)")
    app = build_application(settings, VirtualClock(NOW), request=OfflineRequest())
    async with app:
        clients = count + 50
        seed_waiting_clients(app, clients)
        # Warm: the first few go through cold caches (templates, statements).
        await _timed(app, [_update(800_000 + n, 100_000 + n, "Eerst even dit.") for n in range(50)])
        reply = await _timed(
            app,
            [
                _update(n + 1, 100_050 + n, "Ik zeg tegen mezelf: het komt goed.")
                for n in range(count)
            ],
        )
        help_ = await _timed(
            app, [_update(700_000 + n, 100_050 + n, "/help") for n in range(count)]
        )
    rt = runtime_of(app)
    with session_scope(rt.engine) as session:
        stored = session.exec(
            select(func.count()).select_from(Reply).where(Reply.kind == "text")
        ).one()
        queued = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    rt.engine.dispose()
    # Every answer stored once (the 50 warm ones too), and each update queued a message.
    lost = (count + 50) - int(stored)
    return reply, help_, lost, int(queued)


def seed_waiting_clients(app: App, clients: int) -> None:
    """Confirmed clients, each with a question step waiting since an hour ago."""
    rt = runtime_of(app)
    with session_scope(rt.engine) as session:
        organisation = session.exec(select(Organisation)).one()  # from the configuration
        professional = Professional(
            organisation_id=organisation.id or 0,
            name="Mirjam",
            telegram_user_id=5_001,
            chat_id=5_001,
            created_at=NOW - timedelta(days=30),
            bound_at=NOW - timedelta(days=30),
        )
        session.add(professional)
        session.flush()
        for n in range(clients):
            client = Client(
                organisation_id=organisation.id or 0,
                professional_id=professional.id or 0,
                role="pupil",
                name_enc=rt.cipher.encrypt(f"Leerling {n}"),
                telegram_user_id=100_000 + n,
                chat_id=100_000 + n,
                consent_version=rt.content.notice_version,
                created_at=NOW - timedelta(days=10),
                confirmed_at=NOW - timedelta(days=10),
            )
            session.add(client)
            session.flush()
            session.add(
                Traject(
                    client_id=client.id or 0,
                    line_key=LINE,
                    step_key=QUESTION_STEP,
                    step_sent_at=NOW - timedelta(hours=1),
                    started_at=NOW - timedelta(days=10),
                )
            )
