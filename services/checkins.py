"""Check-ins: a few questions, one by one. In the row of steps (an intake), or coming back on
their own clock (`every_days`: "how sure did you feel this week?").

Every answer is a Reply with the step, the question (`item_key`) and the occurrence, so the six
intake scores or a season of weekly scores are one query away.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from content.lines import ItemKind, Step
from reminders.localtime import at_local, local_date
from reminders.moments import moment_time
from services import items, replies, steps, trajecten
from services.callbacks import Callback
from services.recipients import to_client
from services.unit import Unit
from storage.models import (
    Client,
    ClientStatus,
    Reply,
    Traject,
    TrajectCheckin,
    TrajectStatus,
)
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
        value = score if score.lstrip("-").isdigit() and int(score) in item.scale.values() else None
    elif item.kind == ItemKind.CHOICE and raw.startswith("o") and raw[1:].isdigit():
        number = int(raw[1:])
        value = item.options[number].key if number < len(item.options) else None
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
    """The sweep: recurring check-ins whose time has come, at the client's moment."""
    due = (
        unit.session.execute(
            select(TrajectCheckin)
            .where(TrajectCheckin.next_at <= unit.now)  # type: ignore[arg-type, operator]
            .order_by(TrajectCheckin.next_at)  # type: ignore[arg-type]
            .limit(2000)
        )
        .scalars()
        .all()
    )
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
        schedule.next_at = _following(unit, owner, schedule, step.every_days)
        if (
            owner.status != ClientStatus.ACTIVE
            or owner.unreachable_since is not None
            or (owner.paused_until is not None and owner.paused_until > unit.now)
        ):
            continue  # skipped this time, not made up later: a check-in is about this week
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
        sent += 1
    return sent


def _following(unit: Unit, owner: Client, schedule: TrajectCheckin, every_days: int) -> datetime:
    """The next time: `every_days` local days after this one, at the client's moment; after an
    outage, the next one still to come (never a burst of missed ones)."""
    zone = steps.zone_of(unit, owner)
    base = schedule.next_at or unit.now
    day = local_date(base, zone)
    while True:
        day += timedelta(days=every_days)
        candidate = at_local(day, moment_time(owner.preferred_moment), zone)
        if candidate > unit.now:
            return candidate
