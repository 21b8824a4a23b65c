"""Invites from the chat, offline: the QR code with every link, open invites and withdrawing
them, confirming who joined (nothing of theirs shown before; "no" undoes it all) and the
new-phone link that moves a client to another Telegram account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import runtime_of
from services.qr import qr_png
from storage.db import session_scope
from storage.models import Client, ConsentRecord, OutboxMessage, Reply, Traject
from tests.offline import Call, user
from tests.story import PRO, PUPIL, Story, onboarded, professional_and_pupil_link, texts

NEW_PHONE = user(7002, "Sanne")  # the same Sanne, on another phone


def sent_to(calls: list[Call], chat: int, method: str = "sendMessage") -> list[Call]:
    return [c for c in calls if c.method == method and c.params.get("chat_id") == chat]


def client_rows(story: Story) -> int:
    with session_scope(runtime_of(story.app).engine) as session:
        return int(session.execute(select(func.count()).select_from(Client)).scalar_one())


async def joined(story: Story) -> Call:
    """Sanne agrees; returns the professional's message about her joining."""
    token = await professional_and_pupil_link(story)
    [notice] = sent_to(await story.say(PUPIL, f"/start {token}"), 7001)
    calls = await story.press(PUPIL, dict(story.buttons(notice))["Ja, ik doe mee"])
    [message] = sent_to(calls, 5001)
    return message


async def test_every_link_comes_with_its_qr_code(story: Story) -> None:
    await professional_and_pupil_link(story)
    [role_menu] = sent_to(await story.say(PRO, "/nieuw"), 5001)
    await story.press(PRO, dict(story.buttons(role_menu))["Leerling"])
    await story.press(PRO, "nw:l:pupil:faalangst")
    calls = await story.press(PRO, "nw:o:pupil:faalangst")  # 16 or older
    [edited] = [c for c in calls if c.method == "editMessageText"]
    link = next(word for word in edited.params["text"].split() if word.startswith("https://"))
    [photo] = sent_to(calls, 5001, "sendPhoto")
    assert photo.params["photo_bytes"] == qr_png(link)
    assert "QR-code" in photo.params["caption"]
    with session_scope(runtime_of(story.app).engine) as session:
        stored = (
            session.execute(
                select(OutboxMessage.payload_enc).where(OutboxMessage.kind == "invite_qr")  # type: ignore[arg-type]
            )
            .scalars()
            .all()
        )
    assert len(stored) == 2  # one for each link so far
    assert not any(s.startswith("json:") for s in stored), "a QR code holds a token: encrypted"


async def test_open_invites_are_listed_and_withdrawn(story: Story) -> None:
    token = await professional_and_pupil_link(story)
    [listing] = sent_to(await story.say(PRO, "/uitnodigingen"), 5001)
    assert "Leerling · Sterk in je hoofd" in listing.params["text"]
    [(label, data)] = story.buttons(listing)
    assert label.startswith("Intrekken") and data.startswith("iv:x:")
    calls = await story.press(PRO, data)
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answer.params["text"] == "Ingetrokken."
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "geen open uitnodigingen" in edited.params["text"]
    [refused] = texts(await story.say(PUPIL, f"/start {token}"), chat=7001)
    assert "werkt niet (meer)" in refused
    calls = await story.press(PRO, data)  # pressed again: nothing left to withdraw
    assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [
        "Deze knop werkt niet meer. Kijk bij het nieuwste bericht."
    ]


async def test_nothing_is_shown_before_the_professional_confirms_who_joined(
    story: Story,
) -> None:
    message = await joined(story)
    assert "Is dit de persoon die je bedoelde?" in message.params["text"]
    assert dict(story.buttons(message))["Ja, dat is Sanne"] == "cf:y:1"
    moment = sent_to(story.request.calls, 7001)[-1]
    calls = await story.press(PUPIL, dict(story.buttons(moment))["Na school (15:30)"])
    [step] = sent_to(calls, 7001)
    await story.press(PUPIL, dict(story.buttons(step))["Gelezen ✔"])  # an answer
    calls = await story.say(PUPIL, "Mag ik iets vragen?")
    await story.press(PUPIL, dict(story.buttons(sent_to(calls, 7001)[-1]))["Ja, stuur het"])
    [relay] = sent_to(story.request.calls, 5001)[-1:]
    assert "nog niet bevestigd dat dit Sanne is" in relay.params["text"]
    assert "cf:y:1" in dict(story.buttons(relay)).values()
    story.clock.advance(timedelta(days=1))
    [digest] = texts(await story.tick(), chat=5001)
    assert "Nog te bevestigen" in digest and "Sanne" in digest
    assert "Sanne: 1 antwoord" not in digest and "Nieuw" not in digest  # no answers yet
    calls = await story.press(PRO, "cf:y:1")
    [confirmed] = [c for c in calls if c.method == "editMessageText"]
    assert "Sanne is bevestigd" in confirmed.params["text"]
    await story.say(PUPIL, "Ik heb de oefening gedaan")
    story.clock.advance(timedelta(days=1))
    [digest] = texts(await story.tick(), chat=5001)
    assert "<b>Nieuw</b>" in digest and "Sanne:" in digest and "Nog te bevestigen" not in digest


async def test_no_undoes_the_binding_and_erases_what_they_shared(story: Story) -> None:
    await joined(story)
    await story.say(PUPIL, "Hoi, ik ben eigenlijk haar broer")
    calls = await story.press(PRO, "cf:n:1")
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "losgekoppeld" in edited.params["text"] and "gewist" in edited.params["text"]
    [told] = texts(calls, chat=7001)
    assert "voor iemand anders bedoeld" in told
    assert client_rows(story) == 0
    for model in (Reply, Traject, ConsentRecord):
        assert story.rows(model) == 0
    calls = await story.say(PUPIL, "hallo?")
    [stranger] = texts(calls, chat=7001)
    assert "uitnodiging" in stranger  # a stranger again: nothing about them is kept
    calls = await story.press(PRO, "cf:y:1")  # the old buttons do nothing now
    assert [c.method for c in calls] == ["answerCallbackQuery"]


async def test_a_new_phone_link_moves_the_client_and_asks_to_confirm_again(
    story: Story,
) -> None:
    await onboarded(story)
    await story.press(PRO, "cf:y:1")
    [role_menu] = sent_to(await story.say(PRO, "/nieuw"), 5001)
    calls = await story.press(
        PRO, dict(story.buttons(role_menu))["Nieuwe telefoon (bestaande cliënt)"]
    )
    [chooser] = [c for c in calls if c.method == "editMessageText"]
    calls = await story.press(PRO, dict(story.buttons(chooser))["Sanne"])
    [link_message] = [c for c in calls if c.method == "editMessageText"]
    assert "nieuwe telefoon" in link_message.params["text"].lower()
    assert sent_to(calls, 5001, "sendPhoto"), "the QR code comes along"
    token = link_message.params["text"].split("start=")[1].split()[0]
    calls = await story.say(NEW_PHONE, f"/start {token}")
    [welcome] = texts(calls, chat=7002)
    assert "Welkom terug" in welcome
    [ask] = sent_to(calls, 5001)
    assert "nieuw Telegram-account" in ask.params["text"] and story.buttons(ask)
    with session_scope(runtime_of(story.app).engine) as session:
        sanne = session.get_one(Client, 1)
        assert (sanne.telegram_user_id, sanne.chat_id, sanne.confirmed_at) == (7002, 7002, None)
        waiting = (
            session.execute(
                select(OutboxMessage.chat_id).where(OutboxMessage.status == "pending")  # type: ignore[arg-type]
            )
            .scalars()
            .all()
        )
    assert set(waiting) <= {7002}, "what still waits goes to the new phone"
    [old_phone] = texts(await story.say(PUPIL, "/voortgang"), chat=7001)
    assert "Sterk in je hoofd" not in old_phone  # the old account is a stranger now
    calls = await story.say(NEW_PHONE, "/voortgang")
    assert any("Sterk in je hoofd" in t for t in texts(calls, chat=7002))
    assert client_rows(story) == 1
