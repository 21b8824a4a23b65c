"""What every handler and job needs, built once by `build_application`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import Engine
from telegram.ext import CallbackContext

from bot.clock import Clock
from bot.settings import Settings
from content import Content
from storage.crypto import FieldCipher


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    engine: Engine
    content: Content
    cipher: FieldCipher
    organisation_name: str
    wake_sender: asyncio.Event = field(default_factory=asyncio.Event)


def runtime(context: CallbackContext) -> Runtime:  # type: ignore[type-arg]
    value = context.application.bot_data["runtime"]
    assert isinstance(value, Runtime)
    return value
