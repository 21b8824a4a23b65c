"""Running the sandbox: `serve()` in the foreground (`duwtje sandbox`) or `SandboxThread` on its
own event loop in a background thread (tests, demos). Both bind loopback only: the sandbox has
no authentication and its control API acts as anyone."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import TracebackType

from aiohttp import web

from bot.clock import Clock
from bot.sandbox import control, control_read
from bot.sandbox.botapi import SANDBOX, add_routes
from bot.sandbox.control import control_errors
from bot.sandbox.core import DEFAULT_BOT_USERNAME, Sandbox, SandboxConfig
from bot.sandbox.limits import Limits
from bot.sandbox.webhook import WebhookDeliverer
from bot.sandbox.world import World

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_UPLOAD = 60 * 1024 * 1024  # Telegram takes documents up to 50 MB from bots
SHUTDOWN_TIMEOUT = 2.0  # long polls and held answers end at shutdown; this is a backstop


def _not_a_client_gone(record: logging.LogRecord) -> bool:
    """A bot that disappears mid-request (killed, timed out) is part of life, not an error of
    the server: its request was handled, only the answer has nobody to go to."""
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, ConnectionResetError)


def build_app(sandbox: Sandbox) -> web.Application:
    server_log = logging.getLogger("aiohttp.server")
    if _not_a_client_gone not in server_log.filters:
        server_log.addFilter(_not_a_client_gone)
    app = web.Application(middlewares=[control_errors], client_max_size=MAX_UPLOAD)
    app[SANDBOX] = sandbox
    add_routes(app)
    app.add_routes(control.routes)
    app.add_routes(control_read.routes)
    app.on_shutdown.append(_closing)
    app.cleanup_ctx.append(_webhook_deliverer)
    return app


async def _closing(app: web.Application) -> None:
    app[SANDBOX].close()  # wakes long polls and held answers so they end now


async def _webhook_deliverer(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(WebhookDeliverer(app[SANDBOX]).run())
    yield
    app[SANDBOX].close()
    await task


def bot_api_urls(url: str) -> tuple[str, str]:
    """python-telegram-bot's `base_url` and `base_file_url` for a sandbox at `url`: PTB appends
    the token to both, then "/{method}" or "/{file_path}"."""
    return f"{url}/bot", f"{url}/file/bot"


def _config(
    *,
    strict: bool,
    limits: Limits | None,
    spec_path: str | Path | None,
    bot_username: str,
    clock: Clock | None,
    webhook_retry_delays: tuple[float, ...] | None = None,
    callback_answer_timeout: float | None = None,
    latency: float = 0.0,
) -> SandboxConfig:
    defaults = SandboxConfig()
    return SandboxConfig(
        limits=(limits or Limits()).changed(strict=strict),
        spec_path=spec_path,
        bot_username=bot_username,
        clock=clock,
        webhook_retry_delays=webhook_retry_delays or defaults.webhook_retry_delays,
        callback_answer_timeout=callback_answer_timeout or defaults.callback_answer_timeout,
        latency=latency,
    )


def _check_loopback(host: str) -> None:
    if host not in LOOPBACK:
        raise ValueError(f"the sandbox listens on loopback only (127.0.0.1), not {host!r}")


def serve(
    host: str = "127.0.0.1",
    port: int = 8081,
    *,
    strict: bool = True,
    spec_path: str | Path | None = None,
    bot_username: str = DEFAULT_BOT_USERNAME,
    clock: Clock | None = None,
    latency: float = 0.0,
    announce: Callable[[str], None] = print,
) -> None:
    """Run the sandbox until Ctrl-C. `latency`: seconds of network round trip per Bot API call."""
    _check_loopback(host)
    sandbox = Sandbox(
        _config(
            strict=strict,
            limits=None,
            spec_path=spec_path,
            bot_username=bot_username,
            clock=clock,
            latency=latency,
        )
    )

    async def main() -> None:
        runner = web.AppRunner(
            build_app(sandbox), shutdown_timeout=SHUTDOWN_TIMEOUT, access_log=None
        )
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        url = f"http://{host}:{runner.addresses[0][1]}"
        base_url, file_url = bot_api_urls(url)
        checks = (
            f"strict mode {'on' if strict else 'off'}, spec check {'on' if spec_path else 'off'}"
            + (f", round trip {latency * 1000:g} ms" if latency else "")
        )
        announce(f"Bot API sandbox listening on {url} ({checks})")
        announce(f"  bot config:  telegram.base_url = {url}")
        announce(f"  PTB:         base_url={base_url}  base_file_url={file_url}")
        announce(f"  control API: {url}/control/  (Ctrl-C stops)")
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        announce("Sandbox stopped.")


class SandboxThread:
    """The sandbox on its own event loop in a daemon thread; a context manager.

    `world` is for read-only inspection from the test's thread (the loop thread owns it); use
    the control API (`SandboxClient(thread.url)`) to act.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        strict: bool = True,
        limits: Limits | None = None,
        spec_path: str | Path | None = None,
        bot_username: str = DEFAULT_BOT_USERNAME,
        clock: Clock | None = None,
        webhook_retry_delays: tuple[float, ...] | None = None,
        callback_answer_timeout: float | None = None,
        latency: float = 0.0,
    ) -> None:
        self.sandbox = Sandbox(
            _config(
                strict=strict,
                limits=limits,
                spec_path=spec_path,
                bot_username=bot_username,
                clock=clock,
                webhook_retry_delays=webhook_retry_delays,
                callback_answer_timeout=callback_answer_timeout,
                latency=latency,
            )
        )
        self._port = port
        self.port = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bot_api_base_url(self) -> str:
        """What python-telegram-bot's `base_url` needs (it appends the token)."""
        return bot_api_urls(self.url)[0]

    @property
    def bot_file_base_url(self) -> str:
        """What python-telegram-bot's `base_file_url` needs (it appends the token)."""
        return bot_api_urls(self.url)[1]

    @property
    def world(self) -> World:
        return self.sandbox.world

    def start(self) -> SandboxThread:
        # Bind here, so the port is known (and a clash is raised) before the thread runs.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self._port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._main(sock),), name="duwtje-sandbox", daemon=True
        )
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._error is not None:
            raise RuntimeError("the sandbox did not start") from self._error
        return self

    async def _main(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        runner = web.AppRunner(
            build_app(self.sandbox), shutdown_timeout=SHUTDOWN_TIMEOUT, access_log=None
        )
        try:
            await runner.setup()
            await web.SockSite(runner, sock).start()
        except BaseException as error:
            self._error = error
            self._ready.set()
            await runner.cleanup()
            raise
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def stop(self) -> None:
        if self._thread is None or self._loop is None or self._stop is None:
            return
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> SandboxThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
