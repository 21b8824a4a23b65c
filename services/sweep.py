"""The sweep: one pass over everything time made due. It runs from a repeating job."""

from __future__ import annotations

from services import appointments, checkins, group_meetings, group_posts, groups, safety
from services.digests import send_due_digests
from services.nudges import send_due_nudges, send_welcome_backs
from services.unit import Unit


def sweep(unit: Unit) -> dict[str, int]:
    """Crisis alerts nobody acknowledged first, and appointment reminders (neither counts as
    an automatic message); then in order of who gets the day's one automatic message: the
    welcome back after a school holiday (once a holiday), then check-ins (a weekly rhythm),
    their reminders, and then the nudge ladder, which can wait a day; then the peer groups,
    and the digests last."""
    return {
        "alerts": safety.escalate_due(unit),
        "appointments": appointments.send_reminders(unit),
        "welcomes": send_welcome_backs(unit),
        "checkins": checkins.send_due(unit),
        "reminders": checkins.send_due_reminders(unit),
        "nudges": send_due_nudges(unit),
        # Peer groups (a group's messages are nobody's daily automatic message); before the
        # digests, so a poll that ends now is in the digest that goes now.
        "groups_left": groups.leave_unlinked(unit),
        "groups_inactive": groups.tell_inactive(unit),
        "group_meetings": group_meetings.send_due(unit),
        "group_posts": group_posts.send_due(unit),
        "group_polls_ended": group_posts.close_due_polls(unit),
        "digests": send_due_digests(unit),
    }
