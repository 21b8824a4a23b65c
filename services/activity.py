"""A client did something: what that means for nudging.

Every Reply goes through here (services/replies.py), and so do the buttons under a nudge. The
nudges of the last 48 hours count as followed (the effect the digest and the reports show), and
the ladder of the traject they take part in starts over: the stall now begins at this moment.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlmodel import select

from reminders.ladder import DEFAULT_STALL_DAYS, StallReason
from reminders.moments import nudge_at
from services.unit import Unit
from storage import nudges
from storage.models import Client, Organisation, Traject, TrajectMember, TrajectStatus


def acted(unit: Unit, client: Client, traject: Traject | None = None) -> None:
    """`client` did something just now (in `traject`, if known)."""
    client.last_activity_at = unit.now
    nudges.mark_followed(session=unit.session, client_id=client.id or 0, now=unit.now)
    traject = traject if traject is not None else active_traject(unit, client)
    if traject is None or traject.status != TrajectStatus.ACTIVE:
        return
    traject.last_activity_at = unit.now
    if traject.step_key is None or traject.step_sent_at is None:
        return  # nothing waits
    owner = (
        client
        if traject.client_id == client.id
        else unit.session.get_one(Client, traject.client_id)
    )
    # A step planned for later (at their moment) waits from then, not from now.
    since = max(unit.now, traject.step_sent_at)
    restart(traject, since, StallReason.STEP)
    traject.next_nudge_at = _first_nudge(unit, owner, traject, since)


def met(unit: Unit, client: Client) -> None:
    """A face-to-face meeting was held: a step still waiting after it counts as stalled from
    the meeting on ("nothing since the last meeting"), and the ladder starts over."""
    traject = active_traject(unit, client)
    if traject is None or traject.step_key is None or traject.step_sent_at is None:
        return
    if traject.client_id != client.id:
        return  # a parent's meeting: the pupil's own ladder stays as it is
    since = max(unit.now, traject.step_sent_at)
    restart(traject, since, StallReason.MEETING)
    traject.next_nudge_at = _first_nudge(unit, client, traject, since)


def _first_nudge(unit: Unit, owner: Client, traject: Traject, since: datetime) -> datetime:
    line = unit.content.lines.get(traject.line_key)
    stall_days = traject.stall_days or (line.stall_days if line else DEFAULT_STALL_DAYS)
    organisation = unit.session.get_one(Organisation, owner.organisation_id)
    return nudge_at(since, stall_days, owner.preferred_moment, ZoneInfo(organisation.time_zone))


def restart(traject: Traject, since: datetime, reason: StallReason) -> None:
    """A new stall begins (a step came, they did something, a meeting, a welcome back): the
    ladder starts from the bottom. The caller sets `next_nudge_at`."""
    traject.nudge_rung = 0
    traject.stall_since = since
    traject.stall_reason = reason


def active_traject(unit: Unit, client: Client) -> Traject | None:
    """Their own active traject, else the one they take part in (a parent in a pupil's).
    Here rather than in services/steps.py, which uses it too: steps imports this module."""
    params = {"client": client.id}
    own = unit.session.exec(_OWN_ACTIVE, params=params).first()
    if own is not None:
        return own
    return unit.session.exec(_TAKES_PART_IN, params=params).first()


# Built once (every answer asks): building an ORM query cost more than running it (issue 13).
_OWN_ACTIVE = (
    select(Traject)
    .where(Traject.client_id == bindparam("client"), Traject.status == TrajectStatus.ACTIVE)
    .order_by(Traject.id.desc())  # type: ignore[union-attr]
)
_TAKES_PART_IN = (
    select(Traject)
    .join(TrajectMember, TrajectMember.traject_id == Traject.id)  # type: ignore[arg-type]
    .where(TrajectMember.client_id == bindparam("client"), Traject.status == TrajectStatus.ACTIVE)
)
