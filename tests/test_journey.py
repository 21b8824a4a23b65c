"""The client's journey offline: later, done with a reflection, re-asks, stale buttons, own
moment, pauses, progress, check-ins (in the row and weekly), parents, and tailoring."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import runtime_of
from services import steps, trajecten
from services.unit import Unit
from storage.db import session_scope
from storage.models import Client, Reply, Traject, TrajectMember
from tests.offline import Call, user
from tests.story import PRO, PUPIL, Story, onboarded, professional_and_pupil_link, texts

PARENT = user(7101, "Karin")


def replies(story: Story) -> list[tuple[str, str | None, str | None, str | None]]:
    """(kind, step, item, value) of every stored reply, in order."""
    with session_scope(runtime_of(story.app).engine) as session:
        rows = session.execute(
            select(Reply.kind, Reply.step_key, Reply.item_key, Reply.value).order_by(Reply.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def buttons(story: Story, call: Call) -> dict[str, str]:
    return dict(story.buttons(call))


async def to_step(story: Story, title: str) -> Call:
    """Press "now" until the step with `title` waits; returns its message."""
    for _ in range(15):
        calls = await story.say(PUPIL, "/oefening")
        found = [c for c in calls if c.method == "sendMessage" and title in c.params["text"]]
        if found:
            return found[-1]
        last = [c for c in calls if c.method == "sendMessage"][-1]
        labels = buttons(story, last)
        press = labels.get("Klaar ✔") or labels.get("Gelezen ✔")
        if press:
            await story.press(PUPIL, press)
        else:  # a question or a choice: answer something
            first = next(iter(labels.values()), None)
            if first and "st:" in first and not first.endswith(":l"):
                await story.press(PUPIL, first)
            else:
                await story.say(PUPIL, "Dit is mijn antwoord.")
    raise AssertionError(f"never reached {title}")


async def test_later_snoozes_the_step_to_the_next_moment(story: Story) -> None:
    first = await onboarded(story)
    calls = await story.press(PUPIL, buttons(story, first)["Later"])
    assert any("vandaag om 15:30" in t for t in texts(calls))  # Monday 09:00 -> 15:30
    story.clock.advance(timedelta(hours=7))
    again = texts(await story.flush(), chat=7001)
    assert any("Spanning voor school" in t for t in again)


async def test_done_then_the_reflection_question(story: Story) -> None:
    await onboarded(story)
    exercise = await to_step(story, "Let op je gedachten")
    calls = await story.press(PUPIL, buttons(story, exercise)["Klaar ✔"])
    assert any("Nog één vraag" in t and "Welke gedachte" in t for t in texts(calls))
    calls = await story.say(PUPIL, "Dit gaat vast mis.")
    assert any("bewaard" in t for t in texts(calls))
    kinds = [(kind, step) for kind, step, _item, _value in replies(story)]
    assert ("done", "gedachten") in kinds and ("reflection", "gedachten") in kinds


async def test_text_where_a_choice_is_expected_is_asked_again(story: Story) -> None:
    await onboarded(story)
    choice = await to_step(story, "Een helpende gedachte")
    calls = await story.say(PUPIL, "weet ik niet")
    sent = [c for c in calls if c.method == "sendMessage"]
    assert any("kies je een van de knoppen" in c.params["text"] for c in sent)
    assert any("Een helpende gedachte" in c.params["text"] and story.buttons(c) for c in sent)
    assert ("note", None, None, None) in replies(story)  # kept, never dropped
    option = next(data for label, data in story.buttons(choice) if ":o" in data)
    await story.press(PUPIL, option)
    assert any(kind == "choice" and step == "helpend" for kind, step, _i, _v in replies(story))


async def test_a_stale_button_says_the_step_is_done_and_shows_what_waits(story: Story) -> None:
    first = await onboarded(story)
    read = buttons(story, first)["Gelezen ✔"]
    await story.press(PUPIL, read)
    calls = await story.press(PUPIL, read)  # the same button again
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answer.params["text"] == "Deze stap is al klaar."
    [planned] = texts(calls)
    assert "Let op je gedachten" in planned and "donderdag om 15:30" in planned
    assert [kind for kind, *_rest in replies(story)].count("done") == 1


async def test_an_own_time_for_the_steps(story: Story) -> None:
    token = await professional_and_pupil_link(story)
    [notice] = [c for c in await story.say(PUPIL, f"/start {token}") if c.method == "sendMessage"]
    calls = await story.press(PUPIL, buttons(story, notice)["Ja, ik doe mee"])
    [ask] = [c for c in calls if c.method == "sendMessage" and c.params["chat_id"] == 7001]
    calls = await story.press(PUPIL, buttons(story, ask)["Zelf een tijd kiezen"])
    assert "16:45" in texts(calls, "editMessageText")[0]
    assert any("Typ een tijd" in t for t in texts(await story.say(PUPIL, "half vijf")))
    calls = await story.say(PUPIL, "17.15")
    assert any("Afgesproken: 17:15" in t for t in texts(calls))
    first = next(c for c in calls if "Spanning voor school" in c.params.get("text", ""))
    calls = await story.press(PUPIL, buttons(story, first)["Gelezen ✔"])
    assert any("donderdag om 17:15" in t for t in texts(calls))


async def test_pause_until_a_date_and_carry_on(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, buttons(story, first)["Gelezen ✔"])  # next: Thursday
    calls = await story.say(PUPIL, "/pauze 10-03")
    assert any("pauze tot 10-03" in t for t in texts(calls))
    story.clock.advance(timedelta(days=4))
    assert texts(await story.tick(), chat=7001) == []
    calls = await story.say(PUPIL, "/verder")
    assert any("Let op je gedachten" in t for t in texts(calls, chat=7001))
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.get_one(Client, 1).paused_until is None


async def test_progress_shows_steps_bar_and_streak(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, buttons(story, first)["Gelezen ✔"])
    [progress] = texts(await story.say(PUPIL, "/voortgang"))
    assert "1 van 11 stappen" in progress and "▓" in progress and "░" in progress
    assert "goed begonnen" in progress


async def test_the_intake_yields_six_scores(story: Story) -> None:
    intro = await onboarded(story, line="intake")
    calls = await story.press(PUPIL, buttons(story, intro)["Gelezen ✔"])
    [question] = [c for c in calls if c.method == "sendMessage"]
    for score in (7, 4, 8, 6, 5, 9):
        press = next(data for label, data in story.buttons(question) if data.endswith(f":s{score}"))
        calls = await story.press(PUPIL, press)
        edits = [c for c in calls if c.method == "editMessageText"]
        if edits:
            question = Call("sendMessage", {**edits[-1].params, "chat_id": 7001})
    scores = [(item, value) for kind, _s, item, value in replies(story) if kind == "checkin"]
    assert scores == [
        ("lichaam", "7"),
        ("mentaal", "4"),
        ("zingeving", "8"),
        ("kwaliteit", "6"),
        ("meedoen", "5"),
        ("dagelijks", "9"),
    ]
    assert any("dank" in t.lower() for t in texts(calls))  # the closing step came


async def test_the_weekly_check_in_comes_every_week_at_the_moment(story: Story) -> None:
    await onboarded(story)
    story.clock.advance(timedelta(days=7, hours=7))  # next Monday 16:00
    calls = await story.tick()
    [check] = [c for c in calls if c.method == "sendMessage" and "check-in" in c.params["text"]]
    press = next(data for label, data in story.buttons(check) if data.endswith(":s4"))
    await story.press(PUPIL, press)
    assert ("checkin", "weekcheck", "zeker", "4") in replies(story)
    assert texts(await story.tick(), chat=7001) == []  # not again this week


async def test_a_parent_does_together_steps_once_and_sees_only_shared_answers(
    story: Story,
) -> None:
    await onboarded(story)
    [role_question] = [c for c in await story.say(PRO, "/nieuw") if c.method == "sendMessage"]
    [pupils] = texts(
        await story.press(PRO, buttons(story, role_question)["Ouder"]), "editMessageText"
    )
    assert "Bij welke leerling" in pupils
    calls = await story.press(PRO, "nw:p:1")
    link = texts(calls, "editMessageText")[0]
    token = link.split("start=")[1].split()[0]
    [notice] = [c for c in await story.say(PARENT, f"/start {token}") if c.method == "sendMessage"]
    calls = await story.press(PARENT, buttons(story, notice)["Ja, ik doe mee"])
    assert any("samen met Sanne" in t for t in texts(calls, chat=7101))
    with session_scope(runtime_of(story.app).engine) as session:
        assert session.execute(select(TrajectMember.client_id)).scalars().all() == [2]

    together = await to_step(story, "Samen ademen")
    [parent_copy] = [
        c
        for c in story.request.calls[-12:]
        if c.method == "sendMessage"
        and c.params.get("chat_id") == 7101
        and "Samen ademen" in c.params["text"]
    ]
    assert "samen met je kind" in parent_copy.params["text"]
    await story.press(PARENT, buttons(story, parent_copy)["Klaar ✔"])
    calls = await story.press(PUPIL, buttons(story, together)["Klaar ✔"])
    assert [a.params["text"] for a in calls if a.method == "answerCallbackQuery"] == [
        "Deze stap is al klaar."
    ]
    done = [(kind, step) for kind, step, _i, _v in replies(story) if step == "samen-ademen"]
    assert done == [("done", "samen-ademen")]

    shared = await to_step(story, "Trots op elkaar")
    calls = await story.say(PUPIL, "Dat je me helpt met leren.")
    assert any(
        "Sanne heeft gereageerd" in t and "helpt met leren" in t for t in texts(calls, chat=7101)
    )
    assert shared
    # What Sanne answered alone never reached her parent.
    parent_texts = [
        c.params.get("text", "") for c in story.request.calls if c.params.get("chat_id") == 7101
    ]
    assert not any("Dit is mijn antwoord" in t for t in parent_texts)


async def test_tailoring_adds_skips_moves_and_changes_for_one_traject(story: Story) -> None:
    await onboarded(story)
    rt = runtime_of(story.app)
    with session_scope(rt.engine) as session:
        traject = session.get_one(Traject, 1)
        unit = Unit(session=session, now=story.clock.now(), content=rt.content, cipher=rt.cipher)
        trajecten.skip_step(
            session, rt.content, rt.cipher, traject, key="gedachten", now=unit.now, by="test"
        )
        trajecten.add_step(
            session,
            rt.content,
            rt.cipher,
            traject,
            after="wat-is-het",
            step={
                "key": "eigen",
                "kind": "info",
                "title": {"nl": "Jouw stap", "en": "Your step"},
                "text": {"nl": "Speciaal voor jou.", "en": "Just for you."},
            },
            now=unit.now,
            by="test",
        )
        trajecten.move_step(
            session,
            rt.content,
            rt.cipher,
            traject,
            key="spiegel",
            after="eigen",
            now=unit.now,
            by="test",
        )
        trajecten.change_step(
            session,
            rt.content,
            rt.cipher,
            traject,
            key="spiegel",
            texts={"title": {"nl": "Voor de spiegel", "en": "Mirror"}},
            now=unit.now,
            by="test",
        )
        keys = [s.key for s in trajecten.steps_of(session, rt.content, rt.cipher, traject)]
        titles = {
            s.key: s.title.nl for s in trajecten.steps_of(session, rt.content, rt.cipher, traject)
        }
        steps.realign(unit, traject)
        unit.flush()
    assert keys[:4] == ["wat-is-het", "eigen", "spiegel", "helpend"]
    assert "gedachten" not in keys and titles["spiegel"] == "Voor de spiegel"
    assert "gedachten" in [s.key for s in rt.content.line("faalangst").steps]  # line untouched


async def test_a_snoozed_step_asked_for_early_comes_once(story: Story) -> None:
    first = await onboarded(story)
    await story.press(PUPIL, buttons(story, first)["Later"])  # again today at 15:30
    calls = await story.say(PUPIL, "/oefening")
    assert sum("Spanning voor school" in t for t in texts(calls, chat=7001)) == 1
    story.clock.advance(timedelta(hours=8))  # past 15:30
    assert not any("Spanning voor school" in t for t in texts(await story.flush(), chat=7001))


async def nudged(story: Story) -> Call:
    """Sanne lets step 2 wait past the line's stall days: the sweep sends her a nudge."""
    first = await onboarded(story)
    await story.press(PUPIL, buttons(story, first)["Gelezen ✔"])  # step 2: Thursday 15:30
    story.clock.advance(timedelta(days=3, hours=7))
    assert any("Let op je gedachten" in t for t in texts(await story.tick(), chat=7001))
    # Sunday 17:00: within the hours after her moment (15:30). On Monday her weekly check-in
    # comes, and one automatic message a day would move the nudge to Tuesday.
    story.clock.advance(timedelta(days=3))
    calls = await story.tick()
    [nudge] = [c for c in calls if "Ik ga verder" in buttons(story, c)]
    assert nudge.params["chat_id"] == 7001
    assert set(buttons(story, nudge)) == {"Ik ga verder", "Even pauzeren"}
    return nudge


async def test_the_nudge_buttons_go_on_or_open_the_pause_menu(story: Story) -> None:
    nudge = await nudged(story)
    calls = await story.press(PUPIL, buttons(story, nudge)["Ik ga verder"])
    assert any("Let op je gedachten" in t for t in texts(calls, chat=7001))
    calls = await story.press(PUPIL, buttons(story, nudge)["Even pauzeren"])
    assert any("pauze" in t.lower() for t in texts(calls, chat=7001))


async def test_a_nudge_button_after_the_line_is_over_is_stale(story: Story) -> None:
    nudge = await nudged(story)
    with session_scope(runtime_of(story.app).engine) as session:
        session.get_one(Traject, 1).status = "finished"
    calls = await story.press(PUPIL, buttons(story, nudge)["Ik ga verder"])
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "werkt niet meer" in answer.params["text"]


async def test_watched_is_kept_once_and_leaves_the_step_waiting(story: Story) -> None:
    first = await onboarded(story)
    labels = buttons(story, first)
    assert next(iter(labels)) == "Video bekeken ✔"  # the step with a video offers it first
    for _ in range(2):  # pressing twice counts once
        calls = await story.press(PUPIL, labels["Video bekeken ✔"])
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert answers and "De stap wacht nog op je" in answers[-1].params.get("text", "")
        assert not [c for c in calls if c.method == "editMessageReplyMarkup"]
    assert [(k, s) for k, s, _i, _v in replies(story)] == [("watched", "wat-is-het")]
    with session_scope(runtime_of(story.app).engine) as session:
        traject = session.execute(select(Traject)).scalar_one()
        assert traject.step_key == "wat-is-het"  # watching is not doing the step
    await story.press(PUPIL, labels["Gelezen ✔"])
    kinds = [(k, s) for k, s, _i, _v in replies(story)]
    assert kinds == [("watched", "wat-is-het"), ("done", "wat-is-het")]
