"""Queries about professionals and clients."""

from __future__ import annotations

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
    return get_professional_by_telegram(
        session=session, telegram_user_id=telegram_user_id
    ) or get_client_by_telegram(session=session, telegram_user_id=telegram_user_id)
