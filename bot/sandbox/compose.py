"""Turning what a bot sends into a stored message, with Telegram's checks and error texts."""

from __future__ import annotations

from typing import Any

from bot.sandbox.entities import Entity, detect_entities, ordered, parse_html, strip_text
from bot.sandbox.errors import bad_request
from bot.sandbox.model import ChatState, StoredMessage
from bot.sandbox.views import message_object, message_view
from bot.sandbox.world import World
from content.telegram_text import (
    CALLBACK_DATA_LIMIT,
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    check_html,
    utf8_length,
    utf16_length,
)

# Inline keyboard button fields of which exactly one says what the button does.
BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


def formatted(
    text: str, parse_mode: object, entities: object, *, caption: bool = False
) -> tuple[str, list[Entity]]:
    """The visible text and entities of a text or caption, or Telegram's refusal."""
    if parse_mode not in (None, ""):
        if not isinstance(parse_mode, str) or parse_mode.upper() != "HTML":
            # The sandbox (like Duwtje) speaks HTML only; Markdown is not emulated.
            raise bad_request("unsupported parse_mode")
        problems, _ = check_html(text)
        if problems:
            raise bad_request(f"can't parse entities: {problems[0]}")
        plain, found = parse_html(text)
    elif entities is not None:
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise bad_request("can't parse entities JSON object")
        plain, found = text, list(entities)
    else:
        plain, found = text, []
    plain, found = strip_text(plain, found)
    found = ordered(found + detect_entities(plain, found))
    length = utf16_length(plain)
    if caption and length > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    if not caption and length == 0:
        raise bad_request("message text is empty")
    if not caption and length > MESSAGE_LIMIT:
        raise bad_request("message is too long")
    return plain, found


def inline_keyboard(markup: object) -> dict[str, Any] | None:
    """Check reply_markup; only inline keyboards are kept on the message (as in Telegram)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup  # reply keyboards and their removal: stored, never shown by the sandbox
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse reply keyboard markup JSON object: inline_keyboard is not rows of buttons"
        )
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: object) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = BUTTON_ACTIONS & set(button)
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if "callback_data" in button and (
        not isinstance(data, str) or not 1 <= utf8_length(data) <= CALLBACK_DATA_LIMIT
    ):
        raise bad_request("BUTTON_DATA_INVALID")


def reply_target(chat: ChatState, params: dict[str, Any]) -> int | None:
    """The message replied to, from reply_parameters or the older reply_to_message_id."""
    reply = params.get("reply_parameters")
    if reply is not None:
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise bad_request("can't parse reply parameters JSON object")
        if reply.get("chat_id") not in (None, chat.id):
            raise bad_request("replies to other chats are not supported by the sandbox")
        message_id, lenient = reply["message_id"], bool(reply.get("allow_sending_without_reply"))
    else:
        message_id = params.get("reply_to_message_id")
        lenient = bool(params.get("allow_sending_without_reply"))
    if message_id is None:
        return None
    target = chat.messages.get(message_id)
    if target is None or target.deleted:
        if lenient:
            return None
        raise bad_request("message to be replied not found")
    return int(message_id)


def post_bot_message(
    world: World, chat: ChatState, params: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """Store a bot message, record it in the feed and return it as Telegram would."""
    message = world.add_message(
        chat,
        None,
        reply_to=reply_target(chat, params),
        reply_markup=inline_keyboard(params.get("reply_markup")),
        protect_content=bool(params.get("protect_content")),
        link_preview_options=params.get("link_preview_options"),
        **fields,
    )
    record_bot_event(world, "bot_message", message)
    return message_object(world, message)


def record_bot_event(world: World, kind: str, message: StoredMessage, **data: Any) -> None:
    world.record_event(kind, chat_id=message.chat_id, message=message_view(message), **data)
    world.notify()
