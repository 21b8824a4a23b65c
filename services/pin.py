"""A PIN before client data shows (issue 10, point 7), where the organisation requires one
(`organisation.require_pin`): for shared or lost phones. A professional sets it with `/pin`
(4 to 8 digits) and enters it when asked; a correct entry holds until the end of that working
day (`[bridge] working_end`, or midnight after it). Only the scrypt hash is stored; the bot
deletes the message with the digits from the chat. Alerts, questions and the digest still come
unasked (they must reach someone); what waits behind the PIN is what a professional opens:
the overview, a client's page and its buttons, preparations, answer cards, exports.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from reminders.localtime import at_local, local_date
from services.audit import audit
from services.messages import Outgoing
from services.recipients import to_professional
from services.unit import Unit
from storage.models import Organisation, Professional, RecipientKind

AWAITING_NEW = "pin:new"
AWAITING_ENTER = "pin:enter"
PIN = re.compile(r"^\d{4,8}$")
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${salt.hex()}${digest.hex()}"


def matches(pin: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(hash_pin(pin, bytes.fromhex(salt)).split("$")[2], digest)


def required(unit: Unit, professional: Professional) -> bool:
    organisation = unit.session.get_one(Organisation, professional.organisation_id)
    return organisation.require_pin


def needed(unit: Unit, professional: Professional) -> bool:
    """Client data may not show yet: the organisation wants a PIN and none holds now."""
    if not required(unit, professional):
        return False
    return professional.pin_until is None or professional.pin_until <= unit.now


def ask(unit: Unit, professional: Professional) -> None:
    """Instead of the client data: enter the PIN (or first choose one)."""
    new = professional.pin_hash is None
    professional.awaiting = AWAITING_NEW if new else AWAITING_ENTER
    unit.answer_callback()
    to_professional(
        unit,
        professional,
        kind="pin",
        text=unit.render("pin_ask", professional.language, new=new),
    )


def command(unit: Unit, professional: Professional) -> None:
    """/pin: choose a (new) PIN; where one is set, only while the current one holds (someone
    else with the phone must not simply choose their own)."""
    if professional.pin_hash is not None and needed(unit, professional):
        ask(unit, professional)
        return
    professional.awaiting = AWAITING_NEW
    to_professional(
        unit,
        professional,
        kind="pin",
        text=unit.render("pin_ask", professional.language, new=True),
    )


def awaited(
    unit: Unit, professional: Professional, text: str, *, message_id: int | None = None
) -> bool:
    """Their text after being asked for a PIN."""
    if professional.awaiting not in (AWAITING_NEW, AWAITING_ENTER):
        return False
    if message_id is not None and professional.chat_id is not None:
        # The digits do not stay in the chat.
        unit.send(
            chat_id=professional.chat_id,
            recipient_kind=RecipientKind.PROFESSIONAL,
            recipient_id=professional.id,
            kind="tidy",
            message=Outgoing(text="", delete=message_id),
            personal=False,
        )
    digits = text.strip()
    if professional.awaiting == AWAITING_NEW:
        if not PIN.match(digits):
            to_professional(
                unit, professional, kind="pin", text=unit.render("pin_bad", professional.language)
            )
            return True
        professional.pin_hash = hash_pin(digits)
        professional.pin_until = _end_of_day(unit, professional)
        professional.awaiting = None
        audit(unit, actor=("professional", professional.id), action="pin_set")
        to_professional(
            unit, professional, kind="pin", text=unit.render("pin_set", professional.language)
        )
        return True
    if professional.pin_hash is not None and matches(digits, professional.pin_hash):
        professional.pin_until = _end_of_day(unit, professional)
        professional.awaiting = None
        audit(unit, actor=("professional", professional.id), action="pin_entered")
        to_professional(
            unit, professional, kind="pin", text=unit.render("pin_ok", professional.language)
        )
        return True
    audit(unit, actor=("professional", professional.id), action="pin_wrong")
    to_professional(
        unit, professional, kind="pin", text=unit.render("pin_wrong", professional.language)
    )
    return True


def _end_of_day(unit: Unit, professional: Professional) -> datetime:
    zone = ZoneInfo(unit.session.get_one(Organisation, professional.organisation_id).time_zone)
    today = local_date(unit.now, zone)
    end = at_local(today, unit.bridge.working_end, zone)
    if end <= unit.now:
        end = at_local(today + timedelta(days=1), time(0, 0), zone)
    return end
