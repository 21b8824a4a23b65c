"""Catalogue 6, redelivery: every update reaches the bot's webhook one to five times (as when
Telegram does not see the bot's 200), and the bot is killed (-9) halfway and started again.
Every effect happens exactly once: one stored reply for each message a person wrote, however
often it arrived, and one answer; an answer that was on the wire at the kill is personal, so it
is not resent but marked "unknown" for the professional: those are the only answers that may be
missing, and no answer ever comes twice.

The bot runs as `duwtje run` in webhook mode; what each person writes is free text, which the
bot keeps (encrypted) and answers by offering to send it to their professional.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from bot.sandbox import SandboxClient, SandboxThread
from chaos import Figures
from chaos.rig import BotProcess, Rig, count_rows, eventually, free_port, unsent
from storage.db import session_scope
from storage.models import OutboxStatus, ProcessedUpdate, Reply

NAME = "redelivery"
CRITERION = "every update delivered 1-5 times, a kill -9 halfway: each effect exactly once"
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0)  # the sandbox's webhook retries (≈ 30 s)


def run(quick: bool) -> Figures:
    return asyncio.run(_run(people=30 if quick else 200, texts=2 if quick else 3))


async def _run(*, people: int, texts: int) -> Figures:
    port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix="duwtje-chaos-") as folder,
        SandboxThread(strict=False, webhook_retry_delays=RETRY_DELAYS) as sandbox,
    ):
        rig = Rig(
            Path(folder),
            sandbox.url,
            telegram={
                "mode": "webhook",
                "webhook_url": f"http://127.0.0.1:{port}/telegram",
                "webhook_port": port,
            },
        )
        async with SandboxClient(sandbox.url) as control:
            _, persons = await rig.people(control, people, caseload=50)
            await control.set_redelivery(1, 5, seed=8)
            bot = BotProcess(rig)
            bot.start()
            written = []
            for round_ in range(texts):
                for person in persons:
                    text = f"vraagje {round_ + 1} van {person.name}"
                    await control.text(person.user_id, text)
                    written.append((person.user_id, text))
            await _delivered(control, len(written) // 2, within=60)
            bot.kill()
            bot.start()
            settled = await _settled(control, rig, within=120)
            exit_code = bot.stop()
            deliveries = await control.webhook_deliveries()
            events = await control.events()
            replies, processed = _stored(rig)
            unknown = count_rows(rig, OutboxStatus.UNKNOWN)
        rig.close()
    accepted = Counter(d["update_id"] for d in deliveries if d["status"] == 200)
    answers = Counter(e["chat_id"] for e in events if e["kind"] == "bot_message")
    kept = Counter(replies)
    wanted = Counter(chat for chat, _ in written)
    figures: Figures = {
        "updates": len(written),
        "deliveries": sum(accepted.values()),
        "most_copies": max(accepted.values(), default=0),
        "stored_replies": sum(kept.values()),
        "missing_replies": sum(1 for text in set(t for _, t in written) if kept[text] == 0),
        "duplicated_replies": sum(n - 1 for n in kept.values() if n > 1),
        "extra_answers": sum(max(0, answers[chat] - n) for chat, n in wanted.items()),
        "missing_answers": sum(max(0, n - answers[chat]) for chat, n in wanted.items()),
        # Answers on the wire at the kill: personal, so not resent; the professional sees them.
        "answers_unknown": unknown,
        "processed_updates": processed,
        "settled": settled,
        "clean_exit": exit_code == 0,
    }
    figures["met"] = (
        figures["stored_replies"] == figures["updates"]
        and figures["missing_replies"] == 0
        and figures["duplicated_replies"] == 0
        and figures["extra_answers"] == 0
        and figures["missing_answers"] <= figures["answers_unknown"]
        and figures["deliveries"] > figures["updates"]  # redelivery really happened
        and settled
        and exit_code == 0
    )
    return figures


async def _delivered(control: SandboxClient, count: int, *, within: float) -> bool:
    """Until `count` different updates have reached the bot's webhook (answered 200)."""

    async def enough() -> bool:
        deliveries = await control.webhook_deliveries()
        return len({d["update_id"] for d in deliveries if d["status"] == 200}) >= count

    return await eventually(enough, within=within, every=0.05)


async def _settled(control: SandboxClient, rig: Rig, *, within: float) -> bool:
    """Nothing left at the sandbox to deliver, and nothing the bot queued still waiting."""

    async def done() -> bool:
        return not (await control.info())["pending_updates"] and not unsent(rig)

    return await eventually(done, within=within, every=0.25)


def _stored(rig: Rig) -> tuple[list[str], int]:
    """The texts of the stored replies (decrypted), and how many updates were processed."""
    with session_scope(rig.engine) as session:
        texts = [
            rig.cipher.decrypt(value)
            for value in session.execute(select(col(Reply.text_enc))).scalars()
            if value
        ]
        processed = session.execute(select(func.count()).select_from(ProcessedUpdate)).scalar_one()
    return texts, int(processed)
