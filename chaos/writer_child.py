"""One writer of the `writers` scenario: the real application, in a process of its own, handling
updates one after another through `process_update` (each a transaction of its own on the shared
SQLite file), while seven others and `duwtje run` write to the same file.

It prints one JSON line: how many updates it handled, and the log records that would reach a
person (a failed handler is apologised for) or that name a locked database.

    python -m chaos.writer_child CONFIG FIRST_UPDATE_ID COUNT USER_ID,USER_ID,...

It says "ready" once it runs, and starts writing when a line arrives on its standard input,
so that all writers start together.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from chaos.rig import LogTally


def _update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    sender = {"id": user_id, "is_bot": False, "first_name": "Schrijver", "language_code": "nl"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Schrijver"},
            "from": sender,
            "text": text,
        },
    }


async def _write(config: Path, first: int, count: int, users: list[int]) -> dict[str, Any]:
    from telegram import Update

    from bot.app import build_application
    from bot.clock import SystemClock
    from bot.settings import load_settings

    tally = LogTally()
    logging.getLogger().addHandler(tally)
    logging.getLogger().setLevel(logging.INFO)
    app = build_application(load_settings(config, os.environ), SystemClock())
    handled = 0
    async with app:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)  # the starting shot
        started = time.monotonic()
        for n in range(count):
            user = users[n % len(users)]
            data = _update(first + n, user, f"schrijver {first + n}: even iets kwijt")
            await app.process_update(Update.de_json(data, app.bot))
            handled += 1
        spent = time.monotonic() - started
    return {"handled": handled, "errors": tally.errors, "locked": tally.locked, "seconds": spent}


def main(argv: list[str]) -> None:
    config, first, count, users = argv
    figures = asyncio.run(
        _write(Path(config), int(first), int(count), [int(u) for u in users.split(",")])
    )
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
