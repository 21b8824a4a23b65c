"""A person's rights over their data (issue 10, points 3 and 4): everything stored about them
(`/mijngegevens`, `duwtje export --client ID`), and forgetting them (`/vergeetmij` with a
confirming button, `duwtje erase --client ID`).

What is "about them" comes from the schema (storage/personal.py), so the export covers every
personal column and the erasure every personal row. The export decrypts what is encrypted
(`*_enc` columns appear without the suffix) and comes as JSON plus a readable text. Erasure
deletes the client row (the database's cascades take their answers, questions, feedback,
meetings, consent and the rest along), what the outbox holds for them, and asks Telegram to
delete the bot's messages in their chat that are younger than 48 hours (Telegram refuses older
ones). The professional hears that a client left, by role, line and start date, with no
content. What reports count survives as a Departure: a month, a role, a line and numbers, no id
of theirs. The audit trail keeps who did what and when (ids and a fixed vocabulary); the free
detail of its entries about them goes.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update

from reminders.localtime import local_date
from services.audit import audit
from services.callbacks import Callback, pack
from services.figures import NUDGE_KINDS, STEP_KINDS
from services.messages import Button, Keyboard, Outgoing, keyboard
from services.recipients import to_client, to_professional
from services.unit import Unit
from storage import personal
from storage.crypto import DecryptionError, FieldCipher
from storage.models import (
    AuditEntry,
    Client,
    Departure,
    Nudge,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    Professional,
    Question,
    RecipientKind,
    Reply,
    Role,
    Traject,
)
from storage.outbox import PLAIN

DELETABLE = timedelta(hours=47)  # Telegram deletes a bot's message up to 48 hours old
ENC = "_enc"


def _value(cipher: FieldCipher, column: str, value: Any) -> Any:
    if value is None:
        return None
    if column == "media_enc":
        try:
            return "base64:" + base64.b64encode(cipher.decrypt_bytes(value)).decode("ascii")
        except DecryptionError:
            return "(niet te lezen)"
    if column.endswith(ENC):
        if value == "":
            return ""
        if value.startswith(PLAIN):
            return value.removeprefix(PLAIN)
        try:
            return cipher.decrypt(value)
        except DecryptionError:
            return "(niet te lezen)"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def collect(unit: Unit, client_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every stored row about the client, by table, readable: `{table: [{column: value}]}`."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table, row in personal.rows_of(unit.session.connection(), client_id):
        found.setdefault(table.name, []).append(
            {column.removesuffix(ENC): _value(unit.cipher, column, v) for column, v in row.items()}
        )
    return found


def readable(unit: Unit, data: dict[str, list[dict[str, Any]]], language: str) -> str:
    """The same as plain text: a heading per kind of data, a block per row."""
    lines = [unit.render("data_export_intro", language).strip(), ""]
    for table, rows in data.items():
        lines.append(f"== {unit.label(f'data_tables.{table}', language)} ({len(rows)}) ==")
        for row in rows:
            lines.extend(
                f"{column}: {value}" for column, value in row.items() if value not in (None, "")
            )
            lines.append("")
    return "\n".join(lines)


def documents(unit: Unit, client: Client, language: str) -> list[tuple[str, bytes]]:
    data = collect(unit, client.id or 0)
    stamp = unit.now.strftime("%Y-%m-%d")
    return [
        (f"duwtje-gegevens-{stamp}.json", json.dumps(data, ensure_ascii=False, indent=2).encode()),
        (f"duwtje-gegevens-{stamp}.txt", readable(unit, data, language).encode()),
    ]


def send_my_data(unit: Unit, client: Client) -> None:
    """/mijngegevens: both documents in the chat."""
    audit(unit, actor=("client", client.id), action="exported_own", subject=("client", client.id))
    for number, (filename, content) in enumerate(documents(unit, client, client.language)):
        to_client(
            unit,
            client,
            kind="export",
            text=unit.render(
                "data_export_caption",
                client.language,
                privacy_contact=unit.session.get_one(
                    Organisation, client.organisation_id
                ).privacy_contact,
            )
            if number == 0
            else "",
            document="data:application/octet-stream;base64," + base64.b64encode(content).decode(),
            filename=filename,
        )


# --- forgetting ------------------------------------------------------------------------------


def ask_forget(unit: Unit, client: Client) -> None:
    """/vergeetmij (and the button under /stop's answer): what it means, and a confirmation."""
    to_client(
        unit,
        client,
        kind="forget",
        text=unit.render(
            "forget_ask",
            client.language,
            professional=unit.session.get_one(Professional, client.professional_id).name,
        ),
        buttons=_forget_buttons(unit, client),
    )


def _forget_buttons(unit: Unit, client: Client) -> Keyboard:
    return keyboard(
        [
            [Button(unit.label("forget.yes", client.language), data=pack("vg", "y"))],
            [Button(unit.label("forget.no", client.language), data=pack("vg", "n"))],
        ]
    )


def forget_pressed(unit: Unit, client: Client, callback: Callback) -> None:
    """`vg:a` (the button under /stop's answer: ask), `vg:y` (yes, erase), `vg:n` (no)."""
    unit.answer_callback()
    if callback.part(0) == "a":
        professional = unit.session.get_one(Professional, client.professional_id)
        unit.edit_pressed(
            unit.render("forget_ask", client.language, professional=professional.name),
            _forget_buttons(unit, client),
        )
        return
    if callback.part(0) != "y":
        unit.edit_pressed(unit.render("forget_not", client.language))
        return
    unit.edit_pressed(unit.render("forget_done", client.language))
    erase(unit, client, actor=("client", client.id))


def _record_departure(unit: Unit, client: Client, traject: Traject | None) -> None:
    """The anonymous counts reports keep (storage.models.Departure): only words of our own (a
    role and a line we ship), a month, and numbers."""
    client_id = client.id or 0

    def count(query: Any) -> int:
        return int(unit.session.execute(query).scalar_one())

    _reply = Reply.__table__  # type: ignore[attr-defined]
    _question = Question.__table__  # type: ignore[attr-defined]
    _nudge = Nudge.__table__  # type: ignore[attr-defined]
    # Local dates, as the report's periods are (an erasure at 00:30 in Amsterdam is that day).
    zone = ZoneInfo(unit.session.get_one(Organisation, client.organisation_id).time_zone)
    joined = local_date(client.created_at, zone)
    unit.session.add(
        Departure(
            organisation_id=client.organisation_id,
            role=client.role if client.role in set(Role) else "client",
            line_key=traject.line_key
            if traject and traject.line_key in unit.content.lines
            else None,
            joined_month=joined.replace(day=1),
            left_on=local_date(unit.now, zone),
            # Counted as the report counts them (services/figures.py): steps done, check-ins
            # and a watched video apart; the nudges that count as nudges there.
            steps_done=count(
                select(func.count(func.distinct(_reply.c.step_key))).where(
                    _reply.c.client_id == client_id,
                    _reply.c.step_key.is_not(None),
                    _reply.c.occurrence.is_(None),
                    _reply.c.kind.in_(STEP_KINDS),
                )
            ),
            questions=count(
                select(func.count())
                .select_from(_question)
                .where(_question.c.client_id == client_id)
            ),
            nudges=count(
                select(func.count())
                .select_from(_nudge)
                .where(_nudge.c.client_id == client_id, _nudge.c.kind.in_(NUDGE_KINDS))
            ),
            nudges_followed=count(
                select(func.count())
                .select_from(_nudge)
                .where(
                    _nudge.c.client_id == client_id,
                    _nudge.c.kind.in_(NUDGE_KINDS),
                    _nudge.c.followed_at.is_not(None),
                )
            ),
        )
    )


def erase(unit: Unit, client: Client, *, actor: tuple[str, int | None]) -> None:
    """Remove everything of this person (see the module's docstring). The caller commits and
    then compacts the database (`unit.compact`)."""
    client_id = client.id or 0
    chat_id = client.chat_id
    professional = unit.session.get(Professional, client.professional_id)
    traject = (
        unit.session.execute(
            select(Traject).where(Traject.client_id == client_id).order_by(Traject.id)  # type: ignore[arg-type]
        )
        .scalars()
        .first()
    )
    recent: list[int] = []
    if chat_id is not None:
        _outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
        recent = [
            int(found)
            for found in unit.session.execute(
                select(_outbox.c.telegram_message_id).where(
                    _outbox.c.recipient_kind == RecipientKind.CLIENT,
                    _outbox.c.recipient_id == client_id,
                    _outbox.c.status == OutboxStatus.SENT,
                    _outbox.c.telegram_message_id.is_not(None),
                    _outbox.c.sent_at > unit.now - DELETABLE,
                )
            ).scalars()
        ]
    unit.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.recipient_kind == RecipientKind.CLIENT,  # type: ignore[arg-type]
            OutboxMessage.recipient_id == client_id,  # type: ignore[arg-type]
        )
    )
    _record_departure(unit, client, traject)
    _audit = AuditEntry.__table__  # type: ignore[attr-defined]
    unit.session.execute(  # the trail stays (ids, what, when); any detail goes with the person
        update(_audit)
        .where(_audit.c.subject_kind == RecipientKind.CLIENT, _audit.c.subject_id == client_id)
        .values(detail=None)
    )
    unit.session.delete(client)
    unit.session.flush()
    if chat_id is not None:
        for message_id in recent:
            # To the chat, not the person: these rows name nobody and go with the strangers'.
            unit.send(
                chat_id=chat_id,
                recipient_kind=RecipientKind.CHAT,
                kind="erase",
                message=Outgoing(text="", delete=message_id),
                personal=False,
                key=f"erase:{chat_id}:{message_id}",
            )
    audit(unit, actor=actor, action="erased", subject=("client", client_id))
    if professional is not None:
        to_professional(
            unit,
            professional,
            kind="client_left",
            key=f"erased:{client_id}",
            text=unit.render(
                "client_erased",
                professional.language,
                role=unit.label(f"roles.{client.role}", professional.language)
                if client.role in set(Role)
                else unit.label("roles.client", professional.language),
                # Only words of our own: the line's title, if it is one we ship.
                line=line.title.get(professional.language)
                if traject and (line := unit.content.lines.get(traject.line_key))
                else "",
                since=client.created_at.strftime("%d-%m-%Y"),
            ),
        )
    unit.compact = True
