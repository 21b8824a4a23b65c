"""Request parameters as they arrive on the wire, and their typed reading.

Telegram's server treats every parameter as a string and each method reads it as the type it
needs; python-telegram-bot relies on that by sending form fields where ints, bools and objects are
JSON-encoded strings. We do the same: a method declares its parameter kinds, and the raw values
(form strings, native JSON values or uploaded files) are converted once, before recording.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from bot.sandbox.errors import bad_request

_INT = re.compile(r"-?\d+")


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart part."""

    filename: str
    content_type: str
    data: bytes


class Kind(Enum):
    INT = "int"
    BOOL = "bool"
    STR = "str"
    JSON = "json"  # an object or array, JSON-encoded in form bodies
    CHAT_ID = "chat_id"  # an int, or "@username" kept as a string
    FILE = "file"  # an Upload, or a string (file_id or URL)


def parse_params(schema: Mapping[str, Kind], raw: Mapping[str, object]) -> dict[str, Any]:
    """Convert the parameters a method declares; keep the rest as they came (Telegram ignores
    unknown parameters; the spec check reports them)."""
    parsed: dict[str, Any] = {}
    for name, value in raw.items():
        kind = schema.get(name)
        parsed[name] = value if kind is None else _convert(name, kind, value, raw)
    return parsed


def _convert(name: str, kind: Kind, value: object, raw: Mapping[str, object]) -> Any:
    if kind is Kind.FILE:
        if isinstance(value, Upload):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            attached = raw.get(value.removeprefix("attach://"))
            if isinstance(attached, Upload):
                return attached
            raise bad_request(f"file {value} was not attached")
        if isinstance(value, str):
            return value
        raise bad_request(f"wrong file identifier/HTTP URL specified in {name}")
    if isinstance(value, Upload):
        raise bad_request(f"{name} can't be a file")
    if kind is Kind.STR:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise bad_request(f"{name} must be a string")
    if kind in (Kind.INT, Kind.CHAT_ID):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INT.fullmatch(value.strip()):
            return int(value)
        if kind is Kind.CHAT_ID and isinstance(value, str):
            return value  # "@username": resolved (or not found) by the method
        raise bad_request(f"invalid {name} specified")
    if kind is Kind.BOOL:
        return _to_bool(name, value)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None
    return value


def _to_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.lower() in ("true", "1"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0", ""):
        return False
    raise bad_request(f"invalid {name} specified")


def jsonable(params: Mapping[str, object]) -> dict[str, Any]:
    """The parameters as they are recorded: uploads become a short description of the file."""
    return {name: _jsonable(value) for name, value in params.items()}


def _jsonable(value: object) -> Any:
    if isinstance(value, Upload):
        return {
            "upload": value.filename,
            "content_type": value.content_type,
            "size": len(value.data),
        }
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
