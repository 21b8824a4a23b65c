"""The simulated world's records: plain data, no behaviour beyond small derived facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.sandbox.shapes import MessageView

PRIVATE, GROUP, SUPERGROUP = "private", "group", "supergroup"
MEMBER, LEFT, KICKED = "member", "left", "kicked"
RESTRICTED = "restricted"  # the bot is in the group but may not send (see groups.set_bot_rights)


@dataclass
class BotIdentity:
    id: int
    username: str
    first_name: str = "Duwtje"


@dataclass
class Person:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = False
    blocked: bool = False
    deactivated: bool = False


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str | None = None
    file_name: str | None = None


@dataclass
class Version:
    """The editable part of a message; earlier versions are kept as edit history."""

    date: datetime
    text: str | None  # raw, as sent
    parse_mode: str | None
    plain: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None


@dataclass
class StoredMessage:
    message_id: int
    chat_id: int
    sender_id: int | None  # None: the bot
    date: datetime
    text: str | None = None  # raw text or caption as sent
    parse_mode: str | None = None
    plain: str | None = None  # after parsing
    entities: list[dict[str, Any]] = field(default_factory=list)
    is_caption: bool = False
    reply_markup: dict[str, Any] | None = None
    reply_to: int | None = None
    media: dict[str, Any] = field(default_factory=dict)  # Bot API fields: photo, voice, poll...
    service: dict[str, Any] = field(default_factory=dict)  # Bot API fields of a service message
    edits: list[Version] = field(default_factory=list)
    edit_date: datetime | None = None
    deleted: bool = False
    protect_content: bool = False
    link_preview_options: dict[str, Any] | None = None
    # A poll's current choice per person (user id -> option indexes); the counts in
    # media["poll"] are derived from it.
    votes: dict[int, list[int]] = field(default_factory=dict)

    @property
    def from_bot(self) -> bool:
        return self.sender_id is None

    def version(self) -> Version:
        return Version(
            self.edit_date or self.date,
            self.text,
            self.parse_mode,
            self.plain,
            list(self.entities),
            self.reply_markup,
        )


@dataclass
class ChatState:
    id: int
    type: str
    title: str | None = None
    members: list[int] = field(default_factory=list)
    bot_status: str = MEMBER
    privacy: bool = True
    migrated_to: int | None = None
    migrated_from: int | None = None
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)

    @property
    def is_group(self) -> bool:
        return self.type in (GROUP, SUPERGROUP)

    @property
    def bot_inside(self) -> bool:
        """The bot is in the chat (restricted or not): it receives what a member receives."""
        return self.bot_status in (MEMBER, RESTRICTED)


@dataclass
class CallbackState:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float  # time.monotonic(): how long the bot takes is real time, not demo time
    answered: bool = False


@dataclass
class WebhookState:
    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class Event:
    seq: int
    kind: str
    time: datetime
    chat_id: int | None
    user_id: int | None
    message: MessageView | None
    data: dict[str, Any]
