"""Peer groups of carers: linking a Telegram group to a professional, the welcome, and what
Telegram tells about the group (the bot added or removed, its rights, a migration, members).

The group is a chat, never a person: nothing about its members is stored, and everything the bot
posts there is a group template without a name in it (services/group_guard.py). Meetings are in
services/group_meetings.py, prompts and polls in services/group_posts.py, the professional's
screens in services/group_admin.py.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlmodel import col, select

from services.audit import audit
from services.invites import deep_link
from services.messages import Button, Keyboard, Outgoing, keyboard
from services.people import Person
from services.recipients import to_professional
from services.unit import Unit
from storage import outbox
from storage.invites import create_invite
from storage.models import (
    GroupLinkCode,
    GroupMeeting,
    GroupMeetingStatus,
    GroupRsvp,
    GroupStatus,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    PeerGroup,
    Professional,
    RecipientKind,
    Role,
)
from storage.outbox import PRIORITY_PERSONAL, PRIORITY_REPLY

log = logging.getLogger(__name__)

# Letters and digits nobody mixes up when typing them over (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# A group's carer link holds as long as the group is linked (it goes with the group).
GROUP_LINK_VALID = timedelta(days=3653)
DEFAULT_ZONE = "Europe/Amsterdam"  # a group nobody linked has no organisation yet


def group_of(unit: Unit, chat_id: int) -> PeerGroup | None:
    return unit.session.exec(select(PeerGroup).where(PeerGroup.chat_id == chat_id)).first()


def to_group(
    unit: Unit,
    group: PeerGroup,
    *,
    kind: str,
    message: Outgoing,
    key: str | None = None,
    due_at: datetime | None = None,
    priority: int = PRIORITY_REPLY,
) -> None:
    """Queue a group template (never personal: the guard in Unit.send holds it to that)."""
    unit.send(
        chat_id=group.chat_id,
        recipient_kind=RecipientKind.GROUP,
        recipient_id=group.id,
        kind=kind,
        message=message,
        personal=False,
        key=key,
        due_at=due_at,
        priority=priority,
    )


def say(
    unit: Unit,
    group: PeerGroup,
    template: str,
    *,
    buttons: Keyboard = (),
    reply_to: int | None = None,
    key: str | None = None,
    due_at: datetime | None = None,
    **values: object,
) -> None:
    """A group template in the group's language."""
    to_group(
        unit,
        group,
        kind=template,
        message=Outgoing(
            text=unit.render(template, group.language, **values),
            buttons=buttons,
            reply_to=reply_to,
        ),
        key=key,
        due_at=due_at,
    )


# -- linking -----------------------------------------------------------------------------------


def _hash_code(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normal.encode("ascii", "ignore")).hexdigest()


def new_code(unit: Unit, professional: Professional) -> None:
    """/nieuwegroep: a one-time code to type in the group (`/koppel CODE`)."""
    assert professional.id is not None
    unit.session.execute(
        delete(GroupLinkCode).where(
            col(GroupLinkCode.professional_id) == professional.id,
            col(GroupLinkCode.expires_at) <= unit.now,
        )
    )
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    code = f"{raw[:4]}-{raw[4:]}"
    unit.session.add(
        GroupLinkCode(
            professional_id=professional.id,
            code_hash=_hash_code(code),
            created_at=unit.now,
            expires_at=unit.now + unit.groups.code_valid,
        )
    )
    to_professional(
        unit,
        professional,
        kind="group_code",
        text=unit.render(
            "group_code",
            professional.language,
            code=code,
            minutes=int(unit.groups.code_valid.total_seconds() // 60),
        ),
    )


def bot_added(unit: Unit, chat_id: int, title: str | None, person: Person | None) -> None:
    """The bot is (again) in a group. A linked group that had gone inactive comes back; a
    group nobody linked hears how to link it, and that the bot leaves if nobody does."""
    group = group_of(unit, chat_id)
    if group is not None and group.professional_id is not None:
        if group.status == GroupStatus.INACTIVE:
            group.status = GroupStatus.ACTIVE
            group.inactive_since = group.inactive_reason = group.inactive_told_at = None
            professional = unit.session.get_one(Professional, group.professional_id)
            to_professional(
                unit,
                professional,
                kind="group_back",
                text=unit.render(
                    "group_back", professional.language, title=group_title(unit, group)
                ),
            )
        if title:
            group.title_enc = unit.cipher.encrypt(title)
        return
    if group is not None:
        return  # waiting to be linked already (its rights changed): its time runs on
    group = PeerGroup(
        chat_id=chat_id,
        status=GroupStatus.PENDING,
        language=person.language if person is not None else "nl",
        created_at=unit.now,
        leave_at=unit.now + unit.groups.leave_after,
    )
    unit.session.add(group)
    unit.session.flush()
    say(unit, group, "group_not_linked", minutes=_minutes_left(unit, group))


def _minutes_left(unit: Unit, group: PeerGroup) -> int:
    if group.leave_at is None:
        return 0
    return max(1, int((group.leave_at - unit.now).total_seconds() // 60))


def link(
    unit: Unit,
    person: Person,
    *,
    chat_id: int,
    code: str,
    title: str | None,
    bot_username: str,
    message_id: int | None,
) -> None:
    """/koppel CODE in a group, by the professional who made the code."""
    group = group_of(unit, chat_id)
    if group is None:  # the bot never saw itself added (an old group): it is here now
        group = PeerGroup(
            chat_id=chat_id,
            status=GroupStatus.PENDING,
            language=person.language,
            created_at=unit.now,
        )
        unit.session.add(group)
        unit.session.flush()
    found = (
        unit.session.exec(
            select(GroupLinkCode).where(GroupLinkCode.code_hash == _hash_code(code))
        ).first()
        if code
        else None
    )
    professional = (
        unit.session.get(Professional, found.professional_id) if found is not None else None
    )
    if (
        found is None
        or found.expires_at <= unit.now
        or professional is None
        or professional.revoked_at is not None
        or professional.telegram_user_id != person.telegram_user_id
    ):
        # Whose code it was is not said: a code typed by someone else tells them nothing.
        log.info("a group link code was refused (unknown, expired or not the typist's own)")
        say(unit, group, "group_code_bad", reply_to=message_id)
        return
    if group.professional_id is not None and group.professional_id != professional.id:
        say(unit, group, "group_not_yours", reply_to=message_id)
        return
    unit.session.delete(found)
    # Linked just as the sweep gave up on it: the goodbye and the leave it queued are off.
    unit.session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.chat_id) == chat_id,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.kind).in_(("group_leaving", outbox.LEAVE_KIND)),
        )
        .values(status=OutboxStatus.FAILED, last_error="linked after all")
    )
    first_time = group.professional_id is None
    group.status = GroupStatus.ACTIVE
    group.organisation_id = professional.organisation_id
    group.professional_id = professional.id
    group.language = professional.language
    group.linked_at = group.linked_at or unit.now
    group.leave_at = None
    group.inactive_since = group.inactive_reason = group.inactive_told_at = None
    if title:
        group.title_enc = unit.cipher.encrypt(title)
    if first_time:
        _make_join_link(unit, group, professional)
    audit(
        unit,
        actor=("professional", professional.id),
        action="group_linked",
        subject=("group", group.id),
    )
    say(unit, group, "group_linked", buttons=private_button(unit, group, bot_username))
    to_professional(
        unit,
        professional,
        kind="group_linked_pro",
        priority=PRIORITY_PERSONAL,
        text=unit.render("group_linked_pro", professional.language, title=group_title(unit, group)),
        buttons=keyboard(
            [[Button(unit.label("groups.open", professional.language), data=f"gr:g:{group.id}")]]
        ),
    )


def _make_join_link(unit: Unit, group: PeerGroup, professional: Professional) -> None:
    line = unit.groups.line_key if unit.groups.line_key in unit.content.lines else None
    assert group.id is not None
    _, token = create_invite(
        session=unit.session,
        organisation_id=professional.organisation_id,
        role=Role.CARER,
        now=unit.now,
        professional_id=professional.id,
        line_key=line,
        group_id=group.id,
        valid_for=GROUP_LINK_VALID,
    )
    group.join_token_enc = unit.cipher.encrypt(token)


def private_button(unit: Unit, group: PeerGroup, bot_username: str) -> Keyboard:
    """ "Privé met Duwtje": the group's carer link, or the bot's chat when there is none."""
    token = unit.cipher.decrypt(group.join_token_enc) if group.join_token_enc else None
    url = deep_link(bot_username, token) if token else f"https://t.me/{bot_username}"
    return keyboard([[Button(unit.label("groups.private", group.language), url=url)]])


def unlink(
    unit: Unit, group: PeerGroup, *, by: Professional, message_id: int | None = None
) -> None:
    """/ontkoppel (in the group) or "Ontkoppelen" (in the private chat): the bot says goodbye
    and leaves; what was stored about the group goes (its meetings, polls and carer link by
    the database's cascade), and nothing that waited for it is sent."""
    _drop_waiting(unit, group)
    say(unit, group, "group_unlinked", reply_to=message_id, key=f"group:{group.id}:unlinked")
    to_group(
        unit,
        group,
        kind=outbox.LEAVE_KIND,
        message=Outgoing(text="", leave=True),
        key=f"group:{group.id}:leave:unlinked",
    )
    audit(unit, actor=("professional", by.id), action="group_unlinked", subject=("group", group.id))
    to_professional(
        unit,
        by,
        kind="group_unlinked_pro",
        text=unit.render("group_unlinked_pro", by.language, title=group_title(unit, group)),
    )
    unit.session.delete(group)


def unlink_command(unit: Unit, person: Person, *, chat_id: int, message_id: int | None) -> None:
    group = group_of(unit, chat_id)
    if group is None or group.professional_id is None:
        if group is not None:
            say(unit, group, "group_not_linked", minutes=_minutes_left(unit, group))
        return
    professional = unit.session.get_one(Professional, group.professional_id)
    if professional.telegram_user_id != person.telegram_user_id:
        say(unit, group, "group_not_yours", reply_to=message_id)
        return
    unlink(unit, group, by=professional, message_id=message_id)


def _drop_waiting(unit: Unit, group: PeerGroup) -> None:
    assert group.id is not None
    outbox.cancel_pending(
        session=unit.session,
        recipient_kind=RecipientKind.GROUP,
        recipient_id=group.id,
        reason="group unlinked or gone",
        now=unit.now,
    )


def leave_unlinked(unit: Unit) -> int:
    """The sweep: groups nobody linked in time are left, politely."""
    due = unit.session.exec(
        select(PeerGroup).where(
            PeerGroup.status == GroupStatus.PENDING,
            col(PeerGroup.leave_at) <= unit.now,
        )
    ).all()
    for group in due:
        say(unit, group, "group_leaving", key=f"group:{group.id}:leaving")
        to_group(
            unit,
            group,
            kind=outbox.LEAVE_KIND,
            message=Outgoing(text="", leave=True),
            key=f"group:{group.id}:leave:unlinked-timeout",
        )
        unit.session.delete(group)
    return len(due)


# -- what Telegram tells -------------------------------------------------------------------------


def bot_gone(unit: Unit, chat_id: int, *, reason: str) -> None:
    """The bot was removed (`removed`) or may no longer send there (`rights`)."""
    group = group_of(unit, chat_id)
    if group is None:
        return
    if group.professional_id is None:
        if reason == "removed":
            unit.session.delete(group)  # nobody linked it: nothing to keep
        # Muted but still in it: the sweep leaves it at its time, as any unlinked group.
        return
    went_inactive(unit, group, reason=reason)


def went_inactive(unit: Unit, group: PeerGroup, *, reason: str) -> None:
    if group.status != GroupStatus.INACTIVE:
        group.status = GroupStatus.INACTIVE
        group.inactive_since = unit.now
        group.inactive_reason = reason
        group.inactive_told_at = None
    elif group.inactive_told_at is None:
        # A refused send marked it first; Telegram's own update knows better why.
        group.inactive_reason = reason
    _drop_waiting(unit, group)


def tell_inactive(unit: Unit) -> int:
    """The sweep: each professional hears once that a group of theirs went inactive (removed,
    rights taken, or Telegram refusing the sends), and how to bring it back."""
    due = unit.session.exec(
        select(PeerGroup).where(
            PeerGroup.status == GroupStatus.INACTIVE,
            col(PeerGroup.inactive_told_at).is_(None),
            col(PeerGroup.professional_id).is_not(None),
        )
    ).all()
    for group in due:
        group.inactive_told_at = unit.now
        professional = unit.session.get_one(Professional, group.professional_id)
        to_professional(
            unit,
            professional,
            kind="group_inactive",
            priority=PRIORITY_PERSONAL,
            key=f"group:{group.id}:inactive:{(group.inactive_since or unit.now).isoformat()}",
            text=unit.render(
                "group_inactive",
                professional.language,
                title=group_title(unit, group),
                reason=group.inactive_reason or "gone",
            ),
        )
    return len(due)


def migrated(unit: Unit, *, old_chat_id: int, new_chat_id: int) -> None:
    """The group became a supergroup: the same group under a new id, and what waits for it
    goes there (both service messages come; the second finds it done). Telegram may tell of
    the bot "joining" the new supergroup first: that stand-in row gives way to the group."""
    group = group_of(unit, old_chat_id)
    if group is None:
        return
    stand_in = group_of(unit, new_chat_id)
    if stand_in is not None:
        if stand_in.professional_id is not None:
            return  # linked on its own already: leave both as they are
        _drop_waiting(unit, stand_in)  # "not linked yet" and the leave: not any more
        unit.session.delete(stand_in)
        unit.session.flush()
    group.chat_id = new_chat_id
    unit.session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.chat_id) == old_chat_id,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
        )
        .values(chat_id=new_chat_id)
    )
    log.info("group %s became a supergroup; its id changed", group.id)


def members_joined(unit: Unit, chat_id: int, *, bot_username: str) -> None:
    """Someone joined: one welcome (several joining within `welcome_gap`: still one), in the
    day; at night it waits for the morning."""
    group = group_of(unit, chat_id)
    if group is None or group.status != GroupStatus.ACTIVE:
        return
    if (
        group.last_welcome_at is not None
        and unit.now - group.last_welcome_at < unit.groups.welcome_gap
    ):
        return
    # When it goes, not when they joined: everyone who joins in the night shares the
    # morning's welcome.
    due_at = unit.groups.next_day_moment(unit.now, zone_of(unit, group))
    group.last_welcome_at = due_at
    say(
        unit,
        group,
        "group_welcome",
        buttons=private_button(unit, group, bot_username),
        due_at=due_at,
    )


def member_left(unit: Unit, chat_id: int, telegram_user_id: int) -> None:
    """Someone left: their "ik kom" no longer counts for the meetings to come."""
    group = group_of(unit, chat_id)
    if group is None:
        return
    meetings = unit.session.exec(
        select(GroupMeeting).where(
            GroupMeeting.group_id == group.id,
            GroupMeeting.status == GroupMeetingStatus.PLANNED,
        )
    ).all()
    for meeting in meetings:
        member = member_pseudonym(unit, meeting, telegram_user_id)
        unit.session.execute(
            delete(GroupRsvp).where(
                col(GroupRsvp.meeting_id) == meeting.id, col(GroupRsvp.member) == member
            )
        )
        recount(unit, meeting)


def count_members(unit: Unit, chat_id: int, count: int) -> None:
    """Telegram's member count (asked when the group is linked and when someone joins or
    leaves), less the bot itself: the report's "members". Only a number is kept."""
    group = group_of(unit, chat_id)
    if group is not None:
        group.members = max(count - 1, 0)


def member_pseudonym(unit: Unit, meeting: GroupMeeting, telegram_user_id: int) -> str:
    return unit.cipher.pseudonym(f"meeting:{meeting.id}:{telegram_user_id}")


def recount(unit: Unit, meeting: GroupMeeting) -> None:
    unit.session.flush()
    answers = unit.session.exec(
        select(GroupRsvp.coming).where(GroupRsvp.meeting_id == meeting.id)
    ).all()
    meeting.coming = sum(1 for coming in answers if coming)
    meeting.not_coming = sum(1 for coming in answers if not coming)


def help_in_group(unit: Unit, chat_id: int, *, bot_username: str, message_id: int | None) -> None:
    group = group_of(unit, chat_id)
    if group is None:
        return
    if group.status == GroupStatus.PENDING:
        say(unit, group, "group_not_linked", minutes=_minutes_left(unit, group))
        return
    say(
        unit,
        group,
        "group_help",
        reply_to=message_id,
        buttons=private_button(unit, group, bot_username),
    )


def private_only(unit: Unit, chat_id: int, *, bot_username: str, message_id: int | None) -> None:
    """A command that would show something personal, typed in a group: the group hears only
    "I'll send you a private message", with a button to start one. The same words for
    everyone: what the group reads must not tell who is a client. The caller then answers
    in the private chat, if the bot may write there."""
    group = group_of(unit, chat_id)
    if group is None or group.status == GroupStatus.INACTIVE:
        return
    button = Button(
        unit.label("groups.private", group.language), url=f"https://t.me/{bot_username}"
    )
    say(unit, group, "group_private_sent", reply_to=message_id, buttons=((button,),))


def group_title(unit: Unit, group: PeerGroup) -> str:
    """The group's name as Telegram gave it (kept encrypted: people name groups after
    places and people)."""
    return unit.name(group.title_enc) if group.title_enc else "?"


def zone_of(unit: Unit, group: PeerGroup) -> ZoneInfo:
    if group.organisation_id is None:
        return ZoneInfo(DEFAULT_ZONE)
    return ZoneInfo(unit.session.get_one(Organisation, group.organisation_id).time_zone)
