"""Meetings with a client: planned from their page ("Gesprek plannen", then a typed date and
time), shown in the digest in the week before, and marked held ("Gesprek gehouden"), which is
where "since the last meeting" starts."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from reminders.localtime import at_local, local_date
from services import activity, colleagues
from services.audit import audit
from services.callbacks import row_of
from services.journey import parse_day
from services.recipients import to_professional
from services.unit import Unit
from storage.models import Client, Meeting, Organisation, Professional

AWAITING = "plan:"
HORIZON = timedelta(days=183)
_TIME = re.compile(r"^(?P<day>.*?)(?:\s+(?:om\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2}))?\s*$")


def ask_when(unit: Unit, professional: Professional, client: Client) -> None:
    professional.awaiting = f"{AWAITING}{client.id}"
    to_professional(
        unit,
        professional,
        kind="meeting_plan",
        text=unit.render("meeting_ask", professional.language, name=unit.name(client.name_enc)),
    )


def parse_when(text: str, *, today: datetime, zone: ZoneInfo) -> datetime | None:
    """ "12-03 14:30", "12-3 om 9.15", "12-03" (a day, no time: 09:00) as a moment, or None."""
    found = _TIME.match(text.strip())
    if found is None:
        return None
    day = parse_day(
        found.group("day"), today=local_date(today, zone), allow_today=True, horizon=HORIZON
    )
    if day is None:
        return None
    hour, minute = found.group("hour"), found.group("minute")
    try:
        clock = time(int(hour), int(minute)) if hour is not None else time(9, 0)
    except ValueError:
        return None
    return at_local(day, clock, zone)


def awaited(unit: Unit, professional: Professional, text: str) -> bool:
    """Their text, if it is the date of a meeting they are planning."""
    awaiting = professional.awaiting or ""
    if not awaiting.startswith(AWAITING):
        return False
    client_id = awaiting.removeprefix(AWAITING)
    client = row_of(unit.session, Client, client_id)
    if client is None or not colleagues.may_act(unit, professional, client):
        professional.awaiting = None
        return False
    zone = ZoneInfo(unit.session.get_one(Organisation, professional.organisation_id).time_zone)
    planned = parse_when(text, today=unit.now, zone=zone)
    name = unit.name(client.name_enc)
    if planned is None:  # ask again; they can drop it by pressing anything else
        to_professional(
            unit,
            professional,
            kind="meeting_plan",
            text=unit.render("meeting_ask", professional.language, name=name),
        )
        return True
    professional.awaiting = None
    unit.session.add(
        # The client's own professional's meeting, also when a stand-in plans it.
        Meeting(
            client_id=client.id or 0, professional_id=client.professional_id, planned_for=planned
        )
    )
    audit(
        unit,
        actor=("professional", professional.id),
        action="meeting_planned",
        subject=("client", client.id),
    )
    to_professional(
        unit,
        professional,
        kind="meeting_plan",
        text=unit.render(
            "meeting_planned",
            professional.language,
            name=name,
            when=planned.astimezone(zone).strftime("%d-%m-%Y %H:%M"),
        ),
    )
    return True


def mark_held(unit: Unit, professional: Professional, client: Client) -> None:
    """The planned meeting of today (or one that went by unmarked) was held; or, when none was
    planned, a meeting held now."""
    planned = unit.session.exec(
        select(Meeting)
        .where(
            Meeting.client_id == client.id,
            col(Meeting.held_at).is_(None),
            col(Meeting.planned_for) <= unit.now + timedelta(hours=12),
        )
        .order_by(col(Meeting.planned_for).desc())
    ).first()
    if planned is not None:
        planned.held_at = unit.now
    else:
        unit.session.add(
            Meeting(
                client_id=client.id or 0, professional_id=client.professional_id, held_at=unit.now
            )
        )
    activity.met(unit, client)
    audit(
        unit,
        actor=("professional", professional.id),
        action="meeting_held",
        subject=("client", client.id),
    )
    to_professional(
        unit,
        professional,
        kind="meeting_held",
        text=unit.render("meeting_held", professional.language, name=unit.name(client.name_enc)),
    )
