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
there (health details included) is neither processed nor stored.

The callback channel also sends the bot's messages differently. Rasa's CallbackOutput POSTs each one to
CALLBACK_URL during the turn, so a gateway that did not answer broke the turn: a 500 to the gateway, no
reply, and half the turn stored. Here the turn only collects its messages; once Rasa has stored the turn,
they are queued in the database and sent after the gateway's webhook call has had its answer, retried by
the relay while they fail (bot/callbacks.py). The webhook answers 200 "success" whether or not the
gateway takes the replies at once: the message was received and handled.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.callback import CallbackInput
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot import callbacks, redact
from bot.answers import MAX_MESSAGE_CHARS

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128  # a phone number, a UUID, a test's name; Rasa's column holds 255
SENDER = re.compile(rf"[A-Za-z0-9_\-.:+@]{{1,{MAX_SENDER_CHARS}}}")


def problem_with(body: Any) -> Optional[str]:
    """Why a webhook body cannot be taken (a sentence for the client), or None when it can."""
    if not isinstance(body, dict):
        return "The body must be a JSON object: {\"sender\": \"...\", \"message\": \"...\"}."
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        return (f"\"sender\" must be a string of 1 to {MAX_SENDER_CHARS} letters, digits or _ - . : + @.")
    if not isinstance(message, str):
        return "\"message\" must be a string."
    if len(message) > MAX_MESSAGE_CHARS:
        return f"\"message\" is too long: at most {MAX_MESSAGE_CHARS:,} characters."
    return None


def _checked(blueprint: Blueprint) -> Blueprint:
    @blueprint.middleware("request")
    async def check(request: Request):
        if request.method != "POST":
            return None
        try:
            body = request.json
        except Exception:  # Sanic's own error for a body that is not JSON
            body = None
        if isinstance(body, dict):
            redact.remember(body.get("message"), body.get("sender"))
        problem = problem_with(body)
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
        return _checked(super().blueprint(on_new_message))


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
            sender_id = await self._extract_sender(request)
            collector = self.get_output_channel()
            await on_new_message(UserMessage(self._extract_message(request), collector, sender_id,
                                             input_channel=self.name()))
            # The turn is stored (or, while the database is unavailable, nothing of it is): now its replies
            # are queued, before anything else can run in this process, so turns stay in order.
            messages = collector.messages
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


async def _in_thread(function: Callable, *args: Any) -> None:
    """Run a blocking delivery off the event loop; a failure is logged by its kind only (a database error's
    message carries the statement's parameters, a reply among them)."""
    try:
        await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args))
    except Exception as error:
        logger.error("callback: sending replies failed (%s); the relay retries what is queued",
                     type(error).__name__)
