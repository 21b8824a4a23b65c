"""A peer group's online meetings: planned by the professional in their private chat (a typed
line: day, time, video link, and "elke week" or "om de week" for a series), announced in the
group, reminded the day before and an hour before, counted with "wie komt er?" buttons, and
asked about afterwards with an anonymous poll. Nothing is posted at night: a reminder that
would fall there moves into the day or, for the hour before, is left out."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_
from sqlmodel import col, select

from reminders.localtime import at_local, local_date
from services import group_posts, groups
from services.audit import audit
from services.callbacks import Callback, pack, row_of
from services.meetings import parse_when
from services.messages import Button, Keyboard, Outgoing, keyboard
from services.people import Person
from services.recipients import to_professional
from services.unit import Unit
from storage.models import (
    GroupMeeting,
    GroupMeetingStatus,
    GroupPollKind,
    GroupRsvp,
    GroupStatus,
    PeerGroup,
    Professional,
)

AWAITING = "gmeet:"
_LINK = re.compile(r"https?://[^\s<>\"']{1,490}", re.IGNORECASE)
_EVERY_TWO_WEEKS = re.compile(
    r"\b(om de week|elke twee weken|iedere twee weken|elke 2 weken"
    r"|every (?:two|2) weeks|fortnightly)\b",
    re.IGNORECASE,
)
# A weekday before the date ("do 14-01 ..."): allowed, and the date decides.
_WEEKDAY = re.compile(
    r"^(ma|di|wo|do|vr|za|zo|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"
    r"|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"\.?,?\s+",
    re.IGNORECASE,
)
_WEEKLY = re.compile(r"\b(wekelijks|elke week|iedere week|weekly|every week)\b", re.IGNORECASE)
DAY_BEFORE = timedelta(days=1)
HOUR_BEFORE = timedelta(hours=1)
STALE_AFTER = timedelta(days=1)  # "how was it?" later than this makes no sense
LOOK_AHEAD = timedelta(days=2)  # the sweep reads meetings starting within this, and those over


# -- planning (private chat) ------------------------------------------------------------------


def ask(unit: Unit, professional: Professional, group: PeerGroup, *, again: bool = False) -> None:
    professional.awaiting = f"{AWAITING}{group.id}"
    to_professional(
        unit,
        professional,
        kind="group_meeting_ask",
        text=unit.render(
            "group_meeting_ask",
            professional.language,
            title=groups.group_title(unit, group),
            again=again,
        ),
    )


def parse(text: str, *, now: datetime, zone: ZoneInfo) -> tuple[datetime, str, int] | None:
    """ "do 14-01 19:30 https://meet.jit.si/abc elke week" as (start, link, repeat days)."""
    found = _LINK.search(text)
    if found is None:
        return None
    link = found.group(0).rstrip(".,;)")
    rest = (text[: found.start()] + " " + text[found.end() :]).strip()
    repeat = 0
    for pattern, days in ((_EVERY_TWO_WEEKS, 14), (_WEEKLY, 7)):
        if pattern.search(rest):
            repeat = days
            rest = pattern.sub(" ", rest)
            break
    when = parse_when(_WEEKDAY.sub("", " ".join(rest.split())), today=now, zone=zone)
    if when is None or when <= now:
        return None
    return when, link, repeat


def awaited(unit: Unit, professional: Professional, text: str) -> bool:
    """Their text, if it is the meeting they are planning for a group."""
    awaiting = professional.awaiting or ""
    if not awaiting.startswith(AWAITING):
        return False
    group_id = awaiting.removeprefix(AWAITING)
    group = row_of(unit.session, PeerGroup, group_id)
    if group is None or group.professional_id != professional.id:
        professional.awaiting = None
        return False
    zone = groups.zone_of(unit, group)
    planned = parse(text, now=unit.now, zone=zone)
    if planned is None:  # ask again; pressing anything else drops it
        ask(unit, professional, group, again=True)
        return True
    professional.awaiting = None
    starts_at, link, repeat = planned
    meeting = plan(unit, group, starts_at=starts_at, link=link, repeat_days=repeat)
    audit(
        unit,
        actor=("professional", professional.id),
        action="group_meeting_planned",
        subject=("group", group.id),
    )
    to_professional(
        unit,
        professional,
        kind="group_meeting_planned",
        text=unit.render(
            "group_meeting_planned",
            professional.language,
            title=groups.group_title(unit, group),
            when=describe(unit, meeting.starts_at, zone, professional.language),
            repeat_days=repeat,
        ),
        buttons=keyboard(
            [[Button(unit.label("groups.open", professional.language), data=f"gr:g:{group.id}")]]
        ),
    )
    return True


def plan(
    unit: Unit, group: PeerGroup, *, starts_at: datetime, link: str, repeat_days: int
) -> GroupMeeting:
    """A meeting, announced now (or in the morning, if it is night, unless the morning is too
    late: a meeting planned at 22:00 for 08:30 is announced at once)."""
    announce_at = unit.groups.next_day_moment(unit.now, groups.zone_of(unit, group))
    if announce_at > starts_at - HOUR_BEFORE:
        announce_at = unit.now
    meeting = GroupMeeting(
        group_id=group.id or 0,
        starts_at=starts_at,
        minutes=unit.groups.meeting_minutes,
        link=link,
        repeat_days=repeat_days,
        announce_at=announce_at,
        created_at=unit.now,
    )
    unit.session.add(meeting)
    unit.session.flush()
    return meeting


def describe(unit: Unit, moment: datetime, zone: ZoneInfo, language: str) -> str:
    """ "donderdag 14-01 om 19:30"."""
    local = moment.astimezone(zone)
    return unit.label(
        "groups.when",
        language,
        day=unit.label(f"days.weekday{local.weekday()}", language),
        date=local.strftime("%d-%m"),
        time=local.strftime("%H:%M"),
    )


def cancel(unit: Unit, professional: Professional, meeting: GroupMeeting, *, series: bool) -> None:
    """This occurrence off (a series goes on with the next), or the whole series."""
    group = unit.session.get_one(PeerGroup, meeting.group_id)
    meeting.status = GroupMeetingStatus.CANCELLED
    meeting.ended_at = unit.now
    unit.session.execute(delete(GroupRsvp).where(col(GroupRsvp.meeting_id) == meeting.id))
    if meeting.announced_at is not None and group.status == GroupStatus.ACTIVE:
        # At night it waits for the morning, unless the meeting would come first.
        morning = unit.groups.next_day_moment(unit.now, groups.zone_of(unit, group))
        _post(
            unit,
            group,
            meeting,
            "cancelled",
            key=f"gmeet:{meeting.id}:cancelled",
            due_at=morning if morning < meeting.starts_at else None,
        )
    if meeting.repeat_days and not series:
        _next_of(unit, group, meeting)
    audit(
        unit,
        actor=("professional", professional.id),
        action="group_meeting_cancelled",
        subject=("group", group.id),
    )


# -- in the group --------------------------------------------------------------------------------


def _buttons(unit: Unit, meeting: GroupMeeting, language: str, moment: str) -> Keyboard:
    rows = [
        [
            Button(
                unit.label("groups.coming", language), data=pack("gm", "y", meeting.id or 0, moment)
            ),
            Button(
                unit.label("groups.not_coming", language),
                data=pack("gm", "n", meeting.id or 0, moment),
            ),
        ],
        [Button(unit.label("groups.join_meeting", language), url=meeting.link)],
    ]
    return keyboard(rows)


def _text(unit: Unit, group: PeerGroup, meeting: GroupMeeting, moment: str) -> str:
    zone = groups.zone_of(unit, group)
    return unit.render(
        "group_meeting",
        group.language,
        moment=moment,
        when=describe(unit, meeting.starts_at, zone, group.language),
        link=meeting.link,
        coming=meeting.coming,
        repeat_days=meeting.repeat_days,
    )


def _post(
    unit: Unit,
    group: PeerGroup,
    meeting: GroupMeeting,
    moment: str,
    *,
    key: str,
    due_at: datetime | None = None,
) -> None:
    buttons = () if moment == "cancelled" else _buttons(unit, meeting, group.language, moment)
    groups.to_group(
        unit,
        group,
        kind="group_meeting",
        message=Outgoing(text=_text(unit, group, meeting, moment), buttons=buttons),
        key=key,
        due_at=due_at,
    )


def answer(unit: Unit, person: Person, callback: Callback) -> None:
    """ "Ik kom" / "Ik kom niet", pressed in the group: counted once per member (a second
    press changes the answer), and the pressed message shows the new count."""
    meeting_id = callback.int_part(1)
    meeting = unit.session.get(GroupMeeting, meeting_id) if meeting_id is not None else None
    group = unit.session.get(PeerGroup, meeting.group_id) if meeting is not None else None
    if (
        meeting is None
        or group is None
        or group.chat_id != person.chat_id
        or meeting.status != GroupMeetingStatus.PLANNED
        or callback.part(0) not in ("y", "n")
    ):
        unit.answer_callback(unit.label("answer.stale_button", person.language))
        if meeting is not None and meeting.status != GroupMeetingStatus.PLANNED:
            unit.remove_pressed_buttons()
        return
    coming = callback.part(0) == "y"
    member = groups.member_pseudonym(unit, meeting, person.telegram_user_id)
    rsvp = unit.session.exec(
        select(GroupRsvp).where(GroupRsvp.meeting_id == meeting.id, GroupRsvp.member == member)
    ).first()
    if rsvp is None:
        unit.session.add(GroupRsvp(meeting_id=meeting.id or 0, member=member, coming=coming))
    else:
        rsvp.coming = coming
    groups.recount(unit, meeting)
    moment = callback.part(2) or "new"
    if moment not in ("new", "day", "hour"):
        moment = "new"
    unit.answer_callback(
        unit.label("groups.thanks_coming" if coming else "groups.thanks_not_coming", group.language)
    )
    unit.edit_pressed(
        _text(unit, group, meeting, moment),
        _buttons(unit, meeting, group.language, moment),
        kind="group_meeting",
    )


# -- time passing (the sweep) ----------------------------------------------------------------------


def send_due(unit: Unit) -> int:
    """Announcements, reminders, and the end of meetings that are over. Returns how many
    messages were queued."""
    meetings = unit.session.exec(
        select(GroupMeeting)
        .where(
            GroupMeeting.status == GroupMeetingStatus.PLANNED,
            or_(
                col(GroupMeeting.starts_at) <= unit.now + LOOK_AHEAD,
                col(GroupMeeting.announced_at).is_(None),
            ),
        )
        .order_by(col(GroupMeeting.starts_at))
    ).all()
    queued = 0
    for meeting in meetings:
        group = unit.session.get_one(PeerGroup, meeting.group_id)
        if group.status != GroupStatus.ACTIVE:
            continue
        queued += _due_for(unit, group, meeting)
    return queued


def _due_for(unit: Unit, group: PeerGroup, meeting: GroupMeeting) -> int:
    zone = groups.zone_of(unit, group)
    policy = unit.groups
    now = unit.now
    end = meeting.starts_at + timedelta(minutes=meeting.minutes)
    if now >= end:
        _end(unit, group, meeting, end)
        return 1
    hour_at = meeting.starts_at - HOUR_BEFORE
    if meeting.announced_at is None and meeting.announce_at <= now:
        meeting.announced_at = now
        _post(unit, group, meeting, "new", key=f"gmeet:{meeting.id}:new")
        # Announced this close, the announcement is the reminder.
        if day_reminder_at(meeting, policy.day_start, policy.day_end, zone) <= now:
            meeting.day_reminded_at = now
        if hour_at <= now:
            meeting.hour_reminded_at = now
        return 1
    if meeting.announced_at is None:
        return 0
    if (
        meeting.day_reminded_at is None
        and day_reminder_at(meeting, policy.day_start, policy.day_end, zone) <= now
    ):
        meeting.day_reminded_at = now
        if now < hour_at:
            _post(unit, group, meeting, "day", key=f"gmeet:{meeting.id}:day")
            return 1
    if meeting.hour_reminded_at is None and hour_at <= now:
        meeting.hour_reminded_at = now
        if policy.in_day(now, zone):  # an hour before a meeting at night: left out
            _post(unit, group, meeting, "hour", key=f"gmeet:{meeting.id}:hour")
            return 1
    return 0


def day_reminder_at(
    meeting: GroupMeeting, day_start: time, day_end: time, zone: ZoneInfo
) -> datetime:
    """The same clock time the day before (also across a change to or from summer time),
    moved into the day: before `day_start` it comes at `day_start`, after `day_end` an hour
    before `day_end`."""
    start = meeting.starts_at.astimezone(zone)
    day = start.date() - DAY_BEFORE
    moment = at_local(day, start.time().replace(tzinfo=None), zone)
    local = moment.astimezone(zone)
    if local.time() < day_start:
        return at_local(day, day_start, zone)
    if local.time() >= day_end:
        latest = (datetime.combine(day, day_end) - timedelta(hours=1)).time()
        return at_local(day, latest, zone)
    return moment


def _end(unit: Unit, group: PeerGroup, meeting: GroupMeeting, end: datetime) -> None:
    """Over: the individual answers go (the counts stay), the "how was it" poll follows in
    the day, and a series gets its next meeting."""
    meeting.status = GroupMeetingStatus.HELD
    meeting.ended_at = unit.now
    unit.session.execute(delete(GroupRsvp).where(col(GroupRsvp.meeting_id) == meeting.id))
    zone = groups.zone_of(unit, group)
    if unit.now - end < STALE_AFTER:  # not for one long past (the group was away meanwhile)
        group_posts.queue_poll(
            unit,
            group,
            GroupPollKind.MEETING,
            key=f"gpoll:meeting:{meeting.id}",
            meeting_id=meeting.id,
            due_at=unit.groups.next_day_moment(max(end, unit.now), zone),
        )
    if meeting.repeat_days:
        _next_of(unit, group, meeting)


def _next_of(unit: Unit, group: PeerGroup, meeting: GroupMeeting) -> GroupMeeting:
    """The next meeting of a series, announced the next day at the posting time."""
    zone = groups.zone_of(unit, group)
    clock = meeting.starts_at.astimezone(zone).time().replace(tzinfo=None)
    day = local_date(meeting.starts_at, zone) + timedelta(days=meeting.repeat_days)
    # The same local time (across a change to or from summer time), never in the past (after
    # an outage the series goes on from now).
    while at_local(day, clock, zone) <= unit.now:
        day += timedelta(days=meeting.repeat_days)
    starts_at = at_local(day, clock, zone)
    announce_day = local_date(unit.now, zone) + timedelta(days=1)
    announce_at = min(at_local(announce_day, unit.groups.post_time, zone), starts_at)
    following = GroupMeeting(
        group_id=group.id or 0,
        starts_at=starts_at,
        minutes=meeting.minutes,
        link=meeting.link,
        repeat_days=meeting.repeat_days,
        announce_at=unit.groups.next_day_moment(announce_at, zone),
        created_at=unit.now,
    )
    unit.session.add(following)
    unit.session.flush()
    return following


def coming_meetings(unit: Unit, group: PeerGroup, limit: int = 3) -> list[GroupMeeting]:
    return list(
        unit.session.exec(
            select(GroupMeeting)
            .where(
                GroupMeeting.group_id == group.id,
                GroupMeeting.status == GroupMeetingStatus.PLANNED,
            )
            .order_by(col(GroupMeeting.starts_at))
            .limit(limit)
        ).all()
    )
