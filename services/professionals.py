"""The professional's side of the chat (invites are in services/invites.py)."""

from __future__ import annotations

from services import (
    appointments,
    colleagues,
    consult,
    feedback,
    group_meetings,
    meetings,
    pin,
    pro_nudges,
    questions,
    tailoring,
)
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


def professional_text(
    unit: Unit,
    professional: Professional,
    text: str,
    *,
    replied_to: int | None = None,
    message_id: int | None = None,
) -> None:
    """Free text from a professional: a reaction to an answer (a Telegram reply to an answer
    card, or after "Reageer"), else a pointer to what they can do. Nothing else is stored."""
    if text and pin.awaited(unit, professional, text, message_id=message_id):
        return
    if replied_to is not None and (
        feedback.reply_to_card(unit, professional, text, replied_message_id=replied_to)
        or questions.reply_to_relay(unit, professional, text, replied_message_id=replied_to)
    ):
        return
    if text and (
        feedback.awaited(unit, professional, text)
        or meetings.awaited(unit, professional, text)
        or colleagues.awaited(unit, professional, text)
        or tailoring.awaited(unit, professional, text)
        or pro_nudges.awaited(unit, professional, text)
        or questions.awaited(unit, professional, text)
        or appointments.awaited(unit, professional, text)
        or consult.awaited(unit, professional, text)
        or group_meetings.awaited(unit, professional, text)
    ):
        return
    help_professional(unit, professional)
