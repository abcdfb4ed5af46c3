"""Deleting everything stored about one conversation: Rasa's tracker events, the screening, the referral,
its outbox row, review notes, contact attempts, the consent to hear about the site's other studies (bot/other_studies.py), the
bot's replies still queued for the SMS gateway or given up on (bot/callbacks.py), and the WeChat messages
lately answered (bot/wechat.py) (`python -m bot erase SENDER_ID`, and "delete my data" in the chat, where the tracker
store in rasa_addons/ then deletes the turn instead of saving it). From the command line, run it
while the conversation is idle: Rasa re-saves a tracker it is processing. A referral the study team already received gets an erasure notice
through the outbox, so they can delete their copy too.

An SMS number's opt-out (`sms_opt_outs`, bot/carrier.py) is kept: it is the record that the number asked
not to be messaged, which must outlive the conversation, and it holds only the number's HMAC and when
it opted out, nothing about health.
"""
from __future__ import annotations

import json
import uuid
from typing import Dict

from sqlalchemy import MetaData, Table, delete, inspect, select

from bot import store
from bot.store import (CallbackReply, ContactAttempt, OtherStudiesContact, OutboxMessage, Referral, ReferralChange,
                       Screening, WeChatMessage)


def erase(sender_id: str, keep_other_studies: bool = False) -> Dict[str, int]:
    """Delete the conversation's data in one transaction; return how many rows of each kind went.

    `keep_other_studies`: for retention only, which keeps a consent to hear about other studies for its own
    period after the conversation it was given in has gone (the volunteer's own erasure takes it too)."""
    removed: Dict[str, int] = {}
    with store.unit_of_work() as db:
        if not keep_other_studies:
            consents = db.execute(delete(OtherStudiesContact).where(
                OtherStudiesContact.sender_id == sender_id)).rowcount
            if consents:
                removed["other_studies_contacts"] = consents
        for referral in db.execute(select(Referral).where(Referral.sender_id == sender_id)).scalars().all():
            if referral.outbox is not None and referral.outbox.state == "delivered":
                body = json.dumps({"type": "referral.erased", "timestamp": store.iso(store.now()),
                                   "data": {"reference": referral.reference, "trial_id": referral.trial_id}})
                db.add(OutboxMessage(referral_id=None, webhook_id=f"msg_{uuid.uuid4().hex}", body=body,
                                     next_attempt_at=store.now()))
                removed["erasure_notices"] = removed.get("erasure_notices", 0) + 1
            removed["review_notes"] = removed.get("review_notes", 0) + db.execute(
                delete(ReferralChange).where(ReferralChange.referral_id == referral.id)).rowcount
            attempts = db.execute(delete(ContactAttempt).where(ContactAttempt.referral_id == referral.id)).rowcount
            if attempts:
                removed["contact_attempts"] = removed.get("contact_attempts", 0) + attempts
            db.delete(referral)  # with its outbox row
            removed["referrals"] = removed.get("referrals", 0) + 1
        for screening in db.execute(select(Screening).where(Screening.sender_id == sender_id)).scalars().all():
            db.delete(screening)  # with its answers
            removed["screenings"] = removed.get("screenings", 0) + 1
        replies = db.execute(delete(CallbackReply).where(CallbackReply.recipient_id == sender_id)).rowcount
        if replies:
            removed["queued_replies"] = replies
        answered = db.execute(delete(WeChatMessage).where(WeChatMessage.sender_id == sender_id)).rowcount
        if answered:
            removed["wechat_messages"] = answered
        if inspect(db.connection()).has_table("events"):
            events = Table("events", MetaData(), autoload_with=db.connection())
            removed["tracker_events"] = db.execute(delete(events).where(events.c.sender_id == sender_id)).rowcount
    return removed
