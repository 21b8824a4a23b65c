"""The spec check: what python-telegram-bot sends passes; what Telegram would refuse does not."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
)
from telegram.error import BadRequest

from bot.sandbox import SandboxClient, SandboxThread
from bot.sandbox.params import Upload
from bot.sandbox.spec import Spec


@pytest.fixture
def spec(bot_api_spec: Path) -> Spec:
    return Spec.load(bot_api_spec)


@pytest.fixture
async def spec_client(spec_sandbox: SandboxThread) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(spec_sandbox.url) as control:
        yield control


@pytest.fixture
async def spec_bot(spec_sandbox: SandboxThread) -> AsyncIterator[Bot]:
    async with Bot(
        "1:T",
        base_url=spec_sandbox.bot_api_base_url,
        base_file_url=spec_sandbox.bot_file_base_url,
    ) as telegram_bot:
        yield telegram_bot


async def test_it_accepts_everything_python_telegram_bot_sends(
    spec_bot: Bot, spec_client: SandboxClient
) -> None:
    bot, client = spec_bot, spec_client
    person = await client.create_user("Anna")
    await client.start(person["id"], "abc")
    chat = person["id"]
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="ja")]])
    sent = await bot.send_message(
        chat,
        "<b>Hoi</b> https://duwtje.nl",
        parse_mode="HTML",
        reply_markup=buttons,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_parameters=ReplyParameters(1),
        disable_notification=True,
        protect_content=True,
    )
    pressed = await client.press(chat, sent.message_id, data="ja")
    await bot.answer_callback_query(pressed["callback_query_id"], "Dank", show_alert=True)
    await bot.edit_message_text("Klaar", chat, sent.message_id, parse_mode="HTML")
    await bot.edit_message_reply_markup(chat, sent.message_id, reply_markup=buttons)
    await bot.send_chat_action(chat, "typing")
    photo = await bot.send_photo(chat, b"\x89PNG", caption="c")
    await bot.send_document(chat, b"%PDF", filename="a.pdf")
    await bot.send_poll(chat, "Vraag?", ["a", "b"], allows_multiple_answers=True)
    await bot.get_file(photo.photo[-1].file_id)
    await bot.delete_message(chat, sent.message_id)
    await bot.set_my_commands([BotCommand("start", "Beginnen")], language_code="nl")
    await bot.get_my_commands(language_code="nl")
    await bot.get_chat(chat)
    await bot.get_chat_member(chat, chat)
    await bot.get_updates(offset=1, limit=10, timeout=0, allowed_updates=["message"])
    await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s", drop_pending_updates=True)
    await bot.get_webhook_info()
    await bot.delete_webhook()
    stats = await client.stats()
    assert stats["spec_violations"] == []
    assert stats["refused"] == {}


async def test_it_refuses_a_made_up_parameter(
    spec_sandbox: SandboxThread, spec_client: SandboxClient
) -> None:
    person = await spec_client.create_user("Anna")
    await spec_client.start(person["id"])
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{spec_sandbox.bot_api_base_url}1:T/sendMessage",
            json={"chat_id": person["id"], "text": "x", "colour": "blue"},
        )
    assert answer.status_code == 400
    assert answer.json()["description"] == (
        "Bad Request: spec violation: sendMessage: unknown parameter 'colour'"
    )
    [violation] = (await spec_client.stats())["spec_violations"]
    assert violation["method"] == "sendMessage"


async def test_it_refuses_an_overlong_text_by_the_spec(
    spec_bot: Bot, spec_client: SandboxClient
) -> None:
    person = await spec_client.create_user("Anna")
    await spec_client.start(person["id"])
    with pytest.raises(BadRequest, match=r"(?i)spec violation: sendmessage.text: 4097 characters"):
        await spec_bot.send_message(person["id"], "<i>" + "x" * 4097 + "</i>", parse_mode="HTML")
    assert await spec_bot.send_message(person["id"], "<i>" + "x" * 4096 + "</i>", parse_mode="HTML")


async def test_it_answers_a_spec_method_the_sandbox_lacks_clearly(
    spec_sandbox: SandboxThread,
) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{spec_sandbox.bot_api_base_url}1:T/sendDice", data={})
    assert answer.json()["description"] == (
        "Bad Request: method sendDice is not implemented by the sandbox"
    )


def test_it_reads_limits_from_the_descriptions(spec: Spec) -> None:
    limited = {
        (name, field.name): field.limit
        for name, (_, fields) in spec.methods.items()
        for field in fields.values()
        if field.limit
    }
    assert limited[("sendmessage", "text")] == (1, 4096, "characters")
    assert limited[("sendphoto", "caption")] == (0, 1024, "characters")
    assert limited[("answercallbackquery", "text")] == (0, 200, "characters")
    button = spec.types["InlineKeyboardButton"].fields
    assert button is not None and button["callback_data"].limit == (1, 64, "bytes")
    assert len(limited) > 30  # parsed generically, not listed by hand


def test_it_counts_characters_in_utf16_and_bytes_in_utf8(spec: Spec) -> None:
    assert (
        spec.check_request("answerCallbackQuery", {"callback_query_id": "1", "text": "😀" * 100})
        == []
    )
    assert spec.check_request(
        "answerCallbackQuery", {"callback_query_id": "1", "text": "😀" * 100 + "x"}
    ) == ["answerCallbackQuery.text: 201 characters, must be 0-200 characters"]
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "é" * 33}]]}
    assert spec.check_request(
        "sendMessage", {"chat_id": "1", "text": "x", "reply_markup": json.dumps(markup)}
    ) == [
        "sendMessage.reply_markup.inline_keyboard[0][0].callback_data: 66 bytes, must be 1-64 bytes"
    ]


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"text": "x"}, "missing required parameter 'chat_id'"),
        ({"chat_id": "abc1", "text": "x", "disable_notification": "maybe"}, "expected Boolean"),
        ({"chat_id": 1, "text": "x", "reply_parameters": "{not json"}, "expected ReplyParameters"),
        ({"chat_id": 1, "text": "x", "reply_parameters": {"chat_id": 1}}, "missing required field"),
        ({"chat_id": [1], "text": "x"}, "expected Integer or String, got list"),
    ],
)
def test_it_reports_wrong_parameters(spec: Spec, params: dict[str, Any], problem: str) -> None:
    problems = spec.check_request("sendMessage", params)
    assert len(problems) == 1 and problem in problems[0]


def test_it_accepts_uploads_and_attached_files(spec: Spec) -> None:
    photo = Upload("p.jpg", "image/jpeg", b"x")
    assert spec.check_request("sendPhoto", {"chat_id": "1", "photo": photo}) == []
    media = json.dumps([{"type": "photo", "media": "attach://one"}])
    assert (
        spec.check_request("sendMediaGroup", {"chat_id": "1", "media": media, "one": photo}) == []
    )
    assert spec.check_request("sendMessage", {"chat_id": "1", "text": photo}) != []


async def test_it_checks_the_sandboxs_own_updates_against_the_spec(
    spec: Spec, client: SandboxClient, api: str
) -> None:
    """The sandbox's own output is checked too: every update of a busy scenario is a valid
    `Update`, field by field."""
    coach = await client.create_user("Coach", last_name="K", username="coach_k")
    parent = await client.create_user("Ouder", language_code="nl")
    await client.start(parent["id"], "p1")
    await client.text(parent["id"], "/help bij https://x.nl")
    await client.voice(parent["id"])
    await client.photo(parent["id"], caption="kijk")
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with httpx.AsyncClient() as http:
        sent = await http.post(
            f"{api}/sendMessage",
            json={"chat_id": parent["id"], "text": "<b>Kies</b>", "parse_mode": "HTML"}
            | {"reply_markup": markup},
        )
        message_id = sent.json()["result"]["message_id"]
        await client.press(parent["id"], message_id, data="a")
        await client.text(parent["id"], "antwoord", reply_to=message_id)
        await client.block(parent["id"])
        await client.unblock(parent["id"])
        group = await client.create_group("G", members=[coach["id"], parent["id"]])
        await client.text(coach["id"], "/rooster", chat_id=group["id"])
        await client.join(group["id"], (await client.create_user("Nieuw"))["id"])
        supergroup = (await client.migrate(group["id"]))["chat_id"]
        await client.remove_bot(supergroup, coach["id"])
        updates = (await http.post(f"{api}/getUpdates")).json()["result"]
        answers = {
            "Message": [
                sent.json(),
                await _call(
                    http, api, "sendPoll", chat_id=parent["id"], question="Q", options=["a"]
                ),
                await _call(
                    http, api, "sendDocument", chat_id=parent["id"], document="https://x.nl/a.pdf"
                ),
                await _call(
                    http,
                    api,
                    "editMessageText",
                    chat_id=parent["id"],
                    message_id=message_id,
                    text="K",
                ),
            ],
            "User": [await _call(http, api, "getMe")],
            "ChatFullInfo": [await _call(http, api, "getChat", chat_id=parent["id"])],
            "ChatMember": [
                await _call(http, api, "getChatMember", chat_id=parent["id"], user_id=1)
            ],
            "WebhookInfo": [await _call(http, api, "getWebhookInfo")],
        }
    assert len(updates) > 10
    for update in updates:
        assert spec.check_object("Update", update) == []
    for type_name, results in answers.items():
        for answer in results:
            assert answer["ok"], answer
            assert spec.check_object(type_name, answer["result"]) == []


async def _call(http: httpx.AsyncClient, api: str, method: str, **params: Any) -> Any:
    return (await http.post(f"{api}/{method}", json=params)).json()
