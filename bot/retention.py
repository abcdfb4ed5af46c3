"""Retention: conversations that will never reach the study team are deleted after RETENTION_DAYS
(default 30) without activity: screenings that ended likely_ineligible, screenings without contact
consent (so without a referral), and conversations that never consented. Referrals stay: the study
team is working on them (a volunteer can still have one erased with `python -m bot erase`). A consent to
hear about the site's other studies (bot/other_studies.py: contact details, no answers) outlives the
conversation it was given in, and goes OTHER_STUDIES_RETENTION_DAYS (default 365) after it was given. A reply the
SMS gateway never took (bot/callbacks.py: marked failed, without its text) goes after RETENTION_DAYS too, and
so does one cancelled because its number opted out. The opt-out itself stays (bot/carrier.py): it is the
record that the number must not be messaged, and holds no health data. Each pass also purges the WeChat
messages answered lately (bot/wechat.py), which the Rasa server itself purges within minutes: this catches
what a server stopped in between left behind.

`python -m bot purge` runs it once (`--now` moves the clock); `make run` runs it in the background
every PURGE_INTERVAL_SECONDS (default 3600).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
from typing import Dict, Optional, Set

from sqlalchemy import MetaData, Table, delete, func, inspect, select

from bot import config, erasure, store, wechat
from bot.store import CallbackReply, OtherStudiesContact, Referral, Screening

logger = logging.getLogger(__name__)


def retention_days() -> float:
    return float(os.environ.get("RETENTION_DAYS", "30"))


def expired_conversations(now: dt.datetime, days: float) -> Set[str]:
    """Senders whose conversation is past retention: no referral, and nothing new for `days`."""
    cutoff = now - dt.timedelta(days=days)
    with store.unit_of_work() as db:
        referred = select(Referral.sender_id)
        # likely_ineligible screenings never have a referral, so "no referral" covers them too
        senders = set(db.execute(select(Screening.sender_id).where(
            Screening.updated_at < cutoff, Screening.sender_id.not_in(referred))).scalars())
        if inspect(db.connection()).has_table("events"):  # conversations that never consented: no screening
            events = Table("events", MetaData(), autoload_with=db.connection())
            senders |= set(db.execute(
                select(events.c.sender_id)
                .where(events.c.sender_id.not_in(select(Screening.sender_id)),
                       events.c.sender_id.not_in(referred))
                .group_by(events.c.sender_id)
                .having(func.max(events.c.timestamp) < cutoff.replace(tzinfo=dt.timezone.utc).timestamp())
            ).scalars())
    return senders


def purge(now: Optional[dt.datetime] = None, days: Optional[float] = None) -> Dict[str, int]:
    """Erase every expired conversation (bot.erasure, one transaction each); return the totals."""
    now = now or store.now()
    days = retention_days() if days is None else days
    totals: Dict[str, int] = {"conversations": 0}
    for sender_id in sorted(expired_conversations(now, days)):
        for kind, count in erasure.erase(sender_id, keep_other_studies=True).items():
            totals[kind] = totals.get(kind, 0) + count
        totals["conversations"] += 1
    with store.unit_of_work() as db:
        consents = db.execute(delete(OtherStudiesContact).where(OtherStudiesContact.created_at < now - dt.timedelta(
            days=config.other_studies_days()))).rowcount
    if consents:
        totals["other_studies_contacts"] = consents
    for state, kind in (("failed", "failed_replies"), ("cancelled", "cancelled_replies")):
        with store.unit_of_work() as db:
            gone = db.execute(delete(CallbackReply).where(
                CallbackReply.state == state, CallbackReply.created_at < now - dt.timedelta(days=days))).rowcount
        if gone:
            totals[kind] = totals.get(kind, 0) + gone
    answered = wechat.purge(now)
    if answered:
        totals["wechat_messages"] = answered
    return totals


def purge_forever(interval: float) -> None:
    """The background job `make run` starts."""
    while True:
        try:
            totals = purge()
            if totals["conversations"]:
                logger.info("retention: deleted %s", totals)
        except Exception:  # the database may be briefly unavailable; the next pass catches up
            logger.exception("retention pass failed; retrying")
        time.sleep(interval)
