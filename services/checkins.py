"""Check-ins: a few questions, one by one. In the row of steps (an intake), or coming back on
their own clock (`every_days`: "how sure did you feel this week?").

Every answer is a Reply with the step, the question (`item_key`) and the occurrence, so the six
intake scores or a season of weekly scores are one query away.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from content.lines import ItemKind, Step
from reminders.caps import Recent, not_before
from reminders.localtime import at_local, local_date
from reminders.moments import moment_time
from reminders.slots import next_slot
from services import items, replies, steps, trajecten
from services.callbacks import Callback, as_int, pack
from services.messages import Button, keyboard
from services.recipients import to_client
from services.unit import Unit
from storage import checkins as storage_checkins
from storage import nudges
from storage.models import (
    Client,
    ClientStatus,
    NudgeKind,
    Organisation,
    Reply,
    Traject,
    TrajectCheckin,
    TrajectStatus,
)
from storage.nudges import Logged
from storage.outbox import PRIORITY_BULK


def answer_button(unit: Unit, client: Client, callback: Callback) -> None:
    """`ci:<traject>:<step>:<occurrence>:<index>:<value>`."""
    found = _locate(unit, client, callback)
    if found is None:
        unit.answer_callback(unit.label("answer.step_done", client.language))
        return
    traject, step, occurrence, index = found
    item = step.items[index]
    raw = callback.part(4) or ""
    value: str | None = None
    if item.kind == ItemKind.SCALE and item.scale and raw.startswith("s"):
        score = raw[1:]
        value = score if as_int(score) in item.scale.values() else None
    elif item.kind == ItemKind.CHOICE and raw.startswith("o"):
        number = as_int(raw[1:])
        if number is not None and 0 <= number < len(item.options):
            value = item.options[number].key
    if value is None:
        unit.answer_callback(unit.label("answer.stale_button", client.language))
        return
    unit.answer_callback(unit.label("step.answered", client.language))
    _record(unit, client, traject, step, occurrence, index, value=value)
    following = index + 1
    if following < len(step.items):
        # Answered: the same message becomes the next question (a calmer chat than many).
        unit.edit_pressed(
            items.item_text(unit, client, step, following),
            items.item_buttons(
                traject, step, occurrence, following, step.items[following], client.language
            ),
        )
        if step.items[following].kind == ItemKind.TEXT:
            client.awaiting = items.awaiting_key(traject, step, occurrence, following)
        return
    unit.remove_pressed_buttons()
    _finished(unit, client, traject, step, occurrence)


def answer_text(unit: Unit, client: Client, awaiting: str, text: str) -> bool:
    """Free text while a check-in question in words waits. False if that question is gone."""
    _, traject_id, step_key, occurrence, index = awaiting.split(":")
    callback = Callback("ci", (traject_id, step_key, occurrence, index, "t"))
    found = _locate(unit, client, callback)
    client.awaiting = None
    if found is None:
        return False
    traject, step, occurrence_number, index_number = found
    if step.items[index_number].kind != ItemKind.TEXT:
        return False
    _record(unit, client, traject, step, occurrence_number, index_number, text=text)
    following = index_number + 1
    if following < len(step.items):
        items.send_item(
            unit,
            client,
            traject,
            step,
            occurrence=occurrence_number,
            index=following,
            key=f"{awaiting}:next:{unit.update_id}",
        )
    else:
        _finished(unit, client, traject, step, occurrence_number)
    return True


def reask(unit: Unit, client: Client, traject: Traject) -> bool:
    """Text while a check-in question with buttons waits: ask it again, kindly."""
    open_item = _open_item(unit, client, traject)
    if open_item is None:
        return False
    step, occurrence, index = open_item
    items.send_item(
        unit,
        client,
        traject,
        step,
        occurrence=occurrence,
        index=index,
        key=f"reask:{traject.id}:{step.key}:{occurrence}:{index}:{unit.update_id}",
    )
    return True


def _locate(
    unit: Unit, client: Client, callback: Callback
) -> tuple[Traject, Step, int, int] | None:
    """The check-in question a button or waiting text is about, if it is still open."""
    traject_id, occurrence, index = callback.int_part(0), callback.int_part(2), callback.int_part(3)
    traject = unit.session.get(Traject, traject_id) if traject_id is not None else None
    if traject is None or occurrence is None or index is None:
        return None
    if traject.status != TrajectStatus.ACTIVE or not steps.takes_part(unit, client, traject):
        return None
    step = trajecten.find_step(
        unit.session, unit.content, unit.cipher, traject, callback.part(1) or ""
    )
    if step is None or not step.items or not 0 <= index < len(step.items):
        return None
    if occurrence == 0 and traject.step_key != step.key:
        return None  # a check-in in the row that is no longer the waiting step
    if _answered(unit, traject, step, occurrence, step.items[index].key):
        return None
    return traject, step, occurrence, index


def _answered(unit: Unit, traject: Traject, step: Step, occurrence: int, item_key: str) -> bool:
    return (
        unit.session.execute(
            select(Reply.id).where(  # type: ignore[call-overload]
                Reply.traject_id == traject.id,
                Reply.step_key == step.key,
                Reply.item_key == item_key,
                Reply.occurrence == occurrence,
            )
        ).first()
        is not None
    )


def _open_item(unit: Unit, client: Client, traject: Traject) -> tuple[Step, int, int] | None:
    """The first unanswered question of the waiting check-in in the row, if that is what waits."""
    step = steps.pending_step(unit, traject)
    if step is None or not step.items:
        return None
    for index, item in enumerate(step.items):
        if not _answered(unit, traject, step, 0, item.key):
            return step, 0, index
    return None


def _record(
    unit: Unit,
    client: Client,
    traject: Traject,
    step: Step,
    occurrence: int,
    index: int,
    *,
    value: str | None = None,
    text: str | None = None,
) -> None:
    replies.keep(
        unit,
        client,
        kind="checkin",
        traject=traject,
        step_key=step.key,
        item_key=step.items[index].key,
        occurrence=occurrence,
        value=value,
        text=text,
        asked_at=traject.step_sent_at if occurrence == 0 else None,
    )
    client.last_activity_at = unit.now
    traject.last_activity_at = unit.now


def _finished(unit: Unit, client: Client, traject: Traject, step: Step, occurrence: int) -> None:
    if occurrence == 0:
        # A check-in in the row is a step: done once, then the line goes on.
        replies.keep(
            unit,
            client,
            kind="checkin-done",
            traject=traject,
            step_key=step.key,
            asked_at=traject.step_sent_at,
        )
        steps.complete_step(unit, traject)
    else:
        to_client(unit, client, kind="checkin", text=unit.render("checkin_thanks", client.language))


def send_due(unit: Unit) -> int:
    """The sweep: recurring check-ins whose time has come, at the client's good moment and
    within the caps (a nudge waits a day for a check-in, not the other way round: check-ins
    go first in the sweep). Each gets one gentle reminder if it is not answered in time."""
    due = storage_checkins.due_checkins(session=unit.session, now=unit.now)
    sent = 0
    for schedule in due:
        traject = unit.session.get(Traject, schedule.traject_id)
        if traject is None or traject.status != TrajectStatus.ACTIVE:
            schedule.next_at = None  # the line is over: no more check-ins
            continue
        owner = steps.owner_of(unit, traject)
        step = trajecten.find_step(
            unit.session, unit.content, unit.cipher, traject, schedule.step_key
        )
        if step is None or not step.every_days:
            schedule.next_at = None
            continue
        following = _following(unit, owner, traject, schedule, step.every_days)
        if (
            owner.status != ClientStatus.ACTIVE
            or owner.unreachable_since is not None
            or (owner.paused_until is not None and owner.paused_until > unit.now)
        ):
            schedule.next_at = following
            continue  # skipped this time, not made up later: a check-in is about this week
        slot = _good_moment(unit, owner, unit.now)
        if slot > unit.now:
            # Not now (quiet hours, a school holiday, the caps): later, if that is still before
            # the next one; else this one is skipped.
            schedule.next_at = slot if slot < following else following
            continue
        schedule.next_at = following
        schedule.sent_count += 1
        items.send_item(
            unit,
            owner,
            traject,
            step,
            occurrence=schedule.sent_count,
            index=0,
            priority=PRIORITY_BULK,
        )
        nudges.log(
            session=unit.session,
            entries=[
                Logged(owner.id or 0, traject.id, NudgeKind.CHECKIN, 0, None, unit.now),
            ],
        )
        reminder = _good_moment(unit, owner, unit.now + unit.policy.checkin_reminder, caps=False)
        schedule.remind_at = reminder if reminder < following else None
        sent += 1
    return sent


def send_due_reminders(unit: Unit) -> int:
    """The one gentle reminder of a check-in that was not answered: the first question still
    open comes again, at a good moment within the caps (or not at all before the next one).
    Not for someone the nudge ladder is already reaching out to."""
    due = storage_checkins.due_reminders(session=unit.session, now=unit.now)
    sent = 0
    for schedule in due:
        schedule.remind_at = None
        traject = unit.session.get(Traject, schedule.traject_id)
        if traject is None or traject.status != TrajectStatus.ACTIVE:
            continue
        owner = steps.owner_of(unit, traject)
        step = trajecten.find_step(
            unit.session, unit.content, unit.cipher, traject, schedule.step_key
        )
        if (
            step is None
            or not step.items
            # The waiting step is stalled (nudged, or due for it): the ladder speaks for both,
            # a second kind of reminder would nag.
            or (owner.nudges_enabled and _stalled(unit, traject))
            or owner.status != ClientStatus.ACTIVE
            or owner.unreachable_since is not None
            or (owner.paused_until is not None and owner.paused_until > unit.now)
        ):
            continue
        occurrence = schedule.sent_count
        index = next(
            (
                i
                for i, item in enumerate(step.items)
                if not _answered(unit, traject, step, occurrence, item.key)
            ),
            None,
        )
        if index is None:
            continue  # answered: no reminder
        slot = _good_moment(unit, owner, unit.now)
        if slot > unit.now:
            if schedule.next_at is None or slot < schedule.next_at:
                schedule.remind_at = slot
            continue
        items.send_item(
            unit,
            owner,
            traject,
            step,
            occurrence=occurrence,
            index=index,
            priority=PRIORITY_BULK,
            key=f"checkin-reminder:{schedule.id}:{occurrence}",
            reminder=True,
        )
        nudges.log(
            session=unit.session,
            entries=[Logged(owner.id or 0, traject.id, NudgeKind.REMINDER, 0, None, unit.now)],
        )
        sent += 1
    return sent


def _stalled(unit: Unit, traject: Traject) -> bool:
    """Nudged about the waiting step, or due to be."""
    return traject.nudge_rung > 0 or (
        traject.next_nudge_at is not None and traject.next_nudge_at <= unit.now
    )


def _good_moment(unit: Unit, owner: Client, earliest: datetime, *, caps: bool = True) -> datetime:
    """The first good moment for an automatic message to `owner` from `earliest` on
    (reminders/slots.py), within the caps (reminders/caps.py) unless `caps` is False."""
    policy = unit.policy
    organisation = unit.session.get_one(Organisation, owner.organisation_id)
    zone = ZoneInfo(organisation.time_zone)
    if caps:
        found = nudges.recent_of(session=unit.session, client_id=owner.id or 0, now=unit.now)
        earliest = max(
            earliest,
            not_before(
                Recent(found.number, found.oldest, found.newest),
                now=unit.now,
                zone=zone,
                per_week=policy.per_week,
            ),
        )
    person = policy.person_of(owner, zone)
    return next_slot(
        earliest, person, policy.calendar(organisation.school_region), window=policy.window
    )


def _following(
    unit: Unit, owner: Client, traject: Traject, schedule: TrajectCheckin, every_days: int
) -> datetime:
    """The next time: `every_days` local days after this one, at the client's moment; a weekly
    one on its own weekday (the one they chose, else the weekday they began), so a check-in
    that had to wait a day does not move the ones after it. After an outage, the next one
    still to come (never a burst of missed ones)."""
    zone = steps.zone_of(unit, owner)
    base = schedule.next_at or unit.now
    day = local_date(base, zone)
    weekday = (
        owner.checkin_day
        if owner.checkin_day is not None
        else local_date(traject.started_at, zone).weekday()
    )
    while True:
        day += timedelta(days=every_days)
        if every_days % 7 == 0:
            day -= timedelta(days=(day.weekday() - weekday) % 7)  # back to its own weekday
        candidate = at_local(day, moment_time(owner.preferred_moment), zone)
        if candidate > unit.now:
            return candidate


# The day of a weekly check-in ----------------------------------------------------------------


def ask_day(unit: Unit, client: Client) -> None:
    """/checkindag: which weekday their weekly check-in comes (`cd:<0-6>`)."""
    language = client.language
    days = [Button(unit.label(f"days.weekday{n}", language), data=pack("cd", n)) for n in range(7)]
    to_client(
        unit,
        client,
        kind="checkin_day",
        text=unit.render("checkin_day_ask", language),
        buttons=keyboard([days[0:3], days[3:5], days[5:7]]),
    )


def choose_day(unit: Unit, client: Client, callback: Callback) -> None:
    """A weekday chosen: from now on the weekly check-ins of their line come on it."""
    day = callback.int_part(0)
    if day is None or not 0 <= day <= 6:
        unit.answer_callback(unit.label("answer.stale_button", client.language))
        return
    client.checkin_day = day
    unit.answer_callback()
    zone = steps.zone_of(unit, client)
    for traject in _own_active(unit, client):
        for schedule in unit.session.execute(
            select(TrajectCheckin).where(TrajectCheckin.traject_id == traject.id)  # type: ignore[arg-type]
        ).scalars():
            step = trajecten.find_step(
                unit.session, unit.content, unit.cipher, traject, schedule.step_key
            )
            if schedule.next_at is None or step is None or (step.every_days or 0) % 7:
                continue
            today = local_date(unit.now, zone)
            following = today + timedelta(days=(day - today.weekday()) % 7 or 7)
            schedule.next_at = at_local(following, moment_time(client.preferred_moment), zone)
    unit.edit_pressed(
        unit.render(
            "checkin_day_set",
            client.language,
            day=unit.label(f"days.weekday{day}", client.language),
        )
    )


def _own_active(unit: Unit, client: Client) -> list[Traject]:
    return list(
        unit.session.execute(
            select(Traject).where(
                Traject.client_id == client.id,  # type: ignore[arg-type]
                Traject.status == TrajectStatus.ACTIVE,  # type: ignore[arg-type]
            )
        ).scalars()
    )
