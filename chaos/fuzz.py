"""Catalogue 1, fuzz: 10,000 generated updates (`--quick`: 1,000) through the real
application's `process_update`, then 500 generated actions (`--quick`: 60) of people in the
sandbox, over HTTP to `duwtje run`. Nothing may crash, no handler may fail, and everyone who
wrote still gets a sensible answer: each person who wrote in a private chat has a message
from the bot that is not the apology for a failure, and each button press is answered.

The updates come from chaos/fuzz_updates.py. Those python-telegram-bot cannot read are
counted as `unreadable`: the webhook answers them 400 and the poller never gets them (Telegram
only sends what its own API describes), so they never reach a handler. Over HTTP, every request
the bot makes is checked by the sandbox against the Bot API (parameters, lengths, HTML): a
refused request is one Telegram would refuse.
"""

from __future__ import annotations

import asyncio
import logging
import random
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import col
from telegram import Update
from telegram.ext import filters

from bench.update import offline_settings, seed_waiting_clients
from bot.app import build_application, runtime_of
from bot.clock import VirtualClock
from bot.offline import OfflineRequest
from bot.sandbox import SandboxClient, SandboxThread
from chaos import Figures
from chaos.fuzz_updates import NOW_S, draw_many, texts, updates
from chaos.rig import NO_FLOOD_LIMIT, UNPACED, BotProcess, LogTally, Rig, eventually
from chaos.seed import Person
from storage.db import session_scope
from storage.models import OutboxMessage, OutboxStatus

NAME = "fuzz"
CRITERION = (
    "10,000 generated updates through process_update and 500 over HTTP: crashes == 0, "
    "unhandled == 0, unanswered == 0, refused == 0"
)
NOW = datetime.fromtimestamp(NOW_S, UTC)
CLIENTS = 40  # known clients (bench/update.py seeds them, each with a step waiting)
KNOWN = (5_001, *range(100_000, 100_000 + CLIENTS))  # their professional, and them
log = logging.getLogger(__name__)


def run(quick: bool) -> Figures:
    figures = _through_process_update(1_000 if quick else 10_000)
    figures |= asyncio.run(_over_http(60 if quick else 500))
    figures["met"] = (
        figures["updates"] >= (1_000 if quick else 10_000)
        and figures["crashes"] == 0
        and figures["unhandled"] == 0
        and figures["apologies"] == 0
        # Enough of it reached the handlers to mean something.
        and figures["unreadable"] <= figures["updates"] // 5
        and figures["messages_written"] >= figures["updates"] // 10
        and figures["presses"] >= figures["updates"] // 40
        and figures["unanswered_messages"] == 0
        and figures["unanswered_presses"] == 0
        and figures["http_actions"] >= (60 if quick else 500)
        and figures["http_unanswered"] == 0
        and figures["http_refused"] == 0
        and figures["http_errors_logged"] == 0
        and figures["http_settled"]
    )
    return figures


# --- 10,000 updates through process_update -------------------------------------------------


def _through_process_update(count: int, drawn: list[dict[str, Any]] | None = None) -> Figures:
    """`count` drawn updates, or the ones given (the tests' control)."""
    if drawn is None:
        drawn = draw_many(updates(KNOWN), count)
    with tempfile.TemporaryDirectory(prefix="duwtje-chaos-") as folder:
        settings = offline_settings(
            Path(folder) / "duwtje.db",
            source="(chaos fuzz)",
            sections={"privacy": NO_FLOOD_LIMIT},
        )
        request = OfflineRequest(keep_calls=True)
        app = build_application(settings, VirtualClock(NOW), request=request)
        tally = LogTally()
        logging.getLogger().addHandler(tally)
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(app.initialize())
            seed_waiting_clients(app, CLIENTS)
            figures = _feed(loop, app, request, drawn)
            loop.run_until_complete(app.shutdown())
        finally:
            loop.close()
            logging.getLogger().removeHandler(tally)
            runtime_of(app).engine.dispose()
    figures |= {
        "unhandled": tally.failures,
        "error_lines": tally.errors,  # deliberate ones too (a crisis alert that reached nobody)
    }
    return figures


def _feed(
    loop: asyncio.AbstractEventLoop, app: Any, request: OfflineRequest, drawn: list[dict[str, Any]]
) -> Figures:
    """Each update on its own, and what it made the bot do: a message written in private
    must have a sensible answer to that chat, a press its own answer."""
    engine = runtime_of(app).engine
    rng = random.Random(14)
    figures: Counter[str] = Counter()
    people: set[int] = set()
    missed: Counter[str] = Counter()  # what went unanswered, by shape
    used: list[int] = []
    for number, body in enumerate(drawn, start=1):
        update_id = number
        if used and rng.random() < 0.03:  # Telegram did not see the 200: the same again
            update_id = rng.choice(used[-50:])
            figures["redelivered"] += 1
        used.append(update_id)
        press = body.get("callback_query")
        if isinstance(press, dict):  # every press its own id, as Telegram gives them
            body = body | {"callback_query": press | {"id": f"press-{number}"}}
        try:
            update = Update.de_json({"update_id": update_id, **body}, app.bot)
        except Exception:
            figures["unreadable"] += 1  # never reaches a handler (the webhook answers 400)
            continue
        writer = _private_writer(update) if update_id == number else None
        calls, last = len(request.calls), _last_row(engine)
        waiting = _waiting_for(engine, writer) if writer is not None else {}
        try:
            loop.run_until_complete(app.process_update(update))
        except Exception:
            figures["crashes"] += 1
            log.exception("process_update raised for fuzzed update %s", update_id)
            continue
        rows = _rows_after(engine, last)
        figures["apologies"] += sum(1 for _, kind in rows if kind == "error")
        if update_id != number:
            continue  # a redelivery: it has no effect, and was answered the first time
        new_calls = request.calls[calls:]
        if writer is not None:
            figures["messages_written"] += 1
            people.add(writer)
            answered = (
                any(chat == writer and kind != "error" for chat, kind in rows)
                # "/verder": the step planned for later is moved to now, not queued again
                or _moved(waiting, _waiting_for(engine, writer))
                or any(
                    call.method == "sendMessage" and int(call.params.get("chat_id", 0)) == writer
                    for call in new_calls
                )
            )
            if not answered:
                figures["unanswered_messages"] += 1
                missed[_shape(update)] += 1
        query = update.callback_query
        if query is not None and query.from_user is not None and not query.from_user.is_bot:
            figures["presses"] += 1  # (a bot cannot press a button)
            if not any(
                call.method == "answerCallbackQuery"
                and str(call.params.get("callback_query_id")) == query.id
                for call in new_calls
            ):
                figures["unanswered_presses"] += 1
                missed[_shape(update)] += 1
    if missed:
        log.warning("fuzz: no answer to %s", ", ".join(f"{n} x {s}" for s, n in missed.items()))
    result: Figures = {
        "updates": len(drawn),
        **{
            key: figures[key]
            for key in (
                "unreadable",
                "redelivered",
                "crashes",
                "apologies",
                "messages_written",
                "unanswered_messages",
                "presses",
                "unanswered_presses",
            )
        },
        "people_wrote": len(people),
    }
    return result


def _last_row(engine: Any) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.max(col(OutboxMessage.id)))).scalar_one() or 0)


def _waiting_for(engine: Any, chat: int) -> dict[int, datetime]:
    """The messages still waiting for `chat`, with when they go."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(col(OutboxMessage.id), col(OutboxMessage.due_at)).where(
                col(OutboxMessage.chat_id) == chat,
                col(OutboxMessage.status) == OutboxStatus.PENDING,
            )
        )
        return {int(row_id): due for row_id, due in rows}


def _moved(before: dict[int, datetime], after: dict[int, datetime]) -> bool:
    """A message that was waiting before now goes at another time (not a new one)."""
    return any(row in after and after[row] != due for row, due in before.items())


def _rows_after(engine: Any, last: int) -> list[tuple[int, str]]:
    """(chat, kind) of the messages queued since row `last`."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(col(OutboxMessage.chat_id), col(OutboxMessage.kind)).where(
                col(OutboxMessage.id) > last
            )
        )
        return [(int(chat), str(kind)) for chat, kind in rows]


def _shape(update: Update) -> str:
    """What an update was, without what it said: for the log of what went unanswered."""
    message = update.message
    if update.callback_query is not None:
        query = update.callback_query
        where = query.message.chat.type if query.message is not None else "no message"
        return f"press ({where}, data {'none' if query.data is None else len(query.data)})"
    if message is None:
        return "other"
    if message.text:
        first = message.text.split(" ")[0]
        return f"command {first[:20]}" if first.startswith("/") else f"text ({len(message.text)})"
    kinds = ("photo", "voice", "sticker", "document", "location", "contact", "new_chat_members")
    return next((kind for kind in kinds if getattr(message, kind)), "empty message")


def _private_writer(update: Update) -> int | None:
    """The chat of a person who wrote a new message to the bot in private, as Telegram sends
    it (the private chat's id is the person's id); None for anything else, and for a service
    message (a pin, a timer set), which nobody writes and which gets no answer."""
    message, user = update.message, update.effective_user
    if message is None or user is None or user.is_bot or message.chat is None:
        return None
    if filters.StatusUpdate.ALL.check_update(update):
        return None
    if message.chat.type != "private" or message.chat.id != user.id:
        return None
    return int(message.chat.id)


# --- 500 actions over HTTP --------------------------------------------------------------------


def _actions() -> st.SearchStrategy[tuple[str, int, Any]]:
    """(what, whom, with what): whom is an index into the people, or -1 for a new stranger."""
    whom = st.sampled_from((*range(20), -1, -1, -1, -1, -1))  # one in five a new stranger
    payload = st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True))
    typed = texts(limit=4_096).filter(lambda t: bool(t.strip()))
    return st.one_of(
        st.tuples(st.just("text"), whom, typed),
        st.tuples(st.just("text"), whom, typed),
        st.tuples(st.just("press"), whom, st.integers(0, 50)),
        st.tuples(st.just("press"), whom, st.integers(0, 50)),
        st.tuples(st.just("start"), whom, payload),
        st.tuples(st.just("photo"), whom, st.one_of(st.none(), texts(limit=1_024))),
        st.tuples(st.just("voice"), whom, st.none()),
    )


async def _over_http(count: int) -> Figures:
    plan = draw_many(_actions(), count, start=1_000)
    with (
        tempfile.TemporaryDirectory(prefix="duwtje-chaos-") as folder,
        SandboxThread(strict=False) as sandbox,
    ):
        rig = Rig(
            Path(folder),
            sandbox.url,
            pacing=UNPACED,
            privacy=NO_FLOOD_LIMIT,
        )
        async with SandboxClient(sandbox.url) as control:
            _, people = await rig.people(control, 20, caseload=20)
            bot = BotProcess(rig)
            bot.start()
            try:
                acted, pressed = await _act(control, plan, people)
                settled = await eventually(
                    lambda: _quiet(control, rig), within=120 + count * 0.2, every=0.5
                )
            finally:
                exit_code = bot.stop()
            events = await control.events()
            answers = {a["callback_query_id"] for a in await control.callback_answers()}
            stats = await control.stats()
        rig.close()
    sent: dict[int, list[int]] = {}  # chat -> the event numbers of the bot's messages there
    for event in events:
        if event["kind"] == "bot_message" and event["chat_id"] is not None:
            sent.setdefault(event["chat_id"], []).append(event["seq"])
    unanswered = sum(_unmatched(seqs, sent.get(chat, [])) for chat, seqs in acted.items())
    return {
        "http_actions": sum(len(seqs) for seqs in acted.values()) + len(pressed),
        "http_people": len(acted),
        "http_unanswered": unanswered + len(pressed - answers),
        "http_presses": len(pressed),
        "http_refused": sum(stats["refused"].values()) + len(stats["spec_violations"]),
        "http_errors_logged": sum(
            1 for line in bot.output if " ERROR " in line or "Traceback" in line
        ),
        "http_settled": settled and exit_code == 0,
    }


def _unmatched(actions: list[int], messages: list[int]) -> int:
    """How many of a person's actions have no message of the bot of their own after them
    (each action its own answer: the earliest later message not already taken)."""
    later = iter(sorted(messages))
    missing = 0
    taken = -1
    for action in sorted(actions):
        taken = next((seq for seq in later if seq > max(action, taken)), -1)
        if taken < 0:
            missing += 1
    return missing


async def _act(
    control: SandboxClient, plan: list[tuple[str, int, Any]], people: list[Person]
) -> tuple[dict[int, list[int]], set[str]]:
    """Carry out the plan; returns each chat's actions that want a message back (their event
    numbers) and the presses (answered on their own)."""
    acted: dict[int, list[int]] = {}
    pressed: set[str] = set()
    strangers = 0
    for what, whom, value in plan:
        if whom < 0:
            strangers += 1
            user = (await control.create_user(first_name=f"Nieuw {strangers}"))["id"]
            result: Any = await control.start(user)
            acted.setdefault(user, []).append(result["seq"])
        else:
            user = people[whom].user_id
        if what == "text":
            result = await control.text(user, value)
        elif what == "start":
            result = await control.start(user, value)
        elif what == "photo":
            result = await control.photo(user, caption=value)
        elif what == "voice":
            result = await control.voice(user)
        else:
            result = await _press(control, user, value)
            if result is not None:
                pressed.add(result["callback_query_id"])
                continue
            result = await control.text(user, "Hoi")  # no button to press yet: say hello

        acted.setdefault(user, []).append(result["seq"])
        await asyncio.sleep(0.02)  # a person types; the bot is not flooded by one script
    return acted, pressed


async def _press(control: SandboxClient, user: int, pick: int) -> Any:
    """Press one of the buttons the bot ever sent this person: often an old, stale one."""
    buttons = [
        (message["message_id"], button["callback_data"])
        for message in await control.messages(user)
        if message["sender"] == "bot" and not message["deleted"]
        for row in message["buttons"]
        for button in row
        if button["callback_data"]
    ]
    if not buttons:
        return None
    message_id, data = buttons[pick % len(buttons)]
    return await control.press(user, message_id, data=data)


async def _quiet(control: SandboxClient, rig: Rig) -> bool:
    """Nothing left for the bot to read, nothing due that it queued still waiting (a next
    step planned for the person's moment tomorrow waits, rightly)."""
    if (await control.info())["pending_updates"]:
        return False
    with session_scope(rig.engine) as session:
        waiting = session.execute(
            select(func.count()).where(
                col(OutboxMessage.status).in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
                col(OutboxMessage.due_at) <= datetime.now(UTC),
            )
        ).scalar_one()
    return not waiting
