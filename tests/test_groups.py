"""Peer groups, offline: linking with a code, leaving a group nobody linked, unlinking, the
welcome, commands that answer privately, meetings with their count and reminders, the weekly
posts in the day, poll totals in the digest, and what Telegram tells about the group."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.app import runtime_of, sweep_tick
from bot.group_edits import GroupEdits
from services.admin import AdminError, revoke_professional
from services.group_meetings import day_reminder_at, parse
from services.group_policy import GroupPolicy
from services.reachability import recipient_gone
from storage import retention
from storage.db import session_scope
from storage.models import (
    Client,
    ClientStatus,
    GroupLinkCode,
    GroupMeeting,
    GroupMeetingStatus,
    GroupPoll,
    GroupRsvp,
    GroupStatus,
    Invite,
    OutboxMessage,
    PeerGroup,
    Professional,
    RecipientKind,
)
from tests.factories import make_professional
from tests.offline import (
    group_chat,
    make_group_update,
    make_member_update,
    make_poll_update,
    user,
)
from tests.story import PRO, Story, add_client, bind_mirjam, texts

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ZONE = ZoneInfo("Europe/Amsterdam")
GROUP = group_chat(-4000000001, "Mantelzorg Noord")
ANJA = user(8001, "Anja")
BERT = user(8002, "Bert")
KEES = user(8003, "Kees")


async def code_for(story: Story) -> str:
    [made] = texts(await story.say(PRO, "/nieuwegroep"), chat=5001)
    return made.split("<code>")[1].split("</code>")[0]


async def linked(story: Story) -> list[Any]:
    """Mirjam made a code, added the bot to the group and linked it."""
    await bind_mirjam(story)
    code = await code_for(story)
    await story.send(make_member_update(GROUP, PRO, "left", "member"))
    return await story.say_in(GROUP, PRO, f"/koppel {code}")


def group_texts(calls: list[Any]) -> list[str]:
    return texts(calls, chat=GROUP["id"])


def one(story: Story, model: Any) -> Any:
    with session_scope(runtime_of(story.app).engine) as session:
        return session.execute(select(model)).scalars().first()


def rows(story: Story, model: Any) -> int:
    with session_scope(runtime_of(story.app).engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


@SQLITE
async def test_a_professional_links_a_group_with_a_one_time_code(story: Story) -> None:
    await bind_mirjam(story)
    code = await code_for(story)
    added = await story.send(make_member_update(GROUP, PRO, "left", "member"))
    [hello] = group_texts(added)
    assert "nog niet gekoppeld" in hello and "60 minuten" in hello
    # Someone else typing Mirjam's code gets nowhere, and is not told whose it is.
    [refused] = group_texts(await story.say_in(GROUP, ANJA, f"/koppel {code}"))
    assert "werkt niet" in refused and "Mirjam" not in refused
    calls = await story.say_in(GROUP, PRO, f"/koppel {code.lower()}")  # typed in lower case
    [done] = group_texts(calls)
    assert "hoor nu bij deze groep" in done
    [told] = texts(calls, chat=5001)
    assert "Mantelzorg Noord" in told and "gekoppeld" in told
    # The welcome's button is the group's carer link: a deep link, not used up by one.
    linked_message = next(
        c for c in calls if c.method == "sendMessage" and c.params.get("chat_id") == GROUP["id"]
    )
    markup = linked_message.params["reply_markup"]
    assert "t.me/duwtje_test_bot?start=" in markup["inline_keyboard"][0][0]["url"]
    group = one(story, PeerGroup)
    assert (group.status, group.professional_id, group.leave_at) == (GroupStatus.ACTIVE, 1, None)
    assert rows(story, GroupLinkCode) == 0  # used: gone
    # The code was one-time: a second group cannot be linked with it.
    other = group_chat(-4000000002, "Andere groep")
    await story.send(make_member_update(other, PRO, "left", "member"))
    assert (
        "werkt niet"
        in texts(await story.say_in(other, PRO, f"/koppel {code}"), chat=other["id"])[0]
    )


@SQLITE
async def test_an_expired_code_does_not_link(story: Story) -> None:
    await bind_mirjam(story)
    code = await code_for(story)
    story.clock.advance(timedelta(minutes=31))
    await story.send(make_member_update(GROUP, PRO, "left", "member"))
    [refused] = group_texts(await story.say_in(GROUP, PRO, f"/koppel {code}"))
    assert "verlopen" in refused
    assert one(story, PeerGroup).status == GroupStatus.PENDING
    # Housekeeping deletes the expired code (the dry run only counts it).
    with session_scope(runtime_of(story.app).engine) as session:
        dry = retention.apply(session.connection(), now=story.clock.now(), dry_run=True)
        assert dry["group_codes"] == 1
        retention.apply(session.connection(), now=story.clock.now(), dry_run=False)
    assert rows(story, GroupLinkCode) == 0


@SQLITE
async def test_a_group_nobody_links_is_left_politely_after_the_set_time(story: Story) -> None:
    await story.send(make_member_update(GROUP, ANJA, "left", "member"))
    assert [c.method for c in await story.tick() if c.method == "leaveChat"] == []
    story.clock.advance(timedelta(minutes=61))
    calls = await story.tick()
    [bye] = group_texts(calls)
    assert "Niemand heeft mij" in bye
    assert [c.params["chat_id"] for c in calls if c.method == "leaveChat"] == [GROUP["id"]]
    assert rows(story, PeerGroup) == 0
    assert await story.tick() == []  # once


@SQLITE
async def test_unlinking_leaves_the_group_and_deletes_what_was_stored(story: Story) -> None:
    await linked(story)
    await story.say(PRO, "/groepen")
    await story.press(PRO, f"gr:m:{one(story, PeerGroup).id}")
    await story.say(PRO, "12-03 19:30 https://meet.jit.si/noord elke week")
    assert rows(story, GroupMeeting) == 1 and rows(story, Invite) == 2  # Mirjam's own + carer link
    [not_yours] = group_texts(await story.say_in(GROUP, ANJA, "/ontkoppel"))
    assert "alleen de begeleider" in not_yours
    calls = await story.say_in(GROUP, PRO, "/ontkoppel")
    assert "ontkoppeld" in group_texts(calls)[0]
    assert [c.params["chat_id"] for c in calls if c.method == "leaveChat"] == [GROUP["id"]]
    assert (rows(story, PeerGroup), rows(story, GroupMeeting), rows(story, Invite)) == (0, 0, 1)
    assert "ontkoppeld" in texts(calls, chat=5001)[0]
    assert await story.tick() == []  # nothing queued for the group goes out afterwards


@SQLITE
async def test_new_members_get_one_welcome_and_at_night_in_the_morning(story: Story) -> None:
    await linked(story)
    calls = await story.send(make_group_update(GROUP, ANJA, new_chat_members=[ANJA]))
    [welcome] = group_texts(calls)
    assert "Welkom in de groep" in welcome and "Anja" not in welcome
    assert "blijft in de groep" in welcome and "alleen berichten die met /" in welcome
    # Several joining within ten minutes: still one welcome.
    assert (
        group_texts(await story.send(make_group_update(GROUP, BERT, new_chat_members=[BERT]))) == []
    )
    # At night (23:30 in Amsterdam) a welcome waits for the morning.
    story.clock.set(datetime(2026, 3, 2, 22, 30, tzinfo=UTC))
    assert (
        group_texts(await story.send(make_group_update(GROUP, KEES, new_chat_members=[KEES]))) == []
    )
    with session_scope(runtime_of(story.app).engine) as session:
        due = (
            session.execute(
                select(OutboxMessage.due_at)
                .where(OutboxMessage.kind == "group_welcome")
                .order_by(OutboxMessage.id.desc())  # type: ignore[union-attr]
            )
            .scalars()
            .first()
        )
    assert due is not None and due.astimezone(ZONE).time() == time(9, 0)
    # Others joining later that night (and early in the morning) share that one welcome.
    for hour, who in ((23, ANJA), (1, BERT), (7, user(8004, "Lies"))):
        story.clock.set(datetime(2026, 3, 2 if hour > 12 else 3, hour, 15, tzinfo=UTC))
        await story.send(make_group_update(GROUP, who, new_chat_members=[who]))
    story.clock.set(datetime(2026, 3, 3, 8, 1, tzinfo=UTC))
    welcomes = [t for t in group_texts(await story.tick()) if "Welkom" in t]
    assert len(welcomes) == 1


@SQLITE
async def test_commands_that_show_personal_data_answer_in_private(story: Story) -> None:
    await linked(story)
    calls = await story.say_in(GROUP, PRO, "/overzicht")
    [said] = group_texts(calls)
    assert said.startswith("Ik stuur je een privébericht.")
    assert texts(calls, chat=5001), "the overview came in her private chat"
    # Someone the bot cannot write to reads the same in the group (it must not tell who is
    # a client), with the button to start a private chat; nothing goes to them.
    calls = await story.say_in(GROUP, ANJA, "/mijngegevens")
    assert group_texts(calls) == [said]
    assert [c for c in calls if c.params.get("chat_id") == 8001] == []


def test_a_meeting_line_is_read_with_its_link_and_repeat() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert parse("12-03 19:30 https://meet.jit.si/noord elke week", now=now, zone=ZONE) == (
        datetime(2026, 3, 12, 18, 30, tzinfo=UTC),
        "https://meet.jit.si/noord",
        7,
    )
    assert parse("om de week 12-03 19:30 https://x.nl/a.", now=now, zone=ZONE) == (
        datetime(2026, 3, 12, 18, 30, tzinfo=UTC),
        "https://x.nl/a",
        14,
    )
    assert parse("12-03 19:30", now=now, zone=ZONE) is None  # no link
    assert parse("01-03 19:30 https://x.nl", now=now, zone=ZONE) is None  # in the past
    for with_day in ("do 12-03 19:30 https://x.nl", "Donderdag, 12-03 19:30 https://x.nl"):
        assert parse(with_day, now=now, zone=ZONE) == (
            datetime(2026, 3, 12, 18, 30, tzinfo=UTC),
            "https://x.nl",
            0,
        )


@pytest.mark.parametrize(
    ("starts_local", "reminder_local"),
    [
        (
            datetime(2026, 3, 12, 19, 30, tzinfo=ZONE),
            datetime(2026, 3, 11, 19, 30, tzinfo=ZONE),
        ),  # the same time
        (
            datetime(2026, 3, 12, 8, 0, tzinfo=ZONE),
            datetime(2026, 3, 11, 9, 0, tzinfo=ZONE),
        ),  # not before the day starts
        (
            datetime(2026, 3, 12, 21, 30, tzinfo=ZONE),
            datetime(2026, 3, 11, 20, 0, tzinfo=ZONE),
        ),  # not after it ends
        (
            datetime(2026, 3, 30, 19, 30, tzinfo=ZONE),
            datetime(2026, 3, 29, 19, 30, tzinfo=ZONE),
        ),  # summer time began
        (
            datetime(2026, 3, 29, 19, 30, tzinfo=ZONE),
            datetime(2026, 3, 28, 19, 30, tzinfo=ZONE),
        ),  # summer time begins in the night between: still 19:30 (23 hours before)
        (
            datetime(2026, 10, 25, 19, 30, tzinfo=ZONE),
            datetime(2026, 10, 24, 19, 30, tzinfo=ZONE),
        ),  # and ends: 25 hours before
    ],
)
def test_the_day_before_reminder_falls_in_the_day(
    starts_local: datetime, reminder_local: datetime
) -> None:
    policy = GroupPolicy()
    meeting = GroupMeeting(
        group_id=1,
        starts_at=starts_local.astimezone(UTC),
        link="https://x.nl",
        announce_at=datetime(2026, 3, 1, tzinfo=UTC),
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    found = day_reminder_at(meeting, policy.day_start, policy.day_end, ZONE)
    assert found == reminder_local


@SQLITE
async def test_a_recurring_meeting_is_announced_reminded_counted_and_asked_about(
    story: Story,
) -> None:
    await linked(story)
    group_id = one(story, PeerGroup).id
    await story.press(PRO, f"gr:m:{group_id}")
    [planned] = texts(await story.say(PRO, "05-03 19:30 https://meet.jit.si/noord elke week"))
    assert "donderdag 05-03 om 19:30" in planned and "elke week" in planned
    [announced] = [c for c in await story.tick() if c.params.get("chat_id") == GROUP["id"]]
    assert "Nieuwe bijeenkomst" in announced.params["text"]
    assert "Nog niemand" in announced.params["text"]
    buttons = dict(story.buttons(announced))
    yes, no = buttons["Ik kom"], buttons["Ik kom niet"]
    for who in (ANJA, BERT, KEES):
        calls = await story.press(who, yes, message_id=99, chat=GROUP)
    [edited] = texts(calls, "editMessageText")
    assert "3 mensen komen" in edited
    await story.press(ANJA, yes, message_id=99, chat=GROUP)  # twice: counted once
    calls = await story.press(BERT, no, message_id=99, chat=GROUP)  # changed her mind
    assert "2 mensen komen" in texts(calls, "editMessageText")[0]
    await story.send(make_group_update(GROUP, KEES, left_chat_member=KEES))
    meeting = one(story, GroupMeeting)
    assert (meeting.coming, meeting.not_coming) == (1, 1)
    # Wednesday 19:30: the day before; Thursday 18:30: an hour before.
    story.clock.set(datetime(2026, 3, 4, 18, 31, tzinfo=UTC))
    assert "Morgen" in group_texts(await story.tick())[0]
    story.clock.set(datetime(2026, 3, 5, 17, 31, tzinfo=UTC))
    assert "Over een uur" in group_texts(await story.tick())[0]
    assert group_texts(await story.tick()) == []  # each reminder once
    # 21:00 it is over: the answers go, the counts stay; the poll waits for the morning.
    story.clock.set(datetime(2026, 3, 5, 20, 1, tzinfo=UTC))
    calls = await story.tick()
    assert [c.method for c in calls if c.params.get("chat_id") == GROUP["id"]] == []
    assert rows(story, GroupRsvp) == 0
    story.clock.set(datetime(2026, 3, 6, 8, 1, tzinfo=UTC))
    calls = await story.tick()
    [poll] = [c for c in calls if c.method == "sendPoll"]
    assert poll.params["question"] == "Hoe was de bijeenkomst?" and poll.params["is_anonymous"]
    with session_scope(runtime_of(story.app).engine) as session:
        meetings = session.execute(select(GroupMeeting).order_by(GroupMeeting.id)).scalars().all()  # type: ignore[arg-type]
        assert [m.status for m in meetings] == ["held", "planned"]
        assert meetings[1].starts_at == datetime(2026, 3, 12, 18, 30, tzinfo=UTC)
    # The next one is announced the day after at the posting time (10:00).
    story.clock.set(datetime(2026, 3, 6, 9, 1, tzinfo=UTC))
    assert "Nieuwe bijeenkomst" in group_texts(await story.tick())[0]


@SQLITE
async def test_posts_come_in_the_day_one_a_day_and_varied(story: Story) -> None:
    await linked(story)
    group_id = one(story, PeerGroup).id
    await story.press(PRO, f"gr:p:{group_id}")
    await story.press(PRO, f"gr:pd:{group_id}:1")  # the question on Tuesdays
    await story.press(PRO, f"gr:ed:{group_id}:7")  # encouragement every 7 days (from Tuesday)
    await story.press(PRO, f"gr:wd:{group_id}:1")  # the poll on Tuesdays too
    posts: list[str] = []
    for day in range(3, 25):
        story.clock.set(datetime(2026, 3, day, 9, 5, tzinfo=UTC))  # 10:05 in Amsterdam
        calls = await story.tick()
        in_group = [
            c
            for c in calls
            if c.params.get("chat_id") == GROUP["id"] and c.method in ("sendMessage", "sendPoll")
        ]
        assert len(in_group) <= 1, f"one post a day ({day} March)"
        posts += [c.params.get("text") or c.params.get("question") for c in in_group]
    assert posts.count("Hoe zwaar was je week?") == 4  # every Tuesday: 3, 10, 17, 24 March
    prompts = [p for p in posts if "Vraag van de week" in p]
    assert len(prompts) >= 2 and len(set(prompts)) == len(prompts)  # never the same text
    # At night nothing goes: a post due at 23:00 waits for the morning.
    group = one(story, PeerGroup)
    with session_scope(runtime_of(story.app).engine) as session:
        session.get_one(PeerGroup, group.id).next_prompt_at = datetime(
            2026, 3, 30, 22, 0, tzinfo=UTC
        )
    story.clock.set(datetime(2026, 3, 30, 22, 1, tzinfo=UTC))
    assert group_texts(await story.tick()) == []
    assert one(story, PeerGroup).next_prompt_at.astimezone(ZONE).time() == time(9, 0)


@SQLITE
async def test_poll_totals_reach_the_digest_and_nothing_else_of_the_vote(story: Story) -> None:
    await linked(story)
    group_id = one(story, PeerGroup).id
    await story.press(PRO, f"gr:wd:{group_id}:1")
    story.clock.set(datetime(2026, 3, 3, 9, 5, tzinfo=UTC))
    [sent] = [c for c in await story.tick() if c.method == "sendPoll"]
    options = [o if isinstance(o, str) else o["text"] for o in sent.params["options"]]
    assert options == ["Licht", "Het ging wel", "Zwaar", "Heel zwaar"]
    [poll_id] = story.request.polls
    await story.send(make_poll_update(story.request.vote(poll_id, [1, 3, 2, 0])))
    assert one(story, GroupPoll).voters == 6
    # Thursday 10:10, 48 hours on: the poll ends, and the digest due since 08:30 has it.
    story.clock.set(datetime(2026, 3, 5, 9, 10, tzinfo=UTC))
    calls = await story.tick()
    assert [c.method for c in calls if c.method == "stopPoll"] == ["stopPoll"]
    [digest] = [t for t in texts(calls, chat=5001) if "Je groepen" in t]
    assert "Mantelzorg Noord" in digest
    assert (
        "Hoe zwaar was je week? (6 stemmen): Licht 1, Het ging wel 3, Zwaar 2, Heel zwaar 0"
        in digest
    )


@SQLITE
async def test_a_migrated_group_keeps_its_link_and_its_waiting_messages(story: Story) -> None:
    await linked(story)
    new = group_chat(-1002000000001, "Mantelzorg Noord")
    await story.send(make_group_update(GROUP, PRO, migrate_to_chat_id=new["id"]))
    await story.send(make_group_update(new, PRO, migrate_from_chat_id=GROUP["id"]))
    assert one(story, PeerGroup).chat_id == new["id"]
    calls = await story.send(make_group_update(new, ANJA, new_chat_members=[ANJA]))
    assert "Welkom" in texts(calls, chat=new["id"])[0]


@SQLITE
@pytest.mark.parametrize(
    ("new", "rights", "reason"),
    [("kicked", {}, "uit de groep gehaald"), ("restricted", {}, "geen berichten meer sturen")],
)
async def test_a_removed_or_muted_bot_marks_the_group_inactive_and_tells_once(
    story: Story, new: str, rights: dict[str, bool], reason: str
) -> None:
    await linked(story)
    await story.send(make_member_update(GROUP, ANJA, "member", new, **rights))
    assert one(story, PeerGroup).status == GroupStatus.INACTIVE
    [told] = texts(await story.tick(), chat=5001)
    assert reason in told and "Mantelzorg Noord" in told
    assert texts(await story.tick(), chat=5001) == []
    # Back (with the right to send): active again, and she hears it.
    calls = await story.send(make_member_update(GROUP, PRO, new, "member"))
    assert one(story, PeerGroup).status == GroupStatus.ACTIVE
    assert "weer in de groep" in texts(calls, chat=5001)[0]


def refused_send(story: Story, detail: str) -> None:
    """What the sender does when Telegram refuses a send to the group with `detail`."""
    group = one(story, PeerGroup)
    with session_scope(runtime_of(story.app).engine) as session:
        recipient_gone(
            session=session,
            recipient_kind=RecipientKind.GROUP,
            recipient_id=group.id,
            now=story.clock.now(),
            detail=detail,
        )


@SQLITE
@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        ("Forbidden: bot was kicked from the supergroup chat", "uit de groep gehaald"),
        ("BadRequest: not enough rights to send text messages to the chat", "geen berichten"),
        ("BadRequest: chat not found", "Telegram weigert"),
    ],
)
async def test_a_refused_send_tells_why_as_the_update_would(
    story: Story, detail: str, reason: str
) -> None:
    """A send can be refused before Telegram's my_chat_member update arrives: the professional
    hears the same reason either way."""
    await linked(story)
    refused_send(story, detail)
    assert one(story, PeerGroup).status == GroupStatus.INACTIVE
    [told] = texts(await story.tick(), chat=5001)
    assert reason in told


@SQLITE
async def test_the_update_after_a_refused_send_names_the_reason(story: Story) -> None:
    await linked(story)
    refused_send(story, "Forbidden: something new")
    await story.send(make_member_update(GROUP, ANJA, "member", "kicked"))
    [told] = texts(await story.tick(), chat=5001)
    assert "uit de groep gehaald" in told


@SQLITE
async def test_a_revoked_professionals_groups_and_carer_link_move_to_the_successor(
    story: Story,
) -> None:
    calls = await linked(story)
    linked_message = next(
        c for c in calls if c.method == "sendMessage" and c.params.get("chat_id") == GROUP["id"]
    )
    url = linked_message.params["reply_markup"]["inline_keyboard"][0][0]["url"]
    await code_for(story)  # an unused code: it dies with her access
    with (
        session_scope(runtime_of(story.app).engine) as session,
        pytest.raises(AdminError, match="1 peer group"),
    ):
        revoke_professional(
            session=session, professional_id=1, transfer_to=None, now=story.clock.now()
        )
    with session_scope(runtime_of(story.app).engine) as session:
        daan = make_professional(session, name="Daan", telegram_user_id=5002, chat_id=5002)
        revoked = revoke_professional(
            session=session, professional_id=1, transfer_to=daan.id, now=story.clock.now()
        )
        assert (revoked.clients, revoked.groups) == (0, 1)
        daan_id = daan.id
    assert one(story, PeerGroup).professional_id == daan_id
    assert rows(story, GroupLinkCode) == 0
    with session_scope(runtime_of(story.app).engine) as session:
        invite = session.execute(
            select(Invite).where(Invite.group_id.is_not(None))  # type: ignore[union-attr]
        ).scalar_one()
        assert (invite.professional_id, invite.revoked_at) == (daan_id, None)
    # The welcome's link still works for a new carer, and now leads to Daan.
    token = url.split("start=")[1]
    answer = texts(await story.say(KEES, f"/start {token}"), chat=KEES["id"])
    assert answer and not any("werkt niet" in text for text in answer), answer
    assert "Daan" in answer[0]


@SQLITE
async def test_a_meeting_or_its_series_is_cancelled_from_the_groups_page(story: Story) -> None:
    await linked(story)
    group_id = one(story, PeerGroup).id
    await story.press(PRO, f"gr:m:{group_id}")
    [again] = texts(await story.say(PRO, "donderdagavond ergens online"))
    assert "Dat begreep ik niet helemaal" in again and "<code>" in again
    [planned] = texts(await story.say(PRO, "05-03 19:30 https://meet.jit.si/noord elke week"))
    assert "elke week" in planned
    assert "Nieuwe bijeenkomst" in group_texts(await story.tick())[0]
    first = one(story, GroupMeeting).id
    # This one off: the group hears it, and the series goes on with the next week.
    calls = await story.press(PRO, f"gr:x:{first}")
    [off] = group_texts(calls)
    assert "Gaat niet door" in off and "05-03" in off
    with session_scope(runtime_of(story.app).engine) as session:
        meetings = session.execute(select(GroupMeeting).order_by(GroupMeeting.id)).scalars().all()  # type: ignore[arg-type]
        assert [m.status for m in meetings] == ["cancelled", "planned"]
        assert meetings[1].starts_at == datetime(2026, 3, 12, 18, 30, tzinfo=UTC)
        second = meetings[1].id
    # A stale button (the cancelled one again) changes nothing.
    calls = await story.press(PRO, f"gr:x:{first}")
    assert group_texts(calls) == []
    assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [
        "Deze knop werkt niet meer. Kijk bij het nieuwste bericht."
    ]
    # The whole series: nothing planned after it, and no announcement was made of the next
    # one yet, so the group hears nothing more.
    calls = await story.press(PRO, f"gr:X:{second}")
    assert group_texts(calls) == []
    with session_scope(runtime_of(story.app).engine) as session:
        statuses = session.execute(select(GroupMeeting.status)).scalars().all()
        assert sorted(statuses) == ["cancelled", "cancelled"]
    story.clock.set(datetime(2026, 3, 12, 17, 31, tzinfo=UTC))
    assert group_texts(await story.tick()) == []


@SQLITE
async def test_a_group_linked_by_an_english_speaking_professional_reads_english(
    story: Story,
) -> None:
    await bind_mirjam(story)
    with session_scope(runtime_of(story.app).engine) as session:
        session.execute(update(Professional).values(language="en"))
    code = await code_for(story)
    await story.send(make_member_update(GROUP, PRO, "left", "member"))
    [done] = group_texts(await story.say_in(GROUP, PRO, f"/koppel {code}"))
    assert "I now belong to this group" in done
    joined = await story.send(make_group_update(GROUP, ANJA, new_chat_members=[ANJA]))
    [welcome] = group_texts(joined)
    assert "Welcome" in welcome and "Welkom" not in welcome
    group_id = one(story, PeerGroup).id
    await story.press(PRO, f"gr:m:{group_id}")
    [planned] = texts(await story.say(PRO, "05-03 19:30 https://meet.jit.si/noord every week"))
    assert "Thursday" in planned and "every week" in planned


@SQLITE
@pytest.mark.parametrize(
    ("who", "data", "chat"),
    [
        (ANJA, "gm:y:99999999999999999999:new", GROUP),
        (ANJA, "gm:y:²:new", GROUP),
        (PRO, "gr:g:99999999999999999999", None),
        (PRO, "gr:pd:{gid}:²", None),
        (PRO, "gr:ed:{gid}:99999999999999999999", None),
        (PRO, "gr:x:-1", None),
    ],
)
async def test_forged_group_buttons_read_as_stale(
    story: Story, who: dict[str, Any], data: str, chat: dict[str, Any] | None
) -> None:
    await linked(story)
    gid = one(story, PeerGroup).id
    calls = await story.press(who, data.format(gid=gid), message_id=5, chat=chat)
    answers = [c.params.get("text") or "" for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1 and "werkt niet meer" in answers[0], calls
    assert not any("Oeps" in t for t in texts(calls)), "no error message"


def refuse_group_texts(story: Story) -> None:
    """Telegram refuses the bot's texts to the group (it was muted), as it does."""
    original = story.request._answer

    def answer(method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage" and int(params["chat_id"]) == GROUP["id"]:
            raise BadRequest("Not enough rights to send text messages to the chat")
        return original(method, params)

    story.request._answer = answer  # type: ignore[method-assign]


@SQLITE
async def test_a_muted_group_is_still_left_when_unlinked(story: Story) -> None:
    await linked(story)
    gid = one(story, PeerGroup).id
    await story.send(make_member_update(GROUP, ANJA, "member", "restricted"))
    await story.tick()
    refuse_group_texts(story)
    await story.press(PRO, f"gr:u:{gid}")
    calls = await story.press(PRO, f"gr:uy:{gid}")
    assert [c.params["chat_id"] for c in calls if c.method == "leaveChat"] == [GROUP["id"]]
    assert rows(story, PeerGroup) == 0


@SQLITE
async def test_a_muted_group_nobody_linked_is_still_left_at_its_time(story: Story) -> None:
    await story.send(make_member_update(GROUP, ANJA, "left", "member"))
    await story.send(make_member_update(GROUP, ANJA, "member", "restricted"))
    refuse_group_texts(story)
    story.clock.advance(timedelta(minutes=61))
    calls = await story.tick()
    assert [c.params["chat_id"] for c in calls if c.method == "leaveChat"] == [GROUP["id"]]
    assert rows(story, PeerGroup) == 0


@SQLITE
async def test_a_refused_poll_does_not_silence_the_group(story: Story) -> None:
    await linked(story)
    gid = one(story, PeerGroup).id
    await story.press(PRO, f"gr:wd:{gid}:1")  # the poll on Tuesdays
    story.request.errors["sendPoll"] = [BadRequest("Not enough rights to send polls to the chat")]
    story.clock.set(datetime(2026, 3, 3, 9, 5, tzinfo=UTC))
    await story.tick()
    assert story.request.errors["sendPoll"] == [], "the poll was tried"
    assert one(story, PeerGroup).status == GroupStatus.ACTIVE
    assert texts(await story.tick(), chat=5001) == [], "no 'I cannot send' to Mirjam"


def group_posts_at(story: Story, calls: list[Any]) -> list[tuple[str, str]]:
    """What reached the group, with the local time it went."""
    at = story.clock.now().astimezone(ZONE).strftime("%d %H:%M")
    return [
        (at, (c.params.get("text") or c.params.get("question") or "")[:30])
        for c in calls
        if c.params.get("chat_id") == GROUP["id"]
    ]


async def plan_meeting(story: Story, line: str) -> None:
    await story.press(PRO, f"gr:m:{one(story, PeerGroup).id}")
    await story.say(PRO, line)


@SQLITE
async def test_a_meeting_in_half_an_hour_is_announced_once_without_an_hour_reminder(
    story: Story,
) -> None:
    await linked(story)
    story.clock.set(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))  # 19:00 in Amsterdam
    await plan_meeting(story, "02-03 19:30 https://meet.jit.si/noord")
    posts: list[tuple[str, str]] = []
    for minute in range(0, 35):
        story.clock.set(datetime(2026, 3, 2, 18, 0, 30, tzinfo=UTC) + timedelta(minutes=minute))
        posts += group_posts_at(story, await story.tick())
    assert [text[:25] for _, text in posts] == ["<b>Nieuwe bijeenkomst</b>"]


@SQLITE
@pytest.mark.parametrize(
    ("planned_at", "line"),
    [
        (datetime(2026, 3, 2, 20, 10, tzinfo=UTC), "02-03 21:45 https://meet.jit.si/noord"),
        (datetime(2026, 3, 2, 21, 0, tzinfo=UTC), "03-03 08:30 https://meet.jit.si/noord"),
    ],
)
async def test_a_meeting_planned_late_for_soon_is_announced_at_once(
    story: Story, planned_at: datetime, line: str
) -> None:
    await linked(story)
    story.clock.set(planned_at)
    await plan_meeting(story, line)
    posts: list[tuple[str, str]] = []
    for step in range(0, 16 * 4):
        story.clock.set(planned_at + timedelta(minutes=1 + 15 * step))
        posts += group_posts_at(story, await story.tick())
    assert [text[:25] for _, text in posts] == [
        "<b>Nieuwe bijeenkomst</b>",
        "Hoe was de bijeenkomst?",
    ]
    assert posts[0][0] == (planned_at + timedelta(minutes=1)).astimezone(ZONE).strftime("%d %H:%M")


@SQLITE
async def test_a_migration_told_after_the_bot_joined_the_new_supergroup(story: Story) -> None:
    """Telegram can tell of the bot joining the new supergroup before the migration itself."""
    await linked(story)
    new = group_chat(-1002000000001, "Mantelzorg Noord")
    await story.send(make_member_update(new, PRO, "left", "member"))
    await story.send(make_group_update(GROUP, PRO, migrate_to_chat_id=new["id"]))
    await story.send(make_group_update(new, PRO, migrate_from_chat_id=GROUP["id"]))
    with session_scope(runtime_of(story.app).engine) as session:
        groups = session.execute(select(PeerGroup.chat_id, PeerGroup.status)).all()
    assert [tuple(g) for g in groups] == [(new["id"], GroupStatus.ACTIVE)]
    story.clock.advance(timedelta(minutes=61))
    calls = await story.tick()
    assert [c for c in calls if c.method == "leaveChat"] == [], "it stays in its own group"
    calls = await story.send(make_group_update(new, ANJA, new_chat_members=[ANJA]))
    assert "Welkom" in texts(calls, chat=new["id"])[0]


@SQLITE
async def test_linking_just_after_the_sweep_gave_up_keeps_the_bot_in(story: Story) -> None:
    await bind_mirjam(story)
    await story.send(make_member_update(GROUP, PRO, "left", "member"))
    story.clock.advance(timedelta(minutes=59))
    code = await code_for(story)
    story.clock.advance(timedelta(minutes=2))
    # The sweep queues its goodbye and the leave; the sender has not sent them yet...
    await sweep_tick(ContextTypes.DEFAULT_TYPE(application=story.app))
    # ...when she types the code.
    calls = await story.say_in(GROUP, PRO, f"/koppel {code}")
    assert [c for c in calls if c.method == "leaveChat"] == []
    assert ["hoor nu bij deze groep" in t for t in group_texts(calls)] == [True]
    assert one(story, PeerGroup).status == GroupStatus.ACTIVE


@SQLITE
async def test_a_stop_typed_in_a_group_does_not_stop_and_tells_nobody_who_is_a_client(
    story: Story,
) -> None:
    """/stop in a group may be meant for another bot there: it does not stop a client's
    coaching; she gets the help (which says how to stop) in her private chat."""
    await linked(story)
    carla = user(8101, "Carla")
    client_id = add_client(story, "Carla", carla["id"])
    calls = await story.say_in(GROUP, carla, "/stop")
    [said] = group_texts(calls)
    [private] = texts(calls, chat=carla["id"])
    assert "/stop" in private and "/pauze" in private
    assert texts(calls, chat=5001) == [], "nothing to her professional"
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.get_one(Client, client_id).status == ClientStatus.ACTIVE
    stranger = user(8102, "Stan")
    assert group_texts(await story.say_in(GROUP, stranger, "/stop")) == [said]


@SQLITE
async def test_restricted_but_not_in_the_group_is_not_back(story: Story) -> None:
    await linked(story)
    await story.send(make_member_update(GROUP, ANJA, "member", "kicked"))
    await story.tick()
    update_ = make_member_update(GROUP, ANJA, "kicked", "restricted", can_send_messages=True)
    update_["my_chat_member"]["new_chat_member"]["is_member"] = False
    calls = await story.send(update_)
    assert one(story, PeerGroup).status == GroupStatus.INACTIVE
    assert texts(calls, chat=5001) == []


@SQLITE
async def test_a_meeting_cancelled_at_night_is_told_in_the_morning(story: Story) -> None:
    await linked(story)
    await plan_meeting(story, "05-03 19:30 https://meet.jit.si/noord")
    assert "Nieuwe bijeenkomst" in group_texts(await story.tick())[0]
    story.clock.set(datetime(2026, 3, 2, 22, 30, tzinfo=UTC))  # 23:30 in Amsterdam
    calls = await story.press(PRO, f"gr:x:{one(story, GroupMeeting).id}")
    assert group_texts(calls) == []
    story.clock.set(datetime(2026, 3, 3, 8, 1, tzinfo=UTC))
    assert "Gaat niet door" in group_texts(await story.tick())[0]


@SQLITE
async def test_many_pressing_at_once_fold_into_few_edits_with_the_last_count(
    story: Story,
) -> None:
    """Strict pacing (20 a minute for a group): thirty "Ik kom" presses within the gap are
    one edit at once and one after, which shows all thirty."""
    await linked(story)
    runtime_of(story.app).group_edits = GroupEdits(gap_seconds=0.3)
    await plan_meeting(story, "05-03 19:30 https://meet.jit.si/noord")
    [announced] = [c for c in await story.tick() if c.params.get("chat_id") == GROUP["id"]]
    yes = dict(story.buttons(announced))["Ik kom"]
    edits: list[str] = []
    for number in range(30):
        calls = await story.press(user(9000 + number, "X"), yes, message_id=99, chat=GROUP)
        edits += texts(calls, "editMessageText")
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert len(answers) == 1, "every press is answered at once"
    assert len(edits) == 1 and "Nog niemand" not in edits[0]
    await runtime_of(story.app).group_edits.settle()
    later = texts(story.request.calls[-1:], "editMessageText")
    assert len(later) == 1 and "30 mensen komen" in later[0]


@SQLITE
async def test_a_rights_change_while_waiting_to_be_linked_does_not_restart_the_time(
    story: Story,
) -> None:
    await story.send(make_member_update(GROUP, ANJA, "left", "member"))
    story.clock.advance(timedelta(minutes=50))
    calls = await story.send(
        make_member_update(GROUP, ANJA, "member", "restricted", can_send_messages=True)
    )
    assert group_texts(calls) == [], "said once"
    story.clock.advance(timedelta(minutes=11))
    calls = await story.tick()
    assert [c.params["chat_id"] for c in calls if c.method == "leaveChat"] == [GROUP["id"]]


@SQLITE
async def test_a_group_back_after_weeks_is_not_asked_about_meetings_long_past(
    story: Story,
) -> None:
    await linked(story)
    await plan_meeting(story, "05-03 19:30 https://meet.jit.si/noord")
    await story.tick()
    await story.send(make_member_update(GROUP, ANJA, "member", "kicked"))
    await story.tick()
    story.clock.set(datetime(2026, 3, 30, 9, 0, tzinfo=UTC))
    await story.send(make_member_update(GROUP, PRO, "left", "member"))
    calls = await story.tick()
    story.clock.advance(timedelta(days=1))
    calls += await story.tick()
    assert [c for c in calls if c.method == "sendPoll"] == []
    assert one(story, GroupMeeting).status == GroupMeetingStatus.HELD


async def test_the_member_count_is_kept_as_a_number_at_linking_and_joins(story: Story) -> None:
    story.request.member_count = 6  # five people and the bot
    await linked(story)
    assert one(story, PeerGroup).members == 5
    story.request.member_count = 8
    await story.send(make_group_update(GROUP, ANJA, new_chat_members=[ANJA, BERT]))
    assert one(story, PeerGroup).members == 7
    story.request.member_count = 7
    await story.send(make_group_update(GROUP, BERT, left_chat_member=BERT))
    assert one(story, PeerGroup).members == 6
    asked = [c for c in story.request.calls if c.method == "getChatMemberCount"]
    assert len(asked) == 3 and all(c.params["chat_id"] == GROUP["id"] for c in asked)
