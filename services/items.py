"""A check-in question as a message: one question at a time, with its buttons.

Callback data: `ci:<traject>:<step>:<occurrence>:<question index>:<value>` where the value is
`s<score>` or `o<option index>`; occurrence 0 is a check-in in the row of steps, 1, 2, ... the
times a recurring check-in came. A question to answer in words makes the bot wait for text
(`client.awaiting`).
"""

from __future__ import annotations

from datetime import datetime

from content.lines import CheckinItem, ItemKind, Step
from services.callbacks import pack
from services.messages import Button, Keyboard, keyboard
from services.recipients import to_client
from services.unit import Unit
from storage.models import Client, Traject
from storage.outbox import PRIORITY_BULK, PRIORITY_REPLY


def awaiting_key(traject: Traject, step: Step, occurrence: int, index: int) -> str:
    return f"item:{traject.id}:{step.key}:{occurrence}:{index}"


def item_buttons(
    traject: Traject, step: Step, occurrence: int, index: int, item: CheckinItem, language: str
) -> Keyboard:
    def data(value: str) -> str:
        return pack("ci", traject.id or 0, step.key, occurrence, index, value)

    if item.kind == ItemKind.CHOICE:
        return keyboard(
            [
                [Button(o.label.get(language), data=data(f"o{i}"))]
                for i, o in enumerate(item.options)
            ]
        )
    if item.kind == ItemKind.SCALE and item.scale is not None:
        values = list(item.scale.values())
        labels = list(item.scale.labels) or [str(value) for value in values]
        row = [
            Button(label, data=data(f"s{value}"))
            for label, value in zip(labels, values, strict=True)
        ]
        return keyboard([row[:6], row[6:]])
    return ()


def item_text(unit: Unit, person: Client, step: Step, index: int, *, reminder: bool = False) -> str:
    item = step.items[index]
    return unit.render(
        "checkin_item",
        person.language,
        reminder=reminder,
        first=index == 0 and not reminder,
        title=step.title.get(person.language),
        intro=step.text.get(person.language) if index == 0 else "",
        question=item.text.get(person.language),
        number=index + 1,
        total=len(step.items),
        in_words=item.kind == ItemKind.TEXT,
    )


def send_item(
    unit: Unit,
    person: Client,
    traject: Traject,
    step: Step,
    *,
    occurrence: int,
    index: int,
    at: datetime | None = None,
    key: str | None = None,
    priority: int = PRIORITY_REPLY,
    reminder: bool = False,
) -> None:
    item = step.items[index]
    if item.kind == ItemKind.TEXT:
        person.awaiting = awaiting_key(traject, step, occurrence, index)
    to_client(
        unit,
        person,
        kind="checkin",
        text=item_text(unit, person, step, index, reminder=reminder),
        buttons=item_buttons(traject, step, occurrence, index, item, person.language),
        priority=PRIORITY_BULK if at else priority,
        key=key or f"item:{traject.id}:{step.key}:{occurrence}:{index}:{person.id}",
        due_at=at,
    )
