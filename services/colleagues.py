"""Colleagues: a stand-in during leave, and handing a client over to another professional.

During leave (`/afwezig`: a colleague, then the last day away) the professional's digest and
their clients' questions and crisis alerts go to the stand-in, who may open those clients'
pages, react and plan meetings until the leave ends (the day after the last day, or `/terug`).
A transfer (from a client's page, or `duwtje client transfer`) moves the client, their open
questions and planned meetings to the colleague; both the colleague and the client are told.
Every change is audited.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from reminders.localtime import at_local, local_date
from services.audit import audit
from services.callbacks import Callback, as_int, pack
from services.journey import parse_day
from services.messages import Button, Keyboard, keyboard
from services.recipients import to_client, to_professional
from services.unit import Unit
from storage.models import (
    Appointment,
    AppointmentStatus,
    AuditEntry,
    Client,
    Meeting,
    Organisation,
    Professional,
    Question,
    QuestionStatus,
)

AWAITING = "away:"
LONGEST_LEAVE = timedelta(days=366)


class TransferError(ValueError):
    """A transfer that cannot be: the message says why, for the CLI."""


# --- who acts for whom --------------------------------------------------------------------


def on_leave(professional: Professional, now: datetime) -> bool:
    return (
        professional.stand_in_id is not None
        and professional.away_until is not None
        and professional.away_until > now
    )


def responder(unit: Unit, professional: Professional) -> Professional:
    """Who gets what a client sends for `professional` now: their stand-in during leave (if the
    stand-in can be reached), else the professional."""
    if not on_leave(professional, unit.now):
        return professional
    stand_in = unit.session.get(Professional, professional.stand_in_id)
    if stand_in is None or stand_in.revoked_at is not None or stand_in.chat_id is None:
        return professional
    return stand_in


def may_act(unit: Unit, professional: Professional, client: Client) -> bool:
    """The client is theirs, or they stand in for the client's professional right now."""
    if client.professional_id == professional.id:
        return True
    owner = unit.session.get(Professional, client.professional_id)
    return (
        owner is not None
        and owner.stand_in_id == professional.id
        and on_leave(owner, unit.now)
        and professional.revoked_at is None
    )


def standing_in_for(unit: Unit, professional: Professional) -> list[Professional]:
    """The colleagues on leave whom this professional stands in for now."""
    found = unit.session.exec(
        select(Professional)
        .where(Professional.stand_in_id == professional.id, col(Professional.revoked_at).is_(None))
        .order_by(Professional.name)
    )
    return [p for p in found.all() if on_leave(p, unit.now)]


def colleagues(session: Session, professional: Professional) -> list[Professional]:
    """The other active professionals of the same organisation, by name."""
    found = session.exec(
        select(Professional)
        .where(
            Professional.organisation_id == professional.organisation_id,
            Professional.id != professional.id,
            col(Professional.revoked_at).is_(None),
            col(Professional.chat_id).is_not(None),
        )
        .order_by(Professional.name)
    )
    return list(found.all())


def _colleague(
    unit: Unit, professional: Professional, colleague_id: int | None
) -> Professional | None:
    found = [c for c in colleagues(unit.session, professional) if c.id == colleague_id]
    return found[0] if found else None


def _buttons(colleagues_: list[Professional], data: list[str]) -> Keyboard:
    buttons = [Button(c.name[:30], data=d) for c, d in zip(colleagues_, data, strict=True)]
    return keyboard([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _zone(unit: Unit, professional: Professional) -> ZoneInfo:
    return ZoneInfo(unit.session.get_one(Organisation, professional.organisation_id).time_zone)


# --- leave ---------------------------------------------------------------------------------


def leave_menu(unit: Unit, professional: Professional) -> None:
    """/afwezig: who stands in (buttons), or, during leave, when it ends and "I'm back"."""
    language = professional.language
    if on_leave(professional, unit.now):
        stand_in = unit.session.get_one(Professional, professional.stand_in_id)
        to_professional(
            unit,
            professional,
            kind="leave",
            text=unit.render(
                "leave_status",
                language,
                stand_in=stand_in.name,
                until=_last_day(unit, professional),
            ),
            buttons=keyboard([[Button(unit.label("leave.back", language), data=pack("aw", "b"))]]),
        )
        return
    found = colleagues(unit.session, professional)
    to_professional(
        unit,
        professional,
        kind="leave",
        text=unit.render("leave_ask", language, anyone=bool(found)),
        buttons=_buttons(found, [pack("aw", "s", c.id or 0) for c in found]),
    )


def choose_stand_in(unit: Unit, professional: Professional, callback: Callback) -> None:
    stand_in = _colleague(unit, professional, callback.int_part(1))
    if stand_in is None:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    professional.awaiting = f"{AWAITING}{stand_in.id}"
    unit.edit_pressed(unit.render("leave_until", professional.language, stand_in=stand_in.name))


def awaited(unit: Unit, professional: Professional, text: str) -> bool:
    """Their text, if it is the last day of the leave they are arranging."""
    awaiting = professional.awaiting or ""
    if not awaiting.startswith(AWAITING):
        return False
    stand_in_id = awaiting.removeprefix(AWAITING)
    stand_in = _colleague(unit, professional, as_int(stand_in_id))
    if stand_in is None:
        professional.awaiting = None
        return False
    zone = _zone(unit, professional)
    last_day = parse_day(
        text, today=local_date(unit.now, zone), allow_today=True, horizon=LONGEST_LEAVE
    )
    if last_day is None:  # ask again; any button or command drops it
        to_professional(
            unit,
            professional,
            kind="leave",
            text=unit.render("leave_until", professional.language, stand_in=stand_in.name),
        )
        return True
    start_leave(
        unit,
        professional,
        stand_in,
        until=at_local(last_day + timedelta(days=1), time(0, 0), zone),
        actor=("professional", professional.id),
    )
    return True


def start_leave(
    unit: Unit,
    professional: Professional,
    stand_in: Professional,
    *,
    until: datetime,
    actor: tuple[str, int | None],
) -> None:
    professional.awaiting = None
    professional.away_until = until
    professional.stand_in_id = stand_in.id
    audit(
        unit,
        actor=actor,
        action="leave_started",
        subject=("professional", professional.id),
        detail=f"stand-in {stand_in.id} until {until.isoformat()}",
    )
    last_day = _last_day(unit, professional)
    to_professional(
        unit,
        professional,
        kind="leave",
        text=unit.render(
            "leave_set", professional.language, stand_in=stand_in.name, until=last_day
        ),
        key=unit.key_outside_update(f"leave:set:{professional.id}"),
    )
    to_professional(
        unit,
        stand_in,
        kind="leave",
        text=unit.render(
            "stand_in_asked", stand_in.language, colleague=professional.name, until=last_day
        ),
        key=unit.key_outside_update(f"leave:asked:{professional.id}"),
    )


def back(
    unit: Unit,
    professional: Professional,
    callback: Callback | None = None,
    *,
    actor: tuple[str, int | None] | None = None,
) -> None:
    """ "Ik ben terug" (or `duwtje professional back`): the leave ends now."""
    if callback is not None:
        unit.answer_callback()
    if not on_leave(professional, unit.now):
        if callback is not None:
            unit.edit_pressed(unit.render("leave_ended", professional.language, stand_in=""))
        return
    stand_in = unit.session.get(Professional, professional.stand_in_id)
    professional.away_until = None
    audit(
        unit,
        actor=actor or ("professional", professional.id),
        action="leave_ended",
        subject=("professional", professional.id),
    )
    name = stand_in.name if stand_in else ""
    text = unit.render("leave_ended", professional.language, stand_in=name)
    if callback is not None:
        unit.edit_pressed(text)
    else:
        to_professional(
            unit,
            professional,
            kind="leave",
            text=text,
            key=unit.key_outside_update(f"leave:ended:{professional.id}"),
        )
    if stand_in is not None:
        to_professional(
            unit,
            stand_in,
            kind="leave",
            text=unit.render("stand_in_ended", stand_in.language, colleague=professional.name),
            key=unit.key_outside_update(f"leave:stand-in-ended:{professional.id}"),
        )


def move_open_work(session: Session, client_id: int, to: int) -> None:
    """What is still to be done for a client goes with them to another professional: open
    questions, planned meetings, coming appointments (a transfer, or a revoked professional)."""
    for question in session.exec(
        select(Question).where(
            Question.client_id == client_id, Question.status == QuestionStatus.OPEN
        )
    ):
        question.professional_id = to
    for meeting in session.exec(
        select(Meeting).where(Meeting.client_id == client_id, col(Meeting.held_at).is_(None))
    ):
        meeting.professional_id = to
    for appointment in session.exec(
        select(Appointment).where(
            Appointment.client_id == client_id,
            col(Appointment.status).in_(
                (
                    AppointmentStatus.REQUESTED,
                    AppointmentStatus.PROPOSED,
                    AppointmentStatus.CONFIRMED,
                )
            ),
        )
    ):
        appointment.professional_id = to


def _last_day(unit: Unit, professional: Professional) -> str:
    assert professional.away_until is not None
    zone = _zone(unit, professional)
    return (local_date(professional.away_until, zone) - timedelta(days=1)).strftime("%d-%m-%Y")


def route_leave(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`aw:s:<colleague>` chooses the stand-in, `aw:b` ends the leave."""
    if callback.part(0) == "s":
        choose_stand_in(unit, professional, callback)
    elif callback.part(0) == "b":
        back(unit, professional, callback)
    else:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))


# --- transfer ------------------------------------------------------------------------------


def transfer_menu(unit: Unit, professional: Professional, client: Client) -> None:
    """From the client's page: to which colleague (only the client's own professional)."""
    language = professional.language
    found = colleagues(unit.session, professional)
    to_professional(
        unit,
        professional,
        kind="transfer",
        text=unit.render(
            "transfer_ask", language, name=unit.name(client.name_enc), anyone=bool(found)
        ),
        buttons=_buttons(found, [pack("tr", client.id or 0, c.id or 0) for c in found]),
    )


def transfer_pressed(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`tr:<client>:<colleague>`."""
    client_id = callback.int_part(0)
    client = unit.session.get(Client, client_id) if client_id is not None else None
    colleague = _colleague(unit, professional, callback.int_part(1))
    if client is None or client.professional_id != professional.id or colleague is None:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    transfer(unit, client, colleague, actor=("professional", professional.id))
    unit.edit_pressed(
        unit.render(
            "transfer_done",
            professional.language,
            name=unit.name(client.name_enc),
            colleague=colleague.name,
        )
    )


def transfer(
    unit: Unit, client: Client, colleague: Professional, *, actor: tuple[str, int | None]
) -> None:
    """Move the client, their open questions and their planned meetings to `colleague`; tell
    the colleague (with a button to open the client) and the client."""
    previous = unit.session.get_one(Professional, client.professional_id)
    if colleague.id == previous.id or colleague.revoked_at is not None:
        raise TransferError(f"{colleague.name} cannot take over this client")
    if colleague.organisation_id != client.organisation_id:
        raise TransferError(f"{colleague.name} works for another organisation")
    client.professional_id = colleague.id or 0
    move_open_work(unit.session, client.id or 0, colleague.id or 0)
    unit.session.add(
        AuditEntry(
            at=unit.now,
            actor_kind=actor[0],
            actor_id=actor[1],
            action="transferred_client",
            subject_kind="client",
            subject_id=client.id,
            detail=f"from professional {previous.id} to {colleague.id}",
        )
    )
    name = unit.name(client.name_enc)
    to_professional(
        unit,
        colleague,
        kind="transfer",
        text=unit.render(
            "transfer_received", colleague.language, name=name, colleague=previous.name
        ),
        buttons=keyboard([[Button(name[:30] or "…", data=pack("cl", "o", client.id or 0))]]),
        key=unit.key_outside_update(f"transfer:professional:{client.id}"),
    )
    to_client(
        unit,
        client,
        kind="transfer",
        text=unit.render(
            "new_professional", client.language, professional=colleague.name, previous=previous.name
        ),
        key=unit.key_outside_update(f"transfer:client:{client.id}"),
    )
