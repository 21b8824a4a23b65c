"""Opening an invite link: a professional is bound; a client reads the privacy notice first.

Nothing about a client is stored before they agree. The consent buttons carry the invite token
itself, so between showing the notice and the "yes" the bot keeps nothing at all.
"""

from __future__ import annotations

import logging

from services import clients, digests, greeting, invites, journey, parent_consent, steps
from services.audit import audit
from services.callbacks import Callback, pack
from services.messages import Button, keyboard
from services.people import Person
from services.recipients import to_client, to_person, to_professional
from services.unit import Unit
from storage.invites import claim_invite, usable_invite
from storage.models import (
    Client,
    ClientStatus,
    ConsentRecord,
    Invite,
    Organisation,
    Professional,
    Role,
    Traject,
    TrajectMember,
    TrajectStatus,
)
from storage.outbox import PRIORITY_PERSONAL
from storage.people import get_client_by_telegram, get_professional_by_telegram

log = logging.getLogger(__name__)


def open_link(unit: Unit, person: Person, token: str, *, organisation: str) -> None:
    """/start <token>."""
    invite = usable_invite(session=unit.session, token=token, now=unit.now)
    if invite is None:
        to_person(
            unit,
            person,
            kind="invite",
            message=greeting.menu_message(unit, person, "invite_invalid", organisation),
        )
        return
    if invite.role == Role.PROFESSIONAL:
        _bind_professional(unit, person, invite)
    elif invite.client_id is not None:
        _new_phone(unit, person, invite)
    else:
        _show_notice(unit, person, invite, token)


def _invite_taken(unit: Unit, person: Person) -> None:
    to_person(
        unit,
        person,
        kind="invite",
        message=greeting.plain(unit.render("invite_taken", person.language)),
    )


def _bind_professional(unit: Unit, person: Person, invite: Invite) -> None:
    professional = unit.session.get_one(Professional, invite.professional_id)
    taken = get_client_by_telegram(session=unit.session, telegram_user_id=person.telegram_user_id)
    if taken is not None or not claim_invite(session=unit.session, invite=invite, now=unit.now):
        _invite_taken(unit, person)
        return
    organisation = unit.session.get_one(Organisation, professional.organisation_id)
    professional.telegram_user_id = person.telegram_user_id
    professional.chat_id = person.chat_id
    professional.language = person.language
    professional.bound_at = unit.now
    professional.unreachable_since = None
    professional.next_digest_at = digests.next_digest_at(unit.now, professional, organisation)
    audit(
        unit,
        actor=("professional", professional.id),
        action="bound",
        subject=("professional", professional.id),
    )
    to_professional(
        unit,
        professional,
        kind="welcome",
        text=unit.render(
            "professional_welcome",
            person.language,
            name=professional.name,
            organisation=organisation.name,
            digest_time=professional.digest_time,
        ),
    )


def _new_phone(unit: Unit, person: Person, invite: Invite) -> None:
    """A client's own link to a new Telegram account: they agreed before, so no notice; their
    traject moves along and their professional confirms it is them."""
    client = unit.session.get(Client, invite.client_id)
    if client is None:
        _invite_taken(unit, person)
        return
    same = client.telegram_user_id == person.telegram_user_id
    taken = get_client_by_telegram(session=unit.session, telegram_user_id=person.telegram_user_id)
    if (not same and taken is not None) or get_professional_by_telegram(
        session=unit.session, telegram_user_id=person.telegram_user_id
    ):
        _invite_taken(unit, person)
        return
    if not claim_invite(session=unit.session, invite=invite, now=unit.now):
        _invite_taken(unit, person)
        return
    if not same:
        invites.move_to_new_account(
            unit, client, telegram_user_id=person.telegram_user_id, chat_id=person.chat_id
        )
        audit(
            unit, actor=("client", client.id), action="moved_account", subject=("client", client.id)
        )
        professional = unit.session.get_one(Professional, client.professional_id)
        name = _name(unit, client)
        to_professional(
            unit,
            professional,
            kind="client_joined",
            priority=PRIORITY_PERSONAL,
            text=unit.render(
                "client_new_phone",
                professional.language,
                name=name,
                telegram_name=person.first_name,
            ),
            buttons=invites.confirm_buttons(unit, client, professional.language, name),
        )
    to_client(unit, client, kind="welcome", text=unit.render("new_phone_welcome", client.language))


def _show_notice(unit: Unit, person: Person, invite: Invite, token: str) -> None:
    existing = get_client_by_telegram(
        session=unit.session, telegram_user_id=person.telegram_user_id
    )
    if existing is not None or get_professional_by_telegram(
        session=unit.session, telegram_user_id=person.telegram_user_id
    ):
        _invite_taken(unit, person)
        return
    buttons = keyboard(
        [
            [Button(unit.label("consent.yes", person.language), data=pack("cs", "y", token))],
            [Button(unit.label("consent.no", person.language), data=pack("cs", "n", token))],
            [Button(unit.label("consent.more", person.language), data=pack("cs", "m", token))],
        ]
    )
    to_person(
        unit,
        person,
        kind="consent",
        message=greeting.plain(_notice(unit, person, invite, "consent"), buttons),
    )


def _notice(unit: Unit, person: Person, invite: Invite, template: str) -> str:
    organisation = unit.session.get_one(Organisation, invite.organisation_id)
    professional = unit.session.get_one(Professional, invite.professional_id)
    return unit.render(
        template,
        person.language,
        organisation=organisation.name,
        privacy_contact=organisation.privacy_contact,
        professional=professional.name,
        keep_days=organisation.retention_days,
    )


def needs_renewal(unit: Unit, client: Client) -> bool:
    """The notice changed in substance since they agreed (privacy.toml's notice_version)."""
    return (
        client.consent_version != unit.content.notice_version
        and client.status == ClientStatus.ACTIVE
    )


def ask_renewal(unit: Unit, client: Client) -> None:
    """The new notice, once per version (its outbox key), with "yes" and "no"; until they
    answer, everything goes on as they agreed before."""
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    professional = unit.session.get_one(Professional, client.professional_id)
    version = unit.content.notice_version
    to_client(
        unit,
        client,
        kind="consent",
        key=f"renew:{client.id}:{version}",
        text=unit.render("consent_renew", client.language)
        + "\n\n"
        + unit.render(
            "consent",
            client.language,
            organisation=organisation.name,
            privacy_contact=organisation.privacy_contact,
            professional=professional.name,
            keep_days=organisation.retention_days,
        ),
        buttons=keyboard(
            [
                [Button(unit.label("consent.yes", client.language), data=pack("cr", "y"))],
                [Button(unit.label("consent.no", client.language), data=pack("cr", "n"))],
            ]
        ),
    )


def answer_renewal(unit: Unit, client: Client, callback: Callback) -> None:
    """`cr:y`: agreed to the new version (recorded); `cr:n`: they stop, and may erase."""
    unit.answer_callback()
    if callback.part(0) != "y":
        unit.remove_pressed_buttons()
        clients.stop(unit, client)
        return
    version = unit.content.notice_version
    if client.consent_version != version:
        client.consent_version = version
        unit.session.add(
            ConsentRecord(client_id=client.id or 0, notice_version=version, agreed_at=unit.now)
        )
        audit(
            unit,
            actor=("client", client.id),
            action="consented",
            subject=("client", client.id),
            detail=f"notice {version}",
        )
    unit.edit_pressed(unit.render("consent_renewed", client.language))


def answer_notice(unit: Unit, person: Person, callback: Callback, *, organisation: str) -> None:
    """A press on "yes" or "no" under the privacy notice."""
    token = callback.part(1) or ""
    invite = usable_invite(session=unit.session, token=token, now=unit.now)
    if callback.part(0) == "m" and invite is not None:
        unit.answer_callback()
        to_person(
            unit,
            person,
            kind="consent",
            message=greeting.plain(_notice(unit, person, invite, "consent_more")),
        )
        return
    if callback.part(0) != "y":
        unit.edit_pressed(unit.render("consent_declined", person.language))
        unit.answer_callback()
        return
    if (
        invite is None
        or get_client_by_telegram(session=unit.session, telegram_user_id=person.telegram_user_id)
        or not claim_invite(session=unit.session, invite=invite, now=unit.now)
    ):
        unit.edit_pressed(unit.render("invite_invalid", person.language, organisation=organisation))
        unit.answer_callback()
        return
    client = _create_client(unit, person, invite)
    unit.edit_pressed(unit.render("consent_thanks", person.language))
    unit.answer_callback()
    if invite.traject_id is not None:
        # A parent joins their child's line: the together steps come at the child's moment.
        pupil = steps.owner_of(unit, unit.session.get_one(Traject, invite.traject_id))
        parent_consent.parent_agreed(unit, client, pupil)
        to_client(
            unit,
            client,
            kind="welcome",
            text=unit.render("parent_welcome", client.language, pupil=_name(unit, pupil)),
        )
        return
    to_client(
        unit,
        client,
        kind="moment",
        text=unit.render("choose_moment", client.language),
        buttons=journey.moment_buttons(unit, client.language),
    )


def _create_client(unit: Unit, person: Person, invite: Invite) -> Client:
    assert invite.professional_id is not None, "client invites are always made by a professional"
    client = Client(
        organisation_id=invite.organisation_id,
        professional_id=invite.professional_id,
        role=invite.role,
        name_enc=unit.cipher.encrypt(person.first_name or "?"),
        telegram_user_id=person.telegram_user_id,
        chat_id=person.chat_id,
        language=person.language,
        consent_version=unit.content.notice_version,
        created_at=unit.now,
        last_activity_at=unit.now,
        parent_consent_pending=invite.parent_consent and invite.role == Role.PUPIL,
    )
    unit.session.add(client)
    unit.session.flush()
    unit.session.add(
        ConsentRecord(
            client_id=client.id or 0, notice_version=unit.content.notice_version, agreed_at=unit.now
        )
    )
    if invite.line_key:
        unit.session.add(
            Traject(
                client_id=client.id or 0,
                line_key=invite.line_key,
                status=TrajectStatus.ACTIVE,
                started_at=unit.now,
            )
        )
    if invite.traject_id is not None:
        unit.session.add(
            TrajectMember(
                traject_id=invite.traject_id,
                client_id=client.id or 0,
                relation=invite.role,
                created_at=unit.now,
            )
        )
    audit(
        unit,
        actor=("client", client.id),
        action="consented",
        subject=("client", client.id),
        detail=f"notice {unit.content.notice_version}",
    )
    professional = unit.session.get_one(Professional, invite.professional_id)
    line = unit.content.lines.get(invite.line_key or "")
    to_professional(
        unit,
        professional,
        kind="client_joined",
        priority=PRIORITY_PERSONAL,
        text=unit.render(
            "client_joined",
            professional.language,
            name=person.first_name,
            role=unit.label(f"roles.{invite.role}", professional.language),
            line=line.title.get(professional.language) if line else "",
        ),
        buttons=invites.confirm_buttons(unit, client, professional.language, person.first_name),
    )
    return client


def _name(unit: Unit, client: Client) -> str:
    return unit.cipher.decrypt(client.name_enc) if client.name_enc else "?"
