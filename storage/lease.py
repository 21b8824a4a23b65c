"""The lease: one conditional statement decides who holds it, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.models import Lease

_table = Lease.__table__  # type: ignore[attr-defined]


def try_hold(
    *, session: Session, name: str, holder: str, now: datetime, ttl: timedelta
) -> tuple[bool, bool]:
    """Take or renew the lease. Returns (held now, newly taken: it was someone else's or free).

    "0 rows updated" means another holder's lease is still running: we do not hold it.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    connection = session.connection()
    created = connection.execute(
        insert(_table)
        .values(name=name, holder=holder, expires_at=now + ttl, acquired_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(_table.c.name)
    ).first()
    if created is not None:
        return True, True
    renewed = connection.execute(
        update(_table)
        .where(_table.c.name == name, _table.c.holder == holder, _table.c.expires_at > now)
        .values(expires_at=now + ttl)
        .returning(_table.c.name)
    ).first()
    if renewed is not None:
        return True, False
    taken = connection.execute(
        update(_table)
        .where(
            _table.c.name == name,
            or_(_table.c.expires_at <= now, and_(_table.c.holder == holder)),
        )
        .values(holder=holder, expires_at=now + ttl, acquired_at=now)
        .returning(_table.c.name)
    ).first()
    return taken is not None, taken is not None


def release(*, session: Session, name: str, holder: str, now: datetime) -> None:
    """Give the lease up at a clean stop, so another process can take over at once."""
    session.execute(
        update(_table)
        .where(_table.c.name == name, _table.c.holder == holder)
        .values(expires_at=now)
    )


def current(*, session: Session, name: str) -> tuple[str, datetime] | None:
    row = session.execute(
        _table.select()
        .with_only_columns(_table.c.holder, _table.c.expires_at)
        .where(_table.c.name == name)
    ).first()
    return (row[0], row[1]) if row else None
