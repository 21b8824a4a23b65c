"""Our plain message data (services.messages) as python-telegram-bot objects."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from services.messages import Keyboard

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def reply_markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(button.label, url=button.url)
                if button.url
                else InlineKeyboardButton(button.label, callback_data=button.data)
                for button in row
            ]
            for row in buttons
        ]
    )
