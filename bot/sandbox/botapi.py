"""The Bot API over HTTP: `/bot{token}/{method}` and file downloads at `/file/bot{token}/{path}`.

One request goes: token → method → body → typed parameters → recorded → spec check (when a spec
is loaded) → fault rules → strict-mode limits → the method → the answer (held back for a
read_timeout fault). Every step's refusal is answered in Telegram's shape and recorded.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from bot.sandbox import methods_chat, methods_edit, methods_send, methods_updates
from bot.sandbox.core import Sandbox
from bot.sandbox.errors import ApiError, bad_request, too_many_requests
from bot.sandbox.faults import BAD_GATEWAY_HTML, REFUSALS
from bot.sandbox.params import Upload, jsonable, parse_params
from bot.sandbox.records import RequestRecord
from bot.sandbox.registry import METHODS

# The method modules register themselves on import.
METHOD_MODULES = (methods_chat, methods_edit, methods_send, methods_updates)
SANDBOX = web.AppKey("sandbox", Sandbox)
_TOKEN = re.compile(r"(\d+):[A-Za-z0-9_-]+")


def _answer(status: int, body: dict[str, Any]) -> web.Response:
    return web.json_response(body, status=status)


def _error(error: ApiError) -> web.Response:
    return _answer(error.status, error.body())


async def _read_params(request: web.Request) -> dict[str, object]:
    """Query string and body, whichever of form, multipart or JSON it is."""
    params: dict[str, object] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON encoded request body must be an object")
        params.update(body)
        return params
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            params[name] = Upload(value.filename, value.content_type, value.file.read())
        else:
            params[name] = value
    return params


async def bot_api(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    # The network's round trip (real time, whatever the world's clock): half on the way in,
    # before the request counts as arrived, half on the way back.
    half = sandbox.config.latency / 2
    if half:
        await asyncio.sleep(half)
    response = await _bot_api(request, sandbox)
    if half:
        await asyncio.sleep(half)
    return response


async def _bot_api(request: web.Request, sandbox: Sandbox) -> web.StreamResponse:
    token = _TOKEN.fullmatch(request.match_info["token"])
    if token is None:
        return _answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    name = request.match_info["method"]
    method = METHODS.get(name.lower())
    if method is None:
        record = sandbox.records.request(name, {}, sandbox.clock.now())
        canonical = sandbox.spec.canonical(name) if sandbox.spec else None
        error = (
            bad_request(f"method {canonical} is not implemented by the sandbox")
            if canonical
            else ApiError(404, "Not Found")
        )
        sandbox.records.answered(record, error.status, error.description)
        return _error(error)
    sandbox.world.bot.id = int(token[1])
    try:
        raw = await _read_params(request)
        params = parse_params(method.schema, raw)
    except ApiError as error:
        record = sandbox.records.request(method.name, {}, sandbox.clock.now())
        sandbox.records.answered(record, error.status, error.description)
        return _error(error)
    record = sandbox.records.request(method.name, jsonable(params), sandbox.clock.now())
    return await _handle(request, sandbox, record, raw, params)


async def _handle(
    request: web.Request,
    sandbox: Sandbox,
    record: RequestRecord,
    raw: dict[str, object],
    params: dict[str, Any],
) -> web.StreamResponse:
    records = sandbox.records
    method = METHODS[record.method.lower()]
    if sandbox.spec is not None:
        problems = sandbox.spec.check_request(method.name, raw)
        if problems:
            records.spec_violation(record, problems)
            error = bad_request(f"spec violation: {'; '.join(problems)}")
            records.answered(record, error.status, error.description, reason="spec_violation")
            return _error(error)
    chat_id = params.get("chat_id")
    fault = sandbox.faults.pick(method.name, chat_id)
    if fault is not None:
        records.fault(record, fault.kind)
        if fault.kind == "drop_connection":
            records.answered(record, None, "connection dropped", reason="fault:drop_connection")
            if request.transport is not None:
                request.transport.close()
            return web.Response()  # never written: the connection is gone
        if fault.kind in REFUSALS:
            error = fault.error(chat_id)
            records.answered(record, error.status, error.description, reason=f"fault:{fault.kind}")
            if error.status == 502:
                return web.Response(status=502, text=BAD_GATEWAY_HTML, content_type="text/html")
            return _error(error)
    retry_after = sandbox.limiter.admit(method.name, chat_id)
    if retry_after is not None:
        error = too_many_requests(retry_after)
        records.answered(record, error.status, error.description, reason="rate_limited")
        return _error(error)
    try:
        result = await method.handler(sandbox, params)
    except ApiError as error:
        records.answered(record, error.status, error.description)
        response = _error(error)
    else:
        records.answered(record, 200)
        response = _answer(200, {"ok": True, "result": result})
    if fault is not None:  # read_timeout: done and delivered, but the answer comes too late
        await sandbox.sleep(fault.hold)
    return response


async def download(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    if _TOKEN.fullmatch(request.match_info["token"]) is None:
        return _answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    record = sandbox.world.file_paths.get(request.match_info["path"])
    if record is None:
        return _answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
    content_type = record.mime_type or "application/octet-stream"
    return web.Response(body=record.data, content_type=content_type)


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", download)
