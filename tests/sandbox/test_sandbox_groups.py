"""Groups: privacy mode, members coming and going, the bot added and removed, migration."""

from __future__ import annotations

import httpx
import pytest
from telegram import Bot, ChatMemberBanned, ChatMemberMember, Update
from telegram.error import ChatMigrated, Forbidden

from bot.sandbox import SandboxClient
from bot.sandbox.shapes import ChatView, UserView


async def _people(client: SandboxClient, *names: str) -> list[UserView]:
    return [await client.create_user(name) for name in names]


async def _new_updates(bot: Bot) -> tuple[Update, ...]:
    """Updates since the last call, confirming them."""
    updates = await bot.get_updates()
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1)
    return updates


@pytest.fixture
async def group(bot: Bot, client: SandboxClient) -> ChatView:
    coach, parent = await _people(client, "Coach", "Ouder")
    chat = await client.create_group("Ouders Noord", members=[coach["id"], parent["id"]])
    await _new_updates(bot)  # the bot's arrival
    return chat


async def test_it_announces_the_bot_joining_a_new_group(bot: Bot, client: SandboxClient) -> None:
    [coach] = await _people(client, "Coach")
    chat = await client.create_group("Ouders Noord", members=[coach["id"]])
    assert chat["id"] < 0 and chat["type"] == "group" and chat["bot_status"] == "member"
    member_update, service = await _new_updates(bot)
    assert member_update.my_chat_member.chat.title == "Ouders Noord"
    assert isinstance(member_update.my_chat_member.new_chat_member, ChatMemberMember)
    assert [u.id for u in service.message.new_chat_members] == [1]


async def test_it_shows_the_bot_only_what_privacy_mode_allows(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach, parent = group["members"]
    said = {
        "gewoon een bericht": False,
        "/rooster": True,
        "/rooster@duwtje_sandbox_bot": True,
        "/rooster@andere_bot": False,
    }
    for text in said:
        await client.text(parent, text, chat_id=group["id"])
    seen = [u.message.text for u in await _new_updates(bot)]
    assert seen == [text for text, shown in said.items() if shown]

    bot_message = await bot.send_message(group["id"], "Wie komt er dinsdag?")
    await client.text(parent, "Ik!", chat_id=group["id"], reply_to=bot_message.message_id)
    assert [u.message.text for u in await _new_updates(bot)] == ["Ik!"]
    stored = [m["plain_text"] for m in await client.messages(group["id"])]
    assert "gewoon een bericht" in stored  # kept in the chat, just not shown to the bot

    await client.set_privacy(group["id"], False)
    await client.text(coach, "nu wel", chat_id=group["id"])
    assert [u.message.text for u in await _new_updates(bot)] == ["nu wel"]


async def test_it_reports_people_joining_and_leaving(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    [newcomer] = await _people(client, "Nieuw")
    await client.join(group["id"], newcomer["id"])
    await client.leave(group["id"], newcomer["id"])
    joined, left = await _new_updates(bot)
    assert [u.first_name for u in joined.message.new_chat_members] == ["Nieuw"]
    assert left.message.left_chat_member.first_name == "Nieuw"
    assert newcomer["id"] not in (await client.chat(group["id"]))["members"]


async def test_it_refuses_sends_after_the_bot_is_removed_or_leaves(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach = group["members"][0]
    await client.remove_bot(group["id"], coach)
    [removed] = await _new_updates(bot)
    assert isinstance(removed.my_chat_member.new_chat_member, ChatMemberBanned)
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked from the group chat"):
        await bot.send_message(group["id"], "Hallo")
    await client.add_bot(group["id"], coach)
    assert await bot.leave_chat(group["id"])
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the group chat"):
        await bot.send_message(group["id"], "Hallo")


async def test_it_migrates_a_group_to_a_supergroup(
    bot: Bot, client: SandboxClient, group: ChatView, api: str
) -> None:
    migrated = await client.migrate(group["id"])
    new_id = migrated["chat_id"]
    assert str(new_id).startswith("-100") and len(str(new_id)) == 14
    old_notice, new_notice = await _new_updates(bot)
    assert old_notice.message.chat.id == group["id"]
    assert old_notice.message.migrate_to_chat_id == new_id
    assert new_notice.message.chat.id == new_id and new_notice.message.chat.type == "supergroup"
    assert new_notice.message.migrate_from_chat_id == group["id"]

    with pytest.raises(ChatMigrated) as moved:
        await bot.send_message(group["id"], "Hallo")
    assert moved.value.new_chat_id == new_id
    assert (await bot.send_message(new_id, "Hallo")).chat.id == new_id
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{api}/sendMessage", data={"chat_id": group["id"], "text": "x"})
    assert answer.status_code == 400
    assert answer.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": new_id},
    }


async def test_it_tells_the_bot_who_is_a_member(
    bot: Bot, client: SandboxClient, group: ChatView
) -> None:
    coach, parent = group["members"]
    [outsider] = await _people(client, "Buiten")
    assert (await bot.get_chat_member(group["id"], coach)).status == "creator"
    assert (await bot.get_chat_member(group["id"], parent)).status == "member"
    assert (await bot.get_chat_member(group["id"], outsider["id"])).status == "left"
    assert (await bot.get_chat_member(group["id"], 1)).status == "member"
    chat = await bot.get_chat(group["id"])
    assert (chat.id, chat.title, chat.type) == (group["id"], "Ouders Noord", "group")
