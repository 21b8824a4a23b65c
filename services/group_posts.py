"""What a peer group gets at the rhythm its professional chose: a weekly conversation starter,
encouragement ("een hart onder de riem"), and the anonymous "how heavy was the week" poll.

Texts vary (a template's variants, in turn); posts go at `post_time` in the day, never at
night, and a group gets at most one of them a day (the poll first, then the starter, then the
encouragement; what has to wait goes the next day). Telegram's 20 messages a minute per group
is the sender's pacing (bot/pacing.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from reminders.localtime import at_local, local_date
from services import groups
from services.messages import Outgoing
from services.unit import Unit
from storage.models import GroupPoll, GroupPollKind, GroupStatus, PeerGroup
from storage.outbox import PRIORITY_BULK

PROMPT_VARIANTS = 8
ENCOURAGEMENT_VARIANTS = 8
POLL_OPTIONS = {
    GroupPollKind.WEEK: ("light", "okay", "heavy", "very_heavy"),
    GroupPollKind.MEETING: ("good", "okay", "not_good"),
}
ENCOURAGE_CHOICES = (0, 3, 7, 14)  # every N days; 0 off


def poll_question(unit: Unit, kind: str, language: str) -> str:
    return unit.label(f"group_poll.{kind}", language)


def poll_options(unit: Unit, kind: str, language: str) -> tuple[str, ...]:
    return tuple(
        unit.label(f"group_poll.{kind}_{option}", language)
        for option in POLL_OPTIONS[GroupPollKind(kind)]
    )


def queue_poll(
    unit: Unit,
    group: PeerGroup,
    kind: GroupPollKind,
    *,
    key: str,
    meeting_id: int | None = None,
    due_at: datetime | None = None,
) -> None:
    """An anonymous poll; its totals come back by its Telegram id (storage/polls.py)."""
    existing = unit.session.exec(select(GroupPoll).where(GroupPoll.outbox_key == key)).first()
    if existing is not None:
        return
    sends_at = due_at or unit.now
    unit.session.add(
        GroupPoll(
            group_id=group.id or 0,
            meeting_id=meeting_id,
            kind=kind,
            outbox_key=key,
            counts="[" + ", ".join("0" for _ in POLL_OPTIONS[kind]) + "]",
            created_at=unit.now,
            closes_at=sends_at + unit.groups.poll_open,
        )
    )
    groups.to_group(
        unit,
        group,
        kind="group_poll",
        message=Outgoing(
            text=poll_question(unit, kind, group.language),
            poll=poll_options(unit, kind, group.language),
        ),
        key=key,
        due_at=sends_at,
        priority=PRIORITY_BULK,
    )


def close_due_polls(unit: Unit) -> int:
    """Polls open long enough are ended (their final totals come with the answer)."""
    due = unit.session.exec(
        select(GroupPoll).where(
            col(GroupPoll.closed_at).is_(None),
            col(GroupPoll.closes_at) <= unit.now,
        )
    ).all()
    for poll in due:
        poll.closed_at = unit.now
        group = unit.session.get_one(PeerGroup, poll.group_id)
        if poll.message_id is None or group.status != GroupStatus.ACTIVE:
            continue  # never sent (the group went away): nothing to end
        groups.to_group(
            unit,
            group,
            kind="group_poll_end",
            message=Outgoing(text="", stop_poll=poll.message_id),
            key=f"gpoll-end:{poll.id}",
            priority=PRIORITY_BULK,
        )
    return len(due)


# -- the rhythm --------------------------------------------------------------------------------


def set_prompt_day(unit: Unit, group: PeerGroup, weekday: int | None) -> None:
    group.prompt_day = weekday
    zone = groups.zone_of(unit, group)
    group.next_prompt_at = (
        unit.groups.next_post(unit.now, weekday, zone) if weekday is not None else None
    )


def set_poll_day(unit: Unit, group: PeerGroup, weekday: int | None) -> None:
    group.poll_day = weekday
    zone = groups.zone_of(unit, group)
    group.next_poll_at = (
        unit.groups.next_post(unit.now, weekday, zone) if weekday is not None else None
    )


def set_encouragement(unit: Unit, group: PeerGroup, every_days: int) -> None:
    group.encourage_days = every_days
    group.next_encourage_at = _after_days(unit, group, unit.now, every_days) if every_days else None


def _after_days(unit: Unit, group: PeerGroup, after: datetime, days: int) -> datetime:
    """`post_time`, `days` days after `after`'s day (the first: the next posting time)."""
    zone = groups.zone_of(unit, group)
    day = local_date(after, zone)
    moment = at_local(day, unit.groups.post_time, zone)
    if days == 0 or moment <= after:
        moment = at_local(day + timedelta(days=max(days, 1)), unit.groups.post_time, zone)
    return moment


def send_due(unit: Unit) -> int:
    """The sweep: each active group's due post, one a day, in the day."""
    due = unit.session.exec(
        select(PeerGroup).where(
            PeerGroup.status == GroupStatus.ACTIVE,
            (col(PeerGroup.next_prompt_at) <= unit.now)
            | (col(PeerGroup.next_encourage_at) <= unit.now)
            | (col(PeerGroup.next_poll_at) <= unit.now),
        )
    ).all()
    queued = 0
    for group in due:
        queued += _post_for(unit, group)
    return queued


def _post_for(unit: Unit, group: PeerGroup) -> int:
    zone = groups.zone_of(unit, group)
    now = unit.now
    today = local_date(now, zone)
    tomorrow = at_local(today + timedelta(days=1), unit.groups.post_time, zone)
    posted_today = group.last_post_at is not None and local_date(group.last_post_at, zone) == today
    at_night = not unit.groups.in_day(now, zone)
    later = unit.groups.next_day_moment(now, zone) if at_night else tomorrow

    def due(moment: datetime | None) -> bool:
        return moment is not None and moment <= now

    if at_night or posted_today:  # everything due waits for the next good moment
        for field in ("next_poll_at", "next_prompt_at", "next_encourage_at"):
            if due(getattr(group, field)):
                setattr(group, field, later)
        return 0
    sent = 0
    if due(group.next_poll_at) and group.poll_day is not None:
        queue_poll(unit, group, GroupPollKind.WEEK, key=f"gpoll:week:{group.id}:{today}")
        group.next_poll_at = unit.groups.next_post(now, group.poll_day, zone)
        sent = 1
    elif due(group.next_prompt_at) and group.prompt_day is not None:
        _text_post(unit, group, "group_prompt", PROMPT_VARIANTS, key=f"gprompt:{group.id}:{today}")
        group.next_prompt_at = unit.groups.next_post(now, group.prompt_day, zone)
        sent = 1
    elif due(group.next_encourage_at) and group.encourage_days:
        _text_post(
            unit,
            group,
            "group_encouragement",
            ENCOURAGEMENT_VARIANTS,
            key=f"gcheer:{group.id}:{today}",
        )
        group.next_encourage_at = _after_days(unit, group, now, group.encourage_days)
        sent = 1
    if sent:
        group.last_post_at = now
    # What else was due waits for tomorrow (one post a day).
    for field in ("next_poll_at", "next_prompt_at", "next_encourage_at"):
        if due(getattr(group, field)):
            setattr(group, field, tomorrow)
    return sent


def _text_post(unit: Unit, group: PeerGroup, template: str, variants: int, *, key: str) -> None:
    """A varied text: the group's texts in turn, so no two posts in a row are the same."""
    variant = group.posts % variants
    group.posts += 1
    groups.to_group(
        unit,
        group,
        kind=template,
        message=Outgoing(text=unit.render(template, group.language, variant=variant)),
        key=key,
        priority=PRIORITY_BULK,
    )
