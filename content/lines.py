"""Learning lines as data: the model and the loader.

A line is a TOML file under `content/lines/` (or an organisation's extra content folder); the
format is documented in `content/README.md`. Loading validates everything a professional could
get wrong and names the file and key of each problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from content.problems import ContentError, Problem, read_toml

LANGUAGES = ("nl", "en")
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,23}$"  # short: keys travel in callback data (64 bytes)


class StepKind(StrEnum):
    EXERCISE = "exercise"
    QUESTION = "question"
    CHOICE = "choice"
    SCALE = "scale"
    CHECKIN = "checkin"
    INFO = "info"


class Audience(StrEnum):
    CLIENT = "client"
    TOGETHER = "together"  # the client together with a linked parent: sent to both, done once


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A text in every language Duwtje speaks. Both are required: no half-translated lines."""

    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.nl


class Option(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    label: Text


class Scale(_Model):
    min: int = Field(default=1, ge=0, le=10)
    max: int = Field(default=5, ge=1, le=10)
    labels: tuple[str, ...] = ()  # one per value, for example emoji; empty means the numbers

    @model_validator(mode="after")
    def _range(self) -> Scale:
        if self.max <= self.min:
            raise ValueError("max must be larger than min")
        if self.labels and len(self.labels) != self.max - self.min + 1:
            raise ValueError(f"give exactly {self.max - self.min + 1} labels, one per value")
        return self

    def values(self) -> range:
        return range(self.min, self.max + 1)


class ItemKind(StrEnum):
    SCALE = "scale"
    CHOICE = "choice"
    TEXT = "text"


class CheckinItem(_Model):
    """One question of a check-in: a scale (the usual), a choice, or a few words."""

    key: str = Field(pattern=KEY_PATTERN)
    kind: ItemKind = ItemKind.SCALE
    text: Text
    scale: Scale | None = None
    options: tuple[Option, ...] = ()

    @model_validator(mode="after")
    def _fields(self) -> CheckinItem:
        if self.kind == ItemKind.SCALE and self.scale is None:
            raise ValueError("a scale item needs a scale")
        if self.kind == ItemKind.CHOICE and not 2 <= len(self.options) <= 8:
            raise ValueError("a choice item needs 2 to 8 options")
        if self.kind != ItemKind.CHOICE and self.options:
            raise ValueError("only a choice item has options")
        return self


class Step(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    kind: StepKind
    audience: Audience = Audience.CLIENT
    # A together step whose answers the pupil and the parent may see of each other.
    shared: bool = False
    title: Text
    text: Text
    question: Text | None = None  # the reflection question of an exercise, or the question asked
    # For the professional only: what to talk about in the next meeting once this step is done
    # (the /voorbereiding screen suggests it). Never sent to the client.
    talk: Text | None = None
    video_url: str | None = Field(default=None, pattern=r"^https://\S+$")
    picture: str | None = Field(default=None, pattern=r"^(https://\S+|[a-z0-9_-]+\.(png|jpg))$")
    options: tuple[Option, ...] = ()
    scale: Scale | None = None
    items: tuple[CheckinItem, ...] = ()  # a check-in's questions, asked one by one
    # Days after the previous step is done before this one comes (at the client's moment).
    wait_days: int = Field(default=1, ge=0, le=28)
    # A check-in with every_days comes back on that schedule, next to the steps in order.
    every_days: int | None = Field(default=None, ge=1, le=60)

    @model_validator(mode="after")
    def _kind_fields(self) -> Step:
        if self.kind == StepKind.CHOICE and not 2 <= len(self.options) <= 8:
            raise ValueError("a choice step needs 2 to 8 options")
        if self.kind != StepKind.CHOICE and self.options:
            raise ValueError("only a choice step has options")
        if self.kind == StepKind.SCALE and self.scale is None:
            raise ValueError("a scale step needs a scale")
        if self.kind == StepKind.CHECKIN and not 1 <= len(self.items) <= 8:
            raise ValueError("a check-in step needs 1 to 8 items")
        if self.kind != StepKind.CHECKIN and (self.items or self.every_days):
            raise ValueError("only a check-in step has items and every_days")
        if self.kind == StepKind.QUESTION and self.question is None:
            raise ValueError("a question step needs a question")
        if self.shared and self.audience != Audience.TOGETHER:
            raise ValueError("only a together step can be shared")
        for name, keys in (
            ("option", [o.key for o in self.options]),
            ("item", [i.key for i in self.items]),
        ):
            if len(set(keys)) != len(keys):
                raise ValueError(f"{name} keys must be unique within the step")
        return self

    @property
    def recurring(self) -> bool:
        return self.every_days is not None

    def context(self, language: str, line: Line) -> dict[str, Any]:
        """The values the `step` template shows for this step."""
        in_order = line.sequence()
        return {
            "line_title": line.title.get(language),
            "number": in_order.index(self) + 1 if self in in_order else 0,
            "total": len(in_order),
            "kind": str(self.kind),
            "together": self.audience == Audience.TOGETHER,
            "parent": False,  # True in the copy a linked parent gets
            "shared": self.shared,
            "title": self.title.get(language),
            "text": self.text.get(language),
            "question": self.question.get(language) if self.question else None,
            "video_url": self.video_url,
        }


class Line(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    title: Text
    description: Text
    roles: tuple[str, ...] = ("pupil",)  # who can be invited to this line
    stall_days: int = Field(default=3, ge=1, le=60)
    steps: tuple[Step, ...] = Field(min_length=1)

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(value) - {"pupil", "parent", "carer", "resident"}
        if unknown or not value:
            raise ValueError("roles are one or more of pupil, parent, carer, resident")
        return value

    @model_validator(mode="after")
    def _unique_steps(self) -> Line:
        keys = [step.key for step in self.steps]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"step keys must be unique; repeated: {', '.join(duplicates)}")
        if not self.sequence():
            raise ValueError("a line needs at least one step that is not a recurring check-in")
        return self

    def step(self, key: str) -> Step | None:
        return next((step for step in self.steps if step.key == key), None)

    def sequence(self) -> list[Step]:
        """The steps done one after the other (recurring check-ins come on their own clock)."""
        return [step for step in self.steps if not step.recurring]

    def recurring(self) -> list[Step]:
        return [step for step in self.steps if step.recurring]


def load_lines(directories: Iterable[Path]) -> tuple[dict[str, Line], list[Problem]]:
    """All lines from `directories` (later folders override earlier ones by file name)."""
    files: dict[str, Path] = {}
    for directory in directories:
        for path in sorted((directory / "lines").glob("*.toml")):
            files[path.name] = path
    lines: dict[str, Line] = {}
    problems: list[Problem] = []
    for path in files.values():
        line, found = _load_line(path)
        problems.extend(found)
        if line is None:
            continue
        if line.key in lines:
            problems.append(Problem(str(path), "key", f"line key {line.key!r} is used twice"))
            continue
        lines[line.key] = line
    return lines, problems


def require_lines(directories: Iterable[Path]) -> dict[str, Line]:
    lines, problems = load_lines(directories)
    if problems:
        raise ContentError(problems)
    return lines


def _load_line(path: Path) -> tuple[Line | None, list[Problem]]:
    data, problem = read_toml(path)
    if data is None:
        return None, [problem] if problem else []
    try:
        return Line.model_validate(data), []
    except ValidationError as exc:
        return None, [
            Problem(str(path), _key_path(error["loc"], data), _message(error))
            for error in exc.errors()
        ]


def _key_path(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    """`steps[2].options[0].label.en`, with the step's own key when it has one."""
    parts: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            label = f"[{part}]"
            if isinstance(node, list) and part < len(node) and isinstance(node[part], dict):
                key = node[part].get("key")
                label = f"[{part}:{key}]" if isinstance(key, str) else label
            parts.append(label)
        else:
            parts.append(("." if parts else "") + part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return "".join(parts) or "(top level)"


def _message(error: Mapping[str, Any]) -> str:
    message = str(error["msg"])
    if error["type"] == "missing":
        return "missing; add it (both nl and en where it is a text)"
    if error["type"] == "extra_forbidden":
        return "unknown key; check the spelling against content/README.md"
    if error["type"] == "string_pattern_mismatch" and error["loc"][-1] == "key":
        return "a key is 1-24 characters: lowercase letters, digits, - and _"
    return message.removeprefix("Value error, ")
