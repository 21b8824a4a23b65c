"""The professional's digest: so "check blended" no longer depends on memory.

At the professional's chosen time (default 08:30 on working days, or once a week), and only
when there is something: answers to read (how many, and when the newest came; the answers
themselves open on the client's page), who is stalled or not responding to a nudge, open
questions (the longest waiting first), meetings coming up, each client's check-ins as a small
trend line, who cannot be reached, who is still to be confirmed, messages that may not have
arrived, and the peer groups' poll totals and meetings. One message, cut into parts only where
it would not fit, with a button for each client named. Everything about clients is counted in
SQL (storage/digests.py, storage/caseload.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from content.telegram_text import split_message
from reminders.ladder import ladder_done
from reminders.localtime import at_local, local_date, next_occurrence, parse_clock
from services import caseload, charts, colleagues, group_posts
from services.callbacks import pack
from services.groups import group_title
from services.messages import Button, Keyboard, keyboard
from services.recipients import to_professional
from services.unit import Unit
from storage import digests, nudges, polls, retention
from storage.models import (
    GroupMeeting,
    GroupMeetingStatus,
    GroupPoll,
    GroupStatus,
    Organisation,
    OutboxStatus,
    PeerGroup,
    Professional,
)
from storage.outbox import PRIORITY_BULK

MEETINGS_AHEAD = timedelta(days=7)
BUTTONS = 24  # clients to open from the digest, at most


def next_digest_at(
    after: datetime, professional: Professional, organisation: Organisation
) -> datetime:
    zone = ZoneInfo(organisation.time_zone)
    at = parse_clock(professional.digest_time)
    if professional.digest_day is None:
        return next_occurrence(after, at, zone, weekdays_only=True)
    moment = next_occurrence(after, at, zone)
    while local_date(moment, zone).weekday() != professional.digest_day:
        moment = next_occurrence(moment, at, zone)
    return moment


def send_due_digests(unit: Unit) -> int:
    """Queue every digest that is due. Returns how many were queued."""
    queued = 0
    for professional_id in digests.due_professionals(session=unit.session, now=unit.now):
        professional = unit.session.get_one(Professional, professional_id)
        organisation = unit.session.get_one(Organisation, professional.organisation_id)
        if _send_digest(unit, professional, organisation):
            queued += 1
        professional.last_digest_at = unit.now
        # The next after today's moment: one sent before it (catching up after the bot was
        # down) is today's, so today's moment brings no second (duwtje chaos clock).
        zone = ZoneInfo(organisation.time_zone)
        today = at_local(local_date(unit.now, zone), parse_clock(professional.digest_time), zone)
        professional.next_digest_at = next_digest_at(
            max(unit.now, today), professional, organisation
        )
    return queued


def _send_digest(unit: Unit, professional: Professional, organisation: Organisation) -> bool:
    """To the professional, or during their leave to their stand-in, headed with whose it is."""
    values, named = gather(unit, professional, ZoneInfo(organisation.time_zone))
    if not any(values[section] for section in SECTIONS):
        return False
    recipient = colleagues.responder(unit, professional)
    if recipient is not professional:
        values["name"], values["for_colleague"] = recipient.name, professional.name
    day = local_date(unit.now, ZoneInfo(organisation.time_zone))
    parts = split_message(unit.render("digest", recipient.language, **values))
    for number, part in enumerate(parts):
        last = number == len(parts) - 1
        to_professional(
            unit,
            recipient,
            kind="digest",
            priority=PRIORITY_BULK,
            key=f"digest:{professional.id}:{day.isoformat()}:{number}",
            text=part,
            buttons=_open_buttons(named) if last else (),
        )
    return True


# Sections that make a digest worth sending (check-in trends alone do not).
SECTIONS = (
    "active",
    "stalled",
    "not_responding",
    "questions",
    "meetings",
    "unreachable",
    "in_doubt",
    "not_sent",
    "to_confirm",
    "deleting",
    "groups",
)


def gather(
    unit: Unit, professional: Professional, zone: ZoneInfo
) -> tuple[dict[str, object], dict[int, str]]:
    """The digest's values, and the clients it names (id -> name) for the buttons."""
    assert professional.id is not None
    named: dict[int, str] = {}

    def name(client_id: int, name_enc: str | None) -> str:
        named[client_id] = found = unit.name(name_enc)
        return found

    def when(moment: datetime) -> str:
        return when_local(moment, zone)

    active = [
        {
            "name": name(row.client_id, row.name_enc),
            "answers": row.answers,
            "messages": row.messages,
            "crisis": row.crisis,
            "newest": when(row.newest) if row.newest else "",
        }
        for row in digests.activity_since(
            session=unit.session, professional_id=professional.id, since=professional.last_digest_at
        )
    ]
    cases = caseload.cases(unit, professional)

    def of(state: caseload.State) -> list[dict[str, object]]:
        return [
            {
                "name": name(c.row.client_id, c.row.name_enc),
                "days": c.days,
                "stopped": ladder_done(c.row.nudge_rung),
            }
            for c in cases
            if c.state == state
        ]

    unreachable = [
        {
            "name": name(c.row.client_id, c.row.name_enc),
            "since": c.row.unreachable_since.astimezone(zone).strftime("%d-%m"),
        }
        for c in cases
        if c.row.unreachable_since is not None  # whatever else is going on with them
    ]
    questions = [
        {
            "name": name(q.client_id, q.name_enc),
            "days": (local_date(unit.now, zone) - local_date(q.asked_at, zone)).days,
        }
        for q in digests.open_question_list(session=unit.session, professional_id=professional.id)
    ]
    meetings = [
        {"name": name(m.client_id, m.name_enc), "when": when(m.planned_for)}
        for m in digests.coming_meetings(
            session=unit.session,
            professional_id=professional.id,
            now=unit.now,
            until=unit.now + MEETINGS_AHEAD,
        )
    ]
    trends = [
        {"name": unit.name(s.name_enc), "spark": charts.sparkline(s.values), "last": s.values[-1]}
        for s in digests.recent_scores(
            session=unit.session, professional_id=professional.id, since=professional.last_digest_at
        )
    ]
    troubled = digests.in_doubt(
        session=unit.session, professional_id=professional.id, since=professional.last_digest_at
    )
    doubt, not_sent = (
        [
            {
                "name": unit.name(row.name_enc) if row.name_enc else "",
                "kind": unit.label(f"kinds.{row.kind}", professional.language)
                if unit.content.renderer.has_label(f"kinds.{row.kind}", professional.language)
                else row.kind,
                "when": when(row.created_at),
            }
            for row in troubled
            if row.status == status
        ]
        for status in (OutboxStatus.UNKNOWN, OutboxStatus.FAILED)
    )
    values: dict[str, object] = {
        "name": professional.name,
        "for_colleague": "",
        "date": local_date(unit.now, zone).strftime("%d-%m-%Y"),
        "active": active,
        "stalled": of(caseload.State.STALLED),
        "not_responding": of(caseload.State.NOT_RESPONDING),
        "questions": questions,
        "meetings": meetings,
        "trends": trends,
        "unreachable": unreachable,
        "in_doubt": doubt,
        "not_sent": not_sent,
        "to_confirm": [name(c.row.client_id, c.row.name_enc) for c in cases if not c.row.confirmed],
        "deleting": [
            {
                "name": name(d.client_id, d.name_enc),
                "when": d.delete_at.astimezone(zone).strftime("%d-%m"),
            }
            for d in retention.due_for(
                unit.session.connection(),
                before=unit.now + retention.WARN_AHEAD,
                professional_id=professional.id,
            )
            if d.delete_at >= unit.now  # those past it go with the next housekeeping
        ],
        "nudges": _nudge_effect(unit, professional),
        "groups": _groups(unit, professional, zone),
    }
    return values, named


def _groups(unit: Unit, professional: Professional, zone: ZoneInfo) -> list[dict[str, object]]:
    """Per peer group, since the last digest: the polls' totals (only totals: they are
    anonymous), the meetings held and how many said they would come, and whether the bot can
    still send there."""
    since = professional.last_digest_at or unit.now - timedelta(days=7)
    found = []
    for group in unit.session.exec(
        select(PeerGroup).where(PeerGroup.professional_id == professional.id)
    ).all():
        polls_closed = unit.session.exec(
            select(GroupPoll)
            .where(GroupPoll.group_id == group.id, col(GroupPoll.closed_at) > since)
            .order_by(col(GroupPoll.closed_at))
        ).all()
        held = unit.session.exec(
            select(GroupMeeting)
            .where(
                GroupMeeting.group_id == group.id,
                GroupMeeting.status == GroupMeetingStatus.HELD,
                col(GroupMeeting.ended_at) > since,
            )
            .order_by(col(GroupMeeting.starts_at))
        ).all()
        inactive = group.status == GroupStatus.INACTIVE
        if not (polls_closed or held or inactive):
            continue
        language = professional.language
        found.append(
            {
                "title": group_title(unit, group),
                "inactive": inactive,
                "polls": [
                    {
                        "question": group_posts.poll_question(unit, poll.kind, language),
                        "voters": poll.voters,
                        "options": [
                            {"label": label, "count": count}
                            for label, count in zip(
                                group_posts.poll_options(unit, poll.kind, language),
                                polls.totals(poll),
                                strict=False,
                            )
                        ],
                    }
                    for poll in polls_closed
                ],
                "meetings": [
                    {"when": when_local(m.starts_at, zone), "coming": m.coming} for m in held
                ],
            }
        )
    return found


def when_local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d-%m %H:%M")


def _nudge_effect(unit: Unit, professional: Professional) -> dict[str, int]:
    """Nudges to their clients since the last digest (the first: the last week), and how many
    were followed within 48 hours."""
    since = professional.last_digest_at or unit.now - timedelta(days=7)
    found = nudges.effect(
        session=unit.session, professional_id=professional.id, since=since, until=unit.now
    )
    return {"sent": found.sent, "followed": found.followed}


def _open_buttons(named: dict[int, str]) -> Keyboard:
    buttons = [
        Button(label[:30], data=pack("cl", "o", client_id))
        for client_id, label in list(named.items())[:BUTTONS]
    ]
    return keyboard([buttons[i : i + 3] for i in range(0, len(buttons), 3)])
