"""What every handler and job needs, built once by `build_application`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from sqlalchemy import Engine
from telegram.ext import CallbackContext

from bot.clock import Clock
from bot.flood import FloodGuard
from bot.group_edits import GroupEdits
from bot.settings import Settings
from content import Content
from reminders.calendar import Holiday
from services.bridge_policy import BridgePolicy
from services.group_policy import GroupPolicy
from services.nudge_policy import NudgePolicy
from storage.crypto import FieldCipher


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    engine: Engine
    content: Content
    cipher: FieldCipher
    organisation_name: str
    wake_sender: asyncio.Event = field(default_factory=asyncio.Event)

    @cached_property
    def group_edits(self) -> GroupEdits:
        return GroupEdits(60.0 / self.settings.pacing.per_group_per_minute)

    @cached_property
    def flood(self) -> FloodGuard:
        return FloodGuard(self.settings.privacy.flood_per_minute)

    @cached_property
    def policy(self) -> NudgePolicy:
        return nudge_policy(self.settings)

    @cached_property
    def bridge(self) -> BridgePolicy:
        bridge = self.settings.bridge
        return BridgePolicy(
            working_days=frozenset(bridge.working_days),
            working_start=bridge.working_start,
            working_end=bridge.working_end,
            alert_after=timedelta(minutes=bridge.alert_minutes),
            appointment_times=bridge.appointment_times,
            parent_consent_under=self.settings.privacy.parent_consent_under,
        )

    @cached_property
    def groups(self) -> GroupPolicy:
        groups = self.settings.groups
        return GroupPolicy(
            day_start=groups.day_start,
            day_end=groups.day_end,
            post_time=groups.post_time,
            leave_after=timedelta(minutes=groups.leave_after_minutes),
            code_valid=timedelta(minutes=groups.code_minutes),
            welcome_gap=timedelta(minutes=groups.welcome_gap_minutes),
            poll_open=timedelta(hours=groups.poll_open_hours),
            meeting_minutes=groups.meeting_minutes,
            line_key=groups.line,
        )


def nudge_policy(settings: Settings) -> NudgePolicy:
    """The nudge rules as the configuration sets them ([defaults], [nudges], [school_holidays])."""
    nudges = settings.nudges
    return NudgePolicy(
        quiet_start=settings.defaults.quiet_hours_start,
        quiet_end=settings.defaults.quiet_hours_end,
        gap_days=nudges.gap_days,
        per_week=nudges.per_week,
        window=timedelta(hours=nudges.moment_window_hours),
        just_wrote=timedelta(hours=nudges.just_wrote_hours),
        tell_at_once=nudges.tell_professional == "at_once",
        on_public_holidays=nudges.on_public_holidays,
        school_start=nudges.school_start,
        school_end=nudges.school_end,
        checkin_reminder=timedelta(hours=nudges.checkin_reminder_hours),
        school_holidays={
            region: tuple(Holiday(h.name, h.first, h.last) for h in periods)
            for region, periods in settings.school_holidays.items()
        },
    )


def runtime(context: CallbackContext) -> Runtime:  # type: ignore[type-arg]
    value = context.application.bot_data["runtime"]
    assert isinstance(value, Runtime)
    return value
