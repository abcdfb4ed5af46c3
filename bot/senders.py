"""Conversation ids that cannot be guessed or borrowed, one namespace per channel.

- The page's socket: `web-` + a random id + its HMAC (new_session_id, issued): the server issues them, and a
  socket may only continue a conversation whose id it can show was issued.
- SMS (the callback channel): `sms-` + an HMAC of the phone number (sms_id). The phone number itself is
  never a conversation id, so it is not stored with every event, and nobody who knows a volunteer's
  number can compute their conversation's id without the key.
- WeChat (rasa_addons/wechat.py): `wx-` + an HMAC of the volunteer's OpenID (wechat_id), for the same reasons.
- REST may not use any of these prefixes (rasa_addons/channels.py).

The key is SENDER_ID_KEY, generated once into var/ by `python -m bot run` (and handed to every server).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from typing import Any, Optional

from bot import config

_WEB_ID = re.compile(r"web-([0-9a-f]{32})([0-9a-f]{24})")


def key() -> bytes:
    return (os.environ.get("SENDER_ID_KEY") or config.secret("SENDER_ID_KEY", "sender_id_key")).encode()


def _mac(kind: str, value: str, length: int, secret: Optional[bytes] = None) -> str:
    return hmac.new(secret or key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:length]


def new_session_id() -> str:
    """A conversation id for the page, signed by this server."""
    token = secrets.token_hex(16)
    return f"web-{token}{_mac('web', token, 24)}"


def issued(session_id: Any) -> bool:
    """True for an id new_session_id made (with this server's key)."""
    match = _WEB_ID.fullmatch(session_id) if isinstance(session_id, str) else None
    return bool(match) and hmac.compare_digest(match.group(2), _mac("web", match.group(1), 24))


def sms_id(phone: str, secret: Optional[bytes] = None) -> str:
    """The conversation id of the SMS volunteer with this phone number (as the gateway sends it)."""
    return f"sms-{_mac('sms', phone.strip(), 40, secret)}"


def wechat_id(openid: str, secret: Optional[bytes] = None) -> str:
    """The conversation id of the WeChat volunteer with this OpenID (their id for the Official Account)."""
    return f"wx-{_mac('wx', openid.strip(), 40, secret)}"
