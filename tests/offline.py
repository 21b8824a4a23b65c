"""Offline python-telegram-bot: a request class that answers from memory and fails loudly on
anything it was not taught, and factories for updates (`make_text_update("/start")`)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 1, "is_bot": True, "first_name": "Duwtje", "username": "duwtje_test_bot"}
_update_ids = itertools.count(10_000)


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class OfflineRequest(BaseRequest):
    """Answers getMe, sends, edits and callback answers like Telegram; raises on the rest."""

    calls: list[Call] = field(default_factory=list)
    errors: dict[str, list[Exception]] = field(default_factory=dict)
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

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
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.json_parameters) if request_data else {}
        params = {key: _decode(value) for key, value in params.items()}
        for name, upload in ((request_data.multipart_data or {}) if request_data else {}).items():
            params[f"{name}_bytes"] = upload[1]  # (file name, content, mime type)
        self.calls.append(Call(api_method, params))
        queued = self.errors.get(api_method)
        if queued:
            raise queued.pop(0)
        result = self._answer(api_method, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            return {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        if method == "sendPhoto":
            return {
                "message_id": next(self._message_ids),
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}],
                "caption": params.get("caption", ""),
            }
        if method == "sendDocument":
            return {
                "message_id": next(self._message_ids),
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "document": {"file_id": "d1", "file_unique_id": "u2"},
                "caption": params.get("caption", ""),
            }
        if method in (
            "answerCallbackQuery",
            "setMyCommands",
            "deleteWebhook",
            "setWebhook",
            "deleteMessage",
        ):
            return True
        raise AssertionError(f"unexpected Telegram call in an offline test: {method}")

    def sent(self, method: str = "sendMessage") -> list[Call]:
        return [call for call in self.calls if call.method == method]


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def user(
    user_id: int = 7001, first_name: str = "Sanne", language_code: str = "nl"
) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language_code,
    }


def make_text_update(
    text: str,
    *,
    from_user: dict[str, Any] | None = None,
    update_id: int | None = None,
    chat: dict[str, Any] | None = None,
    reply_to: int | None = None,
) -> dict[str, Any]:
    """A text message; `reply_to`: the id of the bot's message it replies to."""
    sender = from_user or user()
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": int(datetime.now(UTC).timestamp()),
        "chat": chat or {"id": sender["id"], "type": "private", "first_name": sender["first_name"]},
        "from": sender,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    if reply_to is not None:
        message["reply_to_message"] = {
            "message_id": reply_to,
            "date": message["date"],
            "chat": message["chat"],
            "from": BOT_USER,
            "text": "an earlier message of the bot",
        }
    return {"update_id": update_id or next(_update_ids), "message": message}


def make_press_update(
    data: str,
    *,
    message_id: int = 1,
    from_user: dict[str, Any] | None = None,
    update_id: int | None = None,
) -> dict[str, Any]:
    sender = from_user or user()
    return {
        "update_id": update_id or next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": sender,
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": sender["id"], "type": "private"},
                "from": BOT_USER,
                "text": "earlier message",
            },
        },
    }
