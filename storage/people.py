"""Queries about professionals and clients."""

from __future__ import annotations

from sqlalchemy import bindparam, literal_column, union_all
from sqlmodel import Session, select

from storage.models import Client, Professional


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

    Every update asks this, so it is one prebuilt query for both ids, then a `get`: two ORM
    queries cost more than the rest of a /help (issue 13, T1)."""
    if session.autoflush and (session.new or session.dirty):
        session.flush()  # as an ORM query would: someone bound in this unit is found
    rows = session.connection().execute(_WHO, {"tg": telegram_user_id}).all()
    if not rows:
        return None
    rank, row_id = min(rows)  # a professional before a client
    if rank == 0:
        return session.get(Professional, row_id)
    return session.get(Client, row_id)


_professional = Professional.__table__  # type: ignore[attr-defined]
_client = Client.__table__  # type: ignore[attr-defined]
_WHO = union_all(
    select(literal_column("0").label("rank"), _professional.c.id).where(
        _professional.c.telegram_user_id == bindparam("tg"),
        _professional.c.revoked_at.is_(None),
    ),
    select(literal_column("1").label("rank"), _client.c.id).where(
        _client.c.telegram_user_id == bindparam("tg")
    ),
)
