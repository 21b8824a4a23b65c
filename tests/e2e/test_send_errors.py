"""Every row of the error table (../shared/brief/telegram.md) against the sandbox's fault
injection: the real bot and sender over HTTP, one queued message each, and what arrived, what
the outbox says and what happened to the recipient afterwards."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.clock import SystemClock
from bot.run import running_bot
from bot.sandbox import SandboxClient, SandboxThread, default_spec_path
from chaos.network import FlakyConnect
from chaos.rig import Rig, arrivals, drop_pending_updates, outbox_rows, queue_fanout, wait_settled
from chaos.seed import Person
from services.messages import Outgoing
from storage.db import session_scope
from storage.models import Client, OutboxStatus
from storage.outbox import NewMessage, enqueue

pytestmark = pytest.mark.e2e


@dataclass
class World:
    rig: Rig
    control: SandboxClient
    person: Person
    professional: Person


@pytest.fixture
def sandbox() -> Iterator[SandboxThread]:
    with SandboxThread(strict=False, spec_path=default_spec_path()) as running:
        yield running


@pytest.fixture
async def world(tmp_path: Path, sandbox: SandboxThread) -> AsyncIterator[World]:
    rig = Rig(tmp_path, sandbox.url, telegram={"read_timeout_seconds": 0.5})
    async with SandboxClient(sandbox.url) as control:
        [professional], [person] = await rig.people(control, 1, caseload=10)
        yield World(rig, control, person, professional)
        assert (await control.stats())["spec_violations"] == []
    rig.close()


async def send_one(
    world: World, *, personal: bool, fault: dict[str, object] | None = None, **bot: object
) -> tuple[str, int, int]:
    """Queue one message to the person with `fault` armed; (status, attempts, copies arrived)."""
    if fault is not None:
        await world.control.add_fault(**fault)  # type: ignore[arg-type]
    async with running_bot(world.rig.settings, SystemClock(), **bot):  # type: ignore[arg-type]
        [queued] = queue_fanout(
            world.rig,
            [world.person],
            "row",
            personal_every=1 if personal else 0,
            now=datetime.now(UTC),
        )
        assert await wait_settled(world.rig, "row", within=30)
    status, attempts = outbox_rows(world.rig, "row")[queued.key]
    copies = (await arrivals(world.control))[(queued.chat_id, queued.text)]
    return status, attempts, copies


async def send_to_group(world: World, chat_id: int) -> None:
    """One message to a group (as a meeting reminder would go), sent until it settles."""
    await drop_pending_updates(world.rig.settings.telegram.base_url)
    message = NewMessage(
        key="row:group",
        chat_id=chat_id,
        recipient_kind="group",
        kind="group_prompt",
        payload=Outgoing("Hoi allemaal").payload,
        personal=False,
    )
    with session_scope(world.rig.engine) as session:
        enqueue(session=session, messages=[message], now=datetime.now(UTC), cipher=world.rig.cipher)
    async with running_bot(world.rig.settings, SystemClock()):
        assert await wait_settled(world.rig, "row", within=30)


def unreachable(world: World) -> bool:
    with session_scope(world.rig.engine) as session:
        since = session.execute(
            select(col(Client.unreachable_since)).where(col(Client.id) == world.person.client_id)
        ).scalar_one()
    return since is not None


@pytest.mark.parametrize("kind", ["blocked", "deactivated", "chat_not_found"])
async def test_a_recipient_who_is_gone_costs_one_attempt_and_is_marked_unreachable(
    world: World, kind: str
) -> None:
    fault = {"kind": kind, "chat_id": world.person.user_id, "times": None}
    assert await send_one(world, personal=True, fault=fault) == (OutboxStatus.FAILED, 1, 0)
    assert unreachable(world)
    sends = [r for r in await world.control.requests() if r["method"] == "sendMessage"]
    assert len(sends) == 1


async def test_a_429_waits_at_least_retry_after_and_delivers_once(world: World) -> None:
    fault = {"kind": "retry_after", "retry_after": 2}
    assert await send_one(world, personal=True, fault=fault) == (OutboxStatus.SENT, 1, 1)
    first, second = [r for r in await world.control.requests() if r["method"] == "sendMessage"]
    assert first["status"] == 429 and second["status"] == 200
    assert second["monotonic"] - first["monotonic"] >= 2.0


@pytest.mark.parametrize("personal", [False, True], ids=["nudge", "personal"])
async def test_a_connect_error_is_retried_and_delivered_exactly_once(
    world: World, personal: bool
) -> None:
    network = FlakyConnect(1.0, seed=1, times=1)
    status = await send_one(world, personal=personal, transport=network)
    assert len(network.refused) == 1
    assert status == (OutboxStatus.SENT, 2, 1)


SENT, UNKNOWN = OutboxStatus.SENT, OutboxStatus.UNKNOWN


@pytest.mark.parametrize(
    ("fault", "nudge", "personal"),
    [
        # Delivered, but the answer is held back past the bot's read timeout.
        ({"kind": "read_timeout", "hold": 1.5}, (SENT, 2, 2), (UNKNOWN, 1, 1)),
        # Refused unseen: nothing arrived, and the bot cannot know that.
        ({"kind": "server_error", "status": 502}, (SENT, 2, 1), (UNKNOWN, 1, 0)),
        ({"kind": "drop_connection"}, (SENT, 2, 1), (UNKNOWN, 1, 0)),
    ],
    ids=["read_timeout", "server_error", "drop_connection"],
)
@pytest.mark.parametrize("is_personal", [False, True], ids=["nudge", "personal"])
async def test_an_ambiguous_failure_resends_a_nudge_once_and_never_anything_personal(
    world: World,
    fault: dict[str, object],
    nudge: tuple[str, int, int],
    personal: tuple[str, int, int],
    is_personal: bool,
) -> None:
    expected = personal if is_personal else nudge
    assert await send_one(world, personal=is_personal, fault=fault) == expected


async def test_a_markup_mistake_is_never_retried_and_logged_loudly(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.sender"):
        result = await send_one(world, personal=True, fault={"kind": "cant_parse"})
    assert result == (OutboxStatus.FAILED, 1, 0)
    assert any("our_bug" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert not unreachable(world)


async def test_a_group_that_became_a_supergroup_gets_it_once_at_its_new_id(world: World) -> None:
    group = await world.control.create_group(
        title="Mantelzorgers", members=[world.person.user_id], bot=True
    )
    migrated = await world.control.migrate(group["id"], world.person.user_id)
    await send_to_group(world, group["id"])
    assert outbox_rows(world.rig, "row")["row:group"] == (OutboxStatus.SENT, 2)
    arrived = await arrivals(world.control)
    assert arrived[(migrated["chat_id"], "Hoi allemaal")] == 1
    assert arrived[(group["id"], "Hoi allemaal")] == 0


async def test_a_group_that_removed_the_bot_costs_one_attempt(world: World) -> None:
    group = await world.control.create_group(
        title="Mantelzorgers", members=[world.person.user_id], bot=True
    )
    await world.control.remove_bot(group["id"], world.person.user_id)
    await send_to_group(world, group["id"])
    assert outbox_rows(world.rig, "row")["row:group"] == (OutboxStatus.FAILED, 1)


@pytest.mark.parametrize("kind", ["not_modified", "edit_not_found"])
async def test_an_edit_that_is_not_needed_is_done_and_the_person_carries_on(
    world: World, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Pressing a button edits the pressed message directly; Telegram saying there is nothing to
    change (or no message) means done: no error, and the rest of what the press does happens."""
    async with running_bot(world.rig.settings, SystemClock()):
        await world.control.text(world.person.user_id, "Mag ik iets vragen?")
        offer = await world.control.wait_for_bot_message(world.person.user_id, timeout=10)
        send_it = offer["buttons"][0][0]
        for method in ("editMessageText", "editMessageReplyMarkup"):
            await world.control.add_fault(kind, method=method, times=None)
        with caplog.at_level(logging.INFO, logger="bot.unit"):
            await world.control.press(
                world.person.user_id, offer["message_id"], data=send_it["callback_data"]
            )
            question = await world.control.wait_for_bot_message(
                world.professional.user_id, timeout=10
            )
    assert "Mag ik iets vragen?" in (question["plain_text"] or "")
    answers = [
        a for a in await world.control.callback_answers() if a["chat_id"] == offer["chat_id"]
    ]
    assert len(answers) == 1
    assert [
        r for r in caplog.records if r.name == "bot.unit" and r.levelno >= logging.WARNING
    ] == []
    assert any("not needed" in r.getMessage() for r in caplog.records if r.name == "bot.unit")
