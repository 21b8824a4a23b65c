"""Appointments (issue 9, point 2): `/afspraak` lets a client ask for a call, a video call, a
face-to-face meeting or a slot in the chat consultation hour.

The client picks the kind (`ap:k:<kind>`), then one of a few moments (`ap:t:<kind>:<minute>`,
minutes since the epoch: the configured times on working days, or the professional's
consultation hours). The professional (their stand-in during leave) accepts (`ap:a:<id>`),
proposes another moment (`ap:o:<id>`, then `ap:p:<id>:<minute>`), or declines with a note
(`ap:d:<id>`, then their next text). A proposal goes back to the client: fine (`ap:y:<id>`) or
another (`ap:m:<id>`). Either side moves (`ap:m:<id>`, a new moment the other side answers)
or cancels (`ap:x:<id>`) a coming appointment. Confirmed, it is a planned Meeting (the digest
shows it, and marking it held starts "since the last meeting"), and both get a reminder the
day before (the sweep). Every change is audited and both sides are told.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from services import colleagues, consult
from services.audit import audit
from services.bridge_policy import next_consult_hours, stored_hours
from services.callbacks import Callback, pack, row_of
from services.messages import Button, Keyboard, keyboard
from services.recipients import to_client, to_professional
from services.unit import Unit
from storage.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Client,
    ClientStatus,
    Meeting,
    Organisation,
    Professional,
)

AWAITING = "decline:"
COMING = (AppointmentStatus.REQUESTED, AppointmentStatus.PROPOSED, AppointmentStatus.CONFIRMED)
CHOICES = 4  # moments offered at a time
CHAT_SLOT = timedelta(minutes=20)  # a consultation hour is offered in slots this long
NOTE_LIMIT = 500


def _minute(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def _moment(minute: int | None) -> datetime | None:
    if minute is None:
        return None
    try:
        return datetime.fromtimestamp(minute * 60, tz=UTC)
    except (OverflowError, OSError, ValueError):  # forged: far outside any calendar
        return None


def _zone(unit: Unit, client: Client) -> ZoneInfo:
    return ZoneInfo(unit.session.get_one(Organisation, client.organisation_id).time_zone)


def _answerer(unit: Unit, client: Client) -> Professional:
    return colleagues.responder(unit, unit.session.get_one(Professional, client.professional_id))


def coming(unit: Unit, client: Client) -> Appointment | None:
    return unit.session.exec(
        select(Appointment)
        .where(
            Appointment.client_id == client.id,
            col(Appointment.status).in_(COMING),
            Appointment.starts_at > unit.now,
        )
        .order_by(col(Appointment.starts_at))
    ).first()


def moments(
    unit: Unit, client: Client, kind: str, *, after: datetime | None = None
) -> list[datetime]:
    """A few free moments for `kind`: the consultation hour's slots for a chat, else the
    configured times on working days; never one the professional has taken already."""
    zone = _zone(unit, client)
    professional = _answerer(unit, client)
    taken = set(
        unit.session.exec(
            select(Appointment.starts_at).where(
                Appointment.professional_id == professional.id,
                col(Appointment.status).in_(COMING),
                Appointment.starts_at > unit.now,
            )
        ).all()
    )
    start = after or unit.now
    if kind == AppointmentKind.CHAT:
        found: list[datetime] = []
        for begin, end in next_consult_hours(
            stored_hours(professional.consult_hours), start, zone, count=6
        ):
            slot = begin
            while slot + CHAT_SLOT <= end:
                if slot > start and slot not in taken:
                    found.append(slot)
                slot += CHAT_SLOT
        return found[:CHOICES]
    candidates = unit.bridge.moments(unit.now, zone, after=after, count=CHOICES + len(taken))
    return [m for m in candidates if m not in taken][:CHOICES]


def _moment_buttons(
    unit: Unit, client: Client, found: list[datetime], language: str, data: list[str]
) -> Keyboard:
    zone = _zone(unit, client)
    buttons = [
        Button(consult.short_when(unit, m, zone, language), data=d)
        for m, d in zip(found, data, strict=True)
    ]
    return keyboard([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _kind_label(unit: Unit, kind: str, language: str) -> str:
    return unit.label(f"appointment.{kind}", language)


def _values(unit: Unit, appointment: Appointment, client: Client, language: str) -> dict[str, str]:
    return {
        "what": _kind_label(unit, appointment.kind, language),
        "when": consult.when_text(unit, appointment.starts_at, _zone(unit, client), language),
    }


# --- the client ------------------------------------------------------------------------------


def command(unit: Unit, client: Client) -> None:
    """/afspraak: the coming appointment (move, cancel), or which kind they would like."""
    language = client.language
    professional = _answerer(unit, client)
    found = coming(unit, client)
    if found is not None:
        to_client(
            unit,
            client,
            kind="appointment",
            text=unit.render(
                "appointment_status",
                language,
                professional=professional.name,
                status=found.status,
                **_values(unit, found, client, language),
            ),
            buttons=_change_buttons(unit, found, language),
        )
        return
    kinds = [AppointmentKind.CALL, AppointmentKind.VIDEO, AppointmentKind.VISIT]
    if professional.consult_hours:
        kinds.append(AppointmentKind.CHAT)
    to_client(
        unit,
        client,
        kind="appointment",
        text=unit.render("appointment_kind", language, professional=professional.name),
        buttons=keyboard(
            [[Button(_kind_label(unit, k, language), data=pack("ap", "k", k))] for k in kinds]
        ),
    )


def _change_buttons(unit: Unit, appointment: Appointment, language: str) -> Keyboard:
    aid = appointment.id or 0
    return keyboard(
        [
            [
                Button(unit.label("appointment.move", language), data=pack("ap", "m", aid)),
                Button(unit.label("appointment.cancel", language), data=pack("ap", "x", aid)),
            ]
        ]
    )


def client_pressed(unit: Unit, client: Client, callback: Callback) -> None:
    step = callback.part(0)
    if step == "k":
        _choose_kind(unit, client, callback.part(1) or "")
    elif step == "t":
        _requested(unit, client, callback.part(1) or "", _moment(callback.int_part(2)))
    else:
        appointment = _own(unit, client, callback.int_part(1))
        if (
            appointment is None
            or appointment.status not in COMING
            or appointment.starts_at <= unit.now  # it has been: nothing to move or cancel
        ):
            unit.answer_callback(unit.label("answer.stale_button", client.language))
            return
        if step == "y" and appointment.status == AppointmentStatus.PROPOSED:
            _confirm(unit, appointment, client, by=("client", client.id))
        elif step == "m":
            _offer_move(unit, client, appointment)
        elif step == "r":
            _moved_by_client(unit, client, appointment, _moment(callback.int_part(2)))
        elif step == "x":
            _cancel(unit, appointment, client, by_client=True)
        else:
            unit.answer_callback(unit.label("answer.stale_button", client.language))
            return
    unit.answer_callback()


def _own(unit: Unit, client: Client, appointment_id: int | None) -> Appointment | None:
    found = unit.session.get(Appointment, appointment_id) if appointment_id is not None else None
    return found if found is not None and found.client_id == client.id else None


def _choose_kind(unit: Unit, client: Client, kind: str) -> None:
    if kind not in set(AppointmentKind) or coming(unit, client) is not None:
        unit.answer_callback(unit.label("answer.stale_button", client.language))
        return
    _offer_moments(
        unit, client, kind, moments(unit, client, kind), lambda m: pack("ap", "t", kind, _minute(m))
    )


def _offer_moments(
    unit: Unit,
    client: Client,
    kind: str,
    found: list[datetime],
    data: Callable[[datetime], str],
) -> None:
    """The pressed message becomes a choice of moments (or says there is none free)."""
    if not found:
        unit.edit_pressed(
            unit.render(
                "appointment_none_free",
                client.language,
                professional=_answerer(unit, client).name,
            )
        )
        return
    unit.edit_pressed(
        unit.render(
            "appointment_when", client.language, what=_kind_label(unit, kind, client.language)
        ),
        _moment_buttons(unit, client, found, client.language, [data(m) for m in found]),
    )


def _requested(unit: Unit, client: Client, kind: str, moment: datetime | None) -> None:
    if (
        kind not in set(AppointmentKind)
        or moment is None
        or coming(unit, client) is not None
        or moment not in moments(unit, client, kind)  # only a moment we offer (and is free)
    ):
        unit.answer_callback(unit.label("answer.stale_button", client.language))
        return
    professional = _answerer(unit, client)
    appointment = Appointment(
        client_id=client.id or 0,
        professional_id=professional.id or 0,
        kind=kind,
        starts_at=moment,
        created_at=unit.now,
    )
    unit.session.add(appointment)
    unit.session.flush()
    _audit(unit, ("client", client.id), client, "appointment_requested")
    values = _values(unit, appointment, client, client.language)
    unit.edit_pressed(
        unit.render(
            "appointment_requested", client.language, professional=professional.name, **values
        )
    )
    _ask_professional(unit, appointment, client, template="appointment_request")


def _ask_professional(
    unit: Unit, appointment: Appointment, client: Client, *, template: str
) -> None:
    professional = unit.session.get_one(Professional, appointment.professional_id)
    aid = appointment.id or 0
    language = professional.language
    to_professional(
        unit,
        professional,
        kind="appointment",
        text=unit.render(
            template,
            language,
            name=unit.name(client.name_enc),
            **_values(unit, appointment, client, language),
        ),
        buttons=keyboard(
            [
                [Button(unit.label("appointment.accept", language), data=pack("ap", "a", aid))],
                [Button(unit.label("appointment.other", language), data=pack("ap", "o", aid))],
                [Button(unit.label("appointment.decline", language), data=pack("ap", "d", aid))],
            ]
        ),
    )


def _offer_move(unit: Unit, client: Client, appointment: Appointment) -> None:
    found = [m for m in moments(unit, client, appointment.kind) if m != appointment.starts_at]
    aid = appointment.id or 0
    _offer_moments(
        unit, client, appointment.kind, found, lambda m: pack("ap", "r", aid, _minute(m))
    )


def _moved_by_client(
    unit: Unit, client: Client, appointment: Appointment, moment: datetime | None
) -> None:
    if moment is None or moment not in moments(unit, client, appointment.kind):
        unit.answer_callback(unit.label("answer.stale_button", client.language))
        return
    appointment.starts_at = moment
    appointment.status = AppointmentStatus.REQUESTED
    appointment.remind_at = None
    _drop_meeting(unit, appointment)
    _audit(unit, ("client", client.id), client, "appointment_moved")
    professional = unit.session.get_one(Professional, appointment.professional_id)
    values = _values(unit, appointment, client, client.language)
    unit.edit_pressed(
        unit.render(
            "appointment_requested", client.language, professional=professional.name, **values
        )
    )
    _ask_professional(unit, appointment, client, template="appointment_moved_request")


# --- the professional ------------------------------------------------------------------------


def professional_pressed(unit: Unit, professional: Professional, callback: Callback) -> None:
    step = callback.part(0)
    appointment_id = callback.int_part(1)
    appointment = unit.session.get(Appointment, appointment_id) if appointment_id else None
    client = unit.session.get(Client, appointment.client_id) if appointment else None
    if (
        appointment is None
        or client is None
        or not colleagues.may_act(unit, professional, client)
        or appointment.status not in COMING
        or appointment.starts_at <= unit.now
    ):
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    appointment.professional_id = professional.id or 0  # who answers, does it
    if step == "a" and appointment.status == AppointmentStatus.REQUESTED:
        unit.remove_pressed_buttons()
        _confirm(unit, appointment, client, by=("professional", professional.id))
    elif step == "o":
        _offer_other(unit, professional, client, appointment)
    elif step == "p":
        _propose(unit, professional, client, appointment, _moment(callback.int_part(2)))
    elif step == "d" and appointment.status == AppointmentStatus.REQUESTED:
        unit.remove_pressed_buttons()
        professional.awaiting = f"{AWAITING}{appointment.id}"
        to_professional(
            unit,
            professional,
            kind="appointment",
            text=unit.render(
                "appointment_decline_ask", professional.language, name=unit.name(client.name_enc)
            ),
        )
    elif step == "x":
        unit.remove_pressed_buttons()
        _cancel(unit, appointment, client, by_client=False)


def _offer_other(
    unit: Unit, professional: Professional, client: Client, appointment: Appointment
) -> None:
    found = [m for m in moments(unit, client, appointment.kind) if m != appointment.starts_at]
    language = professional.language
    if not found:
        to_professional(
            unit,
            professional,
            kind="appointment",
            text=unit.render("appointment_no_other", language, name=unit.name(client.name_enc)),
        )
        return
    unit.edit_pressed(
        unit.render(
            "appointment_other_ask",
            language,
            name=unit.name(client.name_enc),
            **_values(unit, appointment, client, language),
        ),
        _moment_buttons(
            unit,
            client,
            found,
            language,
            [pack("ap", "p", appointment.id or 0, _minute(m)) for m in found],
        ),
    )


def _propose(
    unit: Unit,
    professional: Professional,
    client: Client,
    appointment: Appointment,
    moment: datetime | None,
) -> None:
    if moment is None or moment not in moments(unit, client, appointment.kind):
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    appointment.starts_at = moment
    appointment.status = AppointmentStatus.PROPOSED
    appointment.remind_at = None
    _drop_meeting(unit, appointment)
    _audit(unit, ("professional", professional.id), client, "appointment_proposed")
    language = professional.language
    unit.edit_pressed(
        unit.render(
            "appointment_proposed_sent",
            language,
            name=unit.name(client.name_enc),
            **_values(unit, appointment, client, language),
        )
    )
    aid = appointment.id or 0
    to_client(
        unit,
        client,
        kind="appointment",
        text=unit.render(
            "appointment_proposal",
            client.language,
            professional=professional.name,
            **_values(unit, appointment, client, client.language),
        ),
        buttons=keyboard(
            [
                [
                    Button(
                        unit.label("appointment.fine", client.language), data=pack("ap", "y", aid)
                    )
                ],
                [
                    Button(
                        unit.label("appointment.move", client.language), data=pack("ap", "m", aid)
                    )
                ],
                [
                    Button(
                        unit.label("appointment.cancel", client.language), data=pack("ap", "x", aid)
                    )
                ],
            ]
        ),
    )


def awaited(unit: Unit, professional: Professional, text: str) -> bool:
    """Their text after "Afwijzen": the note the client reads with the no."""
    awaiting = professional.awaiting or ""
    if not awaiting.startswith(AWAITING):
        return False
    professional.awaiting = None
    found = awaiting.removeprefix(AWAITING)
    appointment = row_of(unit.session, Appointment, found)
    client = unit.session.get(Client, appointment.client_id) if appointment else None
    if (
        appointment is None
        or client is None
        or appointment.status != AppointmentStatus.REQUESTED
        or not colleagues.may_act(unit, professional, client)
    ):
        return False
    note = text.strip()[:NOTE_LIMIT]
    appointment.status = AppointmentStatus.DECLINED
    appointment.note_enc = unit.cipher.encrypt(note)
    _audit(unit, ("professional", professional.id), client, "appointment_declined")
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    to_client(
        unit,
        client,
        kind="appointment",
        text=unit.render(
            "appointment_declined",
            client.language,
            professional=professional.name,
            note=note,
            contact=organisation.contact,
            **_values(unit, appointment, client, client.language),
        ),
    )
    to_professional(
        unit,
        professional,
        kind="appointment",
        text=unit.render(
            "appointment_declined_sent", professional.language, name=unit.name(client.name_enc)
        ),
    )
    return True


# --- both ------------------------------------------------------------------------------------


def _confirm(
    unit: Unit, appointment: Appointment, client: Client, *, by: tuple[str, int | None]
) -> None:
    appointment.status = AppointmentStatus.CONFIRMED
    day_before = appointment.starts_at - timedelta(days=1)
    # The reminder the day before, at the same time of day; none when that has gone by (the
    # confirmation itself is then the reminder).
    appointment.remind_at = day_before if day_before > unit.now else None
    meeting = unit.session.get(Meeting, appointment.meeting_id) if appointment.meeting_id else None
    if meeting is None:
        meeting = Meeting(client_id=client.id or 0, professional_id=appointment.professional_id)
        unit.session.add(meeting)
    meeting.planned_for = appointment.starts_at
    meeting.professional_id = appointment.professional_id
    unit.session.flush()
    appointment.meeting_id = meeting.id
    _audit(unit, by, client, "appointment_confirmed")
    professional = unit.session.get_one(Professional, appointment.professional_id)
    to_client(
        unit,
        client,
        kind="appointment",
        text=unit.render(
            "appointment_confirmed",
            client.language,
            professional=professional.name,
            **_values(unit, appointment, client, client.language),
        ),
        buttons=_change_buttons(unit, appointment, client.language),
    )
    to_professional(
        unit,
        professional,
        kind="appointment",
        text=unit.render(
            "appointment_confirmed_pro",
            professional.language,
            name=unit.name(client.name_enc),
            **_values(unit, appointment, client, professional.language),
        ),
        buttons=_pro_change_buttons(unit, appointment, professional.language),
    )


def _pro_change_buttons(unit: Unit, appointment: Appointment, language: str) -> Keyboard:
    aid = appointment.id or 0
    return keyboard(
        [
            [
                Button(unit.label("appointment.move", language), data=pack("ap", "o", aid)),
                Button(unit.label("appointment.cancel", language), data=pack("ap", "x", aid)),
            ]
        ]
    )


def _cancel(unit: Unit, appointment: Appointment, client: Client, *, by_client: bool) -> None:
    appointment.status = AppointmentStatus.CANCELLED
    appointment.remind_at = None
    _drop_meeting(unit, appointment)
    professional = unit.session.get_one(Professional, appointment.professional_id)
    _audit(
        unit,
        ("client", client.id) if by_client else ("professional", professional.id),
        client,
        "appointment_cancelled",
    )
    client_values = _values(unit, appointment, client, client.language)
    pro_values = _values(unit, appointment, client, professional.language)
    name = unit.name(client.name_enc)
    to_client(
        unit,
        client,
        kind="appointment",
        text=unit.render(
            "appointment_cancelled",
            client.language,
            professional=professional.name,
            by_me=by_client,
            **client_values,
        ),
    )
    to_professional(
        unit,
        professional,
        kind="appointment",
        text=unit.render(
            "appointment_cancelled_pro",
            professional.language,
            name=name,
            by_me=not by_client,
            **pro_values,
        ),
    )


def _drop_meeting(unit: Unit, appointment: Appointment) -> None:
    """A moved or cancelled appointment is no longer a planned meeting (until confirmed)."""
    meeting = unit.session.get(Meeting, appointment.meeting_id) if appointment.meeting_id else None
    if meeting is not None and meeting.held_at is None:
        appointment.meeting_id = None
        unit.session.delete(meeting)


def _audit(unit: Unit, actor: tuple[str, int | None], client: Client, action: str) -> None:
    audit(unit, actor=actor, action=action, subject=("client", client.id))


def send_reminders(unit: Unit) -> int:
    """The sweep: the day before a confirmed appointment, a reminder to both sides."""
    due = unit.session.exec(
        select(Appointment).where(
            col(Appointment.remind_at).is_not(None),
            col(Appointment.remind_at) <= unit.now,
        )
    ).all()
    count = 0
    for appointment in due:
        appointment.remind_at = None
        client = unit.session.get(Client, appointment.client_id)
        if (
            client is None
            or appointment.status != AppointmentStatus.CONFIRMED
            or appointment.starts_at <= unit.now
        ):
            continue
        professional = unit.session.get_one(Professional, appointment.professional_id)
        key = f"appointment:{appointment.id}:{_minute(appointment.starts_at)}"
        if client.status == ClientStatus.ACTIVE:  # after /stop: no messages, not this one
            to_client(
                unit,
                client,
                kind="appointment",
                key=f"{key}:client",
                text=unit.render(
                    "appointment_reminder",
                    client.language,
                    professional=professional.name,
                    **_values(unit, appointment, client, client.language),
                ),
                buttons=_change_buttons(unit, appointment, client.language),
            )
        to_professional(
            unit,
            professional,
            kind="appointment",
            key=f"{key}:professional",
            text=unit.render(
                "appointment_reminder_pro",
                professional.language,
                name=unit.name(client.name_enc),
                **_values(unit, appointment, client, professional.language),
            ),
        )
        count += 1
    return count
