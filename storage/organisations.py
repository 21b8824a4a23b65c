"""Queries about organisations."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, select

from storage.models import Organisation

# Keys name an organisation on the command line and in the configuration: short and plain.
ORG_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def get_organisation_by_key(*, session: Session, key: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.key == key)).first()


def ensure_organisation(
    *,
    session: Session,
    key: str,
    name: str,
    privacy_contact: str,
    time_zone: str,
    language: str,
    now: datetime,
    school_region: str | None = None,
    answer_days: int = 2,
    contact: str = "",
    on_call: str = "",
    retention_days: int = 90,
    require_pin: bool = False,
) -> Organisation:
    """The organisation with `key`, created or brought in line with the configuration."""
    organisation = get_organisation_by_key(session=session, key=key)
    if organisation is None:
        organisation = Organisation(
            key=key,
            name=name,
            privacy_contact=privacy_contact,
            time_zone=time_zone,
            language=language,
            created_at=now,
            school_region=school_region,
            answer_days=answer_days,
            contact=contact,
            on_call=on_call,
            retention_days=retention_days,
            require_pin=require_pin,
        )
        session.add(organisation)
    else:
        organisation.name = name
        organisation.privacy_contact = privacy_contact
        organisation.time_zone = time_zone
        organisation.language = language
        organisation.school_region = school_region
        organisation.answer_days = answer_days
        organisation.contact = contact
        organisation.on_call = on_call
        organisation.retention_days = retention_days
        organisation.require_pin = require_pin
    session.flush()
    return organisation


def list_organisations(*, session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.key)).all())


def in_school_regions(*, session: Session) -> list[Organisation]:
    """The organisations whose pupils follow a region's school holidays (for the welcome back)."""
    return list(
        session.exec(
            select(Organisation).where(Organisation.school_region.is_not(None))  # type: ignore[union-attr]
        ).all()
    )
