"""The Bot API surface: answers in Telegram's shape, bodies in every encoding, long polling."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import BadRequest, Conflict

from bot.sandbox import SandboxClient, SandboxThread
from bot.sandbox.shapes import UserView


async def test_it_answers_get_me_as_the_configured_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (
        1,
        True,
        "Duwtje",
        "duwtje_sandbox_bot",
    )
    assert me.can_join_groups and not me.can_read_all_group_messages


async def test_it_takes_the_bot_id_from_the_token(sandbox: SandboxThread) -> None:
    async with httpx.AsyncClient() as http:
        answer = (await http.get(f"{sandbox.url}/bot4242:abc-DEF_1/getMe")).json()
    assert answer["ok"] and answer["result"]["id"] == 4242


async def test_it_answers_an_unknown_method_with_404(api: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{api}/sendTelepathy")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_it_answers_a_malformed_token_with_401(sandbox: SandboxThread) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{sandbox.url}/botnot-a-token/getMe")
    assert response.status_code == 401
    assert response.json()["description"] == "Unauthorized"


async def test_it_ignores_the_case_of_method_names(api: str) -> None:
    async with httpx.AsyncClient() as http:
        answer = (await http.get(f"{api}/GETME")).json()
    assert answer["ok"]


@pytest.mark.parametrize("encoding", ["form", "json", "multipart", "query"])
async def test_it_reads_every_body_encoding(
    api: str, client: SandboxClient, anna: UserView, encoding: str
) -> None:
    markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    params = {"chat_id": anna["id"], "text": "Hallo", "reply_markup": markup}
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    url = f"{api}/sendMessage"
    async with httpx.AsyncClient() as http:
        if encoding == "form":
            response = await http.post(url, data=wire)
        elif encoding == "json":
            response = await http.post(url, json=params)
        elif encoding == "multipart":
            files = {k: (None, v) for k, v in wire.items()}
            response = await http.post(url, files=files)
        else:
            response = await http.get(url, params=wire)
    result = response.json()["result"]
    assert result["text"] == "Hallo"
    assert result["chat"]["id"] == anna["id"]
    assert result["reply_markup"] == markup
    [recorded] = [r for r in await client.requests() if r["method"] == "sendMessage"]
    assert recorded["params"]["chat_id"] == anna["id"]  # typed, whatever the encoding
    assert recorded["params"]["reply_markup"] == markup


async def test_it_returns_from_a_long_poll_as_soon_as_an_update_arrives(
    bot: Bot, client: SandboxClient
) -> None:
    person = await client.create_user("Bram")
    poll = asyncio.create_task(bot.get_updates(timeout=5, read_timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    began = time.monotonic()
    await client.start(person["id"], "hello")
    updates = await poll
    assert time.monotonic() - began < 1.5
    assert [u.message.text for u in updates if u.message] == ["/start hello"]


async def test_it_keeps_updates_until_an_offset_confirms_them(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await client.text(anna["id"], "een")
    await client.text(anna["id"], "twee")
    first = await bot.get_updates()
    assert [u.message.text for u in first] == ["/start", "een", "twee"]
    assert [u.update_id for u in await bot.get_updates()] == [u.update_id for u in first]
    second = await bot.get_updates(offset=first[1].update_id + 1)
    assert [u.message.text for u in second] == ["twee"]
    assert await bot.get_updates(offset=second[-1].update_id + 1) == ()
    assert first[0].update_id > 1_000_000_000  # time-derived: never repeats across runs


async def test_it_answers_a_limited_and_a_negative_offset(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    for text in ("a", "b", "c"):
        await client.text(anna["id"], text)
    assert [u.message.text for u in await bot.get_updates(limit=2)] == ["/start", "a"]
    assert [u.message.text for u in await bot.get_updates(offset=-1)] == ["c"]
    assert [u.message.text for u in await bot.get_updates()] == ["c"]  # the rest forgotten


async def test_it_leaves_out_updates_not_in_allowed_updates(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    first = await bot.get_updates(allowed_updates=["callback_query"])
    message = await bot.send_message(anna["id"], "Kies", reply_markup=_one_button())
    await client.text(anna["id"], "ignored")
    await client.press(anna["id"], message.message_id, data="x")
    updates = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.callback_query.data for u in updates if u.callback_query] == ["x"]
    assert all(u.message is None for u in updates)


async def test_it_ends_an_older_long_poll_when_a_newer_one_starts(bot: Bot, api: str) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=5, read_timeout=10))
    await asyncio.sleep(0.2)
    async with httpx.AsyncClient() as http:  # PTB itself would queue a second getUpdates
        newer = (await http.post(f"{api}/getUpdates", data={"timeout": "0"})).json()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await older
    assert newer == {"ok": True, "result": []}


def _one_button() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("X", callback_data="x")]])


async def test_it_keeps_commands_per_scope_and_language(bot: Bot) -> None:
    dutch = [BotCommand("start", "Beginnen"), BotCommand("hulp", "Hulp vragen")]
    assert await bot.set_my_commands(dutch, language_code="nl")
    assert await bot.get_my_commands(language_code="nl") == tuple(dutch)
    assert await bot.get_my_commands() == ()
    groups = BotCommandScopeAllGroupChats()
    assert await bot.set_my_commands([BotCommand("rooster", "Het rooster")], scope=groups)
    assert [c.command for c in await bot.get_my_commands(scope=groups)] == ["rooster"]
    assert await bot.delete_my_commands(language_code="nl")
    assert await bot.get_my_commands(language_code="nl") == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Met Spatie", "x")])


async def test_it_records_chat_actions_in_the_feed(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    assert await bot.send_chat_action(anna["id"], "typing")
    event = await client.wait_for_event(lambda e: e["kind"] == "chat_action")
    assert (event["chat_id"], event["data"]) == (anna["id"], {"action": "typing"})
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(anna["id"], "dancing")
