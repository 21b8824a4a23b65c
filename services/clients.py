"""Everything a client does in the chat once they agreed: answers, free text, commands.

Free text always meets the same three questions, in this order (ARCHITECTURE.md):
1. does it suggest crisis or danger? Then the help numbers at once and the professional alerted;
2. does it answer the waiting step? Then it is stored as the answer;
3. otherwise it is kept, and we offer to send it to the professional as a question.
Nothing a client writes is dropped: every message becomes a Reply (text encrypted).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from content.lines import Step, StepKind
from services import activity, asking, checkins, colleagues, journey, replies, safety, steps
from services.audit import audit
from services.callbacks import Callback, pack
from services.messages import Button, keyboard
from services.nudges import step_title
from services.recipients import to_client, to_professional
from services.unit import Unit
from storage import nudges, outbox
from storage.models import (
    Client,
    ClientStatus,
    Organisation,
    Professional,
    RecipientKind,
    Traject,
)

log = logging.getLogger(__name__)

RELAY_LIMIT = 3500  # UTF-16 units of a client's text in a relayed message (Telegram: 4096)


def professional_of(unit: Unit, client: Client) -> Professional:
    return unit.session.get_one(Professional, client.professional_id)


def interrupt(client: Client) -> None:
    """The client did something else than type (a command, a button): the text we were waiting
    for (a reflection, a time, a date) is no longer expected."""
    client.awaiting = None


def welcome_back(unit: Unit, client: Client) -> None:
    """/start from someone who is already a client: unblocked, restarted, or just curious."""
    client.unreachable_since = None
    if client.status == ClientStatus.STOPPED:
        client.status = ClientStatus.ACTIVE
        audit(unit, actor=("client", client.id), action="restarted", subject=("client", client.id))
    to_client(
        unit,
        client,
        kind="welcome",
        text=unit.render(
            "welcome_back", client.language, professional=professional_of(unit, client).name
        ),
    )
    traject = steps.active_traject(unit, client)
    if client.preferred_moment is None and traject is not None and traject.client_id == client.id:
        ask_moment(unit, client)
        return
    carry_on(unit, client)


def ask_moment(unit: Unit, client: Client) -> None:
    to_client(
        unit,
        client,
        kind="moment",
        text=unit.render("choose_moment", client.language),
        buttons=journey.moment_buttons(unit, client.language),
    )


def carry_on(unit: Unit, client: Client) -> None:
    """/verder and /oefening: the pause is over, and the waiting step comes now."""
    client.paused_until = None
    traject = steps.active_traject(unit, client)
    if traject is None or not steps.bring_forward(unit, traject):
        to_client(
            unit,
            client,
            kind="exercise",
            text=unit.render(
                "nothing_waiting", client.language, professional=professional_of(unit, client).name
            ),
        )


def free_text(unit: Unit, client: Client, text: str) -> None:
    """See the module's docstring for the order of questions."""
    client.last_activity_at = unit.now
    if unit.content.safety.matches(text):
        crisis_message(unit, client, text)
        return
    if client.awaiting and _awaited(unit, client, client.awaiting, text):
        return
    # What follows reads nothing it changed (an answer is flushed where it is kept), so the
    # session need not flush before each read: most updates a client sends come this way.
    with unit.session.no_autoflush:
        _answer_or_note(unit, client, text)


def _answer_or_note(unit: Unit, client: Client, text: str) -> None:
    traject = steps.active_traject(unit, client)
    step = steps.pending_step(unit, traject) if traject else None
    delivered = (
        traject is not None
        and traject.step_sent_at is not None
        and (traject.step_sent_at <= unit.now)
    )
    if (
        traject is not None
        and step is not None
        and delivered
        and steps.takes_part(unit, client, traject)
        and client in steps.recipients(unit, traject, step)
    ):
        if steps.expects_text(step):
            steps.record_answer(unit, client, traject, step, kind="text", text=text)
            steps.complete_step(unit, traject)
            return
        if step.kind == StepKind.EXERCISE and step.question is not None:
            # Typing the reflection without pressing "Klaar" first: done, and the words kept.
            steps.record_answer(unit, client, traject, step, kind="done")
            steps.record_answer(unit, client, traject, step, kind="reflection", text=text)
            steps.complete_step(unit, traject)
            return
        if step.kind in (StepKind.CHOICE, StepKind.SCALE, StepKind.CHECKIN):
            _reask(unit, client, traject, step, text)
            return
    note = replies.keep(unit, client, kind="note", traject=traject, text=text[: asking.KEPT])
    asking.offer(unit, client, note)


def crisis_message(unit: Unit, client: Client, text: str) -> None:
    """A client's crisis message (in their chat, over the flood limit, or in a group): kept,
    the help numbers in their private chat, their professional alerted."""
    client.last_activity_at = unit.now
    reply = replies.keep(unit, client, kind="crisis", text=text)
    safety.crisis(unit, client, reply.id or 0, text)


def flooded(unit: Unit, client: Client, text: str) -> None:
    """Over the flood limit: kept like any message (a crisis still answered at once), and one
    kind word a minute instead of an answer to each."""
    client.last_activity_at = unit.now
    if unit.content.safety.matches(text):
        crisis_message(unit, client, text)
        return
    traject = steps.active_traject(unit, client)
    replies.keep(unit, client, kind="note", traject=traject, text=text[: asking.KEPT])
    to_client(
        unit,
        client,
        kind="reply",
        key=f"flood:{client.id}:{unit.now:%Y%m%d%H%M}",
        text=unit.render(
            "flooded", client.language, professional=professional_of(unit, client).name
        ),
    )


def _awaited(unit: Unit, client: Client, awaiting: str, text: str) -> bool:
    """Text the bot asked for: a time, a date, a reflection, a check-in answer in words."""
    if awaiting == "moment":
        journey.typed_moment(unit, client, text)
        return True
    if awaiting == "pause":
        journey.typed_pause(unit, client, text)
        return True
    if awaiting.startswith("reflection:"):
        return journey.answer_reflection(unit, client, awaiting, text)
    if awaiting.startswith("item:"):
        return checkins.answer_text(unit, client, awaiting, text)
    client.awaiting = None
    return False


def _reask(unit: Unit, client: Client, traject: Traject, step: Step, text: str) -> None:
    """Words where buttons were expected: kept, and the question asked again with its buttons;
    a button to send the words to the professional instead."""
    note = replies.keep(unit, client, kind="note", traject=traject, text=text)
    professional = professional_of(unit, client)
    to_client(
        unit,
        client,
        kind="exercise",
        text=unit.render("reask", client.language, professional=professional.name),
        buttons=keyboard(
            [
                [
                    Button(
                        unit.label("question.send", client.language),
                        data=pack("q", "y", note.id or 0),
                    )
                ]
            ]
        ),
    )
    if step.kind == StepKind.CHECKIN:
        checkins.reask(unit, client, traject)
    else:
        steps.send_step(unit, traject, step, again=f":reask:{unit.update_id}")


def pause(unit: Unit, client: Client, when: str = "") -> None:
    """/pauze: a menu; /pauze vakantie or /pauze 12-04: at once."""
    if when:
        journey.typed_pause(unit, client, when)
    else:
        journey.pause_menu(unit, client)


def answer_nudge(unit: Unit, client: Client, callback: Callback) -> None:
    """The buttons under a nudge: carry on now, a pause (a menu, or a week at once), or talk to
    the professional. Any of them counts as following the nudge."""
    traject = steps.active_traject(unit, client)
    if traject is None or traject.client_id != client.id or traject.line_key != callback.part(1):
        unit.answer_callback(unit.label("answer.stale_button", client.language))
        return
    unit.remove_pressed_buttons()
    unit.answer_callback()
    choice = callback.part(0)
    if choice == "talk":
        # They want a person: no more automatic nudges for this stall; the professional acts.
        nudges.mark_followed(session=unit.session, client_id=client.id or 0, now=unit.now)
        client.last_activity_at = unit.now
        _ask_to_talk(unit, client, traject)
        return
    activity.acted(unit, client, traject)
    if choice == "pause":
        journey.pause_menu(unit, client)
    elif choice == "week":
        journey.pause_until(unit, client, unit.now + timedelta(days=7))
    else:
        carry_on(unit, client)


def _ask_to_talk(unit: Unit, client: Client, traject: Traject) -> None:
    owner = professional_of(unit, client)
    recipient = colleagues.responder(unit, owner)
    name = unit.name(client.name_enc)
    to_professional(
        unit,
        recipient,
        kind="nudge_talk",
        text=unit.render(
            "nudge_talk",
            recipient.language,
            client=name,
            step_title=step_title(
                unit.content, traject.line_key, traject.step_key, recipient.language
            ),
        ),
        buttons=keyboard([[Button(name[:30] or "…", data=pack("cl", "o", client.id or 0))]]),
    )
    to_client(
        unit,
        client,
        kind="reply",
        text=unit.render("nudge_talk_sent", client.language, professional=recipient.name),
    )


def stop(unit: Unit, client: Client) -> None:
    """/stop: no more messages at all, from this moment. The professional is told."""
    client.status = ClientStatus.STOPPED
    outbox.cancel_pending(
        session=unit.session,
        recipient_kind=RecipientKind.CLIENT,
        recipient_id=client.id or 0,
        reason="client said /stop",
        now=unit.now,
    )
    professional = professional_of(unit, client)
    audit(unit, actor=("client", client.id), action="stopped", subject=("client", client.id))
    # The confirmation is the one message a stopped client still gets: it answers their /stop.
    to_client(
        unit,
        client,
        kind="stop",
        text=unit.render("stopped", client.language, professional=professional.name),
        buttons=keyboard(
            [[Button(unit.label("forget.offer", client.language), data=pack("vg", "a"))]]
        ),
    )
    to_professional(
        unit,
        professional,
        kind="client_stopped",
        text=unit.render("client_stopped", professional.language, name=_name(unit, client)),
    )


def _name(unit: Unit, client: Client) -> str:
    return unit.cipher.decrypt(client.name_enc) if client.name_enc else "?"


def show_privacy(unit: Unit, client: Client) -> None:
    """/privacy: the notice they agreed to, at any time."""
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    to_client(
        unit,
        client,
        kind="privacy",
        text=unit.render(
            "consent",
            client.language,
            organisation=organisation.name,
            privacy_contact=organisation.privacy_contact,
            professional=professional_of(unit, client).name,
            keep_days=organisation.retention_days,
        ),
    )


def show_help(unit: Unit, client: Client) -> None:
    organisation = unit.session.get_one(Organisation, client.organisation_id)
    to_client(
        unit,
        client,
        kind="help",
        text=unit.render(
            "help_client",
            client.language,
            name=_name(unit, client),
            organisation=organisation.name,
            professional=professional_of(unit, client).name,
        ),
    )


def media(
    unit: Unit,
    client: Client,
    *,
    kind: str,
    caption: str | None = None,
    content: bytes | None = None,
    file_id: str | None = None,
) -> None:
    """A voice note or photo: logged (what and when, Telegram's file id to relay it; the file
    itself, encrypted, only when the organisation keeps media) and offered as a question. A
    caption meets the crisis check like any text."""
    client.last_activity_at = unit.now
    traject = steps.active_traject(unit, client)
    reply = replies.keep(
        unit, client, kind=kind, traject=traject, text=caption or None, media=content
    )
    if file_id and kind in ("photo", "voice"):
        reply.file_enc = unit.cipher.encrypt(f"{kind}:{file_id}")
    if caption and unit.content.safety.matches(caption):
        safety.crisis(unit, client, reply.id or 0, caption)
        return
    asking.offer(unit, client, reply)
