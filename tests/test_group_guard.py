"""The guard: nothing personal goes to a group. Every template against every chat type, the
group templates' slots, and the sender's last line."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jinja2 import Environment, meta
from sqlmodel import select

from bot.app import runtime_of, sender_of
from content import Content, load_content
from content.plain import GROUP_TEMPLATES
from services.group_guard import PersonalToGroup
from services.messages import Outgoing
from services.unit import Unit
from storage.crypto import FieldCipher, new_key
from storage.db import session_scope
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import NewMessage, enqueue
from tests.offline import OfflineRequest

TEMPLATES = Path(__file__).resolve().parents[1] / "content" / "templates"
ALL_TEMPLATES = sorted(p.stem for p in (TEMPLATES / "nl").glob("*.html"))
# (chat id, recipient kind) for each chat type Telegram has for a bot.
CHAT_TYPES = {
    "private": (7001, "client"),
    "group": (-4000000001, "group"),
    "supergroup": (-1002000000001, "group"),
}
# Values that would make a message about someone: never a slot in a group template.
PERSONAL_SLOTS = {"name", "professional", "client", "child", "parent", "pupil", "text", "answer"}


KEY = new_key()


class _NoSession:
    """Unit.send only queues in memory; no session is touched."""


@functools.cache
def _content() -> Content:
    return load_content()


def unit() -> Unit:
    return Unit(
        session=_NoSession(),  # type: ignore[arg-type]
        now=datetime(2026, 3, 2, 9, tzinfo=UTC),
        content=_content(),
        cipher=FieldCipher([KEY]),
        update_id=1,
    )


@pytest.mark.parametrize("chat_type", sorted(CHAT_TYPES))
@pytest.mark.parametrize("template", ALL_TEMPLATES)
def test_every_template_against_every_chat_type(template: str, chat_type: str) -> None:
    """A template goes to a private chat always; to a group only if it is made for groups,
    and then never as a personal message."""
    work = unit()
    chat_id, recipient = CHAT_TYPES[chat_type]
    made_for_groups = template in GROUP_TEMPLATES

    def send(personal: bool) -> None:
        work.send(
            chat_id=chat_id,
            recipient_kind=recipient,
            kind=template,
            message=Outgoing(text=f"({template})"),
            personal=personal,
        )

    if chat_type == "private":
        send(personal=not made_for_groups)
        assert len(work.queued) == 1
        return
    with pytest.raises(PersonalToGroup):
        send(personal=True)  # a personal message, whatever its template
    if made_for_groups:
        send(personal=False)
        assert len(work.queued) == 1
    else:
        with pytest.raises(PersonalToGroup):
            send(personal=False)
        assert work.queued == []


@pytest.mark.parametrize("template", sorted(GROUP_TEMPLATES))
@pytest.mark.parametrize("language", ["nl", "en"])
def test_group_templates_have_no_slot_for_a_person(template: str, language: str) -> None:
    source = (TEMPLATES / language / f"{template}.html").read_text(encoding="utf-8")
    slots = meta.find_undeclared_variables(Environment().parse(source))
    assert slots & PERSONAL_SLOTS == set(), f"{template} ({language}) could name someone"


def test_every_group_template_exists() -> None:
    assert set(ALL_TEMPLATES) >= GROUP_TEMPLATES


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_sender_refuses_a_personal_row_for_a_group_without_asking_telegram(
    offline_app: object, offline_request: OfflineRequest
) -> None:
    """A row that got into the outbox another way (not through Unit.send) still never goes."""
    rt = runtime_of(offline_app)  # type: ignore[arg-type]
    rows = [
        NewMessage(
            key="personal",
            chat_id=-4000000001,
            recipient_kind="group",
            kind="group_prompt",
            payload=Outgoing("Hoi Sanne").payload,
            personal=True,
        ),
        NewMessage(
            key="not-for-groups",
            chat_id=-1002000000001,
            recipient_kind="group",
            kind="nudge",
            payload=Outgoing("Joh, ga er lekker mee aan de slag!").payload,
            personal=False,
        ),
    ]
    with session_scope(rt.engine) as session:
        enqueue(session=session, messages=rows, now=rt.clock.now(), cipher=rt.cipher)
    await sender_of(offline_app).drain(limit_seconds=5)  # type: ignore[arg-type]
    assert [c for c in offline_request.calls if c.method.startswith("send")] == []
    with session_scope(rt.engine) as session:
        found = session.exec(select(OutboxMessage)).all()
        assert {(r.idempotency_key, r.status) for r in found} == {
            ("personal", OutboxStatus.FAILED),
            ("not-for-groups", OutboxStatus.FAILED),
        }
        assert all((r.last_error or "").startswith("our_bug: refused") for r in found)
