"""Our own record of each screening, next to Rasa's tracker store, through SQLAlchemy.

The action server writes here on every answer, so the screening can be read
from another process (`python -m bot screening SENDER_ID`) while the
conversation is still open. Nothing is written before the volunteer consents.
"""
from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import (JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        create_engine, event, false, inspect, select, text)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker

from bot import config
from bot.conversation import State
from bot.protocol import Protocol

Base = declarative_base()


def now() -> dt.datetime:
    """UTC, naive: the same on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Screening(Base):
    __tablename__ = "screenings"
    # The review app's screenings page: newest first a page at a time, and counts per verdict (issue 17).
    __table_args__ = (Index("ix_screenings_started_at", "started_at"),
                      Index("ix_screenings_verdict", "verdict", "trial_id", "updated_at"))

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, unique=True)
    trial_id = Column(String(64), nullable=False)
    protocol_version = Column(Integer, nullable=False)
    status = Column(String(32), nullable=False)  # in_progress | stopped | complete
    current_criterion = Column(String(64))
    verdict = Column(String(32))
    started_at = Column(DateTime, nullable=False, default=now)
    updated_at = Column(DateTime, nullable=False, default=now)
    completed_at = Column(DateTime)
    # The site's trials screened in this conversation besides trial_id, each with its verdict (null while open):
    # null when only trial_id was screened (issue 18, bot/matching.py).
    trials = Column(JSON)
    answers = relationship("ScreeningAnswer", back_populates="screening", cascade="all, delete-orphan",
                           order_by="ScreeningAnswer.id")


class ScreeningAnswer(Base):
    __tablename__ = "screening_answers"
    __table_args__ = (UniqueConstraint("screening_id", "criterion_id"),)

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), nullable=False)
    criterion_id = Column(String(64), nullable=False)
    answer = Column(JSON, nullable=False)  # "yes" | "no" | "not_sure" | a number
    text = Column(Text, nullable=False)  # the volunteer's own words
    answered_at = Column(DateTime, nullable=False, default=now)
    screening = relationship("Screening", back_populates="answers")


def engine() -> Engine:
    """The engine for BOT_DATABASE_URL, created once per process and URL, with our tables migrated."""
    return _engine(config.database_url())


class Referral(Base):
    """A volunteer who may qualify and agreed to be contacted: a snapshot for the study team."""

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("sender_id", "trial_id"),
        # Every column the review app's inbox filters, searches, counts and sorts by (bot/review/queue.py), so
        # that it reads this index and not the rows: on SQLite the answers (about 10 KB a referral) sit in the
        # row before the contact details and the status, and a scan of 10,000 referrals took 70 ms (issue 17).
        Index("ix_referrals_queue", "status", "trial_id", "created_at", "verdict", "language", "sender_id",
              "reference", "contact_name", "contact_email", "contact_phone"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(32), nullable=False, unique=True)
    sender_id = Column(String(255), nullable=False)
    trial_id = Column(String(64), nullable=False)
    protocol_version = Column(Integer, nullable=False)
    verdict = Column(String(32), nullable=False)
    flags = Column(JSON, nullable=False)  # criteria answered Not sure
    doctor_checklist = Column(JSON, nullable=False)
    answers = Column(JSON, nullable=False)  # every answer with the criterion, the question and own words
    contact_name = Column(Text, nullable=False)
    contact_email = Column(Text)
    contact_phone = Column(String(32))
    contact_preferred_way = Column(String(16), nullable=False)
    contact_preferred_time = Column(Text)
    # The language the volunteer was screened in (bot/i18n.py): the questions in `answers` are as asked in it.
    language = Column(String(8), nullable=False, default="en", server_default="en")
    status = Column(String(32), nullable=False, default="new")
    # Why it ended as it did, when its status takes a reason (bot/review/workflow.py): the criterion's id for
    # not_eligible, a coded reason for declined and withdrew; NULL otherwise.
    status_reason = Column(String(64))
    created_at = Column(DateTime, nullable=False, default=now)
    outbox = relationship("OutboxMessage", back_populates="referral", uselist=False, cascade="all, delete-orphan")


class OtherStudiesContact(Base):
    """A volunteer this trial does not suit agreed that the site may contact them about its other studies: a
    consent of its own, not a referral for the trial (bot/other_studies.py). Only what reaching them needs:
    no answer to any question. Kept for OTHER_STUDIES_RETENTION_DAYS (bot/retention.py), or until erased."""

    __tablename__ = "other_studies_contacts"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, unique=True)
    trial_id = Column(String(64), nullable=False)  # the trial they were screened for, which says the condition
    site = Column(Text, nullable=False)
    language = Column(String(8), nullable=False)
    contact_name = Column(Text, nullable=False)
    contact_email = Column(Text)
    contact_phone = Column(String(32))
    contact_preferred_way = Column(String(16), nullable=False)
    contact_preferred_time = Column(Text)
    created_at = Column(DateTime, nullable=False, default=now)


class OutboxMessage(Base):
    """A referral waiting to reach the study team's webhook. Written in the referral's transaction."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    # NULL for an erasure notice, which outlives the referral it is about.
    referral_id = Column(Integer, ForeignKey("referrals.id", ondelete="CASCADE"), unique=True)
    webhook_id = Column(String(64), nullable=False, unique=True)  # the same on every retry
    body = Column(Text, nullable=False)  # the exact JSON sent, so every retry signs the same bytes
    state = Column(String(16), nullable=False, default="pending")  # pending | delivered | failed
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False, default=now)
    leased_until = Column(DateTime)  # a relay is sending it; another waits until then
    last_error = Column(Text)
    delivered_at = Column(DateTime)
    created_at = Column(DateTime, nullable=False, default=now)
    referral = relationship("Referral", back_populates="outbox")


class CallbackReply(Base):
    """A bot message for the `callback` channel (an SMS gateway) that is waiting to reach CALLBACK_URL, or
    that could not (bot/callbacks.py). Written after the turn is stored; deleted once delivered. Replies to
    one conversation go out in `id` order. A reply given up on keeps no text: only that it failed, for staff."""

    __tablename__ = "callback_replies"

    id = Column(Integer, primary_key=True)
    recipient_id = Column(String(255), nullable=False, index=True)  # the conversation's sender id
    body = Column(Text)  # the exact JSON posted to the gateway; NULL once given up or cancelled
    # pending | failed | cancelled (the number opted out with STOP before it was sent: never sent)
    state = Column(String(16), nullable=False, default="pending")
    # turn: a reply of the conversation; keyword: the answer to a carrier keyword (STOP's confirmation, HELP),
    # the only kind sent to a number that opted out (bot/carrier.py)
    kind = Column(String(16), nullable=False, default="turn", server_default="turn")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False, default=now)
    leased_until = Column(DateTime)  # a sender holds it; another waits until then
    last_error = Column(String(80))  # "could not connect", "timed out", "HTTP 503": never the gateway's answer
    created_at = Column(DateTime, nullable=False, default=now)
    failed_at = Column(DateTime)  # given up, or cancelled


class SmsOptOut(Base):
    """An SMS number that opted out with a carrier keyword (STOP, UNSUBSCRIBE, 退订, ...: bot/carrier.py): nothing
    but the answer to a keyword is sent to it until it sends START. Keyed by the conversation id (the number's
    HMAC, bot/senders.py), never the number. A record that the number must not be messaged, holding no health
    data: erasure and retention keep it."""

    __tablename__ = "sms_opt_outs"

    sender_id = Column(String(255), primary_key=True)
    keyword = Column(String(16), nullable=False)  # the keyword it sent, as listed in bot/carrier.py
    opted_out_at = Column(DateTime, nullable=False, default=now)


class WeChatMessage(Base):
    """A WeChat message lately answered or being answered (bot/wechat.py), so that WeChat's retries of it run no
    second turn and get the same answer. Neither the OpenID nor the MsgId is stored, only an HMAC of both."""

    __tablename__ = "wechat_messages"

    key = Column(String(64), primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)  # the conversation's id (wx-...), for erasure
    received_at = Column(DateTime, nullable=False, index=True)
    reply = Column(Text)  # NULL while its turn runs; then the reply's text, kept for bot.wechat.REPLY_SECONDS; then ""


ROLES = ("coordinator", "admin")  # coordinator: works referrals; admin: also manages users and reads the audit log


class StaffUser(Base):
    """A member of the study team who may log in to the review app, as a coordinator or an admin."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(80), nullable=False, unique=True)
    password_hash = Column(Text, nullable=False)  # argon2id
    created_at = Column(DateTime, nullable=False, default=now)
    # `python -m bot users disable NAME`: no login, and the user's open sessions stop working.
    disabled = Column(Boolean, nullable=False, default=False, server_default=false())
    # Every session cookie carries the generation it was issued in; logging out, a new password and
    # disabling add one, so every cookie issued before stops working (bot/review checks it on each request).
    session_generation = Column(Integer, nullable=False, default=0, server_default="0")
    role = Column(String(16), nullable=False, default="coordinator", server_default="coordinator")  # ROLES
    # A temporary password an admin had the app make (bot/review/admin.py): it must be replaced at the next login.
    must_change_password = Column(Boolean, nullable=False, default=False, server_default=false())
    # The trials whose referrals and screenings a coordinator sees (a list of trial ids); null: every trial.
    # Admins see every trial. (issue 18: a study team's coordinator never sees another team's referrals)
    trials = Column(JSON)


class LoginThrottle(Base):
    """Failed logins in a row for a user name, and the lockout they led to (bot/review).

    Kept for any name tried, existing or not, so that a lockout tells nothing about which names exist.
    A row goes when its name logs in, when an administrator enables the user, or once it is stale."""

    __tablename__ = "login_throttle"

    username = Column(String(80), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)  # since the last lockout or successful login
    last_failure_at = Column(DateTime, nullable=False, default=now)
    locked_until = Column(DateTime)


class ReferralChange(Base):
    """A status change or note on a referral, with who made it: the referral's history."""

    __tablename__ = "referral_changes"
    # A referral's latest change, for the inbox's "most recent activity" (issue 17).
    __table_args__ = (Index("ix_referral_changes_activity", "referral_id", "at"),)

    id = Column(Integer, primary_key=True)
    referral_id = Column(Integer, ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(DateTime, nullable=False, default=now)
    by = Column(String(80), nullable=False)
    from_status = Column(String(32), nullable=False)
    to_status = Column(String(32), nullable=False)
    reason = Column(String(64))  # the coded reason the move took (bot/review/workflow.py), if any
    note = Column(Text, nullable=False, default="")


class ContactAttempt(Base):
    """A coordinator's attempt to reach a referred volunteer (bot/review/attempts.py): numbered 1, 2, 3... per
    referral, with the channel, when it happened, its outcome and a note, and who logged it."""

    __tablename__ = "contact_attempts"
    __table_args__ = (UniqueConstraint("referral_id", "number"),)

    id = Column(Integer, primary_key=True)
    referral_id = Column(Integer, ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False)
    number = Column(Integer, nullable=False)
    channel = Column(String(16), nullable=False)  # phone | sms | email | wechat | in_person
    at = Column(DateTime, nullable=False, default=now)  # when it happened (UTC), as the coordinator gave it
    outcome = Column(String(16), nullable=False)  # no_answer | left_message | reached | wrong_number
    note = Column(Text, nullable=False, default="")
    by = Column(String(80), nullable=False)
    logged_at = Column(DateTime, nullable=False, default=now)


class AuditEntry(Base):
    """Who opened or changed which record, and when. Holds no health data."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=now, index=True)
    username = Column(String(80), nullable=False)
    action = Column(String(40), nullable=False)  # e.g. view_referral, change_status, export_csv, login
    record = Column(String(80), nullable=False, default="")  # e.g. "referral RF-7K3Q-9X2M"


@lru_cache(maxsize=None)
def plain_engine(url: str) -> Engine:
    """The engine for this URL with our connection settings, and nothing done to the schema."""
    if url.startswith("sqlite"):
        config.VAR_DIR.mkdir(parents=True, exist_ok=True)
        created = create_engine(url, future=True, connect_args={"timeout": 30})

        @event.listens_for(created, "connect")
        def _sqlite_pragmas(connection, _record):  # Rasa and the action server share the file
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")  # erased data is overwritten in the file, not just unlinked
            cursor.close()
    else:
        created = create_engine(url, future=True, pool_pre_ping=True)
    return created


@lru_cache(maxsize=None)
def _engine(url: str) -> Engine:
    migrate(url)
    return plain_engine(url)


MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema that `create_all` made before there were migrations


def alembic_config(url: str):
    from alembic.config import Config

    settings = Config()
    settings.set_main_option("script_location", str(MIGRATIONS_DIR))
    settings.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return settings


ADVISORY_LOCK = 8_004_143_984  # any fixed number (bot/migrations/env.py takes the same lock)


def migrate(url: Optional[str] = None) -> str:
    """Bring our tables to the newest migration (bot/migrations) and return its revision.

    `python -m bot run` (and `make setup`) call this before any server starts; every process
    calls it again when it first opens the database, which costs a few queries when nothing is due.
    A database made before there were migrations (tables, no `alembic_version`) is stamped as
    the baseline first, keeping its rows.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    url = url or config.database_url()
    settings = alembic_config(url)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # not "Context impl SQLiteImpl" in every server's log
    with plain_engine(url).begin() as connection:
        if connection.dialect.name == "postgresql":  # one migrator at a time; the others then find nothing to do
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
        settings.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "screenings" in tables and "alembic_version" not in tables:
            command.stamp(settings, BASELINE)
        if MigrationContext.configure(connection).get_current_revision() != head_revision():
            command.upgrade(settings, "head")
        return MigrationContext.configure(connection).get_current_revision()


@lru_cache(maxsize=None)
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    session = sessionmaker(bind=engine(), future=True, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _status(state: State) -> str:
    if state.verdict:
        return "complete"
    return "in_progress" if state.current else "stopped"


class ScreeningFrozen(Exception):
    """The screening backs a referral already sent to the study team: it stays as it was sent."""


def save_screening(sender_id: str, protocol: Protocol, state: State) -> None:
    """Store the screening as the state now stands. Only after consent."""
    with unit_of_work() as session:
        write_screening(session, sender_id, protocol, state)


def write_screening(session: Session, sender_id: str, protocol: Protocol, state: State) -> None:
    """save_screening inside the caller's transaction (bot.referrals writes a referral and the screening it is
    made from together).

    Once a referral of this conversation exists, the screening backs what the study team was sent: a
    change to its answers, verdict or status raises ScreeningFrozen instead of being written, so the two
    never disagree. (The conversation core refuses such changes first; this is the last line.)"""
    if not state.consent:
        raise ValueError("a screening is stored only after the volunteer consents")
    stamp = now()
    row = session.execute(select(Screening).where(Screening.sender_id == sender_id)).scalar_one_or_none()
    if row is not None and _changes(row, protocol, state) and session.execute(
            select(Referral.id).where(Referral.sender_id == sender_id)).first() is not None:
        raise ScreeningFrozen("this screening backs a referral already sent: it stays as it was sent")
    if row is None:
        row = Screening(sender_id=sender_id, started_at=stamp)
        session.add(row)
    row.trial_id = protocol.trial_id
    row.protocol_version = protocol.version
    row.status = _status(state)
    row.current_criterion = state.current
    if state.verdict and state.verdict != row.verdict:
        row.completed_at = stamp
    row.verdict = state.verdict
    row.trials = dict(state.trial_verdicts) or None
    row.updated_at = stamp
    stored = {a.criterion_id: a for a in row.answers}
    for criterion_id, recorded in state.answers.items():
        existing = stored.pop(criterion_id, None)
        if existing is None:
            row.answers.append(ScreeningAnswer(criterion_id=criterion_id, answer=recorded.answer,
                                               text=recorded.text, answered_at=stamp))
        elif (existing.answer, existing.text) != (recorded.answer, recorded.text):
            existing.answer, existing.text, existing.answered_at = recorded.answer, recorded.text, stamp
    for cleared in stored.values():
        row.answers.remove(cleared)


def _changes(row: Screening, protocol: Protocol, state: State) -> bool:
    """Whether writing `state` would change what the stored screening says (not just when it was saved)."""
    return ((row.trial_id, row.protocol_version, row.status, row.current_criterion, row.verdict, row.trials or {})
            != (protocol.trial_id, protocol.version, _status(state), state.current, state.verdict,
                dict(state.trial_verdicts))
            or {a.criterion_id: (a.answer, a.text) for a in row.answers}
            != {cid: (a.answer, a.text) for cid, a in state.answers.items()})


def iso(value: Optional[dt.datetime]) -> Optional[str]:
    return value.isoformat() + "Z" if value else None


def get_screening(sender_id: str) -> Optional[dict]:
    with unit_of_work() as session:
        row = session.execute(select(Screening).where(Screening.sender_id == sender_id)).scalar_one_or_none()
        if row is None:
            return None
        return {
            "sender_id": row.sender_id,
            "trial_id": row.trial_id,
            "protocol_version": row.protocol_version,
            "status": row.status,
            "current_criterion": row.current_criterion,
            "verdict": row.verdict,
            "started_at": iso(row.started_at),
            "updated_at": iso(row.updated_at),
            "completed_at": iso(row.completed_at),
            "answers": {a.criterion_id: {"answer": a.answer, "text": a.text, "answered_at": iso(a.answered_at)}
                        for a in row.answers},
            "trials": _trial_results(row),
        }


def _trial_results(row: Screening) -> dict:
    """Every trial screened in the conversation: {trial_id: {"verdict", "reasons", "not_sure"}}, read from the
    stored answers with each trial's own protocol (the trial it was started for first). A trial whose protocol
    file is gone keeps the verdict stored for it."""
    from bot.protocol import ProtocolError, load_protocol
    from bot.screening import RecordedAnswer, evaluate

    answers = {a.criterion_id: RecordedAnswer(a.answer, a.text) for a in row.answers}
    results = {}
    for trial_id in [row.trial_id] + [t for t in (row.trials or {}) if t != row.trial_id]:
        stored = row.verdict if trial_id == row.trial_id else (row.trials or {}).get(trial_id)
        try:
            result = evaluate(load_protocol(trial_id, for_screening=False), answers)
        except ProtocolError:
            results[trial_id] = {"verdict": stored, "reasons": [], "not_sure": []}
            continue
        results[trial_id] = {"verdict": stored if stored is not None or trial_id == row.trial_id else result.verdict,
                             "reasons": [result.ruled_out_by] if result.ruled_out_by else [],
                             "not_sure": list(result.not_sure)}
    return results
