"""The Bot API methods the sandbox answers, each with the kinds of its parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.sandbox.params import Kind

if TYPE_CHECKING:
    from bot.sandbox.core import Sandbox

Handler = Callable[["Sandbox", dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Method:
    name: str  # canonical, as in the Bot API documentation
    schema: dict[str, Kind]
    handler: Handler


METHODS: dict[str, Method] = {}  # by lower-case name: Telegram ignores the case of method names


def method(name: str, **schema: Kind) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = Method(name, dict(schema), handler)
        return handler

    return register


# Parameter kinds shared by the message methods.
SENDING = {
    "chat_id": Kind.CHAT_ID,
    "message_thread_id": Kind.INT,
    "reply_markup": Kind.JSON,
    "reply_parameters": Kind.JSON,
    "reply_to_message_id": Kind.INT,
    "allow_sending_without_reply": Kind.BOOL,
    "disable_notification": Kind.BOOL,
    "protect_content": Kind.BOOL,
    "allow_paid_broadcast": Kind.BOOL,
    "message_effect_id": Kind.STR,
    "business_connection_id": Kind.STR,
}
