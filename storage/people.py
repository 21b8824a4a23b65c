"""Queries about professionals and clients."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, select

from storage.db import DriverSQL
from storage.models import Client, Organisation, Professional


def get_professional_by_telegram(*, session: Session, telegram_user_id: int) -> Professional | None:
    return session.exec(
        select(Professional).where(
            Professional.telegram_user_id == telegram_user_id,
            Professional.revoked_at == None,  # noqa: E711 - SQL IS NULL
        )
    ).first()


def get_client_by_telegram(*, session: Session, telegram_user_id: int) -> Client | None:
    return session.exec(select(Client).where(Client.telegram_user_id == telegram_user_id)).first()


def who_is(*, session: Session, telegram_user_id: int) -> Professional | Client | None:
    """The professional with this Telegram account (they come first), else the client.

    Every update asks this, so it is one prebuilt query for both ids, then one query for the
    person with their organisation (and a client's professional), which nearly every answer
    needs: the session keeps them (storage/db.py UnitSession), so later `get`s cost no query.
    Separate ORM queries for each cost more than the rest of a /help (issue 13, T1)."""
    if session.autoflush and (session.new or session.dirty):
        session.flush()  # as an ORM query would: someone bound in this unit is found
    rows = _WHO.run(session, telegram_user_id, telegram_user_id).all()
    if not rows:
        return None
    rank, row_id = min(rows)  # a professional before a client
    if rank == 0:
        found = session.execute(_PROFESSIONAL_WITH, {"id": row_id}).first()
        return found[0] if found else None
    with_them = session.execute(_CLIENT_WITH, {"id": row_id}).first()
    return with_them[0] if with_them else None


_WHO = DriverSQL(
    "SELECT 0, id FROM professional WHERE telegram_user_id = ? AND revoked_at IS NULL "
    "UNION ALL SELECT 1, id FROM client WHERE telegram_user_id = ?"
)
_PROFESSIONAL_WITH = (
    select(Professional, Organisation)
    .join(Organisation, Organisation.id == Professional.organisation_id)  # type: ignore[arg-type]
    .where(Professional.id == bindparam("id"))
)
_CLIENT_WITH = (
    select(Client, Organisation, Professional)
    .join(Organisation, Organisation.id == Client.organisation_id)  # type: ignore[arg-type]
    .join(Professional, Professional.id == Client.professional_id)  # type: ignore[arg-type]
    .where(Client.id == bindparam("id"))
)
