"""A client's journey through a line: sending the waiting step, taking answers, moving on.

The waiting step is `traject.step_key` (see services/trajecten.py for which step that is). It is
sent once per recipient (outbox key `step:<traject>:<step>:<recipient>`), now or planned at the
client's moment; from then on `next_nudge_at` says when a friendly nudge is due if nothing
happens. A "together" step goes to the pupil and every linked parent and is done once, by
whoever answers first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from content.lines import Audience, Step, StepKind
from reminders.ladder import StallReason
from reminders.moments import next_moment, nudge_at, step_at
from services import activity, items, replies, trajecten
from services.callbacks import pack
from services.messages import Button, Keyboard, keyboard
from services.recipients import to_client
from services.unit import Unit
from storage import outbox
from storage.models import (
    Client,
    Organisation,
    Traject,
    TrajectCheckin,
    TrajectStatus,
)
from storage.outbox import PRIORITY_BULK, PRIORITY_REPLY

# The values a step button carries after "st:<traject>:<step>:".
DONE, LATER, NOW, WATCHED = "d", "l", "n", "w"


def zone_of(unit: Unit, client: Client) -> ZoneInfo:
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    return ZoneInfo(organisation.time_zone)


def owner_of(unit: Unit, traject: Traject) -> Client:
    return unit.session.get_one(Client, traject.client_id)


def active_traject(unit: Unit, client: Client) -> Traject | None:
    """The client's own active traject, or (a parent) the one they take part in."""
    return activity.active_traject(unit, client)


def takes_part(unit: Unit, client: Client, traject: Traject) -> bool:
    return traject.client_id == client.id or client.id in trajecten.members(
        unit.session, traject.id or 0
    )


def pending_step(unit: Unit, traject: Traject) -> Step | None:
    if traject.step_key is None:
        return None
    return trajecten.find_step(unit.session, unit.content, unit.cipher, traject, traject.step_key)


def expects_text(step: Step) -> bool:
    return step.kind == StepKind.QUESTION


def recipients(unit: Unit, traject: Traject, step: Step) -> list[Client]:
    owner = owner_of(unit, traject)
    if step.audience != Audience.TOGETHER:
        return [owner]
    parents = [
        unit.session.get_one(Client, member)
        for member in trajecten.members(unit.session, traject.id or 0)
    ]
    return [owner, *(p for p in parents if p.status == "active" and p.unreachable_since is None)]


def step_buttons(unit: Unit, traject: Traject, step: Step, language: str) -> Keyboard:
    def data(value: str) -> str:
        return pack("st", traject.id or 0, step.key, value)

    # A step with a video gets "Video bekeken" first: the only way to count who watched it
    # (issue 12's reach figures); pressing it keeps one "watched" reply and leaves the step waiting.
    watched = (
        [[Button(unit.label("step.watched", language), data=data(WATCHED))]]
        if step.video_url and step.kind != StepKind.CHECKIN
        else []
    )
    return (*keyboard(watched), *_answer_buttons(unit, step, language, data))


def _answer_buttons(unit: Unit, step: Step, language: str, data: Callable[[str], str]) -> Keyboard:
    later = Button(unit.label("step.later", language), data=data(LATER))
    if step.kind == StepKind.CHOICE:
        return keyboard(
            [
                [Button(o.label.get(language), data=data(f"o{i}"))]
                for i, o in enumerate(step.options)
            ]
        )
    if step.kind == StepKind.SCALE and step.scale is not None:
        values = list(step.scale.values())
        labels = list(step.scale.labels) or [str(value) for value in values]
        row = [
            Button(label, data=data(f"s{value}"))
            for label, value in zip(labels, values, strict=True)
        ]
        return keyboard([row[:6], row[6:]])
    if step.kind == StepKind.QUESTION:
        return keyboard([[later]])
    if step.kind == StepKind.CHECKIN:
        return ()  # its questions come one by one (services/checkins.py)
    label = "step.read" if step.kind == StepKind.INFO else "step.done"
    return keyboard([[Button(unit.label(label, language), data=data(DONE)), later]])


def send_step(
    unit: Unit, traject: Traject, step: Step, *, at: datetime | None = None, again: str = ""
) -> None:
    """Queue `step` for everyone it is for (now, or at `at`); it is now the waiting step."""
    owner = owner_of(unit, traject)
    line = trajecten.line_of(unit.content, traject)
    sequence = trajecten.steps_of(unit.session, unit.content, unit.cipher, traject)
    for person in recipients(unit, traject, step):
        key = f"step:{traject.id}:{step.key}:{person.id}{again}"
        if step.kind == StepKind.CHECKIN:
            items.send_item(unit, person, traject, step, occurrence=0, index=0, at=at, key=key)
            continue
        if step.picture:
            # The picture first, as its own message: a caption is limited to 1024 characters.
            to_client(
                unit,
                person,
                kind="exercise",
                text="",
                photo=step.picture,
                priority=PRIORITY_BULK if at else PRIORITY_REPLY,
                key=f"{key}:picture",
                due_at=at,
            )
        values = step.context(person.language, line) if line else {}
        values.update(
            number=_position(sequence, step), total=len(sequence), parent=person.id != owner.id
        )
        to_client(
            unit,
            person,
            kind="exercise",
            text=unit.render("step", person.language, **values),
            buttons=step_buttons(unit, traject, step, person.language),
            priority=PRIORITY_BULK if at else PRIORITY_REPLY,
            key=key,
            due_at=at,
        )
    traject.step_key = step.key
    _waiting_since(unit, owner, traject, at or unit.now)


def _position(sequence: list[Step], step: Step) -> int:
    keys = [s.key for s in sequence]
    return keys.index(step.key) + 1 if step.key in keys else 0


def _waiting_since(unit: Unit, owner: Client, traject: Traject, sent_at: datetime) -> None:
    """The step reaches the client at `sent_at`; a nudge is due if it then waits too long."""
    line = trajecten.line_of(unit.content, traject)
    stall_days = traject.stall_days or (line.stall_days if line else 3)
    traject.step_sent_at = sent_at
    activity.restart(traject, sent_at, StallReason.STEP)
    traject.next_nudge_at = nudge_at(
        sent_at, stall_days, owner.preferred_moment, zone_of(unit, owner)
    )


def start(unit: Unit, traject: Traject) -> None:
    """The client chose their moment: the first step now, and the check-in clocks running."""
    owner = owner_of(unit, traject)
    zone = zone_of(unit, owner)
    for step in trajecten.recurring_of(unit.content, traject):
        exists = unit.session.exec(
            select(TrajectCheckin).where(
                TrajectCheckin.traject_id == traject.id, TrajectCheckin.step_key == step.key
            )
        ).first()
        if exists is None:
            unit.session.add(
                TrajectCheckin(
                    traject_id=traject.id or 0,
                    step_key=step.key,
                    next_at=step_at(unit.now, step.every_days or 7, owner.preferred_moment, zone),
                )
            )
    first = trajecten.next_step(unit.session, unit.content, unit.cipher, traject)
    if first is not None:
        send_step(unit, traject, first)


def record_answer(
    unit: Unit,
    client: Client,
    traject: Traject,
    step: Step,
    *,
    kind: str,
    value: str | None = None,
    text: str | None = None,
) -> None:
    """The waiting step is answered (by `client`, the pupil or a linked parent)."""
    replies.keep(
        unit,
        client,
        kind=kind,
        traject=traject,
        step_key=step.key,
        value=value,
        text=text,
        asked_at=traject.step_sent_at,
    )
    client.last_activity_at = unit.now
    traject.last_activity_at = unit.now
    if step.shared:
        _share(unit, client, traject, step, value=value, text=text)


def _share(
    unit: Unit, client: Client, traject: Traject, step: Step, *, value: str | None, text: str | None
) -> None:
    """A shared together step: the others in the traject see this answer."""
    name = unit.cipher.decrypt(client.name_enc) if client.name_enc else "?"
    for other in recipients(unit, traject, step):
        if other.id == client.id:
            continue
        answer = text or _label_of(step, value, other.language) or ""
        to_client(
            unit,
            other,
            kind="shared",
            text=unit.render(
                "shared_answer",
                other.language,
                name=name,
                title=step.title.get(other.language),
                answer=answer,
            ),
        )


def _label_of(step: Step, value: str | None, language: str) -> str | None:
    if value and step.kind == StepKind.CHOICE:
        option = next((o for o in step.options if o.key == value), None)
        return option.label.get(language) if option else value
    return value


def complete_step(unit: Unit, traject: Traject, *, offer_now: bool = True) -> None:
    """The waiting step is done: plan the next one at the client's moment, or close the line."""
    # Its reads do not depend on what it changes on the way (the answer itself was flushed by
    # services/replies.py), and flushing before each of them was a third of an answer's time.
    with unit.session.no_autoflush:
        _complete_step(unit, traject, offer_now=offer_now)


def _complete_step(unit: Unit, traject: Traject, *, offer_now: bool) -> None:
    owner = owner_of(unit, traject)
    traject.next_nudge_at = None
    traject.nudge_rung = 0
    following = trajecten.next_step(unit.session, unit.content, unit.cipher, traject)
    if following is None:
        traject.status = TrajectStatus.FINISHED
        traject.finished_at = unit.now
        traject.step_key = None
        line = trajecten.line_of(unit.content, traject)
        title = line.title.get(owner.language) if line else ""
        to_client(
            unit,
            owner,
            kind="finished",
            text=unit.render("line_finished", owner.language, line_title=title),
        )
        return
    zone = zone_of(unit, owner)
    at = step_at(unit.now, following.wait_days, owner.preferred_moment, zone)
    if at <= unit.now:
        send_step(unit, traject, following)
        return
    buttons: Keyboard = ()
    if offer_now:
        buttons = keyboard(
            [
                [
                    Button(
                        unit.label("step.now", owner.language),
                        data=pack("st", traject.id or 0, following.key, NOW),
                    )
                ]
            ]
        )
    to_client(
        unit,
        owner,
        kind="exercise",
        buttons=buttons,
        text=unit.render("step_done", owner.language, **when(unit, owner, at, zone)),
    )
    send_step(unit, traject, following, at=at)


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


def bring_forward(unit: Unit, traject: Traject) -> bool:
    """/verder, /oefening, "Nu verder": the waiting step now, even if it was planned for later,
    and never twice. False when nothing waits."""
    step = pending_step(unit, traject)
    if step is None:
        return False
    owner = owner_of(unit, traject)
    moved = False
    for person in recipients(unit, traject, step):
        moved |= outbox.reschedule(
            session=unit.session,
            key=f"step:{traject.id}:{step.key}:{person.id}",
            due_at=unit.now,
            priority=PRIORITY_REPLY,
        )
    if moved:
        _waiting_since(unit, owner, traject, unit.now)
    else:  # it went out earlier: show it once more
        send_step(unit, traject, step, again=f":again:{unit.update_id}")
    return True


def snooze(unit: Unit, client: Client, traject: Traject, step: Step) -> datetime:
    """ "Later": the step comes again at the client's next moment."""
    owner = owner_of(unit, traject)
    zone = zone_of(unit, owner)
    at = next_moment(unit.now, owner.preferred_moment, zone)
    send_step(unit, traject, step, at=at, again=f":later:{unit.update_id}")
    return at


def postpone(unit: Unit, traject: Traject, until: datetime) -> None:
    """A pause: a step planned before `until` waits until then, and so does its nudge."""
    step = pending_step(unit, traject)
    if step is None:
        return
    owner = owner_of(unit, traject)
    moved = False
    if traject.step_sent_at is not None and traject.step_sent_at > unit.now:
        for person in recipients(unit, traject, step):
            moved |= outbox.reschedule(
                session=unit.session, key=f"step:{traject.id}:{step.key}:{person.id}", due_at=until
            )
    if moved:
        _waiting_since(unit, owner, traject, until)
    elif traject.next_nudge_at is not None:
        traject.next_nudge_at = max(traject.next_nudge_at, until)


def realign(unit: Unit, traject: Traject) -> None:
    """After the traject's own line changed (services/trajecten.py): if another step should now
    be the waiting one, the planned one is withdrawn and that one comes at the next moment."""
    if traject.status != TrajectStatus.ACTIVE:
        return
    first = trajecten.next_step(unit.session, unit.content, unit.cipher, traject)
    if first is not None and first.key == traject.step_key:
        return
    if traject.step_key is not None:
        for person in [owner_of(unit, traject)] + [
            unit.session.get_one(Client, member)
            for member in trajecten.members(unit.session, traject.id or 0)
        ]:
            outbox.cancel_key(
                session=unit.session,
                key=f"step:{traject.id}:{traject.step_key}:{person.id}",
                reason="the line was changed for this client",
            )
    if first is None:
        complete_step(unit, traject)
        return
    owner = owner_of(unit, traject)
    if traject.step_key is None and traject.step_sent_at is None:
        return  # not started yet: the client's first moment choice starts it
    send_step(
        unit, traject, first, at=next_moment(unit.now, owner.preferred_moment, zone_of(unit, owner))
    )
