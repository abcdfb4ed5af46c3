"""The bot's replies on the `callback` channel (an SMS / messaging gateway), sent once the turn is stored.

Rasa's CallbackOutput POSTs each bot message to CALLBACK_URL in the middle of the turn. When nothing
answered there, the connection error raised inside the turn: the gateway's webhook call got a 500, the
volunteer got nothing, Rasa did not save the turn (neither the message nor the replies) while the action
server had already written the screening tables. Now the channel (rasa_addons/channels.py) only collects
the turn's messages; once Rasa has stored the turn they are written here (`callback_replies`) and sent:

- at once, for that conversation (`deliver(recipient=...)`, from the Rasa server, after it has answered the
  gateway's webhook call), and again by the relay (`python -m bot relay`, which `make run` starts) while
  they fail: refused connections, timeouts, 408, 425, 429 and 5xx are retried after
  `min(cap, base * 2^(n-1))` seconds times a random factor in [0.5, 1] (`Retry-After` honoured);
- one conversation's replies in order: a reply is sent only when no earlier one to the same recipient
  is waiting, and a new message from the volunteer tries the waiting ones again at once;
- leased while being sent, so two senders never send one reply at once; a sender that dies between
  the gateway's 2xx and the delete leaves a lease that expires, and the reply is sent again (at least once);
- delivered: the row is deleted. Given up (another status, or a retry would fall later than
  CALLBACK_RETRY_FOR_SECONDS after the reply was written): marked `failed` without its text, for staff
  (`python -m bot replies`, the review app's *Replies* page); for a conversation that has since been
  erased, nothing is kept at all.

The log says which reply (its row id), which attempt and why, never the recipient or the text: a reply
can quote the volunteer's words. Erasure (bot/erasure.py) deletes a conversation's replies too.

A number that opted out with a carrier keyword (STOP, bot/carrier.py) is in `sms_opt_outs`: its waiting
replies are marked `cancelled` (without their text) when it opts out, and nothing but the answer to a
keyword (`kind` "keyword") is sent to it. That is checked when a reply is queued and again when it is
about to be sent, so a reply of a turn that was still running when STOP arrived never goes out either.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import requests
from sqlalchemy import and_, exists, func, inspect, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bot import store
from bot.outbox import _retry_after, backoff
from bot.store import CallbackReply, SmsOptOut

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:5034/bot"
RETRYABLE_STATUSES = {408, 425, 429}  # and every 5xx
TURN, KEYWORD = "turn", "keyword"  # CallbackReply.kind


@dataclass(frozen=True)
class CallbackSettings:
    url: str = DEFAULT_URL
    timeout: Tuple[float, float] = (5.0, 15.0)  # connect, read
    backoff_base: float = 2.0
    backoff_cap: float = 60.0
    retry_for: float = 900.0  # seconds after a reply was written: no retry is scheduled later than that
    lease: float = 60.0

    @classmethod
    def from_env(cls) -> "CallbackSettings":
        env = os.environ
        return cls(url=env.get("CALLBACK_URL") or DEFAULT_URL,
                   backoff_base=float(env.get("CALLBACK_RETRY_BASE_SECONDS", 2)),
                   backoff_cap=float(env.get("CALLBACK_RETRY_CAP_SECONDS", 60)),
                   retry_for=float(env.get("CALLBACK_RETRY_FOR_SECONDS", 900)))


@dataclass(frozen=True)
class Attempt:
    """How one POST to the gateway went."""
    error: Optional[str] = None  # None: delivered
    retryable: bool = False
    retry_after: float = 0.0


def after(attempt: Attempt, attempts: int, age: float, settings: CallbackSettings) -> Tuple[str, Optional[float]]:
    """What becomes of a reply after its `attempts`-th attempt, `age` seconds after it was written:
    ("delivered", None), ("retry", seconds to wait) or ("failed", None)."""
    if attempt.error is None:
        return "delivered", None
    if not attempt.retryable:
        return "failed", None
    delay = max(backoff(attempts, settings.backoff_base, settings.backoff_cap), attempt.retry_after)
    if age + delay > settings.retry_for:
        return "failed", None
    return "retry", delay


def post(settings: CallbackSettings, http: requests.Session, body: str) -> Attempt:
    """POST one reply to CALLBACK_URL. The gateway's answer is not kept: it may quote the message."""
    try:
        response = http.post(settings.url, data=body.encode("utf-8"), timeout=settings.timeout,
                             headers={"Content-Type": "application/json"}, allow_redirects=False)
    except requests.Timeout:
        return Attempt("timed out", True)
    except requests.ConnectionError:
        return Attempt("could not connect", True)
    except requests.RequestException as error:  # a malformed CALLBACK_URL, say: no retry mends it
        return Attempt(type(error).__name__, False)
    if 200 <= response.status_code < 300:
        return Attempt()
    retryable = response.status_code in RETRYABLE_STATUSES or response.status_code >= 500
    return Attempt(f"HTTP {response.status_code}", retryable, _retry_after(response) if retryable else 0.0)


def _rows(recipient_id: str, messages: Sequence[Dict[str, Any]], kind: str) -> List[CallbackReply]:
    stamp = store.now()
    return [CallbackReply(recipient_id=recipient_id, body=json.dumps(message, ensure_ascii=False), kind=kind,
                          next_attempt_at=stamp, created_at=stamp) for message in messages]


def _opted_out(session: Session, recipient_id: str) -> bool:
    return session.get(SmsOptOut, recipient_id) is not None


def enqueue(recipient_id: str, messages: Sequence[Dict[str, Any]], kind: str = TURN) -> List[int]:
    """Queue messages for the recipient, in order, in one transaction; return their ids. A turn's replies
    to a number that has opted out meanwhile are written cancelled: they are never sent."""
    rows = _rows(recipient_id, messages, kind)
    with store.unit_of_work() as session:
        if kind == TURN and _opted_out(session, recipient_id):
            for row in rows:
                row.state, row.body, row.failed_at = "cancelled", None, row.created_at
        session.add_all(rows)
    return [row.id for row in rows]


def opted_out(recipient_id: str) -> bool:
    """Whether the SMS number of this conversation has opted out (STOP) and not back in (START)."""
    with store.unit_of_work() as session:
        return _opted_out(session, recipient_id)


def _cancel(session: Session, recipient_id: Optional[str] = None) -> int:
    """Mark cancelled, without their text, the waiting turn replies to numbers that opted out (to this one
    only, if given); return how many."""
    opted = exists().where(SmsOptOut.sender_id == CallbackReply.recipient_id)
    conditions = [CallbackReply.state == "pending", CallbackReply.kind == TURN, opted]
    if recipient_id is not None:
        conditions.append(CallbackReply.recipient_id == recipient_id)
    return session.execute(update(CallbackReply).where(*conditions).values(
        state="cancelled", body=None, failed_at=store.now()).execution_options(synchronize_session=False)).rowcount


def opt_out(recipient_id: str, word: str, confirmation: Dict[str, Any]) -> bool:
    """Record that the number opted out with `word` and queue its one confirmation, cancelling the replies
    still waiting for it, in one transaction. False (and nothing done) when it had already opted out."""
    try:
        with store.unit_of_work() as session:
            if _opted_out(session, recipient_id):
                return False
            session.add(SmsOptOut(sender_id=recipient_id, keyword=word, opted_out_at=store.now()))
            session.flush()  # two STOPs at once: the second fails here, on the primary key
            cancelled = _cancel(session, recipient_id)
            session.add_all(_rows(recipient_id, [confirmation], KEYWORD))
    except IntegrityError:
        return False
    logger.info("callback: a number opted out (%s); %d waiting replies cancelled", word, cancelled)
    return True


def opt_in(recipient_id: str, confirmation: Dict[str, Any]) -> bool:
    """The number opts back in (START): its opt-out goes and the confirmation is queued, in one transaction.
    False (and nothing done) when it had not opted out."""
    with store.unit_of_work() as session:
        row = session.get(SmsOptOut, recipient_id)
        if row is None:
            return False
        session.delete(row)
        session.add_all(_rows(recipient_id, [confirmation], KEYWORD))
    logger.info("callback: a number opted back in")
    return True


def opted_out_count() -> int:
    with store.unit_of_work() as session:
        return session.execute(select(func.count()).select_from(SmsOptOut)).scalar_one()


def _claim(now: dt.datetime, lease: float, recipient_id: Optional[str], due_only: bool,
           tried: Set[int]) -> Optional[int]:
    """Lease the next reply to send: the first waiting one of its conversation, due (unless `due_only` is
    off), not leased, not `tried` already. None when there is none."""
    earlier = aliased(CallbackReply)
    free = or_(CallbackReply.leased_until.is_(None), CallbackReply.leased_until < now)
    allowed = or_(CallbackReply.kind == KEYWORD, ~exists().where(SmsOptOut.sender_id == CallbackReply.recipient_id))
    conditions = [CallbackReply.state == "pending", free, allowed,
                  ~exists().where(and_(earlier.recipient_id == CallbackReply.recipient_id,
                                       earlier.state == "pending", earlier.id < CallbackReply.id))]
    if due_only:
        conditions.append(CallbackReply.next_attempt_at <= now)
    if recipient_id is not None:
        conditions.append(CallbackReply.recipient_id == recipient_id)
    if tried:
        conditions.append(CallbackReply.id.not_in(tried))
    with store.unit_of_work() as session:
        candidates = session.execute(select(CallbackReply.id).where(*conditions)
                                     .order_by(CallbackReply.next_attempt_at, CallbackReply.id).limit(10)).scalars().all()
        for candidate in candidates:
            claimed = session.execute(update(CallbackReply).where(
                CallbackReply.id == candidate, CallbackReply.state == "pending", free)
                .values(leased_until=now + dt.timedelta(seconds=lease)))
            if claimed.rowcount == 1:
                return candidate
    return None


def _conversation_exists(session, recipient_id: str) -> bool:
    """Whether Rasa's tracker store still holds the conversation (an erased or purged one is gone)."""
    connection = session.connection()
    if not inspect(connection).has_table("events"):
        return False
    return connection.execute(text("SELECT 1 FROM events WHERE sender_id = :sender LIMIT 1"),
                              {"sender": recipient_id}).first() is not None


def deliver(settings: CallbackSettings, recipient_id: Optional[str] = None, due_only: bool = True,
            http: Optional[requests.Session] = None) -> Counter:
    """Send waiting replies, each at most once in this call, oldest first per conversation; only the
    recipient's if given (and then, with `due_only` off, without waiting for their next retry).
    Returns how many were delivered / will be retried / failed / cancelled (their number opted out)."""
    outcome: Counter = Counter()
    own_session = http is None
    http = http or requests.Session()
    tried: Set[int] = set()
    try:
        with store.unit_of_work() as session:  # a turn's replies queued as its number opted out (a race)
            cancelled = _cancel(session, recipient_id)
        if cancelled:
            outcome["cancelled"] += cancelled
        while True:
            row_id = _claim(store.now(), settings.lease, recipient_id, due_only, tried)
            if row_id is None:
                return outcome
            tried.add(row_id)
            with store.unit_of_work() as session:
                row = session.get(CallbackReply, row_id)
                if row is None:  # erased since it was claimed
                    continue
                if row.kind == TURN and _opted_out(session, row.recipient_id):  # opted out since: never sent
                    outcome["cancelled"] += _cancel(session, row.recipient_id)
                    continue
                body, attempts, created_at = row.body, row.attempts + 1, row.created_at
            attempt = post(settings, http, body)
            stamp = store.now()
            result, delay = after(attempt, attempts, (stamp - created_at).total_seconds(), settings)
            with store.unit_of_work() as session:
                row = session.get(CallbackReply, row_id)
                if row is None:  # erased while it was being sent
                    continue
                if result == "delivered":
                    session.delete(row)
                elif row.state == "cancelled":  # its number opted out while it was being sent
                    row.attempts, row.leased_until, row.last_error = attempts, None, attempt.error
                    result = "cancelled"
                elif result == "retry":
                    row.attempts, row.leased_until, row.last_error = attempts, None, attempt.error
                    row.next_attempt_at = stamp + dt.timedelta(seconds=delay)
                elif _conversation_exists(session, row.recipient_id):
                    row.attempts, row.leased_until, row.last_error = attempts, None, attempt.error
                    row.state, row.body, row.failed_at = "failed", None, stamp
                else:
                    session.delete(row)
                    result = "dropped"
            outcome[result] += 1
            if result == "delivered":
                logger.info("callback reply %d: delivered (attempt %d)", row_id, attempts)
            elif result == "retry":
                logger.warning("callback reply %d: not delivered (attempt %d: %s); retrying in %.1f s",
                               row_id, attempts, attempt.error, delay)
            elif result == "cancelled":
                logger.info("callback reply %d: not delivered (attempt %d: %s); cancelled, its number opted out",
                            row_id, attempts, attempt.error)
            elif result == "failed":
                logger.error("callback reply %d: not delivered (attempt %d: %s); given up, marked failed for staff "
                             "(python -m bot replies)", row_id, attempts, attempt.error)
            else:
                logger.error("callback reply %d: not delivered (attempt %d: %s); given up, and its conversation "
                             "was erased: nothing of it is kept", row_id, attempts, attempt.error)
    finally:
        if own_session:
            http.close()


def send_unqueued(settings: CallbackSettings, messages: Sequence[Dict[str, Any]]) -> int:
    """Send a turn's messages once, in order, without the database (it was unavailable to queue them);
    return how many arrived. What does not arrive is lost, and logged as such."""
    with requests.Session() as http:
        for sent, message in enumerate(messages):
            attempt = post(settings, http, json.dumps(message, ensure_ascii=False))
            if attempt.error:
                logger.error("callback: %d of a turn's %d replies not delivered (%s) and not queued: the database "
                             "is unavailable", len(messages) - sent, len(messages), attempt.error)
                return sent
    return len(messages)


def list_replies() -> List[dict]:
    """Every reply waiting, given up on or cancelled (its number opted out), oldest first, without its text
    (for staff)."""
    with store.unit_of_work() as session:
        rows = session.execute(select(CallbackReply).order_by(CallbackReply.id)).scalars().all()
        return [{"id": r.id, "recipient_id": r.recipient_id, "state": r.state, "kind": r.kind, "attempts": r.attempts,
                 "last_error": r.last_error, "created_at": store.iso(r.created_at),
                 "next_attempt_at": store.iso(r.next_attempt_at) if r.state == "pending" else None,
                 "failed_at": store.iso(r.failed_at)} for r in rows]
