"""The guard between personal messages and groups: nothing personal is ever posted in a group.

A message to a group (a negative chat id, or a group recipient) must be of a kind made for
groups and not personal. `Unit.send` refuses anything else when it is queued (a bug, raised so
the unit of work rolls back and the error is logged), and the sender refuses it again before a
request goes out (bot/sender.py), in case a row got into the outbox another way.
"""

from __future__ import annotations

from content.plain import GROUP_TEMPLATES
from storage.outbox import LEAVE_KIND

# The group's kinds: one per template written for a group (content/plain.py), plus the acts
# that carry no text of ours: an anonymous poll (its question and options are labels), its end,
# and the bot leaving the group.
GROUP_KINDS = GROUP_TEMPLATES | {"group_poll", "group_poll_end", LEAVE_KIND}

PERSONAL_TO_GROUP = "refused: a personal message, or one not made for a group, to a group"


class PersonalToGroup(ValueError):
    """A personal message (or one not made for groups) was about to go to a group."""


def is_group_chat(chat_id: int, recipient_kind: str) -> bool:
    # Telegram's group and supergroup ids are negative; a person's chat id is their user id.
    return chat_id < 0 or recipient_kind == "group"


def check(*, chat_id: int, recipient_kind: str, kind: str, personal: bool) -> None:
    if is_group_chat(chat_id, recipient_kind) and (personal or kind not in GROUP_KINDS):
        raise PersonalToGroup(f"{PERSONAL_TO_GROUP}: kind {kind!r}, personal={personal}")
