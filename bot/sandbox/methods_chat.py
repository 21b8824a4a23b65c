"""Bot API methods about the bot itself, chats, members, commands and files."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.compose import record_bot_event
from bot.sandbox.core import Sandbox
from bot.sandbox.errors import bad_request
from bot.sandbox.model import LEFT, PRIVATE, ChatState
from bot.sandbox.params import Kind
from bot.sandbox.registry import method
from bot.sandbox.views import bot_user, chat_object, member_object, person_user

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
COMMAND_DESCRIPTION_LIMIT = 256
_NO_GIFTS = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}


@method("getMe")
async def get_me(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    return {
        **bot_user(sandbox.world.bot),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def _visible_chat(sandbox: Sandbox, chat_id: object) -> ChatState:
    """A chat the bot may look at: any group it knows (checked like a send) or the private
    chat of someone who pressed Start; others are "not found", as for Telegram."""
    world = sandbox.world
    chat = world.known_chat(chat_id)
    if chat.type == PRIVATE:
        if not world.people[chat.id].started:
            raise bad_request("chat not found")
        return chat
    return world.chat_for_bot(chat_id)


@method("getChat", chat_id=Kind.CHAT_ID)
async def get_chat(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    chat = _visible_chat(sandbox, params.get("chat_id"))
    return {
        **chat_object(sandbox.world, chat),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict(_NO_GIFTS),
    }


@method("getChatMember", chat_id=Kind.CHAT_ID, user_id=Kind.INT)
async def get_chat_member(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    chat = _visible_chat(sandbox, params.get("chat_id"))
    user_id = params.get("user_id")
    if user_id == world.bot.id:
        status = "member" if chat.type == PRIVATE else chat.bot_status
        return member_object(bot_user(world.bot), status)
    person = world.people.get(user_id) if isinstance(user_id, int) else None
    if person is None or (chat.type == PRIVATE and person.id != chat.id):
        raise bad_request("user not found")
    if chat.type == PRIVATE or person.id in chat.members:
        creator = chat.type != PRIVATE and chat.members[0] == person.id
        return member_object(person_user(person), "creator" if creator else "member")
    return member_object(person_user(person), "left")


@method("getChatMemberCount", chat_id=Kind.CHAT_ID)
async def get_chat_member_count(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    """People in the chat, and the bot when it is in it (Telegram counts bots too)."""
    chat = _visible_chat(sandbox, params.get("chat_id"))
    if chat.type == PRIVATE:
        return 2
    return len(chat.members) + int(chat.bot_inside)


@method("leaveChat", chat_id=Kind.CHAT_ID)
async def leave_chat(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    chat = world.chat_for_bot(params.get("chat_id"))
    if chat.type == PRIVATE:
        raise bad_request("chat member status can't be changed in private chats")
    chat.bot_status = LEFT
    message = world.add_message(chat, None, service={"left_chat_member": bot_user(world.bot)})
    record_bot_event(world, "bot_leave", message)
    return True


def _commands_key(params: dict[str, Any]) -> str:
    scope = params.get("scope") or {"type": "default"}
    return f"{json.dumps(scope, sort_keys=True)}|{params.get('language_code') or ''}"


COMMAND_SCOPE = {"scope": Kind.JSON, "language_code": Kind.STR}


@method("setMyCommands", commands=Kind.JSON, **COMMAND_SCOPE)
async def set_my_commands(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    commands = params.get("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not (
            1 <= len(description) <= COMMAND_DESCRIPTION_LIMIT
        ):
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    sandbox.world.commands[_commands_key(params)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@method("getMyCommands", **COMMAND_SCOPE)
async def get_my_commands(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    return sandbox.world.commands.get(_commands_key(params), [])


@method("deleteMyCommands", **COMMAND_SCOPE)
async def delete_my_commands(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    sandbox.world.commands.pop(_commands_key(params), None)
    return True


@method("getFile", file_id=Kind.STR)
async def get_file(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    file_id = str(params.get("file_id"))
    record = sandbox.world.files.get(file_id)
    if record is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.data),
        "file_path": record.file_path,
    }
