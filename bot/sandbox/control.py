"""The control API, part one: acting as the people in the simulated world.

JSON in, JSON out, under /control/. Not subject to rate limits or faults. Errors answer
`{"error": "..."}` with 400 (bad request), 404 (unknown person, chat or message) or 409 (an action
the person cannot take now, like typing before pressing Start).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web

from bot.sandbox import groups, people, polls
from bot.sandbox.botapi import SANDBOX
from bot.sandbox.core import Sandbox
from bot.sandbox.errors import ControlError
from bot.sandbox.shapes import ActionResult
from bot.sandbox.views import chat_view, user_view

T = TypeVar("T")
routes = web.RouteTableDef()


@web.middleware
async def control_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except ControlError as error:
        if not request.path.startswith("/control/"):
            raise
        return web.json_response({"error": error.message}, status=error.status)


# --- reading requests ----------------------------------------------------------------------


async def body_of(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ControlError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def field(body: dict[str, Any], name: str, kind: type[T], default: T | None = None) -> T | None:
    """An optional body field of the given type (an int is accepted as a float)."""
    value = body.get(name)
    if value is None:
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # type: ignore[return-value]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ControlError(400, f"{name} must be {kind.__name__}")
    return value


def required(body: dict[str, Any], name: str, kind: type[T]) -> T:
    value = field(body, name, kind)
    if value is None:
        raise ControlError(400, f"{name} is required")
    return value


def path_id(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise ControlError(400, f"{name} must be an integer") from None


def sandbox_of(request: web.Request) -> Sandbox:
    return request.app[SANDBOX]


def _content(body: dict[str, Any]) -> bytes | None:
    encoded = field(body, "content_base64", str)
    if encoded is None:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ControlError(400, "content_base64 is not base64") from None


def _option_ids(body: dict[str, Any]) -> list[int]:
    option_ids = required(body, "option_ids", list)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in option_ids):
        raise ControlError(400, "option_ids must be a list of option indexes")
    return option_ids


# --- people ---------------------------------------------------------------------------------


@routes.post("/control/users")
async def create_user(request: web.Request) -> web.Response:
    body = await body_of(request)
    person = people.create_user(
        sandbox_of(request).world,
        id=field(body, "id", int),
        first_name=required(body, "first_name", str),
        last_name=field(body, "last_name", str),
        username=field(body, "username", str),
        language_code=field(body, "language_code", str),
    )
    return web.json_response(user_view(person))


@routes.get("/control/users")
async def list_users(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    return web.json_response([user_view(p) for p in world.people.values()])


@routes.get("/control/users/{user_id}")
async def get_user(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    return web.json_response(user_view(people.person(world, path_id(request, "user_id"))))


@routes.post("/control/users/{user_id}/{action}")
async def user_action(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    user_id = path_id(request, "user_id")
    body = await body_of(request)
    action = request.match_info["action"]
    result: ActionResult
    chat_id = field(body, "chat_id", int)
    reply_to = field(body, "reply_to_message_id", int)
    if action == "start":
        result = people.start(world, user_id, field(body, "payload", str))
    elif action == "text":
        text = required(body, "text", str)
        result = people.text(world, user_id, text, chat_id=chat_id, reply_to=reply_to)
    elif action == "press":
        result = people.press(
            world,
            user_id,
            required(body, "message_id", int),
            data=field(body, "data", str),
            label=field(body, "label", str),
            chat_id=chat_id,
        )
    elif action == "voice":
        duration = field(body, "duration", int, 3) or 3
        result = people.voice(
            world,
            user_id,
            chat_id=chat_id,
            duration=duration,
            data=_content(body),
            reply_to=reply_to,
        )
    elif action == "photo":
        result = people.photo(
            world,
            user_id,
            chat_id=chat_id,
            caption=field(body, "caption", str),
            data=_content(body),
            reply_to=reply_to,
        )
    elif action == "vote":
        result = polls.vote(
            world,
            user_id,
            required(body, "message_id", int),
            _option_ids(body),
            chat_id=chat_id,
        )
    elif action in ("block", "unblock"):
        result = people.block(world, user_id, blocked=action == "block")
    elif action == "deactivate":
        result = people.deactivate(world, user_id)
    else:
        raise ControlError(404, f"unknown action {action!r}")
    return web.json_response(result)


# --- groups ---------------------------------------------------------------------------------


@routes.post("/control/groups")
async def create_group(request: web.Request) -> web.Response:
    body = await body_of(request)
    members = field(body, "members", list) or []
    if not all(isinstance(m, int) and not isinstance(m, bool) for m in members):
        raise ControlError(400, "members must be a list of user ids")
    chat, _ = groups.create_group(
        sandbox_of(request).world,
        title=required(body, "title", str),
        kind=field(body, "type", str, "group") or "group",
        members=members,
        bot=bool(field(body, "bot", bool, True)),
        privacy=bool(field(body, "privacy", bool, True)),
        id=field(body, "id", int),
    )
    return web.json_response(chat_view(chat))


@routes.post("/control/groups/{chat_id}/{action}")
async def group_action(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    chat_id = path_id(request, "chat_id")
    body = await body_of(request)
    action = request.match_info["action"]
    if action == "privacy":
        chat = groups.set_privacy(world, chat_id, required(body, "enabled", bool))
        return web.json_response(chat_view(chat))
    if action == "bot_rights":
        result = groups.set_bot_rights(
            world,
            chat_id,
            required(body, "user_id", int),
            can_send_messages=required(body, "can_send_messages", bool),
        )
        return web.json_response(result)
    if action == "migrate":
        return web.json_response(groups.migrate(world, chat_id, field(body, "user_id", int)))
    actions = {
        "join": groups.join,
        "leave": groups.leave,
        "add_bot": groups.add_bot,
        "remove_bot": groups.remove_bot,
    }
    if action not in actions:
        raise ControlError(404, f"unknown action {action!r}")
    return web.json_response(actions[action](world, chat_id, required(body, "user_id", int)))
