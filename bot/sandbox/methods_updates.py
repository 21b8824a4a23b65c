"""Bot API methods for receiving updates: long polling, or a webhook the sandbox posts to."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.core import Sandbox
from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.model import WebhookState
from bot.sandbox.params import Kind
from bot.sandbox.registry import method

_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
MAX_UPDATES = 100


def _allowed_updates(sandbox: Sandbox, params: dict[str, Any]) -> None:
    """ "If not specified, the previous setting will be used."""
    allowed = params.get("allowed_updates")
    if allowed is None:
        return
    if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
        raise bad_request("can't parse allowed_updates JSON object")
    sandbox.world.allowed_updates = list(allowed)


@method(
    "getUpdates",
    offset=Kind.INT,
    limit=Kind.INT,
    timeout=Kind.INT,
    allowed_updates=Kind.JSON,
)
async def get_updates(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    if world.webhook is not None:
        raise ApiError(409, WEBHOOK_CONFLICT)
    _allowed_updates(sandbox, params)
    if params.get("offset"):
        world.confirm_updates(params["offset"])
    limit = min(max(int(params.get("limit") or MAX_UPDATES), 1), MAX_UPDATES)
    sandbox.poll_generation += 1
    generation = sandbox.poll_generation
    sandbox.signal.fire()  # an older poll still waiting ends with a conflict

    def ready() -> list[dict[str, Any]] | None:
        if sandbox.poll_generation != generation:
            raise ApiError(409, POLL_CONFLICT)
        if sandbox.world.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        pending = list(sandbox.world.pending)[:limit]
        return pending or None

    found = await sandbox.wait_until(ready, float(params.get("timeout") or 0))
    return found or []


@method(
    "setWebhook",
    url=Kind.STR,
    certificate=Kind.FILE,
    ip_address=Kind.STR,
    max_connections=Kind.INT,
    allowed_updates=Kind.JSON,
    drop_pending_updates=Kind.BOOL,
    secret_token=Kind.STR,
)
async def set_webhook(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    """Any http(s) URL is accepted: Telegram insists on HTTPS on ports 443, 80, 88 or 8443, but
    a test's receiver listens on plain HTTP at a random port."""
    url = params.get("url") or ""
    if not url:
        return await delete_webhook(sandbox, params)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: an HTTP(S) URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    connections = int(params.get("max_connections") or 40)
    if not 1 <= connections <= 100:
        raise bad_request("bad webhook: max_connections must be 1-100")
    _allowed_updates(sandbox, params)
    world = sandbox.world
    if params.get("drop_pending_updates"):
        world.pending.clear()
    world.webhook = WebhookState(url, secret, connections, params.get("ip_address"))
    world.notify()
    return True


@method("deleteWebhook", drop_pending_updates=Kind.BOOL)
async def delete_webhook(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    world.webhook = None
    if params.get("drop_pending_updates"):
        world.pending.clear()
    world.notify()
    return True


@method("getWebhookInfo")
async def get_webhook_info(sandbox: Sandbox, params: dict[str, Any]) -> Any:
    world = sandbox.world
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.pending),
    }
    hook = world.webhook
    if hook is not None:
        info.update(url=hook.url, max_connections=hook.max_connections)
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if hook.last_error_date is not None:
            info.update(
                last_error_date=hook.last_error_date,
                last_error_message=hook.last_error_message,
            )
    if world.allowed_updates:
        info["allowed_updates"] = list(world.allowed_updates)
    return info
