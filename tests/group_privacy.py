"""The suite-wide check that nothing personal reached a group: every sandbox a test starts is
read when it stops, and no message the bot posted in a group may contain the name (first name,
last name or username) of anyone in that world. tests/conftest.py runs it for every test."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.world import World


def _words_of(message: Any) -> str:
    poll = message.media.get("poll") if message.media else None
    parts = [message.plain or message.text or ""]
    if poll:
        parts += [poll.get("question", ""), *(o.get("text", "") for o in poll.get("options", []))]
    return "\n".join(parts)


def personal_in_groups(world: World) -> list[str]:
    """Each bot message in a group that names a person of the world, as "chat: name in text"."""
    names = {
        name
        for person in list(world.people.values())
        for name in (person.first_name, person.last_name, person.username)
        if name and len(name) >= 3
    }
    patterns = {name: re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") for name in names}
    found = []
    for chat in list(world.chats.values()):
        if not chat.is_group:
            continue
        for message in list(chat.messages.values()):
            if not message.from_bot:
                continue
            words = _words_of(message)
            found += [
                f"{chat.id}: {name!r} in {words[:80]!r}"
                for name, pattern in patterns.items()
                if pattern.search(words)
            ]
    return found
