"""People's lives as the bot sees them: blocking, deactivation, never starting, files they send."""

from __future__ import annotations

import pytest
from telegram import Bot, ChatMemberBanned, ChatMemberMember
from telegram.error import BadRequest, Forbidden

from bot.sandbox import SandboxClient, SandboxError
from bot.sandbox.shapes import UserView


async def test_it_reports_block_and_unblock_as_my_chat_member(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await client.block(anna["id"])
    blocked = (await bot.get_updates())[-1].my_chat_member
    assert isinstance(blocked.old_chat_member, ChatMemberMember)
    assert isinstance(blocked.new_chat_member, ChatMemberBanned)
    assert blocked.new_chat_member.user.id == 1 and blocked.from_user.id == anna["id"]
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(anna["id"], "Hallo?")

    await client.unblock(anna["id"])
    unblocked = (await bot.get_updates())[-1].my_chat_member
    assert isinstance(unblocked.new_chat_member, ChatMemberMember)
    assert (await bot.send_message(anna["id"], "Welkom terug")).text == "Welkom terug"


async def test_it_unblocks_when_a_blocked_person_presses_start_again(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await client.block(anna["id"])
    await client.start(anna["id"])
    updates = await bot.get_updates()
    assert [u.my_chat_member is not None for u in updates[-2:]] == [True, False]
    assert updates[-1].message.text == "/start"


async def test_it_refuses_sends_to_people_who_cannot_receive(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    stranger = await client.create_user("Nog niet")
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
        await bot.send_message(stranger["id"], "Hallo")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "Hallo")
    await client.deactivate(anna["id"])
    with pytest.raises(Forbidden, match=r"(?i)user is deactivated"):
        await bot.send_message(anna["id"], "Hallo")


async def test_it_stops_people_doing_what_their_app_would_not_allow(
    client: SandboxClient, anna: UserView
) -> None:
    stranger = await client.create_user("Nog niet")
    with pytest.raises(SandboxError, match="has not pressed Start") as refused:
        await client.text(stranger["id"], "hoi")
    assert refused.value.status == 409
    with pytest.raises(SandboxError, match="no person") as unknown:
        await client.text(5, "hoi")
    assert unknown.value.status == 404
    await client.block(anna["id"])
    with pytest.raises(SandboxError, match="blocked the bot"):
        await client.text(anna["id"], "hoi")


async def test_it_lets_the_bot_download_a_voice_note(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    recording = b"OggS" + bytes(range(200))
    await client.voice(anna["id"], duration=7, content=recording)
    voice = (await bot.get_updates())[-1].message.voice
    assert (voice.duration.total_seconds(), voice.mime_type) == (7, "audio/ogg")
    file = await voice.get_file()
    assert file.file_path.startswith(bot.base_file_url)
    assert bytes(await file.download_as_bytearray()) == recording


async def test_it_lets_the_bot_download_a_photo(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await client.photo(anna["id"], caption="Mijn tekening")
    message = (await bot.get_updates())[-1].message
    assert message.caption == "Mijn tekening"
    largest = message.photo[-1]
    data = await (await largest.get_file()).download_as_bytearray()
    assert bytes(data).startswith(b"\x89PNG")
    [view] = [m for m in await client.messages(anna["id"]) if m["attachments"]]
    assert view["attachments"][0]["kind"] == "photo"
