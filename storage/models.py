"""Every table, in one place.

Conventions:
- every timestamp is a `UTCDateTime` (timezone-aware UTC, on SQLite too);
- Telegram ids are 64-bit (`BigInteger`);
- columns ending in `_enc` hold text encrypted with `storage.crypto.FieldCipher`; they are the
  only place free text or names are kept;
- "next due" facts (`next_nudge_at`, `next_digest_at`, `due_at`) live here, so the scheduler only
  ticks and a restart loses and repeats nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

# Stable constraint names, so migrations (and SQLite's batch mode) can refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class Role(StrEnum):
    PROFESSIONAL = "professional"
    PUPIL = "pupil"
    PARENT = "parent"
    CARER = "carer"
    RESIDENT = "resident"


CLIENT_ROLES = (Role.PUPIL, Role.PARENT, Role.CARER, Role.RESIDENT)


class ClientStatus(StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"  # said /stop: no messages at all until they start again


class TrajectStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # permanent error: never retried
    UNKNOWN = "unknown"  # ambiguous error on a personal message: not resent blindly


# Messages that may not have arrived, or that the sender gave up on: the digest names them.
IN_DOUBT = (OutboxStatus.UNKNOWN, OutboxStatus.FAILED)
_IN_DOUBT_WHERE = f"status IN ({', '.join(repr(str(status)) for status in IN_DOUBT)})"


class RecipientKind(StrEnum):
    CLIENT = "client"
    PROFESSIONAL = "professional"
    GROUP = "group"
    CHAT = "chat"  # someone we do not know (yet): an unknown person who wrote to the bot


def _utc(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def _telegram_id(*, nullable: bool = True, unique: bool = False) -> Column[int]:
    return Column(BigInteger(), nullable=nullable, unique=unique)


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Column[int]:
    return Column(ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    name: str = Field(max_length=200)
    privacy_contact: str = Field(max_length=200)
    time_zone: str = Field(default="Europe/Amsterdam", max_length=64)
    language: str = Field(default="nl", max_length=8)
    created_at: datetime = Field(sa_column=_utc())
    # Whose school holidays its pupils follow (`[school_holidays.<region>]` in the config).
    school_region: str | None = Field(default=None, max_length=40)
    # The first school day after a holiday brings pupils a "welcome back": the day that was
    # last done, so a second sweep that day (or a restart) does not do it again.
    welcomed_back_on: date | None = Field(default=None, sa_column=Column(Date(), nullable=True))
    # What a client is told when they send a question: "usually within N working days".
    answer_days: int = Field(
        default=2, sa_column=Column(Integer(), nullable=False, server_default="2")
    )
    # How to reach a person face to face (an office, a phone number): given with every answer
    # path, so a client is never left without one.
    contact: str = Field(
        default="", sa_column=Column(String(300), nullable=False, server_default="")
    )
    # Answers and questions are deleted this many days after a client's line ended.
    retention_days: int = Field(
        default=90, sa_column=Column(Integer(), nullable=False, server_default="90")
    )
    # Professionals enter a PIN in the chat before client data is shown (shared or lost phones).
    require_pin: bool = Field(
        default=False, sa_column=Column(Boolean(), nullable=False, server_default=false())
    )
    # The organisation's on-call number for a crisis outside working hours ("" if none).
    on_call: str = Field(
        default="", sa_column=Column(String(100), nullable=False, server_default="")
    )


class Professional(SQLModel, table=True):
    __tablename__ = "professional"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_fk("organisation.id", ondelete="RESTRICT"))
    name: str = Field(max_length=200)  # a work name, chosen by the administrator
    telegram_user_id: int | None = Field(default=None, sa_column=_telegram_id(unique=True))
    chat_id: int | None = Field(default=None, sa_column=_telegram_id())
    language: str = Field(default="nl", max_length=8)
    digest_time: str = Field(default="08:30", max_length=5)  # local "HH:MM"
    digest_day: int | None = None  # None: every working day; 0-6: once a week, that weekday
    next_digest_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_digest_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    created_at: datetime = Field(sa_column=_utc())
    bound_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    unreachable_since: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # What the bot waits for this professional to type, if anything ("feedback:<reply id>").
    awaiting: str | None = Field(default=None, max_length=120)
    # Leave: until `away_until` their digest and their clients' questions and alerts go to the
    # colleague `stand_in_id`, who may open those clients' pages meanwhile.
    away_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    stand_in_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("professional.id", ondelete="SET NULL"), nullable=True),
    )
    # On duty: a crisis alert nobody acknowledged in time, or one outside working hours, goes to
    # the organisation's professionals on duty (`duwtje professional duty`).
    on_duty: bool = Field(
        default=False, sa_column=Column(Boolean(), nullable=False, server_default=false())
    )
    # The weekly chat consultation hours (`/spreekuur`): "2 15:00-16:00;4 09:00-09:30", weekday
    # 0 Monday, local time. Questions sent during one are marked for a quick answer.
    consult_hours: str | None = Field(default=None, max_length=120)
    # Where the organisation requires one: the PIN's hash (scrypt, with its salt) and until
    # when the last correct entry holds (the end of that working day).
    pin_hash: str | None = Field(default=None, max_length=200)
    pin_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Client(SQLModel, table=True):
    """A person in a client role. Created only when they agree to the privacy notice."""

    __tablename__ = "client"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_fk("organisation.id", ondelete="RESTRICT"))
    professional_id: int = Field(sa_column=_fk("professional.id", ondelete="RESTRICT"))
    role: str = Field(max_length=20)
    name_enc: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    telegram_user_id: int | None = Field(default=None, sa_column=_telegram_id(unique=True))
    chat_id: int | None = Field(default=None, sa_column=_telegram_id())
    language: str = Field(default="nl", max_length=8)
    preferred_moment: str | None = Field(default=None, max_length=20)
    quiet_hours_start: str | None = Field(default=None, max_length=5)
    quiet_hours_end: str | None = Field(default=None, max_length=5)
    paused_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    status: str = Field(default=ClientStatus.ACTIVE, max_length=20)
    unreachable_since: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    consent_version: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(sa_column=_utc())
    last_activity_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # What the bot waits for this person to type, if anything ("reflection:12:spiegel",
    # "moment", "pause", "item:12:week:3:0"); free text goes there first.
    awaiting: str | None = Field(default=None, max_length=120)
    # The professional said "yes, that is them" for this Telegram account. A link can be
    # forwarded: until then, nothing the client answers is shown to the professional.
    confirmed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # The professional can switch nudges off for one client (they see them face to face).
    nudges_enabled: bool = Field(
        default=True, sa_column=Column(Boolean(), nullable=False, server_default=true())
    )
    # The weekday (0 Monday) they chose for their weekly check-in; None: the day they began.
    checkin_day: int | None = None
    # A pupil under the age rule ([privacy] parent_consent_under): their professional reads
    # their answers only once a linked parent agreed (or the professional recorded that
    # consent was arranged otherwise).
    parent_consent_pending: bool = Field(
        default=False, sa_column=Column(Boolean(), nullable=False, server_default=false())
    )


class Traject(SQLModel, table=True):
    """A client on a learning line, with the step that is waiting for them."""

    __tablename__ = "traject"
    __table_args__ = (
        # The nudge sweep reads only active trajecten that are due; keep that index small.
        Index(
            "ix_traject_due_nudge",
            "next_nudge_at",
            "id",
            sqlite_where=text("status = 'active' AND next_nudge_at IS NOT NULL"),
            postgresql_where=text("status = 'active' AND next_nudge_at IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(sa_column=_fk("client.id"))
    line_key: str = Field(max_length=64)
    # The step that waits for the client (None before the first and after the last). Which
    # steps come, in which order, is the line plus this traject's overrides; which are done is
    # in its replies (services/trajecten.py).
    step_key: str | None = Field(default=None, max_length=64)
    step_sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    status: str = Field(default=TrajectStatus.ACTIVE, max_length=20)
    started_at: datetime = Field(sa_column=_utc())
    finished_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_activity_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    stall_days: int | None = None  # per-client override of the line's threshold
    # The nudge ladder: the last rung sent for this stall (0: none yet, 3: done), when the
    # next is due, what the stall is about (reminders/ladder.py: "step", "meeting") and since
    # when.
    nudge_rung: int = 0
    next_nudge_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    stall_reason: str = Field(
        default="step", sa_column=Column(String(10), nullable=False, server_default="step")
    )
    stall_since: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class TrajectMember(SQLModel, table=True):
    """Someone who takes part in another client's traject: a parent in a pupil's line."""

    __tablename__ = "traject_member"
    __table_args__ = (UniqueConstraint("traject_id", "client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    traject_id: int = Field(sa_column=_fk("traject.id"))
    client_id: int = Field(sa_column=_fk("client.id"))
    relation: str = Field(default="parent", max_length=20)
    created_at: datetime = Field(sa_column=_utc())


class TrajectCheckin(SQLModel, table=True):
    """A check-in that comes back (`every_days`): when it is next due, and how often it came."""

    __tablename__ = "traject_checkin"
    __table_args__ = (
        UniqueConstraint("traject_id", "step_key"),
        Index("ix_traject_checkin_due", "next_at"),
        Index("ix_traject_checkin_remind", "remind_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    traject_id: int = Field(sa_column=_fk("traject.id"))
    step_key: str = Field(max_length=64)
    next_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    sent_count: int = 0
    # One gentle reminder when the last one was not answered by then (None: none due).
    remind_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class TrajectOverride(SQLModel, table=True):
    """A change to the line for one traject only: a step added, changed, skipped or moved."""

    __tablename__ = "traject_override"

    id: int | None = Field(default=None, primary_key=True)
    traject_id: int = Field(sa_column=_fk("traject.id"))
    action: str = Field(max_length=10)  # add, change, skip, move
    step_key: str = Field(max_length=64)
    after_key: str | None = Field(default=None, max_length=64)  # add/move: after this step
    # add: the step itself (JSON, as in a line file); change: the new texts. Encrypted: a
    # professional writes it for one client.
    data_enc: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    created_at: datetime = Field(sa_column=_utc())
    created_by: str = Field(default="administrator", max_length=40)


class NudgeKind(StrEnum):
    LADDER = "ladder"  # a rung of the nudge ladder
    WELCOME = "welcome"  # the first school day after a holiday
    CHECKIN = "checkin"  # a check-in that came on its schedule
    REMINDER = "reminder"  # the one gentle reminder of a check-in not answered
    PROFESSIONAL = "professional"  # "nudge now" by their professional: not automatic


# What counts against the caps (reminders/caps.py): everything Duwtje sends on its own accord.
AUTOMATIC_NUDGES = (NudgeKind.LADDER, NudgeKind.WELCOME, NudgeKind.CHECKIN, NudgeKind.REMINDER)


class Nudge(SQLModel, table=True):
    """Every message that reached (or will reach) a client without them asking: for the caps,
    for "never the same text twice", and for the effect (followed: they did something within
    48 hours). Holds no text, only which one (`text_id`, "2.4": rung 2, its fifth text)."""

    __tablename__ = "nudge"
    __table_args__ = (Index("ix_nudge_client_due", "client_id", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(
        sa_column=Column(ForeignKey("client.id", ondelete="CASCADE"), nullable=False)
    )
    # No foreign key: a traject goes only with its client, whose key takes these rows along,
    # and a sweep writes ten thousand of them (bench/enqueue.py).
    traject_id: int | None = None
    kind: str = Field(max_length=20)
    rung: int = 0
    text_id: str | None = Field(default=None, max_length=10)
    due_at: datetime = Field(sa_column=_utc())  # when it goes (now, or the end of quiet hours)
    followed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Reply(SQLModel, table=True):
    """Everything a client answered or wrote. Free text only ever encrypted."""

    __tablename__ = "reply"
    __table_args__ = (
        # With the kind, so the digest counts what came since the last one from the index alone.
        Index("ix_reply_client_created_kind", "client_id", "created_at", "kind"),
        # A client's check-in scores and crisis messages, for the digest and the overview; with
        # the value, so the digest's trend lines read the index alone (a client's rows lie all
        # over the table, one page each).
        Index("ix_reply_client_kind_created_value", "client_id", "kind", "created_at", "value"),
        Index("ix_reply_traject_step", "traject_id", "step_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(
        sa_column=Column(ForeignKey("client.id", ondelete="CASCADE"), nullable=False)
    )
    traject_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("traject.id", ondelete="CASCADE"), nullable=True)
    )
    step_key: str | None = Field(default=None, max_length=64)  # the step it answers
    item_key: str | None = Field(default=None, max_length=64)  # the check-in question it answers
    occurrence: int | None = None  # which time a recurring check-in came (1, 2, ...)
    # done, choice, scale, text, reflection, checkin, note, question, voice, photo, crisis
    kind: str = Field(max_length=20)
    value: str | None = Field(default=None, max_length=64)  # a choice key or a score
    text_enc: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    media_enc: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    # A photo or voice note: Telegram's file id ("photo:<id>"), encrypted, so a question that
    # came with one can be relayed with it.
    file_enc: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    asked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))  # sent
    created_at: datetime = Field(sa_column=_utc())  # answered


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Question(SQLModel, table=True):
    """Free text a client chose to send to their professional. The text stays in its Reply."""

    __tablename__ = "question"
    __table_args__ = (
        # Open questions are few: the caseload counts them per client, the digest lists a
        # professional's oldest first, neither reading the years of answered ones.
        Index(
            "ix_question_open_client",
            "client_id",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index(
            "ix_question_open_professional",
            "professional_id",
            "asked_at",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(sa_column=_fk("client.id"))
    professional_id: int = Field(sa_column=_fk("professional.id", ondelete="RESTRICT"))
    reply_id: int = Field(sa_column=_fk("reply.id"))
    status: str = Field(default=QuestionStatus.OPEN, max_length=20)
    asked_at: datetime = Field(sa_column=_utc())
    answered_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    answer_enc: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    # Sent during the professional's chat consultation hour: they answer it quickly.
    quick: bool = Field(
        default=False, sa_column=Column(Boolean(), nullable=False, server_default=false())
    )


class Alert(SQLModel, table=True):
    """A crisis message's alert to a professional: acknowledged ("Ik neem contact op"), or,
    when nobody did in time or it came outside working hours, escalated to who is on duty."""

    __tablename__ = "alert"
    __table_args__ = (
        # The sweep's question: which alerts are due to escalate? Few at any time.
        Index(
            "ix_alert_escalate",
            "escalate_at",
            sqlite_where=text("acknowledged_at IS NULL AND escalated_at IS NULL"),
            postgresql_where=text("acknowledged_at IS NULL AND escalated_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(sa_column=_fk("client.id"))
    reply_id: int = Field(sa_column=_fk("reply.id"))
    professional_id: int = Field(sa_column=_fk("professional.id", ondelete="RESTRICT"))
    created_at: datetime = Field(sa_column=_utc())
    escalate_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    escalated_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    acknowledged_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    acknowledged_by: int | None = None  # a professional's id


class AppointmentKind(StrEnum):
    CALL = "call"
    VIDEO = "video"
    VISIT = "visit"  # face to face
    CHAT = "chat"  # a slot in the chat consultation hour


class AppointmentStatus(StrEnum):
    REQUESTED = "requested"  # the client chose a moment; the professional answers
    PROPOSED = "proposed"  # the professional proposed another moment; the client answers
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Appointment(SQLModel, table=True):
    """A call, video call, meeting or consultation slot a client asked for with `/afspraak`.
    Once confirmed it is a planned Meeting too (the digest shows it; held, it starts "since the
    last meeting")."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index(
            "ix_appointment_remind",
            "remind_at",
            sqlite_where=text("remind_at IS NOT NULL"),
            postgresql_where=text("remind_at IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(sa_column=_fk("client.id"))
    professional_id: int = Field(sa_column=_fk("professional.id", ondelete="RESTRICT"))
    kind: str = Field(max_length=20)
    status: str = Field(default=AppointmentStatus.REQUESTED, max_length=20)
    starts_at: datetime = Field(sa_column=_utc())
    created_at: datetime = Field(sa_column=_utc())
    note_enc: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    remind_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    meeting_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("meeting.id", ondelete="SET NULL"), nullable=True),
    )


class Meeting(SQLModel, table=True):
    """A face-to-face (or video) meeting with a client: planned (it shows in the digest), and
    held ("since the last meeting" starts there)."""

    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_client_held", "client_id", "held_at"),
        Index("ix_meeting_professional_planned", "professional_id", "planned_for"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(sa_column=_fk("client.id"))
    professional_id: int = Field(sa_column=_fk("professional.id", ondelete="RESTRICT"))
    planned_for: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    held_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Feedback(SQLModel, table=True):
    """A professional's short reaction to one of a client's answers, sent to the client."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    reply_id: int = Field(sa_column=_fk("reply.id"))
    professional_id: int = Field(sa_column=_fk("professional.id", ondelete="RESTRICT"))
    text_enc: str = Field(sa_column=Column(Text(), nullable=False))
    created_at: datetime = Field(sa_column=_utc())


class OutboxMessage(SQLModel, table=True):
    """One message to send. The only way anything leaves the bot (see bot/sender.py)."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "priority",
            "due_at",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # The digest's "may not have arrived" (storage/digests.py: in_doubt): such rows are
        # few, so the index is tiny, and a message on its usual way (pending, sending, sent)
        # never touches it.
        Index(
            "ix_outbox_in_doubt",
            "created_at",
            sqlite_where=text(_IN_DOUBT_WHERE),
            postgresql_where=text(_IN_DOUBT_WHERE),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    chat_id: int = Field(sa_column=_telegram_id(nullable=False))
    recipient_kind: str = Field(max_length=20)
    recipient_id: int | None = None
    kind: str = Field(max_length=40)  # template family: consent, exercise, nudge, digest, ...
    # 0 answers someone who is waiting, 5 personal notices, 9 bulk (nudges, digests).
    priority: int = 5
    personal: bool = True  # an ambiguous failure of a personal message is never resent blindly
    payload_enc: str = Field(sa_column=Column(Text(), nullable=False))
    due_at: datetime = Field(sa_column=_utc())
    status: str = Field(default=OutboxStatus.PENDING, max_length=20)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    telegram_message_id: int | None = Field(default=None, sa_column=_telegram_id())
    created_at: datetime = Field(sa_column=_utc())
    claimed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    claimed_by: str | None = Field(default=None, max_length=80)  # the sender process (lease)
    # Set just before the request goes to Telegram: a row left `sending` without it was never
    # attempted (safe to send); with it, Telegram may have it (the ambiguous rule applies).
    attempted_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Invite(SQLModel, table=True):
    """A one-time deep link. Only the SHA-256 of the token is kept."""

    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_fk("organisation.id", ondelete="RESTRICT"))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    role: str = Field(max_length=20)
    professional_id: int | None = Field(
        default=None, sa_column=_fk("professional.id", nullable=True)
    )
    line_key: str | None = Field(default=None, max_length=64)
    # A pupil under the age rule: a parent's agreement is needed (see Client).
    parent_consent: bool = Field(
        default=False, sa_column=Column(Boolean(), nullable=False, server_default=false())
    )
    traject_id: int | None = Field(default=None, sa_column=_fk("traject.id", nullable=True))
    # A "new phone" link: whoever opens it becomes this client (their traject moves along).
    client_id: int | None = Field(default=None, sa_column=_fk("client.id", nullable=True))
    # A peer group's link to the carer line (its welcome offers it): open to every member, so
    # it is not used up; the professional confirms each who joins; it goes with the group.
    group_id: int | None = Field(default=None, sa_column=_fk("peer_group.id", nullable=True))
    name_enc: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    used_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class ConsentRecord(SQLModel, table=True):
    __tablename__ = "consent_record"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(sa_column=_fk("client.id"))
    notice_version: str = Field(max_length=20)
    given_by: str = Field(default="self", max_length=20)  # self or parent
    agreed_at: datetime = Field(sa_column=_utc())
    withdrawn_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class AuditEntry(SQLModel, table=True):
    """Who viewed, exported, changed or erased what. Never personal text."""

    __tablename__ = "audit_entry"
    # `duwtje audit --client`: one person's trail, in time order.
    __table_args__ = (Index("ix_audit_subject", "subject_kind", "subject_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc(index=True))
    actor_kind: str = Field(max_length=20)  # administrator, professional, client, system
    actor_id: int | None = None
    action: str = Field(max_length=40)
    subject_kind: str | None = Field(default=None, max_length=20)
    subject_id: int | None = None
    detail: str | None = Field(default=None, max_length=200)


class Departure(SQLModel, table=True):
    """What reports may still count of someone who had everything erased: no id of theirs, no
    name, no text; a month, a role, a line and a few counts."""

    __tablename__ = "departure"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=_fk("organisation.id", ondelete="RESTRICT"))
    role: str = Field(max_length=20)
    line_key: str | None = Field(default=None, max_length=64)  # a line we ship, or none
    joined_month: date = Field(sa_column=Column(Date(), nullable=False))  # the 1st of it
    left_on: date = Field(sa_column=Column(Date(), nullable=False))
    steps_done: int = 0
    questions: int = 0
    nudges: int = 0
    nudges_followed: int = 0


class Lease(SQLModel, table=True):
    """Who sweeps and sends now. Several processes take updates; one at a time holds this, so
    one pacer keeps Telegram's per-bot limits. A holder that stops renewing loses it."""

    __tablename__ = "lease"

    name: str = Field(sa_column=Column(String(40), primary_key=True))
    holder: str = Field(max_length=80)
    expires_at: datetime = Field(sa_column=_utc())
    acquired_at: datetime = Field(sa_column=_utc())


class ProcessedUpdate(SQLModel, table=True):
    """Update ids already handled: a redelivered update has no second effect."""

    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    processed_at: datetime = Field(sa_column=_utc(index=True))


class InboundUpdate(SQLModel, table=True):
    """A webhook update stored before we answer 200, so a crash cannot lose it."""

    __tablename__ = "inbound_update"

    update_id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    payload_enc: str = Field(sa_column=Column(Text(), nullable=False))
    received_at: datetime = Field(sa_column=_utc())


class GroupStatus(StrEnum):
    PENDING = "pending"  # the bot was added, nobody linked it yet: it leaves at `leave_at`
    ACTIVE = "active"
    INACTIVE = "inactive"  # the bot was removed or may not send: nothing goes to it


class PeerGroup(SQLModel, table=True):
    """A Telegram group of carers that a professional runs (services/groups.py). Nothing about
    its members is kept: the group is the chat, its rhythm and its meetings."""

    __tablename__ = "peer_group"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_telegram_id(nullable=False, unique=True))
    status: str = Field(default=GroupStatus.PENDING, max_length=20)
    organisation_id: int | None = Field(
        default=None, sa_column=_fk("organisation.id", nullable=True)
    )
    professional_id: int | None = Field(
        default=None, sa_column=_fk("professional.id", nullable=True)
    )
    language: str = Field(default="nl", max_length=8)
    title_enc: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    # The carer line's link for its members (Invite.group_id), encrypted: the welcome shows it.
    join_token_enc: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    created_at: datetime = Field(sa_column=_utc())
    linked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    leave_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    inactive_since: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    inactive_reason: str | None = Field(default=None, max_length=20)  # removed, rights, gone
    # The professional heard it went inactive (the sweep tells them: services/groups.py).
    inactive_told_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_welcome_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # The rhythm the professional chose: a conversation starter on a weekday (0 Monday, None:
    # off), encouragement every N days (0: off), the "how heavy was the week" poll on a weekday.
    prompt_day: int | None = None
    encourage_days: int = 0
    poll_day: int | None = None
    next_prompt_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    next_encourage_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    next_poll_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_post_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    posts: int = 0  # how many prompts and encouragements went: the variety's seed
    # How many people are in the group besides the bot (Telegram's count, asked when it is linked
    # and when someone joins or leaves): the report's "members". None: not known yet.
    members: int | None = None


class GroupLinkCode(SQLModel, table=True):
    """A one-time code (`/nieuwegroep`) a professional types in a group (`/koppel CODE`).
    Only its SHA-256 is kept; it is deleted when used or expired."""

    __tablename__ = "group_link_code"

    id: int | None = Field(default=None, primary_key=True)
    professional_id: int = Field(sa_column=_fk("professional.id"))
    code_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())


class GroupMeetingStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"  # its time went by (the feedback poll follows)
    CANCELLED = "cancelled"


class GroupMeeting(SQLModel, table=True):
    """An online meeting of a peer group: announced, reminded the day before and an hour
    before, counted ("wie komt er?"), asked about afterwards. A recurring one makes its next
    occurrence when it is over."""

    __tablename__ = "group_meeting"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("peer_group.id"))
    starts_at: datetime = Field(sa_column=_utc())
    minutes: int = 90
    link: str = Field(max_length=500)
    repeat_days: int = 0  # 0 once, 7 weekly, 14 every two weeks
    status: str = Field(default=GroupMeetingStatus.PLANNED, max_length=20)
    announce_at: datetime = Field(sa_column=_utc())
    announced_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    day_reminded_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    hour_reminded_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    coming: int = 0
    not_coming: int = 0
    created_at: datetime = Field(sa_column=_utc())


class GroupRsvp(SQLModel, table=True):
    """One member's "ik kom" or "ik kom niet", under a pseudonym (a keyed hash of their
    Telegram id, see storage/crypto.py), so a second press changes the count instead of adding
    to it. Deleted when the meeting is over; the counts stay on the meeting."""

    __tablename__ = "group_rsvp"
    __table_args__ = (UniqueConstraint("meeting_id", "member"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(sa_column=_fk("group_meeting.id"))
    member: str = Field(max_length=64)
    coming: bool = Field(sa_column=Column(Boolean(), nullable=False))


class GroupPollKind(StrEnum):
    WEEK = "week"  # how heavy was the week
    MEETING = "meeting"  # how was the meeting


class GroupPoll(SQLModel, table=True):
    """An anonymous Telegram poll in a group. Only the totals are kept (Telegram sends them
    as the poll changes); the professional sees them in the digest."""

    __tablename__ = "group_poll"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("peer_group.id"))
    meeting_id: int | None = Field(default=None, sa_column=_fk("group_meeting.id", nullable=True))
    kind: str = Field(max_length=20)
    outbox_key: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    telegram_poll_id: str | None = Field(
        default=None, sa_column=Column(String(64), nullable=True, unique=True)
    )
    message_id: int | None = Field(default=None, sa_column=_telegram_id())
    counts: str = Field(default="[]", max_length=200)  # JSON: voters per option
    voters: int = 0
    created_at: datetime = Field(sa_column=_utc())
    closes_at: datetime = Field(sa_column=_utc())
    closed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
