"""Nudges (thin; the full ladder comes with the issue "Nudges, check-ins and schedules").

A step that waited past its line's threshold gets one warm nudge at the client's moment,
never in quiet hours, with a way to go on and a way to pause. The idempotency key names the
traject, the step and the rung, so a second sweep (or a second process) cannot nudge twice.
"""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from content.plain import NUDGE_VARIANTS
from reminders.localtime import parse_clock
from reminders.quiet import outside_quiet_hours
from services.callbacks import pack
from services.messages import Button, Outgoing, keyboard
from services.unit import Unit
from storage import nudges
from storage.models import RecipientKind
from storage.outbox import PRIORITY_BULK

PAUSE = timedelta(days=7)


def send_due_nudges(unit: Unit, *, quiet_start: time, quiet_end: time) -> int:
    queued = 0
    for due in nudges.due_nudges(session=unit.session, now=unit.now):
        zone = ZoneInfo(due.time_zone)
        start = _clock(due.quiet_hours_start, quiet_start)
        end = _clock(due.quiet_hours_end, quiet_end)
        allowed = outside_quiet_hours(unit.now, zone, start, end)
        if allowed > unit.now:
            nudges.set_next_nudge(
                session=unit.session,
                traject_id=due.traject_id,
                next_nudge_at=allowed,
                rung=due.nudge_rung,
            )
            continue
        rung = due.nudge_rung + 1
        line = unit.content.lines.get(due.line_key)
        step = line.step(due.step_key) if line and due.step_key else None
        unit.send(
            chat_id=due.chat_id,
            recipient_kind=RecipientKind.CLIENT,
            recipient_id=due.client_id,
            kind="nudge",
            priority=PRIORITY_BULK,
            personal=False,
            key=f"nudge:{due.traject_id}:{due.step_key}:{rung}",
            message=Outgoing(
                text=unit.render(
                    "nudge",
                    due.language,
                    variant=(due.traject_id + rung) % NUDGE_VARIANTS,
                    step_title=step.title.get(due.language) if step else "",
                ),
                buttons=keyboard(
                    [
                        [
                            Button(
                                unit.label("nudge.go", due.language),
                                data=pack("nu", "go", due.traject_id),
                            )
                        ],
                        [
                            Button(
                                unit.label("nudge.pause", due.language),
                                data=pack("nu", "pause", due.traject_id),
                            )
                        ],
                    ]
                ),
            ),
        )
        # One nudge per stall for now: the professional sees the rest in the digest.
        nudges.set_next_nudge(
            session=unit.session, traject_id=due.traject_id, next_nudge_at=None, rung=rung
        )
        queued += 1
    return queued


def _clock(value: str | None, default: time) -> time:
    return parse_clock(value) if value else default
