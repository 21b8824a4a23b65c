"""A client's learning line: sending the waiting step, taking answers, moving on.

The step a traject waits for is `traject.step_index`. It is sent once (outbox key
`step:<traject>:<index>`), possibly scheduled for the client's preferred moment; from the moment
it is sent, `next_nudge_at` says when a friendly nudge is due if nothing happens.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from content.lines import Line, Step, StepKind
from reminders.moments import next_step_at, nudge_at
from services.callbacks import pack
from services.messages import Button, Keyboard, keyboard
from services.recipients import to_client
from services.unit import Unit
from storage import outbox
from storage.models import Client, Organisation, Traject, TrajectStatus
from storage.outbox import PRIORITY_BULK, PRIORITY_REPLY

DONE = "done"


def zone_of(unit: Unit, client: Client) -> ZoneInfo:
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    return ZoneInfo(organisation.time_zone)


def current_step(unit: Unit, traject: Traject) -> tuple[Line, Step] | None:
    line = unit.content.lines.get(traject.line_key)
    if line is None or traject.step_index >= len(line.steps):
        return None
    return line, line.steps[traject.step_index]


def expects_text(step: Step) -> bool:
    return step.kind == StepKind.QUESTION or (
        step.kind == StepKind.EXERCISE and step.question is not None
    )


def step_buttons(unit: Unit, traject: Traject, step: Step, language: str) -> Keyboard:
    def data(value: str | int) -> str:
        return pack("st", traject.id or 0, traject.step_index, value)

    if step.kind == StepKind.CHOICE:
        return keyboard([[Button(o.label.get(language), data=data(o.key))] for o in step.options])
    if step.scale is not None:
        values = list(step.scale.values())
        labels = list(step.scale.labels) or [str(value) for value in values]
        row = [Button(label, data=data(value)) for label, value in zip(labels, values, strict=True)]
        return keyboard([row[:6], row[6:]])
    if expects_text(step):
        return ()
    label = "step.read" if step.kind == StepKind.INFO else "step.done"
    return keyboard([[Button(unit.label(label, language), data=data(DONE))]])


def send_step(
    unit: Unit, client: Client, traject: Traject, *, at: datetime | None = None, again: str = ""
) -> None:
    """Queue the waiting step (now, or at `at`) and note when a nudge becomes due."""
    found = current_step(unit, traject)
    if found is None:
        return
    line, step = found
    sent_at = at or unit.now
    to_client(
        unit,
        client,
        kind="exercise",
        text=unit.render("step", client.language, **step.context(client.language, line)),
        buttons=step_buttons(unit, traject, step, client.language),
        priority=PRIORITY_BULK if at else PRIORITY_REPLY,
        key=f"step:{traject.id}:{traject.step_index}{again}",
        due_at=at,
    )
    traject.step_key = step.key
    _waiting_since(unit, client, traject, line, sent_at)


def _waiting_since(
    unit: Unit, client: Client, traject: Traject, line: Line, sent_at: datetime
) -> None:
    """The step reaches the client at `sent_at`; a nudge is due if it then waits too long."""
    traject.step_sent_at = sent_at
    traject.nudge_rung = 0
    traject.next_nudge_at = nudge_at(
        sent_at,
        traject.stall_days or line.stall_days,
        client.preferred_moment,
        zone_of(unit, client),
    )


def complete_step(unit: Unit, client: Client, traject: Traject) -> None:
    """The waiting step is done: thank them and schedule the next one, or close the line."""
    found = current_step(unit, traject)
    if found is None:
        return
    line, _step = found
    client.last_activity_at = unit.now
    traject.last_activity_at = unit.now
    traject.step_index += 1
    traject.next_nudge_at = None
    traject.nudge_rung = 0
    if traject.step_index >= len(line.steps):
        traject.status = TrajectStatus.FINISHED
        traject.finished_at = unit.now
        traject.step_key = None
        to_client(
            unit,
            client,
            kind="finished",
            text=unit.render(
                "line_finished", client.language, line_title=line.title.get(client.language)
            ),
        )
        return
    zone = zone_of(unit, client)
    at = next_step_at(unit.now, client.preferred_moment, zone)
    to_client(
        unit,
        client,
        kind="exercise",
        text=unit.render("step_done", client.language, **when(unit, client, at, zone)),
    )
    send_step(unit, client, traject, at=at)


def when(unit: Unit, client: Client, at: datetime, zone: ZoneInfo) -> dict[str, str]:
    """ "morgen om 15:30" as template values: a day label and a time."""
    days_ahead = (at.astimezone(zone).date() - unit.now.astimezone(zone).date()).days
    if days_ahead == 0:
        day = unit.label("days.today", client.language)
    elif days_ahead == 1:
        day = unit.label("days.tomorrow", client.language)
    else:
        day = unit.label(f"days.weekday{at.astimezone(zone).weekday()}", client.language)
    return {"day": day, "time": at.astimezone(zone).strftime("%H:%M")}


def bring_forward(unit: Unit, client: Client, traject: Traject) -> None:
    """/verder: the waiting step now, even if it was planned for later, and never twice."""
    key = f"step:{traject.id}:{traject.step_index}"
    found = current_step(unit, traject)
    if found is None:
        return
    if outbox.reschedule(session=unit.session, key=key, due_at=unit.now, priority=PRIORITY_REPLY):
        _waiting_since(unit, client, traject, found[0], unit.now)
        return
    send_step(unit, client, traject, again=f":again:{unit.update_id}")


def postpone(unit: Unit, client: Client, traject: Traject, until: datetime) -> None:
    """A pause: a step planned before `until` waits until then, and so does its nudge."""
    found = current_step(unit, traject)
    if found is None:
        return
    key = f"step:{traject.id}:{traject.step_index}"
    planned = traject.step_sent_at is not None and traject.step_sent_at > unit.now
    if planned and outbox.reschedule(session=unit.session, key=key, due_at=until):
        _waiting_since(unit, client, traject, found[0], until)
    elif traject.next_nudge_at is not None:
        traject.next_nudge_at = max(traject.next_nudge_at, until)
