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
"""
from __future__ import annotations

import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.callback import CallbackInput
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot import redact
from bot.answers import MAX_MESSAGE_CHARS

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


class CheckedCallbackInput(CallbackInput):
    @classmethod
    def name(cls) -> Text:
        return "callback"

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return _checked(super().blueprint(on_new_message))
