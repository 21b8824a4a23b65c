"""`duwtje traject ...`: look at a client's traject and tailor it (the administrator's side;
professionals get the same in the chat with their workspace)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.clock import SystemClock
from bot.errors import UserError
from bot.settings import Settings
from bot.setup import prepare_database
from content import Content, load_content
from services import steps, trajecten
from services.trajecten import TailoringError
from services.unit import Unit
from storage.crypto import FieldCipher
from storage.db import make_engine, session_scope
from storage.models import Client, Traject


@dataclass
class StepRow:
    key: str
    kind: str
    audience: str
    title: str
    state: str  # done, waiting, planned, to come


@contextmanager
def _unit(settings: Settings) -> Iterator[Unit]:
    prepare_database(settings)
    engine = make_engine(settings.database.url)
    content: Content = load_content(settings.content.extra_dirs, settings.content.video_links)
    cipher = FieldCipher(settings.require_encryption_keys())
    try:
        with session_scope(engine) as session:
            yield Unit(session=session, now=SystemClock().now(), content=content, cipher=cipher)
    finally:
        engine.dispose()


def list_trajecten(settings: Settings, client_id: int | None) -> list[dict[str, Any]]:
    with _unit(settings) as unit:
        query = select(Traject).order_by(Traject.id)  # type: ignore[arg-type]
        if client_id is not None:
            query = query.where(Traject.client_id == client_id)  # type: ignore[arg-type]
        rows = []
        for traject in unit.session.execute(query).scalars():
            client = unit.session.get_one(Client, traject.client_id)
            progress = trajecten.progress(unit.session, unit.content, unit.cipher, traject)
            rows.append(
                {
                    "id": traject.id,
                    "client": client.id,
                    "role": client.role,
                    "line": traject.line_key,
                    "waiting": traject.step_key or "-",
                    "status": traject.status,
                    "progress": f"{progress.done}/{progress.total}",
                }
            )
        return rows


def show(settings: Settings, traject_id: int) -> list[StepRow]:
    with _unit(settings) as unit:
        traject = _traject(unit, traject_id)
        done = trajecten.done_keys(unit.session, traject_id)
        rows = []
        for step in trajecten.steps_of(unit.session, unit.content, unit.cipher, traject):
            state = "done" if step.key in done else "to come"
            if step.key == traject.step_key:
                planned = traject.step_sent_at is not None and traject.step_sent_at > unit.now
                state = "planned" if planned else "waiting"
            rows.append(
                StepRow(step.key, str(step.kind), str(step.audience), step.title.get("nl"), state)
            )
        return rows


def tailor(settings: Settings, traject_id: int, change: Callable[[Unit, Traject], Any]) -> None:
    """Make one change to the traject's own line, then let the waiting step follow."""
    with _unit(settings) as unit:
        traject = _traject(unit, traject_id)
        try:
            change(unit, traject)
        except TailoringError as exc:
            raise UserError(str(exc)) from None
        steps.realign(unit, traject)
        unit.flush()


def step_from_line(unit: Unit, source: str) -> dict[str, Any]:
    """`line.step` as a step to add (the copy gets the same key unless told otherwise)."""
    line_key, _, step_key = source.partition(".")
    line = unit.content.lines.get(line_key)
    step = line.step(step_key) if line else None
    if step is None:
        raise UserError(f"--from {source}: no such line.step (see `duwtje content list`)")
    return step.model_dump(mode="json", exclude_defaults=True)


def _traject(unit: Unit, traject_id: int) -> Traject:
    traject = unit.session.get(Traject, traject_id)
    if traject is None:
        raise UserError(f"no traject {traject_id} (see `duwtje traject list`)")
    return traject
