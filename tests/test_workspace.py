"""The professional's workspace, offline: /overzicht sorted by need, a client's page with its
buttons (answers and reactions, chart, nudge now, nudges off, meeting held), feedback by
button and by Telegram reply, and nobody seeing another professional's client."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import build_application, runtime_of
from bot.clock import VirtualClock
from bot.setup import prepare_database
from services.admin import revoke_professional
from storage.db import session_scope
from storage.models import (
    AuditEntry,
    Client,
    ClientStatus,
    Feedback,
    Meeting,
    OutboxMessage,
    Question,
    Reply,
    Traject,
    TrajectStatus,
)
from tests.conftest import settings_for
from tests.factories import make_client, make_professional, make_traject
from tests.offline import Call, OfflineRequest, user
from tests.story import PRO, PUPIL, Story, add_client, onboarded, texts

OTHER = user(5002, "Daan")  # another professional, with a client of his own


def sent_to(calls: list[Call], chat: int, method: str = "sendMessage") -> list[Call]:
    return [c for c in calls if c.method == method and c.params.get("chat_id") == chat]


def audited(story: Story, action: str) -> list[int | None]:
    with session_scope(runtime_of(story.app).engine) as session:
        return list(
            session.execute(
                select(AuditEntry.subject_id).where(AuditEntry.action == action)  # type: ignore[arg-type]
            ).scalars()
        )


async def page_of(story: Story, client_id: int = 1) -> Call:
    [page] = sent_to(await story.press(PRO, f"cl:o:{client_id}"), 5001)
    return page


async def test_the_overview_puts_who_needs_attention_first(story: Story) -> None:
    await onboarded(story)  # Sanne: active, her first step just sent
    now = story.clock.now()
    with session_scope(runtime_of(story.app).engine) as session:
        mirjam = session.execute(select(Client.professional_id)).scalar_one()

        def client(name: str, telegram: int, **values: object) -> int:
            made = make_client(
                session,
                **{
                    "professional_id": mirjam,
                    "organisation_id": 1,
                    "name_enc": runtime_of(story.app).cipher.encrypt(name),
                    "telegram_user_id": telegram,
                    "chat_id": telegram,
                    "confirmed_at": now,
                    **values,
                },
            )
            return made.id or 0

        crisis = client("Bram", 8001)
        session.add(Reply(client_id=crisis, kind="crisis", created_at=now - timedelta(days=1)))
        client("Noor", 8002, confirmed_at=None)
        stalled = client("Lotte", 8003)
        make_traject(session, client_id=stalled, step_sent_at=now - timedelta(days=6))
        nudged = client("Daan", 8004)
        make_traject(session, client_id=nudged, step_sent_at=now - timedelta(days=5), nudge_rung=1)
        client("Ilse", 8005, unreachable_since=now - timedelta(days=2))
        asked = client("Finn", 8006)
        reply = Reply(client_id=asked, kind="note", created_at=now)
        session.add(reply)
        session.flush()
        session.add(
            Question(client_id=asked, professional_id=mirjam, reply_id=reply.id or 0, asked_at=now)
        )
        client("Emma", 8007, paused_until=now + timedelta(days=3))
        client("Joris", 8008, status=ClientStatus.STOPPED)
    [overview] = sent_to(await story.say(PRO, "/overzicht"), 5001)
    text = overview.params["text"]
    order = [line.split("•")[1].split(":")[0].strip() for line in text.splitlines() if "•" in line]
    assert order == ["Bram", "Noor", "Lotte", "Daan", "Ilse", "Finn", "Emma", "Sanne", "Joris"]
    assert "Lotte: staat 6 dagen stil" in text
    assert "Daan: reageert niet op het duwtje (5 dagen)" in text
    assert "Finn: 1 open vraag" in text and "Emma: pauze tot" in text
    assert [label for label, _ in story.buttons(overview)][:2] == ["Bram", "Noor"]


async def test_a_clients_page_shows_what_happened_and_is_audited(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    await story.say(PUPIL, "Ik vond het spannend")
    page = await page_of(story)
    text = page.params["text"]
    assert "<b>Sanne</b> · Leerling · <i>Sterk in je hoofd</i>" in text
    assert "1 van 11 stappen" in text and "Nog geen gesprek gemarkeerd" in text
    assert "Spanning voor school</i>: ✔ gedaan" in text
    assert "Ik vond het spannend" in text
    labels = [label for label, _ in story.buttons(page)]
    assert labels == [
        "Antwoorden en reageren",
        "Grafiek",
        "Duwtje nu",
        "Duwtjes uit",
        "Duwtje na … dagen",
        "Gesprek plannen",
        "Voorbereiden",
        "Gesprek gehouden",
        "Lijn aanpassen",
        "Exporteren",
        "Overdragen aan een collega",
        "Ouders",
    ]
    assert audited(story, "viewed_client") == [1]


async def test_nobody_sees_another_professionals_client(story: Story) -> None:
    await onboarded(story)
    with session_scope(runtime_of(story.app).engine) as session:
        daan = make_professional(session, name="Daan", telegram_user_id=5002, chat_id=5002)
        make_client(
            session,
            professional_id=daan.id,
            organisation_id=daan.organisation_id,
            telegram_user_id=8100,
            chat_id=8100,
            confirmed_at=story.clock.now(),
        )
    for data in (
        "cl:o:1",
        "cl:g:1",
        "cl:u:1",
        "cl:n:1",
        "cl:m:1",
        "cl:p:1",
        "vb:v:1",
        "fb:c:1",
        "fb:r:1",
        "cl:o:x",
    ):
        calls = await story.press(OTHER, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert "werkt niet meer" in calls[0].params["text"]
    [overview] = sent_to(await story.say(OTHER, "/overzicht"), 5002)
    assert "Sanne" not in overview.params["text"]
    assert audited(story, "viewed_client") == []


async def test_a_reaction_reaches_the_client_by_name_and_is_kept(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    await story.say(PUPIL, "Ik vond het spannend")
    cards = sent_to(await story.press(PRO, "fb:c:1"), 5001)
    assert [c.params["text"].splitlines()[1] for c in cards] == ["✔ gedaan", "Ik vond het spannend"]
    react = dict(story.buttons(cards[1]))["Reageer"]
    [ask] = sent_to(await story.press(PRO, react), 5001)
    assert "Typ je reactie" in ask.params["text"]
    calls = await story.say(PRO, "Knap dat je dit deelt!")
    [to_sanne] = texts(calls, chat=7001)
    assert (
        "<b>Mirjam</b> reageert op je antwoord" in to_sanne and "Knap dat je dit deelt!" in to_sanne
    )
    assert "Verstuurd aan Sanne." in texts(calls, chat=5001)
    # A Telegram reply to the other card is a reaction too, without any button.
    with session_scope(runtime_of(story.app).engine) as session:
        card_message = (
            session.execute(
                select(OutboxMessage.telegram_message_id)
                .where(
                    OutboxMessage.idempotency_key.like("card:%"),  # type: ignore[attr-defined]
                )
                .order_by(OutboxMessage.id)  # type: ignore[arg-type]
            )
            .scalars()
            .first()
        )
    calls = await story.say(PRO, "Goed gedaan", reply_to=card_message)
    assert any("Goed gedaan" in t for t in texts(calls, chat=7001))
    with session_scope(runtime_of(story.app).engine) as session:
        kept = session.execute(select(Feedback.text_enc)).scalars().all()
    assert len(kept) == 2 and not any("Goed" in k or "Knap" in k for k in kept)  # encrypted
    assert audited(story, "gave_feedback") == [1, 1]
    # Text that is no reaction (nothing asked, no reply) still only gets the help.
    [help_text] = texts(await story.say(PRO, "hallo"), chat=5001)
    assert "/nieuw" in help_text


async def test_nudges_off_stop_the_sweep_and_nudge_now_pushes(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])  # step 2 on Thursday
    calls = await story.press(PRO, "cl:n:1")
    assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [
        "Duwtjes staan nu uit."
    ]
    [page] = sent_to(calls, 5001)
    assert "Duwtjes aan" in dict(story.buttons(page))
    story.clock.advance(timedelta(days=3, hours=7))
    await story.tick()  # step 2 arrives
    story.clock.advance(timedelta(days=4))
    assert not any("Ik ga verder" in dict(story.buttons(c)) for c in await story.tick())
    calls = await story.press(PRO, "cl:u:1")  # which nudge?
    assert any("Welk duwtje" in t for t in texts(calls, chat=5001))
    calls = await story.press(PRO, "cl:u1:1")  # a warm one; when?
    assert any("Wanneer" in t for t in texts(calls, chat=5001))
    calls = await story.press(PRO, "cl:un1:1")  # now: Monday 17:00, outside quiet hours
    assert any("krijgt je duwtje nu" in t for t in texts(calls, chat=5001))
    [nudge] = [c for c in calls if "Ik ga verder" in dict(story.buttons(c))]
    assert nudge.params["chat_id"] == 7001
    await story.press(PRO, "cl:n:1")  # back on
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.get_one(Client, 1).nudges_enabled
    assert audited(story, "nudges_off") == [1] and audited(story, "nudges_on") == [1]


async def test_a_meeting_held_starts_the_page_anew(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    calls = await story.press(PRO, "cl:m:1")
    assert any("je sprak Sanne vandaag" in t for t in texts(calls, chat=5001))
    story.clock.advance(timedelta(hours=1))
    page = (await page_of(story)).params["text"]
    assert "Laatste gesprek:" in page and "Nog geen antwoorden sinds het gesprek" in page
    assert story.rows(Meeting) == 1


async def test_the_chart_of_check_in_scores_is_a_picture(story: Story) -> None:
    await onboarded(story, line="intake")
    with session_scope(runtime_of(story.app).engine) as session:
        traject = session.execute(select(Traject)).scalar_one()
        step = traject.step_key
        for day, value in enumerate((4, 6, 7)):
            session.add(
                Reply(
                    client_id=1,
                    traject_id=traject.id,
                    step_key=step,
                    item_key="lichaam",
                    kind="checkin",
                    value=str(value),
                    created_at=story.clock.now() + timedelta(days=day),
                )
            )
    [photo] = sent_to(await story.press(PRO, "cl:g:1"), 5001, "sendPhoto")
    assert photo.params["photo_bytes"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "check-ins van Sanne" in photo.params["caption"]
    page = (await page_of(story)).params["text"]
    assert "Check-ins" in page and " 7" in page
    assert audited(story, "viewed_chart") == [1]


async def test_an_unconfirmed_clients_page_shows_nothing_but_the_question(story: Story) -> None:
    await onboarded(story)
    with session_scope(runtime_of(story.app).engine) as session:
        session.get_one(Client, 1).confirmed_at = None
        traject = session.execute(select(Traject)).scalar_one()
        traject.status = TrajectStatus.ACTIVE
    await story.say(PUPIL, "Iets persoonlijks")
    page = await page_of(story)
    assert "Iets persoonlijks" not in page.params["text"]
    assert "cf:y:1" in dict(story.buttons(page)).values()
    [none] = sent_to(await story.press(PRO, "fb:c:1"), 5001)
    assert "nog geen antwoorden" in none.params["text"]


async def test_voorbereiding_gathers_what_to_read_before_a_meeting(story: Story) -> None:
    first = await onboarded(story)
    runtime = runtime_of(story.app)
    now = story.clock.now()
    with session_scope(runtime.engine) as session:
        session.add(Meeting(client_id=1, professional_id=1, held_at=now - timedelta(days=1)))
        session.add(Meeting(client_id=1, professional_id=1, planned_for=now + timedelta(days=7)))
        traject = session.execute(select(Traject)).scalar_one()
        before = Reply(
            client_id=1,
            traject_id=traject.id,
            step_key="wat-is-het",
            kind="reflection",
            text_enc=runtime.cipher.encrypt("Van voor het gesprek"),
            created_at=now - timedelta(days=2),
        )
        session.add(before)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    with session_scope(runtime.engine) as session:
        traject = session.execute(select(Traject)).scalar_one()
        for step_key, kind, text in (
            ("gedachten", "done", None),
            ("gedachten", "reflection", "Ik dacht: ik ga het verpesten"),
            (None, "question", "Mag ik de toets later maken?"),
        ):
            reply = Reply(
                client_id=1,
                traject_id=traject.id,
                step_key=step_key,
                kind=kind,
                text_enc=runtime.cipher.encrypt(text) if text else None,
                created_at=story.clock.now(),
            )
            session.add(reply)
            session.flush()
            if kind == "question":
                session.add(
                    Question(
                        client_id=1, professional_id=1, reply_id=reply.id, asked_at=reply.created_at
                    )
                )
    [screen] = sent_to(await story.say(PRO, "/voorbereiding san"), 5001)
    text = screen.params["text"]
    assert text.startswith("<b>Voorbereiding: Sanne</b> · <i>Sterk in je hoofd</i>")
    assert "Gesprek: 09-03-2026 10:00 · vorige keer 01-03-2026" in text
    done = text.split("<b>Gedaan sinds het gesprek</b>")[1].split("<b>")[0]
    assert "• Spanning voor school" in done and "• Let op je gedachten" in done
    own = text.split("<b>In eigen woorden</b>")[1].split("<b>Open vragen")[0]
    assert "Ik dacht: ik ga het verpesten" in own and "Mag ik de toets" in own
    assert "Van voor het gesprek" not in text, "only what came since the last meeting"
    assert "• 02-03: Mag ik de toets later maken?" in text.split("<b>Open vragen</b>")[1]
    topics = text.split("<b>Om te bespreken</b>")[1]
    assert "Welke gedachte schreef hij of zij op?" in topics  # the talk of 'gedachten'
    assert "Voorbereiden" in [label for label, _ in story.buttons(screen)]
    assert audited(story, "prepared_meeting") == [1]


async def test_voorbereiding_offers_a_choice_and_never_another_professionals_client(
    story: Story,
) -> None:
    await onboarded(story)
    add_client(story, "Sandra", 8001)
    [choice] = sent_to(await story.say(PRO, "/voorbereiding sa"), 5001)
    assert "Welk gesprek" in choice.params["text"]
    assert [label for label, _ in story.buttons(choice)] == ["Sandra", "Sanne"]
    [screen] = sent_to(await story.press(PRO, dict(story.buttons(choice))["Sandra"]), 5001)
    assert screen.params["text"].startswith("<b>Voorbereiding: Sandra</b>")
    with session_scope(runtime_of(story.app).engine) as session:
        daan = make_professional(session, name="Daan", telegram_user_id=5002, chat_id=5002)
    [nobody] = sent_to(await story.say(OTHER, "/voorbereiding Sanne"), 5002)
    assert "Ik vind niemand" in nobody.params["text"] and daan.id != 1
    calls = await story.press(OTHER, "vb:v:1")
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    [unknown] = texts(await story.say(PUPIL, "/voorbereiding"), chat=7001)
    assert "Dat commando ken ik niet" in unknown, "a client has no such command"


async def test_messages_showing_answers_are_deleted_after_a_day(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    await page_of(story)
    assert sent_to(await story.press(PRO, "fb:c:1"), 5001), "at least one answer card"
    story.clock.advance(timedelta(hours=23, minutes=50))
    calls = await story.tick()
    assert [c for c in calls if c.method == "deleteMessage"] == [], "not before the day is over"
    story.clock.advance(timedelta(minutes=20))  # Tuesday 10:10: past 24 hours, and the digest
    calls = await story.tick()
    deletions = [c for c in calls if c.method == "deleteMessage"]
    assert all(c.params["chat_id"] == 5001 for c in deletions)
    with session_scope(runtime_of(story.app).engine) as session:
        rows = session.execute(
            select(OutboxMessage.kind, OutboxMessage.telegram_message_id).where(
                OutboxMessage.chat_id == 5001  # type: ignore[arg-type]
            )
        ).all()
    tidied = {message_id for kind, message_id in rows if kind in ("client_page", "answer_card")}
    kept = {message_id for kind, message_id in rows if kind not in ("client_page", "answer_card")}
    assert "digest" in {kind for kind, _ in rows}
    assert {c.params["message_id"] for c in deletions} == tidied, "every page and card"
    assert not tidied & kept, "nothing else: not the digest, not the welcome"
    assert [c for c in await story.tick() if c.method == "deleteMessage"] == [], "once"


async def test_tidying_can_be_switched_off(
    database_url: str, clock: VirtualClock, offline_request: OfflineRequest
) -> None:
    settings = settings_for(database_url, privacy={"tidy_after_hours": 0})
    prepare_database(settings)
    application = build_application(settings, clock, request=offline_request)
    async with application:
        story = Story(application, offline_request, clock)
        await onboarded(story)
        await page_of(story)
        story.clock.advance(timedelta(days=1, hours=1))
        calls = await story.tick()
        assert "digest" not in {c.method for c in calls}
        assert [c for c in calls if c.method == "deleteMessage"] == []
    runtime_of(application).engine.dispose()


async def test_a_clients_page_exports_as_pdf_and_text_for_the_case_file(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    await story.say(PUPIL, "Ik vond het spannend")
    page = await page_of(story)
    [ask] = sent_to(await story.press(PRO, dict(story.buttons(page))["Exporteren"]), 5001)
    buttons = dict(story.buttons(ask))
    [pdf] = sent_to(await story.press(PRO, buttons["PDF"]), 5001, "sendDocument")
    assert pdf.params["document_bytes"].startswith(b"%PDF-")
    assert "Samenvatting van Sanne" in pdf.params["caption"]
    [text] = sent_to(await story.press(PRO, buttons["Tekst"]), 5001, "sendDocument")
    summary = text.params["document_bytes"].decode("utf-8")
    assert summary.startswith("Duwtje: samenvatting van Sanne")
    assert "Spanning voor school: ✔ gedaan" in summary and "Ik vond het spannend" in summary
    assert "<b>" not in summary and "begeleider Mirjam" in summary
    assert audited(story, "exported_client") == [1, 1]
    with session_scope(runtime_of(story.app).engine) as session:
        stored = session.execute(
            select(OutboxMessage.payload_enc).where(OutboxMessage.kind == "export")  # type: ignore[arg-type]
        ).scalars()
        assert all(not p.startswith("json:") for p in stored), "the document is kept encrypted"
    with session_scope(runtime_of(story.app).engine) as session:
        make_professional(session, name="Daan", telegram_user_id=5002, chat_id=5002)
    for data in ("ex:a:1", "ex:p:1", "ex:t:1"):
        calls = await story.press(OTHER, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
    assert audited(story, "exported_client") == [1, 1]


async def test_revoking_deletes_what_showed_answers_at_once(story: Story) -> None:
    await onboarded(story)
    page = await page_of(story)
    with session_scope(runtime_of(story.app).engine) as session:
        daan = make_professional(session, name="Daan", telegram_user_id=5002, chat_id=5002)
        revoke_professional(
            session=session, professional_id=1, transfer_to=daan.id, now=story.clock.now()
        )
    calls = await story.flush()
    with session_scope(runtime_of(story.app).engine) as session:
        [page_id] = session.execute(
            select(OutboxMessage.telegram_message_id).where(
                OutboxMessage.kind == "client_page"  # type: ignore[arg-type]
            )
        ).scalars()
    assert [c.params["message_id"] for c in calls if c.method == "deleteMessage"] == [page_id]
    assert not [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 5001]
    assert page.params["chat_id"] == 5001


async def test_the_line_is_tailored_from_the_page(story: Story) -> None:
    first = await onboarded(story)
    page = await page_of(story)
    [menu] = sent_to(await story.press(PRO, dict(story.buttons(page))["Lijn aanpassen"]), 5001)
    labels = [label for label, _ in story.buttons(menu)]
    assert labels[0] == "▶ Spanning voor school" and labels[-1] == "➕ Stap toevoegen"
    buttons = dict(story.buttons(menu))
    [options] = texts(await story.press(PRO, buttons["Let op je gedachten"]), "editMessageText")
    assert "Let op je gedachten" in options
    calls = await story.press(PRO, "ta:k:1:gedachten")
    menu = next(c for c in calls if c.method == "editMessageText")
    assert "Let op je gedachten" not in dict(story.buttons(menu)), "skipped"
    assert "nog 10 te gaan" in menu.params["text"]

    await story.press(PRO, "ta:t:1:helpend")
    [changed] = sent_to(await story.say(PRO, "Schrijf één zin op die jou helpt."), 5001)
    assert "De lijn van Sanne" in changed.params["text"]

    await story.press(PRO, "ta:a:1")
    lines = [
        c for c in await story.press(PRO, "ta:l:1:mantelzorg") if c.method == "editMessageText"
    ]
    grenzen = dict(story.buttons(lines[0]))["Je grenzen merken"]
    await story.press(PRO, grenzen)

    with session_scope(runtime_of(story.app).engine) as session:
        runtime = runtime_of(story.app)
        traject = session.execute(select(Traject)).scalar_one()
        from services import trajecten

        order = [
            s.key for s in trajecten.steps_of(session, runtime.content, runtime.cipher, traject)
        ]
        helpend = trajecten.find_step(session, runtime.content, runtime.cipher, traject, "helpend")
    assert "gedachten" not in order, "skipped for Sanne only"
    assert order[:3] == ["wat-is-het", "grenzen", "helpend"], "added after the waiting step"
    assert helpend is not None and helpend.text.get("nl") == "Schrijf één zin op die jou helpt."
    assert audited(story, "tailored_line") == [1, 1, 1]

    calls = await story.press(PUPIL, dict(story.buttons(first))["Gelezen ✔"])
    assert any("vrijdag om 15:30" in t for t in texts(calls, chat=7001)), "grenzen waits 4 days"
    story.clock.advance(timedelta(days=4, hours=6))  # Friday 16:00
    [next_step] = texts(await story.flush(), chat=7001)
    assert "Je grenzen merken" in next_step
