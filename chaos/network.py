"""The bot's own network edge, for faults no server can produce: a connect error happens before
anything reaches Telegram (or the sandbox). Everything else goes over a real HTTP transport."""

from __future__ import annotations

import random
from urllib.parse import parse_qs

import httpx


class FlakyConnect(httpx.AsyncBaseTransport):
    """A share of `sendMessage` calls fail with `httpx.ConnectError`, as when the connection to
    Telegram cannot be made; `refused` lists the (chat id, text) of each."""

    def __init__(self, probability: float, *, seed: int, times: int | None = None) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._probability = probability
        self._rng = random.Random(seed)
        self._times = times  # at most this many; None: no limit
        self.refused: list[tuple[int, str]] = []

    def _fires(self) -> bool:
        if self._times is not None and len(self.refused) >= self._times:
            return False
        return self._rng.random() < self._probability

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sendMessage") and self._fires():
            fields = parse_qs((await request.aread()).decode())
            self.refused.append((int(fields["chat_id"][0]), fields["text"][0]))
            raise httpx.ConnectError("injected: connection refused", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
