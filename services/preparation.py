"""`/voorbereiding [naam]`: one screen to read before the next meeting with a client: what
they did since the last meeting, what stood out in their answers, their check-ins, their open
questions, and topics the line suggests (each step's `talk`, never shown to the client).

Like the client's page, it only ever shows the professional's own clients, and is audited.
"""

from __future__ import annotations

from datetime import datetime

from content.telegram_text import clip
from services import caseload, client_page
from services.audit import audit
from services.callbacks import Callback, pack
from services.messages import Button, keyboard
from services.parent_consent import answers_visible
from services.recipients import to_professional
from services.unit import Unit
from storage import client_page as queries
from storage.models import Client, Professional, Traject

NOTABLE = 5  # free-text answers shown whole (clipped), the newest
NOTABLE_CLIP = 300
CHOICES = 24  # clients offered as buttons when a name matches more than one, or none is given
# Answers written in their own words: what a professional most wants to read before a meeting.
OWN_WORDS = ("text", "reflection", "note", "question")


def command(unit: Unit, professional: Professional, args: str) -> None:
    """With a name: that client (when only one matches); else buttons to choose."""
    language = professional.language
    cases = [c for c in caseload.cases(unit, professional) if c.row.confirmed]
    wanted = args.strip().casefold()
    found = [c for c in cases if wanted in c.name.casefold()] if wanted else cases
    exact = [c for c in found if c.name.casefold() == wanted]
    if len(exact) == 1 or len(found) == 1:
        client = unit.session.get_one(Client, (exact or found)[0].row.client_id)
        show(unit, professional, client)
        return
    text = unit.render(
        "preparation_choose", language, wanted=clip(args.strip(), 40), found=bool(found)
    )
    if not found:
        to_professional(unit, professional, kind="preparation", text=text)
        return
    buttons = [
        Button(case.name[:30], data=pack("vb", "v", case.row.client_id))
        for case in sorted(found, key=lambda c: c.name.casefold())[:CHOICES]
    ]
    to_professional(
        unit,
        professional,
        kind="preparation",
        text=text,
        buttons=keyboard([buttons[i : i + 3] for i in range(0, len(buttons), 3)]),
    )


def from_button(unit: Unit, professional: Professional, callback: Callback) -> None:
    client = client_page.own_client(unit, professional, callback)
    if client is None:
        return
    unit.answer_callback()
    show(unit, professional, client)


def show(unit: Unit, professional: Professional, client: Client) -> None:
    if not answers_visible(client):  # nothing of theirs before confirmed (and a parent agreed)
        client_page.show(unit, professional, client)
        return
    language = professional.language
    zone = client_page.zone_of(unit, professional)
    audit(
        unit,
        actor=("professional", professional.id),
        action="prepared_meeting",
        subject=("client", client.id),
    )
    client_id = client.id or 0
    since = queries.last_meeting(session=unit.session, client_id=client_id)
    coming = queries.next_meeting(session=unit.session, client_id=client_id, now=unit.now)
    traject = client_page.traject_of(unit, client)
    answers = queries.answers_since(
        session=unit.session, client_id=client_id, since=since, limit=200
    )
    done_keys = list(dict.fromkeys(a.step_key for a in answers if a.step_key))
    own_words = [(a, a.text_enc) for a in answers if a.kind in OWN_WORDS and a.text_enc is not None]
    questions = queries.open_questions(session=unit.session, client_id=client_id)

    def day(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%d-%m")

    to_professional(
        unit,
        professional,
        kind="preparation",
        text=unit.render(
            "preparation",
            language,
            name=unit.name(client.name_enc),
            line=client_page.line_title(unit, traject, language),
            last_meeting=since.astimezone(zone).strftime("%d-%m-%Y") if since else "",
            coming=coming.astimezone(zone).strftime("%d-%m-%Y %H:%M") if coming else "",
            done=[_title(unit, traject, key, language) for key in done_keys],
            notable=[
                {
                    "when": day(a.created_at),
                    "step": _title(unit, traject, a.step_key, language),
                    "text": clip(unit.cipher.decrypt(text_enc), NOTABLE_CLIP),
                }
                for a, text_enc in own_words[-NOTABLE:]
            ],
            scores=client_page.score_lines(unit, client, traject, language),
            questions=[
                {
                    "when": day(q.asked_at),
                    "text": clip(unit.cipher.decrypt(q.text_enc), NOTABLE_CLIP)
                    if q.text_enc
                    else "",
                }
                for q in questions
            ],
            topics=_topics(unit, traject, done_keys, language),
        ),
        buttons=client_page.page_buttons(unit, client, language),
    )


def _title(unit: Unit, traject: Traject | None, key: str | None, language: str) -> str:
    step = client_page.step_of(unit, traject, key)
    return step.title.get(language) if step else unit.label("page.message", language)


def _topics(unit: Unit, traject: Traject | None, done_keys: list[str], language: str) -> list[str]:
    """The line's talking points for the steps done since the meeting, then the one waiting."""
    keys = [*done_keys]
    if traject is not None and traject.step_key and traject.step_key not in keys:
        keys.append(traject.step_key)
    topics = []
    for key in keys:
        step = client_page.step_of(unit, traject, key)
        if step is not None and step.talk is not None:
            topics.append(step.talk.get(language))
    return topics
