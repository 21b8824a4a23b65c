"""People for a scenario: the same persons in the sandbox (who pressed Start long ago) and in
the database (professionals with a caseload of clients who agreed to the privacy notice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from bot.sandbox import SandboxClient
from bot.sandbox.shapes import UserView
from storage.crypto import FieldCipher
from storage.db import session_scope
from storage.models import Client, ConsentRecord, Professional, Role
from storage.organisations import get_organisation_by_key


@dataclass(frozen=True)
class Person:
    user_id: int  # also their private chat id
    name: str
    client_id: int | None = None  # None for a professional
    professional_id: int | None = None


async def seed_people(
    control: SandboxClient,
    engine: Engine,
    cipher: FieldCipher,
    *,
    organisation_key: str,
    clients: int,
    caseload: int,
    now: datetime,
    notice_version: str,
) -> tuple[list[Person], list[Person]]:
    """`clients` clients, `caseload` per professional. Returns (professionals, clients)."""
    professionals: list[Person] = []
    people: list[Person] = []
    with session_scope(engine) as session:
        organisation = get_organisation_by_key(session=session, key=organisation_key)
        assert organisation is not None and organisation.id is not None
        for n in range(clients):
            if n % caseload == 0:
                user = await _started_user(control, f"Werker {len(professionals) + 1}")
                professional = Professional(
                    organisation_id=organisation.id,
                    name=user["first_name"],
                    telegram_user_id=user["id"],
                    chat_id=user["id"],
                    created_at=now,
                    bound_at=now,
                )
                session.add(professional)
                session.flush()
                assert professional.id is not None
                professionals.append(Person(user["id"], professional.name))
            user = await _started_user(control, f"Persoon {n + 1}")
            assert professional.id is not None
            client = Client(
                organisation_id=organisation.id,
                professional_id=professional.id,
                role=Role.RESIDENT,
                name_enc=cipher.encrypt(user["first_name"]),
                telegram_user_id=user["id"],
                chat_id=user["id"],
                consent_version=notice_version,
                created_at=now,
            )
            session.add(client)
            session.flush()
            assert client.id is not None
            session.add(
                ConsentRecord(client_id=client.id, notice_version=notice_version, agreed_at=now)
            )
            people.append(Person(user["id"], user["first_name"], client.id, professional.id))
    return professionals, people


async def _started_user(control: SandboxClient, name: str) -> UserView:
    user = await control.create_user(first_name=name, language_code="nl")
    await control.start(user["id"])
    return user
