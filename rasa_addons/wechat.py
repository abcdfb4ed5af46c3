"""The WeChat Official Account channel (`wechat`), for volunteers in mainland China, who message by WeChat.

WeChat's server POSTs each message a volunteer sends the account, as XML, to /webhooks/wechat/webhook and
shows them what we answer to that request (a "passive reply": one per message, within 5 s). Enabled by the
launcher when WECHAT_TOKEN is set (bot/stack.py).

- Signed requests only. WeChat signs each request with `signature` = SHA-1 of the sorted token (WECHAT_TOKEN,
  the one entered in the account's console), `timestamp` and `nonce`. A request without it, with a wrong one,
  or with a timestamp more than bot.wechat.FRESH_SECONDS from our clock gets a 403 and nothing is read or
  stored. A signed GET is WeChat checking the URL: its `echostr` is echoed.
- Safe mode, when WECHAT_APPID and WECHAT_ENCODING_AES_KEY are set as in the console: messages arrive
  AES-encrypted with a `msg_signature` of their own and the reply is encrypted the same way (wechatpy's
  WeChatCrypto); an unencrypted message is then refused.
- The conversation's id is `wx-` + an HMAC of the volunteer's OpenID (bot/senders.py), never the OpenID;
  REST may not use the prefix (rasa_addons/channels.py).
- Text messages go to Rasa, capped as on the other channels. The turn's messages come back joined into the
  one reply, with choices as numbers to reply with, as for SMS (actions.TEXT_ONLY_CHANNELS). Following the
  account (`subscribe`) opens the prescreen like a greeting, in Chinese (the English switch is offered).
  Other kinds of message (voice, pictures, files, locations, links) are told, in the conversation's
  language, that only typed text is read; no turn is run. Other events (unfollowing, menu clicks, location
  reports) are not from a volunteer's typing: they are answered "success", which WeChat shows as nothing.
- A message WeChat sends again (it retries when our answer was late) runs no second turn: bot/wechat.py.
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import re
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage, TextMessage
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from bot import i18n, redact, wechat
from bot.answers import MAX_MESSAGE_CHARS
from bot.senders import wechat_id

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a text message at the length cap is about 6 KB, encrypted about 8 KB
OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # WeChat's OpenIDs are 28 of these
LANGUAGE = i18n.CHINESE  # of a conversation opened on WeChat, until the volunteer chooses
SUBSCRIBE = f'/greet{{"language": "{LANGUAGE}"}}'
SUCCESS = "success"  # WeChat: received, nothing to show, do not retry


def signed(token: str, signature: Any, timestamp: Any, nonce: Any) -> bool:
    """Whether WeChat signed these: SHA-1 of the sorted token, timestamp and nonce. (wechatpy's
    check_signature computes the same but compares with `!=`; this compares in constant time.)"""
    if not all(isinstance(v, str) and v for v in (signature, timestamp, nonce)):
        return False
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return hmac.compare_digest(signer.signature.encode(), signature.encode())


def fresh(timestamp: str, now: Optional[float] = None) -> bool:
    """Whether a request's timestamp is close enough to our clock (see bot/wechat.py for why)."""
    now = time.time() if now is None else now
    return timestamp.isdigit() and abs(int(timestamp) - now) <= wechat.FRESH_SECONDS


def xml_reply(message: BaseMessage, text: str) -> str:
    """The passive reply holding `text`. wechatpy puts it in a CDATA section as it is; a "]]>" in it
    (a volunteer's words quoted back, say) would end that section early, so it is split across two."""
    return TextReply(message=message, content=text.replace("]]>", "]]]]><![CDATA[>")).render()


async def _blocking(function: Callable, *args: Any) -> Any:
    """A database call off the event loop: a wait for SQLite's lock must not hold up other conversations."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args))


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        credentials = credentials or {}
        return cls(credentials.get("token"), credentials.get("appid"), credentials.get("encoding_aes_key"))

    def __init__(self, token: Optional[str], appid: Optional[str] = None, encoding_aes_key: Optional[str] = None):
        if not token:
            raise ValueError("the wechat channel needs its token (WECHAT_TOKEN)")
        if bool(appid) != bool(encoding_aes_key):
            raise ValueError("WeChat's safe mode needs both WECHAT_APPID and WECHAT_ENCODING_AES_KEY")
        self.token = token
        self.crypto = WeChatCrypto(token, encoding_aes_key, appid) if encoding_aes_key else None
        self._running: Set[asyncio.Future] = set()
        self._purger: Optional[asyncio.Future] = None
        self._last_reply = 0.0  # time.monotonic() when a reply was last kept

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("wechat_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self._from_wechat(request):
                return response.text("", status=403)
            return response.text(request.args.get("echostr", ""))

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._from_wechat(request):
                return response.text("", status=403)
            if len(request.body) > MAX_BODY_BYTES:
                return response.text("", status=413)
            try:
                message = parse_message(self._plain(request))
            except (InvalidSignatureException, InvalidAppIdException):
                return response.text("", status=403)
            except Exception as error:  # not XML, or not WeChat's: nothing of it is kept
                logger.warning("wechat: a signed request that is not a WeChat message (%s)", type(error).__name__)
                return response.text("", status=400)
            openid = message.source
            if not isinstance(openid, str) or not OPENID.fullmatch(openid):
                return response.text("", status=400)
            redact.remember(openid)
            sender_id = wechat_id(openid)
            text = self._text_of(message)
            if text is None:
                return self._answer(request, message, await self._other(request, message, sender_id))
            redact.remember(text)
            message_id = str(message.id) if message.id else f"{message.type}:{message.time}"
            reply = await self._turn(on_new_message, text, sender_id, wechat.message_key(openid, message_id))
            return self._answer(request, message, reply)

        return blueprint

    def _from_wechat(self, request: Request) -> bool:
        args = request.args
        return (signed(self.token, args.get("signature"), args.get("timestamp"), args.get("nonce"))
                and fresh(args.get("timestamp")))

    def _plain(self, request: Request) -> str:
        """The message's XML, decrypted in safe mode (where a wrong `msg_signature` raises)."""
        if self.crypto is None:
            return request.body.decode("utf-8")
        if request.args.get("encrypt_type") != "aes":
            raise InvalidSignatureException()  # safe mode: an unencrypted message is not WeChat's
        args = request.args
        return self.crypto.decrypt_message(request.body.decode("utf-8"), args.get("msg_signature"),
                                           args.get("timestamp"), args.get("nonce"))

    @staticmethod
    def _text_of(message: BaseMessage) -> Optional[str]:
        """What goes to Rasa: a text message's words, or the greeting of a new follower; None otherwise."""
        if isinstance(message, TextMessage):
            text = message.content if isinstance(message.content, str) else ""
            return text[:MAX_MESSAGE_CHARS + 1]  # over the cap: the bot says it is too long
        if message.type == "event" and getattr(message, "event", None) == "subscribe":
            return SUBSCRIBE
        return None

    async def _other(self, request: Request, message: BaseMessage, sender_id: str) -> str:
        """The answer to what runs no turn: an event says nothing; anything else sent is told to type."""
        if message.type == "event":
            return ""
        return wechat.not_text(await self._language(request, sender_id))

    @staticmethod
    async def _language(request: Request, sender_id: str) -> str:
        """The conversation's language as the volunteer sees it; WeChat's own for one not begun."""
        try:
            tracker = await request.app.ctx.agent.tracker_store.retrieve(sender_id)
        except Exception as error:  # the database: the message is still answered, in the channel's language
            logger.warning("wechat: could not read a conversation's language (%s)", type(error).__name__)
            tracker = None
        if tracker is None or not tracker.events:
            return LANGUAGE
        return i18n.known(tracker.get_slot("language"))

    async def _turn(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], text: str, sender_id: str,
                    key: str) -> str:
        """The message's reply: from its turn, run once, whichever copy of it this is.

        The turn runs as a task of its own. Sanic cancels a request's handler when the client hangs up, and
        WeChat hangs up after 5 s: a turn cancelled there could stop halfway (the answer saved by the action
        server, the tracker not), and its reply would never be kept for the retry."""
        task = self._track(self._once(on_new_message, text, sender_id, key))
        reply = await asyncio.shield(task)
        return await self._replay(key) if reply is None else reply

    async def _once(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], text: str, sender_id: str,
                    key: str) -> Optional[str]:
        """Run the turn and keep its reply for the copies to come; None when another copy has taken it."""
        try:
            first = await _blocking(wechat.claim, key, sender_id)
        except SQLAlchemyError as error:  # the turn will say we are having trouble; a retry may run it again
            logger.error("wechat: could not record a message (%s); answering it unrecorded", type(error).__name__)
            first = None
        if first is False:
            return None
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(text, collector, sender_id, input_channel=self.name(), metadata=None))
        except Exception:
            if first:
                await _blocking(wechat.release, key)
            raise
        reply = wechat.one_reply(m.get("text", "") for m in collector.messages)
        if first:
            try:
                await _blocking(wechat.answered, key, reply)
            except SQLAlchemyError as error:
                logger.error("wechat: could not keep a reply for retries (%s)", type(error).__name__)
            else:
                self._last_reply = time.monotonic()
                if self._purger is None or self._purger.done():
                    self._purger = self._track(self._forget_replies())
        return reply

    def _track(self, coroutine: Awaitable[Any]) -> asyncio.Future:
        """A task that runs to its end even if the request that started it is cancelled."""
        task = asyncio.ensure_future(coroutine)
        self._running.add(task)  # the event loop keeps only a weak reference to a task
        task.add_done_callback(self._running.discard)
        return task

    @staticmethod
    async def _replay(key: str) -> str:
        """A copy of a message already taken: its reply, once its turn is done, if that is soon enough."""
        deadline = time.monotonic() + wechat.REPLY_WAIT_SECONDS
        while True:
            try:
                reply = await _blocking(wechat.reply_to, key)
            except SQLAlchemyError as error:
                logger.error("wechat: could not read a retried message's reply (%s)", type(error).__name__)
                return ""
            if reply is not None or time.monotonic() >= deadline:
                logger.info("wechat: a retried message, answered %s", "again" if reply else "with nothing")
                return reply or ""
            await asyncio.sleep(0.2)

    async def _forget_replies(self) -> None:
        """Blank the kept replies once no retry can want them, even when no other message comes to do it (one
        such task at a time, until REPLY_SECONDS have passed since the last reply was kept)."""
        while True:
            due = self._last_reply + wechat.REPLY_SECONDS + 1
            if time.monotonic() < due:
                await asyncio.sleep(due - time.monotonic())
                continue
            started = time.monotonic()
            try:
                await _blocking(wechat.purge)
            except Exception as error:  # the retention job purges too
                logger.warning("wechat: could not purge answered messages (%s)", type(error).__name__)
                return
            if self._last_reply + wechat.REPLY_SECONDS + 1 <= started:
                return

    def _answer(self, request: Request, message: BaseMessage, text: str) -> HTTPResponse:
        if not text:
            return response.text(SUCCESS)
        body = xml_reply(message, text)
        if self.crypto is not None:
            body = self.crypto.encrypt_message(body, request.args.get("nonce"), request.args.get("timestamp"))
        return response.text(body, content_type="application/xml; charset=utf-8")
