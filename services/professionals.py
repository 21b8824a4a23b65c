"""The professional's side of the chat (thin; see the issue "The professional's workspace").

`/nieuw` makes a client invite in three taps: role, line, link. The buttons carry the choices,
so nothing is stored until the invite itself.
"""

from __future__ import annotations

from services.callbacks import Callback, pack
from services.messages import Button, keyboard
from services.recipients import to_professional
from services.unit import Unit
from storage.invites import INVITE_VALID_FOR, create_invite
from storage.models import CLIENT_ROLES, Organisation, Professional


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
    lines = [line for line in unit.content.lines.values() if role in line.roles]
    unit.answer_callback()
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


def professional_text(unit: Unit, professional: Professional) -> None:
    """Free text from a professional: not stored; a pointer to what they can do."""
    help_professional(unit, professional)
