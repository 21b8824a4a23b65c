"""Bot API methods that send something into a chat."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from typing import Any

from bot.sandbox.compose import formatted, post_bot_message
from bot.sandbox.core import Sandbox
from bot.sandbox.errors import bad_request
from bot.sandbox.model import RESTRICTED, ChatState, FileRecord
from bot.sandbox.params import Kind, Upload
from bot.sandbox.people import photo_sizes
from bot.sandbox.registry import SENDING, method
from bot.sandbox.world import World
from content.telegram_text import utf16_length

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
POLL_QUESTION_LIMIT = 300
POLL_OPTIONS = (1, 12)  # "A JSON-serialized list of 1-12 answer options" (Bot API 10.0)
POLL_OPTION_LIMIT = 100


def _chat_to_send(world: World, params: dict[str, Any], what: str) -> ChatState:
    """The chat the bot sends `what` to ("text messages", "photos", ...), or Telegram's refusal;
    a restricted bot may send nothing (the sandbox models no finer rights)."""
    chat = world.chat_for_bot(params.get("chat_id"))
    if chat.bot_status == RESTRICTED:
        raise bad_request(f"not enough rights to send {what} to the chat")
    return chat


def _caption(params: dict[str, Any]) -> dict[str, Any]:
    caption = params.get("caption")
    if not caption:
        return {}
    plain, entities = formatted(
        caption, params.get("parse_mode"), params.get("caption_entities"), caption=True
    )
    if not plain:
        return {}
    return {
        "text": caption,
        "parse_mode": params.get("parse_mode"),
        "plain": plain,
        "entities": entities,
        "is_caption": True,
    }


def _input_file(world: World, value: object, folder: str, name: str) -> FileRecord:
    """An uploaded file, a file_id the sandbox knows, or a URL (not fetched: no internet)."""
    if isinstance(value, Upload):
        extension = PurePosixPath(value.filename).suffix.lstrip(".") or "bin"
        mime = value.content_type or mimetypes.guess_type(value.filename)[0]
        return world.store_file(
            folder, value.data, extension=extension, mime_type=mime, file_name=value.filename
        )
    if isinstance(value, str) and value in world.files:
        return world.files[value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        file_name = PurePosixPath(value.split("?")[0]).name or None
        extension = PurePosixPath(file_name or "").suffix.lstrip(".") or "bin"
        # The sandbox has no internet: the file is stored empty (the URL is in the request log).
        return world.store_file(folder, b"", extension=extension, file_name=file_name)
    if value is None:
        raise bad_request(f"there is no {name} in the request")
    raise bad_request("wrong file identifier/HTTP URL specified")


@method(
    "sendMessage",
    **SENDING,
    text=Kind.STR,
    parse_mode=Kind.STR,
    entities=Kind.JSON,
    link_preview_options=Kind.JSON,
)
async def send_message(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    chat = _chat_to_send(world, params, "text messages")
    text = params.get("text") or ""
    plain, entities = formatted(text, params.get("parse_mode"), params.get("entities"))
    return post_bot_message(
        world,
        chat,
        params,
        text=text,
        parse_mode=params.get("parse_mode"),
        plain=plain,
        entities=entities,
    )


@method(
    "sendPhoto",
    **SENDING,
    photo=Kind.FILE,
    caption=Kind.STR,
    parse_mode=Kind.STR,
    caption_entities=Kind.JSON,
    show_caption_above_media=Kind.BOOL,
    has_spoiler=Kind.BOOL,
)
async def send_photo(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    chat = _chat_to_send(world, params, "photos")
    caption = _caption(params)
    record = _input_file(world, params.get("photo"), "photos", "photo")
    media = {"photo": photo_sizes(world, record.file_id, len(record.data))}
    return post_bot_message(world, chat, params, media=media, **caption)


@method(
    "sendVoice",
    **SENDING,
    voice=Kind.FILE,
    caption=Kind.STR,
    parse_mode=Kind.STR,
    caption_entities=Kind.JSON,
    duration=Kind.INT,
)
async def send_voice(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    chat = _chat_to_send(world, params, "voice notes")
    caption = _caption(params)
    record = _input_file(world, params.get("voice"), "voice", "voice")
    voice = {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "duration": int(params.get("duration") or 1),
        "mime_type": record.mime_type or "audio/ogg",
        "file_size": len(record.data),
    }
    return post_bot_message(world, chat, params, media={"voice": voice}, **caption)


@method(
    "sendDocument",
    **SENDING,
    document=Kind.FILE,
    thumbnail=Kind.FILE,
    caption=Kind.STR,
    parse_mode=Kind.STR,
    caption_entities=Kind.JSON,
    disable_content_type_detection=Kind.BOOL,
)
async def send_document(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    chat = _chat_to_send(world, params, "documents")
    caption = _caption(params)
    record = _input_file(world, params.get("document"), "documents", "document")
    document = {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_name": record.file_name,
        "mime_type": record.mime_type,
        "file_size": len(record.data),
    }
    media = {"document": {k: v for k, v in document.items() if v is not None}}
    return post_bot_message(world, chat, params, media=media, **caption)


def _poll_options(options: object) -> list[str]:
    if not isinstance(options, list):
        raise bad_request("can't parse options JSON object")
    texts = []
    for option in options:
        text = option.get("text") if isinstance(option, dict) else option
        if not isinstance(text, str) or not 1 <= utf16_length(text) <= POLL_OPTION_LIMIT:
            raise bad_request("poll options length must not exceed 100")
        texts.append(text)
    low, high = POLL_OPTIONS
    if len(texts) < low:
        raise bad_request("poll must have at least 1 option")
    if len(texts) > high:
        raise bad_request("poll can't have more than 12 options")
    return texts


@method(
    "sendPoll",
    **SENDING,
    question=Kind.STR,
    question_parse_mode=Kind.STR,
    question_entities=Kind.JSON,
    options=Kind.JSON,
    is_anonymous=Kind.BOOL,
    type=Kind.STR,
    allows_multiple_answers=Kind.BOOL,
    allows_revoting=Kind.BOOL,
    is_closed=Kind.BOOL,
)
async def send_poll(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    chat = _chat_to_send(world, params, "polls")
    question = params.get("question") or ""
    if not 1 <= utf16_length(question) <= POLL_QUESTION_LIMIT:
        raise bad_request("poll question length must not exceed 300")
    options = _poll_options(params.get("options"))
    if params.get("type", "regular") not in ("regular", "quiz"):
        raise bad_request("poll type must be regular or quiz")
    poll_id = world.new_opaque_id()
    poll = {
        "id": poll_id,
        "question": question,
        "options": [
            {"persistent_id": f"{poll_id}-{index}", "text": text, "voter_count": 0}
            for index, text in enumerate(options)
        ],
        "total_voter_count": 0,
        "is_closed": bool(params.get("is_closed", False)),
        "is_anonymous": bool(params.get("is_anonymous", True)),
        "type": params.get("type", "regular"),
        "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
        "allows_revoting": bool(params.get("allows_revoting", True)),
        "members_only": False,
    }
    return post_bot_message(world, chat, params, media={"poll": poll})


@method("sendChatAction", chat_id=Kind.CHAT_ID, action=Kind.STR, message_thread_id=Kind.INT)
async def send_chat_action(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    chat = world.chat_for_bot(params.get("chat_id"))
    action = params.get("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    world.record_event("chat_action", chat_id=chat.id, action=action)
    world.notify()
    return True
