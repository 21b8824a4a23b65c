"""Telegram's text rules as the sandbox applies them: HTML, lengths, button data, entities."""

from __future__ import annotations

import json

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity
from telegram.error import BadRequest

from bot.sandbox import SandboxClient
from bot.sandbox.shapes import UserView


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<b>open", "unclosed tag <b>"),
        ("<div>x</div>", "unsupported start tag <div>"),
        ("1 < 2", "bare < or >"),
        ("Tom & Jerry", "bare & must be written as &amp;"),
    ],
)
async def test_it_refuses_html_telegram_cannot_parse(
    bot: Bot, anna: UserView, html: str, problem: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: .*" + problem[:8]):
        await bot.send_message(anna["id"], html, parse_mode="HTML")


async def test_it_derives_entities_from_html_in_utf16_units(bot: Bot, anna: UserView) -> None:
    text = '👋 <b>Hoi</b> <a href="https://example.org/x">hier</a> &amp; <i>daar</i>'
    sent = await bot.send_message(anna["id"], text, parse_mode="HTML")
    assert sent.text == "👋 Hoi hier & daar"
    assert sent.parse_entities() == {
        MessageEntity("bold", 3, 3): "Hoi",
        MessageEntity("text_link", 7, 4, url="https://example.org/x"): "hier",
        MessageEntity("italic", 14, 4): "daar",
    }


async def test_it_refuses_empty_and_overlong_texts(bot: Bot, anna: UserView) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(anna["id"], "<b>  </b>", parse_mode="HTML")
    limit = "x" * 4096
    assert (await bot.send_message(anna["id"], f"<b>{limit}</b>", parse_mode="HTML")).text == limit
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(anna["id"], "😀" * 2049)  # 4098 UTF-16 units, 2049 characters


async def test_it_refuses_an_overlong_caption(bot: Bot, anna: UserView) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(anna["id"], b"\x89PNG", caption="x" * 1025)


async def test_it_refuses_callback_data_outside_1_to_64_bytes(bot: Bot, anna: UserView) -> None:
    fits = InlineKeyboardButton("ok", callback_data="é" * 32)  # 64 bytes
    assert await bot.send_message(anna["id"], "ok", reply_markup=InlineKeyboardMarkup([[fits]]))
    too_long = InlineKeyboardButton("no", callback_data="é" * 32 + "x")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(anna["id"], "no", reply_markup=InlineKeyboardMarkup([[too_long]]))


async def test_it_refuses_a_button_that_does_nothing(api: str, anna: UserView) -> None:
    markup = {"inline_keyboard": [[{"text": "Niets"}]]}
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{api}/sendMessage",
            data={"chat_id": anna["id"], "text": "x", "reply_markup": json.dumps(markup)},
        )
    assert answer.status_code == 400
    assert "Text buttons are unallowed" in answer.json()["description"]


async def test_it_refuses_a_callback_answer_over_200_characters(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(anna["id"], "Kies", reply_markup=markup)
    pressed = await client.press(anna["id"], sent.message_id, data="a")
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(pressed["callback_query_id"], "x" * 201)
    assert await bot.answer_callback_query(pressed["callback_query_id"], "x" * 200)


async def test_it_marks_commands_links_and_mentions_in_plain_text(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await client.text(anna["id"], "/help graag, zie https://duwtje.nl of vraag @coach_anna.")
    update = (await bot.get_updates())[-1]
    assert set(update.message.parse_entities().values()) == {
        "/help",
        "https://duwtje.nl",
        "@coach_anna",
    }


async def test_it_refuses_markdown_which_the_sandbox_does_not_emulate(
    bot: Bot, anna: UserView
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)unsupported parse_mode"):
        await bot.send_message(anna["id"], "*vet*", parse_mode="MarkdownV2")
