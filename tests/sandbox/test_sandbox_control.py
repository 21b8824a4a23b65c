"""The control API and its client: the event feed, chat transcripts, records and resets."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox import SandboxClient, SandboxError, SandboxThread
from bot.sandbox.shapes import UserView


async def test_it_long_polls_the_event_feed(client: SandboxClient, anna: UserView) -> None:
    [start] = await client.events()
    assert (start["kind"], start["user_id"], start["data"]) == (
        "start",
        anna["id"],
        {"payload": None},
    )
    poll = asyncio.create_task(client.events(after=start["seq"], timeout=5))
    await asyncio.sleep(0.2)
    began = time.monotonic()
    await client.text(anna["id"], "hoi")
    [text] = await poll
    assert time.monotonic() - began < 1.5
    assert text["seq"] == start["seq"] + 1 and text["kind"] == "text"
    assert text["message"] is not None and text["message"]["plain_text"] == "hoi"
    assert await client.events(after=text["seq"], timeout=0.1) == []


async def test_it_waits_for_successive_bot_messages(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await client.text(anna["id"], "vraag")
    for text in ("een", "twee", "drie"):
        await bot.send_message(anna["id"], text)
    assert (await client.wait_for_bot_message(anna["id"]))["plain_text"] == "een"
    assert (await client.wait_for_bot_message(anna["id"]))["plain_text"] == "twee"
    third = await client.wait_for_bot_message(
        anna["id"], predicate=lambda m: "d" in (m["text"] or "")
    )
    assert third["plain_text"] == "drie"
    looking_back = await client.wait_for_bot_message(anna["id"], after_message_id=3)
    assert looking_back["plain_text"] == "twee"
    with pytest.raises(TimeoutError, match=r"no bot message to chat .* arrived: nothing"):
        await client.wait_for_bot_message(anna["id"], timeout=0.2)


async def test_it_lists_what_arrived_when_a_wait_times_out(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await bot.send_message(anna["id"], "alleen dit")
    with pytest.raises(TimeoutError, match=r"bot_message .*'alleen dit'"):
        await client.wait_for_bot_message(
            anna["id"], predicate=lambda m: m["plain_text"] == "iets anders", timeout=0.3
        )


async def test_it_keeps_a_transcript_of_both_directions(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ja", callback_data="ja"),
                InlineKeyboardButton("Site", url="https://x.nl"),
            ]
        ]
    )
    sent = await bot.send_message(
        anna["id"], "<i>Klaar?</i>", parse_mode="HTML", reply_markup=markup
    )
    await bot.edit_message_text("Klaar!", anna["id"], sent.message_id)
    await client.text(anna["id"], "ja hoor", reply_to=sent.message_id)
    start, question, answer = await client.messages(anna["id"])
    assert (start["sender"], question["sender"], answer["sender"]) == (
        anna["id"],
        "bot",
        anna["id"],
    )
    assert question["text"] == "Klaar!" and question["edit_date"] is not None
    [before] = question["edits"]
    assert (before["text"], before["plain_text"], before["parse_mode"]) == (
        "<i>Klaar?</i>",
        "Klaar?",
        "HTML",
    )
    assert before["buttons"] == [
        [
            {"text": "Ja", "callback_data": "ja", "url": None},
            {"text": "Site", "callback_data": None, "url": "https://x.nl"},
        ]
    ]
    assert answer["reply_to_message_id"] == sent.message_id
    with pytest.raises(SandboxError, match="does not call the bot back"):
        await client.press(anna["id"], sent.message_id, label="Site")


async def test_it_records_every_bot_api_request(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await bot.send_message(anna["id"], "x")
    with pytest.raises(Exception, match=r"(?i)chat not found"):
        await bot.send_message(1234, "x")
    records = await client.requests()
    assert [r["method"] for r in records] == ["getMe", "sendMessage", "sendMessage"]
    assert [r["status"] for r in records] == [200, 200, 400]
    assert records[2]["description"] == "Bad Request: chat not found"
    assert records[1]["monotonic"] <= records[2]["monotonic"]
    assert [r["seq"] for r in await client.requests(after=2)] == [3]
    stats = await client.stats()
    assert stats["per_method"] == {"getMe": 1, "sendMessage": 2}
    assert stats["refused"] == {"Bad Request: chat not found": 1}


async def test_it_resets_to_an_empty_world_without_reusing_numbers(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    [before] = await bot.get_updates()
    last_seq = (await client.events())[-1]["seq"]
    await client.add_fault("blocked")
    await client.reset()
    assert await client.users() == [] and await client.faults() == []
    assert (await client.stats())["requests"] == 0
    again = await client.create_user("Anna")
    await client.start(again["id"])
    [after] = await bot.get_updates()
    assert after.update_id > before.update_id
    assert (await client.events())[0]["seq"] > last_seq


async def test_it_explains_refused_control_requests(client: SandboxClient) -> None:
    with pytest.raises(SandboxError) as unknown:
        await client.chat(-5)
    assert unknown.value.status == 404
    with pytest.raises(SandboxError, match="first_name must not be empty"):
        await client.create_user(" ")
    person = await client.create_user("Anna", id=4242)
    with pytest.raises(SandboxError, match="taken") as taken:
        await client.create_user("Bram", id=person["id"])
    assert taken.value.status == 409
    with pytest.raises(SandboxError, match="someone has to add the bot"):
        await client.create_group("Leeg")


async def test_it_describes_itself(client: SandboxClient, sandbox: SandboxThread) -> None:
    info = await client.info()
    assert info["bot"]["username"] == "duwtje_sandbox_bot"
    assert info["limits"]["strict"] is False and info["webhook_url"] is None
    assert sandbox.bot_api_base_url == f"{sandbox.url}/bot"
    assert sandbox.bot_file_base_url == f"{sandbox.url}/file/bot"
    assert sandbox.url.startswith("http://127.0.0.1:")
