"""Our webhook endpoint: a small aiohttp server that Telegram (or the sandbox) posts updates to.

Order matters: check the secret header in constant time before reading anything, refuse bodies
over the limit before reading them, parse, store, and only then answer 200. Telegram retries on
any non-2xx, so an update we could not store is not lost; a wrong secret is refused and stores
nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.inbound import store_updates
from bot.runtime import Runtime

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/"


def build_webhook_app(
    rt: Runtime,
    application: Application,  # type: ignore[type-arg]
    *,
    secret: str,
) -> web.Application:
    limit = rt.settings.telegram.webhook_max_body_bytes
    expected = secret.encode("utf-8")

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call with a wrong or missing secret refused")
            return web.Response(status=403, text="forbidden")
        if request.content_length is None:
            return web.Response(status=411, text="Content-Length required")
        if request.content_length > limit:
            return web.Response(status=413, text="body too large")
        try:
            data: Any = json.loads(await request.read())
        except (ValueError, web.HTTPRequestEntityTooLarge):
            return web.Response(status=400, text="not a JSON update")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not a Telegram update")
        try:
            update = Update.de_json(data, application.bot)
        except Exception:  # python-telegram-bot cannot read it: nothing we could ever handle
            log.warning("webhook update %s could not be parsed; refused", data["update_id"])
            return web.Response(status=400, text="not a Telegram update")
        store_updates(rt, [data])
        await application.update_queue.put(update)
        return web.Response(status=200, text="ok")

    app = web.Application(client_max_size=limit)
    app.router.add_post(webhook_path(rt.settings.telegram.webhook_url), receive)
    return app
