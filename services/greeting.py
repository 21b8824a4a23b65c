"""People the bot does not know yet: a welcome, what Duwtje is, and nothing stored.

Before someone has agreed to the privacy notice (through an invite) Duwtje keeps nothing about
them: what a stranger types is answered and counted in the log, never stored.
"""

from __future__ import annotations

from services.callbacks import Callback, pack
from services.messages import Button, Keyboard, Outgoing, keyboard
from services.people import Person
from services.recipients import to_person
from services.unit import Unit

PANELS = ("about", "privacy")


def _menu(unit: Unit, person: Person) -> tuple[tuple[Button, ...], ...]:
    return keyboard(
        [
            [
                Button(unit.label("info.about", person.language), data=pack("info", "about")),
                Button(unit.label("info.privacy", person.language), data=pack("info", "privacy")),
            ]
        ]
    )


def plain(text: str, buttons: Keyboard = ()) -> Outgoing:
    return Outgoing(text=text, buttons=buttons)


def menu_message(unit: Unit, person: Person, template: str, organisation: str) -> Outgoing:
    """A message for someone we do not know, with the "what is Duwtje / privacy" buttons."""
    return Outgoing(
        text=unit.render(template, person.language, organisation=organisation),
        buttons=_menu(unit, person),
    )


def welcome_stranger(unit: Unit, person: Person, *, organisation: str) -> None:
    """/start without an invite."""
    to_person(
        unit,
        person,
        kind="welcome",
        message=menu_message(unit, person, "welcome_stranger", organisation),
    )


def show_panel(unit: Unit, person: Person, callback: Callback, *, organisation: str) -> None:
    """A button on the welcome: swap the message for the chosen explanation, or back."""
    panel = callback.part(0)
    if panel in PANELS:
        back = keyboard(
            [[Button(unit.label("info.back", person.language), data=pack("info", "back"))]]
        )
        unit.edit_pressed(unit.render(panel, person.language, organisation=organisation), back)
    else:
        unit.edit_pressed(
            unit.render("welcome_stranger", person.language, organisation=organisation),
            _menu(unit, person),
        )
    unit.answer_callback()


def answer_stranger_text(unit: Unit, person: Person, text: str, *, organisation: str) -> None:
    """What someone we do not know wrote: not stored; the help numbers first if it sounds
    like a crisis, else how to begin."""
    if unit.content.safety.matches(text):
        to_person(
            unit,
            person,
            kind="crisis",
            message=plain(unit.render("crisis_stranger", person.language)),
        )
        return
    to_person(
        unit,
        person,
        kind="welcome",
        message=menu_message(unit, person, "stranger_text", organisation),
    )


def show_privacy(unit: Unit, person: Person, *, organisation: str) -> None:
    """/privacy from someone we do not know: what we keep (nothing yet)."""
    to_person(
        unit, person, kind="privacy", message=menu_message(unit, person, "privacy", organisation)
    )


def cannot_read(unit: Unit, person: Person) -> None:
    """A sticker, a file, a location, ...: not kept (the minimum), and said so kindly."""
    to_person(
        unit,
        person,
        kind="cannot_read",
        message=Outgoing(text=unit.render("cannot_read", person.language)),
    )


def unknown_command(unit: Unit, person: Person) -> None:
    to_person(
        unit,
        person,
        kind="unknown_command",
        message=Outgoing(text=unit.render("unknown_command", person.language)),
    )


def something_went_wrong(unit: Unit, person: Person, *, key: str) -> None:
    """The apology after a failed update: its own unit of work, so `key` names the update."""
    to_person(
        unit,
        person,
        kind="error",
        message=Outgoing(text=unit.render("error", person.language)),
        key=key,
    )
