"""Posting updates to the bot's webhook, as Telegram does: one JSON update per request, the
secret in `X-Telegram-Bot-Api-Secret-Token`, retries with a short backoff on any non-2xx answer
or connection error, in order per chat (different chats go in parallel up to max_connections).

The deliverer uses aiohttp's client rather than httpx: it runs on the server's own event loop
and its session opens and closes with the aiohttp application.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from bot.sandbox.core import Sandbox
from bot.sandbox.views import unix
from bot.sandbox.world import update_chat_id

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDeliverer:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._busy: set[int | None] = set()  # chats with a delivery under way
        self._in_flight: set[int] = set()  # update ids being delivered
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Deliver until shutdown; woken by every change to the world."""
        timeout = aiohttp.ClientTimeout(total=self.sandbox.config.webhook_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            try:
                while not self.sandbox.closing:
                    self._dispatch(session)
                    await self.sandbox.signal.wait(None)
            finally:
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)

    def _dispatch(self, session: aiohttp.ClientSession) -> None:
        world = self.sandbox.world
        hook = world.webhook
        if hook is None:
            return
        waiting: set[int | None] = set()  # chats whose earlier update must go first
        for update in list(world.pending):
            chat = update_chat_id(update)
            if update["update_id"] in self._in_flight or chat in self._busy or chat in waiting:
                waiting.add(chat)
                continue
            if len(self._in_flight) >= hook.max_connections:
                return
            self._busy.add(chat)
            self._in_flight.add(update["update_id"])
            task = asyncio.create_task(self._deliver(session, update, chat))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(
        self, session: aiohttp.ClientSession, update: dict[str, Any], chat: int | None
    ) -> None:
        sandbox = self.sandbox
        world = sandbox.world
        delays = sandbox.config.webhook_retry_delays
        try:
            for attempt in range(1, len(delays) + 2):
                hook = world.webhook
                if hook is None or sandbox.closing or world is not sandbox.world:
                    return  # deleted or reset meanwhile: the update stays for getUpdates
                status, error = await self._post(session, hook.url, hook.secret_token, update)
                sandbox.records.delivery(
                    update["update_id"], attempt, hook.url, world.now(), status=status, error=error
                )
                if status is not None and 200 <= status <= 299:
                    await self._redeliver(session, hook.url, hook.secret_token, update)
                    break
                hook.last_error_date = unix(world.now())
                hook.last_error_message = error
                if attempt <= len(delays):
                    await sandbox.sleep(delays[attempt - 1])
            # Delivered, or given up after the last attempt (Telegram drops it too).
            if update in world.pending:
                world.pending.remove(update)
        finally:
            self._busy.discard(chat)
            self._in_flight.discard(update["update_id"])
            sandbox.signal.fire()  # the chat's next update may go now

    async def _redeliver(
        self, session: aiohttp.ClientSession, url: str, secret: str | None, update: dict[str, Any]
    ) -> None:
        """Copies of a delivered update, when redelivery is on (see faults.Redelivery)."""
        redelivery = self.sandbox.faults.redelivery
        copies = redelivery.extra_copies() if redelivery else 0
        for copy in range(copies):
            status, error = await self._post(session, url, secret, update)
            self.sandbox.records.delivery(
                update["update_id"],
                copy + 2,
                url,
                self.sandbox.world.now(),
                status=status,
                error=error,
            )

    @staticmethod
    async def _post(
        session: aiohttp.ClientSession, url: str, secret: str | None, update: dict[str, Any]
    ) -> tuple[int | None, str | None]:
        headers = {SECRET_HEADER: secret} if secret else {}
        try:
            async with session.post(url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status <= 299:
                    return response.status, None
                return response.status, (
                    f"Wrong response from the webhook: {response.status} {response.reason}"
                )
        except (aiohttp.ClientError, TimeoutError) as error:
            return None, f"Connection failed: {error!r}"
