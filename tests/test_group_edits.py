"""Edits of one group message are folded: one at once, then the newest after the gap."""

from __future__ import annotations

import asyncio

from bot.group_edits import GroupEdits


async def test_presses_in_the_gap_become_one_edit_with_the_newest_count() -> None:
    edits = GroupEdits(gap_seconds=0.2)
    sent: list[tuple[int, int, int]] = []

    def edit(chat: int, message: int, count: int):  # type: ignore[no-untyped-def]
        async def send() -> None:
            sent.append((chat, message, count))

        return send

    for count in range(1, 11):  # ten presses at once
        await edits.edit(-100, 7, edit(-100, 7, count))
    await edits.edit(-100, 8, edit(-100, 8, 1))  # another message: its own gap
    assert sent == [(-100, 7, 1), (-100, 8, 1)]
    await edits.settle()
    assert sent == [(-100, 7, 1), (-100, 8, 1), (-100, 7, 10)]
    # After the gap an edit goes at once again.
    await asyncio.sleep(0.25)
    await edits.edit(-100, 7, edit(-100, 7, 11))
    assert sent[-1] == (-100, 7, 11)


async def test_a_failing_folded_edit_does_not_break_the_next() -> None:
    edits = GroupEdits(gap_seconds=0.05)
    sent: list[str] = []

    async def ok() -> None:
        sent.append("ok")

    async def broken() -> None:
        raise RuntimeError("boom")

    await edits.edit(-1, 1, ok)
    await edits.edit(-1, 1, broken)
    await edits.settle()
    await asyncio.sleep(0.06)
    await edits.edit(-1, 1, ok)
    assert sent == ["ok", "ok"]
