"""The client's hands on their journey: step buttons, reflections, "later", pauses, their
moment, and /voortgang. (Sending steps and planning them is services/steps.py.)"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from content.lines import Step, StepKind
from reminders.localtime import at_local, local_date
from reminders.moments import MOMENTS, moment_time, parse_moment
from services import replies, steps, trajecten
from services.callbacks import Callback, as_int, pack, row_of
from services.messages import Button, keyboard
from services.recipients import to_client
from services.unit import Unit
from storage.models import Client, Professional, Reply, Traject, TrajectStatus

PAUSES = {"week": 7, "vakantie": 14}  # button choices, in days
ACTIVE_KINDS = (*trajecten.DONE_KINDS, "checkin")  # what makes a week count in the streak

MAX_PAUSE = timedelta(days=92)
_DATE = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2,4}))?\s*$")


def answer_step_button(unit: Unit, client: Client, callback: Callback) -> None:
    """`st:<traject>:<step>:<value>`: done, later, now, an option (`o2`) or a score (`s4`)."""
    traject_id, step_key, value = callback.int_part(0), callback.part(1), callback.part(2) or ""
    traject = unit.session.get(Traject, traject_id) if traject_id is not None else None
    if (
        traject is None
        or traject.status != TrajectStatus.ACTIVE
        or not steps.takes_part(unit, client, traject)
        or traject.step_key != step_key
    ):
        step_is_over(unit, client)
        return
    step = steps.pending_step(unit, traject)
    if step is None:
        step_is_over(unit, client)
        return
    if value == steps.NOW:
        unit.answer_callback()
        unit.remove_pressed_buttons()
        steps.bring_forward(unit, traject)
        return
    if value == steps.WATCHED:
        watched(unit, client, traject, step)
        return
    if value == steps.LATER:
        at = steps.snooze(unit, client, traject, step)
        unit.remove_pressed_buttons()
        unit.answer_callback()
        owner = steps.owner_of(unit, traject)
        to_client(
            unit,
            client,
            kind="exercise",
            text=unit.render(
                "snoozed",
                client.language,
                **steps.when(unit, client, at, steps.zone_of(unit, owner)),
            ),
        )
        return
    answer = _decode(step, value)
    if answer is None:
        step_is_over(unit, client)
        return
    kind, stored = answer
    steps.record_answer(unit, client, traject, step, kind=kind, value=stored)
    unit.remove_pressed_buttons()
    unit.answer_callback(unit.label("step.answered", client.language))
    if step.kind == StepKind.EXERCISE and step.question is not None:
        client.awaiting = f"reflection:{traject.id}:{step.key}"
        to_client(
            unit,
            client,
            kind="exercise",
            text=unit.render(
                "reflection", client.language, question=step.question.get(client.language)
            ),
        )
    steps.complete_step(unit, traject)


def watched(unit: Unit, client: Client, traject: Traject, step: Step) -> None:
    """The "Video bekeken" button: kept once per client and step (twice counts once); the
    step stays waiting with its buttons, since watching is not doing it."""
    already = unit.session.execute(
        select(Reply.created_at).where(  # type: ignore[call-overload]
            Reply.client_id == client.id,
            Reply.traject_id == traject.id,
            Reply.step_key == step.key,
            Reply.kind == trajecten.WATCHED_KIND,
        )
    ).first()
    if already is None:
        replies.keep(
            unit,
            client,
            kind=trajecten.WATCHED_KIND,
            traject=traject,
            step_key=step.key,
            asked_at=traject.step_sent_at,
        )
        client.last_activity_at = unit.now
    unit.answer_callback(unit.label("step.watched_thanks", client.language))


def _decode(step: Step, value: str) -> tuple[str, str | None] | None:
    if value == steps.DONE and step.kind in (StepKind.INFO, StepKind.EXERCISE):
        return "done", None
    if value.startswith("o") and step.kind == StepKind.CHOICE:
        index = as_int(value[1:])
        if index is not None and 0 <= index < len(step.options):
            return "choice", step.options[index].key
        return None
    if value.startswith("s") and step.kind == StepKind.SCALE and step.scale is not None:
        score = value[1:]
        if as_int(score) in step.scale.values():
            return "scale", score
    return None


def step_is_over(unit: Unit, client: Client) -> None:
    """A button of an earlier or finished step: say so, and show what waits now."""
    unit.answer_callback(unit.label("answer.step_done", client.language))
    traject = steps.active_traject(unit, client)
    if traject is None or traject.step_key is None:
        return
    step = steps.pending_step(unit, traject)
    if step is None:
        return
    owner = steps.owner_of(unit, traject)
    if traject.step_sent_at is not None and traject.step_sent_at > unit.now:
        at = steps.when(unit, client, traject.step_sent_at, steps.zone_of(unit, owner))
        to_client(
            unit,
            client,
            kind="exercise",
            text=unit.render(
                "step_planned", client.language, title=step.title.get(client.language), **at
            ),
            buttons=keyboard(
                [
                    [
                        Button(
                            unit.label("step.now", client.language),
                            data=pack("st", traject.id or 0, step.key, steps.NOW),
                        )
                    ]
                ]
            ),
        )
    else:
        steps.bring_forward(unit, traject)


def answer_reflection(unit: Unit, client: Client, awaiting: str, text: str) -> bool:
    """The words after "Klaar" on an exercise with a reflection question."""
    client.awaiting = None
    _, traject_id, step_key = awaiting.split(":", 2)
    traject = row_of(unit.session, Traject, traject_id)
    if traject is None or not steps.takes_part(unit, client, traject):
        return False
    step = trajecten.find_step(unit.session, unit.content, unit.cipher, traject, step_key)
    if step is None:
        return False
    steps.record_answer(unit, client, traject, step, kind="reflection", text=text)
    to_client(unit, client, kind="exercise", text=unit.render("reflection_saved", client.language))
    return True


# --- the moment --------------------------------------------------------------------------


def moment_buttons(unit: Unit, language: str) -> tuple[tuple[Button, ...], ...]:
    rows = [
        [Button(unit.label(f"moments.{moment}", language), data=pack("mo", moment))]
        for moment in MOMENTS
    ]
    rows.append([Button(unit.label("moments.own", language), data=pack("mo", "own"))])
    return keyboard(rows)


def choose_moment(unit: Unit, client: Client, callback: Callback) -> None:
    moment = callback.part(0)
    if moment == "own":
        client.awaiting = "moment"
        unit.answer_callback()
        unit.edit_pressed(unit.render("moment_type", client.language))
        return
    if moment not in MOMENTS:
        unit.answer_callback(unit.label("answer.stale_button", client.language))
        return
    unit.answer_callback()
    unit.edit_pressed(
        unit.render(
            "moment_chosen",
            client.language,
            moment=unit.label(f"moments.{moment}", client.language),
        )
    )
    _set_moment(unit, client, moment)


def typed_moment(unit: Unit, client: Client, text: str) -> None:
    moment = parse_moment(text)
    if moment is None:
        to_client(unit, client, kind="moment", text=unit.render("moment_type", client.language))
        return
    client.awaiting = None
    to_client(
        unit,
        client,
        kind="moment",
        text=unit.render("moment_chosen", client.language, moment=moment),
    )
    _set_moment(unit, client, moment)


def _set_moment(unit: Unit, client: Client, moment: str) -> None:
    client.preferred_moment = moment
    client.last_activity_at = unit.now
    traject = steps.active_traject(unit, client)
    if traject is not None and traject.client_id == client.id and traject.step_key is None:
        steps.start(unit, traject)


# --- pauses ------------------------------------------------------------------------------


def pause_menu(unit: Unit, client: Client) -> None:
    language = client.language
    to_client(
        unit,
        client,
        kind="pause",
        text=unit.render("pause_menu", language),
        buttons=keyboard(
            [
                [Button(unit.label("pause.week", language), data=pack("pz", "week"))],
                [Button(unit.label("pause.vakantie", language), data=pack("pz", "vakantie"))],
                [Button(unit.label("pause.date", language), data=pack("pz", "date"))],
            ]
        ),
    )


def choose_pause(unit: Unit, client: Client, callback: Callback) -> None:
    choice = callback.part(0) or ""
    unit.answer_callback()
    if choice == "date":
        client.awaiting = "pause"
        unit.edit_pressed(unit.render("pause_type", client.language))
        return
    if choice not in PAUSES:
        return
    unit.remove_pressed_buttons()
    pause_until(unit, client, unit.now + timedelta(days=PAUSES[choice]))


def typed_pause(unit: Unit, client: Client, text: str) -> None:
    day = parse_day(text, today=local_date(unit.now, steps.zone_of(unit, client)))
    if day is None:
        to_client(unit, client, kind="pause", text=unit.render("pause_type", client.language))
        return
    client.awaiting = None
    until = at_local(day, moment_time(client.preferred_moment), steps.zone_of(unit, client))
    pause_until(unit, client, until)


def parse_day(
    text: str, *, today: date, allow_today: bool = False, horizon: timedelta = MAX_PAUSE
) -> date | None:
    """ "12-4", "12-04-2027", "vakantie"... as a date after today (or today itself, with
    `allow_today`) and within `horizon` (three months), else None."""
    if text.strip().lower() in PAUSES:
        return today + timedelta(days=PAUSES[text.strip().lower()])
    found = _DATE.match(text)
    if not found:
        return None
    day, month, year = int(found.group(1)), int(found.group(2)), found.group(3)
    try:
        if year:
            candidate = date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        else:
            candidate = date(today.year, month, day)
            if candidate < today or (candidate == today and not allow_today):
                candidate = date(today.year + 1, month, day)
    except ValueError:
        return None
    earliest = today if allow_today else today + timedelta(days=1)
    if not earliest <= candidate <= today + horizon:
        return None
    return candidate


def pause_until(unit: Unit, client: Client, until: datetime) -> None:
    client.paused_until = until
    traject = steps.active_traject(unit, client)
    if traject is not None and traject.client_id == client.id:
        steps.postpone(unit, traject, until)
    zone = steps.zone_of(unit, client)
    to_client(
        unit,
        client,
        kind="pause",
        text=unit.render(
            "paused",
            client.language,
            until=until.astimezone(zone).strftime("%d-%m"),
            professional=_professional_name(unit, client),
        ),
    )


def _professional_name(unit: Unit, client: Client) -> str:
    return unit.session.get_one(Professional, client.professional_id).name


# --- progress ----------------------------------------------------------------------------


def show_progress(unit: Unit, client: Client) -> None:
    traject = steps.active_traject(unit, client) or _last_traject(unit, client)
    if traject is None:
        to_client(unit, client, kind="progress", text=unit.render("progress_none", client.language))
        return
    progress = trajecten.progress(unit.session, unit.content, unit.cipher, traject)
    line = trajecten.line_of(unit.content, traject)
    to_client(
        unit,
        client,
        kind="progress",
        text=unit.render(
            "progress",
            client.language,
            line_title=line.title.get(client.language) if line else "",
            done=progress.done,
            total=progress.total,
            bar=progress.bar(),
            streak=streak(unit, traject),
            finished=progress.finished,
        ),
    )


def _last_traject(unit: Unit, client: Client) -> Traject | None:
    return (
        unit.session.execute(
            select(Traject)
            .where(Traject.client_id == client.id)  # type: ignore[arg-type]
            .order_by(Traject.id.desc())  # type: ignore[union-attr]
        )
        .scalars()
        .first()
    )


def streak(unit: Unit, traject: Traject) -> int:
    """Weeks in a row, up to this one or the last, with at least one step done."""
    owner = steps.owner_of(unit, traject)
    zone = steps.zone_of(unit, owner)
    moments = unit.session.execute(
        select(Reply.created_at).where(  # type: ignore[call-overload]
            Reply.traject_id == traject.id,
            Reply.kind.in_(ACTIVE_KINDS),  # type: ignore[attr-defined]
        )
    ).scalars()
    weeks = {local_date(moment, zone).isocalendar()[:2] for moment in moments}
    week = local_date(unit.now, zone)
    if week.isocalendar()[:2] not in weeks:
        week -= timedelta(days=7)  # this week may still come
    count = 0
    while week.isocalendar()[:2] in weeks:
        count += 1
        week -= timedelta(days=7)
    return count
