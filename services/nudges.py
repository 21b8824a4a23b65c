"""Nudges that feel human: the ladder, the welcome back after a school holiday, and a nudge
from the professional. The rules are in reminders/ (pure); this module applies them to what
the sweep found and queues the messages.

A step that waits past its threshold gets rung 1, then rung 2, then rung 3 (with a choice:
pause a week, carry on, talk to my professional); then nudging stops for this stall and the
professional is told (the digest; at once if configured). Every nudge comes at a good moment
(reminders/slots.py) within the caps (reminders/caps.py). Any activity starts over
(services/activity.py).

A nudge holds no name and no free text: the recipient's name is a slot the sender fills in
(storage.outbox.NAME_SLOT), so the same message serves everyone on the same step, in the same
language and variant. A sweep renders each of those once (`_Faces`) and the outbox stores each
once, however many thousands it goes to. The idempotency key names the traject, the step, the
rung and when the stall began, so a second sweep (or a second process) cannot nudge twice, and a
new stall on the same step can be nudged again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from content import Content
from content.plain import NUDGE_TEMPLATES, NUDGE_VARIANTS, WELCOME_TEMPLATE
from reminders.caps import Recent, not_before
from reminders.ladder import (
    Ladder,
    Stall,
    StallReason,
    days_waiting,
    first_nudge_from,
    following_from,
    ladder_done,
    next_rung,
)
from reminders.localtime import local_date
from reminders.slots import next_slot, slot_on
from reminders.variety import pick_variant, text_id
from services import colleagues, steps
from services.activity import restart
from services.callbacks import pack
from services.messages import Button, Outgoing
from services.nudge_policy import NudgePolicy
from services.recipients import to_professional
from services.unit import Unit
from storage import nudges
from storage.models import (
    Client,
    ClientStatus,
    NudgeKind,
    Organisation,
    Professional,
    RecipientKind,
    Traject,
    TrajectStatus,
)
from storage.nudges import DueNudge, Logged, NudgeMove
from storage.organisations import in_school_regions
from storage.outbox import NAME_SLOT, PRIORITY_BULK

log = logging.getLogger(__name__)
DAYS_VARIANT = 3  # rung 1's text that says how many days the step has waited


def send_due_nudges(unit: Unit) -> int:
    """Queue a nudge for every stalled step whose good moment has come; move each traject's
    next nudge. Returns how many were queued."""
    due = nudges.due_nudges(session=unit.session, now=unit.now)
    plan = queue_nudges(unit, due)
    nudges.set_next_nudges(session=unit.session, moves=plan.moves)
    nudges.log(session=unit.session, entries=plan.logged)
    if unit.policy.tell_at_once:
        for row in plan.ended:
            _tell_professional(unit, row)
    return len(plan.logged)


@dataclass
class Plan:
    moves: list[NudgeMove] = field(default_factory=list)
    logged: list[Logged] = field(default_factory=list)
    ended: list[DueNudge] = field(default_factory=list)  # rung 3 went: no more for this stall


def queue_nudges(unit: Unit, due: Iterable[DueNudge]) -> Plan:
    """Queue the nudges whose good moment is now; for the rest, when it will be. What a
    thousand rows share (their zone, moment, quiet hours and school region: a `_Situation`;
    its slots; the rendered messages) is worked out once."""
    now, policy = unit.now, unit.policy
    faces = _Faces(unit.content)
    situations: dict[tuple[object, ...], _Situation] = {}
    just_wrote = now - policy.just_wrote
    plan = Plan()
    for row in due:
        key = (
            row.time_zone,
            row.role,
            row.preferred_moment,
            row.quiet_hours_start,
            row.quiet_hours_end,
            row.paused_until,
            row.school_region,
        )
        situation = situations.get(key)
        if situation is None:
            situation = situations[key] = _Situation(policy, now, row)
        rung = next_rung(row.nudge_rung)
        if rung is None:  # the ladder was done; nothing more for this stall
            plan.moves.append(NudgeMove(row.traject_id, None, row.nudge_rung))
            continue
        if row.recent_count or (row.last_activity_at and row.last_activity_at > just_wrote):
            earliest = not_before(
                Recent(row.recent_count, row.recent_oldest, row.recent_newest),
                now=now,
                zone=situation.zone,
                per_week=policy.per_week,
                last_activity_at=row.last_activity_at,
                just_wrote=policy.just_wrote,
            )
            slot = situation.slot(earliest)
        else:
            slot = situation.slot_now
        if slot > now:
            plan.moves.append(NudgeMove(row.traject_id, slot, row.nudge_rung))
            continue
        since = row.stall_since or now
        variant = pick_variant(
            NUDGE_VARIANTS, seed=row.traject_id + rung, last=row.last_text, rung=rung
        )
        # Only one text says how many days (rung 1's fourth): the rest need not count them.
        days = (
            days_waiting(Stall(since, StallReason.STEP), now, situation.zone)
            if rung == 1 and variant == DAYS_VARIANT
            else 0
        )
        unit.send(
            chat_id=row.chat_id,
            recipient_kind=RecipientKind.CLIENT,
            recipient_id=row.client_id,
            kind="nudge",
            priority=PRIORITY_BULK,
            personal=False,
            key=f"nudge:{row.traject_id}:{row.step_key}:{rung}:{since.timestamp():.0f}",
            message=faces.rung(
                row.language,
                rung,
                variant,
                row.line_key,
                row.step_key,
                days=days,
                reason=row.stall_reason,
                professional=row.professional_name,
            ),
        )
        plan.logged.append(
            Logged(row.client_id, row.traject_id, NudgeKind.LADDER, rung, f"{rung}.{variant}", now)
        )
        plan.moves.append(NudgeMove(row.traject_id, situation.next_after(rung), rung))
        if ladder_done(rung):
            plan.ended.append(row)
    return plan


class _Situation:
    """What everyone with the same zone, role, moment, quiet hours, pause and school region
    shares during one sweep: who they are to the rules, and their slots."""

    def __init__(self, policy: NudgePolicy, now: datetime, row: DueNudge) -> None:
        self._policy, self._now = policy, now
        self.zone = ZoneInfo(row.time_zone)
        self.person = policy.person(
            zone=self.zone,
            role=row.role,
            moment=row.preferred_moment,
            quiet_start=row.quiet_hours_start,
            quiet_end=row.quiet_hours_end,
            paused_until=row.paused_until,
        )
        self._calendar = policy.calendar(row.school_region)
        self._slots: dict[datetime, datetime] = {}
        self._after: dict[int, datetime | None] = {}
        self.slot_now = self.slot(now)

    def slot(self, earliest: datetime) -> datetime:
        found = self._slots.get(earliest)
        if found is None:
            found = self._slots[earliest] = next_slot(
                earliest, self.person, self._calendar, window=self._policy.window
            )
        return found

    def next_after(self, rung: int) -> datetime | None:
        """When the rung after `rung` is due, for a nudge that goes now (None: the last)."""
        if rung not in self._after:
            ladder = Ladder(gap_days=self._policy.gap_days)
            after = following_from(self._now, rung, ladder, self.zone)
            self._after[rung] = self.slot(after) if after else None
        return self._after[rung]


class _Faces:
    """Nudge messages rendered once per distinct message during one sweep."""

    def __init__(self, content: Content) -> None:
        self._content = content
        self._made: dict[tuple[object, ...], Outgoing] = {}

    def rung(
        self,
        language: str,
        rung: int,
        variant: int,
        line_key: str,
        step_key: str | None,
        *,
        days: int,
        reason: str,
        professional: str,
    ) -> Outgoing:
        # Only the texts that say them depend on the days and the professional's name.
        days_shown = days if rung == 1 and variant == DAYS_VARIANT else 0
        pro_shown = professional if rung == 3 else ""
        key = (language, rung, variant, line_key, step_key, days_shown, reason, pro_shown)
        message = self._made.get(key)
        if message is None:
            message = self._made[key] = nudge_message(
                self._content,
                language,
                rung=rung,
                variant=variant,
                line_key=line_key,
                step_title=step_title(self._content, line_key, step_key, language),
                days=days_shown,
                reason=reason,
                professional=pro_shown,
            )
        return message

    def welcome(self, language: str, variant: int, line_key: str, step_key: str) -> Outgoing:
        key = ("welcome", language, variant, line_key, step_key)
        message = self._made.get(key)
        if message is None:
            renderer = self._content.renderer
            message = self._made[key] = Outgoing(
                text=renderer.render(
                    WELCOME_TEMPLATE,
                    language,
                    variant=variant,
                    name=NAME_SLOT,
                    step_title=step_title(self._content, line_key, step_key, language),
                ),
                buttons=_go_and_pause(self._content, language, line_key),
            )
        return message


def step_title(content: Content, line_key: str, step_key: str | None, language: str) -> str:
    """The title of a line's step as the line ships it ("" when there is no such step)."""
    line = content.lines.get(line_key)
    step = line.step(step_key) if line and step_key else None
    return step.title.get(language) if step else ""


def nudge_message(
    content: Content,
    language: str,
    *,
    rung: int,
    variant: int,
    line_key: str,
    step_title: str,
    days: int = 0,
    reason: str = StallReason.STEP,
    professional: str = "",
) -> Outgoing:
    """One rung's nudge: rungs 1 and 2 with "go on" and "pause"; rung 2 now and then with a
    cheerful picture; rung 3 asks what the client wants (a week's pause, carry on, or talk to
    their professional). The buttons name the line, not the person: the press says who it is."""
    renderer = content.renderer
    text = renderer.render(
        NUDGE_TEMPLATES[rung],
        language,
        variant=variant,
        name=NAME_SLOT,
        step_title=step_title,
        days=days,
        reason=reason,
        professional=professional or renderer.label("nudge.your_professional", language),
    )
    if rung == 3:
        talk = (
            renderer.label("nudge.talk", language, professional=professional)
            if professional
            else renderer.label("nudge.talk_plain", language)
        )
        return Outgoing(
            text=text,
            buttons=(
                (
                    Button(
                        renderer.label("nudge.pause_week", language),
                        data=pack("nu", "week", line_key),
                    ),
                ),
                (
                    Button(
                        renderer.label("nudge.carry_on", language), data=pack("nu", "go", line_key)
                    ),
                ),
                (Button(talk[:64], data=pack("nu", "talk", line_key)),),
            ),
        )
    pictures = content.nudge_pictures() if rung == 2 and variant % 2 == 0 else ()
    photo = pictures[(variant // 2) % len(pictures)] if pictures else None
    return Outgoing(text=text, buttons=_go_and_pause(content, language, line_key), photo=photo)


def _go_and_pause(content: Content, language: str, line_key: str) -> tuple[tuple[Button], ...]:
    renderer = content.renderer
    return (
        (Button(renderer.label("nudge.go", language), data=pack("nu", "go", line_key)),),
        (Button(renderer.label("nudge.pause", language), data=pack("nu", "pause", line_key)),),
    )


def _tell_professional(unit: Unit, row: DueNudge) -> None:
    """The ladder ended without a reaction: the professional (or their stand-in) hears it now."""
    client = unit.session.get(Client, row.client_id)
    if client is None:
        return
    owner = unit.session.get_one(Professional, client.professional_id)
    recipient = colleagues.responder(unit, owner)
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    zone = ZoneInfo(organisation.time_zone)
    days = (
        days_waiting(Stall(row.stall_since, StallReason.STEP), unit.now, zone)
        if row.stall_since
        else 0
    )
    to_professional(
        unit,
        recipient,
        kind="nudge_stopped",
        key=f"nudge-stopped:{row.traject_id}:{row.step_key}:{unit.now.timestamp():.0f}",
        text=unit.render(
            "nudge_stopped",
            recipient.language,
            client=unit.name(client.name_enc),
            step_title=step_title(unit.content, row.line_key, row.step_key, recipient.language),
            days=days,
        ),
        buttons=(
            (Button(unit.name(client.name_enc)[:30] or "…", data=pack("cl", "o", client.id or 0)),),
        ),
    )


# The welcome back after a school holiday ------------------------------------------------------


def send_welcome_backs(unit: Unit) -> int:
    """On the first school day after a holiday, each pupil who is mid-line gets a "welcome back,
    let's pick it up" at their moment that day, and their ladder starts over from it. Once per
    organisation and day (`organisation.welcomed_back_on`). Returns how many were queued."""
    queued = 0
    for organisation in in_school_regions(session=unit.session):
        zone = ZoneInfo(organisation.time_zone)
        today = local_date(unit.now, zone)
        calendar = unit.policy.calendar(organisation.school_region)
        if organisation.welcomed_back_on == today or calendar.welcome_back(today) is None:
            continue
        organisation.welcomed_back_on = today
        queued += _welcome_pupils(unit, organisation, zone)
    return queued


def _welcome_pupils(unit: Unit, organisation: Organisation, zone: ZoneInfo) -> int:
    policy, now = unit.policy, unit.now
    calendar = policy.calendar(organisation.school_region)
    today = local_date(now, zone)
    faces = _Faces(unit.content)
    logged: list[Logged] = []
    for pupil in nudges.pupils_mid_line(session=unit.session, organisation_id=organisation.id or 0):
        person = policy.person(
            zone=zone,
            role="pupil",
            moment=pupil.preferred_moment,
            quiet_start=pupil.quiet_hours_start,
            quiet_end=pupil.quiet_hours_end,
            paused_until=pupil.paused_until,
        )
        slot = slot_on(today, person, calendar)
        if slot is None or slot + policy.window <= now:
            continue  # paused, or the day's moment is gone: the ladder carries on as it was
        at = max(slot, now)
        variant = pick_variant(NUDGE_VARIANTS, seed=pupil.traject_id, last=None, rung=0)
        unit.send(
            chat_id=pupil.chat_id,
            recipient_kind=RecipientKind.CLIENT,
            recipient_id=pupil.client_id,
            kind="nudge",
            priority=PRIORITY_BULK,
            personal=False,
            key=f"welcome:{pupil.traject_id}:{today.isoformat()}",
            message=faces.welcome(pupil.language, variant, pupil.line_key, pupil.step_key),
            due_at=at if at > now else None,
        )
        logged.append(
            Logged(pupil.client_id, pupil.traject_id, NudgeKind.WELCOME, 0, f"w.{variant}", at)
        )
        traject = unit.session.get_one(Traject, pupil.traject_id)
        line = unit.content.lines.get(traject.line_key)
        ladder = Ladder(
            stall_days=traject.stall_days or (line.stall_days if line else 3),
            gap_days=policy.gap_days,
        )
        restart(traject, at, StallReason.STEP)
        traject.next_nudge_at = next_slot(
            first_nudge_from(Stall(at, StallReason.STEP), ladder, zone),
            person,
            calendar,
            window=policy.window,
        )
    nudges.log(session=unit.session, entries=logged)
    return len(logged)


# A nudge from the professional -------------------------------------------------------------


def nudge_from_professional(
    unit: Unit, client: Client, *, rung: int = 1, words: str | None = None, now: bool = False
) -> datetime | None:
    """ "Nudge now" on a client's page: one of the ladder's texts (`rung`) or the professional's
    own `words`, through the outbox; at the client's next good moment, or at once (`now`: the
    professional's own choice, also in quiet hours). Not automatic: it does not count against
    the caps, nor move the ladder. Returns when it goes; None when nothing waits for them (or
    they stopped, paused or cannot be reached)."""
    traject = steps.active_traject(unit, client)
    if (
        traject is None
        or traject.step_key is None
        or traject.client_id != client.id
        or traject.status != TrajectStatus.ACTIVE
        or client.status != ClientStatus.ACTIVE
        or client.unreachable_since is not None
        or (client.paused_until is not None and client.paused_until > unit.now)
    ):
        return None
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    zone = ZoneInfo(organisation.time_zone)
    policy = unit.policy
    person = policy.person_of(client, zone)
    calendar = policy.calendar(organisation.school_region)
    # "Now" is the professional's own choice, also in quiet hours.
    at = unit.now if now else next_slot(unit.now, person, calendar, window=policy.window)
    professional = unit.session.get_one(Professional, client.professional_id)
    title = step_title(unit.content, traject.line_key, traject.step_key, client.language)
    if words is not None:
        message = Outgoing(
            text=unit.render(
                "nudge_own", client.language, professional=professional.name, words=words
            ),
            buttons=_go_and_pause(unit.content, client.language, traject.line_key),
        )
        template = "own"
    else:
        variant = pick_variant(
            NUDGE_VARIANTS, seed=(traject.id or 0) + unit.now.day, last=None, rung=rung
        )
        message = nudge_message(
            unit.content,
            client.language,
            rung=rung,
            variant=variant,
            line_key=traject.line_key,
            step_title=title,
            professional=professional.name,
        )
        template = text_id(rung, variant)
    unit.send(
        chat_id=client.chat_id or 0,
        recipient_kind=RecipientKind.CLIENT,
        recipient_id=client.id,
        kind="nudge",
        priority=PRIORITY_BULK,
        personal=words is not None,  # their own words are personal: encrypted at rest
        key=f"nudge:pro:{traject.id}:{traject.step_key}:{unit.now.timestamp():.0f}",
        message=message,
        due_at=at if at > unit.now else None,
    )
    nudges.log(
        session=unit.session,
        entries=[
            Logged(
                client.id or 0,
                traject.id,
                NudgeKind.PROFESSIONAL,
                rung,
                template,
                max(at, unit.now),
            )
        ],
    )
    return max(at, unit.now)
