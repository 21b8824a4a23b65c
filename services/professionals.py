"""The professional's side of the chat (thin; see the issue "The professional's workspace").

`/nieuw` makes a client invite in three taps: role, line, link. The buttons carry the choices,
so nothing is stored until the invite itself.
"""

from __future__ import annotations

from sqlalchemy import select

from services.callbacks import Callback, pack
from services.messages import Button, keyboard
from services.recipients import to_professional
from services.unit import Unit
from storage.invites import INVITE_VALID_FOR, create_invite
from storage.models import (
    CLIENT_ROLES,
    Client,
    Organisation,
    Professional,
    Role,
    Traject,
    TrajectStatus,
)


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def help_professional(unit: Unit, professional: Professional) -> None:
    organisation = unit.session.get_one(Organisation, professional.organisation_id)
    to_professional(
        unit,
        professional,
        kind="help",
        text=unit.render(
            "help_professional",
            professional.language,
            name=professional.name,
            organisation=organisation.name,
        ),
    )


def new_invite(unit: Unit, professional: Professional) -> None:
    """/nieuw: who is the invite for?"""
    language = professional.language
    to_professional(
        unit,
        professional,
        kind="invite",
        text=unit.render("invite_role", language),
        buttons=keyboard(
            [
                [Button(unit.label(f"roles.{role}", language), data=pack("nw", "r", role))]
                for role in CLIENT_ROLES
            ]
        ),
    )


def choose_role(unit: Unit, professional: Professional, callback: Callback) -> None:
    role = callback.part(1)
    language = professional.language
    if role not in CLIENT_ROLES:
        unit.answer_callback(unit.label("answer.stale_button", language))
        return
    unit.answer_callback()
    if role == Role.PARENT:
        _choose_pupil(unit, professional)
        return
    lines = [line for line in unit.content.lines.values() if role in line.roles]
    if not lines:
        unit.edit_pressed(
            unit.render("invite_no_line", language, role=unit.label(f"roles.{role}", language))
        )
        return
    unit.edit_pressed(
        unit.render("invite_line", language, role=unit.label(f"roles.{role}", language)),
        keyboard(
            [
                [Button(line.title.get(language), data=pack("nw", "l", role, line.key))]
                for line in lines
            ]
        ),
    )


def choose_line(
    unit: Unit, professional: Professional, callback: Callback, *, bot_username: str
) -> None:
    role, line_key = callback.part(1), callback.part(2)
    language = professional.language
    line = unit.content.lines.get(line_key or "")
    if role not in CLIENT_ROLES or line is None or role not in line.roles:
        unit.answer_callback(unit.label("answer.stale_button", language))
        return
    _invite, token = create_invite(
        session=unit.session,
        organisation_id=professional.organisation_id,
        role=role,
        professional_id=professional.id,
        line_key=line.key,
        now=unit.now,
    )
    unit.answer_callback()
    unit.edit_pressed(
        unit.render(
            "invite_link",
            language,
            role=unit.label(f"roles.{role}", language),
            line=line.title.get(language),
            link=deep_link(bot_username, token),
            days=INVITE_VALID_FOR.days,
        ),
    )


def _choose_pupil(unit: Unit, professional: Professional) -> None:
    """A parent joins one of this professional's pupils' trajecten: which one?"""
    language = professional.language
    rows = unit.session.execute(
        select(Traject.id, Traject.line_key, Client.name_enc)  # type: ignore[call-overload]
        .join(Client, Client.id == Traject.client_id)
        .where(
            Client.professional_id == professional.id,
            Client.role == Role.PUPIL,
            Traject.status == TrajectStatus.ACTIVE,
        )
        .order_by(Traject.id)
        .limit(40)
    ).all()
    if not rows:
        unit.edit_pressed(unit.render("invite_no_pupil", language))
        return
    buttons = []
    for traject_id, line_key, name_enc in rows:
        line = unit.content.lines.get(line_key)
        name = unit.cipher.decrypt(name_enc) if name_enc else "?"
        label = f"{name} · {line.title.get(language)}" if line else name
        buttons.append([Button(label[:60], data=pack("nw", "p", traject_id))])
    unit.edit_pressed(unit.render("invite_pupil", language), keyboard(buttons))


def choose_pupil(
    unit: Unit, professional: Professional, callback: Callback, *, bot_username: str
) -> None:
    """The parent invite for the chosen pupil's traject."""
    language = professional.language
    traject_id = callback.int_part(1)
    traject = unit.session.get(Traject, traject_id) if traject_id is not None else None
    pupil = unit.session.get(Client, traject.client_id) if traject is not None else None
    if traject is None or pupil is None or pupil.professional_id != professional.id:
        unit.answer_callback(unit.label("answer.stale_button", language))
        return
    _invite, token = create_invite(
        session=unit.session,
        organisation_id=professional.organisation_id,
        role=Role.PARENT,
        professional_id=professional.id,
        traject_id=traject.id,
        now=unit.now,
    )
    unit.answer_callback()
    unit.edit_pressed(
        unit.render(
            "invite_parent_link",
            language,
            pupil=unit.cipher.decrypt(pupil.name_enc) if pupil.name_enc else "?",
            link=deep_link(bot_username, token),
            days=INVITE_VALID_FOR.days,
        )
    )


def professional_text(unit: Unit, professional: Professional) -> None:
    """Free text from a professional: not stored; a pointer to what they can do."""
    help_professional(unit, professional)
