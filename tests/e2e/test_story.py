"""Foundation III end to end: the walking skeleton's story over HTTP, a crisis message, the demo
command and the logs. Everything asserted here is what the sandbox actually received."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.demo.story import StoryResult, onboard, play_story
from bot.demo.world import DEMO_TOKEN, DemoWorld, demo_world
from storage.db import session_scope
from storage.models import Reply

pytestmark = pytest.mark.e2e

ANSWER = "Ik dacht: dat lukt me toch nooit, zegt mijn hoofd."


@pytest.fixture
async def world() -> AsyncIterator[DemoWorld]:
    async with demo_world() as running:
        yield running
        assert (await running.client.stats())["too_many_requests"] == 0


def text_of(result: StoryResult, step: str) -> str:
    return result.messages[step]["plain_text"] or ""


async def test_the_whole_story(world: DemoWorld, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    result = await play_story(world, ANSWER)

    assert "Welkom Mirjam" in text_of(result, "professional_welcome")
    assert "https://t.me/duwtje_demo_bot?start=" in text_of(result, "client_invite")
    consent = text_of(result, "consent")
    for promise in (
        "niet end-to-end versleuteld",
        "112",
        "113",
        "/privacy",
        "/stop",
        "/mijngegevens",
        "/vergeetmij",
        "Wijkteam Demo",
        "privacy@wijkteam-demo.nl",
        "Een gesprek kan altijd, zonder nadeel",
    ):
        assert promise in consent
    assert "Sanne (Leerling) doet nu mee" in text_of(result, "joined")
    assert "Spanning voor school" in text_of(result, "step1")
    assert "donderdag om 15:30" in text_of(result, "step1_done")
    assert "Let op je gedachten" in text_of(result, "step2")
    assert "Let op je gedachten" in text_of(result, "nudge")
    assert "Welke gedachte" in text_of(result, "reflection_question")
    assert "bewaard" in text_of(result, "answer_saved")
    assert "Een helpende gedachte" in text_of(result, "step3")
    assert "check-in" in text_of(result, "checkin")
    assert "3 van 11 stappen" in text_of(result, "progress")
    assert "Sanne: 3 antwoorden" in text_of(result, "digest")  # done, reflection, choice

    # The nudge came at 15:30 on Sunday, three days after the step, not before.
    nudged = result.messages["nudge"]["date"]
    assert nudged.startswith("2026-03-08T14:3")  # 15:3x Amsterdam = 14:3x UTC

    # The answer is stored, encrypted; the token and the answer are in no log line.
    with session_scope(world.engine) as session:
        stored = session.execute(
            select(Reply.text_enc).where(Reply.kind == "reflection")
        ).scalar_one()
    assert stored is not None and "lukt me" not in stored
    assert "lukt me toch nooit" not in caplog.text
    assert DEMO_TOKEN not in caplog.text
    assert "bot1:" not in caplog.text


async def test_a_crisis_phrase_gets_help_numbers_and_alerts_the_professional(
    world: DemoWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = await onboard(world)
    pupil, professional = result.cast.pupil, result.cast.professional
    sent = await world.client.text(pupil, "Ik wil er niet meer zijn, echt niet.")
    help_message = await world.client.wait_for_event(
        lambda e: (
            e["kind"] == "bot_message"
            and e["chat_id"] == pupil
            and "113" in ((e["message"] or {}).get("plain_text") or "")
        ),
        after=sent["seq"],
        timeout=15,
    )
    alert = await world.client.wait_for_event(
        lambda e: (
            e["kind"] == "bot_message"
            and e["chat_id"] == professional
            and "Let op: Sanne" in ((e["message"] or {}).get("plain_text") or "")
        ),
        after=sent["seq"],
        timeout=15,
    )
    help_text = (help_message["message"] or {}).get("plain_text") or ""
    for number in ("112", "113", "0800-0113", "0800-0432"):
        assert number in help_text
    assert "niet meer zijn" in ((alert["message"] or {}).get("plain_text") or "")
    assert "niet meer zijn" not in caplog.text


def test_the_demo_command_prints_the_story_and_writes_the_transcript(tmp_path: Path) -> None:
    transcript = tmp_path / "transcript.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--transcript", str(transcript)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for fragment in (
        "Duwtje van Wijkteam Demo",
        "Spanning voor school",
        "Let op je gedachten",
        "opgeslagen",
        "Nieuw",
        "Summary",
    ):
        assert fragment in done.stdout
    lines = [json.loads(line) for line in transcript.read_text(encoding="utf-8").splitlines()]
    assert all(set(line) == {"at", "chat", "from", "kind", "text", "buttons"} for line in lines)
    assert all("+" in line["at"] or line["at"].endswith("Z") for line in lines)
    bot_kinds = {line["kind"] for line in lines if line["from"] == "bot"}
    assert {"consent", "exercise", "nudge", "digest"} <= bot_kinds
    people = {(line["from"], line["kind"]) for line in lines if line["from"] != "bot"}
    assert {
        ("administrator", "text"),
        ("professional", "start"),
        ("pupil", "start"),
        ("pupil", "button"),
        ("pupil", "text"),
    } <= people
    assert {line["chat"] for line in lines} >= {"professional", "pupil"}
    assert all(isinstance(row, list) for line in lines for row in line["buttons"])
    assert list(tmp_path.iterdir()) == [transcript]  # nothing else left behind


def chat(*args: str, typed: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", *args],
        input=typed,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def test_chat_as_a_client_presses_numbered_buttons_and_types(tmp_path: Path) -> None:
    done = chat(typed="1\n2\n2\n:later 1d\nHoe lang duurt dit?\n:quit\n", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert " 1  Ja, ik doe mee" in out  # the consent, buttons numbered
    assert "Fijn dat je meedoet" in out  # pressed 1
    assert "Spanning voor school" in out  # pressed 2 (a moment): the first step
    assert "donderdag om 15:30" in out  # pressed 2 (read; 1 is "Video bekeken")
    assert "het is nu Tue 03 Mar" in out  # :later 1d
    assert "als vraag naar Mirjam" in out  # typed text that is no answer
    assert list(tmp_path.iterdir()) == []


def test_chat_as_a_professional(tmp_path: Path) -> None:
    typed = "/help\n:pupil Mag mijn moeder mee?\n:later 1d\n:quit\n"
    done = chat("--as", "professional", typed=typed, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Je bent begeleider bij Wijkteam Demo" in done.stdout
    assert "Sanne: 0 antwoorden, 1 bericht" in done.stdout  # Tuesday's digest


def test_chat_refuses_an_unknown_role(tmp_path: Path) -> None:
    assert chat("--as", "manager", typed="", cwd=tmp_path).returncode == 2
