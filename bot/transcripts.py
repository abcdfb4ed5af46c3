"""Conversation transcripts, read from Rasa's SQL tracker store (its `events` table) in our database."""
from __future__ import annotations

import datetime as dt
import json
from typing import List, Optional

from sqlalchemy import MetaData, Table, inspect, select

from bot import store


# Rasa's input channel names (rasa_addons/) in plain words.
CHANNEL_NAMES = {"socketio": "web chat", "callback": "SMS", "wechat": "WeChat", "rest": "other (REST)"}
# The channels by the conversation id each issues (bot/senders.py); any other id came through the REST API.
SENDER_PREFIXES = (("web-", "web chat"), ("sms-", "SMS"), ("wx-", "WeChat"))


def channel_name(input_channel: Optional[str]) -> Optional[str]:
    return CHANNEL_NAMES.get(input_channel, input_channel) if input_channel else None


def referral_channel(sender_id: str) -> str:
    """The channel a conversation came through, from its id: web chat, SMS, WeChat or "other (REST)"."""
    return next((name for prefix, name in SENDER_PREFIXES if sender_id.startswith(prefix)), "other (REST)")


def transcript(sender_id: str) -> List[dict]:
    """What the volunteer and the bot said, in order: who, text, buttons offered, time (UTC), channel (in plain
    words: web chat, SMS, WeChat).
    `withheld` marks a message whose text was not kept because it was sent before consent."""
    engine = store.engine()
    if not inspect(engine).has_table("events"):
        return []
    events = Table("events", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        rows = connection.execute(
            select(events.c.type_name, events.c.timestamp, events.c.data)
            .where(events.c.sender_id == sender_id, events.c.type_name.in_(("user", "bot")))
            .order_by(events.c.id)).all()
    lines = []
    for type_name, timestamp, data in rows:
        event = json.loads(data)
        lines.append({
            "who": "volunteer" if type_name == "user" else "bot",
            "text": event.get("text") or "",
            "withheld": type_name == "user" and not event.get("text"),
            "buttons": [b.get("title", "") for b in (event.get("data") or {}).get("buttons") or []],
            "at": dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).replace(tzinfo=None),
            "channel": channel_name(event.get("input_channel")) if type_name == "user" else None,
        })
    return lines
