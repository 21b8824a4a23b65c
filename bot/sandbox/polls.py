"""People voting in the bot's polls. Each person's current choice is kept on the message; the
counts in its `Poll` are derived from the choices, and the bot hears of every change: a `poll`
update (Telegram sends those for polls the bot sent) and, when the poll is not anonymous, a
`poll_answer` naming the voter."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import ControlError
from bot.sandbox.model import ChatState, StoredMessage
from bot.sandbox.people import person, writable_chat
from bot.sandbox.shapes import ActionResult
from bot.sandbox.views import message_view, poll_answer_object, poll_object
from bot.sandbox.world import World


def _open_poll(world: World, chat: ChatState, message_id: int) -> StoredMessage:
    message = world.live_message(chat, message_id)
    if message is None:
        raise ControlError(404, f"no message {message_id} in chat {chat.id}")
    if not message.from_bot or "poll" not in message.media:
        raise ControlError(409, f"message {message_id} in chat {chat.id} is not the bot's poll")
    if message.media["poll"]["is_closed"]:
        raise ControlError(409, f"the poll in message {message_id} is closed")
    return message


def _check_choice(poll: dict[str, Any], option_ids: list[int]) -> list[int]:
    """The chosen option indexes, sorted, or why a Telegram client would not offer them."""
    count = len(poll["options"])
    for option_id in option_ids:
        if not 0 <= option_id < count:
            raise ControlError(400, f"option {option_id} is not one of the poll's 0-{count - 1}")
    if len(set(option_ids)) != len(option_ids):
        raise ControlError(400, "option_ids has duplicates")
    if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
        raise ControlError(409, "the poll allows one answer only")
    return sorted(option_ids)


def tally(message: StoredMessage) -> None:
    """Recount the poll from the choices: per option, and distinct voters in all."""
    poll = message.media["poll"]
    for index, option in enumerate(poll["options"]):
        option["voter_count"] = sum(index in chosen for chosen in message.votes.values())
    poll["total_voter_count"] = len(message.votes)


def vote(
    world: World,
    user_id: int,
    message_id: int,
    option_ids: list[int],
    *,
    chat_id: int | None = None,
) -> ActionResult:
    """Choose options in a poll, or retract the vote with an empty list."""
    who = person(world, user_id)
    chat = writable_chat(world, who, chat_id)
    message = _open_poll(world, chat, message_id)
    poll = message.media["poll"]
    chosen = _check_choice(poll, option_ids)
    previous = message.votes.get(user_id)
    if previous is not None and not poll["allows_revoting"]:
        raise ControlError(409, "the poll does not allow changing a vote")
    if chosen == (previous or []):
        what = "has no vote to retract" if not chosen else "already chose exactly these options"
        raise ControlError(409, f"user {user_id} {what}")
    if chosen:
        message.votes[user_id] = chosen
    else:
        del message.votes[user_id]
    tally(message)
    update_id = world.push_update("poll", poll_object(message))
    if not poll["is_anonymous"]:
        answer = world.push_update("poll_answer", poll_answer_object(poll, who, chosen))
        update_id = answer if update_id is None else update_id
    event = world.record_event(
        "vote",
        chat_id=chat.id,
        user_id=user_id,
        message=message_view(message),
        poll_id=poll["id"],
        option_ids=chosen,
    )
    world.notify()
    return ActionResult(seq=event.seq, chat_id=chat.id, update_id=update_id)
