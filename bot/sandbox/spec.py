"""Validation of Bot API requests against the Bot API specification as data.

The specification (`api-10.0.json`, a third-party file kept outside the repository) lists every
method's parameters and every type's fields with their types and descriptions. We check what a
bot sends against it: the method exists, no unknown parameters, required ones present, values of
the listed types (nested objects field by field), and the length limits written in the
descriptions ("1-4096 characters", "1-64 bytes"), parsed from the text rather than listed by hand.
"Characters" are UTF-16 code units and "bytes" UTF-8, as Telegram counts them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sandbox.params import Upload
from content.telegram_text import check_html, utf8_length, utf16_length

SPEC_ENV = "DUWTJE_BOT_API_SPEC"
_LIMIT = re.compile(r"\b(\d+)-(\d+) (characters|bytes)\b")
_ARRAY = "Array of "
_WIRE_INT = re.compile(r"\s*-?\d+\s*")
_WIRE_BOOL = frozenset({"true", "false", "1", "0"})


def default_spec_path(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The spec file: $DUWTJE_BOT_API_SPEC, else ../shared/telegram-bot-api/api-10.0.json next
    to the repository; None when neither exists."""
    configured = environ.get(SPEC_ENV)
    repo = Path(__file__).resolve().parents[2]
    path = Path(configured) if configured else repo.parent / "shared/telegram-bot-api/api-10.0.json"
    return path if path.is_file() else None


@dataclass(frozen=True)
class Field:
    name: str
    types: tuple[str, ...]
    required: bool
    limit: tuple[int, int, str] | None  # (low, high, "characters" | "bytes")
    after_parsing: bool  # the limit counts the text after entity parsing

    @classmethod
    def from_spec(cls, data: Mapping[str, Any]) -> Field:
        description = str(data.get("description", ""))
        found = _LIMIT.search(description)
        limit = (int(found[1]), int(found[2]), found[3]) if found else None
        return cls(
            name=data["name"],
            types=tuple(data["types"]),
            required=bool(data["required"]),
            limit=limit,
            after_parsing="after entities parsing" in description,
        )


@dataclass(frozen=True)
class TypeDef:
    fields: dict[str, Field] | None  # None: an abstract type with subtypes, or an opaque one
    subtypes: tuple[str, ...]


class Spec:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version = str(data.get("version", ""))
        self.methods: dict[str, tuple[str, dict[str, Field]]] = {
            name.lower(): (name, _fields(method)) for name, method in data["methods"].items()
        }
        self.types: dict[str, TypeDef] = {
            name: TypeDef(
                _fields(typedef) if "fields" in typedef else None,
                tuple(typedef.get("subtypes") or ()),
            )
            for name, typedef in data["types"].items()
        }

    @classmethod
    def load(cls, path: str | Path) -> Spec:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def canonical(self, method: str) -> str | None:
        """The method's name as the spec writes it (Telegram's method names ignore case)."""
        found = self.methods.get(method.lower())
        return found[0] if found else None

    def check_request(self, method: str, params: Mapping[str, object]) -> list[str]:
        """Problems with a request as it arrived: form strings, JSON values or uploads."""
        found = self.methods.get(method.lower())
        if found is None:
            return [f"unknown method {method}"]
        name, fields = found
        attached = {
            key
            for key, value in params.items()
            if isinstance(value, Upload)
            and any(isinstance(v, str) and f"attach://{key}" in v for v in params.values())
        }
        problems = [
            f"{name}: unknown parameter {key!r}"
            for key in params
            if key not in fields and key not in attached
        ]
        problems += [
            f"{name}: missing required parameter {field.name!r}"
            for field in fields.values()
            if field.required and field.name not in params
        ]
        for key, value in params.items():
            if key in fields:
                problems += self._check_field(fields[key], value, f"{name}.{key}", params, True)
        return problems

    def check_object(self, type_name: str, value: object, where: str = "") -> list[str]:
        """Problems with a JSON value as an instance of `type_name` (e.g. "Update")."""
        return self._check_type(type_name, value, where or type_name, False)

    def _check_field(
        self, field: Field, value: object, where: str, container: Mapping[str, object], wire: bool
    ) -> list[str]:
        outcomes = [self._check_type(t, value, where, wire) for t in field.types]
        if any(not problems for problems in outcomes):
            return self._check_limit(field, value, where, container)
        if len(outcomes) == 1:
            return outcomes[0]
        # Several types and none fits: the closest (fewest problems) explains best, unless it
        # failed as a whole too, as a string offered to an Integer or String field.
        closest = min(outcomes, key=len)
        if all(problem.startswith(f"{where}: expected") for problem in closest):
            return [f"{where}: expected {' or '.join(field.types)}, got {_describe(value)}"]
        return closest

    def _check_limit(
        self, field: Field, value: object, where: str, container: Mapping[str, object]
    ) -> list[str]:
        if field.limit is None or not isinstance(value, str):
            return []
        low, high, unit = field.limit
        if unit == "bytes":
            size = utf8_length(value)
        else:
            text: str | None = value
            if field.after_parsing:
                text = _visible_text(field.name, value, container)
                if text is None:  # unparsable markup: Telegram's own parse error applies
                    return []
            size = utf16_length(text or "")
        if low <= size <= high:
            return []
        return [f"{where}: {size} {unit}, must be {low}-{high} {unit}"]

    def _check_type(self, type_name: str, value: object, where: str, wire: bool) -> list[str]:
        if type_name.startswith(_ARRAY):
            items = _decode(value) if wire and isinstance(value, str) else value
            if not isinstance(items, list):
                return [f"{where}: expected {type_name}"]
            item_type = type_name.removeprefix(_ARRAY)
            problems: list[str] = []
            for index, item in enumerate(items):
                problems += self._check_type(item_type, item, f"{where}[{index}]", False)
            return problems
        scalar = _check_scalar(type_name, value, wire)
        if scalar is not None:
            return [] if scalar else [f"{where}: expected {type_name}, got {_describe(value)}"]
        typedef = self.types.get(type_name)
        if typedef is None:
            return []  # a type the spec does not describe: nothing to check against
        obj = _decode(value) if wire and isinstance(value, str) else value
        if not isinstance(obj, dict):
            return [f"{where}: expected {type_name}, got {_describe(value)}"]
        if typedef.fields is None:
            if not typedef.subtypes:
                return []
            outcomes = [self._check_type(sub, obj, where, False) for sub in typedef.subtypes]
            return [] if any(not o for o in outcomes) else min(outcomes, key=len)
        problems = [f"{where}: unknown field {key!r}" for key in obj if key not in typedef.fields]
        problems += [
            f"{where}: missing required field {name!r}"
            for name, field in typedef.fields.items()
            if field.required and name not in obj
        ]
        for key, item in obj.items():
            if key in typedef.fields:
                field = typedef.fields[key]
                problems += self._check_field(field, item, f"{where}.{key}", obj, False)
        return problems


def _fields(definition: Mapping[str, Any]) -> dict[str, Field]:
    return {f["name"]: Field.from_spec(f) for f in definition.get("fields") or ()}


def _check_scalar(type_name: str, value: object, wire: bool) -> bool | None:
    """Whether `value` is a `type_name`; None when the type is not a scalar. On the wire (form
    fields) numbers and booleans arrive as strings; inside JSON they must be the real thing."""
    as_wire = wire and isinstance(value, str)
    if type_name == "String":
        return isinstance(value, str)
    if type_name == "Integer":
        plain = isinstance(value, int) and not isinstance(value, bool)
        return plain or (as_wire and bool(_WIRE_INT.fullmatch(str(value))))
    if type_name == "Float":
        plain = isinstance(value, int | float) and not isinstance(value, bool)
        return plain or (as_wire and _is_float(str(value)))
    if type_name == "Boolean":
        return isinstance(value, bool) or (as_wire and str(value).lower() in _WIRE_BOOL)
    if type_name == "InputFile":
        return isinstance(value, Upload) or (
            isinstance(value, str) and value.startswith("attach://")
        )
    return None


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _decode(value: str) -> object:
    try:
        return json.loads(value)
    except ValueError:
        return value  # left as a string: the type check reports it


def _visible_text(name: str, value: str, container: Mapping[str, object]) -> str | None:
    """The text as the reader sees it, stripped, for a field whose limit counts it after entity
    parsing; None when its HTML does not parse. The parse mode is the field's own
    (`question_parse_mode`) or the shared `parse_mode`."""
    mode = container.get(f"{name}_parse_mode", container.get("parse_mode"))
    if isinstance(mode, str) and mode.upper() == "HTML":
        problems, visible = check_html(value)
        return None if problems else visible.strip()
    if isinstance(mode, str) and mode:
        return None  # Markdown modes are not parsed by the sandbox: no count to trust
    return value.strip()


def _describe(value: object) -> str:
    if isinstance(value, Upload):
        return "an uploaded file"
    if isinstance(value, str):
        return f"string {value[:40]!r}"
    return type(value).__name__
