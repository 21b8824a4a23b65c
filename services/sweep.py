"""The sweep: one pass over everything time made due. It runs from a repeating job."""

from __future__ import annotations

from services import checkins
from services.digests import send_due_digests
from services.nudges import send_due_nudges, send_welcome_backs
from services.unit import Unit


def sweep(unit: Unit) -> dict[str, int]:
    """In order of who gets the day's one automatic message: the welcome back after a school
    holiday (once a holiday), then check-ins (a weekly rhythm), their reminders, and then the
    nudge ladder, which can wait a day."""
    return {
        "welcomes": send_welcome_backs(unit),
        "checkins": checkins.send_due(unit),
        "reminders": checkins.send_due_reminders(unit),
        "nudges": send_due_nudges(unit),
        "digests": send_due_digests(unit),
    }
