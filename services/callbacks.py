"""Callback data for inline buttons: short, versioned, and at most 64 bytes.

Format: `<action>:<part>:<part>...`. Parts never contain ":". Content keys are at most 24
characters (content/lines.py), ids are integers, so every button fits Telegram's 64 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from sqlmodel import Session

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
        return as_int(self.part(index))


# ASCII digits only ("²".isdigit() is true), and no more than a database id holds: a forged
# press with a huge number must read as stale, not overflow the query.
_INT = re.compile(r"-?[0-9]{1,10}")
_INT_LIMIT = 2**31 - 1


def as_int(value: str | None) -> int | None:
    """A number from callback data (or other text we made), or None if it is not one of ours."""
    if value is None or not _INT.fullmatch(value):
        return None
    number = int(value)
    return number if abs(number) <= _INT_LIMIT else None


Row = TypeVar("Row")


def row_of(session: Session, model: type[Row], value: str | None) -> Row | None:
    """The row whose id a button (or our own stored state) names; None when it names none."""
    number = as_int(value)
    return session.get(model, number) if number is not None else None


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
