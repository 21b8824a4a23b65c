"""A professional's page about one client: what happened since their last meeting, the
check-in scores with their trend (and as a chart), and buttons to act: react to an answer,
nudge now, nudges off or on, mark a meeting held.

Everything starts from a button with the client's id; each checks that the client is this
professional's own, and every view is written to the audit trail.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from content.lines import Step
from content.telegram_text import clip
from services import (
    caseload,
    charts,
    colleagues,
    meetings,
    parent_consent,
    parents,
    pro_nudges,
    steps,
    trajecten,
)
from services.audit import audit
from services.callbacks import Callback, pack
from services.invites import confirm_buttons
from services.messages import Button, Keyboard, keyboard
from services.recipients import to_professional
from services.unit import Unit
from storage import client_page as queries
from storage.models import Client, Organisation, Professional, Role, Traject

ANSWER_CLIP = 160  # characters of an answer on the page; the cards show it whole


def own_client(unit: Unit, professional: Professional, callback: Callback) -> Client | None:
    """The client a button names, if they are this professional's; else a stale-button
    answer (a forged or old button shows nothing about anyone)."""
    client_id = callback.int_part(1)
    client = unit.session.get(Client, client_id) if client_id is not None else None
    if client is None or not colleagues.may_act(unit, professional, client):
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return None
    return client


def show(unit: Unit, professional: Professional, client: Client) -> None:
    language = professional.language
    zone = zone_of(unit, professional)
    name = unit.name(client.name_enc)
    audit(
        unit,
        actor=("professional", professional.id),
        action="viewed_client",
        subject=("client", client.id),
    )
    if client.confirmed_at is None:
        to_professional(
            unit,
            professional,
            kind="client_page",
            text=unit.render("client_page", language, name=name, unconfirmed=True, **_empty()),
            buttons=confirm_buttons(unit, client, language, name),
        )
        return
    if client.parent_consent_pending:
        parent_consent.waiting_page(unit, professional, client)
        return
    since = queries.last_meeting(session=unit.session, client_id=client.id or 0)
    traject = traject_of(unit, client)
    owner = unit.session.get_one(Professional, client.professional_id)  # a stand-in's colleague
    case = next(c for c in caseload.cases(unit, owner) if c.row.client_id == client.id)
    progress = (
        trajecten.progress(unit.session, unit.content, unit.cipher, traject) if traject else None
    )
    to_professional(
        unit,
        professional,
        kind="client_page",
        text=unit.render(
            "client_page",
            language,
            name=name,
            unconfirmed=False,
            role=unit.label(f"roles.{client.role}", language),
            line=line_title(unit, traject, language),
            done=progress.done if progress else 0,
            total=progress.total if progress else 0,
            bar=progress.bar() if progress else "",
            state=caseload.describe(unit, case, language, zone),
            last_meeting=since.astimezone(zone).strftime("%d-%m-%Y") if since else "",
            answers=_answers(unit, client, traject, since, language, zone),
            scores=score_lines(unit, client, traject, language),
            nudges=queries.nudges_sent(session=unit.session, client_id=client.id or 0, since=since),
        ),
        buttons=page_buttons(unit, client, language),
    )


def page_buttons(unit: Unit, client: Client, language: str) -> Keyboard:
    cid = client.id or 0
    switch = "page.nudges_off" if client.nudges_enabled else "page.nudges_on"
    return keyboard(
        [
            [
                Button(unit.label("page.answers", language), data=pack("fb", "c", cid)),
                Button(unit.label("page.chart", language), data=pack("cl", "g", cid)),
            ],
            [
                Button(unit.label("page.nudge_now", language), data=pack("cl", "u", cid)),
                Button(unit.label(switch, language), data=pack("cl", "n", cid)),
                Button(unit.label("page.stall_days", language), data=pack("cl", "s", cid)),
            ],
            [
                Button(unit.label("page.plan_meeting", language), data=pack("cl", "p", cid)),
                Button(unit.label("page.prepare", language), data=pack("vb", "v", cid)),
                Button(unit.label("page.meeting_held", language), data=pack("cl", "m", cid)),
            ],
            [
                Button(unit.label("page.tailor", language), data=pack("ta", "m", cid)),
                Button(unit.label("page.export", language), data=pack("ex", "a", cid)),
                Button(unit.label("page.transfer", language), data=pack("cl", "t", cid)),
            ],
            [Button(unit.label("page.parents", language), data=pack("cl", "d", cid))]
            if client.role == Role.PUPIL
            else [],
        ]
    )


def _empty() -> dict[str, object]:
    return {
        "role": "",
        "line": "",
        "done": 0,
        "total": 0,
        "bar": "",
        "state": "",
        "last_meeting": "",
        "answers": [],
        "scores": [],
        "nudges": 0,
    }


def zone_of(unit: Unit, professional: Professional) -> ZoneInfo:
    return ZoneInfo(unit.session.get_one(Organisation, professional.organisation_id).time_zone)


def traject_of(unit: Unit, client: Client) -> Traject | None:
    """Their active traject, else the newest (a finished line still has its answers)."""
    active = steps.active_traject(unit, client)
    if active is not None:
        return active
    newest = select(Traject).where(Traject.client_id == client.id).order_by(col(Traject.id).desc())
    return unit.session.exec(newest).first()


def line_title(unit: Unit, traject: Traject | None, language: str) -> str:
    line = unit.content.lines.get(traject.line_key) if traject else None
    return line.title.get(language) if line else ""


def step_of(unit: Unit, traject: Traject | None, key: str | None) -> Step | None:
    if traject is None or key is None:
        return None
    return trajecten.find_step(unit.session, unit.content, unit.cipher, traject, key)


def answer_text(unit: Unit, step: Step | None, answer: queries.Answer, language: str) -> str:
    """One answer in words: its text, the chosen option, the score, or "done"."""
    if answer.text_enc:
        return unit.cipher.decrypt(answer.text_enc)
    if answer.kind == "done":
        return unit.label("page.done", language)
    if answer.kind in ("voice", "photo"):
        return unit.label(f"page.{answer.kind}", language)
    if step is not None and answer.value is not None:
        for option in step.options:
            if option.key == answer.value:
                return option.label.get(language)
    return answer.value or ""


def _answers(
    unit: Unit,
    client: Client,
    traject: Traject | None,
    since: datetime | None,
    language: str,
    zone: ZoneInfo,
) -> list[dict[str, str]]:
    found = queries.answers_since(session=unit.session, client_id=client.id or 0, since=since)
    shown = []
    for answer in found[-12:]:
        step = step_of(unit, traject, answer.step_key)
        shown.append(
            {
                "when": answer.created_at.astimezone(zone).strftime("%d-%m"),
                "step": step.title.get(language) if step else unit.label("page.message", language),
                "answer": clip(answer_text(unit, step, answer, language), ANSWER_CLIP),
            }
        )
    return shown


def score_lines(
    unit: Unit, client: Client, traject: Traject | None, language: str
) -> list[dict[str, str]]:
    lines = []
    scores = queries.scores(session=unit.session, client_id=client.id or 0)
    for (step_key, item_key), series in charts.by_item(scores).items():
        item, low, high = _item(unit, traject, step_key, item_key, language)
        values = [score.value for score in series[-12:]]
        lines.append(
            {
                "item": clip(item, 60),
                "spark": charts.sparkline(values, low=low, high=high),
                "last": str(values[-1]),
            }
        )
    return lines


def score_series(
    unit: Unit, client: Client, traject: Traject | None, language: str
) -> list[dict[str, str]]:
    """Each check-in question with every score so far, oldest first ("3, 5, 8")."""
    scores = queries.scores(session=unit.session, client_id=client.id or 0)
    return [
        {
            "item": _item(unit, traject, step_key, item_key, language)[0],
            "values": ", ".join(str(score.value) for score in series),
        }
        for (step_key, item_key), series in charts.by_item(scores).items()
    ]


def _item(
    unit: Unit, traject: Traject | None, step_key: str | None, item_key: str, language: str
) -> tuple[str, int, int]:
    """A check-in question's text and its scale."""
    step = step_of(unit, traject, step_key)
    for item in step.items if step else ():
        if item.key == item_key:
            scale = item.scale
            return item.text.get(language), scale.min if scale else 0, scale.max if scale else 10
    return item_key, 0, 10


# --- what the buttons do -------------------------------------------------------------------


def open_page(unit: Unit, professional: Professional, client: Client) -> None:
    unit.answer_callback()
    show(unit, professional, client)


def chart(unit: Unit, professional: Professional, client: Client) -> None:
    """The check-in scores over time, as a picture."""
    unit.answer_callback()
    language = professional.language
    name = unit.name(client.name_enc)
    traject = traject_of(unit, client)
    scores = queries.scores(session=unit.session, client_id=client.id or 0)
    if not parent_consent.answers_visible(client) or not scores:
        to_professional(
            unit, professional, kind="chart", text=unit.render("chart_none", language, name=name)
        )
        return
    series = {
        clip(_item(unit, traject, step_key, item_key, language)[0], 40): [
            (score.created_at, score.value) for score in found
        ]
        for (step_key, item_key), found in charts.by_item(scores).items()
    }
    picture = charts.scores_chart(
        series,
        title=unit.label("page.chart_title", language, name=name),
        zone=zone_of(unit, professional),
    )
    audit(
        unit,
        actor=("professional", professional.id),
        action="viewed_chart",
        subject=("client", client.id),
    )
    to_professional(
        unit,
        professional,
        kind="chart",
        text=unit.render("chart_caption", language, name=name),
        photo="data:image/png;base64," + base64.b64encode(picture).decode("ascii"),
    )


def switch_nudges(unit: Unit, professional: Professional, client: Client) -> None:
    client.nudges_enabled = not client.nudges_enabled
    language = professional.language
    unit.answer_callback(
        unit.label(
            "page.nudges_now_on" if client.nudges_enabled else "page.nudges_now_off", language
        )
    )
    audit(
        unit,
        actor=("professional", professional.id),
        action="nudges_on" if client.nudges_enabled else "nudges_off",
        subject=("client", client.id),
    )
    show(unit, professional, client)


def meeting_held(unit: Unit, professional: Professional, client: Client) -> None:
    unit.answer_callback()
    meetings.mark_held(unit, professional, client)


def plan_meeting(unit: Unit, professional: Professional, client: Client) -> None:
    unit.answer_callback()
    meetings.ask_when(unit, professional, client)


def transfer(unit: Unit, professional: Professional, client: Client) -> None:
    """Only the client's own professional hands them over (a stand-in does not)."""
    if client.professional_id != professional.id:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    unit.answer_callback()
    colleagues.transfer_menu(unit, professional, client)


def route(unit: Unit, professional: Professional, callback: Callback) -> None:
    """The buttons of the overview and the page: `cl:<what>:<client id>`, each for a client
    this professional may act for (else a stale-button answer)."""
    actions: dict[str, Callable[[Unit, Professional, Client], None]] = {
        "o": open_page,
        "g": chart,
        "n": switch_nudges,
        "u": pro_nudges.menu,
        "s": pro_nudges.stall_menu,
        **{
            f"s{days}": partial(pro_nudges.set_stall_days, days=days)
            for days in pro_nudges.STALL_DAYS
        },
        **{f"u{kind}": partial(pro_nudges.when_menu, kind=kind) for kind in pro_nudges.KINDS},
        **{
            f"u{when}{kind}": partial(pro_nudges.chosen, kind=kind, now=when == "n")
            for kind in pro_nudges.KINDS
            for when in "gn"
        },
        "m": meeting_held,
        "p": plan_meeting,
        "t": transfer,
        "d": parents.menu,
    }
    action = actions.get(callback.part(0) or "")
    if action is None:
        unit.answer_callback(unit.label("answer.stale_button", professional.language))
        return
    client = own_client(unit, professional, callback)
    if client is not None:
        action(unit, professional, client)
