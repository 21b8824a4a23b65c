"""Fault injection: each kind fails the way Telegram or the network would, and is recorded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.sandbox import SandboxClient, SandboxError, SandboxThread
from bot.sandbox.shapes import UserView


@pytest.mark.parametrize(
    ("kind", "error", "text"),
    [
        ("blocked", Forbidden, "bot was blocked by the user"),
        ("deactivated", Forbidden, "user is deactivated"),
        ("chat_not_found", BadRequest, "chat not found"),
        ("server_error", NetworkError, "internal server error"),
    ],
)
async def test_it_injects_refusals(
    bot: Bot,
    client: SandboxClient,
    anna: UserView,
    kind: str,
    error: type[Exception],
    text: str,
) -> None:
    await client.add_fault(kind)
    with pytest.raises(error, match=rf"(?i){text}"):
        await bot.send_message(anna["id"], "Hallo")
    assert (await bot.send_message(anna["id"], "Hallo")).text == "Hallo"  # fired once
    assert [m["plain_text"] for m in await client.messages(anna["id"])] == ["/start", "Hallo"]
    faulted = [r for r in await client.requests() if r["fault"]]
    assert [r["fault"] for r in faulted] == [kind]
    assert (await client.stats())["faults"] == {kind: 1}


async def test_it_answers_502_as_nginx_does(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await client.add_fault("server_error", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(anna["id"], "Hallo")


async def test_it_injects_a_migration(bot: Bot, client: SandboxClient, anna: UserView) -> None:
    await client.add_fault("migrate", migrate_to_chat_id=-1001234567890)
    with pytest.raises(ChatMigrated) as moved:
        await bot.send_message(anna["id"], "Hallo")
    assert moved.value.new_chat_id == -1001234567890


async def test_it_injects_a_retry_after_storm(
    api: str, bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await client.add_fault("retry_after", retry_after=7, times=3)
    with pytest.raises(RetryAfter):
        await bot.send_message(anna["id"], "Hallo")
    async with httpx.AsyncClient() as http:
        for _ in range(2):
            answer = await http.post(
                f"{api}/sendMessage", data={"chat_id": anna["id"], "text": "x"}
            )
            assert answer.status_code == 429
            assert answer.json()["parameters"] == {"retry_after": 7}
    assert (await bot.send_message(anna["id"], "Hallo")).text == "Hallo"
    assert (await client.stats())["too_many_requests"] == 3


async def test_it_delivers_but_answers_too_late_on_a_read_timeout(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await client.add_fault("read_timeout", hold=1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(anna["id"], "Misschien", read_timeout=0.2)
    delivered = await client.wait_for_bot_message(anna["id"], timeout=2)
    assert delivered["plain_text"] == "Misschien"  # the ambiguous case: it did arrive


async def test_it_drops_the_connection_and_delivers_nothing(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    await client.add_fault("drop_connection", method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(anna["id"], "Weg")
    assert [m["plain_text"] for m in await client.messages(anna["id"])] == ["/start"]
    [record] = [r for r in await client.requests() if r["method"] == "sendMessage"]
    assert (record["fault"], record["status"]) == ("drop_connection", None)


async def _pattern(send: Callable[[], Awaitable[Message]], count: int) -> list[bool]:
    outcomes = []
    for _ in range(count):
        try:
            await send()
        except Forbidden:
            outcomes.append(False)
        else:
            outcomes.append(True)
    return outcomes


async def test_it_picks_occurrences_by_nth_every_and_times(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    async def send() -> Message:
        return await bot.send_message(anna["id"], "x")

    await client.add_fault("blocked", nth=2)
    assert await _pattern(send, 4) == [True, False, True, True]
    await client.clear_faults()
    await client.add_fault("blocked", every=2)
    assert await _pattern(send, 5) == [True, False, True, False, True]
    await client.clear_faults()
    await client.add_fault("blocked", nth=2, times=2)
    assert await _pattern(send, 4) == [True, False, False, True]


async def test_it_repeats_a_seeded_random_pattern() -> None:
    patterns = []
    for _ in range(2):
        with SandboxThread(strict=False) as sandbox:
            async with (
                SandboxClient(sandbox.url) as client,
                Bot("1:T", base_url=sandbox.bot_api_base_url) as bot,
            ):
                person = await client.create_user("Anna")
                await client.start(person["id"])
                await client.add_fault("blocked", probability=0.5, seed=42)
                patterns.append(
                    await _pattern(lambda: bot.send_message(person["id"], "x"), 12)  # noqa: B023
                )
    assert patterns[0] == patterns[1]
    assert True in patterns[0] and False in patterns[0]


async def test_it_matches_faults_by_method_and_chat(
    bot: Bot, client: SandboxClient, anna: UserView
) -> None:
    other = await client.create_user("Bram")
    await client.start(other["id"])
    await client.add_fault("blocked", chat_id=other["id"], times=None)
    await client.add_fault("chat_not_found", method="sendPhoto")
    assert await bot.send_message(anna["id"], "ok")
    with pytest.raises(Forbidden):
        await bot.send_message(other["id"], "nee")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_photo(anna["id"], b"\x89PNG")
    assert await bot.get_me()  # not send-like, never faulted by "send" rules
    with pytest.raises(Forbidden):
        await bot.send_message(other["id"], "nog steeds nee")  # times=None: no limit
    assert [f["fired"] for f in await client.faults()] == [2, 1]


async def test_it_refuses_a_fault_rule_it_does_not_understand(client: SandboxClient) -> None:
    with pytest.raises(SandboxError, match="fault kind must be one of") as refused:
        await client.add_fault("meteor_strike")
    assert refused.value.status == 400
    with pytest.raises(SandboxError, match="at most one of nth, every and probability"):
        await client.add_fault("blocked", nth=1, every=2)
