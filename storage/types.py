"""Column types shared by all tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every engine.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so we store naive UTC there (in
    SQLAlchemy's own text format) and put the UTC zone back on the way out. A naive datetime
    going in is a bug and is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # One formatting function for the ORM and for the outbox's bulk insert (which hands
        # the driver ready values), so the two can never store a moment differently.
        def process(value: datetime | None) -> str | None:
            return None if value is None else sqlite_timestamp(value)

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def sqlite_timestamp(value: datetime) -> str:
    """How a UTC moment is stored on SQLite: SQLAlchemy's DATETIME text, naive UTC."""
    return as_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def as_utc(value: datetime) -> datetime:
    """`value` in UTC; a naive datetime is a bug and is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
    return value if value.tzinfo is UTC else value.astimezone(UTC)
