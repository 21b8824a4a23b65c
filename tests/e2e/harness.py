"""The real bot over real HTTP against the sandbox: `running_bot(...)` starts `run_bot` exactly
as `duwtje run` does (polling or webhook) and stops it in order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from telegram.ext import Application

from bot.clock import Clock
from bot.run import run_bot
from bot.settings import Settings

START_TIMEOUT = 15.0


@dataclass
class RunningBot:
    application: Application  # type: ignore[type-arg]
    stop: asyncio.Event
    task: asyncio.Task[None]


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, clock: Clock) -> AsyncIterator[RunningBot]:
    stop = asyncio.Event()
    ready: asyncio.Future[Application] = asyncio.get_running_loop().create_future()  # type: ignore[type-arg]

    async def on_ready(application: Application) -> None:  # type: ignore[type-arg]
        ready.set_result(application)

    task = asyncio.create_task(run_bot(settings, clock, stop, on_ready=on_ready))
    done, _ = await asyncio.wait(
        {task, ready}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
    )
    if task in done:
        task.result()  # raises what went wrong at start-up
    if ready not in done:
        stop.set()
        raise TimeoutError("the bot did not start in time")
    running = RunningBot(application=ready.result(), stop=stop, task=task)
    try:
        yield running
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=START_TIMEOUT)
