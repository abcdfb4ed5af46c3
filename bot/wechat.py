"""The parts of the WeChat channel that need no Rasa: remembering the messages answered lately, and the
texts the channel says on its own (the channel itself: rasa_addons/wechat.py).

Retries. WeChat POSTs a volunteer's message to our server and, when it has no answer within 5 s, POSTs it
again, up to three retries; they carry the same MsgId (an event has none: WeChat says to tell its copies by
sender and CreateTime). A retry must not run a second turn: a "1" taken twice would also answer the next
question. So a message is claimed in `wechat_messages` before its turn (the key is the table's primary key:
of two copies arriving at once, on one server or on several sharing the database, exactly one wins), and
the turn's reply is written there once Rasa has stored the turn. A copy that lost the claim:

- gets the same reply when the turn has finished. WeChat retries only when the first answer did not reach
  it in time, so that answer was lost; the retry's is the one the volunteer sees. (Answering "success"
  instead would leave them with no reply to a turn that did happen.)
- waits for it while the turn still runs, up to REPLAY_WAIT_SECONDS (inside WeChat's 5 s); when it is
  still not there, answers "success", WeChat's "no reply, and no more retries". That reply is lost and
  the volunteer's next message carries on from where the stored conversation stands.

A reply can quote the volunteer's words, so its text is kept only REPLY_SECONDS (WeChat's retries all come
within about 15 s) and then blanked; the row, which then says only that a message was answered, goes after
KEEP_SECONDS. The channel refuses a request whose timestamp is more than FRESH_SECONDS from now, so a
message is remembered as long as any copy of it would be taken (KEEP_SECONDS = 2 × FRESH_SECONDS). The key
is an HMAC of the OpenID and the MsgId under SENDER_ID_KEY: neither is stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Iterable, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot import i18n, senders, store
from bot.i18n import N_
from bot.store import WeChatMessage

FRESH_SECONDS = 300  # how far a request's timestamp may be from our clock
KEEP_SECONDS = 2 * FRESH_SECONDS
REPLY_SECONDS = 60
REPLY_WAIT_SECONDS = 4.5

NOT_TEXT = N_("Sorry, I can only read typed text here, not voice messages, pictures or files. "
              "Please type your answer, or reply with the number of a choice.")

# Characters XML 1.0 does not allow: a reply holding one would not parse at WeChat's end.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def message_key(openid: str, message_id: str) -> str:
    return hmac.new(senders.key(), f"wxmsg:{openid}:{message_id}".encode(), hashlib.sha256).hexdigest()


def not_text(language: Optional[str]) -> str:
    """What a volunteer who sent a picture, a voice message, a file ... is told."""
    return i18n.gettext_for(language)(NOT_TEXT)


def one_reply(texts: Iterable[str]) -> str:
    """A turn's messages as the one text WeChat takes in answer to a message, without what XML cannot hold."""
    return _NOT_XML.sub("", "\n\n".join(t.strip() for t in texts if t and t.strip()))


def purge(now: Optional[dt.datetime] = None) -> int:
    """Blank the replies older than REPLY_SECONDS and delete the rows older than KEEP_SECONDS; return how many
    rows went."""
    now = now or store.now()
    with store.unit_of_work() as db:
        return _purge(db, now)


def _purge(db, now: dt.datetime) -> int:
    db.execute(update(WeChatMessage).where(WeChatMessage.reply != "",
                                           WeChatMessage.received_at < now - dt.timedelta(seconds=REPLY_SECONDS))
               .values(reply=""))
    return db.execute(delete(WeChatMessage).where(
        WeChatMessage.received_at < now - dt.timedelta(seconds=KEEP_SECONDS))).rowcount


def claim(key: str, sender_id: str, now: Optional[dt.datetime] = None) -> bool:
    """Take a message to answer: True for its first copy, False for a copy already taken."""
    now = now or store.now()
    try:
        with store.unit_of_work() as db:
            _purge(db, now)
            db.add(WeChatMessage(key=key, sender_id=sender_id, received_at=now))
    except IntegrityError:
        return False
    return True


def answered(key: str, reply: str) -> None:
    """The message's turn is stored: keep its reply for the copies still to come."""
    with store.unit_of_work() as db:
        db.execute(update(WeChatMessage).where(WeChatMessage.key == key).values(reply=reply))


def release(key: str) -> None:
    """The message's turn failed: a retry may run it again."""
    with store.unit_of_work() as db:
        db.execute(delete(WeChatMessage).where(WeChatMessage.key == key, WeChatMessage.reply.is_(None)))


def reply_to(key: str) -> Optional[str]:
    """The reply of a message answered ("" when it had none or its text is gone), or None while its turn runs
    (or when the message is unknown)."""
    with store.unit_of_work() as db:
        return db.execute(select(WeChatMessage.reply).where(WeChatMessage.key == key)).scalar_one_or_none()
