"""Handlers offline: /start, buttons, unknown commands, strangers' text, redelivery, errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col
from telegram import Update
from telegram.ext import Application

from bot.app import runtime_of, sender_of
from services import greeting
from storage.db import session_scope
from storage.models import OutboxMessage, OutboxStatus, ProcessedUpdate
from tests.offline import OfflineRequest, make_press_update, make_text_update, user

App = Application  # type: ignore[type-arg]


async def feed(app: App, data: dict[str, Any]) -> None:
    await app.process_update(Update.de_json(data, app.bot))


async def feed_and_send(app: App, data: dict[str, Any]) -> None:
    await feed(app, data)
    await sender_of(app).drain(limit_seconds=5)


def outbox_count(app: App) -> int:
    with session_scope(runtime_of(app).engine) as session:
        return session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()


async def test_it_welcomes_a_stranger_with_buttons(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    await feed_and_send(offline_app, make_text_update("/start"))
    [call] = offline_request.sent()
    assert call.params["chat_id"] == 7001
    assert "Duwtje" in call.params["text"] and "Wijkteam Noord" in call.params["text"]
    assert call.params["parse_mode"] == "HTML"
    labels = [b["text"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Wat is Duwtje?", "Privacy"]


async def test_it_speaks_english_to_english_telegram_users(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    await feed_and_send(
        offline_app, make_text_update("/start", from_user=user(language_code="en-GB"))
    )
    assert "the chat bot of" in offline_request.sent()[0].params["text"]


async def test_a_press_edits_the_message_and_answers_the_callback(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    await feed_and_send(offline_app, make_press_update("info:privacy", message_id=42))
    [edit] = offline_request.sent("editMessageText")
    assert edit.params["message_id"] == 42
    assert "niet end-to-end versleuteld" in edit.params["text"]
    assert offline_request.sent("answerCallbackQuery")
    assert offline_request.sent() == []  # edits of the pressed message skip the outbox


async def test_a_stale_button_gets_a_kind_answer(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    await feed_and_send(offline_app, make_press_update("gone:1:2"))
    [answer] = offline_request.sent("answerCallbackQuery")
    assert "werkt niet meer" in answer.params["text"]
    assert offline_request.sent("editMessageText") == []


async def test_a_redelivered_update_has_one_effect(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    update = make_text_update("/start", update_id=555)
    for _ in range(3):
        await feed_and_send(offline_app, update)
    assert len(offline_request.sent()) == 1
    assert outbox_count(offline_app) == 1


async def test_unknown_commands_get_a_pointer_to_help(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    await feed_and_send(offline_app, make_text_update("/frobnicate"))
    assert "/help" in offline_request.sent()[0].params["text"]


async def test_what_a_stranger_types_is_answered_and_not_stored(
    offline_app: App, offline_request: OfflineRequest, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Mijn buurman slaat zijn hond"
    await feed_and_send(offline_app, make_text_update(secret))
    assert "uitnodiging" in offline_request.sent()[0].params["text"]
    assert secret not in caplog.text
    rt = runtime_of(offline_app)
    with session_scope(rt.engine) as session:
        payloads = session.execute(select(OutboxMessage.payload_enc)).scalars().all()
    assert all(secret not in rt.cipher.decrypt(p) for p in payloads)


async def test_group_messages_from_strangers_get_no_answer(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    group = {"id": -100, "type": "group", "title": "Mantelzorgers"}
    await feed_and_send(offline_app, make_text_update("/start", chat=group))
    assert offline_request.sent() == []


async def test_an_update_nobody_wants_is_still_marked_handled(offline_app: App) -> None:
    await feed(offline_app, {"update_id": 777, "edited_message": make_text_update("x")["message"]})
    with session_scope(runtime_of(offline_app).engine) as session:
        assert session.get(ProcessedUpdate, 777) is not None


async def test_a_failing_handler_rolls_back_and_apologises(
    offline_app: App, offline_request: OfflineRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(greeting, "welcome_stranger", boom)
    await feed_and_send(offline_app, make_text_update("/start", update_id=888))
    [apology] = offline_request.sent()
    assert "ging mis" in apology.params["text"]
    with session_scope(runtime_of(offline_app).engine) as session:
        assert session.get(ProcessedUpdate, 888) is None  # rolled back: a retry may try again
        statuses = session.execute(select(OutboxMessage.status)).scalars().all()
    assert statuses == [OutboxStatus.SENT]


# --- what the fuzzing found (chaos/fuzz.py) ------------------------------------------------


async def test_a_sticker_or_a_file_gets_a_kind_word_on_what_does_work(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    for extra in (
        {"sticker": {"file_id": "s", "file_unique_id": "t", "type": "regular", "width": 9,
                     "height": 9, "is_animated": False, "is_video": False}},
        {"document": {"file_id": "d", "file_unique_id": "e", "file_name": "a.pdf"}},
        {"location": {"latitude": 52.1, "longitude": 5.1}},
    ):  # fmt: skip
        data = make_text_update("x")
        del data["message"]["text"]
        data["message"] |= extra
        await feed_and_send(offline_app, data)
    sent = offline_request.sent()
    assert len(sent) == 3
    assert all("kan ik helaas niet lezen" in call.params["text"] for call in sent)
    with session_scope(runtime_of(offline_app).engine) as session:
        kinds = session.execute(select(col(OutboxMessage.kind))).scalars().all()
    assert kinds == ["cannot_read"] * 3  # and nothing of the file kept


async def test_a_service_message_in_a_private_chat_gets_no_answer(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    data = make_text_update("x")
    del data["message"]["text"]
    data["message"]["pinned_message"] = {
        "message_id": 3, "date": 0, "chat": data["message"]["chat"]
    }  # fmt: skip
    await feed_and_send(offline_app, data)
    assert offline_request.sent() == []


async def test_a_press_without_a_chat_is_still_answered_as_stale(
    offline_app: App, offline_request: OfflineRequest
) -> None:
    data = make_press_update("mo:ochtend")
    del data["callback_query"]["message"]
    await feed_and_send(offline_app, data)
    [answer] = offline_request.sent("answerCallbackQuery")
    assert str(answer.params["callback_query_id"]) == data["callback_query"]["id"]
    assert answer.params["text"]  # the stale-button words


async def test_a_message_without_a_chat_is_dropped_without_a_failure(
    offline_app: App, offline_request: OfflineRequest, caplog: pytest.LogCaptureFixture
) -> None:
    data = make_text_update("hallo")
    del data["message"]["chat"]
    await feed_and_send(offline_app, data)
    assert offline_request.sent() == []
    assert "has a message without a chat; dropped" in caplog.text
    assert "failed" not in caplog.text
    with session_scope(runtime_of(offline_app).engine) as session:
        handled = session.get(ProcessedUpdate, data["update_id"])
    assert handled is not None  # marked handled: a redelivery is skipped
