"""PRIVACY.md's data inventory names every table and every column of the schema: a new one
cannot slip in undescribed."""

from __future__ import annotations

import re
from pathlib import Path

from storage.models import metadata

DOC = Path(__file__).resolve().parents[1] / "PRIVACY.md"


def inventory() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        row = re.match(r"^\| `(\w+)` \| (.+?) \|", line)
        if row:
            found.setdefault(row.group(1), set()).update(re.findall(r"`(\w+)`", row.group(2)))
    return found


def test_every_column_is_in_the_inventory() -> None:
    described = inventory()
    missing = [
        f"{table.name}.{column.name}"
        for table in metadata.sorted_tables
        for column in table.columns
        if column.name not in described.get(table.name, set())
    ]
    assert missing == [], "add these to PRIVACY.md's data inventory"
    unknown = [
        f"{table}.{column}"
        for table, columns in described.items()
        for column in columns
        if table not in metadata.tables or column not in metadata.tables[table].c
    ]
    assert unknown == [], "PRIVACY.md describes what the schema no longer has"
