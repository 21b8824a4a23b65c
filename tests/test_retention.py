"""Retention: answers and questions go `retention_days` after a line ended (or after the last
activity of someone who said /stop), expired invites and old outbox and audit rows go too; a
dry run only counts; the digest warns a week before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import runtime_of
from storage import retention
from storage.db import session_scope
from storage.models import (
    AuditEntry,
    Client,
    ClientStatus,
    Invite,
    OutboxMessage,
    Question,
    Reply,
    TrajectStatus,
)
from tests.factories import make_traject
from tests.story import Story, add_client, onboarded, texts

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def seed(story: Story) -> dict[str, int]:
    """Four clients of Mirjam's with an answer and a question each: a line that ended 100 days
    ago, one that ended 85 days ago, one still going, and a /stop 100 days ago."""
    now = story.clock.now()
    ids = {
        "ended": add_client(story, "Ada", 8001),
        "ending": add_client(story, "Bo", 8002),
        "going": add_client(story, "Cas", 8003),
        "stopped": add_client(story, "Dirk", 8004, status=ClientStatus.STOPPED),
    }
    with session_scope(runtime_of(story.app).engine) as session:
        for key, ended in (("ended", 100), ("ending", 85)):
            make_traject(
                session,
                client_id=ids[key],
                status=TrajectStatus.FINISHED,
                finished_at=now - timedelta(days=ended),
            )
        make_traject(session, client_id=ids["going"])
        make_traject(session, client_id=ids["stopped"])
        session.get_one(Client, ids["stopped"]).last_activity_at = now - timedelta(days=100)
        for client_id in ids.values():
            reply = Reply(
                client_id=client_id, kind="question", created_at=now - timedelta(days=120)
            )
            session.add(reply)
            session.flush()
            session.add(
                Question(client_id=client_id, professional_id=1, reply_id=reply.id, asked_at=now)
            )
    return ids


def counts(story: Story, model: object, client_id: int) -> int:
    with session_scope(runtime_of(story.app).engine) as session:
        return session.execute(
            select(func.count()).select_from(model).where(model.client_id == client_id)  # type: ignore[attr-defined]
        ).scalar_one()


async def test_answers_and_questions_go_after_the_retention_period(story: Story) -> None:
    await onboarded(story)
    ids = seed(story)
    engine = runtime_of(story.app).engine
    now = story.clock.now()
    with session_scope(engine) as session:
        dry = retention.apply(session.connection(), now=now, dry_run=True)
    assert (dry["clients"], dry["answers"], dry["questions"]) == (2, 2, 2)
    assert all(counts(story, Reply, i) == 1 for i in ids.values()), "a dry run deletes nothing"
    with session_scope(engine) as session:
        retention.apply(session.connection(), now=now, dry_run=False)
    assert counts(story, Reply, ids["ended"]) == 0 and counts(story, Question, ids["ended"]) == 0
    assert counts(story, Reply, ids["stopped"]) == 0
    assert counts(story, Reply, ids["ending"]) == 1 and counts(story, Reply, ids["going"]) == 1
    with session_scope(engine) as session:
        assert session.get(Client, ids["ended"]) is not None, "the person stays, their data goes"


@SQLITE_ONLY
async def test_old_invites_messages_and_audit_entries_go(story: Story) -> None:
    await onboarded(story)
    story.clock.advance(timedelta(days=8))  # the invites of the story have expired too
    now = story.clock.now()
    engine = runtime_of(story.app).engine
    with session_scope(engine) as session:
        session.add(
            Invite(
                organisation_id=1,
                token_hash="a" * 64,
                role="pupil",
                created_at=now - timedelta(days=10),
                expires_at=now - timedelta(days=3),
            )
        )
        session.add(
            AuditEntry(at=now - timedelta(days=5 * 365 + 1), actor_kind="system", action="x")
        )
        session.add(AuditEntry(at=now - timedelta(days=4 * 365), actor_kind="system", action="y"))
        session.add(
            OutboxMessage(
                idempotency_key="old",
                chat_id=1,
                recipient_kind="chat",
                kind="welcome",
                payload_enc="",
                due_at=now - timedelta(days=100),
                status="sent",
                created_at=now - timedelta(days=100),
            )
        )
    with session_scope(engine) as session:
        found = retention.apply(session.connection(), now=now, dry_run=False)
    assert (found["messages"], found["audit_entries"]) == (1, 1)
    assert found["invites"] >= 1
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Invite)).scalar_one() == 0
    with session_scope(engine) as session:
        actions = [a.action for a in session.execute(select(AuditEntry)).scalars()]
    assert "x" not in actions and "y" in actions, "kept five years, then gone"


@SQLITE_ONLY
async def test_the_digest_warns_a_week_before(story: Story) -> None:
    await onboarded(story)
    ids = seed(story)
    with session_scope(runtime_of(story.app).engine) as session:
        session.get_one(Client, ids["ending"]).confirmed_at = story.clock.now()
    story.clock.advance(timedelta(days=1))
    calls = await story.tick()
    [digest] = [t for t in texts(calls, chat=5001) if "dit is er gebeurd" in t]
    warned = digest.split("Gegevens binnenkort gewist", 1)[1]
    assert "• Bo: op " in warned and "Ada" not in warned and "Cas" not in warned
