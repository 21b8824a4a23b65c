"""The JSON shapes of the control API, shared by the server (which builds them) and the client
(which returns them), so both sides agree by construction. Times are ISO 8601 with offset."""

from __future__ import annotations

from typing import Any, TypedDict


class UserView(TypedDict):
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    started: bool  # pressed Start at least once
    blocked: bool
    deactivated: bool


class ChatView(TypedDict):
    id: int
    type: str  # private, group or supergroup
    title: str | None
    members: list[int]
    bot_status: str  # member, restricted (may not send), left or kicked
    privacy: bool
    migrated_to: int | None
    migrated_from: int | None


class ButtonView(TypedDict):
    text: str
    callback_data: str | None
    url: str | None


class AttachmentView(TypedDict):
    kind: str  # photo, document, voice or poll
    file_id: str | None
    file_name: str | None
    mime_type: str | None
    file_size: int | None
    duration: int | None
    question: str | None
    options: list[str] | None


class VersionView(TypedDict):
    """A message as it was before an edit."""

    date: str
    text: str | None
    plain_text: str | None
    parse_mode: str | None
    buttons: list[list[ButtonView]]


class MessageView(TypedDict):
    message_id: int
    chat_id: int
    sender: str | int  # "bot" or the person's user id
    date: str
    edit_date: str | None
    text: str | None  # the text or caption exactly as sent (HTML included)
    plain_text: str | None  # as the reader sees it
    parse_mode: str | None
    buttons: list[list[ButtonView]]
    attachments: list[AttachmentView]
    reply_to_message_id: int | None
    service: str | None  # e.g. new_chat_members, left_chat_member, migrate_to_chat_id
    edits: list[VersionView]  # earlier versions, oldest first
    deleted: bool


class EventView(TypedDict):
    seq: int
    kind: str
    time: str
    chat_id: int | None
    user_id: int | None
    message: MessageView | None  # the message the event is about, as it was then
    data: dict[str, Any]  # kind-specific details (payload, callback data, ...)


class ActionResult(TypedDict):
    """What a person's action produced."""

    seq: int  # the event's sequence number
    chat_id: int
    update_id: int | None  # None when the bot gets no update (privacy mode, not a member)


class MessageAction(ActionResult):
    """An action that put a message in the chat (text, start, voice, join, ...)."""

    message_id: int


class PressAction(MessageAction):
    """A button press: message_id is the message whose button was pressed."""

    callback_query_id: str


class CallbackAnswerView(TypedDict):
    seq: int
    time: str
    callback_query_id: str
    user_id: int
    chat_id: int
    message_id: int
    text: str | None
    show_alert: bool
    url: str | None


class RequestView(TypedDict):
    seq: int
    method: str
    params: dict[str, Any]
    status: int | None  # None while the answer is pending
    description: str | None  # the error description, if refused
    fault: str | None  # the injected fault kind, if any
    monotonic: float
    time: str


class SpecViolationView(TypedDict):
    request_seq: int
    method: str
    problems: list[str]


class StatsView(TypedDict):
    requests: int
    per_method: dict[str, int]
    too_many_requests: int  # 429s answered (rate limits and retry_after faults)
    refused: dict[str, int]  # refused requests by reason
    faults: dict[str, int]  # injected faults by kind
    spec_violations: list[SpecViolationView]


class DeliveryView(TypedDict):
    update_id: int
    attempt: int
    url: str
    status: int | None  # the receiver's HTTP status; None on a connection error
    error: str | None
    monotonic: float
    time: str


class WindowView(TypedDict):
    count: int
    seconds: float


class LimitsView(TypedDict):
    strict: bool
    overall: WindowView
    per_chat: WindowView
    per_group: WindowView


class FaultView(TypedDict):
    id: int
    kind: str
    method: str
    chat_id: int | None
    nth: int | None
    every: int | None
    probability: float | None
    seed: int | None
    times: int | None
    retry_after: int
    retry_after_max: int | None
    status: int
    hold: float
    migrate_to_chat_id: int | None
    seen: int
    fired: int
