"""Messages both ways: Start with a payload, buttons, callback answers, edits and deletions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest

from bot.clock import VirtualClock
from bot.sandbox import SandboxClient, SandboxThread
from bot.sandbox.shapes import UserView


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=label.lower()) for label in labels]]
    )


async def test_it_delivers_start_with_a_payload_as_a_command(
    bot: Bot, client: SandboxClient
) -> None:
    person = await client.create_user("Anna", username="anna_nl", language_code="nl")
    action = await client.start(person["id"], "invite-7Xq_2")
    [update] = await bot.get_updates()
    assert update.update_id == action["update_id"]
    message = update.message
    assert message.text == "/start invite-7Xq_2"
    assert message.chat.id == person["id"] and message.chat.type == "private"
    assert message.from_user.language_code == "nl"
    assert message.from_user.username == "anna_nl"
    assert message.parse_entities(["bot_command"]) == {message.entities[0]: "/start"}
    assert (await client.user(person["id"]))["started"]


async def test_it_refuses_a_start_payload_telegram_links_cannot_carry(
    client: SandboxClient,
) -> None:
    person = await client.create_user("Anna")
    with pytest.raises(Exception, match="1-64 characters"):
        await client.start(person["id"], "has spaces")


async def test_it_runs_a_button_round_trip(bot: Bot, client: SandboxClient, anna: UserView) -> None:
    chat_id = anna["id"]
    sent = await bot.send_message(chat_id, "Hoe gaat het?", reply_markup=keyboard("Goed", "Slecht"))
    assert sent.from_user.is_bot and sent.chat.id == chat_id
    shown = await client.wait_for_bot_message(chat_id)
    assert shown["message_id"] == sent.message_id
    assert [[b["text"] for b in row] for row in shown["buttons"]] == [["Goed", "Slecht"]]

    pressed = await client.press(chat_id, sent.message_id, label="Goed")
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query.id == pressed["callback_query_id"]
    assert (query.data, query.from_user.id, query.message.message_id) == (
        "goed",
        chat_id,
        sent.message_id,
    )
    assert query.chat_instance

    assert await query.answer("Fijn!")
    [answer] = await client.callback_answers()
    assert (answer["callback_query_id"], answer["text"], answer["show_alert"]) == (
        query.id,
        "Fijn!",
        False,
    )
    edited = await bot.edit_message_text("Hoe gaat het? Goed.", chat_id, sent.message_id)
    assert edited.edit_date is not None and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Hoe gaat het? Goed.", chat_id, sent.message_id)

    [_, message] = await client.messages(chat_id)
    assert message["plain_text"] == "Hoe gaat het? Goed." and message["buttons"] == []
    assert [v["plain_text"] for v in message["edits"]] == ["Hoe gaat het?"]
    kinds = [e["kind"] for e in await client.events()]
    assert kinds == ["start", "bot_message", "button", "callback_answer", "bot_edit"]


async def test_it_refuses_a_second_or_unknown_callback_answer(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    sent = await bot.send_message(anna["id"], "Kies", reply_markup=keyboard("A"))
    pressed = await client.press(anna["id"], sent.message_id, data="a")
    assert await bot.answer_callback_query(pressed["callback_query_id"])
    for query_id in (pressed["callback_query_id"], "12345"):
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(query_id)


async def test_it_expires_callback_queries() -> None:
    with SandboxThread(strict=False, callback_answer_timeout=0.01) as sandbox:
        async with (
            SandboxClient(sandbox.url) as client,
            Bot("1:T", base_url=sandbox.bot_api_base_url) as bot,
        ):
            person = await client.create_user("Anna")
            await client.start(person["id"])
            sent = await bot.send_message(person["id"], "Kies", reply_markup=keyboard("A"))
            pressed = await client.press(person["id"], sent.message_id, data="a")
            await asyncio.sleep(0.05)
            with pytest.raises(BadRequest, match=r"(?i)response timeout expired"):
                await bot.answer_callback_query(pressed["callback_query_id"])


async def test_it_lets_people_press_a_button_the_bot_edited_away(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    sent = await bot.send_message(anna["id"], "Kies", reply_markup=keyboard("Oud"))
    await bot.edit_message_reply_markup(anna["id"], sent.message_id, reply_markup=keyboard("Nieuw"))
    await client.press(anna["id"], sent.message_id, data="oud")
    query = (await bot.get_updates())[-1].callback_query
    assert query.data == "oud"
    assert query.message.reply_markup == keyboard("Nieuw")  # the message as it is now
    with pytest.raises(Exception, match="never had a button"):
        await client.press(anna["id"], sent.message_id, data="forged")


async def test_it_answers_edits_of_missing_or_foreign_messages(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", anna["id"], 999)
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", anna["id"], 1)  # the person's /start
    sent = await bot.send_message(anna["id"], "Kies", reply_markup=keyboard("A"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(anna["id"], sent.message_id, reply_markup=keyboard("A"))


async def test_it_replies_to_a_message_and_shows_the_reply(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    asked = await client.text(anna["id"], "Mag ik iets vragen?")
    answer = await bot.send_message(
        anna["id"], "Natuurlijk", reply_parameters=ReplyParameters(asked["message_id"])
    )
    assert answer.reply_to_message.text == "Mag ik iets vragen?"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(anna["id"], "x", reply_parameters=ReplyParameters(999))
    lenient = ReplyParameters(999, allow_sending_without_reply=True)
    assert (
        await bot.send_message(anna["id"], "x", reply_parameters=lenient)
    ).reply_to_message is None
    person_reply = await client.text(anna["id"], "Dank", reply_to=answer.message_id)
    update = (await bot.get_updates())[-1]
    assert update.update_id == person_reply["update_id"]
    assert update.message.reply_to_message.message_id == answer.message_id


async def test_it_deletes_within_48_hours_of_sandbox_time() -> None:
    clock = VirtualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with SandboxThread(strict=False, clock=clock) as sandbox:
        async with (
            SandboxClient(sandbox.url) as client,
            Bot("1:T", base_url=sandbox.bot_api_base_url) as bot,
        ):
            person = await client.create_user("Anna")
            incoming = await client.start(person["id"])
            own = await bot.send_message(person["id"], "Hallo")
            assert abs(own.date - clock.now()) < timedelta(seconds=2)  # sandbox time, not ours
            assert await bot.delete_message(person["id"], incoming["message_id"])
            with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
                await bot.delete_message(person["id"], incoming["message_id"])
            clock.advance(timedelta(hours=48, seconds=1))
            with pytest.raises(BadRequest, match=r"(?i)message can't be deleted"):
                await bot.delete_message(person["id"], own.message_id)
            views = await client.messages(person["id"])
            assert [m["deleted"] for m in views] == [True, False]
            assert views[1]["date"].startswith("2026-03-02T09:00:0")


async def test_it_numbers_messages_per_chat(bot: Bot, client: SandboxClient) -> None:
    for name in ("A", "B"):
        person = await client.create_user(name)
        await client.start(person["id"])
        sent = await bot.send_message(person["id"], "Hallo")
        assert sent.message_id == 2
