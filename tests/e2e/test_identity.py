"""Identity (issue 15, item 9): a conversation cannot be borrowed. The page's socket answers only the
page's own origins and gives each socket a conversation id the server issued; REST cannot use the ids of
other channels, and a request naming no one is refused (see test_bad_input.py)."""
import re
import time

import pytest
import requests
import socketio

from tests.conftest import Chat


def socket(stack, origin, wait_for_confirm=True, ask=None):
    client = socketio.Client(reconnection=False)
    seen = {"bot": []}
    client.on("session_confirm", lambda session_id: seen.setdefault("session", session_id))
    client.on("bot_uttered", lambda message: seen["bot"].append(message))
    client.connect(stack.settings.rasa_url, headers={"Origin": origin}, socketio_path="/socket.io",
                   transports=["polling"])
    client.emit("session_request", {"session_id": ask} if ask else {})
    deadline = time.monotonic() + 10
    while wait_for_confirm and "session" not in seen and time.monotonic() < deadline:
        time.sleep(0.05)
    return client, seen


def page_origin(stack):
    return f"http://localhost:{stack.settings.web_port}"


def wait_bot(seen, count, timeout=20):
    deadline = time.monotonic() + timeout
    while len(seen["bot"]) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return seen["bot"]


def test_the_socket_refuses_other_origins(stack):
    for origin in ("http://evil.example", f"http://localhost:{stack.settings.web_port}.evil.example"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            socket(stack, origin)


def test_a_socket_cannot_take_over_another_conversation(stack):
    victim = Chat(stack, "+8613800138000")  # say, an SMS volunteer's id, or any id seen somewhere
    victim.say("hello")
    victim.say("yes")
    before = victim.events()
    client, seen = socket(stack, page_origin(stack), ask=victim.sender)
    try:
        assert seen["session"] != victim.sender and re.fullmatch(r"web-[0-9a-f]{56}", seen["session"])
        client.emit("user_uttered", {"message": "delete my data", "session_id": victim.sender})
        assert wait_bot(seen, 1)  # answered, in the socket's own new conversation
    finally:
        client.disconnect()
    assert victim.events() == before
    assert [e["text"] for e in Chat(stack, seen["session"]).events() if e["event"] == "user"] == [""]  # not kept:
    # no consent in that conversation


def test_the_page_keeps_its_own_conversation_across_a_reconnect(stack):
    client, seen = socket(stack, page_origin(stack))
    issued = seen["session"]
    client.emit("user_uttered", {"message": "hello", "session_id": issued})
    wait_bot(seen, 1)
    client.disconnect()
    again, seen_again = socket(stack, page_origin(stack), ask=issued)
    try:
        assert seen_again["session"] == issued  # an id this server issued is honoured
        again.emit("user_uttered", {"message": "yes", "session_id": issued})
        wait_bot(seen_again, 1)
    finally:
        again.disconnect()
    assert Chat(stack, issued).slots()["screening_consent"] is True
    forged, seen_forged = socket(stack, page_origin(stack), ask=issued[:-1] + ("0" if issued[-1] != "0" else "1"))
    forged.disconnect()
    assert seen_forged["session"] != issued  # a forged id gets a new conversation


def test_rest_cannot_use_ids_other_channels_issue(stack):
    for sender in ("web-" + "0" * 56, "sms-abc"):
        response = requests.post(f"{stack.settings.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": "hello"}, timeout=30)
        assert response.status_code == 400 and "other channels" in response.json()["error"]


def test_cors_answers_only_the_pages_exact_origin(stack):
    """sanic-cors compares plain origins exactly (CVE-2026-37737 is about its regex origins, which
    `--cors` here does not use): a look-alike origin gets no Access-Control-Allow-Origin."""
    url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
    good = requests.options(url, headers={"Origin": page_origin(stack), "Access-Control-Request-Method": "POST"})
    assert good.headers.get("Access-Control-Allow-Origin") == page_origin(stack)
    for origin in (page_origin(stack) + ".evil.example", "http://evil.example/" + page_origin(stack)):
        bad = requests.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in bad.headers, origin


def test_an_sms_volunteers_number_gives_no_way_into_their_conversation(stack, sms_gateway):
    """Their conversation's id is an HMAC of the number, and REST addressing the number reaches another,
    new conversation."""
    from tests.conftest import SmsChat
    from tests.e2e.test_callback_channel import sms
    volunteer = SmsChat(stack, "+8613912345678")
    sms(stack, sms_gateway, volunteer.phone, "hi")
    sms(stack, sms_gateway, volunteer.phone, "1")
    assert volunteer.slots()["screening_consent"] is True
    before = volunteer.events()
    intruder = Chat(stack, volunteer.phone)
    intruder.say("delete my data")
    intruder.say("yes")
    assert volunteer.events() == before and volunteer.slots()["screening_consent"] is True
    assert volunteer.phone not in volunteer.sender
