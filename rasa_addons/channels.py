"""Rasa's REST and callback channels, with their requests checked before Rasa reads them.

Configured in credentials.yml by class path; the channels keep their names (`rest`, `callback`), so
their addresses stay /webhooks/rest/webhook and /webhooks/callback/webhook. Rasa's own handlers
answered a body that is not a JSON object (`[1,2]`) with a 500, silently dropped a message sent as a
number, list or object (200 `[]`), and stored a message or a sender id of any length. Here a bad
request gets a 400 with a clear error and nothing is stored:

- the body must be a JSON object;
- `sender`: a string of 1 to MAX_SENDER_CHARS letters, digits and `_ - . : + @` (a phone number, a
  UUID, a test's name). A missing or empty sender no longer puts every such client into Rasa's one
  shared "default" conversation;
- `message`: a string of at most bot.answers.MAX_MESSAGE_CHARS characters (it may be empty: the bot
  answers that helpfully).

The REST channel's `metadata` is not read at all: nothing of ours uses it, so anything a client puts
there (health details included) is neither processed nor stored. Sender ids that begin with a prefix
another channel issues (`web-`, `sms-`, `wx-`) are refused over REST, so REST cannot drive those conversations.
In production set REST_CHANNEL=off, or REST_CHANNEL=token with REST_TOKEN (clients then send
`Authorization: Bearer <REST_TOKEN>`); the default, `open`, is for a laptop and the tests.

The page's socket.io channel (CheckedSocketIOInput) answers only the page's own origins (PAGE_ORIGINS,
default the page at WEB_PORT on localhost and 127.0.0.1), and a conversation's id is one this server
issued: `web-` + a random id + its HMAC under SENDER_ID_KEY (bot/senders.py). A `session_request` for any other id gets a
new one, and each message is taken as coming from the id its socket was given, not the one it names.
Rasa's own channel took any id a client asked for (a phone number's SMS conversation included), from
any origin.

An SMS volunteer's conversation id is `sms-` + an HMAC of their phone number (bot/senders.py), not the
number itself. The callback channel also sends the bot's messages differently. Rasa's CallbackOutput POSTs each one to
CALLBACK_URL during the turn, so a gateway that did not answer broke the turn: a 500 to the gateway, no
reply, and half the turn stored. Here the turn only collects its messages; once Rasa has stored the turn,
they are queued in the database and sent after the gateway's webhook call has had its answer, retried by
the relay while they fail (bot/callbacks.py). The webhook answers 200 "success" whether or not the
gateway takes the replies at once: the message was received and handled.

The callback channel answers carriers' keywords itself, before Rasa (bot/carrier.py): STOP and its kin opt
the number out (one confirmation, the waiting replies cancelled, then nothing is sent and nothing it sends
is read or stored until START), START opts it back in, HELP says who is writing. They are answered in the
conversation's language (its `language` slot, read from the tracker store). While the database is
unavailable a keyword cannot be recorded: the webhook answers 503, so the gateway sends it again.
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.callback import CallbackInput
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer
from sqlalchemy.exc import SQLAlchemyError

from bot import callbacks, carrier, redact, sms
from bot.senders import issued, new_session_id, sms_id
from bot.answers import MAX_MESSAGE_CHARS
from bot.protocol import Protocol, ProtocolError, default_trial_id, load_protocol

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128  # a phone number, a UUID, a test's name; Rasa's column holds 255
SENDER = re.compile(rf"[A-Za-z0-9_\-.:+@]{{1,{MAX_SENDER_CHARS}}}")


RESERVED_PREFIXES = ("web-", "sms-", "wx-")  # ids other channels issue (wx-: rasa_addons/wechat.py)


def problem_with(body: Any, reserved: tuple = ()) -> Optional[str]:
    """Why a webhook body cannot be taken (a sentence for the client), or None when it can."""
    if not isinstance(body, dict):
        return "The body must be a JSON object: {\"sender\": \"...\", \"message\": \"...\"}."
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        return (f"\"sender\" must be a string of 1 to {MAX_SENDER_CHARS} letters, digits or _ - . : + @.")
    if sender.startswith(reserved):
        return f"\"sender\" may not begin with {' or '.join(reserved)}: those ids belong to other channels."
    if not isinstance(message, str):
        return "\"message\" must be a string."
    if len(message) > MAX_MESSAGE_CHARS:
        return f"\"message\" is too long: at most {MAX_MESSAGE_CHARS:,} characters."
    return None


def rest_refusal(mode: str, token: str, authorization: str) -> Optional[tuple]:
    """(status, error) when REST_CHANNEL refuses a request, else None."""
    if mode == "off":
        return 404, "The REST channel is off here (REST_CHANNEL=off)."
    if mode == "token" and not (token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())):
        return 401, "The REST channel needs `Authorization: Bearer <REST_TOKEN>` here."
    return None


def _checked(blueprint: Blueprint, reserved: tuple = (), gate: bool = False) -> Blueprint:
    @blueprint.middleware("request")
    async def check(request: Request):
        if request.method != "POST":
            return None
        if gate:
            refused = rest_refusal(os.environ.get("REST_CHANNEL", "open"), os.environ.get("REST_TOKEN", ""),
                                   request.headers.get("Authorization", ""))
            if refused:
                return response.json({"error": refused[1]}, status=refused[0])
        try:
            body = request.json
        except Exception:  # Sanic's own error for a body that is not JSON
            body = None
        if isinstance(body, dict):
            redact.remember(body.get("message"), body.get("sender"))
        problem = problem_with(body, reserved)
        if problem:
            return response.json({"error": problem}, status=400)
        return None

    return blueprint


class CheckedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return _checked(super().blueprint(on_new_message), RESERVED_PREFIXES, gate=True)


class CollectedCallbackOutput(CollectingOutputChannel):
    """The callback channel's output during a turn: the messages are collected, and sent after it."""

    @classmethod
    def name(cls) -> Text:
        return "callback"


class CheckedCallbackInput(CallbackInput):
    @classmethod
    def name(cls) -> Text:
        return "callback"

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return None

    def get_output_channel(self) -> CollectingOutputChannel:
        return CollectedCallbackOutput()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("callback_webhook", __name__)
        settings = callbacks.CallbackSettings.from_env()

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            phone = await self._extract_sender(request)
            sender_id = sms_id(phone)  # the conversation's id: never the phone number (bot/senders.py)
            text = self._extract_message(request)
            answered = await _carrier_keyword(request, settings, phone, sender_id, text)
            if answered is not None:
                return answered
            collector = self.get_output_channel()
            await on_new_message(UserMessage(text, collector, sender_id, input_channel=self.name()))
            # The turn is stored (or, while the database is unavailable, nothing of it is): now its replies
            # are queued, before anything else can run in this process, so turns stay in order. Each is
            # addressed to the phone number, which the queued row keeps only until it is delivered.
            messages = [{**message, "recipient_id": phone} for message in packed(collector.messages)]
            if messages:
                try:
                    callbacks.enqueue(sender_id, messages)
                except SQLAlchemyError as error:
                    logger.error("callback: could not queue a turn's replies (%d, %s); sending them once, unqueued",
                                 len(messages), type(error).__name__)
                    request.app.add_task(_in_thread(callbacks.send_unqueued, settings, messages))
                else:
                    request.app.add_task(_in_thread(callbacks.deliver, settings, sender_id, False))
            return response.text("success")

        return _checked(blueprint)


def packed(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """A turn's text messages as SMS sends them best: neighbours that cost no more segments together are
    one message (bot/sms.py). Anything but plain text is left as it is."""
    if not all(set(message) <= {"text", "recipient_id"} for message in messages):
        return messages
    return [{"text": text} for text in sms.pack([message["text"] for message in messages])]


async def _carrier_keyword(request: Request, settings: callbacks.CallbackSettings, phone: str, sender_id: str,
                           text: str) -> Optional[HTTPResponse]:
    """Answer a carrier keyword, or a message from a number that opted out (bot/carrier.py); None when the
    message is the conversation's to read."""
    word = carrier.keyword(text)
    try:
        opted_out = callbacks.opted_out(sender_id)
    except SQLAlchemyError as error:
        if word is None:  # the turn cannot be stored either: it answers that we are having trouble
            logger.error("callback: could not read whether a number opted out (%s)", type(error).__name__)
            return None
        return _keyword_not_recorded(error)
    if word is None and opted_out:
        logger.info("callback: a message from a number that opted out: not read, not answered")
        return response.text("success")
    if word is None or (word.action == carrier.OPT_IN and not opted_out):
        return None  # START from a number that has not opted out is how a volunteer who said No begins
    if word.action == carrier.OPT_OUT and opted_out:
        return response.text("success")  # one confirmation, then nothing more
    language, trial_id = await _conversation_language_and_trial(request, sender_id)
    language = carrier.language_of(word, language)
    try:
        if word.action == carrier.OPT_OUT:
            callbacks.opt_out(sender_id, word.word, {"recipient_id": phone, "text": carrier.opted_out(language)})
        elif word.action == carrier.OPT_IN:
            callbacks.opt_in(sender_id, {"recipient_id": phone, "text": carrier.opted_in(language)})
        else:
            texts = carrier.help_texts(_protocol(trial_id), language, opted_out)
            callbacks.enqueue(sender_id, [{"recipient_id": phone, "text": t} for t in texts], kind=callbacks.KEYWORD)
    except SQLAlchemyError as error:
        return _keyword_not_recorded(error)
    request.app.add_task(_in_thread(callbacks.deliver, settings, sender_id, False))
    return response.text("success")


def _keyword_not_recorded(error: Exception) -> HTTPResponse:
    logger.error("callback: could not record a carrier keyword (%s); answered 503 for the gateway to send it again",
                 type(error).__name__)
    return response.json({"error": "The message could not be recorded now: send it again."}, status=503)


async def _conversation_language_and_trial(request: Request, sender_id: str) -> tuple:
    """The conversation's `language` and `trial_id` slots (None, None for a number new to us)."""
    tracker = await request.app.ctx.agent.tracker_store.retrieve(sender_id)
    if tracker is None:
        return None, None
    return tracker.get_slot("language"), tracker.get_slot("trial_id")


def _protocol(trial_id: Optional[str]) -> Protocol:
    """The conversation's trial for HELP's answer, else the default one."""
    try:
        return load_protocol(trial_id or default_trial_id(), for_screening=False)
    except ProtocolError:
        return load_protocol(default_trial_id(), for_screening=False)


async def _in_thread(function: Callable, *args: Any) -> None:
    """Run a blocking delivery off the event loop; a failure is logged by its kind only (a database error's
    message carries the statement's parameters, a reply among them)."""
    try:
        await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args))
    except Exception as error:
        logger.error("callback: sending replies failed (%s); the relay retries what is queued",
                     type(error).__name__)


def page_origins() -> List[str]:
    """The origins the page is served from: PAGE_ORIGINS (comma-separated), else the page at WEB_PORT."""
    if os.environ.get("PAGE_ORIGINS"):
        return [o.strip() for o in os.environ["PAGE_ORIGINS"].split(",") if o.strip()]
    port = os.environ.get("WEB_PORT", "8000")
    return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


class CheckedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel (the same events and rooms the widget expects), with the origin checked
    and conversation ids issued by this server (see the module's docstring)."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # CORS headers stay with Rasa's --cors (sanic-cors): engine.io adding its own too makes browsers refuse
        # both. The origin is checked when the socket connects, below.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        sessions: Dict[str, str] = {}  # socket id -> the conversation id it was given
        allowed = page_origins()

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Any = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            return origin is None or origin in allowed  # a page elsewhere may not open the page's chats

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok"})

        def bind(sid: str, session_id: str) -> str:
            sessions[sid] = session_id
            if self.session_persistence:
                sio.enter_room(sid, session_id)
            return session_id

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            sessions.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = bind(sid, asked if issued(asked) else new_session_id())
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            sender_id = sessions.get(sid)
            if sender_id is None and issued(data.get("session_id")):
                sender_id = bind(sid, data["session_id"])  # a message sent before its session_request
            if sender_id is None:
                return  # no conversation of this socket's: nothing to answer for
            text = data.get("message")
            text = text[:MAX_MESSAGE_CHARS + 1] if isinstance(text, str) else ""  # over the cap: "too long"
            redact.remember(text)
            await on_new_message(UserMessage(text, SocketIOOutput(sio, self.bot_message_evt), sender_id,
                                             input_channel=self.name(), metadata=None))

        return socketio_webhook
