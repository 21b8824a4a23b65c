"""Everything stored about one person, found from the schema rather than from a list: a table
with a foreign key to `client` holds the rows of that client (their own rows only: a parent's
answers on a together step are theirs, not the pupil's); a table without one, but with a key to
a table found so (feedback on a reply, a traject's check-ins and overrides), holds the rows that
point at those. Two tables name a person without a key: the outbox (`recipient_kind` and
`recipient_id`) and the audit trail (`subject_kind` and `subject_id`).

So a new table with a key to `client` is in every export and every erasure without anyone
remembering to add it (tests/test_personal_data.py holds that).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from storage.models import RecipientKind, metadata

CLIENT = "client"


@dataclass(frozen=True)
class Link:
    """How a table's rows belong to a client: through `column`, which points at `parent`."""

    table: Table
    column: str
    parent: str


def links() -> list[Link]:
    """Every table that holds a client's rows, parents before children (a walk of the keys)."""
    found: list[Link] = []
    reached = {CLIENT}
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            if table.name in reached:
                continue
            direct = [fk for fk in table.foreign_keys if fk.column.table.name == CLIENT]
            via = [fk for fk in table.foreign_keys if fk.column.table.name in reached]
            chosen = direct or via
            if chosen:
                fk = chosen[0]
                found.append(Link(table, fk.parent.name, fk.column.table.name))
                reached.add(table.name)
                changed = True
    return found


def by_recipient() -> tuple[Table, str, str]:
    """The table naming people without a key to them (the outbox), and its two columns."""
    return metadata.tables["outbox_message"], "recipient_kind", "recipient_id"


def by_subject() -> tuple[Table, str, str]:
    return metadata.tables["audit_entry"], "subject_kind", "subject_id"


def rows_of(connection: Connection, client_id: int) -> Iterator[tuple[Table, dict[str, Any]]]:
    """Every stored row about this client, table by table (values as stored)."""
    client = metadata.tables[CLIENT]
    ids: dict[str, set[Any]] = {CLIENT: {client_id}}
    for row in connection.execute(select(client).where(client.c.id == client_id)).mappings():
        yield client, dict(row)
    for link in links():
        parents = ids.get(link.parent, set())
        ids[link.table.name] = set()
        if not parents:
            continue
        column = link.table.c[link.column]
        primary = list(link.table.primary_key.columns)
        for row in connection.execute(
            select(link.table).where(column.in_(sorted(parents))).order_by(*primary)
        ).mappings():
            if "id" in row:
                ids[link.table.name].add(row["id"])
            yield link.table, dict(row)
    for table, kind, ident in (by_recipient(), by_subject()):
        for row in connection.execute(
            select(table)
            .where(table.c[kind] == RecipientKind.CLIENT, table.c[ident] == client_id)
            .order_by(table.c.id)
        ).mappings():
            yield table, dict(row)
