"""Contact attempts: each try a coordinator makes to reach a referred volunteer, numbered 1, 2, 3... per referral,
with the channel, when it happened, the outcome and a note, and who logged it.

Logging an attempt that reached the volunteer moves a `new` (or `could_not_reach`) referral to `contacted`, as a
change by the same coordinator; an attempt that did not reach them leaves the status. For the inbox:
`attempted()` / `first_attempt_at_column()` are SQL expressions over `Referral.id` (a referral with no attempt
past bot/sitetime.first_contact_due() is overdue), `first_attempt_at()` the same for one referral.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import List, Optional

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import store
from bot.review import workflow
from bot.store import ContactAttempt, Referral, ReferralChange

CHANNELS = {"phone": "Phone", "sms": "SMS", "email": "E-mail", "wechat": "WeChat", "in_person": "In person"}
OUTCOMES = {"no_answer": "No answer", "left_message": "Left a message", "reached": "Reached",
            "wrong_number": "Wrong number"}
REACHED = "reached"
MOVES_WHEN_REACHED = ("new", "could_not_reach")
CLOCK_SLACK = dt.timedelta(minutes=5)  # a time "in the future" by less than this is a clock a little ahead


def attempted():
    """SQL: whether the referral (`Referral.id` of the enclosing query) has any contact attempt."""
    return exists().where(ContactAttempt.referral_id == Referral.id)


def first_attempt_at_column():
    """SQL: when the referral's first contact attempt happened (naive UTC), NULL when none; a correlated
    subquery on `Referral.id`, served by the (referral_id, number) index."""
    return (select(func.min(ContactAttempt.at)).where(ContactAttempt.referral_id == Referral.id)
            .correlate(Referral).scalar_subquery())


def first_attempt_at(referral_id: int) -> Optional[dt.datetime]:
    """When this referral's first contact attempt happened (naive UTC), or None when none has been logged."""
    with store.unit_of_work() as db:
        return db.execute(select(func.min(ContactAttempt.at))
                          .where(ContactAttempt.referral_id == referral_id)).scalar_one()


def listed(db: Session, referral_id: int) -> List[ContactAttempt]:
    return db.execute(select(ContactAttempt).where(ContactAttempt.referral_id == referral_id)
                      .order_by(ContactAttempt.number)).scalars().all()


def summary(attempts: List[ContactAttempt]) -> workflow.Attempts:
    """What the workflow needs from the attempts: how many, how many in a row (by time) did not reach them."""
    in_order = sorted(attempts, key=lambda a: (a.at, a.number))
    failed = 0
    for attempt in in_order:
        failed = 0 if attempt.outcome == REACHED else failed + 1
    return workflow.Attempts(logged=len(in_order), failed_in_a_row=failed,
                             reached=any(a.outcome == REACHED for a in in_order))


@dataclass
class Logged:
    number: int
    moved_from: Optional[str]  # the status it had, when reaching the volunteer moved it to contacted


def log(reference: str, by: str, channel: str, outcome: str, at: Optional[dt.datetime], note: str) -> Logged:
    """Log an attempt on the referral with this reference (`at`: naive UTC, None for now). Raises ValueError
    with a plain reason when the channel, outcome or time will not do, LookupError when there is no such
    referral. Two coordinators logging at once get consecutive numbers."""
    if channel not in CHANNELS:
        raise ValueError("Choose the channel of the attempt.")
    if outcome not in OUTCOMES:
        raise ValueError("Choose the outcome of the attempt.")
    stamp = store.now()
    for _ in range(10):
        try:
            with store.unit_of_work() as db:  # the referral's row lock (PostgreSQL) makes attempts on it take turns
                referral = db.execute(select(Referral).where(Referral.reference == reference)
                                      .with_for_update()).scalar_one_or_none()
                if referral is None:
                    raise LookupError(reference)
                when = at or stamp
                if when > stamp + CLOCK_SLACK:
                    raise ValueError("That time is in the future: give the time the attempt was made.")
                if when < referral.created_at - CLOCK_SLACK:
                    raise ValueError("That time is before the referral arrived.")
                number = (db.execute(select(func.max(ContactAttempt.number))
                                     .where(ContactAttempt.referral_id == referral.id)).scalar_one() or 0) + 1
                db.add(ContactAttempt(referral_id=referral.id, number=number, channel=channel, at=when,
                                      outcome=outcome, note=note, by=by, logged_at=stamp))
                moved_from = None
                if outcome == REACHED and referral.status in MOVES_WHEN_REACHED:
                    moved_from = referral.status
                    db.add(ReferralChange(referral_id=referral.id, by=by, at=stamp, from_status=referral.status,
                                          to_status="contacted", note=f"Attempt {number} reached them"))
                    referral.status, referral.status_reason = "contacted", None
                db.flush()
            return Logged(number, moved_from)
        except IntegrityError:  # another coordinator took this number a moment ago (SQLite): count again
            continue
    raise ValueError("The attempt could not be numbered: try again.")
