"""The professional's side of the chat (invites are in services/invites.py)."""

from __future__ import annotations

from services.recipients import to_professional
from services.unit import Unit
from storage.models import (
    Organisation,
    Professional,
)


def help_professional(unit: Unit, professional: Professional) -> None:
    organisation = unit.session.get_one(Organisation, professional.organisation_id)
    to_professional(
        unit,
        professional,
        kind="help",
        text=unit.render(
            "help_professional",
            professional.language,
            name=professional.name,
            organisation=organisation.name,
        ),
    )


def professional_text(unit: Unit, professional: Professional) -> None:
    """Free text from a professional: not stored; a pointer to what they can do."""
    help_professional(unit, professional)
