"""Nudges (thin; the full ladder comes with the issue "Nudges, check-ins and schedules").

A step that waited past its line's threshold gets one warm nudge at the client's moment,
never in quiet hours, with a way to go on and a way to pause. The idempotency key names the
traject, the step and the rung, so a second sweep (or a second process) cannot nudge twice.

A nudge names nobody and holds no free text: it is the same message for everyone on the same
step, in the same language and variant. So a sweep renders each of those once (`_Faces`) and
the outbox stores it once per distinct message, however many thousands it goes to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from content import Content
from content.plain import NUDGE_VARIANTS
from reminders.localtime import local_date, parse_clock
from reminders.quiet import outside_quiet_hours
from services import steps
from services.callbacks import pack
from services.messages import Button, Outgoing
from services.unit import Unit
from storage import nudges
from storage.models import Client, ClientStatus, Organisation, RecipientKind
from storage.nudges import DueNudge, NudgeMove
from storage.outbox import PRIORITY_BULK

PAUSE = timedelta(days=7)


def send_due_nudges(unit: Unit, *, quiet_start: time, quiet_end: time) -> int:
    """Queue a nudge for every step that waited too long, and move each traject's next nudge."""
    due = nudges.due_nudges(session=unit.session, now=unit.now)
    moves = queue_nudges(unit, due, quiet_start=quiet_start, quiet_end=quiet_end)
    nudges.set_next_nudges(session=unit.session, moves=moves)
    return sum(1 for move in moves if move.next_nudge_at is None)


def queue_nudges(
    unit: Unit, due: Iterable[DueNudge], *, quiet_start: time, quiet_end: time
) -> list[NudgeMove]:
    """Queue the nudges that may go now; one that would fall in quiet hours waits for their
    end. Returns what each traject's next nudge becomes (None: this stall has had its nudge)."""
    now, faces = unit.now, _Faces(unit.content)
    # When a nudge may go is the same for everyone with the same zone and quiet hours: None
    # for "now", else the end of their quiet hours.
    waits: dict[tuple[str, str | None, str | None], datetime | None] = {}
    moves = []
    for row in due:
        quiet = (row.time_zone, row.quiet_hours_start, row.quiet_hours_end)
        if quiet not in waits:
            allowed = outside_quiet_hours(
                now,
                ZoneInfo(row.time_zone),
                _clock(row.quiet_hours_start, quiet_start),
                _clock(row.quiet_hours_end, quiet_end),
            )
            waits[quiet] = allowed if allowed > now else None
        wait_until = waits[quiet]
        if wait_until is not None:
            moves.append(NudgeMove(row.traject_id, wait_until, row.nudge_rung))
            continue
        rung = row.nudge_rung + 1
        unit.send(
            chat_id=row.chat_id,
            recipient_kind=RecipientKind.CLIENT,
            recipient_id=row.client_id,
            kind="nudge",
            priority=PRIORITY_BULK,
            personal=False,
            key=f"nudge:{row.traject_id}:{row.step_key}:{rung}",
            message=faces.get(
                row.language, (row.traject_id + rung) % NUDGE_VARIANTS, row.line_key, row.step_key
            ),
        )
        # One nudge per stall for now: the professional sees the rest in the digest.
        moves.append(NudgeMove(row.traject_id, None, rung))
    return moves


class _Faces:
    """Nudge messages rendered once per (language, variant, line, step) during one sweep."""

    def __init__(self, content: Content) -> None:
        self._content = content
        self._made: dict[tuple[str, int, str, str | None], Outgoing] = {}

    def get(self, language: str, variant: int, line_key: str, step_key: str | None) -> Outgoing:
        key = (language, variant, line_key, step_key)
        message = self._made.get(key)
        if message is None:
            line = self._content.lines.get(line_key)
            step = line.step(step_key) if line and step_key else None
            title = step.title.get(language) if step else ""
            message = self._made[key] = nudge_message(
                self._content, language, variant, line_key, title
            )
        return message


def nudge_message(
    content: Content, language: str, variant: int, line_key: str, step_title: str
) -> Outgoing:
    """The nudge itself: a warm text (one of a few, varied) and "go on" and "pause" buttons.
    The buttons name the line, not the person: the press itself says who it is."""
    renderer = content.renderer
    return Outgoing(
        text=renderer.render("nudge", language, variant=variant, step_title=step_title),
        buttons=(
            (Button(renderer.label("nudge.go", language), data=pack("nu", "go", line_key)),),
            (Button(renderer.label("nudge.pause", language), data=pack("nu", "pause", line_key)),),
        ),
    )


def _clock(value: str | None, default: time) -> time:
    return parse_clock(value) if value else default


def nudge_from_professional(
    unit: Unit, client: Client, *, quiet_start: time, quiet_end: time
) -> bool:
    """ "Nudge now" on a client's page: the same warm nudge for the waiting step, at once, or
    when their quiet hours end. Once a day per step; False when nothing waits for them (or
    they stopped, paused or cannot be reached)."""
    traject = steps.active_traject(unit, client)
    if (
        traject is None
        or traject.step_key is None
        or traject.client_id != client.id
        or client.status != ClientStatus.ACTIVE
        or client.unreachable_since is not None
        or (client.paused_until is not None and client.paused_until > unit.now)
    ):
        return False
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    zone = ZoneInfo(organisation.time_zone)
    allowed = outside_quiet_hours(
        unit.now,
        zone,
        _clock(client.quiet_hours_start, quiet_start),
        _clock(client.quiet_hours_end, quiet_end),
    )
    rung = traject.nudge_rung + 1
    variant = ((traject.id or 0) + rung) % NUDGE_VARIANTS
    unit.send(
        chat_id=client.chat_id or 0,
        recipient_kind=RecipientKind.CLIENT,
        recipient_id=client.id,
        kind="nudge",
        priority=PRIORITY_BULK,
        personal=False,
        key=f"nudge:pro:{traject.id}:{traject.step_key}:{local_date(unit.now, zone).isoformat()}",
        message=_Faces(unit.content).get(
            client.language, variant, traject.line_key, traject.step_key
        ),
        due_at=allowed if allowed > unit.now else None,
    )
    traject.nudge_rung = rung
    return True
