"""What a message looks like before it becomes a Telegram call: plain data, JSON-safe."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Button:
    label: str
    data: str | None = None  # callback data (at most 64 bytes, see services/callbacks.py)
    url: str | None = None

    def to_json(self) -> dict[str, str]:
        value = {"label": self.label}
        if self.data is not None:
            value["data"] = self.data
        if self.url is not None:
            value["url"] = self.url
        return value


Keyboard = tuple[tuple[Button, ...], ...]


def keyboard(rows: Sequence[Sequence[Button]]) -> Keyboard:
    return tuple(tuple(row) for row in rows if row)


@dataclass(frozen=True)
class Outgoing:
    """A message: Telegram-HTML text and inline buttons, or a picture (a file name in the
    content's `pictures/`, an https link, or a `data:image/png;base64,` picture made for this
    message, such as a QR code, or `tg:<file id>`, a photo a client sent) with the text as its
    caption; or a voice note (`tg:<file id>`, one a client sent) with the text as its caption;
    or a document (a
    `data:<type>;base64,` file made for this message, sent as `filename`) with the text as its
    caption; or the deletion of one of the bot's own messages (`delete`: its message id).

    In a group also: an anonymous poll (`poll`: its options, the text is the question, plain),
    the end of one (`stop_poll`: its message id), a reply to someone's message there
    (`reply_to`), and the bot leaving the group (`leave`)."""

    text: str
    buttons: Keyboard = field(default_factory=tuple)
    photo: str | None = None
    voice: str | None = None
    document: str | None = None
    filename: str | None = None
    delete: int | None = None
    poll: tuple[str, ...] = ()
    stop_poll: int | None = None
    reply_to: int | None = None
    leave: bool = False

    @cached_property
    def payload(self) -> Mapping[str, Any]:
        """What the outbox stores. Made once: a message queued to thousands (a nudge) shares
        one payload, and the outbox serialises it once (storage.outbox.outbox_values)."""
        return self.to_payload()

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "text": self.text,
            "buttons": [[button.to_json() for button in row] for row in self.buttons],
        }
        if self.photo:
            payload["photo"] = self.photo
        if self.voice:
            payload["voice"] = self.voice
        if self.document:
            payload["document"], payload["filename"] = self.document, self.filename
        if self.delete is not None:
            payload["delete"] = self.delete
        if self.poll:
            payload["poll"] = list(self.poll)
        if self.stop_poll is not None:
            payload["stop_poll"] = self.stop_poll
        if self.reply_to is not None:
            payload["reply_to"] = self.reply_to
        if self.leave:
            payload["leave"] = True
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Outgoing:
        return cls(
            text=str(payload["text"]),
            photo=payload.get("photo"),
            voice=payload.get("voice"),
            document=payload.get("document"),
            filename=payload.get("filename"),
            delete=payload.get("delete"),
            poll=tuple(payload.get("poll", ())),
            stop_poll=payload.get("stop_poll"),
            reply_to=payload.get("reply_to"),
            leave=bool(payload.get("leave", False)),
            buttons=tuple(
                tuple(Button(label=b["label"], data=b.get("data"), url=b.get("url")) for b in row)
                for row in payload.get("buttons", [])
            ),
        )
