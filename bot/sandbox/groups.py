"""Group life: creating groups, people joining and leaving, the bot added or removed, and a
basic group migrating to a supergroup (as Telegram does when a group grows or gets settings)."""

from __future__ import annotations

from bot.sandbox.errors import ControlError
from bot.sandbox.model import GROUP, KICKED, LEFT, MEMBER, RESTRICTED, SUPERGROUP, ChatState
from bot.sandbox.people import member_update, person, post
from bot.sandbox.shapes import ActionResult, MessageAction
from bot.sandbox.views import bot_user, person_user
from bot.sandbox.world import World


def group(world: World, chat_id: int) -> ChatState:
    chat = world.chats.get(chat_id)
    if chat is None or not chat.is_group:
        raise ControlError(404, f"no group with id {chat_id}")
    return chat


def _active(chat: ChatState) -> None:
    if chat.migrated_to is not None:
        raise ControlError(409, f"group {chat.id} migrated to {chat.migrated_to}")


def create_group(
    world: World,
    *,
    title: str,
    kind: str = GROUP,
    members: list[int] | None = None,
    bot: bool = True,
    privacy: bool = True,
    id: int | None = None,
) -> tuple[ChatState, MessageAction | None]:
    """A new group; with `bot`, its first member adds the bot (the usual way a bot arrives)."""
    if kind not in (GROUP, SUPERGROUP):
        raise ControlError(400, "kind is group or supergroup")
    if not title.strip():
        raise ControlError(400, "a group needs a title")
    member_ids = list(dict.fromkeys(members or []))
    for user_id in member_ids:
        person(world, user_id)
    chat_id = world.new_chat_id(kind) if id is None else id
    if chat_id >= 0 or chat_id in world.chats:
        raise ControlError(409, f"chat id {chat_id} is taken or not negative")
    if kind == SUPERGROUP and not str(chat_id).startswith("-100"):
        raise ControlError(400, "a supergroup id starts with -100")
    chat = ChatState(chat_id, kind, title, member_ids, bot_status=LEFT, privacy=privacy)
    world.chats[chat_id] = chat
    world.record_event("group_created", chat_id=chat_id, title=title, type=kind, members=member_ids)
    added = None
    if bot:
        if not member_ids:
            raise ControlError(400, "someone has to add the bot: give at least one member")
        added = add_bot(world, chat_id, member_ids[0])
    world.notify()
    return chat, added


def join(world: World, chat_id: int, user_id: int) -> MessageAction:
    chat = group(world, chat_id)
    _active(chat)
    who = person(world, user_id)
    if user_id in chat.members:
        raise ControlError(409, f"user {user_id} is already in group {chat_id}")
    chat.members.append(user_id)
    service = {"new_chat_members": [person_user(who)]}
    return post(world, chat, user_id, "join", service=service)


def leave(world: World, chat_id: int, user_id: int) -> MessageAction:
    chat = group(world, chat_id)
    _active(chat)
    who = person(world, user_id)
    if user_id not in chat.members:
        raise ControlError(409, f"user {user_id} is not in group {chat_id}")
    chat.members.remove(user_id)
    return post(world, chat, user_id, "leave", service={"left_chat_member": person_user(who)})


def add_bot(world: World, chat_id: int, user_id: int) -> MessageAction:
    chat = group(world, chat_id)
    _active(chat)
    who = person(world, user_id)
    if user_id not in chat.members:
        raise ControlError(409, f"user {user_id} is not in group {chat_id}")
    if chat.bot_inside:
        raise ControlError(409, f"the bot is already in group {chat_id}")
    old = chat.bot_status
    chat.bot_status = MEMBER
    member_update(world, chat, who, old, MEMBER)
    bot = bot_user(world.bot)
    service = {"new_chat_members": [bot]}
    return post(world, chat, user_id, "add_bot", service=service)


def remove_bot(world: World, chat_id: int, user_id: int) -> MessageAction:
    chat = group(world, chat_id)
    _active(chat)
    who = person(world, user_id)
    if user_id not in chat.members:
        raise ControlError(409, f"user {user_id} is not in group {chat_id}")
    if not chat.bot_inside:
        raise ControlError(409, f"the bot is not in group {chat_id}")
    old = chat.bot_status
    chat.bot_status = KICKED
    update_id = member_update(world, chat, who, old, KICKED)
    # The service message is stored, but the bot, no longer a member, does not receive it.
    result = post(
        world, chat, user_id, "remove_bot", service={"left_chat_member": bot_user(world.bot)}
    )
    return MessageAction(
        seq=result["seq"], chat_id=chat.id, update_id=update_id, message_id=result["message_id"]
    )


def migrate(world: World, chat_id: int, user_id: int | None = None) -> MessageAction:
    """The group becomes a supergroup with a new id. As in Telegram, the old chat gets a
    `migrate_to_chat_id` service message and the new one a `migrate_from_chat_id` one; the
    answer's chat_id is the new supergroup's id."""
    chat = group(world, chat_id)
    _active(chat)
    if chat.type != GROUP:
        raise ControlError(409, f"chat {chat_id} is already a supergroup")
    by = user_id if user_id is not None else (chat.members[0] if chat.members else None)
    if by is None or by not in chat.members:
        raise ControlError(409, "the migration is done by a member of the group")
    new_id = world.new_chat_id(SUPERGROUP)
    new = ChatState(
        new_id,
        SUPERGROUP,
        chat.title,
        list(chat.members),
        bot_status=chat.bot_status,
        privacy=chat.privacy,
        migrated_from=chat.id,
    )
    world.chats[new_id] = new
    post(world, chat, by, "migrate", {"to_chat_id": new_id}, service={"migrate_to_chat_id": new_id})
    chat.migrated_to = new_id
    return post(
        world,
        new,
        by,
        "migrated",
        {"from_chat_id": chat.id},
        service={"migrate_from_chat_id": chat.id},
    )


def set_privacy(world: World, chat_id: int, enabled: bool) -> ChatState:
    chat = group(world, chat_id)
    chat.privacy = enabled
    return chat


def set_bot_rights(
    world: World, chat_id: int, user_id: int, *, can_send_messages: bool
) -> ActionResult:
    """A member (an admin, in Telegram) takes away or gives back the bot's right to send. Only
    this one right is modelled: without it the bot is "restricted" and every send is refused."""
    chat = group(world, chat_id)
    _active(chat)
    who = person(world, user_id)
    if user_id not in chat.members:
        raise ControlError(409, f"user {user_id} is not in group {chat_id}")
    if not chat.bot_inside:
        raise ControlError(409, f"the bot is not in group {chat_id}")
    old, new = chat.bot_status, MEMBER if can_send_messages else RESTRICTED
    if old == new:
        state = "may already" if can_send_messages else "already may not"
        raise ControlError(409, f"the bot {state} send messages in group {chat_id}")
    chat.bot_status = new
    update_id = member_update(world, chat, who, old, new)
    event = world.record_event(
        "bot_rights", chat_id=chat.id, user_id=user_id, can_send_messages=can_send_messages
    )
    world.notify()
    return ActionResult(seq=event.seq, chat_id=chat.id, update_id=update_id)
