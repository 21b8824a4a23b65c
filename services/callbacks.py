"""Callback data for inline buttons: short, versioned, and at most 64 bytes.

Format: `<action>:<part>:<part>...`. Parts never contain ":". Content keys are at most 24
characters (content/lines.py), ids are integers, so every button fits Telegram's 64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from content.telegram_text import CALLBACK_DATA_LIMIT, utf8_length


class CallbackDataError(ValueError):
    pass


@dataclass(frozen=True)
class Callback:
    action: str
    parts: tuple[str, ...]

    def part(self, index: int) -> str | None:
        return self.parts[index] if index < len(self.parts) else None

    def int_part(self, index: int) -> int | None:
        value = self.part(index)
        if value is None or not value.lstrip("-").isdigit():
            return None
        return int(value)


def pack(action: str, *parts: str | int) -> str:
    texts = [str(part) for part in parts]
    if any(":" in text for text in [action, *texts]):
        raise CallbackDataError("callback parts may not contain ':'")
    data = ":".join([action, *texts])
    if not 1 <= utf8_length(data) <= CALLBACK_DATA_LIMIT:
        raise CallbackDataError(f"callback data is {utf8_length(data)} bytes; at most 64 fit")
    return data


def unpack(data: str | None) -> Callback | None:
    """None for data we never made (an old version, a forged press): treat it as stale."""
    if not data or utf8_length(data) > CALLBACK_DATA_LIMIT:
        return None
    action, *parts = data.split(":")
    if not action:
        return None
    return Callback(action=action, parts=tuple(parts))
