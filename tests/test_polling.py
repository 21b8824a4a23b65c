"""The poller (bot/polling.py) offline: an update python-telegram-bot cannot read does not stop
the ones after it; it is logged by its id, left out and confirmed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from telegram.ext import Application

from bot.app import runtime_of
from bot.polling import poll
from tests.offline import OfflineRequest, make_text_update

App = Application  # type: ignore[type-arg]


@dataclass
class Held:
    """A lease this process holds (bot/lease.py), for the poller only."""

    held: bool = True
    renew_seconds: float = 0.05


async def test_an_unreadable_update_does_not_stop_the_ones_after_it(
    offline_app: App, offline_request: OfflineRequest, caplog: pytest.LogCaptureFixture
) -> None:
    unreadable = make_text_update("hallo", update_id=10)
    del unreadable["message"]["from"]["first_name"]  # python-telegram-bot needs it
    offline_request.pending_updates = [unreadable, make_text_update("/help", update_id=11)]
    stop = asyncio.Event()
    task = asyncio.create_task(poll(runtime_of(offline_app), offline_app, stop, Held()))  # type: ignore[arg-type]
    try:
        update = await asyncio.wait_for(offline_app.update_queue.get(), timeout=5)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert update.update_id == 11
    assert "update 10 cannot be read" in caplog.text
    offsets = [c.params.get("offset") for c in offline_request.calls if c.method == "getUpdates"]
    assert offsets[-1] == 12  # both confirmed: the unreadable one is never asked again


async def test_a_batch_of_only_unreadable_updates_is_confirmed_and_polling_goes_on(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    unreadable = make_text_update("hallo", update_id=20)
    del unreadable["message"]["date"]
    offline_request.pending_updates = [unreadable]
    stop = asyncio.Event()
    task = asyncio.create_task(poll(runtime_of(offline_app), offline_app, stop, Held()))  # type: ignore[arg-type]

    def confirmed() -> bool:
        return any(
            c.method == "getUpdates" and c.params.get("offset") == 21 for c in offline_request.calls
        )

    try:
        for _ in range(500):  # the poller asks every 10 ms offline
            if confirmed():
                break
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert confirmed()
    assert offline_app.update_queue.empty()
