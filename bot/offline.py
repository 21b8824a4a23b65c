"""A request for python-telegram-bot that answers like Telegram from memory, for the benchmarks
and the fuzzing (`bench/update.py`, `chaos/fuzz.py`): the bot's own calls cost no network, and
each call is kept, so what the bot asked can be checked. The tests have a stricter one
(tests/offline.py) that fails on any method it was not taught."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT = {"id": 1, "is_bot": True, "first_name": "Duwtje", "username": "duwtje_offline_bot"}
_MESSAGES = ("sendMessage", "sendPhoto", "sendDocument", "editMessageText")


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]


class OfflineRequest(BaseRequest):
    """getMe is the bot above; a send or an edit answers with a message; the rest with True.
    A subclass answers differently by overriding `params_of` and `answer`."""

    def __init__(self, *, keep_calls: bool = False) -> None:
        self._ids = itertools.count(1)
        self._keep = keep_calls
        self.calls: list[Call] = []

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if name == "getUpdates":
            await asyncio.sleep(0.01)  # a long poll waits: a poller here never spins
        params = self.params_of(request_data)
        if self._keep:
            self.calls.append(Call(name, params))
        result = self.answer(name, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def params_of(self, request_data: RequestData | None) -> dict[str, Any]:
        return dict(request_data.json_parameters) if request_data else {}

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT
        if method == "getChatMemberCount":
            return 6
        if method == "getFile":
            return {"file_id": "f", "file_unique_id": "u", "file_size": 3, "file_path": "f/1"}
        if method in _MESSAGES:
            return {
                "message_id": int(params.get("message_id") or next(self._ids)),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
                "from": BOT,
                "text": str(params.get("text", "")),
            }
        return True
