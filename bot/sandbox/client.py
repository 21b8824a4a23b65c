"""An async Python client for the sandbox's control API: act as people, read what happened.

Uses httpx (python-telegram-bot's own HTTP client, so nothing extra to install). Answers are the
typed dicts of `bot.sandbox.shapes`, exactly the JSON the server sends.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, cast

import httpx

from bot.sandbox.shapes import (
    ActionResult,
    CallbackAnswerView,
    ChatView,
    DeliveryView,
    EventView,
    FaultView,
    LimitsView,
    MessageAction,
    MessageView,
    PressAction,
    RequestView,
    StatsView,
    UserView,
)

A = TypeVar("A", bound=ActionResult)
HTTP_SLACK = 10.0  # added to a long poll's timeout for the HTTP read timeout


class SandboxError(Exception):
    """The control API refused: `status` 400, 404 or 409 and its explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SandboxClient:
    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        # Per chat, the last event this client caused or waited for: wait_for_bot_message
        # looks for bot messages after it, so a reply that came before the wait is not missed.
        self._cursor: dict[int, int] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        query: dict[str, Any] | None = None,
        http_timeout: float | None = None,
        keep_none: bool = False,
    ) -> Any:
        payload = body
        if body is not None and not keep_none:  # None: "not given", the server's default
            payload = {k: v for k, v in body.items() if v is not None}
        response = await self._http.request(
            method,
            f"/control/{path}",
            json=payload,
            params=query,
            timeout=self._http.timeout if http_timeout is None else http_timeout,
        )
        if response.status_code != 200:
            raise SandboxError(response.status_code, _error_text(response))
        return response.json()

    async def _act(self, kind: type[A], path: str, body: dict[str, Any] | None = None) -> A:
        """Perform an action; `kind` is the answer's shape (an ActionResult or extension)."""
        result = cast(A, await self._call("POST", path, body or {}))
        self._cursor[result["chat_id"]] = max(self._cursor.get(result["chat_id"], 0), result["seq"])
        return result

    # --- people ------------------------------------------------------------------------------

    async def create_user(
        self,
        first_name: str = "Sam",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        id: int | None = None,
    ) -> UserView:
        body = {
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
            "id": id,
        }
        return cast(UserView, await self._call("POST", "users", body))

    async def users(self) -> list[UserView]:
        return cast(list[UserView], await self._call("GET", "users"))

    async def user(self, user_id: int) -> UserView:
        return cast(UserView, await self._call("GET", f"users/{user_id}"))

    async def start(self, user_id: int, payload: str | None = None) -> MessageAction:
        return await self._act(MessageAction, f"users/{user_id}/start", {"payload": payload})

    async def text(
        self, user_id: int, text: str, chat_id: int | None = None, reply_to: int | None = None
    ) -> MessageAction:
        body = {"text": text, "chat_id": chat_id, "reply_to_message_id": reply_to}
        return await self._act(MessageAction, f"users/{user_id}/text", body)

    async def press(
        self,
        user_id: int,
        message_id: int,
        *,
        data: str | None = None,
        label: str | None = None,
        chat_id: int | None = None,
    ) -> PressAction:
        body = {"message_id": message_id, "data": data, "label": label, "chat_id": chat_id}
        return await self._act(PressAction, f"users/{user_id}/press", body)

    async def vote(
        self,
        user_id: int,
        chat_id: int | None,
        message_id: int,
        option_ids: list[int] | tuple[int, ...],
    ) -> ActionResult:
        """Vote in the bot's poll (chat_id None: the private chat); no options retracts."""
        body = {"chat_id": chat_id, "message_id": message_id, "option_ids": list(option_ids)}
        return await self._act(ActionResult, f"users/{user_id}/vote", body)

    async def voice(
        self,
        user_id: int,
        *,
        chat_id: int | None = None,
        duration: int = 3,
        content: bytes | None = None,
        reply_to: int | None = None,
    ) -> MessageAction:
        body = {
            "chat_id": chat_id,
            "duration": duration,
            "content_base64": _b64(content),
            "reply_to_message_id": reply_to,
        }
        return await self._act(MessageAction, f"users/{user_id}/voice", body)

    async def photo(
        self,
        user_id: int,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
        content: bytes | None = None,
        reply_to: int | None = None,
    ) -> MessageAction:
        body = {
            "chat_id": chat_id,
            "caption": caption,
            "content_base64": _b64(content),
            "reply_to_message_id": reply_to,
        }
        return await self._act(MessageAction, f"users/{user_id}/photo", body)

    async def block(self, user_id: int) -> ActionResult:
        return await self._act(ActionResult, f"users/{user_id}/block")

    async def unblock(self, user_id: int) -> ActionResult:
        return await self._act(ActionResult, f"users/{user_id}/unblock")

    async def deactivate(self, user_id: int) -> ActionResult:
        return await self._act(ActionResult, f"users/{user_id}/deactivate")

    # --- groups ------------------------------------------------------------------------------

    async def create_group(
        self,
        title: str,
        *,
        members: list[int] | tuple[int, ...] = (),
        type: str = "group",
        bot: bool = True,
        privacy: bool = True,
        id: int | None = None,
    ) -> ChatView:
        body = {
            "title": title,
            "members": list(members),
            "type": type,
            "bot": bot,
            "privacy": privacy,
            "id": id,
        }
        chat = cast(ChatView, await self._call("POST", "groups", body))
        return chat

    async def join(self, chat_id: int, user_id: int) -> MessageAction:
        return await self._act(MessageAction, f"groups/{chat_id}/join", {"user_id": user_id})

    async def leave(self, chat_id: int, user_id: int) -> MessageAction:
        return await self._act(MessageAction, f"groups/{chat_id}/leave", {"user_id": user_id})

    async def add_bot(self, chat_id: int, user_id: int) -> MessageAction:
        return await self._act(MessageAction, f"groups/{chat_id}/add_bot", {"user_id": user_id})

    async def remove_bot(self, chat_id: int, user_id: int) -> MessageAction:
        return await self._act(MessageAction, f"groups/{chat_id}/remove_bot", {"user_id": user_id})

    async def set_bot_rights(
        self, chat_id: int, user_id: int, can_send_messages: bool
    ) -> ActionResult:
        """Member `user_id` lets the bot send in the group, or restricts it to reading."""
        body = {"user_id": user_id, "can_send_messages": can_send_messages}
        return await self._act(ActionResult, f"groups/{chat_id}/bot_rights", body)

    async def migrate(self, chat_id: int, user_id: int | None = None) -> MessageAction:
        """Turn a group into a supergroup; the answer's chat_id is the supergroup's new id."""
        return await self._act(MessageAction, f"groups/{chat_id}/migrate", {"user_id": user_id})

    async def set_privacy(self, chat_id: int, enabled: bool) -> ChatView:
        return cast(
            ChatView, await self._call("POST", f"groups/{chat_id}/privacy", {"enabled": enabled})
        )

    # --- reading -----------------------------------------------------------------------------

    async def info(self) -> dict[str, Any]:
        return cast(dict[str, Any], await self._call("GET", "info"))

    async def chats(self) -> list[ChatView]:
        return cast(list[ChatView], await self._call("GET", "chats"))

    async def chat(self, chat_id: int) -> ChatView:
        return cast(ChatView, await self._call("GET", f"chats/{chat_id}"))

    async def messages(self, chat_id: int) -> list[MessageView]:
        return cast(list[MessageView], await self._call("GET", f"chats/{chat_id}/messages"))

    # `timeout` is the server-side long-poll time, part of the control API: not a local cancel.
    async def events(self, after: int = 0, timeout: float = 0) -> list[EventView]:  # noqa: ASYNC109
        """The events after sequence number `after`; waits up to `timeout` seconds for one."""
        query = {"after": after, "timeout": timeout}
        found = await self._call("GET", "events", query=query, http_timeout=timeout + HTTP_SLACK)
        return cast(list[EventView], found)

    async def wait_for_event(
        self,
        predicate: Callable[[EventView], bool],
        *,
        after: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 - spent in long polls, then TimeoutError
    ) -> EventView:
        """The first event after `after` that satisfies `predicate`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen: list[EventView] = []
        while (remaining := deadline - loop.time()) > 0:
            for event in await self.events(after, remaining):
                after = event["seq"]
                if predicate(event):
                    return event
                seen.append(event)
        raise TimeoutError(f"no matching event within {timeout} s; arrived: {_summary(seen)}")

    async def wait_for_bot_message(
        self,
        chat_id: int,
        *,
        after_message_id: int | None = None,
        predicate: Callable[[MessageView], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - spent in long polls, then TimeoutError
    ) -> MessageView:
        """The next message the bot sends to `chat_id` (that satisfies `predicate`).

        "Next" is after the last thing this client did or waited for in that chat, so a reply
        that arrived before this call is not missed and successive calls return successive
        messages. With `after_message_id`, it is instead the first bot message in that chat with
        a higher message_id, looking back over the whole feed."""

        def wanted(event: EventView) -> bool:
            message = event["message"]
            return (
                event["kind"] == "bot_message"
                and event["chat_id"] == chat_id
                and message is not None
                and (after_message_id is None or message["message_id"] > after_message_id)
                and (predicate is None or predicate(message))
            )

        after = self._cursor.get(chat_id, 0) if after_message_id is None else 0
        try:
            event = await self.wait_for_event(wanted, after=after, timeout=timeout)
        except TimeoutError:
            arrived = [e for e in await self.events(after) if e["chat_id"] == chat_id]
            raise TimeoutError(
                f"no bot message to chat {chat_id} within {timeout} s; "
                f"in that chat arrived: {_summary(arrived)}"
            ) from None
        self._cursor[chat_id] = max(self._cursor.get(chat_id, 0), event["seq"])
        assert event["message"] is not None  # checked by wanted()
        return event["message"]

    async def callback_answers(self) -> list[CallbackAnswerView]:
        return cast(list[CallbackAnswerView], await self._call("GET", "callback_answers"))

    async def requests(self, after: int = 0) -> list[RequestView]:
        return cast(list[RequestView], await self._call("GET", "requests", query={"after": after}))

    async def stats(self) -> StatsView:
        return cast(StatsView, await self._call("GET", "stats"))

    async def webhook_deliveries(self) -> list[DeliveryView]:
        return cast(list[DeliveryView], await self._call("GET", "webhook_deliveries"))

    # --- set-up ------------------------------------------------------------------------------

    async def limits(self) -> LimitsView:
        return cast(LimitsView, await self._call("GET", "limits"))

    async def set_limits(
        self,
        *,
        strict: bool | None = None,
        overall: tuple[int, float] | None = None,
        per_chat: tuple[int, float] | None = None,
        per_group: tuple[int, float] | None = None,
    ) -> LimitsView:
        """Strict mode on or off, and any window as (count, seconds)."""
        body: dict[str, Any] = {"strict": strict}
        for name, window in (
            ("overall", overall),
            ("per_chat", per_chat),
            ("per_group", per_group),
        ):
            if window is not None:
                body[name] = {"count": window[0], "seconds": window[1]}
        return cast(LimitsView, await self._call("POST", "limits", body))

    async def add_fault(self, kind: str, method: str = "send", **options: Any) -> FaultView:
        """A fault rule; options: chat_id, nth, every, probability, seed, times (None: no
        limit), retry_after, status, hold, migrate_to_chat_id (see the README)."""
        body = {"kind": kind, "method": method, **options}
        return cast(FaultView, await self._call("POST", "faults", body, keep_none=True))

    async def set_redelivery(self, low: int, high: int, seed: int | None = None) -> None:
        """Every webhook update is delivered `low` to `high` times (a seeded pick each)."""
        await self._call("POST", "redelivery", {"min": low, "max": high, "seed": seed})

    async def clear_redelivery(self) -> None:
        await self._call("DELETE", "redelivery")

    async def faults(self) -> list[FaultView]:
        return cast(list[FaultView], await self._call("GET", "faults"))

    async def clear_faults(self) -> int:
        return int((await self._call("DELETE", "faults"))["cleared"])

    async def reset(self) -> None:
        await self._call("POST", "reset")
        self._cursor.clear()


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"])
    except (ValueError, KeyError, TypeError):
        return response.text.strip() or response.reason_phrase  # e.g. aiohttp's own 404


def _b64(content: bytes | None) -> str | None:
    return None if content is None else base64.b64encode(content).decode("ascii")


def _summary(events: list[EventView]) -> str:
    if not events:
        return "nothing"
    parts = []
    for event in events[-10:]:
        message = event["message"]
        text = (message["plain_text"] or "")[:60] if message else ""
        parts.append(f"#{event['seq']} {event['kind']} chat {event['chat_id']} {text!r}")
    return "; ".join(parts)
