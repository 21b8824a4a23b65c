"""A professional's invites, from the chat.

`/nieuw` makes a client invite in three taps (role, line, link) and sends its QR code along;
"new phone" makes a link that moves an existing client to another Telegram account.
`/uitnodigingen` lists the open ones, each with a button to withdraw it. When someone joins
through a link, the professional confirms it is the person they meant (a link can be
forwarded): until then nothing the client answers is shown to them, and "no" undoes it all.
"""

from __future__ import annotations

import base64

from sqlalchemy import select, update

from services.audit import audit
from services.callbacks import Callback, pack
from services.messages import Button, Keyboard, keyboard
from services.qr import qr_png
from services.recipients import to_client, to_professional
from services.unit import Unit
from storage import outbox
from storage.invites import INVITE_VALID_FOR, create_invite, open_invites
from storage.models import (
    CLIENT_ROLES,
    Client,
    Invite,
    OutboxMessage,
    OutboxStatus,
    Professional,
    RecipientKind,
    Role,
    Traject,
    TrajectStatus,
)
from storage.outbox import PRIORITY_PERSONAL

NEW_PHONE = "phone"  # the role menu's extra choice: a new link for a client who has one


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def new_invite(unit: Unit, professional: Professional) -> None:
    """/nieuw: who is the invite for?"""
    language = professional.language
    rows = [
        [Button(unit.label(f"roles.{role}", language), data=pack("nw", "r", role))]
        for role in CLIENT_ROLES
    ]
    rows.append(
        [Button(unit.label("invites.new_phone", language), data=pack("nw", "r", NEW_PHONE))]
    )
    to_professional(
        unit,
        professional,
        kind="invite",
        text=unit.render("invite_role", language),
        buttons=keyboard(rows),
    )


def choose_role(unit: Unit, professional: Professional, callback: Callback) -> None:
    role = callback.part(1)
    language = professional.language
    if role != NEW_PHONE and role not in CLIENT_ROLES:
        unit.answer_callback(unit.label("answer.stale_button", language))
        return
    unit.answer_callback()
    if role == NEW_PHONE:
        _choose_client(unit, professional)
        return
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
    under = unit.bridge.parent_consent_under
    if role == Role.PUPIL and under and callback.action == "nw" and callback.part(0) == "l":
        # The age rule: ask before the link, so a young pupil's answers wait for a parent.
        unit.answer_callback()
        unit.edit_pressed(
            unit.render("invite_age", language, age=under),
            keyboard(
                [
                    [
                        Button(
                            unit.label("invites.younger", language, age=under),
                            data=pack("nw", "y", role, line.key),
                        )
                    ],
                    [
                        Button(
                            unit.label("invites.older", language, age=under),
                            data=pack("nw", "o", role, line.key),
                        )
                    ],
                ]
            ),
        )
        return
    _hand_out(
        unit,
        professional,
        bot_username=bot_username,
        role=role,
        template="invite_link",
        values={"role": unit.label(f"roles.{role}", language), "line": line.title.get(language)},
        line_key=line.key,
        parent_consent=role == Role.PUPIL and callback.part(0) == "y",
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
        name = _decrypt_name(unit, name_enc)
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
    _hand_out(
        unit,
        professional,
        bot_username=bot_username,
        role=Role.PARENT,
        template="invite_parent_link",
        values={"pupil": _decrypt_name(unit, pupil.name_enc)},
        traject_id=traject.id,
    )


def _choose_client(unit: Unit, professional: Professional) -> None:
    """A new phone: which of my clients?"""
    language = professional.language
    clients = unit.session.execute(
        select(Client.id, Client.name_enc)  # type: ignore[call-overload]
        .where(Client.professional_id == professional.id)
        .order_by(Client.id)
        .limit(60)
    ).all()
    if not clients:
        unit.edit_pressed(unit.render("invite_no_client", language))
        return
    unit.edit_pressed(
        unit.render("invite_phone_client", language),
        keyboard(
            [
                [Button(_decrypt_name(unit, name_enc)[:60], data=pack("nw", "c", client_id))]
                for client_id, name_enc in clients
            ]
        ),
    )


def choose_client(
    unit: Unit, professional: Professional, callback: Callback, *, bot_username: str
) -> None:
    """The new-phone link for the chosen client."""
    language = professional.language
    client_id = callback.int_part(1)
    client = unit.session.get(Client, client_id) if client_id is not None else None
    if client is None or client.professional_id != professional.id:
        unit.answer_callback(unit.label("answer.stale_button", language))
        return
    _hand_out(
        unit,
        professional,
        bot_username=bot_username,
        role=client.role,
        template="invite_phone_link",
        values={"name": _decrypt_name(unit, client.name_enc)},
        client_id=client.id,
    )


def _hand_out(
    unit: Unit,
    professional: Professional,
    *,
    bot_username: str,
    role: str,
    template: str,
    values: dict[str, str],
    line_key: str | None = None,
    traject_id: int | None = None,
    client_id: int | None = None,
    parent_consent: bool = False,
) -> None:
    """A new one-time link: shown in the pressed message (`template`), and as a QR code."""
    _invite, token = create_invite(
        session=unit.session,
        organisation_id=professional.organisation_id,
        role=role,
        professional_id=professional.id,
        line_key=line_key,
        traject_id=traject_id,
        client_id=client_id,
        now=unit.now,
        parent_consent=parent_consent,
    )
    unit.answer_callback()
    link = deep_link(bot_username, token)
    unit.edit_pressed(
        unit.render(
            template, professional.language, link=link, days=INVITE_VALID_FOR.days, **values
        )
    )
    _send_qr(unit, professional, link)


def _send_qr(unit: Unit, professional: Professional, link: str) -> None:
    """The link as a QR code, to show on the screen during a face-to-face intake. The picture
    holds the token: the outbox keeps it encrypted, like every personal message."""
    picture = "data:image/png;base64," + base64.b64encode(qr_png(link)).decode("ascii")
    to_professional(
        unit,
        professional,
        kind="invite_qr",
        text=unit.render("invite_qr", professional.language),
        photo=picture,
    )


# --- the open invites ----------------------------------------------------------------------


def list_invites(unit: Unit, professional: Professional) -> None:
    """/uitnodigingen: the invites still open, each with a button to withdraw it."""
    text, buttons = _invites_view(unit, professional)
    to_professional(unit, professional, kind="invites", text=text, buttons=buttons)


def withdraw(unit: Unit, professional: Professional, callback: Callback) -> None:
    language = professional.language
    invite_id = callback.int_part(1)
    invite = unit.session.get(Invite, invite_id) if invite_id is not None else None
    if (
        invite is None
        or invite.professional_id != professional.id
        or invite.used_at is not None
        or invite.revoked_at is not None
    ):
        unit.answer_callback(unit.label("answer.stale_button", language))
        return
    invite.revoked_at = unit.now
    unit.answer_callback(unit.label("invites.withdrawn", language))
    unit.edit_pressed(*_invites_view(unit, professional))


def _invites_view(unit: Unit, professional: Professional) -> tuple[str, Keyboard]:
    language = professional.language
    invites = open_invites(session=unit.session, professional_id=professional.id or 0, now=unit.now)
    rows = [
        {"what": _what(unit, invite, language), "until": invite.expires_at.strftime("%d-%m")}
        for invite in invites
    ]
    buttons = keyboard(
        [
            [
                Button(
                    unit.label("invites.withdraw", language, what=row["what"])[:60],
                    data=pack("iv", "x", invite.id or 0),
                )
            ]
            for invite, row in zip(invites, rows, strict=True)
        ]
    )
    return unit.render("invites_open", language, invites=rows), buttons


def _what(unit: Unit, invite: Invite, language: str) -> str:
    role = unit.label(f"roles.{invite.role}", language)
    if invite.client_id is not None:
        client = unit.session.get(Client, invite.client_id)
        name = _decrypt_name(unit, client.name_enc) if client else "?"
        return unit.label("invites.phone_of", language, name=name)
    line = unit.content.lines.get(invite.line_key or "")
    return f"{role} · {line.title.get(language)}" if line else role


# --- confirming who joined -------------------------------------------------------------------


def confirm_buttons(unit: Unit, client: Client, language: str, name: str) -> Keyboard:
    yes = unit.label("invites.confirm_yes", language, name=name)[:60]
    no = unit.label("invites.confirm_no", language)
    return keyboard(
        [
            [Button(yes, data=pack("cf", "y", client.id or 0))],
            [Button(no, data=pack("cf", "n", client.id or 0))],
        ]
    )


def confirm(unit: Unit, professional: Professional, callback: Callback) -> None:
    """ "Yes, that is them" or "no, I do not know them" under a new client's message."""
    language = professional.language
    client_id = callback.int_part(1)
    client = unit.session.get(Client, client_id) if client_id is not None else None
    if client is None or client.professional_id != professional.id:
        unit.answer_callback(unit.label("answer.stale_button", language))
        return
    name = _decrypt_name(unit, client.name_enc)
    if callback.part(0) == "y":
        client.confirmed_at = client.confirmed_at or unit.now
        audit_binding(unit, professional, client, "confirmed_binding")
        unit.answer_callback()
        unit.edit_pressed(unit.render("binding_confirmed", language, name=name))
        return
    if client.confirmed_at is not None:
        unit.answer_callback(unit.label("answer.stale_button", language))
        return
    # Not the person meant: undo the binding entirely, and tell them kindly.
    to_client(
        unit,
        client,
        kind="binding_undone",
        text=unit.render("binding_undone", client.language),
        priority=PRIORITY_PERSONAL,
    )
    outbox.cancel_pending(
        session=unit.session,
        recipient_kind=RecipientKind.CLIENT,
        recipient_id=client.id or 0,
        reason="binding undone by the professional",
        now=unit.now,
    )
    audit_binding(unit, professional, client, "undid_binding")
    unit.session.delete(client)  # the database deletes their traject, replies and consent too
    unit.answer_callback()
    unit.edit_pressed(unit.render("binding_refused", language, name=name))


def audit_binding(unit: Unit, professional: Professional, client: Client, action: str) -> None:
    audit(
        unit, actor=("professional", professional.id), action=action, subject=("client", client.id)
    )


def move_to_new_account(unit: Unit, client: Client, *, telegram_user_id: int, chat_id: int) -> None:
    """A new-phone link was opened: this Telegram account is the client now; what still waits
    for them goes to the new chat. Their professional confirms it again."""
    client.telegram_user_id = telegram_user_id
    client.chat_id = chat_id
    client.unreachable_since = None
    client.confirmed_at = None
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    unit.session.execute(
        update(table)
        .where(
            table.c.recipient_kind == RecipientKind.CLIENT,
            table.c.recipient_id == client.id,
            table.c.status == OutboxStatus.PENDING,
        )
        .values(chat_id=chat_id)
    )


def _decrypt_name(unit: Unit, name_enc: str | None) -> str:
    return unit.cipher.decrypt(name_enc) if name_enc else "?"
