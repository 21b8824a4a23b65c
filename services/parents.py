"""A pupil's line without a parent (issue 9, point 4): the professional unlinks a parent from
the pupil's page ("Ouder loskoppelen", `cl:d:<pupil>`, then `pl:<pupil>:<parent>`), for
example when there is violence at home. The parent no longer takes part in the pupil's line
(no together steps, no shared answers); they stay a client of the professional, who can still
answer their questions. The bot tells the parent nothing: the professional decides if and how
they hear of it, when that is safe. A pupil's crisis message never reaches a parent anyway
(services/safety.py). Audited.
"""

from __future__ import annotations

from sqlmodel import col, select

from services import colleagues
from services.audit import audit
from services.callbacks import Callback, pack
from services.messages import Button, keyboard
from services.recipients import to_professional
from services.unit import Unit
from storage.models import Client, Professional, RecipientKind, Traject, TrajectMember
from storage.outbox import cancel_pending


def linked(unit: Unit, pupil: Client) -> list[tuple[TrajectMember, Client]]:
    """The parents taking part in this pupil's own trajecten."""
    rows = unit.session.exec(
        select(TrajectMember, Client)
        .join(Traject, col(Traject.id) == TrajectMember.traject_id)
        .join(Client, col(Client.id) == TrajectMember.client_id)
        .where(Traject.client_id == pupil.id)
    ).all()
    return [(member, parent) for member, parent in rows]


def menu(unit: Unit, professional: Professional, pupil: Client) -> None:
    """`cl:d:<pupil>`: which parent to unlink (or that there is none)."""
    language = professional.language
    found = linked(unit, pupil)
    unit.answer_callback()
    to_professional(
        unit,
        professional,
        kind="parents",
        text=unit.render(
            "parent_unlink_ask", language, name=unit.name(pupil.name_enc), any=bool(found)
        ),
        buttons=keyboard(
            [
                [
                    Button(
                        unit.label("page.unlink_parent", language, parent=unit.name(p.name_enc)),
                        data=pack("pl", pupil.id or 0, p.id or 0),
                    )
                ]
                for _, p in found
            ]
        ),
    )


def unlink(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`pl:<pupil>:<parent>`."""
    pupil_id, parent_id = callback.int_part(0), callback.int_part(1)
    pupil = unit.session.get(Client, pupil_id) if pupil_id is not None else None
    found = (
        [(m, p) for m, p in linked(unit, pupil) if p.id == parent_id]
        if pupil is not None and colleagues.may_act(unit, professional, pupil)
        else []
    )
    if not found or pupil is None:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    unit.remove_pressed_buttons()
    for member, parent in found:
        unit.session.delete(member)
        # What waits for them (a together step planned for later) no longer goes either.
        cancel_pending(
            session=unit.session,
            recipient_kind=RecipientKind.CLIENT,
            recipient_id=parent.id or 0,
            reason="unlinked from the pupil's line",
            now=unit.now,
        )
        audit(
            unit,
            actor=("professional", professional.id),
            action="parent_unlinked",
            subject=("client", pupil.id),
            detail=f"parent client {parent.id}",
        )
    to_professional(
        unit,
        professional,
        kind="parents",
        text=unit.render(
            "parent_unlinked",
            professional.language,
            name=unit.name(pupil.name_enc),
            parent=unit.name(found[0][1].name_enc),
        ),
    )
