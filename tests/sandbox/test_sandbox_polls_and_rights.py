"""Polls (people voting, the bot stopping them) and the bot's right to send in a group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Bot, ChatMemberMember, ChatMemberRestricted, Message, Update
from telegram.error import BadRequest, NetworkError

from bot.sandbox import Limits, SandboxClient, SandboxError, SandboxThread, Window
from bot.sandbox.shapes import ChatView, UserView
from bot.sandbox.spec import Spec

TOKEN = "1:T"  # the conftest bot's token; its id, 1, is the bot's user id


async def _new_updates(bot: Bot) -> tuple[Update, ...]:
    """Updates since the last call, confirming them."""
    updates = await bot.get_updates()
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1)
    return updates


@pytest.fixture
async def group(bot: Bot, client: SandboxClient) -> ChatView:
    coach = await client.create_user("Coach")
    parent = await client.create_user("Ouder")
    chat = await client.create_group("Ouders Noord", members=[coach["id"], parent["id"]])
    await _new_updates(bot)  # the bot's arrival
    return chat


async def _poll(bot: Bot, chat_id: int, **options: Any) -> Message:
    return await bot.send_poll(chat_id, "Wanneer trainen?", ["di", "do", "za"], **options)


# --- voting -----------------------------------------------------------------------------------


async def test_it_counts_votes_and_names_the_voters_of_a_public_poll(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach, parent = group["members"]
    sent = await _poll(bot, group["id"], is_anonymous=False, allows_multiple_answers=True)
    first = await client.vote(coach, group["id"], sent.message_id, [2, 0])
    second = await client.vote(parent, group["id"], sent.message_id, [2])
    poll_1, answer_1, poll_2, answer_2 = await _new_updates(bot)
    assert (first["update_id"], second["update_id"]) == (poll_1.update_id, poll_2.update_id)
    assert [o.voter_count for o in poll_1.poll.options] == [1, 0, 1]
    assert poll_1.poll.total_voter_count == 1
    assert [o.voter_count for o in poll_2.poll.options] == [1, 0, 2]
    assert poll_2.poll.total_voter_count == 2 and poll_2.poll.id == sent.poll.id
    assert (answer_1.poll_answer.user.id, answer_1.poll_answer.option_ids) == (coach, (0, 2))
    assert (answer_2.poll_answer.user.id, answer_2.poll_answer.option_ids) == (parent, (2,))
    assert answer_2.poll_answer.poll_id == sent.poll.id

    votes = [e for e in await client.events() if e["kind"] == "vote"]
    assert [(e["user_id"], e["data"]) for e in votes] == [
        (coach, {"poll_id": sent.poll.id, "option_ids": [0, 2]}),
        (parent, {"poll_id": sent.poll.id, "option_ids": [2]}),
    ]


async def test_it_retracts_a_vote_in_an_anonymous_poll(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await _new_updates(bot)  # the Start
    sent = await _poll(bot, anna["id"])
    voted = await client.vote(anna["id"], None, sent.message_id, [1])
    retracted = await client.vote(anna["id"], None, sent.message_id, [])
    assert voted["chat_id"] == anna["id"]
    after_vote, after_retraction = await _new_updates(bot)  # anonymous: no poll_answer
    assert after_vote.update_id == voted["update_id"]
    assert [o.voter_count for o in after_vote.poll.options] == [0, 1, 0]
    assert after_retraction.update_id == retracted["update_id"]
    assert [o.voter_count for o in after_retraction.poll.options] == [0, 0, 0]
    assert after_retraction.poll.total_voter_count == 0
    with pytest.raises(SandboxError, match="has no vote to retract") as again:
        await client.vote(anna["id"], None, sent.message_id, [])
    assert again.value.status == 409


async def test_it_changes_a_vote_and_counts_each_voter_once(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach, _ = group["members"]
    sent = await _poll(bot, group["id"], is_anonymous=False)
    await client.vote(coach, group["id"], sent.message_id, [0])
    await client.vote(coach, group["id"], sent.message_id, [1])
    *_, last_poll, last_answer = await _new_updates(bot)
    assert [o.voter_count for o in last_poll.poll.options] == [0, 1, 0]
    assert last_poll.poll.total_voter_count == 1
    assert last_answer.poll_answer.option_ids == (1,)


async def test_it_refuses_votes_a_telegram_client_would_not_offer(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach, _ = group["members"]
    single = await _poll(bot, group["id"])
    multiple = await _poll(bot, group["id"], allows_multiple_answers=True)
    text = await bot.send_message(group["id"], "Geen peiling")
    outsider = await client.create_user("Buiten")
    refusals = [
        (coach, single.message_id, [0, 1], 409, "allows one answer only"),
        (coach, single.message_id, [3], 400, "option 3 is not one of the poll's 0-2"),
        (coach, multiple.message_id, [1, 1], 400, "option_ids has duplicates"),
        (coach, 999, [0], 404, "no message 999"),
        (coach, text.message_id, [0], 409, "is not the bot's poll"),
        (outsider["id"], single.message_id, [0], 409, "is not a member"),
    ]
    for user_id, message_id, option_ids, status, reason in refusals:
        with pytest.raises(SandboxError, match=reason) as refused:
            await client.vote(user_id, group["id"], message_id, option_ids)
        assert refused.value.status == status
    assert await _new_updates(bot) == ()
    assert not [e for e in await client.events() if e["kind"] == "vote"]


async def test_it_keeps_votes_out_of_updates_the_bot_did_not_allow(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach, parent = group["members"]
    sent = await _poll(bot, group["id"], is_anonymous=False)
    await bot.get_updates(allowed_updates=["poll_answer"])
    answered = await client.vote(coach, group["id"], sent.message_id, [0])
    [update] = await _new_updates(bot)
    assert update.poll_answer is not None and update.update_id == answered["update_id"]
    await bot.get_updates(allowed_updates=["message"])
    unheard = await client.vote(parent, group["id"], sent.message_id, [1])
    assert unheard["update_id"] is None
    assert await _new_updates(bot) == ()


# --- stopPoll ---------------------------------------------------------------------------------


async def test_it_stops_a_poll_once_and_then_refuses_votes(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach, _ = group["members"]
    sent = await _poll(bot, group["id"])
    await client.vote(coach, group["id"], sent.message_id, [2])
    stopped = await bot.stop_poll(group["id"], sent.message_id)
    assert stopped.is_closed and stopped.id == sent.poll.id
    assert [o.voter_count for o in stopped.options] == [0, 0, 1]
    _, closing = await _new_updates(bot)
    assert closing.poll.is_closed and closing.poll.total_voter_count == 1

    with pytest.raises(SandboxError, match="is closed") as closed:
        await client.vote(coach, group["id"], sent.message_id, [0])
    assert closed.value.status == 409
    with pytest.raises(BadRequest, match=r"^Poll has already been closed$"):
        await bot.stop_poll(group["id"], sent.message_id)
    [event] = [e for e in await client.events() if e["kind"] == "poll_stopped"]
    assert event["data"] == {"poll_id": sent.poll.id}
    assert event["message"] is not None and event["message"]["message_id"] == sent.message_id


async def test_it_stops_only_a_poll_the_bot_sent_there(
    bot: Bot, client: SandboxClient, group: ChatView, api: str
) -> None:
    coach, _ = group["members"]
    text = await bot.send_message(group["id"], "Geen peiling")
    mine = await client.text(coach, "/rooster", chat_id=group["id"])
    async with httpx.AsyncClient() as http:
        for message_id in (text.message_id, mine["message_id"], 999):
            params = {"chat_id": group["id"], "message_id": message_id}
            answer = await http.post(f"{api}/stopPoll", data=params)
            assert answer.status_code == 400
            assert answer.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message with poll to stop not found",
            }


async def test_it_faults_stop_poll_like_an_edit(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    sent = await _poll(bot, anna["id"])
    await client.add_fault("server_error")  # method "send": the send-like ones, once
    with pytest.raises(NetworkError, match=r"(?i)internal server error"):
        await bot.stop_poll(anna["id"], sent.message_id)
    assert (await bot.stop_poll(anna["id"], sent.message_id)).is_closed
    faulted = [r["method"] for r in await client.requests() if r["fault"]]
    assert faulted == ["stopPoll"]


@pytest.fixture
def strict() -> Any:
    limits = Limits(overall=Window(2, 30.0), per_chat=Window(1, 30.0))
    with SandboxThread(strict=True, limits=limits) as running:
        yield running


async def test_it_counts_stop_poll_in_the_overall_window_only(strict: SandboxThread) -> None:
    async with (
        SandboxClient(strict.url) as client,
        Bot(TOKEN, base_url=strict.bot_api_base_url) as bot,
    ):
        person = await client.create_user("Anna")
        await client.start(person["id"])
        sent = await _poll(bot, person["id"])  # fills the per-chat window
        assert (await bot.stop_poll(person["id"], sent.message_id)).is_closed
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                f"{strict.bot_api_base_url}{TOKEN}/stopPoll",
                data={"chat_id": person["id"], "message_id": sent.message_id},
            )
        assert answer.status_code == 429  # the overall window (2) is full now
        assert (await client.stats())["per_method"]["stopPoll"] == 2


# --- the bot's rights -------------------------------------------------------------------------


async def test_it_restricts_the_bot_and_refuses_its_sends(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach, parent = group["members"]
    earlier_text = await bot.send_message(group["id"], "Welkom")
    earlier_poll = await _poll(bot, group["id"])
    restricted = await client.set_bot_rights(group["id"], parent, False)
    [update] = await _new_updates(bot)
    assert update.update_id == restricted["update_id"]
    change = update.my_chat_member
    assert change.from_user.id == parent and change.chat.id == group["id"]
    assert isinstance(change.old_chat_member, ChatMemberMember)
    assert isinstance(change.new_chat_member, ChatMemberRestricted)
    assert change.new_chat_member.status == "restricted"
    assert change.new_chat_member.can_send_messages is False
    assert change.new_chat_member.is_member is True
    assert (await client.chat(group["id"]))["bot_status"] == "restricted"

    refused = [
        (bot.send_message(group["id"], "Hallo"), "text messages"),
        (bot.send_photo(group["id"], b"\x89PNG"), "photos"),
        (bot.send_document(group["id"], b"%PDF", filename="a.pdf"), "documents"),
        (bot.send_voice(group["id"], b"OggS"), "voice notes"),
        (_poll(bot, group["id"]), "polls"),
    ]
    for call, what in refused:
        with pytest.raises(BadRequest, match=rf"^Not enough rights to send {what} to the chat$"):
            await call
    assert len(await client.messages(group["id"])) == 3  # the bot's arrival and its 2 messages

    # Still a member: it reads commands, may edit, stop its poll, show typing and look itself up.
    await client.text(coach, "/rooster", chat_id=group["id"])
    [command] = await _new_updates(bot)
    assert command.message.text == "/rooster"
    assert await bot.send_chat_action(group["id"], "typing")
    edited = await bot.edit_message_text("Welkom!", group["id"], earlier_text.message_id)
    assert edited.text == "Welkom!"
    assert (await bot.stop_poll(group["id"], earlier_poll.message_id)).is_closed
    me = await bot.get_chat_member(group["id"], 1)
    assert isinstance(me, ChatMemberRestricted) and me.can_send_polls is False
    events = [e for e in await client.events() if e["kind"] == "bot_rights"]
    assert [(e["user_id"], e["data"]) for e in events] == [(parent, {"can_send_messages": False})]


async def test_it_gives_the_bot_its_rights_back(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach, _ = group["members"]
    await client.set_bot_rights(group["id"], coach, False)
    with pytest.raises(SandboxError, match="already may not send") as again:
        await client.set_bot_rights(group["id"], coach, False)
    assert again.value.status == 409
    await client.set_bot_rights(group["id"], coach, True)
    _, freed = await _new_updates(bot)
    assert isinstance(freed.my_chat_member.old_chat_member, ChatMemberRestricted)
    assert isinstance(freed.my_chat_member.new_chat_member, ChatMemberMember)
    assert (await bot.send_message(group["id"], "Hallo")).text == "Hallo"
    assert (await client.chat(group["id"]))["bot_status"] == "member"
    assert (await bot.get_chat_member(group["id"], 1)).status == "member"


async def test_it_lets_only_a_member_change_rights_of_a_bot_that_is_there(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach, _ = group["members"]
    outsider = await client.create_user("Buiten")
    with pytest.raises(SandboxError, match="is not in group") as stranger:
        await client.set_bot_rights(group["id"], outsider["id"], False)
    assert stranger.value.status == 409
    await client.set_bot_rights(group["id"], coach, False)
    await client.remove_bot(group["id"], coach)  # a restricted bot can be removed too
    *_, removed = [u for u in await _new_updates(bot) if u.my_chat_member]
    assert isinstance(removed.my_chat_member.old_chat_member, ChatMemberRestricted)
    assert removed.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(SandboxError, match="the bot is not in group") as gone:
        await client.set_bot_rights(group["id"], coach, True)
    assert gone.value.status == 409


# --- against the spec ---------------------------------------------------------------------------


@pytest.fixture
async def spec_client(spec_sandbox: SandboxThread) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(spec_sandbox.url) as control:
        yield control


async def test_its_polls_answers_and_restrictions_follow_the_spec(
    spec_sandbox: SandboxThread, spec_client: SandboxClient, bot_api_spec: Path
) -> None:
    spec, client = Spec.load(bot_api_spec), spec_client
    api = f"{spec_sandbox.bot_api_base_url}{TOKEN}"
    coach = await client.create_user("Coach")
    group = await client.create_group("Ouders Noord", members=[coach["id"]])
    options = '[{"text": "di"}, {"text": "do"}]'
    async with httpx.AsyncClient() as http:

        async def call(method: str, **params: Any) -> Any:
            answer = (await http.post(f"{api}/{method}", data=params)).json()
            assert answer["ok"], answer
            return answer["result"]

        sent = await call(
            "sendPoll", chat_id=group["id"], question="Wanneer?", options=options, is_anonymous=0
        )
        await client.vote(coach["id"], group["id"], sent["message_id"], [1])
        stopped = await call("stopPoll", chat_id=group["id"], message_id=sent["message_id"])
        await client.set_bot_rights(group["id"], coach["id"], False)
        member = await call("getChatMember", chat_id=group["id"], user_id=1)
        updates = await call("getUpdates")

    assert spec.check_object("Poll", stopped) == []
    assert spec.check_object("ChatMemberRestricted", member) == []
    kinds = [next(key for key in update if key != "update_id") for update in updates]
    assert kinds == ["my_chat_member", "message", "poll", "poll_answer", "poll", "my_chat_member"]
    for update in updates:
        assert spec.check_object("Update", update) == []
    poll_answer = updates[3]["poll_answer"]
    assert spec.check_object("PollAnswer", poll_answer) == []
    assert poll_answer["option_persistent_ids"] == [stopped["options"][1]["persistent_id"]]
    restriction = updates[5]["my_chat_member"]["new_chat_member"]
    assert spec.check_object("ChatMemberRestricted", restriction) == []
    assert (await client.stats())["spec_violations"] == []
