"""Our webhook endpoint, over real HTTP on localhost: secret first, size cap, store, then 200."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from telegram.ext import Application

from bot.app import runtime_of
from bot.webhook import SECRET_HEADER, build_webhook_app
from storage.db import session_scope
from storage.models import InboundUpdate
from tests.offline import make_text_update

App = Application  # type: ignore[type-arg]


@pytest.fixture
async def http(offline_app: App) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    server = TestServer(
        build_webhook_app(runtime_of(offline_app), offline_app, secret="test-secret")
    )
    async with TestClient(server) as client:
        yield client


def stored(app: App) -> int:
    with session_scope(runtime_of(app).engine) as session:
        return session.execute(select(func.count()).select_from(InboundUpdate)).scalar_one()


async def test_the_right_secret_stores_and_queues_the_update(
    offline_app: App,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    update = make_text_update("/start", update_id=4242)
    response = await http.post("/", json=update, headers={SECRET_HEADER: "test-secret"})
    assert response.status == 200
    assert stored(offline_app) == 1
    queued = offline_app.update_queue.get_nowait()
    assert queued.update_id == 4242


@pytest.mark.parametrize("secret", [None, "", "test-secreT", "test-secret-and-more"])
async def test_a_wrong_secret_is_refused_and_stores_nothing(
    offline_app: App,
    http: TestClient,
    secret: str | None,  # type: ignore[type-arg]
) -> None:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    response = await http.post("/", json=make_text_update("/start"), headers=headers)
    assert response.status == 403
    assert stored(offline_app) == 0
    assert offline_app.update_queue.empty()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (json.dumps({"update_id": "12"}).encode(), 400),
        (b"x" * 2_000_000, 413),
    ],
)
async def test_bad_bodies_are_refused(
    offline_app: App,
    http: TestClient,
    body: bytes,
    status: int,  # type: ignore[type-arg]
) -> None:
    response = await http.post(
        "/",
        data=io.BytesIO(body),
        headers={SECRET_HEADER: "test-secret", "Content-Length": str(len(body))},
    )
    assert response.status == status
    assert stored(offline_app) == 0


async def test_stored_payloads_are_encrypted(
    offline_app: App,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    await http.post(
        "/", json=make_text_update("ik voel me zo alleen"), headers={SECRET_HEADER: "test-secret"}
    )
    with session_scope(runtime_of(offline_app).engine) as session:
        [payload] = session.execute(select(InboundUpdate.payload_enc)).scalars().all()
    assert "alleen" not in payload


async def test_an_update_python_telegram_bot_cannot_read_is_refused_unstored(
    offline_app: App,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    broken = {"update_id": 5, "message": {"text": "no chat, no date"}}
    response = await http.post("/", json=broken, headers={SECRET_HEADER: "test-secret"})
    assert response.status == 400
    assert stored(offline_app) == 0
