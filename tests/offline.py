"""Offline python-telegram-bot: a request class that answers from memory and fails loudly on
anything it was not taught, and factories for updates (`make_text_update("/start")`)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

from telegram.request import RequestData

from bot.offline import Call
from bot.offline import OfflineRequest as BaseOfflineRequest

BOT_USER = {"id": 1, "is_bot": True, "first_name": "Duwtje", "username": "duwtje_test_bot"}
_update_ids = itertools.count(10_000)


class OfflineRequest(BaseOfflineRequest):
    """Answers getMe, sends, edits and callback answers like Telegram; raises on the rest."""

    def __init__(self) -> None:
        super().__init__(keep_calls=True)
        self.errors: dict[str, list[Exception]] = {}
        self._message_ids = itertools.count(1)
        self.polls: dict[str, dict[str, Any]] = {}  # sent polls by id
        self.member_count = 6  # what getChatMemberCount answers (the bot included)
        self.pending_updates: list[dict[str, Any]] = []  # what getUpdates gives, from `offset`

    def params_of(self, request_data: RequestData | None) -> dict[str, Any]:
        params = dict(request_data.json_parameters) if request_data else {}
        params = {key: _decode(value) for key, value in params.items()}
        for name, upload in ((request_data.multipart_data or {}) if request_data else {}).items():
            params[f"{name}_bytes"] = upload[1]  # (file name, content, mime type)
        return params

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        queued = self.errors.get(method)
        if queued:
            raise queued.pop(0)
        return self._answer(method, params)

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getUpdates":  # as Telegram: from the offset on (confirming the rest)
            offset = int(params.get("offset") or 0)
            return [update for update in self.pending_updates if update["update_id"] >= offset]
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            return {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": int(datetime.now(UTC).timestamp()),
                "chat": _chat(int(params["chat_id"])),
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
        if method == "sendPoll":
            poll_id = f"poll{next(self._message_ids)}"
            self.polls[poll_id] = _poll(poll_id, params)
            return {
                "message_id": next(self._message_ids),
                "date": int(datetime.now(UTC).timestamp()),
                "chat": _chat(int(params["chat_id"])),
                "from": BOT_USER,
                "poll": self.polls[poll_id],
            }
        if method == "stopPoll":
            # The poll that message carries; offline tests end the newest one.
            poll = next(reversed(self.polls.values()))
            poll["is_closed"] = True
            return poll
        if method == "getChatMemberCount":
            return self.member_count
        if method in (
            "leaveChat",
            "answerCallbackQuery",
            "setMyCommands",
            "deleteWebhook",
            "setWebhook",
            "deleteMessage",
        ):
            return True
        raise AssertionError(f"unexpected Telegram call in an offline test: {method}")

    def vote(self, poll_id: str, counts: list[int]) -> dict[str, Any]:
        """The poll's new totals, as Telegram would send them in a `poll` update."""
        poll = self.polls[poll_id]
        for option, count in zip(poll["options"], counts, strict=True):
            option["voter_count"] = count
        poll["total_voter_count"] = sum(counts)
        return dict(poll)

    def sent(self, method: str = "sendMessage") -> list[Call]:
        return [call for call in self.calls if call.method == method]


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": "Lotgenoten"}


def _poll(poll_id: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": poll_id,
        "question": params["question"],
        "options": [
            {
                "persistent_id": f"{poll_id}-{index}",
                "text": option if isinstance(option, str) else option["text"],
                "voter_count": 0,
            }
            for index, option in enumerate(params["options"])
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": True,
        "members_only": False,
    }


def group_chat(chat_id: int = -4000000001, title: str = "Lotgenoten") -> dict[str, Any]:
    return _chat(chat_id) | {"title": title}


def make_group_update(
    chat: dict[str, Any], from_user: dict[str, Any], **service: Any
) -> dict[str, Any]:
    """A service message in a group: new_chat_members, left_chat_member, migrate_to_chat_id..."""
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "date": int(datetime.now(UTC).timestamp()),
            "chat": chat,
            "from": from_user,
            **service,
        },
    }


def make_member_update(
    chat: dict[str, Any], from_user: dict[str, Any], old: str, new: str, **rights: Any
) -> dict[str, Any]:
    """`my_chat_member`: the bot's status in `chat` went from `old` to `new`."""

    def member(status: str) -> dict[str, Any]:
        value: dict[str, Any] = {"status": status, "user": BOT_USER}
        if status == "restricted":
            value |= {
                "is_member": True,
                "until_date": 0,
                **{
                    name: rights.get(name, False)
                    for name in (
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                        "can_edit_tag",
                        "can_react_to_messages",
                    )
                },
            }
        if status == "kicked":
            value["until_date"] = 0
        return value

    return {
        "update_id": next(_update_ids),
        "my_chat_member": {
            "chat": chat,
            "from": from_user,
            "date": int(datetime.now(UTC).timestamp()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        },
    }


def make_poll_update(poll: dict[str, Any]) -> dict[str, Any]:
    return {"update_id": next(_update_ids), "poll": poll}


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
    chat: dict[str, Any] | None = None,
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
                "chat": chat or {"id": sender["id"], "type": "private"},
                "from": BOT_USER,
                "text": "earlier message",
            },
        },
    }
