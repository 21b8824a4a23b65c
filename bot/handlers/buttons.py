"""Inline button presses, routed by the action in their callback data (services/callbacks.py).

A press that no longer fits (an old message, a finished step, someone else's button) gets a
short, kind pop-up; nothing else happens.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import Who, in_unit
from bot.runtime import Runtime
from services import (
    appointments,
    asking,
    checkins,
    client_page,
    clients,
    colleagues,
    data_rights,
    digest_settings,
    export,
    feedback,
    greeting,
    group_admin,
    invites,
    journey,
    month_figures,
    onboarding,
    parent_consent,
    parents,
    pin,
    preparation,
    questions,
    safety,
    tailoring,
)
from services.callbacks import unpack
from services.people import Person
from services.unit import Unit
from storage.models import Client, Professional


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    callback = unpack(query.data if query else None)
    bot_username = context.bot.username

    def work(rt: Runtime, unit: Unit, person: Person, who: Who) -> None:
        action = callback.action if callback else ""
        if callback is not None and action == "info":
            greeting.show_panel(unit, person, callback, organisation=rt.organisation_name)
        elif callback is not None and action == "cs":
            onboarding.answer_notice(unit, person, callback, organisation=rt.organisation_name)
        elif callback is not None and isinstance(who, Client) and action in CLIENT_ACTIONS:
            CLIENT_ACTIONS[action](unit, who, callback)
        elif callback is not None and isinstance(who, Professional) and action == "nw":
            step = callback.part(0)
            if step in ("l", "y", "o"):  # the line; for a pupil then younger or older
                invites.choose_line(unit, who, callback, bot_username=bot_username)
            elif step == "p":
                invites.choose_pupil(unit, who, callback, bot_username=bot_username)
            elif step == "c":
                invites.choose_client(unit, who, callback, bot_username=bot_username)
            else:
                invites.choose_role(unit, who, callback)
        elif isinstance(who, Professional) and action in PIN_FIRST and pin.needed(unit, who):
            pin.ask(unit, who)
        elif callback is not None and isinstance(who, Professional) and action == "cl":
            client_page.route(unit, who, callback)
        elif callback is not None and isinstance(who, Professional) and action in PRO_ACTIONS:
            PRO_ACTIONS[action](unit, who, callback)
        else:
            unit.answer_callback(unit.label("answer.stale_button", person.language))

    await in_unit(update, context, work)


# What shows client data on demand waits for the PIN where the organisation wants one.
PIN_FIRST = {"cl", "vb", "fb", "ex", "ta", "pl", "pc"}

CLIENT_ACTIONS = {
    "mo": journey.choose_moment,
    "st": journey.answer_step_button,
    "ci": checkins.answer_button,
    "cd": checkins.choose_day,
    "pz": journey.choose_pause,
    "nu": clients.answer_nudge,
    "q": asking.answer_offer,
    "ap": appointments.client_pressed,
    "vg": data_rights.forget_pressed,
    "cr": onboarding.answer_renewal,
    "qc": questions.client_closed,
}

PRO_ACTIONS = {
    "iv": invites.withdraw,
    "cf": invites.confirm,
    "fb": feedback.route,
    "qa": questions.route,
    "ap": appointments.professional_pressed,
    "al": safety.acknowledge,
    "pl": parents.unlink,
    "pc": parent_consent.arranged_otherwise,
    "dg": digest_settings.choose,
    "vb": preparation.from_button,
    "aw": colleagues.route_leave,
    "tr": colleagues.transfer_pressed,
    "ex": export.route,
    "ta": tailoring.route,
    "gr": group_admin.route,
    "mf": month_figures.route,
}
