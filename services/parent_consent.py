"""A parent's agreement for young pupils (issue 10, point 1): a pupil invited as younger than
`[privacy] parent_consent_under` (16) joins with `client.parent_consent_pending`; until a
linked parent agrees to the notice (their own invite to the pupil's line), or the professional
records that consent was arranged otherwise (`pc:<pupil>`: no parent can take part, for
example with violence at home), the professional sees that the pupil takes part but none of
their answers. Questions and crisis alerts still reach the professional: the pupil sends those
to them on purpose. Every agreement is a ConsentRecord (`given_by` parent or professional) and
an audit entry."""

from __future__ import annotations

from services import colleagues
from services.audit import audit
from services.callbacks import Callback, pack
from services.messages import Button, keyboard
from services.recipients import to_professional
from services.unit import Unit
from storage.models import Client, ConsentRecord, Professional


def answers_visible(client: Client) -> bool:
    """Whether the professional may read this client's answers."""
    return client.confirmed_at is not None and not client.parent_consent_pending


def waiting_page(unit: Unit, professional: Professional, client: Client) -> None:
    """The client's page while a parent's agreement is still missing."""
    to_professional(
        unit,
        professional,
        kind="client_page",
        text=unit.render(
            "parent_consent_waiting",
            professional.language,
            name=unit.name(client.name_enc),
            age=unit.bridge.parent_consent_under,
        ),
        buttons=keyboard(
            [
                [
                    Button(
                        unit.label("page.consent_otherwise", professional.language),
                        data=pack("pc", client.id or 0),
                    )
                ]
            ]
        ),
    )


def _given(
    unit: Unit, pupil: Client, *, by: str, actor: tuple[str, int | None], parent: str = ""
) -> None:
    pupil.parent_consent_pending = False
    unit.session.add(
        ConsentRecord(
            client_id=pupil.id or 0,
            notice_version=unit.content.notice_version,
            given_by=by,
            agreed_at=unit.now,
        )
    )
    audit(unit, actor=actor, action=f"parent_consent_{by}", subject=("client", pupil.id))
    professional = unit.session.get_one(Professional, pupil.professional_id)
    to_professional(
        unit,
        professional,
        kind="client_joined",
        text=unit.render(
            "parent_consent_given",
            professional.language,
            name=unit.name(pupil.name_enc),
            by_parent=by == "parent",
            parent=parent,
        ),
        buttons=keyboard(
            [[Button(unit.name(pupil.name_enc)[:30] or "…", data=pack("cl", "o", pupil.id or 0))]]
        ),
    )


def parent_agreed(unit: Unit, parent: Client, pupil: Client) -> None:
    """A parent joined the pupil's line and agreed to the notice."""
    if pupil.parent_consent_pending:
        _given(
            unit, pupil, by="parent", actor=("client", parent.id), parent=unit.name(parent.name_enc)
        )


def arranged_otherwise(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`pc:<pupil>`: the professional records that consent was arranged outside Duwtje."""
    pupil_id = callback.int_part(0)
    pupil = unit.session.get(Client, pupil_id) if pupil_id is not None else None
    if (
        pupil is None
        or not pupil.parent_consent_pending
        or not colleagues.may_act(unit, professional, pupil)
    ):
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    unit.remove_pressed_buttons()
    _given(unit, pupil, by="professional", actor=("professional", professional.id))
