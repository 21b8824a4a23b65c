"""The professional's digest: so "check blended" no longer depends on memory.

Thin for now (see issue "The professional's workspace"): on weekdays at the professional's
digest time, one message with the new answers per client, who was nudged without result, and
open questions. Quiet days send nothing.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from reminders.localtime import local_date, next_occurrence, parse_clock
from services.recipients import to_professional
from services.unit import Unit
from storage import digests
from storage.models import Organisation, OutboxStatus, Professional
from storage.outbox import PRIORITY_BULK


def next_digest_at(
    after: datetime, professional: Professional, organisation: Organisation
) -> datetime:
    return next_occurrence(
        after,
        parse_clock(professional.digest_time),
        ZoneInfo(organisation.time_zone),
        weekdays_only=True,
    )


def send_due_digests(unit: Unit) -> int:
    """Queue every digest that is due. Returns how many were queued."""
    queued = 0
    for professional_id in digests.due_professionals(session=unit.session, now=unit.now):
        professional = unit.session.get_one(Professional, professional_id)
        organisation = unit.session.get_one(Organisation, professional.organisation_id)
        if _send_digest(unit, professional, organisation):
            queued += 1
        professional.last_digest_at = unit.now
        professional.next_digest_at = next_digest_at(unit.now, professional, organisation)
    return queued


def _send_digest(unit: Unit, professional: Professional, organisation: Organisation) -> bool:
    assert professional.id is not None
    active = [
        {
            "name": _name(unit, row.name_enc),
            "answers": row.answers,
            "messages": row.messages,
            "crisis": row.crisis,
        }
        for row in digests.activity_since(
            session=unit.session, professional_id=professional.id, since=professional.last_digest_at
        )
    ]
    zone = ZoneInfo(organisation.time_zone)
    waiting = [
        {
            "name": _name(unit, row.name_enc),
            "nudges": row.nudges,
            "since": row.waiting_since.astimezone(zone).strftime("%d-%m")
            if row.waiting_since
            else "",
        }
        for row in digests.stalled(session=unit.session, professional_id=professional.id)
    ]
    questions = digests.open_questions(session=unit.session, professional_id=professional.id)
    gone = [
        {"name": _name(unit, row.name_enc), "since": row.since.astimezone(zone).strftime("%d-%m")}
        for row in digests.unreachable(session=unit.session, professional_id=professional.id)
    ]
    troubled = digests.in_doubt(
        session=unit.session, professional_id=professional.id, since=professional.last_digest_at
    )
    doubt, not_sent = (
        [
            {
                "name": _name(unit, row.name_enc) if row.name_enc else "",
                "kind": row.kind,
                "when": row.created_at.astimezone(zone).strftime("%d-%m %H:%M"),
            }
            for row in troubled
            if row.status == status
        ]
        for status in (OutboxStatus.UNKNOWN, OutboxStatus.FAILED)
    )
    unconfirmed = [
        _name(unit, name_enc)
        for name_enc in digests.to_confirm(session=unit.session, professional_id=professional.id)
    ]
    if not (active or waiting or questions or gone or doubt or not_sent or unconfirmed):
        return False
    day = local_date(unit.now, zone)
    return to_professional(
        unit,
        professional,
        kind="digest",
        priority=PRIORITY_BULK,
        key=f"digest:{professional.id}:{day.isoformat()}",
        text=unit.render(
            "digest",
            professional.language,
            name=professional.name,
            active=active,
            waiting=waiting,
            questions=questions,
            unreachable=gone,
            in_doubt=doubt,
            not_sent=not_sent,
            to_confirm=unconfirmed,
            date=day.strftime("%d-%m-%Y"),
        ),
    )


def _name(unit: Unit, name_enc: str | None) -> str:
    return unit.cipher.decrypt(name_enc) if name_enc else "?"
