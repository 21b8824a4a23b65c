"""The sweep: one pass over everything time made due. It runs from a repeating job."""

from __future__ import annotations

from datetime import time

from services import checkins
from services.digests import send_due_digests
from services.nudges import send_due_nudges
from services.unit import Unit


def sweep(unit: Unit, *, quiet_start: time, quiet_end: time) -> dict[str, int]:
    return {
        "nudges": send_due_nudges(unit, quiet_start=quiet_start, quiet_end=quiet_end),
        "checkins": checkins.send_due(unit),
        "digests": send_due_digests(unit),
    }
