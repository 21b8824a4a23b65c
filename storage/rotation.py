"""Re-encrypting every stored secret with the newest key (`duwtje keys rotate`): after a new
key is put first in DUWTJE_ENCRYPTION_KEYS, every `*_enc` column (found from the schema) is
rotated, table by table in batches, so the old key can then be removed."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from storage.crypto import FieldCipher
from storage.db import session_scope
from storage.models import metadata
from storage.outbox import PLAIN

BATCH = 500


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every encrypted column."""
    return [
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_enc")
    ]


def rotate_all(engine: Engine, cipher: FieldCipher) -> dict[str, int]:
    """Rotate every encrypted value; returns how many per table. Plain JSON payloads (template
    messages, `json:`) and emptied ones are left as they are."""
    counts: dict[str, int] = {}
    for table_name, column_name in encrypted_columns():
        table = metadata.tables[table_name]
        column = table.c[column_name]
        [key] = list(table.primary_key.columns)
        last = None
        while True:
            with session_scope(engine) as session:
                query = select(key, column).where(column.is_not(None)).order_by(key).limit(BATCH)
                if last is not None:
                    query = query.where(key > last)
                rows = session.execute(query).all()
                for ident, value in rows:
                    if value and not value.startswith(PLAIN):
                        session.execute(
                            update(table)
                            .where(key == ident)
                            .values({column_name: cipher.rotate(value)})
                        )
                        counts[table_name] = counts.get(table_name, 0) + 1
            if len(rows) < BATCH:
                break
            last = rows[-1][0]
    return counts
