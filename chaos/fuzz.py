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
from chaos.rig import BotProcess, LogTally, Rig, eventually
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
        and figures["unanswered_people"] == 0
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
        settings = offline_settings(Path(folder) / "duwtje.db", source="(chaos fuzz)")
        request = OfflineRequest(keep_calls=True)
        app = build_application(settings, VirtualClock(NOW), request=request)
        tally = LogTally()
        logging.getLogger().addHandler(tally)
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(app.initialize())
            seed_waiting_clients(app, CLIENTS)
            figures = _feed(loop, app, drawn)
            loop.run_until_complete(app.shutdown())
        finally:
            loop.close()
            logging.getLogger().removeHandler(tally)
        rt = runtime_of(app)
        with session_scope(rt.engine) as session:
            rows = session.execute(select(col(OutboxMessage.chat_id), col(OutboxMessage.kind)))
            queued = [(int(chat), str(kind)) for chat, kind in rows]
        rt.engine.dispose()
    answered_chats = {chat for chat, kind in queued if kind != "error"}
    answered_chats |= {
        int(call.params.get("chat_id", 0)) for call in request.calls if call.method == "sendMessage"
    }
    answered_presses = {
        str(call.params.get("callback_query_id"))
        for call in request.calls
        if call.method == "answerCallbackQuery"
    }
    writers, presses = figures.pop("writers"), figures.pop("presses")
    _explain(writers, answered_chats, presses, answered_presses)
    figures |= {
        "unhandled": tally.failures,
        "error_lines": tally.errors,  # deliberate ones too (a crisis alert that reached nobody)
        "apologies": sum(1 for _, kind in queued if kind == "error"),
        "people_wrote": len(writers),
        "unanswered_people": len(writers.keys() - answered_chats),
        "presses": len(presses),
        "unanswered_presses": len(presses.keys() - answered_presses),
        "queued": len(queued),
    }
    return figures


def _feed(loop: asyncio.AbstractEventLoop, app: Any, drawn: list[dict[str, Any]]) -> Figures:
    rng = random.Random(14)
    crashes = unreadable = redelivered = 0
    writers: dict[int, str] = {}  # chat -> what they sent first
    presses: dict[str, str] = {}  # query id -> what the press looked like
    used: list[int] = []
    for number, body in enumerate(drawn, start=1):
        update_id = number
        if used and rng.random() < 0.03:  # Telegram did not see the 200: the same again
            update_id = rng.choice(used[-50:])
            redelivered += 1
        used.append(update_id)
        try:
            update = Update.de_json({"update_id": update_id, **body}, app.bot)
        except Exception:
            unreadable += 1  # never reaches a handler (the webhook answers 400)
            continue
        try:
            loop.run_until_complete(app.process_update(update))
        except Exception:
            crashes += 1
            log.exception("process_update raised for fuzzed update %s", update_id)
            continue
        if update_id != number:
            continue  # a redelivery: it was answered (or not) the first time
        writer = _private_writer(update)
        if writer is not None:
            writers.setdefault(writer, _shape(update))
        query = update.callback_query
        if query is not None and query.from_user is not None and not query.from_user.is_bot:
            presses[query.id] = _shape(update)  # (a bot cannot press a button)
    return {
        "updates": len(drawn),
        "unreadable": unreadable,
        "redelivered": redelivered,
        "crashes": crashes,
        "writers": writers,
        "presses": presses,
    }


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


def _explain(
    writers: dict[int, str], chats: set[int], presses: dict[str, str], answered: set[str]
) -> None:
    missed = Counter(shape for chat, shape in writers.items() if chat not in chats)
    missed.update(shape for query, shape in presses.items() if query not in answered)
    if missed:
        log.warning("fuzz: no answer to %s", ", ".join(f"{n} x {s}" for s, n in missed.items()))


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
            pacing={"overall_per_second": 1000, "per_chat_per_second": 1000},
        )
        async with SandboxClient(sandbox.url) as control:
            _, people = await rig.people(control, 20, caseload=20)
            bot = BotProcess(rig)
            bot.start()
            acted, pressed = await _act(control, plan, people)
            settled = await eventually(
                lambda: _quiet(control, rig), within=120 + count * 0.2, every=0.5
            )
            exit_code = bot.stop()
            events = await control.events()
            answers = {a["callback_query_id"] for a in await control.callback_answers()}
            stats = await control.stats()
        rig.close()
    answered: dict[int, int] = {}  # chat -> the last bot message's event number
    for event in events:
        if event["kind"] == "bot_message" and event["chat_id"] is not None:
            answered[event["chat_id"]] = event["seq"]
    unanswered = sum(1 for chat, first in acted.items() if answered.get(chat, -1) < first)
    return {
        "http_actions": len(plan),
        "http_people": len(acted),
        "http_unanswered": unanswered + len(pressed - answers),
        "http_presses": len(pressed),
        "http_refused": sum(stats["refused"].values()) + len(stats["spec_violations"]),
        "http_errors_logged": sum(
            1 for line in bot.output if " ERROR " in line or "Traceback" in line
        ),
        "http_settled": settled and exit_code == 0,
    }


async def _act(
    control: SandboxClient, plan: list[tuple[str, int, Any]], people: list[Person]
) -> tuple[dict[int, int], set[str]]:
    """Carry out the plan; returns each chat's first action (event number) and the presses."""
    acted: dict[int, int] = {}
    pressed: set[str] = set()
    strangers = 0
    for what, whom, value in plan:
        if whom < 0:
            strangers += 1
            user = (await control.create_user(first_name=f"Nieuw {strangers}"))["id"]
            result: Any = await control.start(user)
            acted.setdefault(user, result["seq"])
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

        acted.setdefault(user, result["seq"])
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
