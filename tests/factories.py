"""Factories with sensible defaults: `make_client(session, **overrides)` and friends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session

from storage.crypto import FieldCipher, new_key
from storage.models import Client, Organisation, Professional, Role, Traject
from storage.organisations import get_organisation_by_key

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning in winter time


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher([new_key()])


def make_organisation(session: Session, **overrides: Any) -> Organisation:
    values: dict[str, Any] = {
        "key": "wijkteam-noord",
        "name": "Wijkteam Noord",
        "privacy_contact": "privacy@example.nl",
        "created_at": NOW,
    } | overrides
    organisation = Organisation(**values)
    session.add(organisation)
    session.flush()
    return organisation


def the_organisation(session: Session) -> Organisation:
    """The test organisation: the one the app created from its settings, or a new one."""
    existing = get_organisation_by_key(session=session, key="wijkteam-noord")
    return existing or make_organisation(session)


def make_professional(session: Session, **overrides: Any) -> Professional:
    if "organisation_id" not in overrides:
        overrides["organisation_id"] = the_organisation(session).id
    values: dict[str, Any] = {
        "name": "Mirjam",
        "telegram_user_id": 5001,
        "chat_id": 5001,
        "created_at": NOW,
    } | overrides
    professional = Professional(**values)
    session.add(professional)
    session.flush()
    return professional


def make_client(session: Session, **overrides: Any) -> Client:
    if "professional_id" not in overrides:
        professional = make_professional(session)
        overrides["professional_id"] = professional.id
        overrides.setdefault("organisation_id", professional.organisation_id)
    values: dict[str, Any] = {
        "role": Role.PUPIL,
        "telegram_user_id": 7001,
        "chat_id": 7001,
        "created_at": NOW,
    } | overrides
    client = Client(**values)
    session.add(client)
    session.flush()
    return client


def make_traject(session: Session, **overrides: Any) -> Traject:
    if "client_id" not in overrides:
        overrides["client_id"] = make_client(session).id
    values: dict[str, Any] = {
        "line_key": "faalangst",
        "step_key": "gedachten",
        "started_at": NOW,
        "step_sent_at": NOW,
    } | overrides
    traject = Traject(**values)
    session.add(traject)
    session.flush()
    return traject
