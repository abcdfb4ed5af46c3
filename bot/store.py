"""Our own record of each screening, next to Rasa's tracker store, through SQLAlchemy.

The action server writes here on every answer, so the screening can be read
from another process (`python -m bot screening SENDER_ID`) while the
conversation is still open. Nothing is written before the volunteer consents.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator, Optional

from sqlalchemy import (JSON, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine,
                        event, select)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker

from bot import config
from bot.conversation import State
from bot.protocol import Protocol

Base = declarative_base()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Screening(Base):
    __tablename__ = "screenings"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, unique=True)
    trial_id = Column(String(64), nullable=False)
    protocol_version = Column(Integer, nullable=False)
    status = Column(String(32), nullable=False)  # in_progress | stopped | complete
    current_criterion = Column(String(64))
    verdict = Column(String(32))
    started_at = Column(DateTime, nullable=False, default=_now)
    updated_at = Column(DateTime, nullable=False, default=_now)
    completed_at = Column(DateTime)
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
    answered_at = Column(DateTime, nullable=False, default=_now)
    screening = relationship("Screening", back_populates="answers")


def engine() -> Engine:
    """The engine for BOT_DATABASE_URL, created (with our tables) once per process and URL."""
    return _engine(config.database_url())


@lru_cache(maxsize=None)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        config.VAR_DIR.mkdir(parents=True, exist_ok=True)
        created = create_engine(url, future=True, connect_args={"timeout": 30})

        @event.listens_for(created, "connect")
        def _sqlite_pragmas(connection, _record):  # Rasa and the action server share the file
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    else:
        created = create_engine(url, future=True, pool_pre_ping=True)
    Base.metadata.create_all(created)
    return created


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


def save_screening(sender_id: str, protocol: Protocol, state: State) -> None:
    """Store the screening as the state now stands. Only after consent."""
    if not state.consent:
        raise ValueError("a screening is stored only after the volunteer consents")
    now = _now()
    with unit_of_work() as session:
        row = session.execute(select(Screening).where(Screening.sender_id == sender_id)).scalar_one_or_none()
        if row is None:
            row = Screening(sender_id=sender_id, started_at=now)
            session.add(row)
        row.trial_id = protocol.trial_id
        row.protocol_version = protocol.version
        row.status = _status(state)
        row.current_criterion = state.current
        if state.verdict and state.verdict != row.verdict:
            row.completed_at = now
        row.verdict = state.verdict
        row.updated_at = now
        stored = {a.criterion_id: a for a in row.answers}
        for criterion_id, recorded in state.answers.items():
            existing = stored.pop(criterion_id, None)
            if existing is None:
                row.answers.append(ScreeningAnswer(criterion_id=criterion_id, answer=recorded.answer,
                                                   text=recorded.text, answered_at=now))
            elif (existing.answer, existing.text) != (recorded.answer, recorded.text):
                existing.answer, existing.text, existing.answered_at = recorded.answer, recorded.text, now
        for cleared in stored.values():
            row.answers.remove(cleared)


def _iso(value: Optional[dt.datetime]) -> Optional[str]:
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
            "started_at": _iso(row.started_at),
            "updated_at": _iso(row.updated_at),
            "completed_at": _iso(row.completed_at),
            "answers": {a.criterion_id: {"answer": a.answer, "text": a.text, "answered_at": _iso(a.answered_at)}
                        for a in row.answers},
        }
