"""`/overzicht`: a professional's caseload, one line per client, sorted by who needs them most.

Each client gets one state, decided in order of precedence (a crisis message outweighs
everything; someone who blocked the bot cannot be "stalled"), and the list is sorted in the
order a professional would want to work through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

from reminders.localtime import local_date
from services import colleagues
from services.callbacks import pack
from services.messages import Button, keyboard
from services.recipients import to_professional
from services.unit import Unit
from storage.caseload import CaseRow, caseload
from storage.models import ClientStatus, Organisation, Professional, TrajectStatus

ATTENTION_WINDOW = timedelta(days=7)  # a crisis message this recent puts a client on top
SHOWN = 40  # buttons in one overview (Telegram allows more; a phone screen does not)


class State(IntEnum):
    """In the order the overview lists them."""

    ATTENTION = 0
    TO_CONFIRM = 1
    STALLED = 2
    NOT_RESPONDING = 3
    UNREACHABLE = 4
    OPEN_QUESTION = 5
    PAUSED = 6
    ACTIVE = 7
    FINISHED = 8


@dataclass(frozen=True)
class Case:
    row: CaseRow
    name: str
    state: State
    days: int  # how long the step waits (stalled, not responding), else 0


def cases(unit: Unit, professional: Professional) -> list[Case]:
    organisation = unit.session.get_one(Organisation, professional.organisation_id)
    zone = ZoneInfo(organisation.time_zone)
    rows = caseload(
        session=unit.session,
        professional_id=professional.id or 0,
        since=unit.now - ATTENTION_WINDOW,
    )
    today = local_date(unit.now, zone)
    found = [_case(unit, row, zone, today) for row in rows]
    return sorted(found, key=lambda case: (case.state, -case.days, case.name.lower()))


def _case(unit: Unit, row: CaseRow, zone: ZoneInfo, today: date) -> Case:
    days = 0
    if row.step_sent_at is not None and row.traject_status == TrajectStatus.ACTIVE:
        days = (today - local_date(row.step_sent_at, zone)).days
    line = unit.content.lines.get(row.line_key or "")
    stall_days = row.stall_days or (line.stall_days if line else 3)
    if row.crisis_since:
        state = State.ATTENTION
    elif not row.confirmed:
        state = State.TO_CONFIRM
    elif row.unreachable_since is not None:
        state = State.UNREACHABLE
    elif row.status == ClientStatus.STOPPED or row.traject_status in (
        TrajectStatus.FINISHED,
        TrajectStatus.STOPPED,
    ):
        state = State.FINISHED
    elif row.paused_until is not None and row.paused_until > unit.now:
        state = State.PAUSED
    elif row.nudge_rung > 0 and days > 0:
        state = State.NOT_RESPONDING
    elif days >= stall_days:
        state = State.STALLED
    elif row.open_questions:
        state = State.OPEN_QUESTION
    else:
        state = State.ACTIVE
    if state not in (State.STALLED, State.NOT_RESPONDING):
        days = 0
    return Case(row, unit.name(row.name_enc), state, days)


def show(unit: Unit, professional: Professional) -> None:
    """/overzicht: their own clients, then those of each colleague they stand in for."""
    _show(unit, professional, professional)
    for absent in colleagues.standing_in_for(unit, professional):
        _show(unit, professional, absent)


def _show(unit: Unit, professional: Professional, owner: Professional) -> None:
    language = professional.language
    found = cases(unit, owner)
    organisation = unit.session.get_one(Organisation, owner.organisation_id)
    zone = ZoneInfo(organisation.time_zone)
    lines = [
        {"name": case.name, "state": describe(unit, case, language, zone)} for case in found[:SHOWN]
    ]
    buttons = [
        Button(case.name[:30], data=pack("cl", "o", case.row.client_id)) for case in found[:SHOWN]
    ]
    to_professional(
        unit,
        professional,
        kind="caseload",
        text=unit.render(
            "caseload",
            language,
            clients=lines,
            total=len(found),
            more=max(0, len(found) - SHOWN),
            for_colleague=owner.name if owner is not professional else "",
        ),
        buttons=keyboard([buttons[i : i + 2] for i in range(0, len(buttons), 2)]),
    )


def describe(unit: Unit, case: Case, language: str, zone: ZoneInfo) -> str:
    row = case.row
    values: dict[str, object] = {"days": case.days, "questions": row.open_questions}
    if case.state == State.UNREACHABLE and row.unreachable_since is not None:
        values["since"] = row.unreachable_since.astimezone(zone).strftime("%d-%m")
    if case.state == State.PAUSED and row.paused_until is not None:
        values["until"] = row.paused_until.astimezone(zone).strftime("%d-%m")
    if case.state == State.ATTENTION:
        values["count"] = row.crisis_since
    text = unit.label(f"caseload.{case.state.name.lower()}", language, **values)
    if row.open_questions and case.state != State.OPEN_QUESTION:
        text += " · " + unit.label("caseload.open_question", language, questions=row.open_questions)
    if not row.nudges_enabled:
        text += " · " + unit.label("caseload.nudges_off", language)
    return text
