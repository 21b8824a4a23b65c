"""The sweep against a real database: nudges wait for the client's moment (never in quiet
hours), never repeat, skip paused, stopped and unreachable clients; digests come on weekdays
only, once a day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from content import Content, load_content
from services.sweep import sweep
from services.unit import Unit
from storage.crypto import FieldCipher
from storage.db import session_scope
from storage.models import ClientStatus, OutboxMessage, Professional, Traject
from tests.factories import make_client, make_professional, make_traject


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def run_sweep(engine: Engine, content: Content, cipher: FieldCipher, now: datetime) -> list[str]:
    with session_scope(engine) as session:
        unit = Unit(session=session, now=now, content=content, cipher=cipher)
        sweep(unit)
        unit.flush()
        return [message.kind for message in unit.queued]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def waiting_traject(engine: Engine, cipher: FieldCipher, due: datetime, **client: object) -> int:
    with session_scope(engine) as session:
        owner = make_client(session, name_enc=cipher.encrypt("Sanne"), **client)
        traject = make_traject(
            session, client_id=owner.id, step_key="gedachten", step_index=1, next_nudge_at=due
        )
        return traject.id or 0


def professional_with_a_stalled_client(
    engine: Engine, cipher: FieldCipher, *, next_digest_at: datetime
) -> int:
    """A professional whose digest is due then, with a client nudged who did not react (so
    the digest has something in it)."""
    with session_scope(engine) as session:
        professional = make_professional(session, next_digest_at=next_digest_at)
        owner = make_client(
            session,
            professional_id=professional.id,
            organisation_id=professional.organisation_id,
            name_enc=cipher.encrypt("Sanne"),
        )
        make_traject(session, client_id=owner.id, nudge_rung=1)  # nudged, no reaction
        return professional.id or 0


def test_a_due_nudge_is_queued_once(engine: Engine, content: Content, cipher: FieldCipher) -> None:
    waiting_traject(engine, cipher, utc("2026-03-05T14:30"))
    assert run_sweep(engine, content, cipher, utc("2026-03-05T14:31")) == ["nudge"]
    assert run_sweep(engine, content, cipher, utc("2026-03-05T14:32")) == []
    with session_scope(engine) as session:
        keys = session.execute(select(OutboxMessage.idempotency_key)).scalars().all()
    assert len([key for key in keys if key.startswith("nudge:")]) == 1


def test_a_nudge_due_at_night_waits_for_the_clients_moment_the_next_day(
    engine: Engine, content: Content, cipher: FieldCipher
) -> None:
    traject_id = waiting_traject(engine, cipher, utc("2026-03-05T21:30"))  # 22:30 local
    assert run_sweep(engine, content, cipher, utc("2026-03-05T21:31")) == []
    with session_scope(engine) as session:
        moved = session.get_one(Traject, traject_id).next_nudge_at
    assert moved == utc("2026-03-06T14:30")  # 15:30 local, the default moment (afternoon)
    assert run_sweep(engine, content, cipher, utc("2026-03-06T14:29")) == []
    assert run_sweep(engine, content, cipher, utc("2026-03-06T14:30")) == ["nudge"]


@pytest.mark.parametrize(
    "client",
    [
        {"status": ClientStatus.STOPPED},
        {"unreachable_since": utc("2026-03-01T10:00")},
        {"paused_until": utc("2026-03-10T10:00")},
    ],
)
def test_no_nudges_for_stopped_unreachable_or_paused_clients(
    engine: Engine, content: Content, cipher: FieldCipher, client: dict[str, object]
) -> None:
    waiting_traject(engine, cipher, utc("2026-03-05T14:30"), **client)
    assert run_sweep(engine, content, cipher, utc("2026-03-05T15:00")) == []


def test_digests_come_once_a_weekday_and_skip_the_weekend(
    engine: Engine, content: Content, cipher: FieldCipher
) -> None:
    friday = utc("2026-03-06T07:30")  # 08:30 local
    professional_id = professional_with_a_stalled_client(engine, cipher, next_digest_at=friday)
    assert run_sweep(engine, content, cipher, utc("2026-03-06T07:29")) == []
    assert run_sweep(engine, content, cipher, utc("2026-03-06T07:31")) == ["digest"]
    assert run_sweep(engine, content, cipher, utc("2026-03-06T12:00")) == [], "once a day"
    with session_scope(engine) as session:
        following = session.get_one(Professional, professional_id).next_digest_at
    assert following == utc("2026-03-09T07:30")  # Monday 08:30 local
    for weekend in ("2026-03-07T07:31", "2026-03-08T07:31"):
        assert run_sweep(engine, content, cipher, utc(weekend)) == []
    assert run_sweep(engine, content, cipher, utc("2026-03-09T07:31")) == ["digest"]


def test_a_digest_caught_up_before_its_moment_is_that_days_own(
    engine: Engine, content: Content, cipher: FieldCipher
) -> None:
    """Back after an outage at 08:00 local, Thursday's overdue digest goes at once; it is
    Friday's digest too, so Friday's 08:30 brings no second (duwtje chaos clock found it)."""
    thursday = utc("2026-03-05T07:30")  # 08:30 local
    professional_id = professional_with_a_stalled_client(engine, cipher, next_digest_at=thursday)
    assert run_sweep(engine, content, cipher, utc("2026-03-06T07:00")) == ["digest"]  # Fri 08:00
    assert run_sweep(engine, content, cipher, utc("2026-03-06T07:31")) == [], "no second"
    with session_scope(engine) as session:
        following = session.get_one(Professional, professional_id).next_digest_at
    assert following == utc("2026-03-09T07:30")  # Monday 08:30 local
