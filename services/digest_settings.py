"""`/samenvatting`: when a professional gets their digest: the time, and every working day or
once a week on a chosen day."""

from __future__ import annotations

from services.callbacks import Callback, as_int, pack
from services.digests import next_digest_at
from services.messages import Button, Keyboard, keyboard
from services.recipients import to_professional
from services.unit import Unit
from storage.models import Organisation, Professional

TIMES = ("07:30", "08:30", "12:30", "16:30")
WORKING_DAYS = "w"


def show(unit: Unit, professional: Professional) -> None:
    to_professional(
        unit,
        professional,
        kind="digest_settings",
        text=_text(unit, professional),
        buttons=_buttons(unit, professional),
    )


def choose(unit: Unit, professional: Professional, callback: Callback) -> None:
    """`dg:t:<HHMM>` a time, `dg:d:w` every working day, `dg:d:<0-4>` once a week."""
    what, value = callback.part(0), callback.part(1) or ""
    if what == "t" and f"{value[:2]}:{value[2:]}" in TIMES:
        professional.digest_time = f"{value[:2]}:{value[2:]}"
    elif what == "d" and value == WORKING_DAYS:
        professional.digest_day = None
    elif what == "d" and (number := as_int(value)) is not None and 0 <= number <= 4:
        professional.digest_day = number
    else:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    organisation = unit.session.get_one(Organisation, professional.organisation_id)
    professional.next_digest_at = next_digest_at(unit.now, professional, organisation)
    unit.answer_callback(unit.label("digest_settings.saved", professional.language))
    unit.edit_pressed(_text(unit, professional), _buttons(unit, professional))


def _text(unit: Unit, professional: Professional) -> str:
    language = professional.language
    when = (
        unit.label("digest_settings.working_days", language)
        if professional.digest_day is None
        else unit.label(
            "digest_settings.weekly",
            language,
            day=unit.label(f"days.weekday{professional.digest_day}", language),
        )
    )
    return unit.render("digest_settings", language, time=professional.digest_time, when=when)


def _buttons(unit: Unit, professional: Professional) -> Keyboard:
    language = professional.language
    times = [
        Button(
            ("✔ " if t == professional.digest_time else "") + t,
            data=pack("dg", "t", t.replace(":", "")),
        )
        for t in TIMES
    ]
    days = [
        Button(
            ("✔ " if professional.digest_day is None else "")
            + unit.label("digest_settings.every_working_day", language),
            data=pack("dg", "d", WORKING_DAYS),
        )
    ]
    weekly = [
        Button(
            ("✔ " if professional.digest_day == day else "")
            + unit.label(f"days.weekday{day}", language)[:2],
            data=pack("dg", "d", day),
        )
        for day in range(5)
    ]
    return keyboard([times, days, weekly])
