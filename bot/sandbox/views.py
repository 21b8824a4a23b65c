"""How the world looks from outside: Bot API objects for the bot, and control API views."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.sandbox.model import (
    PRIVATE,
    RESTRICTED,
    BotIdentity,
    CallbackState,
    ChatState,
    Event,
    Person,
    StoredMessage,
    Version,
)
from bot.sandbox.shapes import (
    AttachmentView,
    ButtonView,
    ChatView,
    EventView,
    MessageView,
    UserView,
    VersionView,
)

if TYPE_CHECKING:
    from bot.sandbox.world import World


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _without_none(fields: dict[str, Any]) -> dict[str, Any]:
    # Telegram leaves out absent optional fields rather than sending null.
    return {key: value for key, value in fields.items() if value is not None}


# --- Bot API objects ---------------------------------------------------------------------


def bot_user(bot: BotIdentity) -> dict[str, Any]:
    return {"id": bot.id, "is_bot": True, "first_name": bot.first_name, "username": bot.username}


def person_user(person: Person) -> dict[str, Any]:
    return _without_none(
        {
            "id": person.id,
            "is_bot": False,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "username": person.username,
            "language_code": person.language_code,
        }
    )


def chat_object(world: World, chat: ChatState) -> dict[str, Any]:
    if chat.type == PRIVATE:
        person = world.people[chat.id]
        return _without_none(
            {
                "id": chat.id,
                "type": PRIVATE,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "username": person.username,
            }
        )
    return {"id": chat.id, "type": chat.type, "title": chat.title}


def sender_user(world: World, sender_id: int | None) -> dict[str, Any]:
    return bot_user(world.bot) if sender_id is None else person_user(world.people[sender_id])


def message_object(world: World, message: StoredMessage, *, nested: bool = False) -> dict[str, Any]:
    """A Bot API `Message`, as Telegram would return or deliver it now."""
    chat = world.chats[message.chat_id]
    result: dict[str, Any] = {
        "message_id": message.message_id,
        "from": sender_user(world, message.sender_id),
        "chat": chat_object(world, chat),
        "date": unix(message.date),
    }
    if message.reply_to is not None and not nested:
        target = chat.messages.get(message.reply_to)
        if target is not None and not target.deleted:
            result["reply_to_message"] = message_object(world, target, nested=True)
    if message.edit_date is not None:
        result["edit_date"] = unix(message.edit_date)
    if message.plain is not None:
        key = "caption" if message.is_caption else "text"
        result[key] = message.plain
        if message.entities:
            result[f"{key}_entities" if message.is_caption else "entities"] = message.entities
    result.update(message.media)
    result.update(message.service)
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        result["reply_markup"] = message.reply_markup  # only inline keyboards come back
    if message.link_preview_options:
        result["link_preview_options"] = message.link_preview_options
    if message.protect_content:
        result["has_protected_content"] = True
    return result


def callback_query_object(world: World, query: CallbackState) -> dict[str, Any]:
    message = world.chats[query.chat_id].messages[query.message_id]
    return {
        "id": query.id,
        "from": person_user(world.people[query.user_id]),
        "message": message_object(world, message),
        "chat_instance": world.chat_instance(query.chat_id),
        "data": query.data,
    }


# What a member restricted to reading may do (ChatMemberRestricted, Bot API 10.0): the sandbox
# models only the right to send, so every sending right is off and the others are those of a
# plain member of a group whose settings nobody changed.
_READ_ONLY_RIGHTS = {
    "can_send_messages": False,
    "can_send_audios": False,
    "can_send_documents": False,
    "can_send_photos": False,
    "can_send_videos": False,
    "can_send_video_notes": False,
    "can_send_voice_notes": False,
    "can_send_polls": False,
    "can_send_other_messages": False,
    "can_add_web_page_previews": False,
    "can_react_to_messages": True,
    "can_edit_tag": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_pin_messages": False,
    "can_manage_topics": False,
}


def member_object(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A `ChatMember` in the shape of its subtype for `status`."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "kicked":
        member["until_date"] = 0
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == RESTRICTED:
        # until_date 0: restricted until someone lifts it
        member.update(is_member=True, **_READ_ONLY_RIGHTS, until_date=0)
    return member


def poll_object(message: StoredMessage) -> dict[str, Any]:
    """The message's `Poll` as it is now (a copy: an update keeps the state it was sent with)."""
    poll = message.media["poll"]
    return {**poll, "options": [dict(option) for option in poll["options"]]}


def poll_answer_object(
    poll: dict[str, Any], person: Person, option_ids: list[int]
) -> dict[str, Any]:
    """A non-anonymous voter's new choice (empty: the vote was retracted)."""
    return {
        "poll_id": poll["id"],
        "user": person_user(person),
        "option_ids": list(option_ids),
        "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in option_ids],
    }


# --- control API views --------------------------------------------------------------------


def user_view(person: Person) -> UserView:
    return UserView(
        id=person.id,
        first_name=person.first_name,
        last_name=person.last_name,
        username=person.username,
        language_code=person.language_code,
        started=person.started,
        blocked=person.blocked,
        deactivated=person.deactivated,
    )


def chat_view(chat: ChatState) -> ChatView:
    return ChatView(
        id=chat.id,
        type=chat.type,
        title=chat.title,
        members=list(chat.members),
        bot_status=chat.bot_status,
        privacy=chat.privacy,
        migrated_to=chat.migrated_to,
        migrated_from=chat.migrated_from,
    )


def buttons_view(markup: dict[str, Any] | None) -> list[list[ButtonView]]:
    rows = (markup or {}).get("inline_keyboard") or []
    return [
        [
            ButtonView(
                text=str(button.get("text", "")),
                callback_data=button.get("callback_data"),
                url=button.get("url"),
            )
            for button in row
            if isinstance(button, dict)
        ]
        for row in rows
        if isinstance(row, list)
    ]


def _attachment(kind: str, media: dict[str, Any]) -> AttachmentView:
    poll_options = media.get("options")
    return AttachmentView(
        kind=kind,
        file_id=media.get("file_id"),
        file_name=media.get("file_name"),
        mime_type=media.get("mime_type"),
        file_size=media.get("file_size"),
        duration=media.get("duration"),
        question=media.get("question"),
        options=[option["text"] for option in poll_options] if poll_options else None,
    )


def attachments_view(media: dict[str, Any]) -> list[AttachmentView]:
    views = []
    for kind, value in media.items():
        # a photo is a list of sizes; the largest is the photo
        views.append(_attachment(kind, value[-1] if isinstance(value, list) else value))
    return views


def _version_view(version: Version) -> VersionView:
    return VersionView(
        date=version.date.isoformat(),
        text=version.text,
        plain_text=version.plain,
        parse_mode=version.parse_mode,
        buttons=buttons_view(version.reply_markup),
    )


def message_view(message: StoredMessage) -> MessageView:
    return MessageView(
        message_id=message.message_id,
        chat_id=message.chat_id,
        sender="bot" if message.sender_id is None else message.sender_id,
        date=message.date.isoformat(),
        edit_date=message.edit_date.isoformat() if message.edit_date else None,
        text=message.text,
        plain_text=message.plain,
        parse_mode=message.parse_mode,
        buttons=buttons_view(message.reply_markup),
        attachments=attachments_view(message.media),
        reply_to_message_id=message.reply_to,
        service=next(iter(message.service), None),
        edits=[_version_view(version) for version in message.edits],
        deleted=message.deleted,
    )


def event_view(event: Event) -> EventView:
    return EventView(
        seq=event.seq,
        kind=event.kind,
        time=event.time.isoformat(),
        chat_id=event.chat_id,
        user_id=event.user_id,
        message=event.message,
        data=event.data,
    )
