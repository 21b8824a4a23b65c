"""What the people in the simulated world do: each action changes the world, queues the update
Telegram would send the bot (if any), and records one event in the feed.

Impossible actions (a person who never pressed Start typing, a press on a button that does not
exist) raise `ControlError`: a real Telegram client would not let them happen.
"""

from __future__ import annotations

import re
import time
from typing import Any

from bot.sandbox.entities import detect_entities
from bot.sandbox.errors import ControlError
from bot.sandbox.model import (
    KICKED,
    MEMBER,
    PRIVATE,
    CallbackState,
    ChatState,
    Person,
    StoredMessage,
)
from bot.sandbox.shapes import ActionResult, MessageAction, PressAction
from bot.sandbox.views import (
    bot_user,
    callback_query_object,
    chat_object,
    member_object,
    message_object,
    message_view,
    person_user,
    unix,
)
from bot.sandbox.world import World
from content.telegram_text import START_PAYLOAD_LIMIT

_PAYLOAD = re.compile(rf"[A-Za-z0-9_-]{{1,{START_PAYLOAD_LIMIT}}}")
_COMMAND = re.compile(r"/[A-Za-z0-9_]+(?:@(\w+))?")

# Small but real files, so a bot that downloads them gets something a decoder accepts.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
TINY_OGG = b"OggS" + bytes(24) + b"OpusHead" + bytes(11)


def person(world: World, user_id: int) -> Person:
    found = world.people.get(user_id)
    if found is None:
        raise ControlError(404, f"no person with id {user_id}")
    return found


def create_user(
    world: World,
    *,
    first_name: str,
    id: int | None = None,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> Person:
    if not first_name.strip():
        raise ControlError(400, "first_name must not be empty")
    user_id = world.new_user_id() if id is None else id
    if user_id <= 0 or user_id in world.people:
        raise ControlError(409, f"user id {user_id} is taken or not positive")
    new = Person(user_id, first_name, last_name, username, language_code)
    world.people[user_id] = new
    world.chats[user_id] = ChatState(user_id, PRIVATE, bot_status=MEMBER)  # chat id = user id
    return new


def writable_chat(world: World, who: Person, chat_id: int | None) -> ChatState:
    """The chat `who` can write in: their private chat (after Start) or a group they are in."""
    if who.deactivated:
        raise ControlError(409, f"user {who.id} is deactivated")
    chat = world.chats.get(who.id if chat_id is None else chat_id)
    if chat is None:
        raise ControlError(404, f"no chat with id {chat_id}")
    if chat.type == PRIVATE:
        if chat.id != who.id:
            raise ControlError(409, f"chat {chat.id} is someone else's private chat")
        if who.blocked:
            raise ControlError(409, f"user {who.id} blocked the bot; unblock or start first")
        if not who.started:
            raise ControlError(409, f"user {who.id} has not pressed Start yet")
    elif who.id not in chat.members:
        raise ControlError(409, f"user {who.id} is not a member of chat {chat.id}")
    elif chat.migrated_to is not None:
        raise ControlError(409, f"chat {chat.id} migrated to {chat.migrated_to}")
    return chat


def bot_receives(world: World, chat: ChatState, message: StoredMessage) -> bool:
    """Privacy mode: in a group the bot gets commands to it, replies to it and service
    messages only (see the README for the simplifications)."""
    if chat.type == PRIVATE:
        return True
    if not chat.bot_inside:
        return False
    if not chat.privacy or message.service:
        return True
    target = chat.messages.get(message.reply_to) if message.reply_to else None
    if target is not None and target.from_bot:
        return True
    command = _COMMAND.match(message.plain or "")
    if command is None:
        return False
    return command.group(1) is None or command.group(1).lower() == world.bot.username.lower()


def post(
    world: World,
    chat: ChatState,
    sender_id: int,
    kind: str,
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> MessageAction:
    """A person's message in a chat: store it, give the bot its update, record the event."""
    message = world.add_message(chat, sender_id, **fields)
    update_id = None
    if bot_receives(world, chat, message):
        update_id = world.push_update("message", message_object(world, message))
    event = world.record_event(
        kind, chat_id=chat.id, user_id=sender_id, message=message_view(message), **(data or {})
    )
    world.notify()
    return MessageAction(
        seq=event.seq, chat_id=chat.id, update_id=update_id, message_id=message.message_id
    )


def member_update(world: World, chat: ChatState, by: Person, old: str, new: str) -> int | None:
    """The bot's own membership changed: a `my_chat_member` update."""
    bot = bot_user(world.bot)
    return world.push_update(
        "my_chat_member",
        {
            "chat": chat_object(world, chat),
            "from": person_user(by),
            "date": unix(world.now()),
            "old_chat_member": member_object(bot, old),
            "new_chat_member": member_object(bot, new),
        },
    )


def _reply_target(chat: ChatState, reply_to: int | None) -> int | None:
    if reply_to is not None:
        target = chat.messages.get(reply_to)
        if target is None or target.deleted:
            raise ControlError(404, f"no message {reply_to} in chat {chat.id} to reply to")
    return reply_to


def _text_fields(text: str) -> dict[str, Any]:
    return {"text": text, "plain": text, "entities": detect_entities(text)}


def start(world: World, user_id: int, payload: str | None = None) -> MessageAction:
    who = person(world, user_id)
    if who.deactivated:
        raise ControlError(409, f"user {user_id} is deactivated")
    if payload is not None and not _PAYLOAD.fullmatch(payload):
        raise ControlError(
            400, f"a start payload is 1-{START_PAYLOAD_LIMIT} characters of A-Za-z0-9_-"
        )
    chat = world.chats[user_id]
    if who.blocked:  # the client's "Restart" button unblocks, then sends /start
        _set_blocked(world, who, blocked=False)
    who.started = True
    text = "/start" if payload is None else f"/start {payload}"
    return post(world, chat, user_id, "start", {"payload": payload}, **_text_fields(text))


def text(
    world: World,
    user_id: int,
    text: str,
    *,
    chat_id: int | None = None,
    reply_to: int | None = None,
) -> MessageAction:
    if not text.strip():
        raise ControlError(400, "a message needs some text")
    chat = writable_chat(world, person(world, user_id), chat_id)
    fields = _text_fields(text)
    return post(world, chat, user_id, "text", reply_to=_reply_target(chat, reply_to), **fields)


def voice(
    world: World,
    user_id: int,
    *,
    chat_id: int | None = None,
    duration: int = 3,
    data: bytes | None = None,
    reply_to: int | None = None,
) -> MessageAction:
    chat = writable_chat(world, person(world, user_id), chat_id)
    content = TINY_OGG if data is None else data
    record = world.store_file("voice", content, extension="oga", mime_type="audio/ogg")
    media = {
        "voice": {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(content),
        }
    }
    event = {"file_id": record.file_id, "duration": duration}
    target = _reply_target(chat, reply_to)
    return post(world, chat, user_id, "voice", event, media=media, reply_to=target)


def photo(
    world: World,
    user_id: int,
    *,
    chat_id: int | None = None,
    caption: str | None = None,
    data: bytes | None = None,
    reply_to: int | None = None,
) -> MessageAction:
    chat = writable_chat(world, person(world, user_id), chat_id)
    content = TINY_PNG if data is None else data
    record = world.store_file("photos", content, extension="jpg", mime_type="image/jpeg")
    media = {"photo": photo_sizes(world, record.file_id, len(content))}
    fields: dict[str, Any] = {"media": media, "reply_to": _reply_target(chat, reply_to)}
    if caption:
        fields.update(_text_fields(caption), is_caption=True)
    return post(world, chat, user_id, "photo", {"file_id": record.file_id}, **fields)


def photo_sizes(world: World, file_id: str, size: int) -> list[dict[str, Any]]:
    """A thumbnail and the photo itself, as Telegram lists sizes (smallest first). The sandbox
    does not decode images: the sizes are nominal and both download the same bytes."""
    record = world.files[file_id]
    thumb = {
        "file_id": world.alias_file(record),
        "file_unique_id": f"{record.file_unique_id}s",
        "width": 90,
        "height": 90,
        "file_size": size,
    }
    full = {
        "file_id": file_id,
        "file_unique_id": record.file_unique_id,
        "width": 800,
        "height": 800,
        "file_size": size,
    }
    return [thumb, full]


def press(
    world: World,
    user_id: int,
    message_id: int,
    *,
    data: str | None = None,
    label: str | None = None,
    chat_id: int | None = None,
) -> PressAction:
    """Press an inline button. Buttons the bot has since edited away may still be pressed (a
    phone can show an old keyboard); buttons that never existed may not."""
    if data is None and label is None:
        raise ControlError(400, "say which button: data or label")
    who = person(world, user_id)
    chat = writable_chat(world, who, chat_id)
    message = world.live_message(chat, message_id)
    if message is None or not message.from_bot:
        raise ControlError(404, f"no bot message {message_id} in chat {chat.id}")
    button = _find_button(message, data, label)
    if "callback_data" not in button:
        raise ControlError(409, f"button {button.get('text')!r} does not call the bot back")
    query_id = world.new_opaque_id()
    query = CallbackState(
        query_id, user_id, chat.id, message_id, button["callback_data"], time.monotonic()
    )
    world.callbacks[query_id] = query
    update_id = None
    if chat.bot_inside:
        update_id = world.push_update("callback_query", callback_query_object(world, query))
    event = world.record_event(
        "button",
        chat_id=chat.id,
        user_id=user_id,
        message=message_view(message),
        data=button["callback_data"],
        label=button.get("text"),
        callback_query_id=query_id,
    )
    world.notify()
    return PressAction(
        seq=event.seq,
        chat_id=chat.id,
        update_id=update_id,
        message_id=message_id,
        callback_query_id=query_id,
    )


def _find_button(message: StoredMessage, data: str | None, label: str | None) -> dict[str, Any]:
    markups = [message.reply_markup, *(v.reply_markup for v in reversed(message.edits))]
    for markup in markups:
        for row in (markup or {}).get("inline_keyboard") or []:
            for button in row:
                if (data is None or button.get("callback_data") == data) and (
                    label is None or button.get("text") == label
                ):
                    return dict(button)
    wanted = f"data {data!r}" if label is None else f"label {label!r}"
    raise ControlError(404, f"message {message.message_id} never had a button with {wanted}")


def _set_blocked(world: World, who: Person, *, blocked: bool) -> int | None:
    who.blocked = blocked
    chat = world.chats[who.id]
    old, new = (MEMBER, KICKED) if blocked else (KICKED, MEMBER)
    return member_update(world, chat, who, old, new)


def block(world: World, user_id: int, *, blocked: bool = True) -> ActionResult:
    who = person(world, user_id)
    if who.blocked == blocked:
        state = "already blocked" if blocked else "not blocked"
        raise ControlError(409, f"user {user_id} has {state} the bot")
    update_id = _set_blocked(world, who, blocked=blocked)
    event = world.record_event("block" if blocked else "unblock", chat_id=user_id, user_id=user_id)
    world.notify()
    return ActionResult(seq=event.seq, chat_id=user_id, update_id=update_id)


def deactivate(world: World, user_id: int) -> ActionResult:
    """The account is deleted: Telegram sends the bot nothing, sends to it fail with 403."""
    who = person(world, user_id)
    who.deactivated = True
    event = world.record_event("deactivate", chat_id=user_id, user_id=user_id)
    world.notify()
    return ActionResult(seq=event.seq, chat_id=user_id, update_id=None)
