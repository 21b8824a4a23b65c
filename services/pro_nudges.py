"""A nudge from the professional, from a client's page: which one (one of the ladder's kinds of
text, or their own words), then when (at the client's next good moment, or now; never in quiet
hours). Buttons `cl:u:<client>` (the menu), `cl:u<kind>:<client>` (when?), `cl:u<g|n><kind>`
(send); own words come as the professional's next text (`professional.awaiting`).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from reminders.localtime import local_date
from reminders.moments import nudge_at
from services import colleagues, steps
from services.audit import audit
from services.callbacks import pack, row_of
from services.messages import Button, keyboard
from services.nudges import nudge_from_professional
from services.recipients import to_professional
from services.unit import Unit
from storage.models import Client, Organisation, Professional

KINDS = ("1", "2", "3", "w")  # the ladder's rungs, or their own words
AWAITING = "nudge:"
WORDS_LIMIT = 1000


def menu(unit: Unit, professional: Professional, client: Client) -> None:
    unit.answer_callback()
    language = professional.language
    to_professional(
        unit,
        professional,
        kind="nudge_choose",
        text=unit.render("nudge_choose", language, name=unit.name(client.name_enc)),
        buttons=keyboard(
            [
                [
                    Button(
                        unit.label(f"pro_nudge.kind_{kind}", language),
                        data=pack("cl", f"u{kind}", client.id or 0),
                    )
                ]
                for kind in KINDS
            ]
        ),
    )


def when_menu(unit: Unit, professional: Professional, client: Client, *, kind: str) -> None:
    unit.answer_callback()
    language = professional.language
    to_professional(
        unit,
        professional,
        kind="nudge_choose",
        text=unit.render("nudge_when", language, name=unit.name(client.name_enc)),
        buttons=keyboard(
            [
                [
                    Button(
                        unit.label("pro_nudge.good_moment", language),
                        data=pack("cl", f"ug{kind}", client.id or 0),
                    )
                ],
                [
                    Button(
                        unit.label("pro_nudge.now", language),
                        data=pack("cl", f"un{kind}", client.id or 0),
                    )
                ],
            ]
        ),
    )


def chosen(unit: Unit, professional: Professional, client: Client, *, kind: str, now: bool) -> None:
    """A kind and a moment: a ladder text goes at once into the outbox; for their own words,
    the professional is asked to type them."""
    if kind == "w":
        unit.answer_callback()
        professional.awaiting = f"{AWAITING}{client.id}:{'n' if now else 'g'}"
        to_professional(
            unit,
            professional,
            kind="nudge_choose",
            text=unit.render(
                "nudge_ask_words", professional.language, name=unit.name(client.name_enc)
            ),
        )
        return
    _send(unit, professional, client, rung=int(kind), words=None, now=now)


def awaited(unit: Unit, professional: Professional, text: str) -> bool:
    """Their text, if it is the words of a nudge they are writing."""
    awaiting = professional.awaiting or ""
    if not awaiting.startswith(AWAITING):
        return False
    professional.awaiting = None
    client_id, _, when = awaiting.removeprefix(AWAITING).partition(":")
    client = row_of(unit.session, Client, client_id)
    if client is None or not colleagues.may_act(unit, professional, client):
        return False
    _send(unit, professional, client, rung=1, words=text[:WORDS_LIMIT], now=when == "n")
    return True


def _send(
    unit: Unit,
    professional: Professional,
    client: Client,
    *,
    rung: int,
    words: str | None,
    now: bool,
) -> None:
    unit.answer_callback()
    at = nudge_from_professional(unit, client, rung=rung, words=words, now=now)
    audit(
        unit,
        actor=("professional", professional.id),
        action="nudged",
        subject=("client", client.id),
    )
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    zone = ZoneInfo(organisation.time_zone)
    when = ""
    if at is not None:
        local = at.astimezone(zone)
        same_day = local_date(at, zone) == local_date(unit.now, zone)
        when = local.strftime("%H:%M") if same_day else local.strftime("%d-%m %H:%M")
    to_professional(
        unit,
        professional,
        kind="nudged_now",
        text=unit.render(
            "nudged_now",
            professional.language,
            name=unit.name(client.name_enc),
            sent=at is not None,
            when=when,
            at_once=at is not None and at <= unit.now,
        ),
    )


# How long a step may wait for this client before the first nudge ------------------------------

STALL_DAYS = (2, 3, 5, 7, 14)


def stall_menu(unit: Unit, professional: Professional, client: Client) -> None:
    unit.answer_callback()
    language = professional.language
    traject = steps.active_traject(unit, client)
    line = unit.content.lines.get(traject.line_key) if traject else None
    current = (traject.stall_days if traject else None) or (line.stall_days if line else 3)
    buttons = [
        Button(
            unit.label("pro_nudge.days", language, days=days, current=days == current),
            data=pack("cl", f"s{days}", client.id or 0),
        )
        for days in STALL_DAYS
    ]
    to_professional(
        unit,
        professional,
        kind="nudge_choose",
        text=unit.render("stall_days_ask", language, name=unit.name(client.name_enc), days=current),
        buttons=keyboard([buttons]),
    )


def set_stall_days(unit: Unit, professional: Professional, client: Client, *, days: int) -> None:
    """From now on a step of this client's counts as stalled after `days` days; a nudge that
    is already planned moves with it."""
    traject = steps.active_traject(unit, client)
    if traject is None or traject.client_id != client.id:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    traject.stall_days = days
    if traject.step_key is not None and traject.nudge_rung == 0 and traject.stall_since:
        organisation = unit.session.get_one(Organisation, client.organisation_id)
        traject.next_nudge_at = nudge_at(
            traject.stall_since, days, client.preferred_moment, ZoneInfo(organisation.time_zone)
        )
    audit(
        unit,
        actor=("professional", professional.id),
        action="stall_days_set",
        subject=("client", client.id),
    )
    to_professional(
        unit,
        professional,
        kind="nudge_choose",
        text=unit.render(
            "stall_days_set", professional.language, name=unit.name(client.name_enc), days=days
        ),
    )
