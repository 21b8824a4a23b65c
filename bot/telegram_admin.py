"""CLI actions that need to ask Telegram something (the bot's username for deep links)."""

from __future__ import annotations

import asyncio

from telegram import Bot
from telegram.error import TelegramError

from bot.clock import SystemClock
from bot.errors import UserError
from bot.settings import Settings
from bot.setup import prepare_database
from services.admin import AdminError, invite_professional
from storage.db import make_engine, session_scope


def bot_username(settings: Settings) -> str:
    """Ask the Bot API server who we are (getMe)."""

    async def ask() -> str:
        base = settings.telegram.base_url
        bot = Bot(
            settings.require_token(), base_url=f"{base}/bot", base_file_url=f"{base}/file/bot"
        )
        async with bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except TelegramError as exc:
        raise UserError(
            f"cannot ask {settings.telegram.base_url} for the bot's name ({exc.message}); "
            "check the token and telegram.base_url"
        ) from None


def invite_professional_link(settings: Settings, *, organisation_key: str, name: str) -> str:
    username = bot_username(settings)
    prepare_database(settings)
    engine = make_engine(settings.database.url)
    try:
        with session_scope(engine) as session:
            return invite_professional(
                session=session,
                organisation_key=organisation_key,
                name=name,
                bot_username=username,
                now=SystemClock().now(),
            )
    except AdminError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
