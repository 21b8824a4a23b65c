"""Catalogue 8, SQLite writers: eight processes of the real application each handle 1,000
updates (`--quick`: 100) through `process_update`, one transaction each, on one SQLite file,
while `duwtje run` on the same file sends every answer to the sandbox, checkpoints the WAL
every second and sweeps. No "database is locked" may reach a person: no handler fails (a
failed handler is apologised for, so that is what would reach them), nothing anywhere logs a
locked database, every message is kept once and answered once.

Why it holds: every transaction begins IMMEDIATE (it takes the write lock first, so it never
fails half-way on a lock upgrade) and waits up to 10 s for it (storage/db.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from bot.sandbox import SandboxClient, SandboxThread
from chaos import Figures
from chaos.rig import LOCKED, NO_FLOOD_LIMIT, UNPACED, BotProcess, Rig, eventually, unsent
from storage.db import session_scope
from storage.models import OutboxMessage, ProcessedUpdate, Reply

NAME = "writers"
CRITERION = (
    "8 SQLite writers x 1,000 transactions beside a running bot: locked_errors == 0, "
    "unhandled == 0, apologies == 0, every message kept and answered once"
)
WRITERS = 8
CLIENTS_PER_WRITER = 25  # each writes 40 (quick: 4) messages, under the flood limit per minute


def run(quick: bool) -> Figures:
    return asyncio.run(_run(transactions=100 if quick else 1_000))


async def _run(*, transactions: int) -> Figures:
    with (
        tempfile.TemporaryDirectory(prefix="duwtje-chaos-") as folder,
        SandboxThread(strict=False) as sandbox,
    ):
        rig = Rig(
            Path(folder),
            sandbox.url,
            pacing=UNPACED,  # sending keeps up with eight writers
            jobs={"checkpoint_seconds": 1.0, "sweep_seconds": 2.0},
            privacy=NO_FLOOD_LIMIT,
        )
        async with SandboxClient(sandbox.url) as control:
            _, people = await rig.people(control, WRITERS * CLIENTS_PER_WRITER, caseload=50)
            bot = BotProcess(rig)
            bot.start()
            config = rig.write_config()
            children: list[tuple[subprocess.Popen[str], Path]] = []
            try:
                for index in range(WRITERS):
                    log = Path(folder) / f"writer-{index}.log"
                    ids = [p.user_id for p in people[index::WRITERS]]
                    first = (index + 1) * 1_000_000
                    children.append(
                        (_start_writer(rig, config, first, transactions, ids, log), log)
                    )
                for child, log in children:
                    await asyncio.to_thread(_ready, child, log)
                started = time.monotonic()
                for child, _ in children:  # all at once
                    assert child.stdin is not None
                    child.stdin.write("go\n")
                    child.stdin.flush()
                results = [await asyncio.to_thread(_result, child, log) for child, log in children]
                writing = time.monotonic() - started
                settled = await eventually(lambda: not unsent(rig), within=300, every=0.25)
            finally:  # nothing left running when a step above fails
                for child, _ in children:
                    if child.poll() is None:
                        child.kill()
                        child.wait()
                exit_code = bot.stop()
            events = await control.events()
        stored, processed, apologies = _stored(rig)
        rig.close()
    written = WRITERS * transactions
    answers = Counter(e["chat_id"] for e in events if e["kind"] == "bot_message")
    wanted: Counter[int] = Counter()
    for index in range(WRITERS):  # as each writer goes round its clients
        users = people[index::WRITERS]
        wanted.update(users[n % len(users)].user_id for n in range(transactions))
    bot_locked = sum(1 for line in bot.output if LOCKED in line)
    figures: Figures = {
        "writers": WRITERS,
        "transactions": written,
        "handled": sum(r["handled"] for r in results),
        "seconds": round(writing, 1),
        "transactions_per_s": round(written / writing) if writing else 0,
        "locked_errors": sum(r["locked"] for r in results) + bot_locked,
        "unhandled": sum(r["errors"] for r in results)
        + sum(1 for line in bot.output if " ERROR " in line),
        "apologies": apologies,
        "stored_replies": sum(stored.values()),
        "duplicated_replies": sum(n - 1 for n in stored.values() if n > 1),
        "processed_updates": processed,
        "missing_answers": sum(max(0, n - answers[chat]) for chat, n in wanted.items()),
        "extra_answers": sum(max(0, answers[chat] - n) for chat, n in wanted.items()),
        "settled": settled,
        "clean_exit": exit_code == 0,
    }
    figures["met"] = (
        figures["locked_errors"] == 0
        and figures["unhandled"] == 0
        and figures["apologies"] == 0
        and figures["handled"] == written
        and figures["processed_updates"] == written  # as the database counts them
        and figures["stored_replies"] == written
        and figures["duplicated_replies"] == 0
        and figures["missing_answers"] == 0
        and figures["extra_answers"] == 0
        and settled
        and exit_code == 0
    )
    return figures


def _start_writer(
    rig: Rig, config: Path, first: int, count: int, users: list[int], log: Path
) -> subprocess.Popen[str]:
    """A writer; what it logs goes to `log` (a pipe nobody reads while it runs could fill and
    stop it in the middle of a transaction, holding the lock)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DUWTJE_")}
    environ.update(rig.environ)
    with log.open("w", encoding="utf-8") as errors:  # the child keeps its own copy
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "chaos.writer_child",
                str(config),
                str(first),
                str(count),
                ",".join(str(u) for u in users),
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env=environ,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )


def _ready(child: subprocess.Popen[str], log: Path) -> None:
    assert child.stdout is not None
    if child.stdout.readline().strip() != "ready":
        _result(child, log)  # it failed before it was ready: raise with what it said
        raise RuntimeError("a writer did not say it was ready")


def _result(child: subprocess.Popen[str], log: Path) -> dict[str, Any]:
    out, _ = child.communicate(timeout=600)
    if child.returncode != 0 or not out.strip():
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-20:])
        raise RuntimeError(f"a writer failed (exit {child.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _stored(rig: Rig) -> tuple[Counter[str], int, int]:
    """The stored replies' texts (decrypted), the updates processed, the apologies queued."""
    with session_scope(rig.engine) as session:
        texts = Counter(
            rig.cipher.decrypt(value)
            for value in session.execute(select(col(Reply.text_enc))).scalars()
            if value
        )
        processed = session.execute(select(func.count()).select_from(ProcessedUpdate)).scalar_one()
        apologies = session.execute(
            select(func.count()).where(col(OutboxMessage.kind) == "error")
        ).scalar_one()
    return texts, int(processed), int(apologies)
