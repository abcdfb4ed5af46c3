"""An SMS-style exchange over Rasa's callback channel: plain text, numbered replies, every message delivered."""
import json
import random
import re
import string
import time
import uuid

import pytest
import requests

from bot.stack import free_port
from tests.conftest import SmsChat, database_unavailable, start_stack, stop_stack
from tests.e2e.test_conversations import PROTOCOL
from tests.e2e.test_erasure import tables_holding
from tests.receiver import SmsGateway


def sms(stack, gateway, sender, text, expect_at_least=1, timeout=20):
    """Send one SMS to the bot; return the bot messages the gateway received for it."""
    before = len(gateway.for_recipient(sender))
    response = requests.post(f"{stack.settings.rasa_url}/webhooks/callback/webhook",
                             json={"sender": sender, "message": text}, timeout=30)
    assert response.ok, response.text
    deadline = time.monotonic() + timeout
    while len(gateway.for_recipient(sender)) < before + expect_at_least and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # let any further message of the same turn arrive
    return gateway.for_recipient(sender)[before:]


def texts(messages):
    return "\n".join(m["text"] for m in messages)


def test_short_screening_by_sms_with_numbered_replies(stack, sms_gateway, chat):
    chat = SmsChat(stack, chat.sender)
    sender = chat.phone
    intro = sms(stack, sms_gateway, sender, "hi")
    assert len(intro) == 1  # the intro and the consent question, packed into one message of two SMS segments
    assert "prescreen" in texts(intro) and texts(intro).endswith("Start?\nReply 1 Yes, 2 No, 3 Chinese")
    assert all(not m.get("buttons") for m in intro)  # no buttons on a text-only channel

    age = sms(stack, sms_gateway, sender, "1")
    assert texts(age).startswith("Thank you. Q1 of 25: How old are you?") and texts(age).endswith("\nReply 1 Not sure")
    question = sms(stack, sms_gateway, sender, "52")
    assert texts(question) == f"Q2 of 25: {PROTOCOL.by_id['distant_metastasis'].brief_question}\nReply 1 Yes, 2 No, 3 Not sure"
    sms(stack, sms_gateway, sender, "2")  # no spread
    sms(stack, sms_gateway, sender, "3")  # not sure about the dose
    sms(stack, sms_gateway, sender, "1")  # recurrence > 6 months
    verdict = sms(stack, sms_gateway, sender, "1")  # other treatment for the recurrence: rules out
    assert "you likely can't join this trial" in texts(verdict) and "What you could do now" in texts(verdict)
    assert "Reply 1 Yes, 2 No, 3 Change it" in texts(verdict)

    slots = chat.slots()
    answers = slots["screening_answers"]
    assert {k: v["answer"] for k, v in answers.items()} == {
        "age": 52, "distant_metastasis": "no", "prior_imrt": "not_sure", "recurrence_interval": "yes",
        "other_treatment": "yes"}
    assert slots["screening_verdict"] == "likely_ineligible"
    # every bot message of the conversation reached the gateway, in the tracker's order
    assert chat.sender.startswith("sms-") and sender not in chat.sender  # never the phone number as the id
    tracker = requests.get(f"{stack.settings.rasa_url}/conversations/{chat.sender}/tracker",
                           params={"token": stack.settings.token}, timeout=10).json()
    sent = [e["text"] for e in tracker["events"] if e["event"] == "bot"]
    received = [m["text"] for m in sms_gateway.for_recipient(sender)]
    assert "\n".join(received) == "\n".join(sent) and len(received) <= len(sent)  # packed, nothing lost or added


def test_numbers_outside_a_question_are_not_answers(stack, sms_gateway, chat):
    chat = SmsChat(stack, chat.sender)
    sender = chat.phone
    sms(stack, sms_gateway, sender, "hi")
    sms(stack, sms_gateway, sender, "1")
    reply = sms(stack, sms_gateway, sender, "2")  # the age question offers one choice only
    assert "does not look like an age" in texts(reply)
    assert chat.slots()["screening_answers"] == {}


# --- The gateway down (issue item 3): a stack of its own, whose CALLBACK_URL points where nothing listens ---

@pytest.fixture(scope="module")
def gateway_down(tmp_path_factory):
    """`python -m bot run` sending the bot's messages to a free port where nothing listens until a test starts
    a gateway there; replies are retried quickly (0.2 s doubling, at most 1 s apart) for 10 minutes."""
    port = free_port()
    workdir = tmp_path_factory.mktemp("callback-down")
    running = start_stack(workdir, f"sqlite:///{workdir / 'bot.db'}", extra_env={
        "CALLBACK_URL": f"http://127.0.0.1:{port}/bot", "CALLBACK_RETRY_BASE_SECONDS": "0.2",
        "CALLBACK_RETRY_CAP_SECONDS": "1", "CALLBACK_RETRY_FOR_SECONDS": "600"})
    yield running, port
    assert stop_stack(running) == 0, running.output.read_text(errors="replace")


def post(running, sender, text):
    return requests.post(f"{running.settings.rasa_url}/webhooks/callback/webhook",
                         json={"sender": sender, "message": text}, timeout=60)


def queued(chat):
    """The conversation's undelivered replies, as `python -m bot replies --json` lists them for staff."""
    done = chat.command("replies", "--json")
    assert done.returncode == 0, done.stderr
    return [r for r in json.loads(done.stdout) if r["recipient_id"] == chat.sender]


def logs_of(running):
    return {path.name: path.read_text(errors="replace")
            for path in [*sorted((running.output.parent / "log").glob("*.log")), running.output]}


def phone_sender():
    return "+86139" + "".join(random.choice(string.digits) for _ in range(8))


def test_gateway_down_the_turn_is_stored_whole_and_the_replies_arrive_once_it_listens(gateway_down):
    running, port = gateway_down
    chat = SmsChat(running, phone_sender())
    canary = f"canary{uuid.uuid4().hex[:10]}"
    for text in (f"hi, I have HIV {canary}", "1", "I'm 52"):  # before consent, consent, the first answer
        response = post(running, chat.phone, text)
        assert response.status_code == 200, (text, response.status_code, response.text)

    # the turns are stored whole: each message, then the bot's replies to it
    events = [e for e in chat.events() if e["event"] in ("user", "bot")]
    kinds = "".join("u" if e["event"] == "user" else "b" for e in events)
    assert kinds.count("u") == 3 and re.fullmatch(r"(ub+){3}", kinds), kinds
    bot_texts = [e["text"] for e in events if e["event"] == "bot"]
    assert "Q2 of 25:" in bot_texts[-1]
    slots = chat.slots()
    assert slots["screening_consent"] is True and slots["current_criterion"] == "distant_metastasis"
    assert slots["screening_answers"] == {"age": {"answer": 52, "text": "I'm 52"}}
    stored = chat.screening()  # the screening tables agree with the slots
    assert {k: (v["answer"], v["text"]) for k, v in stored["answers"].items()} == {"age": (52, "I'm 52")}
    assert stored["current_criterion"] == "distant_metastasis"

    # every reply is queued, in order, with no text in the listing; nothing typed before consent in any table
    rows = queued(chat)
    assert 3 <= len(rows) <= len(bot_texts) and all(r["state"] == "pending" for r in rows)  # a turn's packed
    assert rows[0]["attempts"] >= 1 and rows[0]["last_error"] == "could not connect"
    assert "text" not in json.dumps(rows)
    assert tables_holding(running, canary) == []

    # the failure is logged, without what the volunteer typed or the bot replied
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "not delivered" not in "".join(logs_of(running).values()):
        time.sleep(0.2)
    logs = logs_of(running)
    assert any("reply" in line and "not delivered" in line and "could not connect" in line
               for text in logs.values() for line in text.splitlines())
    for needle in [canary, "I'm 52", chat.phone, chat.phone[1:], *(t[:30] for t in bot_texts)]:
        assert [name for name, text in logs.items() if needle in text] == [], needle

    # the gateway comes back: every reply arrives, once, in the tracker's order, and the queue empties
    gateway = SmsGateway(port).start()
    try:
        deadline = time.monotonic() + 30
        while len(gateway.for_recipient(chat.phone)) < len(rows) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # a duplicate would arrive now
        received = [m["text"] for m in gateway.for_recipient(chat.phone)]
        assert len(received) == len(rows) and "\n".join(received) == "\n".join(bot_texts)
        assert queued(chat) == []
        # and the next turn is delivered at once
        reply = sms(running, gateway, chat.phone, "2")
        assert "Q3 of 25:" in texts(reply)
    finally:
        gateway.stop()


def test_erasing_a_conversation_deletes_its_queued_replies(gateway_down):
    running, _ = gateway_down
    by_command, in_chat = SmsChat(running, phone_sender()), SmsChat(running, phone_sender())
    for chat in (by_command, in_chat):
        for text in ("hi", "1", "I'm 45"):
            assert post(running, chat.phone, text).status_code == 200
        assert len(queued(chat)) >= 3

    done = by_command.command("erase", "--phone", by_command.phone)  # staff asked by phone: the same conversation
    assert done.returncode == 0 and "queued_replies" in done.stdout and by_command.sender in done.stdout, done.stdout
    assert queued(by_command) == []

    for text in ("delete my data", "1"):  # asks first; 1: "Yes, delete everything"
        assert post(running, in_chat.phone, text).status_code == 200
    assert in_chat.screening() is None
    left = queued(in_chat)  # only the reply saying it is done, waiting for the gateway
    assert len(left) == 1 and left[0]["state"] == "pending"


def test_database_unavailable_the_trouble_reply_is_sent_unqueued(gateway_down):
    """Nothing can be queued (or stored) while the database is unavailable: the turn's reply, "we are having
    trouble", is sent once straight away, and the screening carries on once the database is back."""
    running, port = gateway_down
    chat = SmsChat(running, phone_sender())
    gateway = SmsGateway(port).start()
    try:
        sms(running, gateway, chat.phone, "hi")
        sms(running, gateway, chat.phone, "1")
        assert "Q2 of 25:" in texts(sms(running, gateway, chat.phone, "I'm 45"))
        with database_unavailable(running.settings):
            reply = sms(running, gateway, chat.phone, "2")
            assert "we are having trouble" in texts(reply).lower()
        assert "could not queue a turn's replies (1, OperationalError); sending them once, unqueued" in \
            logs_of(running)["rasa.log"]
        assert chat.slots()["current_criterion"] == "distant_metastasis"
        assert "Q3 of 25:" in texts(sms(running, gateway, chat.phone, "2"))
    finally:
        gateway.stop()
