"""The offline story helper: act as people against the offline app and see what the bot sent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.app import runtime_of, sender_of, sweep_tick
from bot.clock import VirtualClock
from services.admin import invite_professional
from storage.db import session_scope
from tests.offline import Call, OfflineRequest, make_press_update, make_text_update, user

App = Application  # type: ignore[type-arg]

PRO = user(5001, "Mirjam")
PUPIL = user(7001, "Sanne")


class Story:
    def __init__(self, app: App, request: OfflineRequest, clock: VirtualClock) -> None:
        self.app, self.request, self.clock = app, request, clock
        self.seen = 0

    async def say(
        self, who: dict[str, Any], text: str, *, reply_to: int | None = None
    ) -> list[Call]:
        await self.app.process_update(
            Update.de_json(make_text_update(text, from_user=who, reply_to=reply_to), self.app.bot)
        )
        return await self.flush()

    async def press(
        self,
        who: dict[str, Any],
        data: str,
        message_id: int = 1,
        chat: dict[str, Any] | None = None,
    ) -> list[Call]:
        await self.app.process_update(
            Update.de_json(
                make_press_update(data, message_id=message_id, from_user=who, chat=chat),
                self.app.bot,
            )
        )
        return await self.flush()

    async def say_in(self, chat: dict[str, Any], who: dict[str, Any], text: str) -> list[Call]:
        """A text (a command) in a group chat."""
        return await self.send(make_text_update(text, from_user=who, chat=chat))

    async def send(self, update: dict[str, Any]) -> list[Call]:
        """Any raw update (a service message, my_chat_member, a poll's totals)."""
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return await self.flush()

    async def tick(self) -> list[Call]:
        context = ContextTypes.DEFAULT_TYPE(application=self.app)
        await sweep_tick(context)
        return await self.flush()

    async def flush(self) -> list[Call]:
        await sender_of(self.app).drain(limit_seconds=5)
        new = self.request.calls[self.seen :]
        self.seen = len(self.request.calls)
        return new

    def buttons(self, call: Call) -> list[tuple[str, str]]:
        markup = call.params.get("reply_markup") or {"inline_keyboard": []}
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup["inline_keyboard"]
            for b in row
        ]

    def rows(self, model: Any) -> int:
        with session_scope(runtime_of(self.app).engine) as session:
            return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def story(offline_app: App, offline_request: OfflineRequest, clock: VirtualClock) -> Story:
    return Story(offline_app, offline_request, clock)


def texts(calls: list[Call], method: str = "sendMessage", chat: int | None = None) -> list[str]:
    return [
        c.params["text"]
        for c in calls
        if c.method == method and (chat is None or c.params.get("chat_id") == chat)
    ]


async def bind_mirjam(story: Story) -> None:
    """Mirjam, the first professional, opens her invite."""
    with session_scope(runtime_of(story.app).engine) as session:
        link = invite_professional(
            session=session,
            organisation_key="wijkteam-noord",
            name="Mirjam",
            bot_username="duwtje_test_bot",
            now=story.clock.now(),
        )
    token = link.split("start=")[1]
    [welcome] = texts(await story.say(PRO, f"/start {token}"))
    assert "Welkom Mirjam" in welcome


async def professional_and_pupil_link(story: Story, line: str = "faalangst", age: str = "o") -> str:
    """Mirjam joins and invites a pupil; `age` "o" (16 or older) or "y" (younger: a parent's
    agreement first). Returns the pupil's token."""
    await bind_mirjam(story)
    [role_question] = [c for c in await story.say(PRO, "/nieuw") if c.method == "sendMessage"]
    pupil = dict(story.buttons(role_question))["Leerling"]
    [line_question] = texts(await story.press(PRO, pupil), "editMessageText")
    assert "welke lijn" in line_question
    [age_question] = texts(await story.press(PRO, f"nw:l:pupil:{line}"), "editMessageText")
    assert "jonger dan 16" in age_question
    calls = await story.press(PRO, f"nw:{age}:pupil:{line}")
    [invite_text] = texts(calls, "editMessageText")
    assert "https://t.me/duwtje_test_bot?start=" in invite_text
    return invite_text.split("start=")[1].split()[0]


async def onboarded(
    story: Story, line: str = "faalangst", moment: str = "Na school (15:30)", age: str = "o"
) -> Call:
    """Mirjam and Sanne set up (Mirjam confirmed it is Sanne); Sanne has chosen a moment.
    Returns the first step's message."""
    token = await professional_and_pupil_link(story, line, age)
    [notice] = [c for c in await story.say(PUPIL, f"/start {token}") if c.method == "sendMessage"]
    calls = await story.press(PUPIL, dict(story.buttons(notice))["Ja, ik doe mee"])
    [joined] = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 5001]
    await story.press(PRO, dict(story.buttons(joined))["Ja, dat is Sanne"])
    [ask] = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 7001]
    calls = await story.press(PUPIL, dict(story.buttons(ask))[moment])
    [first] = [c for c in calls if c.method == "sendMessage"]
    return first


def add_client(story: Story, name: str, telegram: int, **values: Any) -> int:
    """Another confirmed client of Mirjam's (the first professional), stored directly."""
    from tests.factories import make_client  # here: factories import the models at once

    runtime = runtime_of(story.app)
    with session_scope(runtime.engine) as session:
        made = make_client(
            session,
            **{
                "professional_id": 1,
                "organisation_id": 1,
                "name_enc": runtime.cipher.encrypt(name),
                "telegram_user_id": telegram,
                "chat_id": telegram,
                "confirmed_at": story.clock.now(),
                "consent_version": runtime.content.notice_version,
                **values,
            },
        )
        return made.id or 0
