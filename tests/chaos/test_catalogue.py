"""The reliability catalogue (../shared/brief/performance-and-reliability.md, items 2-6, 8 and 9)
in its quick form: the real bot over HTTP against the sandbox, with its faults. Each test
asserts the catalogue's figures one by one; `duwtje chaos` runs the same scenarios full size."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime

import pytest

from chaos import blocked, clock, crash, fuzz, redelivery, storm, timeouts, workers, writers
from chaos.rig import LogTally
from services import greeting
from tests.conftest import _server_url

pytestmark = pytest.mark.e2e


def test_fuzzed_updates_crash_nothing_and_everyone_who_wrote_is_answered() -> None:
    figures = fuzz.run(quick=True)
    assert figures["updates"] == 1_000 and figures["people_wrote"] > 10, figures
    assert figures["messages_written"] >= 100 and figures["unreadable"] <= 200, figures
    assert figures["presses"] > 10 and figures["redelivered"] > 0, figures
    assert figures["crashes"] == 0 and figures["unhandled"] == 0, figures
    assert figures["apologies"] == 0, figures
    assert figures["unanswered_messages"] == 0 and figures["unanswered_presses"] == 0, figures
    assert figures["http_actions"] >= 60 and figures["http_people"] > 5, figures
    assert figures["http_unanswered"] == 0 and figures["http_refused"] == 0, figures
    assert figures["http_errors_logged"] == 0 and figures["http_settled"], figures
    assert figures["met"]


def test_each_action_needs_its_own_later_answer() -> None:
    assert fuzz._unmatched([10, 20, 30], [11, 21, 31]) == 0
    assert fuzz._unmatched([10, 20, 30], [35, 36, 37]) == 0  # answers may lag behind
    assert fuzz._unmatched([10, 20, 30], [11, 12, 13]) == 2  # all answers before the 2nd
    assert fuzz._unmatched([10, 20], [5]) == 2


def test_the_fuzzing_sees_who_went_unanswered_and_what_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The control: with the answer to a sticker switched off, and a handler made to fail,
    the same counting reports both."""
    sticker = {"file_id": "s", "file_unique_id": "t", "type": "regular", "width": 9,
               "height": 9, "is_animated": False, "is_video": False}  # fmt: skip
    sender = {"id": 4242, "is_bot": False, "first_name": "Sanne"}
    chat = {"id": 4242, "type": "private"}
    drawn = [
        {"message": {"message_id": 1, "date": fuzz.NOW_S, "chat": chat, "from": sender,
                     "sticker": sticker}},
        {"message": {"message_id": 2, "date": fuzz.NOW_S, "chat": chat | {"id": 4343},
                     "from": sender | {"id": 4343}, "text": "/privacy",
                     "entities": [{"type": "bot_command", "offset": 0, "length": 8}]}},
    ]  # fmt: skip
    monkeypatch.setattr(greeting, "cannot_read", lambda unit, person: None)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(greeting, "show_privacy", broken)
    figures = fuzz._through_process_update(2, drawn)
    assert figures["people_wrote"] == figures["messages_written"] == 2, figures
    # The sticker got nothing; /privacy only the apology, which is no sensible answer.
    assert figures["unanswered_messages"] == 2, figures
    assert figures["unhandled"] == 1 and figures["apologies"] == 1, figures


def test_a_kill_mid_fanout_loses_nothing_and_repeats_only_what_was_on_the_wire() -> None:
    figures = crash.run(quick=True)
    assert figures["kills"] == 5 and figures["settled"] and figures["clean_exit"], figures
    assert figures["messages"] == 200
    assert figures["lost"] == 0, figures
    assert figures["duplicated_not_in_flight"] == 0, figures
    assert figures["duplicated_personal"] == 0, figures
    assert figures["delivered"] + figures["unknown"] >= figures["messages"], figures
    assert figures["met"]


def test_a_429_storm_is_waited_out_without_early_retries_or_spinning() -> None:
    figures = storm.run(quick=True)
    assert figures["count_429"] > 0, "the storm must really happen"
    assert figures["early_retries"] == 0, figures
    assert figures["lost"] == 0 and figures["duplicated"] == 0, figures
    assert figures["send_requests"] == figures["messages"] + figures["count_429"], figures
    assert figures["cpu_share"] < 0.3, figures
    assert figures["met"]


def test_blocked_recipients_get_one_attempt_are_named_and_come_back_with_start() -> None:
    figures = blocked.run(quick=True)
    assert figures["blocked"] == 5, figures
    assert figures["attempts"] == figures["blocked"], figures
    assert figures["attempts_after_block"] == 0, figures
    assert figures["marked_unreachable"] == figures["blocked"], figures
    assert figures["wrongly_unreachable"] == 0, figures
    assert figures["named_in_digest"] == figures["blocked"], figures
    assert figures["reenabled"] == figures["reached_after_start"] == figures["blocked"], figures
    assert figures["lost"] == 0 and figures["duplicated"] == 0, figures
    assert figures["met"]


def test_connect_errors_are_retried_once_and_read_timeouts_never_copy_personal_messages() -> None:
    figures = timeouts.run(quick=True)
    assert figures["connect_errors"] > 0 and figures["read_timeouts"] > 0, figures
    assert figures["connect_error_not_once"] == 0, figures
    assert figures["nudge_max_copies"] <= 2, figures
    assert figures["duplicated_personal"] == 0, figures
    assert figures["lost"] == 0, figures
    assert figures["met"]


def test_redelivered_updates_and_a_kill_halfway_have_each_effect_once() -> None:
    figures = redelivery.run(quick=True)
    assert figures["deliveries"] > figures["updates"] and figures["most_copies"] > 1, figures
    assert figures["stored_replies"] == figures["updates"], figures
    assert figures["missing_replies"] == figures["duplicated_replies"] == 0, figures
    assert figures["extra_answers"] == 0, figures
    assert figures["missing_answers"] <= figures["answers_unknown"], figures
    assert figures["processed_updates"] >= figures["updates"], figures
    assert figures["met"]


@pytest.mark.postgres
def test_two_workers_on_postgresql_send_once_and_take_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = _server_url()
    if server is None:
        pytest.skip("PostgreSQL tests need DUWTJE_TEST_DATABASE_URL (see tests/conftest.py)")
    monkeypatch.setenv("DUWTJE_CHAOS_DATABASE_URL", server)
    figures = workers.run(quick=True)
    assert figures["second_sent_before_kill"] == 0, figures
    assert figures["senders"] == 2, figures  # the first until the kill, then the second
    assert figures["takeover_s"] is not None and figures["takeover_s"] <= 30, figures
    assert figures["duplicated_not_in_flight"] == 0 and figures["lost"] == 0, figures
    assert figures["nudges_arrived"] == figures["nudged"] and figures["double_nudges"] == 0
    assert figures["sweepers"] == 1, figures
    assert figures["met"]


def test_eight_sqlite_writers_beside_the_bot_never_meet_a_locked_database() -> None:
    figures = writers.run(quick=True)
    assert figures["writers"] == 8 and figures["handled"] == figures["transactions"] == 800
    assert figures["locked_errors"] == 0, figures
    assert figures["unhandled"] == 0 and figures["apologies"] == 0, figures
    assert figures["stored_replies"] == 800 and figures["duplicated_replies"] == 0, figures
    assert figures["missing_answers"] == figures["extra_answers"] == 0, figures
    assert figures["met"]


def test_the_log_tally_sees_a_locked_database_and_a_failed_handler() -> None:
    """The control: what the writers and the fuzzing count is really counted (a locked
    database in an exception, a failure, and a deliberate error line that is no failure)."""
    tally = LogTally()
    log = logging.getLogger("tests.writers")
    log.addHandler(tally)
    try:
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError:
            log.error("handling update 7 failed: OperationalError", exc_info=True)
        log.warning("retrying")
        assert (tally.locked, tally.errors, tally.failures) == (1, 1, 1)
        log.error("crisis alert 1 for client 2 reached no professional")  # deliberate
        assert (tally.errors, tally.failures) == (2, 1)
    finally:
        log.removeHandler(tally)


def test_time_gives_one_message_per_slot_across_daylight_saving_jumps_and_an_outage() -> None:
    figures = clock.run(quick=True)
    assert figures["clock_faults"] == 5 and figures["ticks"] > 1_000, figures
    assert figures["nudges"] > 60 and figures["checkins"] > 60 and figures["digests"] > 10
    assert figures["double_per_day"] == 0 and figures["double_digests"] == 0, figures
    assert figures["messages_in_quiet_hours"] == 0, figures
    assert figures["missed"] == 0, figures
    assert figures["slowest_sweep_ms"] < 2_000, figures
    assert figures["met"]


def test_the_clock_judge_sees_doubles_quiet_hours_misses_and_repeats() -> None:
    """The control: rows that break each rule are counted."""
    from collections import Counter

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=clock.ZONE)

    rows = [
        clock.Row("nudge", 1, at("2026-03-30T15:30"), at("2026-03-30T15:30")),
        clock.Row("checkin", 1, at("2026-03-30T16:00"), at("2026-03-30T16:00")),  # 2nd that day
        clock.Row("checkin", 2, at("2026-03-30T22:30"), at("2026-03-30T22:30")),  # quiet hours
        clock.Row("nudge", 3, at("2026-04-01T15:30"), at("2026-04-01T15:30")),  # a day late
        clock.Row("checkin", 3, at("2026-03-30T15:30"), at("2026-03-30T15:30")),
        clock.Row("digest", 9, at("2026-03-30T08:30"), at("2026-03-30T08:30")),
        clock.Row("digest", 9, at("2026-03-30T09:30"), at("2026-03-30T09:30")),  # again
    ]
    dues = {  # first nudge due; the check-in five hours later
        1: at("2026-03-30T10:00"),
        2: at("2026-03-30T10:00"),
        3: at("2026-03-30T10:00"),
    }
    # Up Monday and Tuesday morning and afternoon, Monday night, Wednesday afternoon.
    up = [at(f"2026-03-{day}T{hour}") for day in (30, 31) for hour in ("09:00", "16:00")]
    up += [at("2026-03-30T22:30"), at("2026-04-01T16:00")]
    attempts = Counter({"nudges": 2, "digests": 3})  # the sweep tried one digest more
    figures = clock._judge(rows, dues, up, attempts)
    assert figures["double_per_day"] == 1
    assert figures["messages_in_quiet_hours"] == 1
    assert figures["double_digests"] == 1
    assert figures["repeated_attempts"] == 1
    # Client 2 was never nudged; professional 9 had no digest on Tuesday or Wednesday; two of
    # the three professionals never had one.
    assert figures["missed"] == 1 + 2 + 2
    assert figures["late"] == 1  # client 3's nudge let Tuesday afternoon go by
