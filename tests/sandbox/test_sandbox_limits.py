"""Strict mode: Telegram's flood limits over sliding windows, answered with 429 retry_after."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bot.sandbox import Limits, SandboxClient, SandboxThread, Window
from bot.sandbox.limits import RateLimiter


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_it_frees_a_window_as_its_oldest_send_ages_out() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(Limits(per_chat=Window(2, 1.0)), clock)
    assert limiter.admit("sendMessage", 5) is None
    clock.now += 0.4
    assert limiter.admit("sendMessage", 5) is None
    clock.now += 0.1
    assert limiter.admit("sendMessage", 5) == 1  # at least 1, whole seconds
    clock.now += 0.5
    assert limiter.admit("sendMessage", 5) is None  # the first send left the window


def test_it_answers_the_longest_wait_of_the_windows_a_send_breaks() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(Limits(per_chat=Window(100, 1.0), per_group=Window(2, 60.0)), clock)
    assert limiter.admit("sendPhoto", -7) is None
    assert limiter.admit("sendPhoto", -7) is None
    clock.now += 10.2
    assert limiter.admit("sendMessage", -7) == 50
    assert limiter.admit("sendMessage", 7) is None  # a private chat has no group window


def test_it_counts_edits_only_overall_and_ignores_other_methods() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(Limits(overall=Window(3, 1.0)), clock)
    assert limiter.admit("sendMessage", 5) is None
    assert limiter.admit("editMessageText", 5) is None  # no per-chat count for edits
    for method in ("answerCallbackQuery", "sendChatAction", "deleteMessage", "getUpdates"):
        assert limiter.admit(method, 5) is None
    assert limiter.admit("editMessageReplyMarkup", 6) is None
    assert limiter.admit("editMessageText", 7) == 1  # the fourth counted request in 1 s


def test_it_lets_everything_through_when_strict_mode_is_off() -> None:
    limiter = RateLimiter(Limits(strict=False), FakeMonotonic())
    assert all(limiter.admit("sendMessage", 5) is None for _ in range(100))


@pytest.fixture
def strict() -> Iterator[SandboxThread]:
    with SandboxThread(strict=True) as running:
        yield running


@pytest.fixture
async def strict_client(strict: SandboxThread) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(strict.url) as control:
        yield control


async def _started(client: SandboxClient, count: int) -> list[int]:
    ids = []
    for number in range(count):
        person = await client.create_user(f"P{number}")
        await client.start(person["id"])
        ids.append(person["id"])
    return ids


async def _send(http: httpx.AsyncClient, sandbox: SandboxThread, chat_id: int) -> dict[str, Any]:
    url = f"{sandbox.bot_api_base_url}1:T/sendMessage"
    answer: dict[str, Any] = (await http.post(url, data={"chat_id": chat_id, "text": "x"})).json()
    return answer


async def test_it_refuses_a_second_message_to_a_chat_within_a_second(
    strict: SandboxThread, strict_client: SandboxClient
) -> None:
    [chat] = await _started(strict_client, 1)
    async with httpx.AsyncClient() as http:
        assert (await _send(http, strict, chat))["ok"]
        refused = await _send(http, strict, chat)
    assert refused == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    stats = await strict_client.stats()
    assert stats["too_many_requests"] == 1 and stats["refused"] == {"rate_limited": 1}


async def test_it_refuses_the_31st_message_within_a_second(
    strict: SandboxThread, strict_client: SandboxClient
) -> None:
    chats = await _started(strict_client, 31)
    async with httpx.AsyncClient() as http:
        answers = await asyncio.gather(*(_send(http, strict, chat) for chat in chats))
    refused = [a for a in answers if not a["ok"]]
    assert len(refused) == 1 and refused[0]["parameters"]["retry_after"] == 1


async def test_it_refuses_the_21st_message_to_a_group_within_a_minute(
    strict: SandboxThread, strict_client: SandboxClient
) -> None:
    await strict_client.set_limits(per_chat=(100, 1.0))  # isolate the group window
    [coach] = await _started(strict_client, 1)
    group = await strict_client.create_group("Groep", members=[coach])
    async with httpx.AsyncClient() as http:
        answers = [await _send(http, strict, group["id"]) for _ in range(21)]
    assert all(a["ok"] for a in answers[:20])
    assert answers[20]["error_code"] == 429
    assert 59 <= answers[20]["parameters"]["retry_after"] <= 60


async def test_it_admits_a_send_once_retry_after_has_passed(
    strict: SandboxThread, strict_client: SandboxClient
) -> None:
    limits = await strict_client.set_limits(per_chat=(1, 0.3))
    assert limits["per_chat"] == {"count": 1, "seconds": 0.3} and limits["strict"]
    [chat] = await _started(strict_client, 1)
    async with httpx.AsyncClient() as http:
        assert (await _send(http, strict, chat))["ok"]
        assert (await _send(http, strict, chat))["error_code"] == 429
        await asyncio.sleep(0.35)
        assert (await _send(http, strict, chat))["ok"]


async def test_it_can_be_switched_off_at_run_time(
    strict: SandboxThread, strict_client: SandboxClient
) -> None:
    await strict_client.set_limits(strict=False)
    [chat] = await _started(strict_client, 1)
    async with httpx.AsyncClient() as http:
        assert all([(await _send(http, strict, chat))["ok"] for _ in range(5)])
