"""A traject's own line: the shipped line plus this traject's overrides, and where the client is.

Which steps come, in which order, is `steps_of(...)`: the line's steps in order, with steps
added, changed, skipped or moved for this traject only (the shipped line is untouched). Which
are done is in the replies (a step is done once, by anyone in the traject). The waiting step
is the first that is not done. Keys, not positions, tie it together, so tailoring halfway
never loses track.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, select
from sqlmodel import Session

from content import Content
from content.lines import Line, Step, Text
from storage.crypto import FieldCipher
from storage.db import forget, memo
from storage.models import Reply, Traject, TrajectMember, TrajectOverride

_OVERRIDES = "overrides"

DONE_KINDS = ("done", "choice", "scale", "text", "reflection", "checkin-done")
WATCHED_KIND = "watched"  # "Video bekeken" on a step with a video (not doing it)


class TailoringError(ValueError):
    """A change to a traject that cannot be made; the message says why."""


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    finished: bool

    def bar(self, width: int = 10) -> str:
        filled = round(width * self.done / self.total) if self.total else width
        return "▓" * filled + "░" * (width - filled)


def line_of(content: Content, traject: Traject) -> Line | None:
    return content.lines.get(traject.line_key)


def overrides(session: Session, traject_id: int) -> list[TrajectOverride]:
    """The traject's changes, read once per transaction (an answer needs them three times)."""
    known = memo(session, _OVERRIDES)
    if traject_id not in known:
        known[traject_id] = list(session.execute(_OVERRIDES_OF, {"traject": traject_id}).scalars())
    return list(known[traject_id])


# The queries every answer runs are built once: building one cost more than running it.
_OVERRIDES_OF = (
    select(TrajectOverride)
    .where(TrajectOverride.traject_id == bindparam("traject"))  # type: ignore[arg-type]
    .order_by(TrajectOverride.id)  # type: ignore[arg-type]
)


def steps_of(
    session: Session, content: Content, cipher: FieldCipher, traject: Traject
) -> list[Step]:
    """The steps of this traject, in order (recurring check-ins not included)."""
    line = line_of(content, traject)
    if line is None:
        return []
    sequence = list(line.sequence())
    for change in overrides(session, traject.id or 0):
        sequence = _apply(sequence, change, content, cipher)
    return sequence


def recurring_of(content: Content, traject: Traject) -> list[Step]:
    line = line_of(content, traject)
    return line.recurring() if line else []


def find_step(
    session: Session, content: Content, cipher: FieldCipher, traject: Traject, key: str
) -> Step | None:
    for step in [*steps_of(session, content, cipher, traject), *recurring_of(content, traject)]:
        if step.key == key:
            return step
    return None


def done_keys(session: Session, traject_id: int) -> set[str]:
    return set(session.execute(_DONE_KEYS, {"traject": traject_id}).scalars())


_DONE_KEYS = select(Reply.step_key).where(  # type: ignore[call-overload]
    Reply.traject_id == bindparam("traject"),
    Reply.kind.in_(DONE_KINDS),  # type: ignore[attr-defined]
    Reply.step_key.is_not(None),  # type: ignore[union-attr]
)


def next_step(
    session: Session, content: Content, cipher: FieldCipher, traject: Traject
) -> Step | None:
    done = done_keys(session, traject.id or 0)
    return next(
        (step for step in steps_of(session, content, cipher, traject) if step.key not in done),
        None,
    )


def progress(session: Session, content: Content, cipher: FieldCipher, traject: Traject) -> Progress:
    sequence = steps_of(session, content, cipher, traject)
    done = done_keys(session, traject.id or 0)
    count = sum(1 for step in sequence if step.key in done)
    return Progress(done=count, total=len(sequence), finished=count == len(sequence))


def members(session: Session, traject_id: int) -> list[int]:
    """Client ids of the parents (and others) linked to this traject."""
    return list(session.execute(_MEMBERS, {"traject": traject_id}).scalars())


_MEMBERS = select(TrajectMember.client_id).where(  # type: ignore[call-overload]
    TrajectMember.traject_id == bindparam("traject")
)


# --- tailoring ----------------------------------------------------------------------------


def _apply(
    sequence: list[Step], change: TrajectOverride, content: Content, cipher: FieldCipher
) -> list[Step]:
    keys = [step.key for step in sequence]
    data = json.loads(cipher.decrypt(change.data_enc)) if change.data_enc else {}
    if change.action == "skip":
        return [step for step in sequence if step.key != change.step_key]
    if change.action == "change" and change.step_key in keys:
        index = keys.index(change.step_key)
        step = sequence[index]
        updated = step.model_copy(
            update={name: Text(**value) for name, value in data.items() if value}
        )
        return [*sequence[:index], updated, *sequence[index + 1 :]]
    if change.action in ("add", "move"):
        if change.action == "move":
            moving = next((step for step in sequence if step.key == change.step_key), None)
            if moving is None:
                return sequence
            sequence = [step for step in sequence if step.key != change.step_key]
        else:
            moving = Step.model_validate(data)
        keys = [step.key for step in sequence]
        at = keys.index(change.after_key) + 1 if change.after_key in keys else 0
        return [*sequence[:at], moving, *sequence[at:]]
    return sequence


def add_step(
    session: Session,
    content: Content,
    cipher: FieldCipher,
    traject: Traject,
    *,
    after: str | None,
    step: dict[str, Any],
    now: Any,
    by: str,
) -> TrajectOverride:
    """Add a step (a copy of one from any line, or a new one) after `after` (None: first)."""
    try:
        parsed = Step.model_validate(step)
    except ValidationError as exc:
        raise TailoringError(f"the step is not valid: {exc.errors()[0]['msg']}") from None
    if parsed.recurring:
        raise TailoringError("a recurring check-in cannot be added to one traject")
    existing = {s.key for s in steps_of(session, content, cipher, traject)}
    if parsed.key in existing:
        raise TailoringError(f"this traject has a step {parsed.key!r} already; choose another key")
    _require_step(existing, after, allow_none=True)
    return _record(
        session,
        cipher,
        traject,
        "add",
        parsed.key,
        after,
        parsed.model_dump(mode="json", exclude_defaults=True),
        now,
        by,
    )


def change_step(
    session: Session,
    content: Content,
    cipher: FieldCipher,
    traject: Traject,
    *,
    key: str,
    texts: dict[str, dict[str, str]],
    now: Any,
    by: str,
) -> TrajectOverride:
    """New title, text or question for one step of this traject (both languages)."""
    _require_step({s.key for s in steps_of(session, content, cipher, traject)}, key)
    for name, value in texts.items():
        if name not in ("title", "text", "question"):
            raise TailoringError(f"{name!r} cannot be changed; title, text or question can")
        try:
            Text(**value)
        except (TypeError, ValidationError):
            raise TailoringError(f"{name} needs a text in nl and in en") from None
    return _record(session, cipher, traject, "change", key, None, texts, now, by)


def skip_step(
    session: Session,
    content: Content,
    cipher: FieldCipher,
    traject: Traject,
    *,
    key: str,
    now: Any,
    by: str,
) -> TrajectOverride:
    keys = {s.key for s in steps_of(session, content, cipher, traject)}
    _require_step(keys, key)
    if len(keys) == 1:
        raise TailoringError("the last remaining step cannot be skipped")
    return _record(session, cipher, traject, "skip", key, None, None, now, by)


def move_step(
    session: Session,
    content: Content,
    cipher: FieldCipher,
    traject: Traject,
    *,
    key: str,
    after: str | None,
    now: Any,
    by: str,
) -> TrajectOverride:
    keys = {s.key for s in steps_of(session, content, cipher, traject)}
    _require_step(keys, key)
    _require_step(keys - {key}, after, allow_none=True)
    return _record(session, cipher, traject, "move", key, after, None, now, by)


def _require_step(keys: set[str], key: str | None, *, allow_none: bool = False) -> None:
    if key is None and allow_none:
        return
    if key not in keys:
        known = ", ".join(sorted(keys)) or "none"
        raise TailoringError(f"this traject has no step {key!r} (its steps: {known})")


def _record(
    session: Session,
    cipher: FieldCipher,
    traject: Traject,
    action: str,
    key: str,
    after: str | None,
    data: Any,
    now: Any,
    by: str,
) -> TrajectOverride:
    change = TrajectOverride(
        traject_id=traject.id or 0,
        action=action,
        step_key=key,
        after_key=after,
        data_enc=cipher.encrypt(json.dumps(data, ensure_ascii=False)) if data else None,
        created_at=now,
        created_by=by,
    )
    session.add(change)
    session.flush()
    forget(session, _OVERRIDES)
    return change
