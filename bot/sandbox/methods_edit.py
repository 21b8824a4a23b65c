"""Bot API methods that change what is already in a chat, and the answer to a button press."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from bot.sandbox.compose import formatted, inline_keyboard, record_bot_event
from bot.sandbox.core import Sandbox
from bot.sandbox.errors import bad_request
from bot.sandbox.model import PRIVATE, ChatState, StoredMessage
from bot.sandbox.params import Kind
from bot.sandbox.registry import method
from bot.sandbox.shapes import CallbackAnswerView
from bot.sandbox.views import message_object, poll_object
from content.telegram_text import CALLBACK_ANSWER_LIMIT, utf16_length

DELETE_WINDOW = timedelta(hours=48)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
EDIT_SCHEMA = {
    "chat_id": Kind.CHAT_ID,
    "message_id": Kind.INT,
    "inline_message_id": Kind.STR,
    "reply_markup": Kind.JSON,
    "business_connection_id": Kind.STR,
}


def _editable(sandbox: Sandbox, params: dict[str, Any]) -> tuple[ChatState, StoredMessage]:
    if params.get("inline_message_id") is not None:
        raise bad_request("inline messages are not supported by the sandbox")
    chat = sandbox.world.chat_for_bot(params.get("chat_id"))
    message = sandbox.world.live_message(chat, params.get("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


def _apply_edit(sandbox: Sandbox, message: StoredMessage, **changes: Any) -> dict[str, Any]:
    """Keep the old version in the history, apply the changes, record the edit."""
    current = message.version()
    new_content = (
        changes.get("plain", message.plain),
        changes.get("entities", message.entities),
        changes.get("reply_markup"),
    )
    if new_content == (current.plain, current.entities, current.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.edits.append(current)
    for name, value in changes.items():
        setattr(message, name, value)
    message.edit_date = sandbox.world.now()
    record_bot_event(sandbox.world, "bot_edit", message)
    return message_object(sandbox.world, message)


@method(
    "editMessageText",
    **EDIT_SCHEMA,
    text=Kind.STR,
    parse_mode=Kind.STR,
    entities=Kind.JSON,
    link_preview_options=Kind.JSON,
)
async def edit_message_text(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    _, message = _editable(sandbox, params)
    if message.plain is None or message.is_caption:
        raise bad_request("there is no text in the message to edit")
    text = params.get("text") or ""
    plain, entities = formatted(text, params.get("parse_mode"), params.get("entities"))
    # Without reply_markup Telegram removes the inline keyboard: so do we.
    return _apply_edit(
        sandbox,
        message,
        text=text,
        parse_mode=params.get("parse_mode"),
        plain=plain,
        entities=entities,
        reply_markup=inline_keyboard(params.get("reply_markup")),
    )


@method("editMessageReplyMarkup", **EDIT_SCHEMA)
async def edit_message_reply_markup(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    _, message = _editable(sandbox, params)
    markup = inline_keyboard(params.get("reply_markup"))
    return _apply_edit(sandbox, message, reply_markup=markup)


@method(
    "stopPoll",
    chat_id=Kind.CHAT_ID,
    message_id=Kind.INT,
    reply_markup=Kind.JSON,
    business_connection_id=Kind.STR,
)
async def stop_poll(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    """Close a poll the bot sent; the bot also gets the closed poll as a `poll` update, as
    Telegram sends one for every manually stopped poll."""
    world = sandbox.world
    chat = world.chat_for_bot(params.get("chat_id"))
    message = world.live_message(chat, params.get("message_id"))
    if message is None or not message.from_bot or "poll" not in message.media:
        raise bad_request("message with poll to stop not found")
    poll = message.media["poll"]
    if poll["is_closed"]:
        raise bad_request("poll has already been closed")
    if "reply_markup" in params:  # checked before anything changes
        message.reply_markup = inline_keyboard(params["reply_markup"])
    poll["is_closed"] = True
    world.push_update("poll", poll_object(message))
    record_bot_event(world, "poll_stopped", message, poll_id=poll["id"])
    return poll_object(message)


@method("deleteMessage", chat_id=Kind.CHAT_ID, message_id=Kind.INT)
async def delete_message(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    """A bot deletes its own messages anywhere and incoming ones in private chats, within 48
    hours (of sandbox time). The bot is never a group admin in the sandbox."""
    world = sandbox.world
    chat = world.chat_for_bot(params.get("chat_id"))
    message = world.live_message(chat, params.get("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    allowed = message.from_bot or chat.type == PRIVATE
    if not allowed or world.now() - message.date > DELETE_WINDOW:
        raise bad_request("message can't be deleted")
    message.deleted = True
    record_bot_event(world, "bot_delete", message)
    return True


@method(
    "answerCallbackQuery",
    callback_query_id=Kind.STR,
    text=Kind.STR,
    show_alert=Kind.BOOL,
    url=Kind.STR,
    cache_time=Kind.INT,
)
async def answer_callback_query(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    text = params.get("text")
    if text is not None and utf16_length(text) > CALLBACK_ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    query = world.callbacks.get(str(params.get("callback_query_id")))
    expired = query is None or (
        time.monotonic() - query.created > sandbox.config.callback_answer_timeout
    )
    if query is None or query.answered or expired:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    query.answered = True
    event = world.record_event(
        "callback_answer",
        chat_id=query.chat_id,
        user_id=query.user_id,
        callback_query_id=query.id,
        text=text,
        show_alert=bool(params.get("show_alert")),
    )
    world.callback_answers.append(
        CallbackAnswerView(
            seq=event.seq,
            time=event.time.isoformat(),
            callback_query_id=query.id,
            user_id=query.user_id,
            chat_id=query.chat_id,
            message_id=query.message_id,
            text=text,
            show_alert=bool(params.get("show_alert")),
            url=params.get("url"),
        )
    )
    world.notify()
    return True
