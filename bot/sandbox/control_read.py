"""The control API, part two: reading what happened, and setting up limits, faults and resets."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox.control import body_of, field, path_id, required, sandbox_of
from bot.sandbox.errors import ControlError
from bot.sandbox.faults import Redelivery
from bot.sandbox.limits import Window
from bot.sandbox.views import chat_view, event_view, message_view

routes = web.RouteTableDef()
MAX_EVENT_WAIT = 60.0


def _query_number(request: web.Request, name: str, default: float) -> float:
    try:
        return float(request.query.get(name, default))
    except ValueError:
        raise ControlError(400, f"{name} must be a number") from None


@routes.get("/control/info")
async def info(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    world = sandbox.world
    bot = world.bot
    return web.json_response(
        {
            "bot": {"id": bot.id, "username": bot.username, "first_name": bot.first_name},
            "pending_updates": len(world.pending),
            "webhook_url": world.webhook.url if world.webhook else None,
            "spec_version": sandbox.spec.version if sandbox.spec else None,
            "limits": sandbox.limiter.limits.view(),
            "time": world.now().isoformat(),
        }
    )


@routes.get("/control/chats")
async def list_chats(request: web.Request) -> web.Response:
    return web.json_response([chat_view(c) for c in sandbox_of(request).world.chats.values()])


def _chat(request: web.Request) -> int:
    chat_id = path_id(request, "chat_id")
    if chat_id not in sandbox_of(request).world.chats:
        raise ControlError(404, f"no chat with id {chat_id}")
    return chat_id


@routes.get("/control/chats/{chat_id}")
async def get_chat(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    return web.json_response(chat_view(world.chats[_chat(request)]))


@routes.get("/control/chats/{chat_id}/messages")
async def chat_messages(request: web.Request) -> web.Response:
    chat = sandbox_of(request).world.chats[_chat(request)]
    return web.json_response([message_view(m) for m in chat.messages.values()])


@routes.get("/control/events")
async def events(request: web.Request) -> web.Response:
    """Long poll: the events after `after`, as soon as there is at least one (or [] after
    `timeout` seconds)."""
    sandbox = sandbox_of(request)
    after = int(_query_number(request, "after", 0))
    timeout = min(_query_number(request, "timeout", 0), MAX_EVENT_WAIT)
    found = await sandbox.wait_until(lambda: sandbox.world.events_after(after) or None, timeout)
    return web.json_response([event_view(e) for e in found or []])


@routes.get("/control/callback_answers")
async def callback_answers(request: web.Request) -> web.Response:
    return web.json_response(sandbox_of(request).world.callback_answers)


@routes.get("/control/requests")
async def requests(request: web.Request) -> web.Response:
    after = int(_query_number(request, "after", 0))
    records = sandbox_of(request).records.requests
    return web.json_response([r.view() for r in records if r.seq > after])


@routes.get("/control/stats")
async def stats(request: web.Request) -> web.Response:
    return web.json_response(sandbox_of(request).records.stats())


@routes.get("/control/webhook_deliveries")
async def webhook_deliveries(request: web.Request) -> web.Response:
    return web.json_response(sandbox_of(request).records.deliveries)


@routes.get("/control/limits")
async def get_limits(request: web.Request) -> web.Response:
    return web.json_response(sandbox_of(request).limiter.limits.view())


def _window(body: dict[str, object], name: str) -> Window | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ControlError(400, f"{name} is {{count, seconds}}")
    count = required(value, "count", int)
    seconds = required(value, "seconds", float)
    if count < 1 or seconds <= 0:
        raise ControlError(400, f"{name} needs count >= 1 and seconds > 0")
    return Window(count, seconds)


@routes.post("/control/limits")
async def set_limits(request: web.Request) -> web.Response:
    """Change strict mode and any of the windows; the windows' history starts afresh."""
    sandbox = sandbox_of(request)
    body = await body_of(request)
    limits = sandbox.limiter.limits.changed(
        strict=field(body, "strict", bool),
        overall=_window(body, "overall"),
        per_chat=_window(body, "per_chat"),
        per_group=_window(body, "per_group"),
    )
    sandbox.limiter.configure(limits)
    return web.json_response(limits.view())


@routes.get("/control/faults")
async def list_faults(request: web.Request) -> web.Response:
    return web.json_response([rule.view() for rule in sandbox_of(request).faults.rules])


@routes.post("/control/faults")
async def add_fault(request: web.Request) -> web.Response:
    rule = sandbox_of(request).faults.add(await body_of(request))
    return web.json_response(rule.view())


@routes.delete("/control/faults")
async def clear_faults(request: web.Request) -> web.Response:
    faults = sandbox_of(request).faults
    cleared = len(faults.rules)
    faults.clear()
    return web.json_response({"cleared": cleared})


@routes.post("/control/redelivery")
async def set_redelivery(request: web.Request) -> web.Response:
    faults = sandbox_of(request).faults
    faults.redelivery = Redelivery.from_spec(await body_of(request))
    return web.json_response(faults.redelivery.view())


@routes.delete("/control/redelivery")
async def clear_redelivery(request: web.Request) -> web.Response:
    sandbox_of(request).faults.redelivery = None
    return web.json_response({"min": 1, "max": 1, "seed": None})


@routes.post("/control/reset")
async def reset(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    sandbox.reset()
    return web.json_response({"ok": True, "next_event_seq": sandbox.world.next_seq})
