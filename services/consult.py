"""The chat consultation hour (issue 9, point 3): a professional sets weekly hours with
`/spreekuur` ("wo 15:00-16:00", several with commas, "uit" for none). A question sent during
one is marked for a quick answer; outside, the client hears when the next one is. `/afspraak`
offers its slots (services/appointments.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.audit import audit
from services.bridge_policy import (
    in_consult_hour,
    next_consult_hours,
    parse_consult_hours,
    store_hours,
    stored_hours,
)
from services.recipients import to_professional
from services.unit import Unit
from storage.models import Organisation, Professional

AWAITING = "consult"
NONE = {"uit", "geen", "off", "none", "stop"}


def zone_of(unit: Unit, professional: Professional) -> ZoneInfo:
    return ZoneInfo(unit.session.get_one(Organisation, professional.organisation_id).time_zone)


def short_day(unit: Unit, weekday: int, language: str) -> str:
    """ "wo": a weekday's label shortened, as the digest settings show it."""
    return unit.label(f"days.weekday{weekday}", language)[:2]


def describe_hours(unit: Unit, professional: Professional, language: str) -> str:
    """ "wo 15:00-16:00, vr 09:00-10:00", or "" when there are none."""
    return ", ".join(
        f"{short_day(unit, h.weekday, language)} {h.start:%H:%M}-{h.end:%H:%M}"
        for h in stored_hours(professional.consult_hours)
    )


def now_open(unit: Unit, professional: Professional) -> bool:
    hours = stored_hours(professional.consult_hours)
    return in_consult_hour(hours, unit.now, zone_of(unit, professional))


def next_open(unit: Unit, professional: Professional) -> datetime | None:
    found = next_consult_hours(
        stored_hours(professional.consult_hours), unit.now, zone_of(unit, professional)
    )
    return found[0][0] if found else None


def when_text(unit: Unit, moment: datetime, zone: ZoneInfo, language: str) -> str:
    """ "woensdag 04-03 om 15:00" for people to read."""
    local = moment.astimezone(zone)
    return unit.label(
        "when.moment",
        language,
        day=unit.label(f"days.weekday{local.weekday()}", language),
        date=f"{local:%d-%m}",
        time=f"{local:%H:%M}",
    )


def short_when(unit: Unit, moment: datetime, zone: ZoneInfo, language: str) -> str:
    """ "wo 04-03 10:00": a button."""
    local = moment.astimezone(zone)
    return f"{short_day(unit, local.weekday(), language)} {local:%d-%m %H:%M}"


def command(unit: Unit, professional: Professional) -> None:
    """/spreekuur: the hours now, and how to set them (the next text)."""
    professional.awaiting = AWAITING
    to_professional(
        unit,
        professional,
        kind="consult",
        text=unit.render(
            "consult_ask",
            professional.language,
            hours=describe_hours(unit, professional, professional.language),
        ),
    )


def awaited(unit: Unit, professional: Professional, text: str) -> bool:
    """Their text after /spreekuur: the hours, or "uit"."""
    if professional.awaiting != AWAITING:
        return False
    wanted = text.strip().casefold()
    if wanted in NONE:
        hours = []
    else:
        parsed = parse_consult_hours(wanted)
        if parsed is None:
            to_professional(
                unit,
                professional,
                kind="consult",
                text=unit.render("consult_unclear", professional.language),
            )
            return True  # still waiting: they can try again, or press anything else
        hours = parsed
    professional.awaiting = None
    professional.consult_hours = store_hours(hours)
    audit(unit, actor=("professional", professional.id), action="consult_hours_set")
    to_professional(
        unit,
        professional,
        kind="consult",
        text=unit.render(
            "consult_set",
            professional.language,
            hours=describe_hours(unit, professional, professional.language),
        ),
    )
    return True
