"""Delivery you can trust, offline: blocking and unblocking, and the digest telling the
professional who cannot be reached and what may not have arrived."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from telegram import Update
from telegram.error import Forbidden, TimedOut

from bot.app import runtime_of
from storage.db import session_scope
from storage.models import Client, OutboxMessage, OutboxStatus
from tests.offline import BOT_USER
from tests.story import PUPIL, Story, onboarded, texts


def chat_member(status: str, old: str, update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": {"id": PUPIL["id"], "type": "private", "first_name": "Sanne"},
            "from": PUPIL,
            "date": 1772438400,
            "old_chat_member": {
                "user": BOT_USER,
                "status": old,
                **({"until_date": 0} if old == "kicked" else {}),
            },
            "new_chat_member": {
                "user": BOT_USER,
                "status": status,
                **({"until_date": 0} if status == "kicked" else {}),
            },
        },
    }


def sanne(story: Story) -> Client:
    with session_scope(runtime_of(story.app).engine) as session:
        return session.execute(select(Client)).scalar_one()


async def test_blocking_stops_everything_and_unblocking_brings_it_back(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])  # step 2 planned
    await story.app.process_update(
        Update.de_json(chat_member("kicked", "member", 90_001), story.app.bot)
    )
    assert sanne(story).unreachable_since is not None
    with session_scope(runtime_of(story.app).engine) as session:
        waiting = (
            session.execute(
                select(OutboxMessage.status).where(OutboxMessage.idempotency_key.like("step:%"))  # type: ignore[attr-defined]
            )
            .scalars()
            .all()
        )
    assert OutboxStatus.PENDING not in waiting  # the planned step is withdrawn
    story.clock.advance(timedelta(days=8))
    assert texts(await story.tick(), chat=7001) == []  # no step, no nudge, no check-in
    await story.app.process_update(
        Update.de_json(chat_member("member", "kicked", 90_002), story.app.bot)
    )
    assert sanne(story).unreachable_since is None


async def test_the_digest_names_who_is_unreachable_and_what_may_not_have_arrived(
    story: Story,
) -> None:
    await onboarded(story)
    timeout = TimedOut()
    timeout.__cause__ = httpx.ReadTimeout("slow")  # Telegram may or may not have it
    story.request.errors["sendMessage"] = [timeout]
    await story.say(PUPIL, "ik wil er niet meer zijn")  # the help numbers meet the timeout
    story.request.errors["sendMessage"] = [Forbidden("Forbidden: bot was blocked by the user")]
    await story.say(PUPIL, "/voortgang")  # the answer meets the 403
    with session_scope(runtime_of(story.app).engine) as session:
        statuses = session.execute(select(OutboxMessage.kind, OutboxMessage.status)).all()
    assert ("crisis", OutboxStatus.UNKNOWN) in statuses
    story.clock.advance(timedelta(days=1))
    sent = texts(await story.tick(), chat=5001)
    # Nobody pressed "Ik neem contact op" and nobody is on duty: Mirjam hears of it again.
    [again, digest] = sent
    assert "Sanne" in again and "heeft nog niet gereageerd" in again
    assert "Niet bereikbaar" in digest and "Sanne: sinds 02-03" in digest
    assert "Misschien niet aangekomen" in digest and "de hulpnummers voor Sanne" in digest


async def test_the_digest_names_what_the_sender_gave_up_on(story: Story) -> None:
    """Telegram out of reach for every try: after the last retry the message is failed, and the
    professional hears of it; the 403 of a blocked client is told apart, as unreachable."""
    from telegram.error import NetworkError

    from bot.sender import MAX_TRANSIENT_ATTEMPTS

    await onboarded(story)

    def refused() -> NetworkError:
        error = NetworkError("httpx.ConnectError: connection refused")
        error.__cause__ = httpx.ConnectError("refused")
        return error

    story.request.errors["sendMessage"] = [refused() for _ in range(MAX_TRANSIENT_ATTEMPTS)]
    await story.say(PUPIL, "/voortgang")
    for _ in range(MAX_TRANSIENT_ATTEMPTS):
        story.clock.advance(timedelta(minutes=10))  # past each backoff
        await story.flush()
    with session_scope(runtime_of(story.app).engine) as session:
        row = session.execute(
            select(OutboxMessage).where(OutboxMessage.kind == "progress")  # type: ignore[arg-type]
        ).scalar_one()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_TRANSIENT_ATTEMPTS)
    assert (row.last_error or "").startswith("transient: ")
    story.clock.advance(timedelta(days=1))
    [digest] = texts(await story.tick(), chat=5001)
    assert "Niet verstuurd" in digest and "de voortgang voor Sanne" in digest
    assert "Niet bereikbaar" not in digest
