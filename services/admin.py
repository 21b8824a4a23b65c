"""What the administrator does from the CLI: organisations, professionals and their invites."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func
from sqlmodel import Session, col, select

from services.colleagues import move_open_work
from services.invites import deep_link
from storage.invites import create_invite
from storage.models import (
    AuditEntry,
    Client,
    GroupLinkCode,
    Invite,
    Organisation,
    PeerGroup,
    Professional,
    RecipientKind,
    Role,
)
from storage.organisations import ORG_KEY_PATTERN, get_organisation_by_key, list_organisations
from storage.outbox import cancel_pending


class AdminError(Exception):
    """A problem with what the administrator asked, worded for them."""


def invite_professional(
    *, session: Session, organisation_key: str, name: str, bot_username: str, now: datetime
) -> str:
    """A new professional with a one-time link that binds whoever opens it. Returns the link."""
    organisation = get_organisation_by_key(session=session, key=organisation_key)
    if organisation is None:
        known = ", ".join(o.key for o in list_organisations(session=session)) or "none yet"
        raise AdminError(f"no organisation {organisation_key!r} (known: {known})")
    if not name.strip() or len(name) > 200:
        raise AdminError("give the professional's name (1-200 characters) with --name")
    professional = Professional(
        organisation_id=organisation.id or 0,
        name=name.strip(),
        language=organisation.language,
        created_at=now,
    )
    session.add(professional)
    session.flush()
    _invite, token = create_invite(
        session=session,
        organisation_id=organisation.id or 0,
        role=Role.PROFESSIONAL,
        professional_id=professional.id,
        now=now,
    )
    session.add(
        AuditEntry(
            at=now,
            actor_kind="administrator",
            action="invited_professional",
            subject_kind="professional",
            subject_id=professional.id,
        )
    )
    return deep_link(bot_username, token)


# --- organisations -----------------------------------------------------------------------


def add_organisation(
    *,
    session: Session,
    key: str,
    name: str,
    privacy_contact: str,
    time_zone: str,
    language: str,
    now: datetime,
    school_region: str | None = None,
    known_regions: Collection[str] = (),
    answer_days: int = 2,
    contact: str = "",
    on_call: str = "",
    retention_days: int = 90,
    require_pin: bool = False,
) -> Organisation:
    """Another organisation in this installation (each has its own professionals, clients,
    privacy contact and time zone, and the school holidays of its region)."""
    if not ORG_KEY_PATTERN.match(key):
        raise AdminError(
            f"organisation key {key!r}: use up to 40 lowercase letters, digits and dashes, "
            "such as wijkteam-zuid"
        )
    if get_organisation_by_key(session=session, key=key) is not None:
        raise AdminError(f"there is an organisation {key!r} already (see `duwtje org list`)")
    if not name.strip() or not privacy_contact.strip():
        raise AdminError("give --name and --privacy-contact (clients read both in the notice)")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdminError(
            f"--time-zone {time_zone!r}: expected one such as Europe/Amsterdam"
        ) from None
    if language not in ("nl", "en"):
        raise AdminError("--language: nl or en")
    if not 1 <= answer_days <= 10:
        raise AdminError("--answer-days: 1 to 10 working days")
    if not 7 <= retention_days <= 3650:
        raise AdminError("--retention-days: 7 to 3650 days after a line ended")
    if school_region is not None and school_region not in known_regions:
        regions = ", ".join(sorted(known_regions)) or "none yet"
        raise AdminError(
            f"--school-region {school_region!r}: the configuration has no [school_holidays] "
            f"entry for it (regions: {regions}); add one first"
        )
    organisation = Organisation(
        key=key,
        name=name.strip(),
        privacy_contact=privacy_contact.strip(),
        time_zone=time_zone,
        language=language,
        created_at=now,
        school_region=school_region,
        answer_days=answer_days,
        contact=contact.strip()[:300],
        on_call=on_call.strip()[:100],
        retention_days=retention_days,
        require_pin=require_pin,
    )
    session.add(organisation)
    session.flush()
    session.add(
        AuditEntry(
            at=now,
            actor_kind="administrator",
            action="added_organisation",
            subject_kind="organisation",
            subject_id=organisation.id,
        )
    )
    return organisation


# --- professionals -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProfessionalRow:
    id: int
    name: str
    organisation: str
    bound: bool  # opened their invite: a Telegram account is theirs
    revoked: bool
    on_duty: bool
    clients: int


def list_professionals(
    *, session: Session, organisation_key: str | None = None
) -> list[ProfessionalRow]:
    query = (
        select(
            Professional.id,
            Professional.name,
            Organisation.key,
            Professional.telegram_user_id,
            Professional.revoked_at,
            Professional.on_duty,
            func.count(col(Client.id)),
        )  # type: ignore[call-overload]
        .join(Organisation, Organisation.id == Professional.organisation_id)
        .outerjoin(Client, Client.professional_id == Professional.id)
        .group_by(Professional.id, Professional.name, Organisation.key)
        .order_by(Organisation.key, Professional.name, Professional.id)
    )
    if organisation_key is not None:
        query = query.where(Organisation.key == organisation_key)
    return [
        ProfessionalRow(
            row[0], row[1], row[2], row[3] is not None, row[4] is not None, row[5], row[6]
        )
        for row in session.execute(query).all()
    ]


def set_on_duty(*, session: Session, professional_id: int, on: bool, now: datetime) -> str:
    """On duty: the organisation's crisis alerts nobody acknowledged in time, and those that
    come outside working hours, go to them. Returns their name."""
    professional = session.get(Professional, professional_id)
    if professional is None or professional.revoked_at is not None:
        raise AdminError(
            f"no active professional {professional_id} (see `duwtje professional list`)"
        )
    if on and professional.chat_id is None:
        raise AdminError(
            f"{professional.name} has not opened their invite yet: an alert could not reach them"
        )
    professional.on_duty = on
    session.add(
        AuditEntry(
            at=now,
            actor_kind="administrator",
            action="on_duty" if on else "off_duty",
            subject_kind="professional",
            subject_id=professional.id,
        )
    )
    return professional.name


def reset_pin(*, session: Session, professional_id: int, now: datetime) -> str:
    professional = session.get(Professional, professional_id)
    if professional is None:
        raise AdminError(f"no professional {professional_id} (see `duwtje professional list`)")
    professional.pin_hash = None
    professional.pin_until = None
    session.add(
        AuditEntry(
            at=now,
            actor_kind="administrator",
            action="pin_reset",
            subject_kind="professional",
            subject_id=professional.id,
        )
    )
    return professional.name


@dataclass(frozen=True)
class Revoked:
    professional: Professional
    clients: int  # moved to the successor
    groups: int  # peer groups moved to the successor


def revoke_professional(
    *, session: Session, professional_id: int, transfer_to: int | None, now: datetime
) -> Revoked:
    """Take a professional's access away, at once: they are a stranger to the bot from the next
    message on, their open invites and group codes stop working and nothing more is sent to
    them. Their clients and peer groups move to `transfer_to` (needed when they have any: a
    client's questions and alerts must always reach someone, and a group keeps its meetings,
    so it needs someone who runs it)."""
    professional = session.get(Professional, professional_id)
    if professional is None:
        raise AdminError(f"no professional {professional_id} (see `duwtje professional list`)")
    if professional.revoked_at is not None:
        raise AdminError(f"{professional.name} ({professional_id}) is revoked already")
    caseload = list(
        session.exec(select(Client).where(Client.professional_id == professional_id)).all()
    )
    groups = list(
        session.exec(select(PeerGroup).where(PeerGroup.professional_id == professional_id)).all()
    )
    successor = None
    if transfer_to is not None:
        successor = session.get(Professional, transfer_to)
        if (
            successor is None
            or successor.revoked_at is not None
            or successor.id == professional_id
            or successor.organisation_id != professional.organisation_id
        ):
            raise AdminError(
                f"--transfer-to {transfer_to}: not another active professional of the same "
                "organisation (see `duwtje professional list`)"
            )
    elif caseload or groups:
        raise AdminError(
            f"{professional.name} has {len(caseload)} client(s) and {len(groups)} peer group(s); "
            "give --transfer-to ID so questions, alerts and groups keep reaching someone"
        )
    professional.revoked_at = now
    for invite in session.exec(
        select(Invite).where(
            Invite.professional_id == professional_id,
            Invite.used_at == None,  # noqa: E711 - SQL IS NULL
            Invite.revoked_at == None,  # noqa: E711
        )
    ):
        if invite.group_id is not None and successor is not None:
            invite.professional_id = successor.id  # the group's carer link keeps working
        else:
            invite.revoked_at = now
    for code in session.exec(
        select(GroupLinkCode).where(GroupLinkCode.professional_id == professional_id)
    ):
        session.delete(code)
    for group in groups:
        assert successor is not None
        group.professional_id = successor.id
        _transferred(session, "group", group.id, professional_id, successor.id, now)
    cancel_pending(
        session=session,
        recipient_kind=RecipientKind.PROFESSIONAL,
        recipient_id=professional_id,
        reason="professional revoked",
        now=now,
    )
    for client in caseload:
        assert successor is not None
        client.professional_id = successor.id or 0
        # Questions must still be answered, meetings and appointments still kept by someone.
        move_open_work(session, client.id or 0, successor.id or 0)
        _transferred(session, "client", client.id, professional_id, successor.id, now)
    session.add(
        AuditEntry(
            at=now,
            actor_kind="administrator",
            action="revoked_professional",
            subject_kind="professional",
            subject_id=professional_id,
        )
    )
    return Revoked(professional, clients=len(caseload), groups=len(groups))


def _transferred(
    session: Session,
    kind: str,
    subject_id: int | None,
    from_id: int,
    to_id: int | None,
    now: datetime,
) -> None:
    session.add(
        AuditEntry(
            at=now,
            actor_kind="administrator",
            action=f"transferred_{kind}",
            subject_kind=kind,
            subject_id=subject_id,
            detail=f"from professional {from_id} to {to_id}",
        )
    )
