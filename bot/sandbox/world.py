"""The simulated world's state: people, chats, messages, files, the update queue and the event feed.

Pure in-memory state with no HTTP and no asyncio: the server mutates it from its one event loop
thread, so no locks are needed; `listeners` are called after every change so long polls and the
webhook deliverer can wake up.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.clock import Clock
from bot.sandbox.errors import bad_request, forbidden
from bot.sandbox.model import (
    KICKED,
    LEFT,
    PRIVATE,
    SUPERGROUP,
    BotIdentity,
    CallbackState,
    ChatState,
    Event,
    FileRecord,
    Person,
    StoredMessage,
    WebhookState,
)
from bot.sandbox.shapes import CallbackAnswerView, MessageView

# Updates Telegram leaves out unless asked for by name in allowed_updates.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

FIRST_USER_ID = 1_000_001
FIRST_GROUP_ID = 4_000_000_001  # basic groups: -4000000001, -4000000002, ...
FIRST_SUPERGROUP_ID = 1_002_000_000_001  # supergroups: -1002000000001, ... (the -100 prefix)


class World:
    def __init__(
        self,
        *,
        clock: Clock,
        bot: BotIdentity,
        first_update_id: int,
        first_event_seq: int = 1,
    ) -> None:
        self.clock = clock
        self.bot = bot
        self.people: dict[int, Person] = {}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, FileRecord] = {}  # by file_id
        self.file_paths: dict[str, FileRecord] = {}  # by file_path, for downloads
        self.callbacks: dict[str, CallbackState] = {}
        self.callback_answers: list[CallbackAnswerView] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # by scope and language
        self.webhook: WebhookState | None = None
        self.allowed_updates: list[str] = []
        self.pending: deque[dict[str, Any]] = deque()  # updates not yet confirmed or delivered
        self.events: list[Event] = []
        self.next_update_id = first_update_id
        self.next_seq = first_event_seq
        self.listeners: list[Callable[[], None]] = []
        self._user_ids = itertools.count(FIRST_USER_ID)
        self._group_ids = itertools.count(FIRST_GROUP_ID)
        self._supergroup_ids = itertools.count(FIRST_SUPERGROUP_ID)
        self._file_numbers = itertools.count(1)
        self._callback_numbers = itertools.count(secrets.randbits(40))

    def now(self) -> datetime:
        return self.clock.now()

    def notify(self) -> None:
        for listener in self.listeners:
            listener()

    # --- identifiers ------------------------------------------------------------------------

    def new_user_id(self) -> int:
        return next(i for i in self._user_ids if i not in self.people)

    def new_chat_id(self, kind: str) -> int:
        numbers = self._supergroup_ids if kind == SUPERGROUP else self._group_ids
        return next(-i for i in numbers if -i not in self.chats)

    def new_opaque_id(self) -> str:
        """A fresh id for a callback query or a poll: Telegram's are large numbers as strings."""
        return str(next(self._callback_numbers))

    def chat_instance(self, chat_id: int) -> str:
        # Telegram's chat_instance is an opaque value, stable per chat (and per bot)
        digest = hashlib.sha256(f"{self.bot.id}:{chat_id}".encode()).digest()
        return str(int.from_bytes(digest[:8], "big") >> 1)

    # --- updates and events -----------------------------------------------------------------

    def push_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update for the bot; None when the bot's allowed_updates exclude it (Telegram
        then never creates it)."""
        allowed = self.allowed_updates
        if (allowed and kind not in allowed) or (not allowed and kind in NOT_BY_DEFAULT):
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.pending.append({"update_id": update_id, kind: payload})
        return update_id

    def confirm_updates(self, offset: int) -> None:
        """getUpdates' offset: a positive offset confirms every earlier update; a negative one
        keeps only the last -offset updates."""
        if offset > 0:
            while self.pending and self.pending[0]["update_id"] < offset:
                self.pending.popleft()
        elif offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()

    def record_event(
        self,
        kind: str,
        *,
        chat_id: int | None,
        user_id: int | None = None,
        message: MessageView | None = None,
        **data: Any,
    ) -> Event:
        event = Event(self.next_seq, kind, self.now(), chat_id, user_id, message, data)
        self.next_seq += 1
        self.events.append(event)
        return event

    def events_after(self, seq: int) -> list[Event]:
        # events are in seq order and seq numbers are consecutive from the first kept one
        if not self.events:
            return []
        start = max(seq + 1 - self.events[0].seq, 0)
        return self.events[start:]

    # --- messages and files -----------------------------------------------------------------

    def add_message(self, chat: ChatState, sender_id: int | None, **fields: Any) -> StoredMessage:
        message = StoredMessage(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            sender_id=sender_id,
            date=self.now(),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return message

    def store_file(
        self,
        folder: str,
        data: bytes,
        *,
        extension: str,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> FileRecord:
        number = next(self._file_numbers)
        unique = f"AQAD{number:06d}"
        record = FileRecord(
            file_id=f"{folder[:2].upper()}ACAgQAAxkB{secrets.token_urlsafe(24)}",
            file_unique_id=unique,
            file_path=f"{folder}/file_{number}.{extension}",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[record.file_id] = record
        self.file_paths[record.file_path] = record
        return record

    def alias_file(self, record: FileRecord) -> str:
        """Another file_id for the same file (Telegram gives each photo size its own id)."""
        file_id = f"{record.file_id[:12]}{secrets.token_urlsafe(16)}"
        self.files[file_id] = record
        return file_id

    # --- what the bot may do ---------------------------------------------------------------

    def chat_for_bot(self, chat_id: object) -> ChatState:
        """The chat the bot wants to write to, or Telegram's refusal."""
        if chat_id is None:
            raise bad_request("chat_id is empty")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        if chat.type == PRIVATE:
            person = self.people[chat.id]
            if person.deactivated:
                raise forbidden("user is deactivated")
            if person.blocked:
                raise forbidden("bot was blocked by the user")
            if not person.started:
                raise forbidden("bot can't initiate conversation with a user")
            return chat
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.bot_status == KICKED:
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if chat.bot_status == LEFT:
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    def known_chat(self, chat_id: object) -> ChatState:
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def live_message(self, chat: ChatState, message_id: object) -> StoredMessage | None:
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        return None if message is None or message.deleted else message


def update_chat_id(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to: webhook deliveries keep order per chat."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        if "chat" in value:
            return int(value["chat"]["id"])
        if "message" in value and isinstance(value["message"], dict):
            return int(value["message"]["chat"]["id"])
        if "from" in value:
            return int(value["from"]["id"])
    return None
