"""A message that suggests crisis or danger (issue 9, point 4).

The client gets the help numbers at once, from a bot that says it is one and that a person reads
along, and is told who will respond. The professional who answers for the client now (their
stand-in during leave) gets an alert at once with "Ik neem contact op" (`al:<alert>`). The
alert escalates to the organisation's professionals on duty when it comes outside working hours
or the responder cannot be reached (at once), or when nobody acknowledged it within
`[bridge] alert_minutes` (the sweep); the client is told who will respond then too, with the
on-call number if the organisation has one. Automatic nudges to the client stop until the
professional switches them on again on the client's page. Alerts only ever go to
professionals: a pupil's crisis message never reaches a parent.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlmodel import select

from content.telegram_text import clip
from services import colleagues
from services.audit import audit
from services.callbacks import Callback, pack
from services.messages import Button, keyboard
from services.recipients import to_client, to_professional
from services.unit import Unit
from storage import alerts as queries
from storage.models import (
    Alert,
    Client,
    Organisation,
    Professional,
    Reply,
    Role,
    Traject,
    TrajectMember,
)
from storage.outbox import PRIORITY_REPLY

log = logging.getLogger(__name__)

RELAY_LIMIT = 3500  # UTF-16 units of a client's text in an alert (Telegram: 4096)


def reachable(professional: Professional) -> bool:
    return (
        professional.chat_id is not None
        and professional.revoked_at is None
        and professional.unreachable_since is None
    )


def describe(unit: Unit, client: Client, language: str) -> str:
    """The client's name for a professional; a parent as the parent of their child."""
    name = unit.name(client.name_enc)
    if client.role != Role.PARENT:
        return name
    member = unit.session.exec(
        select(TrajectMember).where(TrajectMember.client_id == client.id)
    ).first()
    if member is None:
        return unit.label("people.parent_alone", language, name=name)
    traject = unit.session.get(Traject, member.traject_id)
    pupil = unit.session.get(Client, traject.client_id) if traject else None
    child = unit.name(pupil.name_enc) if pupil else "?"
    return unit.label("people.parent_of", language, name=name, child=child)


def crisis(unit: Unit, client: Client, reply_id: int, text: str) -> None:
    """Help at once, the responder alerted, and (outside working hours or when they cannot be
    reached) who is on duty too."""
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    owner = unit.session.get_one(Professional, client.professional_id)
    first = colleagues.responder(unit, owner)
    working = unit.bridge.working(unit.now, ZoneInfo(organisation.time_zone))
    alert = Alert(
        client_id=client.id or 0,
        reply_id=reply_id,
        professional_id=first.id or 0,
        created_at=unit.now,
    )
    unit.session.add(alert)
    unit.session.flush()
    if client.nudges_enabled:
        client.nudges_enabled = False  # no nudge after this; the professional switches them on
        audit(
            unit,
            actor=("system", None),
            action="nudges_off",
            subject=("client", client.id),
            detail="crisis message",
        )
    alerted = reachable(first)
    at_work = working and alerted
    duty = [] if at_work else _on_duty(unit, client, skip=first)
    # The help numbers first: they matter most, and go out before anything else.
    to_client(
        unit,
        client,
        kind="crisis",
        priority=PRIORITY_REPLY,
        text=unit.render(
            "crisis",
            client.language,
            professional=first.name,
            young=client.role == Role.PUPIL,
            at_work=at_work,
            duty=", ".join(p.name for p in duty),
            on_call=organisation.on_call,
        ),
    )
    if alerted:
        _send_alert(unit, alert, first, client, text, escalated=False)
    if at_work:
        alert.escalate_at = unit.now + unit.bridge.alert_after
    else:
        _escalate(unit, alert, client, text, duty)
    if not alerted and not duty:
        log.error("crisis alert %s for client %s reached no professional", alert.id, client.id)
    audit(
        unit,
        actor=("client", client.id),
        action="crisis_alert",
        subject=("client", client.id),
        detail=None if alerted else "responder unreachable or outside working hours",
    )


def _send_alert(
    unit: Unit, alert: Alert, to: Professional, client: Client, text: str, *, escalated: bool
) -> bool:
    return to_professional(
        unit,
        to,
        kind="alert",
        priority=PRIORITY_REPLY,
        key=f"alert:{alert.reply_id}" if not escalated else f"alert:{alert.id}:duty:{to.id}",
        text=unit.render(
            "crisis_alert",
            to.language,
            name=describe(unit, client, to.language),
            text=clip(text, RELAY_LIMIT),
            escalated=escalated,
            minutes=round(unit.bridge.alert_after.total_seconds() / 60),
            first=unit.session.get_one(Professional, alert.professional_id).name,
        ),
        buttons=keyboard(
            [[Button(unit.label("alert.acknowledge", to.language), data=pack("al", alert.id or 0))]]
        ),
    )


def _on_duty(unit: Unit, client: Client, *, skip: Professional) -> list[Professional]:
    """Who is on duty in the client's organisation, but `skip` (who has the alert already)."""
    found = queries.on_duty(session=unit.session, organisation_id=client.organisation_id)
    return [p for p in found if p.id != skip.id]


def _escalate(
    unit: Unit, alert: Alert, client: Client, text: str, duty: list[Professional]
) -> None:
    """The alert to who is on duty."""
    alert.escalated_at = unit.now
    for professional in duty:
        _send_alert(unit, alert, professional, client, text, escalated=True)
    audit(
        unit,
        actor=("system", None),
        action="alert_escalated",
        subject=("client", client.id),
        detail=f"to {len(duty)} on duty",
    )


def escalate_due(unit: Unit) -> int:
    """The sweep: alerts nobody acknowledged in time go to who is on duty; the client hears
    who will respond."""
    count = 0
    for alert in queries.due_alerts(session=unit.session, now=unit.now):
        client = unit.session.get(Client, alert.client_id)
        if client is None:
            continue
        first = unit.session.get_one(Professional, alert.professional_id)
        reply = unit.session.get(Reply, alert.reply_id)
        text = unit.cipher.decrypt(reply.text_enc) if reply and reply.text_enc else ""
        duty = _on_duty(unit, client, skip=first)
        _escalate(unit, alert, client, text, duty)
        organisation = unit.session.get_one(Organisation, client.organisation_id)
        to_client(
            unit,
            client,
            kind="crisis",
            key=f"alert:{alert.id}:client",
            text=unit.render(
                "crisis_escalated",
                client.language,
                professional=first.name,
                duty=", ".join(p.name for p in duty),
                on_call=organisation.on_call,
            ),
        )
        if not duty:
            # Nobody on duty: the first professional hears again, louder, and the log says so.
            log.error("crisis alert %s not acknowledged and nobody is on duty", alert.id)
            _send_alert(unit, alert, first, client, text, escalated=True)
        count += 1
    return count


def acknowledge(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`al:<alert>`: "Ik neem contact op". The client hears who; the others who got it too."""
    alert_id = callback.int_part(0)
    alert = unit.session.get(Alert, alert_id) if alert_id is not None else None
    client = unit.session.get(Client, alert.client_id) if alert else None
    if (
        alert is None
        or client is None
        or not (
            colleagues.may_act(unit, professional, client)
            or (  # on duty: once it went to them
                alert.escalated_at is not None
                and professional.on_duty
                and professional.organisation_id == client.organisation_id
                and professional.revoked_at is None
            )
        )
    ):
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.remove_pressed_buttons()
    name = describe(unit, client, professional.language)
    if alert.acknowledged_at is not None:
        taker = unit.session.get(Professional, alert.acknowledged_by)
        unit.answer_callback(
            unit.label(
                "alert.taken", professional.language, professional=taker.name if taker else "?"
            ),
            alert=True,
        )
        return
    unit.answer_callback()
    alert.acknowledged_at, alert.acknowledged_by = unit.now, professional.id
    audit(
        unit,
        actor=("professional", professional.id),
        action="alert_acknowledged",
        subject=("client", client.id),
    )
    to_client(
        unit,
        client,
        kind="crisis",
        text=unit.render("crisis_acknowledged", client.language, professional=professional.name),
    )
    to_professional(
        unit,
        professional,
        kind="alert",
        text=unit.render("crisis_ack_done", professional.language, name=name),
        buttons=keyboard(
            [[Button(unit.name(client.name_enc)[:30] or "…", data=pack("cl", "o", client.id or 0))]]
        )
        if colleagues.may_act(unit, professional, client)
        else (),
    )
    others = {alert.professional_id}
    if alert.escalated_at is not None:
        duty = queries.on_duty(session=unit.session, organisation_id=client.organisation_id)
        others |= {p.id or 0 for p in duty}
    for other_id in sorted(i for i in others if i is not None and i != professional.id):
        other = unit.session.get(Professional, other_id)
        if other is not None:
            to_professional(
                unit,
                other,
                kind="alert",
                text=unit.render(
                    "crisis_taken",
                    other.language,
                    name=describe(unit, client, other.language),
                    professional=professional.name,
                ),
            )
