"""The referral relay: delivers outbox rows to the study team's webhook, signed the Standard Webhooks way.

At-least-once delivery with a stable `webhook-id`, so the receiver can apply
each referral exactly once. A row is leased before it is sent, so two relays
never send it at the same time, and a relay killed mid-delivery leaves a
lease that simply expires: the next relay retries with the same id. Nothing
is dropped: 429, 5xx, timeouts and refused connections are retried with
capped exponential backoff and jitter; any other answer marks the row
failed with the reason, for a coordinator to see.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import requests
from sqlalchemy import or_, select, update
from standardwebhooks.webhooks import Webhook

from bot import redact, store
from bot.store import OutboxMessage

logger = logging.getLogger(__name__)


ROUTE_URL, ROUTE_SECRET = "REFERRAL_WEBHOOK_URL_", "REFERRAL_WEBHOOK_SECRET_"


@dataclass(frozen=True)
class RelaySettings:
    url: Optional[str]
    secret: Optional[str]
    timeout: Tuple[float, float] = (5.0, 15.0)  # connect, read
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    lease: float = 60.0
    # A trial whose study team has its own endpoint: trial id -> (url, secret), from
    # REFERRAL_WEBHOOK_URL_<trial id> and REFERRAL_WEBHOOK_SECRET_<trial id>; other trials' referrals go to url.
    routes: Tuple[Tuple[str, str, Optional[str]], ...] = ()

    @classmethod
    def from_env(cls) -> "RelaySettings":
        env = os.environ
        routes = tuple(sorted((name[len(ROUTE_URL):], value, env.get(ROUTE_SECRET + name[len(ROUTE_URL):]) or None)
                              for name, value in env.items() if name.startswith(ROUTE_URL) and value))
        return cls(url=env.get("REFERRAL_WEBHOOK_URL") or None, secret=env.get("REFERRAL_WEBHOOK_SECRET") or None,
                   backoff_base=float(env.get("REFERRAL_RETRY_BASE_SECONDS", 2)),
                   backoff_cap=float(env.get("REFERRAL_RETRY_CAP_SECONDS", 300)),
                   lease=float(env.get("REFERRAL_LEASE_SECONDS", 60)), routes=routes)

    def target(self, trial_id: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
        """Where a trial's referrals go, and the secret they are signed with: its own team's endpoint, if set."""
        for route_trial, url, secret in self.routes:
            if route_trial == trial_id:
                return url, secret
        return self.url, self.secret

    def check(self) -> None:
        if self.url and not self.secret:
            raise ValueError("REFERRAL_WEBHOOK_URL is set but REFERRAL_WEBHOOK_SECRET is not: referrals are "
                             "only sent signed (a Standard Webhooks secret, e.g. whsec_<base64>)")
        for trial_id, _url, secret in self.routes:
            if not secret:
                raise ValueError(f"{ROUTE_URL}{trial_id} is set but {ROUTE_SECRET}{trial_id} is not: referrals "
                                 "are only sent signed")
            Webhook(secret)
        if self.secret:
            Webhook(self.secret)  # fails now, not at the first referral, on a malformed secret


# A referral's delivery to the study team's webhook, one label set wherever staff see it (the review app's inbox,
# referral page and CSV): the outbox row's state, with "pending" split into not tried yet and being retried.
DELIVERY_LABELS = {
    "delivered": "Sent to the study team",
    "waiting": "Waiting to be sent",
    "retrying": "Not sent: retrying",
    "failed": "Not sent: failed",
}
DELIVERY_EXPLANATIONS = {
    "delivered": "The study team's system has received this referral.",
    "waiting": "It goes to the study team's system as soon as the relay sends it, normally within seconds.",
    "retrying": "The study team's system has not taken it yet; the relay keeps trying, waiting longer each time.",
    "failed": "The study team's system refused it, so it is not tried again: tell whoever runs that system.",
}


def delivery(message: Optional[OutboxMessage]) -> str:
    """The delivery state of a referral's outbox row: delivered | waiting | retrying | failed (DELIVERY_LABELS)."""
    return delivery_of(message.state, message.attempts) if message is not None else "delivered"


def delivery_of(state: Optional[str], attempts: int = 0) -> str:
    """`delivery` from an outbox row's state and attempts (None: no row left, as after delivery)."""
    if state is None or state == "delivered":
        return "delivered"  # an outbox row goes only with its referral
    if state == "failed":
        return "failed"
    return "retrying" if attempts else "waiting"


def backoff(attempts: int, base: float, cap: float) -> float:
    """Capped exponential backoff with jitter: between half and all of min(cap, base * 2^(n-1))."""
    return min(cap, base * 2 ** max(attempts - 1, 0)) * random.uniform(0.5, 1.0)


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (email.utils.parsedate_to_datetime(value) - dt.datetime.now(dt.timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return 0.0


def _trial_of(body: str) -> Optional[str]:
    try:
        return (json.loads(body).get("data") or {}).get("trial_id")
    except (TypeError, ValueError, AttributeError):
        return None


def _claim(now: dt.datetime, lease: float) -> Optional[int]:
    """Lease the oldest due row; None when nothing is due."""
    with store.unit_of_work() as session:
        candidates = session.execute(
            select(OutboxMessage.id).where(
                OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.leased_until.is_(None), OutboxMessage.leased_until < now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(10)).scalars().all()
        for candidate in candidates:
            claimed = session.execute(
                update(OutboxMessage).where(
                    OutboxMessage.id == candidate, OutboxMessage.state == "pending",
                    or_(OutboxMessage.leased_until.is_(None), OutboxMessage.leased_until < now))
                .values(leased_until=now + dt.timedelta(seconds=lease)))
            if claimed.rowcount == 1:
                return candidate
    return None


def _send(settings: RelaySettings, http: requests.Session, url: str, secret: str, webhook_id: str,
          body: str) -> requests.Response:
    sent_at = dt.datetime.now(dt.timezone.utc)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "prescreening-bot-relay/1",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, sent_at, body),
    }
    return http.post(url, data=body.encode("utf-8"), headers=headers, timeout=settings.timeout,
                     allow_redirects=False)


def deliver_due(settings: RelaySettings, http: Optional[requests.Session] = None) -> Counter:
    """Send every row that is due now, once each; return how many were delivered / retried / failed."""
    settings.check()
    outcome: Counter = Counter()
    if not settings.url and not settings.routes:
        return outcome
    http = http or requests.Session()
    seen = set()
    while True:
        row_id = _claim(store.now(), settings.lease)
        if row_id is None or row_id in seen:
            return outcome
        seen.add(row_id)
        with store.unit_of_work() as session:
            message = session.get(OutboxMessage, row_id)
            webhook_id, body, attempts = message.webhook_id, message.body, message.attempts + 1
            # (an erasure notice has no referral row any more: its body names the trial)
            trial_id = message.referral.trial_id if message.referral is not None else _trial_of(body)
            url, secret = settings.target(trial_id)
            if url is None:  # no endpoint for this trial's team yet: it waits in the outbox
                message.leased_until = None
                continue
        try:  # what the study team's server may echo back in an error must not reach the relay's log
            redact.remember_all(json.loads(body))
        except (TypeError, ValueError):
            redact.remember(body)
        retry_in, error = None, None
        try:
            response = _send(settings, http, url, secret, webhook_id, body)
            if 200 <= response.status_code < 300:
                pass
            elif response.status_code == 429 or response.status_code >= 500:
                error = f"HTTP {response.status_code}"
                retry_in = max(backoff(attempts, settings.backoff_base, settings.backoff_cap), _retry_after(response))
            else:
                error = f"HTTP {response.status_code}: {response.text[:200]}"
        except requests.Timeout:
            error, retry_in = "timed out", backoff(attempts, settings.backoff_base, settings.backoff_cap)
        except requests.ConnectionError:
            error, retry_in = "could not connect", backoff(attempts, settings.backoff_base, settings.backoff_cap)
        with store.unit_of_work() as session:
            message = session.get(OutboxMessage, row_id)
            message.attempts, message.leased_until, message.last_error = attempts, None, error
            if error is None:
                message.state, message.delivered_at = "delivered", store.now()
                outcome["delivered"] += 1
            elif retry_in is None:
                message.state = "failed"
                outcome["failed"] += 1
            else:
                message.next_attempt_at = store.now() + dt.timedelta(seconds=retry_in)
                outcome["retrying"] += 1
        logger.info("outbox %s: attempt %d, %s", webhook_id, attempts, error or "delivered")


def relay_forever(settings: RelaySettings, interval: float = 1.0,
                  also: Optional[Callable[[requests.Session], object]] = None) -> None:
    """The background relay that `make run` starts: deliver what is due, then wait a little. Referrals go
    when REFERRAL_WEBHOOK_URL is set; `also` is another pass over its own queue, with the same HTTP
    session (the callback channel's replies that could not be sent at once: bot.callbacks.deliver)."""
    settings.check()
    with requests.Session() as http:
        while True:
            try:
                deliver_due(settings, http)
            except Exception:  # the database may be briefly unavailable; rows stay pending
                logger.exception("relay pass failed; retrying")
            if also is not None:
                try:
                    also(http)
                except Exception as error:  # a database error's message carries its parameters: the kind only
                    logger.error("relay pass failed (%s); retrying", type(error).__name__)
            time.sleep(interval)
