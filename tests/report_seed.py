"""A seeded organisation for the report tests: people, steps, check-ins, nudges, questions,
appointments, groups and erased people, written as rows, with the same events kept as a plain
list (`Plan`) from which the tests compute what the report must say, on their own.

The period is four ISO weeks, 2026-01-05 (Monday, week 2) to 2026-02-01 (Sunday, week 5), in
Amsterdam time; some events fall just before and after it.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from content import Content
from content.lines import StepKind
from storage.models import (
    Appointment,
    Client,
    Departure,
    GroupMeeting,
    GroupPoll,
    Invite,
    Nudge,
    Organisation,
    PeerGroup,
    Professional,
    Question,
    Reply,
    Traject,
    TrajectMember,
)

AMS = ZoneInfo("Europe/Amsterdam")
FIRST, LAST = date(2026, 1, 5), date(2026, 2, 1)
START = datetime(2026, 1, 5, tzinfo=AMS).astimezone(UTC)
END = datetime(2026, 2, 2, tzinfo=AMS).astimezone(UTC)
NOW = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
WEEKS = ["2026-W02", "2026-W03", "2026-W04", "2026-W05"]


def week_of(moment: datetime) -> str | None:
    """The ISO week of a moment in Amsterdam, or None outside the period."""
    if not START <= moment < END:
        return None
    year, week, _ = moment.astimezone(AMS).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Plan:
    invites: list[tuple[datetime, str]] = field(default_factory=list)
    starts: list[tuple[datetime, str]] = field(default_factory=list)
    # (moment, line, client, traject, step, kind, occurrence) of every reply written
    replies: list[tuple[datetime, str, int, int, str, str, int | None]] = field(
        default_factory=list
    )
    scores: list[tuple[datetime, str, int, str, str, int]] = field(default_factory=list)
    waiting: list[tuple[str, int, str, datetime]] = field(default_factory=list)  # line, traject
    nudges: list[tuple[datetime, str, datetime | None]] = field(default_factory=list)
    questions: list[tuple[datetime, str, datetime | None]] = field(default_factory=list)
    appointments: list[tuple[datetime, datetime, str, str]] = field(default_factory=list)
    meetings: list[tuple[datetime, int, int]] = field(default_factory=list)
    polls: list[tuple[datetime, str, list[int]]] = field(default_factory=list)
    members_now: int = 0
    groups_now: int = 0
    departures: list[Departure] = field(default_factory=list)
    professional_ids: list[int] = field(default_factory=list)
    caseload: dict[int, int] = field(default_factory=dict)  # client -> professional


_KIND = {
    StepKind.INFO: "done",
    StepKind.EXERCISE: "done",
    StepKind.CHOICE: "choice",
    StepKind.SCALE: "scale",
    StepKind.QUESTION: "text",
    StepKind.CHECKIN: "checkin-done",
}


def seed(session: Session, content: Content, *, clients: int = 60, seed: int = 12) -> Plan:
    rng = random.Random(seed)
    plan = Plan()
    organisation = Organisation(
        key="noord", name="Wijkteam Noord", privacy_contact="privacy@example.nl", created_at=NOW
    )
    session.add(organisation)
    session.flush()
    org = organisation.id or 0
    professionals = [
        Professional(organisation_id=org, name=name, created_at=NOW) for name in ("Mirjam", "Ahmed")
    ]
    session.add_all(professionals)
    session.flush()
    plan.professional_ids = [p.id or 0 for p in professionals]
    tokens = iter(range(1_000_000))

    def invite(at: datetime, role: str, line: str | None, **extra: object) -> None:
        session.add(
            Invite(
                organisation_id=org,
                token_hash=hashlib.sha256(str(next(tokens)).encode()).hexdigest(),
                role=role,
                line_key=line,
                created_at=at,
                expires_at=at + timedelta(days=14),
                **extra,  # type: ignore[arg-type]
            )
        )

    def reply(
        client: Client,
        traject: Traject,
        line: str,
        step: str,
        kind: str,
        at: datetime,
        **extra: object,
    ) -> None:
        session.add(
            Reply(
                client_id=client.id or 0,
                traject_id=traject.id,
                step_key=step,
                kind=kind,
                created_at=at,
                **extra,  # type: ignore[arg-type]
            )
        )
        plan.replies.append(
            (at, line, client.id or 0, traject.id or 0, step, kind, extra.get("occurrence"))  # type: ignore[arg-type]
        )

    trajecten: list[tuple[Client, Traject]] = []
    for number in range(clients):
        line = "faalangst" if number % 10 < 7 else "activiteit"
        professional = professionals[number % 3 == 0]  # a third with Ahmed
        started = START - timedelta(days=5) + timedelta(days=rng.uniform(0, 33))
        client = Client(
            organisation_id=org,
            professional_id=professional.id or 0,
            role="pupil" if line == "faalangst" else "resident",
            created_at=started,
            consent_version="1",
        )
        session.add(client)
        session.flush()
        plan.caseload[client.id or 0] = professional.id or 0
        invited = started - timedelta(hours=rng.uniform(1, 30))
        invite(invited, client.role, line, professional_id=professional.id)
        plan.invites.append((invited, line))
        traject = Traject(client_id=client.id or 0, line_key=line, started_at=started)
        session.add(traject)
        session.flush()
        plan.starts.append((started, line))
        trajecten.append((client, traject))
        sequence = content.lines[line].sequence()
        done = rng.randint(0, len(sequence))
        at = started
        for step in sequence[:done]:
            at += timedelta(days=rng.uniform(0.2, 3))
            if step.video_url and rng.random() < 0.6:
                reply(client, traject, line, step.key, "watched", at - timedelta(minutes=10))
            if step.kind == StepKind.CHECKIN:
                for item in step.items:
                    value = rng.randint(item.scale.min, item.scale.max) if item.scale else None
                    reply(
                        client,
                        traject,
                        line,
                        step.key,
                        "checkin",
                        at,
                        item_key=item.key,
                        value=str(value)
                        if value is not None
                        else (item.options[0].key if item.options else None),
                    )
                    if value is not None:
                        plan.scores.append((at, line, client.id or 0, step.key, item.key, value))
            reply(client, traject, line, step.key, _KIND[step.kind], at)
            if step.kind == StepKind.EXERCISE and step.question and rng.random() < 0.5:
                reply(client, traject, line, step.key, "reflection", at + timedelta(minutes=3))
        if done < len(sequence):
            sent = at + timedelta(days=1)
            traject.step_key, traject.step_sent_at = sequence[done].key, sent
            plan.waiting.append((line, traject.id or 0, sequence[done].key, sent))
        else:
            traject.step_key, traject.status = None, "finished"
        for recurring in content.lines[line].recurring():
            for occurrence in range(1, 6):
                when = started + timedelta(days=7 * occurrence, hours=rng.uniform(0, 20))
                if rng.random() < 0.6 and when < NOW:
                    for item in recurring.items:
                        value = rng.randint(item.scale.min, item.scale.max) if item.scale else None
                        reply(
                            client,
                            traject,
                            line,
                            recurring.key,
                            "checkin",
                            when,
                            item_key=item.key,
                            occurrence=occurrence,
                            value=str(value)
                            if value is not None
                            else (item.options[0].key if item.options else None),
                        )
                        if value is not None:
                            plan.scores.append(
                                (when, line, client.id or 0, recurring.key, item.key, value)
                            )
                    reply(
                        client,
                        traject,
                        line,
                        recurring.key,
                        "checkin-done",
                        when,
                        occurrence=occurrence,
                    )
        for _ in range(rng.randint(0, 4)):
            due = started + timedelta(days=rng.uniform(0, 30))
            if due > NOW:
                continue
            luck = rng.random()
            followed = (
                due + timedelta(hours=5)
                if luck < 0.4
                else due + timedelta(hours=60)
                if luck < 0.5
                else None
            )
            session.add(
                Nudge(
                    client_id=client.id or 0,
                    traject_id=traject.id,
                    kind="ladder",
                    rung=1,
                    due_at=due,
                    followed_at=followed,
                )
            )
            plan.nudges.append((due, line, followed))
        # A check-in that came on its schedule is no nudge: never counted.
        session.add(Nudge(client_id=client.id or 0, kind="checkin", due_at=started, rung=0))
        if rng.random() < 0.5:
            asked = started + timedelta(days=rng.uniform(0, 25))
            answered = asked + timedelta(hours=rng.uniform(1, 80)) if rng.random() < 0.8 else None
            text = Reply(client_id=client.id or 0, kind="question", created_at=asked)
            session.add(text)
            session.flush()
            session.add(
                Question(
                    client_id=client.id or 0,
                    professional_id=professional.id or 0,
                    reply_id=text.id or 0,
                    asked_at=asked,
                    answered_at=answered,
                    status="answered" if answered else "open",
                )
            )
            plan.questions.append((asked, line, answered))
        if rng.random() < 0.3:
            made = started + timedelta(days=rng.uniform(0, 25))
            starts = made + timedelta(days=rng.uniform(1, 10))
            status = "confirmed" if rng.random() < 0.6 else "requested"
            session.add(
                Appointment(
                    client_id=client.id or 0,
                    professional_id=professional.id or 0,
                    kind="call",
                    status=status,
                    starts_at=starts,
                    created_at=made,
                )
            )
            plan.appointments.append((made, starts, line, status))
    # Parents who join a pupil's traject (their invitation names the traject, not a line).
    pupils = [(c, t) for c, t in trajecten if t.line_key == "faalangst"]
    for number, (pupil, traject) in enumerate(pupils[:6]):
        joined = START + timedelta(days=3 + 4 * number, hours=2)
        parent = Client(
            organisation_id=org,
            professional_id=pupil.professional_id,
            role="parent",
            created_at=joined,
        )
        session.add(parent)
        session.flush()
        plan.caseload[parent.id or 0] = pupil.professional_id
        invite(
            joined - timedelta(hours=3),
            "parent",
            None,
            traject_id=traject.id,
            professional_id=pupil.professional_id,
        )
        plan.invites.append((joined - timedelta(hours=3), "faalangst"))
        session.add(
            TrajectMember(traject_id=traject.id or 0, client_id=parent.id or 0, created_at=joined)
        )
        plan.starts.append((joined, "faalangst"))
    # Sunday 23:30 in UTC is Monday 00:30 in Amsterdam: week 3, not week 2.
    boundary = datetime(2026, 1, 11, 23, 30, tzinfo=UTC)
    invite(boundary, "pupil", "faalangst")
    plan.invites.append((boundary, "faalangst"))
    # Invitations that never count: a professional's, a group's open carer link.
    invite(START + timedelta(days=2), "professional", None)
    _groups(session, plan, org, professionals[0].id or 0, rng)
    _departures(session, plan, org)
    session.flush()
    return plan


def _groups(session: Session, plan: Plan, org: int, professional: int, rng: random.Random) -> None:
    groups = [
        PeerGroup(
            chat_id=-1000 - n,
            status=status,
            organisation_id=org,
            professional_id=professional,
            created_at=START - timedelta(days=30),
            linked_at=START - timedelta(days=30),
            members=members,
        )
        for n, (status, members) in enumerate((("active", 7), ("active", 3), ("inactive", 9)))
    ]
    session.add_all(groups)
    session.flush()
    plan.groups_now, plan.members_now = 2, 10
    carer_link = Invite(
        organisation_id=org,
        token_hash="g" * 64,
        role="carer",
        line_key="mantelzorg",
        group_id=groups[0].id,
        created_at=START + timedelta(days=1),
        expires_at=START + timedelta(days=300),
    )
    session.add(carer_link)
    for days, coming, not_coming, status in (
        (-3, 4, 1, "held"),  # before the period
        (2, 5, 2, "held"),
        (9, 3, 0, "held"),
        (16, 6, 1, "cancelled"),
        (23, 2, 2, "held"),
    ):
        starts = START + timedelta(days=days, hours=18, minutes=30)
        session.add(
            GroupMeeting(
                group_id=groups[days % 2].id or 0,
                starts_at=starts,
                link="https://meet.jit.si/noord",
                status=status,
                announce_at=starts - timedelta(days=3),
                coming=coming,
                not_coming=not_coming,
                created_at=starts - timedelta(days=4),
            )
        )
        if status == "held" and START <= starts < END:
            plan.meetings.append((starts, coming, not_coming))
    for number, (days, kind, counts) in enumerate(
        (
            (1, "week", [2, 3, 1, 0]),
            (3, "meeting", [4, 1, 0]),
            (8, "week", [1, 4, 2, 1]),
            (40, "week", [9, 9, 9, 9]),
            (10, "oud", [3, 3]),  # a kind no longer asked: in no table
        )
    ):
        created = START + timedelta(days=days, hours=10)
        session.add(
            GroupPoll(
                group_id=groups[0].id or 0,
                kind=kind,
                outbox_key=f"poll:{number}",
                counts=json.dumps(counts),
                voters=sum(counts),
                created_at=created,
                closes_at=created + timedelta(days=2),
            )
        )
        if START <= created < END and kind != "oud":
            plan.polls.append((created, kind, counts))
    del rng


def _departures(session: Session, plan: Plan, org: int) -> None:
    rows = [
        Departure(
            organisation_id=org,
            role="pupil",
            line_key="faalangst",
            joined_month=date(2025, 12, 1),
            left_on=date(2026, 1, 20),
            steps_done=4,
            questions=1,
            nudges=3,
            nudges_followed=1,
        ),
        Departure(
            organisation_id=org,
            role="resident",
            line_key="activiteit",
            joined_month=date(2026, 1, 1),
            left_on=date(2026, 1, 25),
            steps_done=0,
            questions=0,
            nudges=2,
            nudges_followed=0,
        ),
        Departure(
            organisation_id=org,
            role="pupil",
            line_key="faalangst",
            joined_month=date(2026, 1, 1),
            left_on=date(2026, 3, 2),
            steps_done=7,
            questions=2,
            nudges=6,
            nudges_followed=4,
        ),
        # Gone before the period began: not counted.
        Departure(
            organisation_id=org,
            role="pupil",
            line_key="faalangst",
            joined_month=date(2025, 10, 1),
            left_on=date(2025, 12, 20),
            steps_done=9,
            questions=3,
            nudges=5,
            nudges_followed=2,
        ),
    ]
    session.add_all(rows)
    plan.departures = rows[:3]
