"""The walking skeleton, offline: invite, consent, moment, steps, free text, nudge, digest.

Fast and exact; the same story runs over real HTTP against the sandbox in tests/e2e.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from telegram import Update
from telegram.ext import Application

from bot.app import runtime_of
from bot.inbound import store_updates
from storage.db import session_scope
from storage.models import (
    Client,
    ConsentRecord,
    InboundUpdate,
    Invite,
    Professional,
    Question,
    Reply,
    Traject,
)
from tests.offline import make_text_update, user
from tests.story import PRO, PUPIL, Story, onboarded, professional_and_pupil_link, texts

App = Application  # type: ignore[type-arg]


async def test_the_whole_story(story: Story) -> None:
    token = await professional_and_pupil_link(story)
    assert story.rows(Client) == 0

    [notice] = [c for c in await story.say(PUPIL, f"/start {token}") if c.method == "sendMessage"]
    assert "niet end-to-end versleuteld" in notice.params["text"]
    assert "112" in notice.params["text"] and "113" in notice.params["text"]
    assert story.rows(Client) == 0, "nothing is stored before consent"
    yes = dict(story.buttons(notice))["Ja, ik doe mee"]

    calls = await story.press(PUPIL, yes)
    assert story.rows(Client) == 1 and story.rows(ConsentRecord) == 1
    [joined] = [c for c in calls if c.params.get("chat_id") == 5001]
    assert "Sanne (Leerling) doet nu mee" in joined.params["text"]
    await story.press(PRO, dict(story.buttons(joined))["Ja, dat is Sanne"])
    [moment] = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 7001]
    calls = await story.press(PUPIL, dict(story.buttons(moment))["Na school (15:30)"])
    [step1] = [c for c in calls if c.method == "sendMessage"]
    assert "Spanning voor school" in step1.params["text"]
    assert step1.params["text"].startswith("Je volgende stap staat klaar")  # lock screen

    calls = await story.press(PUPIL, dict(story.buttons(step1))["Gelezen ✔"])
    [done] = texts(calls)
    assert "donderdag om 15:30" in done  # the next step waits three days

    assert texts(await story.tick()) == []  # not yet due
    story.clock.advance(timedelta(days=3, hours=7))  # Thursday 16:00 local
    step2 = texts(await story.flush())
    assert len(step2) == 1 and "Let op je gedachten" in step2[0]

    story.clock.advance(timedelta(days=3))  # Sunday 16:00: waited three days, past 15:30
    calls = await story.tick()
    [nudge] = texts(calls, chat=7001)
    assert "Let op je gedachten" in nudge
    [digest] = texts(calls, chat=5001)  # Tuesday's digest, sent late: Sanne read step 1
    assert "Sanne: 1 antwoord" in digest
    assert texts(await story.tick()) == [], "one nudge per stall, one digest per day"

    calls = await story.say(PUPIL, "Ik dacht: ik ga het toch verpesten")
    assert any("opgeslagen" in t for t in texts(calls))
    with session_scope(runtime_of(story.app).engine) as session:
        stored = session.execute(
            select(Reply.text_enc).where(Reply.kind == "reflection")
        ).scalar_one()
    assert "verpesten" not in stored  # encrypted at rest

    story.clock.advance(timedelta(days=1))  # Monday 16:00, after the 08:30 digest time
    [digest] = texts(await story.tick(), chat=5001)
    assert "Sanne: 2 antwoorden" in digest  # done and the reflection


async def test_a_crisis_message_gets_help_numbers_and_alerts_the_professional(story: Story) -> None:
    token = await professional_and_pupil_link(story)
    [notice] = [c for c in await story.say(PUPIL, f"/start {token}") if c.method == "sendMessage"]
    await story.press(PUPIL, dict(story.buttons(notice))["Ja, ik doe mee"])
    calls = await story.say(PUPIL, "ik wil er niet meer zijn")
    to_pupil = [c.params["text"] for c in calls if c.params.get("chat_id") == 7001]
    to_pro = [c.params["text"] for c in calls if c.params.get("chat_id") == 5001]
    assert any("112" in t and "113" in t and "0800-0113" in t for t in to_pupil)
    assert any("Let op: Sanne" in t and "niet meer zijn" in t for t in to_pro)
    # The alert goes before anything else that was waiting.
    assert [c.params["chat_id"] for c in calls if c.method == "sendMessage"][:2] in (
        [7001, 5001],
        [5001, 7001],
    )


async def test_free_text_that_is_no_answer_is_offered_as_a_question(story: Story) -> None:
    token = await professional_and_pupil_link(story)
    [notice] = [c for c in await story.say(PUPIL, f"/start {token}") if c.method == "sendMessage"]
    await story.press(PUPIL, dict(story.buttons(notice))["Ja, ik doe mee"])
    [offer] = [
        c
        for c in await story.say(PUPIL, "Mag mijn moeder mee naar het gesprek?")
        if c.method == "sendMessage"
    ]
    assert "als vraag naar Mirjam" in offer.params["text"]
    assert story.rows(Reply) == 1  # kept, even before they choose
    calls = await story.press(PUPIL, dict(story.buttons(offer))["Ja, stuur het"])
    relayed = [c.params["text"] for c in calls if c.params.get("chat_id") == 5001]
    assert any("Vraag van Sanne" in t and "moeder" in t for t in relayed)
    assert story.rows(Question) == 1


async def test_a_used_invite_cannot_be_used_again(story: Story) -> None:
    token = await professional_and_pupil_link(story)
    [notice] = [c for c in await story.say(PUPIL, f"/start {token}") if c.method == "sendMessage"]
    yes = dict(story.buttons(notice))["Ja, ik doe mee"]
    await story.press(PUPIL, yes)
    other = user(7002, "Daan")
    [answer] = texts(await story.say(other, f"/start {token}"))
    assert "werkt niet (meer)" in answer
    calls = await story.press(other, yes)
    assert "werkt niet (meer)" in texts(calls, "editMessageText")[0]
    assert story.rows(Client) == 1
    with session_scope(runtime_of(story.app).engine) as session:
        hashes = session.execute(select(Invite.token_hash)).scalars().all()
    assert token not in hashes  # only hashes are stored


async def test_a_guessed_invite_opens_nothing(story: Story) -> None:
    await professional_and_pupil_link(story)  # a real invite is open meanwhile
    for guess in (secrets.token_urlsafe(32), "a" * 43, "0", "-_-"):
        [answer] = texts(await story.say(user(7003, "Raad"), f"/start {guess}"))
        assert "werkt niet (meer)" in answer
    assert story.rows(Client) == 0


async def test_declining_stores_nothing(story: Story) -> None:
    token = await professional_and_pupil_link(story)
    [notice] = [c for c in await story.say(PUPIL, f"/start {token}") if c.method == "sendMessage"]
    calls = await story.press(PUPIL, dict(story.buttons(notice))["Nee, liever niet"])
    assert "niets over je bewaard" in texts(calls, "editMessageText")[0]
    assert story.rows(Client) == 0 and story.rows(Traject) == 0


async def test_stop_ends_all_messages_and_tells_the_professional(story: Story) -> None:
    token = await professional_and_pupil_link(story)
    [notice] = [c for c in await story.say(PUPIL, f"/start {token}") if c.method == "sendMessage"]
    calls = await story.press(PUPIL, dict(story.buttons(notice))["Ja, ik doe mee"])
    [moment] = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 7001]
    [step1] = [
        c
        for c in await story.press(PUPIL, dict(story.buttons(moment))["Na school (15:30)"])
        if c.method == "sendMessage"
    ]
    await story.press(PUPIL, dict(story.buttons(step1))["Gelezen ✔"])  # step 2 planned Thursday
    calls = await story.say(PUPIL, "/stop")
    assert any("geen berichten meer" in t for t in texts(calls))
    assert any("Sanne heeft /stop getypt" in t for t in texts(calls))
    story.clock.advance(timedelta(days=5))
    assert texts(await story.tick(), chat=7001) == []  # no planned step, no nudge


async def test_an_edited_message_has_no_second_effect(story: Story) -> None:
    await onboarded(story)
    original = make_text_update("ik wil er niet meer zijn", from_user=PUPIL)
    await story.app.process_update(Update.de_json(original, story.app.bot))
    first = await story.flush()
    assert any(c.params.get("chat_id") == 5001 for c in first)  # the alert
    edited = {
        "update_id": original["update_id"] + 1000,
        "edited_message": {**original["message"], "edit_date": 1},
    }
    await story.app.process_update(Update.de_json(edited, story.app.bot))
    assert await story.flush() == []
    assert story.rows(Reply) == 1


async def test_a_pause_holds_back_a_planned_step(story: Story) -> None:
    step1 = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(step1))["Gelezen ✔"])  # step 2: Thursday 15:30
    [menu] = [c for c in await story.say(PUPIL, "/pauze") if c.method == "sendMessage"]
    calls = await story.press(PUPIL, dict(story.buttons(menu))["Een week"])
    assert any("pauze tot 09-03" in t for t in texts(calls))
    story.clock.advance(timedelta(days=4))  # Friday: the planned Thursday step held back
    assert texts(await story.tick(), chat=7001) == []
    story.clock.advance(timedelta(days=4))  # Tuesday: past the week
    calls = await story.tick()
    assert any("Let op je gedachten" in t for t in texts(calls, chat=7001))


async def test_a_stranger_writing_a_crisis_phrase_gets_the_help_numbers(story: Story) -> None:
    [answer] = texts(await story.say(user(8001, "Onbekend"), "ik wil dood"))
    assert "113" in answer and "0800-0113" in answer and "112" in answer
    assert story.rows(Reply) == 0 and story.rows(Client) == 0


async def test_a_photo_caption_meets_the_crisis_check(story: Story) -> None:
    await onboarded(story)
    update = make_text_update("", from_user=PUPIL)
    message = update["message"]
    del message["text"]
    message["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}]
    message["caption"] = "ik wil niet meer leven"
    await story.app.process_update(Update.de_json(update, story.app.bot))
    calls = await story.flush()
    assert any("Let op: Sanne" in t for t in texts(calls, chat=5001))
    assert any("113" in t for t in texts(calls, chat=7001))
    with session_scope(runtime_of(story.app).engine) as session:
        [kind] = session.execute(select(Reply.kind)).scalars().all()
    assert kind == "photo"


async def test_an_invite_of_a_revoked_professional_no_longer_works(story: Story) -> None:
    token = await professional_and_pupil_link(story)
    with session_scope(runtime_of(story.app).engine) as session:
        for professional in session.execute(select(Professional)).scalars():
            professional.revoked_at = story.clock.now()
    [answer] = texts(await story.say(PUPIL, f"/start {token}"))
    assert "werkt niet (meer)" in answer


async def test_a_revoked_professional_can_do_nothing_from_the_next_message_on(
    story: Story,
) -> None:
    """Revoked by the administrator (with the clients moved): /nieuw, /help and buttons of old
    menus are a stranger's now, and nothing queued for them goes out."""
    from services.admin import revoke_professional
    from tests.factories import make_professional

    await onboarded(story)
    [menu] = [c for c in await story.say(PRO, "/nieuw") if c.method == "sendMessage"]
    with session_scope(runtime_of(story.app).engine) as session:
        successor = make_professional(session, name="Daan", telegram_user_id=5002, chat_id=5002)
        mirjam = session.execute(
            select(Professional).where(Professional.name == "Mirjam")  # type: ignore[arg-type]
        ).scalar_one()
        revoke_professional(
            session=session,
            professional_id=mirjam.id or 0,
            transfer_to=successor.id,
            now=story.clock.now(),
        )
    for said in ("/nieuw", "/help"):
        [answer] = [c for c in await story.say(PRO, said) if c.params.get("chat_id") == 5001]
        text, buttons = answer.params["text"], story.buttons(answer)
        assert "/nieuw" not in text and all(data.startswith("info:") for _, data in buttons)
    calls = await story.press(PRO, dict(story.buttons(menu))["Leerling"])
    assert texts(calls, "editMessageText") == []
    calls = await story.say(PUPIL, "Ik heb een vraag over school")
    offer = [c for c in calls if c.params.get("chat_id") == 7001]
    assert offer, "the client still gets answers"
    assert "Daan" in texts(offer)[0]


async def test_a_redelivered_update_still_clears_its_stored_copy(story: Story) -> None:
    update = make_text_update("/start", from_user=PUPIL)
    rt = runtime_of(story.app)
    store_updates(rt, [update])
    await story.app.process_update(Update.de_json(update, story.app.bot))
    store_updates(rt, [update])  # a webhook retry that raced the handler
    await story.app.process_update(Update.de_json(update, story.app.bot))
    assert story.rows(InboundUpdate) == 0
    assert len(texts(await story.flush())) == 1


async def test_a_crisis_phrase_in_a_files_caption_gets_help_and_alerts(story: Story) -> None:
    """A file the bot cannot read is still read for a crisis phrase in its caption."""
    token = await professional_and_pupil_link(story)
    [notice] = [c for c in await story.say(PUPIL, f"/start {token}") if c.method == "sendMessage"]
    await story.press(PUPIL, dict(story.buttons(notice))["Ja, ik doe mee"])
    update = make_text_update("x", from_user=PUPIL)
    del update["message"]["text"]
    update["message"] |= {
        "document": {"file_id": "d", "file_unique_id": "e", "file_name": "brief.pdf"},
        "caption": "ik wil er niet meer zijn",
    }
    calls = await story.send(update)
    to_pupil = [c.params["text"] for c in calls if c.params.get("chat_id") == 7001]
    to_pro = [c.params["text"] for c in calls if c.params.get("chat_id") == 5001]
    assert any("113" in t for t in to_pupil)
    assert not any("niet lezen" in t for t in to_pupil)
    assert any("Let op: Sanne" in t for t in to_pro)


async def test_a_sticker_leaves_the_waiting_question_waiting(story: Story) -> None:
    """A question the bot asked (here: the moment, typed) is not dropped by a sticker."""
    token = await professional_and_pupil_link(story)
    [notice] = [c for c in await story.say(PUPIL, f"/start {token}") if c.method == "sendMessage"]
    await story.press(PUPIL, dict(story.buttons(notice))["Ja, ik doe mee"])
    with session_scope(runtime_of(story.app).engine) as session:
        client = session.execute(select(Client)).scalars().one()
        client.awaiting = "moment"
    update = make_text_update("x", from_user=PUPIL)
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "s", "file_unique_id": "t", "type": "regular", "width": 9, "height": 9,
        "is_animated": False, "is_video": False,
    }  # fmt: skip
    [answer] = texts(await story.send(update))
    assert "niet lezen" in answer
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.execute(select(Client.awaiting)).scalar_one() == "moment"


async def test_a_professionals_file_with_a_crisis_word_is_no_strangers_crisis(story: Story) -> None:
    """A professional forwarding a file captioned with a crisis phrase is not taken for a
    stranger in need: they hear what the bot can read, as anyone sending a file."""
    await professional_and_pupil_link(story)
    update = make_text_update("x", from_user=PRO)
    del update["message"]["text"]
    update["message"] |= {
        "document": {"file_id": "d", "file_unique_id": "e", "file_name": "verslag.pdf"},
        "caption": "ik wil er niet meer zijn",
    }
    [answer] = texts(await story.send(update))
    assert "niet lezen" in answer
